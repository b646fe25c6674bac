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

#include "types.h"
#include "err.h"
#include "console.h"
#include "x86.h"
#include "vmcs.h"
#include "vmx_caps.h"
#include "vmx_check.h"

/* Segment access rights as VMREAD returns them (SDM 3C "Guest Register
 * State", Table "Format of Access Rights"). */
#define VCHK_AR_TYPE(ar)       ((unsigned)(ar) & 0xF)
#define VCHK_AR_TYPE_ACCESSED  BIT(0)
#define VCHK_AR_TYPE_READ      BIT(1)     /* code: readable */
#define VCHK_AR_TYPE_CODE      BIT(3)
#define VCHK_AR_S              BIT(4)     /* code/data, not system */
#define VCHK_AR_DPL(ar)        (((unsigned)(ar) >> 5) & 3)
#define VCHK_AR_P              BIT(7)
#define VCHK_AR_RSVD_LO        GENMASK(11, 8)
#define VCHK_AR_L              BIT(13)
#define VCHK_AR_DB             BIT(14)
#define VCHK_AR_G              BIT(15)
#define VCHK_AR_UNUSABLE       BIT(16)
#define VCHK_AR_RSVD_HI        GENMASK(31, 17)

/* Selector fields */
#define VCHK_SEL_RPL(s)        ((unsigned)(s) & 3)
#define VCHK_SEL_TI            BIT(2)

/* RFLAGS bits x86.h does not name */
#define VCHK_RFLAGS_TF         BIT(8)
#define VCHK_RFLAGS_RSVD       (GENMASK(63, 22) | BIT(15) | BIT(5) | BIT(3))

/* IA32_EFER bits that may be 1: SCE, LME, LMA, NXE */
#define VCHK_EFER_RSVD         (~(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
/* IA32_DEBUGCTL: LBR, BTF, TR, BTS, BTINT, BTS_OFF_*, FREEZE_*, RTM */
#define VCHK_DEBUGCTL_RSVD     (GENMASK(63, 16) | GENMASK(5, 2))
#define VCHK_DEBUGCTL_BTF      BIT(1)
/* IA32_BNDCFGS: EN, BNDPRESERVE, reserved 11:2, base 63:12 */
#define VCHK_BNDCFGS_RSVD      GENMASK(11, 2)

/* VM-entry interruption-information field (SDM 3C "VM-Entry Controls for
 * Event Injection") */
#define VCHK_INTR_VECTOR(i)    ((unsigned)(i) & 0xFF)
#define VCHK_INTR_TYPE(i)      (((unsigned)(i) >> 8) & 7)
#define VCHK_INTR_DELIVER_EC   BIT(11)
#define VCHK_INTR_RSVD         GENMASK(30, 12)
#define VCHK_INTR_VALID        BIT(31)
#define VCHK_INTR_EXT          0   /* external interrupt */
#define VCHK_INTR_RESERVED     1
#define VCHK_INTR_NMI          2
#define VCHK_INTR_HW_EXC       3
#define VCHK_INTR_SW_INT       4
#define VCHK_INTR_PRIV_SW_EXC  5
#define VCHK_INTR_SW_EXC       6
#define VCHK_INTR_OTHER        7
/* Exceptions that push an error code: #DF #TS #NP #SS #GP #PF #AC */
#define VCHK_EXC_WITH_EC       (BIT(8) | BIT(10) | BIT(11) | BIT(12) | \
				BIT(13) | BIT(14) | BIT(17))
#define VCHK_VEC_DB            1
#define VCHK_VEC_MC            18

/* Guest interruptibility state */
#define VCHK_INTB_STI          BIT(0)
#define VCHK_INTB_MOV_SS       BIT(1)
#define VCHK_INTB_SMI          BIT(2)
#define VCHK_INTB_NMI          BIT(3)
#define VCHK_INTB_ENCLAVE      BIT(4)
#define VCHK_INTB_RSVD         GENMASK(31, 5)

/* Guest activity state */
#define VCHK_ACT_ACTIVE        0
#define VCHK_ACT_HLT           1
#define VCHK_ACT_SHUTDOWN      2
#define VCHK_ACT_WAIT_SIPI     3

/* Pending debug exceptions: B3:B0, enabled BP (12), BS (14), RTM (16) */
#define VCHK_PDBG_RSVD         (GENMASK(63, 17) | BIT(15) | BIT(13) | \
				GENMASK(11, 4))
#define VCHK_PDBG_ENABLED_BP   BIT(12)
#define VCHK_PDBG_BS           BIT(14)
#define VCHK_PDBG_RTM          BIT(16)

/* IA32_VMX_MISC (SDM 3D Appendix A.6 "Miscellaneous Data") */
#define VCHK_MISC_ACT_HLT      BIT(6)
#define VCHK_MISC_ACT_SHUTDOWN BIT(7)
#define VCHK_MISC_ACT_SIPI     BIT(8)
#define VCHK_MISC_CR3_TARGETS(m) (((m) >> 16) & 0x1FF)
#define VCHK_MISC_INJ_LEN0     BIT(30)
/* IA32_VMX_BASIC bit 56: hardware exceptions may be injected with or
 * without an error code, whatever the vector. */
#define VCHK_BASIC_NO_EC_CHECK BIT(56)

/* EPT pointer (SDM 3C "Extended-Page-Table Pointer (EPTP)") */
#define VCHK_EPTP_MT(p)        ((unsigned)(p) & 7)
#define VCHK_EPTP_WALK(p)      ((((unsigned)(p) >> 3) & 7) + 1)
#define VCHK_EPTP_AD           BIT(6)
#define VCHK_EPTP_RSVD_LO      GENMASK(11, 7)   /* bit 7: SSS, no CET here */
#define VCHK_MT_UC             0
#define VCHK_MT_WB             6

/* PAE page-directory-pointer-table entry: P, reserved 2:1 and 8:5 */
#define VCHK_PDPTE_P           BIT(0)
#define VCHK_PDPTE_RSVD_LO     (GENMASK(2, 1) | GENMASK(8, 5))

/* VM-function control 0: EPTP switching */
#define VCHK_VMFUNC_EPTP_SWITCH BIT(0)

/* Section titles, cited once where their checks begin. */
#define SEC_EXEC  "Checks on VMX Controls: VM-Execution Control Fields"
#define SEC_EXIT  "Checks on VMX Controls: VM-Exit Control Fields"
#define SEC_ENTRY "Checks on VMX Controls: VM-Entry Control Fields"
#define SEC_HOST_CR  "Checks on Host Control Registers, MSRs, and SSP"
#define SEC_HOST_SEG "Checks on Host Segment and Descriptor-Table Registers"
#define SEC_HOST_AS  "Checks Related to Address-Space Size"
#define SEC_G_CR   "Checks on Guest Control Registers, Debug Registers, and MSRs"
#define SEC_G_SEG  "Checks on Guest Segment Registers"
#define SEC_G_DT   "Checks on Guest Descriptor-Table Registers"
#define SEC_G_RIP  "Checks on Guest RIP, RFLAGS, and SSP"
#define SEC_G_NREG "Checks on Guest Non-Register State"
#define SEC_G_PDPTE "Checks on Guest Page-Directory-Pointer-Table Entries"

/* Guest segment registers, in VMCS order. */
enum vchk_seg_id {
	VCHK_ES, VCHK_CS, VCHK_SS, VCHK_DS, VCHK_FS, VCHK_GS, VCHK_LDTR,
	VCHK_TR, VCHK_NSEG
};

struct vchk_seg {
	const char *name;
	uint16_t sel;
	uint32_t limit, ar;
	uint64_t base;
	enum vmcs_field sel_f, limit_f, ar_f, base_f;
};

/* State of one run: inputs, the current group, and values many rules
 * share (controls are the effective ones: secondary controls read as 0
 * unless "activate secondary controls" is 1). */
struct vchk {
	const struct vmx_caps *caps;
	const struct vmcs_reader *rd;
	struct vmx_check_failure *f;
	enum vmx_check_area area;
	const char *section;
	unsigned pa_bits;
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t guest_cr0, guest_cr4, guest_rflags;
	uint32_t intr_info;
	struct vchk_seg seg[VCHK_NSEG];
};

static uint64_t vchk_rd(const struct vchk *c, enum vmcs_field fld)
{
	return c->rd->read(c->rd->ctx, fld);
}

/* Record the failing rule; always returns -EINVAL. */
static int vchk_fail(struct vchk *c, const char *rule, enum vmcs_field fld,
		     uint64_t val, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int vchk_fail(struct vchk *c, const char *rule, enum vmcs_field fld,
		     uint64_t val, const char *fmt, ...)
{
	va_list ap;

	c->f->area = c->area;
	c->f->section = c->section;
	c->f->rule = rule;
	c->f->field = fld;
	c->f->value = val;
	va_start(ap, fmt);
	vsnprintf(c->f->detail, sizeof(c->f->detail), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* Canonical for 48-bit linear addresses: bits 63:47 all equal. */
static bool vchk_canonical(uint64_t a)
{
	return (uint64_t)((int64_t)(a << 16) >> 16) == a;
}

/* No bit set at or above the physical-address width. */
static bool vchk_pa_ok(const struct vchk *c, uint64_t a)
{
	return (a >> c->pa_bits) == 0;
}

/* A 4-KByte aligned physical address within the physical-address width. */
static bool vchk_page_ok(const struct vchk *c, uint64_t a)
{
	return IS_ALIGNED(a, SZ_4K) && vchk_pa_ok(c, a);
}

/* Each PAT byte must be UC(0), WC(1), WT(4), WP(5), WB(6) or UC-(7). */
static bool vchk_pat_ok(uint64_t pat)
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
static bool vchk_limit_g_ok(uint32_t limit, uint32_t ar)
{
	if ((limit & 0xFFF) != 0xFFF && (ar & VCHK_AR_G))
		return false;
	if ((limit & 0xFFF00000) && !(ar & VCHK_AR_G))
		return false;
	return true;
}

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
static int vchk_exec_controls(struct vchk *c)
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
static int vchk_exit_controls(struct vchk *c)
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
static int vchk_entry_controls(struct vchk *c)
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

/* ------------------------------------------------------------------ */
/* Host state                                                          */

/* SDM 3C "Checks on Host Control Registers, MSRs, and SSP" */
static int vchk_host_cr_msr(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr0 = vchk_rd(c, VMCS_HOST_CR0);
	uint64_t cr4 = vchk_rd(c, VMCS_HOST_CR4);
	uint64_t cr3, v;
	bool host64 = c->exit & EXIT_HOST_ADDR_SPACE_SIZE;

	if ((cr0 & k->cr0_fixed0) != k->cr0_fixed0 || (cr0 & ~k->cr0_fixed1))
		return vchk_fail(c,
			"host CR0 must respect IA32_VMX_CR0_FIXED0/FIXED1",
			VMCS_HOST_CR0, cr0, "FIXED0 0x%lx FIXED1 0x%lx",
			k->cr0_fixed0, k->cr0_fixed1);
	if ((cr4 & k->cr4_fixed0) != k->cr4_fixed0 || (cr4 & ~k->cr4_fixed1))
		return vchk_fail(c,
			"host CR4 must respect IA32_VMX_CR4_FIXED0/FIXED1",
			VMCS_HOST_CR4, cr4, "FIXED0 0x%lx FIXED1 0x%lx",
			k->cr4_fixed0, k->cr4_fixed1);
	cr3 = vchk_rd(c, VMCS_HOST_CR3);
	if (!vchk_pa_ok(c, cr3))
		return vchk_fail(c, "host CR3 bits above MAXPHYADDR must be 0",
				 VMCS_HOST_CR3, cr3, "MAXPHYADDR %u", c->pa_bits);
	v = vchk_rd(c, VMCS_HOST_SYSENTER_ESP);
	if (!vchk_canonical(v))
		return vchk_fail(c, "host IA32_SYSENTER_ESP must be canonical",
				 VMCS_HOST_SYSENTER_ESP, v, "48-bit linear addresses");
	v = vchk_rd(c, VMCS_HOST_SYSENTER_EIP);
	if (!vchk_canonical(v))
		return vchk_fail(c, "host IA32_SYSENTER_EIP must be canonical",
				 VMCS_HOST_SYSENTER_EIP, v, "48-bit linear addresses");
	if (c->exit & EXIT_LOAD_IA32_PAT) {
		v = vchk_rd(c, VMCS_HOST_IA32_PAT);
		if (!vchk_pat_ok(v))
			return vchk_fail(c,
				"host IA32_PAT: each byte must be 0, 1, 4, 5, 6 or 7",
				VMCS_HOST_IA32_PAT, v, "load IA32_PAT on exit = 1");
	}
	if (c->exit & EXIT_LOAD_IA32_EFER) {
		v = vchk_rd(c, VMCS_HOST_IA32_EFER);
		if (v & VCHK_EFER_RSVD)
			return vchk_fail(c, "host IA32_EFER reserved bits must be 0",
					 VMCS_HOST_IA32_EFER, v, "reserved 0x%lx",
					 (uint64_t)(v & VCHK_EFER_RSVD));
		if (!!(v & EFER_LMA) != host64 || !!(v & EFER_LME) != host64)
			return vchk_fail(c,
				"host IA32_EFER.LMA and .LME must equal host address-space size",
				VMCS_HOST_IA32_EFER, v, "exit controls 0x%x", c->exit);
	}
	return 0;
}

/* SDM 3C "Checks on Host Segment and Descriptor-Table Registers" */
static int vchk_host_seg(struct vchk *c)
{
	static const struct { enum vmcs_field f; const char *name; } sels[] = {
		{ VMCS_HOST_ES_SEL, "ES" }, { VMCS_HOST_CS_SEL, "CS" },
		{ VMCS_HOST_SS_SEL, "SS" }, { VMCS_HOST_DS_SEL, "DS" },
		{ VMCS_HOST_FS_SEL, "FS" }, { VMCS_HOST_GS_SEL, "GS" },
		{ VMCS_HOST_TR_SEL, "TR" },
	};
	static const struct { enum vmcs_field f; const char *rule; } bases[] = {
		{ VMCS_HOST_FS_BASE,   "host FS base must be canonical" },
		{ VMCS_HOST_GS_BASE,   "host GS base must be canonical" },
		{ VMCS_HOST_GDTR_BASE, "host GDTR base must be canonical" },
		{ VMCS_HOST_IDTR_BASE, "host IDTR base must be canonical" },
		{ VMCS_HOST_TR_BASE,   "host TR base must be canonical" },
	};
	uint64_t v;

	for (size_t i = 0; i < ARRAY_SIZE(sels); i++) {
		v = vchk_rd(c, sels[i].f);
		if (VCHK_SEL_RPL(v) || (v & VCHK_SEL_TI))
			return vchk_fail(c,
				"host selectors (ES CS SS DS FS GS TR) must have RPL = 0 and TI = 0",
				sels[i].f, v, "%s selector", sels[i].name);
	}
	v = vchk_rd(c, VMCS_HOST_CS_SEL);
	if (v == 0)
		return vchk_fail(c, "host CS selector must not be 0",
				 VMCS_HOST_CS_SEL, v, "null CS");
	v = vchk_rd(c, VMCS_HOST_TR_SEL);
	if (v == 0)
		return vchk_fail(c, "host TR selector must not be 0 (load a TSS)",
				 VMCS_HOST_TR_SEL, v, "null TR");
	v = vchk_rd(c, VMCS_HOST_SS_SEL);
	if (v == 0 && !(c->exit & EXIT_HOST_ADDR_SPACE_SIZE))
		return vchk_fail(c,
			"host SS selector must not be 0 unless host address-space size = 1",
			VMCS_HOST_SS_SEL, v, "exit controls 0x%x", c->exit);
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		v = vchk_rd(c, bases[i].f);
		if (!vchk_canonical(v))
			return vchk_fail(c, bases[i].rule, bases[i].f, v,
					 "48-bit linear addresses");
	}
	return 0;
}

/* SDM 3C "Checks Related to Address-Space Size". eptlab enters from
 * IA-32e mode, so the rules for a host outside IA-32e mode never apply. */
static int vchk_host_addr_size(struct vchk *c)
{
	uint64_t cr4, rip;

	if (!(c->exit & EXIT_HOST_ADDR_SPACE_SIZE))
		return vchk_fail(c,
			"host address-space size (exit control bit 9) must be 1 when entering from IA-32e mode",
			VMCS_EXIT_CONTROLS, c->exit, "64-bit host");
	cr4 = vchk_rd(c, VMCS_HOST_CR4);
	if (!(cr4 & CR4_PAE))
		return vchk_fail(c,
			"host CR4.PAE must be 1 when host address-space size = 1",
			VMCS_HOST_CR4, cr4, "exit controls 0x%x", c->exit);
	rip = vchk_rd(c, VMCS_HOST_RIP);
	if (!vchk_canonical(rip))
		return vchk_fail(c,
			"host RIP must be canonical when host address-space size = 1",
			VMCS_HOST_RIP, rip, "48-bit linear addresses");
	return 0;
}

/* ------------------------------------------------------------------ */
/* Guest state                                                         */

/* SDM 3C "Checks on Guest Control Registers, Debug Registers, and MSRs" */
static int vchk_guest_cr_msr(struct vchk *c)
{
	const struct vmx_caps *k = c->caps;
	uint64_t cr0 = c->guest_cr0, cr4 = c->guest_cr4, v;
	uint64_t fixed0 = k->cr0_fixed0;
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;

	if (c->proc2 & PROC2_UNRESTRICTED_GUEST)
		fixed0 &= ~(CR0_PE | CR0_PG);
	if ((cr0 & fixed0) != fixed0 || (cr0 & ~k->cr0_fixed1))
		return vchk_fail(c,
			"guest CR0 must respect IA32_VMX_CR0_FIXED0/FIXED1 (PE, PG free with unrestricted guest)",
			VMCS_GUEST_CR0, cr0, "FIXED0 0x%lx FIXED1 0x%lx proc2 0x%x",
			k->cr0_fixed0, k->cr0_fixed1, c->proc2);
	if ((cr0 & CR0_PG) && !(cr0 & CR0_PE))
		return vchk_fail(c, "guest CR0.PG = 1 requires CR0.PE = 1",
				 VMCS_GUEST_CR0, cr0, "PG without PE");
	if ((cr4 & k->cr4_fixed0) != k->cr4_fixed0 || (cr4 & ~k->cr4_fixed1))
		return vchk_fail(c,
			"guest CR4 must respect IA32_VMX_CR4_FIXED0/FIXED1",
			VMCS_GUEST_CR4, cr4, "FIXED0 0x%lx FIXED1 0x%lx",
			k->cr4_fixed0, k->cr4_fixed1);
	if (c->entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		v = vchk_rd(c, VMCS_GUEST_IA32_DEBUGCTL);
		if (v & VCHK_DEBUGCTL_RSVD)
			return vchk_fail(c,
				"guest IA32_DEBUGCTL reserved bits (5:2, 63:16) must be 0",
				VMCS_GUEST_IA32_DEBUGCTL, v, "load debug controls = 1");
	}
	if (ia32e && (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE)))
		return vchk_fail(c,
			"IA-32e mode guest requires guest CR0.PG = 1 and CR4.PAE = 1",
			!(cr0 & CR0_PG) ? VMCS_GUEST_CR0 : VMCS_GUEST_CR4,
			!(cr0 & CR0_PG) ? cr0 : cr4, "CR0 0x%lx CR4 0x%lx",
			cr0, cr4);
	if (!ia32e && (cr4 & CR4_PCIDE))
		return vchk_fail(c,
			"guest CR4.PCIDE must be 0 unless IA-32e mode guest",
			VMCS_GUEST_CR4, cr4, "entry controls 0x%x", c->entry);
	v = vchk_rd(c, VMCS_GUEST_CR3);
	if (!vchk_pa_ok(c, v))
		return vchk_fail(c, "guest CR3 bits above MAXPHYADDR must be 0",
				 VMCS_GUEST_CR3, v, "MAXPHYADDR %u", c->pa_bits);
	if (c->entry & ENTRY_LOAD_DEBUG_CONTROLS) {
		v = vchk_rd(c, VMCS_GUEST_DR7);
		if (v & GENMASK(63, 32))
			return vchk_fail(c, "guest DR7 bits 63:32 must be 0",
					 VMCS_GUEST_DR7, v, "load debug controls = 1");
	}
	v = vchk_rd(c, VMCS_GUEST_SYSENTER_ESP);
	if (!vchk_canonical(v))
		return vchk_fail(c, "guest IA32_SYSENTER_ESP must be canonical",
				 VMCS_GUEST_SYSENTER_ESP, v, "48-bit linear addresses");
	v = vchk_rd(c, VMCS_GUEST_SYSENTER_EIP);
	if (!vchk_canonical(v))
		return vchk_fail(c, "guest IA32_SYSENTER_EIP must be canonical",
				 VMCS_GUEST_SYSENTER_EIP, v, "48-bit linear addresses");
	if (c->entry & ENTRY_LOAD_IA32_PAT) {
		v = vchk_rd(c, VMCS_GUEST_IA32_PAT);
		if (!vchk_pat_ok(v))
			return vchk_fail(c,
				"guest IA32_PAT: each byte must be 0, 1, 4, 5, 6 or 7",
				VMCS_GUEST_IA32_PAT, v, "load IA32_PAT on entry = 1");
	}
	if (c->entry & ENTRY_LOAD_IA32_EFER) {
		v = vchk_rd(c, VMCS_GUEST_IA32_EFER);
		if (v & VCHK_EFER_RSVD)
			return vchk_fail(c, "guest IA32_EFER reserved bits must be 0",
					 VMCS_GUEST_IA32_EFER, v, "reserved 0x%lx",
					 (uint64_t)(v & VCHK_EFER_RSVD));
		if (!!(v & EFER_LMA) != ia32e)
			return vchk_fail(c,
				"guest IA32_EFER.LMA must equal the IA-32e mode guest entry control",
				VMCS_GUEST_IA32_EFER, v, "entry controls 0x%x",
				c->entry);
		if ((cr0 & CR0_PG) && !!(v & EFER_LMA) != !!(v & EFER_LME))
			return vchk_fail(c,
				"guest IA32_EFER.LMA must equal .LME when guest CR0.PG = 1",
				VMCS_GUEST_IA32_EFER, v, "CR0 0x%lx", cr0);
	}
	if (c->entry & ENTRY_LOAD_BNDCFGS) {
		v = vchk_rd(c, VMCS_GUEST_IA32_BNDCFGS);
		if ((v & VCHK_BNDCFGS_RSVD) || !vchk_canonical(v & GENMASK(63, 12)))
			return vchk_fail(c,
				"guest IA32_BNDCFGS bits 11:2 must be 0 and its base canonical",
				VMCS_GUEST_IA32_BNDCFGS, v, "load IA32_BNDCFGS = 1");
	}
	return 0;
}

static void vchk_load_segs(struct vchk *c)
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

/* One access-rights rule over CS and the usable SS/DS/ES/FS/GS:
 * (ar & mask) must equal want. */
static int vchk_seg_ar_rule(struct vchk *c, uint32_t mask, uint32_t want,
			    const char *rule)
{
	for (size_t i = 0; i < ARRAY_SIZE(vchk_code_data); i++) {
		const struct vchk_seg *s = &c->seg[vchk_code_data[i]];
		if (vchk_seg_checked(c, vchk_code_data[i]) &&
		    (s->ar & mask) != want)
			return vchk_fail(c, rule, s->ar_f, s->ar,
					 "%s selector 0x%x", s->name, s->sel);
	}
	return 0;
}

/* SDM 3C "Checks on Guest Segment Registers". The virtual-8086 rules
 * (base = selector << 4, limit 0xFFFF, AR 0xF3) are not modelled:
 * eptlab never enters a guest with RFLAGS.VM = 1. */
static int vchk_guest_seg(struct vchk *c)
{
	struct vchk_seg *cs = &c->seg[VCHK_CS], *ss = &c->seg[VCHK_SS];
	struct vchk_seg *tr = &c->seg[VCHK_TR], *ldtr = &c->seg[VCHK_LDTR];
	static const enum vchk_seg_id data[] = { VCHK_DS, VCHK_ES, VCHK_FS, VCHK_GS };
	bool ug = c->proc2 & PROC2_UNRESTRICTED_GUEST;
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;
	unsigned cs_type = VCHK_AR_TYPE(cs->ar);
	int err;

	/* Selectors */
	if (tr->sel & VCHK_SEL_TI)
		return vchk_fail(c, "guest TR selector TI (bit 2) must be 0",
				 tr->sel_f, tr->sel, "TR must be in the GDT");
	if (vchk_usable(ldtr) && (ldtr->sel & VCHK_SEL_TI))
		return vchk_fail(c, "guest LDTR selector TI (bit 2) must be 0 if usable",
				 ldtr->sel_f, ldtr->sel, "LDTR AR 0x%x", ldtr->ar);
	if (!ug && VCHK_SEL_RPL(ss->sel) != VCHK_SEL_RPL(cs->sel))
		return vchk_fail(c,
			"guest SS selector RPL must equal CS selector RPL unless unrestricted guest",
			ss->sel_f, ss->sel, "CS selector 0x%x", cs->sel);

	/* Bases */
	static const enum vchk_seg_id canon[] = { VCHK_TR, VCHK_FS, VCHK_GS };
	for (size_t i = 0; i < ARRAY_SIZE(canon); i++) {
		struct vchk_seg *s = &c->seg[canon[i]];
		if (!vchk_canonical(s->base))
			return vchk_fail(c, "guest TR, FS, GS bases must be canonical",
					 s->base_f, s->base, "%s", s->name);
	}
	if (vchk_usable(ldtr) && !vchk_canonical(ldtr->base))
		return vchk_fail(c, "guest LDTR base must be canonical if usable",
				 ldtr->base_f, ldtr->base, "LDTR AR 0x%x", ldtr->ar);
	if (cs->base & GENMASK(63, 32))
		return vchk_fail(c, "guest CS base bits 63:32 must be 0",
				 cs->base_f, cs->base, "CS");
	static const enum vchk_seg_id hi0[] = { VCHK_SS, VCHK_DS, VCHK_ES };
	for (size_t i = 0; i < ARRAY_SIZE(hi0); i++) {
		struct vchk_seg *s = &c->seg[hi0[i]];
		if (vchk_usable(s) && (s->base & GENMASK(63, 32)))
			return vchk_fail(c,
				"guest SS, DS, ES base bits 63:32 must be 0 if usable",
				s->base_f, s->base, "%s", s->name);
	}

	/* Access rights: types */
	if (!(cs_type == 9 || cs_type == 11 || cs_type == 13 || cs_type == 15 ||
	      (ug && cs_type == 3)))
		return vchk_fail(c,
			"guest CS type must be 9, 11, 13 or 15 (accessed code), or 3 with unrestricted guest",
			cs->ar_f, cs->ar, "type %u", cs_type);
	if (vchk_usable(ss) && VCHK_AR_TYPE(ss->ar) != 3 && VCHK_AR_TYPE(ss->ar) != 7)
		return vchk_fail(c,
			"guest SS type must be 3 or 7 (accessed read/write data) if usable",
			ss->ar_f, ss->ar, "type %u", VCHK_AR_TYPE(ss->ar));
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		struct vchk_seg *s = &c->seg[data[i]];
		unsigned t = VCHK_AR_TYPE(s->ar);
		if (!vchk_usable(s))
			continue;
		if (!(t & VCHK_AR_TYPE_ACCESSED) ||
		    ((t & VCHK_AR_TYPE_CODE) && !(t & VCHK_AR_TYPE_READ)))
			return vchk_fail(c,
				"guest DS/ES/FS/GS type (if usable) must be accessed, and readable if code",
				s->ar_f, s->ar, "%s type %u", s->name, t);
	}

	/* Access rights: S bit */
	err = vchk_seg_ar_rule(c, VCHK_AR_S, VCHK_AR_S,
		"guest CS, and SS/DS/ES/FS/GS if usable: S (AR bit 4) must be 1");
	if (err)
		return err;

	/* Access rights: DPL */
	if (cs_type == 3 && VCHK_AR_DPL(cs->ar) != 0)
		return vchk_fail(c,
			"guest CS DPL must be 0 when CS type is 3 (unrestricted guest)",
			cs->ar_f, cs->ar, "DPL %u", VCHK_AR_DPL(cs->ar));
	if ((cs_type == 9 || cs_type == 11) &&
	    VCHK_AR_DPL(cs->ar) != VCHK_AR_DPL(ss->ar))
		return vchk_fail(c,
			"guest CS DPL must equal SS DPL for non-conforming code (type 9/11)",
			cs->ar_f, cs->ar, "CS DPL %u SS DPL %u",
			VCHK_AR_DPL(cs->ar), VCHK_AR_DPL(ss->ar));
	if ((cs_type == 13 || cs_type == 15) &&
	    VCHK_AR_DPL(cs->ar) > VCHK_AR_DPL(ss->ar))
		return vchk_fail(c,
			"guest CS DPL must not exceed SS DPL for conforming code (type 13/15)",
			cs->ar_f, cs->ar, "CS DPL %u SS DPL %u",
			VCHK_AR_DPL(cs->ar), VCHK_AR_DPL(ss->ar));
	if (!ug && VCHK_AR_DPL(ss->ar) != VCHK_SEL_RPL(ss->sel))
		return vchk_fail(c,
			"guest SS DPL must equal SS selector RPL unless unrestricted guest",
			ss->ar_f, ss->ar, "SS selector 0x%x", ss->sel);
	if ((cs_type == 3 || !(c->guest_cr0 & CR0_PE)) && VCHK_AR_DPL(ss->ar) != 0)
		return vchk_fail(c,
			"guest SS DPL must be 0 when CS type is 3 or CR0.PE = 0",
			ss->ar_f, ss->ar, "CS type %u CR0 0x%lx", cs_type,
			c->guest_cr0);
	for (size_t i = 0; !ug && i < ARRAY_SIZE(data); i++) {
		struct vchk_seg *s = &c->seg[data[i]];
		if (vchk_usable(s) && VCHK_AR_TYPE(s->ar) <= 11 &&
		    VCHK_AR_DPL(s->ar) < VCHK_SEL_RPL(s->sel))
			return vchk_fail(c,
				"guest DS/ES/FS/GS DPL must be >= selector RPL (data or non-conforming code) unless unrestricted guest",
				s->ar_f, s->ar, "%s selector 0x%x", s->name, s->sel);
	}

	/* Access rights: P, reserved 11:8, CS.L/D, G, reserved 31:17 */
	err = vchk_seg_ar_rule(c, VCHK_AR_P, VCHK_AR_P,
		"guest CS, and SS/DS/ES/FS/GS if usable: P (AR bit 7) must be 1");
	if (!err)
		err = vchk_seg_ar_rule(c, VCHK_AR_RSVD_LO, 0,
		"guest CS, and SS/DS/ES/FS/GS if usable: AR bits 11:8 must be 0");
	if (err)
		return err;
	if (ia32e && (cs->ar & VCHK_AR_L) && (cs->ar & VCHK_AR_DB))
		return vchk_fail(c,
			"guest CS: L = 1 requires D/B = 0 in an IA-32e mode guest",
			cs->ar_f, cs->ar, "L and D/B both set");
	for (size_t i = 0; i < ARRAY_SIZE(vchk_code_data); i++) {
		const struct vchk_seg *s = &c->seg[vchk_code_data[i]];
		if (vchk_seg_checked(c, vchk_code_data[i]) &&
		    !vchk_limit_g_ok(s->limit, s->ar))
			return vchk_fail(c,
				"segment G bit must match limit: G = 0 if limit[11:0] != 0xFFF, G = 1 if limit[31:20] != 0",
				s->ar_f, s->ar, "%s limit 0x%x", s->name, s->limit);
	}
	err = vchk_seg_ar_rule(c, VCHK_AR_RSVD_HI, 0,
		"guest CS, and SS/DS/ES/FS/GS if usable: AR bits 31:17 must be 0");
	if (err)
		return err;

	/* TR */
	unsigned tr_type = VCHK_AR_TYPE(tr->ar);
	if (ia32e ? tr_type != 11 : (tr_type != 3 && tr_type != 11))
		return vchk_fail(c,
			"TR type must be 11 (busy 64-bit TSS) in IA-32e mode or 3/11 otherwise",
			tr->ar_f, tr->ar, "type %u, IA-32e mode guest %u",
			tr_type, ia32e);
	if (tr->ar & VCHK_AR_S)
		return vchk_fail(c, "TR access rights: S (bit 4) must be 0",
				 tr->ar_f, tr->ar, "TR is a system segment");
	if (!(tr->ar & VCHK_AR_P))
		return vchk_fail(c, "TR access rights: P (bit 7) must be 1",
				 tr->ar_f, tr->ar, "TR");
	if (tr->ar & VCHK_AR_RSVD_LO)
		return vchk_fail(c, "TR access rights bits 11:8 must be 0",
				 tr->ar_f, tr->ar, "TR");
	if (!vchk_limit_g_ok(tr->limit, tr->ar))
		return vchk_fail(c,
			"TR G bit must match limit: G = 0 if limit[11:0] != 0xFFF, G = 1 if limit[31:20] != 0",
			tr->ar_f, tr->ar, "TR limit 0x%x", tr->limit);
	if (!vchk_usable(tr))
		return vchk_fail(c, "TR must be usable (AR bit 16 = 0)",
				 tr->ar_f, tr->ar, "TR");
	if (tr->ar & VCHK_AR_RSVD_HI)
		return vchk_fail(c, "TR access rights bits 31:17 must be 0",
				 tr->ar_f, tr->ar, "TR");

	/* LDTR, if usable */
	if (!vchk_usable(ldtr))
		return 0;
	if (VCHK_AR_TYPE(ldtr->ar) != 2)
		return vchk_fail(c, "LDTR type must be 2 (LDT) if usable",
				 ldtr->ar_f, ldtr->ar, "type %u",
				 VCHK_AR_TYPE(ldtr->ar));
	if (ldtr->ar & VCHK_AR_S)
		return vchk_fail(c, "LDTR access rights: S (bit 4) must be 0 if usable",
				 ldtr->ar_f, ldtr->ar, "LDTR is a system segment");
	if (!(ldtr->ar & VCHK_AR_P))
		return vchk_fail(c, "LDTR access rights: P (bit 7) must be 1 if usable",
				 ldtr->ar_f, ldtr->ar, "LDTR");
	if (ldtr->ar & VCHK_AR_RSVD_LO)
		return vchk_fail(c, "LDTR access rights bits 11:8 must be 0 if usable",
				 ldtr->ar_f, ldtr->ar, "LDTR");
	if (!vchk_limit_g_ok(ldtr->limit, ldtr->ar))
		return vchk_fail(c,
			"LDTR G bit must match limit: G = 0 if limit[11:0] != 0xFFF, G = 1 if limit[31:20] != 0",
			ldtr->ar_f, ldtr->ar, "LDTR limit 0x%x", ldtr->limit);
	if (ldtr->ar & VCHK_AR_RSVD_HI)
		return vchk_fail(c, "LDTR access rights bits 31:17 must be 0 if usable",
				 ldtr->ar_f, ldtr->ar, "LDTR");
	return 0;
}

/* SDM 3C "Checks on Guest Descriptor-Table Registers" */
static int vchk_guest_dt(struct vchk *c)
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
		if (!vchk_canonical(b))
			return vchk_fail(c, "guest GDTR and IDTR bases must be canonical",
					 dt[i].base, b, "%s", dt[i].name);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dt); i++) {
		uint64_t l = vchk_rd(c, dt[i].limit);
		if (l & GENMASK(31, 16))
			return vchk_fail(c,
				"guest GDTR and IDTR limits must not exceed 0xFFFF (bits 31:16 = 0)",
				dt[i].limit, l, "%s", dt[i].name);
	}
	return 0;
}

/* SDM 3C "Checks on Guest RIP, RFLAGS, and SSP" (no CET: SSP skipped) */
static int vchk_guest_rip_rflags(struct vchk *c)
{
	const struct vchk_seg *cs = &c->seg[VCHK_CS];
	bool ia32e = c->entry & ENTRY_IA32E_MODE_GUEST;
	bool code64 = ia32e && (cs->ar & VCHK_AR_L);
	uint64_t rip = vchk_rd(c, VMCS_GUEST_RIP), rf = c->guest_rflags;

	if (!code64 && (rip & GENMASK(63, 32)))
		return vchk_fail(c,
			"guest RIP bits 63:32 must be 0 unless IA-32e mode guest with CS.L = 1",
			VMCS_GUEST_RIP, rip, "CS AR 0x%x entry 0x%x", cs->ar, c->entry);
	/* The SDM asks bits 63:N identical, N = linear-address width (48). */
	if (code64) {
		uint64_t top = rip >> 48;
		if (top != 0 && top != 0xFFFF)
			return vchk_fail(c,
				"guest RIP bits 63:48 must be identical in 64-bit mode",
				VMCS_GUEST_RIP, rip, "CS AR 0x%x", cs->ar);
	}
	if ((rf & VCHK_RFLAGS_RSVD) || !(rf & RFLAGS_FIXED))
		return vchk_fail(c,
			"guest RFLAGS: bits 63:22, 15, 5, 3 must be 0 and bit 1 must be 1",
			VMCS_GUEST_RFLAGS, rf, "reserved set 0x%lx, bit 1 %u",
			(uint64_t)(rf & VCHK_RFLAGS_RSVD), (unsigned)!!(rf & RFLAGS_FIXED));
	if ((rf & RFLAGS_VM) && (ia32e || !(c->guest_cr0 & CR0_PE)))
		return vchk_fail(c,
			"guest RFLAGS.VM must be 0 in an IA-32e mode guest or with CR0.PE = 0",
			VMCS_GUEST_RFLAGS, rf, "CR0 0x%lx entry 0x%x",
			c->guest_cr0, c->entry);
	if ((c->intr_info & VCHK_INTR_VALID) &&
	    VCHK_INTR_TYPE(c->intr_info) == VCHK_INTR_EXT && !(rf & RFLAGS_IF))
		return vchk_fail(c,
			"guest RFLAGS.IF must be 1 when injecting an external interrupt",
			VMCS_GUEST_RFLAGS, rf, "interruption info 0x%x",
			c->intr_info);
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
static int vchk_guest_nonreg(struct vchk *c)
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
		return vchk_fail(c,
			"activity state must be 0-3 and supported by IA32_VMX_MISC[8:6]",
			VMCS_GUEST_ACTIVITY_STATE, act, "MISC 0x%lx", c->caps->misc);
	if (act == VCHK_ACT_HLT && VCHK_AR_DPL(ss->ar) != 0)
		return vchk_fail(c, "activity state HLT requires SS DPL = 0",
				 VMCS_GUEST_ACTIVITY_STATE, act, "SS AR 0x%x", ss->ar);
	if (act != VCHK_ACT_ACTIVE && (ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)))
		return vchk_fail(c,
			"activity state must be active while blocking by STI or MOV SS",
			VMCS_GUEST_ACTIVITY_STATE, act, "interruptibility 0x%lx", ib);
	if (inject && vchk_blocked_by_activity((unsigned)act, ii))
		return vchk_fail(c,
			"the injected event must not be one the activity state blocks",
			VMCS_GUEST_ACTIVITY_STATE, act, "interruption info 0x%x", ii);

	/* Interruptibility state */
	if (ib & VCHK_INTB_RSVD)
		return vchk_fail(c, "interruptibility state bits 31:5 must be 0",
				 VMCS_GUEST_INTERRUPTIBILITY, ib, "reserved 0x%lx",
				 (uint64_t)(ib & VCHK_INTB_RSVD));
	if ((ib & VCHK_INTB_STI) && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c,
			"interruptibility: blocking by STI and by MOV SS cannot both be 1",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "bits 1:0 = 3");
	if ((ib & VCHK_INTB_STI) && !(c->guest_rflags & RFLAGS_IF))
		return vchk_fail(c,
			"interruptibility: blocking by STI requires RFLAGS.IF = 1",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "RFLAGS 0x%lx", c->guest_rflags);
	if (inject && type == VCHK_INTR_EXT &&
	    (ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)))
		return vchk_fail(c,
			"interruptibility: no STI/MOV SS blocking when injecting an external interrupt",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "interruption info 0x%x", ii);
	if (inject && type == VCHK_INTR_NMI && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c,
			"interruptibility: no MOV SS blocking when injecting an NMI",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "interruption info 0x%x", ii);
	if (ib & VCHK_INTB_SMI)
		return vchk_fail(c,
			"interruptibility: blocking by SMI must be 0 outside SMM",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "entry to SMM = 0");
	if (inject && type == VCHK_INTR_NMI && (c->pin & PIN_VIRTUAL_NMIS) &&
	    (ib & VCHK_INTB_NMI))
		return vchk_fail(c,
			"interruptibility: blocking by NMI must be 0 when injecting an NMI with virtual NMIs",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "interruption info 0x%x", ii);
	if ((ib & VCHK_INTB_ENCLAVE) && (ib & VCHK_INTB_MOV_SS))
		return vchk_fail(c,
			"interruptibility: enclave interruption requires no MOV SS blocking",
			VMCS_GUEST_INTERRUPTIBILITY, ib, "bits 4 and 1 set");

	/* Pending debug exceptions */
	if (pd & VCHK_PDBG_RSVD)
		return vchk_fail(c,
			"pending debug exceptions bits 11:4, 13, 15, 63:17 must be 0",
			VMCS_GUEST_PENDING_DBG, pd, "reserved 0x%lx",
			(uint64_t)(pd & VCHK_PDBG_RSVD));
	if ((ib & (VCHK_INTB_STI | VCHK_INTB_MOV_SS)) || act == VCHK_ACT_HLT) {
		bool tf = c->guest_rflags & VCHK_RFLAGS_TF;
		bool btf = vchk_rd(c, VMCS_GUEST_IA32_DEBUGCTL) & VCHK_DEBUGCTL_BTF;
		bool bs = pd & VCHK_PDBG_BS;
		if (bs != (tf && !btf))
			return vchk_fail(c,
				"pending debug BS must be 1 iff RFLAGS.TF = 1 and DEBUGCTL.BTF = 0 (STI/MOV SS blocking or HLT)",
				VMCS_GUEST_PENDING_DBG, pd, "RFLAGS 0x%lx BTF %u",
				c->guest_rflags, (unsigned)btf);
	}
	if ((pd & VCHK_PDBG_RTM) &&
	    ((pd & (GENMASK(11, 0) | VCHK_PDBG_BS)) || !(pd & VCHK_PDBG_ENABLED_BP) ||
	     (ib & VCHK_INTB_MOV_SS)))
		return vchk_fail(c,
			"pending debug RTM (bit 16) requires bit 12 = 1, bits 11:0 and 14 = 0, no MOV SS blocking",
			VMCS_GUEST_PENDING_DBG, pd, "interruptibility 0x%lx", ib);

	/* VMCS link pointer. The CPU also accepts a pointer to a region with
	 * the right revision ID; we cannot read memory, and eptlab never uses
	 * one without VMCS shadowing, so we require ~0 then. */
	link = vchk_rd(c, VMCS_LINK_POINTER);
	if (link != ~0ULL) {
		if (!vchk_page_ok(c, link))
			return vchk_fail(c,
				"VMCS link pointer must be ~0 or 4K-aligned within MAXPHYADDR",
				VMCS_LINK_POINTER, link, "MAXPHYADDR %u", c->pa_bits);
		if (!(c->proc2 & PROC2_VMCS_SHADOWING))
			return vchk_fail(c,
				"VMCS link pointer must be 0xFFFFFFFFFFFFFFFF without VMCS shadowing",
				VMCS_LINK_POINTER, link, "proc2 0x%x", c->proc2);
	}
	return 0;
}

/* SDM 3C "Checks on Guest Page-Directory-Pointer-Table Entries". Only the
 * PAE-paging guest with EPT has its PDPTEs in the VMCS; without EPT they
 * come from guest memory and are not checked here. */
static int vchk_guest_pdpte(struct vchk *c)
{
	if (!(c->guest_cr0 & CR0_PG) || !(c->guest_cr4 & CR4_PAE) ||
	    (c->entry & ENTRY_IA32E_MODE_GUEST) || !(c->proc2 & PROC2_ENABLE_EPT))
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		enum vmcs_field f = (enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i);
		uint64_t e = vchk_rd(c, f);
		if ((e & VCHK_PDPTE_P) &&
		    ((e & VCHK_PDPTE_RSVD_LO) || !vchk_pa_ok(c, e)))
			return vchk_fail(c,
				"present PDPTE: bits 2:1, 8:5 and above MAXPHYADDR must be 0",
				f, e, "PDPTE%u, PAE paging with EPT", i);
	}
	return 0;
}

/* ------------------------------------------------------------------ */

struct vchk_group {
	enum vmx_check_area area;
	const char *section;
	int (*run)(struct vchk *c);
};

/* SDM order: controls, host state, guest state. */
static const struct vchk_group vchk_groups[] = {
	{ VMX_CHECK_CONTROLS, SEC_EXEC,     vchk_exec_controls },
	{ VMX_CHECK_CONTROLS, SEC_EXIT,     vchk_exit_controls },
	{ VMX_CHECK_CONTROLS, SEC_ENTRY,    vchk_entry_controls },
	{ VMX_CHECK_HOST,     SEC_HOST_CR,  vchk_host_cr_msr },
	{ VMX_CHECK_HOST,     SEC_HOST_SEG, vchk_host_seg },
	{ VMX_CHECK_HOST,     SEC_HOST_AS,  vchk_host_addr_size },
	{ VMX_CHECK_GUEST,    SEC_G_CR,     vchk_guest_cr_msr },
	{ VMX_CHECK_GUEST,    SEC_G_SEG,    vchk_guest_seg },
	{ VMX_CHECK_GUEST,    SEC_G_DT,     vchk_guest_dt },
	{ VMX_CHECK_GUEST,    SEC_G_RIP,    vchk_guest_rip_rflags },
	{ VMX_CHECK_GUEST,    SEC_G_NREG,   vchk_guest_nonreg },
	{ VMX_CHECK_GUEST,    SEC_G_PDPTE,  vchk_guest_pdpte },
};

int vmx_check_vmcs(const struct vmx_caps *caps, const struct vmcs_reader *rd,
		   struct vmx_check_failure *f)
{
	struct vchk c = { .caps = caps, .rd = rd, .f = f };

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
		int err;

		c.area = vchk_groups[i].area;
		c.section = vchk_groups[i].section;
		err = vchk_groups[i].run(&c);
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
