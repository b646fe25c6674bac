/*
 * Interrupt scenarios, part 2 (docs/guest.md): time, HLT, NMIs, and an
 * interrupt meeting an EPT violation.
 *
 *   irq.rtc-time         the RTC's date and time (BCD, 24 h, as a BIOS
 *                        leaves it) agree with the epoch HC_CONFIG
 *                        reports plus the time since boot; the CMOS memory
 *                        sizes match guest RAM
 *   irq.rtc-periodic     the RTC's periodic interrupt on IRQ 8 (through the
 *                        slave) at 1024 Hz, within 5%
 *   irq.hlt-wake         HLT waits for the PIT: a one-shot wakes it after
 *                        its 2 ms, a periodic one ten times in 10 ms
 *   irq.nmi-hypercall    HC_INJECT_NMI: the NMI arrives before the next
 *                        instruction; one injected inside the handler
 *                        waits for its IRET (virtual NMIs)
 *   irq.ept-violation    an interrupt pending during an EPT-violation exit
 *                        (the access in an STI shadow) is delivered after
 *                        the retried instruction; an interrupt whose
 *                        delivery faults (its stack on a demand page) is
 *                        re-injected and delivered once
 *
 * SDM revision 084, Vol. 3C "Event Injection", "Information for VM Exits
 * During Event Delivery", "NMI-Window Exiting"; Vol. 2B "STI";
 * Motorola MC146818A datasheet "Address Map", "Periodic Interrupt".
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"
#include "lib/civil.h"

#define SCEN_IRQ_PAGE0  (SCEN_R2 + 208 * SZ_4K)   /* the STI-shadow store */
#define SCEN_IRQ_PAGE1  (SCEN_R2 + 209 * SZ_4K)   /* the interrupt stack */

extern uint64_t bench_lm_tsc;          /* guest/entry.asm */

/* ------------------------------------------------------------- the RTC */

static unsigned bcd(uint8_t v, bool binary)
{
	return binary ? v : bcd_to_bin(v);
}

/* The time the RTC shows, in seconds since 1970 (between two updates). */
static uint64_t rtc_now(bool binary, unsigned *century)
{
	uint8_t s, m, h, d, mo, y, c;

	while (rtc_read(0x0A) & 0x80)           /* UIP */
		pause();
	s = rtc_read(0x00), m = rtc_read(0x02), h = rtc_read(0x04);
	d = rtc_read(0x07), mo = rtc_read(0x08), y = rtc_read(0x09);
	c = rtc_read(0x32);
	*century = bcd(c, false);
	return (uint64_t)civil_to_days(bcd(y, binary) + 100 * bcd(c, false),
				       bcd(mo, binary), bcd(d, binary)) *
	       86400 + bcd(h, binary) * 3600 + bcd(m, binary) * 60 +
	       bcd(s, binary);
}

static unsigned cmos16(uint8_t lo)
{
	return rtc_read(lo) | (unsigned)rtc_read(lo + 1) << 8;
}

static void rtc_time_scen(void)
{
	const char *name = "irq.rtc-time";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t hz, exp, got, ram, ext, high;
	unsigned century, sum = 0;
	uint8_t b;

	if (!irq_scen_begin(name, &c0))
		return;
	hz = guest_tsc_hz();
	b = rtc_read(0x0B);
	got = rtc_now(false, &century);
	/* The RTC started at the epoch at the guest's load, just before its
	 * first 64-bit instruction (bench_lm_tsc). */
	exp = scen_cfg.rtc_epoch + (rdtsc() - bench_lm_tsc) / hz;
	irq_scen_end();
	if (b != 0x02 || got + 1 < exp || got > exp + 1 || century != 20) {
		report(false, name, "register B 0x%x (want 0x02: 24 h, BCD), "
		       "time %llu s, want %llu +- 1 (epoch %llu + the time "
		       "since boot), century %u", b, (unsigned long long)got,
		       (unsigned long long)exp,
		       (unsigned long long)scen_cfg.rtc_epoch, century);
		return;
	}
	/* The memory sizes a BIOS would have written, and their checksum. */
	ram = scen_cfg.ram_size;
	ext = MIN((ram - 0x100000ULL) >> 10, 0xFFFFULL);
	high = ram > 16 * 0x100000ULL ? MIN((ram - 16 * 0x100000ULL) >> 16, 0xFFFFULL) : 0;
	for (uint8_t i = 0x10; i <= 0x2D; i++)
		sum += rtc_read(i);
	if (cmos16(0x15) != 640 || cmos16(0x17) != ext || cmos16(0x30) != ext ||
	    cmos16(0x34) != high ||
	    (unsigned)(rtc_read(0x2E) << 8 | rtc_read(0x2F)) != (sum & 0xFFFF)) {
		report(false, name, "CMOS sizes: base %u KiB (want 640), "
		       "extended %u/%u (want %llu), above 16 MiB %u (want "
		       "%llu), checksum 0x%x (want 0x%x)", cmos16(0x15),
		       cmos16(0x17), cmos16(0x30), (unsigned long long)ext,
		       cmos16(0x34), (unsigned long long)high,
		       rtc_read(0x2E) << 8 | rtc_read(0x2F), sum & 0xFFFF);
		return;
	}
	if (!irq_scen_expect(name, "reading the RTC", &c0, &want, 0))
		return;
	report(true, name, NULL);
}

static void rtc_periodic_hook(struct isr_frame *f)
{
	(void)rtc_read(0x0C);           /* the flags read: IRQ 8 falls */
	pic_eoi(8);
}

static void rtc_periodic_scen(void)
{
	const char *name = "irq.rtc-periodic";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t hz = guest_tsc_hz(), exp;
	struct irq_window w;
	uint8_t a, b;

	if (!irq_scen_begin(name, &c0))
		return;
	irq_set_hook(IRQ_VEC(8), rtc_periodic_hook);
	a = rtc_read(0x0A);
	b = rtc_read(0x0B);
	(void)rtc_read(0x0C);
	pic_unmask(8);
	rtc_write(0x0B, b | 0x40);      /* PIE, at register A's 1024 Hz */
	irq_window(IRQ_VEC(8), 50, &w);
	rtc_write(0x0B, b);
	(void)rtc_read(0x0C);
	irq_scen_end();
	exp = w.ticks * 1024 / hz;
	if (a != 0x26 || w.n * 20 < exp * 19 || w.n * 20 > exp * 21 ||
	    w.all != w.n) {
		report(false, name, "register A 0x%x (want 0x26: 1024 Hz); %llu "
		       "IRQ 8 in %llu TSC ticks, want %llu +- 5%%; %llu others",
		       a, (unsigned long long)w.n, (unsigned long long)w.ticks,
		       (unsigned long long)exp,
		       (unsigned long long)(w.all - w.n));
		return;
	}
	if (!irq_scen_expect(name, "50 ms of RTC ticks", &c0, &want, w.n))
		return;
	report(true, name, NULL);
}

/* ----------------------------------------------------------------- HLT */

static void hlt_wake_scen(void)
{
	const char *name = "irq.hlt-wake";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t all0, one, ten, t0, t1, t2;

	if (!irq_scen_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(IRQ_VEC(0), irq_hook_eoi);
	pic_unmask(0);
	/* One-shot: 2386 PIT clocks, 2 ms. HLT returns only after it. */
	pit_oneshot(2386);
	t0 = rdtsc();
	sti_hlt();
	cli();
	t1 = rdtsc();
	one = irq_total() - all0;
	/* Periodic at 1 kHz: each HLT ends at the next tick. */
	pit_periodic(1000);
	for (unsigned i = 0; i < 10; i++) {
		sti_hlt();
		cli();
	}
	t2 = rdtsc();
	ten = irq_total() - all0 - one;
	irq_scen_end();
	if (one != 1 || t1 - t0 < tsc_ms(2) * 99 / 100 ||
	    t1 - t0 > tsc_ms(3) || ten != 10 || t2 - t1 < tsc_ms(9) ||
	    t2 - t1 > tsc_ms(11)) {
		report(false, name, "one-shot: %llu interrupts after %llu TSC "
		       "ticks halted (want 1 after 2 ms: %llu); periodic: %llu "
		       "wake-ups in %llu ticks (want 10 in 10 ms)",
		       (unsigned long long)one, (unsigned long long)(t1 - t0),
		       (unsigned long long)tsc_ms(2), (unsigned long long)ten,
		       (unsigned long long)(t2 - t1));
		return;
	}
	if (!irq_scen_expect(name, "11 HLTs", &c0, &want, 11))
		return;
	report(true, name, NULL);
}

/* ---------------------------------------------------------------- NMIs */

static volatile uint64_t nmi_inside, nmi_inner_rc;
static volatile bool nmi_nested_done;

static void nmi_nest_hook(struct isr_frame *f)
{
	if (nmi_nested_done)
		return;
	nmi_nested_done = true;
	nmi_inner_rc = (uint64_t)hc_call(HC_INJECT_NMI, 0, 0, 0, 0);
	nmi_inside = nmi_count;         /* blocked: still this one */
}

static void nmi_hypercall_scen(void)
{
	const char *name = "irq.nmi-hypercall";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	bool vnmi = scen_cfg.irq_flags & HC_IRQF_VIRTUAL_NMIS;
	uint64_t n0, after1, after_bad, after2;
	long rc1, rc_bad;

	nmi_nested_done = false;                /* touched before c0 */
	nmi_inside = nmi_inner_rc = 0;
	if (!irq_scen_begin(name, &c0))
		return;
	n0 = nmi_count;
	rc1 = hc_call(HC_INJECT_NMI, 0, 0, 0, 0);
	after1 = nmi_count - n0;                /* before anything else */
	rc_bad = hc_call(HC_INJECT_NMI, 1, 0, 0, 0);
	after_bad = nmi_count - n0;
	irq_set_hook(2, nmi_nest_hook);
	(void)hc_call(HC_INJECT_NMI, 0, 0, 0, 0);
	/* Without virtual NMIs the second waits for the next exit. */
	if (!vnmi)
		(void)hc_call(HC_VERSION, 0, 0, 0, 0);
	after2 = nmi_count - n0;
	irq_scen_end();
	if (rc1 || after1 != 1 || rc_bad != -EINVAL || after_bad != 1 ||
	    (long)nmi_inner_rc || nmi_inside - n0 != 2 || after2 != 3) {
		report(false, name, "HC_INJECT_NMI %ld, NMIs right after it %llu "
		       "(want 1); rbx = 1: %ld (want -EINVAL), NMIs %llu; "
		       "nested: %ld, inside the handler %llu (want 2), after "
		       "its IRET %llu (want 3)", rc1,
		       (unsigned long long)after1, rc_bad,
		       (unsigned long long)after_bad, (long)nmi_inner_rc,
		       (unsigned long long)(nmi_inside - n0),
		       (unsigned long long)after2);
		return;
	}
	want.nmi_injected = 3;
	if (!irq_scen_expect(name, "three NMIs", &c0, &want, 0))
		return;
	report(true, name, NULL);
}

/* ------------------------------------------- interrupts and EPT exits */

static volatile uint64_t ev_rip;

static void ev_hook(struct isr_frame *f)
{
	ev_rip = f->rip;
	pic_eoi(0);
}

/* IRQ 0 pending, not delivered: a 0.5 ms one-shot, waited out with
 * RFLAGS.IF = 0. */
static void irq0_pending(void)
{
	pit_oneshot(600);
	tsc_spin(tsc_ms(1));
}

static void ept_violation_scen(void)
{
	const char *name = "irq.ept-violation";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t p0, p1, va0, va1, after = 0, all0, n1, n2;
	long rc;

	ev_rip = 0;                             /* touched before c0 */
	if (!irq_scen_begin(name, &c0))
		return;
	p0 = scen_base + SCEN_IRQ_PAGE0;
	p1 = scen_base + SCEN_IRQ_PAGE1;
	va0 = (uint64_t)(uintptr_t)mm_dm(p0);
	va1 = (uint64_t)(uintptr_t)mm_dm(p1);
	if ((rc = hc_call(HC_DEMAND, p0, 2 * SZ_4K, 0, 0))) {
		report(false, name, "HC_DEMAND: %s", err_name((int)rc));
		return;
	}
	irq_set_hook(IRQ_VEC(0), ev_hook);
	pic_unmask(0);
	all0 = irq_total();
	irq0_pending();
	if (!scen_ctr_snap(name, &c0))
		return;
	/* The store is in the STI shadow: its EPT violation (a demand
	 * page) exits with blocking by STI, so the interrupt waits until
	 * the store retried and completed: delivered at label 1. */
	__asm__ volatile("lea 1f(%%rip), %[after]\n\t"
			 "sti\n\t"
			 "movq %[val], (%[p])\n"
			 "1:\n\t"
			 "nop\n\t"
			 "cli"
			 : [after] "=&r"(after)
			 : [p] "r"(va0), [val] "r"(0x1AC0FFEEULL)
			 : "memory");
	n1 = irq_total() - all0;
	want.ept_violations = want.demand_faults = 1;
	if (n1 != 1 || ev_rip != after ||
	    *(volatile uint64_t *)(uintptr_t)va0 != 0x1AC0FFEEULL) {
		report(false, name, "STI shadow: %llu interrupts (want 1) at "
		       "rip 0x%llx, want 0x%llx (after the faulting store)",
		       (unsigned long long)n1, (unsigned long long)ev_rip,
		       (unsigned long long)after);
		irq_scen_end();
		return;
	}
	if (!irq_scen_expect(name, "interrupt after a demand fault", &c0,
			     &want, 1)) {
		irq_scen_end();
		return;
	}
	/* The interrupt's delivery pushes onto a demand page: the EPT
	 * violation during delivery re-injects it (IDT-vectoring). */
	irq0_pending();
	if (!scen_ctr_snap(name, &c0)) {
		irq_scen_end();
		return;
	}
	__asm__ volatile("mov %%rsp, %%r12\n\t"
			 "mov %[top], %%rsp\n\t"
			 "sti\n\t"
			 "nop\n\t"
			 "nop\n\t"
			 "cli\n\t"
			 "mov %%r12, %%rsp"
			 : : [top] "r"(va1 + SZ_4K) : "r12", "memory");
	n2 = irq_total() - all0 - n1;
	irq_scen_end();
	if (n2 != 1) {
		report(false, name, "delivery on a demand page: %llu "
		       "interrupts, want 1", (unsigned long long)n2);
		return;
	}
	want.reinjected = 1;
	if (!irq_scen_expect(name, "delivery re-injected", &c0, &want, 1))
		return;
	report(true, name, NULL);
}

void scen_irq_time_run(void)
{
	rtc_time_scen();
	rtc_periodic_scen();
	hlt_wake_scen();
	nmi_hypercall_scen();
	ept_violation_scen();
}
