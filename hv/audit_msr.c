/*
 * The host MSRs no guest write may reach (hv/audit.h): IA32_PAT, the MTRRs
 * (IA32_MTRR_DEF_TYPE, the 11 fixed-range MTRRs, every variable pair
 * IA32_MTRRCAP.VCNT reports) and IA32_TSC_ADJUST, each only if the host's
 * CPUID shows it. Read once at boot, before any guest runs; compared by
 * HC_AUDIT and at the end of the run (guest_end), where a change fails
 * the run, naming the MSR and both values. The MSR table keeps every one
 * of them virtual (docs/virtual-cpu.md), so a change means a guest write
 * reached the hardware. SDM revision 084, Vol. 3A "Memory Type Range
 * Registers (MTRRs)", "Page Attribute Table (PAT)", Vol. 3B "Time-Stamp
 * Counter Adjustment".
 */
#include "hv/audit.h"
#include "hv/extable.h"
#include "hv/vcpu/msr.h"
#include "include/err.h"
#include "include/x86.h"
#include "lib/console.h"

#define AUDIT_MSR_MAX  (3 + VCPU_MTRR_FIXED + 2 * 32)

static const uint32_t fixed_mtrr[VCPU_MTRR_FIXED] = {
	MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX16K_80000,
	MSR_IA32_MTRR_FIX16K_A0000, 0x268, 0x269, 0x26A, 0x26B, 0x26C, 0x26D,
	0x26E, 0x26F,
};

static struct {
	uint32_t msr;
	uint64_t boot;
} watched[AUDIT_MSR_MAX];
static unsigned n_watched, n_var;

static void watch(uint32_t msr)
{
	uint64_t v;

	if (n_watched < AUDIT_MSR_MAX && !probe_rdmsr(msr, &v))
		watched[n_watched++] = (typeof(watched[0])){ msr, v };
}

static const char *msr_name(uint32_t msr)
{
	if (msr >= MSR_IA32_MTRR_PHYSBASE0 && msr < MSR_IA32_MTRR_FIX64K_00000)
		return (msr & 1) ? "IA32_MTRR_PHYSMASKn" : "IA32_MTRR_PHYSBASEn";
	if (msr >= MSR_IA32_MTRR_FIX64K_00000 && msr <= 0x26F)
		return "fixed-range MTRR";
	return vcpu_msr_name(msr);
}

void audit_msr_init(void)
{
	struct cpuid_regs l1 = cpuid(1, 0);
	bool mtrr = l1.edx & BIT(12), pat = l1.edx & BIT(16);
	bool adjust = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(1));
	uint64_t cap = 0;

	if (pat)
		watch(MSR_IA32_PAT);
	if (adjust)
		watch(MSR_IA32_TSC_ADJUST);
	if (mtrr && !probe_rdmsr(MSR_IA32_MTRRCAP, &cap)) {
		watch(MSR_IA32_MTRR_DEF_TYPE);
		if (cap & BIT(8))                   /* FIX */
			for (unsigned i = 0; i < VCPU_MTRR_FIXED; i++)
				watch(fixed_mtrr[i]);
		n_var = (unsigned)MIN(cap & 0xFF, 32);   /* VCNT */
		for (unsigned i = 0; i < 2 * n_var; i++)
			watch(MSR_IA32_MTRR_PHYSBASE0 + i);
	}
	printf("audit: host MSRs watched: %u (PAT %s, TSC_ADJUST %s, MTRRs %s: "
	       "def type, %s fixed, %u variable pairs)\n", n_watched,
	       pat ? "yes" : "no", adjust ? "yes" : "no", mtrr ? "yes" : "no",
	       (cap & BIT(8)) ? "11" : "no", n_var);
}

int audit_msr_check(void)
{
	unsigned bad = 0;

	for (unsigned i = 0; i < n_watched; i++) {
		uint64_t now = ~watched[i].boot;

		if (!probe_rdmsr(watched[i].msr, &now) && now == watched[i].boot)
			continue;
		bad++;
		printf("audit: BAD host MSR 0x%x (%s) changed: 0x%llx at boot, "
		       "0x%llx now\n", watched[i].msr, msr_name(watched[i].msr),
		       (unsigned long long)watched[i].boot,
		       (unsigned long long)now);
	}
	printf("audit: host MSRs %s: %u of %u changed (PAT, MTRRs, "
	       "TSC_ADJUST)\n", bad ? "FAIL" : "PASS", bad, n_watched);
	return bad ? -EIO : 0;
}
