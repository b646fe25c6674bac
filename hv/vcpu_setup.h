/*
 * The virtual CPU of hv/vcpu/ wired into the VMCS (hv/vcpu_setup.c,
 * docs/virtual-cpu.md "How the tables are wired").
 */
#ifndef EPTLAB_VCPU_SETUP_H
#define EPTLAB_VCPU_SETUP_H

#include "include/types.h"
#include "vmx/vmcs_setup.h"

struct vcpu;

/* Once, before the first guest load. base holds what the control
 * computation needs (caps, vpid, preempt_ticks, msr_bitmap): computes
 * v->ctl (the run ends if a required control is missing), builds the
 * guest's CPUID from the controls that are on, fills the MSR bitmap and
 * the host's half of the switched MSRs, and prints the virtual CPU. */
void vcpu_setup_boot(struct vcpu *v, const struct vmcs_params *base);

/* At every guest load: MSR state at power-up values, the VM-entry
 * MSR-load area from it, XCR0 = x87. */
void vcpu_setup_reset(struct vcpu *v);

/* The vCPU's fields of the VMCS parameters: CR0/CR4 masks, shadows and
 * values (vcpu_cr_masks, vcpu_cr0_hw), TSC offset, PAT, MSR areas. */
void vcpu_setup_params(const struct vcpu *v, struct vmcs_params *p);

/* A switched MSR's new guest value (VCPU_MSR_SET_SWITCHED): its slot of
 * the VM-entry MSR-load area. */
void vcpu_msr_switched_set(struct vcpu *v, uint32_t msr, uint64_t val);

/* Before reading a switched MSR: IA32_KERNEL_GS_BASE as the last VM exit
 * stored it (the guest's SWAPGS changes it without an exit). */
void vcpu_msr_switched_sync(struct vcpu *v);

#endif
