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

void handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t gla = (q & EPTV_GLA_VALID) ?
		       vmcs_readnat(VMCS_GUEST_LINEAR_ADDR) : 0;
	uint32_t vect = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	bool delivering = vect & INTR_INFO_VALID;

	/* An IRET that unblocked NMIs faulted: it runs again, so blocking by
	 * NMI must be back for it (SDM 3C "Exit Qualification for EPT
	 * Violations", bit 12, defined with NMI exiting, which is always on;
	 * "Resuming Guest Software after Handling an Exception"). Undefined
	 * while an event was being delivered. */
	if ((q & EPTV_NMI_UNBLOCKING) && !delivering)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) |
			     INTERRUPTIBILITY_NMI);

	/* A device page: the instruction is emulated (hv/exit_mmio.c). */
	if (gpa >= v->vm->ram_size && exit_mmio(v, gpa, q, delivering))
		return;

	switch (vm_ept_fault(v->vm, vcpu_view(v), gpa, gla, q,
			     vmcs_readnat(VMCS_GUEST_RIP), delivering)) {
	case VM_FAULT_RESUME:
		exit_mark_progress();       /* the EPT changed */
		exit_reinject_vectoring(v, vect);
		return;
	case VM_FAULT_RETRY:
		/* The same event again: no progress. */
		exit_reinject_vectoring(v, vect);
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
