/*
 * Guest-side benchmarks (cmdline word "bench"; docs/benchmarks.md).
 *
 * Every figure is printed as one `BENCH: key=value` line, collected by
 * scripts/bench_report.py. Timed figures are RDTSC deltas: under Bochs
 * with `clock: sync=none` one tick is one executed instruction, guest
 * and hypervisor alike (a REP iteration counts once), so the figures
 * count instruction paths, not time, and repeat exactly run to run.
 *
 * Each timed figure is the min and the median of `iters` samples (1000,
 * or 64 with the word "bench_short"), one sample per operation, with the
 * cost of the timing itself (an empty RDTSC pair, or the same access to
 * an already backed page) measured the same way and subtracted.
 *
 * Cmdline words: bench, bench_short (smoke test: fewer samples),
 * bench_views (only the EPT-view figures, guest/bench_views.c).
 */
#include "guest/guest.h"
#include "guest/bench.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "mm/pt_x86.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "include/err.h"
#include "include/x86.h"

#define ITERS_FULL    1000
#define ITERS_SHORT   64
#define MAX_SAMPLES   2048

/* Guest TSC at the first 64-bit instruction, stored there by
 * guest/entry.asm when it records it; 0 = not recorded. */
uint64_t bench_lm_tsc;

static unsigned iters;
static uint64_t samples[MAX_SAMPLES];

/* RDTSC (a compiler barrier too: timed accesses stay in between). */
static inline uint64_t tsc(void)
{
	return rdtsc();
}

static void put(const char *key, uint64_t val)
{
	printf("BENCH: %s=%llu\n", key, (unsigned long long)val);
}

static void put_str(const char *key, const char *val)
{
	printf("BENCH: %s=%s\n", key, val);
}

/* ------------------------------------------------------------ statistics */

static void sort(uint64_t *a, unsigned n)
{
	for (unsigned i = 1; i < n; i++) {
		uint64_t x = a[i];
		unsigned j = i;

		for (; j > 0 && a[j - 1] > x; j--)
			a[j] = a[j - 1];
		a[j] = x;
	}
}

/* Min and median of a[0..n), each minus overhead (clamped at 0). */
static struct fig summarize(uint64_t *a, unsigned n, uint64_t overhead)
{
	struct fig f;

	sort(a, n);
	f.min = a[0] > overhead ? a[0] - overhead : 0;
	f.med = a[n / 2] > overhead ? a[n / 2] - overhead : 0;
	return f;
}

static void put_fig(const char *name, struct fig f)
{
	char key[80];

	snprintf(key, sizeof(key), "%s_min_ticks", name);
	put(key, f.min);
	snprintf(key, sizeof(key), "%s_median_ticks", name);
	put(key, f.med);
}

/* ------------------------------------------------------------ exits */

static uint64_t timing_overhead;

static void measure_overhead(void)
{
	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = tsc();
		samples[i] = tsc() - t0;
	}
	timing_overhead = summarize(samples, iters, 0).min;
	put("guest_timing_overhead_ticks", timing_overhead);
}

static inline long bench_vmcall(unsigned long nr, unsigned long a1,
			  unsigned long a2)
{
	uint64_t a[4] = { a1, a2, 0, 0 };

	return (long)vmcall(nr, a);
}

/* Time `iters` hypercalls nr(a1, a2); the result must be want. */
static bool time_vmcall(unsigned long nr, unsigned long a1, unsigned long a2,
			long want, long *got, struct fig *f)
{
	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = tsc();
		long r = bench_vmcall(nr, a1, a2);
		samples[i] = tsc() - t0;
		if (r != want) {
			*got = r;
			return false;
		}
	}
	*f = summarize(samples, iters, timing_overhead);
	return true;
}

static struct fig null_vmcall;

static void bench_exits(void)
{
	struct fig f;
	long got = 0;

	if (!time_vmcall(HC_VERSION, 0, 0, HC_ABI_VERSION, &got, &null_vmcall))
		report_abort("HC_VERSION returned %ld", got);
	put_fig("guest_vmcall_null", null_vmcall);

	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = tsc();
		(void)cpuid(0, 0);
		samples[i] = tsc() - t0;
	}
	put_fig("guest_cpuid_exit", summarize(samples, iters, timing_overhead));

	/* COM1 LSR: an I/O exit to a port the hypervisor emulates. */
	for (unsigned i = 0; i < iters; i++) {
		uint64_t t0 = tsc();
		(void)inb(GUEST_COM1_PORT + 5);
		samples[i] = tsc() - t0;
	}
	put_fig("guest_io_exit_com1_lsr",
		summarize(samples, iters, timing_overhead));
	(void)f;
}

/* Each invalidation hypercall, its null-hypercall round trip subtracted:
 * what the hypervisor adds to serve the request. */
static void bench_invalidations(void)
{
	static const struct {
		const char *key;
		unsigned long nr, type;
	} inv[] = {
		{ "guest_hc_invept_single", HC_INVEPT, 1 },
		{ "guest_hc_invept_all", HC_INVEPT, 2 },
		{ "guest_hc_invvpid_addr", HC_INVVPID, 0 },
		{ "guest_hc_invvpid_single", HC_INVVPID, 1 },
		{ "guest_hc_invvpid_all", HC_INVVPID, 2 },
	};
	char key[80];

	for (size_t i = 0; i < ARRAY_SIZE(inv); i++) {
		struct fig f;
		long got = 0;

		if (!time_vmcall(inv[i].nr, inv[i].type, GUEST_VMA, 0, &got,
				 &f)) {
			snprintf(key, sizeof(key), "%s_min_ticks", inv[i].key);
			put_str(key, "unsupported");
			snprintf(key, sizeof(key), "%s_median_ticks",
				 inv[i].key);
			put_str(key, "unsupported");
			printf("bench: %s: hypercall returned %s\n",
			       inv[i].key, err_name((int)got));
			continue;
		}
		f.min = f.min > null_vmcall.min ? f.min - null_vmcall.min : 0;
		f.med = f.med > null_vmcall.med ? f.med - null_vmcall.med : 0;
		put_fig(inv[i].key, f);
	}
}

/* ------------------------------------------------------ 2D walk counts */

/*
 * The modeled cost of a TLB miss: the hypervisor's software 2D walker
 * (HC_TRANSLATE) counts the memory references of a full walk. For a
 * guest leaf at depth n_g and an EPT leaf at depth n_e (4K: 4, 2M: 3,
 * 1G: 2) the architectural count is n_g * (n_e + 1) + n_e: each guest
 * table's GPA needs an EPT walk (n_e) plus the read of the entry, and
 * the final GPA one more EPT walk.
 *
 * The walk must see one EPT leaf size everywhere, so the guest builds a
 * private address space whose tables and data all lie in one 4 MiB run
 * of its RAM (or a whole 1 GiB run when it has more than 2 GiB), away
 * from any split large leaf. Its upper half is the kernel's, so the code
 * keeps running while CR3 points at it. Lower-half VAs (unused by the
 * kernel):
 */
#define WALK_VA_4K   0x10000000000ULL          /* 1 TiB */
#define WALK_VA_2M   0x10040000000ULL          /* 1 TiB + 1 GiB */
#define WALK_VA_1G   0x10080000000ULL          /* 1 TiB + 2 GiB */
#define WALK_TABLES  16                        /* table pages at base */

static struct {
	uint64_t base, next;
} walk_pool;

static void *walk_table_ptr(void *ctx, uint64_t pa)
{
	return mm_dm(pa);
}

static uint64_t walk_alloc_table(void *ctx)
{
	uint64_t pa = walk_pool.next;

	if (pa >= walk_pool.base + WALK_TABLES * SZ_4K)
		return 0;
	walk_pool.next += SZ_4K;
	memset(mm_dm(pa), 0, SZ_4K);
	return pa;
}

static void walk_free_table(void *ctx, uint64_t pa)
{
}

static const struct pg_env walk_env = {
	.table_ptr = walk_table_ptr, .alloc_table = walk_alloc_table,
	.free_table = walk_free_table, .flush = NULL,
};

static unsigned depth(uint64_t page_size)
{
	return page_size == SZ_1G ? 2 : page_size == SZ_2M ? 3 : 4;
}

static const char *size_name(uint64_t page_size)
{
	return page_size == SZ_1G ? "1g" : page_size == SZ_2M ? "2m" :
	       page_size == SZ_4K ? "4k" : "?";
}

/* A region for the walk: its EPT leaves are the run's policy. */
static uint64_t walk_region(void)
{
	uint64_t pa;

	if (guest_boot.ram_top > 2 * SZ_1G) {
		pa = frame_alloc_run(&guest_frames, SZ_1G);
		if (pa)
			return pa;
	}
	pa = frame_alloc_run(&guest_frames, 2 * SZ_2M);
	/* Not the 2 MiB around the hypervisor's lazy page (GPA 4 MiB, with
	 * the built-in guest), whose EPT leaf may be split to 4K. */
	if (pa && pa <= 0x400000 && pa + 2 * SZ_2M > 0x400000)
		pa = frame_alloc_run(&guest_frames, 2 * SZ_2M);
	return pa;
}

static struct hc_walk walk_out __attribute__((aligned(64)));
static struct hc_config walk_cfg __attribute__((aligned(64)));

/* The hypervisor allows 1 GiB EPT leaves but none backs the walk (e.g.
 * a leaf split by the built-in guest's lazy page): say so under the e1g
 * keys instead of leaving them out. */
static void walk_no_1g_leaf(bool seen_1g)
{
	static const char *const g[] = { "4k", "2m", "1g" };
	static const unsigned ng[] = { 4, 3, 2 };
	char key[80];

	if (seen_1g || hc_call(HC_CONFIG, mm_kernel_pa(&walk_cfg), 0, 0, 0) ||
	    !(walk_cfg.ept_leaf_sizes & PG_SIZE_1G))
		return;
	for (unsigned i = 0; i < 3; i++) {
		snprintf(key, sizeof(key), "walk_g%s_e1g_nrefs", g[i]);
		put_str(key, "no-1g-ept-leaf");
		snprintf(key, sizeof(key), "walk_g%s_e1g_formula", g[i]);
		put(key, ng[i] * (2 + 1) + 2);
	}
	report_skip("bench.walk.e1g", "ept_leaf=1g, but no 1 GiB EPT leaf "
		    "backs the walk region");
}

static void bench_walks(void)
{
	static struct pg_space ws;
	struct {
		uint64_t va, pa, size, off;
	} m[3];
	uint64_t base = walk_region(), saved_cr3;
	uint64_t *root, *kroot;
	long rc[3];
	bool seen_1g = false;
	int err;

	report_begin("bench.walk");
	if (!base) {
		report(false, "bench.walk", "no free region for the walk");
		return;
	}
	walk_pool.base = walk_pool.next = base;
	err = pg_init(&ws, &pg_fmt_x86, &walk_env,
		      PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G);
	if (err) {
		report(false, "bench.walk", "pg_init: %s", err_name(err));
		return;
	}
	m[0] = (typeof(m[0])){ WALK_VA_4K, base + SZ_2M / 2, SZ_4K, 0x18 };
	m[1] = (typeof(m[1])){ WALK_VA_2M, base + SZ_2M, SZ_2M, 0x5018 };
	m[2] = (typeof(m[2])){ WALK_VA_1G, ALIGN_DOWN(base, SZ_1G), SZ_1G,
			       base - ALIGN_DOWN(base, SZ_1G) + 0x3018 };
	for (unsigned i = 0; i < 3; i++) {
		err = pg_map(&ws, m[i].va, m[i].pa, m[i].size,
			     PG_PROT_R | PG_PROT_W);
		if (err) {
			report(false, "bench.walk", "pg_map 0x%llx: %s",
			       (unsigned long long)m[i].va, err_name(err));
			return;
		}
	}
	/* The kernel half, shared by hand: the engine has no shared tables.
	 * ws is never unmapped nor destroyed, so it never edits or frees
	 * them (they stay the kernel space's). */
	root = mm_dm(ws.root);
	kroot = mm_dm(guest_space.root);
	for (unsigned i = 256; i < 512; i++)
		root[i] = kroot[i];

	saved_cr3 = read_cr3();
	write_cr3(ws.root);
	for (unsigned i = 0; i < 3; i++) {
		/* A real mapping: the CPU walks it first. */
		(void)*(volatile uint64_t *)(uintptr_t)(m[i].va + m[i].off);
		rc[i] = hc_call(HC_TRANSLATE, m[i].va + m[i].off,
				mm_kernel_pa(&walk_out), 0, 0);
		m[i].size = rc[i] ? 0 : walk_out.guest_page_size;
		m[i].pa = rc[i] ? 0 : walk_out.ept_page_size;
		m[i].off = rc[i] ? 0 : walk_out.nrefs | (walk_out.result ?
							 1ULL << 32 : 0);
	}
	write_cr3(saved_cr3);

	for (unsigned i = 0; i < 3; i++) {
		static const char *const want_g[] = { "4k", "2m", "1g" };
		char name[64], key[80];
		unsigned ng = depth(m[i].size), ne = depth(m[i].pa);
		uint64_t formula = ng * (ne + 1) + ne;
		uint32_t nrefs = (uint32_t)m[i].off;

		if (rc[i]) {
			snprintf(name, sizeof(name), "bench.walk.g%s",
				 want_g[i]);
			report(false, name, "HC_TRANSLATE: %s",
			       err_name((int)rc[i]));
			continue;
		}
		snprintf(name, sizeof(name), "bench.walk.g%s-e%s",
			 size_name(m[i].size), size_name(m[i].pa));
		if (m[i].off >> 32 || strcmp(size_name(m[i].size), want_g[i])) {
			report(false, name, "walk result %s, guest leaf %s "
			       "(want %s)", (m[i].off >> 32) ? "fault" : "ok",
			       size_name(m[i].size), want_g[i]);
			continue;
		}
		snprintf(key, sizeof(key), "walk_g%s_e%s_nrefs",
			 size_name(m[i].size), size_name(m[i].pa));
		put(key, nrefs);
		snprintf(key, sizeof(key), "walk_g%s_e%s_formula",
			 size_name(m[i].size), size_name(m[i].pa));
		put(key, formula);
		report(nrefs == formula, name, "%u references counted, "
		       "n_g*(n_e+1)+n_e = %u*(%u+1)+%u = %llu", nrefs, ng, ne,
		       ne, (unsigned long long)formula);
		seen_1g |= m[i].pa == SZ_1G;
	}
	walk_no_1g_leaf(seen_1g);
}

/* --------------------------------------------------- EPT demand faults */

/*
 * HC_DEMAND unbacks a buffer of whole 2 MiB blocks, so the hypervisor
 * drops their EPT leaves (and page tables). The first touch of each page
 * is one EPT violation that backs a zeroed 4 KiB frame. The first touch
 * in each 2 MiB block must also allocate the EPT page table: a separate
 * figure. A second touch of every page (no exit) is the overhead.
 */
static void bench_demand(void)
{
	unsigned blocks = iters >= ITERS_FULL ? 4 : 1;
	unsigned npages = blocks * 512, nplain = 0, ntable = 0;
	uint64_t bytes = (uint64_t)blocks * SZ_2M;
	static uint64_t table_s[16];
	struct hc_counters c0, c1;
	uint64_t buf, overhead;
	long rc;

	_Static_assert(4 * 512 <= MAX_SAMPLES, "samples");
	report_begin("bench.demand");
	buf = frame_alloc_run(&guest_frames, bytes);
	if (!buf) {
		report(false, "bench.demand", "no free %llu MiB run",
		       (unsigned long long)(bytes >> 20));
		return;
	}
	if (buf <= 0x400000 && buf + bytes > 0x400000)
		buf = frame_alloc_run(&guest_frames, bytes);
	rc = hc_call(HC_DEMAND, buf, bytes, 0, 0);
	if (rc) {
		report(false, "bench.demand", "HC_DEMAND: %s",
		       err_name((int)rc));
		return;
	}
	if (hc_call(HC_COUNTERS, mm_kernel_pa(&c0), 0, 0, 0))
		c0.demand_faults = ~0ULL;
	for (unsigned i = 0; i < npages; i++) {
		volatile uint64_t *p = mm_dm(buf + (uint64_t)i * SZ_4K);
		uint64_t t0 = tsc();
		*p = i;
		uint64_t t = tsc() - t0;
		if (i % 512 == 0)
			table_s[ntable++] = t;
		else
			samples[nplain++] = t;
	}
	if (hc_call(HC_COUNTERS, mm_kernel_pa(&c1), 0, 0, 0))
		c1.demand_faults = 0;
	/* Overhead: the same store to the now backed pages. */
	static uint64_t second[MAX_SAMPLES];
	for (unsigned i = 0; i < npages; i++) {
		volatile uint64_t *p = mm_dm(buf + (uint64_t)i * SZ_4K);
		uint64_t t0 = tsc();
		*p = i + 1;
		second[i] = tsc() - t0;
	}
	overhead = summarize(second, npages, 0).min;
	put("guest_demand_overhead_ticks", overhead);
	put_fig("guest_ept_demand_fault", summarize(samples, nplain, overhead));
	put("guest_ept_demand_fault_samples", nplain);
	put_fig("guest_ept_demand_fault_table_alloc",
		summarize(table_s, ntable, overhead));
	put("guest_ept_demand_fault_table_alloc_samples", ntable);
	report(c1.demand_faults - c0.demand_faults == npages, "bench.demand",
	       "HC_COUNTERS: %llu demand faults for %u first touches",
	       (unsigned long long)(c1.demand_faults - c0.demand_faults),
	       npages);
}

/* ------------------------------------------------------------------ run */

/* For guest/bench_views.c (guest/bench.h). */
struct fig bench_summarize(uint64_t *a, unsigned n, uint64_t overhead)
{
	return summarize(a, n, overhead);
}

void bench_put(const char *key, uint64_t val)
{
	put(key, val);
}

void bench_put_str(const char *key, const char *val)
{
	put_str(key, val);
}

void bench_put_fig(const char *name, struct fig f)
{
	put_fig(name, f);
}

uint64_t bench_timing_overhead(void)
{
	return timing_overhead;
}

void bench_run(void)
{
	uint64_t t_start = tsc();
	long rc;

	iters = guest_has_arg("bench_short") ? ITERS_SHORT : ITERS_FULL;
	_Static_assert(ITERS_FULL <= MAX_SAMPLES, "samples");
	report_begin("bench");
	if (!hv_present()) {
		report_skip("bench", "no eptlab hypervisor (CPUID signature)");
		return;
	}
	rc = hc_call(HC_BENCH_REPORT, bench_lm_tsc, t_start, 0, 0);
	report(rc == 0, "bench.hv-report", "HC_BENCH_REPORT: %s",
	       err_name((int)rc));
	put("guest_iterations", iters);
	measure_overhead();
	if (guest_has_arg("bench_views")) {
		/* The EPT-view figures alone (make bench's Tiger Lake run). */
		views_setup();
		bench_views_run(iters, samples, MAX_SAMPLES);
		printf("BENCH: done\n");
		return;
	}
	if (guest_has_arg("bench_apic")) {
		/* The local APIC's figures alone (make bench's apicv-off run). */
		bench_apic_run(iters, samples, MAX_SAMPLES);
		printf("BENCH: done\n");
		return;
	}
	bench_exits();
	bench_invalidations();
	bench_walks();
	bench_demand();
	bench_irq_run(iters, samples, MAX_SAMPLES);
	bench_apic_run(iters, samples, MAX_SAMPLES);
	printf("BENCH: done\n");
}
