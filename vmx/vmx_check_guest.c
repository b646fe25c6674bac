/*
 * VM-entry checker: checks on the guest-state area.
 * SDM revision 084, Vol. 3C "Checks on the Guest State Area".
 */
#include <stdarg.h>

#include "include/types.h"
#include "include/err.h"

#include "include/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"
#include "vmx/vmx_check_int.h"

/* ------------------------------------------------------------------ */
/* Guest state                                                         */

/* SDM 3C "Checks on Guest Control Registers, Debug Registers, and MSRs" */
int vchk_guest_cr_msr(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr0 = c->guest_cr0, cr4 = c->guest_cr4, v;
	uint64_t fixed0 = k->cr0_fixed0;
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;

	if (c->proc2 & PROC2_UNRESTRICTED_GUEST)
		fixed0 &= ~(CR0_PE | CR0_PG);
	if ((cr0 & fixed0) != fixed0 || (cr0 & ~k->cr0_fixed1))
		return vchk_fail(c, VCHK_R_GUEST_CR0_FIXED, VMCS_GUEST_CR0, cr0,
				 "FIXED0 0x%lx FIXED1 0x%lx proc2 0x%x",
				 k->cr0_fixed0, k->cr0_fixed1, c->proc2);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return vchk_fail(c, VCHK_R_GUEST_CR0_PG_PE, VMCS_GUEST_CR0, cr0,
				 "PG without PE");
	if ((cr4 & k->cr4_fixed0) != k->cr4_fixed0 || (cr4 & ~k->cr4_fixed1))
		return vchk_fail(c, VCHK_R_GUEST_CR4_FIXED, VMCS_GUEST_CR4, cr4,
				 "FIXED0 0x%lx FIXED1 0x%lx", k->cr4_fixed0,
				 k->cr4_fixed1);
	if (c->entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		v = vchk_rd(c, VMCS_GUEST_IA32_DEBUGCTL);
		if (v & VCHK_DEBUGCTL_RSVD)
			return vchk_fail(c, VCHK_R_GUEST_DEBUGCTL,
					 VMCS_GUEST_IA32_DEBUGCTL, v,
					 "load debug controls = 1");
	}
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return vchk_fail(c, VCHK_R_GUEST_IA32E_PG_PAE,
				 !(cr0 & CR0_PG) ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4,
				 !(cr0 & CR0_PG) ? cr0 : cr4,
				 "CR0 0x%lx CR4 0x%lx", cr0, cr4);
	if (!ia32e && (cr4 & CR4_PCIDE))
		return vchk_fail(c, VCHK_R_GUEST_PCIDE, VMCS_GUEST_CR4, cr4,
				 "entry controls 0x%x", c->entry);
	v = vchk_rd(c, VMCS_GUEST_CR3);
	if (!vchk_pa_ok(c, v))
		return vchk_fail(c, VCHK_R_GUEST_CR3, VMCS_GUEST_CR3, v,
				 "MAXPHYADDR %u", c->pa_bits);
	if (c->entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		v = vchk_rd(c, VMCS_GUEST_DR7);
		if (v & GENMASK(63, 32))
			return vchk_fail(c, VCHK_R_GUEST_DR7, VMCS_GUEST_DR7, v,
					 "load debug controls = 1");
	}
	v = vchk_rd(c, VMCS_GUEST_SYSENTER_ESP);
	if (!vchk_canonical(c, v))
		return vchk_fail(c, VCHK_R_GUEST_SYSENTER_ESP,
				 VMCS_GUEST_SYSENTER_ESP, v,
				 "48-bit linear addresses");
	v = vchk_rd(c, VMCS_GUEST_SYSENTER_EIP);
	if (!vchk_canonical(c, v))
		return vchk_fail(c, VCHK_R_GUEST_SYSENTER_EIP,
				 VMCS_GUEST_SYSENTER_EIP, v,
				 "48-bit linear addresses");
	if (c->entry & ENTRY_LOAD_IA32_PAT) {
		v = vchk_rd(c, VMCS_GUEST_IA32_PAT);
		if (!vchk_pat_ok(v))
			return vchk_fail(c, VCHK_R_GUEST_PAT,
					 VMCS_GUEST_IA32_PAT, v,
					 "load IA32_PAT on entry = 1");
	}
	if (c->entry & ENTRY_LOAD_IA32_EFER) {
		v = vchk_rd(c, VMCS_GUEST_IA32_EFER);
		if (v & VCHK_EFER_RSVD)
			return vchk_fail(c, VCHK_R_GUEST_EFER_RESERVED,
					 VMCS_GUEST_IA32_EFER, v,
					 "reserved 0x%lx",
					 (uint64_t)(v & VCHK_EFER_RSVD));
		if (!!(v & EFER_LMA) != ia32e)
			return vchk_fail(c, VCHK_R_GUEST_EFER_LMA_IA32E,
					 VMCS_GUEST_IA32_EFER, v,
					 "entry controls 0x%x", c->entry);
		if ((cr0 & CR0_PG) && !!(v & EFER_LMA) != !!(v & EFER_LME))
			return vchk_fail(c, VCHK_R_GUEST_EFER_LMA_LME,
					 VMCS_GUEST_IA32_EFER, v, "CR0 0x%lx",
					 cr0);
	}
	if (c->entry & ENTRY_LOAD_BNDCFGS) {
		v = vchk_rd(c, VMCS_GUEST_IA32_BNDCFGS);
		if ((v & VCHK_BNDCFGS_RSVD) || !vchk_canonical(c, v & GENMASK(63, 12)))
			return vchk_fail(c, VCHK_R_GUEST_BNDCFGS,
					 VMCS_GUEST_IA32_BNDCFGS, v,
					 "load IA32_BNDCFGS = 1");
	}
	return 0;
}

void vchk_load_segs(struct vchk *c)
{
	static const char *const names[VCHK_NSEG] = {
		"ES", "CS", "SS", "DS", "FS", "GS", "LDTR", "TR"
	};

	for (unsigned i = 0; i < VCHK_NSEG; i++) {
		struct vchk_seg *s = &c->seg[i];
		s->name = names[i];
		s->sel_f = (enum vmcs_field)(VMCS_GUEST_ES_SEL + 2 * i);
		s->limit_f = (enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i);
		s->ar_f = (enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i);
		s->base_f = (enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i);
		s->sel = (uint16_t)vchk_rd(c, s->sel_f);
		s->limit = (uint32_t)vchk_rd(c, s->limit_f);
		s->ar = (uint32_t)vchk_rd(c, s->ar_f);
		s->base = vchk_rd(c, s->base_f);
	}
}
_Static_assert(VMCS_GUEST_TR_SEL == VMCS_GUEST_ES_SEL + 2 * VCHK_TR &&
	       VMCS_GUEST_TR_LIMIT == VMCS_GUEST_ES_LIMIT + 2 * VCHK_TR &&
	       VMCS_GUEST_TR_AR == VMCS_GUEST_ES_AR + 2 * VCHK_TR &&
	       VMCS_GUEST_TR_BASE == VMCS_GUEST_ES_BASE + 2 * VCHK_TR,
	       "guest segment fields are laid out ES..TR, stride 2");

static bool vchk_usable(const struct vchk_seg *s)
{
	return !(s->ar & VCHK_AR_UNUSABLE);
}

/* CS, then SS, DS, ES, FS, GS: the registers the code/data access-rights
 * rules cover. CS is always checked, the others only when usable. */
static const enum vchk_seg_id vchk_code_data[] = {
	VCHK_CS, VCHK_SS, VCHK_DS, VCHK_ES, VCHK_FS, VCHK_GS
};

static bool vchk_seg_checked(const struct vchk *c, enum vchk_seg_id id)
{
	return id == VCHK_CS || vchk_usable(&c->seg[id]);
}

/* One access-rights rule over CS and the usable SS/DS/ES/FS/GS, that
 * (ar & mask) must equal want: the first register breaking it, or NULL. */
static const struct vchk_seg *vchk_seg_ar_bad(const struct vchk *c,
					      uint32_t mask, uint32_t want)
{
	for (size_t i = 0; i < ARRAY_SIZE(vchk_code_data); i++) {
		const struct vchk_seg *s = &c->seg[vchk_code_data[i]];
		if (vchk_seg_checked(c, vchk_code_data[i]) &&
		    (s->ar & mask) != want)
			return s;
	}
	return NULL;
}

/* SDM 3C "Checks on Guest Segment Registers". The virtual-8086 rules
 * (base = selector << 4, limit 0xFFFF, AR 0xF3) are not modelled:
 * eptlab never enters a guest with RFLAGS.VM = 1. */
int vchk_guest_seg(struct vchk *c)
{
	struct vchk_seg *cs = &c->seg[VCHK_CS], *ss = &c->seg[VCHK_SS];
	struct vchk_seg *tr = &c->seg[VCHK_TR], *ldtr = &c->seg[VCHK_LDTR];
	static const enum vchk_seg_id data[] = { VCHK_DS, VCHK_ES, VCHK_FS, VCHK_GS };
	bool ug = c->proc2 & PROC2_UNRESTRICTED_GUEST;
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;
	unsigned cs_type = VCHK_AR_TYPE(cs->ar);
	const struct vchk_seg *bad;

	/* Selectors */
	if (tr->sel & VCHK_SEL_TI)
		return vchk_fail(c, VCHK_R_GUEST_TR_TI, tr->sel_f, tr->sel,
				 "TR must be in the GDT");
	if (vchk_usable(ldtr) && (ldtr->sel & VCHK_SEL_TI))
		return vchk_fail(c, VCHK_R_GUEST_LDTR_TI, ldtr->sel_f,
				 ldtr->sel, "LDTR AR 0x%x", ldtr->ar);
	if (!ug && VCHK_SEL_RPL(ss->sel) != VCHK_SEL_RPL(cs->sel))
		return vchk_fail(c, VCHK_R_GUEST_SS_CS_RPL, ss->sel_f, ss->sel,
				 "CS selector 0x%x", cs->sel);

	/* Bases */
	static const enum vchk_seg_id canon[] = { VCHK_TR, VCHK_FS, VCHK_GS };
	for (size_t i = 0; i < ARRAY_SIZE(canon); i++) {
		struct vchk_seg *s = &c->seg[canon[i]];
		if (!vchk_canonical(c, s->base))
			return vchk_fail(c, VCHK_R_GUEST_TR_FS_GS_BASE,
					 s->base_f, s->base, "%s", s->name);
	}
	if (vchk_usable(ldtr) && !vchk_canonical(c, ldtr->base))
		return vchk_fail(c, VCHK_R_GUEST_LDTR_BASE, ldtr->base_f,
				 ldtr->base, "LDTR AR 0x%x", ldtr->ar);
	if (cs->base & GENMASK(63, 32))
		return vchk_fail(c, VCHK_R_GUEST_CS_BASE, cs->base_f, cs->base,
				 "CS");
	static const enum vchk_seg_id hi0[] = { VCHK_SS, VCHK_DS, VCHK_ES };
	for (size_t i = 0; i < ARRAY_SIZE(hi0); i++) {
		struct vchk_seg *s = &c->seg[hi0[i]];
		if (vchk_usable(s) && (s->base & GENMASK(63, 32)))
			return vchk_fail(c, VCHK_R_GUEST_SS_DS_ES_BASE,
					 s->base_f, s->base, "%s", s->name);
	}

	/* Access rights: types */
	if (!(cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 ||
	      (ug && cs_type == 3)))
		return vchk_fail(c, VCHK_R_GUEST_CS_TYPE, cs->ar_f, cs->ar,
				 "type %u", cs_type);
	if (vchk_usable(ss) && VCHK_AR_TYPE(ss->ar) != 3 && VCHK_AR_TYPE(ss->ar) != 7)
		return vchk_fail(c, VCHK_R_GUEST_SS_TYPE, ss->ar_f, ss->ar,
				 "type %u", VCHK_AR_TYPE(ss->ar));
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		struct vchk_seg *s = &c->seg[data[i]];
		unsigned t = VCHK_AR_TYPE(s->ar);
		if (!vchk_usable(s))
			continue;
		if (!(t & VCHK_AR_TYPE_ACCESSED) ||
		    ((t & VCHK_AR_TYPE_CODE) && !(t & VCHK_AR_TYPE_READ)))
			return vchk_fail(c, VCHK_R_GUEST_DATA_TYPE, s->ar_f,
					 s->ar, "%s type %u", s->name, t);
	}

	/* Access rights: S bit */
	if ((bad = vchk_seg_ar_bad(c, VCHK_AR_S, VCHK_AR_S)))
		return vchk_fail(c, VCHK_R_GUEST_SEG_S, bad->ar_f, bad->ar,
				 "%s selector 0x%x", bad->name, bad->sel);

	/* Access rights: DPL */
	if (cs_type == 3 && VCHK_AR_DPL(cs->ar) != 0)
		return vchk_fail(c, VCHK_R_GUEST_CS_DPL_TYPE3, cs->ar_f, cs->ar,
				 "DPL %u", VCHK_AR_DPL(cs->ar));
	if ((cs_type == 9 || cs_type == 11) &&
	    VCHK_AR_DPL(cs->ar) != VCHK_AR_DPL(ss->ar))
		return vchk_fail(c, VCHK_R_GUEST_CS_DPL_NONCONF, cs->ar_f,
				 cs->ar, "CS DPL %u SS DPL %u",
				 VCHK_AR_DPL(cs->ar), VCHK_AR_DPL(ss->ar));
	if ((cs_type == 13 || cs_type == 15) &&
	    VCHK_AR_DPL(cs->ar) > VCHK_AR_DPL(ss->ar))
		return vchk_fail(c, VCHK_R_GUEST_CS_DPL_CONF, cs->ar_f, cs->ar,
				 "CS DPL %u SS DPL %u", VCHK_AR_DPL(cs->ar),
				 VCHK_AR_DPL(ss->ar));
	if (!ug && VCHK_AR_DPL(ss->ar) != VCHK_SEL_RPL(ss->sel))
		return vchk_fail(c, VCHK_R_GUEST_SS_DPL_RPL, ss->ar_f, ss->ar,
				 "SS selector 0x%x", ss->sel);
	if ((cs_type == 3 || !(c->guest_cr0 & CR0_PE)) && VCHK_AR_DPL(ss->ar) != 0)
		return vchk_fail(c, VCHK_R_GUEST_SS_DPL_ZERO, ss->ar_f, ss->ar,
				 "CS type %u CR0 0x%lx", cs_type, c->guest_cr0);
	for (size_t i = 0; !ug && i < ARRAY_SIZE(data); i++) {
		struct vchk_seg *s = &c->seg[data[i]];
		if (vchk_usable(s) && VCHK_AR_TYPE(s->ar) <= 11 &&
		    VCHK_AR_DPL(s->ar) < VCHK_SEL_RPL(s->sel))
			return vchk_fail(c, VCHK_R_GUEST_DATA_DPL, s->ar_f,
					 s->ar, "%s selector 0x%x", s->name,
					 s->sel);
	}

	/* Access rights: P, reserved 11:8, CS.L/D, G, reserved 31:17 */
	if ((bad = vchk_seg_ar_bad(c, VCHK_AR_P, VCHK_AR_P)))
		return vchk_fail(c, VCHK_R_GUEST_SEG_P, bad->ar_f, bad->ar,
				 "%s selector 0x%x", bad->name, bad->sel);
	if ((bad = vchk_seg_ar_bad(c, VCHK_AR_RSVD_LO, 0)))
		return vchk_fail(c, VCHK_R_GUEST_SEG_AR_11_8, bad->ar_f, bad->ar,
				 "%s selector 0x%x", bad->name, bad->sel);
	if (ia32e && (cs->ar & VCHK_AR_L) && (cs->ar & VCHK_AR_DB))
		return vchk_fail(c, VCHK_R_GUEST_CS_L_DB, cs->ar_f, cs->ar,
				 "L and D/B both set");
	for (size_t i = 0; i < ARRAY_SIZE(vchk_code_data); i++) {
		const struct vchk_seg *s = &c->seg[vchk_code_data[i]];
		if (vchk_seg_checked(c, vchk_code_data[i]) &&
		    !vchk_limit_g_ok(s->limit, s->ar))
			return vchk_fail(c, VCHK_R_GUEST_SEG_G, s->ar_f, s->ar,
					 "%s limit 0x%x", s->name, s->limit);
	}
	if ((bad = vchk_seg_ar_bad(c, VCHK_AR_RSVD_HI, 0)))
		return vchk_fail(c, VCHK_R_GUEST_SEG_AR_31_17, bad->ar_f, bad->ar,
				 "%s selector 0x%x", bad->name, bad->sel);

	/* TR */
	unsigned tr_type = VCHK_AR_TYPE(tr->ar);
	if (ia32e ? tr_type != 11 : (tr_type != 3 && tr_type != 11))
		return vchk_fail(c, VCHK_R_GUEST_TR_TYPE, tr->ar_f, tr->ar,
				 "type %u, IA-32e mode guest %u", tr_type,
				 ia32e);
	if (tr->ar & VCHK_AR_S)
		return vchk_fail(c, VCHK_R_GUEST_TR_S, tr->ar_f, tr->ar,
				 "TR is a system segment");
	if (!(tr->ar & VCHK_AR_P))
		return vchk_fail(c, VCHK_R_GUEST_TR_P, tr->ar_f, tr->ar, "TR");
	if (tr->ar & VCHK_AR_RSVD_LO)
		return vchk_fail(c, VCHK_R_GUEST_TR_AR_11_8, tr->ar_f, tr->ar,
				 "TR");
	if (!vchk_limit_g_ok(tr->limit, tr->ar))
		return vchk_fail(c, VCHK_R_GUEST_TR_G, tr->ar_f, tr->ar,
				 "TR limit 0x%x", tr->limit);
	if (!vchk_usable(tr))
		return vchk_fail(c, VCHK_R_GUEST_TR_UNUSABLE, tr->ar_f, tr->ar,
				 "TR");
	if (tr->ar & VCHK_AR_RSVD_HI)
		return vchk_fail(c, VCHK_R_GUEST_TR_AR_31_17, tr->ar_f, tr->ar,
				 "TR");

	/* LDTR, if usable */
	if (!vchk_usable(ldtr))
		return 0;
	if (VCHK_AR_TYPE(ldtr->ar) != 2)
		return vchk_fail(c, VCHK_R_GUEST_LDTR_TYPE, ldtr->ar_f,
				 ldtr->ar, "type %u", VCHK_AR_TYPE(ldtr->ar));
	if (ldtr->ar & VCHK_AR_S)
		return vchk_fail(c, VCHK_R_GUEST_LDTR_S, ldtr->ar_f, ldtr->ar,
				 "LDTR is a system segment");
	if (!(ldtr->ar & VCHK_AR_P))
		return vchk_fail(c, VCHK_R_GUEST_LDTR_P, ldtr->ar_f, ldtr->ar,
				 "LDTR");
	if (ldtr->ar & VCHK_AR_RSVD_LO)
		return vchk_fail(c, VCHK_R_GUEST_LDTR_AR_11_8, ldtr->ar_f,
				 ldtr->ar, "LDTR");
	if (!vchk_limit_g_ok(ldtr->limit, ldtr->ar))
		return vchk_fail(c, VCHK_R_GUEST_LDTR_G, ldtr->ar_f, ldtr->ar,
				 "LDTR limit 0x%x", ldtr->limit);
	if (ldtr->ar & VCHK_AR_RSVD_HI)
		return vchk_fail(c, VCHK_R_GUEST_LDTR_AR_31_17, ldtr->ar_f,
				 ldtr->ar, "LDTR");
	return 0;
}

/* SDM 3C "Checks on Guest Descriptor-Table Registers" */
int vchk_guest_dt(struct vchk *c)
{
	static const struct {
		enum vmcs_field base, limit;
		const char *name;
	} dt[] = {
		{ VMCS_GUEST_GDTR_BASE, VMCS_GUEST_GDTR_LIMIT, "GDTR" },
		{ VMCS_GUEST_IDTR_BASE, VMCS_GUEST_IDTR_LIMIT, "IDTR" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(dt); i++) {
		uint64_t b = vchk_rd(c, dt[i].base);
		if (!vchk_canonical(c, b))
			return vchk_fail(c, VCHK_R_GUEST_DT_BASE, dt[i].base, b,
					 "%s", dt[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dt); i++) {
		uint64_t l = vchk_rd(c, dt[i].limit);
		if (l & GENMASK(31, 16))
			return vchk_fail(c, VCHK_R_GUEST_DT_LIMIT, dt[i].limit,
					 l, "%s", dt[i].name);
	}
	return 0;
}

/* SDM 3C "Checks on Guest RIP, RFLAGS, and SSP" (no CET: SSP skipped) */
int vchk_guest_rip_rflags(struct vchk *c)
{
	const struct vchk_seg *cs = &c->seg[VCHK_CS];
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;
	bool code64 = ia32e && (cs->ar & VCHK_AR_L);
	uint64_t rip = vchk_rd(c, VMCS_GUEST_RIP), rf = c->guest_rflags;

	if (!code64 && (rip & GENMASK(63, 32)))
		return vchk_fail(c, VCHK_R_GUEST_RIP_HIGH, VMCS_GUEST_RIP, rip,
				 "CS AR 0x%x entry 0x%x", cs->ar, c->entry);
	/* The SDM asks bits 63:N identical, N = the processor's
	 * linear-address width (48, or 57 with 5-level paging). */
	if (code64) {
		unsigned n = c->caps->la_width == 57 ? 57 : 48;
		uint64_t top = rip >> n;
		if (top != 0 && top != (~0ULL >> n))
			return vchk_fail(c, VCHK_R_GUEST_RIP_CANONICAL,
					 VMCS_GUEST_RIP, rip, "CS AR 0x%x",
					 cs->ar);
	}
	if ((rf & VCHK_RFLAGS_RSVD) || !(rf & RFLAGS_FIXED))
		return vchk_fail(c, VCHK_R_GUEST_RFLAGS_RESERVED,
				 VMCS_GUEST_RFLAGS, rf,
				 "reserved set 0x%lx, bit 1 %u",
				 (uint64_t)(rf & VCHK_RFLAGS_RSVD),
				 (unsigned)!!(rf & RFLAGS_FIXED));
	if ((rf & RFLAGS_VM) && (ia32e || !(c->guest_cr0 & CR0_PE)))
		return vchk_fail(c, VCHK_R_GUEST_RFLAGS_VM, VMCS_GUEST_RFLAGS,
				 rf, "CR0 0x%lx entry 0x%x", c->guest_cr0,
				 c->entry);
	if ((c->intr_info & VCHK_INTR_VALID) &&
	    VCHK_INTR_TYPE(c->intr_info) == VCHK_INTR_EXT && !(rf & RFLAGS_IF))
		return vchk_fail(c, VCHK_R_GUEST_RFLAGS_IF, VMCS_GUEST_RFLAGS,
				 rf, "interruption info 0x%x", c->intr_info);
	return 0;
}

/* Would the event being injected be blocked in this activity state?
 * HLT lets through external interrupts, NMIs, #DB, #MC and a pending MTF
 * (type 7, vector 0); shutdown only NMIs and #MC; wait-for-SIPI nothing. */
static bool vchk_blocked_by_activity(unsigned act, uint32_t ii)
{
	unsigned type = VCHK_INTR_TYPE(ii), vec = VCHK_INTR_VECTOR(ii);
	bool nmi_or_mc = type == VCHK_INTR_NMI ||
			 (type == VCHK_INTR_HW_EXC && vec == VCHK_VEC_MC);

	switch (act) {
	case VCHK_ACT_HLT:
		return !(nmi_or_mc || type == VCHK_INTR_EXT ||
			 (type == VCHK_INTR_HW_EXC && vec == VCHK_VEC_DB) ||
			 (type == VCHK_INTR_OTHER && vec == 0));
	case VCHK_ACT_SHUTDOWN:
		return !nmi_or_mc;
	case VCHK_ACT_WAIT_SIPI:
		return true;
	default:
		return false;
	}
}

/* SDM 3C "Checks on Guest Non-Register State" */
int vchk_guest_nonreg(struct vchk *c)
{
	static const uint64_t act_cap[] = {
		[VCHK_ACT_HLT] = VCHK_MISC_ACT_HLT,
		[VCHK_ACT_SHUTDOWN] = VCHK_MISC_ACT_SHUTDOWN,
		[VCHK_ACT_WAIT_SIPI] = VCHK_MISC_ACT_SIPI,
	};
	uint64_t act = vchk_rd(c, VMCS_GUEST_ACTIVITY_STATE);
	uint64_t ib = vchk_rd(c, VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t pd = vchk_rd(c, VMCS_GUEST_PENDING_DBG), link;
	uint32_t ii = c->intr_info;
	bool inject = ii & VCHK_INTR_VALID;
	unsigned type = VCHK_INTR_TYPE(ii);
	const struct vchk_seg *ss = &c->seg[VCHK_SS];

	/* Activity state */
	if (act > VCHK_ACT_WAIT_SIPI ||
	    (act != VCHK_ACT_ACTIVE && !(c->caps->misc & act_cap[act])))
		return vchk_fail(c, VCHK_R_GUEST_ACTIVITY,
				 VMCS_GUEST_ACTIVITY_STATE, act, "MISC 0x%lx",
				 c->caps->misc);
	if (act == VCHK_ACT_HLT && VCHK_AR_DPL(ss->ar) != 0)
		return vchk_fail(c, VCHK_R_GUEST_HLT_SS_DPL,
				 VMCS_GUEST_ACTIVITY_STATE, act, "SS AR 0x%x",
				 ss->ar);
	if (act != VCHK_ACT_ACTIVE && (ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)))
		return vchk_fail(c, VCHK_R_GUEST_ACTIVE_IF_BLOCKING,
				 VMCS_GUEST_ACTIVITY_STATE, act,
				 "interruptibility 0x%lx", ib);
	if (inject && vchk_blocked_by_activity((unsigned)act, ii))
		return vchk_fail(c, VCHK_R_GUEST_ACTIVITY_BLOCKS,
				 VMCS_GUEST_ACTIVITY_STATE, act,
				 "interruption info 0x%x", ii);

	/* Interruptibility state */
	if (ib & VCHK_INTB_RSVD)
		return vchk_fail(c, VCHK_R_GUEST_INTB_RESERVED,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "reserved 0x%lx",
				 (uint64_t)(ib & VCHK_INTB_RSVD));
	if ((ib & VCHK_INTB_STI) && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c, VCHK_R_GUEST_INTB_STI_MOV_SS,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "bits 1:0 = 3");
	if ((ib & VCHK_INTB_STI) && !(c->guest_rflags & RFLAGS_IF))
		return vchk_fail(c, VCHK_R_GUEST_INTB_STI_IF,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "RFLAGS 0x%lx", c->guest_rflags);
	if (inject && type == VCHK_INTR_EXT &&
	    (ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)))
		return vchk_fail(c, VCHK_R_GUEST_INTB_EXTINT,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "interruption info 0x%x", ii);
	if (inject && type == VCHK_INTR_NMI && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c, VCHK_R_GUEST_INTB_NMI_MOV_SS,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "interruption info 0x%x", ii);
	if (ib & VCHK_INTB_SMI)
		return vchk_fail(c, VCHK_R_GUEST_INTB_SMI,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "entry to SMM = 0");
	if (inject && type == VCHK_INTR_NMI && (c->pin & PIN_VIRTUAL_NMIS) &&
	    (ib & VCHK_INTB_NMI))
		return vchk_fail(c, VCHK_R_GUEST_INTB_VNMI,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "interruption info 0x%x", ii);
	if ((ib & VCHK_INTB_ENCLAVE) && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c, VCHK_R_GUEST_INTB_ENCLAVE,
				 VMCS_GUEST_INTERRUPTIBILITY, ib,
				 "bits 4 and 1 set");

	/* Pending debug exceptions */
	if (pd & VCHK_PDBG_RSVD)
		return vchk_fail(c, VCHK_R_GUEST_PDBG_RESERVED,
				 VMCS_GUEST_PENDING_DBG, pd, "reserved 0x%lx",
				 (uint64_t)(pd & VCHK_PDBG_RSVD));
	if ((ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)) || act == VCHK_ACT_HLT) {
		bool tf = c->guest_rflags & VCHK_RFLAGS_TF;
		bool btf = vchk_rd(c, VMCS_GUEST_IA32_DEBUGCTL) & VCHK_DEBUGCTL_BTF;
		bool bs = pd & VCHK_PDBG_BS;
		if (bs != (tf && !btf))
			return vchk_fail(c, VCHK_R_GUEST_PDBG_BS,
					 VMCS_GUEST_PENDING_DBG, pd,
					 "RFLAGS 0x%lx BTF %u", c->guest_rflags,
					 (unsigned)btf);
	}
	if ((pd & VCHK_PDBG_RTM) &&
	    ((pd & (GENMASK(11, 0) | VCHK_PDBG_BS)) || !(pd & VCHK_PDBG_ENABLED_BP) ||
	     (ib & VCHK_INTB_MOV_SS)))
		return vchk_fail(c, VCHK_R_GUEST_PDBG_RTM,
				 VMCS_GUEST_PENDING_DBG, pd,
				 "interruptibility 0x%lx", ib);

	/* VMCS link pointer. The CPU also accepts a pointer to a region with
	 * the right revision ID; we cannot read memory, and eptlab never uses
	 * one without VMCS shadowing, so we require ~0 then. */
	link = vchk_rd(c, VMCS_LINK_POINTER);
	if (link != ~0ULL) {
		if (!vchk_page_ok(c, link))
			return vchk_fail(c, VCHK_R_GUEST_LINK_ADDR,
					 VMCS_LINK_POINTER, link,
					 "MAXPHYADDR %u", c->pa_bits);
		if (!(c->proc2 & PROC2_VMCS_SHADOWING))
			return vchk_fail(c, VCHK_R_GUEST_LINK_SHADOW,
					 VMCS_LINK_POINTER, link, "proc2 0x%x",
					 c->proc2);
	}
	return 0;
}

/* SDM 3C "Checks on Guest Page-Directory-Pointer-Table Entries". Only the
 * PAE-paging guest with EPT has its PDPTEs in the VMCS; without EPT they
 * come from guest memory and are not checked here. */
int vchk_guest_pdpte(struct vchk *c)
{
	if (!(c->guest_cr0 & CR0_PG) || !(c->guest_cr4 & CR4_PAE) ||
	    (c->entry & ENTRY_IA32E_MODE_GUEST) || !(c->proc2 & PROC2_ENABLE_EPT))
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		enum vmcs_field f = (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i);
		uint64_t e = vchk_rd(c, f);
		if ((e & VCHK_PDPTE_P) &&
		    ((e & VCHK_PDPTE_RSVD_LO) || !vchk_pa_ok(c, e)))
			return vchk_fail(c, VCHK_R_GUEST_PDPTE, f, e,
					 "PDPTE%u, PAE paging with EPT", i);
	}
	return 0;
}

