/*
 * RDMSR and WRMSR exits (SDM revision 084, Vol. 3C "VM-Execution Control
 * Fields", MSR-Bitmap Address; Vol. 4 "Model-Specific Registers").
 *
 * Which MSRs exit is decided here (exit_msr_bitmap): IA32_APIC_BASE is
 * virtualized; IA32_FEATURE_CONTROL and the VMX capability MSRs
 * 0x480-0x491 get #GP, since VMX is hidden; MSRs outside the bitmap ranges
 * always exit and get #GP, as on a CPU without them. Every other MSR in
 * the bitmap ranges passes through.
 */
#include "hv/exit.h"
#include "vmx/vmcs_setup.h"
#include "include/x86.h"

void exit_msr_bitmap(uint8_t *bm)
{
	vmx_msr_bitmap_intercept(bm, MSR_IA32_APIC_BASE);
	vmx_msr_bitmap_intercept(bm, MSR_IA32_FEATURE_CONTROL);
	for (uint32_t m = MSR_IA32_VMX_BASIC; m <= MSR_IA32_VMX_VMFUNC; m++)
		vmx_msr_bitmap_intercept(bm, m);
}

void handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val;

	if (msr != MSR_IA32_APIC_BASE) {
		exit_inject_gp(v);
		return;
	}
	val = v->apic_base;
	v->regs.gpr[GPR_RAX] = (uint32_t)val;
	v->regs.gpr[GPR_RDX] = val >> 32;
	exit_skip_insn();
}

void handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];
	/* IA32_APIC_BASE reserved bits: 7:0, 9 and those above MAXPHYADDR.
	 * The value is remembered; the local APIC itself is not
	 * virtualized. */
	uint64_t rsvd = 0x2FF | ~GENMASK(v->caps->maxphyaddr - 1, 0);

	if (msr != MSR_IA32_APIC_BASE || (val & rsvd)) {
		exit_inject_gp(v);
		return;
	}
	v->apic_base = val;
	exit_skip_insn();
}
