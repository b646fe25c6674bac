/*
 * Host tests for the local APIC model (hv/dev/lapic*.c) on a plain 4 KiB
 * array as its register page: reset values, TPR/PPR masking, nested
 * priorities with EOI, level EOI reporting, the software-disabled state
 * and the spurious vector, ESR and the error LVT, ICR delivery and
 * destinations, the timer in each mode and with each divider over
 * simulated TSC intervals, LINT0/LINT1 queries, the virtual-APIC page
 * functions and APIC-write exits, and the optional x2APIC MSRs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/lapic.h"
#include "include/err.h"

#define HZ      1000000ULL      /* 1 MHz TSC: 1 tick = 1 us */
#define T0      5000000ULL      /* an arbitrary "now" at init */

static uint32_t page[LAPIC_PAGE_SIZE / 4] __attribute__((aligned(4096)));
static struct lapic L;
static struct lapic_out out;

static uint32_t reg(unsigned off)
{
	return page[off / 4];
}

static void init_id(uint32_t id, uint64_t timer_hz, bool deadline)
{
	struct lapic_config c = {
		.apic_id = id, .tsc_hz = HZ, .timer_hz = timer_hz,
		.tsc_deadline = deadline,
	};

	memset(page, 0xA5, sizeof(page));       /* init must clear it */
	lapic_init(&L, page, &c, T0);
}

static unsigned wr(unsigned off, uint32_t v)
{
	return lapic_write(&L, off, v, T0, &out);
}

static uint32_t rd(unsigned off)
{
	return lapic_read(&L, off, T0);
}

static void enable(void)
{
	assert_int_equal(wr(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xFF), 0);
	assert_true(lapic_sw_enabled(&L));
}

static bool irr(unsigned v)
{
	return (reg(LAPIC_IRR + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static bool isr(unsigned v)
{
	return (reg(LAPIC_ISR + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static bool tmr(unsigned v)
{
	return (reg(LAPIC_TMR + 0x10 * (v / 32)) >> (v % 32)) & 1;
}

static const unsigned lvts[] = {
	LAPIC_LVT_TIMER, LAPIC_LVT_THERM, LAPIC_LVT_PERF,
	LAPIC_LVT_LINT0, LAPIC_LVT_LINT1, LAPIC_LVT_ERR,
};

/* SDM "Local APIC State After Power-Up or Reset" and "... After an INIT
 * Reset"; IA32_APIC_BASE disable. */
static void test_reset_state(void **state)
{
	init_id(3, 0, true);
	assert_int_equal(rd(LAPIC_ID), 3u << 24);
	assert_int_equal(rd(LAPIC_VER), 0x00050014);
	assert_int_equal(rd(LAPIC_DFR), 0xFFFFFFFF);
	assert_int_equal(rd(LAPIC_SVR), 0xFF);
	for (unsigned i = 0; i < 6; i++)
		assert_int_equal(rd(lvts[i]), LAPIC_LVT_MASKED);
	for (unsigned off = 0x100; off < 0x280; off += 0x10)
		assert_int_equal(rd(off), 0);
	assert_int_equal(rd(LAPIC_TPR) | rd(LAPIC_PPR) | rd(LAPIC_LDR) |
			 rd(LAPIC_ICR_LO) | rd(LAPIC_ICR_HI) | rd(LAPIC_TMICT) |
			 rd(LAPIC_TMCCT) | rd(LAPIC_TDCR) | rd(LAPIC_ESR), 0);
	assert_int_equal(page[0x10 / 4], 0);    /* the 0xA5 fill is gone */
	assert_false(lapic_sw_enabled(&L));
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);

	/* Dirty everything, then INIT: all but the ID back to reset. */
	enable();
	wr(LAPIC_ID, 7u << 24);
	wr(LAPIC_LDR, 0x01000000);
	wr(LAPIC_TPR, 0x20);
	wr(LAPIC_LVT_TIMER, 0x30);
	wr(LAPIC_TMICT, 100);
	assert_true(lapic_accept(&L, 0x40, true));
	lapic_reset(&L, LAPIC_RESET_INIT, T0);
	assert_int_equal(rd(LAPIC_ID), 7u << 24);
	assert_int_equal(rd(LAPIC_SVR), 0xFF);
	assert_int_equal(rd(LAPIC_LDR) | rd(LAPIC_TPR) | rd(LAPIC_TMICT), 0);
	assert_int_equal(rd(LAPIC_LVT_TIMER), LAPIC_LVT_MASKED);
	assert_false(irr(0x40) || tmr(0x40));
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	/* Disable keeps the ID, power-up restores the hardware ID. */
	lapic_reset(&L, LAPIC_RESET_DISABLE, T0);
	assert_int_equal(rd(LAPIC_ID), 7u << 24);
	lapic_reset(&L, LAPIC_RESET_POWER, T0);
	assert_int_equal(rd(LAPIC_ID), 3u << 24);
}

static void test_id_ldr_dfr_readonly(void **state)
{
	init_id(0, 0, true);
	wr(LAPIC_ID, 0xFFFFFFFF);
	assert_int_equal(rd(LAPIC_ID), 0xFF000000);
	wr(LAPIC_LDR, 0x12345678);
	assert_int_equal(rd(LAPIC_LDR), 0x12000000);
	wr(LAPIC_DFR, 0);
	assert_int_equal(rd(LAPIC_DFR), 0x0FFFFFFF);
	wr(LAPIC_DFR, 0xF0000000);
	assert_int_equal(rd(LAPIC_DFR), 0xFFFFFFFF);
	/* Read-only registers: ignored, reported. */
	assert_int_equal(wr(LAPIC_VER, 0), LAPIC_EV_BAD);
	assert_non_null(strstr(out.bad, "read-only"));
	assert_int_equal(rd(LAPIC_VER), LAPIC_VERSION);
	assert_int_equal(wr(LAPIC_IRR + 0x20, ~0u), LAPIC_EV_BAD);
	assert_int_equal(rd(LAPIC_IRR + 0x20), 0);
	assert_int_equal(wr(LAPIC_PPR, 0xFF), LAPIC_EV_BAD);
	assert_int_equal(wr(LAPIC_TMCCT, 5), LAPIC_EV_BAD);
	assert_int_equal(wr(LAPIC_TPR + 4, 5), LAPIC_EV_BAD);
	assert_non_null(strstr(out.bad, "aligned"));
	assert_int_equal(rd(LAPIC_TPR), 0);
	assert_int_equal(lapic_write(&L, 0x1000, 1, T0, NULL), LAPIC_EV_BAD);
	/* Bytes 4..15 of a slot read 0; bytes 1..3 name the register. */
	wr(LAPIC_TPR, 0x1FF);
	assert_int_equal(rd(LAPIC_TPR), 0xFF);
	assert_int_equal(rd(LAPIC_TPR + 1), 0xFF);
	assert_int_equal(rd(LAPIC_TPR + 4), 0);
	assert_int_equal(rd(LAPIC_EOI), 0);
}

/* SDM "Task Priority Register (TPR)", "Processor Priority Register". */
static void test_tpr_ppr(void **state)
{
	init_id(0, 0, true);
	enable();
	wr(LAPIC_TPR, 0x20);
	assert_int_equal(rd(LAPIC_PPR), 0x20);
	assert_true(lapic_accept(&L, 0x25, false));
	assert_int_equal(lapic_pending(&L), -1);        /* class 2 <= 2 */
	assert_int_equal(rd(LAPIC_APR), 0x20);
	assert_true(lapic_accept(&L, 0x31, false));
	assert_int_equal(lapic_pending(&L), 0x31);
	assert_int_equal(rd(LAPIC_APR), 0x30);
	wr(LAPIC_TPR, 0x3F);
	assert_int_equal(lapic_pending(&L), -1);        /* class 3 <= 3 */
	wr(LAPIC_TPR, 0x10);
	assert_int_equal(lapic_inta(&L), 0x31);
	assert_true(isr(0x31) && !irr(0x31));
	assert_int_equal(rd(LAPIC_PPR), 0x30);          /* ISR class wins */
	assert_int_equal(lapic_ppr(&L), 0x30);
	wr(LAPIC_TPR, 0x3A);
	assert_int_equal(rd(LAPIC_PPR), 0x3A);          /* TPR class >= ISR */
	wr(LAPIC_TPR, 0);
	assert_int_equal(lapic_pending(&L), -1);        /* 0x25 < ISR 0x31 */
	wr(LAPIC_EOI, 0);
	assert_int_equal(lapic_pending(&L), 0x25);
	assert_int_equal(rd(LAPIC_PPR), 0);
}

static void test_nested_priorities_eoi(void **state)
{
	init_id(0, 0, true);
	enable();
	lapic_accept(&L, 0x40, false);
	assert_int_equal(lapic_inta(&L), 0x40);
	lapic_accept(&L, 0x41, false);                  /* same class: waits */
	assert_int_equal(lapic_pending(&L), -1);
	lapic_accept(&L, 0x80, false);                  /* higher: nests */
	assert_int_equal(lapic_inta(&L), 0x80);
	lapic_accept(&L, 0x50, false);
	assert_int_equal(lapic_pending(&L), -1);        /* PPR 0x80 */
	assert_int_equal(wr(LAPIC_EOI, 0), 0);          /* ends 0x80 */
	assert_false(isr(0x80));
	assert_true(isr(0x40));
	assert_int_equal(lapic_pending(&L), 0x50);
	assert_int_equal(lapic_inta(&L), 0x50);
	wr(LAPIC_EOI, 0);                               /* ends 0x50 */
	assert_true(isr(0x40) && !isr(0x50));
	assert_int_equal(lapic_pending(&L), -1);        /* 0x41 vs 0x40 */
	wr(LAPIC_EOI, 0);                               /* ends 0x40 */
	assert_int_equal(lapic_pending(&L), 0x41);
	assert_int_equal(lapic_inta(&L), 0x41);
	wr(LAPIC_EOI, 0);
	for (unsigned v = 0; v < 256; v++)
		assert_false(isr(v) || irr(v));
	assert_int_equal(wr(LAPIC_EOI, 0), 0);          /* nothing in service */
}

static void test_level_eoi_reports_vector(void **state)
{
	init_id(0, 0, true);
	enable();
	assert_true(lapic_accept(&L, 0x61, true));
	assert_true(tmr(0x61));
	lapic_accept(&L, 0x62, false);
	assert_false(tmr(0x62));
	assert_int_equal(lapic_inta(&L), 0x62);
	assert_int_equal(wr(LAPIC_EOI, 0), 0);          /* edge: no event */
	assert_int_equal(lapic_inta(&L), 0x61);
	assert_int_equal(wr(LAPIC_EOI, 0), LAPIC_EV_EOI);
	assert_int_equal(out.events, LAPIC_EV_EOI);
	assert_int_equal(out.eoi_vector, 0x61);
	lapic_accept(&L, 0x61, false);                  /* edge clears TMR */
	assert_false(tmr(0x61));
}

/* SDM "Local APIC State After It Has Been Software Disabled",
 * "Spurious Interrupt". */
static void test_sw_disabled_and_spurious(void **state)
{
	init_id(0, 0, true);
	assert_false(lapic_accept(&L, 0x50, false));   /* disabled at reset */
	assert_false(irr(0x50));
	assert_int_equal(lapic_inta(&L), 0xFF);
	wr(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xEF);
	assert_int_equal(rd(LAPIC_SVR), 0x1EF);
	wr(LAPIC_LVT_LINT0, 0x700);
	wr(LAPIC_LVT_TIMER, 0x20030);
	assert_true(lapic_accept(&L, 0x50, false));
	/* The request is masked by TPR before INTA: spurious, ISR intact. */
	wr(LAPIC_TPR, 0x50);
	assert_int_equal(lapic_inta(&L), 0xEF);
	assert_true(irr(0x50));
	for (unsigned v = 0; v < 256; v++)
		assert_false(isr(v));
	wr(LAPIC_TPR, 0);
	/* Disable: every LVT masked, unmasking ignored, IRR held. */
	wr(LAPIC_SVR, 0xEF);
	assert_false(lapic_sw_enabled(&L));
	for (unsigned i = 0; i < 6; i++)
		assert_true(rd(lvts[i]) & LAPIC_LVT_MASKED);
	assert_int_equal(rd(LAPIC_LVT_TIMER), 0x30030);
	wr(LAPIC_LVT_LINT1, 0x400);
	assert_int_equal(rd(LAPIC_LVT_LINT1), 0x10400);
	assert_false(lapic_accept(&L, 0x60, false));
	assert_int_equal(lapic_pending(&L), 0x50);
	assert_int_equal(lapic_inta(&L), 0x50);
	/* Re-enable: LVTs stay masked until written. */
	wr(LAPIC_SVR, LAPIC_SVR_ENABLE | 0xEF);
	assert_true(rd(LAPIC_LVT_LINT0) & LAPIC_LVT_MASKED);
	wr(LAPIC_LVT_LINT0, 0x700);
	assert_int_equal(rd(LAPIC_LVT_LINT0), 0x700);
}

/* SDM "Error Handling": write-then-read, error LVT. */
static void test_esr(void **state)
{
	init_id(0, 0, true);
	enable();
	assert_int_equal(rd(LAPIC_ESR), 0);
	assert_int_equal(wr(LAPIC_LVT_CMCI, 1), LAPIC_EV_BAD);  /* reserved */
	assert_non_null(strstr(out.bad, "reserved"));
	assert_int_equal(rd(LAPIC_ESR), 0);     /* not latched yet */
	wr(LAPIC_ESR, 0);
	assert_int_equal(rd(LAPIC_ESR), LAPIC_ESR_ILLEGAL_REG);
	wr(LAPIC_ESR, 0);
	assert_int_equal(rd(LAPIC_ESR), 0);
	assert_int_equal(rd(0x3F0), 0);         /* reserved read */
	wr(LAPIC_ICR_LO, 0x40005);              /* self, fixed, vector 5 */
	assert_false(irr(5));
	assert_false(lapic_accept(&L, 3, false));
	wr(LAPIC_ESR, 0xFFFFFFFF);              /* value written is ignored */
	assert_int_equal(rd(LAPIC_ESR), LAPIC_ESR_ILLEGAL_REG |
			 LAPIC_ESR_SEND_ILLEGAL | LAPIC_ESR_RECV_ILLEGAL);
	/* Error LVT: the first error after an ESR write interrupts. */
	wr(LAPIC_ESR, 0);
	wr(LAPIC_LVT_ERR, 0xE3);
	assert_int_equal(rd(LAPIC_LVT_ERR), 0xE3);
	rd(0x290);
	assert_true(irr(0xE3));
	assert_int_equal(lapic_inta(&L), 0xE3);
	wr(LAPIC_EOI, 0);
	rd(0x290);
	assert_false(irr(0xE3));                /* not re-armed yet */
	wr(LAPIC_ESR, 0);
	rd(0x290);
	assert_true(irr(0xE3));
	/* An illegal error vector cannot loop. */
	wr(LAPIC_ESR, 0);
	wr(LAPIC_LVT_ERR, 0x07);
	rd(0x290);
	wr(LAPIC_ESR, 0);
	assert_int_equal(rd(LAPIC_ESR), LAPIC_ESR_ILLEGAL_REG |
			 LAPIC_ESR_RECV_ILLEGAL);
}

static unsigned icr(uint32_t hi, uint32_t lo)
{
	wr(LAPIC_ICR_HI, hi);
	return wr(LAPIC_ICR_LO, lo);
}

static void clear_irr(void)
{
	for (unsigned off = LAPIC_IRR; off < LAPIC_IRR + 0x80; off += 0x10)
		page[off / 4] = 0;
}

/* SDM "Interrupt Command Register (ICR)", "Determining IPI Destination". */
static void test_icr_fixed_to_self(void **state)
{
	init_id(3, 0, true);
	enable();
	assert_int_equal(icr(0, 0x40070), LAPIC_EV_IRQ);        /* self */
	assert_true(irr(0x70));
	assert_int_equal(rd(LAPIC_ICR_LO), 0x40070);            /* idle */
	assert_int_equal(lapic_inta(&L), 0x70);
	wr(LAPIC_EOI, 0);
	assert_int_equal(icr(3u << 24, 0xC071), LAPIC_EV_IRQ);  /* own ID */
	assert_true(irr(0x71));
	assert_false(tmr(0x71));                /* IPIs are edge */
	assert_int_equal(rd(LAPIC_ICR_HI), 3u << 24);
	clear_irr();
	assert_int_equal(icr(4u << 24, 0x72), LAPIC_EV_OTHERS);
	assert_false(irr(0x72));
	assert_int_equal(out.icr, (4ULL << 56) | 0x72);
	assert_int_equal(icr(0xFFu << 24, 0x73),
			 LAPIC_EV_IRQ | LAPIC_EV_OTHERS);      /* broadcast */
	assert_int_equal(icr(0, 0x80074), LAPIC_EV_IRQ | LAPIC_EV_OTHERS);
	assert_int_equal(icr(0, 0xC0075), LAPIC_EV_OTHERS);
	assert_false(irr(0x75));
	assert_int_equal(icr(3u << 24, 0x176), LAPIC_EV_IRQ);   /* lowest */
	assert_true(irr(0x73) && irr(0x74) && irr(0x76));
	clear_irr();
	/* Logical, flat model. */
	wr(LAPIC_LDR, 0x04000000);
	assert_int_equal(icr(0x04u << 24, 0x877),
			 LAPIC_EV_IRQ | LAPIC_EV_OTHERS);
	assert_int_equal(icr(0x03u << 24, 0x878), LAPIC_EV_OTHERS);
	assert_int_equal(icr(0x0Cu << 24, 0x879),              /* a set */
			 LAPIC_EV_IRQ | LAPIC_EV_OTHERS);
	assert_true(irr(0x77) && !irr(0x78) && irr(0x79));
	/* Logical, cluster model: cluster 2, member bit 1. */
	wr(LAPIC_DFR, 0x0FFFFFFF);
	wr(LAPIC_LDR, 0x21000000);
	assert_true(lapic_match_dest(&L, 0x21, true));
	assert_true(lapic_match_dest(&L, 0x23, true));
	assert_false(lapic_match_dest(&L, 0x11, true));
	assert_false(lapic_match_dest(&L, 0x22, true));
	assert_false(lapic_match_dest(&L, 0x21, false));
	assert_true(lapic_match_dest(&L, 3, false));
}

static void test_icr_events(void **state)
{
	init_id(2, 0, true);
	enable();
	assert_int_equal(icr(2u << 24, 0x400), LAPIC_EV_NMI);
	assert_int_equal(icr(2u << 24, 0x4500), LAPIC_EV_INIT);
	assert_int_equal(icr(0, 0x88500), 0);          /* INIT de-assert */
	assert_int_equal(icr(2u << 24, 0x69A), LAPIC_EV_SIPI);
	assert_int_equal(out.sipi_vector, 0x9A);
	assert_int_equal(icr(0, 0xC4608), LAPIC_EV_OTHERS);    /* AP start */
	assert_int_equal(out.icr, 0xC4608);
	assert_int_equal(icr(2u << 24, 0x200), LAPIC_EV_SMI);
	assert_int_equal(icr(0, 0x40400), LAPIC_EV_BAD);       /* self NMI */
	assert_non_null(strstr(out.bad, "fixed"));
	assert_int_equal(icr(2u << 24, 0x330), LAPIC_EV_BAD);  /* mode 3 */
	assert_int_equal(icr(2u << 24, 0x730), LAPIC_EV_BAD);  /* mode 7 */
	for (unsigned v = 0; v < 256; v++)
		assert_false(irr(v));
	/* Interrupt messages (I/O APIC). */
	assert_int_equal(lapic_deliver(&L, 0x90, LAPIC_DM_FIXED, 2, false,
				       true, &out), LAPIC_EV_IRQ);
	assert_true(irr(0x90) && tmr(0x90));
	assert_int_equal(lapic_deliver(&L, 0x91, LAPIC_DM_FIXED, 1, false,
				       false, &out), 0);
	assert_false(irr(0x91));
	assert_int_equal(lapic_deliver(&L, 0, LAPIC_DM_NMI, 0xFF, false,
				       false, NULL), LAPIC_EV_NMI);
	assert_int_equal(lapic_deliver(&L, 0, LAPIC_DM_EXTINT, 2, false,
				       false, &out), LAPIC_EV_EXTINT);
	wr(LAPIC_SVR, 0xFF);
	assert_int_equal(lapic_deliver(&L, 0x92, LAPIC_DM_FIXED, 2, false,
				       false, &out), 0);       /* disabled */
}

static void start_timer(uint32_t lvt, uint32_t tdcr, uint32_t init, uint64_t now)
{
	assert_int_equal(lapic_write(&L, LAPIC_TDCR, tdcr, now, &out), 0);
	assert_int_equal(lapic_write(&L, LAPIC_LVT_TIMER, lvt, now, &out), 0);
	assert_int_equal(lapic_write(&L, LAPIC_TMICT, init, now, &out), 0);
}

/* SDM "APIC Timer", "Divide Configuration Register". */
static void test_timer_oneshot_each_divider(void **state)
{
	static const struct { uint32_t code; unsigned div; } d[] = {
		{ 0x0, 2 }, { 0x1, 4 }, { 0x2, 8 }, { 0x3, 16 },
		{ 0x8, 32 }, { 0x9, 64 }, { 0xA, 128 }, { 0xB, 1 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(d); i++) {
		uint64_t t = T0 + 1000 * i, end = t + 1000ULL * d[i].div;

		init_id(0, 0, true);
		enable();
		start_timer(0x31, d[i].code | 0x4, 1000, t);    /* bit 2 rsvd */
		assert_int_equal(reg(LAPIC_TDCR), d[i].code);
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t), 1000);
		assert_int_equal(lapic_next_deadline(&L), end);
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t + 250 * d[i].div),
				 750);
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT,
					    t + 250 * d[i].div + d[i].div - 1), 750);
		lapic_advance(&L, end - 1);
		assert_false(irr(0x31));
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT, end - 1), 1);
		lapic_advance(&L, end);
		assert_true(irr(0x31));
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT, end), 0);
		assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
		assert_int_equal(lapic_read(&L, LAPIC_TMICT, end), 1000);
	}
}

static unsigned take_all(void)
{
	unsigned n = 0;

	while (lapic_pending(&L) >= 0) {
		lapic_inta(&L);
		wr(LAPIC_EOI, 0);
		n++;
	}
	return n;
}

static void test_timer_periodic(void **state)
{
	uint64_t t = T0, dl;
	unsigned fired = 0;

	init_id(0, 0, true);
	enable();
	start_timer(LAPIC_TIMER_PERIODIC | 0x40, 0x1, 500, t);     /* /4 */
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t + 1000), 250);
	/* Run 10 periods the way the platform does: to each deadline. */
	for (int i = 0; i < 10; i++) {
		dl = lapic_next_deadline(&L);
		assert_int_equal(dl, t + 2000 * (i + 1));
		lapic_advance(&L, dl);
		fired += take_all();
		assert_int_equal(lapic_read(&L, LAPIC_TMCCT, dl), 500);
	}
	assert_int_equal(fired, 10);
	/* Fallen 100 periods behind: one interrupt, next tick in phase. */
	t = dl + 100 * 2000 + 700;
	lapic_advance(&L, t);
	assert_int_equal(take_all(), 1);
	assert_int_equal(lapic_next_deadline(&L), dl + 101 * 2000);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t), 500 - 700 / 4);
	/* The divider changes mid-count: the remaining count continues. */
	lapic_write(&L, LAPIC_TDCR, 0xB, t, &out);              /* /1 */
	assert_int_equal(lapic_next_deadline(&L), t + 325);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t + 25), 300);
	lapic_advance(&L, t + 325);
	assert_int_equal(take_all(), 1);
	assert_int_equal(lapic_next_deadline(&L), t + 825);     /* 500 x 1 */
	/* A new initial count restarts; 0 stops. */
	lapic_write(&L, LAPIC_TMICT, 10, t + 400, &out);
	assert_int_equal(lapic_next_deadline(&L), t + 410);
	lapic_write(&L, LAPIC_TMICT, 0, t + 405, &out);
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, t + 500), 0);
}

/* Timer clock != TSC: expiries are the ceiling of exact instants,
 * counted from the start, so they do not drift. */
static void test_timer_clock_ratio(void **state)
{
	init_id(0, 3 * HZ / 7, true);           /* 7 TSC ticks = 3 counts */
	enable();
	start_timer(LAPIC_TIMER_PERIODIC | 0x40, 0xB, 1, T0);
	assert_int_equal(lapic_next_deadline(&L), T0 + 3);      /* 7/3 */
	lapic_advance(&L, T0 + 3);
	assert_int_equal(lapic_next_deadline(&L), T0 + 5);      /* 14/3 */
	for (int k = 3; k <= 3000; k++)
		lapic_advance(&L, lapic_next_deadline(&L));
	assert_int_equal(lapic_next_deadline(&L), T0 + 7001);   /* 7001/3 */
	init_id(0, 1000 * HZ, true);            /* 1000 counts per tick */
	enable();
	start_timer(0x40, 0xB, 2500, T0);
	assert_int_equal(lapic_next_deadline(&L), T0 + 3);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, T0 + 2), 500);
}

static void test_timer_masked_and_mode_change(void **state)
{
	init_id(0, 0, true);
	enable();
	start_timer(LAPIC_LVT_MASKED | LAPIC_TIMER_PERIODIC | 0x40, 0xB, 100, T0);
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, T0 + 30), 70);
	/* Unmasked 2.5 periods later: the masked expiries are lost. */
	lapic_write(&L, LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | 0x40, T0 + 250,
		    &out);
	assert_false(irr(0x40));
	assert_int_equal(lapic_next_deadline(&L), T0 + 300);
	/* Mode change (periodic -> one-shot) disarms and clears TMICT. */
	lapic_write(&L, LAPIC_LVT_TIMER, 0x40, T0 + 260, &out);
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	assert_int_equal(lapic_read(&L, LAPIC_TMICT, T0 + 260), 0);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, T0 + 260), 0);
	/* Same mode, new vector: the count goes on. */
	lapic_write(&L, LAPIC_TMICT, 50, T0 + 300, &out);
	lapic_write(&L, LAPIC_LVT_TIMER, 0x41, T0 + 310, &out);
	assert_int_equal(lapic_next_deadline(&L), T0 + 350);
	lapic_advance(&L, T0 + 400);
	assert_true(irr(0x41) && !irr(0x40));
	/* Timer vector below 16: receive-illegal, not delivered. */
	lapic_write(&L, LAPIC_TMICT, 5, T0 + 400, &out);
	lapic_write(&L, LAPIC_LVT_TIMER, 0x05, T0 + 400, &out);
	lapic_advance(&L, T0 + 405);
	assert_false(irr(5));
	wr(LAPIC_ESR, 0);
	assert_int_equal(rd(LAPIC_ESR), LAPIC_ESR_RECV_ILLEGAL);
	assert_int_equal(wr(LAPIC_LVT_TIMER, 0x60040), LAPIC_EV_BAD);
}

/* SDM "TSC-Deadline Mode". */
static void test_tsc_deadline(void **state)
{
	init_id(0, 0, true);
	enable();
	lapic_set_tsc_deadline(&L, T0 + 100, T0);       /* not in the mode */
	assert_int_equal(lapic_tsc_deadline(&L, T0), 0);
	start_timer(LAPIC_TIMER_DEADLINE | 0x50, 0xB, 1234, T0);
	assert_int_equal(rd(LAPIC_TMICT), 0);           /* ignored */
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	lapic_set_tsc_deadline(&L, T0 + 100, T0);
	assert_int_equal(lapic_tsc_deadline(&L, T0), T0 + 100);
	assert_int_equal(lapic_next_deadline(&L), T0 + 100);
	assert_int_equal(lapic_read(&L, LAPIC_TMCCT, T0 + 10), 0);
	lapic_advance(&L, T0 + 99);
	assert_false(irr(0x50));
	lapic_advance(&L, T0 + 100);
	assert_true(irr(0x50));
	assert_int_equal(lapic_tsc_deadline(&L, T0 + 100), 0);  /* disarmed */
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	clear_irr();
	lapic_set_tsc_deadline(&L, T0 + 50, T0 + 200);  /* already past */
	assert_true(irr(0x50));
	lapic_set_tsc_deadline(&L, T0 + 900, T0 + 200);
	lapic_set_tsc_deadline(&L, 0, T0 + 300);        /* 0 disarms */
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	lapic_set_tsc_deadline(&L, T0 + 900, T0 + 300);
	lapic_write(&L, LAPIC_LVT_TIMER, 0x50, T0 + 400, &out); /* -> one-shot */
	assert_int_equal(lapic_tsc_deadline(&L, T0 + 400), 0);
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);
	/* Without CPUID TSC-deadline, bit 18 is reserved. */
	init_id(0, 0, false);
	enable();
	wr(LAPIC_LVT_TIMER, LAPIC_TIMER_DEADLINE | 0x50);
	assert_int_equal(rd(LAPIC_LVT_TIMER), 0x50);
	wr(LAPIC_TMICT, 10);
	assert_int_equal(lapic_next_deadline(&L), T0 + 20);
}

static void test_lint_queries(void **state)
{
	init_id(0, 0, true);
	assert_false(lapic_lint0_extint(&L) || lapic_lint1_nmi(&L));
	lapic_virtual_wire(&L, T0);
	assert_true(lapic_sw_enabled(&L));
	assert_int_equal(rd(LAPIC_SVR), 0x1FF);
	assert_true(lapic_lint0_extint(&L));
	assert_true(lapic_lint1_nmi(&L));
	wr(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | 0x700);
	assert_false(lapic_lint0_extint(&L));
	wr(LAPIC_LVT_LINT0, 0x8700);
	assert_int_equal(rd(LAPIC_LVT_LINT0), 0x8700);
	assert_true(lapic_lint0_extint(&L));
	wr(LAPIC_LVT_LINT1, 0x700);                     /* not NMI */
	assert_false(lapic_lint1_nmi(&L));
	wr(LAPIC_LVT_LINT1, 0x400);
	wr(LAPIC_SVR, 0xFF);
	assert_false(lapic_lint0_extint(&L) || lapic_lint1_nmi(&L));
}

/* The page as the CPU leaves it under APIC virtualization. */
static void test_virtual_apic_page(void **state)
{
	init_id(0, 0, true);
	assert_int_equal(lapic_page_intr_status(page), 0);
	enable();
	lapic_accept(&L, 0x31, false);
	lapic_accept(&L, 0x85, false);
	assert_int_equal(lapic_page_highest_irr(page), 0x85);
	assert_int_equal(lapic_inta(&L), 0x85);
	assert_int_equal(lapic_page_intr_status(page), 0x8531);
	assert_int_equal(lapic_page_highest_isr(page), 0x85);
	/* Virtual-interrupt delivery moved 0x31 to ISR by itself. */
	page[LAPIC_IRR / 4 + 4] &= ~(1u << 17);
	page[LAPIC_ISR / 4 + 4] |= 1u << 17;
	assert_int_equal(lapic_page_intr_status(page), 0x8500);
	/* A TPR written by the CPU (TPR shadow) is seen by PPR. */
	page[LAPIC_TPR / 4] = 0x90;
	assert_int_equal(rd(LAPIC_PPR), 0x90);
	page[LAPIC_TPR / 4] = 0;
	assert_int_equal(rd(LAPIC_PPR), 0x80);
	wr(LAPIC_EOI, 0);
	assert_int_equal(rd(LAPIC_PPR), 0x30);
	assert_int_equal(lapic_page_intr_status(page), 0x3100);
	/* APIC-write exits: the page already holds the guest's value. */
	wr(LAPIC_TMICT, 100);
	page[LAPIC_LVT_TIMER / 4] = 0xFFF2F040;         /* periodic + junk */
	assert_int_equal(lapic_apic_write(&L, LAPIC_LVT_TIMER, T0, &out), 0);
	assert_int_equal(rd(LAPIC_LVT_TIMER), 0x20040);
	assert_int_equal(rd(LAPIC_TMICT), 0);           /* mode changed */
	page[LAPIC_TMICT / 4] = 40;
	lapic_apic_write(&L, LAPIC_TMICT, T0, &out);
	assert_int_equal(lapic_next_deadline(&L), T0 + 80);
	page[LAPIC_ICR_LO / 4] = 0x41062;               /* self, status set */
	assert_int_equal(lapic_apic_write(&L, LAPIC_ICR_LO, T0, &out),
			 LAPIC_EV_IRQ);
	assert_int_equal(rd(LAPIC_ICR_LO), 0x40062);
	rd(0x3F0);
	page[LAPIC_ESR / 4] = 0;
	lapic_apic_write(&L, LAPIC_ESR, T0, &out);
	assert_int_equal(rd(LAPIC_ESR), LAPIC_ESR_ILLEGAL_REG);
	page[LAPIC_SVR / 4] = 0xFF;
	lapic_apic_write(&L, LAPIC_SVR, T0, &out);
	assert_int_equal(lapic_next_deadline(&L), DEV_NO_DEADLINE);  /* masked */
	assert_int_equal(lapic_apic_write(&L, 0x2000, T0, &out), LAPIC_EV_BAD);
}

/* Optional part: x2APIC MSRs (SDM "Extended XAPIC (x2APIC)"). */
static void test_x2apic(void **state)
{
	uint64_t v;

	init_id(0x25, 0, true);
	enable();
	assert_int_equal(lapic_msr_read(&L, 0x802, T0, &v), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x808, 0, T0, &out), -EINVAL);
	lapic_enter_x2apic(&L);
	assert_int_equal(lapic_msr_read(&L, 0x802, T0, &v), 0);
	assert_int_equal(v, 0x25);
	assert_int_equal(lapic_msr_read(&L, 0x80D, T0, &v), 0);
	assert_int_equal(v, (2u << 16) | (1u << 5));
	assert_int_equal(lapic_msr_write(&L, 0x80D, v, T0, &out), -EINVAL);
	assert_non_null(strstr(out.bad, "read-only"));
	assert_int_equal(lapic_msr_read(&L, 0x80E, T0, &v), -EINVAL);  /* DFR */
	assert_int_equal(lapic_msr_read(&L, 0x831, T0, &v), -EINVAL);
	assert_int_equal(lapic_msr_read(&L, 0x809, T0, &v), -EINVAL);  /* APR */
	assert_int_equal(lapic_msr_read(&L, 0x82F, T0, &v), -EINVAL);
	assert_int_equal(lapic_msr_read(&L, 0x8FF, T0, &v), -EINVAL);
	assert_int_equal(lapic_msr_read(&L, 0x803, T0, &v), 0);
	assert_int_equal(v, LAPIC_VERSION);
	/* 64-bit ICR, kept at page bytes 0x300-0x307. */
	assert_int_equal(lapic_msr_write(&L, 0x830, (0x25ULL << 32) | 0x66,
					 T0, &out), LAPIC_EV_IRQ);
	assert_true(irr(0x66));
	assert_int_equal(lapic_msr_read(&L, 0x830, T0, &v), 0);
	assert_int_equal(v, (0x25ULL << 32) | 0x66);
	assert_int_equal(page[0x304 / 4], 0x25);
	assert_int_equal(lapic_msr_write(&L, 0x830, (0x24ULL << 32) | 0x67,
					 T0, &out), LAPIC_EV_OTHERS);
	assert_int_equal(lapic_msr_write(&L, 0x830, (0x2ULL << 48) |
					 (0x20ULL << 32) | 0x868, T0, &out),
			 LAPIC_EV_IRQ | LAPIC_EV_OTHERS);       /* logical */
	assert_true(irr(0x68));
	assert_int_equal(lapic_msr_write(&L, 0x830, 0x1000 | 0x69, T0, &out),
			 -EINVAL);                      /* bit 12 reserved */
	/* SELF IPI. */
	assert_int_equal(lapic_msr_write(&L, 0x83F, 0x6A, T0, &out),
			 LAPIC_EV_IRQ);
	assert_true(irr(0x6A));
	assert_int_equal(lapic_msr_write(&L, 0x83F, 0x16A, T0, &out), -EINVAL);
	assert_int_equal(lapic_msr_read(&L, 0x83F, T0, &v), -EINVAL);
	/* EOI and ESR take only 0; reserved bits and bits 63:32 fault. */
	assert_int_equal(lapic_msr_read(&L, 0x80B, T0, &v), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x80B, 1, T0, &out), -EINVAL);
	lapic_inta(&L);
	assert_int_equal(lapic_msr_write(&L, 0x80B, 0, T0, &out), 0);
	assert_int_equal(lapic_msr_write(&L, 0x828, 1, T0, &out), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x808, 0x100, T0, &out), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x808, 1ULL << 32, T0, &out),
			 -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x808, 0x40, T0, &out), 0);
	assert_int_equal(lapic_msr_read(&L, 0x80A, T0, &v), 0);
	assert_int_equal(v, 0x40);                      /* PPR */
	assert_int_equal(lapic_msr_write(&L, 0x80A, 0, T0, &out), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x83E, 0x4, T0, &out), -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x835, 0x1000 | 0x700, T0, &out),
			 0);                            /* RO bit ignored */
	assert_int_equal(rd(LAPIC_LVT_LINT0), 0x700);
	assert_int_equal(lapic_msr_write(&L, 0x835, 1u << 20, T0, &out),
			 -EINVAL);
	assert_int_equal(lapic_msr_write(&L, 0x836, 0x4400, T0, &out), 0);
	assert_int_equal(lapic_msr_write(&L, 0x837, 0x40FE, T0, &out),
			 -EINVAL);              /* no remote IRR on LVT error */
	/* Timer through MSRs. */
	assert_int_equal(lapic_msr_write(&L, 0x83E, 0xB, T0, &out), 0);
	assert_int_equal(lapic_msr_write(&L, 0x832, 0x70, T0, &out), 0);
	assert_int_equal(lapic_msr_write(&L, 0x838, 300, T0, &out), 0);
	assert_int_equal(lapic_msr_read(&L, 0x839, T0 + 100, &v), 0);
	assert_int_equal(v, 200);
	/* INIT keeps x2APIC mode, ID and LDR; disable returns to xAPIC. */
	lapic_reset(&L, LAPIC_RESET_INIT, T0);
	assert_int_equal(lapic_msr_read(&L, 0x80D, T0, &v), 0);
	assert_int_equal(v, (2u << 16) | (1u << 5));
	lapic_reset(&L, LAPIC_RESET_DISABLE, T0);
	assert_int_equal(lapic_msr_read(&L, 0x802, T0, &v), -EINVAL);
	assert_int_equal(rd(LAPIC_ID), 0x25u << 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_id_ldr_dfr_readonly),
		cmocka_unit_test(test_tpr_ppr),
		cmocka_unit_test(test_nested_priorities_eoi),
		cmocka_unit_test(test_level_eoi_reports_vector),
		cmocka_unit_test(test_sw_disabled_and_spurious),
		cmocka_unit_test(test_esr),
		cmocka_unit_test(test_icr_fixed_to_self),
		cmocka_unit_test(test_icr_events),
		cmocka_unit_test(test_timer_oneshot_each_divider),
		cmocka_unit_test(test_timer_periodic),
		cmocka_unit_test(test_timer_clock_ratio),
		cmocka_unit_test(test_timer_masked_and_mode_change),
		cmocka_unit_test(test_tsc_deadline),
		cmocka_unit_test(test_lint_queries),
		cmocka_unit_test(test_virtual_apic_page),
		cmocka_unit_test(test_x2apic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
