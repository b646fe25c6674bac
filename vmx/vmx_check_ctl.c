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

/* Allowed-0 / allowed-1 test of one control field against its MSR. */
static int vchk_ctl_bits(struct vchk *c, enum vmcs_field fld, uint32_t val,
			 uint64_t cap, const char *rule_req,
			 const char *rule_rsvd)
{
	uint32_t req = vmx_ctl_required(cap), allowed = vmx_ctl_allowed(cap);

	if ((val & req) != req)
		return vchk_fail(c, rule_req, fld, val,
				 "must-be-1 bits 0x%x missing (allowed-0 0x%x)",
				 req & ~val, req);
	if (val & ~allowed)
		return vchk_fail(c, rule_rsvd, fld, val,
				 "bits 0x%x not allowed (allowed-1 0x%x)",
				 val & ~allowed, allowed);
	return 0;
}

/* A 4K-aligned page address a control enables. */
static int vchk_ctl_page(struct vchk *c, enum vmcs_field fld,
			 const char *rule, const char *why)
{
	uint64_t a = vchk_rd(c, fld);

	if (!vchk_page_ok(c, a))
		return vchk_fail(c, rule, fld, a,
				 "%s; MAXPHYADDR %u", why, c->pa_bits);
	return 0;
}

/* An MSR load/store area: 16-byte aligned, first and last byte within
 * the physical-address width. */
static int vchk_msr_area(struct vchk *c, enum vmcs_field count_f,
			 enum vmcs_field addr_f, const char *rule)
{
	uint32_t n = (uint32_t)vchk_rd(c, count_f);
	uint64_t a;

	if (n == 0)
		return 0;
	a = vchk_rd(c, addr_f);
	if (!IS_ALIGNED(a, 16) || !vchk_pa_ok(c, a) ||
	    !vchk_pa_ok(c, a + (uint64_t)n * 16 - 1))
		return vchk_fail(c, rule, addr_f, a,
				 "count %u; MAXPHYADDR %u", n, c->pa_bits);
	return 0;
}

/* SDM 3C "VM-Execution Control Fields" */
int vchk_exec_controls(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	int err;

	err = vchk_ctl_bits(c, VMCS_PIN_CONTROLS, c->pin, k->pin,
		"pin-based controls: a default-1 (allowed-0 = 1) bit is 0",
		"pin-based controls: a reserved (allowed-1 = 0) bit is 1");
	if (!err)
		err = vchk_ctl_bits(c, VMCS_PROC_CONTROLS, c->proc, k->proc,
		"primary proc-based controls: a default-1 (allowed-0 = 1) bit is 0",
		"primary proc-based controls: a reserved (allowed-1 = 0) bit is 1");
	if (!err && (c->proc & PROC_SECONDARY_CONTROLS))
		err = vchk_ctl_bits(c, VMCS_PROC_CONTROLS2, c->proc2, k->proc2,
		"secondary proc-based controls: a default-1 bit is 0",
		"secondary proc-based controls: a reserved (allowed-1 = 0) bit is 1");
	if (err)
		return err;

	/* Tertiary controls: eptlab has no caps for them; not modelled. */

	uint64_t n = vchk_rd(c, VMCS_CR3_TARGET_COUNT);
	unsigned max = VCHK_MISC_CR3_TARGETS(k->misc);
	if (n > max)
		return vchk_fail(c,
			"CR3-target count must not exceed IA32_VMX_MISC[24:16]",
			VMCS_CR3_TARGET_COUNT, n, "supported %u", max);

	if (c->proc & PROC_USE_IO_BITMAPS) {
		err = vchk_ctl_page(c, VMCS_IO_BITMAP_A,
			"I/O bitmap A address must be 4K-aligned and within MAXPHYADDR",
			"use I/O bitmaps = 1");
		if (!err)
			err = vchk_ctl_page(c, VMCS_IO_BITMAP_B,
			"I/O bitmap B address must be 4K-aligned and within MAXPHYADDR",
			"use I/O bitmaps = 1");
		if (err)
			return err;
	}
	if (c->proc & PROC_USE_MSR_BITMAPS) {
		err = vchk_ctl_page(c, VMCS_MSR_BITMAP,
			"MSR bitmap address must be 4K-aligned and within MAXPHYADDR",
			"use MSR bitmaps = 1");
		if (err)
			return err;
	}

	/* TPR shadow (the TPR threshold vs VTPR rule reads the virtual-APIC
	 * page and is skipped) */
	if (c->proc & PROC_TPR_SHADOW) {
		err = vchk_ctl_page(c, VMCS_VIRTUAL_APIC_ADDR,
			"virtual-APIC address must be 4K-aligned and within MAXPHYADDR",
			"use TPR shadow = 1");
		if (err)
			return err;
		uint64_t tpr = vchk_rd(c, VMCS_TPR_THRESHOLD);
		if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY) && (tpr & GENMASK(31, 4)))
			return vchk_fail(c,
				"TPR threshold bits 31:4 must be 0 without virtual-interrupt delivery",
				VMCS_TPR_THRESHOLD, tpr, "proc2 0x%x", c->proc2);
	}

	/* NMI controls */
	if (!(c->pin & PIN_NMI_EXITING) && (c->pin & PIN_VIRTUAL_NMIS))
		return vchk_fail(c, "virtual NMIs requires NMI exiting",
				 VMCS_PIN_CONTROLS, c->pin, "NMI exiting = 0, virtual NMIs = 1");
	if (!(c->pin & PIN_VIRTUAL_NMIS) && (c->proc & PROC_NMI_WINDOW_EXITING))
		return vchk_fail(c, "NMI-window exiting requires virtual NMIs",
				 VMCS_PROC_CONTROLS, c->proc, "pin 0x%x", c->pin);

	/* APIC virtualization and posted interrupts */
	if (c->proc2 & PROC2_VIRT_APIC_ACCESS) {
		err = vchk_ctl_page(c, VMCS_APIC_ACCESS_ADDR,
			"APIC-access address must be 4K-aligned and within MAXPHYADDR",
			"virtualize APIC accesses = 1");
		if (err)
			return err;
	}
	if (!(c->proc & PROC_TPR_SHADOW) &&
	    (c->proc2 & (PROC2_VIRT_X2APIC | PROC2_APIC_REG_VIRT |
			 PROC2_VIRT_INTR_DELIVERY)))
		return vchk_fail(c,
			"virtualize x2APIC / APIC-register virtualization / virtual-interrupt delivery need use TPR shadow",
			VMCS_PROC_CONTROLS2, c->proc2, "proc 0x%x", c->proc);
	if ((c->proc2 & PROC2_VIRT_X2APIC) && (c->proc2 & PROC2_VIRT_APIC_ACCESS))
		return vchk_fail(c,
			"virtualize x2APIC mode and virtualize APIC accesses cannot both be 1",
			VMCS_PROC_CONTROLS2, c->proc2, "proc 0x%x", c->proc);
	if ((c->proc2 & PROC2_VIRT_INTR_DELIVERY) && !(c->pin & PIN_EXTINT_EXITING))
		return vchk_fail(c,
			"virtual-interrupt delivery requires external-interrupt exiting",
			VMCS_PIN_CONTROLS, c->pin, "proc2 0x%x", c->proc2);
	if (c->pin & PIN_POSTED_INTERRUPTS) {
		uint64_t nv = vchk_rd(c, VMCS_POSTED_INTR_NV);
		uint64_t pd = vchk_rd(c, VMCS_POSTED_INTR_DESC_ADDR);
		if (!(c->proc2 & PROC2_VIRT_INTR_DELIVERY) ||
		    !(c->exit & EXIT_ACK_INTR_ON_EXIT))
			return vchk_fail(c,
				"process posted interrupts requires virtual-interrupt delivery and acknowledge interrupt on exit",
				VMCS_PIN_CONTROLS, c->pin, "proc2 0x%x exit 0x%x",
				c->proc2, c->exit);
		if (nv & GENMASK(15, 8))
			return vchk_fail(c,
				"posted-interrupt notification vector bits 15:8 must be 0",
				VMCS_POSTED_INTR_NV, nv, "pin 0x%x", c->pin);
		if (!IS_ALIGNED(pd, 64) || !vchk_pa_ok(c, pd))
			return vchk_fail(c,
				"posted-interrupt descriptor address must be 64-byte aligned and within MAXPHYADDR",
				VMCS_POSTED_INTR_DESC_ADDR, pd, "MAXPHYADDR %u",
				c->pa_bits);
	}

	if (c->proc2 & PROC2_ENABLE_VPID) {
		uint64_t vpid = vchk_rd(c, VMCS_VPID);
		if (vpid == 0)
			return vchk_fail(c, "VPID must not be 0 when enable VPID = 1",
					 VMCS_VPID, vpid, "proc2 0x%x", c->proc2);
	}

	if (c->proc2 & PROC2_ENABLE_EPT) {
		uint64_t p = vchk_rd(c, VMCS_EPT_POINTER);
		unsigned mt = VCHK_EPTP_MT(p), walk = VCHK_EPTP_WALK(p);
		bool mt_ok = (mt == VCHK_MT_UC && (k->ept_vpid & EPT_CAP_MT_UC)) ||
			     (mt == VCHK_MT_WB && (k->ept_vpid & EPT_CAP_MT_WB));
		bool walk_ok = (walk == 4 && (k->ept_vpid & EPT_CAP_WALK_4)) ||
			       (walk == 5 && (k->ept_vpid & EPT_CAP_WALK_5));

		if (!mt_ok)
			return vchk_fail(c,
				"EPTP memory type (bits 2:0) must be UC (0) or WB (6) and supported by IA32_VMX_EPT_VPID_CAP",
				VMCS_EPT_POINTER, p, "type %u; EPT_VPID_CAP 0x%lx",
				mt, k->ept_vpid);
		if (!walk_ok)
			return vchk_fail(c,
				"EPTP bits 5:3 must be page-walk length - 1 = 3 (4-level), or 4 if 5-level EPT is supported",
				VMCS_EPT_POINTER, p, "walk length %u; EPT_VPID_CAP 0x%lx",
				walk, k->ept_vpid);
		if ((p & VCHK_EPTP_AD) && !(k->ept_vpid & EPT_CAP_AD))
			return vchk_fail(c,
				"EPTP bit 6 (A/D enable) must be 0 unless IA32_VMX_EPT_VPID_CAP[21]",
				VMCS_EPT_POINTER, p, "EPT_VPID_CAP 0x%lx", k->ept_vpid);
		if ((p & VCHK_EPTP_RSVD_LO) || !vchk_pa_ok(c, p))
			return vchk_fail(c,
				"EPTP bits 11:7 and bits above MAXPHYADDR must be 0",
				VMCS_EPT_POINTER, p, "MAXPHYADDR %u", c->pa_bits);
	}

	if (c->proc2 & PROC2_ENABLE_PML) {
		if (!(c->proc2 & PROC2_ENABLE_EPT))
			return vchk_fail(c, "enable PML requires enable EPT",
					 VMCS_PROC_CONTROLS2, c->proc2,
					 "PML = 1, EPT = 0");
		err = vchk_ctl_page(c, VMCS_PML_ADDR,
			"PML address must be 4K-aligned and within MAXPHYADDR",
			"enable PML = 1");
		if (err)
			return err;
	}
	if ((c->proc2 & PROC2_UNRESTRICTED_GUEST) && !(c->proc2 & PROC2_ENABLE_EPT))
		return vchk_fail(c, "unrestricted guest requires enable EPT",
				 VMCS_PROC_CONTROLS2, c->proc2,
				 "unrestricted guest = 1, enable EPT = 0");
	if ((c->proc2 & (PROC2_MODE_BASED_EPT_EXEC | PROC2_SUBPAGE_WRITE_PERM)) &&
	    !(c->proc2 & PROC2_ENABLE_EPT))
		return vchk_fail(c,
			"mode-based execute control and sub-page write permissions require enable EPT",
			VMCS_PROC_CONTROLS2, c->proc2, "enable EPT = 0");

	if (c->proc2 & PROC2_ENABLE_VMFUNC) {
		uint64_t vf = vchk_rd(c, VMCS_VMFUNC_CONTROLS);
		if (vf & ~k->vmfunc)
			return vchk_fail(c,
				"VM-function controls: bits not allowed by IA32_VMX_VMFUNC must be 0",
				VMCS_VMFUNC_CONTROLS, vf, "IA32_VMX_VMFUNC 0x%lx",
				k->vmfunc);
		if (vf & VCHK_VMFUNC_EPTP_SWITCH) {
			if (!(c->proc2 & PROC2_ENABLE_EPT))
				return vchk_fail(c, "EPTP switching requires enable EPT",
						 VMCS_VMFUNC_CONTROLS, vf,
						 "proc2 0x%x", c->proc2);
			err = vchk_ctl_page(c, VMCS_EPTP_LIST_ADDR,
				"EPTP-list address must be 4K-aligned and within MAXPHYADDR",
				"EPTP switching = 1");
			if (err)
				return err;
		}
	}
	if (c->proc2 & PROC2_VMCS_SHADOWING) {
		err = vchk_ctl_page(c, VMCS_VMREAD_BITMAP,
			"VMREAD-bitmap address must be 4K-aligned and within MAXPHYADDR",
			"VMCS shadowing = 1");
		if (!err)
			err = vchk_ctl_page(c, VMCS_VMWRITE_BITMAP,
			"VMWRITE-bitmap address must be 4K-aligned and within MAXPHYADDR",
			"VMCS shadowing = 1");
		if (err)
			return err;
	}
	if (c->proc2 & PROC2_EPT_VE) {
		err = vchk_ctl_page(c, VMCS_VE_INFO_ADDR,
			"virtualization-exception information address must be 4K-aligned and within MAXPHYADDR",
			"EPT-violation #VE = 1");
		if (err)
			return err;
	}
	return 0;
}

/* SDM 3C "VM-Exit Control Fields" */
int vchk_exit_controls(struct vchk *c)
{
	int err = vchk_ctl_bits(c, VMCS_EXIT_CONTROLS, c->exit, c->caps->exit,
		"VM-exit controls: a default-1 (allowed-0 = 1) bit is 0",
		"VM-exit controls: a reserved (allowed-1 = 0) bit is 1");
	if (err)
		return err;
	if (!(c->pin & PIN_PREEMPTION_TIMER) &&
	    (c->exit & EXIT_SAVE_PREEMPTION_TIMER))
		return vchk_fail(c,
			"save VMX-preemption timer value requires activate VMX-preemption timer",
			VMCS_EXIT_CONTROLS, c->exit, "pin 0x%x", c->pin);
	err = vchk_msr_area(c, VMCS_EXIT_MSR_STORE_COUNT, VMCS_EXIT_MSR_STORE_ADDR,
		"VM-exit MSR-store address must be 16-byte aligned, area within MAXPHYADDR");
	if (!err)
		err = vchk_msr_area(c, VMCS_EXIT_MSR_LOAD_COUNT, VMCS_EXIT_MSR_LOAD_ADDR,
		"VM-exit MSR-load address must be 16-byte aligned, area within MAXPHYADDR");
	return err;
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
		return vchk_fail(c,
			"event injection: interruption type 1 is reserved; 7 needs monitor-trap-flag support",
			VMCS_ENTRY_INTR_INFO, ii, "type %u vector %u", type, vec);
	if ((type == VCHK_INTR_NMI && vec != 2) ||
	    (type == VCHK_INTR_HW_EXC && vec > 31) ||
	    (type == VCHK_INTR_OTHER && vec != 0))
		return vchk_fail(c,
			"event injection: NMI must use vector 2, hardware exception vector <= 31, other event vector 0",
			VMCS_ENTRY_INTR_INFO, ii, "type %u vector %u", type, vec);
	if (ii & VCHK_INTR_DELIVER_EC) {
		if (type != VCHK_INTR_HW_EXC || !pe || (!relaxed && !ec_vec))
			return vchk_fail(c,
				"event injection: deliver-error-code only for a hardware exception with an error code, guest CR0.PE = 1",
				VMCS_ENTRY_INTR_INFO, ii,
				"type %u vector %u; guest CR0 0x%lx", type, vec,
				c->guest_cr0);
	} else if (type == VCHK_INTR_HW_EXC && pe && ec_vec && !relaxed) {
		return vchk_fail(c,
			"event injection: #DF/#TS/#NP/#SS/#GP/#PF/#AC in protected mode need deliver-error-code = 1",
			VMCS_ENTRY_INTR_INFO, ii, "vector %u; guest CR0 0x%lx",
			vec, c->guest_cr0);
	}
	if (ii & VCHK_INTR_RSVD)
		return vchk_fail(c,
			"event injection: interruption-information bits 30:12 must be 0",
			VMCS_ENTRY_INTR_INFO, ii, "reserved 0x%lx",
			(uint64_t)(ii & VCHK_INTR_RSVD));
	if (ii & VCHK_INTR_DELIVER_EC) {
		uint64_t ec = vchk_rd(c, VMCS_ENTRY_EXCEPTION_ERROR);
		if (ec & GENMASK(31, 16))
			return vchk_fail(c,
				"event injection: error code bits 31:16 must be 0",
				VMCS_ENTRY_EXCEPTION_ERROR, ec,
				"interruption info 0x%x", ii);
	}
	if (type == VCHK_INTR_SW_INT || type == VCHK_INTR_PRIV_SW_EXC ||
	    type == VCHK_INTR_SW_EXC) {
		uint64_t len = vchk_rd(c, VMCS_ENTRY_INSTR_LEN);
		bool len0 = c->caps->misc & VCHK_MISC_INJ_LEN0;
		if (len > 15 || (len == 0 && !len0))
			return vchk_fail(c,
				"event injection: software event instruction length must be 1..15 (0 only if IA32_VMX_MISC[30])",
				VMCS_ENTRY_INSTR_LEN, len, "type %u vector %u",
				type, vec);
	}
	return 0;
}

/* SDM 3C "VM-Entry Control Fields" */
int vchk_entry_controls(struct vchk *c)
{
	int err = vchk_ctl_bits(c, VMCS_ENTRY_CONTROLS, c->entry, c->caps->entry,
		"VM-entry controls: a default-1 (allowed-0 = 1) bit is 0",
		"VM-entry controls: a reserved (allowed-1 = 0) bit is 1");
	if (!err)
		err = vchk_event_injection(c);
	if (!err)
		err = vchk_msr_area(c, VMCS_ENTRY_MSR_LOAD_COUNT,
				    VMCS_ENTRY_MSR_LOAD_ADDR,
		"VM-entry MSR-load address must be 16-byte aligned, area within MAXPHYADDR");
	if (err)
		return err;
	if (c->entry & (ENTRY_TO_SMM | ENTRY_DEACT_DUAL_MONITOR))
		return vchk_fail(c,
			"entry to SMM and deactivate dual-monitor treatment must be 0 outside SMM",
			VMCS_ENTRY_CONTROLS, c->entry, "host is not in SMM");
	return 0;
}

