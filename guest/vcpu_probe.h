/*
 * Probes for the instructions a virtual-CPU test provokes faults with
 * (guest/vcpu_probe.c): each one's faulting instruction resumes at its
 * "_done" label when armed with fault_expect(vector, vp_*_done), so a #GP
 * or #UD is a result. Used by guest/scen_vcpu.c and guest/fuzz_cpu.c.
 */
#ifndef EPTLAB_GUEST_VCPU_PROBE_H
#define EPTLAB_GUEST_VCPU_PROBE_H

#include "include/types.h"
#include "guest/guest.h"

uint64_t vp_rdmsr(uint32_t msr);
void vp_wrmsr(uint32_t msr, uint64_t val);
void vp_wrcr0(uint64_t v);
void vp_wrcr3(uint64_t v);
void vp_wrcr4(uint64_t v);
void vp_xsetbv(uint32_t ecx, uint64_t val);
uint64_t vp_xgetbv(uint32_t ecx);
void vp_cpuid_tf(void);
extern const char vp_rdmsr_done[], vp_wrmsr_done[], vp_wrcr0_done[],
	vp_wrcr3_done[], vp_wrcr4_done[], vp_xsetbv_done[], vp_xgetbv_done[],
	vp_cpuid_tf_after[], vp_cpuid_tf_done[];

/* Run call with a fault of vector vec expected and resumed at done; the
 * record says whether it came. */
#define PROBE(vec, done, call) ({ fault_expect((vec), (done)); call; \
				   fault_take(); })

#endif
