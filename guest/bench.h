/* The benchmark helpers guest/bench.c shares with guest/bench_views.c
 * (docs/benchmarks.md): min/median figures and `BENCH: key=value` lines. */
#ifndef EPTLAB_GUEST_BENCH_H
#define EPTLAB_GUEST_BENCH_H

#include "include/types.h"

struct fig {
	uint64_t min, med;
};

/* Min and median of a[0..n) (sorted in place), each minus overhead. */
struct fig bench_summarize(uint64_t *a, unsigned n, uint64_t overhead);
void bench_put(const char *key, uint64_t val);
void bench_put_str(const char *key, const char *val);
/* name_min_ticks and name_median_ticks. */
void bench_put_fig(const char *name, struct fig f);
/* The cost of an empty RDTSC pair (measured first). */
uint64_t bench_timing_overhead(void);
/* guest/bench_irq.c: the interrupt and time figures. */
void bench_irq_run(unsigned iters, uint64_t *samples, unsigned max);
/* The local APIC's figures, keyed by the APICv mode (guest/bench_irq.c). */
void bench_apic_run(unsigned iters, uint64_t *samples, unsigned max);

/* guest/bench_views.c: the EPT-view figures, iters samples each, in
 * samples[0..max). */
void bench_views_run(unsigned iters, uint64_t *samples, unsigned max);

#endif
