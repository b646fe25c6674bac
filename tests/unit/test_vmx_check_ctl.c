/*
 * VM-entry checker, control rules (vmx/vmx_check_ctl.c): one case per rule
 * of vmx/vmx_check_rules.def in area CONTROLS, named after the rule id.
 * Fixture and conventions: tests/unit/vchk_fixture.h.
 */
#include "include/x86.h"
#include "tests/unit/vchk_fixture.h"

/* Allow control bits the Skylake-X model lacks (a synthetic CPU). */
#define ALLOW(cap, bits) ((cap) |= (uint64_t)(bits) << 32)

/* ------------------------------------------------ VM-execution controls */

static void test_ctl_pin_default1(void **state)
{
	clr_bits(VMCS_PIN_CONTROLS, BIT(1));          /* allowed-0 0x16 */
	expect_rule(VCHK_R_CTL_PIN_DEFAULT1, VMCS_PIN_CONTROLS);
}

static void test_ctl_pin_reserved(void **state)
{
	set_bits(VMCS_PIN_CONTROLS, BIT(8));          /* allowed-1 0xFF */
	expect_rule(VCHK_R_CTL_PIN_RESERVED, VMCS_PIN_CONTROLS);
}

static void test_ctl_proc_default1(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS, BIT(1));
	expect_rule(VCHK_R_CTL_PROC_DEFAULT1, VMCS_PROC_CONTROLS);
}

static void test_ctl_proc_reserved(void **state)
{
	set_bits(VMCS_PROC_CONTROLS, BIT(0));         /* allowed-1 0xFFF9FFFE */
	expect_rule(VCHK_R_CTL_PROC_RESERVED, VMCS_PROC_CONTROLS);
}

static void test_ctl_proc2_default1(void **state)
{
	/* No real CPU has a default-1 secondary control: a synthetic one
	 * that forces WBINVD exiting. */
	caps.proc2 |= PROC2_WBINVD_EXITING;
	expect_rule(VCHK_R_CTL_PROC2_DEFAULT1, VMCS_PROC_CONTROLS2);
	/* Without "activate secondary controls" they read as 0: no check. */
	clr_bits(VMCS_PROC_CONTROLS, PROC_SECONDARY_CONTROLS);
	expect_pass();
}

static void test_ctl_proc2_reserved(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_MODE_BASED_EPT_EXEC);  /* not in 0x02177FFF */
	expect_rule(VCHK_R_CTL_PROC2_RESERVED, VMCS_PROC_CONTROLS2);
}

static void test_ctl_cr3_target_count(void **state)
{
	set(VMCS_CR3_TARGET_COUNT, 4);                /* IA32_VMX_MISC[24:16] */
	expect_pass();
	set(VMCS_CR3_TARGET_COUNT, 5);
	expect_rule(VCHK_R_CTL_CR3_TARGET_COUNT, VMCS_CR3_TARGET_COUNT);
}

static void test_ctl_io_bitmap_a(void **state)
{
	set(VMCS_IO_BITMAP_A, 0x3010);
	expect_rule(VCHK_R_CTL_IO_BITMAP_A, VMCS_IO_BITMAP_A);
}

static void test_ctl_io_bitmap_b(void **state)
{
	set(VMCS_IO_BITMAP_B, 1ULL << 40);            /* MAXPHYADDR 40 */
	expect_rule(VCHK_R_CTL_IO_BITMAP_B, VMCS_IO_BITMAP_B);
}

static void test_ctl_msr_bitmap(void **state)
{
	set(VMCS_MSR_BITMAP, 1ULL << 40);
	expect_rule(VCHK_R_CTL_MSR_BITMAP, VMCS_MSR_BITMAP);
}

static void test_ctl_virtual_apic_addr(void **state)
{
	set_bits(VMCS_PROC_CONTROLS, PROC_TPR_SHADOW);
	set(VMCS_VIRTUAL_APIC_ADDR, 0x6000);
	expect_pass();
	set(VMCS_VIRTUAL_APIC_ADDR, 0x6010);
	expect_rule(VCHK_R_CTL_VIRTUAL_APIC_ADDR, VMCS_VIRTUAL_APIC_ADDR);
}

static void test_ctl_tpr_threshold(void **state)
{
	set_bits(VMCS_PROC_CONTROLS, PROC_TPR_SHADOW);
	expect_pass();
	set(VMCS_TPR_THRESHOLD, 0x10);
	expect_rule(VCHK_R_CTL_TPR_THRESHOLD, VMCS_TPR_THRESHOLD);
	/* With virtual-interrupt delivery bits 31:4 are free. */
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_INTR_DELIVERY);
	expect_pass();
}

static void test_ctl_virtual_nmis(void **state)
{
	clr_bits(VMCS_PIN_CONTROLS, PIN_NMI_EXITING);
	expect_rule(VCHK_R_CTL_VIRTUAL_NMIS, VMCS_PIN_CONTROLS);
}

static void test_ctl_nmi_window(void **state)
{
	clr_bits(VMCS_PIN_CONTROLS, PIN_VIRTUAL_NMIS);
	expect_pass();
	set_bits(VMCS_PROC_CONTROLS, PROC_NMI_WINDOW_EXITING);
	expect_rule(VCHK_R_CTL_NMI_WINDOW, VMCS_PROC_CONTROLS);
}

static void test_ctl_apic_access_addr(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_APIC_ACCESS);
	set(VMCS_APIC_ACCESS_ADDR, 0x7000);
	expect_pass();
	set(VMCS_APIC_ACCESS_ADDR, 0x7010);
	expect_rule(VCHK_R_CTL_APIC_ACCESS_ADDR, VMCS_APIC_ACCESS_ADDR);
}

static void test_ctl_apicv_tpr_shadow(void **state)
{
	static const uint32_t need_tpr[] = {
		PROC2_VIRT_X2APIC, PROC2_APIC_REG_VIRT, PROC2_VIRT_INTR_DELIVERY,
	};

	for (size_t i = 0; i < ARRAY_SIZE(need_tpr); i++) {
		set_bits(VMCS_PROC_CONTROLS2, need_tpr[i]);
		expect_rule(VCHK_R_CTL_APICV_TPR_SHADOW, VMCS_PROC_CONTROLS2);
		clr_bits(VMCS_PROC_CONTROLS2, need_tpr[i]);
	}
}

static void test_ctl_x2apic_apic_access(void **state)
{
	set_bits(VMCS_PROC_CONTROLS, PROC_TPR_SHADOW);
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_X2APIC);
	expect_pass();
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_APIC_ACCESS);
	expect_rule(VCHK_R_CTL_X2APIC_APIC_ACCESS, VMCS_PROC_CONTROLS2);
}

static void test_ctl_vid_extint(void **state)
{
	set_bits(VMCS_PROC_CONTROLS, PROC_TPR_SHADOW);
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_INTR_DELIVERY);
	expect_pass();
	clr_bits(VMCS_PIN_CONTROLS, PIN_EXTINT_EXITING);
	expect_rule(VCHK_R_CTL_VID_EXTINT, VMCS_PIN_CONTROLS);
}

/* Posted interrupts with everything they need: TPR shadow, virtual-
 * interrupt delivery, acknowledge interrupt on exit (in the baseline), a
 * notification vector and a descriptor. */
static void make_posted(void)
{
	set_bits(VMCS_PROC_CONTROLS, PROC_TPR_SHADOW);
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VIRT_INTR_DELIVERY);
	set_bits(VMCS_PIN_CONTROLS, PIN_POSTED_INTERRUPTS);
	set(VMCS_POSTED_INTR_NV, 0xF2);
	set(VMCS_POSTED_INTR_DESC_ADDR, 0x9040);
	expect_pass();
}

static void test_ctl_posted_vid_ack(void **state)
{
	set_bits(VMCS_PIN_CONTROLS, PIN_POSTED_INTERRUPTS);
	expect_rule(VCHK_R_CTL_POSTED_VID_ACK, VMCS_PIN_CONTROLS);
	make_posted();
	clr_bits(VMCS_EXIT_CONTROLS, EXIT_ACK_INTR_ON_EXIT);
	expect_rule(VCHK_R_CTL_POSTED_VID_ACK, VMCS_PIN_CONTROLS);
}

static void test_ctl_posted_vector(void **state)
{
	make_posted();
	set(VMCS_POSTED_INTR_NV, 0x1F2);
	expect_rule(VCHK_R_CTL_POSTED_VECTOR, VMCS_POSTED_INTR_NV);
}

static void test_ctl_posted_desc(void **state)
{
	make_posted();
	set(VMCS_POSTED_INTR_DESC_ADDR, 0x9020);      /* 32-byte aligned only */
	expect_rule(VCHK_R_CTL_POSTED_DESC, VMCS_POSTED_INTR_DESC_ADDR);
	set(VMCS_POSTED_INTR_DESC_ADDR, 1ULL << 40);
	expect_rule(VCHK_R_CTL_POSTED_DESC, VMCS_POSTED_INTR_DESC_ADDR);
}

static void test_ctl_vpid_zero(void **state)
{
	set(VMCS_VPID, 0);
	expect_rule(VCHK_R_CTL_VPID_ZERO, VMCS_VPID);
}

static void test_ctl_eptp_memtype(void **state)
{
	uint64_t p = get(VMCS_EPT_POINTER) & ~GENMASK(2, 0);
	set(VMCS_EPT_POINTER, p | 1);                 /* WC */
	expect_rule(VCHK_R_CTL_EPTP_MEMTYPE, VMCS_EPT_POINTER);
}

static void test_ctl_eptp_walk(void **state)
{
	uint64_t p = get(VMCS_EPT_POINTER) & ~GENMASK(5, 3);
	set(VMCS_EPT_POINTER, p | (4 << 3));          /* 5-level: not in the caps */
	expect_rule(VCHK_R_CTL_EPTP_WALK, VMCS_EPT_POINTER);
}

static void test_ctl_eptp_ad(void **state)
{
	caps.ept_vpid &= ~EPT_CAP_AD;                 /* sandy-bridge-like */
	expect_rule(VCHK_R_CTL_EPTP_AD, VMCS_EPT_POINTER);
}

static void test_ctl_eptp_reserved(void **state)
{
	set_bits(VMCS_EPT_POINTER, BIT(8));
	expect_rule(VCHK_R_CTL_EPTP_RESERVED, VMCS_EPT_POINTER);
}

static void test_ctl_pml_ept(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_PML);   /* PML address 0 */
	expect_pass();
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT);
	expect_rule(VCHK_R_CTL_PML_EPT, VMCS_PROC_CONTROLS2);
}

static void test_ctl_pml_addr(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_PML);
	set(VMCS_PML_ADDR, 0x8010);
	expect_rule(VCHK_R_CTL_PML_ADDR, VMCS_PML_ADDR);
}

static void test_ctl_ug_ept(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT);
	expect_rule(VCHK_R_CTL_UG_EPT, VMCS_PROC_CONTROLS2);
}

static void test_ctl_mbec_spp_ept(void **state)
{
	static const uint32_t need_ept[] = {
		PROC2_MODE_BASED_EPT_EXEC, PROC2_SUBPAGE_WRITE_PERM,
	};

	/* Skylake-X has neither control: a synthetic CPU that has both. */
	ALLOW(caps.proc2, PROC2_MODE_BASED_EPT_EXEC | PROC2_SUBPAGE_WRITE_PERM);
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	for (size_t i = 0; i < ARRAY_SIZE(need_ept); i++) {
		set_bits(VMCS_PROC_CONTROLS2, need_ept[i] | PROC2_ENABLE_EPT);
		expect_pass();
		clr_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT);
		expect_rule(VCHK_R_CTL_MBEC_SPP_EPT, VMCS_PROC_CONTROLS2);
		clr_bits(VMCS_PROC_CONTROLS2, need_ept[i]);
	}
}

static void test_ctl_vmfunc_reserved(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_VMFUNC);
	expect_pass();
	set(VMCS_VMFUNC_CONTROLS, BIT(1));            /* IA32_VMX_VMFUNC = 1 */
	expect_rule(VCHK_R_CTL_VMFUNC_RESERVED, VMCS_VMFUNC_CONTROLS);
}

/* EPTP switching (VM function 0) with a valid EPTP list. */
static void make_eptp_switching(void)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_VMFUNC);
	set(VMCS_VMFUNC_CONTROLS, 1);
	set(VMCS_EPTP_LIST_ADDR, 0xA000);
	expect_pass();
}

static void test_ctl_eptp_switch_ept(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	make_eptp_switching();
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT);
	expect_rule(VCHK_R_CTL_EPTP_SWITCH_EPT, VMCS_VMFUNC_CONTROLS);
}

static void test_ctl_eptp_list_addr(void **state)
{
	make_eptp_switching();
	set(VMCS_EPTP_LIST_ADDR, 0xA008);
	expect_rule(VCHK_R_CTL_EPTP_LIST_ADDR, VMCS_EPTP_LIST_ADDR);
}

static void make_vmcs_shadowing(void)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_VMCS_SHADOWING);
	set(VMCS_VMREAD_BITMAP, 0xB000);
	set(VMCS_VMWRITE_BITMAP, 0xC000);
	expect_pass();
}

static void test_ctl_vmread_bitmap(void **state)
{
	make_vmcs_shadowing();
	set(VMCS_VMREAD_BITMAP, 0xB800);
	expect_rule(VCHK_R_CTL_VMREAD_BITMAP, VMCS_VMREAD_BITMAP);
}

static void test_ctl_vmwrite_bitmap(void **state)
{
	make_vmcs_shadowing();
	set(VMCS_VMWRITE_BITMAP, 1ULL << 40);
	expect_rule(VCHK_R_CTL_VMWRITE_BITMAP, VMCS_VMWRITE_BITMAP);
}

/* SDM 3C "Checks on VMX Controls": with "sub-page write permissions for
 * EPT", SPPTP bits 11:0 are 0 and no bit is beyond MAXPHYADDR. */
static void test_ctl_spptp(void **state)
{
	ALLOW(caps.proc2, PROC2_SUBPAGE_WRITE_PERM);
	set_bits(VMCS_PROC_CONTROLS2, PROC2_SUBPAGE_WRITE_PERM);
	set(VMCS_SPP_TABLE_PTR, 0xE000);
	expect_pass();
	set(VMCS_SPP_TABLE_PTR, 0xE800);
	expect_rule(VCHK_R_CTL_SPPTP, VMCS_SPP_TABLE_PTR);
	set(VMCS_SPP_TABLE_PTR, 1ULL << 40);           /* MAXPHYADDR 40 */
	expect_rule(VCHK_R_CTL_SPPTP, VMCS_SPP_TABLE_PTR);
	/* Without the control the field is not looked at. */
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_SUBPAGE_WRITE_PERM);
	expect_pass();
}

static void test_ctl_ve_info_addr(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_EPT_VE);
	set(VMCS_VE_INFO_ADDR, 0xD000);
	expect_pass();
	set(VMCS_VE_INFO_ADDR, 0xD001);
	expect_rule(VCHK_R_CTL_VE_INFO_ADDR, VMCS_VE_INFO_ADDR);
}

/* ------------------------------------------------ VM-exit controls */

static void test_ctl_exit_default1(void **state)
{
	clr_bits(VMCS_EXIT_CONTROLS, BIT(0));         /* allowed-0 0x36DFB */
	expect_rule(VCHK_R_CTL_EXIT_DEFAULT1, VMCS_EXIT_CONTROLS);
}

static void test_ctl_exit_reserved(void **state)
{
	set_bits(VMCS_EXIT_CONTROLS, BIT(25));        /* allowed-1 0x00FFFFFF */
	expect_rule(VCHK_R_CTL_EXIT_RESERVED, VMCS_EXIT_CONTROLS);
}

static void test_ctl_save_preempt_timer(void **state)
{
	set_bits(VMCS_EXIT_CONTROLS, EXIT_SAVE_PREEMPTION_TIMER);
	expect_rule(VCHK_R_CTL_SAVE_PREEMPT_TIMER, VMCS_EXIT_CONTROLS);
	set_bits(VMCS_PIN_CONTROLS, PIN_PREEMPTION_TIMER);
	expect_pass();
}

static void test_ctl_exit_msr_store(void **state)
{
	set(VMCS_EXIT_MSR_STORE_COUNT, 2);
	set(VMCS_EXIT_MSR_STORE_ADDR, 0xE000);
	expect_pass();
	set(VMCS_EXIT_MSR_STORE_ADDR, 0xE008);
	expect_rule(VCHK_R_CTL_EXIT_MSR_STORE, VMCS_EXIT_MSR_STORE_ADDR);
	/* The last byte of the area, not only the first, must fit. */
	set(VMCS_EXIT_MSR_STORE_ADDR, (1ULL << 40) - 16);
	expect_rule(VCHK_R_CTL_EXIT_MSR_STORE, VMCS_EXIT_MSR_STORE_ADDR);
}

static void test_ctl_exit_msr_load(void **state)
{
	set(VMCS_EXIT_MSR_LOAD_ADDR, 0xE004);         /* ignored: count 0 */
	expect_pass();
	set(VMCS_EXIT_MSR_LOAD_COUNT, 1);
	expect_rule(VCHK_R_CTL_EXIT_MSR_LOAD, VMCS_EXIT_MSR_LOAD_ADDR);
}

/* ------------------------------------------------ VM-entry controls */

static void test_ctl_entry_default1(void **state)
{
	clr_bits(VMCS_ENTRY_CONTROLS, BIT(12));       /* allowed-0 0x11FB */
	expect_rule(VCHK_R_CTL_ENTRY_DEFAULT1, VMCS_ENTRY_CONTROLS);
}

static void test_ctl_entry_reserved(void **state)
{
	set_bits(VMCS_ENTRY_CONTROLS, ENTRY_LOAD_BNDCFGS);  /* allowed-1 0xFFFF */
	expect_rule(VCHK_R_CTL_ENTRY_RESERVED, VMCS_ENTRY_CONTROLS);
}

static void test_ctl_inj_type(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(1, 0x20));     /* type 1 is reserved */
	expect_rule(VCHK_R_CTL_INJ_TYPE, VMCS_ENTRY_INTR_INFO);
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_OTHER, 0));   /* pending MTF */
	expect_pass();
	caps.proc &= ~((uint64_t)PROC_MONITOR_TRAP_FLAG << 32);
	expect_rule(VCHK_R_CTL_INJ_TYPE, VMCS_ENTRY_INTR_INFO);
}

static void test_ctl_inj_vector(void **state)
{
	static const uint64_t bad[] = {
		INTR(INTR_NMI, 3), INTR(INTR_HW, 32), INTR(INTR_OTHER, 1),
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		set(VMCS_ENTRY_INTR_INFO, bad[i]);
		expect_rule(VCHK_R_CTL_INJ_VECTOR, VMCS_ENTRY_INTR_INFO);
	}
}

static void test_ctl_inj_ec_forbidden(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_HW, 6));   /* #UD has none */
	expect_rule(VCHK_R_CTL_INJ_EC_FORBIDDEN, VMCS_ENTRY_INTR_INFO);
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_EXT, 0x20));
	expect_rule(VCHK_R_CTL_INJ_EC_FORBIDDEN, VMCS_ENTRY_INTR_INFO);
}

static void test_ctl_inj_ec_forbidden_real_mode(void **state)
{
	make_real_mode();
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_HW, 13));
	expect_rule(VCHK_R_CTL_INJ_EC_FORBIDDEN, VMCS_ENTRY_INTR_INFO);
	clr_bits(VMCS_ENTRY_INTR_INFO, BIT(11));      /* #GP without one is fine */
	expect_pass();
}

static void test_ctl_inj_ec_required(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_HW, 13));
	expect_rule(VCHK_R_CTL_INJ_EC_REQUIRED, VMCS_ENTRY_INTR_INFO);
}

static void test_ctl_inj_reserved(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_EXT, 0x20) | BIT(12));
	expect_rule(VCHK_R_CTL_INJ_RESERVED, VMCS_ENTRY_INTR_INFO);
}

static void test_ctl_inj_error_code(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_HW, 14));
	set(VMCS_ENTRY_EXCEPTION_ERROR, 0x10002);
	expect_rule(VCHK_R_CTL_INJ_ERROR_CODE, VMCS_ENTRY_EXCEPTION_ERROR);
}

static void test_ctl_inj_length(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_SW_INT, 0x80));
	set(VMCS_ENTRY_INSTR_LEN, 2);
	expect_pass();
	set(VMCS_ENTRY_INSTR_LEN, 16);
	expect_rule(VCHK_R_CTL_INJ_LENGTH, VMCS_ENTRY_INSTR_LEN);
	set(VMCS_ENTRY_INSTR_LEN, 0);
	expect_pass();                                /* IA32_VMX_MISC[30] */
	caps.misc &= ~BIT(30);
	expect_rule(VCHK_R_CTL_INJ_LENGTH, VMCS_ENTRY_INSTR_LEN);
}

static void test_ctl_entry_msr_load(void **state)
{
	set(VMCS_ENTRY_MSR_LOAD_COUNT, 1);
	set(VMCS_ENTRY_MSR_LOAD_ADDR, 0xF000);
	expect_pass();
	set(VMCS_ENTRY_MSR_LOAD_ADDR, 0xF008);
	expect_rule(VCHK_R_CTL_ENTRY_MSR_LOAD, VMCS_ENTRY_MSR_LOAD_ADDR);
}

static void test_ctl_entry_smm(void **state)
{
	static const uint32_t smm[] = { ENTRY_TO_SMM, ENTRY_DEACT_DUAL_MONITOR };

	ALLOW(caps.entry, ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR);
	for (size_t i = 0; i < ARRAY_SIZE(smm); i++) {
		set_bits(VMCS_ENTRY_CONTROLS, smm[i]);
		expect_rule(VCHK_R_CTL_ENTRY_SMM, VMCS_ENTRY_CONTROLS);
		clr_bits(VMCS_ENTRY_CONTROLS, smm[i]);
	}
}

/* ------------------------------------------------ coverage */

static const struct CMUnitTest *all_cases;
static size_t n_cases;

static void test_every_ctl_rule_has_a_case(void **state)
{
	expect_every_rule_hit(VMX_CHECK_CONTROLS, all_cases, n_cases,
			      test_every_ctl_rule_has_a_case);
}

#define T64(t) cmocka_unit_test_setup(t, setup_guest64)
#define T32(t) cmocka_unit_test_setup(t, setup_guest32)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T64(test_ctl_pin_default1),
		T64(test_ctl_pin_reserved),
		T64(test_ctl_proc_default1),
		T64(test_ctl_proc_reserved),
		T64(test_ctl_proc2_default1),
		T64(test_ctl_proc2_reserved),
		T64(test_ctl_cr3_target_count),
		T64(test_ctl_io_bitmap_a),
		T64(test_ctl_io_bitmap_b),
		T64(test_ctl_msr_bitmap),
		T64(test_ctl_virtual_apic_addr),
		T64(test_ctl_tpr_threshold),
		T64(test_ctl_virtual_nmis),
		T64(test_ctl_nmi_window),
		T64(test_ctl_apic_access_addr),
		T64(test_ctl_apicv_tpr_shadow),
		T64(test_ctl_x2apic_apic_access),
		T64(test_ctl_vid_extint),
		T64(test_ctl_posted_vid_ack),
		T64(test_ctl_posted_vector),
		T64(test_ctl_posted_desc),
		T64(test_ctl_vpid_zero),
		T64(test_ctl_eptp_memtype),
		T64(test_ctl_eptp_walk),
		T64(test_ctl_eptp_ad),
		T64(test_ctl_eptp_reserved),
		T64(test_ctl_pml_ept),
		T64(test_ctl_pml_addr),
		T32(test_ctl_ug_ept),
		T64(test_ctl_mbec_spp_ept),
		T64(test_ctl_vmfunc_reserved),
		T64(test_ctl_eptp_switch_ept),
		T64(test_ctl_eptp_list_addr),
		T64(test_ctl_vmread_bitmap),
		T64(test_ctl_vmwrite_bitmap),
		T64(test_ctl_spptp),
		T64(test_ctl_ve_info_addr),

		T64(test_ctl_exit_default1),
		T64(test_ctl_exit_reserved),
		T64(test_ctl_save_preempt_timer),
		T64(test_ctl_exit_msr_store),
		T64(test_ctl_exit_msr_load),

		T64(test_ctl_entry_default1),
		T64(test_ctl_entry_reserved),
		T64(test_ctl_inj_type),
		T64(test_ctl_inj_vector),
		T64(test_ctl_inj_ec_forbidden),
		T32(test_ctl_inj_ec_forbidden_real_mode),
		T64(test_ctl_inj_ec_required),
		T64(test_ctl_inj_reserved),
		T64(test_ctl_inj_error_code),
		T64(test_ctl_inj_length),
		T64(test_ctl_entry_msr_load),
		T64(test_ctl_entry_smm),

		T64(test_every_ctl_rule_has_a_case),
	};

	all_cases = tests;
	n_cases = ARRAY_SIZE(tests);
	return cmocka_run_group_tests_name("vmx_check_ctl", tests, NULL, NULL);
}
