/*
 * libFuzzer harness for the pure option parser (hv/options.c core).
 *
 * The input is a command line (NUL-terminated copy). Invariants:
 *   - options_parse_str returns 0 or -EINVAL, and err is a terminated
 *     string of printable bytes that fits its buffer;
 *   - on failure *out is untouched;
 *   - on success every field is in range, and options_format's output
 *     parses back to the same options (a round trip).
 */
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "hv/options.h"
#include "mm/paging.h"
#include "include/hypercall.h"
#include "include/err.h"

static void check_same(const struct hv_options *a, const struct hv_options *b)
{
	FUZZ_CHECK(a->ept_leaf == b->ept_leaf, "ept_leaf");
	FUZZ_CHECK(a->vpid == b->vpid, "vpid");
	FUZZ_CHECK(a->apicv == b->apicv, "apicv");
	FUZZ_CHECK(a->guest_mem == b->guest_mem, "guest_mem");
	FUZZ_CHECK(a->guest == b->guest, "guest");
	FUZZ_CHECK(a->corrupt == b->corrupt, "corrupt");
	FUZZ_CHECK(a->skip_check == b->skip_check, "skip_check");
	FUZZ_CHECK(a->demand == b->demand, "demand");
	FUZZ_CHECK(a->watchdog_ms == b->watchdog_ms, "watchdog_ms");
	FUZZ_CHECK(a->restarts == b->restarts, "restarts");
	FUZZ_CHECK(a->expect_crash == b->expect_crash, "expect_crash");
	FUZZ_CHECK(a->no_initrd == b->no_initrd, "no_initrd");
	FUZZ_CHECK(a->acpi == b->acpi, "acpi");
	FUZZ_CHECK(a->rtc_host == b->rtc_host, "rtc_host");
	FUZZ_CHECK(a->host_irq_test == b->host_irq_test, "host_irq_test");
	FUZZ_CHECK(!a->selftest == !b->selftest, "selftest presence");
	if (a->selftest)
		FUZZ_CHECK(!strcmp(a->selftest, b->selftest), "selftest");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hv_options o, back;
	char err[160], line[512], *cmd;
	int rc;

	cmd = malloc(size + 1);
	if (!cmd)
		return 0;
	memcpy(cmd, data, size);
	cmd[size] = 0;

	memset(&o, 0x5A, sizeof(o));
	memset(err, 0x7E, sizeof(err));
	rc = options_parse_str(cmd, &o, err, sizeof(err));
	FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
	FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL, "err not terminated");
	if (rc) {
		FUZZ_CHECK(err[0] != 0, "no message for rc %d", rc);
		for (const char *p = err; *p; p++)
			FUZZ_CHECK(*p >= 0x20 && *p < 0x7f,
				   "unprintable byte 0x%02x in err",
				   (unsigned char)*p);
		for (size_t i = 0; i < sizeof(o); i++)
			FUZZ_CHECK(((uint8_t *)&o)[i] == 0x5A,
				   "*out written on failure");
		free(cmd);
		return 0;
	}
	FUZZ_CHECK(o.ept_leaf == 0 || o.ept_leaf == PG_SIZE_4K ||
		   o.ept_leaf == PG_SIZE_2M || o.ept_leaf == PG_SIZE_1G,
		   "ept_leaf %u", o.ept_leaf);
	FUZZ_CHECK(o.guest_mem >= OPT_GUEST_MEM_MIN &&
		   o.guest_mem <= OPT_GUEST_MEM_MAX &&
		   o.guest_mem % SZ_2M == 0, "guest_mem %llu",
		   (unsigned long long)o.guest_mem);
	FUZZ_CHECK(o.demand <= HC_DEMAND_FULL, "demand %u", o.demand);
	FUZZ_CHECK(o.watchdog_ms <= OPT_WATCHDOG_MS_MAX, "watchdog");
	FUZZ_CHECK(o.restarts <= OPT_RESTARTS_MAX, "restarts");
	FUZZ_CHECK(!o.selftest || o.selftest == o.selftest_buf,
		   "selftest points outside *out");

	rc = options_format(&o, line, sizeof(line));
	FUZZ_CHECK(rc >= 0 && (size_t)rc < sizeof(line), "format %d", rc);
	rc = options_parse_str(line, &back, err, sizeof(err));
	FUZZ_CHECK(rc == 0, "'%s' does not parse back: %s", line, err);
	check_same(&o, &back);
	free(cmd);
	return 0;
}
