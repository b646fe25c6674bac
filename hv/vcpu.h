/*
 * A virtual CPU: the guest GPRs the exit stub saves (vmx/vmx_stub.asm),
 * the VMCS and what vmcs_setup wrote into it, and the state the
 * hypervisor virtualizes itself.
 */
#ifndef EPTLAB_VCPU_H
#define EPTLAB_VCPU_H

#include "include/types.h"
#include "vmx/vmx_caps.h"
#include "vmx/guest_regs.h"
#include "vmx/vmcs_setup.h"

struct vm;

struct vcpu {
	struct guest_regs regs;     /* first: the stub's struct guest_regs *
	                               is the vcpu (vcpu_of) */
	const struct vmx_caps *caps;
	struct vm *vm;              /* the VM this vCPU runs */
	uint64_t vmcs_pa;
	uint64_t host_rsp;          /* exit stack top; [host_rsp] = &regs */
	struct vmcs_ctls ctl;       /* controls and CR masks in the VMCS */
	uint64_t apic_base;         /* virtual IA32_APIC_BASE */
};
_Static_assert(offsetof(struct vcpu, regs) == 0, "stub: regs at 0");

/* The vCPU whose registers the exit stub saved in *r. */
static inline struct vcpu *vcpu_of(struct guest_regs *r)
{
	return (struct vcpu *)((char *)r - offsetof(struct vcpu, regs));
}

#endif
