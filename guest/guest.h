/* The guest kernel's internal interfaces (the .c files in guest/). */
#ifndef EPTLAB_GUEST_H
#define EPTLAB_GUEST_H

#include "include/types.h"

/* ---- guest/main.c */
__attribute__((noreturn)) void guest_main(uint32_t magic, uint64_t info_pa);

/* ---- guest/idt.c, guest/isr.asm */

/* Saved by isr.asm: GPRs pushed last-first, then the vector and error
 * code (0 when the CPU pushes none), then the CPU's own frame. */
struct isr_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error_code;
	uint64_t rip, cs, rflags, rsp, ss;
};

/* What an expected fault left behind. */
struct fault_rec {
	bool hit;
	uint64_t vector, error_code, cr2, rip;
};

void idt_init(void);
/* Point vector's interrupt gate at handler (a scenario's own entry);
 * returns the handler it had, to put back. */
uint64_t idt_set_handler(unsigned vector, uint64_t handler);
/* Arm: the next exception `vector` is recorded and execution resumes at
 * fixup instead of ending the run. One shot. */
void fault_expect(unsigned vector, const void *fixup);
/* Disarm and return what was recorded (hit = false: no fault). */
struct fault_rec fault_take(void);

/* Probes with known faulting instruction and resume address. */
uint64_t probe_read64(uint64_t va);
void probe_write64(uint64_t va, uint64_t val);
void probe_vmfunc(uint32_t fn, uint32_t arg);
extern const char probe_read64_insn[], probe_read64_done[];
extern const char probe_write64_insn[], probe_write64_done[];
extern const char probe_vmfunc_insn[], probe_vmfunc_done[];

/* #VE (vector 20): when set, isr_dispatch hands the exception to this
 * hook, before any armed fault_expect (guest/views.c). */
extern void (*ve_hook)(struct isr_frame *f);

/* #PF error code bits (SDM 3A "Interrupt 14—Page-Fault Exception"). */
#define PF_ERR_P     BIT(0)
#define PF_ERR_W     BIT(1)
#define PF_ERR_U     BIT(2)
#define PF_ERR_RSVD  BIT(3)
#define PF_ERR_ID    BIT(4)

#define VEC_UD  6
#define VEC_GP  13
#define VEC_PF  14
#define VEC_VE  20

/* ---- guest/hc_client.c: the hypercall client */
/* True if running under eptlab (CPUID 0x40000000 signature). */
bool hv_detect(void);
bool hv_present(void);
/* VMCALL; -ENOSYS without eptlab (VMCALL would raise #UD there). */
long hc_call(unsigned long nr, unsigned long a1, unsigned long a2,
	     unsigned long a3, unsigned long a4);

/* ---- guest/scenarios.c */
void scenarios_run(void);
/* True if the word w appears in the Multiboot command line. */
bool guest_has_arg(const char *w);
/* Benchmark mode (cmdline word "bench"): guest/bench.c. */
void bench_run(void);

/* ---- guest/scen_util.c: shared by the scenarios that need eptlab
 * (guest/scen_xlate.c, scen_ept.c, scen_mem.c, scen_demand.c;
 * docs/guest.md). */
struct hc_config;
struct hc_walk;
struct hc_violation;
struct hc_counters;

/* HC_CONFIG as read once by scen_hv_setup (valid if scen_cfg_rc == 0). */
extern struct hc_config scen_cfg;
extern long scen_cfg_rc;

/* The scenario RAM chunk: SCEN_CHUNK bytes, 2 MiB aligned, at the top of
 * guest RAM, reserved in the frame pool before any scenario runs, so that
 * the guest never touches it except where a scenario says so. */
#define SCEN_CHUNK        (8 * SZ_2M)
#define SCEN_R0           0                  /* 2M: guest 2M page, EPT 4K */
#define SCEN_R1           SZ_2M              /* 2M: guest 4K in EPT 2M */
#define SCEN_R2           (2 * SZ_2M)        /* 2M: single pages below */
#define SCEN_R3           (3 * SZ_2M)        /* 2M: splits a 1G EPT leaf */
#define SCEN_FRESH        (SCEN_R2 + 0 * SZ_4K)     /* 16 pages */
#define SCEN_FRESH_PAGES  16
#define SCEN_DEMAND       (SCEN_R2 + 64 * SZ_4K)    /* 64 pages */
#define SCEN_DEMAND_PAGES 64
#define SCEN_FULL         (SCEN_R2 + 160 * SZ_4K)   /* 4 pages */
#define SCEN_AD           (SCEN_R2 + 176 * SZ_4K)   /* 6 pages */
#define SCEN_AD_PAGES     6
#define SCEN_G1           (SCEN_R2 + 200 * SZ_4K)   /* 1 page */
#define SCEN_R4           (4 * SZ_2M)        /* 2M: EPT views */
#define SCEN_VIEWS        (SCEN_R4 + 0 * SZ_4K)     /* 8 pages */
#define SCEN_R5           (5 * SZ_2M)        /* 2M: SPP, path built now */
#define SCEN_R6           (6 * SZ_2M)        /* 2M: SPP, path on a miss */
#define SCEN_R7           (7 * SZ_2M)        /* 2M: dirty log; untouched
                                                before, so a large EPT
                                                leaf until logging starts */
#define SCEN_DIRTY        (SCEN_R7 + 64 * SZ_4K)    /* 16 pages */
#define SCEN_DIRTY_PAGES  16
extern uint64_t scen_base;       /* GPA of the chunk, 0 = RAM too small */

/* Test-window virtual addresses (the anchored page table of
 * guest/scenarios.c holds slots 0..510; 0..15 belong to scenarios.c). */
#define SCEN_SLOT(n)      (GUEST_TEST_VA + (uint64_t)(n) * SZ_4K)
#define SCEN_VA_2M        (GUEST_TEST_VA + 2 * SZ_2M)   /* PD index 2 */
#define SCEN_VA_FULL      (GUEST_TEST_VA + 3 * SZ_2M)   /* PD index 3 */

void scen_hv_setup(void);
void scen_hv_run(void);
/* SKIP name and return false when eptlab is absent; FAIL it and return
 * false when HC_CONFIG failed. */
bool scen_need_hv(const char *name);
long hc_translate(uint64_t va, struct hc_walk *w, bool print);
/* Copy out and empty the violation log: count (<= max) or -errno. */
long hc_vlog(struct hc_violation *v, unsigned max);
long hc_counters(struct hc_counters *c);
/* The VM exits the guest caused between two HC_COUNTERS snapshots: all
 * of them but the host's interrupts and NMIs and the VMX-preemption timer's
 * (which come whenever the host or a deadline says). */
uint64_t scen_guest_exits(const struct hc_counters *c0,
			  const struct hc_counters *c1);
/* Counter deltas (docs/guest.md "Counter deltas"): a scenario reads
 * HC_COUNTERS before a step (scen_ctr_snap) and requires the exact change
 * of every counter but exits after it (scen_ctr_expect, want = the change:
 * zero where not set). Each FAILs name (naming the step and the first
 * counter that differs) and returns false. */
bool scen_ctr_snap(const char *name, struct hc_counters *c);
bool scen_ctr_expect(const char *name, const char *step,
		     const struct hc_counters *c0,
		     const struct hc_counters *want);
/* The same for two snapshots already taken. */
bool scen_ctr_check(const char *name, const char *step,
		    const struct hc_counters *c0, const struct hc_counters *c1,
		    const struct hc_counters *want);
/* Add n flushes of the hypervisor's paging engine to want: INVEPT, and
 * the type its flush hook uses (single-context if HC_CONFIG has it, else
 * all-context: hv/ept_view.c vm_view_invept, once per view changed). */
void scen_want_invept(struct hc_counters *want, unsigned n);
/* The size of the EPT leaf that maps gpa now (HC_TRANSLATE of its
 * direct-map address), 0 if none. */
uint64_t scen_ept_leaf(uint64_t gpa);
/* Map one 4 KiB RW, NX, non-global test page (engine flush on). */
int scen_map4k(uint64_t va, uint64_t pa);
void scen_unmap(uint64_t va, uint64_t size);
uint64_t scen_rd(uint64_t va);
void scen_wr(uint64_t va, uint64_t v);
/* HC_TRANSLATE va and check it against the guest's own walk: GPA =
 * want_gpa, guest leaf = want_gsize, EPT leaf = want_esize (0: any),
 * EPT steps and reference count consistent. FAILs name and returns false
 * on a mismatch; *out gets the walk. */
bool scen_xlate_check(const char *name, uint64_t va, uint64_t want_gpa,
		      uint64_t want_gsize, uint64_t want_esize, bool print,
		      struct hc_walk *out);

/* ---- guest/scen_xlate.c, scen_ept.c, scen_mem.c, scen_demand.c */
void scen_xlate_run(void);
void scen_ept_run(void);
void scen_mem_run(void);
void scen_demand_run(void);
/* guest/scen_user.c: the hypercall policy at CPL 3 (test-window slots
 * 40-42). */
void scen_user_run(void);
/* guest/scen_audit.c: hv.audit, the last scenario. */
void scen_audit_run(void);
/* ---- guest/scen_vcpu.c: the virtual CPU (MSRs, TSC, XSETBV, CRs, debug) */
void scen_vcpu_run(void);
void scen_vcpu_dbg_run(void);     /* guest/scen_vcpu_dbg.c */
/* ---- guest/scen_apic.c: the local APIC */
void scen_apic_run(void);
void scen_ioapic_run(void);     /* guest/scen_ioapic.c */
/* ---- guest/scen_irq.c, scen_irq_time.c: interrupts and time */
void scen_irq_run(void);
void scen_irq_time_run(void);
void scen_irq_nmi_run(void);      /* guest/scen_irq_nmi.c */
void scen_irq_real_run(void);     /* guest/scen_irq_real.c */
/* Shared by both (guest/scen_irq.c): the start of an interrupt scenario
 * (eptlab, a TSC rate, RFLAGS.IF = 0, the PIC pair programmed and masked,
 * the PIT stopped, no hook, the memory the interrupts touch touched, the
 * counters taken), its end (all masked again), and the counters after it:
 * want plus `injected` interrupts. */
bool irq_scen_begin(const char *name, struct hc_counters *c0);
void irq_scen_end(void);
bool irq_scen_expect(const char *name, const char *step,
		     const struct hc_counters *c0, struct hc_counters *want,
		     uint64_t injected);
/* guest/scen_apic.c: APIC virtualization on (HC_CONFIG irq_flags
 * HC_IRQF_APICV). Then the local APIC's interrupts are delivered by the
 * CPU from RVI, not injected: apic_injected(n) is 0, else n. */
bool scen_apicv(void);
#define APIC_ANY (~0ULL)        /* apic_exits_expect: not checked */
uint64_t apic_injected(uint64_t n);
/* The APIC exits since c0 (HC_COUNTERS): accesses the MMIO decoder
 * performed, APIC-write exits, EOI-induced exits; a failure reported. */
bool apic_exits_expect(const char *name, const char *step,
		       const struct hc_counters *c0, uint64_t mmio,
		       uint64_t writes, uint64_t eois);

/* ---- guest/views.c: the EPT-view client (docs/ept-views.md) */
struct hc_view_info;
/* HC_VIEW_INFO as read by views_setup (valid if views_rc == 0). */
extern struct hc_view_info views_cfg;
extern long views_rc;
/* Read HC_VIEW_INFO once and say what the CPU offers. */
void views_setup(void);
long view_info(struct hc_view_info *out);
bool views_have(unsigned hc_vf);
/* Run in view i from now on: VMFUNC(0, i) where the CPU has EPTP
 * switching (no exit), else HC_VIEW_SELECT. 0 or -errno. */
long view_switch(unsigned i);

/* guest/scen_acpi.c: acpi.tables (needs no hypervisor) */
void scen_acpi_run(void);
/* ---- guest/scen_views.c, scen_ve.c, scen_dirty.c, scen_spp.c */
void scen_views_run(void);
void scen_ve_run(void);
void scen_dirty_run(void);
void scen_spp_run(void);

#endif
