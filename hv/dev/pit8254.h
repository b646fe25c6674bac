/* The PC's Intel 8254 programmable interval timer (three counters on a
 * 1.193182 MHz clock) at ports 0x40-0x43, with system control port B
 * (0x61): counter 2's gate in bit 0, its OUT in bit 5. Counter 0's OUT
 * drives ISA IRQ 0 through an irq_sink. Pure C; what is emulated and what
 * is not: hv/dev/pit8254.c and docs/platform.md.
 *
 * Time is host TSC ticks (`now`), converted with the TSC rate `hz` given
 * at init. Every entry point first fires the events due at or before
 * `now`, so the caller may call pit_advance() late or not at all between
 * port accesses; missed periods are coalesced into one IRQ 0 edge.
 *
 * Against the issue-12 device design: IRQ 0 follows counter 0's OUT
 * level (high for most of a mode 2 or 3 period), with a low-high pulse
 * for each new rising edge, rather than a 1-then-0 pulse per period; an
 * edge-triggered PIC or I/O APIC input sees the same edges. */
#ifndef EPTLAB_DEV_PIT8254_H
#define EPTLAB_DEV_PIT8254_H

#include "include/types.h"
#include "hv/dev/irq.h"

#define PIT_HZ          1193182ULL      /* input clock of every counter */
#define PIT_PORT_CH0    0x40
#define PIT_PORT_CH2    0x42
#define PIT_PORT_CMD    0x43            /* control word, write only */
#define PIT_PORT_CTRL_B 0x61            /* system control port B */
#define PIT_IRQ         0               /* ISA line of counter 0's OUT */

/* Port 0x61 bits. */
#define PIT_B_GATE2     BIT(0)          /* counter 2 gate (R/W) */
#define PIT_B_SPKR      BIT(1)          /* speaker data enable (R/W) */
#define PIT_B_WRITABLE  0x0F            /* bits 2-3: parity/IOCHK enables */
#define PIT_B_REFRESH   BIT(4)          /* refresh request toggle (RO) */
#define PIT_B_OUT2      BIT(5)          /* counter 2 OUT (RO) */

struct pit_channel {
	uint8_t ctrl;           /* last control word, bits 5:0 (RW, M, BCD) */
	uint16_t cr;            /* count register as written (0 = maximum) */
	uint32_t n;             /* count of the current cycle, binary, >= 1 */
	bool loaded;            /* a count was written after the control word */
	bool running;           /* counting (modes 1, 5: triggered) */
	bool gate;
	bool cr_fresh;          /* CR written, not yet in the counting element */
	uint64_t seg;           /* PIT clock of the current segment's start */
	uint64_t done;          /* clocks counted before seg (gate pauses) */
	bool pending;           /* modes 2, 3: CR loads at the cycle end ... */
	uint64_t pending_at;    /* ... at this PIT clock */
	bool wr_msb;            /* LSB-then-MSB: next write is the MSB */
	uint8_t wr_lsb;
	bool rd_msb;            /* LSB-then-MSB: next read is the MSB */
	uint8_t latch_bytes;    /* latched count bytes left to read */
	uint16_t latch;
	bool status_latched;
	uint8_t status;
};

struct pit8254 {
	struct pit_channel ch[3];
	uint64_t hz;            /* host TSC ticks per second (clamped) */
	uint64_t base;          /* host TSC of PIT clock 0 */
	uint64_t clk;           /* PIT clock of the last event processing */
	struct irq_sink sink;
	bool irq_level;         /* IRQ 0 as last driven */
	uint8_t port61;         /* writable bits of port 0x61 */
};

/* Every counter unprogrammed (LSB-then-MSB access, mode 0, no count: OUT
 * low, no events), counter 2's gate low. hz is clamped to DEV_HZ_MIN..
 * DEV_HZ_MAX (hv/dev/dev_time.h). s may be NULL (no IRQ 0); it is copied. */
void pit_init(struct pit8254 *p, uint64_t hz, const struct irq_sink *s,
	      uint64_t now);
/* Ports 0x40-0x43 and 0x61; other ports read 0xFF and ignore writes. */
uint8_t pit_io_read(struct pit8254 *p, uint16_t port, uint64_t now);
void pit_io_write(struct pit8254 *p, uint16_t port, uint8_t v, uint64_t now);
/* Host TSC of the next rising edge of counter 0's OUT, or DEV_NO_DEADLINE. */
uint64_t pit_next_deadline(const struct pit8254 *p);
/* Fire what is due at or before now: at most one IRQ 0 edge however many
 * periods passed (an edge already latched in the PIC's IRR is not counted
 * twice on hardware either). */
void pit_advance(struct pit8254 *p, uint64_t now);

#endif
