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
	unsigned la_width;      /* CPUID.80000008:EAX[15:8]: 48 or 57; 0 = 48 */
};

/* Canonical for the CPU's linear-address width (la_width; 0 means 48):
 * bits 63:width-1 all equal (SDM Vol. 1 "Canonical Addressing"). The VMX
 * checks and INVVPID use the processor's width, whatever CR4.LA57 is. */
static inline bool vmx_canonical(const struct vmx_caps *c, uint64_t a)
{
	unsigned s = 64 - (c->la_width == 57 ? 57 : 48);

	return (uint64_t)((int64_t)(a << s) >> s) == a;
}

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

/* Whether IA32_VMX_EPT_VPID_CAP offers this INVEPT / INVVPID type (SDM 3D
 * A.10 "VPID and EPT Capabilities"): the instruction bit and the type's. */
bool vmx_has_invept(const struct vmx_caps *c, unsigned type);
bool vmx_has_invvpid(const struct vmx_caps *c, unsigned type);

/* The type to execute for a flush of kind 'want', checked against the
 * capabilities, with the fallback to a wider flush (a wider flush is
 * always correct, only slower):
 *   INVEPT   single-context -> all-context
 *   INVVPID  individual-address -> single-context -> all-context
 *            single-context-retaining-globals -> single-context -> all
 *            single-context -> all-context
 * -1 if the CPU offers none of them (the caller must not flush that way;
 * hv/vmm.c refuses EPT without INVEPT and turns VPID off without
 * INVVPID at boot). */
int vmx_invept_type(const struct vmx_caps *c, unsigned want);
int vmx_invvpid_type(const struct vmx_caps *c, unsigned want);

#endif
