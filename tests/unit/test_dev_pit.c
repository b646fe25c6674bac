/*
 * Host tests for the 8254 PIT and port 0x61 (hv/dev/pit8254.c): modes 0-5
 * on counters 0 and 2, access modes, counter latch, read-back with
 * status and null count, BCD, new counts per mode, gating through port
 * 0x61, IRQ 0 edges and deadlines in TSC ticks, a 1 kHz periodic count
 * over a simulated second, coalescing after a long gap, and the Linux TSC
 * calibration loops (OUT2 polling, MSB polling).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/dev/pit8254.h"

#define HZ      50000000ULL     /* Bochs ips=50000000 */
#define T0      1000000007ULL   /* init TSC: nothing starts at 0 */

static struct pit8254 pit;

/* The IRQ 0 line as the sink saw it. */
static struct {
	unsigned calls, rises;
	bool level;
	unsigned bad_gsi;
} line;

static void sink_set(void *ctx, unsigned gsi, bool level)
{
	assert_ptr_equal(ctx, &line);
	if (gsi != PIT_IRQ)
		line.bad_gsi++;
	line.calls++;
	if (level && !line.level)
		line.rises++;
	line.level = level;
}

static const struct irq_sink sink = { .ctx = &line, .set = sink_set };

static void setup_pit(uint64_t hz)
{
	line.calls = line.rises = line.bad_gsi = 0;
	line.level = false;
	pit_init(&pit, hz, &sink, T0);
}

/* Host TSC at which PIT clock c begins (the inverse of the model's
 * conversion), and the PIT clock at TSC t. */
static uint64_t tsc_of(uint64_t c)
{
	return T0 + (uint64_t)(((unsigned __int128)c * pit.hz + PIT_HZ - 1) /
			       PIT_HZ);
}

static uint64_t clk_of(uint64_t t)
{
	return (uint64_t)((unsigned __int128)(t - T0) * PIT_HZ / pit.hz);
}

static void out(uint16_t port, uint8_t v, uint64_t t)
{
	pit_io_write(&pit, port, v, t);
}

static uint8_t in(uint16_t port, uint64_t t)
{
	return pit_io_read(&pit, port, t);
}

static uint16_t in16(uint16_t port, uint64_t t)
{
	uint8_t lo = in(port, t);

	return lo | in(port, t) << 8;
}

/* Control word for counter ch, LSB-then-MSB, mode m, binary; then the
 * count, all at the TSC of PIT clock c. Counting starts with the next
 * clock, which is returned. */
static uint64_t program(unsigned ch, unsigned m, uint16_t count, uint64_t c)
{
	uint64_t t = tsc_of(c);

	out(0x43, ch << 6 | 0x30 | m << 1, t);
	out(0x40 + ch, count & 0xFF, t);
	out(0x40 + ch, count >> 8, t);
	return c + 1;
}

/* The TSC of PIT clock c, shorter. */
#define AT(c) tsc_of(c)

static uint8_t status(unsigned ch, uint64_t t)
{
	out(0x43, 0xE0 | 2 << ch, t);   /* read-back: status only */
	return in(0x40 + ch, t);
}

static bool out_pin(unsigned ch, uint64_t t)
{
	return status(ch, t) & 0x80;
}

static void test_init_state(void **state)
{
	setup_pit(HZ);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	assert_int_equal(in(0x61, T0) & ~PIT_B_REFRESH, 0);
	assert_int_equal(in(0x43, T0), 0xFF);
	assert_int_equal(in(0x44, T0), 0xFF);
	assert_int_equal(in16(0x40, T0), 0);
	out(0x44, 0x12, T0);
	pit_advance(&pit, T0 + 10 * HZ);
	assert_int_equal(line.calls, 0);
	assert_int_equal(status(0, T0 + 10 * HZ), 0x40 | 0x30);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	/* hz out of range is clamped; a hz of 0 never divides by zero. */
	pit_init(&pit, 0, NULL, T0);
	assert_int_equal(pit.hz, 1000000);
	pit_init(&pit, UINT64_MAX, NULL, T0);
	assert_int_equal(pit.hz, 1ULL << 40);
}

/* Mode 0: OUT low after the control word, high N+1 clocks after the
 * count is written, and stays high while the count wraps. */
static void test_mode0_one_shot(void **state)
{
	uint64_t s, dl;

	setup_pit(HZ);
	s = program(0, 0, 1000, 294);
	assert_false(line.level);
	dl = pit_next_deadline(&pit);
	assert_int_equal(dl, AT(s + 1000));
	assert_int_equal(in16(0x40, AT(s)), 1000);
	assert_int_equal(in16(0x40, AT(s + 999)), 1);
	pit_advance(&pit, dl - 1);
	assert_int_equal(line.rises, 0);
	assert_false(out_pin(0, dl - 1));
	pit_advance(&pit, dl);
	assert_int_equal(line.rises, 1);
	assert_true(line.level);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	assert_int_equal(in16(0x40, AT(s + 1000)), 0);
	assert_int_equal(in16(0x40, AT(s + 1003)), 0xFFFD);
	pit_advance(&pit, dl + 100 * HZ);
	assert_int_equal(line.rises, 1);
	assert_true(line.level);
	/* A new control word drops OUT (and IRQ 0). */
	s = clk_of(dl + 100 * HZ);
	out(0x43, 0x30, AT(s));
	assert_false(line.level);
	/* Count 0 is 65536. */
	out(0x40, 0, AT(s));
	out(0x40, 0, AT(s));
	assert_int_equal(pit_next_deadline(&pit), AT(s + 1 + 65536));
	assert_int_equal(line.bad_gsi, 0);
}

static void test_mode0_access_modes(void **state)
{
	uint64_t s = 100;

	setup_pit(HZ);
	/* LSB only: MSB is 0. */
	out(0x43, 0x10, AT(s));
	out(0x40, 0x80, AT(s));
	assert_int_equal(in(0x40, AT(s + 1)), 0x80);
	assert_int_equal(in(0x40, AT(s + 1 + 0x10)), 0x70);
	assert_int_equal(pit_next_deadline(&pit), AT(s + 1 + 0x80));
	/* MSB only: LSB is 0. */
	s += 1000;
	out(0x43, 0x20, AT(s));
	out(0x40, 0x02, AT(s));
	assert_int_equal(in(0x40, AT(s + 1)), 0x02);
	assert_int_equal(in(0x40, AT(s + 2)), 0x01);            /* 0x01FF */
	assert_int_equal(pit_next_deadline(&pit), AT(s + 1 + 0x200));
	/* LSB then MSB: the first byte stops counting and drops OUT. */
	s = program(0, 0, 10, s + 1000);
	pit_advance(&pit, AT(s + 10));
	assert_true(line.level);
	out(0x40, 0x00, AT(s + 20));
	assert_false(line.level);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	assert_true(status(0, AT(s + 20)) & 0x40);      /* null count */
	out(0x40, 0x01, AT(s + 30));
	assert_int_equal(pit_next_deadline(&pit), AT(s + 30 + 1 + 256));
	/* Reads of a LSB-then-MSB counter alternate bytes. */
	assert_int_equal(in(0x40, AT(s + 31)), 0x00);
	assert_int_equal(in(0x40, AT(s + 32)), 0x00);           /* 0x00FF */
	assert_int_equal(in(0x40, AT(s + 33)), 0xFE);
	assert_int_equal(in(0x40, AT(s + 34)), 0x00);           /* 0x00FD */
}

/* Mode 2: OUT low for the clock where the count is 1, rising edges every
 * N clocks, counts N..1. */
static void test_mode2_rate_generator(void **state)
{
	uint64_t s, dl;

	setup_pit(HZ);
	s = program(0, 2, 100, 18);
	/* OUT goes high with the mode 2 control word: IRQ 0 rises. */
	assert_true(line.level);
	assert_int_equal(line.rises, 1);
	assert_int_equal(in16(0x40, AT(s)), 100);
	assert_int_equal(in16(0x40, AT(s + 98)), 2);
	assert_true(out_pin(0, AT(s + 98)));
	assert_int_equal(in16(0x40, AT(s + 99)), 1);
	assert_false(out_pin(0, AT(s + 99)));
	assert_int_equal(line.rises, 1);
	assert_int_equal(in16(0x40, AT(s + 100)), 100);
	assert_true(out_pin(0, AT(s + 100)));
	assert_int_equal(line.rises, 2);        /* the cycle end */
	for (unsigned k = 2; k < 6; k++) {
		dl = pit_next_deadline(&pit);
		assert_int_equal(dl, AT(s + k * 100));
		pit_advance(&pit, dl - 1);
		assert_int_equal(line.rises, k);
		pit_advance(&pit, dl);
		assert_int_equal(line.rises, k + 1);
	}
	/* Modes 6 and 7 are 2 and 3; status reports the bits written. */
	out(0x43, 0x3E, AT(s + 1000));
	assert_int_equal(status(0, AT(s + 1000)) & 0x3F, 0x3E);
	out(0x40, 4, AT(s + 1000));
	out(0x40, 0, AT(s + 1000));
	assert_int_equal(in16(0x40, AT(s + 1002)), 2);          /* by two */
	assert_int_equal(pit_next_deadline(&pit), AT(s + 1001 + 4));
}

/* Mode 3: high for ceil(N/2), low for floor(N/2), counting by two. */
static void test_mode3_square_wave(void **state)
{
	static const uint16_t want[] = { 7, 6, 4, 2, 7, 4, 2, 7 };
	static const bool hi[] = { 1, 1, 1, 1, 0, 0, 0, 1 };
	uint64_t s;
	unsigned r;

	setup_pit(HZ);
	s = program(0, 3, 10, 55);
	assert_int_equal(in16(0x40, AT(s)), 10);
	assert_int_equal(in16(0x40, AT(s + 1)), 8);
	assert_int_equal(in16(0x40, AT(s + 4)), 2);
	assert_true(out_pin(0, AT(s + 4)));
	assert_false(out_pin(0, AT(s + 5)));
	assert_int_equal(in16(0x40, AT(s + 5)), 10);
	assert_int_equal(in16(0x40, AT(s + 6)), 8);
	assert_false(out_pin(0, AT(s + 9)));
	assert_true(out_pin(0, AT(s + 10)));
	assert_int_equal(pit_next_deadline(&pit), AT(s + 20));
	/* Odd N = 7: high 4 clocks (7, 6, 4, 2), low 3 (7, 4, 2). */
	s = program(0, 3, 7, s + 50);
	for (unsigned i = 0; i < 8; i++) {
		assert_int_equal(in16(0x40, AT(s + i)), want[i]);
		assert_int_equal(out_pin(0, AT(s + i)), hi[i]);
	}
	/* IRQ 0 sees one rising edge however many periods passed. */
	r = line.rises;
	pit_advance(&pit, AT(s + 7 * 10));
	assert_int_equal(line.rises, r + 1);
	assert_int_equal(pit_next_deadline(&pit), AT(s + 7 * 11));
	pit_advance(&pit, AT(s + 7 * 11));
	assert_int_equal(line.rises, r + 2);
}

/* What a 1 kHz guest tick sees: mode 2 with 1193 (1000.15 Hz) over one
 * simulated second, the platform waking at each deadline. */
static void test_periodic_1khz_irq0(void **state)
{
	uint64_t t, end, dl, start;
	unsigned wakeups = 0;

	setup_pit(HZ);
	program(0, 2, 1193, 3);
	t = AT(3);
	end = t + HZ;
	start = line.rises;                     /* the control word's edge */
	while ((dl = pit_next_deadline(&pit)) <= end) {
		assert_true(dl > t);
		t = dl;
		pit_advance(&pit, t);
		wakeups++;
		assert_int_equal(line.rises - start, wakeups);
	}
	/* 1193182 / 1193 = 1000.15 periods in a second. */
	assert_in_range(line.rises - start, 999, 1001);
	/* Same, with a slower TSC and a wake-up every 7 ms: still one edge
	 * per wake-up, the rest coalesced (428 periods in 3 wake-ups each). */
	setup_pit(3000000);
	program(0, 2, 1193, 0);
	start = line.rises;
	for (t = T0; t <= T0 + 3000000; t += 21000)
		pit_advance(&pit, t);
	assert_int_equal(line.rises - start, 142);
}

static void test_coalesce(void **state)
{
	uint64_t t = T0 + 3600 * HZ;

	setup_pit(HZ);
	program(0, 2, 2, 1);            /* the fastest rate: 596 kHz */
	assert_int_equal(line.rises, 1);
	pit_advance(&pit, t);
	assert_int_equal(line.rises, 2);
	assert_true(pit_next_deadline(&pit) > t);
	assert_true(pit_next_deadline(&pit) <= t + 2 * HZ / PIT_HZ + 1);
	pit_advance(&pit, t);
	assert_int_equal(line.rises, 2);
	/* Time going backwards is ignored. */
	pit_advance(&pit, T0);
	assert_int_equal(line.rises, 2);
	assert_int_equal(pit.clk, clk_of(t));
}

static void test_counter_latch(void **state)
{
	uint64_t s;

	setup_pit(HZ);
	s = program(0, 0, 0x1234, 31);
	out(0x43, 0x00, AT(s + 0x34));          /* latch counter 0 */
	out(0x43, 0x00, AT(s + 0x100));         /* ignored: not read yet */
	assert_int_equal(in(0x40, AT(s + 0x200)), 0x00);
	assert_int_equal(in(0x40, AT(s + 0x300)), 0x12);
	/* Unlatched again: the live count. */
	assert_int_equal(in16(0x40, AT(s + 0x1000)), 0x0234);
	/* A latch between the two bytes of a live read. */
	assert_int_equal(in(0x40, AT(s + 0x1001)), 0x33);
	out(0x43, 0x00, AT(s + 0x1100));
	assert_int_equal(in(0x40, AT(s + 0x1200)), 0x34);
	assert_int_equal(in(0x40, AT(s + 0x1200)), 0x01);
	assert_int_equal(in(0x40, AT(s + 0x1200)), 0x00);       /* live MSB */
	/* MSB-only access: one latched byte. */
	s += 0x2000;
	out(0x43, 0x20, AT(s));
	out(0x40, 0x12, AT(s));
	out(0x43, 0x00, AT(s + 1 + 0x100));
	assert_int_equal(in(0x40, AT(s + 0x900)), 0x11);
	assert_int_equal(in(0x40, AT(s + 0x900)), 0x09);        /* 0x0901 */
	/* LSB-only access: one latched byte. */
	out(0x43, 0x10, AT(s + 0x1000));
	out(0x40, 0x80, AT(s + 0x1000));
	out(0x43, 0x00, AT(s + 0x1001 + 0x10));
	assert_int_equal(in(0x40, AT(s + 0x1100)), 0x70);
	assert_int_equal(in(0x40, AT(s + 0x1100)), 0x81);       /* 0xFF81 */
	/* Counter 2's latch. */
	s += 0x2000;
	out(0x61, PIT_B_GATE2, AT(s));
	s = program(2, 0, 500, s);
	out(0x43, 0x80, AT(s + 100));
	assert_int_equal(in16(0x42, AT(s + 400)), 400);
}

static void test_read_back(void **state)
{
	uint64_t s = 99;

	setup_pit(HZ);
	out(0x43, 0x34, AT(s));                 /* counter 0, mode 2 */
	/* After the control word: OUT high, null count, 0x34. */
	assert_int_equal(status(0, AT(s)), 0x80 | 0x40 | 0x34);
	out(0x40, 50, AT(s));
	out(0x40, 0, AT(s));
	assert_int_equal(status(0, AT(s)), 0x80 | 0x40 | 0x34); /* not yet */
	s++;
	assert_int_equal(status(0, AT(s)), 0x80 | 0x34);
	/* Count and status: status first, then the count bytes; a second
	 * read-back before the reads changes nothing. */
	out(0x43, 0xC2, AT(s + 10));
	out(0x43, 0xC2, AT(s + 20));
	assert_int_equal(in(0x40, AT(s + 30)), 0x80 | 0x34);
	assert_int_equal(in16(0x40, AT(s + 30)), 40);
	/* Count only, and status only. */
	out(0x43, 0xD2, AT(s + 35));
	assert_int_equal(in16(0x40, AT(s + 40)), 15);
	out(0x43, 0xE2, AT(s + 49));
	assert_int_equal(in(0x40, AT(s + 60)), 0x34);           /* OUT low */
	assert_int_equal(in16(0x40, AT(s + 60)), 40);           /* live */
	/* Several counters in one command. */
	out(0x61, PIT_B_GATE2, AT(s + 100));
	program(2, 0, 300, s + 100);
	out(0x43, 0xCA, AT(s + 149));           /* counters 0 and 2 */
	assert_int_equal(in(0x40, AT(s + 160)), 0x34);          /* OUT low */
	assert_int_equal(in16(0x40, AT(s + 160)), 1);
	assert_int_equal(in(0x42, AT(s + 160)), 0x30);
	assert_int_equal(in16(0x42, AT(s + 160)), 252);
	/* Counter 1 has status too (nothing is wired to it). */
	assert_int_equal(status(1, AT(s + 160)), 0x40 | 0x30);
}

/* Modes 2 and 3: a count written while counting loads at the end of the
 * current cycle; null count until then. */
static void test_new_count_mode2(void **state)
{
	uint64_t s;
	unsigned r;

	setup_pit(HZ);
	s = program(0, 2, 100, 5);
	r = line.rises;
	out(0x40, 40, AT(s + 30));
	out(0x40, 0, AT(s + 30));
	assert_true(status(0, AT(s + 30)) & 0x40);
	assert_int_equal(in16(0x40, AT(s + 50)), 50);           /* old cycle */
	assert_int_equal(pit_next_deadline(&pit), AT(s + 100));
	assert_int_equal(line.rises, r);
	pit_advance(&pit, AT(s + 100));
	assert_int_equal(line.rises, r + 1);
	assert_false(status(0, AT(s + 100)) & 0x40);
	assert_int_equal(in16(0x40, AT(s + 100)), 40);
	assert_int_equal(pit_next_deadline(&pit), AT(s + 140));
	/* The same when the cycle end is long past at the next call: the
	 * count 10 loads at s + 180, then 82 cycles to s + 1000. */
	out(0x40, 10, AT(s + 141));             /* edge at s + 140 first */
	out(0x40, 0, AT(s + 141));
	assert_int_equal(line.rises, r + 2);
	pit_advance(&pit, AT(s + 1000));
	assert_int_equal(line.rises, r + 3);
	assert_int_equal(in16(0x40, AT(s + 1000)), 10);
	assert_int_equal(in16(0x40, AT(s + 1001)), 9);
	/* Mode 0 and 4 load at once. */
	s = program(0, 4, 100, s + 2000);
	out(0x40, 10, AT(s + 50));
	out(0x40, 0, AT(s + 50));
	assert_int_equal(in16(0x40, AT(s + 51)), 10);
	assert_int_equal(pit_next_deadline(&pit), AT(s + 51 + 11));
}

static void test_mode4_strobe(void **state)
{
	uint64_t s;

	setup_pit(HZ);
	s = program(0, 4, 20, 5);
	assert_true(line.level);
	assert_int_equal(pit_next_deadline(&pit), AT(s + 21));
	assert_true(out_pin(0, AT(s + 19)));
	assert_false(out_pin(0, AT(s + 20)));
	assert_true(out_pin(0, AT(s + 21)));
	assert_int_equal(line.rises, 2);        /* control word, strobe end */
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	/* Modes 1 and 5 wait for a gate edge, which counter 0 never gets. */
	s = program(0, 1, 20, s + 100);
	assert_true(line.level);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	s = program(0, 5, 20, s + 100);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	assert_true(status(0, AT(s + 100)) & 0x40);     /* CR not loaded */
}

static void test_bcd(void **state)
{
	uint64_t s = 5;

	setup_pit(HZ);
	out(0x43, 0x31, AT(s));                 /* mode 0, BCD */
	out(0x40, 0x00, AT(s));
	out(0x40, 0x10, AT(s));                 /* 1000 decimal */
	s++;
	assert_int_equal(pit_next_deadline(&pit), AT(s + 1000));
	assert_int_equal(in16(0x40, AT(s + 1)), 0x0999);
	assert_int_equal(in16(0x40, AT(s + 991)), 0x0009);
	assert_int_equal(in16(0x40, AT(s + 1001)), 0x9999);     /* wraps */
	/* Count 0 is 10^4 in BCD. */
	s += 2000;
	out(0x43, 0x35, AT(s));                 /* mode 2, BCD */
	out(0x40, 0, AT(s));
	out(0x40, 0, AT(s));
	s++;
	assert_int_equal(pit_next_deadline(&pit), AT(s + 10000));
	assert_int_equal(in16(0x40, AT(s + 1)), 0x9999);
	assert_int_equal(status(0, AT(s + 1)) & 0x3F, 0x35);
}

/* Counter 2 gated by port 0x61 bit 0, OUT2 in bit 5. */
static void test_gate_ch2(void **state)
{
	uint64_t s;

	setup_pit(HZ);
	/* Mode 0 with the gate low: loaded but not counting. */
	s = program(2, 0, 100, 5);
	assert_int_equal(in16(0x42, AT(s + 50)), 100);
	out(0x61, PIT_B_GATE2, AT(s + 50));
	assert_int_equal(in16(0x42, AT(s + 60)), 90);
	out(0x61, 0, AT(s + 60));               /* pause */
	assert_int_equal(in16(0x42, AT(s + 500)), 90);
	assert_false(in(0x61, AT(s + 500)) & PIT_B_OUT2);
	out(0x61, PIT_B_GATE2, AT(s + 500));
	assert_false(in(0x61, AT(s + 589)) & PIT_B_OUT2);
	assert_true(in(0x61, AT(s + 590)) & PIT_B_OUT2);
	/* Counter 2 is not IRQ 0 and has no deadline. */
	assert_int_equal(line.calls, 0);
	assert_int_equal(pit_next_deadline(&pit), DEV_NO_DEADLINE);
	/* Mode 2: gate low forces OUT high and stops; the rising gate
	 * reloads. */
	s = program(2, 2, 10, s + 1000);
	assert_false(in(0x61, AT(s + 9)) & PIT_B_OUT2);
	out(0x61, 0, AT(s + 9));
	assert_true(in(0x61, AT(s + 9)) & PIT_B_OUT2);
	assert_int_equal(in16(0x42, AT(s + 30)), 1);
	out(0x61, PIT_B_GATE2, AT(s + 30));
	assert_int_equal(in16(0x42, AT(s + 31)), 10);
	assert_int_equal(in16(0x42, AT(s + 33)), 8);
	/* Mode 1: the gate edge triggers a one-shot low pulse of N clocks;
	 * a new count waits for the next trigger, which restarts it. */
	out(0x61, 0, AT(s + 50));
	s = program(2, 1, 20, s + 50);
	assert_true(in(0x61, AT(s)) & PIT_B_OUT2);
	out(0x61, PIT_B_GATE2, AT(s + 100));
	assert_false(in(0x61, AT(s + 101)) & PIT_B_OUT2);
	assert_int_equal(in16(0x42, AT(s + 106)), 15);
	out(0x42, 50, AT(s + 110));
	out(0x42, 0, AT(s + 110));
	assert_true(status(2, AT(s + 111)) & 0x40);
	assert_false(in(0x61, AT(s + 120)) & PIT_B_OUT2);
	assert_true(in(0x61, AT(s + 121)) & PIT_B_OUT2);
	out(0x61, 0, AT(s + 130));
	out(0x61, PIT_B_GATE2, AT(s + 140));
	assert_false(in(0x61, AT(s + 190)) & PIT_B_OUT2);
	assert_true(in(0x61, AT(s + 191)) & PIT_B_OUT2);
	/* Mode 5: the trigger starts N clocks, then a one-clock strobe. */
	out(0x61, 0, AT(s + 300));
	s = program(2, 5, 20, s + 300);
	out(0x61, PIT_B_GATE2, AT(s + 200));
	assert_true(in(0x61, AT(s + 220)) & PIT_B_OUT2);
	assert_false(in(0x61, AT(s + 221)) & PIT_B_OUT2);
	assert_true(in(0x61, AT(s + 222)) & PIT_B_OUT2);
}

static void test_port61_bits(void **state)
{
	bool seen[2] = { false, false };

	setup_pit(HZ);
	out(0x61, 0xFE, AT(1));
	assert_int_equal(in(0x61, AT(1)) & 0xCF, 0x0E);
	assert_false(pit.ch[2].gate);
	out(0x61, 0x03, AT(1));
	assert_int_equal(in(0x61, AT(1)) & 0x0F, 0x03);
	assert_true(pit.ch[2].gate);
	/* The refresh bit toggles every 18 PIT clocks. */
	assert_int_equal(in(0x61, AT(17)) & PIT_B_REFRESH, 0);
	assert_int_equal(in(0x61, AT(18)) & PIT_B_REFRESH, PIT_B_REFRESH);
	assert_int_equal(in(0x61, AT(36)) & PIT_B_REFRESH, 0);
	for (unsigned i = 0; i < 8; i++)
		seen[!!(in(0x61, AT(40 + 9 * i)) & PIT_B_REFRESH)] = true;
	assert_true(seen[0] && seen[1]);
}

/* arch/x86/kernel/tsc.c pit_calibrate_tsc(): gate high, speaker off,
 * counter 2 mode 0 with a 50 ms count, then poll port 0x61 bit 5. The TSC
 * delta must be 50 ms of TSC within one poll step. */
static void test_linux_calibration(void **state)
{
	const uint64_t latch = PIT_HZ / 20;     /* 59659: 50 ms */
	const uint64_t step = 1000;             /* TSC ticks per poll */
	uint64_t t = T0 + 12345, t1, polls = 0;

	setup_pit(HZ);
	out(0x61, (in(0x61, t) & ~PIT_B_SPKR) | PIT_B_GATE2, t);
	out(0x43, 0xB0, t);
	out(0x42, latch & 0xFF, t);
	out(0x42, latch >> 8, t);
	t1 = t;
	while (!(in(0x61, t) & PIT_B_OUT2) && polls < 10000000) {
		t += step;
		polls++;
	}
	assert_in_range(t - t1, HZ / 20 - step, HZ / 20 + 2 * step);
	/* The same with a 2 GHz TSC. */
	setup_pit(2000000000ULL);
	t = t1 = T0;
	out(0x61, PIT_B_GATE2, t);
	program(2, 0, latch, 0);
	while (!(in(0x61, t) & PIT_B_OUT2))
		t += 40000;
	assert_in_range(t - t1, 100000000 - 40000, 100000000 + 80000);
	/* quick_pit_calibrate(): count 0xFFFF, read LSB and MSB and watch
	 * the MSB go down by one every 256 clocks. */
	setup_pit(HZ);
	out(0x61, PIT_B_GATE2, T0);
	program(2, 0, 0xFFFF, 0);
	for (unsigned k = 1; k < 200; k++) {
		uint64_t when = AT(1 + 256 * k);

		in(0x42, when);
		assert_int_equal(in(0x42, when), 0xFF - k);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_state),
		cmocka_unit_test(test_mode0_one_shot),
		cmocka_unit_test(test_mode0_access_modes),
		cmocka_unit_test(test_mode2_rate_generator),
		cmocka_unit_test(test_mode3_square_wave),
		cmocka_unit_test(test_periodic_1khz_irq0),
		cmocka_unit_test(test_coalesce),
		cmocka_unit_test(test_counter_latch),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_new_count_mode2),
		cmocka_unit_test(test_mode4_strobe),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_gate_ch2),
		cmocka_unit_test(test_port61_bits),
		cmocka_unit_test(test_linux_calibration),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
