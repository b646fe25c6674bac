/*
 * The vCPU's event decisions (hv/vcpu/event.h). Pure: the caller reads
 * the VMCS and the interrupt controller, and writes what is decided.
 */
#include "hv/vcpu/event.h"

enum vcpu_irq_src vcpu_irq_source(bool apic_on, bool lint0_extint,
				  bool pic_intr, int apic_vector)
{
	if (!apic_on)
		return pic_intr ? VCPU_IRQ_EXTINT : VCPU_IRQ_NONE;
	if (lint0_extint && pic_intr)
		return VCPU_IRQ_EXTINT;
	return apic_vector >= 0 ? VCPU_IRQ_APIC : VCPU_IRQ_NONE;
}

struct vcpu_ev_out vcpu_event_decide(const struct vcpu_ev_in *in)
{
	struct vcpu_ev_out o = { VCPU_EV_NONE, false, false };
	bool shadow = in->intr & (VCPU_EV_STI | VCPU_EV_MOV_SS);
	bool nmi_ok = !shadow && !(in->intr & VCPU_EV_NMI_BLK);
	bool irq_ok = !shadow && (in->rflags & VCPU_EV_IF);
	bool nmi = in->nmi_pending, irq = in->irq_pending;

	if (!in->entry_busy) {
		if (nmi && nmi_ok) {
			o.inject = VCPU_EV_NMI;
			nmi = false;
		} else if (irq && irq_ok) {
			o.inject = VCPU_EV_IRQ;
			irq = false;
		}
	}
	/* What is left waits. The windows follow the delivery of what the
	 * entry injects (SDM "Interrupt-Window Exiting and Virtual-
	 * Interrupt Delivery"). */
	if (nmi) {
		if (in->nmi_window && !(in->intr & VCPU_EV_STI))
			o.nmi_window = true;
		else if ((in->intr & VCPU_EV_STI) || in->entry_busy)
			o.irq_window = true;
		/* No NMI window and blocking by NMI: the next exit that
		 * finds it unblocked injects it. */
	}
	if (irq)
		o.irq_window = true;
	return o;
}

enum vcpu_hlt_verdict vcpu_hlt_wake(uint64_t rflags, uint32_t intr,
				    bool nmi_pending, bool irq_pending,
				    bool any_deadline)
{
	bool nmi = nmi_pending && !(intr & VCPU_EV_NMI_BLK);

	if (nmi)
		return VCPU_HLT_WAIT;
	if (!(rflags & VCPU_EV_IF))
		return VCPU_HLT_NEVER_IF0;
	if (!irq_pending && !any_deadline)
		return VCPU_HLT_NEVER_IDLE;
	return VCPU_HLT_WAIT;
}
