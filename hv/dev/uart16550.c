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
		else if (!(u->mcr & UART_MCR_LOOP))  /* looped back: not sent */
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

/* Modem status: carrier, data set ready and clear to send, as a cable to
 * a ready terminal; in loopback mode (MCR bit 4) the four modem-control
 * outputs instead, as the data sheet wires them: RTS to CTS, DTR to DSR,
 * OUT1 to RI, OUT2 to DCD. Kernels probe the UART this way (Linux's and
 * Xen's 8250/16550 drivers expect MSR[7:4] = 1001b for MCR = 0x1A). */
static uint8_t uart_msr(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return ((m & UART_MCR_RTS) ? UART_MSR_CTS : 0) |
	       ((m & UART_MCR_DTR) ? UART_MSR_DSR : 0) |
	       ((m & UART_MCR_OUT1) ? UART_MSR_RI : 0) |
	       ((m & UART_MCR_OUT2) ? UART_MSR_DCD : 0);
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
	case UART_MSR:     return uart_msr(u);
	default:           return u->scr;
	}
}
