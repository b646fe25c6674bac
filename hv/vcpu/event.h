/*
 * Which event the vCPU takes next (docs/platform.md "Interrupts and
 * time"): the pure decisions behind injection, the interrupt and NMI
 * windows and HLT, from the state the caller reads at the end of an exit.
 * hv/exit_event.c carries them out. SDM revision 084, Vol. 3C "Event
 * Injection", "Checks on Guest Non-Register State", "Interrupt-Window
 * Exiting and Virtual-Interrupt Delivery", "NMI-Window Exiting"; Vol. 3A
 * "Local Vector Table", "Enabling or Disabling the Local APIC".
 */
#ifndef EPTLAB_VCPU_EVENT_H
#define EPTLAB_VCPU_EVENT_H

#include "include/types.h"

/* Interruptibility bits (the VMCS layout, vmx/vmx_exitinfo.h). */
#define VCPU_EV_STI      BIT(0)
#define VCPU_EV_MOV_SS   BIT(1)
#define VCPU_EV_NMI_BLK  BIT(3)
#define VCPU_EV_IF       BIT(9)     /* RFLAGS.IF */

/* Where the vCPU's external interrupt comes from. */
enum vcpu_irq_src {
	VCPU_IRQ_NONE,
	VCPU_IRQ_EXTINT,        /* the 8259A: its vector is known at INTA */
	VCPU_IRQ_APIC,          /* a fixed vector from the local APIC's IRR */
};

/* The interrupt the vCPU's pins present. With the local APIC on (shown
 * by CPUID and enabled in IA32_APIC_BASE), the 8259A's INTR reaches the
 * CPU only through LINT0 programmed for ExtINT, which bypasses TPR, PPR
 * and the ISR; it goes first, then the APIC's highest deliverable vector
 * (apic_vector >= 0). With the APIC off or absent, INTR is the 8259A's
 * output directly. */
enum vcpu_irq_src vcpu_irq_source(bool apic_on, bool lint0_extint,
				  bool pic_intr, int apic_vector);

struct vcpu_ev_in {
	uint64_t rflags;
	uint32_t intr;          /* the guest interruptibility state */
	bool entry_busy;        /* the VM-entry interruption field holds an
	                           event already: re-injected or an exception */
	bool nmi_pending;
	bool irq_pending;       /* vcpu_irq_source != NONE */
	bool nmi_window;        /* NMI-window exiting available (virtual
	                           NMIs) */
};

enum vcpu_ev_inject { VCPU_EV_NONE, VCPU_EV_NMI, VCPU_EV_IRQ };

struct vcpu_ev_out {
	enum vcpu_ev_inject inject;
	bool irq_window;        /* set interrupt-window exiting */
	bool nmi_window;        /* set NMI-window exiting */
};

/* The priority: an event already in the entry field (a re-injected
 * IDT-vectoring event, then an exception the hypervisor queued) is
 * delivered first, and nothing is injected beside it; then an NMI, then
 * an external interrupt. An NMI needs no blocking by STI, MOV SS or NMI
 * (STI blocks NMIs on some processors, where the VM entry would fail); an
 * external interrupt needs RFLAGS.IF = 1 and no blocking by STI or MOV SS.
 * What cannot go now waits for its window: the interrupt window for an
 * interrupt, the NMI window for an NMI (with virtual NMIs; an NMI held
 * only by the STI shadow waits for the interrupt window, which opens one
 * instruction later since STI blocking implies IF = 1). */
struct vcpu_ev_out vcpu_event_decide(const struct vcpu_ev_in *in);

/* A halted vCPU to which nothing was injected: can anything wake it?
 * Only an NMI with RFLAGS.IF = 0; with IF = 1 also an interrupt, which
 * needs a pending request or a timer that will fire (any_deadline). */
enum vcpu_hlt_verdict {
	VCPU_HLT_WAIT,          /* halt until the next deadline */
	VCPU_HLT_NEVER_IF0,     /* IF = 0 and no NMI can come */
	VCPU_HLT_NEVER_IDLE,    /* IF = 1 but no timer armed, nothing pending */
};
enum vcpu_hlt_verdict vcpu_hlt_wake(uint64_t rflags, uint32_t intr,
				    bool nmi_pending, bool irq_pending,
				    bool any_deadline);

#endif
