/*
 * OPTIONAL PART of the local APIC model: x2APIC mode, the MSR interface
 * to the same registers. Intel SDM Vol. 3A (rev. 084), "Extended XAPIC
 * (x2APIC)": "x2APIC Register Address Space" (MSR 0x800 + offset/16,
 * the 64-bit ICR at 0x830, SELF IPI at 0x83F, no DFR/APR/ICR-high),
 * "Reserved Bit Checking" (non-zero writes to reserved bits raise #GP),
 * "Logical Destination Mode in x2APIC Mode" (LDR derived from the ID and
 * read-only). Vol. 3C "Virtualizing MSR-Based APIC Accesses": the page
 * keeps the x2APIC layout, so the 64-bit ICR is at bytes 0x300-0x307.
 *
 * Emulated: every x2APIC register, #GP for reads of write-only and
 * writes of read-only or absent registers, for reserved bits, for
 * non-zero EOI and ESR writes and bits 63:32 outside the ICR.
 * Not emulated: the IA32_APIC_BASE state machine (the caller calls
 * lapic_enter_x2apic() on EXTD 0->1 and lapic_reset(DISABLE) on EN 1->0;
 * x2APIC -> xAPIC directly is #GP there), interrupt remapping.
 */
#include "hv/dev/lapic_priv.h"
#include "include/err.h"
#include "lib/string.h"

#define R(l, off)        LAPIC_R(l, off)
#define ICR_DEST_OFF     0x304          /* ICR[63:32] in x2APIC mode */
#define SELF_IPI_OFF     0x3F0          /* MSR 0x83F */
#define LVT_RO           BIT(12)        /* delivery status, read-only */
#define LINT_RO          (BIT(12) | BIT(14))  /* + remote IRR */

void lapic_enter_x2apic(struct lapic *l)
{
	uint32_t id = l->cfg.apic_id;

	l->x2apic = true;
	R(l, LAPIC_ID) = id;
	R(l, LAPIC_LDR) = (id >> 4) << 16 | 1u << (id & 0xF);
	R(l, LAPIC_ICR_HI) = 0;
	R(l, ICR_DEST_OFF) = 0;
}

/* Writable bits of each register reached through lapic_write(); 0 for
 * registers that are not writable in x2APIC mode. */
static uint32_t writable(const struct lapic *l, unsigned off)
{
	switch (off) {
	case LAPIC_TPR:       return 0xFF;
	case LAPIC_SVR:       return 0x3FF;
	case LAPIC_LVT_TIMER:
		return LVT_MASK_TIMER | LVT_RO |
		       (l->cfg.tsc_deadline ? LAPIC_TIMER_DEADLINE : 0);
	case LAPIC_LVT_THERM: case LAPIC_LVT_PERF:
		return LVT_MASK_THERM | LVT_RO;
	case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1:
		return LVT_MASK_LINT | LINT_RO;
	case LAPIC_LVT_ERR:   return LVT_MASK_ERR | LVT_RO;
	case LAPIC_TMICT:     return 0xFFFFFFFF;
	case LAPIC_TDCR:      return 0xB;
	}
	return 0;
}

static bool readable(unsigned off)
{
	if (off >= LAPIC_ISR && off <= LAPIC_ESR)
		return true;
	switch (off) {
	case LAPIC_ID: case LAPIC_VER: case LAPIC_TPR: case LAPIC_PPR:
	case LAPIC_LDR: case LAPIC_SVR: case LAPIC_ICR_LO: case LAPIC_TMCCT:
		return true;
	}
	return off >= LAPIC_LVT_TIMER && off <= LAPIC_TDCR &&
	       off != 0x3A0 && off != 0x3B0 && off != 0x3C0 && off != 0x3D0;
}

int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t now, uint64_t *val)
{
	unsigned off = (msr - LAPIC_MSR_BASE) << 4;

	if (!l->x2apic || msr < LAPIC_MSR_BASE || msr > 0x8FF || !readable(off))
		return -EINVAL;
	if (off == LAPIC_ICR_LO) {
		*val = (uint64_t)R(l, ICR_DEST_OFF) << 32 | R(l, LAPIC_ICR_LO);
		return 0;
	}
	*val = lapic_read(l, off, now);
	return 0;
}

static int gp(struct lapic_out *out, const char *why)
{
	out->bad = why;
	out->events = LAPIC_EV_BAD;
	return -EINVAL;
}

int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now,
		    struct lapic_out *out)
{
	unsigned off = (msr - LAPIC_MSR_BASE) << 4;
	struct lapic_out scratch;
	uint32_t lo = (uint32_t)val;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	if (!l->x2apic || msr < LAPIC_MSR_BASE || msr > 0x8FF)
		return gp(out, "x2APIC MSR while not in x2APIC mode");
	if (msr != LAPIC_MSR_ICR && (val >> 32))
		return gp(out, "x2APIC: bits 63:32 are reserved");
	switch (off) {
	case LAPIC_ICR_LO:
		if (lo & ~ICR_LO_MASK)
			return gp(out, "x2APIC ICR: reserved bits set");
		lapic_advance(l, now);
		R(l, LAPIC_ICR_LO) = lo;
		R(l, ICR_DEST_OFF) = (uint32_t)(val >> 32);
		out->events = lapic_send_ipi(l, lo, (uint32_t)(val >> 32), out);
		return (int)out->events;
	case SELF_IPI_OFF:
		if (lo & ~0xFFu)
			return gp(out, "x2APIC SELF IPI: bits 31:8 are reserved");
		lapic_advance(l, now);
		/* Fixed, edge, shorthand "self" (SDM "SELF IPI Register"). */
		out->events = lapic_send_ipi(l, lo | BIT(18), 0, out);
		return (int)out->events;
	case LAPIC_EOI:
	case LAPIC_ESR:
		if (lo)
			return gp(out, "x2APIC EOI/ESR: only 0 may be written");
		return (int)lapic_write(l, off, 0, now, out);
	}
	if (!writable(l, off))
		return gp(out, readable(off) ? "x2APIC: read-only register" :
			       "x2APIC: no such register");
	if (lo & ~writable(l, off))
		return gp(out, "x2APIC: reserved bits set");
	return (int)lapic_write(l, off, lo, now, out);
}
