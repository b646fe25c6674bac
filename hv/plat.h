/*
 * The emulated PC around the guest (docs/platform.md "Devices"): per VM,
 * the 8259A pair, the 8254, the MC146818A RTC, the I/O APIC (its MMIO in
 * a later step), COM1 (vm->com1), the keyboard controller's reset line,
 * the reset control register 0xCF9, port 0x92, the POST port and an empty
 * PCI configuration space. The device models are the pure ones of
 * hv/dev/; this layer wires them: the IRQ sink, the port table
 * (hv/plat_io.c), the deadlines of the timers and their advance.
 *
 *   device ──irq_sink──> plat_irq_set(gsi) ──> PIC input gsi (< 16)
 *                                          └─> I/O APIC pin gsi
 *   PIC INTR / LAPIC ──> hv/intc.c ──> injection (hv/exit_event.c)
 *
 * Time is the host TSC; every timer model converts it at its own rate.
 */
#ifndef EPTLAB_PLAT_H
#define EPTLAB_PLAT_H

#include "include/types.h"
#include "hv/dev/irq.h"
#include "hv/dev/pic8259.h"
#include "hv/dev/pit8254.h"
#include "hv/dev/rtc_cmos.h"
#include "hv/dev/ioapic.h"
#include "hv/dev/acpi_pm.h"

struct vm;
struct vcpu;

/* The default RTC epoch (rtc=fixed): 2026-01-01 00:00:00 UTC, so that a
 * run under Bochs, deterministic otherwise, reads the same date each time. */
#define PLAT_RTC_EPOCH_FIXED 1767225600ULL

/* Port 0x92 (PS/2 system control port A). */
#define PLAT_P92_RESET   BIT(0)     /* 0 -> 1: fast reset */
#define PLAT_P92_A20     BIT(1)     /* fast A20 gate (read back only) */

struct plat_kbd {                   /* hv/plat_misc.c: the 8042's ports */
	uint8_t ccb;                    /* controller command byte */
	uint8_t out;                    /* output buffer (port 0x60) */
	bool obf;                       /* output buffer full */
	uint8_t pending_cmd;            /* command waiting for its data byte */
	uint8_t outport;                /* 8042 output port (bit 0: reset) */
	bool last_cmd;                  /* the last write was to port 0x64 */
};

struct plat {
	struct vm *vm;
	struct vcpu *bsp;               /* the vCPU its interrupts go to */
	uint64_t hz;                    /* the TSC rate the timers run on */
	uint64_t rtc_epoch;             /* seconds since 1970 at the start */
	struct pic8259 pic;
	struct pit8254 pit;
	struct rtc_cmos rtc;
	struct ioapic ioapic;
	struct irq_sink sink;           /* ISA IRQ n -> PIC n, I/O APIC pin n */
	struct plat_kbd kbd;
	struct acpi_pm pm;              /* PM1a at 0x600 (the FADT's) */
	uint8_t p92;                    /* port 0x92 as last written */
	uint8_t rcr;                    /* reset control register 0xCF9 */
	uint32_t pci_addr;              /* CONFIG_ADDRESS (dword 0xCF8) */
	const char *reset_why;          /* the guest asked for a reset */
	uint64_t last_deadline;         /* the timer event last fired (bench) */
};

/* Power-on state, at boot and on every guest (re)load: every device reset,
 * the timers started at now (host TSC), COM1's IRQ 4 on the sink. */
void plat_init(struct plat *pl, struct vm *vm, struct vcpu *bsp,
	       uint64_t hz, uint64_t rtc_epoch, uint64_t now);

/* The IRQ sink's set(): ISA IRQ gsi to PIC input gsi and I/O APIC pin
 * gsi; the vCPU re-evaluates its events at the end of this exit. */
void plat_irq_set(void *ctx, unsigned gsi, bool level);

/* The earliest deadline of the PIT, the RTC and the vCPU's LAPIC timer
 * (host TSC), or DEV_NO_DEADLINE; and their advance to now (each fires
 * what is due: IRQ lines through the sink), which returns the earliest
 * deadline after it. */
uint64_t plat_next_deadline(struct plat *pl);
uint64_t plat_advance(struct plat *pl, uint64_t now);

/* ---- hv/plat_io.c: the port-I/O dispatch table. */

/* One guest IN or OUT of size 1, 2 or 4 at port (handle_io, which has
 * refused string I/O and taken the exit port 0xF4 before). A read
 * returns the value (bytes of absent ports read 0xFF), a write returns
 * 0; the first PLAT_IO_UNKNOWN_REPORTS unknown ports are logged. A reset
 * request is left in plat->reset_why for the caller. */
#define PLAT_IO_UNKNOWN_REPORTS 8
uint32_t plat_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
		 uint32_t val);

/* ---- hv/plat_misc.c: the small ports (keyboard controller, 0x92,
 * 0xCF9, PCI configuration, POST). Byte handlers; plat_io splits wider
 * accesses, except CONFIG_ADDRESS, which is a dword register. */
uint8_t plat_kbd_read(struct plat *pl, uint16_t port);
void plat_kbd_write(struct plat *pl, uint16_t port, uint8_t v);
uint8_t plat_p92_read(struct plat *pl);
void plat_p92_write(struct plat *pl, uint8_t v);
uint8_t plat_rcr_read(struct plat *pl);
void plat_rcr_write(struct plat *pl, uint8_t v);
uint32_t plat_pci_read(struct plat *pl, uint16_t port, unsigned size);
void plat_pci_write(struct plat *pl, uint16_t port, unsigned size,
		    uint32_t val);
void plat_kbd_reset(struct plat_kbd *k);

/* ---- hv/plat_host_rtc.c: rtc=host, the host RTC's time in seconds since
 * 1970 (read once at boot). */
uint64_t plat_host_rtc_epoch(void);

#endif
