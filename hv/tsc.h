/*
 * Host time (hv/tsc.c, hv/tsc_calib.c): the TSC frequency, calibrated
 * once at boot, for the watchdog (the VMX-preemption timer counts TSC
 * ticks) and for the guest's CPUID leaves 15H/16H.
 *
 * Sources, in order: CPUID leaf 15H when it enumerates both the crystal
 * and the ratio; the PIT (channel 2 for 10 ms, bounded by the TSC: a
 * gated 8254 whose OUT2 never rises gives up after at most 10^8 TSC
 * ticks, 100 ms at 1 GHz); leaf 16H's base frequency; an assumed 1 GHz.
 * The source used is printed.
 */
#ifndef EPTLAB_HV_TSC_H
#define EPTLAB_HV_TSC_H

#include "include/types.h"
#include "include/x86.h"

/* Calibrate once (prints "tsc: N kHz (source)"). */
void tsc_calibrate(void);
/* The TSC frequency in kHz (tsc_calibrate first), and its source. */
uint64_t tsc_khz(void);
const char *tsc_source(void);

/* Pure (hv/tsc_calib.c): the TSC kHz from leaf 15H (pass the host's
 * maximum basic leaf; a leaf above it is ignored), or 0 if the leaf does
 * not tell it; *src names the source. */
uint64_t tsc_khz_from_cpuid(uint32_t max_leaf, struct cpuid_regs l15,
			    const char **src);
/* Pure: true for the CPU models (CPUID.1:EAX) whose VMX-preemption timer
 * runs faster than IA32_VMX_MISC says (hv/tsc_calib.c lists them). */
bool tsc_preempt_timer_broken(uint32_t cpuid1_eax);

#endif
