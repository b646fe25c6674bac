/* Host unit tests for the MOV-to-CR rules (hv/vcpu/cr.c): every rule once
 * legal and once #GP with its rule named; the values, EFER and flags a
 * legal write yields; the PAE PDPTE check; the guest/host masks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vcpu/cr.h"

/* IA32_VMX_CR0_FIXED0/1 as Bochs and most CPUs report them; a CR4_FIXED1
 * that allows every defined bit; CR4_FIXED0 = VMXE. */
static const struct vcpu_cr_caps caps = {
	.cr0_fixed0 = CR0_PG | CR0_NE | CR0_PE,
	.cr0_fixed1 = 0xFFFFFFFF,
	.cr4_fixed0 = CR4_VMXE,
	.cr4_fixed1 = GENMASK(14, 0) | GENMASK(25, 16) | CR4_LAM_SUP | CR4_FRED,
	.unrestricted = true,
};

#define ALL_FEATURES (~0ULL & ~(VCPU_FEAT(VMX) | VCPU_FEAT(SMX)))
/* What vcpu_cpuid_build() can offer at most (the never-offered group
 * starts at VCPU_F_PDCM). */
#define OFFERABLE    (BIT(VCPU_F_PDCM) - 1)

static struct vcpu_features feat(uint64_t has)
{
	return (struct vcpu_features){ .has = has, .maxphyaddr = 39,
				       .la_width = 48 };
}

/* 64-bit mode with 4-level paging, PCIDE off. */
static struct vcpu_cr_state long64(void)
{
	return (struct vcpu_cr_state){
		.cr0 = CR0_PG | CR0_PE | CR0_ET | CR0_NE | CR0_WP,
		.cr3 = 0x1000, .cr4 = CR4_PAE | CR4_OSFXSR,
		.efer = EFER_LME | EFER_LMA | EFER_NXE, .cs_l = true };
}

/* 32-bit protected mode, paging off. */
static struct vcpu_cr_state prot32(void)
{
	return (struct vcpu_cr_state){ .cr0 = CR0_PE | CR0_ET, .cr3 = 0x2000 };
}

static void assert_gp(struct vcpu_cr_verdict v, const char *rule_part)
{
	assert_true(v.gp);
	assert_non_null(v.rule);
	if (!strstr(v.rule, rule_part))
		fail_msg("rule \"%s\" does not name \"%s\"", v.rule, rule_part);
	assert_non_null(v.sdm);
}

static void assert_legal(struct vcpu_cr_verdict v)
{
	if (v.gp)
		fail_msg("unexpected #GP: %s", v.rule);
}

/* ------------------------------------------------------------- CR0 */

static void test_cr0_high_bits(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();
	uint64_t v = s.cr0 | BIT(32);

	assert_gp(vcpu_cr0_write(&caps, &f, &s, v), "63:32");
	/* Outside 64-bit mode the operand is 32 bits: bit 32 is not seen. */
	s = prot32();
	struct vcpu_cr_verdict r = vcpu_cr0_write(&caps, &f, &s,
						  s.cr0 | BIT(32));
	assert_legal(r);
	assert_int_equal(r.value, s.cr0);
}

static void test_cr0_pg_without_pe(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();

	assert_gp(vcpu_cr0_write(&caps, &f, &s, CR0_PG), "PE = 0");
	assert_legal(vcpu_cr0_write(&caps, &f, &s, CR0_PG | CR0_PE));
}

static void test_cr0_nw_without_cd(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();

	assert_gp(vcpu_cr0_write(&caps, &f, &s, CR0_PE | CR0_NW), "CD = 0");
	assert_legal(vcpu_cr0_write(&caps, &f, &s, CR0_PE | CR0_NW | CR0_CD));
}

static void test_cr0_ignored_bits(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();
	struct vcpu_cr_verdict v = vcpu_cr0_write(&caps, &f, &s,
						  CR0_PE | BIT(6) | BIT(17));

	assert_legal(v);
	assert_int_equal(v.value, CR0_PE | CR0_ET);   /* ET reads as 1 */
	assert_int_equal(v.flags, 0);
}

static void test_cr0_pg_clear_64bit(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();

	assert_gp(vcpu_cr0_write(&caps, &f, &s, s.cr0 & ~CR0_PG),
		  "64-bit mode");
	/* From compatibility mode it leaves IA-32e mode. */
	s.cs_l = false;
	struct vcpu_cr_verdict v = vcpu_cr0_write(&caps, &f, &s,
						  s.cr0 & ~CR0_PG);
	assert_legal(v);
	assert_int_equal(v.efer, EFER_LME | EFER_NXE);
	assert_true(v.flags & VCPU_CR_LMA);
	assert_true(v.flags & VCPU_CR_FLUSH);
}

static void test_cr0_pg_clear_pcide(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();

	s.cs_l = false;
	s.cr4 |= CR4_PCIDE;
	assert_gp(vcpu_cr0_write(&caps, &f, &s, s.cr0 & ~CR0_PG), "PCIDE");
}

static void test_cr0_long_mode_needs_pae(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();
	uint64_t pg = s.cr0 | CR0_PG;

	s.efer = EFER_LME;
	assert_gp(vcpu_cr0_write(&caps, &f, &s, pg), "CR4.PAE = 0");
	s.cr4 = CR4_PAE;
	struct vcpu_cr_verdict v = vcpu_cr0_write(&caps, &f, &s, pg);
	assert_legal(v);
	assert_int_equal(v.efer, EFER_LME | EFER_LMA);
	assert_true(v.flags & VCPU_CR_LMA);
	assert_false(v.flags & VCPU_CR_PDPTES);   /* 4-level: no PDPTEs */
}

static void test_cr0_long_mode_cs_l(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();

	s.efer = EFER_LME;
	s.cr4 = CR4_PAE;
	s.cs_l = true;
	assert_gp(vcpu_cr0_write(&caps, &f, &s, s.cr0 | CR0_PG), "CS.L");
}

static void test_cr0_wp_with_cet(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES | VCPU_FEAT(CET));
	struct vcpu_cr_state s = long64();

	assert_legal(vcpu_cr0_write(&caps, &f, &s, s.cr0 & ~CR0_WP));
	s.cr4 |= CR4_CET;
	assert_gp(vcpu_cr0_write(&caps, &f, &s, s.cr0 & ~CR0_WP), "CET");
}

static void test_cr0_pae_pdptes_and_flush(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();
	struct vcpu_cr_verdict v;

	s.cr4 = CR4_PAE;                        /* PAE paging, no LME */
	v = vcpu_cr0_write(&caps, &f, &s, s.cr0 | CR0_PG);
	assert_legal(v);
	assert_int_equal(v.flags, VCPU_CR_PDPTES | VCPU_CR_FLUSH);
	s.cr0 |= CR0_PG;
	v = vcpu_cr0_write(&caps, &f, &s, s.cr0 | CR0_CD);
	assert_int_equal(v.flags, VCPU_CR_PDPTES);   /* CD: reload, no flush */
	v = vcpu_cr0_write(&caps, &f, &s, s.cr0 | CR0_TS);
	assert_int_equal(v.flags, 0);
}

static void test_cr0_lmsw(void **state)
{
	uint64_t cr0 = CR0_PG | CR0_PE | CR0_ET | CR0_TS;

	assert_int_equal(vcpu_cr_lmsw(cr0, 0), CR0_PG | CR0_PE | CR0_ET);
	assert_int_equal(vcpu_cr_lmsw(cr0, 0xFFFF),
			 CR0_PG | CR0_ET | 0xF);     /* only bits 3:0 */
	assert_int_equal(vcpu_cr_lmsw(CR0_ET, 1), CR0_ET | CR0_PE);
}

/* ------------------------------------------------------------- CR4 */

static void test_cr4_reserved(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();
	struct vcpu_cr_verdict v;

	v = vcpu_cr4_write(&caps, &f, &s, s.cr4 | BIT(15));
	assert_gp(v, "reserved");
	assert_int_equal(v.bits, BIT(15));
	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 | BIT(40)), "reserved");
	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PGE));
	/* Outside 64-bit mode bits 63:32 are not part of the operand. */
	s = prot32();
	assert_legal(vcpu_cr4_write(&caps, &f, &s, BIT(40)));
}

static void test_cr4_vmxe(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_features all = feat(~0ULL);   /* even if offered */
	struct vcpu_cr_state s = long64();

	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_VMXE), "VMX");
	assert_false(vcpu_cr4_allowed(&caps, &all) & CR4_VMXE);
}

static void test_cr4_hidden_features(void **state)
{
	static const struct { uint64_t bit; enum vcpu_feature f;
			      const char *name; } t[] = {
		{ CR4_SMXE, VCPU_F_SMX, "SMX" },
		{ CR4_PKE, VCPU_F_PKU, "PKU" },
		{ CR4_LA57, VCPU_F_LA57, "5-level" },
		{ CR4_CET, VCPU_F_CET, "CET" },
		{ CR4_OSXSAVE, VCPU_F_XSAVE, "XSAVE" },
		{ CR4_FSGSBASE, VCPU_F_FSGSBASE, "FSGSBASE" },
		{ CR4_PKS, VCPU_F_PKS, "PKS" },
		{ CR4_UMIP, VCPU_F_UMIP, "UMIP" },
		{ CR4_SMEP, VCPU_F_SMEP, "SMEP" },
		{ CR4_FRED, VCPU_F_FRED, "FRED" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(t); i++) {
		struct vcpu_features with = feat(ALL_FEATURES | BIT(t[i].f));
		struct vcpu_features without = feat(ALL_FEATURES & ~BIT(t[i].f));
		/* 64-bit mode (FRED is bit 32), except LA57, which may only
		 * change outside IA-32e mode. */
		struct vcpu_cr_state s = t[i].bit == CR4_LA57 ? prot32()
							      : long64();
		uint64_t v = s.cr4 | t[i].bit;

		assert_gp(vcpu_cr4_write(&caps, &without, &s, v), t[i].name);
		assert_legal(vcpu_cr4_write(&caps, &with, &s, v));
	}
}

static void test_cr4_fixed1(void **state)
{
	struct vcpu_cr_caps c = caps;
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();
	struct vcpu_cr_verdict v;

	c.cr4_fixed1 &= ~CR4_SMAP;               /* offered, but VMX refuses */
	v = vcpu_cr4_write(&c, &f, &s, s.cr4 | CR4_SMAP);
	assert_gp(v, "IA32_VMX_CR4_FIXED1");
	assert_non_null(strstr(v.sdm, "VMX-Fixed"));
	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_SMAP));
}

static void test_cr4_pae_in_long_mode(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();

	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 & ~CR4_PAE), "PAE");
	s = prot32();
	s.cr4 = CR4_PAE;
	assert_legal(vcpu_cr4_write(&caps, &f, &s, 0));
}

static void test_cr4_la57_in_long_mode(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();

	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_LA57), "LA57");
	s.cr4 |= CR4_LA57;
	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 & ~CR4_LA57), "LA57");
	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PGE));
	s = prot32();                            /* paging off: may change */
	assert_legal(vcpu_cr4_write(&caps, &f, &s, CR4_LA57 | CR4_PAE));
}

static void test_cr4_pcide(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();

	assert_gp(vcpu_cr4_write(&caps, &f, &s, CR4_PCIDE),
		  "outside IA-32e mode");
	s = long64();
	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PCIDE));
	s.cr3 |= 5;                              /* a PCID in CR3[11:0] */
	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PCIDE),
		  "CR3[11:0]");
	s.cr4 |= CR4_PCIDE;                      /* already on: no 0 -> 1 */
	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PGE));
}

static void test_cr4_cet_needs_wp(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES | VCPU_FEAT(CET));
	struct vcpu_cr_state s = long64();

	assert_legal(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_CET));
	s.cr0 &= ~CR0_WP;
	assert_gp(vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_CET), "WP = 0");
}

static void test_cr4_flags(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();
	struct vcpu_cr_verdict v;

	s.cr0 |= CR0_PG;
	s.cr4 = CR4_PAE;                          /* PAE paging */
	v = vcpu_cr4_write(&caps, &f, &s, CR4_PAE | CR4_PGE);
	assert_int_equal(v.flags, VCPU_CR_PDPTES | VCPU_CR_FLUSH);
	v = vcpu_cr4_write(&caps, &f, &s, CR4_PAE | CR4_OSFXSR);
	assert_int_equal(v.flags, 0);
	s = long64();
	v = vcpu_cr4_write(&caps, &f, &s, s.cr4 | CR4_PGE);
	assert_int_equal(v.flags, VCPU_CR_FLUSH);  /* no PDPTEs in 4-level */
	assert_int_equal(v.value, s.cr4 | CR4_PGE);
}

/* ------------------------------------------------------------- CR3 */

static void test_cr3_bit63(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = long64();
	struct vcpu_cr_verdict v;

	assert_gp(vcpu_cr3_write(&caps, &f, &s, 0x3000 | BIT(63)), "bit 63");
	s.cr4 |= CR4_PCIDE;
	v = vcpu_cr3_write(&caps, &f, &s, 0x3007 | BIT(63));
	assert_legal(v);
	assert_int_equal(v.value, 0x3007);
	assert_int_equal(v.flags, VCPU_CR_NOFLUSH);
	v = vcpu_cr3_write(&caps, &f, &s, 0x3007);
	assert_int_equal(v.flags, VCPU_CR_FLUSH_NONGLOBAL);
}

static void test_cr3_maxphyaddr(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);   /* MAXPHYADDR 39 */
	struct vcpu_cr_state s = long64();
	struct vcpu_cr_verdict v;

	v = vcpu_cr3_write(&caps, &f, &s, BIT(39) | 0x1000);
	assert_gp(v, "MAXPHYADDR");
	assert_int_equal(v.bits, BIT(39));
	v = vcpu_cr3_write(&caps, &f, &s, BIT(38) | 0x1000);
	assert_legal(v);
	assert_int_equal(v.value, BIT(38) | 0x1000);
	/* LAM's CR3 bits 61/62 are reserved while LAM is hidden. */
	assert_gp(vcpu_cr3_write(&caps, &f, &s, BIT(62)), "MAXPHYADDR");
	/* A 32-bit operand outside 64-bit mode. */
	s = prot32();
	v = vcpu_cr3_write(&caps, &f, &s, BIT(39) | 0x5000);
	assert_legal(v);
	assert_int_equal(v.value, 0x5000);
}

static void test_cr3_pae_pdptes(void **state)
{
	struct vcpu_features f = feat(ALL_FEATURES);
	struct vcpu_cr_state s = prot32();

	assert_int_equal(vcpu_cr3_write(&caps, &f, &s, 0x4000).flags,
			 VCPU_CR_FLUSH_NONGLOBAL);
	s.cr0 |= CR0_PG;
	s.cr4 = CR4_PAE;
	assert_int_equal(vcpu_cr3_write(&caps, &f, &s, 0x4020).flags,
			 VCPU_CR_FLUSH_NONGLOBAL | VCPU_CR_PDPTES);
}

static void test_pdpte_check(void **state)
{
	uint64_t p[4] = { 0x1001, 0x2001, 0, 0x3001 };
	const char *rule = NULL;

	assert_int_equal(vcpu_cr_pdpte_check(p, 39, &rule), -1);
	p[2] = 0x6 | BIT(39);                   /* not present: ignored */
	assert_int_equal(vcpu_cr_pdpte_check(p, 39, &rule), -1);
	p[2] = 0;
	p[3] = 0x3001 | BIT(2);
	assert_int_equal(vcpu_cr_pdpte_check(p, 39, &rule), 3);
	assert_non_null(strstr(rule, "2:1 or 8:5"));
	p[3] = 0x3001 | BIT(7);
	assert_int_equal(vcpu_cr_pdpte_check(p, 39, &rule), 3);
	p[3] = 0x3001;
	p[1] = 0x2001 | BIT(39);
	assert_int_equal(vcpu_cr_pdpte_check(p, 39, &rule), 1);
	assert_non_null(strstr(rule, "MAXPHYADDR"));
	assert_int_equal(vcpu_cr_pdpte_check(p, 40, &rule), -1);
	p[1] = 0x2001 | BIT(63);                /* no XD in a PDPTE */
	assert_int_equal(vcpu_cr_pdpte_check(p, 52, &rule), 1);
	p[1] = 0x2001 | BIT(3) | BIT(4);        /* PWT, PCD are fine */
	assert_int_equal(vcpu_cr_pdpte_check(p, 52, &rule), -1);
}

/* ------------------------------------------------------- masks */

static void test_masks(void **state)
{
	uint64_t m0, m4;
	struct vcpu_features f = feat(OFFERABLE &
				      ~(VCPU_FEAT(PKU) | VCPU_FEAT(LA57)));

	vcpu_cr_masks(&caps, &f, &m0, &m4);
	/* CR0: PE and PG are the guest's under unrestricted guest; NE is
	 * forced by VMX, so the guest sees its own NE through the shadow. */
	assert_false(m0 & (CR0_PE | CR0_PG | CR0_TS | CR0_WP | CR0_CD));
	assert_true(m0 & CR0_NE);
	assert_true(m0 & BIT(32));
	/* CR4: VMXE, every hidden feature's bit and reserved bits exit. */
	assert_true(m4 & CR4_VMXE);
	assert_true(m4 & CR4_SMXE);
	assert_true(m4 & CR4_PKE);
	assert_true(m4 & CR4_LA57);
	assert_true(m4 & CR4_CET);
	assert_true(m4 & CR4_KL);
	assert_true(m4 & BIT(15));
	assert_true(m4 & BIT(40));
	assert_false(m4 & (CR4_PAE | CR4_PGE | CR4_OSXSAVE | CR4_PCIDE |
			   CR4_SMEP | CR4_FSGSBASE));
	/* Without unrestricted guest PE and PG are forced, so host-owned. */
	struct vcpu_cr_caps c = caps;
	c.unrestricted = false;
	vcpu_cr_masks(&c, &f, &m0, &m4);
	assert_true(m0 & CR0_PE);
	assert_true(m0 & CR0_PG);
}

static void test_hw_values(void **state)
{
	struct vcpu_cr_caps c = caps;

	assert_int_equal(vcpu_cr0_hw(&caps, CR0_ET), CR0_ET | CR0_NE);
	c.unrestricted = false;
	assert_int_equal(vcpu_cr0_hw(&c, CR0_ET),
			 CR0_ET | CR0_NE | CR0_PE | CR0_PG);
	assert_int_equal(vcpu_cr4_hw(&caps, CR4_PAE), CR4_PAE | CR4_VMXE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cr0_high_bits),
		cmocka_unit_test(test_cr0_pg_without_pe),
		cmocka_unit_test(test_cr0_nw_without_cd),
		cmocka_unit_test(test_cr0_ignored_bits),
		cmocka_unit_test(test_cr0_pg_clear_64bit),
		cmocka_unit_test(test_cr0_pg_clear_pcide),
		cmocka_unit_test(test_cr0_long_mode_needs_pae),
		cmocka_unit_test(test_cr0_long_mode_cs_l),
		cmocka_unit_test(test_cr0_wp_with_cet),
		cmocka_unit_test(test_cr0_pae_pdptes_and_flush),
		cmocka_unit_test(test_cr0_lmsw),
		cmocka_unit_test(test_cr4_reserved),
		cmocka_unit_test(test_cr4_vmxe),
		cmocka_unit_test(test_cr4_hidden_features),
		cmocka_unit_test(test_cr4_fixed1),
		cmocka_unit_test(test_cr4_pae_in_long_mode),
		cmocka_unit_test(test_cr4_la57_in_long_mode),
		cmocka_unit_test(test_cr4_pcide),
		cmocka_unit_test(test_cr4_cet_needs_wp),
		cmocka_unit_test(test_cr4_flags),
		cmocka_unit_test(test_cr3_bit63),
		cmocka_unit_test(test_cr3_maxphyaddr),
		cmocka_unit_test(test_cr3_pae_pdptes),
		cmocka_unit_test(test_pdpte_check),
		cmocka_unit_test(test_masks),
		cmocka_unit_test(test_hw_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
