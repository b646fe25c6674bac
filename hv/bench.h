/* Benchmark support in the hypervisor (docs/benchmarks.md): hypercalls
 * HC_BENCH_FIRST..HC_BENCH_LAST and boot-time figures.
 *
 * Boot figures are timestamps taken by tiny hooks on the boot path
 * (hv/main.c, hv/vm_mem.c, hv/vmm.c via exit_stats.first_entry_tsc) and
 * printed only when the guest asks (HC_BENCH_REPORT), as
 * `BENCH: key=value` lines that scripts/bench_report.py collects. */
#ifndef EPTLAB_BENCH_H
#define EPTLAB_BENCH_H

#include "include/types.h"
#include "hv/vcpu.h"
#include "mm/paging.h"

struct vm;

struct bench_boot {
	uint64_t hv_entry_tsc;        /* first line of hv_main */
	uint64_t ram_zero_ticks;      /* rep stosq over all of guest RAM */
	/* EPT table pages right after vm_mem_init (before any scenario),
	 * and the minimum for the same mappings and leaf policy. */
	uint64_t ept_tables, ept_tables_min;
	uint64_t ept_level[PG_LEVELS], ept_level_min[PG_LEVELS];
	unsigned ept_leaf_sizes;
	bool ept_noted;
};

extern struct bench_boot bench_boot;

/* Record the EPT table count and its computed minimum; called once at
 * the end of vm_mem_init. */
void bench_note_ept(const struct vm *vm);

/* An external interrupt injected now (hv/exit_event.c): kept for
 * HC_BENCH_IRQ, with the timer deadline that last fired and, if it woke
 * the guest from HLT, when the guest entered the HLT state. */
void bench_note_irq(struct vcpu *v, uint8_t vector, uint64_t now,
		    bool from_hlt);

/* Handle hypercall nr (HC_BENCH_FIRST..LAST); returns the RAX result. */
int64_t bench_hypercall(struct vcpu *v, uint64_t nr);

#endif
