/*
 * Interrupt scenarios, part 1 (docs/guest.md): the emulated PC's 8259A
 * pair and 8254 as a kernel programs them, and the host's interrupts kept
 * away from the guest.
 *
 *   irq.pit-periodic     PIT mode 2 at 1 kHz on IRQ 0: the count over
 *                        100 ms of TSC within 5% of the rate
 *   irq.pic-masked       a masked line is not delivered; its latched edge
 *                        is, the moment the line is unmasked
 *   irq.spurious         a withdrawn request gives nothing on the master;
 *                        through the cascade it gives the slave's IR7
 *                        (spurious IRQ 15) with the master's IR2 in service
 *   irq.pic-eoi-nested   a lower-priority request waits for the EOI of the
 *                        one in service; a higher one nests
 *   irq.host-contained   with interrupts on and the guest's PIC masked, no
 *                        interrupt arrives at any vector, while the host's
 *                        own (test_host_irq=pit) are VM exits
 *
 * Every scenario checks HC_COUNTERS before and after (docs/guest.md
 * "Counter deltas"): the interrupts injected equal the interrupts the
 * guest counted, and nothing else changes. Each runs with RFLAGS.IF = 0
 * outside the window it opens. SDM revision 084, Vol. 3C "Event
 * Injection"; Intel 8259A datasheet "Interrupt Sequence", "End of
 * Interrupt", "Cascade Mode"; Intel 8254 "Mode 2".
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"
#include "lib/string.h"

#define COM1        GUEST_COM1_PORT
#define UART_IER    1
#define UART_IIR    2
#define UART_MCR    4
#define MCR_OUT2    0x08
#define IER_ETBEI   0x02
#define ELCR_MASTER 0x4D0

/* Touch what an interrupt will write during the scenario (its counters,
 * the stack below the caller), so that with demand=full no first touch
 * of a lazy page adds a demand fault to the counters' deltas. */
static __attribute__((noinline)) void irq_touch(void)
{
	volatile uint8_t stack[3072];

	memset((void *)stack, 0, sizeof(stack));
	for (unsigned v = 0; v < 256; v++)
		irq_count[v] = irq_count[v];
	nmi_count = nmi_count;
	irq_entry_tsc = 0;
}

bool irq_scen_begin(const char *name, struct hc_counters *c0)
{
	if (!scen_need_hv(name))
		return false;
	if (!guest_tsc_hz()) {
		report(false, name, "no TSC rate: CPUID 15H and HC_CONFIG "
		       "give none");
		return false;
	}
	cli();
	irq_clear_hooks();
	pic_setup();
	pit_stop();
	irq_touch();
	return scen_ctr_snap(name, c0);
}

void irq_scen_end(void)
{
	cli();
	pic_mask_all();
	pit_stop();
	irq_clear_hooks();
}

/* The counters after: `injected` interrupts, every other field 0 (the
 * caller adds EPT changes to want). */
bool irq_scen_expect(const char *name, const char *step,
		     const struct hc_counters *c0, struct hc_counters *want,
		     uint64_t injected)
{
	want->irq_injected = injected;
	return scen_ctr_expect(name, step, c0, want);
}

/* ----------------------------------------------------------- the PIT */

static void pit_periodic_scen(void)
{
	const char *name = "irq.pit-periodic";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t hz = guest_tsc_hz(), exp;
	struct irq_window w;

	if (!irq_scen_begin(name, &c0))
		return;
	irq_set_hook(IRQ_VEC(0), irq_hook_eoi);
	pit_periodic(1000);
	pic_unmask(0);
	irq_window(IRQ_VEC(0), 100, &w);
	irq_scen_end();
	/* The 8254 divides 1193182 Hz by 1193: 1000.15 periods per second. */
	exp = w.ticks * PIT_CLOCK_HZ / 1193 / hz;
	if (w.n * 20 < exp * 19 || w.n * 20 > exp * 21 || w.all != w.n) {
		report(false, name, "%llu IRQ 0 in %llu TSC ticks (%llu other "
		       "interrupts), want %llu +- 5%% at %llu Hz",
		       (unsigned long long)w.n, (unsigned long long)w.ticks,
		       (unsigned long long)(w.all - w.n),
		       (unsigned long long)exp, (unsigned long long)hz);
		return;
	}
	if (!irq_scen_expect(name, "100 ms of PIT ticks", &c0, &want, w.n))
		return;
	report(true, name, NULL);
}

static void pic_masked_scen(void)
{
	const char *name = "irq.pic-masked";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t all0, masked, at_unmask;

	if (!irq_scen_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(IRQ_VEC(0), irq_hook_eoi);
	pit_periodic(1000);             /* IRQ 0 stays masked */
	sti();
	tsc_spin(tsc_ms(5));
	cli();
	masked = irq_total() - all0;
	/* The edges were latched in IRR meanwhile: one is delivered when
	 * the line is unmasked, before the next instruction. */
	sti();
	pic_unmask(0);
	at_unmask = irq_total() - all0;
	cli();
	irq_scen_end();
	if (masked || at_unmask != 1) {
		report(false, name, "%llu interrupts while IRQ 0 was masked "
		       "(want 0), %llu right after unmasking it (want 1, the "
		       "latched edge)", (unsigned long long)masked,
		       (unsigned long long)at_unmask);
		return;
	}
	if (!irq_scen_expect(name, "masked, then unmasked", &c0, &want, 1))
		return;
	report(true, name, NULL);
}

/* ------------------------------------------------- spurious interrupts */

static volatile uint8_t sp_slave_isr, sp_master_isr;

static void spurious15_hook(struct isr_frame *f)
{
	sp_slave_isr = pic_isr(true);
	sp_master_isr = pic_isr(false);
	outb(0x20, 0x20);       /* the master's IR2 only: no slave EOI */
}

/*
 * A request withdrawn before the CPU takes it. The hypervisor
 * acknowledges the PIC only when it injects (hv/exit_event.c), so a
 * request gone by then gives nothing: a level-triggered IRQ 4 (COM1's THR
 * empty, ELCR) raised and withdrawn while RFLAGS.IF = 0 is delivered
 * neither at its vector nor as IR7. Through the cascade the master's IR2
 * is edge-triggered and keeps its request (docs/platform.md, the 8259A
 * model's edge latch): the slave's IRQ 8 (the RTC) latched, then masked at
 * the slave, leaves the master asking; the INTA then finds nothing on the
 * slave, which answers with its IR7 vector, the spurious IRQ 15, with the
 * master's IR2 in service (a kernel EOIs the master only).
 */
static void spurious_scen(void)
{
	const char *name = "irq.spurious";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t all0, master, all;
	uint8_t mcr, b;

	sp_slave_isr = sp_master_isr = 0;       /* touched before c0 */
	if (!irq_scen_begin(name, &c0))
		return;
	all0 = irq_total();
	/* The master: IRQ 4 level-triggered, raised, withdrawn. */
	outb(ELCR_MASTER, 1u << 4);
	pic_unmask(4);
	mcr = inb(COM1 + UART_MCR);
	outb(COM1 + UART_MCR, mcr | MCR_OUT2);
	outb(COM1 + UART_IER, IER_ETBEI);       /* THR empty: IRQ 4 high */
	outb(COM1 + UART_IER, 0);               /* withdrawn */
	sti();
	tsc_spin(tsc_ms(1));
	cli();
	outb(COM1 + UART_MCR, mcr);
	outb(ELCR_MASTER, 0);
	pic_mask(4);
	master = irq_total() - all0;
	/* The cascade: IRQ 8 latched, then masked at the slave. */
	irq_set_hook(IRQ_VEC(15), spurious15_hook);
	(void)rtc_read(0x0C);                   /* no flag left */
	b = rtc_read(0x0B);
	pic_unmask(8);
	rtc_write(0x0B, b | 0x40);              /* PIE: 1024 Hz */
	tsc_spin(tsc_ms(3));                    /* IRQ 8 rose, IF = 0 */
	outb(0xA1, 0xFF);                       /* masked at the slave */
	rtc_write(0x0B, b);
	(void)rtc_read(0x0C);                   /* IRQ 8 low again */
	sti();
	__asm__ volatile("nop; nop" ::: "memory");
	cli();
	all = irq_total() - all0;
	irq_scen_end();
	if (master) {
		report(false, name, "%llu interrupts from a request withdrawn "
		       "before the CPU could take it (want 0)",
		       (unsigned long long)master);
		return;
	}
	if (irq_count[IRQ_VEC(8)] || all != 1 || irq_count[IRQ_VEC(15)] != 1 ||
	    (sp_slave_isr & 0x80) || !(sp_master_isr & 0x04) ||
	    pic_isr(false)) {
		report(false, name, "cascade: %llu interrupts, IRQ 15 %llu "
		       "(want 1), IRQ 8 %llu (want 0); slave ISR 0x%x (want "
		       "bit 7 clear), master ISR 0x%x in the handler (want "
		       "bit 2), 0x%x after its EOI", (unsigned long long)all,
		       (unsigned long long)irq_count[IRQ_VEC(15)],
		       (unsigned long long)irq_count[IRQ_VEC(8)], sp_slave_isr,
		       sp_master_isr, pic_isr(false));
		return;
	}
	if (!irq_scen_expect(name, "withdrawn requests", &c0, &want, 1))
		return;
	report(true, name, NULL);
}

/* ------------------------------------------- EOI and nested priorities */

static volatile uint64_t nest_irq4_before_eoi, nest_irq4_after_eoi;
static volatile uint64_t nest_irq0_in_irq4;
static volatile bool nest_phase2, nest_done1;

/* COM1 raises IRQ 4 (THR empty) at once when ETBEI is set with OUT2. */
static void com1_irq4_raise(void)
{
	outb(COM1 + UART_IER, IER_ETBEI);
}

static void nest_irq0(struct isr_frame *f)
{
	if (!nest_phase2 && !nest_done1) {
		nest_done1 = true;
		sti();
		com1_irq4_raise();      /* lower priority: waits */
		tsc_spin(tsc_ms(1) / 4);
		nest_irq4_before_eoi = irq_count[IRQ_VEC(4)];
		pic_eoi(0);             /* IR0 done: IR4 comes in now */
		nest_irq4_after_eoi = irq_count[IRQ_VEC(4)];
		cli();
		return;
	}
	pic_eoi(0);
}

static void nest_irq4(struct isr_frame *f)
{
	(void)inb(COM1 + UART_IIR);     /* THR empty reported: line low */
	outb(COM1 + UART_IER, 0);
	if (nest_phase2) {
		uint64_t n0 = irq_count[IRQ_VEC(0)], t0 = rdtsc();

		sti();                  /* IRQ 0 outranks IR4 in service */
		while (irq_count[IRQ_VEC(0)] == n0 &&
		       rdtsc() - t0 < tsc_ms(3))
			pause();
		cli();
		nest_irq0_in_irq4 = irq_count[IRQ_VEC(0)] - n0;
	}
	pic_eoi(4);
}

static void pic_eoi_nested_scen(void)
{
	const char *name = "irq.pic-eoi-nested";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t all0, all, t0;
	uint8_t mcr;

	nest_phase2 = nest_done1 = false;       /* touched before c0 */
	nest_irq4_before_eoi = nest_irq4_after_eoi = nest_irq0_in_irq4 = 0;
	if (!irq_scen_begin(name, &c0))
		return;
	all0 = irq_total();
	irq_set_hook(IRQ_VEC(0), nest_irq0);
	irq_set_hook(IRQ_VEC(4), nest_irq4);
	mcr = inb(COM1 + UART_MCR);
	outb(COM1 + UART_MCR, mcr | MCR_OUT2);
	pic_unmask(0);
	pic_unmask(4);
	pit_periodic(1000);
	/* Phase 1: IRQ 4 raised inside the IRQ 0 handler. */
	t0 = rdtsc();
	sti();
	while (!nest_done1 && rdtsc() - t0 < tsc_ms(5))
		pause();
	cli();
	/* Phase 2: IRQ 0 nests inside the IRQ 4 handler. */
	nest_phase2 = true;
	sti();
	com1_irq4_raise();
	cli();
	pit_stop();
	outb(COM1 + UART_MCR, mcr);
	all = irq_total() - all0;
	irq_scen_end();
	if (!nest_done1 || nest_irq4_before_eoi || nest_irq4_after_eoi != 1 ||
	    nest_irq0_in_irq4 != 1 || pic_isr(false) || pic_isr(true)) {
		report(false, name, "IRQ 4 inside IRQ 0: %llu before the EOI "
		       "(want 0), %llu after it (want 1); IRQ 0 nested in IRQ "
		       "4: %llu (want 1); ISR master 0x%x slave 0x%x (want 0)",
		       (unsigned long long)nest_irq4_before_eoi,
		       (unsigned long long)nest_irq4_after_eoi,
		       (unsigned long long)nest_irq0_in_irq4, pic_isr(false),
		       pic_isr(true));
		return;
	}
	if (!irq_scen_expect(name, "nested interrupts", &c0, &want, all))
		return;
	report(true, name, NULL);
}

/* ---------------------------------------------------- host containment */

static void host_contained_scen(void)
{
	const char *name = "irq.host-contained";
	static struct hc_counters c0, c1;
	uint64_t all0, nmi0, host;

	if (!irq_scen_begin(name, &c0))
		return;
	all0 = irq_total();
	nmi0 = nmi_count;
	sti();
	tsc_spin(tsc_ms(20));
	cli();
	irq_scen_end();
	if (!scen_ctr_snap(name, &c1))
		return;
	host = c1.host_irq_exits - c0.host_irq_exits;
	if (irq_total() != all0 || nmi_count != nmi0) {
		report(false, name, "%llu interrupts and %llu NMIs reached the "
		       "guest with its PIC masked (want none; %llu host "
		       "interrupts were VM exits meanwhile)",
		       (unsigned long long)(irq_total() - all0),
		       (unsigned long long)(nmi_count - nmi0),
		       (unsigned long long)host);
		return;
	}
	if (scen_cfg.host_irq_test ? host == 0 : host != 0) {
		report(false, name, "%llu host interrupts were VM exits in 20 "
		       "ms, want %s (test_host_irq %u)",
		       (unsigned long long)host,
		       scen_cfg.host_irq_test ? "more than 0" : "0: the host "
		       "is masked", scen_cfg.host_irq_test);
		return;
	}
	if (c1.irq_injected != c0.irq_injected ||
	    c1.nmi_injected != c0.nmi_injected) {
		report(false, name, "events injected with nothing to deliver");
		return;
	}
	if (scen_cfg.host_irq_test)
		printf("irq: %llu host interrupts in 20 ms were VM exits, none "
		       "reached the guest\n", (unsigned long long)host);
	report(true, name, NULL);
}

void scen_irq_run(void)
{
	pit_periodic_scen();
	pic_masked_scen();
	spurious_scen();
	pic_eoi_nested_scen();
	host_contained_scen();
}
