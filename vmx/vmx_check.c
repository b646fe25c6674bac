/*
 * Software VM-entry checker. SDM references are to the Intel SDM, revision
 * 084, Vol. 3C chapter "VM Entries", sections "Checks on VMX Controls and
 * Host-State Area" and "Checks on the Guest State Area". Each group below
 * is one SDM subsection, run in SDM order; the first failing rule stops the
 * walk and is described in struct vmx_check_failure.
 *
 * What eptlab assumes, and therefore what is not modelled:
 *  - the host is in IA-32e mode (IA32_EFER.LMA = 1) and outside SMM;
 *  - the guest is never in virtual-8086 mode: the v8086 base/limit/AR rules
 *    are skipped (RFLAGS.VM = 1 is only checked where the SDM forbids it);
 *  - linear addresses are 48 bits (4-level paging, no LA57);
 *  - no CET, PT, SGX, LBR/PKRS/perf-global-ctrl loading, tertiary controls,
 *    SMM transfer monitor or TPR/VTPR relation that needs memory: those
 *    rules are left out. Nothing here reads guest or host memory.
 *
 * Pure C: no privileged instruction. x86.h is included for the CR/EFER
 * bit names only; the host unit tests link this file.
 */
#include <stdarg.h>

#include "include/types.h"
#include "include/err.h"
#include "lib/fmt.h"
#include "include/x86.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"
#include "vmx/vmx_check_int.h"

uint64_t vchk_rd(const struct vchk *c, enum vmcs_field fld)
{
	return c->rd->read(c->rd->ctx, fld);
}

/* The rule table: one row per VCHK_RULE line, indexed by rule id. */
static const struct vmx_check_rule_info vchk_rules[VCHK_R_COUNT] = {
#define VCHK_RULE(id, area, section, name) \
	[id] = { VMX_CHECK_##area, section, name },
#include "vmx/vmx_check_rules.def"
#undef VCHK_RULE
};

const struct vmx_check_rule_info *vmx_check_rule_info(enum vmx_check_rule id)
{
	if (id <= VCHK_R_NONE || id >= VCHK_R_COUNT)
		return NULL;
	return &vchk_rules[id];
}

int vchk_fail(struct vchk *c, enum vmx_check_rule id, enum vmcs_field fld,
	      uint64_t val, const char *fmt, ...)
{
	const struct vmx_check_rule_info *r = vmx_check_rule_info(id);
	va_list ap;

	c->f->id = id;
	c->f->area = r ? r->area : 0;
	c->f->section = r ? r->section : NULL;
	c->f->rule = r ? r->name : NULL;
	c->f->field = fld;
	c->f->value = val;
	va_start(ap, fmt);
	vsnprintf(c->f->detail, sizeof(c->f->detail), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Canonical for the processor's linear-address width (48, or 57 with
 * 5-level paging): the VM-entry checks use the CPU's width, not the
 * guest's CR4.LA57. */
bool vchk_canonical(const struct vchk *c, uint64_t a)
{
	return vmx_canonical(c->caps, a);
}

/* No bit set at or above the physical-address width. */
bool vchk_pa_ok(const struct vchk *c, uint64_t a)
{
	return (a >> c->pa_bits) == 0;
}

/* A 4-KByte aligned physical address within the physical-address width. */
bool vchk_page_ok(const struct vchk *c, uint64_t a)
{
	return IS_ALIGNED(a, SZ_4K) && vchk_pa_ok(c, a);
}

/* Each PAT byte must be UC(0), WC(1), WT(4), WP(5), WB(6) or UC-(7). */
bool vchk_pat_ok(uint64_t pat)
{
	for (unsigned i = 0; i < 8; i++) {
		unsigned t = (pat >> (8 * i)) & 0xFF;
		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* Segment limit vs granularity: limit 11:0 not all ones => G = 0;
 * any of limit 31:20 set => G = 1. */
bool vchk_limit_g_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xFFF) != 0xFFF && (ar & VCHK_AR_G))
		return false;
	if ((limit & 0xFFF00000) && !(ar & VCHK_AR_G))
		return false;
	return true;
}

/* ------------------------------------------------------------------ */

/* One group per SDM subsection, in SDM order: controls, host state,
 * guest state. */
static int (*const vchk_groups[])(struct vchk *c) = {
	vchk_exec_controls, vchk_exit_controls, vchk_entry_controls,
	vchk_host_cr_msr, vchk_host_seg, vchk_host_addr_size,
	vchk_guest_cr_msr, vchk_guest_seg, vchk_guest_dt,
	vchk_guest_rip_rflags, vchk_guest_nonreg, vchk_guest_pdpte,
};

int vmx_check_vmcs(const struct vmx_caps *caps, const struct vmcs_reader *rd,
		   struct vmx_check_failure *f)
{
	struct vchk c = { .caps = caps, .rd = rd, .f = f };

	f->id = VCHK_R_NONE;
	f->area = 0;
	f->rule = NULL;
	f->section = NULL;
	f->field = 0;
	f->value = 0;
	f->detail[0] = '\0';

	/* Unknown width (0) or nonsense: assume the architectural 52. */
	c.pa_bits = (caps->maxphyaddr >= 32 && caps->maxphyaddr <= 52) ?
		    caps->maxphyaddr : 52;
	c.pin = (uint32_t)vchk_rd(&c, VMCS_PIN_CONTROLS);
	c.proc = (uint32_t)vchk_rd(&c, VMCS_PROC_CONTROLS);
	c.proc2 = (c.proc & PROC_SECONDARY_CONTROLS) ?
		  (uint32_t)vchk_rd(&c, VMCS_PROC_CONTROLS2) : 0;
	c.exit = (uint32_t)vchk_rd(&c, VMCS_EXIT_CONTROLS);
	c.entry = (uint32_t)vchk_rd(&c, VMCS_ENTRY_CONTROLS);
	c.intr_info = (uint32_t)vchk_rd(&c, VMCS_ENTRY_INTR_INFO);
	c.guest_cr0 = vchk_rd(&c, VMCS_GUEST_CR0);
	c.guest_cr4 = vchk_rd(&c, VMCS_GUEST_CR4);
	c.guest_rflags = vchk_rd(&c, VMCS_GUEST_RFLAGS);
	vchk_load_segs(&c);

	for (size_t i = 0; i < ARRAY_SIZE(vchk_groups); i++) {
		int err = vchk_groups[i](&c);
		if (err)
			return err;
	}
	return 0;
}

const char *vmx_check_area_name(enum vmx_check_area a)
{
	switch (a) {
	case VMX_CHECK_CONTROLS: return "VMX controls";
	case VMX_CHECK_HOST:     return "host state";
	case VMX_CHECK_GUEST:    return "guest state";
	}
	return "unknown area";
}

