/*
 * A virtual 16550A UART (hv/dev/uart16550.h has the model). Register
 * semantics from the PC16550D data sheet, section 8 "Registers": with
 * LCR.DLAB set, offsets 0 and 1 are the divisor latch (DLL, DLM).
 */
#include "hv/dev/uart16550.h"

static const uint8_t rx_trigger[4] = { 1, 4, 8, 14 };   /* FCR bits 7:6 */

static bool fifo_on(const struct uart16550 *u)
{
	return u->fcr & UART_FCR_ENABLE;
}

static unsigned rx_capacity(const struct uart16550 *u)
{
	return fifo_on(u) ? UART_FIFO_SIZE : 1;
}

/* MSR bits 7:4: a connected terminal, or the MCR outputs in loopback
 * (data sheet 8.8: CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2). */
static uint8_t msr_lines(const struct uart16550 *u)
{
	uint8_t m = u->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (m & UART_MCR_RTS ? UART_MSR_CTS : 0) |
	       (m & UART_MCR_DTR ? UART_MSR_DSR : 0) |
	       (m & UART_MCR_OUT1 ? UART_MSR_RI : 0) |
	       (m & UART_MCR_OUT2 ? UART_MSR_DCD : 0);
}

uint8_t uart16550_iir(const struct uart16550 *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_err)
		return UART_IIR_RLS;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count)
		return fifo_on(u) &&
		       u->rx_count < rx_trigger[UART_FCR_TRIGGER(u->fcr)] ?
		       UART_IIR_CTI : UART_IIR_RDA;
	if ((u->ier & UART_IER_ETBEI) && u->thr_ipending)
		return UART_IIR_THRE;
	if ((u->ier & UART_IER_EDSSI) && u->msr_delta)
		return UART_IIR_MSR;
	return UART_IIR_NONE;
}

/* Drive the interrupt line after every change of state. */
static void update_irq(struct uart16550 *u)
{
	bool level = uart16550_iir(u) != UART_IIR_NONE &&
		     (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->irq.set)
		u->irq.set(u->irq.ctx, u->gsi, level);
}

void uart16550_init(struct uart16550 *u,
		    void (*line_out)(struct uart16550 *u, const char *line),
		    struct irq_sink irq, unsigned gsi)
{
	*u = (struct uart16550){ .line_out = line_out, .irq = irq,
				 .gsi = gsi };
}

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

static bool rx_put(struct uart16550 *u, uint8_t c)
{
	if (u->rx_count >= rx_capacity(u)) {
		u->lsr_err |= UART_LSR_OE;
		return false;
	}
	u->rx[(u->rx_head + u->rx_count++) % UART_FIFO_SIZE] = c;
	return true;
}

bool uart16550_rx_push(struct uart16550 *u, uint8_t c)
{
	bool ok = rx_put(u, c);

	update_irq(u);
	return ok;
}

static void set_mcr(struct uart16550 *u, uint8_t val)
{
	uint8_t before = msr_lines(u), after, changed;

	u->mcr = val & UART_MCR_MASK;
	after = msr_lines(u);
	changed = before ^ after;
	/* MSR bits 3:0 (data sheet 8.10): a change of CTS, DSR, DCD; TERI
	 * on RI's trailing edge (1 -> 0). */
	u->msr_delta |= (changed & UART_MSR_CTS ? UART_MSR_DCTS : 0) |
			(changed & UART_MSR_DSR ? UART_MSR_DDSR : 0) |
			(changed & UART_MSR_DCD ? UART_MSR_DDCD : 0) |
			((before & ~after) & UART_MSR_RI ? UART_MSR_TERI : 0);
}

static void set_fcr(struct uart16550 *u, uint8_t val)
{
	/* Changing FCR.0 resets both FIFOs (data sheet 8.4). */
	if ((val ^ u->fcr) & UART_FCR_ENABLE || (val & UART_FCR_CLEAR_RX))
		u->rx_head = u->rx_count = 0;
	u->fcr = val & (UART_FCR_ENABLE | 0xC0);
}

void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;

	switch (off) {
	case UART_RBR_THR:
		if (dlab) {
			u->dll = val;
			break;
		}
		if (u->mcr & UART_MCR_LOOP)
			rx_put(u, val);
		else
			uart_tx(u, val);
		/* The byte left at once: THR is empty again. */
		u->thr_ipending = true;
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling ETBEI with THR empty raises THRE at once. */
		if (val & ~u->ier & UART_IER_ETBEI)
			u->thr_ipending = true;
		else if (!(val & UART_IER_ETBEI))
			u->thr_ipending = false;
		u->ier = val & UART_IER_MASK;
		break;
	case UART_IIR_FCR: set_fcr(u, val); break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: set_mcr(u, val); break;
	case UART_SCR: u->scr = val; break;
	default: break;            /* LSR and MSR are read-only */
	}
	update_irq(u);
}

static uint8_t rx_pop(struct uart16550 *u)
{
	uint8_t c;

	if (!u->rx_count)
		return 0;               /* nothing received */
	c = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	u->rx_count--;
	return c;
}

uint8_t uart16550_read(struct uart16550 *u, unsigned off)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t v;

	switch (off) {
	case UART_RBR_THR:
		v = dlab ? u->dll : rx_pop(u);
		break;
	case UART_IER:
		v = dlab ? u->dlm : u->ier;
		break;
	case UART_IIR_FCR:
		v = uart16550_iir(u);
		if (v == UART_IIR_THRE)
			u->thr_ipending = false;    /* reported: cleared */
		v |= fifo_on(u) ? UART_IIR_FIFO : 0;
		break;
	case UART_LCR: v = u->lcr; break;
	case UART_MCR: v = u->mcr; break;
	case UART_LSR:
		v = (u->rx_count ? UART_LSR_DR : 0) | u->lsr_err |
		    UART_LSR_THRE | UART_LSR_TEMT;
		u->lsr_err = 0;
		break;
	case UART_MSR:
		v = msr_lines(u) | u->msr_delta;
		u->msr_delta = 0;
		break;
	default:
		v = u->scr;
		break;
	}
	update_irq(u);
	return v;
}
