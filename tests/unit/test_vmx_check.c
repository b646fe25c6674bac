/*
 * Host unit tests for the software VM-entry checker (vmx/vmx_check*.c):
 * the baselines and valid variations pass, the rule table is complete,
 * and a failure is reported as hv/exit.c prints it. The rule cases are
 * split by area: test_vmx_check_ctl.c, _host.c and _guest.c.
 * Fixture: tests/unit/vchk_fixture.h.
 */
#include <stdio.h>
#include <string.h>

#include "include/err.h"
#include "include/x86.h"
#include "tests/unit/vchk_fixture.h"

/* ------------------------------------------------------------ passes */

static void test_baseline_guest64_passes(void **state) { expect_pass(); }
static void test_baseline_guest32_passes(void **state) { expect_pass(); }

static void test_secondary_ignored_when_not_activated(void **state)
{
	/* Without "activate secondary controls" the CPU reads them as 0:
	 * garbage there must not matter (and the 64-bit guest needs no UG). */
	clr_bits(VMCS_PROC_CONTROLS, PROC_SECONDARY_CONTROLS);
	set(VMCS_PROC_CONTROLS2, 0xFFFFFFFF);
	set(VMCS_VPID, 0);
	expect_pass();
}

static void test_guest64_unusable_ss_passes(void **state)
{
	set(VMCS_GUEST_SS_SEL, 0);
	set(VMCS_GUEST_SS_AR, AR_UNUSABLE);
	set(VMCS_GUEST_DS_AR, AR_UNUSABLE);
	expect_pass();
}

static void test_inject_pf_with_error_code_passes(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_HW, 14));
	set(VMCS_ENTRY_EXCEPTION_ERROR, 0x2);
	expect_pass();
}

static void test_guest_real_mode_passes(void **state)
{
	make_real_mode();
	expect_pass();
}

static void test_guest_usable_ldtr_passes(void **state)
{
	make_ldtr_usable();
	expect_pass();
}

static void test_guest_ring3_passes(void **state)
{
	make_ring3();
	expect_pass();
}

/* ------------------------------------------------------------ rule table */

static void test_rule_table_complete(void **state)
{
	static const struct { enum vmx_check_area area; const char *prefix; } sec[] = {
		{ VMX_CHECK_CONTROLS, "Checks on VMX Controls: " },
		{ VMX_CHECK_HOST, "Checks on Host " },
		{ VMX_CHECK_HOST, "Checks Related to Address-Space Size" },
		{ VMX_CHECK_GUEST, "Checks on Guest " },
	};
	unsigned per_area[4] = { 0 };

	assert_null(vmx_check_rule_info(VCHK_R_NONE));
	assert_null(vmx_check_rule_info(VCHK_R_COUNT));
	assert_null(vmx_check_rule_info((enum vmx_check_rule)-1));
	for (int id = VCHK_R_NONE + 1; id < VCHK_R_COUNT; id++) {
		const struct vmx_check_rule_info *r = vmx_check_rule_info(id);
		bool sec_ok = false;

		assert_non_null(r);
		assert_non_null(r->name);
		assert_true(strlen(r->name) > 10);
		assert_non_null(r->section);
		/* Its section belongs to its area. */
		for (size_t i = 0; i < ARRAY_SIZE(sec); i++)
			if (r->area == sec[i].area &&
			    strncmp(r->section, sec[i].prefix,
				    strlen(sec[i].prefix)) == 0)
				sec_ok = true;
		if (!sec_ok)
			print_error("rule [%d] %s: section \"%s\" not in area %d\n",
				    id, r->name, r->section, r->area);
		assert_true(sec_ok);
		per_area[r->area]++;
		/* Names are unique, so a name identifies its rule. */
		for (int j = VCHK_R_NONE + 1; j < id; j++)
			assert_string_not_equal(vmx_check_rule_info(j)->name,
						r->name);
	}
	print_message("    %d rules: %u controls, %u host, %u guest\n",
		      VCHK_R_COUNT - 1, per_area[VMX_CHECK_CONTROLS],
		      per_area[VMX_CHECK_HOST], per_area[VMX_CHECK_GUEST]);
	/* Every rule is in one of the three areas that the case files
	 * cover (test_vmx_check_{ctl,host,guest}.c). */
	assert_int_equal(per_area[VMX_CHECK_CONTROLS] + per_area[VMX_CHECK_HOST] +
			 per_area[VMX_CHECK_GUEST], VCHK_R_COUNT - 1);
}

/* tests/boot/t_vmx.sh matches "guest state rule: TR type" in the serial
 * log of the test_corrupt=tr_type boot. */
static void test_tr_type_name_kept(void **state)
{
	const struct vmx_check_rule_info *r = vmx_check_rule_info(VCHK_R_GUEST_TR_TYPE);

	assert_int_equal(r->area, VMX_CHECK_GUEST);
	assert_string_equal(r->name,
		"TR type must be 11 (busy 64-bit TSS) in IA-32e mode or 3/11 otherwise");
}

/* ------------------------------------------------------------ output */

static void test_area_names(void **state)
{
	assert_string_equal(vmx_check_area_name(VMX_CHECK_CONTROLS), "VMX controls");
	assert_string_equal(vmx_check_area_name(VMX_CHECK_HOST), "host state");
	assert_string_equal(vmx_check_area_name(VMX_CHECK_GUEST), "guest state");
	assert_non_null(vmx_check_area_name((enum vmx_check_area)0));
}

static void test_failure_formats(void **state)
{
	struct vmx_check_failure *f = &vchk_failure;
	char line[512];

	set(VMCS_GUEST_TR_AR, 0x83);
	assert_int_equal(vmx_check_vmcs(&caps, &vchk_reader, f), -EINVAL);
	/* The two lines hv/exit.c prints. */
	snprintf(line, sizeof(line), "%s rule: %s", vmx_check_area_name(f->area),
		 f->rule);
	print_message("    %s\n", line);
	assert_string_equal(line, "guest state rule: TR type must be 11 (busy "
			    "64-bit TSS) in IA-32e mode or 3/11 otherwise");
	snprintf(line, sizeof(line), "SDM 3C \"%s\"; field 0x%x = 0x%llx; %s",
		 f->section, (unsigned)f->field, (unsigned long long)f->value,
		 f->detail);
	print_message("    %s\n", line);
	assert_string_equal(line, "SDM 3C \"Checks on Guest Segment Registers\"; "
			    "field 0x4822 = 0x83; type 3, IA-32e mode guest 1");
	assert_int_equal(f->id, VCHK_R_GUEST_TR_TYPE);
}

static void test_pass_clears_failure(void **state)
{
	set(VMCS_GUEST_TR_AR, 0x83);
	assert_int_equal(vmx_check_vmcs(&caps, &vchk_reader, &vchk_failure), -EINVAL);
	set(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	expect_pass();                 /* also asserts id VCHK_R_NONE */
	assert_null(vchk_failure.rule);
	assert_null(vchk_failure.section);
}

#define T64(t) cmocka_unit_test_setup(t, setup_guest64)
#define T32(t) cmocka_unit_test_setup(t, setup_guest32)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T64(test_baseline_guest64_passes),
		T32(test_baseline_guest32_passes),
		T64(test_secondary_ignored_when_not_activated),
		T64(test_guest64_unusable_ss_passes),
		T64(test_inject_pf_with_error_code_passes),
		T32(test_guest_real_mode_passes),
		T64(test_guest_usable_ldtr_passes),
		T64(test_guest_ring3_passes),

		T64(test_rule_table_complete),
		T64(test_tr_type_name_kept),

		T64(test_area_names),
		T64(test_failure_formats),
		T64(test_pass_clears_failure),
	};

	return cmocka_run_group_tests_name("vmx_check", tests, NULL, NULL);
}
