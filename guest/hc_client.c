/*
 * Is the guest running under eptlab? CPUID.1:ECX[31] (hypervisor
 * present) and leaf 0x40000000 returning "EptLabEptLab" (hypercall.h).
 * Hypercalls are VMCALL, issued only once eptlab was detected: outside
 * VMX operation VMCALL raises #UD.
 */
#include "guest/guest.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

static bool detected;

bool hv_detect(void)
{
	struct cpuid_regs r = cpuid(1, 0);

	detected = false;
	if (!(r.ecx & CPUID_1_ECX_HYPERVISOR))
		return false;
	r = cpuid(HC_CPUID_LEAF, 0);
	detected = r.ebx == HC_CPUID_SIG_EBX && r.ecx == HC_CPUID_SIG_ECX &&
		   r.edx == HC_CPUID_SIG_EDX;
	return detected;
}

bool hv_present(void)
{
	return detected;
}

/* ABI (hypercall.h): RAX = number; RBX, RCX, RDX, RSI = arguments;
 * result in RAX; other registers preserved. */
long hc_call(unsigned long nr, unsigned long a1, unsigned long a2,
	     unsigned long a3, unsigned long a4)
{
	uint64_t a[4] = { a1, a2, a3, a4 };

	if (!detected)
		return -ENOSYS;
	return (long)vmcall(nr, a);
}
