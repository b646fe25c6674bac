/*
 * I/O APIC model: Intel 82093AA I/O APIC datasheet, "Register
 * Description" (IOREGSEL, IOWIN, IOAPICID, IOAPICVER, IOAPICARB, IOREDTBL).
 * What is emulated and what is not: hv/dev/ioapic.h.
 */
#include "hv/dev/ioapic.h"
#include "hv/dev/lapic.h"
#include "lib/string.h"

/* Writable bits of a redirection entry's low dword: vector, delivery
 * mode, destination mode, polarity, trigger mode, mask. */
#define RTE_LO_WRITABLE   0x0001AFFFu
#define RTE_HI_WRITABLE   0xFF000000u

static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool line = (io->lines >> pin) & 1;

	return line != !!(io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW);
}

/* Send pin's message. Remote IRR is set when a local APIC accepts a
 * level-triggered fixed or lowest-priority interrupt ("Remote IRR" in
 * IOREDTBL); NMI, SMI, INIT and ExtINT are always edge ("Delivery Mode"). */
static void deliver(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];
	unsigned mode = (e >> IOAPIC_RTE_DM_SHIFT) & 7;
	bool level = (e & IOAPIC_RTE_LEVEL) &&
		     (mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST);
	bool ok;

	ok = io->out.deliver(io->out.ctx, e & IOAPIC_RTE_VECTOR, mode,
			     (uint8_t)(e >> IOAPIC_RTE_DEST_SHIFT),
			     e & IOAPIC_RTE_LOGICAL, level);
	if (ok && level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/* A level pin that is asserted, unmasked and not awaiting its EOI. */
static void service_level(struct ioapic *io, unsigned pin)
{
	uint64_t e = io->rte[pin];

	if ((e & IOAPIC_RTE_LEVEL) && !(e & IOAPIC_RTE_MASKED) &&
	    !(e & IOAPIC_RTE_REMOTE_IRR) && asserted(io, pin))
		deliver(io, pin);
}

void ioapic_set_irq(struct ioapic *io, unsigned pin, bool level)
{
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	was = asserted(io, pin);
	io->lines = level ? io->lines | BIT(pin) : io->lines & ~(uint32_t)BIT(pin);
	if (io->rte[pin] & IOAPIC_RTE_LEVEL) {
		service_level(io, pin);
		return;
	}
	/* Edge: a masked pin's edge is ignored, not held ("Interrupt Mask"). */
	if (!was && asserted(io, pin) && !(io->rte[pin] & IOAPIC_RTE_MASKED))
		deliver(io, pin);
}

void ioapic_eoi(struct ioapic *io, uint8_t vector)
{
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];

		if ((e & IOAPIC_RTE_VECTOR) != vector ||
		    !(e & IOAPIC_RTE_LEVEL) || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		service_level(io, pin);         /* still asserted: again */
	}
}

void ioapic_eoi_exit_bitmap(const struct ioapic *io, uint64_t bitmap[4])
{
	memset(bitmap, 0, 4 * sizeof(bitmap[0]));
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = io->rte[pin];
		unsigned v = e & IOAPIC_RTE_VECTOR;

		if (e & IOAPIC_RTE_LEVEL)
			bitmap[v / 64] |= BIT(v % 64);
	}
}

static uint32_t reg_read(const struct ioapic *io, unsigned idx)
{
	unsigned pin = (idx - IOAPIC_REG_RTE(0)) / 2;

	switch (idx) {
	case IOAPIC_REG_ID:
		return io->id;
	case IOAPIC_REG_VER:
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	case IOAPIC_REG_ARB:
		return io->arb;
	}
	if (idx < IOAPIC_REG_RTE(0) || pin >= IOAPIC_PINS)
		return 0;
	return idx & 1 ? (uint32_t)(io->rte[pin] >> 32) : (uint32_t)io->rte[pin];
}

static void reg_write(struct ioapic *io, unsigned idx, uint32_t val)
{
	unsigned pin = (idx - IOAPIC_REG_RTE(0)) / 2;
	uint64_t e;

	if (idx == IOAPIC_REG_ID) {
		io->id = io->arb = val & 0x0F000000;
		return;
	}
	if (idx < IOAPIC_REG_RTE(0) || pin >= IOAPIC_PINS)
		return;                 /* IOAPICVER, IOAPICARB: read-only */
	e = io->rte[pin];
	if (idx & 1) {
		io->rte[pin] = (e & 0xFFFFFFFF) |
			       (uint64_t)(val & RTE_HI_WRITABLE) << 32;
		return;
	}
	e = (e & ~(uint64_t)RTE_LO_WRITABLE) | (val & RTE_LO_WRITABLE);
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	service_level(io, pin);         /* e.g. unmasked while asserted */
}

uint32_t ioapic_read(struct ioapic *io, unsigned off)
{
	if (off == IOAPIC_IOREGSEL)
		return io->ioregsel;
	if (off == IOAPIC_IOWIN)
		return reg_read(io, io->ioregsel);
	return 0;
}

void ioapic_write(struct ioapic *io, unsigned off, uint32_t val)
{
	if (off == IOAPIC_IOREGSEL)
		io->ioregsel = val & 0xFF;
	else if (off == IOAPIC_IOWIN)
		reg_write(io, io->ioregsel, val);
}

void ioapic_reset(struct ioapic *io)
{
	io->ioregsel = 0;
	io->id = io->arb = 0;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		io->rte[pin] = IOAPIC_RTE_MASKED;
}

void ioapic_init(struct ioapic *io, const struct ioapic_out *out)
{
	memset(io, 0, sizeof(*io));
	io->out = *out;
	ioapic_reset(io);
}
