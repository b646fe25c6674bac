/*
 * I/O APIC scenarios (docs/guest.md): the 82093AA at 0xFEC00000 with the
 * 8259A pair masked, ISA IRQ n on pin n (docs/platform.md).
 *
 *   ioapic.edge    the PIT's IRQ 0 on pin 0, edge-triggered, at 1 kHz:
 *                  the count over 20 ms within 10%; masking the entry
 *                  stops it
 *   ioapic.level   the RTC's IRQ 8 on pin 8, level-triggered: remote IRR
 *                  is set while the handler runs and cleared by the local
 *                  APIC's EOI (the EOI broadcast); the line held high
 *                  (register C not read) is delivered again after each
 *                  EOI, once per EOI
 *
 * Intel 82093AA datasheet "Register Description" (IOREGSEL, IOWIN,
 * IOREDTBL); SDM Vol. 3A "EOI Register".
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/x86.h"

#define IOAPIC_PA    0xFEC00000ULL
#define APIC_PA      0xFEE00000ULL
#define RTE(n)       (0x10 + 2 * (n))
#define RTE_MASKED   (1u << 16)
#define RTE_LEVEL    (1u << 15)
#define RTE_RIRR     (1u << 14)
#define V_EDGE       0x70
#define V_LEVEL      0x71

static volatile uint32_t *io, *lapic;

static uint32_t io_rd(unsigned reg)
{
	io[0] = reg;
	return io[4];
}

static void io_wr(unsigned reg, uint32_t v)
{
	io[0] = reg;
	io[4] = v;
}

static void eoi_hook(struct isr_frame *f)
{
	lapic[0xB0 / 4] = 0;
}

static bool io_begin(const char *name, struct hc_counters *c0)
{
	if (!irq_scen_begin(name, c0))
		return false;
	if (!io) {
		int rc = scen_map4k(SCEN_SLOT(44), IOAPIC_PA);
		if (!rc)
			rc = scen_map4k(SCEN_SLOT(45), APIC_PA);
		if (rc) {
			report(false, name, "mapping the APIC pages: %d", rc);
			irq_scen_end();
			return false;
		}
		io = (volatile uint32_t *)(uintptr_t)SCEN_SLOT(44);
		lapic = (volatile uint32_t *)(uintptr_t)SCEN_SLOT(45);
	}
	return true;
}

static void edge(void)
{
	const char *name = "ioapic.edge";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_EDGE], all0, n, masked, held, t0, t1, exp;

	if (!io_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(V_EDGE, eoi_hook);
	io_wr(RTE(0) + 1, 0);                   /* destination APIC 0 */
	io_wr(RTE(0), V_EDGE);                  /* fixed, edge, unmasked */
	pit_periodic(1000);
	t0 = rdtsc();
	sti();
	tsc_spin(tsc_ms(20));
	cli();
	t1 = rdtsc();
	io_wr(RTE(0), RTE_MASKED | V_EDGE);
	n = irq_count[V_EDGE] - n0;
	/* An edge the local APIC accepted before the mask (IRR) is still
	 * delivered; none after it. */
	held = (lapic[(0x200 + 0x10 * (V_EDGE / 32)) / 4] >> (V_EDGE % 32)) & 1;
	sti();
	tsc_spin(tsc_ms(3));
	cli();
	masked = irq_count[V_EDGE] - n0 - n - held;
	n += held;
	irq_scen_end();
	exp = (t1 - t0) * PIT_CLOCK_HZ / 1193 / guest_tsc_hz();
	if (n * 10 < exp * 9 || n * 10 > exp * 11 || masked ||
	    irq_total() - all0 != n) {
		report(false, name, "%llu interrupts on pin 0 (want %llu +- "
		       "10%%), %llu after masking (want 0), %llu in all",
		       (unsigned long long)n, (unsigned long long)exp,
		       (unsigned long long)masked,
		       (unsigned long long)(irq_total() - all0));
		return;
	}
	/* Edge-triggered: no EOI-induced exit either way. */
	if (!apic_exits_expect(name, "PIT on pin 0", &c0, APIC_ANY, APIC_ANY,
			       0))
		return;
	if (irq_scen_expect(name, "PIT on pin 0", &c0, &want,
			    apic_injected(n)))
		report(true, name, NULL);
}

static volatile uint32_t lv_rte_in;
static volatile unsigned lv_left;
static volatile uint8_t lv_b;

/* The level handler: remote IRR seen, then the EOI; the line stays high
 * (register C unread) until the last of lv_left deliveries, which turns
 * the periodic interrupt off and reads C. */
static void level_hook(struct isr_frame *f)
{
	lv_rte_in &= io_rd(RTE(8));
	if (--lv_left == 0) {
		rtc_write(0x0B, lv_b);
		(void)rtc_read(0x0C);             /* the line goes low */
	}
	lapic[0xB0 / 4] = 0;
}

static void level(void)
{
	const char *name = "ioapic.level";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_LEVEL], n, all0;
	uint32_t after;
	uint8_t b;

	lv_rte_in = ~0u;
	lv_left = 3;
	lv_b = 0;
	if (!io_begin(name, &c0))
		return;
	all0 = irq_total();
	(void)rtc_read(0x0C);
	b = lv_b = rtc_read(0x0B);
	io_wr(RTE(8) + 1, 0);
	io_wr(RTE(8), RTE_MASKED | RTE_LEVEL | V_LEVEL);
	rtc_write(0x0B, b | 0x40);                 /* PIE: IRQ 8 rises */
	tsc_spin(tsc_ms(2));
	irq_set_hook(V_LEVEL, level_hook);
	io_wr(RTE(8), RTE_LEVEL | V_LEVEL);     /* unmasked, line high */
	sti();
	tsc_spin(tsc_ms(2));
	cli();
	n = irq_count[V_LEVEL] - n0;
	after = io_rd(RTE(8));
	io_wr(RTE(8), RTE_MASKED | V_LEVEL);
	rtc_write(0x0B, b);
	(void)rtc_read(0x0C);
	irq_scen_end();
	if (n != 3 || lv_left || !(lv_rte_in & RTE_RIRR) || (after & RTE_RIRR) ||
	    irq_total() - all0 != 3) {
		report(false, name, "%llu deliveries (want 3: one per EOI while "
		       "the line was high), remote IRR %s in the handler (want "
		       "set), %s after the last EOI (want clear)",
		       (unsigned long long)n,
		       (lv_rte_in & RTE_RIRR) ? "set" : "clear",
		       (after & RTE_RIRR) ? "set" : "clear");
		return;
	}
	/* apicv=on: each EOI of the level vector is an EOI-induced exit
	 * (its bit in the EOI-exit bitmap), which reaches the I/O APIC. */
	if (!apic_exits_expect(name, "RTC on pin 8", &c0, APIC_ANY, APIC_ANY,
			       scen_apicv() ? 3 : 0))
		return;
	if (irq_scen_expect(name, "RTC on pin 8", &c0, &want,
			    apic_injected(3)))
		report(true, name, NULL);
}

void scen_ioapic_run(void)
{
	edge();
	level();
}
