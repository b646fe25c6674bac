/*
 * Internals shared by the VM-entry checker files (vmx/vmx_check*.c):
 * bit layouts the checks need, the per-run state, and the check groups.
 * SDM references are to the Intel SDM, revision 084, Vol. 3C "VM Entries".
 */
#ifndef EPTLAB_VMX_CHECK_INT_H
#define EPTLAB_VMX_CHECK_INT_H

#include "include/types.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"


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

/* Section titles, named by each rule's row in vmx/vmx_check_rules.def. */
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

/* State of one run: inputs, and values many rules share (controls are
 * the effective ones: secondary controls read as 0 unless "activate
 * secondary controls" is 1). */
struct vchk {
	const struct vmx_caps *caps;
	const struct vmcs_reader *rd;
	struct vmx_check_failure *f;
	unsigned pa_bits;
	uint32_t pin, proc, proc2, exit, entry;
	uint64_t guest_cr0, guest_cr4, guest_rflags;
	uint32_t intr_info;
	struct vchk_seg seg[VCHK_NSEG];
};

/* Shared helpers (vmx/vmx_check.c). */
uint64_t vchk_rd(const struct vchk *c, enum vmcs_field fld);
/* Record rule 'id' as failed in c->f; always returns -EINVAL. Each rule
 * id is passed here at exactly one site, as `return vchk_fail(c, id, ...)`
 * (scripts/check-rules.py relies on it). */
int vchk_fail(struct vchk *c, enum vmx_check_rule id, enum vmcs_field fld,
	      uint64_t val, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool vchk_canonical(const struct vchk *c, uint64_t a);
bool vchk_pa_ok(const struct vchk *c, uint64_t a);
bool vchk_page_ok(const struct vchk *c, uint64_t a);
bool vchk_pat_ok(uint64_t pat);
bool vchk_limit_g_ok(uint32_t limit, uint32_t ar);

/* Check groups, one per SDM subsection, run in SDM order. */
int vchk_exec_controls(struct vchk *c);     /* vmx_check_ctl.c */
int vchk_exit_controls(struct vchk *c);
int vchk_entry_controls(struct vchk *c);
int vchk_host_cr_msr(struct vchk *c);       /* vmx_check_host.c */
int vchk_host_seg(struct vchk *c);
int vchk_host_addr_size(struct vchk *c);
void vchk_load_segs(struct vchk *c);        /* vmx_check_guest.c */
int vchk_guest_cr_msr(struct vchk *c);
int vchk_guest_seg(struct vchk *c);
int vchk_guest_dt(struct vchk *c);
int vchk_guest_rip_rflags(struct vchk *c);
int vchk_guest_nonreg(struct vchk *c);
int vchk_guest_pdpte(struct vchk *c);

#endif
