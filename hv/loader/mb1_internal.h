/*
 * The Multiboot v1 loader's internal interface: its files split the work
 * by format (hv/loader/mb1.h has the API). Pure C.
 */
#ifndef EPTLAB_HV_LOADER_MB1_INTERNAL_H
#define EPTLAB_HV_LOADER_MB1_INTERNAL_H

#include "hv/loader/mb1.h"

/* The Multiboot header as found in the image. */
struct mb1_hdr {
	uint64_t off;            /* file offset */
	uint32_t flags;
	/* flags bit 16 */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr,
		 entry_addr;
};

/* [gpa, gpa+size) inside guest RAM and above page 0? Caller guarantees
 * gpa and size are below 2^63 so the sum cannot wrap. */
static inline bool mb1_in_ram(const struct mb1_guest_mem *gm, uint64_t gpa,
			      uint64_t size)
{
	return gpa >= MB1_MIN_LOAD_GPA && gpa <= gm->ram_size &&
	       size <= gm->ram_size - gpa;
}

/* mb1_header.c: find the first header with a valid checksum in the
 * first MB1_SEARCH_BYTES, read its address fields if flags bit 16 is set,
 * and refuse unsupported requirement flags. 0 or -ENOEXEC / -EINVAL. */
int mb1_find_header(const uint8_t *img, size_t len, struct mb1_hdr *h,
		    char *err, size_t errlen);

/* mb1_aout.c: plan the one segment described by the header's address
 * fields (the "a.out kludge"); *file_off is where its bytes start. */
int mb1_plan_aout(const struct mb1_hdr *h, size_t len,
		  const struct mb1_guest_mem *gm, struct mb1_image *out,
		  uint64_t *file_off, char *err, size_t errlen);

/* mb1_elf.c: plan the PT_LOAD segments of an ELF32 or ELF64 image;
 * seg_off[i] is where segment i's bytes start in the file. */
int mb1_plan_elf(const uint8_t *img, size_t len,
		 const struct mb1_guest_mem *gm, struct mb1_image *out,
		 uint64_t seg_off[MB1_MAX_SEGS], char *err, size_t errlen);

#endif
