/* The PC/AT pair of Intel 8259A interrupt controllers: master at
 * 0x20/0x21 (IRQ 0-7), slave at 0xA0/0xA1 (IRQ 8-15) on master input 2,
 * and the edge/level control registers (ELCR) at 0x4D0/0x4D1. Pure C;
 * what is emulated and what is not: hv/dev/pic8259.c and docs/platform.md.
 *
 * The platform feeds ISA lines in with pic_set_irq(), reads the master's
 * INTR output with pic_intr(), and runs the INTA cycle with pic_inta()
 * when it injects the interrupt. No time input: the 8259A has no clock.
 *
 * Against the issue-12 device design: the API is as designed; the reset
 * state (pic_init) and the edge latch are choices documented below and
 * in pic8259.c. */
#ifndef EPTLAB_DEV_PIC8259_H
#define EPTLAB_DEV_PIC8259_H

#include "include/types.h"

#define PIC_MASTER_CMD   0x20
#define PIC_MASTER_DATA  0x21
#define PIC_SLAVE_CMD    0xA0
#define PIC_SLAVE_DATA   0xA1
#define PIC_ELCR_MASTER  0x4D0
#define PIC_ELCR_SLAVE   0x4D1
#define PIC_CASCADE_IRQ  2

/* Where each chip is in its initialization sequence. */
enum pic_init_step {
	PIC_READY,      /* initialized: odd-port writes are OCW1 (IMR) */
	PIC_ICW2,       /* ICW1 seen: next odd-port write is ICW2 */
	PIC_ICW3,
	PIC_ICW4,
};

struct pic8259_chip {
	uint8_t irr;            /* interrupt request register */
	uint8_t isr;            /* in-service register */
	uint8_t imr;            /* interrupt mask register (OCW1) */
	uint8_t line;           /* current level of each IR input */
	uint8_t elcr;           /* 1 = level-triggered input (ELCR) */
	uint8_t elcr_mask;      /* ELCR bits that exist on this chip */
	uint8_t base;           /* vector of IR0 (ICW2 bits 7:3) */
	uint8_t icw3;           /* master: inputs with a slave; slave: its ID */
	uint8_t lowest;         /* IR with the lowest priority (rotation) */
	enum pic_init_step step;
	bool icw4;              /* ICW1.IC4: an ICW4 follows */
	bool single;            /* ICW1.SNGL: no ICW3 */
	bool aeoi;              /* ICW4.AEOI */
	bool sfnm;              /* ICW4.SFNM: special fully nested mode */
	bool rotate_aeoi;       /* OCW2 "rotate in automatic EOI mode" */
	bool read_isr;          /* OCW3: even-port reads return ISR, not IRR */
	bool poll;              /* OCW3.P: the next read is a poll */
	bool smm;               /* OCW3: special mask mode */
};

struct pic8259 {
	struct pic8259_chip chip[2];    /* [0] master, [1] slave */
};

/* Power-on state of the virtual board: both chips waiting for ICW1, every
 * line masked (IMR 0xFF), all inputs edge-triggered, vector base 0. */
void pic_init(struct pic8259 *p);
/* ISA line irq (0..15) is now at level. Input 2 of the master is the
 * cascade and is not an ISA line: irq 2 and irq > 15 are ignored. */
void pic_set_irq(struct pic8259 *p, unsigned irq, bool level);
/* Ports 0x20, 0x21, 0xA0, 0xA1, 0x4D0, 0x4D1; other ports read 0xFF and
 * ignore writes. */
uint8_t pic_io_read(struct pic8259 *p, uint16_t port);
void pic_io_write(struct pic8259 *p, uint16_t port, uint8_t v);
/* The master's INTR output: an unmasked request has a higher priority
 * than everything in service. */
bool pic_intr(const struct pic8259 *p);
/* The INTA cycle: returns the vector (0..255) the pair puts on the bus,
 * updating IRR/ISR (auto-EOI included). With no request left it returns
 * the master's IR7 vector (spurious IRQ 7), or the slave's IR7 vector when
 * the master acknowledged its cascade input (spurious IRQ 15; the master's
 * ISR bit 2 is then set, as on hardware). Never negative. */
int pic_inta(struct pic8259 *p);

#endif
