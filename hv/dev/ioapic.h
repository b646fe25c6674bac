/*
 * I/O APIC model (hv/dev/ioapic.c): Intel 82093AA I/O Advanced
 * Programmable Interrupt Controller (IOAPIC) datasheet (order 290566-001),
 * "Register Description". Pure C: no clock, no VMX.
 *
 * Emulated: IOREGSEL (0x00) and IOWIN (0x10) in the 4 KiB page at
 * 0xFEC00000; IOAPICID (bits 27:24, R/W), IOAPICVER (version 0x11, max
 * redirection entry 23), IOAPICARB (loaded from the ID on an ID write);
 * 24 redirection entries with vector, delivery mode, destination mode,
 * polarity, remote IRR, trigger mode, mask and destination; edge pins
 * (a rising edge of the asserted state is delivered once, an edge on a
 * masked pin is lost) and level pins (delivered while asserted and remote
 * IRR is clear; remote IRR set when a local APIC accepts; ioapic_eoi()
 * clears it and re-delivers if the line is still asserted).
 * Pin state is electrical: asserted = level XOR polarity (1 = active
 * low). Writing an entry as edge-triggered clears its remote IRR, as
 * Linux relies on for version 0x11 I/O APICs, which have no EOI register.
 *
 * Not emulated: the EOI register of version 0x20, delivery status (always
 * idle: delivery is immediate), the APIC bus and arbitration (IOAPICARB
 * is a plain register), and register accesses narrower than 32 bits
 * except IOREGSEL's low byte. Unimplemented registers read 0 and ignore
 * writes.
 *
 * Deviation from the coordinator's design (notes/devices-design.md):
 * out->deliver returns whether a local APIC accepted the message (remote
 * IRR is set only then); ioapic_reset() and ioapic_eoi_exit_bitmap() are
 * added.
 */
#ifndef EPTLAB_HV_DEV_IOAPIC_H
#define EPTLAB_HV_DEV_IOAPIC_H

#include "include/types.h"

#define IOAPIC_BASE_GPA   0xFEC00000ULL
#define IOAPIC_PINS       24
#define IOAPIC_VERSION    0x11

/* MMIO offsets. */
#define IOAPIC_IOREGSEL   0x00
#define IOAPIC_IOWIN      0x10

/* Register indexes (IOREGSEL). */
#define IOAPIC_REG_ID     0x00
#define IOAPIC_REG_VER    0x01
#define IOAPIC_REG_ARB    0x02
#define IOAPIC_REG_RTE(n) (0x10 + 2 * (n))     /* low dword; high = +1 */

/* Redirection-entry bits. */
#define IOAPIC_RTE_VECTOR      GENMASK(7, 0)
#define IOAPIC_RTE_DM_SHIFT    8               /* 3 bits: LAPIC_DM_* */
#define IOAPIC_RTE_LOGICAL     BIT(11)
#define IOAPIC_RTE_PENDING     BIT(12)         /* delivery status, RO */
#define IOAPIC_RTE_ACTIVE_LOW  BIT(13)
#define IOAPIC_RTE_REMOTE_IRR  BIT(14)         /* RO */
#define IOAPIC_RTE_LEVEL       BIT(15)
#define IOAPIC_RTE_MASKED      BIT(16)
#define IOAPIC_RTE_DEST_SHIFT  56

struct ioapic_out {
	void *ctx;
	/* An interrupt message to the local APIC(s) (lapic_deliver()):
	 * level is the trigger mode, for fixed and lowest-priority modes.
	 * Returns true if a local APIC accepted it. */
	bool (*deliver)(void *ctx, uint8_t vector, unsigned delivery_mode,
			uint8_t dest, bool dest_logical, bool level);
};

struct ioapic {
	struct ioapic_out out;
	uint8_t ioregsel;
	uint32_t id;                    /* IOAPICID as read (bits 27:24) */
	uint32_t arb;                   /* IOAPICARB */
	uint32_t lines;                 /* electrical pin states, bit n */
	uint64_t rte[IOAPIC_PINS];
};

/* Reset state: every entry masked, ID 0. Pin states are kept by
 * ioapic_reset() (they are the devices', not the I/O APIC's). */
void ioapic_init(struct ioapic *io, const struct ioapic_out *out);
void ioapic_reset(struct ioapic *io);

/* 32-bit MMIO access at page offset off (IOREGSEL or IOWIN). */
uint32_t ioapic_read(struct ioapic *io, unsigned off);
void ioapic_write(struct ioapic *io, unsigned off, uint32_t val);

/* The electrical state of input pin `pin` (0..23); others are ignored. */
void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level);
/* A local APIC's EOI of a level-triggered vector (LAPIC_EV_EOI, or the
 * EOI-induced VM exit under virtual-interrupt delivery). */
void ioapic_eoi(struct ioapic *io, uint8_t vector);
/* For virtual-interrupt delivery: bitmap[v / 64] bit v % 64 set for the
 * vector of every level-triggered entry, masked ones included (an
 * interrupt delivered before the mask still needs its EOI): the EOI-exit
 * bitmap, SDM 3C "EOI Virtualization". */
void ioapic_eoi_exit_bitmap(const struct ioapic *io, uint64_t bitmap[4]);

#endif
