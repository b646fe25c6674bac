/*
 * Interrupt and time figures of `make bench` (docs/benchmarks.md
 * "Interrupts and time"), in TSC ticks, min and median:
 *
 *   irq_deadline_to_handler  the PIT's one-shot deadline (host TSC, from
 *                            HC_BENCH_IRQ) to the first instruction of
 *                            the guest's handler, the guest running (a
 *                            TSC spin with RFLAGS.IF = 1)
 *   irq_pic_eoi              one non-specific EOI to the master 8259A (an
 *                            I/O exit into the PIC model)
 *   irq_hlt_wake             the deadline to the handler's first
 *                            instruction, the guest halted (HLT state, or
 *                            the hypervisor's TSC spin)
 *   irq_hlt_roundtrip        `sti; hlt` to the handler's first
 *                            instruction, less the time the timer was set
 *                            for: what waiting in HLT costs beyond it
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/bench.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"
#include "lib/fmt.h"

#define IRQ_ROUNDS     64
#define ONESHOT_COUNT  120      /* PIT clocks: about 100 us */

static struct hc_bench_irq bi __attribute__((aligned(64)));

static bool last_irq(void)
{
	return hc_call(HC_BENCH_IRQ, mm_kernel_pa(&bi), 0, 0, 0) == 0;
}

/* One one-shot of the PIT, waited for by a spin or by HLT; the sample is
 * the handler's entry minus the deadline; *roundtrip from the arming. */
static bool one_shot(bool hlt, uint64_t *sample, uint64_t *roundtrip)
{
	uint64_t n0 = irq_count[IRQ_VEC(0)], t0, spin = tsc_ms(50);

	pit_oneshot(ONESHOT_COUNT);
	t0 = rdtsc();
	if (hlt) {
		sti_hlt();
	} else {
		sti();
		while (irq_count[IRQ_VEC(0)] == n0 && rdtsc() - t0 < spin)
			pause();
	}
	cli();
	if (irq_count[IRQ_VEC(0)] == n0 || !last_irq() ||
	    bi.vector != IRQ_VEC(0) || irq_entry_tsc < bi.deadline_tsc)
		return false;
	*sample = irq_entry_tsc - bi.deadline_tsc;
	if (roundtrip)
		*roundtrip = irq_entry_tsc - t0;
	return true;
}

void bench_irq_run(unsigned iters, uint64_t *s, unsigned max)
{
	static uint64_t rt[IRQ_ROUNDS];
	unsigned n = MIN(MIN(iters, max), IRQ_ROUNDS), i;
	uint64_t oneshot = tsc_ms(1) * ONESHOT_COUNT * 1000 / PIT_CLOCK_HZ;
	uint64_t t0;

	if (!guest_tsc_hz()) {
		report(false, "bench.irq", "no TSC rate (CPUID 15H, HC_CONFIG)");
		return;
	}
	cli();
	irq_clear_hooks();
	pic_setup();
	pit_stop();
	irq_set_hook(IRQ_VEC(0), irq_hook_eoi);
	pic_unmask(0);
	for (i = 0; i < n; i++)
		if (!one_shot(false, &s[i], NULL))
			break;
	if (i == n)
		bench_put_fig("guest_irq_deadline_to_handler",
			      bench_summarize(s, n, 0));
	for (i = 0; i < n && one_shot(true, &s[i], &rt[i]); i++)
		rt[i] = rt[i] > oneshot ? rt[i] - oneshot : 0;
	if (i == n) {
		bench_put_fig("guest_irq_hlt_wake", bench_summarize(s, n, 0));
		bench_put_fig("guest_irq_hlt_roundtrip", bench_summarize(rt, n, 0));
	}
	report(i == n, "bench.irq", "%u of %u PIT one-shots delivered with "
	       "their deadline (HC_BENCH_IRQ)", i, n);
	pic_mask_all();
	pit_stop();
	irq_clear_hooks();
	for (i = 0; i < n; i++) {
		t0 = rdtsc();
		pic_eoi(0);
		s[i] = rdtsc() - t0;
	}
	bench_put_fig("guest_irq_pic_eoi",
		      bench_summarize(s, n, bench_timing_overhead()));
}

/* ------------------------------------------------ the local APIC
 *
 * With apicv=on and apicv=off (make bench's apicv-off run), keys
 * guest_apic_<on|off>_<figure>_<min|median>_ticks:
 *
 *   deadline_to_handler  the TSC-deadline timer's deadline to the first
 *                        instruction of the guest's handler (a spin with
 *                        RFLAGS.IF = 1): the preemption-timer exit, then
 *                        an injection (off) or RVI (on)
 *   eoi                  the EOI write in that handler (off: an EPT
 *                        violation through the decoder; on: EOI
 *                        virtualization, no exit)
 *   id_read              a read of the ID register (off: the decoder; on:
 *                        the virtual-APIC page, no exit)
 *
 * eoi and id_read include the RDTSC pair (guest_timing_overhead_ticks):
 * without an exit they are about that.
 */
#define A_EOI           0x0B0
#define A_ID            0x020
#define A_LVT_TIMER     0x320
#define MSR_TSC_DL      0x6E0
#define V_APIC_TIMER    0x40
#define DEADLINE_AHEAD  20000   /* TSC ticks: past the WRMSR exit */

static volatile uint32_t *bapic;
static volatile uint64_t eoi_ticks;
static struct hc_config apic_cfg __attribute__((aligned(64)));

static void timer_eoi_hook(struct isr_frame *f)
{
	uint64_t t0 = rdtsc();

	bapic[A_EOI / 4] = 0;
	eoi_ticks = rdtsc() - t0;
}

void bench_apic_run(unsigned iters, uint64_t *s, unsigned max)
{
	static uint64_t e[IRQ_ROUNDS];
	unsigned n = MIN(MIN(iters, max), IRQ_ROUNDS), i;
	char key[64];
	const char *mode;
	uint64_t dl;

	if (hc_call(HC_CONFIG, mm_kernel_pa(&apic_cfg), 0, 0, 0) ||
	    !guest_tsc_hz() || !(cpuid(1, 0).ecx & (1u << 24))) {
		report(false, "bench.apic", "no HC_CONFIG, TSC rate or "
		       "TSC-deadline timer");
		return;
	}
	mode = (apic_cfg.irq_flags & HC_IRQF_APICV) ? "on" : "off";
	if (!bapic) {
		if (scen_map4k(SCEN_SLOT(46), 0xFEE00000ULL)) {
			report(false, "bench.apic", "mapping the APIC page");
			return;
		}
		bapic = (volatile uint32_t *)(uintptr_t)SCEN_SLOT(46);
	}
	cli();
	irq_clear_hooks();
	irq_set_hook(V_APIC_TIMER, timer_eoi_hook);
	bapic[A_LVT_TIMER / 4] = (2u << 17) | V_APIC_TIMER;  /* TSC-deadline */
	for (i = 0; i < n; i++) {
		uint64_t n0 = irq_count[V_APIC_TIMER], t0 = rdtsc();

		dl = t0 + DEADLINE_AHEAD;
		wrmsr(MSR_TSC_DL, dl);
		sti();
		while (irq_count[V_APIC_TIMER] == n0 && rdtsc() - t0 < tsc_ms(50))
			pause();
		cli();
		if (irq_count[V_APIC_TIMER] == n0 || irq_entry_tsc < dl)
			break;
		s[i] = irq_entry_tsc - dl;
		e[i] = eoi_ticks;
	}
	bapic[A_LVT_TIMER / 4] = (1u << 16) | V_APIC_TIMER;
	irq_clear_hooks();
	report(i == n, "bench.apic", "%u of %u TSC-deadline interrupts "
	       "(apicv %s)", i, n, mode);
	if (i < n)
		return;
	snprintf(key, sizeof(key), "guest_apic_%s_deadline_to_handler", mode);
	bench_put_fig(key, bench_summarize(s, n, 0));
	snprintf(key, sizeof(key), "guest_apic_%s_eoi", mode);
	bench_put_fig(key, bench_summarize(e, n, 0));
	for (i = 0; i < n; i++) {
		uint64_t t0 = rdtsc();

		(void)bapic[A_ID / 4];
		s[i] = rdtsc() - t0;
	}
	snprintf(key, sizeof(key), "guest_apic_%s_id_read", mode);
	bench_put_fig(key, bench_summarize(s, n, 0));
}
