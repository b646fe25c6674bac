/*
 * The VM-exit handlers (hv/exit*.c, hv/hypercall.c, hv/entry_fail.c) and
 * the helpers they share. Valid only while handling a VM exit of v: its
 * VMCS is current. Every handler acts on the vCPU it is given and on its
 * VM (v->vm).
 */
#ifndef EPTLAB_EXIT_H
#define EPTLAB_EXIT_H

#include "include/types.h"
#include "hv/vcpu.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_exitinfo.h"
#include "include/x86.h"

/* ------------------------------------------------ progress
 *
 * An exit makes progress when its handler does at least one of:
 *  - advance the guest RIP (exit_advance_rip, exit_skip_insn);
 *  - inject an event (exit_inject_exception; the event tail's NMI or
 *    interrupt, hv/exit_event.c, which is how the interrupt- and NMI-window
 *    exits make progress);
 *  - change the EPT for the guest's access: a demand page backed, write
 *    access restored, the lazy page mapped (hv/exit_ept.c);
 *  - change other VMCS guest state the guest runs on, or the structures
 *    its access meets (the PML index after a log-full exit, an SPP-table
 *    path built on an SPPT miss).
 * Each helper that does one calls exit_mark_progress: that is the whole
 * definition. An exit that retries the guest's instruction unchanged (a
 * stale EPT entry, hv/vm_ept.c) makes none. A guest that polls the UART
 * (IN advances RIP) or runs a REP string instruction over demand pages
 * (each fault backs a page) makes progress at every exit, and so does one
 * that idles in HLT (the HLT exit advances RIP; the guest then waits in the
 * HLT activity state). The exits the guest does not cause (an external
 * interrupt, an NMI, the VMX-preemption timer) are neutral
 * (exit_progress_neutral): neither progress nor its absence.
 *
 * The dispatcher (hv/exit.c) stops a guest after EXIT_NO_PROGRESS_MAX
 * exits in a row without progress, naming the RIP, the exit reason and the
 * count: a handler that forgets to advance RIP, or an EPT violation it
 * never resolves, is a hang the watchdog cannot see (every VM entry
 * reloads the preemption timer). The count lives in exit_progress_left,
 * per physical CPU like the exit statistics: a progressing exit refills it
 * with one store, every exit takes one from it (docs/containment.md "No
 * progress"). */
#define EXIT_NO_PROGRESS_MAX 100000u

extern uint32_t exit_progress_left;

static inline void exit_mark_progress(void)
{
	exit_progress_left = EXIT_NO_PROGRESS_MAX + 1;
}

/* An exit the guest did not cause (the VMX-preemption timer, a host
 * interrupt or NMI) is neither progress nor its absence: it gives back the
 * count the dispatcher takes. */
static inline void exit_progress_neutral(void)
{
	exit_progress_left++;
}

/* ------------------------------------------------ events
 *
 * The end of every exit makes one check (hv/exit.c): has the TSC reached
 * exit_event_due? If so the event tail runs (exit_events,
 * hv/exit_event.c): the timers advance, a pending NMI or interrupt is
 * injected or waits for its window, a HLT waits, and the VMX-preemption
 * timer is armed for the next deadline. exit_event_due holds the low 32
 * bits of that TSC: the next timer deadline, at most EXIT_EVENT_HORIZON
 * ahead (so the comparison mod 2^32 never wraps: the preemption timer
 * forces an exit at least that often), or at once after exit_event_kick()
 * (an interrupt line, the PIC, a timer or IA32_APIC_BASE changed, or the
 * guest halted). Per physical CPU, like exit_progress_left. */
#define EXIT_EVENT_HORIZON (1ULL << 30)

extern uint32_t exit_event_due;

static inline void exit_event_kick(void)
{
	exit_event_due = rdtsc32();
}

/* The event tail; returns stats_clock() at its end, so that its ticks
 * count for the exit that ran it. */
uint32_t exit_events(void);
/* Before a VM launch: the timer armed, the windows clear, the watchdog
 * started. */
void exit_events_launch(struct vcpu *v);

/* The rare part of skipping an instruction (hv/exit_guest.c): a pending
 * single-step trap if RFLAGS.TF, and the end of STI / MOV SS blocking. */
void exit_skip_slow(void);

/* Advance the guest RIP past the exiting instruction, by len bytes or by
 * the VM-exit instruction length, and finish it as the CPU would (SDM 3C
 * "Guest Non-Register State"): with RFLAGS.TF set the single-step trap
 * the instruction owes is left pending (BS in the pending debug
 * exceptions), and blocking by STI or MOV SS ends. Inline: the common case
 * is four or five VMCS accesses and one branch. */
static inline void exit_advance_rip(uint64_t len)
{
	uint64_t rflags;
	uint32_t intr;

	vmcs_writenat(VMCS_GUEST_RIP, vmcs_readnat(VMCS_GUEST_RIP) + len);
	exit_mark_progress();
	/* Two reads, two branches: the common case reads each field once
	 * and takes no call. */
	rflags = vmcs_readnat(VMCS_GUEST_RFLAGS);
	if (__builtin_expect(rflags & RFLAGS_TF, 0)) {
		exit_skip_slow();
		return;
	}
	intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	if (__builtin_expect(intr & (INTERRUPTIBILITY_STI |
				     INTERRUPTIBILITY_MOV_SS), 0))
		exit_skip_slow();
}

static inline void exit_skip_insn(void)
{
	exit_advance_rip(vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

/* ------------------------------------------------ hv/exit_guest.c */

/* An event whose delivery this exit interrupted (the IDT-vectoring
 * information, SDM 3C "Information for VM Exits During Event Delivery"),
 * if any, into the VM-entry fields so that the next entry delivers it
 * again; true if there was one. */
bool exit_reinject_vectoring(struct vcpu *v, uint32_t vectoring);

/* Queue a hardware exception (type 3) for the next VM entry; the error
 * code is dropped while guest CR0.PE = 0. */
void exit_inject_exception(struct vcpu *v, unsigned vec, bool has_err,
			   uint32_t err);
void exit_inject_gp(struct vcpu *v);        /* #GP(0) */
void exit_inject_ud(struct vcpu *v);        /* #UD */
/* A guest GPR by register number (RSP is in the VMCS). */
uint64_t exit_gpr_get(struct vcpu *v, unsigned r);
void exit_gpr_set(struct vcpu *v, unsigned r, uint64_t val);
/* Print the guest's partial console line, if any (before the hypervisor
 * prints, so that lines do not mix). */
void exit_com1_flush(struct vcpu *v);
/* Reason, qualification, RIP, control registers and GPRs. */
void exit_dump_guest(struct vcpu *v, const char *why);
/* The guest is done: console flushed, last walk, exit statistics and the
 * VM's counters printed, then run_end(status, why). */
__attribute__((noreturn))
void guest_end(struct vcpu *v, int status, const char *why);
/* The guest crashed: state dumped, then containment (hv/contain.c)
 * restarts it or ends the run. */
__attribute__((noreturn))
void guest_stop(struct vcpu *v, const char *why);

/* ------------------------------------------------ handlers */

/* The ones hv/exit.c calls through its table (hv/exit.c itself has the
 * handlers for triple fault, INIT, VMX instructions and any reason
 * without a handler of its own). */
/* hv/exit_insn.c */
void handle_cpuid(struct vcpu *v);
void handle_xsetbv(struct vcpu *v);
void handle_invd(struct vcpu *v);           /* INVD and WBINVD */
void handle_monitor_mwait(struct vcpu *v);  /* #UD: hidden */
/* hv/exit_io.c */
void handle_io(struct vcpu *v);
/* hv/exit_cr.c */
void handle_cr(struct vcpu *v);
/* hv/exit_msr.c */
void handle_rdmsr(struct vcpu *v);
void handle_wrmsr(struct vcpu *v);
void handle_rdpmc(struct vcpu *v);          /* #GP: no PMU */
/* hv/exit_ept.c */
void handle_ept_violation(struct vcpu *v);
void handle_ept_misconfig(struct vcpu *v);
/* hv/exit_mmio.c: an EPT violation at gpa on a device page (the local
 * APIC while it is on in xAPIC mode, the I/O APIC) is decoded and
 * performed, or stops the guest; false if gpa is no device. */
bool exit_mmio(struct vcpu *v, uint64_t gpa, uint64_t qual, bool delivering);
/* The access itself, for the APIC-access exit too (write_q: the exit
 * reports a write). */
void exit_mmio_emulate(struct vcpu *v, uint64_t gpa, bool write_q);
/* hv/hypercall.c */
void handle_vmcall(struct vcpu *v);
/* hv/exit_event.c */
void handle_external_interrupt(struct vcpu *v);
void handle_exception_nmi(struct vcpu *v);  /* NMI exits */
void handle_event_window(struct vcpu *v);   /* interrupt and NMI windows */
void handle_preemption_timer(struct vcpu *v);
void handle_hlt(struct vcpu *v);

/* INVVPID single-context for the guest's VPID (counted in the VM's
 * counters), after the hypervisor changed paging state for the guest
 * (hv/exit_cr.c). */
void exit_vpid_flush(struct vcpu *v);

/* hv/exit_io.c: the VM's devices (hv/plat.c, COM1) at their power-on
 * state before each guest (re)load. */
void exit_io_init(struct vm *vm, struct vcpu *v);

#endif
