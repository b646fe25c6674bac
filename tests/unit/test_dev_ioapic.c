/*
 * Host tests for the I/O APIC model (hv/dev/ioapic.c): registers through
 * IOREGSEL/IOWIN, edge and level pins, polarity, masks, remote IRR and
 * EOI with re-delivery, the delivery modes, the EOI-exit bitmap, and a
 * level-triggered interrupt end to end through the local APIC model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/ioapic.h"
#include "hv/dev/lapic.h"

struct msg {
	uint8_t vector;
	unsigned mode;
	uint8_t dest;
	bool logical, level;
};

static struct msg msgs[16];
static unsigned nmsg;
static bool accept = true;
static struct ioapic IO;

static bool record(void *ctx, uint8_t vector, unsigned mode, uint8_t dest,
		   bool logical, bool level)
{
	assert_ptr_equal(ctx, &IO);
	assert_true(nmsg < ARRAY_SIZE(msgs));
	msgs[nmsg++] = (struct msg){ vector, mode, dest, logical, level };
	return accept;
}

static void setup_io(void)
{
	struct ioapic_out o = { .ctx = &IO, .deliver = record };

	memset(&IO, 0x5A, sizeof(IO));
	ioapic_init(&IO, &o);
	nmsg = 0;
	accept = true;
}

static uint32_t rreg(unsigned idx)
{
	ioapic_write(&IO, IOAPIC_IOREGSEL, idx);
	return ioapic_read(&IO, IOAPIC_IOWIN);
}

static void wreg(unsigned idx, uint32_t v)
{
	ioapic_write(&IO, IOAPIC_IOREGSEL, idx);
	ioapic_write(&IO, IOAPIC_IOWIN, v);
}

static void rte(unsigned pin, uint32_t lo, uint8_t dest)
{
	wreg(IOAPIC_REG_RTE(pin) + 1, (uint32_t)dest << 24);
	wreg(IOAPIC_REG_RTE(pin), lo);
}

static void test_registers(void **state)
{
	setup_io();
	assert_int_equal(rreg(IOAPIC_REG_ID), 0);
	assert_int_equal(rreg(IOAPIC_REG_VER), 0x00170011);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		assert_int_equal(rreg(IOAPIC_REG_RTE(pin)), IOAPIC_RTE_MASKED);
		assert_int_equal(rreg(IOAPIC_REG_RTE(pin) + 1), 0);
	}
	wreg(IOAPIC_REG_ID, 0xFFFFFFFF);
	assert_int_equal(rreg(IOAPIC_REG_ID), 0x0F000000);
	assert_int_equal(rreg(IOAPIC_REG_ARB), 0x0F000000);
	wreg(IOAPIC_REG_VER, 0);
	wreg(IOAPIC_REG_ARB, 0);
	assert_int_equal(rreg(IOAPIC_REG_VER), 0x00170011);
	assert_int_equal(rreg(IOAPIC_REG_ARB), 0x0F000000);
	ioapic_write(&IO, IOAPIC_IOREGSEL, 0x1234);
	assert_int_equal(ioapic_read(&IO, IOAPIC_IOREGSEL), 0x34);
	/* Writable bits only; delivery status and remote IRR read 0. */
	wreg(IOAPIC_REG_RTE(5), 0xFFFFFFFF);
	assert_int_equal(rreg(IOAPIC_REG_RTE(5)), 0x0001AFFF);
	wreg(IOAPIC_REG_RTE(5) + 1, 0xFFFFFFFF);
	assert_int_equal(rreg(IOAPIC_REG_RTE(5) + 1), 0xFF000000);
	assert_int_equal(IO.rte[5], 0xFF0000000001AFFFULL);
	wreg(IOAPIC_REG_RTE(23) + 1, 0x12345678);
	assert_int_equal(rreg(IOAPIC_REG_RTE(23) + 1), 0x12000000);
	/* Unimplemented registers and offsets. */
	wreg(0x03, 0xFFFFFFFF);
	assert_int_equal(rreg(0x03), 0);
	wreg(0x40, 0xFFFFFFFF);
	assert_int_equal(rreg(0x40), 0);
	assert_int_equal(rreg(0xFF), 0);
	assert_int_equal(ioapic_read(&IO, 0x20), 0);
	ioapic_write(&IO, 0x40, 1);             /* no EOI register (0x11) */
	assert_int_equal(nmsg, 0);
	ioapic_reset(&IO);
	assert_int_equal(rreg(IOAPIC_REG_RTE(5)), IOAPIC_RTE_MASKED);
	assert_int_equal(rreg(IOAPIC_REG_ID), 0);
}

static void test_edge_pins(void **state)
{
	setup_io();
	rte(1, 0x31, 0x03);
	ioapic_set_irq(&IO, 1, true);
	assert_int_equal(nmsg, 1);
	assert_int_equal(msgs[0].vector, 0x31);
	assert_int_equal(msgs[0].mode, LAPIC_DM_FIXED);
	assert_int_equal(msgs[0].dest, 0x03);
	assert_false(msgs[0].logical || msgs[0].level);
	ioapic_set_irq(&IO, 1, true);           /* no new edge */
	ioapic_set_irq(&IO, 1, false);
	assert_int_equal(nmsg, 1);
	ioapic_set_irq(&IO, 1, true);
	assert_int_equal(nmsg, 2);
	assert_false(rreg(IOAPIC_REG_RTE(1)) & IOAPIC_RTE_REMOTE_IRR);
	/* Active low: the falling electrical edge is the assertion. */
	rte(2, IOAPIC_RTE_ACTIVE_LOW | 0x32, 0);
	ioapic_set_irq(&IO, 2, true);
	assert_int_equal(nmsg, 2);
	ioapic_set_irq(&IO, 2, false);
	assert_int_equal(nmsg, 3);
	assert_int_equal(msgs[2].vector, 0x32);
	/* Pins beyond 23 do nothing. */
	ioapic_set_irq(&IO, 24, true);
	ioapic_set_irq(&IO, 1000, true);
	assert_int_equal(nmsg, 3);
}

/* 82093AA "Interrupt Mask": masked edges are lost, not held. */
static void test_masked_pins(void **state)
{
	setup_io();
	rte(4, IOAPIC_RTE_MASKED | 0x34, 0);
	ioapic_set_irq(&IO, 4, true);
	assert_int_equal(nmsg, 0);
	rte(4, 0x34, 0);                        /* unmasked while high */
	assert_int_equal(nmsg, 0);
	ioapic_set_irq(&IO, 4, false);
	ioapic_set_irq(&IO, 4, true);
	assert_int_equal(nmsg, 1);
	/* A masked level pin is delivered once unmasked, if still asserted. */
	rte(6, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x36, 0);
	ioapic_set_irq(&IO, 6, true);
	assert_int_equal(nmsg, 1);
	ioapic_set_irq(&IO, 6, false);
	rte(6, IOAPIC_RTE_LEVEL | 0x36, 0);
	assert_int_equal(nmsg, 1);              /* deasserted: nothing */
	rte(6, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x36, 0);
	ioapic_set_irq(&IO, 6, true);
	rte(6, IOAPIC_RTE_LEVEL | 0x36, 0);
	assert_int_equal(nmsg, 2);
	assert_true(msgs[1].level);
	/* Masked after delivery: the EOI still clears remote IRR. */
	rte(6, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x36, 0);
	assert_true(rreg(IOAPIC_REG_RTE(6)) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&IO, 0x36);
	assert_false(rreg(IOAPIC_REG_RTE(6)) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(nmsg, 2);
}

static void test_level_remote_irr_eoi(void **state)
{
	setup_io();
	rte(9, IOAPIC_RTE_LEVEL | 0x49, 0);
	rte(10, IOAPIC_RTE_LEVEL | 0x49, 0);    /* a shared vector */
	ioapic_set_irq(&IO, 9, true);
	assert_int_equal(nmsg, 1);
	assert_true(msgs[0].level);
	assert_true(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&IO, 9, true);           /* still waiting for EOI */
	assert_int_equal(nmsg, 1);
	ioapic_eoi(&IO, 0x48);                  /* another vector */
	assert_true(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&IO, 0x49);                  /* still asserted: again */
	assert_int_equal(nmsg, 2);
	assert_true(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&IO, 9, false);
	ioapic_set_irq(&IO, 10, true);
	assert_int_equal(nmsg, 3);
	ioapic_eoi(&IO, 0x49);                  /* clears both; pin 10 again */
	assert_false(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(nmsg, 4);
	ioapic_set_irq(&IO, 10, false);
	ioapic_eoi(&IO, 0x49);
	assert_int_equal(nmsg, 4);
	assert_false(rreg(IOAPIC_REG_RTE(10)) & IOAPIC_RTE_REMOTE_IRR);
	/* Active-low level: asserted while the line is low. */
	rte(11, IOAPIC_RTE_LEVEL | IOAPIC_RTE_ACTIVE_LOW | 0x4B, 0);
	assert_int_equal(nmsg, 5);
	ioapic_set_irq(&IO, 11, true);
	ioapic_eoi(&IO, 0x4B);
	assert_int_equal(nmsg, 5);
	/* Not accepted (e.g. APIC software-disabled): no remote IRR. */
	accept = false;
	ioapic_set_irq(&IO, 9, true);
	assert_int_equal(nmsg, 6);
	assert_false(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	accept = true;
	rte(9, IOAPIC_RTE_LEVEL | 0x49, 0);     /* re-evaluated on write */
	assert_int_equal(nmsg, 7);
	assert_true(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	/* Rewriting as edge clears remote IRR (Linux, version 0x11). */
	rte(9, 0x49, 0);
	assert_false(rreg(IOAPIC_REG_RTE(9)) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&IO, 9, false);
	rte(9, IOAPIC_RTE_LEVEL | 0x49, 0);
	assert_int_equal(nmsg, 7);
}

static void test_delivery_modes(void **state)
{
	setup_io();
	rte(0, IOAPIC_RTE_LEVEL | LAPIC_DM_NMI << 8, 0xFF);
	ioapic_set_irq(&IO, 0, true);
	assert_int_equal(nmsg, 1);
	assert_int_equal(msgs[0].mode, LAPIC_DM_NMI);
	assert_false(msgs[0].level);            /* NMI is always edge */
	assert_false(rreg(IOAPIC_REG_RTE(0)) & IOAPIC_RTE_REMOTE_IRR);
	rte(3, LAPIC_DM_EXTINT << 8 | IOAPIC_RTE_LOGICAL, 0x01);
	ioapic_set_irq(&IO, 3, true);
	assert_int_equal(msgs[1].mode, LAPIC_DM_EXTINT);
	assert_true(msgs[1].logical);
	assert_int_equal(msgs[1].dest, 0x01);
	rte(7, IOAPIC_RTE_LEVEL | LAPIC_DM_LOWEST << 8 | 0x57, 0x0F);
	ioapic_set_irq(&IO, 7, true);
	assert_int_equal(msgs[2].mode, LAPIC_DM_LOWEST);
	assert_true(msgs[2].level);
	assert_true(rreg(IOAPIC_REG_RTE(7)) & IOAPIC_RTE_REMOTE_IRR);
}

static void test_eoi_exit_bitmap(void **state)
{
	uint64_t bm[4] = { 1, 2, 3, 4 };

	setup_io();
	ioapic_eoi_exit_bitmap(&IO, bm);
	assert_true(bm[0] == 0 && bm[1] == 0 && bm[2] == 0 && bm[3] == 0);
	rte(1, 0x31, 0);                        /* edge: not in it */
	rte(9, IOAPIC_RTE_LEVEL | 0x49, 0);
	rte(12, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0xC1, 0);
	ioapic_eoi_exit_bitmap(&IO, bm);
	assert_int_equal(bm[0], 0);
	assert_int_equal(bm[1], BIT(0x49 - 64));
	assert_int_equal(bm[2], 0);
	assert_int_equal(bm[3], BIT(0xC1 - 192));
}

/* I/O APIC -> local APIC -> EOI -> I/O APIC, as the platform wires it. */
static uint32_t page[1024] __attribute__((aligned(4096)));
static struct lapic L;

static bool to_lapic(void *ctx, uint8_t vector, unsigned mode, uint8_t dest,
		     bool logical, bool level)
{
	return lapic_deliver(&L, vector, mode, dest, logical, level, NULL) &
	       LAPIC_EV_IRQ;
}

static void test_level_through_lapic(void **state)
{
	struct lapic_config c = { .apic_id = 0, .tsc_hz = 1000000 };
	struct ioapic_out o = { .ctx = NULL, .deliver = to_lapic };
	struct lapic_out lo;

	lapic_init(&L, page, &c, 0);
	ioapic_init(&IO, &o);
	rte(8, IOAPIC_RTE_LEVEL | 0x58, 0);
	ioapic_set_irq(&IO, 8, true);           /* APIC disabled: refused */
	assert_false(rreg(IOAPIC_REG_RTE(8)) & IOAPIC_RTE_REMOTE_IRR);
	lapic_write(&L, LAPIC_SVR, 0x1FF, 0, NULL);
	rte(8, IOAPIC_RTE_LEVEL | 0x58, 0);
	assert_true(rreg(IOAPIC_REG_RTE(8)) & IOAPIC_RTE_REMOTE_IRR);
	assert_int_equal(lapic_inta(&L), 0x58);
	assert_int_equal(lapic_write(&L, LAPIC_EOI, 0, 0, &lo), LAPIC_EV_EOI);
	ioapic_eoi(&IO, lo.eoi_vector);         /* still asserted */
	assert_int_equal(lapic_pending(&L), 0x58);
	assert_int_equal(lapic_inta(&L), 0x58);
	ioapic_set_irq(&IO, 8, false);          /* the device is serviced */
	lapic_write(&L, LAPIC_EOI, 0, 0, &lo);
	ioapic_eoi(&IO, lo.eoi_vector);
	assert_int_equal(lapic_pending(&L), -1);
	assert_false(rreg(IOAPIC_REG_RTE(8)) & IOAPIC_RTE_REMOTE_IRR);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_edge_pins),
		cmocka_unit_test(test_masked_pins),
		cmocka_unit_test(test_level_remote_irr_eoi),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_eoi_exit_bitmap),
		cmocka_unit_test(test_level_through_lapic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
