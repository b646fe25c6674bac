/* VM-exit statistics (hv/stats.c): per basic exit reason, the count and
 * the ticks (RDTSC) spent between the exit and the next VM entry. Under
 * Bochs with clock sync=none a tick is one emulated instruction. The hot
 * path only adds; printing happens when the guest ends or asks
 * (HC_EXIT_STATS). */
#ifndef EPTLAB_STATS_H
#define EPTLAB_STATS_H

#include "include/types.h"

#define STATS_REASONS 80

struct exit_stats {
	uint64_t count[STATS_REASONS];
	uint64_t ticks[STATS_REASONS];
	uint64_t first_entry_tsc;     /* RDTSC just before VMLAUNCH */
};

extern struct exit_stats exit_stats;

/* One exit of basic reason basic (< STATS_REASONS: the dispatcher only
 * accounts reasons of its table) that took ticks. */
static inline void stats_account(uint32_t basic, uint64_t ticks)
{
	exit_stats.count[basic]++;
	exit_stats.ticks[basic] += ticks;
}

/* Totals over all reasons, summed when asked (kept off the exit path). */
uint64_t stats_total_exits(void);
uint64_t stats_total_ticks(void);

/* "stats: N exits, T ticks in the hypervisor" + one line per reason. */
void stats_print(const char *when);

#endif
