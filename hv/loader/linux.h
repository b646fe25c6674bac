/*
 * The Linux/x86 boot protocol loader (hv/loader/linux_*.c): pure C, no
 * instructions, no host memory layout, so host unit tests and the fuzzer
 * link it as is. Facts from the kernel's Documentation/arch/x86/boot.rst
 * ("The Real-Mode Kernel Header", "Details of Header Fields", "32-bit Boot
 * Protocol") and zero-page.rst; docs/linux-guest.md describes what eptlab
 * does with them. By part: linux_hdr.c reads and checks the setup header,
 * linux_place.c chooses where the kernel and the initramfs go,
 * linux_zp.c builds the zero page and its e820 map, linux_load.c checks
 * the whole plan and only then writes guest RAM.
 *
 * A bzImage is recognised by the magic "HdrS" at file offset 0x202. The
 * real-mode setup code (setup_sects + 1 sectors of 512 bytes, 0 meaning
 * 4) is skipped: eptlab enters the protected-mode kernel that follows it,
 * at its load address, in 32-bit protected mode with paging off, as the
 * protocol's "32-bit boot protocol" allows:
 *
 *   CS = __BOOT_CS (0x10), DS = ES = SS = __BOOT_DS (0x18): flat 4 GiB
 *   descriptors of the GDT this loader writes at layout->gdt_gpa;
 *   ESI = the zero page (struct boot_params, writable: the decompressor
 *   uses its scratch field as a stack); EBX = EDI = EBP = 0; IF = 0.
 *
 * Every field is validated and every placement planned before anything is
 * written; on failure guest memory is untouched and err holds a message
 * naming the field.
 */
#ifndef EPTLAB_HV_LOADER_LINUX_H
#define EPTLAB_HV_LOADER_LINUX_H

#include "include/types.h"
#include "hv/loader/loader.h"

#define LINUX_HDR_MAGIC      0x53726448   /* "HdrS" at 0x202 */
#define LINUX_MIN_VERSION    0x020A       /* 2.10: pref_address, init_size */
#define LINUX_ZP_SIZE        4096         /* struct boot_params */
#define LINUX_E820_MAX       128          /* entries in the zero page */
#define LINUX_LOW_LIMIT      0x100000ULL  /* kernel and initramfs above */
#define LINUX_SECTOR         512

/* loadflags (0x211). */
#define LINUX_LOADED_HIGH    BIT(0)       /* protected-mode code at 1M+ */

/* The 32-bit entry selectors (boot.rst "32-bit Boot Protocol"), and the
 * busy TSS eptlab adds for the VMCS's TR. */
#define LINUX_BOOT_CS        0x10
#define LINUX_BOOT_DS        0x18
#define LINUX_BOOT_TSS       0x20
#define LINUX_GDT_ENTRIES    5
#define LINUX_GDT_SIZE       (LINUX_GDT_ENTRIES * 8)

/* e820 types (zero-page.rst; the values of the ACPI address map). */
#define LINUX_E820_RAM       1
#define LINUX_E820_RESERVED  2

/* What the setup header says (linux_parse). */
struct linux_setup {
	uint32_t setup_sects;      /* as read (0 is kept; pm_offset uses 4) */
	uint32_t version;          /* 0x020F = 2.15 */
	uint32_t loadflags;
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	uint32_t init_size;
	uint32_t initrd_addr_max;  /* highest address the initramfs may use */
	uint32_t cmdline_size;     /* longest command line, without its NUL */
	uint32_t syssize;          /* protected-mode size / 16 */
	uint64_t hdr_end;          /* 0x202 + the byte at 0x201 */
	uint64_t pm_offset;        /* file offset of the protected-mode kernel */
	uint64_t pm_size;          /* its bytes: the rest of the file */
};

/* A range of guest-physical space for the e820 map (the caller's reserved
 * and device ranges) or a range the loader must not use. */
struct linux_range {
	uint64_t base, len;
	uint32_t type;             /* LINUX_E820_* */
	const char *name;          /* for messages */
};

/* Where the caller wants the loader's own structures; each must lie in
 * guest RAM, below 4 GiB and outside every reserved range. */
struct linux_layout {
	uint64_t zp_gpa;           /* the zero page, 4 KiB aligned */
	uint64_t cmdline_gpa;
	uint64_t cmdline_max;      /* bytes there, the NUL included */
	uint64_t gdt_gpa;          /* LINUX_GDT_SIZE bytes, 8-byte aligned */
	/* Reserved and device ranges for the e820 map (sorted or not, none
	 * overlapping another); usable RAM is [0, ram_size) less these. */
	const struct linux_range *rsv;
	size_t nrsv;
	uint64_t acpi_rsdp_gpa;    /* boot_params.acpi_rsdp_addr; 0: none */
};

/* The 32-bit entry the caller puts in the VMCS. */
struct linux_entry {
	uint32_t eip;              /* the protected-mode kernel's load address */
	uint32_t esi;              /* the zero page */
	uint16_t cs, ds, tr;       /* LINUX_BOOT_CS, _DS, _TSS */
	uint64_t gdtr_base;
	uint16_t gdtr_limit;
};

/* linux_load's result: the plan (all of it valid once 0 is returned). */
struct linux_image {
	struct linux_setup s;
	uint64_t kernel_gpa;       /* load address (kernel_alignment aligned
	                              unless at a non-relocatable pref_address) */
	uint64_t kernel_end;       /* kernel_gpa + the init_size window */
	bool at_pref;              /* kernel_gpa == pref_address */
	uint64_t initrd_gpa, initrd_size;   /* 0, 0: no initramfs */
	uint64_t cmdline_len;      /* without the NUL */
	size_t ne820;
	struct linux_range e820[LINUX_E820_MAX];
	struct linux_entry entry;
	/* What the kernel window and the initramfs must avoid: the reserved
	 * ranges, the zero page, the command line and the GDT. */
	size_t nbusy;
	struct linux_range busy[LINUX_E820_MAX + 3];
	uint8_t zp[LINUX_ZP_SIZE]; /* the zero page as written */
};

/* True if img carries the setup-header magic "HdrS" at 0x202. */
bool linux_is_bzimage(const uint8_t *img, size_t len);

/* Read and check the setup header. 0, or -ENOEXEC (no magic, truncated,
 * protocol older than 2.10), -EINVAL (LOADED_HIGH clear, init_size 0, a
 * relocatable kernel_alignment that is not a power of two >= 4 KiB). */
int linux_parse(const uint8_t *img, size_t len, struct linux_setup *s,
		char *err, size_t errlen);

/* Validate, plan and load: the protected-mode kernel, the initramfs
 * (initrd may be NULL with initrd_len 0), the command line (NULL: empty),
 * the zero page, its e820 map and the GDT. 0, or the codes of linux_parse,
 * -EINVAL (the kernel does not fit, a layout range is bad, reserved
 * ranges overlap), -E2BIG (initramfs too large for its window, command
 * line over cmdline_size or the layout's room, too many e820 entries),
 * -EFAULT (a callback failed). err (may be NULL) names the field. */
int linux_load(const uint8_t *img, size_t len, const uint8_t *initrd,
	       size_t initrd_len, const char *cmdline,
	       const struct loader_mem *gm, const struct linux_layout *lay,
	       struct linux_image *out, char *err, size_t errlen);

#endif
