/*
 * The guest's MSRs, denied by default (docs/virtual-cpu.md, "MSRs").
 *
 * One table lists every MSR the guest may use and how; every other MSR is
 * #GP, as on a CPU that lacks it. An MSR whose feature the guest's CPUID
 * does not show (struct vcpu_features) does not exist either. The
 * policies:
 *
 *   pass     no exit; the CPU switches the MSR itself through VMCS fields
 *            (FS_BASE, GS_BASE: the guest-state base fields)
 *   vmcs     exits; the value lives in a VMCS guest field that VM entry
 *            loads and VM exit saves (EFER, PAT, SYSENTER_*, DEBUGCTL)
 *   switched exits; the value is per vCPU and the hardware holds it only
 *            while the guest runs (STAR, LSTAR, CSTAR, FMASK,
 *            KERNEL_GS_BASE, TSC_AUX, SPEC_CTRL)
 *   virtual  exits; per-vCPU state that never reaches the hardware
 *            (MTRRs, APIC_BASE, MCG_STATUS, TSC_DEADLINE, XSS)
 *   const    exits; a read-only constant
 *   tsc      exits; IA32_TSC and IA32_TSC_ADJUST become the VMCS TSC offset.
 *            The host's TSC is never written
 *   command  exits; write-only (PRED_CMD: IBPB is done on the hardware)
 *
 * Switched MSRs (wired in hv/vcpu_setup.c): on a write that passes the
 * checks, vcpu_msr_write() returns VCPU_MSR_SET_SWITCHED and the caller
 * stores the value in the guest's slot of the VM-entry MSR-load area. That
 * area (vcpu_msr_switch_list() fills it) loads every guest value at each VM
 * entry, and the VM-exit MSR-load area, holding the host's values of the
 * same MSRs, restores them at each VM exit (SDM 3C "VM-Entry Controls for
 * MSRs", "VM-Exit Controls for MSRs"). The host therefore never runs on a
 * guest value. Reads and writes exit, so the per-vCPU copy is the truth,
 * except for KERNEL_GS_BASE, which the guest's SWAPGS changes without an
 * exit: the VM-exit MSR-store area is its slot of the entry-load area, and
 * the caller copies that slot back before a read. Canonical checks use the
 * guest's linear-address width, not the host's. (The host never executes
 * SYSCALL, SWAPGS or RDTSCP, so a cheaper variant could drop the exit-load
 * area; the audit would then have to allow guest values in those MSRs.)
 *
 * Pure: the caller executes RDMSR/WRMSR/VMWRITE as the verdict says.
 * SDM revision 084: Vol. 4 "Model-Specific Registers (MSRs)", with the
 * sections named beside each rule in msr.c.
 */
#ifndef EPTLAB_VCPU_MSR_H
#define EPTLAB_VCPU_MSR_H

#include "include/types.h"
#include "include/x86.h"
#include "hv/vcpu/features.h"

/* MSR numbers include/x86.h does not name (SDM Vol. 4). */
#define MSR_IA32_TSC                0x010
#define MSR_IA32_PLATFORM_ID        0x017
#define MSR_IA32_TSC_ADJUST         0x03B
#define MSR_IA32_SPEC_CTRL          0x048
#define MSR_IA32_PRED_CMD           0x049
#define MSR_IA32_BIOS_SIGN_ID       0x08B
#define MSR_IA32_MTRRCAP            0x0FE
#define MSR_IA32_ARCH_CAPABILITIES  0x10A
#define MSR_IA32_MCG_CAP            0x179
#define MSR_IA32_MCG_STATUS         0x17A
#define MSR_IA32_MISC_ENABLE        0x1A0
#define MSR_IA32_MTRR_PHYSBASE0     0x200   /* base 0x200 + 2n, mask + 1 */
#define MSR_IA32_MTRR_FIX64K_00000  0x250
#define MSR_IA32_MTRR_FIX16K_80000  0x258
#define MSR_IA32_MTRR_FIX16K_A0000  0x259
#define MSR_IA32_MTRR_FIX4K_C0000   0x268   /* ... 0x26F FIX4K_F8000 */
#define MSR_IA32_MTRR_DEF_TYPE      0x2FF
#define MSR_IA32_PERF_CAPABILITIES  0x345
#define MSR_IA32_TSC_DEADLINE       0x6E0
#define MSR_IA32_XSS                0xDA0
#define MSR_CSTAR                   0xC0000083
#define MSR_FMASK                   0xC0000084
#define MSR_TSC_AUX                 0xC0000103

#define VCPU_MTRR_VAR        8          /* IA32_MTRRCAP.VCNT */
#define VCPU_MTRR_FIXED      11         /* fixed-range MTRRs */
/* IA32_MISC_ENABLE as the guest reads it: fast strings, BTS and PEBS
 * unavailable; no performance monitoring, no MONITOR, no EIST, XD on. */
#define VCPU_MISC_ENABLE     (BIT(0) | BIT(11) | BIT(12))
/* IA32_PLATFORM_ID as the guest reads it: platform ID (bits 52:50) 0,
 * the rest reserved (SDM Vol. 4 "IA32_PLATFORM_ID"); microcode loaders
 * read it to pick an update (Xen, Linux: 1 << ID). */
#define VCPU_PLATFORM_ID     0
/* IA32_FEATURE_CONTROL: locked, VMX off inside and outside SMX. */
#define VCPU_FEATURE_CONTROL FEATURE_CONTROL_LOCK
#define VCPU_PAT_RESET       0x0007040600070406ULL
#define VCPU_APIC_BASE_RESET (0xFEE00000ULL | BIT(11) | BIT(8)) /* EN, BSP */

enum vcpu_msr_policy {
	VCPU_MSR_PASS, VCPU_MSR_VMCS, VCPU_MSR_SWITCH, VCPU_MSR_VIRT,
	VCPU_MSR_CONST, VCPU_MSR_TSC, VCPU_MSR_COMMAND,
};

/* One row of the table: MSRs first..last. */
struct vcpu_msr_desc {
	uint32_t first, last;
	const char *name;
	enum vcpu_msr_policy policy;
	uint64_t needs;         /* VCPU_FEAT() bits: present if the guest sees
				   any of them; 0 = always present */
};

/* The switched MSRs, in table order (struct vcpu_msr.sw). */
enum vcpu_msr_sw {
	VCPU_SW_SPEC_CTRL, VCPU_SW_STAR, VCPU_SW_LSTAR, VCPU_SW_CSTAR,
	VCPU_SW_FMASK, VCPU_SW_KERNEL_GS_BASE, VCPU_SW_TSC_AUX,
	VCPU_SW_COUNT
};

/* The per-vCPU values behind the exiting MSRs (EFER lives in the VMCS:
 * the CPU changes EFER.LMA itself, so the caller passes it). */
struct vcpu_msr {
	uint64_t tsc_offset;        /* guest TSC = vcpu_msr_ctx.tsc + this */
	uint64_t tsc_adjust;
	uint64_t tsc_deadline;
	uint64_t apic_base;
	uint64_t pat;
	uint64_t sysenter_cs, sysenter_esp, sysenter_eip;
	uint64_t debugctl;
	uint64_t mcg_status;
	uint64_t sw[VCPU_SW_COUNT];  /* switched MSRs, enum vcpu_msr_sw */
	uint64_t xss;
	uint64_t mtrr_def_type;
	uint64_t mtrr_fixed[VCPU_MTRR_FIXED];
	uint64_t mtrr_var[2 * VCPU_MTRR_VAR];   /* PHYSBASEn, PHYSMASKn */
};

/* What the caller knows at the exit. */
struct vcpu_msr_ctx {
	uint64_t tsc;   /* the TSC the guest would read with a zero offset
			   (the host TSC, scaled when TSC scaling is on) */
	uint64_t cr0;   /* the guest's CR0 (EFER.LME may not change with PG) */
	uint64_t efer;  /* the guest's EFER (VMCS guest IA32_EFER) */
};

/* What the caller does with a verdict. */
enum vcpu_msr_action {
	VCPU_MSR_GP,              /* inject #GP(0); 'reason' says why */
	VCPU_MSR_DONE,            /* read: 'value'; write: kept in vcpu_msr */
	VCPU_MSR_SET_EFER,        /* VMCS guest IA32_EFER := value */
	VCPU_MSR_SET_PAT,         /* VMCS guest IA32_PAT := value */
	VCPU_MSR_SET_SYSENTER_CS, /* VMCS guest SYSENTER_CS := value */
	VCPU_MSR_SET_SYSENTER_ESP,
	VCPU_MSR_SET_SYSENTER_EIP,
	VCPU_MSR_SET_DEBUGCTL,    /* VMCS guest IA32_DEBUGCTL := value */
	VCPU_MSR_SET_TSC_OFFSET,  /* VMCS TSC offset := value */
	VCPU_MSR_SET_SWITCHED,    /* VM-entry MSR-load slot of msr := value */
	VCPU_MSR_SET_APIC_BASE,   /* APIC base or mode is now value */
	VCPU_MSR_SET_DEADLINE,    /* TSC-deadline timer at value (0: off) */
	VCPU_MSR_IBPB,            /* WRMSR IA32_PRED_CMD := 1 on the host */
};

struct vcpu_msr_verdict {
	enum vcpu_msr_action action;
	uint64_t value;
	const char *reason;                /* for VCPU_MSR_GP */
	const struct vcpu_msr_desc *desc;  /* its row; NULL: not in the table */
};

/* The table, in MSR order, and one row of it (NULL if msr is not in it;
 * the row may still be absent for this feature set). */
const struct vcpu_msr_desc *vcpu_msr_table(size_t *n);
const struct vcpu_msr_desc *vcpu_msr_find(uint32_t msr);
/* Whether the row's MSRs exist for feature set f. */
bool vcpu_msr_present(const struct vcpu_msr_desc *d,
		      const struct vcpu_features *f);
/* "IA32_PAT", or "unknown". */
const char *vcpu_msr_name(uint32_t msr);
/* "pass", "vmcs", ... as in docs/virtual-cpu.md. */
const char *vcpu_msr_policy_name(enum vcpu_msr_policy p);

/* Power-up values (SDM Vol. 3A "Initialization Overview": PAT, APIC base
 * with EN and BSP, MTRRs disabled; TSC offset and TSC_ADJUST 0). */
void vcpu_msr_reset(struct vcpu_msr *m, const struct vcpu_features *f);

/* RDMSR / WRMSR of msr by the guest. A write either passes every check
 * and updates m, or changes nothing. */
struct vcpu_msr_verdict vcpu_msr_read(const struct vcpu_msr *m,
				      const struct vcpu_features *f,
				      const struct vcpu_msr_ctx *c,
				      uint32_t msr);
struct vcpu_msr_verdict vcpu_msr_write(struct vcpu_msr *m,
				       const struct vcpu_features *f,
				       const struct vcpu_msr_ctx *c,
				       uint32_t msr, uint64_t val);

/* The 4 KiB VMX MSR bitmap (SDM 3C "VM-Execution Control Fields",
 * "MSR-Bitmap Address"): 1 KiB each of read-low (0-0x1FFF), read-high
 * (0xC0000000-0xC0001FFF), write-low, write-high; a set bit exits. Every
 * bit is set except those of the present pass-through MSRs. */
#define VCPU_MSR_BITMAP_SIZE 4096
void vcpu_msr_bitmap(uint8_t bm[VCPU_MSR_BITMAP_SIZE],
		     const struct vcpu_features *f);
/* Whether an access to msr exits with bitmap bm (outside both ranges:
 * always). */
bool vcpu_msr_bitmap_exits(const uint8_t bm[VCPU_MSR_BITMAP_SIZE],
			   uint32_t msr, bool write);

/* One entry of a VMX MSR-load/-store area (SDM 3C "VM-Exit Controls for
 * MSRs"): index in bits 31:0, 63:32 reserved, data in 127:64. */
struct vcpu_msr_slot {
	uint32_t index;
	uint32_t reserved;
	uint64_t value;
};
_Static_assert(sizeof(struct vcpu_msr_slot) == 16, "VMX MSR-area entry");
#define VCPU_MSR_SWITCH_MAX VCPU_SW_COUNT

/* The switched MSRs present for f with the guest's values, in table
 * order: the VM-entry MSR-load area. The VM-exit MSR-load area has the
 * same indices with the host's values (the caller reads them). Returns
 * the count (<= VCPU_MSR_SWITCH_MAX). */
unsigned vcpu_msr_switch_list(const struct vcpu_msr *m,
			      const struct vcpu_features *f,
			      struct vcpu_msr_slot out[VCPU_MSR_SWITCH_MAX]);

/* Once-only reporting of unknown MSRs: one bit per MSR of the two bitmap
 * ranges, plus a few slots for others. Zero-initialise it. */
#define VCPU_MSR_SEEN_OTHER 8
struct vcpu_msr_seen {
	uint8_t lo[0x2000 / 8], hi[0x2000 / 8];
	uint32_t other[VCPU_MSR_SEEN_OTHER];
	unsigned n_other;
	unsigned suppressed;    /* others not reported: the slots were full */
};
/* True the first time msr is seen, so the caller prints once
 * "msr: first access to unknown MSR 0x%x (%s) at rip 0x%llx: #GP". */
bool vcpu_msr_first_unknown(struct vcpu_msr_seen *s, uint32_t msr);

#endif
