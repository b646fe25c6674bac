/*
 * How hv/vmm.c starts a guest: the entry state its loader chose (the
 * built-in guest and Multiboot v1 in hv/vmm.c, Linux in hv/vmm_linux.c).
 * Every guest starts in 32-bit protected mode, paging off, IF = 0, with
 * flat segments; the boot protocol chooses the selectors and the GDT.
 */
#ifndef EPTLAB_VMM_GUEST_H
#define EPTLAB_VMM_GUEST_H

#include "include/types.h"
#include "hv/bootinfo.h"

struct vm;

struct guest_entry {
	uint64_t rip, rsp;
	uint64_t rax, rbx, rsi;        /* other GPRs start at 0 */
	uint16_t cs, ds, tr;           /* vmcs_params.cs_sel, ds_sel, tr_sel */
	uint64_t gdtr_base;
	uint32_t gdtr_limit;           /* 0: no GDT */
};

/* The Multiboot v1 and built-in entries: CS 0x08, data 0x10, TR 0x18,
 * no GDT in guest RAM (the guest loads its own before reloading a
 * segment register). */
#define GUEST_ENTRY_MB1_SEGS  .cs = 0x08, .ds = 0x10, .tr = 0x18

/* hv/vmm_linux.c: load the bzImage module k (and the initramfs module
 * initrd, may be NULL) by the Linux boot protocol, or end the run naming
 * what is wrong. */
void vmm_load_linux(struct vm *vm, const struct boot_module *k,
		    const struct boot_module *initrd, struct guest_entry *ge);

/* hv/vmm_acpi.c: with acpi=on, write the ACPI tables into guest RAM and
 * return the RSDP's GPA; 0 with acpi=off. */
uint64_t vmm_acpi_load(struct vm *vm);

#endif
