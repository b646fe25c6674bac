/*
 * Local xAPIC model: Intel SDM Vol. 3A (rev. 084), chapter "Advanced
 * Programmable Interrupt Controller (APIC)". What is emulated, what is
 * not, and how state is split between the register page and struct lapic:
 * hv/dev/lapic.h. The timer is in lapic_timer.c.
 */
#include "hv/dev/lapic_priv.h"
#include "lib/string.h"

#define R(l, off)  LAPIC_R(l, off)

#define ICR_LEVEL       BIT(14)
#define ICR_TRIGGER     BIT(15)
#define ICR_LOGICAL     BIT(11)

static const unsigned lvt_offs[] = {
	LAPIC_LVT_TIMER, LAPIC_LVT_THERM, LAPIC_LVT_PERF,
	LAPIC_LVT_LINT0, LAPIC_LVT_LINT1, LAPIC_LVT_ERR,
};

/* ------------------------------------------------------------ vectors */

static int highest_vec(const uint32_t *page, unsigned base)
{
	for (int k = 7; k >= 0; k--) {
		uint32_t w = page[(base >> 2) + 4 * k];

		if (w)
			return 32 * k + 31 - __builtin_clz(w);
	}
	return -1;
}

static bool vec_test(const uint32_t *page, unsigned base, unsigned v)
{
	return (page[(base >> 2) + 4 * (v >> 5)] >> (v & 31)) & 1;
}

static void vec_set(uint32_t *page, unsigned base, unsigned v, bool on)
{
	uint32_t *w = &page[(base >> 2) + 4 * (v >> 5)];

	*w = on ? *w | (1u << (v & 31)) : *w & ~(1u << (v & 31));
}

uint8_t lapic_page_highest_irr(const uint32_t *page)
{
	int v = highest_vec(page, LAPIC_IRR);

	return v < 0 ? 0 : (uint8_t)v;
}

uint8_t lapic_page_highest_isr(const uint32_t *page)
{
	int v = highest_vec(page, LAPIC_ISR);

	return v < 0 ? 0 : (uint8_t)v;
}

/* SDM 3C "Guest Non-Register State": RVI bits 7:0, SVI bits 15:8. */
uint16_t lapic_page_intr_status(const uint32_t *page)
{
	return (uint16_t)(lapic_page_highest_irr(page) |
			  lapic_page_highest_isr(page) << 8);
}

/* SDM "Processor Priority Register (PPR)". */
uint8_t lapic_ppr(const struct lapic *l)
{
	uint8_t tpr = R(l, LAPIC_TPR) & 0xFF;
	uint8_t isrv = lapic_page_highest_isr(l->regs);

	return (tpr >> 4) >= (isrv >> 4) ? tpr : (isrv & 0xF0);
}

/* SDM "Arbitration Priority Register (APR)". */
static uint8_t lapic_apr(const struct lapic *l)
{
	uint8_t tpr = R(l, LAPIC_TPR) & 0xFF;
	uint8_t isrv = lapic_page_highest_isr(l->regs);
	uint8_t irrv = lapic_page_highest_irr(l->regs);

	if ((tpr >> 4) >= (irrv >> 4) && (tpr >> 4) > (isrv >> 4))
		return tpr;
	return MAX(tpr & 0xF0, MAX(isrv & 0xF0, irrv & 0xF0));
}

static void sync_ppr(struct lapic *l)
{
	R(l, LAPIC_PPR) = lapic_ppr(l);
}

bool lapic_sw_enabled(const struct lapic *l)
{
	return R(l, LAPIC_SVR) & LAPIC_SVR_ENABLE;
}

/* SDM "Error Handling": errors gather until the next ESR write; the
 * first one after that write raises the error LVT's interrupt. */
static void raise_error(struct lapic *l, uint32_t bits)
{
	bool armed = l->esr_pending == 0;
	uint32_t lvt = R(l, LAPIC_LVT_ERR);

	l->esr_pending |= bits;
	if (armed && !(lvt & LAPIC_LVT_MASKED))
		lapic_accept(l, lvt & 0xFF, false);
}

/* SDM "Valid Interrupt Vectors", "Local APIC State After It Has Been
 * Software Disabled" (fixed interrupts are not accepted then, as KVM). */
bool lapic_accept(struct lapic *l, uint8_t vector, bool level)
{
	if (!lapic_sw_enabled(l))
		return false;
	if (vector < 16) {
		raise_error(l, LAPIC_ESR_RECV_ILLEGAL);
		return false;
	}
	vec_set(l->regs, LAPIC_IRR, vector, true);
	vec_set(l->regs, LAPIC_TMR, vector, level);
	return true;
}

int lapic_pending(const struct lapic *l)
{
	int v = highest_vec(l->regs, LAPIC_IRR);

	if (v < 0 || (v >> 4) <= (lapic_ppr(l) >> 4))
		return -1;
	return v;
}

int lapic_inta(struct lapic *l)
{
	int v = lapic_pending(l);

	if (v < 0)
		return R(l, LAPIC_SVR) & 0xFF;
	vec_set(l->regs, LAPIC_IRR, v, false);
	vec_set(l->regs, LAPIC_ISR, v, true);
	sync_ppr(l);
	return v;
}

/* SDM "EOI Register": the highest ISR bit is cleared; a level-triggered
 * vector (TMR set) is reported for the I/O APIC's remote IRR. */
static unsigned do_eoi(struct lapic *l, struct lapic_out *out)
{
	int v = highest_vec(l->regs, LAPIC_ISR);

	R(l, LAPIC_EOI) = 0;
	if (v < 0)
		return 0;
	vec_set(l->regs, LAPIC_ISR, v, false);
	sync_ppr(l);
	if (!vec_test(l->regs, LAPIC_TMR, v))
		return 0;
	out->eoi_vector = (uint8_t)v;
	return LAPIC_EV_EOI;
}

/* ------------------------------------------------------------ messages */

static uint32_t own_id(const struct lapic *l)
{
	return l->x2apic ? l->cfg.apic_id : R(l, LAPIC_ID) >> 24;
}

bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical)
{
	uint32_t ldr = R(l, LAPIC_LDR);

	if (l->x2apic) {
		if (dest == 0xFFFFFFFF)
			return true;
		if (!logical)
			return dest == l->cfg.apic_id;
		/* SDM "Logical Destination Mode in x2APIC Mode". */
		return (dest >> 16) == (ldr >> 16) && (dest & ldr & 0xFFFF);
	}
	dest &= 0xFF;
	if (!logical)
		return dest == 0xFF || dest == own_id(l);
	/* SDM "Logical Destination Mode": flat model, or cluster model. */
	ldr >>= 24;
	if ((R(l, LAPIC_DFR) >> 28) == 0xF)
		return (dest & ldr) != 0;
	return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xF);
}

/* A message addressed to this APIC, by delivery mode (SDM "Interrupt
 * Handling with the Pentium 4 and Intel Xeon Processors"). */
static unsigned take(struct lapic *l, unsigned mode, uint8_t vector, bool level,
		     struct lapic_out *out)
{
	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		return lapic_accept(l, vector, level) ? LAPIC_EV_IRQ : 0;
	case LAPIC_DM_SMI:
		return LAPIC_EV_SMI;
	case LAPIC_DM_NMI:
		return LAPIC_EV_NMI;
	case LAPIC_DM_INIT:
		return LAPIC_EV_INIT;
	case LAPIC_DM_STARTUP:
		out->sipi_vector = vector;
		return LAPIC_EV_SIPI;
	case LAPIC_DM_EXTINT:
		return LAPIC_EV_EXTINT;
	}
	out->bad = "reserved delivery mode 011b";
	return LAPIC_EV_BAD;
}

unsigned lapic_deliver(struct lapic *l, uint8_t vector, unsigned mode,
		       uint32_t dest, bool logical, bool level,
		       struct lapic_out *out)
{
	struct lapic_out scratch;
	unsigned ev;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	ev = lapic_match_dest(l, dest, logical) ?
		take(l, mode & 7, vector, level, out) : 0;
	out->events = ev;
	return ev;
}

/* SDM "Interrupt Command Register (ICR)" and its table "Valid
 * Combinations for the Pentium 4 and Intel Xeon Processors' Local xAPIC
 * Interrupt Command Register". `dest` is ICR[63:56] (xAPIC) or ICR[63:32]
 * (x2APIC). IPIs are edge-triggered. */
unsigned lapic_send_ipi(struct lapic *l, uint32_t lo, uint32_t dest,
			struct lapic_out *out)
{
	unsigned mode = (lo >> 8) & 7, sh = (lo >> 18) & 3;
	uint8_t vector = lo & 0xFF;
	bool logical = lo & ICR_LOGICAL, self, others;
	unsigned ev = 0;

	out->icr = (uint64_t)dest << (l->x2apic ? 32 : 56) | lo;
	if (mode == LAPIC_DM_INIT && !(lo & ICR_LEVEL) && (lo & ICR_TRIGGER))
		return 0;       /* INIT level de-assert: not on Pentium 4+ */
	if (mode == 3 || mode == LAPIC_DM_EXTINT) {
		out->bad = "ICR: reserved delivery mode";
		return LAPIC_EV_BAD;
	}
	if ((sh == 1 || sh == 2) && mode != LAPIC_DM_FIXED) {
		out->bad = "ICR: shorthand self / all-including-self "
			   "takes only fixed delivery";
		return LAPIC_EV_BAD;
	}
	if ((mode == LAPIC_DM_FIXED || mode == LAPIC_DM_LOWEST) && vector < 16) {
		raise_error(l, LAPIC_ESR_SEND_ILLEGAL);   /* not sent */
		return 0;
	}
	switch (sh) {
	case 0:
		self = lapic_match_dest(l, dest, logical);
		others = logical || dest != own_id(l);
		break;
	case 1:
		self = true, others = false;
		break;
	case 2:
		self = true, others = true;
		break;
	default:
		self = false, others = true;
		break;
	}
	if (others)
		ev |= LAPIC_EV_OTHERS;
	if (self)
		ev |= take(l, mode, vector, false, out);
	return ev;
}

/* ------------------------------------------------------------ registers */

static void write_lvt(struct lapic *l, unsigned off, uint32_t val, uint32_t mask)
{
	R(l, off) = (val & mask) | (lapic_sw_enabled(l) ? 0 : LAPIC_LVT_MASKED);
}

/* SDM "Spurious-Interrupt Vector Register": bit 12 (EOI-broadcast
 * suppression) is reserved here; clearing bit 8 masks every LVT. */
static void write_svr(struct lapic *l, uint32_t val)
{
	R(l, LAPIC_SVR) = val & 0x3FF;
	if (val & LAPIC_SVR_ENABLE)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(lvt_offs); i++)
		R(l, lvt_offs[i]) |= LAPIC_LVT_MASKED;
	l->lvtt |= LAPIC_LVT_MASKED;
}

uint32_t lapic_read(struct lapic *l, unsigned off, uint64_t now)
{
	lapic_advance(l, now);
	if (off >= LAPIC_PAGE_SIZE || (off & 0xF) >= 4)
		return 0;
	off &= ~0xFu;
	if (off >= LAPIC_ISR && off < LAPIC_ESR)
		return R(l, off);
	switch (off) {
	case LAPIC_ID: case LAPIC_VER: case LAPIC_TPR: case LAPIC_LDR:
	case LAPIC_DFR: case LAPIC_SVR: case LAPIC_ESR: case LAPIC_ICR_LO:
	case LAPIC_ICR_HI: case LAPIC_LVT_TIMER: case LAPIC_LVT_THERM:
	case LAPIC_LVT_PERF: case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1:
	case LAPIC_LVT_ERR: case LAPIC_TMICT: case LAPIC_TDCR:
		return R(l, off);
	case LAPIC_APR:
		return lapic_apr(l);
	case LAPIC_PPR:
		sync_ppr(l);
		return R(l, LAPIC_PPR);
	case LAPIC_EOI: case LAPIC_RRD:         /* write-only; P6 only */
		return 0;
	case LAPIC_TMCCT:
		return lapic_timer_current(l, now);
	}
	raise_error(l, LAPIC_ESR_ILLEGAL_REG);
	return 0;
}

unsigned lapic_write(struct lapic *l, unsigned off, uint32_t val, uint64_t now,
		     struct lapic_out *out)
{
	struct lapic_out scratch;
	unsigned ev = 0;

	if (!out)
		out = &scratch;
	memset(out, 0, sizeof(*out));
	lapic_advance(l, now);
	if (off >= LAPIC_PAGE_SIZE || (off & 0xF)) {
		out->bad = "write not at a register offset (16-byte aligned)";
		ev = LAPIC_EV_BAD;
	} else if (off >= LAPIC_ISR && off < LAPIC_ESR) {
		out->bad = "ISR/TMR/IRR are read-only";
		ev = LAPIC_EV_BAD;
	} else switch (off) {
	case LAPIC_ID:
		R(l, off) = val & 0xFF000000;
		break;
	case LAPIC_TPR:
		R(l, off) = val & 0xFF;
		sync_ppr(l);
		break;
	case LAPIC_EOI:
		ev = do_eoi(l, out);
		break;
	case LAPIC_LDR:
		R(l, off) = val & 0xFF000000;
		break;
	case LAPIC_DFR:
		R(l, off) = val | 0x0FFFFFFF;
		break;
	case LAPIC_SVR:
		write_svr(l, val);
		break;
	case LAPIC_ESR:                 /* SDM "Error Status Register" */
		R(l, off) = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		R(l, off) = val & ICR_LO_MASK;
		ev = lapic_send_ipi(l, val & ICR_LO_MASK,
				    R(l, LAPIC_ICR_HI) >> 24, out);
		break;
	case LAPIC_ICR_HI:
		R(l, off) = val & 0xFF000000;
		break;
	case LAPIC_LVT_TIMER:
		ev = lapic_timer_write_lvt(l, val, out);
		break;
	case LAPIC_LVT_THERM: case LAPIC_LVT_PERF:
		write_lvt(l, off, val, LVT_MASK_THERM);
		break;
	case LAPIC_LVT_LINT0: case LAPIC_LVT_LINT1:
		write_lvt(l, off, val, LVT_MASK_LINT);
		break;
	case LAPIC_LVT_ERR:
		write_lvt(l, off, val, LVT_MASK_ERR);
		break;
	case LAPIC_TMICT:
		lapic_timer_write_init(l, val, now);
		break;
	case LAPIC_TDCR:
		lapic_timer_write_div(l, val, now);
		break;
	case LAPIC_VER: case LAPIC_APR: case LAPIC_PPR: case LAPIC_RRD:
	case LAPIC_TMCCT:
		out->bad = "read-only register";
		ev = LAPIC_EV_BAD;
		break;
	default:
		raise_error(l, LAPIC_ESR_ILLEGAL_REG);
		out->bad = "reserved register";
		ev = LAPIC_EV_BAD;
	}
	out->events = ev;
	return ev;
}

unsigned lapic_apic_write(struct lapic *l, unsigned off, uint64_t now,
			  struct lapic_out *out)
{
	if (off >= LAPIC_PAGE_SIZE)
		return lapic_write(l, off, 0, now, out);
	return lapic_write(l, off, R(l, off & ~3u), now, out);
}

bool lapic_lint0_extint(const struct lapic *l)
{
	uint32_t v = R(l, LAPIC_LVT_LINT0);

	return lapic_sw_enabled(l) && !(v & LAPIC_LVT_MASKED) &&
	       ((v >> 8) & 7) == LAPIC_DM_EXTINT;
}

bool lapic_lint1_nmi(const struct lapic *l)
{
	uint32_t v = R(l, LAPIC_LVT_LINT1);

	return lapic_sw_enabled(l) && !(v & LAPIC_LVT_MASKED) &&
	       ((v >> 8) & 7) == LAPIC_DM_NMI;
}

/* ------------------------------------------------------------ reset */

void lapic_reset(struct lapic *l, enum lapic_reset_kind kind, uint64_t now)
{
	uint32_t id = R(l, LAPIC_ID), ldr = R(l, LAPIC_LDR);
	bool x2 = l->x2apic;

	memset(l->regs, 0, LAPIC_PAGE_SIZE);
	if (kind == LAPIC_RESET_POWER) {
		l->x2apic = false;
		id = l->cfg.apic_id << 24;
	} else if (kind == LAPIC_RESET_DISABLE) {
		l->x2apic = false;
		id = x2 ? (id & 0xFF) << 24 : id & 0xFF000000;
	} else if (x2) {
		R(l, LAPIC_LDR) = ldr;  /* read-only in x2APIC mode */
	}
	R(l, LAPIC_ID) = id;
	R(l, LAPIC_VER) = LAPIC_VERSION;
	R(l, LAPIC_DFR) = 0xFFFFFFFF;
	R(l, LAPIC_SVR) = 0xFF;
	for (unsigned i = 0; i < ARRAY_SIZE(lvt_offs); i++)
		R(l, lvt_offs[i]) = LAPIC_LVT_MASKED;
	l->esr_pending = 0;
	lapic_timer_reset(l, now);
}

void lapic_init(struct lapic *l, uint32_t *page, const struct lapic_config *cfg,
		uint64_t now)
{
	memset(l, 0, sizeof(*l));
	l->regs = page;
	l->cfg = *cfg;
	if (!l->cfg.timer_hz)
		l->cfg.timer_hz = l->cfg.tsc_hz;
	lapic_reset(l, LAPIC_RESET_POWER, now);
}

void lapic_virtual_wire(struct lapic *l, uint64_t now)
{
	lapic_write(l, LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF, now, NULL);
	lapic_write(l, LAPIC_LVT_LINT0, LAPIC_DM_EXTINT << 8, now, NULL);
	lapic_write(l, LAPIC_LVT_LINT1, LAPIC_DM_NMI << 8, now, NULL);
}
