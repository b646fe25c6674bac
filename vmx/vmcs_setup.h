/*
 * Filling the current VMCS (vmx/vmcs_setup.c). The caller decides what the
 * VM gets and passes it in struct vmcs_params; the VMX layer computes the
 * control values against the CPU's capabilities, writes every control,
 * host and guest field, and reports what it wrote in struct vmcs_ctls.
 */
#ifndef EPTLAB_VMCS_SETUP_H
#define EPTLAB_VMCS_SETUP_H

#include "include/types.h"
#include "vmx/vmx_caps.h"

/* Test only: a broken guest state written on purpose, so that the
 * software checker and the CPU's own VM-entry checks can be seen failing. */
enum vmcs_corrupt {
	VMCS_CORRUPT_NONE,
	VMCS_CORRUPT_TR_TYPE,      /* guest TR type 9 (available TSS) */
};

struct vmcs_params {
	const struct vmx_caps *caps;
	uint64_t eptp;
	bool vpid;                 /* tag translations with VPID 1 if offered */
	uint32_t preempt_ticks;    /* VMX-preemption timer budget per VM entry
	                              (IA32_VMX_MISC units); 0: timer off */
	/* Physical addresses of the filled bitmaps (SDM 3C "VM-Execution
	 * Control Fields"): I/O bitmaps A (ports 0-0x7FFF) and B, the MSR
	 * bitmap (vmx_msr_bitmap_intercept). A set bit makes the access
	 * exit. */
	uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
	uint64_t host_rsp;         /* the vCPU's struct guest_regs, at the top
	                              of its exit stack (vmx/vmx_stub.h) */
	uint64_t rip, rsp;         /* guest entry: 32-bit protected mode,
	                              paging off, unrestricted guest */
	/* The entry's segments, chosen by the guest's boot protocol: CS
	 * (flat 32-bit code), DS = ES = SS = FS = GS (flat 32-bit data), TR
	 * (busy 32-bit TSS, base 0, limit 0x67), all base 0, and the GDTR
	 * the guest finds (limit 0: none). Multiboot: 0x08, 0x10, 0x18 with
	 * no GDT; Linux: 0x10, 0x18 in a GDT in guest RAM. */
	uint16_t cs_sel, ds_sel, tr_sel;
	uint64_t gdtr_base;
	uint32_t gdtr_limit;
	enum vmcs_corrupt corrupt;
};

/* What vmcs_setup wrote, for the exit handlers. */
struct vmcs_ctls {
	uint32_t pin, proc, proc2, exit_ctl, entry_ctl;   /* control fields */
	uint16_t vpid;                 /* 0: VPID off */
	uint64_t cr0_mask, cr4_mask;   /* guest/host masks: bits the host owns */
};

/* Fill every control, host and guest field of the current VMCS. 0, or
 * -EOPNOTSUPP (printed: "vmx: CPU lacks required control ...") if the CPU
 * lacks a required control. */
int vmcs_setup(const struct vmcs_params *p, struct vmcs_ctls *out);

/* The guest's view of CR0/CR4: the read shadow for the bits the host
 * owns, the real value for the others. */
uint64_t vmcs_guest_cr0(const struct vmcs_ctls *c);
uint64_t vmcs_guest_cr4(const struct vmcs_ctls *c);

/* Make RDMSR and WRMSR of msr exit (MSR bitmap of 4 KiB at bm). MSRs
 * outside 0-0x1FFF and 0xC0000000-0xC0001FFF always exit. */
void vmx_msr_bitmap_intercept(uint8_t *bm, uint32_t msr);

#endif
