/* Entering VMX operation and the per-VMCS setup (vmx/vmx.c,
 * vmx/vmcs_setup.c). */
#ifndef EPTLAB_VMX_H
#define EPTLAB_VMX_H

#include "include/types.h"
#include "vmx/vmx_caps.h"

struct vcpu;

/* Capabilities read by vmx_enable(). */
extern struct vmx_caps vmx_caps;

/* Detect VT-x, read capabilities, fix CR0/CR4, VMXON. Ends the run with a
 * clear message when VT-x is unavailable or locked off. */
void vmx_enable(void);
/* One-line summary of what the CPU offers. */
void vmx_print_caps(const struct vmx_caps *c);

/* A VMCS region with the revision id: VMCLEAR + VMPTRLD; returns its pa. */
uint64_t vmx_vmcs_create(void);

/* Helpers over the EPT/VPID capability bits. */
bool vmx_has_invept(const struct vmx_caps *c, unsigned type);
bool vmx_has_invvpid(const struct vmx_caps *c, unsigned type);
bool vmx_proc2_allowed(const struct vmx_caps *c, uint32_t bit);

/* vmx/vmcs_setup.c: fill every control, host and guest field of the
 * current VMCS for v (guest entered at rip in 32-bit protected mode,
 * paging off). Ends the run naming a missing required control. */
void vmcs_setup(struct vcpu *v, uint64_t eptp, uint64_t rip, uint64_t rsp);
/* Read the guest's view of CR0/CR4 (read shadow for owned bits). */
uint64_t vmcs_guest_cr0(const struct vcpu *v);
uint64_t vmcs_guest_cr4(const struct vcpu *v);

#endif
