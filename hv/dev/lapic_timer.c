/*
 * The local APIC timer: Intel SDM Vol. 3A (rev. 084), "APIC Timer" and
 * "TSC-Deadline Mode" in chapter "Advanced Programmable Interrupt
 * Controller (APIC)". One-shot, periodic and TSC-deadline modes, the
 * divide configuration, the current count computed from `now`.
 *
 * The count is kept as (t_base, t_next): the TSC at which it started and
 * the number of counts after t_base at which it next reaches zero. An
 * expiry is the first TSC tick at or after the exact instant, always
 * computed from t_base, so a periodic timer does not drift when the timer
 * clock and the TSC differ. Expiries are processed by lapic_advance(),
 * which every register access also calls first: the model is always up
 * to date as of `now`. A masked expiry is lost, as on hardware, and a
 * periodic timer that fell behind fires once (the IRR bit latches one
 * interrupt) and resumes in the period that contains `now`.
 */
#include "hv/dev/lapic_priv.h"
#include "hv/dev/dev_time.h"

#define R(l, off)  LAPIC_R(l, off)

enum { TM_ONESHOT, TM_PERIODIC, TM_DEADLINE, TM_RESERVED };

/* Timer input clocks in dt TSC ticks (floor). */
static uint64_t tsc_to_clk(const struct lapic *l, uint64_t dt)
{
	if (l->cfg.timer_hz == l->cfg.tsc_hz)
		return dt;
	return dev_muldiv(dt, l->cfg.timer_hz, l->cfg.tsc_hz);
}

/* TSC ticks until `clk` input clocks have elapsed (ceiling). */
static uint64_t clk_to_tsc(const struct lapic *l, uint64_t clk)
{
	if (l->cfg.timer_hz == l->cfg.tsc_hz)
		return clk;
	return dev_muldiv_ceil(clk, l->cfg.tsc_hz, l->cfg.timer_hz);
}

static unsigned timer_mode(uint32_t lvtt)
{
	return (lvtt >> 17) & 3;
}

/* Divide configuration bits 3,1:0 (SDM "Divide Configuration Register"):
 * 000b /2 ... 110b /128, 111b /1. */
static unsigned tdcr_divisor(uint32_t v)
{
	unsigned code = ((v >> 1) & 4) | (v & 3);

	return code == 7 ? 1 : 2u << code;
}

static uint64_t timer_counts(const struct lapic *l, uint64_t now)
{
	return tsc_to_clk(l, now - l->t_base) / l->t_div;
}

static void timer_fire(struct lapic *l)
{
	if (!(l->lvtt & LAPIC_LVT_MASKED))
		lapic_accept(l, l->lvtt & 0xFF, false);
}

/* Fires what is due (masked: the expiry is lost, as on hardware). A
 * periodic timer that fell behind fires once and resumes in the period
 * that contains now. */
void lapic_advance(struct lapic *l, uint64_t now)
{
	uint64_t c;

	if (timer_mode(l->lvtt) == TM_DEADLINE) {
		if (l->t_deadline && now >= l->t_deadline) {
			l->t_deadline = 0;
			timer_fire(l);
		}
		return;
	}
	if (!l->t_running || now < l->t_base)
		return;
	c = timer_counts(l, now);
	if (c < l->t_next)
		return;
	timer_fire(l);
	if (timer_mode(l->lvtt) != TM_PERIODIC) {
		l->t_running = false;
		return;
	}
	l->t_next += (uint64_t)l->t_init * (1 + (c - l->t_next) / l->t_init);
}

uint64_t lapic_next_deadline(const struct lapic *l)
{
	if (l->lvtt & LAPIC_LVT_MASKED)
		return DEV_NO_DEADLINE;
	if (timer_mode(l->lvtt) == TM_DEADLINE)
		return l->t_deadline ? l->t_deadline : DEV_NO_DEADLINE;
	if (!l->t_running)
		return DEV_NO_DEADLINE;
	return dev_add_sat(l->t_base, clk_to_tsc(l, l->t_next * l->t_div));
}

/* Called after lapic_advance(l, now): a running count is ahead of now. */
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
	uint64_t c;

	if (!l->t_running || now < l->t_base)
		return l->t_running ? (uint32_t)l->t_next : 0;
	c = timer_counts(l, now);
	return c < l->t_next ? (uint32_t)(l->t_next - c) : 0;
}

/* SDM "TSC-Deadline Mode": a write that changes the mode disarms the
 * timer (the initial count is cleared too, as KVM does). */
unsigned lapic_timer_write_lvt(struct lapic *l, uint32_t val, struct lapic_out *out)
{
	uint32_t v = val & (LVT_MASK_TIMER |
			    (l->cfg.tsc_deadline ? LAPIC_TIMER_DEADLINE : 0));

	if (!lapic_sw_enabled(l))
		v |= LAPIC_LVT_MASKED;
	if (timer_mode(v) != timer_mode(l->lvtt)) {
		l->t_running = false;
		l->t_deadline = 0;
		l->t_init = 0;
		R(l, LAPIC_TMICT) = 0;
	}
	R(l, LAPIC_LVT_TIMER) = l->lvtt = v;
	if (timer_mode(v) == TM_RESERVED) {
		out->bad = "LVT timer mode 11b is reserved";
		return LAPIC_EV_BAD;
	}
	return 0;
}

/* SDM "APIC Timer": a write starts (0: stops) the count; ignored in
 * TSC-deadline mode. */
void lapic_timer_write_init(struct lapic *l, uint32_t val, uint64_t now)
{
	unsigned m = timer_mode(l->lvtt);

	if (m == TM_DEADLINE || m == TM_RESERVED) {
		R(l, LAPIC_TMICT) = l->t_init;
		return;
	}
	R(l, LAPIC_TMICT) = l->t_init = val;
	l->t_running = val != 0;
	l->t_base = now;
	l->t_next = val;
}

/* A new divisor applies from now to the count that remains. */
void lapic_timer_write_div(struct lapic *l, uint32_t val, uint64_t now)
{
	if (l->t_running) {
		l->t_next = lapic_timer_current(l, now);
		l->t_base = now;
	}
	R(l, LAPIC_TDCR) = val & 0xB;
	l->t_div = tdcr_divisor(val);
}

void lapic_set_tsc_deadline(struct lapic *l, uint64_t host_deadline, uint64_t now)
{
	lapic_advance(l, now);
	if (timer_mode(l->lvtt) != TM_DEADLINE)
		return;
	l->t_deadline = host_deadline;
	lapic_advance(l, now);          /* a deadline already past fires now */
}

uint64_t lapic_tsc_deadline(struct lapic *l, uint64_t now)
{
	lapic_advance(l, now);
	return timer_mode(l->lvtt) == TM_DEADLINE ? l->t_deadline : 0;
}

void lapic_timer_reset(struct lapic *l, uint64_t now)
{
	l->lvtt = LAPIC_LVT_MASKED;
	l->t_init = 0;
	l->t_div = 2;
	l->t_running = false;
	l->t_base = now;
	l->t_next = 0;
	l->t_deadline = 0;
}
