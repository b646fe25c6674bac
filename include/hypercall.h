/*
 * The eptlab hypercall ABI, shared by the hypervisor and the guest kernel
 * (documented in docs/hypercalls.md).
 *
 *   VMCALL with RAX = number, arguments in RBX, RCX, RDX, RSI.
 *   Result in RAX: >= 0 on success, a negative errno (include/err.h) on
 *   failure (-ENOSYS for an unknown number, -EINVAL / -EFAULT for bad
 *   arguments). Other registers are preserved.
 *
 * The guest detects eptlab with CPUID: leaf 1 ECX bit 31 (hypervisor
 * present) and leaf 0x40000000 returning the signature "EptLabEptLab" in
 * EBX, ECX, EDX and the highest hypervisor leaf in EAX.
 *
 * Ending a run: the guest writes its status byte to I/O port 0xF4
 * (0 = pass, anything else = fail); the hypervisor traps it, prints its
 * statistics and ends the run. Under plain QEMU the same write reaches
 * isa-debug-exit, so one guest binary works on both.
 */
#ifndef EPTLAB_HYPERCALL_H
#define EPTLAB_HYPERCALL_H

#include "include/types.h"

#define HC_CPUID_LEAF        0x40000000
#define HC_CPUID_SIG_EBX     0x4C747045   /* "EptL" */
#define HC_CPUID_SIG_ECX     0x70456261   /* "abEp" */
#define HC_CPUID_SIG_EDX     0x62614C74   /* "tLab" */

#define GUEST_EXIT_PORT      0xF4
#define GUEST_STATUS_SKIP    77     /* status byte: the guest skipped */
#define GUEST_COM1_PORT      0x3F8

#define HC_ABI_VERSION       1

enum hc_number {
	HC_VERSION      = 0,   /* -> HC_ABI_VERSION */
	HC_ECHO         = 1,   /* rbx -> rbx + 1 (round-trip test) */
	HC_DUMP_STATE   = 2,   /* print guest registers and control state */
	HC_EXIT_STATS   = 3,   /* print per-reason exit counts now */
	HC_TRANSLATE    = 4,   /* rbx = GVA, rcx = GPA of struct hc_walk,
	                          rdx = HC_WALK_* flags -> 0 */
	HC_INVEPT       = 5,   /* rbx = type (1 single, 2 all) -> 0 */
	HC_INVVPID      = 6,   /* rbx = type (0 addr, 1 single, 2 all, 3 single
	                          keeping globals), rcx = GVA for type 0 -> 0 */
	HC_PROBE_GPA    = 7,   /* rbx = GPA -> 0 if backed, -ENOENT if not */
	/* EPT-path scenarios (all GPAs page-aligned, inside guest RAM). */
	HC_EPT_REMAP    = 8,   /* rbx = GPA, rcx = 64-bit fill pattern: back the
	                          page by a fresh host frame filled with the
	                          pattern (old frame freed), INVEPT -> 0 */
	HC_EPT_PROTECT  = 9,   /* rbx = GPA, rcx = bytes, rdx = HC_EPT_R|W|X
	                          -> 0; INVEPT done */
	HC_WRITE_TRACK  = 10,  /* rbx = GPA, rcx = bytes: make read-only; each
	                          first write is logged (struct hc_violation)
	                          and write access restored -> 0 */
	HC_VIOLATION_LOG = 11, /* rbx = GPA of struct hc_violation[rcx] -> count
	                          copied; the log is then emptied */
	HC_DEMAND       = 12,  /* rbx = GPA, rcx = bytes: unback the range; each
	                          first touch is one EPT violation that backs a
	                          zeroed 4 KiB page -> 0 */
	HC_COUNTERS     = 13,  /* rbx = GPA of struct hc_counters -> 0 */
	HC_EPT_AD       = 14,  /* rbx = GPA, rcx = pages, rdx = GPA of uint8_t
	                          [pages] (bit0 A, bit1 D of the EPT leaf),
	                          rsi = 1 to clear them afterwards (+INVEPT) */
	HC_CONFIG       = 15,  /* rbx = GPA of struct hc_config -> 0 */
	HC_AUDIT        = 16,  /* hypervisor self-audit (hv/audit.h): rbx =
	                          0 for all of it (.text + .rodata unchanged
	                          since boot, every EPT leaf of every view in
	                          the VM's own frames, the host MSRs
	                          unchanged), or one part only:
	                          HC_AUDIT_EPT, HC_AUDIT_HOST_MSRS
	                          -> 0, else -EIO */
	/* 17..26: EPT views, #VE, dirty logging, sub-page permissions
	 * (docs/ept-views.md; view = 0..HC_VIEWS-1, 0 the default view). */
	HC_VIEW_CREATE  = 17,  /* rbx = PG_SIZE_* leaf sizes allowed (0: the
	                          VM's) -> index of a new view, a copy of view
	                          0; -ENOSPC if all HC_VIEWS exist */
	HC_VIEW_DESTROY = 18,  /* rbx = view (not 0) -> 0; the vCPU moves to
	                          view 0 if it ran there */
	HC_VIEW_SELECT  = 19,  /* rbx = view -> 0: run in it from now on (the
	                          fallback for VMFUNC; works on every CPU) */
	HC_VIEW_PROTECT = 20,  /* rbx = view, rcx = GPA, rdx = bytes, rsi =
	                          HC_EPT_R|W|X (0: no access) in that view
	                          only -> 0 */
	HC_VIEW_VE      = 21,  /* rbx = view, rcx = GPA, rdx = bytes, rsi = 1:
	                          EPT violations there become a guest #VE
	                          (suppress-#VE cleared), 0: they exit -> 0;
	                          -EOPNOTSUPP without #VE */
	HC_VE_INFO      = 22,  /* rbx = GPA of the #VE information area (a page,
	                          pinned; struct hc_ve_info), 0: #VE off -> 0 */
	HC_VIEW_INFO    = 23,  /* rbx = GPA of struct hc_view_info -> 0 */
	HC_DIRTY_START  = 24,  /* rbx = GPA, rcx = bytes (0: stop), rdx =
	                          HC_DIRTY_AUTO|PML|WP -> the back end used */
	HC_DIRTY_LOG    = 25,  /* rbx = GPA of uint64_t[rcx] -> count of GPAs
	                          written since the last call (ascending, page
	                          aligned); those are cleared, the rest kept */
	HC_SPP_SET      = 26,  /* rbx = GPA (a page), rcx = bit i: sub-page i
	                          (128 bytes) writable, rdx = HC_SPP_* -> 0 */
	HC_INJECT_NMI   = 27,  /* rbx = 0: an NMI for the calling vCPU, as
	                          from its NMI pin (one may be pending; a
	                          second while one is pending is merged, as on
	                          hardware) -> 0; -EINVAL if rbx != 0 */
	HC_MAX,
	/* 32..47: benchmark support (hv/bench.c, docs/benchmarks.md). */
	HC_BENCH_FIRST  = 32,
	HC_BENCH_LAST   = 47,
};

/* Benchmark calls (hv/bench.c, docs/benchmarks.md), in HC_BENCH_FIRST..LAST.
 * HC_BENCH_REPORT: rbx = guest TSC at its first 64-bit instruction (0 if
 * not recorded), rcx = guest TSC when the benchmarks started; each must lie
 * between VMLAUNCH and now (-EINVAL otherwise). The hypervisor prints its
 * own figures as `BENCH: key=value` lines -> 0; once per run (-EBUSY
 * after). */
#define HC_BENCH_REPORT   32
/* HC_BENCH_VIEWS: prints `BENCH: hv_pml_full_drain_ticks=N`, the ticks of
 * the last drain of a full PML log (hv/vm_pml.c) -> 0. */
#define HC_BENCH_VIEWS    33
/* HC_BENCH_IRQ: rbx = GPA of struct hc_bench_irq, filled with the guest
 * TSCs of the last interrupt the hypervisor injected -> 0 (-ENOENT if none
 * yet). */
#define HC_BENCH_IRQ      34
struct hc_bench_irq {
	uint64_t deadline_tsc;    /* the device deadline that raised it (the
	                             PIT's, RTC's or LAPIC timer's event) */
	uint64_t inject_tsc;      /* the exit that injected it */
	uint64_t hlt_entry_tsc;   /* the last VM entry into the HLT state
	                             before it (0: the guest was not halted) */
	uint32_t vector;
	uint32_t from_hlt;        /* 1: it woke the guest from HLT */
};

/* HC_CONFIG: how the hypervisor set this guest up. */
#define HC_DEMAND_OFF     0   /* all guest RAM backed at boot */
#define HC_DEMAND_BUFFER  1   /* only ranges given to HC_DEMAND are lazy */
#define HC_DEMAND_FULL    2   /* all guest RAM backed on first touch */
struct hc_config {
	uint64_t ram_size;        /* bytes of guest RAM, GPA [0, ram_size) */
	uint32_t ept_leaf_sizes;  /* PG_SIZE_* bits allowed for EPT leaves */
	uint32_t vpid;            /* VPID in use (0 = off) */
	uint32_t ept_ad;          /* EPT accessed/dirty flags enabled */
	uint32_t demand;          /* HC_DEMAND_* */
	uint32_t invept_types;    /* bit 1 single, bit 2 all */
	uint32_t invvpid_types;   /* bit n = INVVPID type n supported */
	/* Interrupts and time (docs/platform.md). */
	uint64_t tsc_khz;         /* the TSC rate every virtual timer runs on
	                             (also CPUID 15H/16H) */
	uint64_t rtc_epoch;       /* seconds since 1970 the RTC started at
	                             (VMLAUNCH; rtc=fixed|host) */
	uint32_t irq_flags;       /* HC_IRQF_* */
	uint32_t host_irq_test;   /* test_host_irq=: 0 none, 1 pit */
};
#define HC_IRQF_HLT_STATE     BIT(0)  /* HLT waits in the HLT activity state
                                         (else a TSC spin in VMX root) */
#define HC_IRQF_VIRTUAL_NMIS  BIT(1)  /* virtual NMIs and NMI windows */
#define HC_IRQF_APICV         BIT(2)  /* APIC virtualization on (apicv=on
                                         and the CPU has it): most local
                                         APIC accesses cause no exit, its
                                         interrupts are not injected */
#define HC_HOST_IRQ_PIT       1

/* HC_AUDIT parts (rbx): 0 = the whole audit. */
#define HC_AUDIT_EPT       2   /* only: every view's EPT in the VM's frames */
#define HC_AUDIT_HOST_MSRS 4   /* only: host PAT, MTRRs, TSC_ADJUST unchanged */

/* HC_TRANSLATE flags (rdx). */
#define HC_WALK_PRINT  1   /* also draw the walk on the console + WALK-JSON */
#define HC_WALK_VIEW   2   /* walk view rsi (else the view the vCPU is in) */

/* EPT permission bits for HC_EPT_PROTECT (same as the EPT entry bits). */
#define HC_EPT_R   1
#define HC_EPT_W   2
#define HC_EPT_X   4

/* One EPT entry read during a walk. */
struct hc_ept_step {
	uint64_t entry_hpa;       /* host-physical address of the EPT entry */
	uint64_t entry;           /* its value */
};

/* One guest paging-structure entry, and the EPT walk that located it. */
struct hc_walk_level {
	uint64_t entry_gpa;       /* guest-physical address of the entry */
	uint64_t entry_hpa;       /* host-physical address of the entry */
	uint64_t entry;           /* its value */
	uint32_t level;           /* 0 = PML4 ... 3 = PT */
	uint32_t ept_nsteps;      /* EPT entries read to translate entry_gpa */
	struct hc_ept_step ept[4];
};

/* HC_TRANSLATE result: the full two-dimensional walk of one GVA, as the
 * hypervisor's software walker performs it over the guest's CR3. */
struct hc_walk {
	uint64_t gva;
	uint64_t guest_cr3;
	uint64_t gpa, hpa;            /* final translation */
	uint64_t guest_page_size;     /* guest leaf size */
	uint64_t ept_page_size;       /* EPT leaf size of the final GPA */
	int32_t  result;              /* 0; -ENOENT guest fault; -EFAULT EPT fault */
	uint32_t guest_nsteps;        /* guest entries read */
	uint32_t final_ept_nsteps;    /* EPT entries read for the final GPA */
	uint32_t nrefs;               /* memory references in all */
	struct hc_walk_level lvl[4];
	struct hc_ept_step final_ept[4];
};

/* One logged EPT violation (HC_VIOLATION_LOG). */
struct hc_violation {
	uint64_t gpa;
	uint64_t gla;                 /* valid if qual bit 7 */
	uint64_t qual;                /* raw exit qualification */
	uint64_t ept_leaf_gpa;        /* base GPA of the EPT leaf that faulted */
};
/* hc_violation.qual bit 63, reserved in the SDM's exit qualification (so
 * never set by the CPU): no EPT violation, but the hypervisor wrote this
 * write-tracked page (a hypercall result, the guest image). The rest reads
 * as for a guest write: bit 1 (write), bits 3 and 5 (readable, executable
 * as the leaf was), bit 7 clear (no GLA, gla = 0). */
#define HC_VIOL_HV_WRITE  (1ULL << 63)

/* HC_COUNTERS. Fields are only ever appended (a guest built against an
 * older header reads a prefix). */
struct hc_counters {
	uint64_t exits;
	uint64_t ept_violations;
	uint64_t demand_faults;       /* pages backed on first touch */
	uint64_t demand_paging_struct;/* ... of which guest paging-structure
	                                 accesses (qual bit 8 = 0) */
	uint64_t write_track_faults;
	uint64_t invept, invvpid;     /* executed by the hypervisor */
	/* invept by type: single-context (1) and all-context (2). */
	uint64_t invept_single, invept_all;
	/* invvpid by type 0..3 (individual address, single-context,
	 * all-context, single-context retaining globals). */
	uint64_t invvpid_type[4];
	/* Events (docs/platform.md "Interrupts and time"). */
	uint64_t irq_injected;        /* external interrupts injected */
	uint64_t nmi_injected;        /* NMIs injected */
	uint64_t reinjected;          /* events re-injected from the
	                                 IDT-vectoring information */
	/* The host's interrupts, contained (exits like `exits`: the deltas
	 * of docs/guest.md leave them out). */
	uint64_t host_irq_exits;      /* external-interrupt exits */
	uint64_t host_nmi_exits;      /* NMI exits */
	uint64_t timer_exits;         /* VMX-preemption-timer exits (the
	                                 next device deadline, the watchdog,
	                                 the event horizon) */
	/* The local APIC and I/O APIC pages (docs/platform.md "APIC
	 * virtualization"). */
	uint64_t mmio_exits;          /* accesses the MMIO decoder performed
	                                 (EPT violations on a device page,
	                                 APIC-access exits) */
	uint64_t apic_write_exits;    /* trap-like APIC-write exits */
	uint64_t eoi_exits;           /* EOI-induced exits (level-triggered
	                                 I/O APIC vectors) */
};

/* ------------------------------------------------ EPT views */

#define HC_VIEWS          8

/* HC_VIEW_INFO features. */
#define HC_VF_VMFUNC      BIT(0)   /* VMFUNC(0, view) switches views, no exit */
#define HC_VF_VE          BIT(1)   /* EPT-violation #VE */
#define HC_VF_PML         BIT(2)   /* page-modification logging (+ EPT A/D) */
#define HC_VF_SPP         BIT(3)   /* sub-page write permissions */

struct hc_view_counters {
	uint64_t vmfunc_ud;       /* VMFUNC exits (bad function or view): #UD */
	uint64_t view_selects;    /* HC_VIEW_SELECT */
	uint64_t ve_busy;         /* convertible violations that exited: the
	                             #VE information area was busy */
	uint64_t pml_full;        /* PML log-full exits */
	uint64_t pml_logged;      /* PML entries drained */
	uint64_t spp_denied;      /* writes refused by sub-page permissions */
	uint64_t spp_misses;      /* SPPT misses resolved (HC_SPP_LAZY) */
};

struct hc_view_info {
	uint32_t active;          /* the view the vCPU runs in (read from the
	                             VMCS: VMFUNC switches without an exit) */
	uint32_t live;            /* bit i: view i exists */
	uint32_t features;        /* HC_VF_* */
	uint32_t views;           /* HC_VIEWS */
	uint64_t eptp[HC_VIEWS];  /* EPTP of each view, 0 if none */
	struct hc_view_counters ctr;
};

/* The virtualization-exception information area (HC_VE_INFO): the CPU's
 * layout, SDM 3C "Virtualization-Exception Information". The CPU writes
 * it before delivering #VE (vector 20) and sets `busy` to 0xFFFFFFFF;
 * while busy is not 0 a convertible violation exits instead. The guest's
 * handler re-arms it by writing 0 to busy. */
struct hc_ve_info {
	uint32_t reason;          /* 48 (EPT violation) */
	uint32_t busy;            /* the semaphore */
	uint64_t qual;            /* as the exit qualification */
	uint64_t gla;
	uint64_t gpa;
	uint16_t eptp_index;      /* the view the violation happened in */
};
#define HC_VE_VECTOR      20

/* HC_DIRTY_START back ends. */
#define HC_DIRTY_AUTO     0   /* PML where the CPU has it, else WP */
#define HC_DIRTY_PML      1   /* page-modification logging */
#define HC_DIRTY_WP       2   /* write protection (write tracking) */

/* HC_SPP_SET flags (rdx). */
#define HC_SPP_CLEAR      1   /* sub-page permissions off for the page */
#define HC_SPP_LAZY       2   /* build the SPP-table path of the page's
                                 2 MiB block on its first SPPT miss (an
                                 SPP-related exit) instead of now */

/* ---- Calls at CPL > 0 (docs/hypercalls.md "Calls from CPL > 0").
 * The caller's CPL is SS.DPL, bits 6:5 of the guest's SS access rights in
 * the VMCS. At CPL > 0 only the calls that read and report are allowed:
 * HC_VERSION, HC_ECHO, HC_DUMP_STATE, HC_EXIT_STATS, HC_TRANSLATE and
 * HC_PROBE_GPA. Every other number (those that change EPT, flush, write a
 * result to a guest-physical address or change the hypervisor's state,
 * the EPT-view calls HC_VIEW_CREATE..HC_SPP_SET among them) returns
 * -EPERM and does nothing. (VMFUNC itself is the CPU's: it switches views
 * at any CPL, SDM 3C "VM Functions".) No call writes a caller-chosen
 * guest-physical address at CPL > 0: HC_TRANSLATE then takes RCX as the
 * guest-virtual address of its struct hc_walk, and writes it only if every
 * page of it is user-writable through the guest's own page tables (P, R/W
 * and U/S at every level, under the current CR3, PCID bits masked) and
 * writable in EPT; otherwise it returns -EACCES (-EFAULT: not mapped). */
static inline bool hc_allowed_at_cpl3(uint64_t nr)
{
	return nr == HC_VERSION || nr == HC_ECHO || nr == HC_DUMP_STATE ||
	       nr == HC_EXIT_STATS || nr == HC_TRANSLATE || nr == HC_PROBE_GPA;
}

#endif
