/*
 * Multiboot v1 loader: the header search ("Multiboot Specification version
 * 0.6.96", section 3.1.1 "The layout of Multiboot header" and 3.1.2 "The
 * magic fields of Multiboot header"). The header is 4-byte aligned in the
 * first 8 KiB; magic + flags + checksum must be 0; flags bits 0-15 are
 * requirements the loader must honour or refuse.
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
#include "include/err.h"

/* The first header with a valid checksum, and its address fields. */
static int find_header(const uint8_t *img, size_t len, struct mb1_hdr *h,
		       char *err, size_t errlen)
{
	size_t limit = MIN(len, (size_t)MB1_SEARCH_BYTES);
	bool bad_sum = false;
	size_t bad_off = 0;
	uint32_t bad_val = 0;

	for (size_t off = 0; off + MB1_HDR_BASE_SIZE <= limit; off += 4) {
		const uint8_t *p = img + off;

		if (get_le32(p + MB1_HDR_MAGIC) != MB1_HEADER_MAGIC)
			continue;
		uint32_t flags = get_le32(p + MB1_HDR_FLAGS);
		uint32_t sum = get_le32(p + MB1_HDR_CHECKSUM);
		if ((uint32_t)(MB1_HEADER_MAGIC + flags + sum) != 0) {
			if (!bad_sum) {
				bad_sum = true;
				bad_off = off;
				bad_val = sum;
			}
			continue;
		}
		h->off = off;
		h->flags = flags;
		if (!(flags & MB1_HF_AOUT_KLUDGE))
			return 0;
		if (off + MB1_HDR_AOUT_SIZE > len)
			return loader_fail(err, errlen, -ENOEXEC,
					   "header at 0x%zx: address fields "
					   "truncated (file is %zu bytes)",
					   off, len);
		h->header_addr   = get_le32(p + MB1_HDR_HEADER_ADDR);
		h->load_addr     = get_le32(p + MB1_HDR_LOAD_ADDR);
		h->load_end_addr = get_le32(p + MB1_HDR_LOAD_END_ADDR);
		h->bss_end_addr  = get_le32(p + MB1_HDR_BSS_END_ADDR);
		h->entry_addr    = get_le32(p + MB1_HDR_ENTRY_ADDR);
		return 0;
	}
	if (bad_sum)
		return loader_fail(err, errlen, -ENOEXEC,
				   "header at 0x%zx: bad checksum 0x%x "
				   "(magic + flags + checksum must be 0)",
				   bad_off, (unsigned)bad_val);
	if (len < MB1_HDR_BASE_SIZE)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated file: %zu bytes, no Multiboot "
				   "header", len);
	return loader_fail(err, errlen, -ENOEXEC,
			   "no Multiboot header (magic 0x%x) in the first %u "
			   "bytes", MB1_HEADER_MAGIC, MB1_SEARCH_BYTES);
}

int mb1_find_header(const uint8_t *img, size_t len, struct mb1_hdr *h,
		    char *err, size_t errlen)
{
	int rc = find_header(img, len, h, err, errlen);

	if (rc)
		return rc;
	/* Bits 0 (page-aligned modules: they always are), 1 (memory
	 * information, always given) and 2 (video mode information: the
	 * info block always describes the 80x25 EGA text screen at 0xB8000,
	 * mb1_info.c) are honoured; the undefined ones are not. */
	if (h->flags & GENMASK(15, 3))
		return loader_fail(err, errlen, -EINVAL,
				   "flags 0x%x: required bits 0x%llx not "
				   "supported (bits 15:3 are undefined)",
				   (unsigned)h->flags,
				   (unsigned long long)(h->flags &
							GENMASK(15, 3)));
	return 0;
}
