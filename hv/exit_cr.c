/*
 * Control-register exits: MOV to/from CR0, CR3, CR4, CLTS and LMSW (SDM
 * revision 084, Vol. 3C "Exit Qualification for Control-Register
 * Accesses", "Guest/Host Masks and Read Shadows for CR0 and CR4"; Vol. 2B
 * "MOV-Move to/from Control Registers"; Vol. 3A "Initializing IA-32e
 * Mode").
 *
 * A MOV to CR0/CR4 exits only when it changes a bit the host owns (the
 * guest/host masks, vmcs_setup). The handler validates the value, writes
 * the real register with the forced bits and the read shadow with the
 * guest's, switches IA-32e mode with CR0.PG, loads the PDPTEs for PAE
 * paging and flushes the guest's VPID when paging bits changed.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_exitinfo.h"
#include "include/x86.h"

void exit_vpid_flush(struct vcpu *v)
{
	if (v->ctl.vpid) {
		vmx_invvpid(INVVPID_SINGLE, v->ctl.vpid, 0);
		vm_count_invvpid(v->vm, INVVPID_SINGLE);
	}
}

/* PAE paging without IA-32e mode: the CPU loads the PDPTEs from the VMCS
 * on VM entry when EPT is on (SDM 3C "Loading Guest State"), so a MOV to
 * CR0/CR3/CR4 emulated here must load them from guest memory. */
static void load_pdptes(struct vcpu *v, uint64_t cr0, uint64_t cr4)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER), pdpte[4] = { 0 };

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (efer & EFER_LMA))
		return;
	vm_read(v->vm, vmcs_readnat(VMCS_GUEST_CR3) & GENMASK(31, 5), pdpte,
		sizeof(pdpte));
	for (unsigned i = 0; i < 4; i++)
		vmcs_write64((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i),
			     pdpte[i]);
}

/* Guest MOV to CR0. false: #GP injected. */
static bool set_cr0(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	uint64_t old = vmcs_guest_cr0(&v->ctl);
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	uint64_t forced = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CONTROLS);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD))) {
		exit_inject_gp(v);
		return false;
	}
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_guest_cr4(&v->ctl) & CR4_PAE)) {
			exit_inject_gp(v);
			return false;
		}
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		efer &= ~EFER_LMA;
		entry &= ~(uint32_t)ENTRY_IA32E_MODE_GUEST;
	}
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write32(VMCS_ENTRY_CONTROLS, entry);
	vmcs_writenat(VMCS_GUEST_CR0, (val | forced) & c->cr0_fixed1);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, val);
	load_pdptes(v, val, vmcs_guest_cr4(&v->ctl));
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		exit_vpid_flush(v);
	return true;
}

static bool set_cr4(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	uint64_t old = vmcs_guest_cr4(&v->ctl);

	/* VMX is hidden from the guest, so CR4.VMXE is reserved for it. */
	if ((val & ~c->cr4_fixed1) || (val & CR4_VMXE) ||
	    ((vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && !(val & CR4_PAE))) {
		exit_inject_gp(v);
		return false;
	}
	vmcs_writenat(VMCS_GUEST_CR4, val | c->cr4_fixed0);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, val);
	load_pdptes(v, vmcs_guest_cr0(&v->ctl), val);
	if ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_PCIDE | CR4_SMEP |
			   CR4_SMAP | CR4_PKE | CR4_LA57))
		exit_vpid_flush(v);
	return true;
}

void handle_cr(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned cr = CRQ_CR(q), reg = CRQ_GPR(q);
	bool ok = true;

	switch (CRQ_TYPE(q)) {
	case CRQ_TYPE_MOV_TO_CR:
		if (cr == 0)
			ok = set_cr0(v, exit_gpr_get(v, reg));
		else if (cr == 4)
			ok = set_cr4(v, exit_gpr_get(v, reg));
		else if (cr == 3) {
			vmcs_writenat(VMCS_GUEST_CR3, exit_gpr_get(v, reg));
			load_pdptes(v, vmcs_guest_cr0(&v->ctl),
				    vmcs_guest_cr4(&v->ctl));
			exit_vpid_flush(v);
		} else
			guest_stop(v, "MOV to CR8 is not virtualized");
		break;
	case CRQ_TYPE_MOV_FROM_CR:
		if (cr == 3)
			exit_gpr_set(v, reg, vmcs_readnat(VMCS_GUEST_CR3));
		else
			guest_stop(v, "MOV from CR8 is not virtualized");
		break;
	case CRQ_TYPE_CLTS:
		ok = set_cr0(v, vmcs_guest_cr0(&v->ctl) & ~CR0_TS);
		break;
	case CRQ_TYPE_LMSW: {
		uint64_t cr0 = vmcs_guest_cr0(&v->ctl);
		uint64_t src = CRQ_LMSW_SOURCE(q) & 0xF;

		/* LMSW loads PE, MP, EM, TS; it cannot clear PE. */
		ok = set_cr0(v, (cr0 & ~0xEULL) | src | (cr0 & CR0_PE));
		break;
	}
	}
	if (ok)
		exit_skip_insn();
}
