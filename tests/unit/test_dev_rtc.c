/*
 * Host tests for the MC146818A RTC/CMOS (hv/dev/rtc_cmos.c): the reset
 * registers, time and date from the epoch in BCD and binary, 12 and 24 h,
 * the UIP protocol, setting the clock under SET, leap years and centuries,
 * the day of week, the periodic interrupt at every rate, the update-ended
 * interrupt, register C read-to-clear and IRQ 8, coalescing, divider
 * reset, the CMOS memory-size bytes and checksum, CMOS RAM and the NMI
 * mask bit. Expected dates come from the host's timegm()/gmtime_r().
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <time.h>
#include <cmocka.h>

#include "hv/dev/rtc_cmos.h"

#define HZ      50000000ULL
#define T0      777777777ULL

static struct rtc_cmos rtc;

static struct {
	unsigned rises, calls;
	bool level;
} line;

static void sink_set(void *ctx, unsigned gsi, bool level)
{
	assert_ptr_equal(ctx, &line);
	assert_int_equal(gsi, RTC_IRQ);
	assert_int_not_equal(level, line.level);        /* changes only */
	line.calls++;
	line.rises += level;
	line.level = level;
}

static const struct irq_sink sink = { .ctx = &line, .set = sink_set };

static uint64_t epoch(int y, int mon, int d, int h, int mi, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = mi, .tm_sec = s };

	return (uint64_t)timegm(&tm);
}

static void setup_rtc(uint64_t epoch_s, uint64_t ram)
{
	line.rises = line.calls = 0;
	line.level = false;
	rtc_init(&rtc, HZ, epoch_s, ram, &sink, T0);
}

/* TSC of 32.768 kHz cycle c of the divider (from init), as the model
 * converts; and TSC after s seconds. */
static uint64_t cyc(uint64_t c)
{
	return T0 + (c * HZ + RTC_BASE_HZ - 1) / RTC_BASE_HZ;
}

static uint64_t sec(double s)
{
	return T0 + (uint64_t)(s * HZ);
}

static uint8_t rd(unsigned idx, uint64_t t)
{
	rtc_io_write(&rtc, 0x70, idx, t);
	return rtc_io_read(&rtc, 0x71, t);
}

static void wr(unsigned idx, uint8_t v, uint64_t t)
{
	rtc_io_write(&rtc, 0x70, idx, t);
	rtc_io_write(&rtc, 0x71, v, t);
}

static unsigned bcd(unsigned v)
{
	return (v / 10) << 4 | v % 10;
}

/* The time registers against gmtime of e, BCD or binary, 24 h. */
static void check_time(uint64_t t, uint64_t e, bool binary)
{
	time_t tt = (time_t)e;
	struct tm tm;
	unsigned (*f)(unsigned) = binary ? NULL : bcd;

	gmtime_r(&tt, &tm);
#define ENC(v) (f ? f(v) : (unsigned)(v))
	assert_int_equal(rd(RTC_SEC, t), ENC(tm.tm_sec));
	assert_int_equal(rd(RTC_MIN, t), ENC(tm.tm_min));
	assert_int_equal(rd(RTC_HOUR, t), ENC(tm.tm_hour));
	assert_int_equal(rd(RTC_DOW, t), ENC(tm.tm_wday + 1));
	assert_int_equal(rd(RTC_DAY, t), ENC(tm.tm_mday));
	assert_int_equal(rd(RTC_MONTH, t), ENC(tm.tm_mon + 1));
	assert_int_equal(rd(RTC_YEAR, t), ENC(tm.tm_year % 100));
	assert_int_equal(rd(CMOS_CENTURY, t), ENC((tm.tm_year + 1900) / 100));
#undef ENC
}

static void test_reset_registers(void **state)
{
	setup_rtc(0, 128 << 20);
	assert_int_equal(rd(RTC_REG_A, T0), 0x26);
	assert_int_equal(rd(RTC_REG_B, T0), 0x02);
	assert_int_equal(rd(RTC_REG_C, T0), 0x00);
	assert_int_equal(rd(RTC_REG_D, T0), 0x80);
	assert_int_equal(rtc_io_read(&rtc, 0x70, T0), 0xFF);
	assert_int_equal(rtc_io_read(&rtc, 0x72, T0), 0xFF);
	rtc_io_write(&rtc, 0x72, 0x55, T0);
	assert_int_equal(rtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	/* C and D are read only; A's UIP too. */
	wr(RTC_REG_C, 0xFF, T0);
	wr(RTC_REG_D, 0x00, T0);
	assert_int_equal(rd(RTC_REG_C, T0), 0x00);
	assert_int_equal(rd(RTC_REG_D, T0), 0x80);
	wr(RTC_REG_A, 0xA6, T0);
	assert_int_equal(rd(RTC_REG_A, T0), 0x26);
	assert_int_equal(line.calls, 0);
	/* 1970-01-01 00:00:00 was a Thursday. */
	check_time(T0, 0, false);
}

static void test_time_bcd_and_binary(void **state)
{
	uint64_t e = epoch(2026, 12, 1, 12, 34, 56), t;

	setup_rtc(e, 128 << 20);
	check_time(T0, e, false);
	assert_int_equal(rd(RTC_HOUR, T0), 0x12);
	assert_int_equal(rd(RTC_DOW, T0), 3);           /* a Tuesday */
	check_time(sec(0.999), e, false);
	check_time(sec(1), e + 1, false);
	check_time(sec(3661.5), e + 3661, false);
	check_time(sec(86400.0 * 45), e + 86400 * 45, false);  /* 2027 */
	/* Binary, set the documented way (SET, write, clear SET). */
	t = sec(4e6);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DM_BIN, t);
	wr(RTC_SEC, 56, t);
	wr(RTC_MIN, 34, t);
	wr(RTC_HOUR, 12, t);
	wr(RTC_DAY, 1, t);
	wr(RTC_MONTH, 12, t);
	wr(RTC_YEAR, 26, t);
	wr(CMOS_CENTURY, 20, t);
	wr(RTC_DOW, 3, t);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BIN, t);
	check_time(t, e, true);
	check_time(t + 7200 * HZ, e + 7200, true);
	/* Changing DM while running keeps the bytes' bit patterns, as the
	 * chip does: binary 56 s (0x38) read as BCD is 38 s. */
	wr(RTC_REG_B, RTC_B_24H, t + 7200 * HZ);
	assert_int_equal(rd(RTC_SEC, t + 7200 * HZ), 0x38);
	assert_int_equal(rd(RTC_HOUR, t + 7200 * HZ), 0x14);    /* 14 = 0x0E */
}

static void test_12_hour(void **state)
{
	uint64_t t = sec(10);

	setup_rtc(epoch(2026, 12, 1, 0, 30, 0), 128 << 20);
	/* 12 h mode, set under SET: the hour byte keeps its 24 h pattern
	 * (0x00) until written. */
	wr(RTC_REG_B, RTC_B_SET, t);
	assert_int_equal(rd(RTC_HOUR, t), 0x00);
	wr(RTC_HOUR, 0x80 | 0x11, t);                   /* 11 PM */
	wr(RTC_MIN, 0x59, t);
	wr(RTC_SEC, 0x59, t);
	wr(RTC_REG_B, 0, t);
	assert_int_equal(rd(RTC_HOUR, t), 0x91);
	/* One second later: 12 AM of the next day. */
	assert_int_equal(rd(RTC_HOUR, t + HZ), 0x12);
	assert_int_equal(rd(RTC_DAY, t + HZ), 0x02);
	assert_int_equal(rd(RTC_SEC, t + HZ), 0x00);
	assert_int_equal(rd(RTC_HOUR, t + HZ + 12 * 3600 * HZ), 0x92);
	assert_int_equal(rd(RTC_HOUR, t + HZ + 13 * 3600 * HZ), 0x81);
	/* In binary: 12 PM is 0x8C and reads back. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_DM_BIN, t + HZ + 13 * 3600 * HZ);
	wr(RTC_HOUR, 0x80 | 12, t + HZ + 13 * 3600 * HZ);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_DM_BIN, t + HZ + 13 * 3600 * HZ);
	assert_int_equal(rd(RTC_HOUR, t + HZ + 13 * 3600 * HZ), 12);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_DM_BIN, t + HZ + 13 * 3600 * HZ);
	wr(RTC_HOUR, 0x80 | 12, t + HZ + 13 * 3600 * HZ);
	wr(RTC_REG_B, RTC_B_DM_BIN, t + HZ + 13 * 3600 * HZ);
	assert_int_equal(rd(RTC_HOUR, t + HZ + 13 * 3600 * HZ), 0x8C);
	assert_int_equal(rd(RTC_HOUR, t + HZ + 14 * 3600 * HZ), 0x81);
}

/* UIP is 1 in the 244 us (8 cycles) before each update and 0 otherwise;
 * a reader that waits for UIP = 0 reads a consistent time. */
static void test_uip_protocol(void **state)
{
	uint64_t e = epoch(2026, 12, 31, 23, 59, 58), t;

	setup_rtc(e, 128 << 20);
	assert_false(rd(RTC_REG_A, cyc(32767 - 8)) & RTC_A_UIP);
	assert_true(rd(RTC_REG_A, cyc(32768 - 8)) & RTC_A_UIP);
	assert_true(rd(RTC_REG_A, cyc(32767)) & RTC_A_UIP);
	assert_int_equal(rd(RTC_SEC, cyc(32767)), 0x58);
	assert_false(rd(RTC_REG_A, cyc(32768)) & RTC_A_UIP);
	assert_int_equal(rd(RTC_SEC, cyc(32768)), 0x59);
	/* The Linux way (mc146818_get_time): poll A until UIP = 0, read
	 * every time byte, here 1 us apart, starting 10 us before the year
	 * rolls over. */
	for (t = cyc(2 * 32768) - 10 * HZ / 1000000;
	     rd(RTC_REG_A, t) & RTC_A_UIP; t += HZ / 1000000)
		;
	assert_true(t >= cyc(2 * 32768));
	check_time(t, e + 2, false);
	assert_int_equal(rd(RTC_YEAR, t), 0x27);
	/* UIP = 0 just before the window: 243 us of reads still see the
	 * same second. */
	t = cyc(3 * 32768 - 8) - 1;
	assert_false(rd(RTC_REG_A, t) & RTC_A_UIP);
	assert_int_equal(rd(RTC_SEC, t), 0x00);
	assert_int_equal(rd(RTC_SEC, t + 243 * HZ / 1000000), 0x00);
	assert_int_equal(rd(RTC_SEC, cyc(3 * 32768)), 0x01);
	/* Under SET no update is in progress. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, cyc(4 * 32768 - 4));
	assert_false(rd(RTC_REG_A, cyc(4 * 32768 - 3)) & RTC_A_UIP);
}

static void test_set_time(void **state)
{
	uint64_t e = epoch(2026, 12, 1, 12, 0, 0);

	setup_rtc(e, 128 << 20);
	/* SET: time bytes stop and take writes; no update meanwhile. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, sec(10.25));
	assert_int_equal(rd(RTC_REG_C, sec(10.25)) & RTC_C_UF, RTC_C_UF);
	assert_int_equal(rd(RTC_SEC, sec(10.25)), 0x10);
	assert_int_equal(rd(RTC_SEC, sec(50)), 0x10);
	wr(RTC_HOUR, 0x08, sec(50));
	wr(RTC_MIN, 0x15, sec(50));
	wr(RTC_SEC, 0x30, sec(50));
	assert_int_equal(rd(RTC_HOUR, sec(60)), 0x08);
	assert_int_equal(rd(RTC_REG_C, sec(60)) & RTC_C_UF, 0);
	/* Clearing SET resumes on the divider's phase: the next update is
	 * at a whole second after init, not 1 s after the write. */
	wr(RTC_REG_B, RTC_B_24H, sec(60.75));
	assert_int_equal(rd(RTC_SEC, sec(60.99)), 0x30);
	assert_int_equal(rd(RTC_SEC, sec(61)), 0x31);
	assert_int_equal(rd(RTC_MIN, sec(61)), 0x15);
	assert_int_equal(rd(RTC_HOUR, sec(61)), 0x08);
	/* A write while running changes that byte and keeps running. */
	wr(RTC_MIN, 0x45, sec(62.5));
	assert_int_equal(rd(RTC_MIN, sec(63)), 0x45);
	assert_int_equal(rd(RTC_SEC, sec(63)), 0x33);
	/* Out-of-range values are normalized: 31 February is 3 March. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, sec(70));
	wr(RTC_MONTH, 0x02, sec(70));
	wr(RTC_DAY, 0x31, sec(70));
	wr(RTC_YEAR, 0x27, sec(70));
	wr(RTC_REG_B, RTC_B_24H, sec(70));
	assert_int_equal(rd(RTC_MONTH, sec(70)), 0x03);
	assert_int_equal(rd(RTC_DAY, sec(70)), 0x03);
}

/* Set the clock as software does; the day of week too, since the chip
 * counts it on its own. */
static void set_date(uint64_t t, unsigned cent, unsigned y, unsigned m,
		     unsigned d, unsigned hh, unsigned mm, unsigned ss)
{
	time_t tt = (time_t)epoch(cent * 100 + y, m, d, hh, mm, ss);
	struct tm tm;

	gmtime_r(&tt, &tm);
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	wr(RTC_DOW, tm.tm_wday + 1, t);
	wr(CMOS_CENTURY, bcd(cent), t);
	wr(RTC_YEAR, bcd(y), t);
	wr(RTC_MONTH, bcd(m), t);
	wr(RTC_DAY, bcd(d), t);
	wr(RTC_HOUR, bcd(hh), t);
	wr(RTC_MIN, bcd(mm), t);
	wr(RTC_SEC, bcd(ss), t);
	wr(RTC_REG_B, RTC_B_24H, t);
}

static void test_leap_years_and_century(void **state)
{
	setup_rtc(0, 128 << 20);
	set_date(sec(0.5), 20, 24, 2, 28, 23, 59, 59);
	check_time(sec(1), epoch(2024, 2, 29, 0, 0, 0), false);
	set_date(sec(2.5), 21, 0, 2, 28, 23, 59, 59);   /* 2100: no 29th */
	check_time(sec(3), epoch(2100, 3, 1, 0, 0, 0), false);
	set_date(sec(4.5), 20, 0, 2, 28, 23, 59, 59);   /* 2000: leap */
	check_time(sec(5), epoch(2000, 2, 29, 0, 0, 0), false);
	set_date(sec(6.5), 20, 99, 12, 31, 23, 59, 59);
	check_time(sec(7), epoch(2100, 1, 1, 0, 0, 0), false);
	assert_int_equal(rd(CMOS_CENTURY, sec(7)), 0x21);
	set_date(sec(8.5), 19, 99, 12, 31, 23, 59, 59);
	check_time(sec(9), epoch(2000, 1, 1, 0, 0, 0), false);
	/* Years run on: 2026-12-01 plus 400 days. */
	setup_rtc(epoch(2026, 12, 1, 0, 0, 0), 128 << 20);
	check_time(sec(400.0 * 86400), epoch(2028, 1, 5, 0, 0, 0), false);
}

static void test_day_of_week(void **state)
{
	uint64_t e = epoch(2026, 12, 6, 23, 59, 59), t; /* a Sunday */

	setup_rtc(e, 128 << 20);
	assert_int_equal(rd(RTC_DOW, T0), 1);
	assert_int_equal(rd(RTC_DOW, sec(1)), 2);
	assert_int_equal(rd(RTC_DOW, sec(1 + 5 * 86400)), 7);
	assert_int_equal(rd(RTC_DOW, sec(1 + 6 * 86400)), 1);     /* Sunday */
	/* The chip counts the day of week on its own: a wrong one set by
	 * software stays off by the same amount. */
	t = sec(10 + 7 * 86400);                        /* a Monday */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	wr(RTC_DOW, 5, t);
	wr(RTC_REG_B, RTC_B_24H, t);
	assert_int_equal(rd(RTC_DOW, t), 5);
	assert_int_equal(rd(RTC_DOW, t + 86400 * HZ), 6);
	assert_int_equal(rd(RTC_DOW, t + 3 * 86400 * HZ), 1);
}

/* PIE at 1024 Hz with the guest's handler reading C each time: one IRQ 8
 * per period over a simulated second. */
static void test_periodic_irq8(void **state)
{
	uint64_t t = sec(0.3), end = t + HZ, dl;

	setup_rtc(0, 128 << 20);
	/* PF has been set since init (1024 Hz is the reset rate): clear it
	 * before enabling, as drivers do. */
	assert_int_equal(rd(RTC_REG_C, t), RTC_C_PF);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, t);
	assert_false(line.level);
	while ((dl = rtc_next_deadline(&rtc)) <= end) {
		assert_true(dl > t);
		t = dl;
		rtc_advance(&rtc, t);
		assert_true(line.level);
		assert_int_equal(rd(RTC_REG_C, t) & 0xE0, RTC_C_IRQF | RTC_C_PF);
		assert_false(line.level);               /* C read lowers it */
	}
	assert_in_range(line.rises, 1023, 1025);
	/* Not reading C: the line stays high, one rise, no deadline. */
	rtc_advance(&rtc, end + HZ / 100);
	assert_true(line.level);
	assert_int_equal(rtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	unsigned r = line.rises;
	rtc_advance(&rtc, end + HZ / 10);
	assert_int_equal(line.rises, r);
	assert_true(rd(RTC_REG_C, end + HZ / 10) & RTC_C_IRQF);
	assert_int_equal(rd(RTC_REG_C, end + HZ / 10), 0);  /* cleared */
	/* Disabling PIE with PF pending lowers the line; enabling raises. */
	rtc_advance(&rtc, end + HZ / 5);
	assert_true(line.level);
	wr(RTC_REG_B, RTC_B_24H, end + HZ / 5);
	assert_false(line.level);
	wr(RTC_REG_B, RTC_B_24H | RTC_B_PIE, end + HZ / 5);
	assert_true(line.level);
}

static void test_periodic_rates(void **state)
{
	static const unsigned cycles[16] = { 0, 128, 256, 4, 8, 16, 32, 64,
					     128, 256, 512, 1024, 2048, 4096,
					     8192, 16384 };

	for (unsigned rs = 0; rs < 16; rs++) {
		uint64_t t = cyc(2), dl;

		setup_rtc(0, 128 << 20);
		wr(RTC_REG_A, 0x20 | rs, t);
		wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, t);
		dl = rtc_next_deadline(&rtc);
		if (!rs) {
			assert_int_equal(dl, DEV_NO_DEADLINE);
			continue;
		}
		assert_int_equal(dl, cyc(cycles[rs]));
		rtc_advance(&rtc, dl - 1);
		assert_false(line.level);
		rtc_advance(&rtc, dl);
		assert_true(line.level);
		rd(RTC_REG_C, dl);
		assert_int_equal(rtc_next_deadline(&rtc), cyc(2 * cycles[rs]));
	}
	/* PF is set without PIE (polled), with no IRQ and no deadline. */
	setup_rtc(0, 128 << 20);
	assert_int_equal(rtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	assert_int_equal(rd(RTC_REG_C, cyc(31)), 0);
	assert_int_equal(rd(RTC_REG_C, cyc(32)), RTC_C_PF);
	assert_int_equal(rd(RTC_REG_C, cyc(33)), 0);
	assert_int_equal(line.calls, 0);
	/* A rate change keeps the divider's phase. */
	wr(RTC_REG_A, 0x2F, cyc(100));                  /* 2 Hz */
	assert_int_equal(rd(RTC_REG_C, cyc(100)), RTC_C_PF);    /* 64, 96 */
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, cyc(100));
	assert_int_equal(rtc_next_deadline(&rtc), cyc(16384));
}

static void test_update_ended_irq(void **state)
{
	uint64_t t = sec(0.5);

	setup_rtc(0, 128 << 20);
	wr(RTC_REG_A, 0x20, t);                         /* no periodic */
	rd(RTC_REG_C, t);
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H, t);
	assert_int_equal(rtc_next_deadline(&rtc), sec(1));
	rtc_advance(&rtc, sec(1) - 1);
	assert_false(line.level);
	rtc_advance(&rtc, sec(1));
	assert_true(line.level);
	assert_int_equal(rd(RTC_REG_C, sec(1)), RTC_C_IRQF | RTC_C_UF);
	assert_false(line.level);
	assert_int_equal(rtc_next_deadline(&rtc), sec(2));
	/* SET clears UIE and stops updates. */
	wr(RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H, sec(1.5));
	assert_int_equal(rd(RTC_REG_B, sec(1.5)), RTC_B_SET | RTC_B_24H);
	assert_int_equal(rtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	assert_int_equal(rd(RTC_REG_C, sec(5)), 0);
	/* UIE again without SET. */
	wr(RTC_REG_B, RTC_B_UIE | RTC_B_24H, sec(5.5));
	rtc_advance(&rtc, sec(6));
	assert_true(line.level);
	assert_int_equal(line.rises, 2);
}

static void test_coalesce(void **state)
{
	setup_rtc(0, 128 << 20);
	wr(RTC_REG_A, 0x23, T0);                        /* 8192 Hz */
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, T0);
	rtc_advance(&rtc, sec(3600));
	assert_int_equal(line.rises, 1);
	assert_int_equal(rd(RTC_REG_C, sec(3600)),
			 RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	assert_int_equal(line.rises, 1);
	assert_true(rtc_next_deadline(&rtc) > sec(3600));
	assert_true(rtc_next_deadline(&rtc) <= sec(3600) + HZ / 8192 + 1);
	check_time(sec(3600), 3600, false);
	/* Time going backwards is ignored. */
	rtc_advance(&rtc, T0);
	check_time(T0, 3600, false);
}

static void test_divider_reset(void **state)
{
	uint64_t e = epoch(2026, 12, 1, 12, 0, 0);

	setup_rtc(e, 128 << 20);
	wr(RTC_REG_B, RTC_B_PIE | RTC_B_24H, T0);
	rd(RTC_REG_C, sec(0.5));
	wr(RTC_REG_A, 0x70 | 6, sec(2.25));             /* divider reset */
	rd(RTC_REG_C, sec(2.25));
	assert_int_equal(rd(RTC_SEC, sec(30)), 0x02);   /* stopped */
	assert_int_equal(rd(RTC_REG_C, sec(30)), 0);    /* no PF */
	assert_false(rd(RTC_REG_A, sec(30)) & RTC_A_UIP);
	assert_int_equal(rtc_next_deadline(&rtc), DEV_NO_DEADLINE);
	/* Released: the first update comes 500 ms later. */
	wr(RTC_REG_A, 0x26, sec(40));
	assert_int_equal(rd(RTC_SEC, sec(40.49)), 0x02);
	assert_int_equal(rd(RTC_SEC, sec(40.5)), 0x03);
	assert_true(rd(RTC_REG_A, sec(41.5) - 100 * HZ / 1000000) & RTC_A_UIP);
	assert_int_equal(rd(RTC_SEC, sec(41.5)), 0x04);
}

static void check_sizes(uint64_t ram, unsigned base, unsigned ext,
			unsigned high)
{
	unsigned sum = 0;

	setup_rtc(0, ram);
	assert_int_equal(rd(0x15, T0) | rd(0x16, T0) << 8, base);
	assert_int_equal(rd(0x17, T0) | rd(0x18, T0) << 8, ext);
	assert_int_equal(rd(0x30, T0) | rd(0x31, T0) << 8, ext);
	assert_int_equal(rd(0x34, T0) | rd(0x35, T0) << 8, high);
	for (unsigned i = 0x10; i < 0x2E; i++)
		sum += rd(i, T0);
	assert_int_equal(rd(0x2E, T0) << 8 | rd(0x2F, T0), sum);
}

static void test_cmos_memory_sizes(void **state)
{
	check_sizes(128ULL << 20, 640, 0xFFFF, (128 - 16) * 16);
	check_sizes(3ULL << 30, 640, 0xFFFF, 0xBF00);
	check_sizes(32ULL << 20, 640, 31 * 1024, 16 * 16);
	check_sizes(8ULL << 20, 640, 7 * 1024, 0);
	check_sizes(16ULL << 20, 640, 15 * 1024, 0);
	check_sizes(512 << 10, 512, 0, 0);
	check_sizes(6ULL << 30, 640, 0xFFFF, 0xFF00);   /* below 4 GiB */
	check_sizes(64ULL << 20, 640, 63 * 1024, 48 * 16);
}

static void test_cmos_ram_and_index(void **state)
{
	setup_rtc(0, 128 << 20);
	for (unsigned i = 0x0E; i < 0x80; i++)
		if (i != CMOS_CENTURY)
			wr(i, (uint8_t)(i * 7 + 1), T0);
	for (unsigned i = 0x0E; i < 0x80; i++)
		if (i != CMOS_CENTURY)
			assert_int_equal(rd(i, sec(5)), (uint8_t)(i * 7 + 1));
	/* The alarm bytes are storage. */
	wr(RTC_SEC_ALARM, 0x12, T0);
	wr(RTC_MIN_ALARM, 0xC0, T0);
	wr(RTC_HOUR_ALARM, 0x23, T0);
	assert_int_equal(rd(RTC_SEC_ALARM, sec(5)), 0x12);
	assert_int_equal(rd(RTC_MIN_ALARM, sec(5)), 0xC0);
	assert_int_equal(rd(RTC_HOUR_ALARM, sec(5)), 0x23);
	/* Port 0x70: bit 7 masks NMI, bits 6:0 select. */
	assert_false(rtc_nmi_masked(&rtc));
	rtc_io_write(&rtc, 0x70, 0x80 | 0x40, sec(5));
	assert_true(rtc_nmi_masked(&rtc));
	assert_int_equal(rtc_io_read(&rtc, 0x71, sec(5)), (uint8_t)(0x40 * 7 + 1));
	rtc_io_write(&rtc, 0x70, RTC_REG_D, sec(5));
	assert_false(rtc_nmi_masked(&rtc));
	assert_int_equal(rtc_io_read(&rtc, 0x71, sec(5)), 0x80);
	/* The index stays selected for repeated reads. */
	assert_int_equal(rtc_io_read(&rtc, 0x71, sec(5)), 0x80);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_registers),
		cmocka_unit_test(test_time_bcd_and_binary),
		cmocka_unit_test(test_12_hour),
		cmocka_unit_test(test_uip_protocol),
		cmocka_unit_test(test_set_time),
		cmocka_unit_test(test_leap_years_and_century),
		cmocka_unit_test(test_day_of_week),
		cmocka_unit_test(test_periodic_irq8),
		cmocka_unit_test(test_periodic_rates),
		cmocka_unit_test(test_update_ended_irq),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_divider_reset),
		cmocka_unit_test(test_cmos_memory_sizes),
		cmocka_unit_test(test_cmos_ram_and_index),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
