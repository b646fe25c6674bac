/*
 * Host microbenchmark of the paging engine (docs/benchmarks.md), built
 * with the host compiler at -O2 by `make bench`. Not a unit test.
 *
 * On simulated physical memory (tests/unit/sim_phys.c), for 4K leaves and
 * for 2M leaves in turn:
 *   1. map 1 GiB one leaf per pg_map call (262144 or 512 calls), then
 *      unmap it one leaf per pg_unmap call; repeated (20 or 200 rounds)
 *      and the fastest round of each kept;
 *   2. map it again and translate 1M pseudo-random addresses inside it
 *      (fixed seed);
 *   3. with all of it mapped, unmap and map again one leaf in the middle,
 *      counting the table_ptr calls (table-entry reads) of each: one walk
 *      of a 4-level table is 4 reads.
 * Prints `BENCH: key=value` lines: ns per operation (wall clock, varies
 * run to run), table pages and entry reads (deterministic). The engine
 * keeps each table's present count in the entry that points to it, so
 * unmap finds an empty table in O(1), and both walk the tables once: unmap
 * per leaf should cost about what map costs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "tests/unit/sim_phys.h"
#include "mm/pt_x86.h"
#include "include/err.h"

#define SPAN         (1ULL << 30)
#define VA_BASE      0xFFFF900000000000ULL   /* canonical, 1 GiB aligned */
#define PA_BASE      (4ULL << 30)            /* never dereferenced */
#define NTRANSLATE   (1u << 20)
#define SIM_BYTES    (16ULL << 20)           /* holds every table page */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_paging: %s: %s\n", what, err_name(rc));
	exit(1);
}

static void map_all(struct pg_space *s, uint64_t n, uint64_t leaf)
{
	for (uint64_t i = 0; i < n; i++) {
		int rc = pg_map(s, VA_BASE + i * leaf, PA_BASE + i * leaf, leaf,
				PG_PROT_R | PG_PROT_W);
		if (rc)
			die("pg_map", rc);
	}
}

static void unmap_all(struct pg_space *s, uint64_t n, uint64_t leaf)
{
	for (uint64_t i = 0; i < n; i++) {
		int rc = pg_unmap(s, VA_BASE + i * leaf, leaf);
		if (rc)
			die("pg_unmap", rc);
	}
}

/* rounds: map-all / unmap-all cycles; the fastest of each is kept, so a
 * scheduler hiccup or the first touch of the simulated memory does not
 * count. */
static void run(const char *name, unsigned sizes, uint64_t leaf,
		unsigned rounds)
{
	struct sim_phys sim;
	struct pg_space s;
	struct pg_xlate x;
	uint64_t n = SPAN / leaf, peak = 0, seed = 0x9E3779B97F4A7C15ULL;
	uint64_t sum = 0;
	double t0, t, t_map = 1e300, t_xlate, t_unmap = 1e300;
	int rc;

	rc = sim_init(&sim, SIM_BYTES);
	if (rc)
		die("sim_init", rc);
	rc = pg_init(&s, &pg_fmt_x86, sim_env(&sim), sizes);
	if (rc)
		die("pg_init", rc);

	for (unsigned r = 0; r < rounds; r++) {
		t0 = now_ns();
		map_all(&s, n, leaf);
		t = now_ns() - t0;
		t_map = t < t_map ? t : t_map;
		peak = pg_table_pages(&s);
		t0 = now_ns();
		unmap_all(&s, n, leaf);
		t = now_ns() - t0;
		t_unmap = t < t_unmap ? t : t_unmap;
	}

	map_all(&s, n, leaf);
	t0 = now_ns();
	for (unsigned i = 0; i < NTRANSLATE; i++) {
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t off = (seed >> 16) & (SPAN - 1);
		rc = pg_translate(&s, VA_BASE + off, &x);
		if (rc || x.pa != PA_BASE + off)
			die("pg_translate", rc ? rc : -EINVAL);
		sum += x.pa;
	}
	t_xlate = now_ns() - t0;

	/* One leaf out and back in; its tables stay (their other leaves). */
	uint64_t mid = VA_BASE + (n / 2) * leaf, reads0 = sim.reads;
	uint64_t unmap_reads, map_reads;

	rc = pg_unmap(&s, mid, leaf);
	if (rc)
		die("pg_unmap", rc);
	unmap_reads = sim.reads - reads0;
	reads0 = sim.reads;
	rc = pg_map(&s, mid, PA_BASE + (n / 2) * leaf, leaf,
		    PG_PROT_R | PG_PROT_W);
	if (rc)
		die("pg_map", rc);
	map_reads = sim.reads - reads0;
	unmap_all(&s, n, leaf);

	printf("BENCH: host_%s_leaves=%llu\n", name, (unsigned long long)n);
	printf("BENCH: host_%s_peak_table_pages=%llu\n", name,
	       (unsigned long long)peak);
	printf("BENCH: host_%s_table_pages_after_unmap=%llu\n", name,
	       (unsigned long long)pg_table_pages(&s));
	printf("BENCH: host_%s_map_entry_reads=%llu\n", name,
	       (unsigned long long)map_reads);
	printf("BENCH: host_%s_unmap_entry_reads=%llu\n", name,
	       (unsigned long long)unmap_reads);
	printf("BENCH: host_%s_map_ns_per_page=%.1f\n", name, t_map / n);
	printf("BENCH: host_%s_translate_ns=%.1f\n", name,
	       t_xlate / NTRANSLATE);
	printf("BENCH: host_%s_unmap_ns_per_page=%.1f\n", name, t_unmap / n);
	printf("BENCH: host_%s_unmap_to_map_ratio=%.2f\n", name,
	       t_unmap / t_map);
	if (sum == 1)            /* keep the translations alive */
		printf("\n");
	pg_destroy(&s);
	sim_fini(&sim);
}

int main(void)
{
	run("4k", PG_SIZE_4K, 1ULL << 12, 20);
	run("2m", PG_SIZE_4K | PG_SIZE_2M, 1ULL << 21, 200);
	return 0;
}
