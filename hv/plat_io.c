/*
 * The port-I/O dispatch table of the emulated PC (docs/platform.md
 * "Devices"): port ranges to the device that owns them. handle_io
 * (hv/exit_io.c) decodes the exit and calls plat_io; the devices are byte
 * registers, so a wider access is split into its bytes, lowest port first
 * (what the ISA bus does), except PCI's dword CONFIG_ADDRESS at 0xCF8.
 *
 * A port no device owns reads as all ones (nothing drives the bus) and
 * ignores writes; the first PLAT_IO_UNKNOWN_REPORTS are logged.
 */
#include "hv/plat.h"
#include "hv/vm.h"
#include "hv/vcpu.h"
#include "hv/exit.h"
#include "hv/dev/uart16550.h"
#include "hv/loader/pc_acpi.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"

enum plat_dev {
	DEV_NONE, DEV_PIC, DEV_PIT, DEV_PORT_B, DEV_KBD, DEV_RTC, DEV_POST,
	DEV_P92, DEV_ELCR, DEV_COM1, DEV_PM, DEV_PCI,
};

struct plat_port {
	uint16_t first, last;
	enum plat_dev dev;
	const char *name;
};

/* Sorted by port. (handle_io serves COM1's byte accesses before the
 * table: the console is the busiest port by far.) */
static const struct plat_port ports[] = {
	{ 0x020, 0x021, DEV_PIC,    "8259A master" },
	{ 0x040, 0x043, DEV_PIT,    "8254 PIT" },
	{ 0x060, 0x060, DEV_KBD,    "8042 data" },
	{ 0x061, 0x061, DEV_PORT_B, "port B (PIT gate 2, OUT2)" },
	{ 0x064, 0x064, DEV_KBD,    "8042 status/command" },
	{ 0x070, 0x071, DEV_RTC,    "MC146818A RTC/CMOS" },
	{ 0x080, 0x080, DEV_POST,   "POST code" },
	{ 0x092, 0x092, DEV_P92,    "system control port A" },
	{ 0x0A0, 0x0A1, DEV_PIC,    "8259A slave" },
	{ 0x3F8, 0x3FF, DEV_COM1,   "COM1 16550A" },
	{ 0x4D0, 0x4D1, DEV_ELCR,   "ELCR" },
	{ PC_ACPI_PM1A_EVT, PC_ACPI_PM1A_EVT + ACPI_PM_PORTS - 1, DEV_PM,
	  "ACPI PM1a (FADT)" },
	{ 0xCF8, 0xCFF, DEV_PCI,    "PCI configuration" },
};

static const struct plat_port *port_find(uint16_t port)
{
	for (size_t i = 0; i < ARRAY_SIZE(ports); i++)
		if (port >= ports[i].first && port <= ports[i].last)
			return &ports[i];
	return NULL;
}

static uint8_t byte_in(struct vcpu *v, enum plat_dev dev, uint16_t port)
{
	struct plat *pl = &v->vm->plat;

	switch (dev) {
	case DEV_PIC:
	case DEV_ELCR:   return pic_io_read(&pl->pic, port);
	case DEV_PIT:
	case DEV_PORT_B: return pit_io_read(&pl->pit, port, rdtsc());
	case DEV_RTC:    return rtc_io_read(&pl->rtc, port, rdtsc());
	case DEV_KBD:    return plat_kbd_read(pl, port);
	case DEV_P92:    return plat_p92_read(pl);
	case DEV_COM1:   return uart16550_read(&v->vm->com1,
					       port - GUEST_COM1_PORT);
	case DEV_PCI:    return port == 0xCF9 ? plat_rcr_read(pl) : 0xFF;
	case DEV_PM:     return acpi_pm_read(&pl->pm, port - PC_ACPI_PM1A_EVT);
	case DEV_POST:
	case DEV_NONE:   break;
	}
	return 0xFF;
}

static void byte_out(struct vcpu *v, enum plat_dev dev, uint16_t port,
		     uint8_t b)
{
	struct plat *pl = &v->vm->plat;

	switch (dev) {
	case DEV_PIC:
	case DEV_ELCR:   pic_io_write(&pl->pic, port, b); break;
	case DEV_PIT:
	case DEV_PORT_B: pit_io_write(&pl->pit, port, b, rdtsc()); break;
	case DEV_RTC:    rtc_io_write(&pl->rtc, port, b, rdtsc()); break;
	case DEV_KBD:    plat_kbd_write(pl, port, b); break;
	case DEV_P92:    plat_p92_write(pl, b); break;
	case DEV_COM1:   uart16550_write(&v->vm->com1, port - GUEST_COM1_PORT,
					 b);
			 return;     /* IRQ 4 changes come through the sink */
	case DEV_PM:     acpi_pm_write(&pl->pm, port - PC_ACPI_PM1A_EVT, b);
			 return;
	case DEV_PCI:    if (port == 0xCF9)
				 plat_rcr_write(pl, b);
			 break;
	case DEV_POST:
	case DEV_NONE:   return;
	}
	/* The PIC's INTR, a timer's deadline or a line may have changed. */
	exit_event_kick();
}

static void unknown(uint16_t port, unsigned size, bool in)
{
	static unsigned reports;

	if (reports >= PLAT_IO_UNKNOWN_REPORTS)
		return;
	reports++;
	printf("io: guest %s port 0x%x (size %u) not emulated: %s\n",
	       in ? "read from" : "write to", port, size,
	       in ? "reads as all-ones" : "ignored");
}

uint32_t plat_io(struct vcpu *v, uint16_t port, unsigned size, bool in,
		 uint32_t val)
{
	const struct plat_port *p = port_find(port);
	uint32_t r = 0;

	if (!p) {
		unknown(port, size, in);
		return 0xFFFFFFFF;
	}
	/* CONFIG_ADDRESS is a dword register, CONFIG_DATA takes every
	 * size, 0xCF9 is the reset control register as a byte; the other
	 * accesses to 0xCF8-0xCFB (mechanism #2's registers, which kernels
	 * probe) reach nothing, quietly. */
	if (p->dev == DEV_PCI && !(port == 0xCF9 && size == 1)) {
		if (port < 0xCFC && !(port == 0xCF8 && size == 4))
			return 0xFFFFFFFF;
		if (in)
			return plat_pci_read(&v->vm->plat, port, size);
		plat_pci_write(&v->vm->plat, port, size, val);
		return 0;
	}
	for (unsigned i = 0; i < size; i++) {
		uint16_t pb = (uint16_t)(port + i);
		const struct plat_port *q = port_find(pb);
		enum plat_dev d = q ? q->dev : DEV_NONE;

		if (in)
			r |= (uint32_t)byte_in(v, d, pb) << (8 * i);
		else
			byte_out(v, d, pb, (uint8_t)(val >> (8 * i)));
	}
	return r;
}
