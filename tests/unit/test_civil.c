/*
 * Host tests for the calendar arithmetic (lib/civil.c): days since
 * 1970-01-01 and back for every day of six 400-year eras around the
 * epoch, against the host's gmtime_r(); fixed dates at the leap-year
 * rules' edges; the BCD bytes against their hexadecimal spelling.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <cmocka.h>

#include "lib/civil.h"

#define ERA_DAYS 146097

static void test_every_day(void **state)
{
	for (int64_t days = -3 * ERA_DAYS; days < 3 * ERA_DAYS; days++) {
		time_t t = (time_t)(days * 86400);
		struct tm tm;
		int64_t y;
		unsigned m, d;

		assert_non_null(gmtime_r(&t, &tm));
		civil_from_days(days, &y, &m, &d);
		assert_int_equal(y, tm.tm_year + 1900LL);
		assert_int_equal(m, tm.tm_mon + 1);
		assert_int_equal(d, tm.tm_mday);
		assert_int_equal(civil_to_days(y, m, d), days);
	}
}

static void test_fixed_dates(void **state)
{
	assert_int_equal(civil_to_days(1970, 1, 1), 0);
	assert_int_equal(civil_to_days(1969, 12, 31), -1);
	assert_int_equal(civil_to_days(2000, 2, 29), 11016);  /* 400: leap */
	assert_int_equal(civil_to_days(2000, 3, 1), 11017);
	assert_int_equal(civil_to_days(2100, 3, 1) -          /* 100: not */
			 civil_to_days(2100, 2, 28), 1);
	assert_int_equal(civil_to_days(2024, 3, 1) -          /* 4: leap */
			 civil_to_days(2024, 2, 28), 2);
	assert_int_equal(civil_to_days(1600, 1, 1), -135140);
}

static void test_bcd(void **state)
{
	for (unsigned v = 0; v < 100; v++) {
		char dec[4], hex[4];

		snprintf(dec, sizeof(dec), "%u", v);
		snprintf(hex, sizeof(hex), "%x", bin_to_bcd(v));
		assert_string_equal(hex, dec);
		assert_int_equal(bcd_to_bin(bin_to_bcd(v)), v);
	}
	assert_int_equal(bcd_to_bin(0x59), 59);
	assert_int_equal(bcd_to_bin(0x99), 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_day),
		cmocka_unit_test(test_fixed_dates),
		cmocka_unit_test(test_bcd),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
