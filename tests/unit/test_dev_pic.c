/*
 * Host tests for the 8259A pair (hv/dev/pic8259.c): power-on state, the
 * Linux probe, the ICW sequence, IRR/ISR reads, edge and level inputs with
 * the ELCR, priority nesting, specific/non-specific/automatic EOI,
 * rotation, poll, special mask and special fully nested modes, the
 * cascade, spurious IRQ 7 and 15.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/dev/pic8259.h"

#define MBASE 0x20      /* vector bases the tests program (Linux: 0x30) */
#define SBASE 0x28

static struct pic8259 pic;

static void out(uint16_t port, uint8_t v)
{
	pic_io_write(&pic, port, v);
}

static uint8_t in(uint16_t port)
{
	return pic_io_read(&pic, port);
}

/* The PC initialization every kernel does: edge, cascade on IR2, 8086 mode,
 * icw4 as given (0x01 normal EOI, 0x03 automatic EOI), IMR 0. */
static void init_pair(uint8_t icw4)
{
	pic_init(&pic);
	out(0x20, 0x11); out(0x21, MBASE); out(0x21, 0x04); out(0x21, icw4);
	out(0xA0, 0x11); out(0xA1, SBASE); out(0xA1, 0x02); out(0xA1, icw4);
	out(0x21, 0x00); out(0xA1, 0x00);
}

static void pulse(unsigned irq)
{
	pic_set_irq(&pic, irq, 1);
	pic_set_irq(&pic, irq, 0);
}

static uint8_t irr(uint16_t cmd) { out(cmd, 0x0A); return in(cmd); }
static uint8_t isr(uint16_t cmd) { out(cmd, 0x0B); return in(cmd); }

static void test_power_on(void **state)
{
	pic_init(&pic);
	assert_int_equal(in(0x21), 0xFF);
	assert_int_equal(in(0xA1), 0xFF);
	assert_int_equal(in(0x4D0), 0);
	assert_int_equal(in(0x4D1), 0);
	pulse(0);
	pulse(8);
	assert_false(pic_intr(&pic));
	assert_int_equal(in(0x20), 0x01);       /* IRR read by default */
	/* The BIOS layout: unmasking is enough. */
	out(0x21, 0xFE);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), 0x08);
	out(0x20, 0x20);
	out(0x21, 0xFA);
	out(0xA1, 0xFE);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), 0x70);
	/* Other ports float. */
	assert_int_equal(in(0x22), 0xFF);
	assert_int_equal(in(0x4D2), 0xFF);
	out(0x22, 0);
	assert_int_equal(in(0x21), 0xFA);
}

/* arch/x86/kernel/i8259.c probe_8259A(): mask all, write a pattern, read
 * it back; no PIC if it does not stick. */
static void test_linux_probe(void **state)
{
	pic_init(&pic);
	out(0x21, 0xFF);
	assert_int_equal(in(0x21), 0xFF);
	out(0x21, 0xFB);
	assert_int_equal(in(0x21), 0xFB);
	out(0xA1, 0xA5);
	assert_int_equal(in(0xA1), 0xA5);
	assert_int_equal(in(0x21), 0xFB);
}

static void test_init_sequence(void **state)
{
	init_pair(0x01);
	assert_int_equal(in(0x21), 0x00);
	assert_int_equal(pic.chip[0].base, MBASE);
	assert_int_equal(pic.chip[1].base, SBASE);
	assert_int_equal(pic.chip[0].icw3, 0x04);
	assert_int_equal(pic.chip[1].icw3, 0x02);
	assert_int_equal(pic.chip[0].step, PIC_READY);
	/* ICW2's low 3 bits are the IR number, not part of the base. */
	out(0x20, 0x11); out(0x21, 0x47); out(0x21, 0x04); out(0x21, 0x01);
	out(0x21, 0xFE);
	pulse(0);
	assert_int_equal(pic_inta(&pic), 0x40);
	/* Without IC4 the sequence ends after ICW3: the next write is IMR. */
	out(0x20, 0x10); out(0x21, 0x50); out(0x21, 0x04);
	assert_int_equal(pic.chip[0].step, PIC_READY);
	out(0x21, 0x3C);
	assert_int_equal(in(0x21), 0x3C);
	assert_false(pic.chip[0].aeoi);
	/* SNGL: no ICW3; ICW1 clears the IMR. */
	out(0x20, 0x13); out(0x21, 0x60);
	assert_int_equal(in(0x21), 0x00);
	assert_int_equal(pic.chip[0].step, PIC_ICW4);
	out(0x21, 0x03);
	assert_true(pic.chip[0].aeoi);
	out(0x21, 0x77);
	assert_int_equal(in(0x21), 0x77);
	/* In single mode an IR2 request is the master's own vector. */
	out(0x21, 0xFB);
	pulse(10);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), 0x62);
}

static void test_icw1_resets(void **state)
{
	init_pair(0x01);
	pulse(3);
	pic_set_irq(&pic, 4, 1);        /* held high */
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	out(0x20, 0x0B);                /* read ISR */
	out(0x21, 0x80);
	out(0x20, 0x11); out(0x21, MBASE); out(0x21, 0x04); out(0x21, 0x01);
	assert_int_equal(in(0x21), 0x00);               /* IMR cleared */
	assert_int_equal(in(0x20), 0x00);               /* IRR again, empty */
	assert_int_equal(isr(0x20), 0x00);
	assert_false(pic_intr(&pic));
	/* The input that stayed high must fall and rise again. */
	pic_set_irq(&pic, 4, 1);
	assert_false(pic_intr(&pic));
	pic_set_irq(&pic, 4, 0);
	pic_set_irq(&pic, 4, 1);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 4);
}

static void test_irr_isr_reads(void **state)
{
	init_pair(0x01);
	pulse(1);
	pulse(6);
	pulse(12);
	assert_int_equal(in(0x20), 0x46);       /* IRR after ICW1 */
	assert_int_equal(irr(0xA0), 0x10);
	assert_int_equal(pic_inta(&pic), MBASE + 1);
	assert_int_equal(irr(0x20), 0x44);
	assert_int_equal(isr(0x20), 0x02);
	/* The selection is remembered; OCW3 without RR keeps it. */
	assert_int_equal(in(0x20), 0x02);
	out(0x20, 0x08);
	assert_int_equal(in(0x20), 0x02);
	out(0x20, 0x0A);
	assert_int_equal(in(0x20), 0x44);
	assert_int_equal(in(0x21), 0x00);       /* odd port is always IMR */
}

static void test_edge_latch(void **state)
{
	init_pair(0x01);
	assert_false(pic_intr(&pic));
	pulse(5);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	assert_int_equal(irr(0x20), 0x00);
	assert_int_equal(isr(0x20), 0x20);
	out(0x20, 0x20);                        /* EOI */
	assert_int_equal(isr(0x20), 0x00);
	/* A line held high requests once. */
	pic_set_irq(&pic, 5, 1);
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	out(0x20, 0x20);
	pic_set_irq(&pic, 5, 1);
	assert_false(pic_intr(&pic));
	pic_set_irq(&pic, 5, 0);
	assert_false(pic_intr(&pic));
	pic_set_irq(&pic, 5, 1);
	assert_true(pic_intr(&pic));
	/* Two edges before INTA are one request. */
	pic_set_irq(&pic, 5, 0);
	pulse(5);
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	out(0x20, 0x20);
	assert_false(pic_intr(&pic));
	/* A masked edge stays latched and is delivered on unmask. */
	out(0x21, 0x80);
	pulse(7);
	assert_false(pic_intr(&pic));
	out(0x21, 0x00);
	assert_int_equal(pic_inta(&pic), MBASE + 7);
	assert_int_equal(isr(0x20), 0x80);      /* a real IRQ 7, not spurious */
}

static void test_level_elcr(void **state)
{
	init_pair(0x01);
	/* IRQ 0, 1, 2, 8 and 13 are edge-only. */
	out(0x4D0, 0xFF);
	out(0x4D1, 0xFF);
	assert_int_equal(in(0x4D0), 0xF8);
	assert_int_equal(in(0x4D1), 0xDE);
	out(0x4D0, 0x08);
	out(0x4D1, 0x00);
	/* Level: IRR follows the line, and a line still high after EOI
	 * requests again. */
	pic_set_irq(&pic, 3, 1);
	assert_int_equal(irr(0x20), 0x08);
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	assert_int_equal(irr(0x20), 0x08);
	assert_false(pic_intr(&pic));           /* in service */
	out(0x20, 0x20);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	pic_set_irq(&pic, 3, 0);
	assert_int_equal(irr(0x20), 0x00);
	out(0x20, 0x20);
	assert_false(pic_intr(&pic));
	/* The line falls before INTA: spurious IRQ 7, no ISR bit. */
	pic_set_irq(&pic, 3, 1);
	assert_true(pic_intr(&pic));
	pic_set_irq(&pic, 3, 0);
	assert_false(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 7);
	assert_int_equal(isr(0x20), 0x00);
	/* Switching an input that is high to level makes it request. */
	pic_set_irq(&pic, 6, 1);
	assert_int_equal(pic_inta(&pic), MBASE + 6);
	out(0x20, 0x20);
	assert_false(pic_intr(&pic));
	out(0x4D0, 0x48);
	assert_true(pic_intr(&pic));
	/* ... and back to edge keeps the latched request. */
	out(0x4D0, 0x08);
	assert_int_equal(pic_inta(&pic), MBASE + 6);
}

/* "Fully Nested Mode": a higher priority interrupts one in service, a
 * lower one waits for the EOI. */
static void test_priority_nesting(void **state)
{
	init_pair(0x01);
	pulse(3);
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	pulse(5);
	assert_false(pic_intr(&pic));
	pulse(3);
	assert_false(pic_intr(&pic));           /* same level waits too */
	pulse(1);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 1);
	assert_int_equal(isr(0x20), 0x0A);
	pulse(0);
	assert_int_equal(pic_inta(&pic), MBASE + 0);
	assert_int_equal(isr(0x20), 0x0B);
	/* Non-specific EOI ends the highest in service: 0, then 1. */
	out(0x20, 0x20);
	assert_int_equal(isr(0x20), 0x0A);
	assert_false(pic_intr(&pic));
	out(0x20, 0x20);
	assert_int_equal(isr(0x20), 0x08);
	assert_false(pic_intr(&pic));
	out(0x20, 0x20);
	/* IRQ 3 (pending again) outranks IRQ 5. */
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	out(0x20, 0x20);
	assert_false(pic_intr(&pic));
	assert_int_equal(isr(0x20), 0x00);
	/* Several pending at once: lowest number first. */
	pulse(7); pulse(4); pulse(6);
	assert_int_equal(pic_inta(&pic), MBASE + 4);
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 6);
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 7);
}

static void test_specific_eoi(void **state)
{
	init_pair(0x01);
	pulse(4);
	pic_inta(&pic);
	pulse(3);
	pic_inta(&pic);
	assert_int_equal(isr(0x20), 0x18);
	out(0x20, 0x64);                        /* specific EOI, level 4 */
	assert_int_equal(isr(0x20), 0x08);
	out(0x20, 0x64);                        /* again: nothing to clear */
	assert_int_equal(isr(0x20), 0x08);
	out(0x20, 0x40);                        /* OCW2 no-op */
	assert_int_equal(isr(0x20), 0x08);
	out(0x20, 0x63);
	assert_int_equal(isr(0x20), 0x00);
	out(0x20, 0x20);                        /* EOI with nothing in service */
	assert_int_equal(isr(0x20), 0x00);
}

static void test_auto_eoi(void **state)
{
	init_pair(0x03);
	pulse(4);
	assert_int_equal(pic_inta(&pic), MBASE + 4);
	assert_int_equal(isr(0x20), 0x00);
	/* Nothing in service, so a lower priority is taken at once. */
	pulse(6);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 6);
	/* Through the cascade both chips end their cycle. */
	pulse(9);
	assert_int_equal(pic_inta(&pic), SBASE + 1);
	assert_int_equal(isr(0x20), 0x00);
	assert_int_equal(isr(0xA0), 0x00);
	/* Rotate in automatic EOI mode: the acknowledged level becomes the
	 * lowest priority. */
	out(0x20, 0x80);
	pulse(1);
	assert_int_equal(pic_inta(&pic), MBASE + 1);
	pulse(0); pulse(1); pulse(3);
	assert_int_equal(pic_inta(&pic), MBASE + 3);    /* 2..7, 0, 1 */
	assert_int_equal(pic_inta(&pic), MBASE + 0);    /* 4..7, 0..3 */
	assert_int_equal(pic_inta(&pic), MBASE + 1);
	out(0x20, 0x00);                                /* rotation off */
	pulse(0); pulse(1);
	assert_int_equal(pic_inta(&pic), MBASE + 0);    /* 2..7, 0, 1 */
	pulse(0);
	assert_int_equal(pic_inta(&pic), MBASE + 0);    /* still */
	assert_int_equal(pic_inta(&pic), MBASE + 1);
}

static void test_rotation(void **state)
{
	init_pair(0x01);
	/* Set priority: IR4 lowest, so IR5 highest. */
	out(0x20, 0xC4);
	pulse(3); pulse(5);
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	/* 3 ranks below 5 in service. */
	assert_false(pic_intr(&pic));
	/* Rotate on non-specific EOI: 5 ends and becomes lowest. */
	out(0x20, 0xA0);
	assert_int_equal(isr(0x20), 0x00);
	assert_int_equal(pic.chip[0].lowest, 5);
	pulse(5); pulse(6);
	assert_int_equal(pic_inta(&pic), MBASE + 6);
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 3);      /* 7,0,1,2,3 before 5 */
	/* Rotate on specific EOI: level 3 ends, becomes lowest. */
	out(0x20, 0xE3);
	assert_int_equal(isr(0x20), 0x00);
	pulse(0);
	assert_int_equal(pic_inta(&pic), MBASE + 5);    /* 4, 5, .., 0 */
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 0);
	out(0x20, 0x20);
	/* Back to IR7 lowest. */
	out(0x20, 0xC7);
	pulse(7); pulse(0);
	assert_int_equal(pic_inta(&pic), MBASE + 0);
}

static void test_poll(void **state)
{
	init_pair(0x01);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x00);       /* nothing requested */
	assert_int_equal(in(0x20), 0x00);       /* poll was one read only */
	pulse(6);
	pulse(4);
	out(0x20, 0x0C);
	assert_int_equal(in(0x21), 0x84);       /* either port */
	assert_int_equal(isr(0x20), 0x10);      /* acknowledged */
	assert_int_equal(irr(0x20), 0x40);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x00);       /* 6 is below 4 in service */
	out(0x20, 0x20);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x86);
	out(0x20, 0x20);
	/* Polling the master for a slave request gives IR2; the slave is then
	 * polled for its level. */
	pulse(11);
	out(0x20, 0x0C);
	assert_int_equal(in(0x20), 0x82);
	out(0xA0, 0x0C);
	assert_int_equal(in(0xA0), 0x83);
	assert_int_equal(isr(0xA0), 0x08);
}

static void test_special_mask_mode(void **state)
{
	init_pair(0x01);
	pulse(3);
	assert_int_equal(pic_inta(&pic), MBASE + 3);
	out(0x21, 0x08);
	pulse(5);
	assert_false(pic_intr(&pic));
	out(0x20, 0x68);                        /* ESMM + SMM */
	assert_true(pic.chip[0].smm);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), MBASE + 5);
	out(0x20, 0x65);                        /* specific EOI 5 */
	out(0x20, 0x48);                        /* ESMM, SMM off */
	assert_false(pic.chip[0].smm);
	pulse(5);
	assert_false(pic_intr(&pic));           /* 3 blocks again */
	out(0x20, 0x28);                        /* SMM without ESMM: ignored */
	assert_false(pic.chip[0].smm);
}

static void test_cascade(void **state)
{
	init_pair(0x01);
	pulse(10);
	assert_int_equal(irr(0xA0), 0x04);
	assert_int_equal(irr(0x20), 0x04);      /* slave INT on master IR2 */
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), SBASE + 2);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xA0), 0x04);
	assert_int_equal(irr(0x20), 0x00);
	/* A higher slave level is blocked by the master's IR2 in service
	 * (not the special fully nested mode). */
	pulse(9);
	assert_false(pic_intr(&pic));
	/* A master level above IR2 still gets through. */
	pulse(1);
	assert_int_equal(pic_inta(&pic), MBASE + 1);
	out(0x20, 0x20);
	/* EOI to the slave, then to the master, as Linux does. */
	out(0xA0, 0x20);
	assert_int_equal(isr(0xA0), 0x00);
	assert_false(pic_intr(&pic));
	out(0x20, 0x20);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), SBASE + 1);
	out(0xA0, 0x20);
	out(0x20, 0x20);
	/* Masking IR2 on the master masks the whole slave; the slave's own
	 * IMR masks its level. */
	out(0x21, 0x04);
	pulse(15);
	assert_false(pic_intr(&pic));
	out(0x21, 0x00);
	assert_int_equal(pic_inta(&pic), SBASE + 7);
	assert_int_equal(isr(0xA0), 0x80);      /* a real IRQ 15 */
	out(0xA0, 0x20);
	out(0x20, 0x20);
	out(0xA1, 0x01);
	pulse(8);
	assert_false(pic_intr(&pic));
	out(0xA1, 0x00);
	assert_int_equal(pic_inta(&pic), SBASE + 0);
}

static void test_spurious(void **state)
{
	init_pair(0x01);
	/* No request at all. */
	assert_int_equal(pic_inta(&pic), MBASE + 7);
	assert_int_equal(isr(0x20), 0x00);
	/* Masked between INTR and INTA. */
	pulse(4);
	assert_true(pic_intr(&pic));
	out(0x21, 0x10);
	assert_int_equal(pic_inta(&pic), MBASE + 7);
	assert_int_equal(isr(0x20), 0x00);
	out(0x21, 0x00);
	assert_int_equal(pic_inta(&pic), MBASE + 4);
	out(0x20, 0x20);
	/* Spurious IRQ 15: the slave's level request goes away after the
	 * master latched IR2. The master's ISR bit 2 is set and needs an EOI;
	 * the slave's is not. */
	out(0x4D1, 0x08);                       /* IRQ 11 level */
	pic_set_irq(&pic, 11, 1);
	assert_true(pic_intr(&pic));
	pic_set_irq(&pic, 11, 0);
	assert_true(pic_intr(&pic));            /* edge latched on IR2 */
	assert_int_equal(pic_inta(&pic), SBASE + 7);
	assert_int_equal(isr(0x20), 0x04);
	assert_int_equal(isr(0xA0), 0x00);
	out(0x20, 0x20);
	assert_false(pic_intr(&pic));
}

/* ICW4.SFNM on the master: a higher-priority request of a slave whose
 * level is in service reaches the CPU. */
static void test_special_fully_nested(void **state)
{
	init_pair(0x01);
	out(0x20, 0x11); out(0x21, MBASE); out(0x21, 0x04); out(0x21, 0x11);
	pulse(12);
	assert_int_equal(pic_inta(&pic), SBASE + 4);
	pulse(9);
	assert_true(pic_intr(&pic));
	assert_int_equal(pic_inta(&pic), SBASE + 1);
	assert_int_equal(isr(0xA0), 0x12);
	/* Lower master levels stay blocked by IR2 in service. */
	pulse(5);
	out(0xA0, 0x20);
	out(0xA0, 0x20);
	assert_false(pic_intr(&pic));
	out(0x20, 0x20);
	assert_int_equal(pic_inta(&pic), MBASE + 5);
}

static void test_cascade_mismatch_and_bad_lines(void **state)
{
	init_pair(0x01);
	/* Slave ID 3 does not answer the master's cascade code 2. */
	out(0xA0, 0x11); out(0xA1, SBASE); out(0xA1, 0x03); out(0xA1, 0x01);
	pulse(9);
	assert_int_equal(pic_inta(&pic), 0xFF);
	assert_int_equal(isr(0xA0), 0x00);
	/* A master ICW3 that names IR5 as a slave input: nothing answers. */
	out(0x20, 0x11); out(0x21, MBASE); out(0x21, 0x24); out(0x21, 0x01);
	pulse(5);
	assert_int_equal(pic_inta(&pic), 0xFF);
	/* ISA IRQ 2 and lines above 15 do not exist. */
	init_pair(0x01);
	pic_set_irq(&pic, 2, 1);
	pic_set_irq(&pic, 16, 1);
	pic_set_irq(&pic, 0xFFFFFFFF, 1);
	assert_false(pic_intr(&pic));
	assert_int_equal(irr(0x20), 0x00);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_linux_probe),
		cmocka_unit_test(test_init_sequence),
		cmocka_unit_test(test_icw1_resets),
		cmocka_unit_test(test_irr_isr_reads),
		cmocka_unit_test(test_edge_latch),
		cmocka_unit_test(test_level_elcr),
		cmocka_unit_test(test_priority_nesting),
		cmocka_unit_test(test_specific_eoi),
		cmocka_unit_test(test_auto_eoi),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_poll),
		cmocka_unit_test(test_special_mask_mode),
		cmocka_unit_test(test_cascade),
		cmocka_unit_test(test_spurious),
		cmocka_unit_test(test_special_fully_nested),
		cmocka_unit_test(test_cascade_mismatch_and_bad_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
