/*
 * Host tests for the pure parser core of hv/options.c: defaults, every
 * key's accepted values, and one rejection per rule (unknown key, missing
 * '=', empty value, bad number, size overflow, duplicate key, over-long
 * word), each checked for -EINVAL, its message and an untouched *out.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/options.h"
#include "mm/paging.h"
#include "include/hypercall.h"
#include "include/err.h"

static char err[200];

static void test_defaults(void **state)
{
	struct hv_options o;

	assert_int_equal(options_parse_str(NULL, &o, err, sizeof(err)), 0);
	assert_int_equal(o.ept_leaf, 0);
	assert_true(o.vpid);
	assert_true(o.apicv);
	assert_int_equal(o.guest_mem, OPT_GUEST_MEM_DEFAULT);
	assert_int_equal(o.guest, OPT_GUEST_AUTO);
	assert_int_equal(o.demand, HC_DEMAND_OFF);
	assert_null(o.selftest);
	assert_int_equal(o.watchdog_ms, OPT_WATCHDOG_MS_DEFAULT);
	assert_int_equal(o.restarts, 0);
	assert_false(o.expect_crash);
	assert_false(o.rtc_host);
	assert_int_equal(o.host_irq_test, 0);
	assert_int_equal(options_parse_str("  \t ", &o, err, sizeof(err)), 0);
	assert_int_equal(o.guest_mem, OPT_GUEST_MEM_DEFAULT);
}

static void test_all_keys(void **state)
{
	struct hv_options o;
	char line[256];

	assert_int_equal(options_parse_str(
		"/boot/eptlab.elf ept_leaf=2m vpid=off guest_mem=1G "
		"guest=builtin test_corrupt=tr_type skip_check=1 "
		"selftest=fault demand=buffer", &o, err, sizeof(err)), 0);
	assert_int_equal(o.ept_leaf, PG_SIZE_2M);
	assert_false(o.vpid);
	assert_int_equal(o.guest_mem, 1ULL << 30);
	assert_int_equal(o.guest, OPT_GUEST_BUILTIN);
	assert_int_equal(o.corrupt, OPT_CORRUPT_TR_TYPE);
	assert_true(o.skip_check);
	assert_string_equal(o.selftest, "fault");
	assert_ptr_equal(o.selftest, o.selftest_buf);
	assert_int_equal(o.demand, HC_DEMAND_BUFFER);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, "ept_leaf=2m vpid=off guest_mem=1024M "
			       "guest=builtin demand=buffer"));
	assert_non_null(strstr(line, "selftest=fault"));

	assert_int_equal(options_parse_str("demand=full ept_leaf=1g guest_mem=6M",
					   &o, err, sizeof(err)), 0);
	assert_int_equal(o.demand, HC_DEMAND_FULL);
	assert_int_equal(o.ept_leaf, PG_SIZE_1G);
	assert_int_equal(o.guest_mem, 6ULL << 20);
	assert_int_equal(options_parse_str("demand=off guest=module guest_mem=3g",
					   &o, err, sizeof(err)), 0);
	assert_int_equal(o.demand, HC_DEMAND_OFF);
	assert_int_equal(o.guest, OPT_GUEST_MODULE);
	assert_int_equal(o.guest_mem, 3ULL << 30);
	assert_int_equal(options_parse_str("guest=linux", &o, err,
					   sizeof(err)), 0);
	assert_int_equal(o.guest, OPT_GUEST_LINUX);
	assert_false(o.no_initrd);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " guest=linux "));
	assert_null(strstr(line, "initrd="));
	assert_int_equal(options_parse_str("initrd=none", &o, err,
					   sizeof(err)), 0);
	assert_true(o.no_initrd);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " initrd=none"));
	assert_int_equal(options_parse_str("initrd=auto", &o, err,
					   sizeof(err)), 0);
	assert_false(o.no_initrd);
	/* apicv: on by default (printed only when off), off round-trips. */
	options_format(&o, line, sizeof(line));
	assert_null(strstr(line, "apicv="));
	assert_int_equal(options_parse_str("apicv=off", &o, err,
					   sizeof(err)), 0);
	assert_false(o.apicv);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " apicv=off"));
	assert_int_equal(options_parse_str(line, &o, err, sizeof(err)), 0);
	assert_false(o.apicv);
	assert_int_equal(options_parse_str("apicv=on", &o, err,
					   sizeof(err)), 0);
	assert_true(o.apicv);
	assert_int_equal(options_parse_str("initrd=maybe", &o, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "initrd must be auto or none"));
	/* acpi: the default is plat_acpi_default(), on now that the APICs
	 * are emulated; only a value other than the default is printed. */
	assert_int_equal(options_parse_str("", &o, err, sizeof(err)), 0);
	assert_int_equal(o.acpi, plat_acpi_default());
	assert_true(plat_acpi_default());
	options_format(&o, line, sizeof(line));
	assert_null(strstr(line, "acpi="));
	assert_int_equal(options_parse_str("acpi=off", &o, err, sizeof(err)), 0);
	assert_false(o.acpi);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " acpi=off"));
	assert_int_equal(options_parse_str("acpi=on", &o, err, sizeof(err)), 0);
	assert_true(o.acpi);
	options_format(&o, line, sizeof(line));
	assert_null(strstr(line, "acpi="));
	assert_int_equal(options_parse_str("acpi=yes", &o, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "acpi must be on or off"));
	assert_int_equal(options_parse_str("acpi=on acpi=off", &o, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "duplicate key"));
	assert_int_equal(options_parse_str("watchdog=500ms restarts=3 "
					   "expect_crash=1", &o, err,
					   sizeof(err)), 0);
	assert_int_equal(o.watchdog_ms, 500);
	assert_int_equal(o.restarts, 3);
	assert_true(o.expect_crash);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " watchdog=500ms restarts=3 expect_crash=1"));
	assert_int_equal(options_parse_str("watchdog=off", &o, err,
					   sizeof(err)), 0);
	assert_int_equal(o.watchdog_ms, 0);
	assert_int_equal(options_parse_str("rtc=host test_host_irq=pit", &o,
					   err, sizeof(err)), 0);
	assert_true(o.rtc_host);
	assert_int_equal(o.host_irq_test, HC_HOST_IRQ_PIT);
	options_format(&o, line, sizeof(line));
	assert_non_null(strstr(line, " rtc=host test_host_irq=pit"));
	assert_int_equal(options_parse_str("rtc=fixed test_host_irq=none", &o,
					   err, sizeof(err)), 0);
	assert_false(o.rtc_host);
	assert_int_equal(o.host_irq_test, 0);
	/* A tiny buffer is cut, never overrun. */
	memset(line, 0x66, sizeof(line));
	options_format(&o, line, 10);
	assert_int_equal(strlen(line), 9);
	assert_int_equal((unsigned char)line[10], 0x66);
}

/* Each bad line: -EINVAL, err names the word and the reason, *out intact. */
static void bad(const char *line, const char *word, const char *why)
{
	struct hv_options o;

	memset(&o, 0x5A, sizeof(o));
	err[0] = 0;
	assert_int_equal(options_parse_str(line, &o, err, sizeof(err)), -EINVAL);
	if (!strstr(err, word) || !strstr(err, why))
		fail_msg("line '%s': err '%s' lacks '%s' / '%s'", line, err,
			 word, why);
	for (size_t i = 0; i < sizeof(o); i++)
		assert_int_equal(((unsigned char *)&o)[i], 0x5A);
}

/* Every test_corrupt value parses to its enum and formats back. */
static void test_corrupt_values(void **state)
{
	static const char *const want[] = { "none", "tr_type", "demand_retry",
		"rodata", "text", "ept_hv_frame" };
	struct hv_options o;
	char in[64], line[256], tail[64];

	assert_int_equal(ARRAY_SIZE(want), OPT_CORRUPT_COUNT);
	for (unsigned i = 0; i < OPT_CORRUPT_COUNT; i++) {
		snprintf(in, sizeof(in), "test_corrupt=%s", want[i]);
		assert_int_equal(options_parse_str(in, &o, err, sizeof(err)), 0);
		assert_int_equal(o.corrupt, i);
		options_format(&o, line, sizeof(line));
		snprintf(tail, sizeof(tail), " test_corrupt=%s", want[i]);
		if (i == OPT_CORRUPT_NONE)
			assert_null(strstr(line, "test_corrupt"));
		else if (!strstr(line, tail))
			fail_msg("'%s' formats as '%s'", in, line);
	}
}

static void test_rejects(void **state)
{
	bad("vpid=on frob=1", "frob=1", "unknown key");
	bad("vpid", "'vpid'", "expected key=value");
	bad("vpid=", "vpid=", "empty value");
	bad("guest_mem=", "guest_mem=", "empty value");
	bad("=on", "=on", "unknown key");
	bad("vpid=maybe", "vpid=maybe", "vpid must be");
	bad("apicv=1", "apicv=1", "apicv must be on or off");
	bad("guest_mem=12", "guest_mem=12", "must look like");
	bad("guest_mem=M", "guest_mem=M", "must look like");
	bad("guest_mem=-4M", "guest_mem=-4M", "must look like");
	bad("guest_mem=+4M", "guest_mem=+4M", "must look like");
	bad("guest_mem=4x", "guest_mem=4x", "must look like");
	bad("guest_mem=1M", "guest_mem=1M", "between 4M and 3G");
	bad("guest_mem=5M", "guest_mem=5M", "multiple of 2M");
	bad("guest_mem=4G", "guest_mem=4G", "between 4M and 3G");
	bad("guest_mem=99999999999999G", "guest_mem=99999999999999G",
	    "must look like");
	bad("guest_mem=18446744073709551616M", "guest_mem=1844674407",
	    "must look like");
	/* 2^54 G would wrap to 0 in a 64-bit shift. */
	bad("guest_mem=18014398509481984G", "guest_mem=", "must look like");
	bad("vpid=on vpid=off", "vpid=off", "duplicate key");
	bad("demand=maybe", "demand=maybe", "demand must be");
	bad("demand=Full", "demand=Full", "demand must be");
	bad("watchdog=500", "watchdog=500", "watchdog must be");
	bad("watchdog=ms", "watchdog=ms", "watchdog must be");
	bad("watchdog=600001ms", "watchdog=600001ms", "watchdog must be");
	bad("restarts=101", "restarts=101", "restarts must be");
	bad("rtc=local", "rtc=local", "rtc must be fixed or host");
	bad("test_host_irq=rtc", "test_host_irq=rtc",
	    "test_host_irq must be none or pit");
	bad("restarts=99999999999999999999999", "restarts=", "restarts must be");
	bad("expect_crash=yes", "expect_crash=yes", "expect_crash must be");
	bad("ept_leaf=3m", "ept_leaf=3m", "ept_leaf must be");
	bad("test_corrupt=txt", "test_corrupt=txt", "test_corrupt must be");
	bad("test_corrupt=TEXT", "test_corrupt=TEXT", "test_corrupt must be");
	bad("selftest=A;B", "selftest=A;B", "selftest name");
	bad("selftest=faul", "selftest=faul", "selftest must be");
	bad("selftest=abcdefghijklmnopqrstuvwxyzabcdefgh", "selftest=",
	    "too long");
	/* The kernel path is skipped only as the first word. */
	bad("vpid=on /boot/x", "/boot/x", "expected key=value");
}

static void test_long_and_hostile_words(void **state)
{
	char line[1024], small[16];
	struct hv_options o;

	memset(line, 'a', sizeof(line) - 1);
	line[sizeof(line) - 1] = 0;
	line[4] = '=';
	bad(line, "aaaa=aaaa", "word too long");
	/* Control bytes never reach err. */
	bad("vpid=\x1b[2J", "vpid=?[2J", "vpid must be");
	/* A tiny err buffer is cut, never overrun. */
	memset(small, 0x77, sizeof(small));
	assert_int_equal(options_parse_str("nope=1", &o, small, 8), -EINVAL);
	assert_int_equal(strlen(small), 7);
	assert_int_equal((unsigned char)small[8], 0x77);
	/* err may be NULL. */
	assert_int_equal(options_parse_str("nope=1", &o, NULL, 0), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_keys),
		cmocka_unit_test(test_corrupt_values),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_long_and_hostile_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
