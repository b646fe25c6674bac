/*
 * RDMSR and WRMSR exits, and RDPMC (SDM revision 084, Vol. 3C
 * "VM-Execution Control Fields", MSR-Bitmap Address; Vol. 2B "RDMSR",
 * "WRMSR", "RDPMC"; Vol. 4 "Model-Specific Registers").
 *
 * Deny by default: the MSR bitmap (vcpu_msr_bitmap, hv/vcpu_setup.c) makes
 * every MSR exit but FS_BASE and GS_BASE, and the MSR table of hv/vcpu/
 * (docs/virtual-cpu.md "MSRs") decides each access. Here its verdict is
 * carried out: a value returned, a VMCS field or an MSR-load slot
 * written, or #GP injected. The first access to each MSR the table does
 * not know is reported once, with its number, the direction and the guest
 * RIP; other refused accesses are reported up to MSR_GP_REPORTS times.
 */
#include "hv/exit.h"
#include "hv/vcpu_setup.h"
#include "hv/intc.h"
#include "hv/vcpu/msr.h"
#include "hv/vcpu/cpuid.h"
#include "vmx/vmcs_setup.h"
#include "include/x86.h"
#include "lib/console.h"

#define MSR_GP_REPORTS 16

static struct vcpu_msr_seen msr_seen;    /* one vCPU */
static unsigned gp_reports;

static struct vcpu_msr_ctx msr_ctx(struct vcpu *v)
{
	return (struct vcpu_msr_ctx){
		.tsc = rdtsc(),     /* TSC scaling is off: the guest's base */
		.cr0 = vmcs_guest_cr0(&v->ctl),
		.efer = vmcs_read64(VMCS_GUEST_IA32_EFER),
	};
}

/* #GP for a refused access, reported: once per unknown MSR, and a few
 * lines for the known ones (a rule, a hidden feature). */
static void msr_gp(struct vcpu *v, const struct vcpu_msr_verdict *vd,
		   uint32_t msr, bool write, uint64_t val)
{
	uint64_t rip = vmcs_readnat(VMCS_GUEST_RIP);

	if (!vd->desc) {
		if (vcpu_msr_first_unknown(&msr_seen, msr)) {
			exit_com1_flush(v);
			printf("msr: first access to unknown MSR 0x%x (%s) at "
			       "rip 0x%llx: #GP\n", msr,
			       write ? "write" : "read",
			       (unsigned long long)rip);
		}
	} else if (gp_reports < MSR_GP_REPORTS) {
		gp_reports++;
		exit_com1_flush(v);
		if (write)
			printf("msr: WRMSR 0x%x (%s) value 0x%llx at rip 0x%llx: "
			       "#GP (%s)\n", msr, vd->desc->name,
			       (unsigned long long)val, (unsigned long long)rip,
			       vd->reason);
		else
			printf("msr: RDMSR 0x%x (%s) at rip 0x%llx: #GP (%s)\n",
			       msr, vd->desc->name, (unsigned long long)rip,
			       vd->reason);
	}
	exit_inject_gp(v);
}

void handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	struct vcpu_msr_ctx ctx = msr_ctx(v);
	struct vcpu_msr_verdict vd;

	/* The VMCS holds the current values the guest can change without
	 * an exit: IA32_KERNEL_GS_BASE (SWAPGS) in the MSR-store slot,
	 * IA32_DEBUGCTL (saved by "save debug controls"). */
	if (msr == MSR_KERNEL_GS_BASE)
		vcpu_msr_switched_sync(v);
	if (msr == MSR_IA32_DEBUGCTL &&
	    (v->ctl.exit_ctl & EXIT_SAVE_DEBUG_CONTROLS))
		v->msr.debugctl = vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL);
	vd = vcpu_msr_read(&v->msr, &v->cpuid->f, &ctx, msr);
	if (vd.action != VCPU_MSR_DONE) {
		msr_gp(v, &vd, msr, false, 0);
		return;
	}
	v->regs.gpr[GPR_RAX] = (uint32_t)vd.value;
	v->regs.gpr[GPR_RDX] = vd.value >> 32;
	exit_skip_insn();
}

void handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];
	uint64_t apic_base = v->msr.apic_base;
	struct vcpu_msr_ctx ctx = msr_ctx(v);
	struct vcpu_msr_verdict vd;

	vd = vcpu_msr_write(&v->msr, &v->cpuid->f, &ctx, msr, val);
	switch (vd.action) {
	case VCPU_MSR_GP:
		msr_gp(v, &vd, msr, true, val);
		return;
	case VCPU_MSR_DONE:
		break;
	case VCPU_MSR_SET_EFER:
		vmcs_write64(VMCS_GUEST_IA32_EFER, vd.value);
		break;
	case VCPU_MSR_SET_PAT:
		/* Without the PAT controls the guest runs on the host's PAT
		 * and its own stays virtual (docs/virtual-cpu.md). */
		if (v->ctl.entry_ctl & ENTRY_LOAD_IA32_PAT)
			vmcs_write64(VMCS_GUEST_IA32_PAT, vd.value);
		break;
	case VCPU_MSR_SET_SYSENTER_CS:
		vmcs_write32(VMCS_GUEST_SYSENTER_CS, (uint32_t)vd.value);
		break;
	case VCPU_MSR_SET_SYSENTER_ESP:
		vmcs_writenat(VMCS_GUEST_SYSENTER_ESP, vd.value);
		break;
	case VCPU_MSR_SET_SYSENTER_EIP:
		vmcs_writenat(VMCS_GUEST_SYSENTER_EIP, vd.value);
		break;
	case VCPU_MSR_SET_DEBUGCTL:
		vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, vd.value);
		break;
	case VCPU_MSR_SET_TSC_OFFSET:
		/* IA32_TSC and IA32_TSC_ADJUST: the offset moves, the host's
		 * TSC is never written. */
		vmcs_write64(VMCS_TSC_OFFSET, vd.value);
		break;
	case VCPU_MSR_SET_SWITCHED:
		vcpu_msr_switched_set(v, msr, vd.value);
		break;
	case VCPU_MSR_SET_APIC_BASE:
		/* The local APIC model follows (hv/intc.c): disable, x2APIC. */
		intc_apic_base(v, apic_base, vd.value);
		break;
	case VCPU_MSR_SET_DEADLINE:
		intc_tsc_deadline(v, vd.value);     /* guest TSC */
		break;
	case VCPU_MSR_IBPB:
		wrmsr(MSR_IA32_PRED_CMD, 1);
		break;
	}
	exit_skip_insn();
}

/* RDPMC exits: performance monitoring is hidden (CPUID leaf 0AH version
 * 0), so every counter index is invalid and RDPMC is #GP (SDM Vol. 2B
 * "RDPMC"), whatever CR4.PCE says. Without the exit, a guest that sets
 * CR4.PCE could read the host's counters. */
void handle_rdpmc(struct vcpu *v)
{
	exit_inject_gp(v);
}
