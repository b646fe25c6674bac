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
