/*
 * EPT exits (SDM revision 084, Vol. 3C "EPT Violations", "EPT
 * Misconfigurations", "Exit Qualification for EPT Violations",
 * "Information for VM Exits During Event Delivery"). The violation is
 * classified and resolved by vm_ept_fault (hv/vm_ept.c): demand pages,
 * the lazy page and write tracking retry the access; an access outside
 * guest RAM or one the EPT does not permit is logged, reported (capped)
 * and answered with #GP(0), so that the guest can carry on.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "vmx/vmx_exitinfo.h"
#include "lib/console.h"

/* An EPT violation during event delivery: the event was not delivered
 * and must be injected again for the retried access. */
static void reinject_vectoring(uint32_t info)
{
	if (!(info & INTR_INFO_VALID))
		return;
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info & ~INTR_INFO_ENTRY_RESERVED);
	if (info & INTR_INFO_DELIVER_ERR)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR,
			     vmcs_read32(VMCS_IDT_VECTORING_ERROR));
	if (intr_info_needs_insn_len(info))
		vmcs_write32(VMCS_ENTRY_INSTR_LEN,
			     vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

void handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t gla = (q & EPTV_GLA_VALID) ?
		       vmcs_readnat(VMCS_GUEST_LINEAR_ADDR) : 0;
	uint32_t vect = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	bool delivering = vect & INTR_INFO_VALID;

	switch (vm_ept_fault(v->vm, vcpu_view(v), gpa, gla, q,
			     vmcs_readnat(VMCS_GUEST_RIP), delivering)) {
	case VM_FAULT_RESUME:
		exit_mark_progress();       /* the EPT changed */
		reinject_vectoring(vect);
		return;
	case VM_FAULT_RETRY:
		reinject_vectoring(vect);   /* the same event again: no progress */
		return;
	case VM_FAULT_INJECT_GP:
		if (delivering) {
			/* The fault hit the delivery of an event (IDT, stack):
			 * #GP would meet the same wall. */
			exit_com1_flush(v);
			guest_stop(v, "EPT violation while delivering an event");
		}
		exit_inject_gp(v);
		return;
	}
}

void handle_ept_misconfig(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	struct pg_walk w;

	unsigned view = vcpu_view(v);

	printf("ept: misconfiguration at GPA 0x%llx in view %u; software "
	       "walk:\n", (unsigned long long)gpa, view);
	ept_walk(&v->vm->view[view].ept, gpa, &w);
	for (unsigned i = 0; i < w.nsteps; i++)
		printf("ept:   level %u entry at HPA 0x%llx = 0x%016llx\n",
		       w.step[i].level, (unsigned long long)w.step[i].entry_pa,
		       (unsigned long long)w.step[i].entry);
	guest_stop(v, "EPT misconfiguration");
}
