/* Time arithmetic of the timer models (hv/dev/pit8254.c, rtc_cmos.c,
 * lapic_timer.c).
 *
 * Devices get `now` in host TSC ticks and the TSC rate `hz` once at init;
 * they convert between ticks and their own input clock (1.193182 MHz for
 * the 8254, 32.768 kHz for the MC146818) with dev_muldiv(). Not with an
 * unsigned __int128 division: gcc lowers that to __udivti3, which the
 * freestanding hypervisor does not link (the issue-12 device design
 * suggested __int128; a 64x64 multiply is inline, the division is not). */
#ifndef EPTLAB_DEV_TIME_H
#define EPTLAB_DEV_TIME_H

#include "include/types.h"

/* The TSC rates the models accept; X_init() clamps hz into this range so
 * that every mul * div below stays under 2^64 (1193182 * 2^40 < 2^61). */
#define DEV_HZ_MIN 1000000ULL           /* 1 MHz */
#define DEV_HZ_MAX (1ULL << 40)         /* ~1.1 THz */

static inline uint64_t dev_hz_clamp(uint64_t hz)
{
	return hz < DEV_HZ_MIN ? DEV_HZ_MIN : hz > DEV_HZ_MAX ? DEV_HZ_MAX : hz;
}

/* The slow half of dev_muldiv_rem: the 128-bit product a * mul divided
 * by div bit by bit (64 steps), for operands whose (div - 1) * mul does
 * not fit in 64 bits. Saturates at UINT64_MAX. */
static inline uint64_t dev_muldiv_wide(uint64_t a, uint64_t mul, uint64_t div,
				       uint64_t *rem)
{
	unsigned __int128 p = (unsigned __int128)a * mul;
	uint64_t hi = (uint64_t)(p >> 64), lo = (uint64_t)p, q = 0;

	if (hi >= div) {
		if (rem)
			*rem = 0;
		return UINT64_MAX;
	}
	for (int i = 63; i >= 0; i--) {
		bool carry = hi >> 63;

		hi = (hi << 1) | (lo >> 63);
		lo <<= 1;
		if (carry || hi >= div) {
			hi -= div;
			q |= 1ULL << i;
		}
	}
	if (rem)
		*rem = hi;
	return q;
}

/* floor(a * mul / div) for any a, mul and div > 0, saturating at
 * UINT64_MAX; *rem gets the remainder (may be NULL). The models' rates
 * take the fast path: a * mul / div = (a / div) * mul + (a % div) * mul /
 * div, exact while (div - 1) * mul fits in 64 bits (every rate of the
 * PIT and RTC, and the LAPIC timer whose input clock is the TSC). Other
 * operands take the bit-wise long division. The one helper every timer
 * model uses (hv/dev/pit8254.c, rtc_cmos.c, lapic_timer.c). */
static inline uint64_t dev_muldiv_rem(uint64_t a, uint64_t mul, uint64_t div,
				      uint64_t *rem)
{
	uint64_t hi, lo, q;

	if (__builtin_mul_overflow(div - 1, mul, &lo))
		return dev_muldiv_wide(a, mul, div, rem);
	lo = (a % div) * mul;
	if (rem)
		*rem = lo % div;
	if (__builtin_mul_overflow(a / div, mul, &hi) ||
	    __builtin_add_overflow(hi, lo / div, &q))
		return UINT64_MAX;
	return q;
}

static inline uint64_t dev_muldiv(uint64_t a, uint64_t mul, uint64_t div)
{
	return dev_muldiv_rem(a, mul, div, NULL);
}

/* ceil(a * mul / div), saturating. */
static inline uint64_t dev_muldiv_ceil(uint64_t a, uint64_t mul, uint64_t div)
{
	uint64_t rem, q = dev_muldiv_rem(a, mul, div, &rem);

	return q == UINT64_MAX || !rem ? q : q + 1;
}

/* base + d, saturating at UINT64_MAX (= DEV_NO_DEADLINE). */
static inline uint64_t dev_add_sat(uint64_t base, uint64_t d)
{
	uint64_t r;

	return __builtin_add_overflow(base, d, &r) ? UINT64_MAX : r;
}

#endif
