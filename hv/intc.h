/*
 * The vCPU's interrupt controller (hv/intc.c, docs/platform.md
 * "Interrupts and time"): the one place that knows where the vCPU's
 * external interrupts come from. The event tail (hv/exit_event.c) asks it
 * for the highest deliverable interrupt, acknowledges that one at the
 * moment it injects it, and the local APIC's EOIs come back through it.
 *
 *   8259A INTR ──(APIC off: INTR pin)─────────────────┐
 *        └──────(APIC on: LINT0 ExtINT)──> local APIC ─┴─> intc_pending
 *   I/O APIC, IPIs ──intc_message──> local APIC IRR ──┘
 *
 * The local APIC model (hv/dev/lapic.c) lives in the vCPU with its
 * register page. A guest reaches it through its MMIO page at 0xFEE00000
 * (EPT violations decoded by hv/exit_mmio.c), CR8, IA32_APIC_BASE and
 * IA32_TSC_DEADLINE; it starts in the virtual-wire state eptlab gives it
 * at reset (SVR enabled, LINT0 ExtINT, LINT1 NMI, what a BIOS leaves).
 */
#ifndef EPTLAB_INTC_H
#define EPTLAB_INTC_H

#include "include/types.h"
#include "hv/vcpu/event.h"

struct vcpu;

struct intc_irq {
	enum vcpu_irq_src src;
	int vector;             /* VCPU_IRQ_APIC: the vector; ExtINT: -1 */
};

/* Power-up: the register page zeroed, then the virtual wire. At boot
 * (page allocated once) and on every guest (re)load. */
void intc_init(struct vcpu *v, uint64_t now);

/* Whether the vCPU's local APIC is on: shown by CPUID and enabled in
 * IA32_APIC_BASE (SDM Vol. 3A "Enabling or Disabling the Local APIC"). */
bool intc_apic_on(const struct vcpu *v);

/* The highest-priority external interrupt the vCPU's pins present now. */
struct intc_irq intc_pending(struct vcpu *v);

/* The INTA cycle for irq, at the moment it is injected: the 8259A's
 * vector (a spurious IR7/IR15 if the request went away), or the APIC
 * vector moved from IRR to ISR. */
uint8_t intc_ack(struct vcpu *v, struct intc_irq irq);

/* An EOI of the local APIC: a level-triggered vector's EOI goes on to the
 * I/O APIC (its remote IRR). */
void intc_eoi(struct vcpu *v, uint8_t vector);

/* An interrupt message for the local APIC (an I/O APIC redirection entry,
 * later IPIs): true if it was accepted. */
bool intc_message(struct vcpu *v, uint8_t vector, unsigned mode,
		  uint8_t dest, bool logical, bool level);

/* IA32_APIC_BASE changed from old to val (hv/exit_msr.c): EN 1 -> 0
 * resets the APIC to its disabled state, EXTD 0 -> 1 enters x2APIC mode. */
void intc_apic_base(struct vcpu *v, uint64_t old, uint64_t val);

/* IA32_TSC_DEADLINE written with a guest TSC value (0 disarms). */
void intc_tsc_deadline(struct vcpu *v, uint64_t guest_tsc);

/* The local APIC's MMIO page in xAPIC mode (hv/exit_mmio.c): an aligned
 * 32-bit read or write at page offset off, with its effects (an EOI to
 * the I/O APIC, a self-IPI, an NMI, INIT and start-up recorded). False
 * when the page is not the APIC now (hardware-disabled, or x2APIC mode,
 * where the MMIO interface is gone: SDM Vol. 3A "x2APIC Register
 * Availability"). */
bool intc_mmio_claims(const struct vcpu *v);
uint32_t intc_mmio_read(struct vcpu *v, unsigned off);
void intc_mmio_write(struct vcpu *v, unsigned off, uint32_t val);

/* A trap-like APIC-write exit (hv/apicv.c): the CPU stored the guest's
 * value at offset off of the page; the model acts on it. */
void intc_apic_write(struct vcpu *v, unsigned off);

/* MOV to/from CR8 (64-bit mode): TPR[7:4] (SDM Vol. 3A "Task Priority in
 * IA-32e Mode"). */
void intc_cr8_write(struct vcpu *v, uint64_t val);
uint64_t intc_cr8_read(struct vcpu *v);

#endif
