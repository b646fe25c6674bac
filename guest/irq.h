/*
 * Interrupts in the guest kernel (guest/irq.c, guest/irq_stubs.asm): vectors
 * 32-255 counted per vector, with an optional hook each; NMIs (vector 2)
 * counted, never fatal; and small drivers for the emulated PC's 8259A
 * pair, 8254, MC146818A and the TSC, for the interrupt scenarios
 * (guest/scen_irq*.c) and the benchmarks. Datasheets: Intel 8259A ("Initialization Command
 * Words", "Operation Command Words"), Intel 8254 ("Control Word Format").
 */
#ifndef EPTLAB_GUEST_IRQ_H
#define EPTLAB_GUEST_IRQ_H

#include "include/types.h"

struct isr_frame;

/* The vectors the scenarios program their PIC pair to. */
#define IRQ_BASE_MASTER   0x20
#define IRQ_BASE_SLAVE    0x28
#define IRQ_VEC(irq)      ((irq) < 8 ? IRQ_BASE_MASTER + (irq) : \
			   IRQ_BASE_SLAVE + (irq) - 8)

/* Counted by the stubs since boot (32-255), and NMIs. */
extern volatile uint64_t irq_count[256];
extern volatile uint64_t nmi_count;
/* TSC at the last interrupt's entry (guest/irq_stubs.asm). */
extern volatile uint64_t irq_entry_tsc;

typedef void (*irq_hook_fn)(struct isr_frame *f);
/* A hook for vector v (32-255; 2 = NMI), NULL to only count. */
void irq_set_hook(unsigned v, irq_hook_fn fn);
void irq_clear_hooks(void);
/* The hook of a kernel's PIC handler: the non-specific EOI of its IRQ. */
void irq_hook_eoi(struct isr_frame *f);
/* Interrupts counted on every vector 32-255 since boot. */
uint64_t irq_total(void);

/* NMI entry (guest/idt.c calls it for vector 2). */
void irq_nmi(struct isr_frame *f);

/* 8259A pair: ICW1-ICW4 (edge, cascade, 8086 mode, normal EOI) at the
 * bases above, every line masked. */
void pic_setup(void);
/* The same at other vector bases (irq.real-mode-pit: the BIOS's 0x08). */
void pic_setup_at(uint8_t master, uint8_t slave);
void pic_mask_all(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
void pic_eoi(unsigned irq);         /* non-specific: slave then master */
uint8_t pic_isr(bool slave);        /* OCW3 read ISR */

/* 8254 channel 0: periodic (mode 2) at hz, one-shot (mode 0) after
 * `count` PIT clocks, or stopped (mode 0 with no count: OUT stays low). */
#define PIT_CLOCK_HZ 1193182
void pit_periodic(unsigned hz);
void pit_oneshot(uint16_t count);
void pit_stop(void);

/* MC146818A register `reg` through ports 0x70/0x71 (bit 7 clear: NMIs
 * stay unmasked). */
uint8_t rtc_read(uint8_t reg);
void rtc_write(uint8_t reg, uint8_t v);

/* The TSC rate the hypervisor reports (CPUID 15H, else HC_CONFIG); 0 if
 * unknown. Ticks in ms. */
uint64_t guest_tsc_hz(void);
uint64_t tsc_ms(uint64_t ms);
/* Spin with the current RFLAGS.IF until the TSC passed `ticks` more. */
void tsc_spin(uint64_t ticks);

/* RFLAGS.IF set for `ms` of TSC, then clear: the interrupts counted at
 * vector `vec` and at every vector meanwhile, and the TSC ticks it took. */
struct irq_window {
	uint64_t n, all, ticks;
};
void irq_window(unsigned vec, uint64_t ms, struct irq_window *w);

#endif
