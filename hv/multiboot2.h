/*
 * The parts of the Multiboot2 boot information that eptlab reads
 * (Multiboot2 Specification, version 2.0, "Boot information format"),
 * and the parser that turns them into struct boot_info.
 */
#ifndef EPTLAB_MULTIBOOT2_H
#define EPTLAB_MULTIBOOT2_H

#include "include/types.h"
#include "hv/bootinfo.h"

#define MB2_BOOTLOADER_MAGIC  0x36D76289   /* EAX at entry */

#define MB2_TAG_END           0
#define MB2_TAG_CMDLINE       1
#define MB2_TAG_LOADER_NAME   2
#define MB2_TAG_MODULE        3
#define MB2_TAG_MMAP          6

struct mb2_info_header {
	uint32_t total_size;       /* including this header and the end tag */
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;             /* including this header, not the padding */
};

struct mb2_tag_string {           /* cmdline, boot loader name */
	struct mb2_tag tag;
	char string[];
};

struct mb2_tag_module {
	struct mb2_tag tag;
	uint32_t mod_start, mod_end;   /* physical, end exclusive */
	char cmdline[];
};

struct mb2_mmap_entry {
	uint64_t base_addr;
	uint64_t length;
	uint32_t type;
	uint32_t reserved;
};

struct mb2_tag_mmap {
	struct mb2_tag tag;
	uint32_t entry_size;           /* a multiple of 8, >= 24 */
	uint32_t entry_version;
	struct mb2_mmap_entry entries[];
};

_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap tag");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module tag");

/* Fill bi from the information at mbi_pa (reached through the boot direct
 * map). Malformed information ends the run with a message that names the
 * offending tag. */
void multiboot_parse(uint32_t magic, uint64_t mbi_pa, struct boot_info *bi);
/* The firmware memory map, modules and command line, for the boot report. */
void boot_info_print(const struct boot_info *bi);
const char *mem_type_name(uint32_t type);

#endif
