/* Hypervisor command-line parsing (see hv/options.h). The core is pure C;
 * only options_parse()/options_print() at the bottom talk to the console. */
#include "hv/options.h"
#include "mm/paging.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "lib/string.h"
#include "include/err.h"
#include "include/hypercall.h"

struct hv_options hv_opts = {
	.ept_leaf = 0,
	.vpid = true,
	.apicv = true,
	.guest_mem = OPT_GUEST_MEM_DEFAULT,
	.guest = OPT_GUEST_AUTO,
	.demand = HC_DEMAND_OFF,
	.watchdog_ms = OPT_WATCHDOG_MS_DEFAULT,
	.acpi = true,            /* options_defaults(): plat_acpi_default() */
};

void options_defaults(struct hv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->ept_leaf = 0;
	o->vpid = true;
	o->apicv = true;
	o->guest_mem = OPT_GUEST_MEM_DEFAULT;
	o->guest = OPT_GUEST_AUTO;
	o->corrupt = OPT_CORRUPT_NONE;
	o->demand = HC_DEMAND_OFF;
	o->selftest = NULL;
	o->watchdog_ms = OPT_WATCHDOG_MS_DEFAULT;
	o->restarts = 0;
	o->expect_crash = false;
	o->acpi = plat_acpi_default();
}

/* ------------------------------------------------------------ the core */

const char *const opt_corrupt_name[OPT_CORRUPT_COUNT + 1] = {
	[OPT_CORRUPT_NONE] = "none", [OPT_CORRUPT_TR_TYPE] = "tr_type",
	[OPT_CORRUPT_DEMAND_RETRY] = "demand_retry",
	[OPT_CORRUPT_RODATA] = "rodata", [OPT_CORRUPT_TEXT] = "text",
	[OPT_CORRUPT_EPT_HV_FRAME] = "ept_hv_frame",
	[OPT_CORRUPT_COUNT] = NULL,
};

/* Keys, in the order the "seen" bit mask uses. */
enum opt_key {
	K_EPT_LEAF, K_VPID, K_GUEST_MEM, K_GUEST, K_TEST_CORRUPT,
	K_SKIP_CHECK, K_SELFTEST, K_DEMAND, K_WATCHDOG, K_RESTARTS,
	K_EXPECT_CRASH, K_INITRD, K_ACPI, K_RTC, K_TEST_HOST_IRQ, K_APICV, K_COUNT
};

static const char *const key_name[K_COUNT] = {
	[K_EPT_LEAF] = "ept_leaf", [K_VPID] = "vpid",
	[K_GUEST_MEM] = "guest_mem", [K_GUEST] = "guest",
	[K_TEST_CORRUPT] = "test_corrupt", [K_SKIP_CHECK] = "skip_check",
	[K_SELFTEST] = "selftest", [K_DEMAND] = "demand",
	[K_WATCHDOG] = "watchdog", [K_RESTARTS] = "restarts",
	[K_EXPECT_CRASH] = "expect_crash", [K_INITRD] = "initrd",
	[K_ACPI] = "acpi",
	[K_RTC] = "rtc", [K_TEST_HOST_IRQ] = "test_host_irq",
	[K_APICV] = "apicv",
};

/* A word is never NUL-terminated in the command line: (ptr, len). */
struct span {
	const char *p;
	size_t n;
};

static bool span_is(struct span s, const char *lit)
{
	size_t n = strlen(lit);

	return n == s.n && memcmp(s.p, lit, n) == 0;
}

/* err = "bad option '<word>': <why>", the word cut to fit and with
 * unprintable bytes shown as '?', so a hostile command line can neither
 * overflow err nor smuggle control characters to the console. */
static int opt_err(char *err, size_t errlen, struct span w, const char *why)
{
	char word[48];
	size_t n = w.n < sizeof(word) - 4 ? w.n : sizeof(word) - 4;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w.p[i];
		word[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	if (n < w.n) {
		memcpy(word + n, "...", 3);
		n += 3;
	}
	word[n] = 0;
	if (err && errlen)
		snprintf(err, errlen, "bad option '%s': %s", word, why);
	return -EINVAL;
}

/* Decimal digits into *out; false if empty, not a digit, or > UINT64_MAX. */
static bool parse_u64(struct span s, uint64_t *out)
{
	uint64_t n = 0;

	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		unsigned d = (unsigned)(unsigned char)s.p[i] - '0';
		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return false;
		n = n * 10 + d;
	}
	*out = n;
	return true;
}

/* "<N>M" or "<N>G" (either case) -> bytes; false if malformed or the
 * byte count does not fit in 64 bits. */
static bool parse_size(struct span v, uint64_t *out)
{
	unsigned shift;
	uint64_t n;

	if (v.n < 2)
		return false;
	switch (v.p[v.n - 1]) {
	case 'M': case 'm': shift = 20; break;
	case 'G': case 'g': shift = 30; break;
	default: return false;
	}
	if (!parse_u64((struct span){ v.p, v.n - 1 }, &n) ||
	    n > (UINT64_MAX >> shift))
		return false;
	*out = n << shift;
	return true;
}

/* Pick one of `names` (NULL-terminated); its index, or -1. */
static int pick(struct span v, const char *const *names)
{
	for (int i = 0; names[i]; i++)
		if (span_is(v, names[i]))
			return i;
	return -1;
}

static int opt_one(struct hv_options *o, unsigned *seen, struct span w,
		   char *err, size_t errlen)
{
	static const char *const leaf_v[] = { "4k", "2m", "1g", "auto", NULL };
	static const unsigned leaf_size[] = { PG_SIZE_4K, PG_SIZE_2M,
					      PG_SIZE_1G, 0 };
	static const char *const onoff_v[] = { "off", "on", NULL };
	static const char *const guest_v[] = { "auto", "builtin", "module",
					       "linux", NULL };
	static const char *const bit_v[] = { "0", "1", NULL };
	static const char *const demand_v[] = { "off", "buffer", "full", NULL };
	size_t klen = 0;
	int k, i;

	if (w.n > OPT_WORD_MAX)
		return opt_err(err, errlen, w, "word too long");
	while (klen < w.n && w.p[klen] != '=')
		klen++;
	if (klen == w.n)
		return opt_err(err, errlen, w, "expected key=value");
	struct span key = { w.p, klen };
	struct span v = { w.p + klen + 1, w.n - klen - 1 };

	for (k = 0; k < K_COUNT; k++)
		if (span_is(key, key_name[k]))
			break;
	if (k == K_COUNT)
		return opt_err(err, errlen, w, "unknown key");
	if (v.n == 0)
		return opt_err(err, errlen, w, "empty value");
	if (*seen & (1u << k))
		return opt_err(err, errlen, w, "duplicate key");
	*seen |= 1u << k;

	switch ((enum opt_key)k) {
	case K_EPT_LEAF:
		if ((i = pick(v, leaf_v)) < 0)
			return opt_err(err, errlen, w,
				       "ept_leaf must be 4k, 2m or 1g (or auto)");
		o->ept_leaf = leaf_size[i];
		break;
	case K_VPID:
		if ((i = pick(v, onoff_v)) < 0)
			return opt_err(err, errlen, w, "vpid must be on or off");
		o->vpid = i == 1;
		break;
	case K_APICV:
		if ((i = pick(v, onoff_v)) < 0)
			return opt_err(err, errlen, w, "apicv must be on or off");
		o->apicv = i == 1;
		break;
	case K_GUEST_MEM: {
		uint64_t sz;
		if (!parse_size(v, &sz))
			return opt_err(err, errlen, w,
				       "guest_mem must look like 128M or 1G");
		if (sz < OPT_GUEST_MEM_MIN || sz > OPT_GUEST_MEM_MAX ||
		    !IS_ALIGNED(sz, SZ_2M))
			return opt_err(err, errlen, w, "guest_mem must be a "
				       "multiple of 2M between 4M and 3G");
		o->guest_mem = sz;
		break;
	}
	case K_GUEST:
		if ((i = pick(v, guest_v)) < 0)
			return opt_err(err, errlen, w,
				       "guest must be auto, builtin, module or "
				       "linux");
		o->guest = (enum opt_guest)i;
		break;
	case K_TEST_CORRUPT:
		if ((i = pick(v, opt_corrupt_name)) < 0)
			return opt_err(err, errlen, w, "test_corrupt must be "
				       "none, tr_type, demand_retry, rodata, "
				       "text or ept_hv_frame");
		o->corrupt = (enum opt_corrupt)i;
		break;
	case K_SKIP_CHECK:
		if ((i = pick(v, bit_v)) < 0)
			return opt_err(err, errlen, w, "skip_check must be 0 or 1");
		o->skip_check = i == 1;
		break;
	case K_SELFTEST:
		if (v.n >= sizeof(o->selftest_buf))
			return opt_err(err, errlen, w, "selftest name too long");
		for (size_t j = 0; j < v.n; j++) {
			char c = v.p[j];
			if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
			      c == '_' || c == '-'))
				return opt_err(err, errlen, w, "selftest name "
					       "must be [a-z0-9_-]");
		}
		memcpy(o->selftest_buf, v.p, v.n);
		o->selftest_buf[v.n] = 0;
		/* The boot self-tests hv/main.c knows; a misspelling must not
		 * be ignored silently. */
		if (strcmp(o->selftest_buf, "fault") &&
		    strcmp(o->selftest_buf, "stack") &&
		    strcmp(o->selftest_buf, "canary"))
			return opt_err(err, errlen, w, "selftest must be fault, "
				       "stack or canary");
		break;
	case K_DEMAND:
		if ((i = pick(v, demand_v)) < 0)
			return opt_err(err, errlen, w,
				       "demand must be off, buffer or full");
		o->demand = i == 0 ? HC_DEMAND_OFF :
			    i == 1 ? HC_DEMAND_BUFFER : HC_DEMAND_FULL;
		break;
	case K_WATCHDOG: {
		uint64_t ms = 0;
		if (span_is(v, "off"))
			ms = 0;
		else if (v.n < 3 || v.p[v.n - 2] != 'm' || v.p[v.n - 1] != 's' ||
			 !parse_u64((struct span){ v.p, v.n - 2 }, &ms) ||
			 ms > OPT_WATCHDOG_MS_MAX)
			return opt_err(err, errlen, w, "watchdog must be off or "
				       "<N>ms with N <= 600000");
		o->watchdog_ms = (uint32_t)ms;
		break;
	}
	case K_RESTARTS: {
		uint64_t n;
		if (!parse_u64(v, &n) || n > OPT_RESTARTS_MAX)
			return opt_err(err, errlen, w,
				       "restarts must be a number 0..100");
		o->restarts = (uint32_t)n;
		break;
	}
	case K_EXPECT_CRASH:
		if ((i = pick(v, bit_v)) < 0)
			return opt_err(err, errlen, w,
				       "expect_crash must be 0 or 1");
		o->expect_crash = i == 1;
		break;
	case K_INITRD: {
		static const char *const initrd_v[] = { "auto", "none", NULL };
		if ((i = pick(v, initrd_v)) < 0)
			return opt_err(err, errlen, w,
				       "initrd must be auto or none");
		o->no_initrd = i == 1;
		break;
	}
	case K_ACPI:
		if ((i = pick(v, onoff_v)) < 0)
			return opt_err(err, errlen, w, "acpi must be on or off");
		o->acpi = i == 1;
		break;
	case K_RTC: {
		static const char *const rtc_v[] = { "fixed", "host", NULL };
		if ((i = pick(v, rtc_v)) < 0)
			return opt_err(err, errlen, w,
				       "rtc must be fixed or host");
		o->rtc_host = i == 1;
		break;
	}
	case K_TEST_HOST_IRQ: {
		static const char *const hirq_v[] = { "none", "pit", NULL };
		if ((i = pick(v, hirq_v)) < 0)
			return opt_err(err, errlen, w,
				       "test_host_irq must be none or pit");
		o->host_irq_test = i == 1 ? HC_HOST_IRQ_PIT : 0;
		break;
	}
	case K_COUNT:
		break;
	}
	return 0;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int options_parse_str(const char *cmdline, struct hv_options *out,
		      char *err, size_t errlen)
{
	struct hv_options o;
	const char *p = cmdline;
	unsigned seen = 0;
	bool first = true;
	int rc;

	if (err && errlen)
		err[0] = 0;
	options_defaults(&o);
	while (p && *p) {
		while (is_space(*p))
			p++;
		if (!*p)
			break;
		const char *w = p;
		while (*p && !is_space(*p))
			p++;
		/* Some loaders put the kernel's path first; skip it. */
		if (first && *w == '/') {
			first = false;
			continue;
		}
		first = false;
		rc = opt_one(&o, &seen, (struct span){ w, (size_t)(p - w) },
			     err, errlen);
		if (rc)
			return rc;
	}
	*out = o;
	/* selftest points into *out, never into the caller's string. */
	out->selftest = (seen & (1u << K_SELFTEST)) ? out->selftest_buf : NULL;
	return 0;
}

static const char *leaf_name(unsigned l)
{
	switch (l) {
	case PG_SIZE_4K: return "4k";
	case PG_SIZE_2M: return "2m";
	case PG_SIZE_1G: return "1g";
	}
	return "auto";
}

/* snprintf at buf + *pos, keeping *pos within the buffer. */
__attribute__((format(printf, 4, 5)))
static void fmt_add(char *buf, size_t buflen, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= buflen)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, buflen - *pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		*pos = MIN(*pos + (size_t)n, buflen);
}

int options_format(const struct hv_options *o, char *buf, size_t buflen)
{
	static const char *const gname[] = { "auto", "builtin", "module",
					     "linux" };
	static const char *const dname[] = { "off", "buffer", "full" };
	size_t pos = 0;

	if (!buflen)
		return 0;
	buf[0] = 0;
	fmt_add(buf, buflen, &pos,
		"ept_leaf=%s vpid=%s guest_mem=%lluM guest=%s demand=%s",
		leaf_name(o->ept_leaf), o->vpid ? "on" : "off",
		(unsigned long long)(o->guest_mem >> 20),
		(unsigned)o->guest < ARRAY_SIZE(gname) ? gname[o->guest] : "?",
		o->demand < ARRAY_SIZE(dname) ? dname[o->demand] : "?");
	if (o->corrupt != OPT_CORRUPT_NONE && o->corrupt < OPT_CORRUPT_COUNT)
		fmt_add(buf, buflen, &pos, " test_corrupt=%s",
			opt_corrupt_name[o->corrupt]);
	if (!o->apicv)
		fmt_add(buf, buflen, &pos, " apicv=off");
	if (o->skip_check)
		fmt_add(buf, buflen, &pos, " skip_check=1");
	if (o->selftest)
		fmt_add(buf, buflen, &pos, " selftest=%s", o->selftest);
	if (o->watchdog_ms)
		fmt_add(buf, buflen, &pos, " watchdog=%ums", o->watchdog_ms);
	else
		fmt_add(buf, buflen, &pos, " watchdog=off");
	if (o->restarts)
		fmt_add(buf, buflen, &pos, " restarts=%u", o->restarts);
	if (o->expect_crash)
		fmt_add(buf, buflen, &pos, " expect_crash=1");
	if (o->no_initrd)
		fmt_add(buf, buflen, &pos, " initrd=none");
	if (o->acpi != plat_acpi_default())
		fmt_add(buf, buflen, &pos, " acpi=%s", o->acpi ? "on" : "off");
	if (o->rtc_host)
		fmt_add(buf, buflen, &pos, " rtc=host");
	if (o->host_irq_test == HC_HOST_IRQ_PIT)
		fmt_add(buf, buflen, &pos, " test_host_irq=pit");
	return (int)pos;
}

/* ------------------------------------------------ hypervisor wrappers */
#ifndef EPTLAB_HOST_TEST
#include "hv/run.h"

void options_parse(const char *cmdline)
{
	char err[160];

	if (options_parse_str(cmdline, &hv_opts, err, sizeof(err)) == 0)
		return;
	printf("options: %s\n", err);
	printf("options: known: ept_leaf=4k|2m|1g|auto vpid=on|off "
	       "apicv=on|off "
	       "guest_mem=<N>M|<N>G guest=auto|builtin|module|linux "
	       "demand=off|buffer|full test_corrupt=none|tr_type|"
	       "demand_retry|rodata|text|ept_hv_frame "
	       "skip_check=0|1 selftest=<name> watchdog=off|<N>ms "
	       "restarts=<N> expect_crash=0|1 initrd=auto|none "
	       "acpi=on|off rtc=fixed|host test_host_irq=none|pit\n");
	run_end(RUN_FAIL, "bad hypervisor option");
}

void options_print(void)
{
	char line[256];

	options_format(&hv_opts, line, sizeof(line));
	printf("options: %s\n", line);
}
#endif
