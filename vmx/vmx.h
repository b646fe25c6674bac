/* Entering VMX operation (vmx/vmx.c); filling a VMCS is
 * vmx/vmcs_setup.h. */
#ifndef EPTLAB_VMX_H
#define EPTLAB_VMX_H

#include "include/types.h"
#include "vmx/vmx_caps.h"

/* A zeroed 4 KiB page the caller owns, by physical address (for the CPU)
 * and virtual address (for filling it). The VMX layer allocates nothing. */
struct vmx_page {
	uint64_t pa;
	void *va;
};

/* Capabilities read by vmx_enable(). */
extern struct vmx_caps vmx_caps;

/* Detect VT-x, read the capabilities into vmx_caps and print them, set
 * the CR0/CR4 bits VMX fixes, VMXON with region as the VMXON region.
 * 0, or (the caller ends the run):
 *   -ENODEV  CPUID.1:ECX.VMX[bit 5] = 0 (nothing printed)
 *   -EACCES  IA32_FEATURE_CONTROL locked with VMX off (printed)
 *   -EIO     VMXON failed (printed, with CR0 and CR4) */
int vmx_enable(const struct vmx_page *region);
/* One-line summary of what the CPU offers. */
void vmx_print_caps(const struct vmx_caps *c);

/* Make vmcs a VMCS region (revision id), VMCLEAR + VMPTRLD it. */
void vmx_vmcs_create(const struct vmx_page *vmcs);

/* The INVEPT/INVVPID capability helpers are in vmx/vmx_caps.h. */
bool vmx_proc2_allowed(const struct vmx_caps *c, uint32_t bit);

#endif
