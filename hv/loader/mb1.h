/*
 * Multiboot v1 guest-kernel loader (hv/loader/mb1_*.c): pure C, no
 * instructions, no host memory layout, so host unit tests link it as is.
 * By format: mb1_header.c finds and checks the header, mb1_aout.c loads by
 * its address fields, mb1_elf.c by ELF program headers, mb1_load.c checks
 * the plan and writes it, mb1_info.c builds the info block, mb1_mods.c
 * places the boot modules and makes the PC memory map.
 *
 * The image is a byte buffer (the multiboot2 module the hypervisor was
 * given). It must carry a Multiboot v1 header (magic 0x1BADB002) in its
 * first 8 KiB, 4-byte aligned, with a valid checksum. It is loaded either
 *   - by the header's address fields (flags bit 16, "a.out kludge"):
 *     header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr, all
 *     32-bit guest-physical; this is how eptlab's own guest.bin is built,
 *     because QEMU's -kernel refuses x86-64 ELF files; or
 *   - by the ELF32 (EM_386) or ELF64 (EM_X86_64) PT_LOAD program headers,
 *     each at its p_paddr, bss (memsz > filesz) zeroed.
 * Every field is validated before anything is written; on failure guest
 * memory is untouched and err holds a message naming the field.
 *
 * The guest is then started in 32-bit protected mode, paging off, at
 * out->entry with EAX = MB1_BOOT_MAGIC and EBX = mb1_build_info()'s value.
 */
#ifndef EPTLAB_HV_LOADER_MB1_H
#define EPTLAB_HV_LOADER_MB1_H

#include "include/types.h"
#include "lib/multiboot1.h"

#define MB1_MIN_LOAD_GPA   0x1000   /* nothing may load into page 0 */
#define MB1_MAX_PHDRS      64       /* more program headers: -E2BIG */
#define MB1_MAX_SEGS       16       /* more PT_LOAD segments: -E2BIG */
#define MB1_MAX_MMAP       128      /* more map entries: -E2BIG */
#define MB1_MAX_CMDLINE    4096     /* longer command line: -E2BIG */

/* Access to guest-physical memory. Both return 0 or -EFAULT. */
struct mb1_guest_mem {
	void *ctx;
	uint64_t ram_size;   /* guest RAM is [0, ram_size) */
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
	int (*zero)(void *ctx, uint64_t gpa, size_t len);
	/* Optional: [rsv_gpa, rsv_gpa + rsv_size) is kept for the caller
	 * (e.g. the info block); a segment overlapping it is -EINVAL,
	 * named by rsv_name. rsv_size 0: nothing reserved. */
	uint64_t rsv_gpa, rsv_size;
	const char *rsv_name;
};

enum mb1_kind {
	MB1_KLUDGE = 1,
	MB1_ELF32  = 2,
	MB1_ELF64  = 3,
};

struct mb1_seg {
	uint64_t gpa;
	uint64_t filesz;     /* bytes copied from the image */
	uint64_t memsz;      /* filesz + zeroed bss */
};

struct mb1_image {
	enum mb1_kind kind;
	uint32_t header_flags;
	uint64_t header_offset;    /* file offset of the Multiboot header */
	uint32_t entry;            /* guest-physical entry point */
	uint64_t lo, hi;           /* lowest / one past highest loaded GPA */
	size_t nseg;
	struct mb1_seg seg[MB1_MAX_SEGS];
};

/* Validate and load img into guest RAM. 0, or -ENOEXEC (not a loadable
 * Multiboot v1 image: no header, bad checksum, truncated, wrong ELF class
 * or machine), -EINVAL (a field out of range: overlap, outside guest RAM,
 * entry outside the loaded range, unsupported flag), -E2BIG (too many
 * program headers or segments), -EFAULT (a callback failed). err (may be
 * NULL) receives a one-line reason naming the field. */
int mb1_load(const uint8_t *img, size_t len, const struct mb1_guest_mem *gm,
	     struct mb1_image *out, char *err, size_t errlen);

/* One memory-map entry for the info block (type: 1 = RAM, 2 = reserved,
 * 3 = ACPI reclaimable, 4 = NVS, 5 = bad, as in Multiboot). */
struct mb1_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

/* A boot module the caller placed in guest RAM ([gpa, gpa + size), below
 * 4 GiB) and its string (NULL: ""). */
struct mb1_module {
	uint64_t gpa, size;
	const char *string;
};
#define MB1_MAX_MODULES    16

/* Bytes mb1_build_info writes for this command line, map size and
 * modules. */
uint64_t mb1_info_size(const char *cmdline, size_t nmap,
		       const struct mb1_module *mods, size_t nmods);

/* Write a Multiboot v1 info block at info_gpa (8-byte aligned, the whole
 * block below 4 GiB and inside guest RAM): mem_lower/mem_upper and the map
 * from map[0..n), the command line (may be NULL), the loader name, and the
 * module list of mods[0..nmods) with their strings (mods_count, mods_addr,
 * MB1_INFO_MODS). Returns the value for EBX (info_gpa, >= 0) or a negative
 * errno (-EINVAL, -E2BIG, -EFAULT); err (may be NULL) receives the
 * reason. */
int64_t mb1_build_info(const struct mb1_guest_mem *gm, uint64_t info_gpa,
		       const char *cmdline, const struct mb1_mmap_entry *map,
		       size_t n, const struct mb1_module *mods, size_t nmods,
		       char *err, size_t errlen);

/* hv/loader/mb1_mods.c. Place n modules of size[i] bytes one after the
 * other from 'from' up, each at a 4 KiB boundary (Multiboot's "page
 * aligned", done whether or not the kernel asks), inside guest RAM and
 * below 4 GiB: gpa[i]. Returns the end of the last one (4 KiB aligned,
 * 'from' rounded up if n = 0) or a negative errno (-EINVAL: empty module,
 * -ENOSPC: they do not fit), err naming the module. */
int64_t mb1_place_modules(const struct mb1_guest_mem *gm, uint64_t from,
			  const uint64_t *size, size_t n, uint64_t *gpa,
			  char *err, size_t errlen);

/* The guest's PC memory map, in address order, into map[0..max):
 *   [0, ebda)             available (ebda: the EBDA's base, < 0xA0000)
 *   [ebda, 0xA0000)       reserved: the extended BIOS data area
 *   [0xF0000, 0x100000)   reserved: where a PC has its BIOS
 *   [0x100000, used)      available
 *   [used, used_end)      reserved: the boot modules (none if equal)
 *   [used_end, ram_size)  available
 * Returns the number of entries, or 0 if the arguments are inconsistent
 * (ram_size below 2 MiB, the used range outside [1 MiB, ram_size), max
 * too small). */
size_t mb1_pc_mmap(uint64_t ram_size, uint64_t ebda, uint64_t used,
		   uint64_t used_end, struct mb1_mmap_entry *map, size_t max);

#endif
