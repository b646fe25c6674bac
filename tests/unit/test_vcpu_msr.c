/* Host unit tests for the MSR table (hv/vcpu/msr.c, msr_bitmap.c): deny
 * by default, hidden features have no MSRs, each rule once legal and once
 * #GP (a #GP changes nothing), the MSR bitmap clear for exactly the
 * pass-through MSRs, PAT/MTRR writes kept as virtual state, TSC writes as
 * an offset, the switched-MSR list, once-only reports of unknown MSRs. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vcpu/msr.h"

/* A Skylake-like guest: what vcpu_cpuid_build() offers on Bochs. */
static const uint64_t SKYLAKE =
	VCPU_FEAT(VME) | VCPU_FEAT(DE) | VCPU_FEAT(PSE) | VCPU_FEAT(TSC) |
	VCPU_FEAT(PAE) | VCPU_FEAT(MCE) | VCPU_FEAT(APIC) | VCPU_FEAT(SEP) |
	VCPU_FEAT(MTRR) | VCPU_FEAT(PGE) | VCPU_FEAT(MCA) | VCPU_FEAT(PAT) |
	VCPU_FEAT(FXSR) | VCPU_FEAT(SSE) | VCPU_FEAT(PCID) | VCPU_FEAT(XSAVE) |
	VCPU_FEAT(TSC_ADJUST) | VCPU_FEAT(SMEP) | VCPU_FEAT(SMAP) |
	VCPU_FEAT(XSAVES) | VCPU_FEAT(SYSCALL) | VCPU_FEAT(NX) |
	VCPU_FEAT(RDTSCP) | VCPU_FEAT(LM);

static struct vcpu_features feat(uint64_t has)
{
	return (struct vcpu_features){ .has = has, .maxphyaddr = 39,
				       .la_width = 48, .ucode_rev = 0x2C,
				       .arch_capabilities = 0xAB };
}

static struct vcpu_features f;
static struct vcpu_msr m;
static struct vcpu_msr_ctx ctx;

static int setup(void **state)
{
	f = feat(SKYLAKE);
	vcpu_msr_reset(&m, &f);
	ctx = (struct vcpu_msr_ctx){ .tsc = 1000,
				     .cr0 = CR0_PE | CR0_PG,
				     .efer = EFER_LME | EFER_LMA | EFER_SCE };
	return 0;
}

static struct vcpu_msr_verdict wr(uint32_t msr, uint64_t val)
{
	return vcpu_msr_write(&m, &f, &ctx, msr, val);
}

static uint64_t rd(uint32_t msr)
{
	struct vcpu_msr_verdict v = vcpu_msr_read(&m, &f, &ctx, msr);

	if (v.action != VCPU_MSR_DONE)
		fail_msg("read of 0x%x: #GP (%s)", msr, v.reason);
	return v.value;
}

/* The write is #GP, says why (containing 'why' if given), and leaves the
 * per-vCPU state as it was. */
static void wr_gp(uint32_t msr, uint64_t val, const char *why)
{
	struct vcpu_msr before = m;
	struct vcpu_msr_verdict v = wr(msr, val);

	if (v.action != VCPU_MSR_GP)
		fail_msg("write of 0x%llx to 0x%x: action %d, not #GP",
			 (unsigned long long)val, msr, v.action);
	assert_non_null(v.reason);
	if (why && !strstr(v.reason, why))
		fail_msg("reason \"%s\" does not say \"%s\"", v.reason, why);
	assert_memory_equal(&before, &m, sizeof(m));
}

static void wr_ok(uint32_t msr, uint64_t val, enum vcpu_msr_action a)
{
	struct vcpu_msr_verdict v = wr(msr, val);

	if (v.action != a)
		fail_msg("write of 0x%llx to 0x%x: action %d (%s), want %d",
			 (unsigned long long)val, msr, v.action,
			 v.reason ? v.reason : "-", a);
}

static void rd_gp(uint32_t msr)
{
	assert_int_equal(vcpu_msr_read(&m, &f, &ctx, msr).action, VCPU_MSR_GP);
}

/* ------------------------------------------------------------ table */

static void test_table_well_formed(void **state)
{
	size_t n;
	const struct vcpu_msr_desc *t = vcpu_msr_table(&n);

	assert_true(n > 20);
	for (size_t i = 0; i < n; i++) {
		assert_true(t[i].first <= t[i].last);
		assert_non_null(t[i].name);
		assert_string_not_equal(vcpu_msr_policy_name(t[i].policy), "?");
		if (i)
			assert_true(t[i - 1].last < t[i].first);
		assert_ptr_equal(vcpu_msr_find(t[i].first), &t[i]);
		assert_ptr_equal(vcpu_msr_find(t[i].last), &t[i]);
	}
	assert_string_equal(vcpu_msr_name(MSR_IA32_PAT), "IA32_PAT");
	assert_string_equal(vcpu_msr_name(0x79), "unknown");
}

static void test_unknown_is_gp(void **state)
{
	/* The microcode trigger, VMX capabilities (VMX is hidden: 0x480-
	 * 0x493 all #GP), a PMU counter and its selector, the x2APIC ICR,
	 * IA32_FLUSH_CMD, IA32_UMWAIT_CONTROL, LBR TOS, and MSRs outside
	 * both bitmap ranges. */
	static const uint32_t unknown[] = {
		0x79, 0x480, 0x48B, 0x491, 0x492, 0x493, 0xC1, 0x186, 0x830,
		0x10B, 0xE1, 0x1C9, 0x17B, 0x400, 0x210, 0x6E1, 0x12345678,
		0xC0010000, 0x40000000,
	};

	for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
		struct vcpu_msr_verdict v = vcpu_msr_read(&m, &f, &ctx,
							  unknown[i]);
		assert_int_equal(v.action, VCPU_MSR_GP);
		assert_null(v.desc);
		assert_non_null(strstr(v.reason, "not in the MSR table"));
		wr_gp(unknown[i], 0, "not in the MSR table");
	}
}

static void test_hidden_features_have_no_msrs(void **state)
{
	static const struct { uint32_t msr; enum vcpu_feature needs; } t[] = {
		{ MSR_IA32_TSC_DEADLINE, VCPU_F_TSC_DEADLINE },
		{ MSR_IA32_SPEC_CTRL, VCPU_F_IBRS },
		{ MSR_IA32_PRED_CMD, VCPU_F_IBRS },
		{ MSR_IA32_ARCH_CAPABILITIES, VCPU_F_ARCH_CAP },
		{ MSR_IA32_PERF_CAPABILITIES, VCPU_F_PDCM },
		{ MSR_IA32_XSS, VCPU_F_XSAVES },
		{ MSR_TSC_AUX, VCPU_F_RDTSCP },
		{ MSR_IA32_MTRR_DEF_TYPE, VCPU_F_MTRR },
		{ MSR_IA32_MCG_CAP, VCPU_F_MCA },
		{ MSR_IA32_TSC_ADJUST, VCPU_F_TSC_ADJUST },
		{ MSR_IA32_APIC_BASE, VCPU_F_APIC },
	};

	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct vcpu_msr_verdict v;

		f = feat(SKYLAKE & ~BIT(t[i].needs));
		v = vcpu_msr_read(&m, &f, &ctx, t[i].msr);
		assert_int_equal(v.action, VCPU_MSR_GP);
		assert_non_null(v.desc);             /* known, but absent */
		assert_non_null(strstr(v.reason, "hidden"));
		wr_gp(t[i].msr, 0, "hidden");
		f = feat(SKYLAKE | BIT(t[i].needs));
		if (t[i].msr != MSR_IA32_PRED_CMD)   /* write-only */
			rd(t[i].msr);
	}
}

/* ----------------------------------------------------------- bitmap */

static void test_bitmap_exactly_pass_through(void **state)
{
	static uint8_t bm[VCPU_MSR_BITMAP_SIZE];
	const uint32_t base[] = { 0, 0xC0000000 };

	vcpu_msr_bitmap(bm, &f);
	for (int r = 0; r < 2; r++)
		for (uint32_t i = 0; i < 0x2000; i++) {
			uint32_t msr = base[r] + i;
			bool pass = msr == MSR_FS_BASE || msr == MSR_GS_BASE;

			for (int w = 0; w < 2; w++)
				if (vcpu_msr_bitmap_exits(bm, msr, w) == pass)
					fail_msg("MSR 0x%x %s: %s", msr,
						 w ? "write" : "read",
						 pass ? "exits" : "passes");
		}
	/* The four 1 KiB quarters: only FS_BASE/GS_BASE bits are clear. */
	for (size_t i = 0; i < VCPU_MSR_BITMAP_SIZE; i++) {
		uint8_t want = (i == 1024 + 0x100 / 8 || i == 3072 + 0x100 / 8)
			       ? 0xFC : 0xFF;
		assert_int_equal(bm[i], want);
	}
	assert_true(vcpu_msr_bitmap_exits(bm, 0x40000000, false));
	/* Without long mode there are no FS/GS base MSRs to pass. */
	f = feat(SKYLAKE & ~VCPU_FEAT(LM));
	vcpu_msr_bitmap(bm, &f);
	assert_true(vcpu_msr_bitmap_exits(bm, MSR_FS_BASE, false));
}

static void test_pass_through_never_emulated(void **state)
{
	struct vcpu_msr_verdict v = vcpu_msr_read(&m, &f, &ctx, MSR_FS_BASE);

	assert_int_equal(v.action, VCPU_MSR_GP);
	assert_non_null(strstr(v.reason, "pass-through"));
}

/* -------------------------------------------------------- PAT, MTRR */

static void test_pat(void **state)
{
	uint64_t uc_minus = 0x0007040607070406ULL;     /* UC- (7) is a PAT type */

	assert_int_equal(rd(MSR_IA32_PAT), VCPU_PAT_RESET);
	wr_ok(MSR_IA32_PAT, uc_minus, VCPU_MSR_SET_PAT);
	assert_int_equal(wr(MSR_IA32_PAT, 0x0101010101010101).value,
			 0x0101010101010101);
	assert_int_equal(m.pat, 0x0101010101010101);
	wr_gp(MSR_IA32_PAT, 0x0007040602070406ULL, "IA32_PAT");   /* 2 */
	wr_gp(MSR_IA32_PAT, 0x0307040600070406ULL, "IA32_PAT");   /* 3 */
	wr_gp(MSR_IA32_PAT, 0x0807040600070406ULL, "IA32_PAT");   /* 8 */
	assert_int_equal(rd(MSR_IA32_PAT), 0x0101010101010101);
}

/* A different valid fixed-range value for each of the 11 MSRs: all WB
 * but byte i % 8, which is UC (i < 8) or WT. */
static uint64_t fixed_value(size_t i)
{
	uint64_t t = i < 8 ? 0 : 4;

	return (0x0606060606060606ULL & ~(0xFFULL << (8 * (i % 8)))) |
	       (t << (8 * (i % 8)));
}

static void test_mtrr(void **state)
{
	assert_int_equal(rd(MSR_IA32_MTRRCAP), 0x508);   /* 8 var, FIX, WC */
	wr_gp(MSR_IA32_MTRRCAP, 0x508, "read-only");
	/* IA32_MTRR_DEF_TYPE: type, FE, E. */
	wr_ok(MSR_IA32_MTRR_DEF_TYPE, 0xC06, VCPU_MSR_DONE);
	assert_int_equal(rd(MSR_IA32_MTRR_DEF_TYPE), 0xC06);
	wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0xE06, "reserved");
	wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0xC02, "memory type");
	wr_gp(MSR_IA32_MTRR_DEF_TYPE, 0xC07, "memory type");  /* UC-: PAT only */
	/* Variable ranges (MAXPHYADDR 39). */
	wr_ok(0x200, 0x80000006, VCPU_MSR_DONE);
	wr_ok(0x201, GENMASK(38, 31) | BIT(11), VCPU_MSR_DONE);
	wr_ok(0x20F, GENMASK(38, 12) | BIT(11), VCPU_MSR_DONE);   /* PHYSMASK7 */
	assert_int_equal(rd(0x200), 0x80000006);
	assert_int_equal(rd(0x201), GENMASK(38, 31) | BIT(11));
	assert_int_equal(rd(0x20F), GENMASK(38, 12) | BIT(11));
	wr_gp(0x202, 0x80000106, "PHYSBASE");               /* bit 8 */
	wr_gp(0x202, BIT(39) | 6, "PHYSBASE");              /* > MAXPHYADDR */
	wr_gp(0x202, 0x80000003, "memory type");
	wr_gp(0x203, BIT(11) | BIT(0), "PHYSMASK");         /* bit 0 */
	wr_gp(0x203, BIT(11) | BIT(39), "PHYSMASK");
	/* Fixed ranges: each written and read back from its own slot. */
	const uint32_t fixed[] = { 0x250, 0x258, 0x259, 0x268, 0x269, 0x26A,
				   0x26B, 0x26C, 0x26D, 0x26E, 0x26F };
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		wr_ok(fixed[i], fixed_value(i), VCPU_MSR_DONE);
	for (size_t i = 0; i < ARRAY_SIZE(fixed); i++)
		assert_int_equal(rd(fixed[i]), fixed_value(i));
	wr_gp(0x26F, 0x0706060606060606ULL, "memory type");
	wr_gp(0x258, 0x0606060606060602ULL, "memory type");
}

/* -------------------------------------------------------------- TSC */

static void test_tsc_offset(void **state)
{
	struct vcpu_msr_verdict v;

	assert_int_equal(rd(MSR_IA32_TSC), 1000);    /* offset 0 at reset */
	v = wr(MSR_IA32_TSC, 5000);
	assert_int_equal(v.action, VCPU_MSR_SET_TSC_OFFSET);
	assert_int_equal(v.value, 4000);
	assert_int_equal(m.tsc_offset, 4000);
	assert_int_equal(rd(MSR_IA32_TSC_ADJUST), 4000);   /* moved by delta */
	ctx.tsc = 1500;
	assert_int_equal(rd(MSR_IA32_TSC), 5500);
	/* Backwards: the delta is negative, modulo 2^64. */
	v = wr(MSR_IA32_TSC, 500);
	assert_int_equal(v.value, (uint64_t)-1000);
	assert_int_equal(rd(MSR_IA32_TSC), 500);
	assert_int_equal(rd(MSR_IA32_TSC_ADJUST), (uint64_t)-1000);
	/* TSC_ADJUST moves the TSC by its own delta. */
	v = wr(MSR_IA32_TSC_ADJUST, 0);
	assert_int_equal(v.action, VCPU_MSR_SET_TSC_OFFSET);
	assert_int_equal(v.value, 0);
	assert_int_equal(rd(MSR_IA32_TSC), 1500);
	wr(MSR_IA32_TSC_ADJUST, 100);
	assert_int_equal(rd(MSR_IA32_TSC), 1600);
	assert_int_equal(rd(MSR_IA32_TSC_ADJUST), 100);
}

static void test_tsc_deadline(void **state)
{
	f = feat(SKYLAKE | VCPU_FEAT(TSC_DEADLINE));
	wr_ok(MSR_IA32_TSC_DEADLINE, 123456, VCPU_MSR_SET_DEADLINE);
	assert_int_equal(rd(MSR_IA32_TSC_DEADLINE), 123456);
}

/* ------------------------------------------------ VMCS-held MSRs */

static void test_efer(void **state)
{
	struct vcpu_msr_verdict v;

	v = wr(MSR_IA32_EFER, EFER_LME | EFER_NXE | EFER_SCE);
	assert_int_equal(v.action, VCPU_MSR_SET_EFER);
	/* LMA is read-only: the CPU's value stays. */
	assert_int_equal(v.value, EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE);
	assert_int_equal(rd(MSR_IA32_EFER), ctx.efer);
	wr_gp(MSR_IA32_EFER, EFER_LME | BIT(9), "reserved");
	wr_gp(MSR_IA32_EFER, EFER_LME | BIT(12), "reserved");  /* SVME */
	wr_gp(MSR_IA32_EFER, EFER_SCE, "LME changed");        /* PG = 1 */
	ctx = (struct vcpu_msr_ctx){ .cr0 = CR0_PE };
	v = wr(MSR_IA32_EFER, EFER_LME);                       /* PG = 0 */
	assert_int_equal(v.action, VCPU_MSR_SET_EFER);
	assert_int_equal(v.value, EFER_LME);
	f = feat(SKYLAKE & ~VCPU_FEAT(NX));
	wr_gp(MSR_IA32_EFER, EFER_NXE, "reserved");
}

static void test_sysenter(void **state)
{
	struct vcpu_msr_verdict v = wr(MSR_IA32_SYSENTER_CS, 0x1234500000010);

	assert_int_equal(v.action, VCPU_MSR_SET_SYSENTER_CS);
	assert_int_equal(v.value, 0x10);                  /* 32-bit field */
	wr_ok(MSR_IA32_SYSENTER_ESP, 0xFFFF800000001000, VCPU_MSR_SET_SYSENTER_ESP);
	wr_ok(MSR_IA32_SYSENTER_EIP, 0x401000, VCPU_MSR_SET_SYSENTER_EIP);
	assert_int_equal(rd(MSR_IA32_SYSENTER_ESP), 0xFFFF800000001000);
	assert_int_equal(rd(MSR_IA32_SYSENTER_EIP), 0x401000);
	wr_gp(MSR_IA32_SYSENTER_ESP, 0x0000800000000000, "canonical");
	wr_gp(MSR_IA32_SYSENTER_EIP, 0x0080000000000000, "canonical");
	/* The width is the guest's: 57 bits with LA57. */
	f.la_width = 57;
	wr_ok(MSR_IA32_SYSENTER_EIP, 0x0080000000000000, VCPU_MSR_SET_SYSENTER_EIP);
	wr_gp(MSR_IA32_SYSENTER_EIP, 0x0100000000000000, "canonical");
}

static void test_debugctl(void **state)
{
	wr_ok(MSR_IA32_DEBUGCTL, BIT(1), VCPU_MSR_SET_DEBUGCTL);   /* BTF */
	assert_int_equal(rd(MSR_IA32_DEBUGCTL), BIT(1));
	wr_gp(MSR_IA32_DEBUGCTL, BIT(0), "BTF");                    /* LBR */
	wr_gp(MSR_IA32_DEBUGCTL, BIT(2), "BTF");          /* bus-lock detect */
}

/* ------------------------------------------------- switched MSRs */

static void test_switched(void **state)
{
	struct vcpu_msr_slot sl[VCPU_MSR_SWITCH_MAX];
	unsigned n;

	wr_ok(MSR_STAR, 0x0023001000000000, VCPU_MSR_SET_SWITCHED);
	wr_ok(MSR_LSTAR, 0xFFFFFFFF81000000, VCPU_MSR_SET_SWITCHED);
	wr_ok(MSR_CSTAR, 0xFFFFFFFF81000100, VCPU_MSR_SET_SWITCHED);
	wr_ok(MSR_FMASK, 0x47700, VCPU_MSR_SET_SWITCHED);
	wr_ok(MSR_KERNEL_GS_BASE, 0xFFFF888000000000, VCPU_MSR_SET_SWITCHED);
	wr_ok(MSR_TSC_AUX, 0xFFFFFFFF, VCPU_MSR_SET_SWITCHED);
	wr_gp(MSR_LSTAR, 0x0000800000000000, "canonical");
	wr_gp(MSR_CSTAR, 0x8000000000000000, "canonical");
	wr_gp(MSR_KERNEL_GS_BASE, 0x00F0000000000000, "canonical");
	wr_gp(MSR_FMASK, BIT(32), "63:32");
	wr_gp(MSR_TSC_AUX, BIT(32), "63:32");
	assert_int_equal(rd(MSR_LSTAR), 0xFFFFFFFF81000000);

	n = vcpu_msr_switch_list(&m, &f, sl);
	assert_int_equal(n, 6);          /* no SPEC_CTRL without IBRS etc. */
	const uint32_t want[] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK,
				  MSR_KERNEL_GS_BASE, MSR_TSC_AUX };
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(sl[i].index, want[i]);
		assert_int_equal(sl[i].reserved, 0);
		assert_int_equal(sl[i].value, rd(want[i]));
	}
	f = feat(SKYLAKE | VCPU_FEAT(IBRS));
	assert_int_equal(vcpu_msr_switch_list(&m, &f, sl), 7);
	assert_int_equal(sl[0].index, MSR_IA32_SPEC_CTRL);
	f = feat(SKYLAKE & ~VCPU_FEAT(RDTSCP));
	assert_int_equal(vcpu_msr_switch_list(&m, &f, sl), 5);
}

static void test_spec_ctrl_pred_cmd(void **state)
{
	f = feat(SKYLAKE | VCPU_FEAT(IBRS) | VCPU_FEAT(STIBP) |
		 VCPU_FEAT(SSBD));
	wr_ok(MSR_IA32_SPEC_CTRL, 7, VCPU_MSR_SET_SWITCHED);
	assert_int_equal(rd(MSR_IA32_SPEC_CTRL), 7);
	wr_gp(MSR_IA32_SPEC_CTRL, BIT(3), "does not offer");
	f = feat(SKYLAKE | VCPU_FEAT(IBRS));
	wr_gp(MSR_IA32_SPEC_CTRL, BIT(1), "does not offer");     /* STIBP */
	wr_ok(MSR_IA32_PRED_CMD, 1, VCPU_MSR_IBPB);
	wr_ok(MSR_IA32_PRED_CMD, 0, VCPU_MSR_DONE);
	wr_gp(MSR_IA32_PRED_CMD, 2, "IBPB");
	rd_gp(MSR_IA32_PRED_CMD);                               /* write-only */
}

/* --------------------------------------------------- constants */

static void test_constants(void **state)
{
	assert_int_equal(rd(MSR_IA32_FEATURE_CONTROL), FEATURE_CONTROL_LOCK);
	wr_gp(MSR_IA32_FEATURE_CONTROL, FEATURE_CONTROL_LOCK |
	      FEATURE_CONTROL_VMX_OUTSIDE_SMX, "locked");
	assert_int_equal(rd(MSR_IA32_PLATFORM_ID), 0);          /* platform 0 */
	wr_gp(MSR_IA32_PLATFORM_ID, 0, "read-only");
	assert_int_equal(rd(MSR_IA32_BIOS_SIGN_ID), 0x2CULL << 32);
	wr_ok(MSR_IA32_BIOS_SIGN_ID, 0, VCPU_MSR_DONE);         /* ignored */
	assert_int_equal(rd(MSR_IA32_BIOS_SIGN_ID), 0x2CULL << 32);
	assert_int_equal(rd(MSR_IA32_MISC_ENABLE), 0x1801);
	wr_ok(MSR_IA32_MISC_ENABLE, 0x1801, VCPU_MSR_DONE);
	wr_gp(MSR_IA32_MISC_ENABLE, 0x1801 | BIT(22), "read-only");
	assert_int_equal(rd(MSR_IA32_MCG_CAP), 0);              /* no banks */
	wr_gp(MSR_IA32_MCG_CAP, 0, "read-only");
	f = feat(SKYLAKE | VCPU_FEAT(ARCH_CAP));
	assert_int_equal(rd(MSR_IA32_ARCH_CAPABILITIES), 0xAB);
	wr_gp(MSR_IA32_ARCH_CAPABILITIES, 0xAB, "read-only");
}

static void test_mcg_status(void **state)
{
	wr_ok(MSR_IA32_MCG_STATUS, 7, VCPU_MSR_DONE);
	assert_int_equal(rd(MSR_IA32_MCG_STATUS), 7);
	wr_gp(MSR_IA32_MCG_STATUS, BIT(3), "63:3");
}

static void test_xss(void **state)
{
	wr_ok(MSR_IA32_XSS, 0, VCPU_MSR_DONE);
	wr_gp(MSR_IA32_XSS, BIT(8), "supervisor");
	wr_gp(MSR_IA32_XSS, BIT(11), "supervisor");
}

static void test_apic_base(void **state)
{
	assert_int_equal(rd(MSR_IA32_APIC_BASE), 0xFEE00900);
	wr_ok(MSR_IA32_APIC_BASE, 0x7FFFF000 | BIT(11), VCPU_MSR_SET_APIC_BASE);
	assert_int_equal(rd(MSR_IA32_APIC_BASE), 0x7FFFF800);
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00800 | BIT(0), "reserved");
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00800 | BIT(9), "reserved");
	wr_gp(MSR_IA32_APIC_BASE, 0x8000000000ULL | BIT(11), "reserved");
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00C00, "reserved");   /* no x2APIC */
	/* With x2APIC: the mode transitions. */
	f = feat(SKYLAKE | VCPU_FEAT(X2APIC));
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00400, "EXTD without EN");
	wr_ok(MSR_IA32_APIC_BASE, 0xFEE00C00, VCPU_MSR_SET_APIC_BASE);
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00800, "x2APIC to xAPIC");
	wr_ok(MSR_IA32_APIC_BASE, 0xFEE00000, VCPU_MSR_SET_APIC_BASE);
	wr_gp(MSR_IA32_APIC_BASE, 0xFEE00C00, "disabled to x2APIC");
	wr_ok(MSR_IA32_APIC_BASE, 0xFEE00800, VCPU_MSR_SET_APIC_BASE);
}

/* ------------------------------------------ unknown-MSR reports */

static void test_first_unknown_once(void **state)
{
	static struct vcpu_msr_seen s;

	memset(&s, 0, sizeof(s));
	assert_true(vcpu_msr_first_unknown(&s, 0x79));
	assert_false(vcpu_msr_first_unknown(&s, 0x79));
	assert_true(vcpu_msr_first_unknown(&s, 0xC0000079));   /* other range */
	assert_false(vcpu_msr_first_unknown(&s, 0xC0000079));
	assert_true(vcpu_msr_first_unknown(&s, 0x1FFF));
	assert_true(vcpu_msr_first_unknown(&s, 0xC0001FFF));
	for (uint32_t i = 0; i < VCPU_MSR_SEEN_OTHER; i++)
		assert_true(vcpu_msr_first_unknown(&s, 0x40000000 + i));
	assert_false(vcpu_msr_first_unknown(&s, 0x40000000));
	assert_false(vcpu_msr_first_unknown(&s, 0x50000000));  /* slots full */
	assert_int_equal(s.suppressed, 1);
	/* The bitmap ranges never run out. */
	assert_true(vcpu_msr_first_unknown(&s, 0x7A));
	assert_int_equal(s.suppressed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_table_well_formed, setup),
		cmocka_unit_test_setup(test_unknown_is_gp, setup),
		cmocka_unit_test_setup(test_hidden_features_have_no_msrs, setup),
		cmocka_unit_test_setup(test_bitmap_exactly_pass_through, setup),
		cmocka_unit_test_setup(test_pass_through_never_emulated, setup),
		cmocka_unit_test_setup(test_pat, setup),
		cmocka_unit_test_setup(test_mtrr, setup),
		cmocka_unit_test_setup(test_tsc_offset, setup),
		cmocka_unit_test_setup(test_tsc_deadline, setup),
		cmocka_unit_test_setup(test_efer, setup),
		cmocka_unit_test_setup(test_sysenter, setup),
		cmocka_unit_test_setup(test_debugctl, setup),
		cmocka_unit_test_setup(test_switched, setup),
		cmocka_unit_test_setup(test_spec_ctrl_pred_cmd, setup),
		cmocka_unit_test_setup(test_constants, setup),
		cmocka_unit_test_setup(test_mcg_status, setup),
		cmocka_unit_test_setup(test_xss, setup),
		cmocka_unit_test_setup(test_apic_base, setup),
		cmocka_unit_test_setup(test_first_unknown_once, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
