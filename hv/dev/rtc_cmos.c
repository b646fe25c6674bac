/*
 * The MC146818A real-time clock and CMOS RAM (hv/dev/rtc_cmos.h).
 *
 * Follows the Motorola MC146818A datasheet: "Address Map", "Time,
 * Calendar and Alarm Locations" (Table 3, BCD and binary, 12/24 h),
 * "Update Cycle" (UIP set 244 us before the update, Figure 15),
 * "Register A" (UIP, DV2-DV0, RS3-RS0 with the periodic rates of Table
 * 5), "Register B" (SET, PIE, AIE, UIE, SQWE, DM, 24/12, DSE), "Register
 * C" (IRQF, PF, AF, UF; cleared by a read), "Register D" (VRT) and
 * "Interrupts". The PC's CMOS layout (memory sizes, checksum, century at
 * 0x32) as in the IBM PC/AT technical reference.
 *
 * Emulated: time and date from an epoch plus elapsed host time (leap
 * years by lib/civil.c, day of week with Sunday = 1), BCD or binary and 12 or 24 h per
 * register B, the time stopped and settable under SET or with the
 * divider not at 32.768 kHz (DV != 010; restarting it puts the first
 * update 500 ms later), UIP for the 244 us before each update, the
 * periodic flag at the register A rate and the update-ended flag, each
 * raising IRQ 8 (a level until register C is read) when enabled, SET
 * clearing UIE, 114 bytes of CMOS RAM, the memory-size bytes and their
 * checksum at init, the NMI mask bit of port 0x70.
 *
 * Not emulated: the alarm interrupt (the alarm bytes are plain storage,
 * AF is never set), the square-wave output (SQWE stored), daylight saving
 * (DSE stored), time bases other than 32.768 kHz (DV 000 and 001 stop
 * the clock), the second 128-byte bank (ports 0x72/0x73). The update is
 * instantaneous at the second boundary (the chip takes 1984 us with UIP
 * still set); a reader that waits for UIP = 0 has 244 us either way.
 * Changing DM or 24/12 keeps the time bytes' bit patterns, as the chip
 * does; values out of range are normalized (31 February is 3 March).
 *
 * Model: the divider chain counts 32.768 kHz cycles from the host TSC;
 * the time is base_secs + count / 32768 while running. Updates happen at
 * multiples of 32768, periodic flags at multiples of the rate's period,
 * so every event is O(1) to find and a long gap sets each flag once.
 */
#include "hv/dev/rtc_cmos.h"
#include "hv/dev/dev_time.h"
#include "lib/civil.h"

#define UIP_CYCLES      8       /* 244.1 us of the 32.768 kHz base */
#define CYCLES_PER_SEC  RTC_BASE_HZ
#define RAM_KB_BASE     640
#define SZ_1M           (1ULL << 20)

static bool dv_running(const struct rtc_cmos *r)
{
	return (r->cmos[RTC_REG_A] & RTC_A_DV_MASK) == RTC_A_DV_32K;
}

/* Time bytes are plain storage: updates stopped by SET or the divider. */
static bool rtc_frozen(const struct rtc_cmos *r)
{
	return (r->cmos[RTC_REG_B] & RTC_B_SET) || !dv_running(r);
}

/* Periodic period in 32.768 kHz cycles (Table 5): RS 1, 2 give 256 and
 * 128 Hz, RS 3-15 give 2^(RS-1) cycles; RS 0 none. */
static uint64_t rtc_period(const struct rtc_cmos *r)
{
	unsigned rs = r->cmos[RTC_REG_A] & RTC_A_RS_MASK;

	return !rs ? 0 : rs <= 2 ? 1u << (rs + 6) : 1u << (rs - 1);
}

static uint64_t rtc_count(const struct rtc_cmos *r, uint64_t now)
{
	uint64_t d = now > r->div_tsc ?
		     dev_muldiv(now - r->div_tsc, RTC_BASE_HZ, r->hz) : 0;

	return MAX(r->div_off + d, r->div);
}

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b < 0);
}

/* 0 = Sunday; 1970-01-01 was a Thursday. */
static unsigned weekday(int64_t days)
{
	return (unsigned)(days + 4 - floor_div(days + 4, 7) * 7);
}

static uint8_t rtc_enc(const struct rtc_cmos *r, unsigned v)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM_BIN ? v : bin_to_bcd(v);
}

static unsigned rtc_dec(const struct rtc_cmos *r, uint8_t v)
{
	return r->cmos[RTC_REG_B] & RTC_B_DM_BIN ? v : bcd_to_bin(v);
}

/* The time byte at index i for the time secs, in register B's format. */
static uint8_t rtc_time_byte(const struct rtc_cmos *r, int64_t secs,
			     unsigned i)
{
	int64_t days = floor_div(secs, 86400), y;
	unsigned tod = secs - days * 86400, h = tod / 3600, m, d;

	civil_from_days(days, &y, &m, &d);
	switch (i) {
	case RTC_SEC:
		return rtc_enc(r, tod % 60);
	case RTC_MIN:
		return rtc_enc(r, tod / 60 % 60);
	case RTC_HOUR:
		if (r->cmos[RTC_REG_B] & RTC_B_24H)
			return rtc_enc(r, h);
		return rtc_enc(r, h % 12 ? h % 12 : 12) | (h >= 12 ? 0x80 : 0);
	case RTC_DOW:           /* 1-7, Sunday = 1 */
		return rtc_enc(r, (weekday(days) + r->dow_adj) % 7 + 1);
	case RTC_DAY:
		return rtc_enc(r, d);
	case RTC_MONTH:
		return rtc_enc(r, m);
	case RTC_YEAR:
		return rtc_enc(r, (unsigned)(y % 100));
	default:                /* CMOS_CENTURY */
		return rtc_enc(r, (unsigned)(y / 100 % 100));
	}
}

static bool is_time_byte(unsigned i)
{
	return i == RTC_SEC || i == RTC_MIN || i == RTC_HOUR ||
	       (i >= RTC_DOW && i <= RTC_YEAR) || i == CMOS_CENTURY;
}

static int64_t rtc_secs(const struct rtc_cmos *r)
{
	return r->base_secs + (int64_t)(r->div / CYCLES_PER_SEC);
}

/* Freeze: the running time into the time bytes. */
static void rtc_snapshot(struct rtc_cmos *r)
{
	for (unsigned i = 0; i < CMOS_SIZE; i++)
		if (is_time_byte(i))
			r->cmos[i] = rtc_time_byte(r, rtc_secs(r), i);
}

/* Thaw: the time bytes (normalized) become the running time, keeping the
 * divider's phase. */
static void rtc_rebase(struct rtc_cmos *r)
{
	const uint8_t *c = r->cmos;
	uint8_t hb = c[RTC_HOUR];
	unsigned h = rtc_dec(r, hb & 0x7F), m = rtc_dec(r, c[RTC_MONTH]);
	unsigned d = rtc_dec(r, c[RTC_DAY]), dow = rtc_dec(r, c[RTC_DOW]);
	int64_t y = rtc_dec(r, c[CMOS_CENTURY]) * 100 + rtc_dec(r, c[RTC_YEAR]);
	int64_t days, secs;

	if (!(c[RTC_REG_B] & RTC_B_24H))
		h = h % 12 + (hb & 0x80 ? 12 : 0);
	days = civil_to_days(y, MIN(MAX(m, 1), 12), MIN(MAX(d, 1), 31));
	secs = days * 86400 + h * 3600 + rtc_dec(r, c[RTC_MIN]) * 60 +
	       rtc_dec(r, c[RTC_SEC]);
	r->base_secs = secs - (int64_t)(r->div / CYCLES_PER_SEC);
	/* The chip counts the day of week on its own: keep what was set. */
	r->dow_adj = (dow % 7 + 6 - weekday(floor_div(secs, 86400))) % 7;
}

static void rtc_drive(struct rtc_cmos *r)
{
	uint8_t *c = &r->cmos[RTC_REG_C], b = r->cmos[RTC_REG_B];
	bool irqf = ((*c & RTC_C_PF) && (b & RTC_B_PIE)) ||
		    ((*c & RTC_C_AF) && (b & RTC_B_AIE)) ||
		    ((*c & RTC_C_UF) && (b & RTC_B_UIE));

	*c = irqf ? *c | RTC_C_IRQF : *c & ~RTC_C_IRQF;
	if (irqf != r->irq_level && r->sink.set)
		r->sink.set(r->sink.ctx, RTC_IRQ, irqf);
	r->irq_level = irqf;
}

void rtc_advance(struct rtc_cmos *r, uint64_t now)
{
	uint64_t d0 = r->div, d1 = rtc_count(r, now), per = rtc_period(r);

	r->div = d1;
	if (dv_running(r)) {
		if (per && d1 / per > d0 / per)
			r->cmos[RTC_REG_C] |= RTC_C_PF;
		if (!(r->cmos[RTC_REG_B] & RTC_B_SET) &&
		    d1 / CYCLES_PER_SEC > d0 / CYCLES_PER_SEC)
			r->cmos[RTC_REG_C] |= RTC_C_UF;
	}
	rtc_drive(r);
}

uint64_t rtc_next_deadline(const struct rtc_cmos *r)
{
	uint64_t per = rtc_period(r), b = r->cmos[RTC_REG_B], next = UINT64_MAX;

	if (r->irq_level || !dv_running(r))
		return DEV_NO_DEADLINE;         /* nothing new until C is read */
	if ((b & RTC_B_PIE) && per)
		next = (r->div / per + 1) * per;
	if ((b & RTC_B_UIE) && !(b & RTC_B_SET))
		next = MIN(next, (r->div / CYCLES_PER_SEC + 1) * CYCLES_PER_SEC);
	if (next == UINT64_MAX)
		return DEV_NO_DEADLINE;
	return dev_add_sat(r->div_tsc, dev_muldiv_ceil(next - r->div_off, r->hz,
						       RTC_BASE_HZ));
}

void rtc_init(struct rtc_cmos *r, uint64_t hz, uint64_t epoch_s,
	      uint64_t ram_bytes, const struct irq_sink *s, uint64_t now)
{
	uint64_t kb = ram_bytes >> 10, ext, high;
	unsigned sum = 0;

	*r = (struct rtc_cmos){ 0 };
	r->hz = dev_hz_clamp(hz);
	r->div_tsc = now;
	r->base_secs = (int64_t)MIN(epoch_s, (uint64_t)INT64_MAX / 2);
	if (s)
		r->sink = *s;
	r->cmos[RTC_REG_A] = RTC_A_DV_32K | 6;
	r->cmos[RTC_REG_B] = RTC_B_24H;
	ext = kb > 1024 ? MIN(kb - 1024, 0xFFFF) : 0;
	high = ram_bytes > 16 * SZ_1M ?
	       MIN((MIN(ram_bytes, 4 * SZ_1G) - 16 * SZ_1M) >> 16, 0xFFFF) : 0;
	r->cmos[CMOS_BASE_KB] = MIN(kb, RAM_KB_BASE) & 0xFF;
	r->cmos[CMOS_BASE_KB + 1] = MIN(kb, RAM_KB_BASE) >> 8;
	r->cmos[CMOS_EXT_KB] = r->cmos[CMOS_EXT_KB2] = ext & 0xFF;
	r->cmos[CMOS_EXT_KB + 1] = r->cmos[CMOS_EXT_KB2 + 1] = ext >> 8;
	r->cmos[CMOS_HIGH_64K] = high & 0xFF;
	r->cmos[CMOS_HIGH_64K + 1] = high >> 8;
	for (unsigned i = 0x10; i < CMOS_CHECKSUM; i++)
		sum += r->cmos[i];
	r->cmos[CMOS_CHECKSUM] = sum >> 8;
	r->cmos[CMOS_CHECKSUM + 1] = sum & 0xFF;
}

bool rtc_nmi_masked(const struct rtc_cmos *r)
{
	return r->nmi_masked;
}

static uint8_t rtc_read_reg(struct rtc_cmos *r, unsigned i)
{
	uint8_t v;

	switch (i) {
	case RTC_REG_A:
		v = r->cmos[i];
		if (!rtc_frozen(r) &&
		    r->div % CYCLES_PER_SEC >= CYCLES_PER_SEC - UIP_CYCLES)
			v |= RTC_A_UIP;
		return v;
	case RTC_REG_C:         /* read to clear; IRQ 8 falls */
		v = r->cmos[i];
		r->cmos[i] = 0;
		rtc_drive(r);
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;
	default:
		if (is_time_byte(i) && !rtc_frozen(r))
			return rtc_time_byte(r, rtc_secs(r), i);
		return r->cmos[i];
	}
}

/* Writes to the time bytes, A and B go through a snapshot of the running
 * time and back, so each sees the time bytes as the chip holds them. */
static void rtc_write_reg(struct rtc_cmos *r, unsigned i, uint8_t v,
			  uint64_t now)
{
	bool was_frozen = rtc_frozen(r), was_running = dv_running(r);

	if (i == RTC_REG_C || i == RTC_REG_D)
		return;                 /* read only */
	if (!is_time_byte(i) && i != RTC_REG_A && i != RTC_REG_B) {
		r->cmos[i] = v;
		return;
	}
	if (!was_frozen)
		rtc_snapshot(r);
	if (i == RTC_REG_A)
		v &= ~RTC_A_UIP;
	if (i == RTC_REG_B && (v & RTC_B_SET))
		v &= ~RTC_B_UIE;        /* "Register B": SET clears UIE */
	r->cmos[i] = v;
	if (!was_running && dv_running(r)) {
		/* Divider reset released: the first update comes 500 ms
		 * later, and the time bytes count from the new phase. */
		r->div_off = r->div = CYCLES_PER_SEC / 2;
		r->div_tsc = now;
	}
	if (!rtc_frozen(r))
		rtc_rebase(r);
	rtc_drive(r);
}

uint8_t rtc_io_read(struct rtc_cmos *r, uint16_t port, uint64_t now)
{
	rtc_advance(r, now);
	if (port != RTC_PORT_DATA)
		return 0xFF;            /* 0x70 is write only */
	return rtc_read_reg(r, r->index);
}

void rtc_io_write(struct rtc_cmos *r, uint16_t port, uint8_t v, uint64_t now)
{
	rtc_advance(r, now);
	if (port == RTC_PORT_INDEX) {
		r->index = v & (CMOS_SIZE - 1);
		r->nmi_masked = v & RTC_NMI_MASK;
	} else if (port == RTC_PORT_DATA) {
		rtc_write_reg(r, r->index, v, now);
	}
}
