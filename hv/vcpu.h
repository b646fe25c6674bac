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
#include "hv/ept_view.h"

struct vm;

/* A vCPU lives at the top of its VM-exit stack, and HOST_RSP points at it
 * (vmx/vmx_stub.h): the exit stub saves the guest's GPRs straight into
 * v->regs and runs the handlers on the stack below. */
struct vcpu {
	struct guest_regs regs;     /* first: HOST_RSP = &regs = the vcpu */
	const struct vmx_caps *caps;
	struct vm *vm;              /* the VM this vCPU runs */
	uint64_t vmcs_pa;
	struct vmcs_ctls ctl;       /* controls and CR masks in the VMCS */
	uint64_t apic_base;         /* virtual IA32_APIC_BASE */
	struct vcpu_ept ept;        /* its EPT view, #VE, PML (hv/ept_view.h) */
} __attribute__((aligned(16)));    /* HOST_RSP: 16-byte aligned */
_Static_assert(offsetof(struct vcpu, regs) == 0, "stub: regs at 0");
_Static_assert(sizeof(struct vcpu) % 16 == 0, "HOST_RSP alignment");

/* The vCPU whose registers the exit stub saved in *r. */
static inline struct vcpu *vcpu_of(struct guest_regs *r)
{
	return (struct vcpu *)((char *)r - offsetof(struct vcpu, regs));
}

#endif
