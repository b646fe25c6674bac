/* What the boot path hands to the rest of the hypervisor (filled by
 * hv/multiboot.c from the multiboot2 information). */
#ifndef EPTLAB_BOOTINFO_H
#define EPTLAB_BOOTINFO_H

#include "include/types.h"
#include "mm/frame.h"

#define BOOT_MAX_REGIONS  64
#define BOOT_MAX_MODULES  8

struct boot_module {
	uint64_t start, end;          /* physical, end exclusive */
	const char *cmdline;          /* direct-map pointer */
};

struct boot_info {
	const char *cmdline;          /* hypervisor options (direct map) */
	struct mem_region map[BOOT_MAX_REGIONS];
	size_t nmap;
	struct boot_module mod[BOOT_MAX_MODULES];
	size_t nmod;
	uint64_t mbi_pa, mbi_size;    /* the multiboot2 information block */
};

extern struct boot_info boot_info;

#endif
