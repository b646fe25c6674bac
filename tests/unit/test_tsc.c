/* Host unit tests for hv/tsc_calib.c: the TSC frequency from CPUID leaf
 * 15H (crystal x ratio; not without the crystal, not above the maximum
 * leaf) and the list of CPU models whose VMX-preemption timer is broken
 * (the signature matched with the reserved bits 15:14 and 31:28
 * ignored, any other stepping not matched). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/tsc.h"

static void test_leaf15_complete(void **state)
{
	const char *src = NULL;
	/* 25 MHz crystal, ratio 200/2: 2.5 GHz. */
	struct cpuid_regs l15 = { 2, 200, 25000000, 0 };

	assert_int_equal(tsc_khz_from_cpuid(0x16, l15, &src), 2500000);
	assert_non_null(src);
	/* 24 MHz crystal, ratio 0x11C/2 (Skylake client): 3.408 GHz. */
	l15 = (struct cpuid_regs){ 2, 0x11C, 24000000, 0 };
	assert_int_equal(tsc_khz_from_cpuid(0x16, l15, &src), 3408000);
}

static void test_leaf15_incomplete(void **state)
{
	const char *src = "x";
	struct cpuid_regs no_crystal = { 2, 200, 0, 0 };
	struct cpuid_regs no_ratio = { 0, 0, 25000000, 0 };
	struct cpuid_regs full = { 2, 200, 25000000, 0 };

	assert_int_equal(tsc_khz_from_cpuid(0x16, no_crystal, &src), 0);
	assert_null(src);
	assert_int_equal(tsc_khz_from_cpuid(0x16, no_ratio, &src), 0);
	/* Above the host's maximum leaf the leaf is not there. */
	assert_int_equal(tsc_khz_from_cpuid(0x14, full, &src), 0);
}

static void test_broken_preemption_timer(void **state)
{
	/* Xeon 5500 D0 (0x106A5) and Xeon E3-1220 V2 (0x306A8). */
	assert_true(tsc_preempt_timer_broken(0x000106A5));
	assert_true(tsc_preempt_timer_broken(0x000306A8));
	/* Reserved bits ignored. */
	assert_true(tsc_preempt_timer_broken(0x000106A5 | (3u << 14) |
					     (0xFu << 28)));
	/* Another stepping, Skylake-X (Bochs), Sandy Bridge (Bochs). */
	assert_false(tsc_preempt_timer_broken(0x000106A6));
	assert_false(tsc_preempt_timer_broken(0x00050654));
	assert_false(tsc_preempt_timer_broken(0x000206A7));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leaf15_complete),
		cmocka_unit_test(test_leaf15_incomplete),
		cmocka_unit_test(test_broken_preemption_timer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
