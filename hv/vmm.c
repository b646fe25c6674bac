/* Placeholder until the VT-x core lands: detect VMX and stop. */
#include "vmm.h"
#include "x86.h"
#include "console.h"
#include "run.h"

void vmm_main(struct boot_info *bi)
{
	struct cpuid_regs r = cpuid(1, 0);

	(void)bi;
	if (!(r.ecx & CPUID_1_ECX_VMX)) {
		printf("vmx: VT-x not available: CPUID.1:ECX.VMX[bit 5] = 0\n");
		run_end(RUN_FAIL, "VT-x not available");
	}
	printf("vmx: VT-x present (VT-x core not built yet)\n");
	run_end(RUN_PASS, NULL);
}
