/* Names of the virtual CPU's features (hv/vcpu/features.h), as
 * docs/virtual-cpu.md writes them. */
#include "hv/vcpu/features.h"

const char *vcpu_feature_name(enum vcpu_feature x)
{
#define N(f) [VCPU_F_##f] = #f
	static const char *const name[VCPU_F_COUNT] = {
		N(VME), N(DE), N(PSE), N(TSC), N(PAE), N(MCE), N(APIC), N(SEP),
		N(MTRR), N(PGE), N(MCA), N(PAT), N(FXSR), N(SSE), N(PCID),
		N(X2APIC), N(TSC_DEADLINE), N(XSAVE), N(FSGSBASE),
		N(TSC_ADJUST), N(SMEP), N(INVPCID), N(SMAP), N(UMIP), N(PKU),
		N(LA57), N(RDPID), N(IBRS), N(STIBP), N(ARCH_CAP), N(SSBD),
		N(XSAVEC), N(XSAVES), N(SYSCALL), N(NX), N(RDTSCP), N(LM),
		N(PDCM), N(VMX), N(SMX), N(KL), N(CET), N(PKS), N(UINTR),
		N(LAM), N(FRED),
	};
#undef N
	return (unsigned)x < VCPU_F_COUNT && name[x] ? name[x] : "?";
}
