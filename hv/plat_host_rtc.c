/*
 * rtc=host: the guest's RTC starts at the host's date and time, read once
 * from the emulated PC's own MC146818A (Motorola MC146818A datasheet,
 * "Address Map", "Update Cycle"; the century byte at CMOS 0x32 as PC BIOSes
 * keep it). The default, rtc=fixed, is PLAT_RTC_EPOCH_FIXED: a run under
 * Bochs is deterministic, and so is the date its guest reads.
 */
#include "hv/plat.h"
#include "include/x86.h"
#include "lib/civil.h"
#include "lib/console.h"
#include "lib/string.h"

static uint8_t cmos(uint8_t reg)
{
	outb(0x70, reg);        /* bit 7 clear: NMIs stay as they are */
	return inb(0x71);
}

static unsigned dec(uint8_t v, bool bcd)
{
	return bcd ? bcd_to_bin(v) : v;
}

/* A read between two updates: wait for UIP to clear (it is set for the
 * 244 us before each), read, and read again until both agree. */
uint64_t plat_host_rtc_epoch(void)
{
	uint8_t t[7], u[7], b;
	static const uint8_t reg[7] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09,
					0x32 };
	unsigned tries = 0, hour;
	bool bcd;
	int64_t days, year;

	do {
		for (unsigned spin = 0; (cmos(0x0A) & 0x80) && spin < 1000000;
		     spin++)
			pause();
		for (unsigned i = 0; i < 7; i++)
			t[i] = cmos(reg[i]);
		for (unsigned i = 0; i < 7; i++)
			u[i] = cmos(reg[i]);
	} while (memcmp(t, u, sizeof(t)) && ++tries < 5);
	b = cmos(0x0B);
	bcd = !(b & 0x04);
	hour = dec(t[2] & 0x7F, bcd);
	if (!(b & 0x02) && (t[2] & 0x80))       /* 12-hour clock, PM */
		hour = hour % 12 + 12;
	else if (!(b & 0x02) && hour == 12)
		hour = 0;
	year = dec(t[5], bcd) + 100 * (int64_t)(dec(t[6], bcd) ?: 20);
	days = civil_to_days(year, dec(t[4], bcd), dec(t[3], bcd));
	if (days < 0)
		days = 0;
	printf("rtc: rtc=host: the host's RTC reads %04lld-%02u-%02u "
	       "%02u:%02u:%02u\n", (long long)year, dec(t[4], bcd),
	       dec(t[3], bcd), hour, dec(t[1], bcd), dec(t[0], bcd));
	return (uint64_t)days * 86400 + hour * 3600 + dec(t[1], bcd) * 60 +
	       dec(t[0], bcd);
}
