/*
 * The guest kernel's memory: its own frame pool and its own 4-level page
 * tables, both built with the shared engine (mm/frame.c, mm/paging.c with
 * pg_fmt_x86), exactly as any kernel that knows nothing of the hypervisor.
 *
 *  0xFFFF_FFFF_FFFF_FFFF +----------------------------------+
 *                        | kernel image at GUEST_VMA + phys |
 *                        |  .boot R  .text RX  .rodata R    |
 *  0xFFFF_FFFF_8000_0000 |  .data/.bss RW (all global)      | GUEST_VMA
 *                        +----------------------------------+
 *  0xFFFF_C000_0000_0000 | scenario window (GUEST_TEST_VA)  |
 *                        +----------------------------------+
 *  0xFFFF_8000_0000_0000 | direct map of guest RAM, RW NX   | GUEST_DIRECT_MAP
 *                        +----------------------------------+
 *                        | (lower half: unmapped, incl. the |
 *  0x0000_0000_0000_0000 |  NULL page and the boot map)     |
 *                        +----------------------------------+
 *
 * Physical: the image is loaded at GUEST_PHYS (1 MiB); the frame pool
 * covers the Multiboot memory map below GUEST_POOL_TOP (the boot map's
 * reach, so that every table page is addressable while building).
 */
#ifndef EPTLAB_GUEST_MM_H
#define EPTLAB_GUEST_MM_H

#include "include/types.h"
#include "mm/paging.h"
#include "mm/frame.h"

#define GUEST_PHYS        0x100000ULL             /* guest/linker.ld */
#define GUEST_VMA         0xFFFFFFFF80000000ULL   /* guest/linker.ld */
#define GUEST_DIRECT_MAP  0xFFFF800000000000ULL   /* guest/entry.asm */
#define GUEST_TEST_VA     0xFFFFC00000000000ULL
#define GUEST_POOL_TOP    0x100000000ULL          /* boot map: 4 GiB */
#define GUEST_PCID        1                       /* when CR4.PCIDE */

#define GUEST_MAX_REGIONS 64

extern struct pg_space guest_space;
extern struct frame_pool guest_frames;

/* What the boot loader told us (copied out of the Multiboot info). */
struct guest_bootinfo {
	uint64_t info_pa;
	uint32_t mb_flags;
	struct mem_region map[GUEST_MAX_REGIONS];
	size_t nmap;
	char cmdline[256];
	uint64_t ram_top;       /* end of the highest available region */
};
extern struct guest_bootinfo guest_boot;

/* Parse the Multiboot info, build the frame pool and the page tables,
 * switch CR3, turn on CR4.PGE and (if CPUID has it) CR4.PCIDE with
 * GUEST_PCID. Ends the run with a FAIL line on any error. */
void mm_init(uint32_t magic, uint64_t info_pa);

static inline void *mm_dm(uint64_t pa)
{
	return (void *)(uintptr_t)(GUEST_DIRECT_MAP + pa);
}

/* Physical address of a kernel-image object. */
static inline uint64_t mm_kernel_pa(const void *p)
{
	return (uint64_t)(uintptr_t)p - GUEST_VMA;
}

/* A zeroed frame, or 0. */
uint64_t mm_alloc_frame(void);
void mm_free_frame(uint64_t pa);

/* The engine's flush hook (INVLPG of the changed range) runs for the live
 * tables unless a scenario turns it off to test one flush on its own. */
void mm_flush_hook(bool on);
/* Flush every translation, global ones and all PCIDs included. */
void mm_flush_all(void);

bool mm_pcid_on(void);          /* CR4.PCIDE set, CR3 carries GUEST_PCID */
bool mm_invpcid_ok(void);       /* CPUID.(7,0):EBX[10] */

#endif
