/*
 * A virtual 16550 UART (hv/dev/uart16550.c), register model after the
 * National Semiconductor (now TI) PC16550D data sheet, "PC16550D Universal
 * Asynchronous Receiver/Transmitter with FIFOs", section 8 "Registers".
 *
 * Transmit only, polled: every byte written to THR leaves at once, so LSR
 * always reads THRE | TEMT; nothing is ever received; no interrupt is ever
 * pending (IIR = 1). The bytes are gathered into lines and handed to the
 * owner's line callback. Scratch, line control, modem control, interrupt
 * enable and the divisor latch hold what the guest writes.
 */
#ifndef EPTLAB_UART16550_H
#define EPTLAB_UART16550_H

#include "include/types.h"

/* Register offsets from the base port (DLAB = LCR bit 7). */
#define UART_RBR_THR   0   /* receive buffer / transmit holding; DLL */
#define UART_IER       1   /* interrupt enable; DLM */
#define UART_IIR_FCR   2   /* interrupt identification / FIFO control */
#define UART_LCR       3   /* line control */
#define UART_MCR       4   /* modem control */
#define UART_LSR       5   /* line status */
#define UART_MSR       6   /* modem status */
#define UART_SCR       7   /* scratch */
#define UART_NREGS     8

#define UART_LCR_DLAB  BIT(7)
#define UART_IIR_NONE  BIT(0)                 /* no interrupt pending */
#define UART_LSR_THRE  BIT(5)                 /* THR empty */
#define UART_LSR_TEMT  BIT(6)                 /* transmitter empty */
#define UART_MCR_DTR   BIT(0)
#define UART_MCR_RTS   BIT(1)
#define UART_MCR_OUT1  BIT(2)
#define UART_MCR_OUT2  BIT(3)
#define UART_MCR_LOOP  BIT(4)                 /* local loopback */
#define UART_MSR_CTS   BIT(4)
#define UART_MSR_DSR   BIT(5)
#define UART_MSR_RI    BIT(6)
#define UART_MSR_DCD   BIT(7)

#define UART_LINE_MAX  160

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	size_t len;
	char line[UART_LINE_MAX];
	/* Called with each complete line (without '\n'), and with a partial
	 * one on uart16550_flush. */
	void (*line_out)(struct uart16550 *u, const char *line);
};

/* A guest IN from / OUT to register off (0..7) of the UART. */
uint8_t uart16550_read(struct uart16550 *u, unsigned off);
void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val);
/* Hand on the partial line, if any (before the hypervisor prints). */
void uart16550_flush(struct uart16550 *u);

#endif
