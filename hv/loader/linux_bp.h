/*
 * Offsets of the Linux boot structures (boot.rst "The Real-Mode Kernel
 * Header", zero-page.rst): the setup header's fields as file offsets of a
 * bzImage, which are also their offsets in struct boot_params (the zero
 * page holds the header at the same 0x1F1). Pure constants, and the
 * internal interface between the hv/loader/linux_*.c files.
 */
#ifndef EPTLAB_HV_LOADER_LINUX_BP_H
#define EPTLAB_HV_LOADER_LINUX_BP_H

#include "hv/loader/linux.h"

/* The setup header (file offset = zero-page offset). */
#define LX_HDR_START           0x1F1
#define LX_HDR_SETUP_SECTS     0x1F1   /* u8 */
#define LX_HDR_SYSSIZE         0x1F4   /* u32 */
#define LX_HDR_JUMP            0x200   /* u16: EB xx */
#define LX_HDR_MAGIC           0x202   /* u32 "HdrS" */
#define LX_HDR_VERSION         0x206   /* u16 */
#define LX_HDR_TYPE_OF_LOADER  0x210   /* u8 */
#define LX_HDR_LOADFLAGS       0x211   /* u8 */
#define LX_HDR_CODE32_START    0x214   /* u32 */
#define LX_HDR_RAMDISK_IMAGE   0x218   /* u32 */
#define LX_HDR_RAMDISK_SIZE    0x21C   /* u32 */
#define LX_HDR_CMD_LINE_PTR    0x228   /* u32 */
#define LX_HDR_INITRD_ADDR_MAX 0x22C   /* u32 */
#define LX_HDR_KERNEL_ALIGNMENT 0x230  /* u32 */
#define LX_HDR_RELOCATABLE     0x234   /* u8 */
#define LX_HDR_CMDLINE_SIZE    0x238   /* u32 */
#define LX_HDR_PREF_ADDRESS    0x258   /* u64 */
#define LX_HDR_INIT_SIZE       0x260   /* u32 */

/* struct boot_params only (zero-page.rst). */
#define LX_ZP_ACPI_RSDP_ADDR   0x070   /* u64 */
#define LX_ZP_EXT_RAMDISK_IMAGE 0x0C0  /* u32: bits 63:32 of the address */
#define LX_ZP_EXT_RAMDISK_SIZE 0x0C4
#define LX_ZP_EXT_CMD_LINE_PTR 0x0C8
#define LX_ZP_HDR_LIMIT        0x290   /* the header and its padding end */
#define LX_ZP_E820_ENTRIES     0x1E8   /* u8 */
#define LX_ZP_E820_TABLE       0x2D0   /* 128 x { u64 addr, size; u32 type } */
#define LX_ZP_E820_ENTRY_SIZE  20

/* eptlab's boot-loader id: 0xFF, "undefined" (boot.rst type_of_loader);
 * the kernel ignores the initramfs when this is 0. */
#define LX_TYPE_OF_LOADER      0xFF

_Static_assert(LX_ZP_E820_TABLE + LINUX_E820_MAX * LX_ZP_E820_ENTRY_SIZE <=
	       0xCD0, "e820_table ends at 0xCD0 (zero-page.rst)");

/* linux_place.c: choose the kernel's and the initramfs's addresses (the
 * busy ranges are the reserved ones and the loader's own structures). */
int linux_place_kernel(const struct linux_setup *s, uint64_t ram_size,
		       const struct linux_range *busy, size_t nbusy,
		       struct linux_image *out, char *err, size_t errlen);
int linux_place_initrd(const struct linux_setup *s, uint64_t ram_size,
		       uint64_t size, const struct linux_range *busy,
		       size_t nbusy, struct linux_image *out, char *err,
		       size_t errlen);

/* linux_zp.c: the e820 map from RAM and the reserved ranges, then the
 * zero page itself (out->zp) from the image's setup header and the plan. */
int linux_build_e820(uint64_t ram_size, const struct linux_range *rsv,
		     size_t nrsv, struct linux_image *out, char *err,
		     size_t errlen);
void linux_build_zp(const uint8_t *img, const struct linux_layout *lay,
		    struct linux_image *out);
/* The GDT: null, null, __BOOT_CS, __BOOT_DS, a busy 32-bit TSS. */
void linux_build_gdt(uint8_t gdt[LINUX_GDT_SIZE]);

#endif
