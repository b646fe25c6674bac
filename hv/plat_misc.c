/*
 * The PC's small ports (hv/plat.h, docs/platform.md "Devices"):
 *
 *   0x60, 0x64  the 8042 keyboard controller without a keyboard or mouse
 *               (IBM PC/AT Technical Reference, "Keyboard Controller";
 *               the commands kernels use to probe it and to reset the PC)
 *   0x92        system control port A: fast A20 (read back) and fast reset
 *   0xCF9       reset control register (Intel PIIX/ICH datasheets, "RST_CNT
 *               -- Reset Control Register"): bit 2 RST_CPU resets, bit 1
 *               SYS_RST chooses a hard reset; a byte register, distinct
 *               from the dword CONFIG_ADDRESS at 0xCF8
 *   0xCF8, 0xCFC-0xCFF  PCI configuration mechanism #1 (PCI Local Bus
 *               Specification 3.0, "Configuration Mechanism #1"): the
 *               address reads back, data reads all ones: no device
 *
 * A reset request only records why (plat->reset_why); the port handler's
 * caller ends the run or restarts the guest (hv/exit_io.c).
 */
#include "hv/plat.h"

/* 8042 status (port 0x64 read) and commands (port 0x64 write). */
#define KBD_ST_OBF       BIT(0)     /* output buffer full */
#define KBD_ST_SYS       BIT(2)     /* system flag: self-test passed */
#define KBD_ST_CMD       BIT(3)     /* last write was to port 0x64 */
#define KBD_ST_UNLOCKED  BIT(4)     /* keyboard not inhibited */
#define KBD_CCB_DEFAULT  0x45       /* kbd IRQ, SYS, translate (XT scan) */
#define KBD_OUT_RESET    BIT(0)     /* output port: 0 holds the CPU reset */
#define KBD_OUT_A20      BIT(1)

enum {
	KBD_READ_CCB = 0x20, KBD_WRITE_CCB = 0x60, KBD_AUX_OFF = 0xA7,
	KBD_AUX_ON = 0xA8, KBD_SELF_TEST = 0xAA, KBD_IFACE_TEST = 0xAB,
	KBD_KBD_OFF = 0xAD, KBD_KBD_ON = 0xAE, KBD_READ_OUT = 0xD0,
	KBD_WRITE_OUT = 0xD1, KBD_PULSE_FIRST = 0xF0,
};

void plat_kbd_reset(struct plat_kbd *k)
{
	*k = (struct plat_kbd){ .ccb = KBD_CCB_DEFAULT,
				.outport = KBD_OUT_RESET | KBD_OUT_A20 };
}

static void kbd_answer(struct plat_kbd *k, uint8_t v)
{
	k->out = v;
	k->obf = true;
}

uint8_t plat_kbd_read(struct plat *pl, uint16_t port)
{
	struct plat_kbd *k = &pl->kbd;

	if (port == 0x64)       /* the input buffer is always empty */
		return (k->obf ? KBD_ST_OBF : 0) | KBD_ST_SYS |
		       (k->last_cmd ? KBD_ST_CMD : 0) |
		       KBD_ST_UNLOCKED;
	k->obf = false;
	return k->out;
}

/* Bit 0 of the 8042's output port drives the CPU's reset line: low is a
 * reset (the PC/AT's "system reset"). */
static void kbd_outport(struct plat *pl, uint8_t v)
{
	pl->kbd.outport = v | KBD_OUT_RESET;
	if (!(v & KBD_OUT_RESET))
		pl->reset_why = "keyboard controller output port bit 0 low";
}

static void kbd_command(struct plat *pl, uint8_t c)
{
	struct plat_kbd *k = &pl->kbd;

	switch (c) {
	case KBD_READ_CCB:   kbd_answer(k, k->ccb); break;
	case KBD_WRITE_CCB:
	case KBD_WRITE_OUT:  k->pending_cmd = c; break;
	case KBD_AUX_OFF:    k->ccb |= BIT(5); break;
	case KBD_AUX_ON:     k->ccb &= (uint8_t)~BIT(5); break;
	case KBD_SELF_TEST:  kbd_answer(k, 0x55); break;
	case KBD_IFACE_TEST: kbd_answer(k, 0x00); break;
	case KBD_KBD_OFF:    k->ccb |= BIT(4); break;
	case KBD_KBD_ON:     k->ccb &= (uint8_t)~BIT(4); break;
	case KBD_READ_OUT:   kbd_answer(k, k->outport); break;
	default:
		/* 0xF0-0xFF pulse the output port's low bits whose command
		 * bit is 0: 0xFE pulses bit 0, the reset line. */
		if (c >= KBD_PULSE_FIRST && !(c & 1))
			pl->reset_why = "keyboard controller command 0xFE "
					"(pulse reset)";
		break;
	}
}

void plat_kbd_write(struct plat *pl, uint16_t port, uint8_t v)
{
	struct plat_kbd *k = &pl->kbd;

	k->last_cmd = port == 0x64;
	if (port == 0x64) {
		k->pending_cmd = 0;
		kbd_command(pl, v);
		return;
	}
	switch (k->pending_cmd) {
	case KBD_WRITE_CCB:
		k->ccb = v;
		break;
	case KBD_WRITE_OUT:
		kbd_outport(pl, v);
		break;
	default:
		break;          /* to the keyboard: none is attached */
	}
	k->pending_cmd = 0;
}

uint8_t plat_p92_read(struct plat *pl)
{
	return pl->p92 & (PLAT_P92_A20);
}

void plat_p92_write(struct plat *pl, uint8_t v)
{
	if (!(pl->p92 & PLAT_P92_RESET) && (v & PLAT_P92_RESET))
		pl->reset_why = "port 0x92 bit 0 (fast reset)";
	pl->p92 = v;
}

uint8_t plat_rcr_read(struct plat *pl)
{
	return pl->rcr;
}

void plat_rcr_write(struct plat *pl, uint8_t v)
{
	pl->rcr = v & 0x0E;
	if (v & BIT(2))
		pl->reset_why = v & BIT(1) ?
			"reset control register 0xCF9 (hard reset)" :
			"reset control register 0xCF9 (soft reset)";
}

/* CONFIG_ADDRESS: enable bit 31, bus 23:16, device 15:11, function 10:8,
 * register 7:2; bits 30:24 and 1:0 read 0. */
#define PCI_ADDR_MASK    0x80FFFFFCu

uint32_t plat_pci_read(struct plat *pl, uint16_t port, unsigned size)
{
	if (port == 0xCF8 && size == 4)
		return pl->pci_addr;
	return 0xFFFFFFFF;      /* no device answers */
}

void plat_pci_write(struct plat *pl, uint16_t port, unsigned size,
		    uint32_t val)
{
	if (port == 0xCF8 && size == 4)
		pl->pci_addr = val & PCI_ADDR_MASK;
}
