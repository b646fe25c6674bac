/*
 * The Multiboot v1 format ("Multiboot Specification version 0.6.96",
 * sections 3.1 "OS image format" and 3.3 "Boot information format"):
 * the constants and byte offsets that the loader (hv/loader/) writes and
 * a Multiboot kernel (guest/) reads. Only the format, no code.
 */
#ifndef EPTLAB_LIB_MULTIBOOT1_H
#define EPTLAB_LIB_MULTIBOOT1_H

#include "include/types.h"

#define MB1_HEADER_MAGIC   0x1BADB002u   /* in the image */
#define MB1_BOOT_MAGIC     0x2BADB002u   /* in EAX at entry */
#define MB1_SEARCH_BYTES   8192          /* header must start in these */

/* Header byte offsets (all fields 32-bit). The header starts 4-byte
 * aligned; magic + flags + checksum must be 0 (mod 2^32). The address
 * fields are valid only with MB1_HF_AOUT_KLUDGE. */
#define MB1_HDR_MAGIC         0
#define MB1_HDR_FLAGS         4
#define MB1_HDR_CHECKSUM      8
#define MB1_HDR_HEADER_ADDR   12
#define MB1_HDR_LOAD_ADDR     16
#define MB1_HDR_LOAD_END_ADDR 20     /* 0: load to the end of the file */
#define MB1_HDR_BSS_END_ADDR  24     /* 0: no bss */
#define MB1_HDR_ENTRY_ADDR    28
#define MB1_HDR_BASE_SIZE     12     /* magic, flags, checksum */
#define MB1_HDR_AOUT_SIZE     32     /* + the five address fields */

/* Header flags. Bits 0-15 are requirements: a loader must refuse an
 * image with one it cannot honour. */
#define MB1_HF_PAGE_ALIGN  BIT(0)   /* modules page-aligned */
#define MB1_HF_MEMINFO     BIT(1)   /* mem_* and mmap_* wanted */
#define MB1_HF_VIDEO       BIT(2)   /* video mode information wanted */
#define MB1_HF_AOUT_KLUDGE BIT(16)  /* address fields valid */

/* Info-block flags. */
#define MB1_INFO_MEM       BIT(0)   /* mem_lower, mem_upper */
#define MB1_INFO_CMDLINE   BIT(2)
#define MB1_INFO_MODS      BIT(3)   /* mods_count, mods_addr */
#define MB1_INFO_MMAP      BIT(6)   /* mmap_length, mmap_addr */
#define MB1_INFO_LOADER    BIT(9)   /* boot_loader_name */
#define MB1_INFO_FRAMEBUFFER BIT(12) /* framebuffer_* */

/* Info-block byte offsets (all fields 32-bit, pointers guest-physical). */
#define MB1_INFO_FLAGS       0
#define MB1_INFO_MEM_LOWER   4      /* KiB from 0 */
#define MB1_INFO_MEM_UPPER   8      /* KiB contiguous from 1 MiB */
#define MB1_INFO_CMDLINE_PTR 16
#define MB1_INFO_MODS_COUNT  20
#define MB1_INFO_MODS_ADDR   24
#define MB1_INFO_MMAP_LEN    44
#define MB1_INFO_MMAP_ADDR   48
#define MB1_INFO_LOADER_NAME 64
#define MB1_INFO_FB_ADDR     88     /* 64-bit */
#define MB1_INFO_FB_PITCH    96     /* bytes per row */
#define MB1_INFO_FB_WIDTH    100    /* pixels, or characters for text */
#define MB1_INFO_FB_HEIGHT   104
#define MB1_INFO_FB_BPP      108    /* u8 */
#define MB1_INFO_FB_TYPE     109    /* u8: 0 indexed, 1 RGB, 2 EGA text */
#define MB1_FB_TYPE_EGA_TEXT 2
#define MB1_INFO_SIZE        116

/* One module entry: mod_start, mod_end (exclusive), string, reserved. */
#define MB1_MOD_SIZE         16
#define MB1_MOD_START        0      /* byte offsets in an entry */
#define MB1_MOD_END          4
#define MB1_MOD_STRING       8
#define MB1_MOD_RESERVED     12
/* One memory-map entry: size (20, not counting itself), base_addr (64),
 * length (64), type; the next entry starts size + 4 bytes later. */
#define MB1_MMAP_ENTRY_SIZE  24
#define MB1_MMAP_SIZE        0      /* byte offsets in an entry */
#define MB1_MMAP_BASE        4
#define MB1_MMAP_LEN         12
#define MB1_MMAP_TYPE        20

/* Memory-map types, shared with multiboot2. */
#define MB1_MEM_AVAILABLE    1
#define MB1_MEM_RESERVED     2
#define MB1_MEM_ACPI         3
#define MB1_MEM_NVS          4
#define MB1_MEM_BAD          5

#endif
