/*
 * The host's interrupts, contained (hv/host_irq.c, docs/platform.md
 * "Host containment"). The hypervisor runs with RFLAGS.IF = 0 and owns
 * the emulated PC's own interrupt controllers: the 8259A pair is
 * initialised and masked, the local APIC's LVTs are masked. While the
 * guest runs, a host interrupt that still arrives is a VM exit
 * (external-interrupt exiting, acknowledged on exit) and a host NMI is one
 * too (NMI exiting); both are counted here and dropped. No device of the
 * host is given to the guest, so none is routed to a virtual device. An
 * NMI that arrives in VMX root is counted by the host IDT (hv/idt.c).
 */
#ifndef EPTLAB_HOST_IRQ_H
#define EPTLAB_HOST_IRQ_H

#include "include/types.h"

/* The vectors the host's 8259A pair delivers at, after host_irq_init:
 * far from any vector a guest's own PIC is likely to use. */
#define HOST_PIC_VECTOR_MASTER  0xE0
#define HOST_PIC_VECTOR_SLAVE   0xE8

/* Test only (test_host_irq=pit): the host's PIT channel 0 at 1 kHz on its
 * IRQ 0, unmasked at the host PIC and at LINT0, so that host interrupts
 * arrive while the guest runs. */
#define HOST_IRQ_TEST_PIT_HZ    1000

/* Mask the host's PIC and LAPIC (or, with test_host_irq=pit, let its PIT
 * through); prints one line saying what was found and done. After the
 * TSC calibration (it programs the host PIT's channel 2). */
void host_irq_init(void);

/* An external-interrupt exit with this vector (the CPU acknowledged it on
 * exit): counted, then the EOI its controller needs. */
void host_irq_exit(uint8_t vector);
/* An NMI exit: counted, and NMIs unblocked again (the exit leaves them
 * blocked, as if the NMI had been delivered to the host). */
void host_nmi_exit(void);
/* An NMI in VMX root (hv/idt.c): counted. */
extern uint64_t host_nmi_root;

/* "host: ..." lines: the counts per vector. */
void host_irq_print(void);

#endif
