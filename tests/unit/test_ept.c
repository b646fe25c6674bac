/* Host unit tests for ept/ept.c on simulated physical memory: EPTP
 * format, permissions (execute-only included), large-leaf splitting,
 * translate results, flushes (none for a leaf that only gains rights),
 * argument checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/sim_phys.h"
#include "ept/ept.h"
#include "ept/ept_format.h"
#include "include/err.h"

#define SIM_SIZE (16ULL << 20)

struct fx {
	struct sim_phys sim;
	struct ept ept;
};

static int setup_all(void **state)
{
	static struct fx f;

	assert_int_equal(sim_init(&f.sim, SIM_SIZE), 0);
	assert_int_equal(ept_init(&f.ept, sim_env(&f.sim),
				  PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G, false), 0);
	*state = &f;
	return 0;
}

static int teardown_all(void **state)
{
	struct fx *f = *state;

	ept_destroy(&f->ept);
	sim_fini(&f->sim);
	return 0;
}

static void test_eptp_format(void **state)
{
	struct fx *f = *state;
	struct ept ad;
	uint64_t p = ept_eptp(&f->ept);

	/* SDM 3C "Extended-Page-Table Pointer (EPTP)" */
	assert_int_equal(p & 7, 6);                  /* WB */
	assert_int_equal((p >> 3) & 7, 3);           /* 4-level walk */
	assert_int_equal(p & BIT(6), 0);             /* no A/D */
	assert_int_equal(p & GENMASK(11, 7), 0);     /* reserved */
	assert_int_equal(p & EPTP_ADDR_MASK, f->ept.space.root);
	assert_true(IS_ALIGNED(f->ept.space.root, SZ_4K));

	assert_int_equal(ept_init(&ad, sim_env(&f->sim), PG_SIZE_4K, true), 0);
	assert_int_equal(ept_eptp(&ad) & 0x7F, 0x5E);
	ept_destroy(&ad);
}

static void test_map_translate_2m(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, 0x200000, 0x40000000, SZ_2M,
				 PG_PROT_R | PG_PROT_W), 0);
	assert_int_equal(ept_translate(&f->ept, 0x200000 + 0x1234, &x), 0);
	assert_int_equal(x.pa, 0x40000000 + 0x1234);
	assert_int_equal(x.page_size, SZ_2M);
	assert_int_equal(x.level, 2);
	assert_int_equal(x.prot, PG_PROT_R | PG_PROT_W);
	assert_true(x.entry & EPT_PS);
	assert_int_equal(x.entry & EPT_MT_MASK, EPT_MT_WB);
	assert_int_equal(x.entry & (EPT_R | EPT_W | EPT_X), EPT_R | EPT_W);
	/* Not mapped: below, above. */
	assert_int_equal(ept_translate(&f->ept, 0x1FF000, &x), -ENOENT);
	assert_int_equal(ept_translate(&f->ept, 0x400000, &x), -ENOENT);
	assert_int_equal(ept_map(&f->ept, 0x200000, 0x40000000, SZ_4K,
				 PG_PROT_R), -EEXIST);
	assert_int_equal(ept_unmap(&f->ept, 0x200000, SZ_2M), 0);
	assert_int_equal(ept_translate(&f->ept, 0x200000, &x), -ENOENT);
}

static void test_exec_only_is_present(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, 0x10000, 0x90000, SZ_4K,
				 PG_PROT_X), 0);
	assert_int_equal(ept_translate(&f->ept, 0x10000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_X);
	assert_int_equal(x.entry & (EPT_R | EPT_W | EPT_X), EPT_X);
	assert_int_equal(x.page_size, SZ_4K);
	assert_int_equal(ept_unmap(&f->ept, 0x10000, SZ_4K), 0);
}

static void test_unmap_splits_2m(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, 0x0, 0x8000000, 2 * SZ_2M,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_translate(&f->ept, 0x201000, &x), 0);
	assert_int_equal(x.page_size, SZ_2M);
	sim_flush_reset(&f->sim);
	/* The lazy-page pattern of hv/vm_mem.c: one 4K hole in a 2M leaf. */
	assert_int_equal(ept_unmap(&f->ept, 0x201000, SZ_4K), 0);
	assert_true(sim_flushed(&f->sim, 0x201000, SZ_4K));
	assert_int_equal(ept_translate(&f->ept, 0x201000, &x), -ENOENT);
	assert_int_equal(ept_translate(&f->ept, 0x200000, &x), 0);
	assert_int_equal(x.page_size, SZ_4K);
	assert_int_equal(x.pa, 0x8200000);
	assert_int_equal(ept_translate(&f->ept, 0x202abc, &x), 0);
	assert_int_equal(x.pa, 0x8202abc);
	assert_int_equal(x.prot, PG_PROT_ALL);
	/* The other 2M leaf is untouched. */
	assert_int_equal(ept_translate(&f->ept, 0x1000, &x), 0);
	assert_int_equal(x.page_size, SZ_2M);
	/* Map the hole back. */
	assert_int_equal(ept_map(&f->ept, 0x201000, 0x8201000, SZ_4K,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_translate(&f->ept, 0x201000, &x), 0);
	assert_int_equal(x.pa, 0x8201000);
	assert_int_equal(ept_unmap(&f->ept, 0x0, 2 * SZ_2M), 0);
}

static void test_protect_splits_and_flushes(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, 0x600000, 0xA00000, SZ_2M,
				 PG_PROT_ALL), 0);
	sim_flush_reset(&f->sim);
	assert_int_equal(ept_protect(&f->ept, 0x7FF000, SZ_4K, PG_PROT_R), 0);
	assert_true(sim_flushed(&f->sim, 0x7FF000, SZ_4K));
	assert_int_equal(ept_translate(&f->ept, 0x7FF000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_R);
	assert_int_equal(x.page_size, SZ_4K);
	assert_int_equal(ept_translate(&f->ept, 0x7FE000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_ALL);
	/* Protecting something not mapped fails and changes nothing. */
	assert_int_equal(ept_protect(&f->ept, 0x800000, SZ_4K, PG_PROT_R),
			 -ENOENT);
	assert_int_equal(ept_unmap(&f->ept, 0x600000, SZ_2M), 0);
}

/* The write-track fault path (hv/vm_ept.c): W back on one 4K page of a
 * read-only 2M leaf splits it and flushes once (page size and rights
 * change together); W back on a page already split needs no INVEPT;
 * taking W away again flushes. */
static void test_widen_needs_no_invept(void **state)
{
	struct fx *f = *state;
	unsigned rx = PG_PROT_R | PG_PROT_X;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, 0xC00000, 0x1000000, SZ_2M, rx), 0);
	sim_flush_reset(&f->sim);
	assert_int_equal(ept_protect(&f->ept, 0xC05000, SZ_4K, PG_PROT_ALL), 0);
	assert_int_equal(f->sim.nflush, 1);
	assert_true(sim_flushed(&f->sim, 0xC00000, SZ_2M));
	sim_flush_reset(&f->sim);
	assert_int_equal(ept_protect(&f->ept, 0xC06000, SZ_4K, PG_PROT_ALL), 0);
	assert_int_equal(f->sim.nflush, 0);
	assert_int_equal(ept_translate(&f->ept, 0xC06000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_ALL);
	assert_int_equal(x.page_size, SZ_4K);
	assert_int_equal(ept_protect(&f->ept, 0xC06000, SZ_4K, rx), 0);
	assert_int_equal(f->sim.nflush, 1);
	assert_true(sim_flushed(&f->sim, 0xC06000, SZ_4K));
	assert_int_equal(ept_unmap(&f->ept, 0xC00000, SZ_2M), 0);
}

/* The HC_EPT_AD pattern (hv/vm_ept.c): read the flags per page, then
 * clear them, with one INVEPT only if one was set. */
static void test_ad_flags(void **state)
{
	struct fx *f = *state;
	struct pg_walk w;
	uint8_t ad[4];

	assert_int_equal(ept_map(&f->ept, 0xE00000, 0x2000000, 4 * SZ_4K,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_walk(&f->ept, 0xE02000, &w), 0);
	*(uint64_t *)sim_ptr(&f->sim, w.step[3].entry_pa) |= EPT_A | EPT_D;
	sim_flush_reset(&f->sim);
	assert_int_equal(ept_leaf_bits(&f->ept, 0xE00000, 4 * SZ_4K, 0, 0,
				       ad), 0);
	assert_int_equal(ad[0] | ad[1] | ad[3], 0);
	assert_int_equal(ad[2], PG_BIT_A | PG_BIT_D);
	assert_int_equal(ept_leaf_bits(&f->ept, 0xE00000, 4 * SZ_4K,
				       PG_BIT_A | PG_BIT_D, 0, NULL), 0);
	assert_int_equal(f->sim.nflush, 1);
	assert_int_equal(ept_leaf_bits(&f->ept, 0xE00000, 4 * SZ_4K,
				       PG_BIT_A | PG_BIT_D, 0, ad), 0);
	assert_int_equal(f->sim.nflush, 1);
	assert_int_equal(ad[2], 0);
	assert_int_equal(ept_leaf_bits(&f->ept, EPT_GPA_LIMIT, SZ_4K, 0, 0,
				       NULL), -EINVAL);
	assert_int_equal(ept_unmap(&f->ept, 0xE00000, 4 * SZ_4K), 0);
}

static void test_leaf_sizes_respected(void **state)
{
	struct fx *f = *state;
	struct ept small;
	struct pg_xlate x;

	assert_int_equal(ept_init(&small, sim_env(&f->sim), PG_SIZE_4K, false), 0);
	assert_int_equal(ept_map(&small, 0x200000, 0x200000, SZ_2M,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_translate(&small, 0x3FF000, &x), 0);
	assert_int_equal(x.page_size, SZ_4K);
	assert_int_equal(x.level, 3);
	ept_destroy(&small);
}

static void test_1g_leaf_and_walk(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;
	struct pg_walk w;

	assert_int_equal(ept_map(&f->ept, SZ_1G, 2 * SZ_1G, SZ_1G,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_translate(&f->ept, SZ_1G + 0x12345678, &x), 0);
	assert_int_equal(x.page_size, SZ_1G);
	assert_int_equal(x.pa, 2 * SZ_1G + 0x12345678);
	assert_int_equal(ept_walk(&f->ept, SZ_1G + 5, &w), 0);
	assert_int_equal(w.nsteps, 2);           /* PML4E, PDPTE leaf */
	assert_int_equal(w.step[0].table_pa, f->ept.space.root);
	assert_int_equal(ept_unmap(&f->ept, SZ_1G, SZ_1G), 0);
}

static void test_bad_arguments(void **state)
{
	struct fx *f = *state;
	struct pg_xlate x;

	assert_int_equal(ept_map(&f->ept, EPT_GPA_LIMIT, 0, SZ_4K, PG_PROT_R),
			 -EINVAL);
	assert_int_equal(ept_map(&f->ept, EPT_GPA_LIMIT - SZ_4K, 0, 2 * SZ_4K,
				 PG_PROT_R), -EINVAL);
	assert_int_equal(ept_map(&f->ept, 0x1000, 0x1000, 0, PG_PROT_R), -EINVAL);
	assert_int_equal(ept_map(&f->ept, 0x1001, 0x1000, SZ_4K, PG_PROT_R),
			 -EINVAL);
	assert_int_equal(ept_map(&f->ept, 0x1000, 0x1000, SZ_4K,
				 PG_PROT_R | PG_PROT_USER), -EINVAL);
	/* SPP is for one 4 KiB page at a time (a 4 KiB leaf). */
	assert_int_equal(ept_map(&f->ept, 0x1000, 0x1000, 2 * SZ_4K,
				 PG_PROT_R | PG_PROT_SPP), -EINVAL);
	assert_int_equal(ept_map(&f->ept, 0x1000, 0x1000, SZ_4K,
				 PG_PROT_R | PG_PROT_SPP), 0);
	assert_int_equal(ept_protect(&f->ept, 0x1000, SZ_4K,
				     PG_PROT_R | PG_PROT_VE), 0);
	assert_int_equal(ept_translate(&f->ept, 0x1000, &x), 0);
	assert_int_equal(x.prot, PG_PROT_R | PG_PROT_VE);
	assert_int_equal(ept_unmap(&f->ept, 0x1000, SZ_4K), 0);
	assert_int_equal(ept_translate(&f->ept, EPT_GPA_LIMIT, &x), -ENOENT);
}

static void test_unmap_frees_tables(void **state)
{
	struct fx *f = *state;
	uint64_t before = pg_table_pages(&f->ept.space);

	assert_int_equal(ept_map(&f->ept, 0x123456000, 0x5000, SZ_4K,
				 PG_PROT_ALL), 0);
	assert_int_equal(pg_table_pages(&f->ept.space), before + 3);
	assert_int_equal(ept_unmap(&f->ept, 0x123456000, SZ_4K), 0);
	assert_int_equal(pg_table_pages(&f->ept.space), before);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_eptp_format),
		cmocka_unit_test(test_map_translate_2m),
		cmocka_unit_test(test_exec_only_is_present),
		cmocka_unit_test(test_unmap_splits_2m),
		cmocka_unit_test(test_protect_splits_and_flushes),
		cmocka_unit_test(test_widen_needs_no_invept),
		cmocka_unit_test(test_ad_flags),
		cmocka_unit_test(test_leaf_sizes_respected),
		cmocka_unit_test(test_1g_leaf_and_walk),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_unmap_frees_tables),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
