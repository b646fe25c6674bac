/*
 * The MSR table and its rules (hv/vcpu/msr.h). docs/virtual-cpu.md lists
 * the same rows (tests/unit/test_vcpu_doc.c compares them). SDM revision
 * 084; each rule names its section.
 */
#include "hv/vcpu/msr.h"

#define F(x)  VCPU_FEAT(x)

static const struct vcpu_msr_desc table[] = {
	{ MSR_IA32_TSC, MSR_IA32_TSC, "IA32_TIME_STAMP_COUNTER",
	  VCPU_MSR_TSC, F(TSC) },
	{ MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID, "IA32_PLATFORM_ID",
	  VCPU_MSR_CONST, 0 },
	{ MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE, "IA32_APIC_BASE",
	  VCPU_MSR_VIRT, F(APIC) },
	{ MSR_IA32_FEATURE_CONTROL, MSR_IA32_FEATURE_CONTROL,
	  "IA32_FEATURE_CONTROL", VCPU_MSR_CONST, 0 },
	{ MSR_IA32_TSC_ADJUST, MSR_IA32_TSC_ADJUST, "IA32_TSC_ADJUST",
	  VCPU_MSR_TSC, F(TSC_ADJUST) },
	{ MSR_IA32_SPEC_CTRL, MSR_IA32_SPEC_CTRL, "IA32_SPEC_CTRL",
	  VCPU_MSR_SWITCH, F(IBRS) | F(STIBP) | F(SSBD) },
	{ MSR_IA32_PRED_CMD, MSR_IA32_PRED_CMD, "IA32_PRED_CMD",
	  VCPU_MSR_COMMAND, F(IBRS) },
	{ MSR_IA32_BIOS_SIGN_ID, MSR_IA32_BIOS_SIGN_ID, "IA32_BIOS_SIGN_ID",
	  VCPU_MSR_CONST, 0 },
	{ MSR_IA32_MTRRCAP, MSR_IA32_MTRRCAP, "IA32_MTRRCAP",
	  VCPU_MSR_CONST, F(MTRR) },
	{ MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_ARCH_CAPABILITIES,
	  "IA32_ARCH_CAPABILITIES", VCPU_MSR_CONST, F(ARCH_CAP) },
	{ MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_EIP,
	  "IA32_SYSENTER_CS/ESP/EIP", VCPU_MSR_VMCS, F(SEP) },
	{ MSR_IA32_MCG_CAP, MSR_IA32_MCG_CAP, "IA32_MCG_CAP",
	  VCPU_MSR_CONST, F(MCA) },
	{ MSR_IA32_MCG_STATUS, MSR_IA32_MCG_STATUS, "IA32_MCG_STATUS",
	  VCPU_MSR_VIRT, F(MCA) },
	{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, "IA32_MISC_ENABLE",
	  VCPU_MSR_CONST, 0 },
	{ MSR_IA32_DEBUGCTL, MSR_IA32_DEBUGCTL, "IA32_DEBUGCTL",
	  VCPU_MSR_VMCS, 0 },
	{ MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSBASE0 + 2 * VCPU_MTRR_VAR - 1,
	  "IA32_MTRR_PHYSBASE0-PHYSMASK7", VCPU_MSR_VIRT, F(MTRR) },
	{ MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX64K_00000,
	  "IA32_MTRR_FIX64K_00000", VCPU_MSR_VIRT, F(MTRR) },
	{ MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000,
	  "IA32_MTRR_FIX16K_80000-A0000", VCPU_MSR_VIRT, F(MTRR) },
	{ MSR_IA32_MTRR_FIX4K_C0000, MSR_IA32_MTRR_FIX4K_C0000 + 7,
	  "IA32_MTRR_FIX4K_C0000-F8000", VCPU_MSR_VIRT, F(MTRR) },
	{ MSR_IA32_PAT, MSR_IA32_PAT, "IA32_PAT", VCPU_MSR_VMCS, F(PAT) },
	{ MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, "IA32_MTRR_DEF_TYPE",
	  VCPU_MSR_VIRT, F(MTRR) },
	{ MSR_IA32_PERF_CAPABILITIES, MSR_IA32_PERF_CAPABILITIES,
	  "IA32_PERF_CAPABILITIES", VCPU_MSR_CONST, F(PDCM) },
	{ MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_DEADLINE, "IA32_TSC_DEADLINE",
	  VCPU_MSR_VIRT, F(TSC_DEADLINE) },
	{ MSR_IA32_XSS, MSR_IA32_XSS, "IA32_XSS", VCPU_MSR_VIRT, F(XSAVES) },
	{ MSR_IA32_EFER, MSR_IA32_EFER, "IA32_EFER", VCPU_MSR_VMCS,
	  F(SYSCALL) | F(NX) | F(LM) },
	{ MSR_STAR, MSR_STAR, "IA32_STAR", VCPU_MSR_SWITCH, F(SYSCALL) },
	{ MSR_LSTAR, MSR_LSTAR, "IA32_LSTAR", VCPU_MSR_SWITCH, F(LM) },
	{ MSR_CSTAR, MSR_CSTAR, "IA32_CSTAR", VCPU_MSR_SWITCH, F(LM) },
	{ MSR_FMASK, MSR_FMASK, "IA32_FMASK", VCPU_MSR_SWITCH, F(SYSCALL) },
	{ MSR_FS_BASE, MSR_FS_BASE, "IA32_FS_BASE", VCPU_MSR_PASS, F(LM) },
	{ MSR_GS_BASE, MSR_GS_BASE, "IA32_GS_BASE", VCPU_MSR_PASS, F(LM) },
	{ MSR_KERNEL_GS_BASE, MSR_KERNEL_GS_BASE, "IA32_KERNEL_GS_BASE",
	  VCPU_MSR_SWITCH, F(LM) },
	{ MSR_TSC_AUX, MSR_TSC_AUX, "IA32_TSC_AUX", VCPU_MSR_SWITCH,
	  F(RDTSCP) | F(RDPID) },
};

const struct vcpu_msr_desc *vcpu_msr_table(size_t *n)
{
	*n = ARRAY_SIZE(table);
	return table;
}

const struct vcpu_msr_desc *vcpu_msr_find(uint32_t msr)
{
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (msr >= table[i].first && msr <= table[i].last)
			return &table[i];
	return NULL;
}

bool vcpu_msr_present(const struct vcpu_msr_desc *d,
		      const struct vcpu_features *f)
{
	return !d->needs || (f->has & d->needs);
}

const char *vcpu_msr_name(uint32_t msr)
{
	const struct vcpu_msr_desc *d = vcpu_msr_find(msr);

	return d ? d->name : "unknown";
}

const char *vcpu_msr_policy_name(enum vcpu_msr_policy p)
{
	static const char *const n[] = {
		[VCPU_MSR_PASS] = "pass", [VCPU_MSR_VMCS] = "vmcs",
		[VCPU_MSR_SWITCH] = "switched", [VCPU_MSR_VIRT] = "virtual",
		[VCPU_MSR_CONST] = "const", [VCPU_MSR_TSC] = "tsc",
		[VCPU_MSR_COMMAND] = "command" };

	return (unsigned)p < ARRAY_SIZE(n) ? n[p] : "?";
}

void vcpu_msr_reset(struct vcpu_msr *m, const struct vcpu_features *f)
{
	*m = (struct vcpu_msr){ .pat = VCPU_PAT_RESET };
	if (vcpu_has(f, VCPU_F_APIC))
		m->apic_base = VCPU_APIC_BASE_RESET;
}

/* ------------------------------------------------------------ checks */

/* Memory types an MTRR may hold: UC, WC, WT, WP, WB (SDM Vol. 3A "Memory
 * Types and Their Properties"; IA32_MTRRCAP.WC = 1). */
static bool mtrr_type_ok(uint64_t t)
{
	return t == 0 || t == 1 || t == 4 || t == 5 || t == 6;
}

/* Each of the 8 bytes a valid memory type: PAT adds UC- (7) to the MTRR
 * types (SDM Vol. 3A "Programming the PAT"). */
static bool types_ok(uint64_t v, bool pat)
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t t = (v >> (8 * i)) & 0xFF;
		if (!mtrr_type_ok(t) && !(pat && t == 7))
			return false;
	}
	return true;
}

/* Slot of a fixed-range MTRR in struct vcpu_msr.mtrr_fixed, or -1. */
static int mtrr_fixed_index(uint32_t msr)
{
	if (msr == MSR_IA32_MTRR_FIX64K_00000)
		return 0;
	if (msr == MSR_IA32_MTRR_FIX16K_80000 ||
	    msr == MSR_IA32_MTRR_FIX16K_A0000)
		return 1 + (int)(msr - MSR_IA32_MTRR_FIX16K_80000);
	if (msr >= MSR_IA32_MTRR_FIX4K_C0000 &&
	    msr <= MSR_IA32_MTRR_FIX4K_C0000 + 7)
		return 3 + (int)(msr - MSR_IA32_MTRR_FIX4K_C0000);
	return -1;
}

static bool mtrr_var(uint32_t msr)
{
	return msr >= MSR_IA32_MTRR_PHYSBASE0 &&
	       msr < MSR_IA32_MTRR_PHYSBASE0 + 2 * VCPU_MTRR_VAR;
}

/* IA32_APIC_BASE (SDM Vol. 3A "Local APIC Status and Location", "x2APIC
 * State Transitions"): bits 7:0, 9 and MAXPHYADDR..63 reserved, EXTD
 * (bit 10) too without x2APIC; EXTD without EN is invalid; x2APIC mode
 * can be left only to "disabled" and entered only from xAPIC mode. */
#define APIC_EN   BIT(11)
#define APIC_EXTD BIT(10)
static const char *apic_base_bad(const struct vcpu_features *f,
				 uint64_t old, uint64_t val)
{
	uint64_t rsvd = GENMASK(7, 0) | BIT(9) | vcpu_pa_rsvd(f);
	uint64_t mode = val & (APIC_EN | APIC_EXTD), was = old & (APIC_EN |
							       APIC_EXTD);

	if (!vcpu_has(f, VCPU_F_X2APIC))
		rsvd |= APIC_EXTD;
	if (val & rsvd)
		return "IA32_APIC_BASE: reserved bit set (7:0, 9, EXTD "
		       "without x2APIC, or at or above MAXPHYADDR)";
	if (mode == APIC_EXTD)
		return "IA32_APIC_BASE: EXTD without EN is invalid";
	if (was == (APIC_EN | APIC_EXTD) && mode == APIC_EN)
		return "IA32_APIC_BASE: x2APIC to xAPIC mode directly";
	if (was == 0 && mode == (APIC_EN | APIC_EXTD))
		return "IA32_APIC_BASE: disabled to x2APIC mode directly";
	return NULL;
}

/* IA32_EFER (SDM Vol. 4 "IA32_EFER", Vol. 3A "Paging-Mode Enabling"):
 * SCE, LME, NXE writable with their features, LMA read-only; LME may not
 * change while CR0.PG = 1. */
static const char *efer_bad(const struct vcpu_features *f, uint64_t cr0,
			    uint64_t old, uint64_t val)
{
	uint64_t ok = EFER_LMA;

	if (vcpu_has(f, VCPU_F_SYSCALL))
		ok |= EFER_SCE;
	if (vcpu_has(f, VCPU_F_LM))
		ok |= EFER_LME;
	if (vcpu_has(f, VCPU_F_NX))
		ok |= EFER_NXE;
	if (val & ~ok)
		return "IA32_EFER: reserved bit set (or SCE/LME/NXE without "
		       "their feature)";
	if ((cr0 & CR0_PG) && ((old ^ val) & EFER_LME))
		return "IA32_EFER.LME changed while CR0.PG = 1";
	return NULL;
}

static struct vcpu_msr_verdict v_gp(const struct vcpu_msr_desc *d,
				    const char *reason)
{
	return (struct vcpu_msr_verdict){ .action = VCPU_MSR_GP,
					  .reason = reason, .desc = d };
}

static struct vcpu_msr_verdict v_ok(const struct vcpu_msr_desc *d,
				    enum vcpu_msr_action a, uint64_t val)
{
	return (struct vcpu_msr_verdict){ .action = a, .value = val,
					  .desc = d };
}

/* The row of msr if it exists for f; else a #GP verdict in *gp. */
static const struct vcpu_msr_desc *lookup(const struct vcpu_features *f,
					  uint32_t msr,
					  struct vcpu_msr_verdict *gp)
{
	const struct vcpu_msr_desc *d = vcpu_msr_find(msr);

	if (!d)
		*gp = v_gp(NULL, "not in the MSR table");
	else if (!vcpu_msr_present(d, f))
		*gp = v_gp(d, "its feature is hidden from the guest's CPUID");
	else if (d->policy == VCPU_MSR_PASS)
		*gp = v_gp(d, "a pass-through MSR exited (MSR bitmap?)");
	else
		return d;
	return NULL;
}

/* The slot of a switched MSR in struct vcpu_msr.sw. */
static enum vcpu_msr_sw sw_index(uint32_t msr)
{
	switch (msr) {
	case MSR_IA32_SPEC_CTRL:  return VCPU_SW_SPEC_CTRL;
	case MSR_STAR:            return VCPU_SW_STAR;
	case MSR_LSTAR:           return VCPU_SW_LSTAR;
	case MSR_CSTAR:           return VCPU_SW_CSTAR;
	case MSR_FMASK:           return VCPU_SW_FMASK;
	case MSR_KERNEL_GS_BASE:  return VCPU_SW_KERNEL_GS_BASE;
	default:                  return VCPU_SW_TSC_AUX;
	}
}

/* ------------------------------------------------------------- read */

struct vcpu_msr_verdict vcpu_msr_read(const struct vcpu_msr *m,
				      const struct vcpu_features *f,
				      const struct vcpu_msr_ctx *c,
				      uint32_t msr)
{
	struct vcpu_msr_verdict gp;
	const struct vcpu_msr_desc *d = lookup(f, msr, &gp);
	uint64_t v;

	if (!d)
		return gp;
	if (d->policy == VCPU_MSR_SWITCH)
		return v_ok(d, VCPU_MSR_DONE, m->sw[sw_index(msr)]);
	switch (msr) {
	case MSR_IA32_TSC:          v = c->tsc + m->tsc_offset; break;
	case MSR_IA32_PLATFORM_ID:  v = VCPU_PLATFORM_ID; break;
	case MSR_IA32_APIC_BASE:    v = m->apic_base; break;
	case MSR_IA32_FEATURE_CONTROL: v = VCPU_FEATURE_CONTROL; break;
	case MSR_IA32_TSC_ADJUST:   v = m->tsc_adjust; break;
	case MSR_IA32_PRED_CMD:
		return v_gp(d, "IA32_PRED_CMD is write-only");
	case MSR_IA32_BIOS_SIGN_ID: v = (uint64_t)f->ucode_rev << 32; break;
	case MSR_IA32_MTRRCAP:      /* VCNT, FIX (8), WC (10); no SMRR */
		v = VCPU_MTRR_VAR | BIT(8) | BIT(10);
		break;
	case MSR_IA32_ARCH_CAPABILITIES: v = f->arch_capabilities; break;
	case MSR_IA32_SYSENTER_CS:  v = m->sysenter_cs; break;
	case MSR_IA32_SYSENTER_ESP: v = m->sysenter_esp; break;
	case MSR_IA32_SYSENTER_EIP: v = m->sysenter_eip; break;
	case MSR_IA32_MCG_CAP:      v = 0; break;   /* no banks, no MCG_CTL */
	case MSR_IA32_MCG_STATUS:   v = m->mcg_status; break;
	case MSR_IA32_MISC_ENABLE:  v = VCPU_MISC_ENABLE; break;
	case MSR_IA32_DEBUGCTL:     v = m->debugctl; break;
	case MSR_IA32_PAT:          v = m->pat; break;
	case MSR_IA32_MTRR_DEF_TYPE: v = m->mtrr_def_type; break;
	case MSR_IA32_PERF_CAPABILITIES: v = 0; break;
	case MSR_IA32_TSC_DEADLINE: v = m->tsc_deadline; break;
	case MSR_IA32_XSS:          v = m->xss; break;
	case MSR_IA32_EFER:         v = c->efer; break;
	default:
		if (mtrr_var(msr))
			v = m->mtrr_var[msr - MSR_IA32_MTRR_PHYSBASE0];
		else if (mtrr_fixed_index(msr) >= 0)
			v = m->mtrr_fixed[mtrr_fixed_index(msr)];
		else    /* a table row without a rule: never leave it open */
			return v_gp(d, "no read rule for this MSR");
	}
	return v_ok(d, VCPU_MSR_DONE, v);
}

/* ------------------------------------------------------------ write */

static struct vcpu_msr_verdict write_switched(struct vcpu_msr *m,
					      const struct vcpu_features *f,
					      const struct vcpu_msr_desc *d,
					      uint32_t msr, uint64_t val)
{
	uint64_t ok;

	switch (msr) {
	case MSR_IA32_SPEC_CTRL:   /* SDM Vol. 4 "IA32_SPEC_CTRL" */
		ok = (vcpu_has(f, VCPU_F_IBRS) ? BIT(0) : 0) |
		     (vcpu_has(f, VCPU_F_STIBP) ? BIT(1) : 0) |
		     (vcpu_has(f, VCPU_F_SSBD) ? BIT(2) : 0);
		if (val & ~ok)
			return v_gp(d, "IA32_SPEC_CTRL: a bit the guest's "
				    "CPUID does not offer");
		break;
	case MSR_LSTAR:
	case MSR_CSTAR:    /* not in the WRMSR list, but KVM checks it too */
	case MSR_KERNEL_GS_BASE:   /* SDM Vol. 2B "WRMSR" */
		if (!vcpu_canonical(val, f->la_width))
			return v_gp(d, "non-canonical address");
		break;
	case MSR_FMASK:            /* SDM Vol. 4 "IA32_FMASK": 63:32 rsvd */
	case MSR_TSC_AUX:          /* SDM Vol. 4 "IA32_TSC_AUX": 63:32 rsvd */
		if (val >> 32)
			return v_gp(d, "bits 63:32 are reserved");
		break;
	}
	m->sw[sw_index(msr)] = val;
	return v_ok(d, VCPU_MSR_SET_SWITCHED, val);
}

static struct vcpu_msr_verdict write_mtrr(struct vcpu_msr *m,
					  const struct vcpu_features *f,
					  const struct vcpu_msr_desc *d,
					  uint32_t msr, uint64_t val)
{
	/* SDM Vol. 3A "Memory Type Range Registers (MTRRs)". */
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		if (val & ~(GENMASK(7, 0) | BIT(10) | BIT(11)))
			return v_gp(d, "IA32_MTRR_DEF_TYPE: reserved bit set");
		if (!mtrr_type_ok(val & 0xFF))
			return v_gp(d, "IA32_MTRR_DEF_TYPE: invalid memory "
				    "type");
		m->mtrr_def_type = val;
	} else if (mtrr_var(msr)) {
		bool mask = msr & 1;
		uint64_t rsvd = vcpu_pa_rsvd(f) |
				(mask ? GENMASK(10, 0) : GENMASK(11, 8));

		if (val & rsvd)
			return v_gp(d, mask ? "IA32_MTRR_PHYSMASK: reserved "
					      "bit set (10:0 or MAXPHYADDR..)"
					    : "IA32_MTRR_PHYSBASE: reserved "
					      "bit set (11:8 or MAXPHYADDR..)");
		if (!mask && !mtrr_type_ok(val & 0xFF))
			return v_gp(d, "IA32_MTRR_PHYSBASE: invalid memory "
				    "type");
		m->mtrr_var[msr - MSR_IA32_MTRR_PHYSBASE0] = val;
	} else if (mtrr_fixed_index(msr) >= 0) {
		if (!types_ok(val, false))
			return v_gp(d, "fixed-range MTRR: invalid memory type");
		m->mtrr_fixed[mtrr_fixed_index(msr)] = val;
	} else {    /* a table row without a rule: never leave it open */
		return v_gp(d, "no write rule for this MSR");
	}
	return v_ok(d, VCPU_MSR_DONE, val);
}

static struct vcpu_msr_verdict write_tsc(struct vcpu_msr *m,
					 const struct vcpu_msr_desc *d,
					 const struct vcpu_msr_ctx *c,
					 uint32_t msr, uint64_t val)
{
	/* SDM Vol. 3B "Time-Stamp Counter Adjustment": a WRMSR that moves
	 * the TSC by X moves IA32_TSC_ADJUST by X, and the reverse. */
	if (msr == MSR_IA32_TSC) {
		uint64_t delta = val - (c->tsc + m->tsc_offset);
		m->tsc_offset += delta;
		m->tsc_adjust += delta;
	} else {
		uint64_t delta = val - m->tsc_adjust;
		m->tsc_adjust = val;
		m->tsc_offset += delta;
	}
	return v_ok(d, VCPU_MSR_SET_TSC_OFFSET, m->tsc_offset);
}

struct vcpu_msr_verdict vcpu_msr_write(struct vcpu_msr *m,
				       const struct vcpu_features *f,
				       const struct vcpu_msr_ctx *c,
				       uint32_t msr, uint64_t val)
{
	struct vcpu_msr_verdict gp;
	const struct vcpu_msr_desc *d = lookup(f, msr, &gp);
	const char *bad;

	if (!d)
		return gp;
	switch (d->policy) {
	case VCPU_MSR_SWITCH:
		return write_switched(m, f, d, msr, val);
	case VCPU_MSR_TSC:
		return write_tsc(m, d, c, msr, val);
	default:
		break;
	}
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		if ((bad = apic_base_bad(f, m->apic_base, val)))
			return v_gp(d, bad);
		m->apic_base = val;
		return v_ok(d, VCPU_MSR_SET_APIC_BASE, val);
	case MSR_IA32_FEATURE_CONTROL:
		return v_gp(d, "IA32_FEATURE_CONTROL is locked");
	case MSR_IA32_PRED_CMD:    /* SDM Vol. 4 "IA32_PRED_CMD" */
		if (val & ~BIT(0))
			return v_gp(d, "IA32_PRED_CMD: only IBPB (bit 0) "
				    "exists");
		return v_ok(d, val ? VCPU_MSR_IBPB : VCPU_MSR_DONE, val);
	case MSR_IA32_BIOS_SIGN_ID:
		/* Writing 0 before CPUID(1) is how software reads the
		 * revision (SDM Vol. 3A "Microcode Update Signature"). */
		return v_ok(d, VCPU_MSR_DONE, val);
	case MSR_IA32_MISC_ENABLE:
		if (val != VCPU_MISC_ENABLE)
			return v_gp(d, "IA32_MISC_ENABLE is read-only in "
				    "eptlab");
		return v_ok(d, VCPU_MSR_DONE, val);
	case MSR_IA32_SYSENTER_CS: /* a 32-bit VMCS field */
		m->sysenter_cs = (uint32_t)val;
		return v_ok(d, VCPU_MSR_SET_SYSENTER_CS, m->sysenter_cs);
	case MSR_IA32_SYSENTER_ESP:
	case MSR_IA32_SYSENTER_EIP:   /* SDM Vol. 2B "WRMSR" */
		if (!vcpu_canonical(val, f->la_width))
			return v_gp(d, "non-canonical address");
		if (msr == MSR_IA32_SYSENTER_ESP) {
			m->sysenter_esp = val;
			return v_ok(d, VCPU_MSR_SET_SYSENTER_ESP, val);
		}
		m->sysenter_eip = val;
		return v_ok(d, VCPU_MSR_SET_SYSENTER_EIP, val);
	case MSR_IA32_MCG_STATUS:  /* SDM Vol. 3B "IA32_MCG_STATUS MSR" */
		if (val & ~GENMASK(2, 0))
			return v_gp(d, "IA32_MCG_STATUS: bits 63:3 are "
				    "reserved (no LMCE)");
		m->mcg_status = val;
		return v_ok(d, VCPU_MSR_DONE, val);
	case MSR_IA32_DEBUGCTL:
		/* Only BTF: LBR, BTS and the PMU freeze bits belong to
		 * hidden features (SDM Vol. 3B "IA32_DEBUGCTL MSR"). */
		if (val & ~BIT(1))
			return v_gp(d, "IA32_DEBUGCTL: only BTF (bit 1) is "
				    "offered");
		m->debugctl = val;
		return v_ok(d, VCPU_MSR_SET_DEBUGCTL, val);
	case MSR_IA32_PAT:
		if (!types_ok(val, true))
			return v_gp(d, "IA32_PAT: an entry is not 0, 1, 4, 5, "
				    "6 or 7");
		m->pat = val;
		return v_ok(d, VCPU_MSR_SET_PAT, val);
	case MSR_IA32_TSC_DEADLINE:
		m->tsc_deadline = val;
		return v_ok(d, VCPU_MSR_SET_DEADLINE, val);
	case MSR_IA32_XSS:
		/* No supervisor state component is offered (CPUID.(0DH,1)
		 * ECX:EDX = 0). */
		if (val)
			return v_gp(d, "IA32_XSS: no supervisor state is "
				    "offered");
		m->xss = 0;
		return v_ok(d, VCPU_MSR_DONE, 0);
	case MSR_IA32_EFER:
		if ((bad = efer_bad(f, c->cr0, c->efer, val)))
			return v_gp(d, bad);
		return v_ok(d, VCPU_MSR_SET_EFER,
			    (val & ~EFER_LMA) | (c->efer & EFER_LMA));
	}
	if (d->policy == VCPU_MSR_CONST)
		return v_gp(d, "read-only MSR");
	return write_mtrr(m, f, d, msr, val);
}
