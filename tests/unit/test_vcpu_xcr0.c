/* Host unit tests for the XSETBV checks (hv/vcpu/xcr0.c): each rule once
 * kept and once broken, the broken one named; the supported-mask
 * reduction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vcpu/xcr0.h"

/* Every component eptlab knows. */
#define ALL XCR0_KNOWN

static struct vcpu_xcr0_verdict set(uint64_t val)
{
	return vcpu_xcr0_check(0, val, 0, true, ALL);
}

static void assert_ok(uint64_t val)
{
	struct vcpu_xcr0_verdict v = set(val);

	assert_int_equal(v.result, VCPU_XCR0_OK);
	assert_null(v.rule);
}

/* #GP, and the rule named contains 'rule_part'. */
static void assert_gp(struct vcpu_xcr0_verdict v, const char *rule_part)
{
	assert_int_equal(v.result, VCPU_XCR0_GP);
	assert_non_null(v.rule);
	assert_non_null(strstr(v.rule, rule_part));
	assert_non_null(v.sdm);
}

static void test_osxsave(void **state)
{
	struct vcpu_xcr0_verdict v = vcpu_xcr0_check(0, XCR0_X87, 0, false,
						     ALL);

	assert_int_equal(v.result, VCPU_XCR0_UD);
	assert_non_null(strstr(v.rule, "OSXSAVE"));
	assert_ok(XCR0_X87);
}

static void test_cpl(void **state)
{
	assert_gp(vcpu_xcr0_check(0, XCR0_X87, 3, true, ALL), "CPL");
	assert_int_equal(vcpu_xcr0_check(0, XCR0_X87, 0, true, ALL).result,
			 VCPU_XCR0_OK);
}

static void test_ecx(void **state)
{
	assert_gp(vcpu_xcr0_check(1, XCR0_X87, 0, true, ALL), "ECX");
	assert_gp(vcpu_xcr0_check(0x80000000, XCR0_X87, 0, true, ALL), "ECX");
}

static void test_unsupported(void **state)
{
	uint64_t sup = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	assert_int_equal(vcpu_xcr0_check(0, sup, 0, true, sup).result,
			 VCPU_XCR0_OK);
	assert_gp(vcpu_xcr0_check(0, sup | XCR0_PKRU, 0, true, sup),
		  "does not support");
	/* Bit 63 and a supervisor component (bit 8, PT) are never XCR0. */
	assert_gp(set(XCR0_X87 | BIT(63)), "does not support");
}

static void test_x87(void **state)
{
	assert_gp(set(0), "x87");
	assert_gp(set(XCR0_SSE), "x87");
	assert_ok(XCR0_X87 | XCR0_SSE);
}

static void test_sse_before_avx(void **state)
{
	assert_gp(set(XCR0_X87 | XCR0_AVX), "AVX without SSE");
	assert_ok(XCR0_X87 | XCR0_SSE | XCR0_AVX);
}

static void test_mpx_pair(void **state)
{
	assert_gp(set(XCR0_X87 | XCR0_BNDREGS), "MPX");
	assert_gp(set(XCR0_X87 | XCR0_BNDCSR), "MPX");
	assert_ok(XCR0_X87 | XCR0_MPX);
}

static void test_avx512_all_or_none(void **state)
{
	uint64_t base = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	assert_gp(set(base | XCR0_OPMASK), "AVX-512 state incomplete");
	assert_gp(set(base | XCR0_OPMASK | XCR0_ZMM_HI256),
		  "AVX-512 state incomplete");
	assert_gp(set(base | XCR0_HI16_ZMM), "AVX-512 state incomplete");
	assert_ok(base | XCR0_AVX512);
}

static void test_avx512_needs_avx(void **state)
{
	assert_gp(set(XCR0_X87 | XCR0_SSE | XCR0_AVX512), "without AVX");
	/* AVX set but SSE clear: the SSE rule comes first. */
	assert_gp(set(XCR0_X87 | XCR0_AVX | XCR0_AVX512), "AVX without SSE");
	assert_ok(XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
}

static void test_amx_pair(void **state)
{
	uint64_t base = XCR0_X87 | XCR0_SSE;

	assert_gp(set(base | XCR0_XTILECFG), "AMX");
	assert_gp(set(base | XCR0_XTILEDATA), "AMX");
	assert_ok(base | XCR0_AMX);
}

static void test_everything(void **state)
{
	assert_ok(ALL);
}

static void test_supported_reduction(void **state)
{
	uint64_t base = XCR0_X87 | XCR0_SSE;

	assert_int_equal(vcpu_xcr0_supported(~0ULL, ~0ULL), XCR0_KNOWN);
	/* The policy limits the host. */
	assert_int_equal(vcpu_xcr0_supported(~0ULL, base | XCR0_AVX),
			 base | XCR0_AVX);
	/* No SSE or no x87: no XSAVE at all. */
	assert_int_equal(vcpu_xcr0_supported(XCR0_X87 | XCR0_AVX, ~0ULL), 0);
	assert_int_equal(vcpu_xcr0_supported(~0ULL, XCR0_SSE), 0);
	/* Half pairs and AVX-512 without AVX are dropped. */
	assert_int_equal(vcpu_xcr0_supported(base | XCR0_BNDREGS |
					     XCR0_XTILECFG, ~0ULL), base);
	assert_int_equal(vcpu_xcr0_supported(base | XCR0_AVX512, ~0ULL), base);
	assert_int_equal(vcpu_xcr0_supported(base | XCR0_AVX | XCR0_OPMASK,
					     ~0ULL), base | XCR0_AVX);
	/* Unknown and supervisor bits never pass (8 PT, 11 CET_U, 19 APX). */
	assert_int_equal(vcpu_xcr0_supported(base | BIT(8) | BIT(11) | BIT(19),
					     ~0ULL), base);
	/* Every reduced mask passes its own check. */
	for (uint64_t h = 0; h < (1u << 10); h++) {
		uint64_t host = (h & 0xFF) | ((h & 0x100) ? XCR0_PKRU : 0) |
				((h & 0x200) ? XCR0_AMX : 0);
		uint64_t s = vcpu_xcr0_supported(host, ~0ULL);
		if (s)
			assert_int_equal(vcpu_xcr0_check(0, s, 0, true, s).result,
					 VCPU_XCR0_OK);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_osxsave),
		cmocka_unit_test(test_cpl),
		cmocka_unit_test(test_ecx),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_x87),
		cmocka_unit_test(test_sse_before_avx),
		cmocka_unit_test(test_mpx_pair),
		cmocka_unit_test(test_avx512_all_or_none),
		cmocka_unit_test(test_avx512_needs_avx),
		cmocka_unit_test(test_amx_pair),
		cmocka_unit_test(test_everything),
		cmocka_unit_test(test_supported_reduction),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
