/*
 * Guest fault containment (hv/contain.c, docs/containment.md).
 *
 * A guest that triple-faults, runs into an EPT violation it cannot
 * recover from, executes VMX instructions or spins with no VM exit (the
 * VMX-preemption-timer watchdog) is reported with its state, and the
 * hypervisor survives it: it restarts the guest from its boot state up to
 * `restarts=N` times, then ends the run. `expect_crash=1` makes crashes
 * the expected outcome (a test of containment itself).
 */
#ifndef EPTLAB_CONTAIN_H
#define EPTLAB_CONTAIN_H

#include "include/types.h"
#include "vmx/vmx_caps.h"

struct vcpu;

/* Take the TSC frequency (hv/tsc.c, calibrated before); say so on a CPU
 * whose VMX-preemption timer runs too fast. Before the first launch. */
void contain_init(void);

/* The `watchdog=<N>ms` period in TSC ticks (0: off), printed once. The
 * event tail (hv/exit_event.c) stops a guest that ran that long with
 * RFLAGS.IF = 0 and caused no VM exit; the VMX-preemption timer brings it
 * back at the period's end. */
uint64_t contain_watchdog_ticks(void);

/* The guest asked for a reset (hv/plat_misc.c: the keyboard controller,
 * port 0x92, 0xCF9): a restart while `restarts=` allows, else the end of
 * the run (FAIL, "guest reset"). */
__attribute__((noreturn)) void contain_guest_reset(struct vcpu *v,
						   const char *why);

/* Record the free-frame count at the first VM entry (hv/vmm.c). */
void contain_first_launch(void);

/* The guest executed a VMX instruction (it gets #UD): report it. */
void contain_vmx_insn(struct vcpu *v);

/* The guest crashed and was stopped (hv/exit.c guest_stop, after its state
 * was dumped). Restarts the guest if `restarts=` allows (does not return
 * then); otherwise prints the summary and returns the run's status:
 * RUN_PASS only with expect_crash=1, every crash of the same kind and no
 * frame leaked across restarts. */
int contain_guest_stop(struct vcpu *v, const char *why);

/* hv/vmm.c: the restart path. Reset returns guest RAM to its boot state
 * (vm_mem_reset), reloads the guest image, resets the vCPU and, after
 * VMCLEAR + VMPTRLD, the VMCS; launch runs the pre-entry check and
 * VMLAUNCH. */
void vmm_guest_reset(struct vcpu *v);
__attribute__((noreturn)) void vmm_guest_launch(struct vcpu *v);

#endif
