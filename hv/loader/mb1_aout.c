/*
 * Multiboot v1 loader: loading by the header's address fields, flags bit
 * 16, the "a.out kludge" ("Multiboot Specification version 0.6.96",
 * section 3.1.3 "The address fields of Multiboot header"). All five fields
 * are 32-bit guest-physical addresses, so no sum of two can wrap in
 * uint64_t.
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
#include "include/err.h"

int mb1_plan_aout(const struct mb1_hdr *h, size_t len,
		  const struct mb1_guest_mem *gm, struct mb1_image *out,
		  uint64_t *file_off, char *err, size_t errlen)
{
	uint64_t load = h->load_addr, hdr = h->header_addr;
	uint64_t load_end, bss_end, filesz;

	/* The header sits at file offset h->off and at GPA header_addr, so
	 * the file byte at h->off - (header_addr - load_addr) is load_addr. */
	if (hdr < load)
		return loader_fail(err, errlen, -EINVAL,
				   "header_addr 0x%llx below load_addr "
				   "0x%llx",
				   (unsigned long long)hdr,
				   (unsigned long long)load);
	if (hdr - load > h->off)
		return loader_fail(err, errlen, -EINVAL,
				   "header_addr 0x%llx - load_addr 0x%llx "
				   "exceeds the header's file offset 0x%llx",
				   (unsigned long long)hdr,
				   (unsigned long long)load,
				   (unsigned long long)h->off);
	*file_off = h->off - (hdr - load);

	if (h->load_end_addr == 0) {
		filesz = len - *file_off;        /* the rest of the file */
		if (filesz > LOADER_4GIB)
			return loader_fail(err, errlen, -EINVAL,
					   "load_end_addr 0: 0x%llx bytes from "
					   "offset 0x%llx do not fit below "
					   "4 GiB",
					   (unsigned long long)filesz,
					   (unsigned long long)*file_off);
		load_end = load + filesz;
	} else {
		load_end = h->load_end_addr;
		if (load_end <= load)
			return loader_fail(err, errlen, -EINVAL,
					   "load_end_addr 0x%llx not above "
					   "load_addr 0x%llx",
					   (unsigned long long)load_end,
					   (unsigned long long)load);
		filesz = load_end - load;
		if (filesz > len - *file_off)
			return loader_fail(err, errlen, -ENOEXEC,
					   "truncated file: load_end_addr "
					   "0x%llx needs 0x%llx bytes from "
					   "offset 0x%llx, file has %zu",
					   (unsigned long long)load_end,
					   (unsigned long long)filesz,
					   (unsigned long long)*file_off, len);
	}
	if (h->bss_end_addr == 0) {
		bss_end = load_end;
	} else {
		bss_end = h->bss_end_addr;
		if (bss_end < load_end)
			return loader_fail(err, errlen, -EINVAL,
					   "bss_end_addr 0x%llx below "
					   "load_end_addr 0x%llx",
					   (unsigned long long)bss_end,
					   (unsigned long long)load_end);
	}
	if (load < MB1_MIN_LOAD_GPA)
		return loader_fail(err, errlen, -EINVAL,
				   "load_addr 0x%llx below 0x%x",
				   (unsigned long long)load, MB1_MIN_LOAD_GPA);
	if (!mb1_in_ram(gm, load, bss_end - load))
		return loader_fail(err, errlen, -EINVAL,
				   "load_addr 0x%llx .. bss_end 0x%llx beyond "
				   "guest RAM (0x%llx)",
				   (unsigned long long)load,
				   (unsigned long long)bss_end,
				   (unsigned long long)gm->ram_size);
	if (h->entry_addr < load || h->entry_addr >= load_end)
		return loader_fail(err, errlen, -EINVAL,
				   "entry_addr 0x%x outside loaded range "
				   "[0x%llx, 0x%llx)", (unsigned)h->entry_addr,
				   (unsigned long long)load,
				   (unsigned long long)load_end);

	out->kind = MB1_KLUDGE;
	out->entry = h->entry_addr;
	out->nseg = 1;
	out->seg[0].gpa = load;
	out->seg[0].filesz = filesz;
	out->seg[0].memsz = bss_end - load;
	return 0;
}
