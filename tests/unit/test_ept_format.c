/* Host unit tests of the EPT format (ept/ept_format.c) on the paging
 * engine: entry bits, execute-only leaves, the 48-bit GPA space. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "tests/unit/sim_phys.h"
#include "mm/paging.h"
#include "ept/ept_format.h"
#include "include/err.h"

#define SIM_SIZE   (16ULL << 20)
#define ALL_SIZES  (PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G)
#define RWX        (PG_PROT_R | PG_PROT_W | PG_PROT_X)
#define RW         (PG_PROT_R | PG_PROT_W)
#define SVE        EPT_SUPPRESS_VE

struct ectx {
	struct sim_phys sim;
	struct pg_space s;
	uint64_t free0;
};

static struct ectx *ectx_new(unsigned sizes)
{
	struct ectx *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	assert_int_equal(sim_init(&t->sim, SIM_SIZE), 0);
	t->free0 = t->sim.pool.free;
	assert_int_equal(pg_init(&t->s, &pg_fmt_ept, sim_env(&t->sim), sizes), 0);
	return t;
}

static void ectx_free(struct ectx *t)
{
	pg_destroy(&t->s);
	assert_int_equal(t->sim.pool.free, t->free0);
	assert_int_equal(t->sim.bad_frees, 0);
	sim_fini(&t->sim);
	free(t);
}

static uint64_t leaf_of(struct pg_space *s, uint64_t gpa)
{
	struct pg_xlate x;

	assert_int_equal(pg_translate(s, gpa, &x), 0);
	return x.entry;
}

static void test_ept_leaf_bits(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_walk w;

	assert_int_equal(pg_map(s, 0x1000, 0x9000, SZ_4K, RW), 0);
	assert_int_equal(leaf_of(s, 0x1000), 0x9000 | EPT_R | EPT_W | EPT_MT_WB | SVE);
	assert_int_equal(pg_map(s, 0x2000, 0xa000, SZ_4K, RWX), 0);
	assert_int_equal(leaf_of(s, 0x2000), 0xa000 | EPT_R | EPT_W | EPT_X | EPT_MT_WB | SVE);
	assert_int_equal(pg_map(s, 0x3000, 0xfee00000, SZ_4K, RW | PG_PROT_UC), 0);
	assert_int_equal(leaf_of(s, 0x3000), 0xfee00000 | EPT_R | EPT_W | EPT_MT_UC | SVE);
	assert_int_equal(pg_map(s, SZ_2M, 4 * SZ_2M, SZ_2M, PG_PROT_R), 0);
	assert_int_equal(leaf_of(s, SZ_2M), 4 * SZ_2M | EPT_R | EPT_MT_WB | EPT_PS | SVE);
	assert_int_equal(pg_map(s, SZ_1G, 7 * SZ_1G, SZ_1G, RWX), 0);
	assert_int_equal(leaf_of(s, SZ_1G + 0x123),
			 7 * SZ_1G | EPT_R | EPT_W | EPT_X | EPT_MT_WB | EPT_PS | SVE);

	/* Tables are R|W|X plus the engine's count in bits 61:52. */
	assert_int_equal(pg_walk_va(s, 0x1000, &w), 0);
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(w.step[0].entry & ~EPT_ADDR_MASK, EPT_PRESENT | (2ULL << 52));
	assert_int_equal(w.step[1].entry & ~EPT_ADDR_MASK, EPT_PRESENT | (2ULL << 52));
	assert_int_equal(w.step[2].entry & ~EPT_ADDR_MASK, EPT_PRESENT | (3ULL << 52));
	ectx_free(t);
}

static void test_ept_roundtrip(void **state)
{
	static const unsigned prots[] = {
		PG_PROT_R, RW, PG_PROT_R | PG_PROT_X, RWX, PG_PROT_X,
		PG_PROT_W | PG_PROT_X, RW | PG_PROT_UC, RW | PG_PROT_VE,
		PG_PROT_X | PG_PROT_VE, PG_PROT_R | PG_PROT_SPP,
	};
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_xlate x;

	for (unsigned i = 0; i < ARRAY_SIZE(prots); i++) {
		uint64_t gpa = (uint64_t)i * SZ_1G + SZ_2M - SZ_4K;
		uint64_t hpa = 0x40000000000ULL + (uint64_t)i * SZ_1G + SZ_2M - SZ_4K;

		assert_int_equal(pg_map(s, gpa, hpa, SZ_2M + 2 * SZ_4K, prots[i]), 0);
		assert_int_equal(pg_translate(s, gpa + 0x10, &x), 0);
		assert_int_equal(x.pa, hpa + 0x10);
		assert_int_equal(x.level, 3);
		assert_int_equal(x.prot, prots[i]);
		assert_int_equal(pg_translate(s, gpa + SZ_4K + 0x20, &x), 0);
		assert_int_equal(x.pa, hpa + SZ_4K + 0x20);
		assert_int_equal(x.level, 2);
		assert_int_equal(x.prot, prots[i]);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(prots); i++)
		assert_int_equal(pg_unmap(s, (uint64_t)i * SZ_1G, SZ_1G), 0);
	assert_int_equal(pg_table_pages(s), 1);
	ectx_free(t);
}

/* X without R: no EPT_R in the entry, still present (SDM 3C "EPT
 * Translation Mechanism": present iff any of bits 2:0 is set). */
static void test_ept_exec_only(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_xlate x;

	assert_int_equal(pg_map(s, SZ_2M, 0x800000, SZ_2M, PG_PROT_X), 0);
	assert_int_equal(leaf_of(s, SZ_2M), 0x800000 | EPT_X | EPT_MT_WB | EPT_PS | SVE);
	assert_int_equal(pg_translate(s, SZ_2M + 0x44, &x), 0);
	assert_int_equal(x.prot, PG_PROT_X);
	assert_int_equal(x.pa, 0x800044);
	/* Present: overlap detected, protect accepts it, split keeps it. */
	assert_int_equal(pg_map(s, SZ_2M + SZ_4K, 0, SZ_4K, RW), -EEXIST);
	assert_int_equal(pg_protect(s, SZ_2M, SZ_4K, RW), 0);
	assert_int_equal(pg_translate(s, SZ_2M + SZ_4K, &x), 0);
	assert_int_equal(x.prot, PG_PROT_X);
	assert_int_equal(x.level, 3);
	assert_int_equal(pg_protect(s, SZ_2M, SZ_4K, PG_PROT_X), 0);
	assert_int_equal(leaf_of(s, SZ_2M), 0x800000 | EPT_X | EPT_MT_WB | SVE);
	/* Unmapping execute-only pages counts them down and frees tables. */
	assert_int_equal(pg_table_pages(s), 4);
	assert_int_equal(pg_unmap(s, SZ_2M, SZ_2M), 0);
	assert_int_equal(pg_table_pages(s), 1);
	assert_int_equal(pg_translate(s, SZ_2M, &x), -ENOENT);
	ectx_free(t);
}

static void test_ept_no_access_rejected(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);

	/* A leaf with none of R/W/X would read back as not present. */
	assert_int_equal(pg_map(&t->s, 0x1000, 0x1000, SZ_4K, 0), -EINVAL);
	assert_int_equal(pg_map(&t->s, 0x1000, 0x1000, SZ_4K, PG_PROT_UC), -EINVAL);
	assert_int_equal(pg_map(&t->s, 0x1000, 0x1000, SZ_4K, PG_PROT_R), 0);
	assert_int_equal(pg_protect(&t->s, 0x1000, SZ_4K, 0), -EINVAL);
	assert_int_equal(leaf_of(&t->s, 0x1000), 0x1000 | EPT_R | EPT_MT_WB | SVE);
	ectx_free(t);
}

/* GPAs are plain 48-bit numbers: no canonical hole, nothing at 2^48. */
static void test_ept_gpa_range(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_xlate x;

	assert_int_equal(pg_map(s, 0x0000800000000000ULL, 0, SZ_1G, RW), 0);
	assert_int_equal(pg_map(s, 0x0000fffffffff000ULL, 0x5000, SZ_4K, RW), 0);
	assert_int_equal(pg_translate(s, 0x0000800000000123ULL, &x), 0);
	assert_int_equal(x.pa, 0x123);
	assert_int_equal(pg_translate(s, 0x0000ffffffffffffULL, &x), 0);
	assert_int_equal(x.pa, 0x5fff);
	assert_int_equal(pg_map(s, 1ULL << 48, 0, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0x0000fffffffff000ULL, 0, 2 * SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_map(s, 0xffff800000000000ULL, 0, SZ_4K, RW), -EINVAL);
	assert_int_equal(pg_unmap(s, 0x0000ffffc0000000ULL, 2 * SZ_1G), -EINVAL);
	assert_int_equal(pg_translate(s, 1ULL << 48, &x), -EINVAL);
	assert_int_equal(pg_unmap(s, 0x0000800000000000ULL, SZ_1G), 0);
	assert_int_equal(pg_unmap(s, 0x0000ffffc0000000ULL, SZ_1G), 0);
	assert_int_equal(pg_table_pages(s), 1);
	ectx_free(t);
}

/* Every not-present entry, at every level, keeps suppress-#VE: the fresh
 * root, the holes of the tables a map creates, entries unmap clears (up
 * to the root, as tables are reclaimed), and what a failed map rolls
 * back. */
static void expect_holes(struct pg_space *s, uint64_t want)
{
	uint64_t holes;

	assert_int_equal(pg_stray_holes(s, &holes), 0);
	assert_int_equal(holes, want);
}

static void test_ept_holes_suppress_ve(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	const uint64_t *root = sim_ptr(&t->sim, s->root);
	struct pg_walk w;

	for (unsigned i = 0; i < PG_ENTRIES; i++)
		assert_int_equal(root[i], SVE);
	assert_int_equal(pg_fmt_ept.empty, SVE);
	/* One 4K leaf: four tables, 511 holes each. */
	assert_int_equal(pg_map(s, 0x5000, 0x9000, SZ_4K, RW), 0);
	expect_holes(s, 4 * 511);
	/* A walk that stops at a hole reads suppress-#VE there, at the PT,
	 * the PD and the PDPT level. */
	assert_int_equal(pg_walk_va(s, 0x6000, &w), -ENOENT);
	assert_int_equal(w.nsteps, 4);
	assert_int_equal(w.step[3].entry, SVE);
	assert_int_equal(pg_walk_va(s, SZ_2M, &w), -ENOENT);
	assert_int_equal(w.nsteps, 3);
	assert_int_equal(w.step[2].entry, SVE);
	assert_int_equal(pg_walk_va(s, SZ_1G, &w), -ENOENT);
	assert_int_equal(w.step[1].entry, SVE);
	/* A split fills its table with leaves; unmapping half leaves holes. */
	assert_int_equal(pg_map(s, 4 * SZ_2M, 8 * SZ_2M, SZ_2M, RWX), 0);
	assert_int_equal(pg_unmap(s, 4 * SZ_2M, 256 * SZ_4K), 0);
	expect_holes(s, 4 * 511 - 1 + 256);
	/* A map that runs out of tables rolls back to holes. */
	sim_fail_after(&t->sim, 1);
	assert_int_equal(pg_map(s, SZ_1G - SZ_2M, 0, 2 * SZ_2M + SZ_4K, RW),
			 -ENOMEM);
	sim_fail_after(&t->sim, -1);
	expect_holes(s, 4 * 511 - 1 + 256);
	/* Unmapping everything reclaims every table: an all-hole root. */
	assert_int_equal(pg_unmap(s, 0, 2 * SZ_1G), 0);
	assert_int_equal(pg_table_pages(s), 1);
	for (unsigned i = 0; i < PG_ENTRIES; i++)
		assert_int_equal(root[i], SVE);
	ectx_free(t);
}

/* PG_PROT_VE clears suppress-#VE in the leaf, PG_PROT_SPP sets bit 61;
 * both read back, both survive a split and an A/D update, and the table
 * count in bits 61:52 of the entry above a full page table (512: bit 61)
 * is not an SPP bit. */
static void test_ept_ve_spp_bits(void **state)
{
	struct ectx *t = ectx_new(ALL_SIZES);
	struct pg_space *s = &t->s;
	struct pg_xlate x;
	struct pg_walk w;

	assert_int_equal(pg_map(s, 0x1000, 0x9000, SZ_4K, RW | PG_PROT_VE), 0);
	assert_int_equal(leaf_of(s, 0x1000), 0x9000 | EPT_R | EPT_W | EPT_MT_WB);
	assert_int_equal(pg_protect(s, 0x1000, SZ_4K, PG_PROT_R | PG_PROT_SPP), 0);
	assert_int_equal(leaf_of(s, 0x1000),
			 0x9000 | EPT_R | EPT_MT_WB | EPT_SPP | SVE);
	assert_int_equal(pg_translate(s, 0x1000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_R | PG_PROT_SPP);

	assert_int_equal(pg_map(s, SZ_2M, SZ_2M, SZ_2M, PG_PROT_X | PG_PROT_VE), 0);
	assert_int_equal(pg_leaf_bits(s, SZ_2M, SZ_2M, 0, PG_BIT_A, NULL), 0);
	assert_int_equal(pg_protect(s, SZ_2M, SZ_4K, RWX), 0);   /* split */
	assert_int_equal(pg_translate(s, SZ_2M + SZ_4K, &x), 0);
	assert_int_equal(x.level, 3);
	assert_int_equal(x.prot, PG_PROT_X | PG_PROT_VE);
	assert_int_equal(x.entry, (SZ_2M + SZ_4K) | EPT_X | EPT_MT_WB | EPT_A);
	assert_int_equal(pg_walk_va(s, SZ_2M, &w), 0);
	assert_int_equal(w.step[2].entry & ~EPT_ADDR_MASK,
			 EPT_PRESENT | (512ULL << EPT_COUNT_SHIFT));
	assert_true(w.step[2].entry & EPT_SPP);    /* the count's bit 9 */
	assert_int_equal(pg_translate(s, SZ_2M, &x), 0);
	assert_int_equal(x.prot, RWX);
	assert_int_equal(x.entry & SVE, SVE);
	ectx_free(t);
}

/* Without the 1G capability, 1G ranges use 2M leaves. */
static void test_ept_leaf_policy(void **state)
{
	struct ectx *t = ectx_new(PG_SIZE_4K | PG_SIZE_2M);
	struct pg_xlate x;

	assert_int_equal(pg_map(&t->s, SZ_1G, 0, SZ_1G, RWX), 0);
	assert_int_equal(pg_translate(&t->s, SZ_1G, &x), 0);
	assert_int_equal(x.level, 2);
	assert_int_equal(pg_table_pages(&t->s), 3);
	assert_int_equal(pg_min_tables(&pg_fmt_ept, PG_SIZE_4K | PG_SIZE_2M,
				       &(struct pg_range){ SZ_1G, 0, SZ_1G }, 1, NULL), 3);
	ectx_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ept_leaf_bits),
		cmocka_unit_test(test_ept_roundtrip),
		cmocka_unit_test(test_ept_exec_only),
		cmocka_unit_test(test_ept_no_access_rejected),
		cmocka_unit_test(test_ept_gpa_range),
		cmocka_unit_test(test_ept_leaf_policy),
		cmocka_unit_test(test_ept_holes_suppress_ve),
		cmocka_unit_test(test_ept_ve_spp_bits),
	};

	return cmocka_run_group_tests_name("ept_format", tests, NULL, NULL);
}
