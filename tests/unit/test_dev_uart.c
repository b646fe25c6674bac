/*
 * Host tests for the virtual 16550A (hv/dev/uart16550.c): the polled
 * transmit path today's guests use, and the interrupt-driven mode: IER,
 * IIR (FIFO bits, priorities, THRE cleared by the IIR read that reports
 * it), the IRQ line through struct irq_sink gated by MCR.OUT2, FCR/FIFO
 * and trigger levels, LSR overrun, MSR as a terminal and in loopback.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/uart16550.h"

static char lines[8][UART_LINE_MAX];
static unsigned nlines;
static bool line_level;
static unsigned line_changes, line_gsi;

static void rec_line(struct uart16550 *u, const char *l)
{
	if (nlines < 8)
		strcpy(lines[nlines], l);
	nlines++;
}

static void rec_irq(void *ctx, unsigned gsi, bool level)
{
	line_level = level;
	line_gsi = gsi;
	line_changes++;
}

static struct uart16550 u;

static int setup(void **state)
{
	nlines = line_changes = line_gsi = 0;
	line_level = false;
	uart16550_init(&u, rec_line, (struct irq_sink){ NULL, rec_irq },
		       UART_COM1_IRQ);
	return 0;
}

static void put(const char *s)
{
	while (*s)
		uart16550_write(&u, UART_RBR_THR, (uint8_t)*s++);
}

static void test_polled_transmit(void **state)
{
	/* What lib/serial.c does: 8N1 at divisor 1, then bytes. */
	uart16550_write(&u, UART_LCR, 0x80);
	uart16550_write(&u, UART_RBR_THR, 1);
	uart16550_write(&u, UART_IER, 0);
	uart16550_write(&u, UART_LCR, 0x03);
	assert_int_equal(uart16550_read(&u, UART_LCR), 0x03);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0x01);
	assert_int_equal(uart16550_read(&u, UART_MSR), 0xB0);
	put("hello\r\nwor");
	assert_int_equal(nlines, 1);
	assert_string_equal(lines[0], "hello");
	uart16550_flush(&u);
	assert_string_equal(lines[1], "wor");
	/* The divisor latch kept what was written. */
	uart16550_write(&u, UART_LCR, 0x83);
	assert_int_equal(uart16550_read(&u, UART_RBR_THR), 1);
	/* Nothing raised the line: IER is 0. */
	assert_int_equal(line_changes, 0);
}

static void test_thre_interrupt(void **state)
{
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_ETBEI);
	/* ETBEI set with THR empty: pending at once, the line up (IRQ 4). */
	assert_true(line_level);
	assert_int_equal(line_gsi, 4);
	assert_int_equal(uart16550_iir(&u), UART_IIR_THRE);
	/* The IIR read that reports it clears it. */
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0x02);
	assert_false(line_level);
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0x01);
	/* A THR write: the byte leaves at once, THR is empty again. */
	put("x");
	assert_true(line_level);
	/* Clearing ETBEI drops it. */
	uart16550_write(&u, UART_IER, 0);
	assert_false(line_level);
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0x01);
}

static void test_out2_gates_the_line(void **state)
{
	uart16550_write(&u, UART_IER, UART_IER_ETBEI);
	assert_int_equal(uart16550_iir(&u), UART_IIR_THRE);
	assert_false(line_level);                 /* OUT2 = 0: not on the bus */
	assert_int_equal(line_changes, 0);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR);
	assert_true(line_level);
	uart16550_write(&u, UART_MCR, UART_MCR_DTR);
	assert_false(line_level);
	assert_int_equal(line_changes, 2);
}

static void test_receive_and_fifo(void **state)
{
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_ERBFI);
	/* No FIFO: one holding register. */
	assert_true(uart16550_rx_push(&u, 'a'));
	assert_true(line_level);
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0x04);
	assert_int_equal(uart16550_read(&u, UART_LSR) & UART_LSR_DR, 1);
	assert_false(uart16550_rx_push(&u, 'b'));           /* overrun */
	assert_int_equal(uart16550_read(&u, UART_RBR_THR), 'a');
	assert_false(line_level);
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x62);  /* OE once */
	assert_int_equal(uart16550_read(&u, UART_LSR), 0x60);
	/* FIFO on, trigger 4: below it a character timeout, at it RDA. */
	uart16550_write(&u, UART_IIR_FCR, 0x47);
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0xC1);
	for (int i = 0; i < 3; i++)
		assert_true(uart16550_rx_push(&u, (uint8_t)('0' + i)));
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0xCC);
	assert_true(uart16550_rx_push(&u, '3'));
	assert_int_equal(uart16550_read(&u, UART_IIR_FCR), 0xC4);
	for (int i = 4; i < 16; i++)
		assert_true(uart16550_rx_push(&u, (uint8_t)('0' + i)));
	assert_false(uart16550_rx_push(&u, 'X'));           /* 17th: lost */
	for (int i = 0; i < 16; i++)
		assert_int_equal(uart16550_read(&u, UART_RBR_THR), '0' + i);
	assert_int_equal(uart16550_read(&u, UART_RBR_THR), 0);
	assert_false(line_level);
	/* FCR clear-RX empties it. */
	uart16550_rx_push(&u, 'y');
	uart16550_write(&u, UART_IIR_FCR, 0x43);
	assert_int_equal(uart16550_read(&u, UART_LSR) & UART_LSR_DR, 0);
}

static void test_priorities(void **state)
{
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_MASK);
	uart16550_rx_push(&u, 'a');
	uart16550_rx_push(&u, 'b');                          /* overrun */
	/* Line status first, then received data, then THRE. */
	assert_int_equal(uart16550_iir(&u), UART_IIR_RLS);
	uart16550_read(&u, UART_LSR);
	assert_int_equal(uart16550_iir(&u), UART_IIR_RDA);
	uart16550_read(&u, UART_RBR_THR);
	assert_int_equal(uart16550_iir(&u), UART_IIR_THRE);
	uart16550_read(&u, UART_IIR_FCR);
	assert_int_equal(uart16550_iir(&u), UART_IIR_NONE);
	assert_false(line_level);
}

static void test_loopback(void **state)
{
	/* Linux's 8250 probe: MCR = LOOP | OUT2 | RTS, MSR & 0xF0 = 0x90. */
	uart16550_write(&u, UART_MCR, UART_MCR_LOOP | 0x0A);
	assert_int_equal(uart16550_read(&u, UART_MSR) & 0xF0, 0x90);
	/* Bytes come back, none reach the line. */
	put("Z");
	assert_int_equal(uart16550_read(&u, UART_LSR) & UART_LSR_DR, 1);
	assert_int_equal(uart16550_read(&u, UART_RBR_THR), 'Z');
	uart16550_flush(&u);
	assert_int_equal(nlines, 0);
	/* Modem-status deltas: DTR -> DSR changed; read clears them. */
	uart16550_write(&u, UART_MCR, UART_MCR_LOOP | 0x0B);
	assert_int_equal(uart16550_read(&u, UART_MSR) & 0x0F, UART_MSR_DDSR);
	assert_int_equal(uart16550_read(&u, UART_MSR) & 0x0F, 0);
	/* Loopback keeps the IRQ off the bus even with OUT2. */
	uart16550_write(&u, UART_IER, UART_IER_ETBEI);
	assert_int_equal(uart16550_iir(&u), UART_IIR_THRE);
	assert_false(line_level);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	assert_true(line_level);
	assert_int_equal(uart16550_read(&u, UART_MSR) & 0xF0, 0xB0);
}

static void test_null_sink(void **state)
{
	uart16550_init(&u, rec_line, (struct irq_sink){ 0 }, UART_COM1_IRQ);
	uart16550_write(&u, UART_MCR, UART_MCR_OUT2);
	uart16550_write(&u, UART_IER, UART_IER_ETBEI);
	assert_true(u.irq_level);                 /* kept, sent nowhere */
	assert_int_equal(line_changes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_polled_transmit, setup),
		cmocka_unit_test_setup(test_thre_interrupt, setup),
		cmocka_unit_test_setup(test_out2_gates_the_line, setup),
		cmocka_unit_test_setup(test_receive_and_fifo, setup),
		cmocka_unit_test_setup(test_priorities, setup),
		cmocka_unit_test_setup(test_loopback, setup),
		cmocka_unit_test_setup(test_null_sink, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
