/*
 * A virtual 16550A UART (hv/dev/uart16550.c), register model after the
 * National Semiconductor (now TI) PC16550D data sheet, "PC16550D Universal
 * Asynchronous Receiver/Transmitter with FIFOs", section 8 "Registers"
 * (8.4 FCR, 8.5 LCR, 8.6 IIR, 8.7 IER, 8.8 MCR, 8.9 LSR, 8.10 MSR).
 *
 * Transmit: every byte written to THR leaves at once (there is no baud
 * clock), so LSR always reads THRE | TEMT; the bytes are gathered into
 * lines for the owner's line callback. Receive: bytes come from
 * uart16550_rx_push (no input source is wired yet) into the receive FIFO
 * (16 bytes with FCR.0, else one holding register).
 *
 * Interrupts, in the data sheet's priority order (IIR bits 3:1):
 *   line status (OE)       IER.ELSI    cleared by reading LSR
 *   received data          IER.ERBFI   FIFO at its trigger level (or any
 *                                      byte without FIFOs); cleared when
 *                                      RBR reads it below the level
 *   character timeout      IER.ERBFI   FIFO holds data below the trigger
 *                                      level: reported at once (no clock
 *                                      for the 4-character timeout)
 *   THR empty              IER.ETBEI   raised when ETBEI is set while THR
 *                                      is empty and after each THR write
 *                                      (the byte leaves at once); cleared
 *                                      by the IIR read that reports it or
 *                                      by a THR write
 *   modem status           IER.EDSSI   an MSR delta bit; cleared by
 *                                      reading MSR
 * IIR bits 7:6 read 11 while FCR enables the FIFOs. The interrupt line
 * (COM1: ISA IRQ 4, a level line) is driven through struct irq_sink as
 * (interrupt pending && MCR.OUT2 && !MCR.LOOP): on a PC, OUT2 gates the
 * UART's INTRPT pin onto the bus, and loopback disconnects OUT2.
 * Loopback (MCR.4): THR bytes go to the receive FIFO instead of the line,
 * and MSR reads CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2. Otherwise MSR
 * reads a connected terminal: DCD | DSR | CTS.
 */
#ifndef EPTLAB_UART16550_H
#define EPTLAB_UART16550_H

#include "include/types.h"
#include "hv/dev/irq.h"

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

#define UART_COM1_IRQ  4

#define UART_IER_ERBFI BIT(0)                 /* received data available */
#define UART_IER_ETBEI BIT(1)                 /* THR empty */
#define UART_IER_ELSI  BIT(2)                 /* receiver line status */
#define UART_IER_EDSSI BIT(3)                 /* modem status */
#define UART_IER_MASK  0x0F

#define UART_IIR_NONE  BIT(0)                 /* no interrupt pending */
#define UART_IIR_MSR   0x00
#define UART_IIR_THRE  0x02
#define UART_IIR_RDA   0x04
#define UART_IIR_RLS   0x06
#define UART_IIR_CTI   0x0C                   /* character timeout */
#define UART_IIR_FIFO  0xC0                   /* FIFOs enabled */

#define UART_FCR_ENABLE   BIT(0)
#define UART_FCR_CLEAR_RX BIT(1)
#define UART_FCR_CLEAR_TX BIT(2)
#define UART_FCR_TRIGGER(v) (((v) >> 6) & 3)  /* 1, 4, 8, 14 bytes */

#define UART_LCR_DLAB  BIT(7)
#define UART_MCR_DTR   BIT(0)
#define UART_MCR_RTS   BIT(1)
#define UART_MCR_OUT1  BIT(2)
#define UART_MCR_OUT2  BIT(3)
#define UART_MCR_LOOP  BIT(4)
#define UART_MCR_MASK  0x1F
#define UART_LSR_DR    BIT(0)                 /* data ready */
#define UART_LSR_OE    BIT(1)                 /* overrun error */
#define UART_LSR_THRE  BIT(5)                 /* THR empty */
#define UART_LSR_TEMT  BIT(6)                 /* transmitter empty */
#define UART_MSR_DCTS  BIT(0)
#define UART_MSR_DDSR  BIT(1)
#define UART_MSR_TERI  BIT(2)
#define UART_MSR_DDCD  BIT(3)
#define UART_MSR_CTS   BIT(4)
#define UART_MSR_DSR   BIT(5)
#define UART_MSR_RI    BIT(6)
#define UART_MSR_DCD   BIT(7)

#define UART_FIFO_SIZE 16
/* The longest console line passed on whole; a longer one is cut into
 * pieces of UART_LINE_MAX - 1. Linux's /proc/cpuinfo flags line, which
 * the Linux tests read, runs to about 900 characters. */
#define UART_LINE_MAX  1024

struct uart16550 {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	uint8_t fcr;                  /* enable and trigger bits as written */
	uint8_t lsr_err;              /* LSR.OE until LSR is read */
	uint8_t msr_delta;            /* MSR bits 3:0 until MSR is read */
	bool thr_ipending;            /* THR-empty interrupt pending */
	bool irq_level;               /* what the line was last driven to */
	uint8_t rx[UART_FIFO_SIZE];   /* receive FIFO (ring) */
	unsigned rx_head, rx_count;
	size_t len;
	char line[UART_LINE_MAX];
	/* Called with each complete line (without '\n'), and with a partial
	 * one on uart16550_flush. */
	void (*line_out)(struct uart16550 *u, const char *line);
	struct irq_sink irq;          /* set NULL: the line goes nowhere */
	unsigned gsi;                 /* the ISA IRQ it drives */
};

/* Reset state (data sheet "Table IV. UART Reset Configuration"): IER,
 * IIR = 1, FCR, LCR, MCR, LSR = THRE | TEMT, MSR deltas clear; the line
 * low. line_out is required; irq may have a NULL set (no line). */
void uart16550_init(struct uart16550 *u,
		    void (*line_out)(struct uart16550 *u, const char *line),
		    struct irq_sink irq, unsigned gsi);
/* A guest IN from / OUT to register off (0..7) of the UART. */
uint8_t uart16550_read(struct uart16550 *u, unsigned off);
void uart16550_write(struct uart16550 *u, unsigned off, uint8_t val);
/* A byte arrives on the receive line (the future console input). Returns
 * false if it was lost: the FIFO (or holding register) was full, which
 * sets LSR.OE. */
bool uart16550_rx_push(struct uart16550 *u, uint8_t c);
/* The pending interrupt's IIR value without the FIFO bits (1: none). */
uint8_t uart16550_iir(const struct uart16550 *u);
/* Hand on the partial line, if any (before the hypervisor prints). */
void uart16550_flush(struct uart16550 *u);

#endif
