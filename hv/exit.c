/*
 * The VM-exit dispatcher: one table of handle_* functions indexed by the
 * basic exit reason (SDM revision 084, Vol. 3D Appendix C "VMX Basic Exit
 * Reasons"), called by the exit stub (vmx/vmx_stub.asm) with the guest's
 * registers saved.
 *
 * Handlers return to resume the guest, or stop the run cleanly through
 * guest_stop()/guest_end() (hv/exit_guest.c) after printing what happened.
 * They live by subject: instructions (hv/exit_insn.c), port I/O
 * (hv/exit_io.c), control registers (hv/exit_cr.c), MSRs
 * (hv/exit_msr.c), EPT (hv/exit_ept.c), VMCALL (hv/hypercall.c); here
 * only the ones that stop the guest or hide VMX.
 *
 * The hot path is vmx_exit_handler: a VMREAD of the reason, one compare,
 * one indirect call, the statistics, one compare of their clock with the
 * next event (hv/exit.h "events") and the no-progress count (hv/exit.h
 * "progress"; docs/benchmarks.md). Nothing on it allocates or prints.
 */
#include "hv/exit.h"
#include "hv/ept_view.h"
#include "hv/vm_pml.h"
#include "hv/vm_spp.h"
#include "hv/entry_fail.h"
#include "hv/contain.h"
#include "hv/stats.h"
#include "hv/run.h"
#include "hv/apicv.h"
#include "vmx/vmx_stub.h"
#include "vmx/vmx_err.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"

static void handle_triple_fault(struct vcpu *v)
{
	guest_stop(v, "guest triple fault");
}

static void handle_init(struct vcpu *v)
{
	guest_stop(v, "INIT signal (eptlab runs one vCPU, no INIT/SIPI)");
}

static void handle_vmx_insn(struct vcpu *v)
{
	contain_vmx_insn(v);
	exit_inject_ud(v);    /* VMX is hidden: as on a CPU without it */
}

__attribute__((noreturn))
static void handle_unexpected(struct vcpu *v)
{
	guest_stop(v, "unexpected VM exit");
}

uint32_t exit_progress_left = EXIT_NO_PROGRESS_MAX + 1;

/* EXIT_NO_PROGRESS_MAX exits in a row left the guest where it was (hv/exit.h
 * "progress"): stop it. Off the hot path, so the dispatcher keeps no vCPU
 * pointer across the handler call: HOST_RSP is the vCPU (hv/vcpu.h). */
__attribute__((cold, noinline, noreturn))
static void exit_no_progress(uint32_t reason)
{
	struct vcpu *v = (struct vcpu *)vmcs_readnat(VMCS_HOST_RSP);

	exit_com1_flush(v);
	printf("contain: no progress: %u VM exits in a row neither advanced "
	       "RIP, injected an event nor changed the EPT or guest state; "
	       "the last: exit reason %u (%s) at rip 0x%llx\n",
	       EXIT_NO_PROGRESS_MAX, reason, vmx_exit_reason_name(reason),
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
	exit_mark_progress();       /* a restart starts with a full count */
	guest_stop(v, "no progress");
}

typedef void (*exit_handler_fn)(struct vcpu *v);

/* Every slot is filled, so the dispatcher needs no NULL test: a reason
 * without a handler of its own stops the guest. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static const exit_handler_fn handlers[EXIT_REASON_MAX] = {
	[0 ... EXIT_REASON_MAX - 1] = handle_unexpected,
	[EXIT_EXCEPTION_NMI]  = handle_exception_nmi,
	[EXIT_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_TRIPLE_FAULT]   = handle_triple_fault,
	[EXIT_INIT]           = handle_init,
	[EXIT_INTERRUPT_WINDOW] = handle_event_window,
	[EXIT_NMI_WINDOW]     = handle_event_window,
	[EXIT_CPUID]          = handle_cpuid,
	[EXIT_HLT]            = handle_hlt,
	[EXIT_INVD]           = handle_invd,
	[EXIT_RDPMC]          = handle_rdpmc,
	[EXIT_VMCALL]         = handle_vmcall,
	[EXIT_VMCLEAR]        = handle_vmx_insn,
	[EXIT_VMLAUNCH]       = handle_vmx_insn,
	[EXIT_VMPTRLD]        = handle_vmx_insn,
	[EXIT_VMPTRST]        = handle_vmx_insn,
	[EXIT_VMREAD]         = handle_vmx_insn,
	[EXIT_VMRESUME]       = handle_vmx_insn,
	[EXIT_VMWRITE]        = handle_vmx_insn,
	[EXIT_VMXOFF]         = handle_vmx_insn,
	[EXIT_VMXON]          = handle_vmx_insn,
	[EXIT_INVEPT]         = handle_vmx_insn,
	[EXIT_INVVPID]        = handle_vmx_insn,
	[EXIT_VMFUNC]         = handle_vmfunc,
	[EXIT_CR_ACCESS]      = handle_cr,
	[EXIT_IO_INSTRUCTION] = handle_io,
	[EXIT_RDMSR]          = handle_rdmsr,
	[EXIT_WRMSR]          = handle_wrmsr,
	[EXIT_MWAIT]          = handle_monitor_mwait,
	[EXIT_MONITOR]        = handle_monitor_mwait,
	[EXIT_EPT_VIOLATION]  = handle_ept_violation,
	[EXIT_EPT_MISCONFIG]  = handle_ept_misconfig,
	[EXIT_WBINVD]         = handle_invd,
	[EXIT_XSETBV]         = handle_xsetbv,
	[EXIT_PREEMPTION_TIMER] = handle_preemption_timer,
	[EXIT_PML_FULL]       = handle_pml_full,
	[EXIT_SPP]            = handle_spp,
	[EXIT_TPR_BELOW_THRESHOLD] = handle_tpr_threshold,
	[EXIT_APIC_ACCESS]    = handle_apic_access,
	[EXIT_VIRTUALIZED_EOI] = handle_virtualized_eoi,
	[EXIT_APIC_WRITE]     = handle_apic_write,
};
#pragma GCC diagnostic pop

_Static_assert(EXIT_REASON_MAX <= STATS_REASONS, "stats index = reason");

/* Off the hot path: the exit reason is not a basic reason below
 * EXIT_REASON_MAX. Bit 31 set: the VM entry failed. A basic reason beyond
 * the table: the guest stops. Otherwise one of the flag bits 27-29 (SDM
 * 3C "Basic VM-Exit Information"), which this configuration never sets,
 * came with a known reason: it is handled as that reason. */
__attribute__((cold, noinline))
static void exit_unusual(struct vcpu *v, uint32_t t0)
{
	uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
	uint32_t basic = EXIT_REASON_BASIC(reason), t1;

	if (reason & EXIT_REASON_ENTRY_FAILURE)
		entry_fail_exit(v, reason);
	if (basic >= EXIT_REASON_MAX)
		handle_unexpected(v);
	handlers[basic](v);
	t1 = stats_clock();
	if ((int32_t)(t1 - exit_event_due) >= 0)
		t1 = exit_events();
	stats_account(basic, t0, t1);
	if (--exit_progress_left == 0)
		exit_no_progress(basic);
}

/* The exit's start on the statistics' clock: kept in memory, not in a
 * callee-saved register, so that the dispatcher saves one register only
 * and needs no frame (the stub ends the frame-pointer chain), which keeps
 * the null hypercall within its target (docs/benchmarks.md "The exit
 * path"). Per physical CPU, like the statistics. */
static uint32_t exit_t0;

__attribute__((optimize("omit-frame-pointer")))
void vmx_exit_handler(struct guest_regs *regs)
{
	struct vcpu *v = vcpu_of(regs);
	uint64_t reason;
	uint32_t t1;

	exit_t0 = stats_clock();
	reason = vmcs_read32(VMCS_EXIT_REASON);

	/* One compare for bit 31, the flag bits and reasons beyond the
	 * table. */
	if (__builtin_expect(reason >= EXIT_REASON_MAX, 0)) {
		exit_unusual(v, exit_t0);
		return;
	}
	handlers[reason](v);
	/* One compare of the statistics' clock with the next event:
	 * hv/exit.h "events". The tail's ticks count for this exit. */
	t1 = stats_clock();
	if (__builtin_expect((int32_t)(t1 - exit_event_due) >= 0, 0))
		t1 = exit_events();
	stats_account(reason, exit_t0, t1);
	/* One decrement and a branch: hv/exit.h "progress". */
	if (__builtin_expect(--exit_progress_left == 0, 0))
		exit_no_progress((uint32_t)reason);
}
