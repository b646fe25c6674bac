/*
 * Local APIC scenarios (docs/guest.md): the xAPIC at 0xFEE00000 as a
 * kernel programs it, through MMIO the hypervisor decodes (or, with
 * apicv=on, virtualizes).
 *
 *   apic.xapic-id        the ID (0) and version (0x50014) registers read,
 *                        the first thing a conformance suite does
 *   apic.timer-oneshot   one interrupt at the LVT timer's vector; the
 *                        current count falls, then stays 0
 *   apic.timer-periodic  ten interrupts, the count reloads; masking the
 *                        LVT stops them
 *   apic.timer-deadline  TSC-deadline mode (CPUID.1:ECX[24]): one
 *                        interrupt at IA32_TSC_DEADLINE, not before; the
 *                        MSR written 0 disarms
 *   apic.self-ipi        ICR fixed with the self shorthand and with the own
 *                        ID: delivered before the next instruction
 *   apic.tpr             TPR 0x50 holds vector 0x45 and lets 0x65 in; TPR
 *                        0 releases 0x45; CR8 is TPR[7:4]
 *   apic.eoi-nested      inside vector 0x50's handler a self-IPI of 0x60
 *                        nests at once, one of 0x45 waits for 0x50's EOI
 *   apic.spurious-svr    SVR's spurious vector reads back; software
 *                        disable masks the LVTs and drops fixed IPIs; no
 *                        interrupt arrives at the spurious vector
 *   apic.base-disable    IA32_APIC_BASE EN cleared then set: the APIC
 *                        comes back in its reset state (SVR 0xFF, LVTs
 *                        masked), software-disabled
 *
 * Each checks HC_COUNTERS: the interrupts injected equal the interrupts
 * counted, or are 0 under APIC virtualization (HC_IRQF_APICV: the CPU
 * delivers the APIC's interrupts from RVI itself). apic.xapic-id,
 * apic.self-ipi and apic.tpr also count the exits the APIC accesses cause:
 * every access one (the MMIO decoder) with apicv=off; with apicv=on none
 * for the ID, TPR, EOI and a self-IPI by shorthand, an APIC-write exit for
 * an ICR write by destination, an APIC-access exit for PPR. SDM revision 084, Vol. 3A "Advanced Programmable Interrupt
 * Controller (APIC)": "Local APIC Register Address Map", "APIC Timer",
 * "Issuing Interprocessor Interrupts", "Interrupt, Task, and Processor
 * Priority", "Spurious Interrupt", "Enabling or Disabling the Local APIC".
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"

#define APIC_PA        0xFEE00000ULL
#define A_ID           0x020
#define A_VER          0x030
#define A_TPR          0x080
#define A_PPR          0x0A0
#define A_EOI          0x0B0
#define A_SVR          0x0F0
#define A_ICR_LO       0x300
#define A_ICR_HI       0x310
#define A_LVT_TIMER    0x320
#define A_LVT_LINT0    0x350
#define A_LVT_LINT1    0x360
#define A_LVT_ERR      0x370
#define A_TMICT        0x380
#define A_TMCCT        0x390
#define A_TDCR         0x3E0
#define LVT_MASKED     (1u << 16)
#define LVT_PERIODIC   (1u << 17)
#define ICR_SELF       (1u << 18)      /* destination shorthand 01 */
#define MSR_APIC_BASE  0x1B
#define APIC_BASE_EN   (1ULL << 11)

#define V_TIMER  0x40
#define V_LOW    0x45
#define V_MID    0x50
#define V_HIGH   0x60
#define V_HIGHER 0x65

static volatile uint32_t *apic;

bool scen_apicv(void)
{
	return scen_cfg_rc == 0 && (scen_cfg.irq_flags & HC_IRQF_APICV);
}

uint64_t apic_injected(uint64_t n)
{
	return scen_apicv() ? 0 : n;
}

bool apic_exits_expect(const char *name, const char *step,
		       const struct hc_counters *c0, uint64_t mmio,
		       uint64_t writes, uint64_t eois)
{
	static struct hc_counters c1;
	uint64_t m, w, e;

	if (!scen_ctr_snap(name, &c1))
		return false;
	m = c1.mmio_exits - c0->mmio_exits;
	w = c1.apic_write_exits - c0->apic_write_exits;
	e = c1.eoi_exits - c0->eoi_exits;
	if ((mmio != APIC_ANY && m != mmio) ||
	    (writes != APIC_ANY && w != writes) ||
	    (eois != APIC_ANY && e != eois)) {
		report(false, name, "%s (apicv %s): %llu MMIO-decoder exits, "
		       "%llu APIC-write exits, %llu EOI-induced exits; want %lld, "
		       "%lld, %lld (-1: any)", step, scen_apicv() ? "on" : "off",
		       (unsigned long long)m, (unsigned long long)w,
		       (unsigned long long)e, (long long)mmio, (long long)writes,
		       (long long)eois);
		return false;
	}
	return true;
}

static uint32_t ar(unsigned off)
{
	return apic[off / 4];
}

static void aw(unsigned off, uint32_t v)
{
	apic[off / 4] = v;
}

static void apic_eoi_hook(struct isr_frame *f)
{
	aw(A_EOI, 0);
}

static void self_ipi(uint8_t vec)
{
	aw(A_ICR_LO, ICR_SELF | vec);
}

/* The APIC page mapped (once) and the virtual-wire state back: what
 * eptlab leaves and every scenario ends with. */
static bool apic_begin(const char *name, struct hc_counters *c0)
{
	if (!irq_scen_begin(name, c0))
		return false;
	if (!apic) {
		uint64_t va = SCEN_SLOT(43);
		int rc = scen_map4k(va, APIC_PA);
		if (rc) {
			report(false, name, "mapping the APIC page: %d", rc);
			irq_scen_end();
			return false;
		}
		apic = (volatile uint32_t *)(uintptr_t)va;
	}
	return true;
}

static void apic_end(void)
{
	cli();
	aw(A_LVT_TIMER, LVT_MASKED | V_TIMER);
	aw(A_TMICT, 0);
	aw(A_TPR, 0);
	aw(A_SVR, 0x1FF);
	irq_scen_end();
}

static void xapic_id(void)
{
	const char *name = "apic.xapic-id";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint32_t id, ver;

	if (!apic_begin(name, &c0))
		return;
	id = ar(A_ID);
	ver = ar(A_VER);
	/* apicv=on: both read from the virtual-APIC page, no exit. */
	if (!apic_exits_expect(name, "two reads", &c0, scen_apicv() ? 0 : 2,
			       0, 0)) {
		apic_end();
		return;
	}
	apic_end();
	if (id != 0 || ver != 0x50014) {
		report(false, name, "ID 0x%x (want 0), version 0x%x (want "
		       "0x50014)", id, ver);
		return;
	}
	if (irq_scen_expect(name, "two reads", &c0, &want,
			    apic_injected(0)))
		report(true, name, NULL);
}

/* Spin with interrupts on until vector vec has n more, or ms pass. */
static bool wait_irqs(unsigned vec, uint64_t n0, uint64_t n, unsigned ms)
{
	uint64_t end = rdtsc() + tsc_ms(ms);

	sti();
	while (irq_count[vec] - n0 < n && rdtsc() < end)
		__asm__ volatile("pause");
	cli();
	return irq_count[vec] - n0 >= n;
}

static void timer_oneshot(void)
{
	const char *name = "apic.timer-oneshot";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_TIMER], all0;
	uint32_t c1, c2, c3;
	bool got;

	if (!apic_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(V_TIMER, apic_eoi_hook);
	aw(A_TDCR, 0xB);                        /* divide by 1 */
	aw(A_LVT_TIMER, V_TIMER);               /* one-shot */
	aw(A_TMICT, (uint32_t)tsc_ms(2));
	c1 = ar(A_TMCCT);
	c2 = ar(A_TMCCT);
	got = wait_irqs(V_TIMER, n0, 1, 200);
	tsc_spin(tsc_ms(5));                    /* no second one */
	sti();
	tsc_spin(tsc_ms(5));
	cli();
	c3 = ar(A_TMCCT);
	apic_end();
	if (!got || irq_count[V_TIMER] - n0 != 1 || irq_total() - all0 != 1 ||
	    !c1 || c2 > c1 || c3) {
		report(false, name, "%llu timer interrupts (want 1), %llu in "
		       "all; current count %u, %u, then %u (want falling, "
		       "then 0)", (unsigned long long)(irq_count[V_TIMER] - n0),
		       (unsigned long long)(irq_total() - all0), c1, c2, c3);
		return;
	}
	if (irq_scen_expect(name, "one-shot", &c0, &want,
			    apic_injected(1)))
		report(true, name, NULL);
}

static void timer_periodic(void)
{
	const char *name = "apic.timer-periodic";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_TIMER], n1, n2;
	uint32_t init = (uint32_t)tsc_ms(1) / 2;    /* divide by 2 below */
	bool got;

	if (!apic_begin(name, &c0))
		return;
	irq_set_hook(V_TIMER, apic_eoi_hook);
	aw(A_TDCR, 0x0);                        /* divide by 2 */
	aw(A_LVT_TIMER, LVT_PERIODIC | V_TIMER);
	aw(A_TMICT, init);
	got = wait_irqs(V_TIMER, n0, 10, 500);
	aw(A_LVT_TIMER, LVT_MASKED | LVT_PERIODIC | V_TIMER);
	n1 = irq_count[V_TIMER] - n0;
	sti();
	tsc_spin(tsc_ms(5));                    /* five periods, masked */
	cli();
	n2 = irq_count[V_TIMER] - n0;
	bool counting = ar(A_TMCCT) != 0;       /* still reloading */
	apic_end();
	if (!got || n2 != n1 || !counting) {
		report(false, name, "%llu interrupts before the mask (want 10), "
		       "%llu after it (want 0); count %s", (unsigned long long)n1,
		       (unsigned long long)(n2 - n1),
		       counting ? "reloading" : "stopped (want reloading)");
		return;
	}
	if (irq_scen_expect(name, "periodic, then masked", &c0, &want,
			    apic_injected(n1)))
		report(true, name, NULL);
}

#define MSR_TSC_DEADLINE 0x6E0
#define LVT_DEADLINE     (2u << 17)

static void timer_deadline(void)
{
	const char *name = "apic.timer-deadline";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_TIMER], early, at, disarmed, when, t;
	if (!apic_begin(name, &c0))
		return;
	if (!(cpuid(1, 0).ecx & (1u << 24))) {
		irq_scen_end();
		report_skip(name, "no TSC-deadline timer (CPUID.1:ECX[24] clear)");
		return;
	}
	irq_set_hook(V_TIMER, apic_eoi_hook);
	aw(A_LVT_TIMER, LVT_DEADLINE | V_TIMER);
	when = rdtsc() + tsc_ms(3);
	wrmsr(MSR_TSC_DEADLINE, when);
	sti();
	while (rdtsc() < when - tsc_ms(1))
		__asm__ volatile("pause");
	early = irq_count[V_TIMER] - n0;
	(void)wait_irqs(V_TIMER, n0, 1, 200);
	t = irq_entry_tsc;
	at = irq_count[V_TIMER] - n0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + tsc_ms(2));
	wrmsr(MSR_TSC_DEADLINE, 0);             /* disarmed */
	sti();
	tsc_spin(tsc_ms(4));
	cli();
	disarmed = irq_count[V_TIMER] - n0 - at;
	apic_end();
	if (early || at != 1 || t < when || disarmed) {
		report(false, name, "%llu interrupts 1 ms before the deadline "
		       "(want 0), %llu by it (want 1, entered %s it), %llu after "
		       "disarming (want 0)", (unsigned long long)early,
		       (unsigned long long)at, t < when ? "before" : "after",
		       (unsigned long long)disarmed);
		return;
	}
	if (irq_scen_expect(name, "deadline", &c0, &want,
			    apic_injected(1)))
		report(true, name, NULL);
}

static void self_ipi_scen(void)
{
	const char *name = "apic.self-ipi";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_MID], pending, by_id, all0;

	if (!apic_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(V_MID, apic_eoi_hook);
	self_ipi(V_MID);                        /* IF = 0: held in IRR */
	pending = irq_count[V_MID] - n0;
	sti();
	__asm__ volatile("nop" ::: "memory");   /* the STI shadow */
	cli();
	/* Fixed, physical, destination = own ID 0, no shorthand. */
	aw(A_ICR_HI, 0);
	sti();
	aw(A_ICR_LO, V_MID);
	by_id = irq_count[V_MID] - n0;
	cli();
	/* apicv=on: the shorthand self-IPI and the EOIs are virtualized, the
	 * write of ICR high too; only the ICR-low write by destination
	 * exits (APIC-write). apicv=off: all five accesses exit. */
	if (!apic_exits_expect(name, "self and own ID", &c0,
			       scen_apicv() ? 0 : 5, scen_apicv() ? 1 : 0, 0)) {
		apic_end();
		return;
	}
	apic_end();
	if (pending || by_id != 2 || irq_total() - all0 != 2) {
		report(false, name, "%llu delivered with IF = 0 (want 0), %llu "
		       "after the second IPI (want 2), %llu in all",
		       (unsigned long long)pending, (unsigned long long)by_id,
		       (unsigned long long)(irq_total() - all0));
		return;
	}
	if (irq_scen_expect(name, "self and own ID", &c0, &want,
			    apic_injected(2)))
		report(true, name, NULL);
}

static void tpr_scen(void)
{
	const char *name = "apic.tpr";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t l0 = irq_count[V_LOW], h0 = irq_count[V_HIGHER];
	uint64_t low_held, high_in, low_in, cr8;
	uint32_t ppr;

	if (!apic_begin(name, &c0))
		return;
	irq_set_hook(V_LOW, apic_eoi_hook);
	irq_set_hook(V_HIGHER, apic_eoi_hook);
	aw(A_TPR, 0x50);
	__asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
	sti();
	self_ipi(V_LOW);
	self_ipi(V_HIGHER);
	low_held = irq_count[V_LOW] - l0;
	high_in = irq_count[V_HIGHER] - h0;
	ppr = ar(A_PPR);
	__asm__ volatile("mov %0, %%cr8" :: "r"(0ULL) : "memory");
	low_in = irq_count[V_LOW] - l0;
	cli();
	/* apicv=on: TPR, CR8, the self-IPIs and the EOIs cause no exit; the
	 * PPR read one APIC-access exit. apicv=off: TPR, two IPIs, two
	 * EOIs and PPR through the decoder (CR8 exits besides). */
	if (!apic_exits_expect(name, "TPR 0x50 then 0", &c0,
			       scen_apicv() ? 1 : 6, 0, 0)) {
		apic_end();
		return;
	}
	apic_end();
	if (cr8 != 5 || low_held || high_in != 1 || ppr != 0x50 || low_in != 1) {
		report(false, name, "CR8 %llu (want 5); with TPR 0x50: 0x45 "
		       "taken %llu times (want 0), 0x65 %llu (want 1), PPR 0x%x "
		       "(want 0x50); after CR8 = 0: 0x45 %llu (want 1)",
		       (unsigned long long)cr8, (unsigned long long)low_held,
		       (unsigned long long)high_in, ppr,
		       (unsigned long long)low_in);
		return;
	}
	if (irq_scen_expect(name, "TPR 0x50 then 0", &c0, &want,
			    apic_injected(2)))
		report(true, name, NULL);
}

static volatile uint64_t nest_seen_high, nest_seen_low;
static volatile uint32_t nest_isr_ppr;

static void nest_mid_hook(struct isr_frame *f)
{
	uint64_t h0 = irq_count[V_HIGH], l0 = irq_count[V_LOW];

	sti();
	self_ipi(V_LOW);                        /* lower: waits */
	self_ipi(V_HIGH);                       /* higher: nests now */
	nest_seen_high = irq_count[V_HIGH] - h0;
	nest_seen_low = irq_count[V_LOW] - l0;
	nest_isr_ppr = ar(A_PPR);
	cli();
	aw(A_EOI, 0);
}

static void eoi_nested(void)
{
	const char *name = "apic.eoi-nested";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t l0 = irq_count[V_LOW], after;

	nest_seen_high = nest_seen_low = 2;     /* touched before c0 */
	nest_isr_ppr = 0;
	if (!apic_begin(name, &c0))
		return;
	irq_set_hook(V_MID, nest_mid_hook);
	irq_set_hook(V_HIGH, apic_eoi_hook);
	irq_set_hook(V_LOW, apic_eoi_hook);
	sti();
	self_ipi(V_MID);
	__asm__ volatile("nop" ::: "memory");
	after = irq_count[V_LOW] - l0;
	cli();
	apic_end();
	if (nest_seen_high != 1 || nest_seen_low || nest_isr_ppr != V_MID ||
	    after != 1) {
		report(false, name, "in 0x50's handler: 0x60 taken %llu times "
		       "(want 1, nested), 0x45 %llu (want 0), PPR 0x%x (want "
		       "0x50); 0x45 after the EOI: %llu (want 1)",
		       (unsigned long long)nest_seen_high,
		       (unsigned long long)nest_seen_low, nest_isr_ppr,
		       (unsigned long long)after);
		return;
	}
	if (irq_scen_expect(name, "nested", &c0, &want,
			    apic_injected(3)))
		report(true, name, NULL);
}

static void spurious_svr(void)
{
	const char *name = "apic.spurious-svr";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t n0 = irq_count[V_MID], s0 = irq_count[0xEF], dropped, after;
	uint32_t svr, lvt;

	if (!apic_begin(name, &c0))
		return;
	irq_set_hook(V_MID, apic_eoi_hook);
	aw(A_SVR, 0xEF);                        /* software-disabled */
	svr = ar(A_SVR);
	aw(A_LVT_TIMER, V_TIMER);               /* cannot be unmasked */
	lvt = ar(A_LVT_TIMER);
	sti();
	self_ipi(V_MID);                        /* dropped */
	__asm__ volatile("nop" ::: "memory");
	dropped = irq_count[V_MID] - n0;
	cli();
	aw(A_SVR, 0x1EF);                       /* enabled again */
	sti();
	self_ipi(V_MID);
	after = irq_count[V_MID] - n0;
	cli();
	svr = (svr << 16) | (ar(A_SVR) & 0xFFFF);
	apic_end();
	if (svr != ((0xEFu << 16) | 0x1EF) || !(lvt & LVT_MASKED) || dropped ||
	    after != 1 || irq_count[0xEF] != s0) {
		report(false, name, "SVR 0x%x then 0x%x (want 0xef, 0x1ef); "
		       "LVT timer 0x%x while disabled (want masked); IPI taken "
		       "%llu times while disabled (want 0), %llu after (want "
		       "1); %llu at the spurious vector (want 0)", svr >> 16,
		       svr & 0xFFFF, lvt, (unsigned long long)dropped,
		       (unsigned long long)after,
		       (unsigned long long)(irq_count[0xEF] - s0));
		return;
	}
	/* apicv=on: software disable turns APIC virtualization off and
	 * unmaps the APIC-access page (one INVEPT), enable maps it again. */
	if (scen_apicv())
		scen_want_invept(&want, 1);
	if (irq_scen_expect(name, "disabled, enabled", &c0, &want,
			    apic_injected(1)))
		report(true, name, NULL);
}

static void base_disable(void)
{
	const char *name = "apic.base-disable";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t base;
	uint32_t svr, lint0;

	if (!apic_begin(name, &c0))
		return;
	base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	bool off = !(rdmsr(MSR_APIC_BASE) & APIC_BASE_EN);
	wrmsr(MSR_APIC_BASE, base);
	svr = ar(A_SVR);
	lint0 = ar(A_LVT_LINT0);
	/* The virtual wire again, as a BIOS leaves it. */
	aw(A_SVR, 0x1FF);
	aw(A_LVT_LINT0, 0x700);
	aw(A_LVT_LINT1, 0x400);
	apic_end();
	if (!(base & APIC_BASE_EN) || !off || svr != 0xFF ||
	    lint0 != LVT_MASKED) {
		report(false, name, "IA32_APIC_BASE 0x%llx, EN %s after clearing "
		       "it; after re-enabling SVR 0x%x (want 0xff), LINT0 0x%x "
		       "(want 0x10000)", (unsigned long long)base,
		       off ? "clear" : "still set", svr, lint0);
		return;
	}
	/* apicv=on: the disable unmaps the APIC-access page (one INVEPT). */
	if (scen_apicv())
		scen_want_invept(&want, 1);
	if (irq_scen_expect(name, "disable, enable", &c0, &want,
			    apic_injected(0)))
		report(true, name, NULL);
}

void scen_apic_run(void)
{
	xapic_id();
	timer_oneshot();
	timer_periodic();
	timer_deadline();
	self_ipi_scen();
	tpr_scen();
	eoi_nested();
	spurious_svr();
	base_disable();
}
