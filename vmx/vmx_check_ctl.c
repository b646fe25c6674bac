/*
 * VM-entry checker: checks on the VMX control fields.
 * SDM revision 084, Vol. 3C "Checks on VMX Controls".
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
/* Controls                                                            */

/* Bits of a control value that break its capability MSR: must-be-1 bits
 * that are 0 (allowed-0 = 1), and bits set that may not be 1. */
static uint32_t vchk_ctl_missing(uint32_t val, uint64_t cap)
{
	return vmx_ctl_required(cap) & ~val;
}

static uint32_t vchk_ctl_extra(uint32_t val, uint64_t cap)
{
	return val & ~vmx_ctl_allowed(cap);
}

#define VCHK_FMT_MISSING "must-be-1 bits 0x%x missing (allowed-0 0x%x)"
#define VCHK_FMT_EXTRA   "bits 0x%x not allowed (allowed-1 0x%x)"

/* Reads the page address in 'fld' into *a: is it not 4K-aligned within
 * the physical-address width? */
static bool vchk_bad_page(const struct vchk *c, enum vmcs_field fld,
			  uint64_t *a)
{
	*a = vchk_rd(c, fld);
	return !vchk_page_ok(c, *a);
}

/* Reads an MSR load/store area's address into *a: with a non-zero count,
 * it must be 16-byte aligned with its first and last byte within the
 * physical-address width. */
static bool vchk_bad_msr_area(const struct vchk *c, enum vmcs_field count_f,
			      enum vmcs_field addr_f, uint64_t *a)
{
	uint64_t n = (uint32_t)vchk_rd(c, count_f);

	*a = 0;
	if (n == 0)
		return false;
	*a = vchk_rd(c, addr_f);
	return !IS_ALIGNED(*a, 16) || !vchk_pa_ok(c, *a) ||
	       !vchk_pa_ok(c, *a + n * 16 - 1);
}

/* SDM 3C "VM-Execution Control Fields" */
int vchk_exec_controls(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint32_t bad;
	uint64_t a;

	if ((bad = vchk_ctl_missing(c->pin, k->pin)))
		return vchk_fail(c, VCHK_R_CTL_PIN_DEFAULT1, VMCS_PIN_CONTROLS,
				 c->pin, VCHK_FMT_MISSING, bad,
				 vmx_ctl_required(k->pin));
	if ((bad = vchk_ctl_extra(c->pin, k->pin)))
		return vchk_fail(c, VCHK_R_CTL_PIN_RESERVED, VMCS_PIN_CONTROLS,
				 c->pin, VCHK_FMT_EXTRA, bad,
				 vmx_ctl_allowed(k->pin));
	if ((bad = vchk_ctl_missing(c->proc, k->proc)))
		return vchk_fail(c, VCHK_R_CTL_PROC_DEFAULT1, VMCS_PROC_CONTROLS,
				 c->proc, VCHK_FMT_MISSING, bad,
				 vmx_ctl_required(k->proc));
	if ((bad = vchk_ctl_extra(c->proc, k->proc)))
		return vchk_fail(c, VCHK_R_CTL_PROC_RESERVED, VMCS_PROC_CONTROLS,
				 c->proc, VCHK_FMT_EXTRA, bad,
				 vmx_ctl_allowed(k->proc));
	/* c->proc2 is 0 unless "activate secondary controls" is 1 */
	if ((c->proc & PROC_SECONDARY_CONTROLS) &&
	    (bad = vchk_ctl_missing(c->proc2, k->proc2)))
		return vchk_fail(c, VCHK_R_CTL_PROC2_DEFAULT1, VMCS_PROC_CONTROLS2,
				 c->proc2, VCHK_FMT_MISSING, bad,
				 vmx_ctl_required(k->proc2));
	if ((bad = vchk_ctl_extra(c->proc2, k->proc2)))
		return vchk_fail(c, VCHK_R_CTL_PROC2_RESERVED, VMCS_PROC_CONTROLS2,
				 c->proc2, VCHK_FMT_EXTRA, bad,
				 vmx_ctl_allowed(k->proc2));

	/* Tertiary controls: eptlab has no caps for them; not modelled. */

	uint64_t n = vchk_rd(c, VMCS_CR3_TARGET_COUNT);
	unsigned max = VCHK_MISC_CR3_TARGETS(k->misc);
	if (n > max)
		return vchk_fail(c, VCHK_R_CTL_CR3_TARGET_COUNT,
				 VMCS_CR3_TARGET_COUNT, n, "supported %u", max);

	if (c->proc & PROC_USE_IO_BITMAPS) {
		if (vchk_bad_page(c, VMCS_IO_BITMAP_A, &a))
			return vchk_fail(c, VCHK_R_CTL_IO_BITMAP_A, VMCS_IO_BITMAP_A,
					 a, "use I/O bitmaps = 1; MAXPHYADDR %u",
					 c->pa_bits);
		if (vchk_bad_page(c, VMCS_IO_BITMAP_B, &a))
			return vchk_fail(c, VCHK_R_CTL_IO_BITMAP_B, VMCS_IO_BITMAP_B,
					 a, "use I/O bitmaps = 1; MAXPHYADDR %u",
					 c->pa_bits);
	}
	if ((c->proc & PROC_USE_MSR_BITMAPS) &&
	    vchk_bad_page(c, VMCS_MSR_BITMAP, &a))
		return vchk_fail(c, VCHK_R_CTL_MSR_BITMAP, VMCS_MSR_BITMAP, a,
				 "use MSR bitmaps = 1; MAXPHYADDR %u", c->pa_bits);

	/* TPR shadow (the TPR threshold vs VTPR rule reads the virtual-APIC
	 * page and is skipped) */
	if (c->proc & PROC_TPR_SHADOW) {
		if (vchk_bad_page(c, VMCS_VIRTUAL_APIC_ADDR, &a))
			return vchk_fail(c, VCHK_R_CTL_VIRTUAL_APIC_ADDR,
					 VMCS_VIRTUAL_APIC_ADDR, a,
					 "use TPR shadow = 1; MAXPHYADDR %u",
					 c->pa_bits);
		uint64_t tpr = vchk_rd(c, VMCS_TPR_THRESHOLD);
		if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY) && (tpr & GENMASK(31, 4)))
			return vchk_fail(c, VCHK_R_CTL_TPR_THRESHOLD,
					 VMCS_TPR_THRESHOLD, tpr, "proc2 0x%x",
					 c->proc2);
	}

	/* NMI controls */
	if (!(c->pin & PIN_NMI_EXITING) && (c->pin & PIN_VIRTUAL_NMIS))
		return vchk_fail(c, VCHK_R_CTL_VIRTUAL_NMIS, VMCS_PIN_CONTROLS,
				 c->pin, "NMI exiting = 0, virtual NMIs = 1");
	if (!(c->pin & PIN_VIRTUAL_NMIS) && (c->proc & PROC_NMI_WINDOW_EXITING))
		return vchk_fail(c, VCHK_R_CTL_NMI_WINDOW, VMCS_PROC_CONTROLS,
				 c->proc, "pin 0x%x", c->pin);

	/* APIC virtualization and posted interrupts */
	if ((c->proc2 & PROC2_VIRT_APIC_ACCESS) &&
	    vchk_bad_page(c, VMCS_APIC_ACCESS_ADDR, &a))
		return vchk_fail(c, VCHK_R_CTL_APIC_ACCESS_ADDR,
				 VMCS_APIC_ACCESS_ADDR, a,
				 "virtualize APIC accesses = 1; MAXPHYADDR %u",
				 c->pa_bits);
	if (!(c->proc & PROC_TPR_SHADOW) &&
	    (c->proc2 & (PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT |
			 PROC2_VIRT_INTR_DELIVERY)))
		return vchk_fail(c, VCHK_R_CTL_APICV_TPR_SHADOW,
				 VMCS_PROC_CONTROLS2, c->proc2, "proc 0x%x",
				 c->proc);
	if ((c->proc2 & PROC2_VIRT_X2APIC) && (c->proc2 & PROC2_VIRT_APIC_ACCESS))
		return vchk_fail(c, VCHK_R_CTL_X2APIC_APIC_ACCESS,
				 VMCS_PROC_CONTROLS2, c->proc2, "proc 0x%x",
				 c->proc);
	if ((c->proc2 & PROC2_VIRT_INTR_DELIVERY) && !(c->pin & PIN_EXTINT_EXITING))
		return vchk_fail(c, VCHK_R_CTL_VID_EXTINT, VMCS_PIN_CONTROLS,
				 c->pin, "proc2 0x%x", c->proc2);
	if (c->pin & PIN_POSTED_INTERRUPTS) {
		uint64_t nv = vchk_rd(c, VMCS_POSTED_INTR_NV);
		uint64_t pd = vchk_rd(c, VMCS_POSTED_INTR_DESC_ADDR);
		if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY) ||
		    !(c->exit & EXIT_ACK_INTR_ON_EXIT))
			return vchk_fail(c, VCHK_R_CTL_POSTED_VID_ACK,
					 VMCS_PIN_CONTROLS, c->pin,
					 "proc2 0x%x exit 0x%x", c->proc2,
					 c->exit);
		if (nv & GENMASK(15, 8))
			return vchk_fail(c, VCHK_R_CTL_POSTED_VECTOR,
					 VMCS_POSTED_INTR_NV, nv, "pin 0x%x",
					 c->pin);
		if (!IS_ALIGNED(pd, 64) || !vchk_pa_ok(c, pd))
			return vchk_fail(c, VCHK_R_CTL_POSTED_DESC,
					 VMCS_POSTED_INTR_DESC_ADDR, pd,
					 "MAXPHYADDR %u", c->pa_bits);
	}

	if (c->proc2 & PROC2_ENABLE_VPID) {
		uint64_t vpid = vchk_rd(c, VMCS_VPID);
		if (vpid == 0)
			return vchk_fail(c, VCHK_R_CTL_VPID_ZERO, VMCS_VPID, vpid,
					 "proc2 0x%x", c->proc2);
	}

	if (c->proc2 & PROC2_ENABLE_EPT) {
		uint64_t p = vchk_rd(c, VMCS_EPT_POINTER);
		unsigned mt = VCHK_EPTP_MT(p), walk = VCHK_EPTP_WALK(p);
		bool mt_ok = (mt == VCHK_MT_UC && (k->ept_vpid & EPT_CAP_MT_UC)) ||
			     (mt == VCHK_MT_WB && (k->ept_vpid & EPT_CAP_MT_WB));
		bool walk_ok = (walk == 4 && (k->ept_vpid & EPT_CAP_WALK_4)) ||
			       (walk == 5 && (k->ept_vpid & EPT_CAP_WALK_5));

		if (!mt_ok)
			return vchk_fail(c, VCHK_R_CTL_EPTP_MEMTYPE,
					 VMCS_EPT_POINTER, p,
					 "type %u; EPT_VPID_CAP 0x%lx", mt,
					 k->ept_vpid);
		if (!walk_ok)
			return vchk_fail(c, VCHK_R_CTL_EPTP_WALK,
					 VMCS_EPT_POINTER, p,
					 "walk length %u; EPT_VPID_CAP 0x%lx",
					 walk, k->ept_vpid);
		if ((p & VCHK_EPTP_AD) && !(k->ept_vpid & EPT_CAP_AD))
			return vchk_fail(c, VCHK_R_CTL_EPTP_AD, VMCS_EPT_POINTER,
					 p, "EPT_VPID_CAP 0x%lx", k->ept_vpid);
		if ((p & VCHK_EPTP_RSVD_LO) || !vchk_pa_ok(c, p))
			return vchk_fail(c, VCHK_R_CTL_EPTP_RESERVED,
					 VMCS_EPT_POINTER, p, "MAXPHYADDR %u",
					 c->pa_bits);
	}

	if (c->proc2 & PROC2_ENABLE_PML) {
		if (!(c->proc2 & PROC2_ENABLE_EPT))
			return vchk_fail(c, VCHK_R_CTL_PML_EPT,
					 VMCS_PROC_CONTROLS2, c->proc2,
					 "PML = 1, EPT = 0");
		if (vchk_bad_page(c, VMCS_PML_ADDR, &a))
			return vchk_fail(c, VCHK_R_CTL_PML_ADDR, VMCS_PML_ADDR, a,
					 "enable PML = 1; MAXPHYADDR %u",
					 c->pa_bits);
	}
	if ((c->proc2 & PROC2_UNRESTRICTED_GUEST) && !(c->proc2 & PROC2_ENABLE_EPT))
		return vchk_fail(c, VCHK_R_CTL_UG_EPT, VMCS_PROC_CONTROLS2,
				 c->proc2, "unrestricted guest = 1, enable EPT = 0");
	if ((c->proc2 & (PROC2_MODE_BASED_EPT_EXEC | PROC2_SUBPAGE_WRITE_PERM)) &&
	    !(c->proc2 & PROC2_ENABLE_EPT))
		return vchk_fail(c, VCHK_R_CTL_MBEC_SPP_EPT, VMCS_PROC_CONTROLS2,
				 c->proc2, "enable EPT = 0");
	if ((c->proc2 & PROC2_SUBPAGE_WRITE_PERM) &&
	    vchk_bad_page(c, VMCS_SPP_TABLE_PTR, &a))
		return vchk_fail(c, VCHK_R_CTL_SPPTP, VMCS_SPP_TABLE_PTR, a,
				 "sub-page write permissions = 1; MAXPHYADDR %u",
				 c->pa_bits);

	if (c->proc2 & PROC2_ENABLE_VMFUNC) {
		uint64_t vf = vchk_rd(c, VMCS_VMFUNC_CONTROLS);
		if (vf & ~k->vmfunc)
			return vchk_fail(c, VCHK_R_CTL_VMFUNC_RESERVED,
					 VMCS_VMFUNC_CONTROLS, vf,
					 "IA32_VMX_VMFUNC 0x%lx", k->vmfunc);
		if ((vf & VCHK_VMFUNC_EPTP_SWITCH) &&
		    !(c->proc2 & PROC2_ENABLE_EPT))
			return vchk_fail(c, VCHK_R_CTL_EPTP_SWITCH_EPT,
					 VMCS_VMFUNC_CONTROLS, vf, "proc2 0x%x",
					 c->proc2);
		if ((vf & VCHK_VMFUNC_EPTP_SWITCH) &&
		    vchk_bad_page(c, VMCS_EPTP_LIST_ADDR, &a))
			return vchk_fail(c, VCHK_R_CTL_EPTP_LIST_ADDR,
					 VMCS_EPTP_LIST_ADDR, a,
					 "EPTP switching = 1; MAXPHYADDR %u",
					 c->pa_bits);
	}
	if (c->proc2 & PROC2_VMCS_SHADOWING) {
		if (vchk_bad_page(c, VMCS_VMREAD_BITMAP, &a))
			return vchk_fail(c, VCHK_R_CTL_VMREAD_BITMAP,
					 VMCS_VMREAD_BITMAP, a,
					 "VMCS shadowing = 1; MAXPHYADDR %u",
					 c->pa_bits);
		if (vchk_bad_page(c, VMCS_VMWRITE_BITMAP, &a))
			return vchk_fail(c, VCHK_R_CTL_VMWRITE_BITMAP,
					 VMCS_VMWRITE_BITMAP, a,
					 "VMCS shadowing = 1; MAXPHYADDR %u",
					 c->pa_bits);
	}
	if ((c->proc2 & PROC2_EPT_VE) && vchk_bad_page(c, VMCS_VE_INFO_ADDR, &a))
		return vchk_fail(c, VCHK_R_CTL_VE_INFO_ADDR, VMCS_VE_INFO_ADDR, a,
				 "EPT-violation #VE = 1; MAXPHYADDR %u",
				 c->pa_bits);
	return 0;
}

/* SDM 3C "VM-Exit Control Fields" */
int vchk_exit_controls(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint32_t bad;
	uint64_t a;

	if ((bad = vchk_ctl_missing(c->exit, k->exit)))
		return vchk_fail(c, VCHK_R_CTL_EXIT_DEFAULT1, VMCS_EXIT_CONTROLS,
				 c->exit, VCHK_FMT_MISSING, bad,
				 vmx_ctl_required(k->exit));
	if ((bad = vchk_ctl_extra(c->exit, k->exit)))
		return vchk_fail(c, VCHK_R_CTL_EXIT_RESERVED, VMCS_EXIT_CONTROLS,
				 c->exit, VCHK_FMT_EXTRA, bad,
				 vmx_ctl_allowed(k->exit));
	if (!(c->pin & PIN_PREEMPTION_TIMER) &&
	    (c->exit & EXIT_SAVE_PREEMPTION_TIMER))
		return vchk_fail(c, VCHK_R_CTL_SAVE_PREEMPT_TIMER,
				 VMCS_EXIT_CONTROLS, c->exit, "pin 0x%x", c->pin);
	if (vchk_bad_msr_area(c, VMCS_EXIT_MSR_STORE_COUNT,
			      VMCS_EXIT_MSR_STORE_ADDR, &a))
		return vchk_fail(c, VCHK_R_CTL_EXIT_MSR_STORE,
				 VMCS_EXIT_MSR_STORE_ADDR, a, "MAXPHYADDR %u",
				 c->pa_bits);
	if (vchk_bad_msr_area(c, VMCS_EXIT_MSR_LOAD_COUNT,
			      VMCS_EXIT_MSR_LOAD_ADDR, &a))
		return vchk_fail(c, VCHK_R_CTL_EXIT_MSR_LOAD,
				 VMCS_EXIT_MSR_LOAD_ADDR, a, "MAXPHYADDR %u",
				 c->pa_bits);
	return 0;
}
/* Event injection: the basic consistency of the interruption-information
 * field (SDM 3C "VM-Entry Control Fields", event injection bullets). */
static int vchk_event_injection(struct vchk *c)
{
	uint32_t ii = c->intr_info;
	unsigned type = VCHK_INTR_TYPE(ii), vec = VCHK_INTR_VECTOR(ii);
	bool pe = c->guest_cr0 & CR0_PE;
	bool ec_vec = vec < 32 && (VCHK_EXC_WITH_EC & BIT(vec));
	bool relaxed = c->caps->basic & VCHK_BASIC_NO_EC_CHECK;

	if (!(ii & VCHK_INTR_VALID))
		return 0;
	if (type == VCHK_INTR_RESERVED ||
	    (type == VCHK_INTR_OTHER &&
	     !(vmx_ctl_allowed(c->caps->proc) & PROC_MONITOR_TRAP_FLAG)))
		return vchk_fail(c, VCHK_R_CTL_INJ_TYPE, VMCS_ENTRY_INTR_INFO,
				 ii, "type %u vector %u", type, vec);
	if ((type == VCHK_INTR_NMI && vec != 2) ||
	    (type == VCHK_INTR_HW_EXC && vec > 31) ||
	    (type == VCHK_INTR_OTHER && vec != 0))
		return vchk_fail(c, VCHK_R_CTL_INJ_VECTOR, VMCS_ENTRY_INTR_INFO,
				 ii, "type %u vector %u", type, vec);
	if (ii & VCHK_INTR_DELIVER_EC) {
		if (type != VCHK_INTR_HW_EXC || !pe || (!relaxed && !ec_vec))
			return vchk_fail(c, VCHK_R_CTL_INJ_EC_FORBIDDEN,
					 VMCS_ENTRY_INTR_INFO, ii,
					 "type %u vector %u; guest CR0 0x%lx",
					 type, vec, c->guest_cr0);
	} else if (type == VCHK_INTR_HW_EXC && pe && ec_vec && !relaxed) {
		return vchk_fail(c, VCHK_R_CTL_INJ_EC_REQUIRED,
				 VMCS_ENTRY_INTR_INFO, ii,
				 "vector %u; guest CR0 0x%lx", vec, c->guest_cr0);
	}
	if (ii & VCHK_INTR_RSVD)
		return vchk_fail(c, VCHK_R_CTL_INJ_RESERVED, VMCS_ENTRY_INTR_INFO,
				 ii, "reserved 0x%lx",
				 (uint64_t)(ii & VCHK_INTR_RSVD));
	if (ii & VCHK_INTR_DELIVER_EC) {
		uint64_t ec = vchk_rd(c, VMCS_ENTRY_EXCEPTION_ERROR);
		if (ec & GENMASK(31, 16))
			return vchk_fail(c, VCHK_R_CTL_INJ_ERROR_CODE,
					 VMCS_ENTRY_EXCEPTION_ERROR, ec,
					 "interruption info 0x%x", ii);
	}
	if (type == VCHK_INTR_SW_INT || type == VCHK_INTR_PRIV_SW_EXC ||
	    type == VCHK_INTR_SW_EXC) {
		uint64_t len = vchk_rd(c, VMCS_ENTRY_INSTR_LEN);
		bool len0 = c->caps->misc & VCHK_MISC_INJ_LEN0;
		if (len > 15 || (len == 0 && !len0))
			return vchk_fail(c, VCHK_R_CTL_INJ_LENGTH,
					 VMCS_ENTRY_INSTR_LEN, len,
					 "type %u vector %u", type, vec);
	}
	return 0;
}

/* SDM 3C "VM-Entry Control Fields" */
int vchk_entry_controls(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint32_t bad;
	uint64_t a;
	int err;

	if ((bad = vchk_ctl_missing(c->entry, k->entry)))
		return vchk_fail(c, VCHK_R_CTL_ENTRY_DEFAULT1, VMCS_ENTRY_CONTROLS,
				 c->entry, VCHK_FMT_MISSING, bad,
				 vmx_ctl_required(k->entry));
	if ((bad = vchk_ctl_extra(c->entry, k->entry)))
		return vchk_fail(c, VCHK_R_CTL_ENTRY_RESERVED, VMCS_ENTRY_CONTROLS,
				 c->entry, VCHK_FMT_EXTRA, bad,
				 vmx_ctl_allowed(k->entry));
	err = vchk_event_injection(c);
	if (err)
		return err;
	if (vchk_bad_msr_area(c, VMCS_ENTRY_MSR_LOAD_COUNT,
			      VMCS_ENTRY_MSR_LOAD_ADDR, &a))
		return vchk_fail(c, VCHK_R_CTL_ENTRY_MSR_LOAD,
				 VMCS_ENTRY_MSR_LOAD_ADDR, a, "MAXPHYADDR %u",
				 c->pa_bits);
	if (c->entry & (ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR))
		return vchk_fail(c, VCHK_R_CTL_ENTRY_SMM, VMCS_ENTRY_CONTROLS,
				 c->entry, "host is not in SMM");
	return 0;
}
