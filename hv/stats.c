/* Printing the VM-exit statistics (see hv/stats.h). */
#include "hv/stats.h"
#include "vmx/vmx_err.h"
#include "include/x86.h"
#include "lib/console.h"

struct exit_stats exit_stats;

void stats_print(const char *when)
{
	uint64_t since = exit_stats.first_entry_tsc
			 ? rdtsc() - exit_stats.first_entry_tsc : 0;

	printf("stats (%s): %llu exits, %llu ticks in exit handling, "
	       "%llu ticks since VMLAUNCH\n", when,
	       (unsigned long long)stats_total_exits(),
	       (unsigned long long)stats_total_ticks(),
	       (unsigned long long)since);
	/* The guest's TSC is the host's (offset 0 unless it writes IA32_TSC):
	 * the tick of its first instruction, for make bench-linux. */
	printf("stats: first VM entry at TSC %llu\n",
	       (unsigned long long)exit_stats.first_entry_tsc);
	for (unsigned i = 0; i < STATS_REASONS; i++) {
		if (!exit_stats.count[i])
			continue;
		printf("stats:   %2u %-28s %8llu exits %10llu ticks "
		       "(%llu/exit)\n", i, vmx_exit_reason_name(i),
		       (unsigned long long)exit_stats.count[i],
		       (unsigned long long)exit_stats.ticks[i],
		       (unsigned long long)(exit_stats.ticks[i] /
					    exit_stats.count[i]));
	}
}

uint64_t stats_total_exits(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < STATS_REASONS; i++)
		n += exit_stats.count[i];
	return n;
}

uint64_t stats_total_ticks(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < STATS_REASONS; i++)
		n += exit_stats.ticks[i];
	return n;
}
