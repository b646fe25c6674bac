/*
 * VMX capabilities, read once from the capability MSRs (SDM 3D Appendix A
 * "VMX Capability Reporting Facility"), and the rule that turns "controls we
 * want" into the value written to a VMCS control field.
 *
 * A control MSR reports allowed-0 settings in bits 31:0 (a 1 there means
 * the control must be 1) and allowed-1 settings in bits 63:32 (a 0 there
 * means the control must be 0). When IA32_VMX_BASIC bit 55 is set, the
 * TRUE_* MSRs replace the plain ones for pin, proc, exit and entry
 * (SDM 3D A.2 "Reserved Controls and Default Settings").
 */
#ifndef EPTLAB_VMX_CAPS_H
#define EPTLAB_VMX_CAPS_H

#include "include/types.h"

struct vmx_caps {
	uint64_t basic;
	uint64_t pin, proc, proc2, exit, entry;  /* effective (TRUE_* if bit 55) */
	uint64_t misc;
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_vpid;      /* 0 if secondary controls lack EPT and VPID */
	uint64_t vmfunc;        /* read only when "enable VM functions" allowed */
	unsigned maxphyaddr;    /* CPUID.80000008:EAX[7:0] */
};

/* Must-be-one and may-be-one masks of a control MSR value. */
static inline uint32_t vmx_ctl_required(uint64_t msr) { return (uint32_t)msr; }
static inline uint32_t vmx_ctl_allowed(uint64_t msr) { return (uint32_t)(msr >> 32); }

/* A control a caller asks for: name + bit + whether it is mandatory. */
struct vmx_ctl_req {
	const char *name;   /* e.g. "enable EPT" */
	uint32_t bit;
	bool required;      /* true: boot stops if the CPU lacks it */
};

/* Compute a control field value: the CPU's must-be-one bits, plus every
 * requested bit the CPU allows. A required bit the CPU does not allow
 * makes it return -EOPNOTSUPP with *missing set to that request's name.
 * 'field' names the control field for messages ("secondary proc-based"). */
int vmx_ctl_compute(uint64_t cap_msr, const struct vmx_ctl_req *req, size_t n,
		    uint32_t *out, const char **missing);

#endif
