/* VM-exit statistics (hv/stats.c): per basic exit reason, the count and
 * the ticks (RDTSC) spent in the dispatcher, from the exit to the return
 * that leads to the next VM entry. Under Bochs with clock sync=none a
 * tick is one emulated instruction. The hot path only adds; printing
 * happens when the guest ends or asks (HC_EXIT_STATS). */
#ifndef EPTLAB_STATS_H
#define EPTLAB_STATS_H

#include "include/types.h"
#include "include/x86.h"

#define STATS_REASONS 80

struct exit_stats {
	uint64_t count[STATS_REASONS];
	uint64_t ticks[STATS_REASONS];
	uint64_t first_entry_tsc;     /* RDTSC just before VMLAUNCH */
};

extern struct exit_stats exit_stats;

/* The exit clock: the low 32 bits of the TSC. An exit's ticks are the
 * difference of two readings taken mod 2^32, exact for any exit shorter
 * than 2^32 ticks (4.3 G instructions under Bochs, 1.4 s at 3 GHz), and
 * summed in 64 bits. Half the instructions of a 64-bit reading, on the
 * path every exit takes (docs/benchmarks.md). */
static inline uint32_t stats_clock(void)
{
	return rdtsc32();
}

/* One exit of basic reason basic (< STATS_REASONS: the dispatcher only
 * accounts reasons of its table), from stats_clock() == t0 to t1. */
static inline void stats_account(uint64_t basic, uint32_t t0, uint32_t t1)
{
	exit_stats.count[basic]++;
	exit_stats.ticks[basic] += t1 - t0;
}

/* Totals over all reasons, summed when asked (kept off the exit path). */
uint64_t stats_total_exits(void);
uint64_t stats_total_ticks(void);

/* "stats: N exits, T ticks in the hypervisor" + one line per reason. */
void stats_print(const char *when);

#endif
