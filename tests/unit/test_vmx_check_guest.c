/*
 * VM-entry checker, guest-state rules (vmx/vmx_check_guest.c): one case per
 * rule of vmx/vmx_check_rules.def in area GUEST, named after the rule id.
 * Fixture and conventions: tests/unit/vchk_fixture.h.
 */
#include "include/x86.h"
#include "tests/unit/vchk_fixture.h"

/* ------------------------------------------------ control registers, MSRs */

static void test_guest_cr0_fixed(void **state)
{
	/* 32-bit guest, paging off: only allowed with unrestricted guest. */
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	expect_rule(VCHK_R_GUEST_CR0_FIXED, VMCS_GUEST_CR0);
	set_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	set_bits(VMCS_GUEST_CR0, BIT(32));            /* FIXED1 0xFFFFFFFF */
	expect_rule(VCHK_R_GUEST_CR0_FIXED, VMCS_GUEST_CR0);
}

static void test_guest_cr0_pg_pe(void **state)
{
	set(VMCS_GUEST_CR0, CR0_PG | CR0_NE | CR0_ET);
	expect_rule(VCHK_R_GUEST_CR0_PG_PE, VMCS_GUEST_CR0);
}

static void test_guest_cr4_fixed(void **state)
{
	clr_bits(VMCS_GUEST_CR4, CR4_VMXE);           /* FIXED0 */
	expect_rule(VCHK_R_GUEST_CR4_FIXED, VMCS_GUEST_CR4);
	set_bits(VMCS_GUEST_CR4, CR4_VMXE | BIT(12)); /* LA57: not in FIXED1 */
	expect_rule(VCHK_R_GUEST_CR4_FIXED, VMCS_GUEST_CR4);
}

static void test_guest_debugctl(void **state)
{
	set(VMCS_GUEST_IA32_DEBUGCTL, BIT(2));
	expect_rule(VCHK_R_GUEST_DEBUGCTL, VMCS_GUEST_IA32_DEBUGCTL);
	clr_bits(VMCS_ENTRY_CONTROLS, ENTRY_LOAD_DEBUG_CONTROLS);
	expect_pass();                                /* not loaded: not checked */
}

static void test_guest_ia32e_pg_pae(void **state)
{
	clr_bits(VMCS_GUEST_CR4, CR4_PAE);
	expect_rule(VCHK_R_GUEST_IA32E_PG_PAE, VMCS_GUEST_CR4);
}

static void test_guest_pcide(void **state)
{
	set_bits(VMCS_GUEST_CR4, CR4_PCIDE);
	expect_rule(VCHK_R_GUEST_PCIDE, VMCS_GUEST_CR4);
}

static void test_guest_cr3(void **state)
{
	set(VMCS_GUEST_CR3, 1ULL << 40);              /* MAXPHYADDR 40 */
	expect_rule(VCHK_R_GUEST_CR3, VMCS_GUEST_CR3);
}

static void test_guest_dr7(void **state)
{
	set(VMCS_GUEST_DR7, 0x400 | BIT(32));
	expect_rule(VCHK_R_GUEST_DR7, VMCS_GUEST_DR7);
}

static void test_guest_sysenter_esp(void **state)
{
	set(VMCS_GUEST_SYSENTER_ESP, NONCANONICAL);
	expect_rule(VCHK_R_GUEST_SYSENTER_ESP, VMCS_GUEST_SYSENTER_ESP);
}

static void test_guest_sysenter_eip(void **state)
{
	set(VMCS_GUEST_SYSENTER_EIP, NONCANONICAL);
	expect_rule(VCHK_R_GUEST_SYSENTER_EIP, VMCS_GUEST_SYSENTER_EIP);
}

static void test_guest_pat(void **state)
{
	set(VMCS_GUEST_IA32_PAT, PAT_DEFAULT | (2ULL << 56));
	expect_rule(VCHK_R_GUEST_PAT, VMCS_GUEST_IA32_PAT);
}

static void test_guest_efer_reserved(void **state)
{
	set_bits(VMCS_GUEST_IA32_EFER, BIT(1));
	expect_rule(VCHK_R_GUEST_EFER_RESERVED, VMCS_GUEST_IA32_EFER);
}

/* The two EFER.LMA rules, each broken alone: LMA against the IA-32e mode
 * control (LME kept equal to LMA), then LMA against LME (LMA kept equal to
 * the control). */
static void test_guest_efer_lma_ia32e(void **state)
{
	clr_bits(VMCS_GUEST_IA32_EFER, EFER_LMA | EFER_LME);
	expect_rule(VCHK_R_GUEST_EFER_LMA_IA32E, VMCS_GUEST_IA32_EFER);
}

static void test_guest_efer_lma_ia32e_32bit(void **state)
{
	set_bits(VMCS_GUEST_IA32_EFER, EFER_LMA);     /* paging off: LME free */
	expect_rule(VCHK_R_GUEST_EFER_LMA_IA32E, VMCS_GUEST_IA32_EFER);
}

static void test_guest_efer_lma_lme(void **state)
{
	clr_bits(VMCS_GUEST_IA32_EFER, EFER_LME);
	expect_rule(VCHK_R_GUEST_EFER_LMA_LME, VMCS_GUEST_IA32_EFER);
}

static void test_guest_efer_lma_lme_32bit(void **state)
{
	set_bits(VMCS_GUEST_CR0, CR0_PG);             /* 32-bit paging */
	expect_pass();
	set_bits(VMCS_GUEST_IA32_EFER, EFER_LME);
	expect_rule(VCHK_R_GUEST_EFER_LMA_LME, VMCS_GUEST_IA32_EFER);
}

static void test_guest_bndcfgs(void **state)
{
	/* Skylake-X in Bochs has no MPX: a synthetic CPU with "load
	 * IA32_BNDCFGS". */
	caps.entry |= (uint64_t)ENTRY_LOAD_BNDCFGS << 32;
	set_bits(VMCS_ENTRY_CONTROLS, ENTRY_LOAD_BNDCFGS);
	set(VMCS_GUEST_IA32_BNDCFGS, 0xFFFFFFFFFFFFF003ULL);  /* EN, PRESERVE */
	expect_pass();
	set_bits(VMCS_GUEST_IA32_BNDCFGS, BIT(2));
	expect_rule(VCHK_R_GUEST_BNDCFGS, VMCS_GUEST_IA32_BNDCFGS);
	set(VMCS_GUEST_IA32_BNDCFGS, NONCANONICAL | 1);
	expect_rule(VCHK_R_GUEST_BNDCFGS, VMCS_GUEST_IA32_BNDCFGS);
}

/* ------------------------------------------------ segment selectors, bases */

static void test_guest_tr_ti(void **state)
{
	set(VMCS_GUEST_TR_SEL, 0x1C);
	expect_rule(VCHK_R_GUEST_TR_TI, VMCS_GUEST_TR_SEL);
}

static void test_guest_ldtr_ti(void **state)
{
	set(VMCS_GUEST_LDTR_SEL, 0x24);               /* unusable: not checked */
	expect_pass();
	make_ldtr_usable();
	set(VMCS_GUEST_LDTR_SEL, 0x24);
	expect_rule(VCHK_R_GUEST_LDTR_TI, VMCS_GUEST_LDTR_SEL);
}

static void test_guest_ss_cs_rpl(void **state)
{
	/* Protected mode with paging (no unrestricted guest). */
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	set_bits(VMCS_GUEST_CR0, CR0_PG);
	expect_pass();
	set(VMCS_GUEST_SS_SEL, 0x13);
	expect_rule(VCHK_R_GUEST_SS_CS_RPL, VMCS_GUEST_SS_SEL);
}

static void test_guest_tr_fs_gs_base(void **state)
{
	static const enum vmcs_field base[] = {
		VMCS_GUEST_TR_BASE, VMCS_GUEST_FS_BASE, VMCS_GUEST_GS_BASE,
	};

	for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
		uint64_t good = get(base[i]);
		set(base[i], NONCANONICAL);
		expect_rule(VCHK_R_GUEST_TR_FS_GS_BASE, base[i]);
		set(base[i], good);
	}
}

static void test_guest_ldtr_base(void **state)
{
	make_ldtr_usable();
	set(VMCS_GUEST_LDTR_BASE, NONCANONICAL);
	expect_rule(VCHK_R_GUEST_LDTR_BASE, VMCS_GUEST_LDTR_BASE);
}

static void test_guest_cs_base(void **state)
{
	set(VMCS_GUEST_CS_BASE, BIT(32));
	expect_rule(VCHK_R_GUEST_CS_BASE, VMCS_GUEST_CS_BASE);
}

static void test_guest_ss_ds_es_base(void **state)
{
	static const enum vmcs_field base[] = {
		VMCS_GUEST_SS_BASE, VMCS_GUEST_DS_BASE, VMCS_GUEST_ES_BASE,
	};

	for (size_t i = 0; i < ARRAY_SIZE(base); i++) {
		set(base[i], BIT(32));
		expect_rule(VCHK_R_GUEST_SS_DS_ES_BASE, base[i]);
		set(base[i], 0);
	}
	set(VMCS_GUEST_DS_AR, AR_UNUSABLE);           /* unusable: not checked */
	set(VMCS_GUEST_DS_BASE, BIT(32));
	expect_pass();
}

/* ------------------------------------------------ access rights: type, S */

static void test_guest_cs_type(void **state)
{
	set(VMCS_GUEST_CS_AR, (AR_CODE64 & ~0xFULL) | 8);   /* not accessed */
	expect_rule(VCHK_R_GUEST_CS_TYPE, VMCS_GUEST_CS_AR);
}

static void test_guest_cs_type3_needs_ug(void **state)
{
	make_real_mode();                             /* CS type 3 */
	expect_pass();
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	set_bits(VMCS_GUEST_CR0, CR0_PE | CR0_PG);    /* CR0 valid without UG */
	expect_rule(VCHK_R_GUEST_CS_TYPE, VMCS_GUEST_CS_AR);
}

static void test_guest_ss_type(void **state)
{
	set(VMCS_GUEST_SS_AR, (AR_DATA & ~0xFULL) | 1);     /* read-only */
	expect_rule(VCHK_R_GUEST_SS_TYPE, VMCS_GUEST_SS_AR);
}

static void test_guest_data_type(void **state)
{
	set(VMCS_GUEST_DS_AR, AR_DATA & ~1ULL);       /* not accessed */
	expect_rule(VCHK_R_GUEST_DATA_TYPE, VMCS_GUEST_DS_AR);
	set(VMCS_GUEST_DS_AR, (AR_DATA & ~0xFULL) | 9);     /* execute-only code */
	expect_rule(VCHK_R_GUEST_DATA_TYPE, VMCS_GUEST_DS_AR);
}

static void test_guest_seg_s(void **state)
{
	clr_bits(VMCS_GUEST_DS_AR, AR_S);
	expect_rule(VCHK_R_GUEST_SEG_S, VMCS_GUEST_DS_AR);
}

/* ------------------------------------------------ access rights: DPL */

static void test_guest_cs_dpl_type3(void **state)
{
	make_real_mode();
	set_bits(VMCS_GUEST_CS_AR, AR_DPL3);
	expect_rule(VCHK_R_GUEST_CS_DPL_TYPE3, VMCS_GUEST_CS_AR);
}

static void test_guest_cs_dpl_nonconf(void **state)
{
	set_bits(VMCS_GUEST_CS_AR, AR_DPL3);          /* SS DPL 0 */
	expect_rule(VCHK_R_GUEST_CS_DPL_NONCONF, VMCS_GUEST_CS_AR);
}

static void test_guest_cs_dpl_conf(void **state)
{
	set_bits(VMCS_GUEST_CS_AR, 4);                /* type 15: conforming */
	expect_pass();
	set_bits(VMCS_GUEST_CS_AR, AR_DPL3);          /* above SS DPL 0 */
	expect_rule(VCHK_R_GUEST_CS_DPL_CONF, VMCS_GUEST_CS_AR);
}

static void test_guest_ss_dpl_rpl(void **state)
{
	make_ring3();                                 /* RPL 0: needs UG */
	expect_pass();
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	expect_rule(VCHK_R_GUEST_SS_DPL_RPL, VMCS_GUEST_SS_AR);
}

static void test_guest_ss_dpl_zero(void **state)
{
	make_real_mode();
	set_bits(VMCS_GUEST_SS_AR, AR_DPL3);
	expect_rule(VCHK_R_GUEST_SS_DPL_ZERO, VMCS_GUEST_SS_AR);
}

static void test_guest_data_dpl(void **state)
{
	set(VMCS_GUEST_DS_SEL, 0x13);                 /* RPL 3 above DPL 0 */
	expect_pass();                                /* allowed with UG */
	clr_bits(VMCS_PROC_CONTROLS2, PROC2_UNRESTRICTED_GUEST);
	expect_rule(VCHK_R_GUEST_DATA_DPL, VMCS_GUEST_DS_AR);
}

/* ------------------------------------------------ access rights: the rest */

static void test_guest_seg_p(void **state)
{
	clr_bits(VMCS_GUEST_DS_AR, AR_P);
	expect_rule(VCHK_R_GUEST_SEG_P, VMCS_GUEST_DS_AR);
}

static void test_guest_seg_ar_11_8(void **state)
{
	set_bits(VMCS_GUEST_DS_AR, BIT(8));
	expect_rule(VCHK_R_GUEST_SEG_AR_11_8, VMCS_GUEST_DS_AR);
}

static void test_guest_cs_l_db(void **state)
{
	set_bits(VMCS_GUEST_CS_AR, AR_DB);
	expect_rule(VCHK_R_GUEST_CS_L_DB, VMCS_GUEST_CS_AR);
}

static void test_guest_seg_g(void **state)
{
	clr_bits(VMCS_GUEST_CS_AR, AR_G);             /* limit 4G, G = 0 */
	expect_rule(VCHK_R_GUEST_SEG_G, VMCS_GUEST_CS_AR);
	set_bits(VMCS_GUEST_CS_AR, AR_G);
	set(VMCS_GUEST_DS_LIMIT, 0xFFFFE);            /* G = 1, limit[11:0] != FFF */
	expect_rule(VCHK_R_GUEST_SEG_G, VMCS_GUEST_DS_AR);
}

static void test_guest_seg_ar_31_17(void **state)
{
	set_bits(VMCS_GUEST_DS_AR, BIT(17));
	expect_rule(VCHK_R_GUEST_SEG_AR_31_17, VMCS_GUEST_DS_AR);
}

/* ------------------------------------------------ TR */

static void test_guest_tr_type(void **state)
{
	set(VMCS_GUEST_TR_AR, 0x83);                  /* type 3: 16-bit busy TSS */
	expect_rule(VCHK_R_GUEST_TR_TYPE, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_type_32bit(void **state)
{
	set(VMCS_GUEST_TR_AR, 0x83);                  /* allowed outside IA-32e */
	expect_pass();
	set(VMCS_GUEST_TR_AR, 0x89);                  /* available, not busy */
	expect_rule(VCHK_R_GUEST_TR_TYPE, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_s(void **state)
{
	set_bits(VMCS_GUEST_TR_AR, AR_S);
	expect_rule(VCHK_R_GUEST_TR_S, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_p(void **state)
{
	clr_bits(VMCS_GUEST_TR_AR, AR_P);
	expect_rule(VCHK_R_GUEST_TR_P, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_ar_11_8(void **state)
{
	set_bits(VMCS_GUEST_TR_AR, BIT(11));
	expect_rule(VCHK_R_GUEST_TR_AR_11_8, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_g(void **state)
{
	set_bits(VMCS_GUEST_TR_AR, AR_G);             /* limit 0x67 */
	expect_rule(VCHK_R_GUEST_TR_G, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_unusable(void **state)
{
	set_bits(VMCS_GUEST_TR_AR, AR_UNUSABLE);
	expect_rule(VCHK_R_GUEST_TR_UNUSABLE, VMCS_GUEST_TR_AR);
}

static void test_guest_tr_ar_31_17(void **state)
{
	set_bits(VMCS_GUEST_TR_AR, BIT(17));
	expect_rule(VCHK_R_GUEST_TR_AR_31_17, VMCS_GUEST_TR_AR);
}

/* ------------------------------------------------ LDTR, when usable */

static void test_guest_ldtr_type(void **state)
{
	make_ldtr_usable();
	expect_pass();
	set(VMCS_GUEST_LDTR_AR, 0x83);                /* a TSS type, not an LDT */
	expect_rule(VCHK_R_GUEST_LDTR_TYPE, VMCS_GUEST_LDTR_AR);
}

static void test_guest_ldtr_s(void **state)
{
	make_ldtr_usable();
	set_bits(VMCS_GUEST_LDTR_AR, AR_S);
	expect_rule(VCHK_R_GUEST_LDTR_S, VMCS_GUEST_LDTR_AR);
}

static void test_guest_ldtr_p(void **state)
{
	make_ldtr_usable();
	clr_bits(VMCS_GUEST_LDTR_AR, AR_P);
	expect_rule(VCHK_R_GUEST_LDTR_P, VMCS_GUEST_LDTR_AR);
}

static void test_guest_ldtr_ar_11_8(void **state)
{
	make_ldtr_usable();
	set_bits(VMCS_GUEST_LDTR_AR, BIT(9));
	expect_rule(VCHK_R_GUEST_LDTR_AR_11_8, VMCS_GUEST_LDTR_AR);
}

static void test_guest_ldtr_g(void **state)
{
	make_ldtr_usable();
	set(VMCS_GUEST_LDTR_LIMIT, 0x100000);         /* above 1M with G = 0 */
	expect_rule(VCHK_R_GUEST_LDTR_G, VMCS_GUEST_LDTR_AR);
	set(VMCS_GUEST_LDTR_LIMIT, 0xFFFFE);
	set_bits(VMCS_GUEST_LDTR_AR, AR_G);           /* G = 1, limit[11:0] != FFF */
	expect_rule(VCHK_R_GUEST_LDTR_G, VMCS_GUEST_LDTR_AR);
}

static void test_guest_ldtr_ar_31_17(void **state)
{
	make_ldtr_usable();
	set_bits(VMCS_GUEST_LDTR_AR, BIT(31));
	expect_rule(VCHK_R_GUEST_LDTR_AR_31_17, VMCS_GUEST_LDTR_AR);
}

/* ------------------------------------------------ GDTR, IDTR */

static void test_guest_dt_base(void **state)
{
	set(VMCS_GUEST_GDTR_BASE, NONCANONICAL);
	expect_rule(VCHK_R_GUEST_DT_BASE, VMCS_GUEST_GDTR_BASE);
	set(VMCS_GUEST_GDTR_BASE, 0x4000);
	set(VMCS_GUEST_IDTR_BASE, NONCANONICAL);
	expect_rule(VCHK_R_GUEST_DT_BASE, VMCS_GUEST_IDTR_BASE);
}

static void test_guest_dt_limit(void **state)
{
	set(VMCS_GUEST_GDTR_LIMIT, 0x10000);
	expect_rule(VCHK_R_GUEST_DT_LIMIT, VMCS_GUEST_GDTR_LIMIT);
	set(VMCS_GUEST_GDTR_LIMIT, 0x27);
	set(VMCS_GUEST_IDTR_LIMIT, 0x10000);
	expect_rule(VCHK_R_GUEST_DT_LIMIT, VMCS_GUEST_IDTR_LIMIT);
}

/* ------------------------------------------------ RIP, RFLAGS */

static void test_guest_rip_high(void **state)
{
	set(VMCS_GUEST_RIP, BIT(32));
	expect_rule(VCHK_R_GUEST_RIP_HIGH, VMCS_GUEST_RIP);
}

static void test_guest_rip_canonical(void **state)
{
	set(VMCS_GUEST_RIP, 0xFFFF800000000000ULL);
	expect_pass();
	set(VMCS_GUEST_RIP, 0x0001000000000000ULL);
	expect_rule(VCHK_R_GUEST_RIP_CANONICAL, VMCS_GUEST_RIP);
}

static void test_guest_rflags_reserved(void **state)
{
	set(VMCS_GUEST_RFLAGS, 0);                    /* bit 1 clear */
	expect_rule(VCHK_R_GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS);
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | BIT(3));
	expect_rule(VCHK_R_GUEST_RFLAGS_RESERVED, VMCS_GUEST_RFLAGS);
}

static void test_guest_rflags_vm(void **state)
{
	set_bits(VMCS_GUEST_RFLAGS, RFLAGS_VM);       /* in an IA-32e guest */
	expect_rule(VCHK_R_GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS);
}

static void test_guest_rflags_vm_real_mode(void **state)
{
	make_real_mode();
	set_bits(VMCS_GUEST_RFLAGS, RFLAGS_VM);       /* with CR0.PE = 0 */
	expect_rule(VCHK_R_GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS);
}

static void test_guest_rflags_if(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_EXT, 0x20));
	expect_rule(VCHK_R_GUEST_RFLAGS_IF, VMCS_GUEST_RFLAGS);
	set_bits(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	expect_pass();
}

/* ------------------------------------------------ activity state */

static void test_guest_activity(void **state)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 4);
	expect_rule(VCHK_R_GUEST_ACTIVITY, VMCS_GUEST_ACTIVITY_STATE);
	set(VMCS_GUEST_ACTIVITY_STATE, 1);            /* HLT */
	expect_pass();
	caps.misc &= ~BIT(6);
	expect_rule(VCHK_R_GUEST_ACTIVITY, VMCS_GUEST_ACTIVITY_STATE);
}

static void test_guest_hlt_ss_dpl(void **state)
{
	make_ring3();
	expect_pass();
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	expect_rule(VCHK_R_GUEST_HLT_SS_DPL, VMCS_GUEST_ACTIVITY_STATE);
}

static void test_guest_active_if_blocking(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, 2);          /* blocking by MOV SS */
	expect_pass();
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	expect_rule(VCHK_R_GUEST_ACTIVE_IF_BLOCKING, VMCS_GUEST_ACTIVITY_STATE);
}

static void test_guest_activity_blocks(void **state)
{
	set(VMCS_GUEST_ACTIVITY_STATE, 1);
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_EXT, 0x20));   /* wakes HLT */
	expect_pass();
	set(VMCS_ENTRY_INTR_INFO, INTR_EC(INTR_HW, 13));   /* #GP does not */
	expect_rule(VCHK_R_GUEST_ACTIVITY_BLOCKS, VMCS_GUEST_ACTIVITY_STATE);
}

/* ------------------------------------------------ interruptibility state */

static void test_guest_intb_reserved(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, BIT(5));
	expect_rule(VCHK_R_GUEST_INTB_RESERVED, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_sti_mov_ss(void **state)
{
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF);
	set(VMCS_GUEST_INTERRUPTIBILITY, 3);
	expect_rule(VCHK_R_GUEST_INTB_STI_MOV_SS, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_sti_if(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, 1);          /* RFLAGS.IF = 0 */
	expect_rule(VCHK_R_GUEST_INTB_STI_IF, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_extint(void **state)
{
	set_bits(VMCS_GUEST_RFLAGS, RFLAGS_IF);
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_EXT, 0x20));
	expect_pass();
	set(VMCS_GUEST_INTERRUPTIBILITY, 1);          /* STI */
	expect_rule(VCHK_R_GUEST_INTB_EXTINT, VMCS_GUEST_INTERRUPTIBILITY);
	set(VMCS_GUEST_INTERRUPTIBILITY, 2);          /* MOV SS */
	expect_rule(VCHK_R_GUEST_INTB_EXTINT, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_nmi_mov_ss(void **state)
{
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_NMI, 2));
	expect_pass();
	set(VMCS_GUEST_INTERRUPTIBILITY, 2);
	expect_rule(VCHK_R_GUEST_INTB_NMI_MOV_SS, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_smi(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, BIT(2));
	expect_rule(VCHK_R_GUEST_INTB_SMI, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_vnmi(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, BIT(3));     /* blocking by NMI */
	expect_pass();
	set(VMCS_ENTRY_INTR_INFO, INTR(INTR_NMI, 2)); /* virtual NMIs = 1 */
	expect_rule(VCHK_R_GUEST_INTB_VNMI, VMCS_GUEST_INTERRUPTIBILITY);
}

static void test_guest_intb_enclave(void **state)
{
	set(VMCS_GUEST_INTERRUPTIBILITY, BIT(4));
	expect_pass();
	set_bits(VMCS_GUEST_INTERRUPTIBILITY, 2);     /* and MOV SS */
	expect_rule(VCHK_R_GUEST_INTB_ENCLAVE, VMCS_GUEST_INTERRUPTIBILITY);
}

/* ------------------------------------------------ pending debug exceptions */

static void test_guest_pdbg_reserved(void **state)
{
	set(VMCS_GUEST_PENDING_DBG, BIT(4));
	expect_rule(VCHK_R_GUEST_PDBG_RESERVED, VMCS_GUEST_PENDING_DBG);
}

static void test_guest_pdbg_bs(void **state)
{
	set(VMCS_GUEST_RFLAGS, RFLAGS_FIXED | RFLAGS_IF | BIT(8));   /* TF */
	set(VMCS_GUEST_INTERRUPTIBILITY, 1);                          /* STI */
	expect_rule(VCHK_R_GUEST_PDBG_BS, VMCS_GUEST_PENDING_DBG);
	set(VMCS_GUEST_PENDING_DBG, BIT(14));
	expect_pass();
	clr_bits(VMCS_GUEST_RFLAGS, BIT(8));          /* BS without TF */
	expect_rule(VCHK_R_GUEST_PDBG_BS, VMCS_GUEST_PENDING_DBG);
}

static void test_guest_pdbg_rtm(void **state)
{
	set(VMCS_GUEST_PENDING_DBG, BIT(16) | BIT(12));
	expect_pass();
	set(VMCS_GUEST_PENDING_DBG, BIT(16));         /* without bit 12 */
	expect_rule(VCHK_R_GUEST_PDBG_RTM, VMCS_GUEST_PENDING_DBG);
}

/* ------------------------------------------------ VMCS link pointer, PDPTEs */

static void test_guest_link_addr(void **state)
{
	set(VMCS_LINK_POINTER, 0x7008);
	expect_rule(VCHK_R_GUEST_LINK_ADDR, VMCS_LINK_POINTER);
	set(VMCS_LINK_POINTER, 1ULL << 40);
	expect_rule(VCHK_R_GUEST_LINK_ADDR, VMCS_LINK_POINTER);
}

static void test_guest_link_shadow(void **state)
{
	set(VMCS_LINK_POINTER, 0x7000);
	expect_rule(VCHK_R_GUEST_LINK_SHADOW, VMCS_LINK_POINTER);
	set(VMCS_LINK_POINTER, 0);     /* the classic "forgot to write it" */
	expect_rule(VCHK_R_GUEST_LINK_SHADOW, VMCS_LINK_POINTER);
}

static void test_guest_pdpte(void **state)
{
	/* 32-bit PAE paging with EPT: the VMCS PDPTEs are checked. */
	set_bits(VMCS_GUEST_CR0, CR0_PG);
	set_bits(VMCS_GUEST_CR4, CR4_PAE);
	set(VMCS_GUEST_PDPTE0, 0x300000 | 1);
	set(VMCS_GUEST_PDPTE1, 0xDEAD0000ULL | BIT(5));   /* not present: ignored */
	expect_pass();
	set(VMCS_GUEST_PDPTE0, 0x300000 | 1 | BIT(1));
	expect_rule(VCHK_R_GUEST_PDPTE, VMCS_GUEST_PDPTE0);
}

/* ------------------------------------------------ coverage */

static const struct CMUnitTest *all_cases;
static size_t n_cases;

static void test_every_guest_rule_has_a_case(void **state)
{
	expect_every_rule_hit(VMX_CHECK_GUEST, all_cases, n_cases,
			      test_every_guest_rule_has_a_case);
}

#define T64(t) cmocka_unit_test_setup(t, setup_guest64)
#define T32(t) cmocka_unit_test_setup(t, setup_guest32)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T32(test_guest_cr0_fixed),
		T32(test_guest_cr0_pg_pe),
		T64(test_guest_cr4_fixed),
		T64(test_guest_debugctl),
		T64(test_guest_ia32e_pg_pae),
		T32(test_guest_pcide),
		T64(test_guest_cr3),
		T64(test_guest_dr7),
		T64(test_guest_sysenter_esp),
		T64(test_guest_sysenter_eip),
		T64(test_guest_pat),
		T64(test_guest_efer_reserved),
		T64(test_guest_efer_lma_ia32e),
		T32(test_guest_efer_lma_ia32e_32bit),
		T64(test_guest_efer_lma_lme),
		T32(test_guest_efer_lma_lme_32bit),
		T64(test_guest_bndcfgs),

		T64(test_guest_tr_ti),
		T64(test_guest_ldtr_ti),
		T32(test_guest_ss_cs_rpl),
		T64(test_guest_tr_fs_gs_base),
		T64(test_guest_ldtr_base),
		T64(test_guest_cs_base),
		T64(test_guest_ss_ds_es_base),
		T64(test_guest_cs_type),
		T32(test_guest_cs_type3_needs_ug),
		T64(test_guest_ss_type),
		T64(test_guest_data_type),
		T64(test_guest_seg_s),
		T32(test_guest_cs_dpl_type3),
		T64(test_guest_cs_dpl_nonconf),
		T64(test_guest_cs_dpl_conf),
		T64(test_guest_ss_dpl_rpl),
		T32(test_guest_ss_dpl_zero),
		T64(test_guest_data_dpl),
		T64(test_guest_seg_p),
		T64(test_guest_seg_ar_11_8),
		T64(test_guest_cs_l_db),
		T32(test_guest_seg_g),
		T64(test_guest_seg_ar_31_17),
		T64(test_guest_tr_type),
		T32(test_guest_tr_type_32bit),
		T64(test_guest_tr_s),
		T64(test_guest_tr_p),
		T64(test_guest_tr_ar_11_8),
		T64(test_guest_tr_g),
		T64(test_guest_tr_unusable),
		T64(test_guest_tr_ar_31_17),
		T64(test_guest_ldtr_type),
		T64(test_guest_ldtr_s),
		T64(test_guest_ldtr_p),
		T64(test_guest_ldtr_ar_11_8),
		T64(test_guest_ldtr_g),
		T64(test_guest_ldtr_ar_31_17),
		T64(test_guest_dt_base),
		T64(test_guest_dt_limit),

		T32(test_guest_rip_high),
		T64(test_guest_rip_canonical),
		T64(test_guest_rflags_reserved),
		T64(test_guest_rflags_vm),
		T32(test_guest_rflags_vm_real_mode),
		T64(test_guest_rflags_if),

		T64(test_guest_activity),
		T64(test_guest_hlt_ss_dpl),
		T64(test_guest_active_if_blocking),
		T64(test_guest_activity_blocks),
		T64(test_guest_intb_reserved),
		T64(test_guest_intb_sti_mov_ss),
		T64(test_guest_intb_sti_if),
		T64(test_guest_intb_extint),
		T64(test_guest_intb_nmi_mov_ss),
		T64(test_guest_intb_smi),
		T64(test_guest_intb_vnmi),
		T64(test_guest_intb_enclave),
		T64(test_guest_pdbg_reserved),
		T64(test_guest_pdbg_bs),
		T64(test_guest_pdbg_rtm),
		T64(test_guest_link_addr),
		T64(test_guest_link_shadow),
		T32(test_guest_pdpte),

		T64(test_every_guest_rule_has_a_case),
	};

	all_cases = tests;
	n_cases = ARRAY_SIZE(tests);
	return cmocka_run_group_tests_name("vmx_check_guest", tests, NULL, NULL);
}
