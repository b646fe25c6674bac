/* Host unit tests of the paging engine (mm/paging.c) with the x86-64
 * format, on simulated physical memory; the randomized test runs both
 * formats against a reference model. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sim_phys.h"
#include "mm/paging.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "include/err.h"

#define SIM_SIZE   (32ULL << 20)
#define ALL_SIZES  (PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G)
#define RWX        (PG_PROT_R | PG_PROT_W | PG_PROT_X)
#define RW         (PG_PROT_R | PG_PROT_W)
#define SZ_512G    (512 * SZ_1G)

struct tctx {
	struct sim_phys sim;
	struct pg_space s;
	uint64_t free0;       /* pool free count before pg_init */
};

static struct tctx *tctx_new(const struct pg_format *fmt, unsigned sizes)
{
	struct tctx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(sim_init(&t->sim, SIM_SIZE), 0);
	t->free0 = t->sim.pool.free;
	assert_int_equal(pg_init(&t->s, fmt, sim_env(&t->sim), sizes), 0);
	return t;
}

/* Destroy, and check every table page went back to the pool. */
static void tctx_free(struct tctx *t)
{
	pg_destroy(&t->s);
	assert_int_equal(t->sim.pool.free, t->free0);
	assert_int_equal(t->sim.bad_frees, 0);
	sim_fini(&t->sim);
	free(t);
}

static void expect_xlate(struct pg_space *s, uint64_t va, uint64_t pa,
			 unsigned level, unsigned prot)
{
	struct pg_xlate x;

	assert_int_equal(pg_translate(s, va, &x), 0);
	assert_int_equal(x.pa, pa);
	assert_int_equal(x.level, level);
	assert_int_equal(x.prot, prot);
	assert_int_equal(x.page_size, s->fmt->level[level].page_size);
}

static void expect_unmapped(struct pg_space *s, uint64_t va)
{
	struct pg_xlate x;

	assert_int_equal(pg_translate(s, va, &x), -ENOENT);
}

/* Table pages in use match the pool and the per-level counters. */
static void expect_tables(struct tctx *t, uint64_t n)
{
	assert_int_equal(pg_table_pages(&t->s), n);
	assert_int_equal(sim_frames_in_use(&t->sim), n);
}

/* ------------------------------------------------------------ basics */

static void test_init_destroy(void **state)
{
	struct sim_phys sim;
	struct pg_space s;
	uint64_t free0;

	assert_int_equal(sim_init(&sim, SIM_SIZE), 0);
	free0 = sim.pool.free;
	assert_int_equal(pg_init(&s, &pg_fmt_x86, sim_env(&sim), ALL_SIZES), 0);
	assert_int_equal(pg_table_pages(&s), 1);
	assert_int_equal(s.leaf_sizes, ALL_SIZES);
	assert_int_equal(sim.pool.free, free0 - 1);
	pg_destroy(&s);
	assert_int_equal(sim.pool.free, free0);

	/* 1G without 2M (split could not go one level down), no 4K. */
	assert_int_equal(pg_init(&s, &pg_fmt_x86, sim_env(&sim),
				 PG_SIZE_4K | PG_SIZE_1G), -EINVAL);
	assert_int_equal(pg_init(&s, &pg_fmt_x86, sim_env(&sim), PG_SIZE_2M),
			 -EINVAL);
	/* Unknown bits are masked away. */
	assert_int_equal(pg_init(&s, &pg_fmt_x86, sim_env(&sim), 0xff0 | PG_SIZE_4K), 0);
	assert_int_equal(s.leaf_sizes, PG_SIZE_4K);
	pg_destroy(&s);
	sim_fail_after(&sim, 0);
	assert_int_equal(pg_init(&s, &pg_fmt_x86, sim_env(&sim), ALL_SIZES), -ENOMEM);
	assert_int_equal(sim.pool.free, free0);
	sim_fini(&sim);
}

static void test_leaf_sizes(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;

	/* 1G aligned va and pa, 1G long: one 1G leaf. */
	assert_int_equal(pg_map(s, SZ_1G, 3 * SZ_1G, SZ_1G, RW), 0);
	expect_xlate(s, SZ_1G + 0x12345, 3 * SZ_1G + 0x12345, 1, RW);
	expect_tables(t, 2);
	/* 2M. */
	assert_int_equal(pg_map(s, 4 * SZ_1G + SZ_2M, 6 * SZ_2M, SZ_2M, RWX), 0);
	expect_xlate(s, 4 * SZ_1G + SZ_2M + 8, 6 * SZ_2M + 8, 2, RWX);
	/* 4K. */
	assert_int_equal(pg_map(s, 8 * SZ_1G + SZ_4K, 0x7000, SZ_4K, PG_PROT_R), 0);
	expect_xlate(s, 8 * SZ_1G + SZ_4K + 1, 0x7001, 3, PG_PROT_R);
	/* va and size 2M aligned, pa only 4K aligned: 4K leaves. */
	assert_int_equal(pg_map(s, 12 * SZ_1G, 0x5000, SZ_2M, RW), 0);
	expect_xlate(s, 12 * SZ_1G, 0x5000, 3, RW);
	expect_xlate(s, 12 * SZ_1G + SZ_2M - SZ_4K, 0x5000 + SZ_2M - SZ_4K, 3, RW);
	/* A range that is 2M aligned only in its middle: 4K, 2M, 4K. */
	uint64_t va = 16 * SZ_1G + SZ_2M - 2 * SZ_4K, pa = 40 * SZ_2M - 2 * SZ_4K;
	assert_int_equal(pg_map(s, va, pa, 2 * SZ_4K + 2 * SZ_2M + 2 * SZ_4K, RW), 0);
	expect_xlate(s, va, pa, 3, RW);
	expect_xlate(s, va + SZ_4K, pa + SZ_4K, 3, RW);
	expect_xlate(s, va + 2 * SZ_4K, pa + 2 * SZ_4K, 2, RW);
	expect_xlate(s, va + 2 * SZ_4K + SZ_2M, pa + 2 * SZ_4K + SZ_2M, 2, RW);
	expect_xlate(s, va + 2 * SZ_4K + 2 * SZ_2M, pa + 2 * SZ_4K + 2 * SZ_2M, 3, RW);
	expect_unmapped(s, va - SZ_4K);
	expect_unmapped(s, va + 4 * SZ_4K + 2 * SZ_2M);
	/* 2G + 2M with 1G-aligned start: two 1G leaves and one 2M leaf. */
	assert_int_equal(pg_map(s, 20 * SZ_1G, 30 * SZ_1G, 2 * SZ_1G + SZ_2M, RW), 0);
	expect_xlate(s, 21 * SZ_1G, 31 * SZ_1G, 1, RW);
	expect_xlate(s, 22 * SZ_1G, 32 * SZ_1G, 2, RW);
	tctx_free(t);
}

static void test_leaf_policy(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, PG_SIZE_4K | PG_SIZE_2M);

	/* No 1G leaves: a 1G range becomes 512 2M leaves in one PD. */
	assert_int_equal(pg_map(&t->s, SZ_1G, SZ_1G, SZ_1G, RW), 0);
	expect_xlate(&t->s, SZ_1G + SZ_1G - 1, 2 * SZ_1G - 1, 2, RW);
	expect_tables(t, 3);
	tctx_free(t);

	t = tctx_new(&pg_fmt_x86, PG_SIZE_4K);
	assert_int_equal(pg_map(&t->s, SZ_2M, SZ_2M, 2 * SZ_2M, RW), 0);
	expect_xlate(&t->s, SZ_2M, SZ_2M, 3, RW);
	expect_xlate(&t->s, 3 * SZ_2M - 1, 3 * SZ_2M - 1, 3, RW);
	expect_tables(t, 5);     /* root, PDPT, PD, 2 PTs */
	tctx_free(t);
}

static void test_x86_entry_bits(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_xlate x;
	struct pg_walk w;

	assert_int_equal(pg_map(s, 0x1000, 0x7000, SZ_4K, PG_PROT_R), 0);
	assert_int_equal(pg_translate(s, 0x1000, &x), 0);
	assert_int_equal(x.entry, 0x7000 | PTE_P | PTE_NX);

	assert_int_equal(pg_map(s, 0x2000, 0x8000, SZ_4K,
				RWX | PG_PROT_USER | PG_PROT_GLOBAL), 0);
	assert_int_equal(pg_translate(s, 0x2000, &x), 0);
	assert_int_equal(x.entry, 0x8000 | PTE_P | PTE_RW | PTE_US | PTE_G);
	assert_int_equal(x.prot, RWX | PG_PROT_USER | PG_PROT_GLOBAL);

	assert_int_equal(pg_map(s, 0x3000, 0xfee00000, SZ_4K, RW | PG_PROT_UC), 0);
	assert_int_equal(pg_translate(s, 0x3000, &x), 0);
	assert_int_equal(x.entry, 0xfee00000 | PTE_P | PTE_RW | PTE_NX | PTE_PCD | PTE_PWT);
	assert_int_equal(x.prot, RW | PG_PROT_UC);

	assert_int_equal(pg_map(s, SZ_2M, SZ_2M, SZ_2M, RWX), 0);
	assert_int_equal(pg_translate(s, SZ_2M, &x), 0);
	assert_int_equal(x.entry, SZ_2M | PTE_P | PTE_RW | PTE_PS);
	assert_int_equal(pg_map(s, SZ_1G, SZ_1G, SZ_1G, RWX), 0);
	assert_int_equal(pg_translate(s, SZ_1G, &x), 0);
	assert_int_equal(x.entry, SZ_1G | PTE_P | PTE_RW | PTE_PS);

	/* Tables: P|RW|US plus the engine's count in bits 61:52. */
	assert_int_equal(pg_walk_va(s, 0x1000, &w), 0);
	assert_int_equal(w.step[0].entry & ~PTE_ADDR_MASK,
			 PTE_P | PTE_RW | PTE_US | (2ULL << 52));   /* PD, 1G leaf */
	assert_int_equal(w.step[1].entry & ~PTE_ADDR_MASK,
			 PTE_P | PTE_RW | PTE_US | (2ULL << 52));   /* PT, 2M leaf */
	assert_int_equal(w.step[2].entry & ~PTE_ADDR_MASK,
			 PTE_P | PTE_RW | PTE_US | (3ULL << 52));   /* 3 4K leaves */
	assert_int_equal(t->s.root_count, 1);
	tctx_free(t);
}

static void test_high_half(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	uint64_t kva = 0xffffffff80000000ULL, dmap = 0xffff800000000000ULL;
	struct pg_walk w;

	assert_int_equal(pg_map(&t->s, kva, 0x200000, 4 * SZ_2M, RWX | PG_PROT_GLOBAL), 0);
	assert_int_equal(pg_map(&t->s, dmap, 0, 2 * SZ_1G, RW), 0);
	expect_xlate(&t->s, kva + SZ_2M + 5, 0x400005, 2, RWX | PG_PROT_GLOBAL);
	expect_xlate(&t->s, dmap + SZ_1G + 5, SZ_1G + 5, 1, RW);
	assert_int_equal(pg_walk_va(&t->s, kva, &w), 0);
	assert_int_equal(w.step[0].entry_pa, t->s.root + 511 * 8);
	assert_int_equal(pg_walk_va(&t->s, dmap, &w), 0);
	assert_int_equal(w.step[0].entry_pa, t->s.root + 256 * 8);
	/* Up to the last page of the address space. */
	assert_int_equal(pg_map(&t->s, 0xfffffffffffff000ULL, 0x9000, SZ_4K, RW), 0);
	expect_xlate(&t->s, 0xffffffffffffffffULL, 0x9fff, 3, RW);
	assert_int_equal(pg_unmap(&t->s, 0xffffffffc0000000ULL, SZ_1G), 0);
	expect_unmapped(&t->s, 0xfffffffffffff000ULL);
	assert_int_equal(pg_unmap(&t->s, dmap, 2 * SZ_1G), 0);
	assert_int_equal(pg_unmap(&t->s, kva, 4 * SZ_2M), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

/* ------------------------------------------------------------ split */

static void test_split_unmap(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = SZ_1G, pa = 5 * SZ_1G, hole = va + 5 * SZ_2M + 3 * SZ_4K;

	assert_int_equal(pg_map(s, va, pa, SZ_1G, RWX | PG_PROT_USER), 0);
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_unmap(s, hole, SZ_4K), 0);
	/* 1G -> 512 x 2M -> the 2M holding the hole -> 512 x 4K. */
	expect_tables(t, 4);
	expect_unmapped(s, hole);
	for (uint64_t off = 0; off < SZ_1G; off += SZ_4K) {
		uint64_t a = va + off;
		bool in2m = ALIGN_DOWN(a, SZ_2M) == ALIGN_DOWN(hole, SZ_2M);

		if (a == hole)
			continue;
		expect_xlate(s, a + 0x10, pa + off + 0x10, in2m ? 3 : 2,
			     RWX | PG_PROT_USER);
	}
	/* Flushed: the old 1G leaf, the old 2M leaf and the hole. */
	assert_true(sim_flushed(&t->sim, va, SZ_1G));
	assert_true(sim_flushed(&t->sim, ALIGN_DOWN(hole, SZ_2M), SZ_2M));
	assert_true(sim_flushed(&t->sim, hole, SZ_4K));

	/* Unmap a range cutting two 2M leaves: 1M..3M of a 4M window. */
	assert_int_equal(pg_unmap(s, va + 100 * SZ_2M + SZ_2M / 2, SZ_2M), 0);
	expect_xlate(s, va + 100 * SZ_2M, pa + 100 * SZ_2M, 3, RWX | PG_PROT_USER);
	expect_unmapped(s, va + 100 * SZ_2M + SZ_2M / 2);
	expect_unmapped(s, va + 101 * SZ_2M + SZ_2M / 2 - SZ_4K);
	expect_xlate(s, va + 101 * SZ_2M + SZ_2M / 2, pa + 101 * SZ_2M + SZ_2M / 2,
		     3, RWX | PG_PROT_USER);
	expect_tables(t, 6);
	/* Everything else: back to the root. */
	assert_int_equal(pg_unmap(s, va, SZ_1G), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

static void test_split_protect(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = 4 * SZ_2M, pa = 10 * SZ_2M, mid = va + 17 * SZ_4K;

	assert_int_equal(pg_map(s, va, pa, SZ_2M, RWX), 0);
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_protect(s, mid, 2 * SZ_4K, PG_PROT_R), 0);
	assert_true(sim_flushed(&t->sim, va, SZ_2M));
	assert_true(sim_flushed(&t->sim, mid, 2 * SZ_4K));
	for (uint64_t off = 0; off < SZ_2M; off += SZ_4K) {
		bool ro = va + off == mid || va + off == mid + SZ_4K;

		expect_xlate(s, va + off, pa + off, 3, ro ? PG_PROT_R : RWX);
	}
	/* A 1G leaf with a 2M-aligned protect inside: 2M leaves suffice. */
	assert_int_equal(pg_map(s, 2 * SZ_1G, 2 * SZ_1G, SZ_1G, RW), 0);
	assert_int_equal(pg_protect(s, 2 * SZ_1G + 6 * SZ_2M, 2 * SZ_2M,
				    PG_PROT_R | PG_PROT_X), 0);
	expect_xlate(s, 2 * SZ_1G + 5 * SZ_2M, 2 * SZ_1G + 5 * SZ_2M, 2, RW);
	expect_xlate(s, 2 * SZ_1G + 7 * SZ_2M, 2 * SZ_1G + 7 * SZ_2M, 2,
		     PG_PROT_R | PG_PROT_X);
	expect_xlate(s, 2 * SZ_1G + 8 * SZ_2M, 2 * SZ_1G + 8 * SZ_2M, 2, RW);
	/* Protect over a whole leaf rewrites it in place (no split). */
	uint64_t before = pg_table_pages(s);
	assert_int_equal(pg_protect(s, 2 * SZ_1G, SZ_1G, RWX), 0);
	assert_int_equal(pg_table_pages(s), before);
	expect_xlate(s, 2 * SZ_1G + 7 * SZ_2M, 2 * SZ_1G + 7 * SZ_2M, 2, RWX);
	tctx_free(t);
}

/* ------------------------------------------------------------ reclaim */

static void test_reclaim(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t used0 = sim_frames_in_use(&t->sim);
	static const struct pg_range r[] = {
		{ 0x1000, 0x1000, 0x3000 },
		{ SZ_2M - SZ_4K, 0x200000 - SZ_4K, SZ_2M + 2 * SZ_4K },
		{ 3 * SZ_1G, 3 * SZ_1G, SZ_1G + SZ_2M + SZ_4K },
		{ SZ_512G - SZ_4K, 0x10000, 2 * SZ_4K },
		{ 0xffff800000000000ULL, 0, SZ_1G },
	};

	for (size_t i = 0; i < ARRAY_SIZE(r); i++)
		assert_int_equal(pg_map(s, r[i].va, r[i].pa, r[i].size, RW), 0);
	assert_true(pg_table_pages(s) > 8);
	/* Unmap in pieces, out of order, across holes. */
	assert_int_equal(pg_unmap(s, 0xffff800000000000ULL + SZ_2M, SZ_1G - SZ_2M), 0);
	assert_int_equal(pg_unmap(s, 3 * SZ_1G + SZ_4K, SZ_1G + SZ_2M), 0);
	assert_int_equal(pg_unmap(s, 0, 4 * SZ_2M), 0);
	assert_int_equal(pg_unmap(s, SZ_512G - SZ_4K, SZ_4K), 0);
	assert_int_equal(pg_unmap(s, 3 * SZ_1G, SZ_4K), 0);
	assert_int_equal(pg_unmap(s, 0xffff800000000000ULL, SZ_2M), 0);
	assert_int_equal(pg_unmap(s, SZ_512G, SZ_4K), 0);
	expect_tables(t, 1);
	assert_int_equal(t->s.root_count, 0);
	assert_int_equal(sim_frames_in_use(&t->sim), used0);
	/* Unmapping nothing is fine and flushes nothing. */
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_unmap(s, 0, 8 * SZ_1G), 0);
	assert_int_equal(t->sim.nflush, 0);
	tctx_free(t);
}

/* ------------------------------------------------------------ errors */

static void test_eexist(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	struct sim_snapshot snap;

	assert_int_equal(pg_map(s, SZ_1G, SZ_1G, SZ_1G, RW), 0);
	assert_int_equal(pg_map(s, 4 * SZ_1G + 0x5000, 0x5000, SZ_4K, RW), 0);
	sim_snapshot_take(&t->sim, &snap);
	assert_int_equal(pg_map(s, SZ_1G + SZ_2M, 0, SZ_4K, RW), -EEXIST);
	assert_int_equal(pg_map(s, 0, 0, SZ_1G + SZ_4K, RW), -EEXIST);
	assert_int_equal(pg_map(s, 2 * SZ_1G - SZ_4K, 0, SZ_2M, RW), -EEXIST);
	assert_int_equal(pg_map(s, 4 * SZ_1G, 0, SZ_2M, RW), -EEXIST);
	assert_int_equal(pg_map(s, 4 * SZ_1G + 0x5000, 0x5000, SZ_4K, RW), -EEXIST);
	assert_true(sim_snapshot_same(&t->sim, &snap));
	sim_snapshot_free(&snap);
	/* The neighbours are free. */
	assert_int_equal(pg_map(s, 4 * SZ_1G + 0x4000, 0x4000, SZ_4K, RW), 0);
	assert_int_equal(pg_map(s, 4 * SZ_1G + 0x6000, 0x6000, SZ_4K, RW), 0);
	tctx_free(t);
}

static void test_einval(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	struct sim_snapshot snap;
	struct pg_xlate x;

	assert_int_equal(pg_map(s, SZ_1G, SZ_1G, SZ_2M, RW), 0);
	sim_snapshot_take(&t->sim, &snap);
	assert_int_equal(pg_map(s, 0x1001, 0x1000, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, 0x1001, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, 0x1000, 0x800, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, 0x1000, 0, RW), -EINVAL);
	/* Non-canonical, or spanning the hole. */
	assert_int_equal(pg_map(s, 0x0000800000000000ULL, 0, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0xffff7ffffffff000ULL, 0, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x00007ffffffff000ULL, 0, 2 * SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x00007ffffffff000ULL, 0,
				0xffff800000001000ULL - 0x00007ffffffff000ULL, RW), -EINVAL);
	/* va + size wraps; pa beyond 52 bits or wrapping. */
	assert_int_equal(pg_map(s, 0xfffffffffffff000ULL, 0, 2 * SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, 1ULL << 52, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, (1ULL << 52) - SZ_4K, 2 * SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x1000, 0xfffffffffffff000ULL, 2 * SZ_4K, RW), -EINVAL);
	/* unmap / protect / translate. */
	assert_int_equal(pg_unmap(s, SZ_1G + 1, SZ_4K), -EINVAL);
	assert_int_equal(pg_unmap(s, SZ_1G, 0), -EINVAL);
	assert_int_equal(pg_unmap(s, 0x0000800000000000ULL, SZ_4K), -EINVAL);
	assert_int_equal(pg_unmap(s, 0xfffffffffffff000ULL, 2 * SZ_4K), -EINVAL);
	assert_int_equal(pg_protect(s, SZ_1G, SZ_4K + 1, PG_PROT_R), -EINVAL);
	assert_int_equal(pg_protect(s, SZ_1G, 0, PG_PROT_R), -EINVAL);
	assert_int_equal(pg_translate(s, 0x0000800000000000ULL, &x), -EINVAL);
	assert_true(sim_snapshot_same(&t->sim, &snap));
	sim_snapshot_free(&snap);
	tctx_free(t);
}

static void test_protect_enoent(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	struct sim_snapshot snap;

	assert_int_equal(pg_map(s, SZ_1G, SZ_1G, SZ_1G, RW), 0);
	assert_int_equal(pg_unmap(s, SZ_1G + SZ_2M, SZ_4K), 0);
	sim_snapshot_take(&t->sim, &snap);
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_protect(s, SZ_1G, SZ_1G, PG_PROT_R), -ENOENT);
	assert_int_equal(pg_protect(s, SZ_1G - SZ_4K, 2 * SZ_4K, PG_PROT_R), -ENOENT);
	assert_int_equal(pg_protect(s, 2 * SZ_1G - SZ_4K, 2 * SZ_4K, PG_PROT_R), -ENOENT);
	assert_int_equal(t->sim.nflush, 0);
	assert_true(sim_snapshot_same(&t->sim, &snap));
	sim_snapshot_free(&snap);
	expect_xlate(s, SZ_1G, SZ_1G, 2, RW);
	tctx_free(t);
}

/* Map a range needing six new tables, failing at each allocation in turn;
 * a page in a shared PD stays mapped throughout. */
static void test_enomem_map(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = 510 * SZ_1G - 2 * SZ_4K, size = 2 * SZ_1G + SZ_2M + 4 * SZ_4K;
	uint64_t pa = va - 100 * SZ_1G;
	int rc, k;

	assert_int_equal(pg_map(s, 510 * SZ_1G - 2 * SZ_2M, 0x3000, SZ_4K, RW), 0);
	for (k = 0;; k++) {
		struct sim_snapshot snap;

		sim_snapshot_take(&t->sim, &snap);
		sim_fail_after(&t->sim, k);
		rc = pg_map(s, va, pa, size, RWX);
		sim_fail_after(&t->sim, -1);
		if (rc == 0) {
			sim_snapshot_free(&snap);
			break;
		}
		assert_int_equal(rc, -ENOMEM);
		assert_true(sim_snapshot_same(&t->sim, &snap));
		sim_snapshot_free(&snap);
		expect_unmapped(s, va);
		expect_unmapped(s, 510 * SZ_1G);
		expect_unmapped(s, va + size - SZ_4K);
		expect_xlate(s, 510 * SZ_1G - 2 * SZ_2M, 0x3000, 3, RW);
	}
	assert_int_equal(k, 4);   /* head PT (PD shared); PDPT, PD, PT past 512G */
	expect_xlate(s, va, pa, 3, RWX);
	expect_xlate(s, 511 * SZ_1G, pa + 511 * SZ_1G - va, 1, RWX);
	expect_xlate(s, 512 * SZ_1G, pa + 512 * SZ_1G - va, 2, RWX);
	expect_xlate(s, va + size - SZ_4K, pa + size - SZ_4K, 3, RWX);
	assert_int_equal(pg_unmap(s, va, size), 0);
	assert_int_equal(pg_unmap(s, 510 * SZ_1G - 2 * SZ_2M, SZ_4K), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

/* Unmap/protect needing n splits fail with fewer than n pages left. */
static void check_edit_enomem(struct tctx *t, bool unmap, uint64_t va,
			      uint64_t size, int need)
{
	for (int k = 0; k <= need; k++) {
		struct sim_snapshot snap;
		int rc;

		sim_snapshot_take(&t->sim, &snap);
		sim_fail_after(&t->sim, k);
		rc = unmap ? pg_unmap(&t->s, va, size)
			   : pg_protect(&t->s, va, size, PG_PROT_R);
		sim_fail_after(&t->sim, -1);
		if (k < need) {
			assert_int_equal(rc, -ENOMEM);
			assert_true(sim_snapshot_same(&t->sim, &snap));
		} else {
			assert_int_equal(rc, 0);
		}
		sim_snapshot_free(&snap);
	}
}

static void test_enomem_unmap_protect(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;

	/* 1G leaves at 2G, 3G, 4G, 5G mapping pa = va - 2G. */
	assert_int_equal(pg_map(s, 2 * SZ_1G, 0, 4 * SZ_1G, RW), 0);
	/* One 4K page inside a 1G leaf: 1G->2M and 2M->4K. */
	check_edit_enomem(t, true, 2 * SZ_1G + SZ_2M + SZ_4K, SZ_4K, 2);
	expect_unmapped(s, 2 * SZ_1G + SZ_2M + SZ_4K);
	expect_xlate(s, 2 * SZ_1G + SZ_2M, SZ_2M, 3, RW);
	/* Across the 2G leaf (now 2M leaves) and the 3G one: a 2M->4K split
	 * at the start, a 1G->2M split at the end. */
	check_edit_enomem(t, false, 3 * SZ_1G - 3 * SZ_4K, SZ_2M + 3 * SZ_4K, 2);
	expect_xlate(s, 3 * SZ_1G - 4 * SZ_4K, SZ_1G - 4 * SZ_4K, 3, RW);
	expect_xlate(s, 3 * SZ_1G - 3 * SZ_4K, SZ_1G - 3 * SZ_4K, 3, PG_PROT_R);
	expect_xlate(s, 3 * SZ_1G + SZ_2M - SZ_4K, SZ_1G + SZ_2M - SZ_4K, 2, PG_PROT_R);
	expect_xlate(s, 3 * SZ_1G + SZ_2M, SZ_1G + SZ_2M, 2, RW);
	/* Both ends in one 1G leaf, different 2M leaves: 1G split shared. */
	check_edit_enomem(t, true, 4 * SZ_1G + 5 * SZ_2M + SZ_4K, 4 * SZ_2M, 3);
	expect_xlate(s, 4 * SZ_1G + 5 * SZ_2M, 2 * SZ_1G + 5 * SZ_2M, 3, RW);
	expect_unmapped(s, 4 * SZ_1G + 7 * SZ_2M);
	expect_xlate(s, 4 * SZ_1G + 9 * SZ_2M + SZ_4K, 2 * SZ_1G + 9 * SZ_2M + SZ_4K, 3, RW);
	/* Both ends in one 2M leaf: both splits shared. */
	check_edit_enomem(t, false, 5 * SZ_1G + 100 * SZ_2M + SZ_4K, 8 * SZ_4K, 2);
	/* Whole leaves: no split, no allocation needed. */
	check_edit_enomem(t, true, 5 * SZ_1G + 200 * SZ_2M, SZ_2M, 0);
	assert_int_equal(pg_unmap(s, 2 * SZ_1G, 4 * SZ_1G), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

/* ------------------------------------------------------------ one walk */

/* A map or unmap of one leaf whose tables exist reads each table once:
 * 4 table_ptr calls for a 4K leaf, 3 for a 2M leaf; an overlap is found on
 * the same walk; the next leaf in the same table needs no new walk. */
static void test_one_walk(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t r0;

	assert_int_equal(pg_map(s, SZ_1G, 0x3000, SZ_4K, RW), 0);
	assert_int_equal(pg_map(s, SZ_1G + SZ_2M, SZ_2M, SZ_2M, RW), 0);
	r0 = t->sim.reads;
	assert_int_equal(pg_map(s, SZ_1G + SZ_4K, 0x5000, SZ_4K, RW), 0);
	assert_int_equal(t->sim.reads - r0, 4);
	r0 = t->sim.reads;
	assert_int_equal(pg_unmap(s, SZ_1G + SZ_4K, SZ_4K), 0);
	assert_int_equal(t->sim.reads - r0, 4);
	r0 = t->sim.reads;
	assert_int_equal(pg_map(s, SZ_1G + 2 * SZ_2M, 0, SZ_2M, RW), 0);
	assert_int_equal(t->sim.reads - r0, 3);
	r0 = t->sim.reads;
	assert_int_equal(pg_unmap(s, SZ_1G + 2 * SZ_2M, SZ_2M), 0);
	assert_int_equal(t->sim.reads - r0, 3);
	r0 = t->sim.reads;
	assert_int_equal(pg_map(s, SZ_1G, 0, SZ_4K, RW), -EEXIST);
	assert_int_equal(pg_map(s, SZ_1G + SZ_2M + SZ_4K, 0, SZ_4K, RW),
			 -EEXIST);
	assert_int_equal(t->sim.reads - r0, 4 + 3);
	/* A range of leaves costs one walk per table, not per leaf: the
	 * other 511 pages of the first page's table, then their A/D bits,
	 * then (a walk for each edge) their unmap. */
	r0 = t->sim.reads;
	assert_int_equal(pg_map(s, SZ_1G + SZ_4K, 0x10000, SZ_2M - SZ_4K, RW),
			 0);
	assert_int_equal(t->sim.reads - r0, 4);
	r0 = t->sim.reads;
	assert_int_equal(pg_leaf_bits(s, SZ_1G, SZ_2M, 0, 0, NULL), 0);
	assert_int_equal(t->sim.reads - r0, 4);
	r0 = t->sim.reads;
	assert_int_equal(pg_unmap(s, SZ_1G + SZ_4K, SZ_2M - SZ_4K), 0);
	assert_int_equal(t->sim.reads - r0, 4 + 4);
	expect_xlate(s, SZ_1G, 0x3000, 3, RW);
	expect_unmapped(s, SZ_1G + SZ_4K);
	assert_int_equal(pg_unmap(s, SZ_1G, 2 * SZ_2M), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

/* A map that meets an overlap after mapping leaves of its own undoes them
 * (and flushes them: they were live); -EEXIST wins over -ENOMEM. */
static void test_map_undo(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = SZ_1G - 2 * SZ_4K;
	struct sim_snapshot snap;

	assert_int_equal(pg_map(s, SZ_1G, 0x3000, SZ_4K, RW), 0);
	sim_snapshot_take(&t->sim, &snap);
	sim_flush_reset(&t->sim);
	/* Two new leaves (in a new PD and PT), then the mapped page. */
	assert_int_equal(pg_map(s, va, 0x10000, 3 * SZ_4K, RW), -EEXIST);
	assert_true(sim_snapshot_same(&t->sim, &snap));
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, va, 2 * SZ_4K));
	expect_unmapped(s, va);
	expect_unmapped(s, va + SZ_4K);
	/* No table for the first leaf, and an overlap further on. */
	sim_flush_reset(&t->sim);
	sim_fail_after(&t->sim, 0);
	assert_int_equal(pg_map(s, va, 0x10000, 3 * SZ_4K, RW), -EEXIST);
	sim_fail_after(&t->sim, -1);
	assert_true(sim_snapshot_same(&t->sim, &snap));
	assert_int_equal(t->sim.nflush, 0);
	sim_snapshot_free(&snap);
	tctx_free(t);
}

/* ------------------------------------------------------------ flush */

static void test_flush(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;

	sim_flush_reset(&t->sim);
	assert_int_equal(pg_map(s, SZ_1G, 0, SZ_1G, RW), 0);
	assert_int_equal(pg_map(s, 0x1000, 0x1000, SZ_4K, RW), 0);
	assert_int_equal(t->sim.nflush, 0);       /* additions: no flush */

	assert_int_equal(pg_unmap(s, 0x1000, SZ_4K), 0);
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, 0x1000, SZ_4K));

	sim_flush_reset(&t->sim);
	assert_int_equal(pg_protect(s, SZ_1G, SZ_2M, PG_PROT_R), 0);
	assert_true(sim_flushed(&t->sim, SZ_1G, SZ_1G));   /* the split */
	assert_true(sim_flushed(&t->sim, SZ_1G, SZ_2M));
	expect_xlate(s, SZ_1G + 5, 5, 2, PG_PROT_R);
	expect_xlate(s, SZ_1G + SZ_2M + 5, SZ_2M + 5, 2, RW);

	/* A flush hook is optional. */
	struct pg_env env = *sim_env(&t->sim);
	const struct pg_env *old = s->env;
	env.flush = NULL;
	s->env = &env;
	assert_int_equal(pg_unmap(s, SZ_1G, SZ_4K), 0);
	s->env = old;
	expect_unmapped(s, SZ_1G);
	expect_xlate(s, SZ_1G + SZ_4K, SZ_4K, 3, PG_PROT_R);
	tctx_free(t);
}

/* Every change of one call, splits included, is flushed once, over the
 * hull of what changed. */
static void test_flush_once(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t b = 4 * SZ_1G;

	assert_int_equal(pg_map(s, SZ_1G, 0, SZ_1G, RW), 0);
	sim_flush_reset(&t->sim);
	/* 1G -> 2M -> 4K, then the unmap: one flush of the old 1G leaf. */
	assert_int_equal(pg_unmap(s, SZ_1G + 3 * SZ_2M + SZ_4K, SZ_4K), 0);
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, SZ_1G, SZ_1G));

	/* Across two 2M leaves: both split, both narrowed, one flush. */
	assert_int_equal(pg_map(s, b, 0, 2 * SZ_2M, RW), 0);
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_protect(s, b + SZ_2M - SZ_4K, 2 * SZ_4K,
				    PG_PROT_R), 0);
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, b, 2 * SZ_2M));
	expect_xlate(s, b + SZ_2M - SZ_4K, SZ_2M - SZ_4K, 3, PG_PROT_R);
	expect_xlate(s, b + SZ_2M, SZ_2M, 3, PG_PROT_R);
	sim_flush_reset(&t->sim);
	assert_int_equal(pg_unmap(s, b, 2 * SZ_2M), 0);
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, b, 2 * SZ_2M));
	assert_int_equal(pg_unmap(s, SZ_1G, SZ_1G), 0);
	expect_tables(t, 1);
	tctx_free(t);
}

/* Flushes per kind of change (mm/paging.h): a leaf that only gains rights
 * is flushed on x86-64, not on EPT, unless a split went with it. */
static void check_flush_policy(const struct pg_format *fmt)
{
	struct tctx *t = tctx_new(fmt, ALL_SIZES);
	struct pg_space *s = &t->s;
	static const struct {
		uint64_t va, size;
		unsigned prot, x86, ept;   /* flushes wanted */
	} step[] = {
		{ 0x1000, SZ_4K, RW, 1, 0 },                 /* W added */
		{ 0x1000, SZ_4K, RW, 0, 0 },                 /* no change */
		{ 0x1000, SZ_4K, RWX, 1, 0 },                /* X added */
		{ 0x1000, SZ_4K, PG_PROT_R, 1, 1 },          /* narrowed */
		{ 0x1000, SZ_4K, PG_PROT_R | PG_PROT_UC, 1, 1 }, /* type */
		{ SZ_2M, SZ_2M, RW, 1, 0 },                  /* whole 2M leaf */
		{ SZ_2M + SZ_4K, SZ_4K, RWX, 1, 1 },         /* split + widen */
		{ SZ_2M + 2 * SZ_4K, SZ_4K, RWX, 1, 0 },     /* then 4K widen */
	};

	assert_int_equal(pg_map(s, 0x1000, 0x1000, SZ_4K, PG_PROT_R), 0);
	assert_int_equal(pg_map(s, SZ_2M, SZ_2M, SZ_2M, PG_PROT_R), 0);
	for (size_t i = 0; i < ARRAY_SIZE(step); i++) {
		unsigned want = fmt == &pg_fmt_x86 ? step[i].x86 : step[i].ept;

		sim_flush_reset(&t->sim);
		assert_int_equal(pg_protect(s, step[i].va, step[i].size,
					    step[i].prot), 0);
		print_message("%s step %zu: %llu flushes, want %u\n", fmt->name,
			      i, (unsigned long long)t->sim.nflush, want);
		assert_int_equal(t->sim.nflush, want);
		expect_xlate(s, step[i].va, step[i].va,
			     step[i].size == SZ_2M && i < 6 ? 2 : 3,
			     step[i].prot);
	}
	assert_int_equal(pg_unmap(s, 0, 2 * SZ_2M), 0);
	tctx_free(t);
}

static void test_flush_policy(void **state)
{
	check_flush_policy(&pg_fmt_x86);
	check_flush_policy(&pg_fmt_ept);
}

/* The A/D bits the CPU set survive a protect and go with the pieces of a
 * split leaf. */
static void test_protect_keeps_ad(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_ept, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t ad = EPT_A | EPT_D;
	struct pg_walk w;

	assert_int_equal(pg_map(s, SZ_2M, 0, SZ_2M, RW), 0);
	/* As the CPU does on a write through the leaf. */
	assert_int_equal(pg_walk_va(s, SZ_2M, &w), 0);
	*(uint64_t *)sim_ptr(&t->sim, w.step[w.nsteps - 1].entry_pa) |= ad;
	assert_int_equal(pg_protect(s, SZ_2M, SZ_2M, RWX), 0);
	assert_int_equal(pg_walk_va(s, SZ_2M, &w), 0);
	assert_int_equal(w.xlate.page_size, SZ_2M);
	assert_int_equal(w.xlate.entry & ad, ad);
	assert_int_equal(pg_protect(s, SZ_2M + 5 * SZ_4K, SZ_4K, RW), 0);
	for (uint64_t off = 0; off < SZ_2M; off += SZ_4K) {
		assert_int_equal(pg_walk_va(s, SZ_2M + off, &w), 0);
		assert_int_equal(w.xlate.page_size, SZ_4K);
		assert_int_equal(w.xlate.entry & ad, ad);
	}
	assert_int_equal(pg_unmap(s, SZ_2M, SZ_2M), 0);
	tctx_free(t);
}

/* ------------------------------------------------------------ A/D */

/* As the CPU does: set bits in the leaf that maps va. */
static void cpu_set_bits(struct tctx *t, uint64_t va, uint64_t bits)
{
	struct pg_walk w;

	assert_int_equal(pg_walk_va(&t->s, va, &w), 0);
	*(uint64_t *)sim_ptr(&t->sim, w.step[w.nsteps - 1].entry_pa) |= bits;
}

static uint64_t leaf_entry(struct tctx *t, uint64_t va)
{
	struct pg_walk w;

	assert_int_equal(pg_walk_va(&t->s, va, &w), 0);
	return w.xlate.entry;
}

/* pg_leaf_bits reads A/D per page, clears and sets them per leaf (no
 * split) and flushes once, only when a set bit is cleared. */
static void test_leaf_bits(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_ept, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = 2 * SZ_2M - 2 * SZ_4K, tables;
	const unsigned A = PG_BIT_A, D = PG_BIT_D;
	/* 2M leaf (2 pages), 4K leaves (3 pages), a hole. */
	const uint8_t want0[6] = { A, A, 0, A | D, 0, 0 };
	const uint8_t want1[6] = { D, D, D, D, D, 0 };
	uint8_t old[6];

	assert_int_equal(pg_map(s, SZ_2M, SZ_2M, SZ_2M, RW), 0);
	assert_int_equal(pg_map(s, 2 * SZ_2M, 2 * SZ_2M, 3 * SZ_4K, RW), 0);
	cpu_set_bits(t, SZ_2M, EPT_A);
	cpu_set_bits(t, 2 * SZ_2M + SZ_4K, EPT_A | EPT_D);
	tables = pg_table_pages(s);
	sim_flush_reset(&t->sim);

	assert_int_equal(pg_leaf_bits(s, va, 6 * SZ_4K, 0, 0, old), 0);
	assert_memory_equal(old, want0, sizeof(old));
	assert_int_equal(t->sim.nflush, 0);
	/* Clear both: one flush over the two leaves that had bits set; the
	 * 2M leaf loses them for all of its pages. */
	memset(old, 0xEE, sizeof(old));
	assert_int_equal(pg_leaf_bits(s, va, 6 * SZ_4K, A | D, 0, old), 0);
	assert_memory_equal(old, want0, sizeof(old));
	assert_int_equal(t->sim.nflush, 1);
	assert_true(sim_flushed(&t->sim, SZ_2M, SZ_2M + 2 * SZ_4K));
	assert_int_equal(leaf_entry(t, SZ_2M) & (EPT_A | EPT_D), 0);
	assert_int_equal(leaf_entry(t, 2 * SZ_2M + SZ_4K) & (EPT_A | EPT_D), 0);
	/* Nothing set: nothing to flush. Setting never flushes. */
	assert_int_equal(pg_leaf_bits(s, va, 6 * SZ_4K, A | D, 0, NULL), 0);
	assert_int_equal(pg_leaf_bits(s, va, 6 * SZ_4K, 0, D, NULL), 0);
	assert_int_equal(t->sim.nflush, 1);
	assert_int_equal(pg_leaf_bits(s, va, 6 * SZ_4K, 0, 0, old), 0);
	assert_memory_equal(old, want1, sizeof(old));
	assert_int_equal(leaf_entry(t, SZ_2M) & (EPT_A | EPT_D), EPT_D);
	/* No split, no table touched; bad bits and ranges. */
	assert_int_equal(pg_table_pages(s), tables);
	assert_int_equal(pg_leaf_bits(s, va, SZ_4K, BIT(2), 0, NULL), -EINVAL);
	assert_int_equal(pg_leaf_bits(s, va, SZ_4K, 0, BIT(5), NULL), -EINVAL);
	assert_int_equal(pg_leaf_bits(s, va + 1, SZ_4K, A, 0, NULL), -EINVAL);
	assert_int_equal(pg_leaf_bits(s, va, 0, A, 0, NULL), -EINVAL);
	assert_int_equal(pg_leaf_bits(s, 1ULL << 48, SZ_4K, A, 0, NULL),
			 -EINVAL);
	assert_int_equal(pg_unmap(s, SZ_2M, 2 * SZ_2M), 0);
	tctx_free(t);
}

/* ------------------------------------------------------------ walk */

static struct sim_phys *walk_sim;

/* Only the root is readable. */
static void *root_only_ptr(void *ctx, uint64_t pa)
{
	struct pg_space *s = ctx;

	return pa == s->root ? sim_ptr(walk_sim, pa) : NULL;
}

static void test_walk_va(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t va = 0x7f1234567000ULL;
	struct pg_walk w;

	assert_int_equal(pg_map(s, va, 0xabc000, SZ_4K, RW), 0);
	assert_int_equal(pg_map(s, SZ_1G + SZ_2M, SZ_2M, SZ_2M, RW), 0);
	assert_int_equal(pg_walk_va(s, va + 0x10, &w), 0);
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(w.step[0].table_pa, s->root);
	for (unsigned i = 0; i < 4; i++) {
		unsigned idx = (va >> (39 - 9 * i)) & 511;
		uint64_t *e = sim_ptr(&t->sim, w.step[i].entry_pa);

		assert_int_equal(w.step[i].level, i);
		assert_int_equal(w.step[i].entry_pa, w.step[i].table_pa + idx * 8);
		assert_int_equal(w.step[i].entry, *e);
		if (i)
			assert_int_equal(w.step[i].table_pa,
					 w.step[i - 1].entry & PTE_ADDR_MASK);
	}
	assert_int_equal(w.xlate.pa, 0xabc010);
	assert_int_equal(w.xlate.entry, w.step[3].entry);

	assert_int_equal(pg_walk_va(s, SZ_1G + SZ_2M + 7, &w), 0);
	assert_int_equal(w.nsteps, 3);
	assert_int_equal(w.xlate.page_size, SZ_2M);
	/* Stops where the entry is not present. */
	assert_int_equal(pg_walk_va(s, SZ_1G, &w), -ENOENT);
	assert_int_equal(w.nsteps, 3);
	assert_int_equal(w.step[2].entry, 0);
	assert_int_equal(pg_walk_va(s, 100 * SZ_512G, &w), -ENOENT);
	assert_int_equal(w.nsteps, 1);
	assert_int_equal(pg_walk_va(s, 0x0000900000000000ULL, &w), -EINVAL);
	assert_int_equal(w.nsteps, 0);

	/* A table that cannot be read: -EFAULT after the root step. */
	struct pg_env env = *sim_env(&t->sim);
	const struct pg_env *old = s->env;
	walk_sim = &t->sim;
	env.ctx = s;
	env.table_ptr = root_only_ptr;
	s->env = &env;
	assert_int_equal(pg_walk_va(s, va, &w), -EFAULT);
	assert_int_equal(w.nsteps, 1);
	s->env = old;
	tctx_free(t);
}

struct leaves {
	unsigned n, stop_at;
	struct pg_leaf l[8];
};

static int collect_leaf(void *ctx, const struct pg_leaf *l)
{
	struct leaves *c = ctx;

	if (c->n < ARRAY_SIZE(c->l))
		c->l[c->n] = *l;
	return ++c->n == c->stop_at ? 7 : 0;
}

/* pg_leaves: every present leaf in address order, upper half
 * sign-extended; an unreadable table is passed as a size-0 leaf. */
static void test_leaves(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	struct pg_space *s = &t->s;
	uint64_t kva = 0xffff800040000000ULL;
	struct leaves c = { 0 };

	assert_int_equal(pg_map(s, kva, 0x200000, SZ_2M, PG_PROT_R), 0);
	assert_int_equal(pg_map(s, 0x5000, 0x9000, 2 * SZ_4K, RW), 0);
	assert_int_equal(pg_map(s, SZ_1G, 0, SZ_1G, RWX), 0);
	assert_int_equal(pg_leaves(s, collect_leaf, &c), 0);
	assert_int_equal(c.n, 4);
	assert_int_equal(c.l[0].va, 0x5000);
	assert_int_equal(c.l[0].pa, 0x9000);
	assert_int_equal(c.l[0].size, SZ_4K);
	assert_int_equal(c.l[0].prot, RW);
	assert_int_equal(c.l[1].va, 0x6000);
	assert_int_equal(c.l[2].va, SZ_1G);
	assert_int_equal(c.l[2].size, SZ_1G);
	assert_int_equal(c.l[2].level, 1);
	assert_int_equal(c.l[3].va, kva);
	assert_int_equal(c.l[3].pa, 0x200000);
	assert_int_equal(c.l[3].prot, PG_PROT_R);
	/* fn's non-zero return stops the walk and is returned. */
	c = (struct leaves){ .stop_at = 2 };
	assert_int_equal(pg_leaves(s, collect_leaf, &c), 7);
	assert_int_equal(c.n, 2);

	struct pg_env env = *sim_env(&t->sim);
	const struct pg_env *old = s->env;
	walk_sim = &t->sim;
	env.ctx = s;
	env.table_ptr = root_only_ptr;
	s->env = &env;
	c = (struct leaves){ 0 };
	assert_int_equal(pg_leaves(s, collect_leaf, &c), 0);
	s->env = old;
	assert_int_equal(c.n, 2);           /* two PDPTs not readable */
	assert_int_equal(c.l[0].size, 0);
	assert_int_equal(c.l[0].level, 1);
	assert_int_equal(c.l[1].size, 0);
	assert_int_equal(pg_unmap(s, 0, 2 * SZ_1G), 0);
	assert_int_equal(pg_unmap(s, kva, SZ_2M), 0);
	tctx_free(t);
}

/* ------------------------------------------------------------ sizing */

struct layout {
	unsigned sizes;
	size_t n;
	struct pg_range r[4];
};

static void test_min_tables(void **state)
{
	static const struct layout lay[] = {
		{ ALL_SIZES, 1, { { 0x1000, 0x1000, SZ_4K } } },
		{ ALL_SIZES, 1, { { SZ_1G, 0, SZ_1G } } },
		{ ALL_SIZES, 1, { { SZ_1G, 0x1000, SZ_1G } } },
		{ ALL_SIZES, 1, { { SZ_2M - SZ_4K, 0x5000 + SZ_2M - SZ_4K, 3 * SZ_2M } } },
		{ ALL_SIZES, 1, { { SZ_2M - SZ_4K, SZ_2M - SZ_4K, 3 * SZ_2M + 2 * SZ_4K } } },
		{ ALL_SIZES, 1, { { SZ_1G - SZ_4K, SZ_1G - SZ_4K, 2 * SZ_1G + 2 * SZ_4K } } },
		{ ALL_SIZES, 2, { { 0x1000, 0x1000, SZ_4K }, { 0x5000, 0x9000, 2 * SZ_4K } } },
		{ ALL_SIZES, 3, { { SZ_512G - SZ_2M - SZ_4K, 0, SZ_2M + 2 * SZ_4K },
				  { SZ_512G + SZ_1G, SZ_1G, SZ_1G },
				  { 0xffff800000000000ULL, 0, 3 * SZ_1G + SZ_4K } } },
		{ PG_SIZE_4K, 1, { { SZ_1G - SZ_2M, 0, 4 * SZ_2M } } },
		{ PG_SIZE_4K | PG_SIZE_2M, 2, { { 0, 0, 3 * SZ_1G },
						{ 3 * SZ_1G + SZ_4K, 0, SZ_4K } } },
		{ ALL_SIZES, 2, { { SZ_1G, SZ_1G, SZ_2M - SZ_4K },
				  { SZ_1G + SZ_2M, 0, SZ_2M + SZ_4K } } },
	};
	static const uint64_t expect[] = { 4, 2, 515, 7, 5, 6, 4, 11, 8, 7, 5 };

	for (size_t i = 0; i < ARRAY_SIZE(lay); i++) {
		struct tctx *t = tctx_new(&pg_fmt_x86, lay[i].sizes);
		uint64_t per[PG_LEVELS], n;

		for (size_t j = 0; j < lay[i].n; j++)
			assert_int_equal(pg_map(&t->s, lay[i].r[j].va, lay[i].r[j].pa,
						lay[i].r[j].size, RW), 0);
		n = pg_min_tables(&pg_fmt_x86, lay[i].sizes, lay[i].r, lay[i].n, per);
		print_message("layout %zu: min %llu, actual %llu\n", i,
			      (unsigned long long)n,
			      (unsigned long long)pg_table_pages(&t->s));
		assert_int_equal(n, pg_table_pages(&t->s));
		assert_int_equal(n, expect[i]);
		for (unsigned l = 0; l < PG_LEVELS; l++)
			assert_int_equal(per[l], t->s.tables[l]);
		assert_int_equal(pg_min_tables(&pg_fmt_x86, lay[i].sizes, lay[i].r,
					       lay[i].n, NULL), n);
		tctx_free(t);
	}
	assert_int_equal(pg_min_tables(&pg_fmt_x86, ALL_SIZES, NULL, 0, NULL), 1);
}

/* ------------------------------------------------------------ random */

#define RND_BASE   (511 * SZ_1G)          /* crosses a 512G boundary */
#define RND_SIZE   (2 * SZ_1G)
#define RND_PAGES  (RND_SIZE / SZ_4K)

struct rnd_page {
	uint64_t pa;
	uint8_t prot;
	bool mapped;
};

static uint64_t rnd_state;
/* Mapped pages per 2M block of the window: empty holes checked fast. */
static uint16_t rnd_cnt2m[RND_SIZE / SZ_2M];

static void rnd_set(struct rnd_page *m, uint64_t i, uint64_t pa, unsigned prot,
		    bool mapped)
{
	rnd_cnt2m[i / 512] += (int)mapped - (int)m[i].mapped;
	m[i] = (struct rnd_page){ pa, (uint8_t)prot, mapped };
}

static uint64_t rnd_next(void)   /* splitmix64 */
{
	uint64_t z = (rnd_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rnd_below(uint64_t n)
{
	return rnd_next() % n;
}

static uint64_t rnd_seed(void)
{
	const char *env = getenv("EPTLAB_SEED");

	return env ? strtoull(env, NULL, 0) : 0x5eed2026ULL;
}

/* A random range in the window: 4K, 2M or 1G grained, with 4K tails. */
static void rnd_range(uint64_t *va, uint64_t *size)
{
	static const uint64_t gran[] = { SZ_4K, SZ_4K, SZ_4K, SZ_4K, SZ_2M,
					 SZ_2M, SZ_2M, SZ_1G };
	uint64_t g = gran[rnd_below(ARRAY_SIZE(gran))];
	uint64_t off = rnd_below(RND_SIZE / g) * g, len = g * (1 + rnd_below(4));

	if (rnd_below(3) == 0 && off >= 4 * SZ_4K)
		off -= SZ_4K * (1 + rnd_below(3));
	if (rnd_below(3) == 0)
		len += SZ_4K * (1 + rnd_below(3));
	len = MIN(len, RND_SIZE - off);
	*va = RND_BASE + off;
	*size = len;
}

static bool rnd_any(const struct rnd_page *m, uint64_t va, uint64_t size,
		    bool mapped)
{
	for (uint64_t i = (va - RND_BASE) / SZ_4K; i < (va - RND_BASE + size) / SZ_4K; i++)
		if (m[i].mapped == mapped)
			return true;
	return false;
}

/* No page of [lo, hi) (inside the window) is mapped in the model. */
static bool rnd_model_empty(const struct rnd_page *m, uint64_t lo, uint64_t hi)
{
	bool ok = true;

	for (; lo < hi; lo += SZ_4K) {
		uint64_t i = (lo - RND_BASE) / SZ_4K;

		if (IS_ALIGNED(lo, SZ_2M) && hi - lo >= SZ_2M) {
			ok &= rnd_cnt2m[i / 512] == 0;
			lo += SZ_2M - SZ_4K;
		} else {
			ok &= !m[i].mapped;
		}
	}
	return ok;
}

struct rnd_check {
	struct tctx *t;
	const struct rnd_page *m;
	uint64_t tables[PG_LEVELS];
	uint64_t bad_va;         /* first entry found wrong, or ~0 */
};

/*
 * Independent of the engine's walker: read the table at level l covering
 * VAs from base, compare every entry with the model, recurse. Checks the
 * count each parent entry keeps too. Returns the present entries.
 */
static unsigned rnd_check_table(struct rnd_check *c, uint64_t tpa, unsigned l,
				uint64_t base)
{
	const struct pg_format *f = c->t->s.fmt;
	const uint64_t *tb = sim_ptr(&c->t->sim, tpa);
	uint64_t span = 1ULL << f->level[l].shift;
	unsigned present = 0;

	c->tables[l]++;
	for (unsigned i = 0; i < PG_ENTRIES; i++) {
		uint64_t va = base + i * span, e = tb[i];
		uint64_t lo = MAX(va, RND_BASE), hi = MIN(va + span, RND_BASE + RND_SIZE);
		bool ok = true;

		if (!(e & f->level[l].present_mask)) {
			/* A hole holds exactly the format's empty value. */
			ok = e == f->empty &&
			     (lo >= hi || rnd_model_empty(c->m, lo, hi));
		} else if (present++, lo != va || hi != va + span) {
			if (l == PG_LEVELS - 1 || (e & f->level[l].leaf_bit) ||
			    lo >= hi)
				ok = false;   /* a leaf sticking out of the window */
			else
				ok = rnd_check_table(c, e & f->addr_mask, l + 1, va) ==
				     ((e >> f->count_shift) & 1023);
		} else if (l == PG_LEVELS - 1 || (e & f->level[l].leaf_bit)) {
			uint64_t pa = e & f->addr_mask & ~(span - 1);
			unsigned prot = f->level[l].leaf_prot(e);
			const struct rnd_page *p = &c->m[(va - RND_BASE) / SZ_4K];

			for (uint64_t k = 0; k < span / SZ_4K; k++, pa += SZ_4K)
				ok &= p[k].mapped && p[k].pa == pa && p[k].prot == prot;
		} else {
			unsigned n = rnd_check_table(c, e & f->addr_mask, l + 1, va);

			ok = n != 0 && n == ((e >> f->count_shift) & 1023);
		}
		if (!ok && c->bad_va == ~0ULL)
			c->bad_va = va;
	}
	return present;
}

/* Compare the whole window with the model, by reading the tables, and
 * some random pages through pg_translate. */
static void rnd_verify(struct tctx *t, const struct rnd_page *m, unsigned op)
{
	struct rnd_check c = { .t = t, .m = m, .bad_va = ~0ULL };

	if (rnd_check_table(&c, t->s.root, 0, 0) != t->s.root_count)
		fail_msg("op %u: root count %u wrong", op, t->s.root_count);
	if (c.bad_va != ~0ULL)
		fail_msg("op %u: tables differ from the model at 0x%llx", op,
			 (unsigned long long)c.bad_va);
	for (unsigned l = 0; l < PG_LEVELS; l++)
		assert_int_equal(c.tables[l], t->s.tables[l]);
	assert_int_equal(pg_stray_holes(&t->s, NULL), 0);
	for (int k = 0; k < 32; k++) {
		uint64_t i = rnd_below(RND_PAGES), off = rnd_below(SZ_4K);
		struct pg_xlate x;
		int rc = pg_translate(&t->s, RND_BASE + i * SZ_4K + off, &x);

		if (!m[i].mapped) {
			assert_int_equal(rc, -ENOENT);
			continue;
		}
		assert_int_equal(rc, 0);
		assert_int_equal(x.pa, m[i].pa + off);
		assert_int_equal(x.prot, m[i].prot);
	}
	assert_int_equal(sim_frames_in_use(&t->sim), pg_table_pages(&t->s));
	assert_int_equal(t->sim.bad_frees, 0);
}

static void run_random(const struct pg_format *fmt, const unsigned *prots,
		       size_t nprots, uint64_t seed, unsigned ops)
{
	struct tctx *t = tctx_new(fmt, ALL_SIZES);
	struct rnd_page *m = calloc(RND_PAGES, sizeof(*m));
	unsigned counts[4] = { 0 }, enomem = 0;

	assert_non_null(m);
	rnd_state = seed;
	memset(rnd_cnt2m, 0, sizeof(rnd_cnt2m));
	for (unsigned op = 0; op < ops; op++) {
		uint64_t va, size, i0, n, free0 = t->sim.pool.free;
		unsigned kind = (unsigned)rnd_below(10);
		unsigned prot = prots[rnd_below(nprots)];
		bool inject = rnd_below(8) == 0;
		int rc, want;

		rnd_range(&va, &size);
		i0 = (va - RND_BASE) / SZ_4K;
		n = size / SZ_4K;
		if (inject)
			sim_fail_after(&t->sim, (long)rnd_below(5));
		if (kind < 4) {                            /* map */
			uint64_t pa = rnd_below(4) == 0
				? rnd_below(1ULL << 28) * SZ_4K
				: rnd_below(1024) * SZ_1G + (va % SZ_1G);

			want = rnd_any(m, va, size, true) ? -EEXIST : 0;
			rc = pg_map(&t->s, va, pa, size, prot);
			if (rc == 0)
				for (uint64_t i = 0; i < n; i++)
					rnd_set(m, i0 + i, pa + i * SZ_4K, prot, true);
		} else if (kind < 7) {                     /* unmap */
			want = 0;
			rc = pg_unmap(&t->s, va, size);
			if (rc == 0)
				for (uint64_t i = 0; i < n; i++)
					rnd_set(m, i0 + i, 0, 0, false);
		} else {                                   /* protect */
			want = rnd_any(m, va, size, false) ? -ENOENT : 0;
			rc = pg_protect(&t->s, va, size, prot);
			if (rc == 0)
				for (uint64_t i = 0; i < n; i++)
					m[i0 + i].prot = (uint8_t)prot;
		}
		sim_fail_after(&t->sim, -1);
		if (inject && want == 0 && rc == -ENOMEM) {
			enomem++;
			assert_int_equal(t->sim.pool.free, free0);
		} else if (rc != want) {
			fail_msg("op %u kind %u va 0x%llx size 0x%llx: %s, want %s",
				 op, kind, (unsigned long long)va,
				 (unsigned long long)size, err_name(rc), err_name(want));
		}
		counts[kind < 4 ? 0 : kind < 7 ? 1 : 2] += rc == 0;
		rnd_verify(t, m, op);
	}
	print_message("%s: %u ops, %u maps %u unmaps %u protects ok, %u ENOMEM\n",
		      fmt->name, ops, counts[0], counts[1], counts[2], enomem);
	assert_int_equal(pg_unmap(&t->s, RND_BASE, RND_SIZE), 0);
	expect_tables(t, 1);
	free(m);
	tctx_free(t);
}

/* ------------------------------------------------------------ empty entries */

/* Every slot of every table of s equals the format's empty value where
 * not present; the root included. */
static void expect_holes_empty(struct pg_space *s, uint64_t min_holes)
{
	uint64_t holes;

	assert_int_equal(pg_stray_holes(s, &holes), 0);
	assert_true(holes >= min_holes);
}

/* x86-64 keeps 0 as its empty entry: a fresh root is all zeros, and so is
 * every hole map, unmap and reclaim leave. */
static void test_empty_x86(void **state)
{
	struct tctx *t = tctx_new(&pg_fmt_x86, ALL_SIZES);
	const uint64_t *root = sim_ptr(&t->sim, t->s.root);

	assert_int_equal(pg_fmt_x86.empty, 0);
	for (unsigned i = 0; i < PG_ENTRIES; i++)
		assert_int_equal(root[i], 0);
	assert_int_equal(pg_map(&t->s, SZ_1G, SZ_1G, SZ_2M + SZ_4K, RW), 0);
	assert_int_equal(pg_unmap(&t->s, SZ_1G + SZ_4K, SZ_4K), 0);
	expect_holes_empty(&t->s, 3 * 511);
	assert_int_equal(pg_unmap(&t->s, SZ_1G, SZ_2M + SZ_4K), 0);
	expect_tables(t, 1);
	for (unsigned i = 0; i < PG_ENTRIES; i++)
		assert_int_equal(root[i], 0);
	tctx_free(t);
}

/* A format whose empty value would read as present is refused; a hole
 * that does not hold the empty value is found by pg_stray_holes. */
static void test_empty_checked(void **state)
{
	struct pg_format bad = pg_fmt_x86;
	struct sim_phys sim;
	struct pg_space s;
	struct pg_walk w;
	uint64_t holes, *pt;

	assert_int_equal(sim_init(&sim, SIM_SIZE), 0);
	bad.empty = 1;                       /* x86 P bit */
	assert_int_equal(pg_init(&s, &bad, sim_env(&sim), ALL_SIZES), -EINVAL);
	assert_int_equal(sim_frames_in_use(&sim), 0);

	assert_int_equal(pg_init(&s, &pg_fmt_ept, sim_env(&sim), ALL_SIZES), 0);
	assert_int_equal(pg_stray_holes(&s, &holes), 0);
	assert_int_equal(holes, PG_ENTRIES);
	assert_int_equal(pg_map(&s, 0x5000, 0x9000, SZ_4K, RW), 0);
	assert_int_equal(pg_stray_holes(&s, &holes), 0);
	assert_int_equal(holes, 4 * 511);
	assert_int_equal(pg_walk_va(&s, 0x5000, &w), 0);
	pt = sim_ptr(&sim, w.step[3].table_pa);
	pt[7] = 0;                           /* a hole without suppress-#VE */
	assert_int_equal(pg_stray_holes(&s, &holes), 1);
	assert_int_equal(holes, 4 * 511);
	pt[7] = pg_fmt_ept.empty;
	pg_destroy(&s);
	sim_fini(&sim);
}

/* An env with a fill_table hook: the engine hands it every new table of a
 * format whose empty value is not 0, and stores nothing itself. */
static struct sim_phys *fill_sim;
static unsigned fills;

static void fill_hook(void *ctx, uint64_t pa, uint64_t value)
{
	uint64_t *t = sim_ptr(fill_sim, pa);

	fills++;
	for (unsigned i = 0; i < PG_ENTRIES; i++)
		t[i] = value;
}

static void test_empty_fill_hook(void **state)
{
	struct sim_phys sim;
	struct pg_env env;
	struct pg_space s;

	assert_int_equal(sim_init(&sim, SIM_SIZE), 0);
	fill_sim = &sim;
	env = *sim_env(&sim);
	env.fill_table = fill_hook;
	fills = 0;
	assert_int_equal(pg_init(&s, &pg_fmt_ept, &env, ALL_SIZES), 0);
	assert_int_equal(fills, 1);                  /* the root */
	assert_int_equal(pg_map(&s, 0x5000, 0x9000, SZ_4K, RW), 0);
	assert_int_equal(fills, 4);                  /* PDPT, PD, PT */
	expect_holes_empty(&s, 4 * 511);
	pg_destroy(&s);
	/* x86-64's empty value is 0: nothing to fill. */
	fills = 0;
	assert_int_equal(pg_init(&s, &pg_fmt_x86, &env, ALL_SIZES), 0);
	assert_int_equal(pg_map(&s, 0x5000, 0x9000, SZ_4K, RW), 0);
	assert_int_equal(fills, 0);
	pg_destroy(&s);
	sim_fini(&sim);
}

#define RND_OPS 3000

/* EPTLAB_OPS overrides the number of random operations. */
static unsigned rnd_ops(void)
{
	const char *env = getenv("EPTLAB_OPS");

	return env ? (unsigned)strtoul(env, NULL, 0) : RND_OPS;
}

static void test_random_x86(void **state)
{
	static const unsigned prots[] = {
		PG_PROT_R, RW, PG_PROT_R | PG_PROT_X, RWX, RW | PG_PROT_USER,
		PG_PROT_R | PG_PROT_X | PG_PROT_GLOBAL, RW | PG_PROT_UC,
	};
	uint64_t seed = rnd_seed();

	print_message("random x86-64: seed %llu (replay: EPTLAB_SEED=%llu)\n",
		      (unsigned long long)seed, (unsigned long long)seed);
	run_random(&pg_fmt_x86, prots, ARRAY_SIZE(prots), seed, rnd_ops());
}

static void test_random_ept(void **state)
{
	static const unsigned prots[] = {
		PG_PROT_R, RW, PG_PROT_R | PG_PROT_X, RWX, PG_PROT_X,
		RW | PG_PROT_UC, RWX | PG_PROT_UC, RW | PG_PROT_VE,
		PG_PROT_X | PG_PROT_VE,
	};
	uint64_t seed = rnd_seed() + 1;

	print_message("random EPT: seed %llu (replay: EPTLAB_SEED=%llu)\n",
		      (unsigned long long)seed, (unsigned long long)(seed - 1));
	run_random(&pg_fmt_ept, prots, ARRAY_SIZE(prots), seed, rnd_ops());
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_destroy),
		cmocka_unit_test(test_leaf_sizes),
		cmocka_unit_test(test_leaf_policy),
		cmocka_unit_test(test_x86_entry_bits),
		cmocka_unit_test(test_high_half),
		cmocka_unit_test(test_split_unmap),
		cmocka_unit_test(test_split_protect),
		cmocka_unit_test(test_reclaim),
		cmocka_unit_test(test_eexist),
		cmocka_unit_test(test_einval),
		cmocka_unit_test(test_protect_enoent),
		cmocka_unit_test(test_enomem_map),
		cmocka_unit_test(test_enomem_unmap_protect),
		cmocka_unit_test(test_one_walk),
		cmocka_unit_test(test_map_undo),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_flush_once),
		cmocka_unit_test(test_flush_policy),
		cmocka_unit_test(test_protect_keeps_ad),
		cmocka_unit_test(test_leaf_bits),
		cmocka_unit_test(test_walk_va),
		cmocka_unit_test(test_leaves),
		cmocka_unit_test(test_min_tables),
		cmocka_unit_test(test_empty_x86),
		cmocka_unit_test(test_empty_checked),
		cmocka_unit_test(test_empty_fill_hook),
		cmocka_unit_test(test_random_x86),
		cmocka_unit_test(test_random_ept),
	};

	return cmocka_run_group_tests_name("paging", tests, NULL, NULL);
}
