/* Time arithmetic of the timer models (hv/dev/pit8254.c, rtc_cmos.c).
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

/* floor(a * mul / div), exact when mul * div < 2^64; saturates at
 * UINT64_MAX. a * mul / div = (a / div) * mul + (a % div) * mul / div,
 * and (a % div) * mul < div * mul. *rem gets the remainder (may be NULL). */
static inline uint64_t dev_muldiv_rem(uint64_t a, uint64_t mul, uint64_t div,
				      uint64_t *rem)
{
	uint64_t hi, lo = (a % div) * mul, q;

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

/* ceil(a * mul / div), same conditions. */
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
