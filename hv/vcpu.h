/*
 * A virtual CPU: the guest GPRs the exit stub saves (vmx/vmx_stub.asm),
 * the VMCS and what vmcs_setup wrote into it, and the state the
 * hypervisor virtualizes itself.
 */
#ifndef EPTLAB_VCPU_H
#define EPTLAB_VCPU_H

#include "include/types.h"
#include "vmx/vmx_caps.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs_setup.h"
#include "hv/ept_view.h"
#include "hv/vcpu/msr.h"
#include "hv/dev/lapic.h"

struct vm;
struct vcpu_cpuid;
struct vcpu_cr_caps;

/* The vCPU's event state besides the VMCS (hv/exit_event.c). */
struct vcpu_events {
	bool nmi_pending;           /* an NMI waits for injection */
	bool hlt;                   /* this exit was a HLT: wait or wake */
	bool in_hlt;                /* the last entry was into the HLT state */
	uint64_t hlt_entry_tsc;     /* the last entry into the HLT state */
	uint64_t wd_since;          /* watchdog: TSC of the last guest exit
	                               seen, and the count of guest exits */
	uint64_t wd_exits;          /* then (stats minus timer and host) */
};

/* A vCPU lives at the top of its VM-exit stack, and HOST_RSP points at it
 * (vmx/vmx_stub.h): the exit stub saves the guest's GPRs straight into
 * v->regs and runs the handlers on the stack below. */
struct vcpu {
	struct guest_regs regs;     /* first: HOST_RSP = &regs = the vcpu */
	const struct vmx_caps *caps;
	struct vm *vm;              /* the VM this vCPU runs */
	uint64_t vmcs_pa;
	struct vmcs_ctls ctl;       /* controls and CR masks in the VMCS */
	/* The virtual CPU (hv/vcpu_setup.c, docs/virtual-cpu.md). */
	const struct vcpu_cpuid *cpuid;     /* the guest's CPUID, built at boot */
	const struct vcpu_cr_caps *cr_caps; /* VMX fixed bits for the CR rules */
	struct vcpu_msr msr;        /* the MSR table's per-vCPU state */
	uint64_t xcr0;              /* the guest's XCR0 */
	/* The VM-entry MSR-load area: the switched MSRs with the guest's
	 * values (the VM-exit MSR-store area is the KERNEL_GS_BASE slot). */
	struct vcpu_msr_slot *msr_load;
	unsigned n_msr_load;
	struct vcpu_ept ept;        /* its EPT view, #VE, PML (hv/ept_view.h) */
	/* Interrupts and time (hv/intc.c, hv/exit_event.c). */
	struct lapic lapic;         /* the local APIC model ... */
	uint32_t *apic_page;        /* ... and its register page */
	struct vcpu_events ev;
	/* APIC virtualization (hv/apicv.c): apicv=on and the CPU has it;
	 * on now (the APIC enabled in xAPIC mode); the APIC-access page;
	 * the EOI-exit bitmap last written. */
	struct {
		bool usable, on, mapped;
		uint64_t access_pa;
		uint64_t eoi_exit[4];
	} apicv;
} __attribute__((aligned(16)));    /* HOST_RSP: 16-byte aligned */
_Static_assert(offsetof(struct vcpu, regs) == 0, "stub: regs at 0");
_Static_assert(sizeof(struct vcpu) % 16 == 0, "HOST_RSP alignment");

/* The vCPU whose registers the exit stub saved in *r. */
static inline struct vcpu *vcpu_of(struct guest_regs *r)
{
	return (struct vcpu *)((char *)r - offsetof(struct vcpu, regs));
}

#endif
