/*
 * Shared fixture of the VM-entry checker tests: the fake VMCS, the Bochs
 * Skylake-X caps, the baselines and the assertions (tests/unit/vchk_fixture.h).
 */
#include <stdio.h>
#include <string.h>

#include "include/err.h"
#include "include/x86.h"
#include "tests/unit/vchk_fixture.h"

#define FAKE_VMCS_SLOTS 0x8000   /* encodings are 15 bits wide */

static uint64_t fake_vmcs[FAKE_VMCS_SLOTS];
struct vmx_caps caps;
struct vmx_check_failure vchk_failure;

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

const struct vmcs_reader vchk_reader = { fake_vmcs, fake_read };

void set(enum vmcs_field f, uint64_t v) { fake_vmcs[f] = v; }
uint64_t get(enum vmcs_field f) { return fake_vmcs[f]; }
void set_bits(enum vmcs_field f, uint64_t m) { fake_vmcs[f] |= m; }
void clr_bits(enum vmcs_field f, uint64_t m) { fake_vmcs[f] &= ~m; }

/* ------------------------------------------------------------ baselines */

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
int setup_guest64(void **state)
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
int setup_guest32(void **state)
{
	caps_skylake_x();
	baseline_controls_and_host();
	set(VMCS_GUEST_CR0, CR0_NE | CR0_ET | CR0_PE);
	set(VMCS_GUEST_CR4, CR4_VMXE);
	set(VMCS_GUEST_IA32_EFER, 0);
	guest_segs(AR_CODE32);
	return 0;
}

/* Real mode under unrestricted guest: CR0.PE = 0, 64K segments, CS may
 * be a read/write data segment (type 3). */
void make_real_mode(void)
{
	static const enum vmcs_field ar[] = {
		VMCS_GUEST_ES_AR, VMCS_GUEST_CS_AR, VMCS_GUEST_SS_AR,
		VMCS_GUEST_DS_AR, VMCS_GUEST_FS_AR, VMCS_GUEST_GS_AR,
	};

	set(VMCS_GUEST_CR0, CR0_NE | CR0_ET);
	for (size_t i = 0; i < ARRAY_SIZE(ar); i++) {
		set(ar[i], AR_REAL);
		set(ar[i] - VMCS_GUEST_ES_AR + VMCS_GUEST_ES_LIMIT, 0xFFFF);
		set(ar[i] - VMCS_GUEST_ES_AR + VMCS_GUEST_ES_SEL, 0);
	}
	set(VMCS_GUEST_CS_SEL, 0xF000);
	set(VMCS_GUEST_CS_BASE, 0xF0000);
	set(VMCS_GUEST_RIP, 0xFFF0);
}

void make_ldtr_usable(void)
{
	set(VMCS_GUEST_LDTR_SEL, 0x20);
	set(VMCS_GUEST_LDTR_LIMIT, 0xFFFF);
	set(VMCS_GUEST_LDTR_AR, AR_LDT);
}

void make_ring3(void)
{
	set_bits(VMCS_GUEST_CS_AR, AR_DPL3);
	set_bits(VMCS_GUEST_SS_AR, AR_DPL3);
}

/* ------------------------------------------------------------ assertions */

static bool quiet;                      /* set while expect_every_rule_hit runs */
static bool seen[VCHK_R_COUNT];         /* ids named by expect_rule() */

void vchk_format_failure(char *buf, size_t n, const struct vmx_check_failure *f)
{
	snprintf(buf, n, "%s: [%d] %s [SDM 3C \"%s\"] field 0x%04x = 0x%llx (%s)",
		 vmx_check_area_name(f->area), (int)f->id,
		 f->rule ? f->rule : "?", f->section ? f->section : "?",
		 (unsigned)f->field, (unsigned long long)f->value, f->detail);
}

void expect_pass(void)
{
	int rc = vmx_check_vmcs(&caps, &vchk_reader, &vchk_failure);
	if (rc) {
		char line[512];
		vchk_format_failure(line, sizeof(line), &vchk_failure);
		print_error("unexpected failure: %s\n", line);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(vchk_failure.id, VCHK_R_NONE);
}

void expect_rule(enum vmx_check_rule id, enum vmcs_field field)
{
	const struct vmx_check_rule_info *want = vmx_check_rule_info(id);
	int rc = vmx_check_vmcs(&caps, &vchk_reader, &vchk_failure);
	char line[512];

	assert_non_null(want);
	if (rc == 0)
		print_error("passed; expected rule [%d] %s\n", (int)id, want->name);
	assert_int_equal(rc, -EINVAL);
	vchk_format_failure(line, sizeof(line), &vchk_failure);
	if (!quiet)
		print_message("    %s\n", line);
	if (vchk_failure.id != id)
		print_error("expected rule [%d] %s\n", (int)id, want->name);
	assert_int_equal(vchk_failure.id, id);
	assert_int_equal(vchk_failure.field, field);
	/* The failure carries the rule's row. */
	assert_int_equal(vchk_failure.area, want->area);
	assert_string_equal(vchk_failure.rule, want->name);
	assert_string_equal(vchk_failure.section, want->section);
	seen[id] = true;
}

void expect_every_rule_hit(enum vmx_check_area area,
			   const struct CMUnitTest *cases, size_t n,
			   CMUnitTestFunction self)
{
	unsigned missing = 0, rules = 0;

	memset(seen, 0, sizeof(seen));
	quiet = true;
	for (size_t i = 0; i < n; i++) {
		void *state = NULL;

		if (cases[i].test_func == self)
			continue;
		if (cases[i].setup_func)
			assert_int_equal(cases[i].setup_func(&state), 0);
		cases[i].test_func(&state);
		if (cases[i].teardown_func)
			assert_int_equal(cases[i].teardown_func(&state), 0);
	}
	quiet = false;
	for (int id = VCHK_R_NONE + 1; id < VCHK_R_COUNT; id++) {
		const struct vmx_check_rule_info *r = vmx_check_rule_info(id);
		if (r->area != area)
			continue;
		rules++;
		if (!seen[id]) {
			print_error("rule [%d] has no case: %s\n", id, r->name);
			missing++;
		}
	}
	print_message("    %u %s rules, %u without a case\n", rules,
		      vmx_check_area_name(area), missing);
	assert_true(rules > 0);
	assert_int_equal(missing, 0);
}
