/*
 * The PC's 8254 interval timer and port 0x61 (hv/dev/pit8254.h).
 *
 * Follows the Intel 8254 Programmable Interval Timer datasheet: "Control
 * Word Register", "Write Operations", "Read Operations" (simple read,
 * Counter Latch Command, Read-Back Command, status byte), "Mode
 * Definitions" (modes 0-5) and "Operation Common to All Modes" (gate,
 * count loading, null count). Port 0x61 as in the PC/AT technical
 * reference (system control port B).
 *
 * Emulated: three counters in modes 0-5 (6, 7 = 2, 3), binary and BCD,
 * LSB/MSB/LSB-then-MSB access, the counter latch and read-back commands
 * (count, status with OUT and null count), gates (counters 0 and 1 tied
 * high, counter 2 from port 0x61 bit 0: a level in modes 0/2/3/4, a
 * trigger in 1/2/3/5), new counts loaded when each mode says (at once in
 * 0 and 4, at the cycle end in 2 and 3, on the next trigger in 1 and 5),
 * OUT 2 in port 0x61 bit 5, and counter 0's OUT on IRQ 0.
 *
 * Not emulated: the speaker (port 0x61 bit 1 is stored), counter 1's DRAM
 * refresh (its OUT goes nowhere; port 0x61 bit 4 toggles every 18 PIT
 * clocks, 15.1 us, like a BIOS-programmed counter 1), parity and IOCHK
 * (bits 6, 7 read 0). A count of 1 in modes 2 and 3 (illegal) counts as
 * 2; invalid BCD digits weigh their binary value; read and write byte
 * toggles are separate (as in QEMU).
 *
 * Time: PIT clock c at host TSC t is floor((t - base) * PIT_HZ / hz). A
 * counter's state is the count n of its cycle and the clocks counted so
 * far, done + (clk - seg) while running; OUT, the counting element and
 * the next event follow from that in O(1), so a guest that did not run
 * for hours costs nothing and gets one coalesced IRQ 0 edge.
 */
#include "hv/dev/pit8254.h"
#include "hv/dev/dev_time.h"

#define CW_SC(v)        ((v) >> 6)              /* counter select */
#define CW_RW(v)        (((v) >> 4) & 3)        /* 0 = latch command */
#define CW_BITS         0x3F                    /* RW, M, BCD */
#define SC_READBACK     3
#define RB_NO_COUNT     BIT(5)                  /* read-back: /COUNT */
#define RB_NO_STATUS    BIT(4)                  /* read-back: /STATUS */
#define RB_CNT(i)       BIT(1 + (i))
#define ST_OUT          BIT(7)                  /* status: OUT pin */
#define ST_NULL         BIT(6)                  /* status: null count */
#define RW_LSB          1
#define RW_MSB          2
#define RW_LOHI         3
#define REFRESH_CLOCKS  18

static unsigned ch_mode(const struct pit_channel *ch)
{
	unsigned m = (ch->ctrl >> 1) & 7;

	return m > 5 ? m - 4 : m;
}

#define ch_rw(ch)       CW_RW((ch)->ctrl)
#define ch_bcd(ch)      ((ch)->ctrl & 1)
#define ch_modulus(ch)  (ch_bcd(ch) ? 10000u : 65536u)

/* The count the CR stands for: 0 is the maximum (2^16, or 10^4 in BCD). */
static uint32_t ch_cr_count(const struct pit_channel *ch)
{
	uint32_t v = ch->cr, n;

	if (ch_bcd(ch))
		v = (v >> 12) * 1000 + ((v >> 8) & 15) * 100 +
		    ((v >> 4) & 15) * 10 + (v & 15);
	n = v % ch_modulus(ch) ? v % ch_modulus(ch) : ch_modulus(ch);
	if (n < 2 && (ch_mode(ch) == 2 || ch_mode(ch) == 3))
		n = 2;
	return n;
}

/* Clocks counted by clock clk in the current cycle. */
static uint64_t ch_consumed(const struct pit_channel *ch, uint64_t clk)
{
	return ch->done + (ch->running && clk > ch->seg ? clk - ch->seg : 0);
}

/* Load CR into the counting element: counting starts with the next
 * clock ("Operation Common to All Modes"). */
static void ch_reload(struct pit_channel *ch, uint64_t clk, bool run)
{
	ch->n = ch_cr_count(ch);
	ch->cr_fresh = false;
	ch->pending = false;
	ch->done = 0;
	ch->seg = clk + 1;
	ch->running = run;
}

static bool ch_out(const struct pit_channel *ch, uint64_t clk)
{
	uint64_t c = ch_consumed(ch, clk);
	uint32_t n = ch->n;

	if (!ch->loaded)
		return ch_mode(ch) != 0;        /* after the control word */
	switch (ch_mode(ch)) {
	case 0:                 /* interrupt on terminal count */
		return c >= n;
	case 1:                 /* hardware retriggerable one-shot */
		return !ch->running || c >= n;
	case 2:                 /* rate generator: low for one clock */
		return !ch->running || c % n != n - 1;
	case 3:                 /* square wave: high for ceil(n/2) */
		return !ch->running || c % n < (n + 1) / 2;
	default:                /* 4, 5: strobe, low for one clock */
		return c != n;
	}
}

/* The counting element as a binary value (up to 65536 = 0 on the bus). */
static uint32_t ch_count(const struct pit_channel *ch, uint64_t clk)
{
	uint64_t c = ch_consumed(ch, clk);
	uint32_t n = ch->n, m = ch_modulus(ch), odd = n & 1, j;

	if (!ch->loaded)
		return ch->cr;
	switch (ch_mode(ch)) {
	case 2:
		return n - c % n;
	case 3:         /* by two; odd n: -1 then -2 high, -3 then -2 low */
		j = c % n;
		if (j < (n + 1) / 2)
			return !j ? n : n + odd - 2 * j;
		j -= (n + 1) / 2;
		return !j ? n : n - odd - 2 * j;
	default:
		return (n + m - (uint32_t)(c % m)) % m;
	}
}

static uint16_t to_bcd(uint32_t v)
{
	return (v / 1000 % 10) << 12 | (v / 100 % 10) << 8 |
	       (v / 10 % 10) << 4 | v % 10;
}

/* The value a read or latch returns: the count as 16 bits, BCD encoded
 * in BCD mode. */
static uint16_t ch_read_value(const struct pit_channel *ch, uint64_t clk)
{
	uint32_t v = ch_count(ch, clk) % ch_modulus(ch);

	if (!ch->loaded)
		return ch->cr;
	return ch_bcd(ch) ? to_bcd(v) : (uint16_t)v;
}

static bool ch_null(const struct pit_channel *ch, uint64_t clk)
{
	return !ch->loaded || ch->cr_fresh || clk < ch->seg;
}

/* The smallest count of clocks above c at which OUT rises, or
 * UINT64_MAX: at n in modes 0 and 1, every n in 2 and 3, n + 1 (end of
 * the strobe) in 4 and 5. */
static uint64_t ch_rise_after(const struct pit_channel *ch, uint64_t c)
{
	uint64_t n = ch->n, v;

	if (!ch->loaded || !ch->running)
		return UINT64_MAX;
	v = ch_mode(ch) == 2 || ch_mode(ch) == 3 ? (c / n + 1) * n :
	    ch_mode(ch) < 2 ? n : n + 1;
	return v > c ? v : UINT64_MAX;
}

/* PIT clock of the next rising edge of OUT after clock clk, or
 * UINT64_MAX. */
static uint64_t ch_next_edge(const struct pit_channel *ch, uint64_t clk)
{
	uint64_t c = ch_consumed(ch, clk), v = ch_rise_after(ch, c);

	if (ch->pending && ch->running)
		return ch->pending_at;
	return v == UINT64_MAX ? v : MAX(ch->seg, clk) + (v - c);
}

static uint64_t pit_clock(const struct pit8254 *p, uint64_t now)
{
	uint64_t c = now > p->base ? dev_muldiv(now - p->base, PIT_HZ, p->hz)
				   : 0;

	return MAX(c, p->clk);
}

/* Drive IRQ 0 from counter 0's OUT: a pulse for a rising edge that
 * happened since the last call (even if OUT is low again), then OUT's
 * level. */
static void pit_drive(struct pit8254 *p, bool edge)
{
	bool level = ch_out(&p->ch[0], p->clk);

	if (!p->sink.set)
		return;
	if (edge) {
		if (p->irq_level)
			p->sink.set(p->sink.ctx, PIT_IRQ, false);
		p->sink.set(p->sink.ctx, PIT_IRQ, true);
		p->irq_level = true;
	}
	if (level != p->irq_level) {
		p->sink.set(p->sink.ctx, PIT_IRQ, level);
		p->irq_level = level;
	}
}

void pit_advance(struct pit8254 *p, uint64_t now)
{
	uint64_t clk = pit_clock(p, now), from = p->clk;
	bool edge = false;

	/* Modes 2, 3: a CR written during a cycle loads at the cycle's end,
	 * which is a rising edge. */
	for (unsigned i = 0; i < 3; i++) {
		struct pit_channel *ch = &p->ch[i];

		if (!ch->pending || clk < ch->pending_at)
			continue;
		if (i == 0) {
			edge = true;
			from = ch->pending_at;
		}
		ch_reload(ch, ch->pending_at - 1, true);
	}
	/* Any rising edge of OUT 0 in (from, clk]? */
	edge |= ch_rise_after(&p->ch[0], ch_consumed(&p->ch[0], from)) <=
		ch_consumed(&p->ch[0], clk);
	p->clk = clk;
	pit_drive(p, edge);
}

uint64_t pit_next_deadline(const struct pit8254 *p)
{
	uint64_t c = ch_next_edge(&p->ch[0], p->clk);

	if (c == UINT64_MAX)
		return DEV_NO_DEADLINE;
	return dev_add_sat(p->base, dev_muldiv_ceil(c, p->hz, PIT_HZ));
}

void pit_init(struct pit8254 *p, uint64_t hz, const struct irq_sink *s,
	      uint64_t now)
{
	*p = (struct pit8254){ 0 };
	p->hz = dev_hz_clamp(hz);
	p->base = now;
	if (s)
		p->sink = *s;
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].ctrl = RW_LOHI << 4;
		p->ch[i].gate = i != 2;
	}
}

static void ch_latch_count(struct pit_channel *ch, uint64_t clk)
{
	if (ch->latch_bytes)
		return;         /* "latched until read": later latches ignored */
	ch->latch = ch_read_value(ch, clk);
	ch->latch_bytes = ch_rw(ch) == RW_LOHI ? 2 : 1;
}

static void pit_control(struct pit8254 *p, uint8_t v, uint64_t clk)
{
	struct pit_channel *ch;

	if (CW_SC(v) == SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			ch = &p->ch[i];
			if (!(v & RB_CNT(i)))
				continue;
			if (!(v & RB_NO_COUNT))
				ch_latch_count(ch, clk);
			if (!(v & RB_NO_STATUS) && !ch->status_latched) {
				ch->status = (ch_out(ch, clk) ? ST_OUT : 0) |
					     (ch_null(ch, clk) ? ST_NULL : 0) |
					     ch->ctrl;
				ch->status_latched = true;
			}
		}
		return;
	}
	ch = &p->ch[CW_SC(v)];
	if (!CW_RW(v)) {
		ch_latch_count(ch, clk);
		return;
	}
	/* A control word resets the counter's logic; OUT goes to the mode's
	 * initial state and counting waits for a count. */
	*ch = (struct pit_channel){ .ctrl = v & CW_BITS, .gate = ch->gate,
				    .cr_fresh = true };
}

/* A complete count was written to CR. */
static void ch_write_count(struct pit_channel *ch, uint16_t cr, uint64_t clk)
{
	uint64_t c;

	ch->cr = cr;
	ch->cr_fresh = true;
	switch (ch_mode(ch)) {
	case 0:
	case 4:
		ch->loaded = true;
		ch_reload(ch, clk, ch->gate);
		break;
	case 1:
	case 5:                 /* loads on the next trigger */
		if (!ch->loaded)
			ch->n = ch_cr_count(ch);
		ch->loaded = true;
		break;
	default:                /* 2, 3 */
		if (!ch->loaded || !ch->running) {
			ch->loaded = true;
			ch_reload(ch, clk, ch->gate);
			break;
		}
		c = ch_consumed(ch, clk);
		ch->pending = true;
		ch->pending_at = MAX(ch->seg, clk) + ((c / ch->n + 1) *
						     ch->n - c);
		break;
	}
}

static void ch_write(struct pit_channel *ch, uint8_t v, uint64_t clk)
{
	if (ch_rw(ch) == RW_LOHI && !ch->wr_msb) {
		ch->wr_lsb = v;
		ch->wr_msb = true;
		if (ch_mode(ch) == 0)   /* the first byte stops counting */
			ch->loaded = false;
		return;
	}
	ch->wr_msb = false;
	ch_write_count(ch, ch_rw(ch) == RW_LSB ? v : ch_rw(ch) == RW_MSB ?
		       (uint16_t)v << 8 : ch->wr_lsb | (uint16_t)v << 8, clk);
}

static uint8_t ch_read(struct pit_channel *ch, uint64_t clk)
{
	uint16_t v;
	bool msb;

	if (ch->status_latched) {
		ch->status_latched = false;
		return ch->status;
	}
	if (ch->latch_bytes) {
		msb = ch_rw(ch) == RW_MSB ||
		      (ch_rw(ch) == RW_LOHI && ch->latch_bytes == 1);
		ch->latch_bytes--;
		return msb ? ch->latch >> 8 : ch->latch & 0xFF;
	}
	v = ch_read_value(ch, clk);
	msb = ch_rw(ch) == RW_MSB;
	if (ch_rw(ch) == RW_LOHI) {
		msb = ch->rd_msb;
		ch->rd_msb = !ch->rd_msb;
	}
	return msb ? v >> 8 : v & 0xFF;
}

/* Gate input ("Gate" in "Operation Common to All Modes"): a level in
 * modes 0 and 4, a trigger (rising edge) in 1 and 5, both in 2 and 3. */
static void ch_set_gate(struct pit_channel *ch, bool g, uint64_t clk)
{
	unsigned m = ch_mode(ch);
	bool was = ch->gate;

	ch->gate = g;
	if (g == was || !ch->loaded)
		return;
	if (g && m != 0 && m != 4) {            /* trigger: reload */
		ch_reload(ch, clk, true);
	} else if (!g && m != 1 && m != 5) {    /* stop counting */
		ch->done = ch_consumed(ch, clk);
		ch->running = false;
		ch->pending = false;
	} else if (g) {                         /* modes 0, 4: resume */
		ch->seg = MAX(ch->seg, clk);
		ch->running = true;
	}
}

uint8_t pit_io_read(struct pit8254 *p, uint16_t port, uint64_t now)
{
	pit_advance(p, now);
	switch (port) {
	case PIT_PORT_CH0 ... PIT_PORT_CH2:
		return ch_read(&p->ch[port - PIT_PORT_CH0], p->clk);
	case PIT_PORT_CTRL_B:
		return p->port61 |
		       ((p->clk / REFRESH_CLOCKS) & 1 ? PIT_B_REFRESH : 0) |
		       (ch_out(&p->ch[2], p->clk) ? PIT_B_OUT2 : 0);
	default:                /* 0x43 is write only */
		return 0xFF;
	}
}

void pit_io_write(struct pit8254 *p, uint16_t port, uint8_t v, uint64_t now)
{
	pit_advance(p, now);
	switch (port) {
	case PIT_PORT_CH0 ... PIT_PORT_CH2:
		ch_write(&p->ch[port - PIT_PORT_CH0], v, p->clk);
		break;
	case PIT_PORT_CMD:
		pit_control(p, v, p->clk);
		break;
	case PIT_PORT_CTRL_B:
		p->port61 = v & PIT_B_WRITABLE;
		ch_set_gate(&p->ch[2], v & PIT_B_GATE2, p->clk);
		break;
	default:
		return;
	}
	pit_drive(p, false);
}
