/*
 * Instructions the hypervisor executes for the guest: CPUID (filtered),
 * XSETBV (validated), INVD and WBINVD. SDM revision 084, Vol. 2A "CPUID",
 * Vol. 2C "XSETBV", Vol. 3C "Instructions That Cause VM Exits
 * Unconditionally".
 */
#include "hv/exit.h"
#include "include/hypercall.h"
#include "include/x86.h"

/* CPUID as the guest sees it: VMX hidden, the hypervisor bit set and a
 * signature at 0x40000000; the features whose VM-execution control is off
 * (INVPCID, RDTSCP, XSAVES) hidden too, so the guest never meets a #UD
 * for a feature CPUID offers. */
void handle_cpuid(struct vcpu *v)
{
	uint64_t *r = v->regs.gpr;
	uint32_t leaf = (uint32_t)r[GPR_RAX], sub = (uint32_t)r[GPR_RCX];
	uint32_t proc2 = v->ctl.proc2;
	struct cpuid_regs c;

	if (leaf >= HC_CPUID_LEAF && leaf <= HC_CPUID_LEAF + 0xFF) {
		c = (struct cpuid_regs){ 0 };
		if (leaf == HC_CPUID_LEAF)
			c = (struct cpuid_regs){ HC_CPUID_LEAF, HC_CPUID_SIG_EBX,
						 HC_CPUID_SIG_ECX,
						 HC_CPUID_SIG_EDX };
	} else {
		c = cpuid(leaf, sub);
		switch (leaf) {
		case 1:
			c.ecx &= ~(uint32_t)CPUID_1_ECX_VMX;
			c.ecx |= CPUID_1_ECX_HYPERVISOR;
			break;
		case 7:
			if (sub == 0 && !(proc2 & PROC2_ENABLE_INVPCID))
				c.ebx &= ~(uint32_t)CPUID_7_EBX_INVPCID;
			break;
		case 0xD:
			if (sub == 1 && !(proc2 & PROC2_ENABLE_XSAVES))
				c.eax &= ~(uint32_t)CPUID_D_1_EAX_XSAVES;
			break;
		case 0x80000001:
			if (!(proc2 & PROC2_ENABLE_RDTSCP))
				c.edx &= ~(uint32_t)CPUID_80000001_EDX_RDTSCP;
			break;
		}
	}
	r[GPR_RAX] = c.eax;
	r[GPR_RBX] = c.ebx;
	r[GPR_RCX] = c.ecx;
	r[GPR_RDX] = c.edx;
	exit_skip_insn();
}

/* SDM Vol. 2C "XSETBV": #GP(0) for ECX != 0, XCR0[0] = 0, unsupported
 * bits, or AVX without SSE. */
void handle_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];
	struct cpuid_regs d = cpuid(0xD, 0);
	uint64_t ok = ((uint64_t)d.edx << 32) | d.eax;

	if ((uint32_t)v->regs.gpr[GPR_RCX] != 0 || !(val & BIT(0)) ||
	    (val & ~ok) || ((val & BIT(2)) && !(val & BIT(1)))) {
		exit_inject_gp(v);
		return;
	}
	xsetbv(0, val);
	exit_skip_insn();
}

void handle_invd(struct vcpu *v)
{
	/* INVD would drop dirty lines the host owns: treat it as WBINVD. */
	wbinvd();
	exit_skip_insn();
}
