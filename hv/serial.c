/* COM1 16550 UART console: 115200 8N1, FIFOs on, polled. */
#include "console.h"
#include "x86.h"

#define UART_THR   0      /* transmit holding (DLAB=0) */
#define UART_DLL   0      /* divisor low (DLAB=1) */
#define UART_IER   1
#define UART_DLM   1
#define UART_FCR   2
#define UART_LCR   3
#define UART_MCR   4
#define UART_LSR   5
#define   LSR_THRE   0x20 /* holding register empty: can write */
#define   LSR_TEMT   0x40 /* transmitter empty: everything sent */

#define LCR_8N1    0x03
#define LCR_DLAB   0x80
#define FCR_ENABLE 0xC7   /* enable, clear both FIFOs, 14-byte trigger */
#define MCR_DTR_RTS 0x03

void con_init(void)
{
	outb(COM1_PORT + UART_IER, 0);            /* polled: no interrupts */
	outb(COM1_PORT + UART_LCR, LCR_DLAB);
	outb(COM1_PORT + UART_DLL, 1);            /* 115200 / 1 */
	outb(COM1_PORT + UART_DLM, 0);
	outb(COM1_PORT + UART_LCR, LCR_8N1);
	outb(COM1_PORT + UART_FCR, FCR_ENABLE);
	outb(COM1_PORT + UART_MCR, MCR_DTR_RTS);
}

static void uart_tx(char c)
{
	while (!(inb(COM1_PORT + UART_LSR) & LSR_THRE))
		pause();
	outb(COM1_PORT + UART_THR, (uint8_t)c);
}

void con_putc(char c)
{
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
}

void con_drain(void)
{
	while (!(inb(COM1_PORT + UART_LSR) & LSR_TEMT))
		pause();
}
