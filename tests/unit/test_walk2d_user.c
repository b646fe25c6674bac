/*
 * Host tests for walk2d_user_writable (hv/walk2d.c): the check that lets
 * a CPL > 0 caller of HC_TRANSLATE have its result written at a
 * guest-virtual address (docs/hypercalls.md "Calls from CPL > 0"). The
 * walks are built by hand: four guest levels and a final EPT leaf.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/walk2d.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "include/err.h"

static struct hc_walk user_walk(void)
{
	struct hc_walk w = { .guest_nsteps = 4, .final_ept_nsteps = 4 };

	for (unsigned i = 0; i < 4; i++)
		w.lvl[i].entry = 0x1000 * (i + 1) | PTE_P | PTE_RW | PTE_US;
	w.final_ept[3].entry = 0x5000 | EPT_R | EPT_W | EPT_X;
	return w;
}

static void test_user_writable(void **state)
{
	struct hc_walk w = user_walk();

	assert_int_equal(walk2d_user_writable(&w), 0);
	/* A 2 MiB guest leaf: three levels are enough. */
	w.guest_nsteps = 3;
	assert_int_equal(walk2d_user_writable(&w), 0);
}

static void test_each_level_must_allow(void **state)
{
	for (unsigned l = 0; l < 4; l++) {
		struct hc_walk w = user_walk();

		w.lvl[l].entry &= ~PTE_US;          /* kernel-only at level l */
		assert_int_equal(walk2d_user_writable(&w), -EACCES);
		w = user_walk();
		w.lvl[l].entry &= ~PTE_RW;          /* read-only at level l */
		assert_int_equal(walk2d_user_writable(&w), -EACCES);
	}
}

static void test_ept_must_allow_writes(void **state)
{
	struct hc_walk w = user_walk();

	w.final_ept[3].entry &= ~EPT_W;
	assert_int_equal(walk2d_user_writable(&w), -EACCES);
}

static void test_untranslated_or_no_paging(void **state)
{
	struct hc_walk w = user_walk();

	w.result = -ENOENT;
	assert_int_equal(walk2d_user_writable(&w), -EFAULT);
	w = user_walk();
	w.guest_nsteps = 0;                         /* CR0.PG = 0 */
	assert_int_equal(walk2d_user_writable(&w), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_writable),
		cmocka_unit_test(test_each_level_must_allow),
		cmocka_unit_test(test_ept_must_allow_writes),
		cmocka_unit_test(test_untranslated_or_no_paging),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
