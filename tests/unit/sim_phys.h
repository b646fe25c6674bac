/*
 * Simulated physical memory for host unit tests: a malloc'd buffer stands
 * for physical [0, size), a frame pool covers it (built by frame_init from
 * a fake memory map), and a struct pg_env lets the paging engine keep its
 * tables in it. alloc_table can be told to fail, flushes are recorded,
 * table_ptr calls (the engine's table-entry reads) are counted.
 */
#ifndef EPTLAB_SIM_PHYS_H
#define EPTLAB_SIM_PHYS_H

#include "include/types.h"
#include "mm/frame.h"
#include "mm/paging.h"

#define SIM_FLUSH_LOG  64

struct sim_flush {
	uint64_t va, size;
};

struct sim_phys {
	uint8_t *mem;             /* physical [0, size) */
	uint64_t size;
	struct frame_pool pool;
	void *bitmap;
	struct pg_env env;
	long fail_after;          /* allocations before failing; <0: never */
	uint64_t allocs, frees;   /* alloc_table / free_table calls */
	uint64_t bad_frees;       /* free_table calls frame_free rejected */
	uint64_t reads;           /* table_ptr calls: one per table visited */
	uint64_t nflush;          /* flush calls (log keeps the first 64) */
	struct sim_flush flush_log[SIM_FLUSH_LOG];
};

/* size: bytes of simulated RAM (multiple of 4K, above 1 MiB). 0 or -errno. */
int sim_init(struct sim_phys *sim, uint64_t size);
void sim_fini(struct sim_phys *sim);
/* The env for pg_init. */
const struct pg_env *sim_env(struct sim_phys *sim);
/* Let k more table allocations succeed, then fail (k < 0: never fail). */
void sim_fail_after(struct sim_phys *sim, long k);
/* Host pointer for pa, or NULL outside simulated RAM. */
void *sim_ptr(struct sim_phys *sim, uint64_t pa);
/* Frames allocated from the pool now. */
uint64_t sim_frames_in_use(const struct sim_phys *sim);
void sim_flush_reset(struct sim_phys *sim);
/* True if some logged flush covers [va, va + size). */
bool sim_flushed(const struct sim_phys *sim, uint64_t va, uint64_t size);

/* Copy of the pool bitmaps and counters and of every allocated frame. */
struct sim_snapshot {
	uint8_t *mem;
	uint64_t *bitmap;
	uint64_t bitmap_bytes;
	uint64_t free;
};
void sim_snapshot_take(struct sim_phys *sim, struct sim_snapshot *snap);
/* True if the pool (bitmaps, free count; not the next-fit cursor) and the
 * contents of every allocated frame equal the snapshot. */
bool sim_snapshot_same(struct sim_phys *sim, const struct sim_snapshot *snap);
void sim_snapshot_free(struct sim_snapshot *snap);

#endif
