/*
 * Control-register exits: MOV to/from CR0, CR3, CR4, CLTS and LMSW (SDM
 * revision 084, Vol. 3C "Exit Qualification for Control-Register
 * Accesses", "Guest/Host Masks and Read Shadows for CR0 and CR4"; Vol. 2B
 * "MOV-Move to/from Control Registers").
 *
 * A MOV to CR0/CR4 exits when it changes a bit the host owns (the
 * guest/host masks from vcpu_cr_masks: the VMX fixed bits and every bit
 * of a feature the guest does not see). Whatever bit made it exit, the
 * write is decided by vcpu_cr0/3/4_write (hv/vcpu/cr.c) with every rule of
 * docs/virtual-cpu.md "Control registers"; a refused write is #GP and
 * changes nothing. A legal one is committed in this order, so that a bad
 * PAE PDPTE is #GP before anything was written:
 *   1. PAE paging: the four PDPTEs read and checked (vcpu_cr_pdpte_check);
 *   2. the register (the value with the fixed bits) and its read shadow,
 *      EFER and the "IA-32e mode guest" entry control, the PDPTEs;
 *   3. the flush the verdict asks for (INVVPID, with its fallback).
 * The result passes the VM-entry checks: the rules cover the guest-state
 * checks on CR0, CR4, EFER and the IA-32e control (the software checker
 * names any rule that would still fail, hv/entry_fail.c).
 */
#include "hv/exit.h"
#include "hv/intc.h"
#include "hv/vm.h"
#include "hv/vcpu/cr.h"
#include "hv/vcpu/cpuid.h"
#include "hv/run.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_exitinfo.h"
#include "include/x86.h"
#include "lib/console.h"

#define CR_GP_REPORTS 16        /* refused writes reported, then quiet */

/* INVVPID of the kind asked (single-context, or retaining globals) or
 * the wider one the CPU has (vmx_invvpid_type). Without VPID every VM
 * entry and exit flushes VPID 0 anyway (SDM 3C "VPID and TLB
 * Invalidation"). */
static void vpid_flush(struct vcpu *v, unsigned want)
{
	int type;

	if (!v->ctl.vpid)
		return;
	type = vmx_invvpid_type(v->caps, want);
	if (type < 0)
		panic("VPID on without INVVPID (checked at boot)");
	vmx_invvpid((unsigned)type, v->ctl.vpid, 0);
	vm_count_invvpid(v->vm, (unsigned)type);
}

void exit_vpid_flush(struct vcpu *v)
{
	vpid_flush(v, INVVPID_SINGLE);
}

static struct vcpu_cr_state cr_state(struct vcpu *v)
{
	return (struct vcpu_cr_state){
		.cr0 = vmcs_guest_cr0(&v->ctl),
		.cr3 = vmcs_readnat(VMCS_GUEST_CR3),
		.cr4 = vmcs_guest_cr4(&v->ctl),
		.efer = vmcs_read64(VMCS_GUEST_IA32_EFER),
		.cs_l = vmcs_read32(VMCS_GUEST_CS_AR) & BIT(13),
	};
}

static void cr_gp(struct vcpu *v, unsigned cr, uint64_t val, const char *rule,
		  const char *sdm)
{
	static unsigned reports;

	if (reports++ < CR_GP_REPORTS) {
		exit_com1_flush(v);
		printf("cr: MOV to CR%u of 0x%llx at rip 0x%llx: #GP (%s; SDM "
		       "%s)\n", cr, (unsigned long long)val,
		       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP), rule,
		       sdm);
	}
	exit_inject_gp(v);
}

/* MOV to CR0 (also CLTS and LMSW), CR3 or CR4 of val. false: #GP. */
static bool cr_write(struct vcpu *v, unsigned cr, uint64_t val)
{
	const struct vcpu_cr_caps *cc = v->cr_caps;
	const struct vcpu_features *f = &v->cpuid->f;
	struct vcpu_cr_state s = cr_state(v);
	struct vcpu_cr_verdict vd;
	uint64_t cr0 = s.cr0, cr3 = s.cr3, cr4 = s.cr4, pdpte[4];
	const char *rule = NULL;

	vd = cr == 0 ? vcpu_cr0_write(cc, f, &s, val) :
	     cr == 4 ? vcpu_cr4_write(cc, f, &s, val) :
		       vcpu_cr3_write(cc, f, &s, val);
	if (vd.gp) {
		cr_gp(v, cr, val, vd.rule, vd.sdm);
		return false;
	}
	if (cr == 0)
		cr0 = vd.value;
	else if (cr == 4)
		cr4 = vd.value;
	else
		cr3 = vd.value;

	/* 1. PDPTEs before anything is written (SDM 3A "PDPTE Registers":
	 * a bad one makes the MOV #GP). Outside guest RAM they read as all
	 * ones, which sets reserved bits. */
	if (vd.flags & VCPU_CR_PDPTES) {
		if (vm_read(v->vm, cr3 & GENMASK(31, 5), pdpte, sizeof(pdpte))) {
			cr_gp(v, cr, val, "PAE PDPTEs outside guest RAM",
			      "Vol. 3A \"PDPTE Registers\"");
			return false;
		}
		if (vcpu_cr_pdpte_check(pdpte, f->maxphyaddr, &rule) >= 0) {
			cr_gp(v, cr, val, rule, "Vol. 3A \"PDPTE Registers\"");
			return false;
		}
	}

	/* 2. Commit. */
	if (cr == 0) {
		vmcs_writenat(VMCS_GUEST_CR0, vcpu_cr0_hw(cc, cr0));
		vmcs_writenat(VMCS_CR0_READ_SHADOW, cr0);
	} else if (cr == 4) {
		vmcs_writenat(VMCS_GUEST_CR4, vcpu_cr4_hw(cc, cr4));
		vmcs_writenat(VMCS_CR4_READ_SHADOW, cr4);
	} else {
		vmcs_writenat(VMCS_GUEST_CR3, cr3);
	}
	if (vd.flags & VCPU_CR_LMA) {
		uint32_t entry = vmcs_read32(VMCS_ENTRY_CONTROLS);

		vmcs_write64(VMCS_GUEST_IA32_EFER, vd.efer);
		if (vd.efer & EFER_LMA)
			entry |= ENTRY_IA32E_MODE_GUEST;
		else
			entry &= ~(uint32_t)ENTRY_IA32E_MODE_GUEST;
		vmcs_write32(VMCS_ENTRY_CONTROLS, entry);
	}
	if (vd.flags & VCPU_CR_PDPTES)
		for (unsigned i = 0; i < 4; i++)
			vmcs_write64((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i),
				     pdpte[i]);

	/* 3. Flush. */
	if (vd.flags & VCPU_CR_FLUSH)
		vpid_flush(v, INVVPID_SINGLE);
	else if (vd.flags & VCPU_CR_FLUSH_NONGLOBAL)
		vpid_flush(v, INVVPID_SINGLE_NG);
	return true;
}

/* MOV to CR8: TPR[7:4] of the local APIC (SDM Vol. 3A "Task Priority in
 * IA-32e Mode"); bits 63:4 are reserved (#GP, SDM 2B "MOV-Move to/from
 * Control Registers"). */
static bool cr8_write(struct vcpu *v, uint64_t val)
{
	if (val & ~0xFULL) {
		exit_inject_gp(v);
		return false;
	}
	intc_cr8_write(v, val);
	return true;
}

void handle_cr(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned cr = CRQ_CR(q), reg = CRQ_GPR(q);
	bool ok = true;

	switch (CRQ_TYPE(q)) {
	case CRQ_TYPE_MOV_TO_CR:
		if (cr == 0 || cr == 3 || cr == 4)
			ok = cr_write(v, cr, exit_gpr_get(v, reg));
		else
			ok = cr8_write(v, exit_gpr_get(v, reg));
		break;
	case CRQ_TYPE_MOV_FROM_CR:
		if (cr == 3)
			exit_gpr_set(v, reg, vmcs_readnat(VMCS_GUEST_CR3));
		else
			exit_gpr_set(v, reg, intc_cr8_read(v));
		break;
	case CRQ_TYPE_CLTS:
		ok = cr_write(v, 0, vmcs_guest_cr0(&v->ctl) & ~CR0_TS);
		break;
	case CRQ_TYPE_LMSW:
		ok = cr_write(v, 0, vcpu_cr_lmsw(vmcs_guest_cr0(&v->ctl),
						 (uint16_t)CRQ_LMSW_SOURCE(q)));
		break;
	}
	if (ok)
		exit_skip_insn();
}
