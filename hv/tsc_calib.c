/*
 * Host time decisions (hv/tsc.h), pure C for the host unit tests
 * (tests/unit/test_tsc.c): the TSC frequency from CPUID leaf 15H,
 * and the CPU models whose VMX-preemption timer cannot be trusted.
 * SDM revision 084, Vol. 2A "CPUID—CPU Identification" (leaves 15H, 16H);
 * Vol. 3B "Time-Stamp Counter".
 */
#include "hv/tsc.h"

uint64_t tsc_khz_from_cpuid(uint32_t max_leaf, struct cpuid_regs l15,
			    const char **src)
{
	/* Leaf 15H: TSC = crystal (ECX Hz) * EBX / EAX. EAX or EBX 0: the
	 * ratio is not enumerated; ECX 0: the crystal is not, and then the
	 * leaf does not tell the TSC frequency. Leaf 16H's base frequency is
	 * the processor's nominal one, which the SDM does not promise to be
	 * the TSC's (emulators report a made-up one): it is only the last
	 * resort, after the PIT (hv/tsc.c). */
	if (max_leaf >= 0x15 && l15.eax && l15.ebx && l15.ecx) {
		*src = "CPUID.15H: crystal x ratio";
		return (uint64_t)l15.ecx * l15.ebx / l15.eax / 1000;
	}
	*src = NULL;
	return 0;
}

/* CPUID.1:EAX signatures (stepping included; the reserved bits 15:14 and
 * 31:28 cleared) of CPUs whose VMX-preemption timer counts faster than
 * IA32_VMX_MISC[4:0] says: the errata list Linux KVM keeps in
 * arch/x86/kvm/vmx/vmx.c (vmx_preemption_cpu_tfms[],
 * cpu_has_broken_vmx_preemption_timer()), from Intel's specification
 * updates: Xeon 7500 (BA86), Xeon L3406, Core i7-600/i5-500/i3-300 mobile,
 * i5-600/i3-500 desktop (AAX65, AAT59, AAU65), Xeon 3400 and Core
 * i7-800/i5-700 (AAO95, AAN92, AAP86), Xeon 3500/5500 and Core i7-900
 * (AAM126, AAK139, AAJ124), and the Xeon E3-1220 V2. */
static const uint32_t broken_timer[] = {
	0x000206E6, 0x00020652, 0x00020655, 0x000106E5, 0x000106A0,
	0x000106A1, 0x000106A4, 0x000106A5, 0x000306A8,
};

bool tsc_preempt_timer_broken(uint32_t cpuid1_eax)
{
	uint32_t sig = cpuid1_eax & ~(0x3U << 14 | 0xFU << 28);

	for (size_t i = 0; i < ARRAY_SIZE(broken_timer); i++)
		if (sig == broken_timer[i])
			return true;
	return false;
}
