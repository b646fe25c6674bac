/*
 * A virtual 16550 UART, transmit only and polled (hv/dev/uart16550.h).
 * Register semantics from the PC16550D data sheet, section 8 "Registers":
 * with LCR.DLAB set, offsets 0 and 1 are the divisor latch (DLL, DLM).
 */
#include "hv/dev/uart16550.h"

void uart16550_flush(struct uart16550 *u)
{
	if (!u->len)
		return;
	u->line[u->len] = 0;
	u->len = 0;
	u->line_out(u, u->line);
}

static void uart_tx(struct uart16550 *u, uint8_t c)
{
	if (c == '\n') {
		uart16550_flush(u);
		return;
	}
	if (c == '\r')
		return;
	u->line[u->len++] = (char)c;
	if (u->len == sizeof(u->line) - 1)
		uart16550_flush(u);
}

void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case UART_RBR_THR:
		if (dlab)
			u->dll = val;
		else
			uart_tx(u, val);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val;
		break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: u->mcr = val; break;
	case UART_SCR: u->scr = val; break;
	default: break;            /* FCR; LSR and MSR are read-only */
	}
}

uint8_t uart16550_read(struct uart16550 *u, unsigned off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case UART_RBR_THR: return dlab ? u->dll : 0;   /* nothing received */
	case UART_IER:     return dlab ? u->dlm : u->ier;
	case UART_IIR_FCR: return UART_IIR_NONE;
	case UART_LCR:     return u->lcr;
	case UART_MCR:     return u->mcr;
	case UART_LSR:     return UART_LSR_THRE | UART_LSR_TEMT;
	case UART_MSR:     return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	default:           return u->scr;
	}
}
