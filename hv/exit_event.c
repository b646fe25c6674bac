/*
 * Events and time at the end of an exit (docs/platform.md "Interrupts and
 * time"; SDM revision 084, Vol. 3C "Event Injection", "Interrupt-Window
 * Exiting and Virtual-Interrupt Delivery", "NMI-Window Exiting",
 * "VMX-Preemption Timer", "Guest Non-Register State" for the HLT state).
 *
 * The dispatcher runs exit_events when the TSC has reached
 * exit_event_due (hv/exit.h "events"):
 *
 *   timers advance to now (hv/plat.c)      -> IRQ lines, PIC IRR, LAPIC IRR
 *   an event already in the entry field?   -> it goes first (re-injected
 *                                             IDT-vectoring event, queued
 *                                             exception)
 *   vcpu_event_decide (hv/vcpu/event.c)    -> inject NMI / interrupt (INTA
 *                                             now), or open its window
 *   halted and nothing injected?           -> HLT state (or a TSC spin), or
 *                                             a clean stop if it can never
 *                                             wake
 *   the VMX-preemption timer               -> the next deadline, the
 *                                             watchdog, at most the horizon
 *
 * Also the exits that only lead here: external interrupt, NMI, the two
 * windows, the VMX-preemption timer, HLT.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/intc.h"
#include "hv/apicv.h"
#include "hv/host_irq.h"
#include "hv/stats.h"
#include "hv/contain.h"
#include "hv/run.h"
#include "hv/bench.h"
#include "hv/vcpu/event.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"

#define VEC_NMI 2

uint32_t exit_event_due;

/* ------------------------------------------------------------ handlers */

/* A host interrupt, acknowledged on exit: counted and dropped. */
void handle_external_interrupt(struct vcpu *v)
{
	host_irq_exit(INTR_INFO_VECTOR(vmcs_read32(VMCS_EXIT_INTR_INFO)));
	v->vm->ctr.host_irq_exits++;
	exit_progress_neutral();
	exit_event_kick();          /* an interrupted delivery is re-injected */
}

/* Exit reason 0: the exception bitmap is empty, so only NMIs (NMI
 * exiting) arrive here. */
void handle_exception_nmi(struct vcpu *v)
{
	uint32_t info = vmcs_read32(VMCS_EXIT_INTR_INFO);

	if (INTR_INFO_TYPE(info) != INTR_INFO_TYPE_NMI) {
		exit_com1_flush(v);
		printf("vm: exception exit for vector %u (interruption info "
		       "0x%x) with an empty exception bitmap\n",
		       INTR_INFO_VECTOR(info), info);
		guest_stop(v, "unexpected exception exit");
	}
	/* An IRET that unblocked NMIs was interrupted by this NMI: blocking
	 * by NMI back before the next entry (SDM 3C "Information for VM Exits
	 * Due to Vectored Events", bit 12; "Resuming Guest Software after
	 * Handling an Exception"). Undefined while an event was being
	 * delivered. */
	if ((info & INTR_INFO_NMI_UNBLOCKING) &&
	    !(vmcs_read32(VMCS_IDT_VECTORING_INFO) & INTR_INFO_VALID))
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY,
			     vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY) |
			     INTERRUPTIBILITY_NMI);
	host_nmi_exit();
	v->vm->ctr.host_nmi_exits++;
	exit_progress_neutral();
	exit_event_kick();
}

/* The windows and the timer: the event tail does the work. */
void handle_event_window(struct vcpu *v)
{
	exit_event_kick();
}

void handle_preemption_timer(struct vcpu *v)
{
	v->vm->ctr.timer_exits++;
	exit_progress_neutral();
	exit_event_kick();
}

/* HLT (SDM 2A "HLT"): past the instruction, then the event tail wakes the
 * guest at once, halts it until an event, or stops a guest that can
 * never wake. */
void handle_hlt(struct vcpu *v)
{
	exit_skip_insn();
	v->ev.hlt = true;
	exit_event_kick();
}

/* ------------------------------------------------------------ the tail */

static uint64_t rate_shift;         /* IA32_VMX_MISC[4:0] */
static uint64_t wd_ticks;           /* the watchdog period, TSC ticks */

/* Exits the guest caused: all but the timer's and the host's. */
static uint64_t guest_exits(void)
{
	return stats_total_exits() - exit_stats.count[EXIT_PREEMPTION_TIMER] -
	       exit_stats.count[EXIT_EXTERNAL_INTERRUPT] -
	       exit_stats.count[EXIT_EXCEPTION_NMI];
}

/* Inject what vcpu_event_decide chose and set the windows. Returns true
 * if an event was injected now. */
static bool ev_inject(struct vcpu *v, uint64_t now, bool halted)
{
	struct vcpu_ev_in in = {
		.rflags = vmcs_readnat(VMCS_GUEST_RFLAGS),
		.intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY),
		.entry_busy = vmcs_read32(VMCS_ENTRY_INTR_INFO) & INTR_INFO_VALID,
		.nmi_pending = v->ev.nmi_pending,
		.nmi_window = v->ctl.proc_windows & PROC_NMI_WINDOW_EXITING,
	};
	struct intc_irq irq = intc_pending(v);
	struct vcpu_ev_out o;
	uint32_t proc;
	bool posted = false;

	/* Virtual-interrupt delivery (hv/apicv.c): an APIC vector is posted
	 * in RVI, not injected, and opens no window (interrupt-window
	 * exiting would hold it back); ExtINT is still injected. */
	if (apicv_on(v)) {
		apicv_sync(v);
		if (irq.src == VCPU_IRQ_APIC) {
			irq.src = VCPU_IRQ_NONE;
			posted = !(in.intr & (VCPU_EV_STI | VCPU_EV_MOV_SS)) &&
				 (in.rflags & RFLAGS_IF);
		}
	}

	/* The delivery this exit interrupted goes first. */
	if (!in.entry_busy)
		in.entry_busy = exit_reinject_vectoring(v,
				vmcs_read32(VMCS_IDT_VECTORING_INFO));
	in.irq_pending = irq.src != VCPU_IRQ_NONE;
	o = vcpu_event_decide(&in);
	if (o.inject == VCPU_EV_NMI) {
		vmcs_write32(VMCS_ENTRY_INTR_INFO, VEC_NMI |
			     INTR_INFO_TYPE_NMI | INTR_INFO_VALID);
		v->ev.nmi_pending = false;
		v->vm->ctr.nmi_injected++;
	} else if (o.inject == VCPU_EV_IRQ) {
		/* INTA only now: the 8259A answers with what it has at this
		 * moment (bench_note_irq keeps what raised it). */
		uint8_t vec = intc_ack(v, irq);

		vmcs_write32(VMCS_ENTRY_INTR_INFO, vec |
			     INTR_INFO_TYPE_EXT_INTR | INTR_INFO_VALID);
		v->vm->ctr.irq_injected++;
		bench_note_irq(v, vec, now, halted);
	}
	proc = (v->ctl.proc & ~v->ctl.proc_windows) |
	       (o.irq_window ? PROC_INTR_WINDOW_EXITING : 0) |
	       (o.nmi_window ? PROC_NMI_WINDOW_EXITING : 0);
	if (proc != v->ctl.proc) {
		v->ctl.proc = proc;
		vmcs_write32(VMCS_PROC_CONTROLS, proc);
	}
	if (o.inject == VCPU_EV_NONE && !posted)
		return false;
	if (posted && o.inject == VCPU_EV_NONE)
		bench_note_irq(v, (uint8_t)irq.vector, now, halted);
	exit_mark_progress();
	return true;
}

/* An exit no guest instruction causes: a host interrupt or NMI, or the
 * VMX-preemption timer. One that ends the HLT state is the guest still
 * halted, whatever activity state the CPU saved (Bochs wakes its CPU from
 * HLT before it takes the external-interrupt exit and saves "active"). */
static bool exit_guest_caused(void)
{
	uint32_t r = EXIT_REASON_BASIC(vmcs_read32(VMCS_EXIT_REASON));

	return r != EXIT_EXTERNAL_INTERRUPT && r != EXIT_EXCEPTION_NMI &&
	       r != EXIT_PREEMPTION_TIMER;
}

__attribute__((noreturn))
static void never_wakes(struct vcpu *v, enum vcpu_hlt_verdict h)
{
	exit_com1_flush(v);
	if (h == VCPU_HLT_NEVER_IF0) {
		printf("vm: guest halted at rip 0x%llx with interrupts disabled "
		       "and nothing pending: it can never wake\n",
		       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
		guest_end(v, RUN_FAIL, "guest halted with interrupts disabled "
			  "and nothing pending: it can never wake");
	}
	printf("vm: guest halted at rip 0x%llx with interrupts enabled, but no "
	       "timer is armed and nothing is pending: it can never wake\n",
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
	guest_end(v, RUN_FAIL, "guest halted with no timer armed and nothing "
		  "pending: it can never wake");
}

/* The watchdog (docs/containment.md): stop a guest that ran the whole
 * period with RFLAGS.IF = 0 and caused no exit. */
static void watchdog(struct vcpu *v, uint64_t now)
{
	uint64_t n;

	if (!wd_ticks || now - v->ev.wd_since < wd_ticks)
		return;
	n = guest_exits();
	if (n == v->ev.wd_exits &&
	    !(vmcs_readnat(VMCS_GUEST_RFLAGS) & RFLAGS_IF) &&
	    EXIT_REASON_BASIC(vmcs_read32(VMCS_EXIT_REASON)) ==
	    EXIT_PREEMPTION_TIMER)
		guest_stop(v, "watchdog");
	v->ev.wd_exits = n;
	v->ev.wd_since = now;
}

/* The VMX-preemption timer for the next deadline, the watchdog and the
 * horizon, and exit_event_due with it. The timer counts down only in VMX
 * non-root operation (SDM 3C "VMX-Preemption Timer"), so every tick the
 * hypervisor spends between its TSC read and the VM entry would make the
 * event late: the TSC is read here, after the rest of the tail. */
static void ev_arm(struct vcpu *v, uint64_t deadline)
{
	uint64_t budget = EXIT_EVENT_HORIZON, t, now = rdtsc();

	if (deadline != DEV_NO_DEADLINE)
		budget = deadline > now ? MIN(deadline - now, budget) : 1;
	if (wd_ticks) {
		t = v->ev.wd_since + wd_ticks;
		budget = MIN(budget, t > now ? t - now : 1);
	}
	t = budget >> rate_shift;
	vmcs_write32(VMCS_PREEMPTION_TIMER, t ? (uint32_t)t : 1);
	exit_event_due = (uint32_t)(now + budget);
}

/* No HLT activity state: wait in VMX root, on the TSC, until the next
 * deadline (interrupts are off; nothing else can happen meanwhile). */
static uint64_t spin_until(uint64_t deadline)
{
	uint64_t now;

	while ((now = rdtsc()) < deadline)
		pause();
	return now;
}

uint32_t exit_events(void)
{
	struct vcpu *v = (struct vcpu *)vmcs_readnat(VMCS_HOST_RSP);
	struct plat *pl = &v->vm->plat;
	uint64_t now = rdtsc(), deadline;
	uint32_t act = vmcs_read32(VMCS_GUEST_ACTIVITY_STATE);
	bool halted = v->ev.hlt || act == ACTIVITY_HLT ||
		      (v->ev.in_hlt && !exit_guest_caused());
	bool hlt_state = v->caps->misc & VMX_MISC_ACTIVITY_HLT;

	v->ev.hlt = false;
	v->ev.in_hlt = false;
	for (;;) {
		/* The INTA below changes no timer: the deadline holds. */
		deadline = plat_advance(pl, now);
		if (ev_inject(v, now, halted)) {
			if (act == ACTIVITY_HLT)
				vmcs_write32(VMCS_GUEST_ACTIVITY_STATE,
					     ACTIVITY_ACTIVE);
			halted = false;
		}
		if (!halted)
			break;
		enum vcpu_hlt_verdict h = vcpu_hlt_wake(
			vmcs_readnat(VMCS_GUEST_RFLAGS),
			vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY),
			v->ev.nmi_pending, intc_pending(v).src != VCPU_IRQ_NONE,
			deadline != DEV_NO_DEADLINE);
		if (h != VCPU_HLT_WAIT)
			never_wakes(v, h);
		if (hlt_state) {
			if (act != ACTIVITY_HLT)
				vmcs_write32(VMCS_GUEST_ACTIVITY_STATE,
					     ACTIVITY_HLT);
			v->ev.in_hlt = true;
			break;
		}
		now = spin_until(deadline);
	}
	watchdog(v, now);
	ev_arm(v, deadline);
	if (halted)
		v->ev.hlt_entry_tsc = rdtsc();
	return stats_clock();
}

void exit_events_launch(struct vcpu *v)
{
	uint64_t now = rdtsc();

	rate_shift = v->caps->misc & 0x1F;      /* IA32_VMX_MISC[4:0] */
	wd_ticks = contain_watchdog_ticks();
	v->ev = (struct vcpu_events){ .wd_since = now,
				      .wd_exits = guest_exits() };
	v->ctl.proc &= ~v->ctl.proc_windows;
	vmcs_write32(VMCS_PROC_CONTROLS, v->ctl.proc);
	ev_arm(v, plat_next_deadline(&v->vm->plat));
}
