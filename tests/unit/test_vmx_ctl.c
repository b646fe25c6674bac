/* Host unit tests for vmx/vmx_ctl.c: vmx_ctl_compute (must-be-one bits,
 * optional and required requests, the missing control's name), the
 * INVEPT/INVVPID capability checks with their fallbacks, and the
 * canonical check at the CPU's linear-address width. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmx/vmx_caps.h"
#include "vmx/vmcs.h"
#include "include/err.h"

/* Bochs corei7_skylake_x IA32_VMX_PROCBASED_CTLS2: allowed-1 0x02177FFF. */
#define CAP_PROC2 (0x02177FFFULL << 32)

static void test_required_and_optional(void **state)
{
	const struct vmx_ctl_req req[] = {
		{ "enable EPT", PROC2_ENABLE_EPT, true },
		{ "unrestricted guest", PROC2_UNRESTRICTED_GUEST, true },
		{ "enable XSAVES/XRSTORS", PROC2_ENABLE_XSAVES, false },
	};
	uint32_t v = 0;
	const char *missing = NULL;

	assert_int_equal(vmx_ctl_compute(CAP_PROC2, req, 3, &v, &missing), 0);
	assert_int_equal(v, PROC2_ENABLE_EPT | PROC2_UNRESTRICTED_GUEST |
			    PROC2_ENABLE_XSAVES);
	assert_null(missing);
}

static void test_optional_dropped(void **state)
{
	const struct vmx_ctl_req req[] = {
		{ "enable EPT", PROC2_ENABLE_EPT, true },
		{ "enable XSAVES/XRSTORS", PROC2_ENABLE_XSAVES, false },
	};
	uint64_t cap = (uint64_t)PROC2_ENABLE_EPT << 32;   /* no XSAVES */
	uint32_t v = 0;

	assert_int_equal(vmx_ctl_compute(cap, req, 2, &v, NULL), 0);
	assert_int_equal(v, PROC2_ENABLE_EPT);
}

static void test_must_be_one_bits_kept(void **state)
{
	/* Pin-based default1 bits 1, 2, 4 (SDM 3D A.3.1). */
	uint64_t cap = 0x16 | (0x7FULL << 32);
	uint32_t v = 0;

	assert_int_equal(vmx_ctl_compute(cap, NULL, 0, &v, NULL), 0);
	assert_int_equal(v, 0x16);
}

static void test_required_missing_named(void **state)
{
	const struct vmx_ctl_req req[] = {
		{ "enable EPT", PROC2_ENABLE_EPT, true },
		{ "unrestricted guest", PROC2_UNRESTRICTED_GUEST, true },
	};
	uint64_t cap = (uint64_t)PROC2_ENABLE_EPT << 32;
	uint32_t v = 0xdead;
	const char *missing = NULL;

	assert_int_equal(vmx_ctl_compute(cap, req, 2, &v, &missing),
			 -EOPNOTSUPP);
	assert_string_equal(missing, "unrestricted guest");
	assert_int_equal(v, 0xdead);          /* untouched on failure */
}

/* Bochs Skylake-X: INVEPT single/all, INVVPID all four types. */
#define CAP_SKX 0x00000F0106334141ULL

static void test_invept_fallback(void **state)
{
	struct vmx_caps c = { .ept_vpid = CAP_SKX };

	assert_int_equal(vmx_invept_type(&c, INVEPT_SINGLE), INVEPT_SINGLE);
	assert_int_equal(vmx_invept_type(&c, INVEPT_ALL), INVEPT_ALL);
	c.ept_vpid &= ~EPT_CAP_INVEPT_SINGLE;       /* single -> all */
	assert_false(vmx_has_invept(&c, INVEPT_SINGLE));
	assert_int_equal(vmx_invept_type(&c, INVEPT_SINGLE), INVEPT_ALL);
	c.ept_vpid &= ~EPT_CAP_INVEPT_ALL;          /* neither: -1 */
	assert_int_equal(vmx_invept_type(&c, INVEPT_SINGLE), -1);
	c.ept_vpid = CAP_SKX & ~EPT_CAP_INVEPT;     /* no INVEPT at all */
	assert_int_equal(vmx_invept_type(&c, INVEPT_ALL), -1);
	c.ept_vpid = CAP_SKX;
	assert_int_equal(vmx_invept_type(&c, 3), -1);     /* no such type */
}

static void test_invvpid_fallback(void **state)
{
	struct vmx_caps c = { .ept_vpid = CAP_SKX };

	for (unsigned t = INVVPID_ADDR; t <= INVVPID_SINGLE_NG; t++)
		assert_int_equal(vmx_invvpid_type(&c, t), (int)t);
	c.ept_vpid &= ~(VPID_CAP_INVVPID_ADDR | VPID_CAP_INVVPID_SINGLE_NG);
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_ADDR), INVVPID_SINGLE);
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_SINGLE_NG),
			 INVVPID_SINGLE);
	c.ept_vpid &= ~VPID_CAP_INVVPID_SINGLE;     /* -> all-context */
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_ADDR), INVVPID_ALL);
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_SINGLE), INVVPID_ALL);
	c.ept_vpid &= ~VPID_CAP_INVVPID_ALL;        /* none left */
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_SINGLE), -1);
	c.ept_vpid = CAP_SKX & ~VPID_CAP_INVVPID;   /* no INVVPID at all */
	assert_int_equal(vmx_invvpid_type(&c, INVVPID_ALL), -1);
	c.ept_vpid = CAP_SKX;
	assert_int_equal(vmx_invvpid_type(&c, 4), -1);
}

static void test_canonical_width(void **state)
{
	struct vmx_caps c48 = { .la_width = 48 }, c57 = { .la_width = 57 };
	struct vmx_caps c0 = { 0 };                 /* unknown: 48 */

	assert_true(vmx_canonical(&c48, 0x00007FFFFFFFFFFFULL));
	assert_false(vmx_canonical(&c48, 0x0000800000000000ULL));
	assert_true(vmx_canonical(&c48, 0xFFFF800000000000ULL));
	assert_false(vmx_canonical(&c0, 0x0000800000000000ULL));
	assert_true(vmx_canonical(&c57, 0x0000800000000000ULL));
	assert_true(vmx_canonical(&c57, 0x00FFFFFFFFFFFFFFULL));
	assert_false(vmx_canonical(&c57, 0x0100000000000000ULL));
	assert_true(vmx_canonical(&c57, 0xFF00000000000000ULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_and_optional),
		cmocka_unit_test(test_optional_dropped),
		cmocka_unit_test(test_must_be_one_bits_kept),
		cmocka_unit_test(test_required_missing_named),
		cmocka_unit_test(test_invept_fallback),
		cmocka_unit_test(test_invvpid_fallback),
		cmocka_unit_test(test_canonical_width),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
