/* Calendar arithmetic for the clocks (lib/civil.c): days since 1970-01-01
 * in the proleptic Gregorian calendar and back, and the MC146818A's BCD
 * bytes. Pure C, linked by the hypervisor (the RTC model, rtc=host), the
 * guest kernel (irq.rtc-time) and the host tests. */
#ifndef EPTLAB_LIB_CIVIL_H
#define EPTLAB_LIB_CIVIL_H

#include "include/types.h"

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
int64_t civil_to_days(int64_t y, unsigned m, unsigned d);
/* The date of day `days` since 1970-01-01. */
void civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Two BCD digits (0x00-0x99) and back (0-99). */
static inline unsigned bcd_to_bin(uint8_t v)
{
	return (v >> 4) * 10 + (v & 0xF);
}

static inline uint8_t bin_to_bcd(unsigned v)
{
	return (uint8_t)((v / 10) << 4 | v % 10);
}

#endif
