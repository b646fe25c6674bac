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
	uint32_t preempt_ticks;    /* VMX-preemption timer value for the first
	                              VM entry (IA32_VMX_MISC units, > 0) */
	/* Physical addresses of the filled bitmaps (SDM 3C "VM-Execution
	 * Control Fields"): I/O bitmaps A (ports 0-0x7FFF) and B, the MSR
	 * bitmap (SDM 3C "MSR-Bitmap Address"). A set bit makes the access
	 * exit. */
	uint64_t io_bitmap_a, io_bitmap_b, msr_bitmap;
	/* EPT views: the EPTP list for VMFUNC EPTP switching, and the SPP
	 * table root (SPPTP). 0: that feature off. */
	uint64_t eptp_list, spptp;
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
	/* The guest's CR0/CR4 as the caller decided them (SDM 3C "Guest/Host
	 * Masks and Read Shadows for CR0 and CR4"): the masks (a set bit is
	 * owned by the host), the read shadows (the guest's view) and the
	 * values the CPU runs with (the fixed bits applied). */
	uint64_t cr0_mask, cr4_mask, cr0_shadow, cr4_shadow, cr0, cr4;
	uint64_t tsc_offset;       /* "use TSC offsetting": guest TSC offset */
	uint64_t pat;              /* guest IA32_PAT (with the PAT controls) */
	/* The MSR areas (SDM 3C "VM-Exit Controls for MSRs", "VM-Entry
	 * Controls for MSRs"): physical addresses of 16-byte entries,
	 * 16-byte aligned; a count of 0 leaves an area unused. */
	uint64_t entry_msr_load, exit_msr_load, exit_msr_store;
	uint32_t n_entry_msr_load, n_exit_msr_load, n_exit_msr_store;
	enum vmcs_corrupt corrupt;
};

/* What vmcs_setup wrote, for the exit handlers. */
struct vmcs_ctls {
	uint32_t pin, proc, proc2, exit_ctl, entry_ctl;   /* control fields */
	uint32_t proc_windows;         /* interrupt-/NMI-window exiting the
	                                  CPU allows; set at run time */
	uint16_t vpid;                 /* 0: VPID off */
	uint64_t cr0_mask, cr4_mask;   /* guest/host masks: bits the host owns */
};

/* The control values for p (pin, proc, proc2, exit, entry, VPID) against
 * the CPU's capabilities, without writing the VMCS: every required control
 * and each optional one the CPU allows. 0, or -EOPNOTSUPP (printed: "vmx:
 * CPU lacks required control ...") if the CPU lacks a required control.
 * Optional controls that are off are printed once each. */
int vmcs_ctls_compute(const struct vmcs_params *p, struct vmcs_ctls *out);

/* Fill every control, host and guest field of the current VMCS, the
 * controls from ctl (vmcs_ctls_compute for the same p), which also gets
 * the CR masks written. */
void vmcs_setup(const struct vmcs_params *p, struct vmcs_ctls *ctl);

/* Turn a secondary control on or off in the current VMCS and in *c after
 * setup (EPT-violation #VE, PML: the guest asks for them). -EOPNOTSUPP if
 * the CPU does not allow that setting. */
int vmcs_proc2_set(struct vmcs_ctls *c, const struct vmx_caps *caps,
		   uint32_t bit, bool on);

/* The guest's view of CR0/CR4: the read shadow for the bits the host
 * owns, the real value for the others. */
uint64_t vmcs_guest_cr0(const struct vmcs_ctls *c);
uint64_t vmcs_guest_cr4(const struct vmcs_ctls *c);

#endif
