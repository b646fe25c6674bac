/*
 * Host tests of the sub-page permission table (hv/spp.c) on simulated
 * memory: the leaf's even bits, the 4-level path and its SPPT miss, the
 * GPA index of each level, all-or-nothing allocation, reclaim.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/sim_phys.h"
#include "hv/spp.h"
#include "include/err.h"

#define SIM_SIZE (16ULL << 20)

/* Bit i of the mask is bit 2i of the leaf; odd bits stay reserved. */
static void test_leaf_bits(void **state)
{
	assert_int_equal(spp_leaf(0), 0);
	assert_int_equal(spp_leaf(1), 1);
	assert_int_equal(spp_leaf(0x2), 0x4);
	assert_int_equal(spp_leaf(0x80000000u), 1ULL << 62);
	assert_int_equal(spp_leaf(0xFFFFFFFFu), 0x5555555555555555ULL);
	assert_int_equal(spp_leaf(0xFFFFFFFFu) & SPP_LEAF_RESERVED, 0);
	assert_int_equal(spp_writable(spp_leaf(0xA5A50F0Fu)), 0xA5A50F0Fu);
	assert_int_equal(spp_subpage(0x1000), 0);
	assert_int_equal(spp_subpage(0x107F), 0);
	assert_int_equal(spp_subpage(0x1080), 1);
	assert_int_equal(spp_subpage(0x1FFF), 31);
}

static void test_path(void **state)
{
	struct sim_phys sim;
	struct spp_table t;
	uint64_t leaf, gpa = 0x0000123456789000ULL, *e;

	assert_int_equal(sim_init(&sim, SIM_SIZE), 0);
	assert_int_equal(spp_init(&t, sim_env(&sim)), 0);
	assert_int_equal(t.tables, 1);
	/* Nothing on the path yet: an SPPT miss. */
	assert_int_equal(spp_lookup(&t, gpa, &leaf), -ENOENT);
	assert_false(spp_path_exists(&t, gpa));
	assert_int_equal(spp_set(&t, gpa, 0x0000FFFF), 0);
	assert_int_equal(t.tables, 4);
	assert_true(spp_path_exists(&t, gpa));
	assert_int_equal(spp_lookup(&t, gpa, &leaf), 0);
	assert_int_equal(leaf, spp_leaf(0x0000FFFF));
	/* The root is indexed by GPA bits 47:39 and holds a valid pointer
	 * with no other bit (bits 11:1 and 63:52 are reserved). */
	e = sim_ptr(&sim, t.root);
	assert_int_equal(e[(gpa >> 39) & 511] & ~SPP_ADDR_MASK, SPP_VALID);
	/* A neighbour in the same 2 MiB block shares the path: no miss, a
	 * zero leaf (no sub-page writable). */
	assert_int_equal(spp_lookup(&t, gpa + SZ_4K, &leaf), 0);
	assert_int_equal(leaf, 0);
	/* Another 2 MiB block needs one more table, another GiB two. */
	assert_int_equal(spp_set(&t, gpa + SZ_2M, 1), 0);
	assert_int_equal(t.tables, 5);
	assert_int_equal(spp_set(&t, gpa + SZ_1G, 1), 0);
	assert_int_equal(t.tables, 7);
	assert_int_equal(spp_lookup(&t, gpa, &leaf), 0);
	assert_int_equal(leaf, spp_leaf(0x0000FFFF));
	/* Rewriting a leaf allocates nothing. */
	assert_int_equal(spp_set(&t, gpa, 0xFFFF0000u), 0);
	assert_int_equal(t.tables, 7);
	assert_int_equal(spp_lookup(&t, gpa, &leaf), 0);
	assert_int_equal(spp_writable(leaf), 0xFFFF0000u);
	assert_int_equal(spp_set(&t, gpa + 1, 0), -EINVAL);
	assert_int_equal(spp_set(&t, 1ULL << 48, 0), -EINVAL);
	spp_destroy(&t);
	assert_int_equal(sim_frames_in_use(&sim), 0);
	assert_int_equal(sim.bad_frees, 0);
	sim_fini(&sim);
}

/* Out of table pages part-way: nothing linked, nothing leaked. */
static void test_enomem(void **state)
{
	struct sim_phys sim;
	struct spp_table t;
	uint64_t leaf;

	assert_int_equal(sim_init(&sim, SIM_SIZE), 0);
	assert_int_equal(spp_init(&t, sim_env(&sim)), 0);
	sim_fail_after(&sim, 2);
	assert_int_equal(spp_set(&t, 0x5000, 3), -ENOMEM);
	sim_fail_after(&sim, -1);
	assert_int_equal(t.tables, 1);
	assert_int_equal(sim_frames_in_use(&sim), 1);
	assert_int_equal(spp_lookup(&t, 0x5000, &leaf), -ENOENT);
	assert_int_equal(spp_set(&t, 0x5000, 3), 0);
	assert_int_equal(sim_frames_in_use(&sim), 4);
	spp_destroy(&t);
	assert_int_equal(sim_frames_in_use(&sim), 0);
	sim_fini(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf_bits),
		cmocka_unit_test(test_path),
		cmocka_unit_test(test_enomem),
	};

	return cmocka_run_group_tests_name("spp", tests, NULL, NULL);
}
