/*
 * COM1 console, a 16550 UART, polled; shared by the hypervisor and the
 * guest kernel. Programmed before use (8N1, divisor 1 = 115200 baud) and
 * drained (LSR.TEMT) before a run ends, or the last bytes are lost.
 */
#include "lib/console.h"
#include "include/x86.h"

#define UART_THR   0    /* transmit holding (DLAB = 0) */
#define UART_DLL   0    /* divisor low (DLAB = 1) */
#define UART_IER   1
#define UART_DLM   1
#define UART_FCR   2
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5

#define LCR_8N1    0x03
#define LCR_DLAB   0x80
#define FCR_ENABLE_CLEAR 0x07   /* FIFOs on, both cleared */
#define MCR_DTR_RTS 0x03        /* OUT2 off: no interrupts */
#define LSR_THRE   BIT(5)       /* holding register empty */
#define LSR_TEMT   BIT(6)       /* transmitter completely empty */

/* Bounded waits: a missing UART must not hang the machine. */
#define UART_SPIN  1000000

static void uart_wait(uint8_t bit)
{
	for (unsigned i = 0; i < UART_SPIN; i++) {
		if (inb(COM1_PORT + UART_LSR) & bit)
			return;
		pause();
	}
}

void con_init(void)
{
	outb(COM1_PORT + UART_IER, 0);
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DLL, 1);
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_FCR, FCR_ENABLE_CLEAR);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS);
}

static void uart_put(char c)
{
	uart_wait(LSR_THRE);
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

void con_putc(char c)
{
	if (c == '\n')
		uart_put('\r');
	uart_put(c);
}

void con_drain(void)
{
	uart_wait(LSR_TEMT);
}
