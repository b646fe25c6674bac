/*
 * The PC/AT pair of 8259A interrupt controllers (hv/dev/pic8259.h).
 *
 * Follows the Intel 8259A/8259A-2 Programmable Interrupt Controller
 * datasheet: "Interrupt Sequence", "Initialization Command Words"
 * (ICW1-ICW4), "Operation Command Words" (OCW1-OCW3), "Fully Nested Mode",
 * "End of Interrupt", "Automatic Rotation", "Specific Rotation", "Special
 * Mask Mode", "Poll Command", "Reading the 8259A Status", "Edge and Level
 * Triggered Modes", "Special Fully Nested Mode" and "Cascade Mode"; the
 * ELCR from the Intel 82371 PIIX datasheet ("ELCR1/ELCR2 - Edge/Level
 * Control Registers").
 *
 * Emulated: the ICW1-ICW4 sequence (single or cascade, ICW4 optional),
 * IMR read-back, IRR/ISR reads selected by OCW3, the poll command,
 * non-specific and specific EOI, automatic EOI, rotation (on EOI, in
 * automatic-EOI mode, set priority), special mask mode, special fully
 * nested mode, edge and level inputs per ELCR, the slave on master input 2
 * (its ID checked against the master's cascade code), spurious IRQ 7 and
 * IRQ 15 when no request is left at INTA.
 *
 * Not emulated: 8080/8085 mode (ICW4.uPM = 0; the vector is always
 * ICW2[7:3] + IR), ICW1.LTIM (ignored, the ELCR governs triggering as on
 * PIIX and later chipsets), buffered mode (ICW4.BUF, M/S; the pair is
 * always master + slave as wired on the board), the ADI call interval.
 *
 * Differences from the silicon, on purpose:
 * - An edge-triggered input keeps its IRR bit until INTA even when the line
 *   falls first. The device models pulse a line (set 1 then 0) to signal an
 *   edge; a real 8259A needs the IR high until the first INTA pulse.
 *   Spurious IRQ 7/15 still happens when a level input falls, when the
 *   request is masked, or when it is outranked again before INTA.
 * - ICW1 also clears the ISR, as the Bochs and QEMU models do (the
 *   datasheet leaves it unspecified).
 */
#include "hv/dev/pic8259.h"

#define ICW1_IC4        BIT(0)  /* ICW4 needed */
#define ICW1_SNGL       BIT(1)  /* single, no ICW3 */
#define ICW1_SEL        BIT(4)  /* with A0 = 0: this is ICW1 */
#define ICW4_AEOI       BIT(1)
#define ICW4_SFNM       BIT(4)
#define ICW2_BASE       0xF8    /* T7-T3 */
#define OCW3_SEL        BIT(3)  /* D4:D3 = 01: OCW3, 00: OCW2 */
#define OCW3_RIS        BIT(0)  /* read ISR (with RR) */
#define OCW3_RR         BIT(1)  /* read register command */
#define OCW3_P          BIT(2)  /* poll */
#define OCW3_SMM        BIT(5)  /* special mask mode (with ESMM) */
#define OCW3_ESMM       BIT(6)
#define POLL_INT        BIT(7)  /* poll byte: a request is present */

/* OCW2 bits 7:5 (R, SL, EOI). */
enum {
	OCW2_ROT_AEOI_CLEAR = 0, OCW2_EOI = 1, OCW2_NOP = 2,
	OCW2_SPECIFIC_EOI = 3, OCW2_ROT_AEOI_SET = 4, OCW2_ROT_EOI = 5,
	OCW2_SET_PRIORITY = 6, OCW2_ROT_SPECIFIC_EOI = 7,
};

/* Inputs the PIIX ELCR can make level-triggered: not IRQ 0, 1, 2, 8, 13. */
#define ELCR_MASK_MASTER 0xF8
#define ELCR_MASK_SLAVE  0xDE

/* Priority rank of input ir, 0 = highest. IR(lowest) ranks 7, so without
 * rotation (lowest = 7) IR0 has the highest priority ("Fully Nested
 * Mode"); rotation only moves `lowest`. */
static unsigned chip_rank(const struct pic8259_chip *c, unsigned ir)
{
	return (ir - c->lowest - 1) & 7;
}

/* The highest-priority input set in mask, or -1: mask rotated right so
 * that IR(lowest + 1), rank 0, is bit 0; the lowest set bit is then the
 * best rank (the event tail asks twice per chip, so no loop over 8). */
static int chip_highest(const struct pic8259_chip *c, uint8_t mask)
{
	unsigned s = (c->lowest + 1) & 7;
	unsigned r = ((mask >> s) | (mask << (8 - s))) & 0xFF;

	if (!r)
		return -1;
	return (int)((__builtin_ctz(r) + s) & 7);
}

/* The input the chip presents on its INT output: the highest-priority
 * unmasked request that outranks every input in service. In special mask
 * mode a masked in-service level does not block. In special fully nested
 * mode the master lets a cascade input in service be requested again (a
 * higher-priority request from the same slave). */
static int chip_pending(const struct pic8259_chip *c, bool master)
{
	int req = chip_highest(c, c->irr & ~c->imr);
	uint8_t blocking = c->smm ? c->isr & ~c->imr : c->isr;
	int cur = chip_highest(c, blocking);

	if (req < 0 || cur < 0)
		return req;
	if (chip_rank(c, req) < chip_rank(c, cur))
		return req;
	if (req == cur && master && c->sfnm && (c->icw3 & BIT(req)))
		return req;
	return -1;
}

static void chip_set_input(struct pic8259_chip *c, unsigned ir, bool level)
{
	uint8_t b = BIT(ir);

	if (c->elcr & b)
		c->irr = level ? c->irr | b : c->irr & ~b;
	else if (level && !(c->line & b))
		c->irr |= b;            /* rising edge: latched until INTA */
	c->line = level ? c->line | b : c->line & ~b;
}

/* INTA (or poll) for input ir: set ISR unless automatic EOI, and consume
 * an edge. A level input's IRR follows its line, which is still high. */
static void chip_ack(struct pic8259_chip *c, unsigned ir)
{
	if (!c->aeoi)
		c->isr |= BIT(ir);
	else if (c->rotate_aeoi)
		c->lowest = ir;
	if (!(c->elcr & BIT(ir)))
		c->irr &= ~BIT(ir);
}

/* The slave's INT output is the level on master input 2. */
static void pic_update(struct pic8259 *p)
{
	chip_set_input(&p->chip[0], PIC_CASCADE_IRQ,
		       chip_pending(&p->chip[1], false) >= 0);
}

void pic_init(struct pic8259 *p)
{
	*p = (struct pic8259){ 0 };
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i].imr = 0xFF;
		p->chip[i].lowest = 7;
		p->chip[i].step = PIC_READY;
	}
	p->chip[0].elcr_mask = ELCR_MASK_MASTER;
	p->chip[1].elcr_mask = ELCR_MASK_SLAVE;
	/* The cascade as a PC BIOS programs it, with BIOS vector bases. */
	p->chip[0].base = 0x08;
	p->chip[1].base = 0x70;
	p->chip[0].icw3 = BIT(PIC_CASCADE_IRQ);
	p->chip[1].icw3 = PIC_CASCADE_IRQ;
}

void pic_set_irq(struct pic8259 *p, unsigned irq, bool level)
{
	if (irq > 15 || irq == PIC_CASCADE_IRQ)
		return;
	chip_set_input(&p->chip[irq >> 3], irq & 7, level);
	pic_update(p);
}

bool pic_intr(const struct pic8259 *p)
{
	return chip_pending(&p->chip[0], true) >= 0;
}

int pic_inta(struct pic8259 *p)
{
	struct pic8259_chip *m = &p->chip[0], *s = &p->chip[1];
	int ir = chip_pending(m, true), sir, vec;

	if (ir < 0)
		return (uint8_t)(m->base + 7);          /* spurious IRQ 7 */
	chip_ack(m, ir);
	if (m->single || !(m->icw3 & BIT(ir))) {
		vec = (uint8_t)(m->base + ir);
	} else if (ir != PIC_CASCADE_IRQ || s->single || s->icw3 != ir) {
		vec = 0xFF;     /* cascade code matches no slave: bus floats */
	} else if ((sir = chip_pending(s, false)) < 0) {
		vec = (uint8_t)(s->base + 7);           /* spurious IRQ 15 */
	} else {
		chip_ack(s, sir);
		vec = (uint8_t)(s->base + sir);
	}
	pic_update(p);
	return vec;
}

/* "Poll Command": the read is an INTA for this chip alone. */
static uint8_t chip_poll(struct pic8259_chip *c, bool master)
{
	int ir = chip_pending(c, master);

	c->poll = false;
	if (ir < 0)
		return 0;
	chip_ack(c, ir);
	return POLL_INT | ir;
}

uint8_t pic_io_read(struct pic8259 *p, uint16_t port)
{
	struct pic8259_chip *c;
	uint8_t v;

	switch (port) {
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		return p->chip[port - PIC_ELCR_MASTER].elcr;
	case PIC_MASTER_CMD: case PIC_MASTER_DATA:
	case PIC_SLAVE_CMD: case PIC_SLAVE_DATA:
		break;
	default:
		return 0xFF;
	}
	c = &p->chip[port >= PIC_SLAVE_CMD];
	if (c->poll) {
		v = chip_poll(c, c == &p->chip[0]);
		pic_update(p);
		return v;
	}
	if (port & 1)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

/* ICW1: start the sequence. "Initialization Command Words": the edge-sense
 * latches and the IMR are cleared, IR7 gets the lowest priority, the slave
 * address becomes 7, special mask mode is cleared, status read is IRR and,
 * without IC4, every ICW4 function is zero. */
static void chip_icw1(struct pic8259_chip *c, bool master, uint8_t v)
{
	c->step = PIC_ICW2;
	c->icw4 = v & ICW1_IC4;
	c->single = v & ICW1_SNGL;
	c->irr = c->line & c->elcr;
	c->isr = 0;
	c->imr = 0;
	c->lowest = 7;
	c->icw3 = master ? 0 : 7;
	c->smm = c->read_isr = c->poll = false;
	c->aeoi = c->sfnm = c->rotate_aeoi = false;
}

static void chip_ocw2(struct pic8259_chip *c, uint8_t v)
{
	unsigned l = v & 7;
	int ir;

	switch (v >> 5) {
	case OCW2_EOI:
	case OCW2_ROT_EOI:
		ir = chip_highest(c, c->isr);
		if (ir < 0)
			break;
		c->isr &= ~BIT(ir);
		if (v >> 5 == OCW2_ROT_EOI)
			c->lowest = ir;
		break;
	case OCW2_SPECIFIC_EOI:
		c->isr &= ~BIT(l);
		break;
	case OCW2_ROT_SPECIFIC_EOI:
		c->isr &= ~BIT(l);
		c->lowest = l;
		break;
	case OCW2_SET_PRIORITY:
		c->lowest = l;
		break;
	case OCW2_ROT_AEOI_SET:
		c->rotate_aeoi = true;
		break;
	case OCW2_ROT_AEOI_CLEAR:
		c->rotate_aeoi = false;
		break;
	case OCW2_NOP:
		break;
	}
}

static void chip_ocw3(struct pic8259_chip *c, uint8_t v)
{
	if (v & OCW3_P)
		c->poll = true;
	if (v & OCW3_RR)
		c->read_isr = v & OCW3_RIS;
	if (v & OCW3_ESMM)
		c->smm = v & OCW3_SMM;
}

/* Odd port: the next ICW of the sequence, else OCW1 (the IMR). */
static void chip_data(struct pic8259_chip *c, bool master, uint8_t v)
{
	switch (c->step) {
	case PIC_ICW2:
		c->base = v & ICW2_BASE;
		c->step = !c->single ? PIC_ICW3 : c->icw4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW3:
		c->icw3 = master ? v : v & 7;
		c->step = c->icw4 ? PIC_ICW4 : PIC_READY;
		break;
	case PIC_ICW4:
		c->aeoi = v & ICW4_AEOI;
		c->sfnm = v & ICW4_SFNM;
		c->step = PIC_READY;
		break;
	case PIC_READY:
		c->imr = v;
		break;
	}
}

void pic_io_write(struct pic8259 *p, uint16_t port, uint8_t v)
{
	struct pic8259_chip *c;
	bool master;

	switch (port) {
	case PIC_ELCR_MASTER:
	case PIC_ELCR_SLAVE:
		c = &p->chip[port - PIC_ELCR_MASTER];
		c->elcr = v & c->elcr_mask;
		c->irr = (c->irr & ~c->elcr) | (c->line & c->elcr);
		break;
	case PIC_MASTER_CMD: case PIC_MASTER_DATA:
	case PIC_SLAVE_CMD: case PIC_SLAVE_DATA:
		master = port < PIC_SLAVE_CMD;
		c = &p->chip[!master];
		if (port & 1)
			chip_data(c, master, v);
		else if (v & ICW1_SEL)
			chip_icw1(c, master, v);
		else if (v & OCW3_SEL)
			chip_ocw3(c, v);
		else
			chip_ocw2(c, v);
		break;
	default:
		return;
	}
	pic_update(p);
}
