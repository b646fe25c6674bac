/*
 * eptlab host virtual memory map (mirrored in docs/memory-map.md).
 *
 *  0xFFFF_FFFF_FFFF_FFFF +-----------------------------------+
 *                        | hypervisor image (top 2 GiB)      |
 *  0xFFFF_FFFF_8010_0000 +-----------------------------------+
 *  0xFFFF_FFFF_800F_E000 + the host LAPIC page, UC (xAPIC)   | HOST_LAPIC_VA
 *  0xFFFF_FFFF_8000_0000 +-----------------------------------+ KERNEL_VMA
 *                        |   (unmapped)                      |
 *  0xFFFF_FF00_0000_0000 + one scratch page, test only       | SCRATCH_VA
 *                        |   (unmapped)                      |
 *  0xFFFF_8000_0000_0000 + direct map of all RAM (NX)        | DIRECT_MAP_BASE
 *                        |   1G / 2M / 4K leaves, no MMIO    |
 *                        +-----------------------------------+
 *                        |   non-canonical hole              |
 *  0x0000_8000_0000_0000 +-----------------------------------+
 *                        |   unmapped after boot (NULL page  |
 *                        |   and the boot identity map gone) |
 *  0x0000_0000_0000_0000 +-----------------------------------+
 *
 * Physical: the image is loaded at KERNEL_PHYS (1 MiB) by GRUB.
 */
#ifndef EPTLAB_MEMLAYOUT_H
#define EPTLAB_MEMLAYOUT_H

#define KERNEL_PHYS      0x100000
#define KERNEL_VMA       0xFFFFFFFF80000000
#define DIRECT_MAP_BASE  0xFFFF800000000000
/* One page, mapped only for the moment of a test-only write (hv/audit.c
 * test_corrupt=); unmapped otherwise. PML4 slot 510. */
#define SCRATCH_VA       0xFFFFFF0000000000
/* The host's xAPIC page (hv/host_irq.c), mapped uncached when
 * IA32_APIC_BASE has the APIC enabled in xAPIC mode: a page below the
 * image, in the page table that maps the image's first 2 MiB, so it
 * costs no table page. */
#define HOST_LAPIC_VA    (KERNEL_VMA + 0xFE000)
/* The boot tables map this much of physical memory, identity and direct. */
#define BOOT_MAP_SIZE    0x100000000          /* 4 GiB, 2 MiB pages */

#define STACK_SIZE       0x4000               /* boot/main stack, 16 KiB */
#define IST_STACK_SIZE   0x2000               /* #DF, NMI, #MC stacks */

#ifndef __ASSEMBLER__
#include "include/types.h"

static inline void *phys_to_virt(uint64_t pa)
{
	return (void *)(uintptr_t)(pa + DIRECT_MAP_BASE);
}

/* Physical address of a direct-map or image address. */
static inline uint64_t virt_to_phys(const void *va)
{
	uint64_t v = (uint64_t)(uintptr_t)va;
	if (v >= KERNEL_VMA)
		return v - KERNEL_VMA;
	return v - DIRECT_MAP_BASE;
}
#endif

#endif
