/*
 * Host tests for the timer models' arithmetic (hv/dev/dev_time.h): the
 * one muldiv helper every model uses, against a 128-bit reference, on
 * both of its paths (operands whose (div - 1) * mul fits in 64 bits, and
 * the bit-wise long division for the others), rounding up, saturation.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/dev/dev_time.h"

/* The reference: the host links __udivti3. */
static uint64_t ref(uint64_t a, uint64_t mul, uint64_t div, uint64_t *rem)
{
	unsigned __int128 p = (unsigned __int128)a * mul;

	if (p / div > UINT64_MAX) {
		*rem = 0;
		return UINT64_MAX;
	}
	*rem = (uint64_t)(p % div);
	return (uint64_t)(p / div);
}

static void check(uint64_t a, uint64_t mul, uint64_t div)
{
	uint64_t r1 = 0, r2 = 0, q1 = dev_muldiv_rem(a, mul, div, &r1);
	uint64_t q2 = ref(a, mul, div, &r2);

	assert_int_equal(q1, q2);
	if (q2 != UINT64_MAX)
		assert_int_equal(r1, r2);
	assert_int_equal(dev_muldiv(a, mul, div), q2);
	if (q2 != UINT64_MAX)
		assert_int_equal(dev_muldiv_ceil(a, mul, div), q2 + (r2 != 0));
}

/* The PIT and RTC rates against Bochs' and real TSCs: the fast path. */
static void test_model_rates(void **state)
{
	static const uint64_t hz[] = { 1000000, 49998000, 2893421000ULL,
				       1ULL << 40 };
	static const uint64_t dev[] = { 1193182, 32768, 1 };
	static const uint64_t a[] = { 0, 1, 12345, 50000000, 1ULL << 33,
				      0xFFFFFFFFFFFFULL, UINT64_MAX / 3 };

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++)
		for (size_t j = 0; j < sizeof(dev) / sizeof(dev[0]); j++)
			for (size_t k = 0; k < sizeof(a) / sizeof(a[0]); k++) {
				check(a[k], dev[j], hz[i]);
				check(a[k], hz[i], dev[j]);
			}
}

/* The LAPIC timer with an input clock unlike the TSC: (div - 1) * mul
 * beyond 64 bits takes the long division, still exact. */
static void test_wide_operands(void **state)
{
	uint64_t x = 0x9E3779B97F4A7C15ULL;

	check(1000, 1ULL << 40, (1ULL << 40) - 1);
	check(UINT64_MAX, (1ULL << 40) - 3, 1ULL << 40);
	check(0x123456789ABCDEFULL, 0xFFFFFFFFFFULL, 0xFFFFFFFFFEULL);
	for (int i = 0; i < 2000; i++) {
		uint64_t a, m, d;

		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		a = x;
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		m = x >> (x & 31);
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		d = (x >> (x & 31)) | 1;
		check(a >> (i & 63), m, d);
	}
}

static void test_saturation(void **state)
{
	uint64_t r = 7;

	assert_int_equal(dev_muldiv_rem(UINT64_MAX, 2, 1, &r), UINT64_MAX);
	assert_int_equal(dev_muldiv(UINT64_MAX, 1ULL << 40, 3), UINT64_MAX);
	assert_int_equal(dev_muldiv_ceil(UINT64_MAX, 3, 2), UINT64_MAX);
	assert_int_equal(dev_add_sat(UINT64_MAX - 1, 5), UINT64_MAX);
	assert_int_equal(dev_add_sat(10, 5), 15);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_rates),
		cmocka_unit_test(test_wide_operands),
		cmocka_unit_test(test_saturation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
