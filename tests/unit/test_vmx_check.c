/*
 * Host unit tests for the software VM-entry checker (vmx/vmx_check.c).
 *
 * A fake VMCS (an array indexed by field encoding, read through a
 * vmcs_reader callback that truncates to the field's width) is filled
 * with a valid baseline: (a) a 64-bit guest, or (b) a 32-bit protected-mode
 * guest with paging off under unrestricted guest. Caps are those Bochs 2.7
 * reports for cpu model corei7_skylake_x (TRUE_* values where the plain
 * MSRs would differ). Each failure test mutates one field and checks the
 * area, the field, and that a rule is named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "include/types.h"
#include "include/err.h"
#include "include/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"

/* ------------------------------------------------------------ fake VMCS */

#define FAKE_VMCS_SLOTS 0x8000   /* encodings are 15 bits wide */

static uint64_t fake_vmcs[FAKE_VMCS_SLOTS];
static struct vmx_caps caps;

static uint64_t fake_read(void *ctx, enum vmcs_field f)
{
	uint64_t *v = ctx;

	assert_true((unsigned)f < FAKE_VMCS_SLOTS);
	switch (VMCS_WIDTH(f)) {
	case VMCS_WIDTH_16: return v[f] & 0xFFFF;
	case VMCS_WIDTH_32: return v[f] & 0xFFFFFFFF;
	default:            return v[f];
	}
}

static const struct vmcs_reader reader = { fake_vmcs, fake_read };

static void set(enum vmcs_field f, uint64_t v) { fake_vmcs[f] = v; }
static uint64_t get(enum vmcs_field f) { return fake_vmcs[f]; }
static void set_bits(enum vmcs_field f, uint64_t m) { fake_vmcs[f] |= m; }
static void clr_bits(enum vmcs_field f, uint64_t m) { fake_vmcs[f] &= ~m; }

/* ------------------------------------------------------------ baselines */

/* Access rights: type | S << 4 | DPL << 5 | P << 7 | L << 13 | D/B << 14
 * | G << 15; bit 16 = unusable. */
#define AR_CODE64   0xA09BULL   /* type 11, S, P, L, G */
#define AR_CODE32   0xC09BULL   /* type 11, S, P, D/B, G */
#define AR_DATA     0xC093ULL   /* type 3, S, P, D/B, G */
#define AR_TSS_BUSY 0x008BULL   /* type 11, P */
#define AR_LDT      0x0082ULL   /* type 2, P */
#define AR_UNUSABLE 0x10000ULL

#define PAT_DEFAULT 0x0007040600070406ULL

static void caps_skylake_x(void)
{
	memset(&caps, 0, sizeof(caps));
	caps.basic      = 0x00D810000000002BULL;
	caps.pin        = 0x000000FF00000016ULL;   /* TRUE_PINBASED */
	caps.proc       = 0xFFF9FFFE04006172ULL;   /* TRUE_PROCBASED */
	caps.proc2      = 0x02177FFF00000000ULL;
	caps.exit       = 0x00FFFFFF00036DFBULL;   /* TRUE_EXIT */
	caps.entry      = 0x0000FFFF000011FBULL;   /* TRUE_ENTRY */
	/* preemption-timer rate 5, stores LMA, HLT/shutdown/SIPI states,
	 * 4 CR3 targets, VMWRITE to any field, injection with length 0 */
	caps.misc       = 0x00000000600401E5ULL;
	caps.cr0_fixed0 = 0x80000021ULL;
	caps.cr0_fixed1 = 0xFFFFFFFFULL;
	caps.cr4_fixed0 = 0x2000ULL;
	caps.cr4_fixed1 = 0x007727FFULL;
	caps.ept_vpid   = 0x00000F0106334141ULL;
	caps.vmfunc     = 0x1ULL;
	caps.maxphyaddr = 40;
}

static void baseline_controls_and_host(void)
{
	memset(fake_vmcs, 0, sizeof(fake_vmcs));

	set(VMCS_PIN_CONTROLS, 0x16 | PIN_EXTINT_EXITING | PIN_NMI_EXITING |
	    PIN_VIRTUAL_NMIS);
	set(VMCS_PROC_CONTROLS, 0x04006172 | PROC_HLT_EXITING |
	    PROC_USE_IO_BITMAPS | PROC_USE_MSR_BITMAPS | PROC_SECONDARY_CONTROLS);
	set(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID |
	    PROC2_UNRESTRICTED_GUEST | PROC2_ENABLE_RDTSCP);
	set(VMCS_EXIT_CONTROLS, 0x36DFB | EXIT_HOST_ADDR_SPACE_SIZE |
	    EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT |
	    EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER);
	set(VMCS_ENTRY_CONTROLS, 0x11FB | ENTRY_LOAD_DEBUG_CONTROLS |
	    ENTRY_LOAD_IA32_PAT | ENTRY_LOAD_IA32_EFER);
	set(VMCS_IO_BITMAP_A, 0x3000);
	set(VMCS_IO_BITMAP_B, 0x4000);
	set(VMCS_MSR_BITMAP, 0x5000);
	set(VMCS_EPT_POINTER, 0x10000 | 6 | (3 << 3) | BIT(6));  /* WB, 4-level, A/D */
	set(VMCS_VPID, 1);
	set(VMCS_LINK_POINTER, ~0ULL);

	set(VMCS_HOST_CR0, 0x80050033);
	set(VMCS_HOST_CR3, 0x1000);
	set(VMCS_HOST_CR4, CR4_PAE | CR4_PGE | CR4_OSFXSR | CR4_OSXMMEXCPT |
	    CR4_VMXE);
	set(VMCS_HOST_CS_SEL, 0x08);
	set(VMCS_HOST_SS_SEL, 0x10);
	set(VMCS_HOST_DS_SEL, 0x10);
	set(VMCS_HOST_ES_SEL, 0x10);
	set(VMCS_HOST_TR_SEL, 0x18);
	set(VMCS_HOST_GS_BASE, 0xFFFFFFFF80200000ULL);
	set(VMCS_HOST_TR_BASE, 0xFFFFFFFF80203000ULL);
	set(VMCS_HOST_GDTR_BASE, 0xFFFFFFFF80204000ULL);
	set(VMCS_HOST_IDTR_BASE, 0xFFFFFFFF80205000ULL);
	set(VMCS_HOST_RSP, 0xFFFFFFFF80300000ULL);
	set(VMCS_HOST_RIP, 0xFFFFFFFF80101000ULL);
	set(VMCS_HOST_IA32_EFER, EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
	set(VMCS_HOST_IA32_PAT, PAT_DEFAULT);
}

static void guest_segs(uint64_t cs_ar)
{
	static const enum vmcs_field data_sel[] = {
		VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL, VMCS_GUEST_DS_SEL,
		VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL,
	};

	set(VMCS_GUEST_CS_SEL, 0x08);
	set(VMCS_GUEST_CS_LIMIT, 0xFFFFFFFF);
	set(VMCS_GUEST_CS_AR, cs_ar);
	for (size_t i = 0; i < ARRAY_SIZE(data_sel); i++) {
		enum vmcs_field sel = data_sel[i];
		set(sel, 0x10);
		set(VMCS_GUEST_ES_LIMIT + (sel - VMCS_GUEST_ES_SEL), 0xFFFFFFFF);
		set(VMCS_GUEST_ES_AR + (sel - VMCS_GUEST_ES_SEL), AR_DATA);
	}
	set(VMCS_GUEST_TR_SEL, 0x18);
	set(VMCS_GUEST_TR_BASE, 0x5000);
	set(VMCS_GUEST_TR_LIMIT, 0x67);
	set(VMCS_GUEST_TR_AR, AR_TSS_BUSY);
	set(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);
	set(VMCS_GUEST_GDTR_BASE, 0x4000);
	set(VMCS_GUEST_GDTR_LIMIT, 0x27);
	set(VMCS_GUEST_IDTR_LIMIT, 0xFFF);
	set(VMCS_GUEST_RSP, 0x80000);
	set(VMCS_GUEST_RIP, 0x100000);
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);
	set(VMCS_GUEST_DR7, 0x400);
	set(VMCS_GUEST_IA32_PAT, PAT_DEFAULT);
}

/* (a) 64-bit guest: paging on, IA-32e mode. */
static int setup_guest64(void **state)
{
	caps_skylake_x();
	baseline_controls_and_host();
	set_bits(VMCS_ENTRY_CONTROLS, ENTRY_IA32E_MODE_GUEST);
	set(VMCS_GUEST_CR0, CR0_PG | CR0_WP | CR0_NE | CR0_ET | CR0_PE);
	set(VMCS_GUEST_CR3, 0x200000);
	set(VMCS_GUEST_CR4, CR4_PAE | CR4_VMXE);
	set(VMCS_GUEST_IA32_EFER, EFER_LME | EFER_LMA | EFER_NXE);
	guest_segs(AR_CODE64);
	return 0;
}

/* (b) 32-bit protected mode, paging off: needs unrestricted guest. */
static int setup_guest32(void **state)
{
	caps_skylake_x();
	baseline_controls_and_host();
	set(VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PE);
	set(VMCS_GUEST_CR4, CR4_VMXE);
	set(VMCS_GUEST_IA32_EFER, 0);
	guest_segs(AR_CODE32);
	return 0;
}

/* ------------------------------------------------------------ helpers */

static struct vmx_check_failure fail;

static void format_failure(char *buf, size_t n, const struct vmx_check_failure *f)
{
	snprintf(buf, n, "%s: %s [SDM 3C \"%s\"] field 0x%04x = 0x%llx (%s)",
		 vmx_check_area_name(f->area), f->rule, f->section,
		 (unsigned)f->field, (unsigned long long)f->value, f->detail);
}

static void expect_pass(void)
{
	int rc = vmx_check_vmcs(&caps, &reader, &fail);
	if (rc) {
		char line[512];
		format_failure(line, sizeof(line), &fail);
		print_error("unexpected failure: %s\n", line);
	}
	assert_int_equal(rc, 0);
}

/* Assert the first failing rule is in 'area', about 'field', and that its
 * rule text contains 'rule_part' (if given). */
static void expect_fail(enum vmx_check_area area, enum vmcs_field field,
			const char *rule_part)
{
	char line[512];
	int rc = vmx_check_vmcs(&caps, &reader, &fail);

	assert_int_equal(rc, -EINVAL);
	format_failure(line, sizeof(line), &fail);
	print_message("    %s\n", line);
	assert_int_equal(fail.area, area);
	assert_int_equal(fail.field, field);
	assert_non_null(fail.rule);
	assert_true(strlen(fail.rule) > 0);
	assert_non_null(fail.section);
	assert_true(strncmp(fail.section, "Check", 5) == 0);
	if (rule_part)
		assert_non_null(strstr(fail.rule, rule_part));
}

/* ------------------------------------------------------------ baselines pass */

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

static void test_guest32_tr_type3_passes(void **state)
{
	set(VMCS_GUEST_TR_AR, 0x83);   /* busy 16-bit TSS, allowed outside IA-32e */
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
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | BIT(11) | (3 << 8) | 14);
	set(VMCS_ENTRY_EXCEPTION_ERROR, 0x2);
	expect_pass();
}

/* ------------------------------------------------------------ controls */

static void test_reserved_pin_bit_set(void **state)
{
	set_bits(VMCS_PIN_CONTROLS, BIT(8));   /* allowed-1 is 0xFF */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_PIN_CONTROLS, "reserved");
}

static void test_reserved_proc2_bit_set(void **state)
{
	set_bits(VMCS_PROC_CONTROLS2, PROC2_MODE_BASED_EPT_EXEC);  /* not in 0x02177FFF */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_PROC_CONTROLS2, "reserved");
}

static void test_required_proc_bit_cleared(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS, BIT(1));  /* default-1 */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_PROC_CONTROLS, "default-1");
}

static void test_required_entry_bit_cleared(void **state)
{
	clr_bits(VMCS_ENTRY_CONTROLS, BIT(12));
	expect_fail(VMX_CHECK_CONTROLS, VMCS_ENTRY_CONTROLS, "default-1");
}

static void test_cr3_target_count_too_big(void **state)
{
	set(VMCS_CR3_TARGET_COUNT, 5);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_CR3_TARGET_COUNT, "CR3-target");
}

static void test_io_bitmap_misaligned(void **state)
{
	set(VMCS_IO_BITMAP_A, 0x3010);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_IO_BITMAP_A, "I/O bitmap A");
}

static void test_msr_bitmap_beyond_maxphyaddr(void **state)
{
	set(VMCS_MSR_BITMAP, 1ULL << 40);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_MSR_BITMAP, "MSR bitmap");
}

static void test_virtual_nmis_without_nmi_exiting(void **state)
{
	clr_bits(VMCS_PIN_CONTROLS, PIN_NMI_EXITING);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_PIN_CONTROLS, "NMI exiting");
}

static void test_vpid_zero(void **state)
{
	set(VMCS_VPID, 0);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_VPID, "VPID");
}

static void test_eptp_walk_length(void **state)
{
	uint64_t p = get(VMCS_EPT_POINTER) & ~GENMASK(5, 3);
	set(VMCS_EPT_POINTER, p | (4 << 3));   /* 5-level: not in the caps */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_EPT_POINTER, "walk length");
}

static void test_eptp_memory_type(void **state)
{
	uint64_t p = get(VMCS_EPT_POINTER) & ~GENMASK(2, 0);
	set(VMCS_EPT_POINTER, p | 1);          /* WC */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_EPT_POINTER, "memory type");
}

static void test_eptp_ad_without_cap(void **state)
{
	caps.ept_vpid &= ~EPT_CAP_AD;          /* sandy-bridge-like */
	expect_fail(VMX_CHECK_CONTROLS, VMCS_EPT_POINTER, "A/D");
}

static void test_eptp_reserved_bits(void **state)
{
	set_bits(VMCS_EPT_POINTER, BIT(8));
	expect_fail(VMX_CHECK_CONTROLS, VMCS_EPT_POINTER, "11:7");
}

static void test_unrestricted_guest_without_ept(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_ENABLE_EPT);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_PROC_CONTROLS2, "unrestricted guest");
}

static void test_inject_gp_without_error_code(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (3 << 8) | 13);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_ENTRY_INTR_INFO, "deliver-error-code");
}

static void test_inject_nmi_wrong_vector(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (2 << 8) | 3);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_ENTRY_INTR_INFO, "NMI");
}

static void test_entry_to_smm(void **state)
{
	caps.entry |= (uint64_t)ENTRY_TO_SMM << 32;
	set_bits(VMCS_ENTRY_CONTROLS, ENTRY_TO_SMM);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_ENTRY_CONTROLS, "SMM");
}

/* ------------------------------------------------------------ host */

static void test_host_cr0_fixed(void **state)
{
	clr_bits(VMCS_HOST_CR0, CR0_NE);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_CR0, "FIXED0");
}

static void test_host_efer_lme_mismatch(void **state)
{
	clr_bits(VMCS_HOST_IA32_EFER, EFER_LME);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_IA32_EFER, "LME");
}

static void test_host_selector_rpl(void **state)
{
	set(VMCS_HOST_DS_SEL, 0x13);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_DS_SEL, "RPL");
}

static void test_host_tr_selector_zero(void **state)
{
	set(VMCS_HOST_TR_SEL, 0);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_TR_SEL, "TR selector");
}

static void test_host_gdtr_base_noncanonical(void **state)
{
	set(VMCS_HOST_GDTR_BASE, 0x0000800000000000ULL);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_GDTR_BASE, "canonical");
}

static void test_host_address_space_size_zero(void **state)
{
	/* Without "load IA32_EFER" so the EFER.LMA rule does not fire first. */
	clr_bits(VMCS_EXIT_CONTROLS, EXIT_HOST_ADDR_SPACE_SIZE | EXIT_LOAD_IA32_EFER);
	expect_fail(VMX_CHECK_HOST, VMCS_EXIT_CONTROLS, "address-space size");
}

static void test_host_cr4_missing_pae(void **state)
{
	clr_bits(VMCS_HOST_CR4, CR4_PAE);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_CR4, "PAE");
}

static void test_host_rip_noncanonical(void **state)
{
	set(VMCS_HOST_RIP, 0x0000800000001000ULL);
	expect_fail(VMX_CHECK_HOST, VMCS_HOST_RIP, "RIP");
}

/* ------------------------------------------------------------ guest */

static void test_guest_cr0_pg_without_pe(void **state)
{
	set(VMCS_GUEST_CR0, CR0_PG | CR0_NE | CR0_ET);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CR0, "PG");
}

static void test_guest_cr0_pe_clear_without_ug(void **state)
{
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CR0, "FIXED0");
}

static void test_guest_ia32e_without_pae(void **state)
{
	clr_bits(VMCS_GUEST_CR4, CR4_PAE);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CR4, "IA-32e");
}

static void test_guest_pcide_outside_ia32e(void **state)
{
	set_bits(VMCS_GUEST_CR4, CR4_PCIDE);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CR4, "PCIDE");
}

static void test_guest_dr7_high_bits(void **state)
{
	set(VMCS_GUEST_DR7, 0x400 | BIT(32));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_DR7, "DR7");
}

static void test_guest_efer_lma_mismatch(void **state)
{
	clr_bits(VMCS_GUEST_IA32_EFER, EFER_LMA);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_IA32_EFER, "LMA");
}

static void test_guest_pat_invalid(void **state)
{
	set(VMCS_GUEST_IA32_PAT, PAT_DEFAULT | (2ULL << 56));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_IA32_PAT, "PAT");
}

static void test_guest_tr_type_in_ia32e(void **state)
{
	set(VMCS_GUEST_TR_AR, 0x83);           /* type 3: 16-bit busy TSS */
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_TR_AR, "TR type");
}

static void test_guest_tr_unusable(void **state)
{
	set(VMCS_GUEST_TR_AR, AR_TSS_BUSY | AR_UNUSABLE);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_TR_AR, "usable");
}

static void test_guest_cs_l_and_db(void **state)
{
	set(VMCS_GUEST_CS_AR, AR_CODE64 | BIT(14));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CS_AR, "D/B");
}

static void test_guest_ss_cs_rpl_mismatch(void **state)
{
	/* Protected mode with paging (no unrestricted guest). */
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	set_bits(VMCS_GUEST_CR0, CR0_PG);
	expect_pass();
	set(VMCS_GUEST_SS_SEL, 0x13);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_SS_SEL, "RPL");
}

static void test_guest_ldtr_bad_type(void **state)
{
	set(VMCS_GUEST_LDTR_SEL, 0x20);
	set(VMCS_GUEST_LDTR_LIMIT, 0xFFFF);
	set(VMCS_GUEST_LDTR_AR, AR_LDT);
	expect_pass();
	set(VMCS_GUEST_LDTR_AR, 0x83);        /* a TSS type, not an LDT */
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_LDTR_AR, "LDTR type");
}

static void test_guest_data_segment_not_accessed(void **state)
{
	set(VMCS_GUEST_DS_AR, AR_DATA & ~1ULL);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_DS_AR, "accessed");
}

static void test_guest_cs_granularity(void **state)
{
	set(VMCS_GUEST_CS_AR, AR_CODE32 & ~BIT(15));  /* limit 4G, G = 0 */
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_CS_AR, "G bit");
}

static void test_guest_gdtr_limit(void **state)
{
	set(VMCS_GUEST_GDTR_LIMIT, 0x10000);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_GDTR_LIMIT, "0xFFFF");
}

static void test_guest_rflags_bit1_clear(void **state)
{
	set(VMCS_GUEST_RFLAGS, 0);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_RFLAGS, "bit 1");
}

static void test_guest_rip_high_bits_32bit(void **state)
{
	set(VMCS_GUEST_RIP, 0x100000000ULL);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_RIP, "63:32");
}

static void test_guest_inject_extint_with_if_clear(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (0 << 8) | 0x20);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_RFLAGS, "IF");
}

static void test_guest_activity_state_invalid(void **state)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 4);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_ACTIVITY_STATE, "activity state");
}

static void test_guest_activity_hlt_unsupported(void **state)
{
	caps.misc &= ~BIT(6);
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_ACTIVITY_STATE, "IA32_VMX_MISC");
}

static void test_guest_hlt_with_extint_passes(void **state)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | (0 << 8) | 0x20);
	expect_pass();
}

static void test_guest_hlt_blocks_injected_gp(void **state)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | BIT(11) | (3 << 8) | 13);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_ACTIVITY_STATE, "blocks");
}

static void test_guest_sti_blocking_tf_needs_bs(void **state)
{
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF | BIT(8));   /* TF */
	set(VMCS_GUEST_INTERRUPTIBILITY, 1);                          /* STI */
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_PENDING_DBG, "BS");
	set(VMCS_GUEST_PENDING_DBG, BIT(14));
	expect_pass();
}

static void test_guest_sti_and_mov_ss(void **state)
{
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	set(VMCS_GUEST_INTERRUPTIBILITY, 3);
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_INTERRUPTIBILITY, "STI");
}

static void test_guest_pending_dbg_reserved(void **state)
{
	set(VMCS_GUEST_PENDING_DBG, BIT(4));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_PENDING_DBG, "pending debug");
}

static void test_guest_link_pointer_not_ones(void **state)
{
	set(VMCS_LINK_POINTER, 0x7000);
	expect_fail(VMX_CHECK_GUEST, VMCS_LINK_POINTER, "link pointer");
	set(VMCS_LINK_POINTER, 0);     /* the classic "forgot to write it" */
	expect_fail(VMX_CHECK_GUEST, VMCS_LINK_POINTER, "link pointer");
}

static void test_guest_pae_pdpte_reserved(void **state)
{
	/* 32-bit PAE paging with EPT: the VMCS PDPTEs are checked. */
	set_bits(VMCS_GUEST_CR0, CR0_PG);
	set_bits(VMCS_GUEST_CR4, CR4_PAE);
	set(VMCS_GUEST_PDPTE0, 0x300000 | 1);
	set(VMCS_GUEST_PDPTE1, 0xDEAD0000ULL | BIT(5));   /* not present: ignored */
	expect_pass();
	set(VMCS_GUEST_PDPTE0, 0x300000 | 1 | BIT(1));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_PDPTE0, "PDPTE");
}

/* Real mode under unrestricted guest: CR0.PE = 0, 64K segments, CS may
 * be a read/write data segment (type 3). */
static void make_real_mode(void)
{
	static const enum vmcs_field ar[] = {
		VMCS_GUEST_ES_AR, VMCS_GUEST_CS_AR, VMCS_GUEST_SS_AR,
		VMCS_GUEST_DS_AR, VMCS_GUEST_FS_AR, VMCS_GUEST_GS_AR,
	};

	set(VMCS_GUEST_CR0, CR0_NE | CR0_ET);
	for (size_t i = 0; i < ARRAY_SIZE(ar); i++) {
		set(ar[i], 0x93);                                /* type 3, S, P */
		set(ar[i] - VMCS_GUEST_ES_AR + VMCS_GUEST_ES_LIMIT, 0xFFFF);
		set(ar[i] - VMCS_GUEST_ES_AR + VMCS_GUEST_ES_SEL, 0);
	}
	set(VMCS_GUEST_CS_SEL, 0xF000);
	set(VMCS_GUEST_CS_BASE, 0xF0000);
	set(VMCS_GUEST_RIP, 0xFFF0);
}

static void test_guest_real_mode_passes(void **state)
{
	make_real_mode();
	expect_pass();
}

static void test_guest_real_mode_ss_dpl(void **state)
{
	make_real_mode();
	set(VMCS_GUEST_SS_AR, 0x93 | (3 << 5));
	expect_fail(VMX_CHECK_GUEST, VMCS_GUEST_SS_AR, "SS DPL must be 0");
}

static void test_inject_error_code_in_real_mode(void **state)
{
	make_real_mode();
	set(VMCS_ENTRY_INTR_INFO, BIT(31) | BIT(11) | (3 << 8) | 13);
	expect_fail(VMX_CHECK_CONTROLS, VMCS_ENTRY_INTR_INFO, "deliver-error-code");
	clr_bits(VMCS_ENTRY_INTR_INFO, BIT(11));     /* #GP without one is fine */
	expect_pass();
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
	char line[512];

	set(VMCS_GUEST_TR_AR, 0x83);
	assert_int_equal(vmx_check_vmcs(&caps, &reader, &fail), -EINVAL);
	format_failure(line, sizeof(line), &fail);
	print_message("%s\n", line);
	assert_non_null(strstr(line, "guest state: "));
	assert_non_null(strstr(line, "Checks on Guest Segment Registers"));
	assert_non_null(strstr(line, "field 0x4822 = 0x83"));
	assert_non_null(strstr(line, "type 3"));
}

#define T64(t) cmocka_unit_test_setup(t, setup_guest64)
#define T32(t) cmocka_unit_test_setup(t, setup_guest32)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T64(test_baseline_guest64_passes),
		T32(test_baseline_guest32_passes),
		T64(test_secondary_ignored_when_not_activated),
		T32(test_guest32_tr_type3_passes),
		T64(test_guest64_unusable_ss_passes),
		T64(test_inject_pf_with_error_code_passes),

		T64(test_reserved_pin_bit_set),
		T64(test_reserved_proc2_bit_set),
		T64(test_required_proc_bit_cleared),
		T64(test_required_entry_bit_cleared),
		T64(test_cr3_target_count_too_big),
		T64(test_io_bitmap_misaligned),
		T64(test_msr_bitmap_beyond_maxphyaddr),
		T64(test_virtual_nmis_without_nmi_exiting),
		T64(test_vpid_zero),
		T64(test_eptp_walk_length),
		T64(test_eptp_memory_type),
		T64(test_eptp_ad_without_cap),
		T64(test_eptp_reserved_bits),
		T32(test_unrestricted_guest_without_ept),
		T64(test_inject_gp_without_error_code),
		T64(test_inject_nmi_wrong_vector),
		T64(test_entry_to_smm),

		T64(test_host_cr0_fixed),
		T64(test_host_efer_lme_mismatch),
		T64(test_host_selector_rpl),
		T64(test_host_tr_selector_zero),
		T64(test_host_gdtr_base_noncanonical),
		T64(test_host_address_space_size_zero),
		T64(test_host_cr4_missing_pae),
		T64(test_host_rip_noncanonical),

		T32(test_guest_cr0_pg_without_pe),
		T32(test_guest_cr0_pe_clear_without_ug),
		T64(test_guest_ia32e_without_pae),
		T32(test_guest_pcide_outside_ia32e),
		T64(test_guest_dr7_high_bits),
		T64(test_guest_efer_lma_mismatch),
		T64(test_guest_pat_invalid),
		T64(test_guest_tr_type_in_ia32e),
		T64(test_guest_tr_unusable),
		T64(test_guest_cs_l_and_db),
		T32(test_guest_ss_cs_rpl_mismatch),
		T64(test_guest_ldtr_bad_type),
		T64(test_guest_data_segment_not_accessed),
		T32(test_guest_cs_granularity),
		T64(test_guest_gdtr_limit),
		T64(test_guest_rflags_bit1_clear),
		T32(test_guest_rip_high_bits_32bit),
		T64(test_guest_inject_extint_with_if_clear),
		T64(test_guest_activity_state_invalid),
		T64(test_guest_activity_hlt_unsupported),
		T64(test_guest_hlt_with_extint_passes),
		T64(test_guest_hlt_blocks_injected_gp),
		T64(test_guest_sti_blocking_tf_needs_bs),
		T64(test_guest_sti_and_mov_ss),
		T64(test_guest_pending_dbg_reserved),
		T64(test_guest_link_pointer_not_ones),
		T32(test_guest_pae_pdpte_reserved),

		T32(test_guest_real_mode_passes),
		T32(test_guest_real_mode_ss_dpl),
		T32(test_inject_error_code_in_real_mode),

		T64(test_area_names),
		T64(test_failure_formats),
	};

	return cmocka_run_group_tests_name("vmx_check", tests, NULL, NULL);
}
