/*
 * VM-entry checker, host-state rules (vmx/vmx_check_host.c): one case per
 * rule of vmx/vmx_check_rules.def in area HOST, named after the rule id.
 * Fixture and conventions: tests/unit/vchk_fixture.h.
 */
#include "include/x86.h"
#include "tests/unit/vchk_fixture.h"

/* ------------------------------------------------ control registers, MSRs */

static void test_host_cr0_fixed(void **state)
{
	clr_bits(VMCS_HOST_CR0, CR0_NE);              /* FIXED0 */
	expect_rule(VCHK_R_HOST_CR0_FIXED, VMCS_HOST_CR0);
	set_bits(VMCS_HOST_CR0, CR0_NE | BIT(32));    /* FIXED1 0xFFFFFFFF */
	expect_rule(VCHK_R_HOST_CR0_FIXED, VMCS_HOST_CR0);
}

static void test_host_cr4_fixed(void **state)
{
	clr_bits(VMCS_HOST_CR4, CR4_VMXE);            /* FIXED0 */
	expect_rule(VCHK_R_HOST_CR4_FIXED, VMCS_HOST_CR4);
	set_bits(VMCS_HOST_CR4, CR4_VMXE | BIT(12));  /* LA57: not in FIXED1 */
	expect_rule(VCHK_R_HOST_CR4_FIXED, VMCS_HOST_CR4);
}

static void test_host_cr3(void **state)
{
	set(VMCS_HOST_CR3, 1ULL << 40);               /* MAXPHYADDR 40 */
	expect_rule(VCHK_R_HOST_CR3, VMCS_HOST_CR3);
}

static void test_host_sysenter_esp(void **state)
{
	set(VMCS_HOST_SYSENTER_ESP, NONCANONICAL);
	expect_rule(VCHK_R_HOST_SYSENTER_ESP, VMCS_HOST_SYSENTER_ESP);
}

static void test_host_sysenter_eip(void **state)
{
	set(VMCS_HOST_SYSENTER_EIP, NONCANONICAL);
	expect_rule(VCHK_R_HOST_SYSENTER_EIP, VMCS_HOST_SYSENTER_EIP);
}

static void test_host_pat(void **state)
{
	set(VMCS_HOST_IA32_PAT, (PAT_DEFAULT & ~0xFFULL) | 3);   /* PA0: type 3 */
	expect_rule(VCHK_R_HOST_PAT, VMCS_HOST_IA32_PAT);
}

static void test_host_efer_reserved(void **state)
{
	set_bits(VMCS_HOST_IA32_EFER, BIT(1));
	expect_rule(VCHK_R_HOST_EFER_RESERVED, VMCS_HOST_IA32_EFER);
}

static void test_host_efer_lma_lme(void **state)
{
	clr_bits(VMCS_HOST_IA32_EFER, EFER_LME);
	expect_rule(VCHK_R_HOST_EFER_LMA_LME, VMCS_HOST_IA32_EFER);
	set_bits(VMCS_HOST_IA32_EFER, EFER_LME);
	clr_bits(VMCS_HOST_IA32_EFER, EFER_LMA);
	expect_rule(VCHK_R_HOST_EFER_LMA_LME, VMCS_HOST_IA32_EFER);
}

/* ------------------------------------------------ segments, descriptor tables */

static void test_host_sel_rpl_ti(void **state)
{
	set(VMCS_HOST_DS_SEL, 0x13);                  /* RPL 3 */
	expect_rule(VCHK_R_HOST_SEL_RPL_TI, VMCS_HOST_DS_SEL);
	set(VMCS_HOST_DS_SEL, 0x10);
	set(VMCS_HOST_TR_SEL, 0x1C);                  /* TI */
	expect_rule(VCHK_R_HOST_SEL_RPL_TI, VMCS_HOST_TR_SEL);
}

static void test_host_cs_null(void **state)
{
	set(VMCS_HOST_CS_SEL, 0);
	expect_rule(VCHK_R_HOST_CS_NULL, VMCS_HOST_CS_SEL);
}

static void test_host_tr_null(void **state)
{
	set(VMCS_HOST_TR_SEL, 0);
	expect_rule(VCHK_R_HOST_TR_NULL, VMCS_HOST_TR_SEL);
}

static void test_host_ss_null(void **state)
{
	set(VMCS_HOST_SS_SEL, 0);                     /* fine for a 64-bit host */
	expect_pass();
	/* Without "load IA32_EFER" so the EFER.LMA rule does not fire first. */
	clr_bits(VMCS_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_IA32_EFER);
	expect_rule(VCHK_R_HOST_SS_NULL, VMCS_HOST_SS_SEL);
}

static void test_host_base_canonical(void **state)
{
	static const enum vmcs_field base[] = {
		VMCS_HOST_FS_BASE, VMCS_HOST_GS_BASE, VMCS_HOST_GDTR_BASE,
		VMCS_HOST_IDTR_BASE, VMCS_HOST_TR_BASE,
	};

	for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
		uint64_t good = get(base[i]);
		set(base[i], NONCANONICAL);
		expect_rule(VCHK_R_HOST_BASE_CANONICAL, base[i]);
		set(base[i], good);
	}
}

/* ------------------------------------------------ address-space size */

static void test_host_addr_space_size(void **state)
{
	/* Without "load IA32_EFER" so the EFER.LMA rule does not fire first. */
	clr_bits(VMCS_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_IA32_EFER);
	expect_rule(VCHK_R_HOST_ADDR_SPACE_SIZE, VMCS_EXIT_CONTROLS);
}

static void test_host_cr4_pae(void **state)
{
	clr_bits(VMCS_HOST_CR4, CR4_PAE);
	expect_rule(VCHK_R_HOST_CR4_PAE, VMCS_HOST_CR4);
}

static void test_host_rip(void **state)
{
	set(VMCS_HOST_RIP, 0x0000800000001000ULL);
	expect_rule(VCHK_R_HOST_RIP, VMCS_HOST_RIP);
}

/* ------------------------------------------------ coverage */

static const struct CMUnitTest *all_cases;
static size_t n_cases;

static void test_every_host_rule_has_a_case(void **state)
{
	expect_every_rule_hit(VMX_CHECK_HOST, all_cases, n_cases,
			      test_every_host_rule_has_a_case);
}

#define T64(t) cmocka_unit_test_setup(t, setup_guest64)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T64(test_host_cr0_fixed),
		T64(test_host_cr4_fixed),
		T64(test_host_cr3),
		T64(test_host_sysenter_esp),
		T64(test_host_sysenter_eip),
		T64(test_host_pat),
		T64(test_host_efer_reserved),
		T64(test_host_efer_lma_lme),
		T64(test_host_sel_rpl_ti),
		T64(test_host_cs_null),
		T64(test_host_tr_null),
		T64(test_host_ss_null),
		T64(test_host_base_canonical),
		T64(test_host_addr_space_size),
		T64(test_host_cr4_pae),
		T64(test_host_rip),

		T64(test_every_host_rule_has_a_case),
	};

	all_cases = tests;
	n_cases = ARRAY_SIZE(tests);
	return cmocka_run_group_tests_name("vmx_check_host", tests, NULL, NULL);
}
