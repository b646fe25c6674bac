/*
 * VM-entry checker: checks on the host-state area.
 * SDM revision 084, Vol. 3C "Checks on Host Control Registers, MSRs, and SSP"
 * and the sections after it.
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
/* Host state                                                          */

/* SDM 3C "Checks on Host Control Registers, MSRs, and SSP" */
int vchk_host_cr_msr(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr0 = vchk_rd(c, VMCS_HOST_CR0);
	uint64_t cr4 = vchk_rd(c, VMCS_HOST_CR4);
	uint64_t cr3, v;
	bool host64 = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;

	if ((cr0 & k->cr0_fixed0) != k->cr0_fixed0 || (cr0 & ~k->cr0_fixed1))
		return vchk_fail(c, VCHK_R_HOST_CR0_FIXED, VMCS_HOST_CR0, cr0,
				 "FIXED0 0x%lx FIXED1 0x%lx",
				 k->cr0_fixed0, k->cr0_fixed1);
	if ((cr4 & k->cr4_fixed0) != k->cr4_fixed0 || (cr4 & ~k->cr4_fixed1))
		return vchk_fail(c, VCHK_R_HOST_CR4_FIXED, VMCS_HOST_CR4, cr4,
				 "FIXED0 0x%lx FIXED1 0x%lx",
				 k->cr4_fixed0, k->cr4_fixed1);
	cr3 = vchk_rd(c, VMCS_HOST_CR3);
	if (!vchk_pa_ok(c, cr3))
		return vchk_fail(c, VCHK_R_HOST_CR3, VMCS_HOST_CR3, cr3,
				 "MAXPHYADDR %u", c->pa_bits);
	v = vchk_rd(c, VMCS_HOST_SYSENTER_ESP);
	if (!vchk_canonical(c, v))
		return vchk_fail(c, VCHK_R_HOST_SYSENTER_ESP,
				 VMCS_HOST_SYSENTER_ESP, v,
				 "48-bit linear addresses");
	v = vchk_rd(c, VMCS_HOST_SYSENTER_EIP);
	if (!vchk_canonical(c, v))
		return vchk_fail(c, VCHK_R_HOST_SYSENTER_EIP,
				 VMCS_HOST_SYSENTER_EIP, v,
				 "48-bit linear addresses");
	if (c->exit & EXIT_LOAD_IA32_PAT) {
		v = vchk_rd(c, VMCS_HOST_IA32_PAT);
		if (!vchk_pat_ok(v))
			return vchk_fail(c, VCHK_R_HOST_PAT, VMCS_HOST_IA32_PAT,
					 v, "load IA32_PAT on exit = 1");
	}
	if (c->exit & EXIT_LOAD_IA32_EFER) {
		v = vchk_rd(c, VMCS_HOST_IA32_EFER);
		if (v & VCHK_EFER_RSVD)
			return vchk_fail(c, VCHK_R_HOST_EFER_RESERVED,
					 VMCS_HOST_IA32_EFER, v, "reserved 0x%lx",
					 (uint64_t)(v & VCHK_EFER_RSVD));
		if (!!(v & EFER_LMA) != host64 || !!(v & EFER_LME) != host64)
			return vchk_fail(c, VCHK_R_HOST_EFER_LMA_LME,
					 VMCS_HOST_IA32_EFER, v,
					 "exit controls 0x%x", c->exit);
	}
	return 0;
}

/* SDM 3C "Checks on Host Segment and Descriptor-Table Registers" */
int vchk_host_seg(struct vchk *c)
{
	static const struct { enum vmcs_field f; const char *name; } sels[] = {
		{ VMCS_HOST_ES_SEL, "ES" }, { VMCS_HOST_CS_SEL, "CS" },
		{ VMCS_HOST_SS_SEL, "SS" }, { VMCS_HOST_DS_SEL, "DS" },
		{ VMCS_HOST_FS_SEL, "FS" }, { VMCS_HOST_GS_SEL, "GS" },
		{ VMCS_HOST_TR_SEL, "TR" },
	}, bases[] = {
		{ VMCS_HOST_FS_BASE, "FS" }, { VMCS_HOST_GS_BASE, "GS" },
		{ VMCS_HOST_GDTR_BASE, "GDTR" }, { VMCS_HOST_IDTR_BASE, "IDTR" },
		{ VMCS_HOST_TR_BASE, "TR" },
	};
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(sels); i++) {
		v = vchk_rd(c, sels[i].f);
		if (VCHK_SEL_RPL(v) || (v & VCHK_SEL_TI))
			return vchk_fail(c, VCHK_R_HOST_SEL_RPL_TI, sels[i].f, v,
					 "%s selector", sels[i].name);
	}
	v = vchk_rd(c, VMCS_HOST_CS_SEL);
	if (v == 0)
		return vchk_fail(c, VCHK_R_HOST_CS_NULL, VMCS_HOST_CS_SEL, v,
				 "null CS");
	v = vchk_rd(c, VMCS_HOST_TR_SEL);
	if (v == 0)
		return vchk_fail(c, VCHK_R_HOST_TR_NULL, VMCS_HOST_TR_SEL, v,
				 "null TR");
	v = vchk_rd(c, VMCS_HOST_SS_SEL);
	if (v == 0 && !(c->exit & EXIT_HOST_ADDR_SPACE_SIZE))
		return vchk_fail(c, VCHK_R_HOST_SS_NULL, VMCS_HOST_SS_SEL, v,
				 "exit controls 0x%x", c->exit);
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		v = vchk_rd(c, bases[i].f);
		if (!vchk_canonical(c, v))
			return vchk_fail(c, VCHK_R_HOST_BASE_CANONICAL, bases[i].f,
					 v, "%s base; 48-bit linear addresses",
					 bases[i].name);
	}
	return 0;
}

/* SDM 3C "Checks Related to Address-Space Size". eptlab enters from
 * IA-32e mode, so the rules for a host outside IA-32e mode never apply. */
int vchk_host_addr_size(struct vchk *c)
{
	uint64_t cr4, rip;

	if (!(c->exit & EXIT_HOST_ADDR_SPACE_SIZE))
		return vchk_fail(c, VCHK_R_HOST_ADDR_SPACE_SIZE,
				 VMCS_EXIT_CONTROLS, c->exit, "64-bit host");
	cr4 = vchk_rd(c, VMCS_HOST_CR4);
	if (!(cr4 & CR4_PAE))
		return vchk_fail(c, VCHK_R_HOST_CR4_PAE, VMCS_HOST_CR4, cr4,
				 "exit controls 0x%x", c->exit);
	rip = vchk_rd(c, VMCS_HOST_RIP);
	if (!vchk_canonical(c, rip))
		return vchk_fail(c, VCHK_R_HOST_RIP, VMCS_HOST_RIP, rip,
				 "48-bit linear addresses");
	return 0;
}
