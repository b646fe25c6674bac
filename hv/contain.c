/*
 * Guest fault containment (hv/contain.h, docs/containment.md): the
 * watchdog, the crash report and summary, restarts, and the frame-leak
 * check across restarts. SDM revision 084, Vol. 3C "VMX-Preemption Timer".
 *
 *   guest crash ─> exit.c guest_stop: dump state ─> contain_guest_stop
 *        restarts left?  yes: vmm_guest_reset (fresh RAM, image, vCPU,
 *                             VMCS) ─> vmm_guest_launch (VMLAUNCH)
 *                        no:  summary, leak check, status for run_end
 */
#include "hv/contain.h"
#include "hv/exit.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_err.h"
#include "hv/options.h"
#include "hv/tsc.h"
#include "hv/host.h"
#include "include/x86.h"
#include "lib/console.h"
#include "hv/run.h"
#include "include/err.h"

#define VMX_REPORT_MAX  16      /* VMX-instruction reports before quiet */

static struct {
	uint64_t tsc_khz;           /* from hv/tsc.c */
	const char *tsc_source;
	uint64_t first_free;        /* hv_frames.free at the first VMLAUNCH */
	unsigned crashes, restarts, resets;
	bool wd_printed;
	uint32_t first_kind;        /* basic exit reason of the first crash */
	bool mixed;                 /* crashes of more than one kind */
	unsigned vmx_insns;
} ct;

/* ------------------------------------------------------- the watchdog */

void contain_init(void)
{
	uint32_t sig = cpuid(1, 0).eax;

	ct.tsc_khz = tsc_khz();
	ct.tsc_source = tsc_source();
	/* The watchdog measures the TSC, not the timer: a VMX-preemption
	 * timer that runs faster than IA32_VMX_MISC says only makes its
	 * exits come early (hv/exit_event.c). */
	if (tsc_preempt_timer_broken(sig))
		printf("contain: this CPU (CPUID.1:EAX 0x%x) is on the list of "
		       "models whose VMX-preemption timer runs too fast (an "
		       "Intel erratum; Linux KVM's cpu_has_broken_vmx_"
		       "preemption_timer): its exits come early, the TSC "
		       "decides\n", sig);
}

uint64_t contain_watchdog_ticks(void)
{
	uint64_t ticks = (uint64_t)hv_opts.watchdog_ms * ct.tsc_khz;

	if (!ct.restarts && !ct.resets && !ct.wd_printed) {
		ct.wd_printed = true;
		if (!hv_opts.watchdog_ms)
			printf("contain: watchdog off (watchdog=off)\n");
		else
			printf("contain: watchdog %u ms: TSC %llu kHz (%s), a "
			       "guest that runs with interrupts off and makes "
			       "no VM exit for %llu TSC ticks is stopped\n",
			       hv_opts.watchdog_ms,
			       (unsigned long long)ct.tsc_khz, ct.tsc_source,
			       (unsigned long long)ticks);
	}
	return ticks;
}

/* ----------------------------------------------------------- reports */

void contain_first_launch(void)
{
	if (!ct.restarts)
		ct.first_free = hv_frames.free;
}

void contain_vmx_insn(struct vcpu *v)
{
	uint32_t basic = EXIT_REASON_BASIC(vmcs_read32(VMCS_EXIT_REASON));

	if (ct.vmx_insns++ >= VMX_REPORT_MAX)
		return;
	printf("contain: guest executed VMX instruction %s (exit reason %u) "
	       "at rip 0x%llx: VMX is hidden, #UD injected\n",
	       vmx_exit_reason_name(basic), basic,
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
}

static const char *kind_name(uint32_t basic)
{
	switch (basic) {
	case EXIT_TRIPLE_FAULT:     return "triple fault";
	case EXIT_PREEMPTION_TIMER: return "watchdog";
	case EXIT_EPT_VIOLATION:    return "EPT violation";
	}
	return vmx_exit_reason_name(basic);
}

/* ------------------------------------------------ crashes and restarts */

/* A reset (docs/platform.md "Reset"): not a crash. It restarts the guest
 * while `restarts=` allows, else it ends the run. */
void contain_guest_reset(struct vcpu *v, const char *why)
{
	ct.resets++;
	exit_com1_flush(v);
	printf("vm: guest reset %u: %s\n", ct.resets, why);
	if (ct.restarts < hv_opts.restarts) {
		ct.restarts++;
		printf("contain: restart %u of %u after the reset: fresh guest "
		       "memory, image reloaded, vCPU, VMCS and devices reset\n",
		       ct.restarts, hv_opts.restarts);
		vmm_guest_reset(v);
		vmm_guest_launch(v);
	}
	printf("vm: the guest asked for a reset and restarts=%u are used up: "
	       "ending the run\n", hv_opts.restarts);
	guest_end(v, RUN_FAIL, "guest reset");
}

int contain_guest_stop(struct vcpu *v, const char *why)
{
	uint32_t basic = EXIT_REASON_BASIC(vmcs_read32(VMCS_EXIT_REASON));
	uint64_t free_now;
	bool leak = false;

	if (ct.crashes++ == 0)
		ct.first_kind = basic;
	else if (basic != ct.first_kind)
		ct.mixed = true;
	if (basic == EXIT_PREEMPTION_TIMER)
		printf("contain: watchdog: guest ran %u ms without a VM exit, "
		       "with interrupts off (rip 0x%llx)\n", hv_opts.watchdog_ms,
		       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
	printf("contain: guest crash %u: %s (%s, exit reason %u); the "
	       "hypervisor is alive\n", ct.crashes, kind_name(basic), why,
	       basic);

	if (ct.restarts < hv_opts.restarts) {
		ct.restarts++;
		printf("contain: restart %u of %u: fresh guest memory, image "
		       "reloaded, vCPU and VMCS reset\n", ct.restarts,
		       hv_opts.restarts);
		vmm_guest_reset(v);
		printf("contain: restart %u: free frames %llu (%llu at first "
		       "launch)\n", ct.restarts,
		       (unsigned long long)hv_frames.free,
		       (unsigned long long)ct.first_free);
		vmm_guest_launch(v);
	}

	if (ct.restarts) {
		/* Return the last run's frames too, then compare. */
		vmm_guest_reset(v);
		free_now = hv_frames.free;
		leak = free_now != ct.first_free;
		printf("contain: after %u restarts free frames %llu %s %llu at "
		       "first launch%s\n", ct.restarts,
		       (unsigned long long)free_now, leak ? "!=" : "==",
		       (unsigned long long)ct.first_free,
		       leak ? ": FRAMES LEAKED" : "");
	}
	printf("contain: guest crashed %u time%s (%s), hypervisor survived\n",
	       ct.crashes, ct.crashes == 1 ? "" : "s",
	       ct.mixed ? "mixed kinds" : kind_name(ct.first_kind));

	if (!hv_opts.expect_crash) {
		printf("contain: expect_crash=0: a guest crash fails the run\n");
		return RUN_FAIL;
	}
	if (ct.mixed || leak) {
		printf("contain: expect_crash=1 but %s\n",
		       leak ? "frames leaked across restarts"
			    : "the crashes were not all of one kind");
		return RUN_FAIL;
	}
	printf("contain: expect_crash=1: crashes were expected\n");
	return RUN_PASS;
}
