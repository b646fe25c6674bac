/* Host unit tests for vmx_ctl_compute (vmx/vmx_ctl.c): must-be-one bits,
 * optional and required requests, the missing control's name. */
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_required_and_optional),
		cmocka_unit_test(test_optional_dropped),
		cmocka_unit_test(test_must_be_one_bits_kept),
		cmocka_unit_test(test_required_missing_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
