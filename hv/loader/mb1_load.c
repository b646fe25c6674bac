/*
 * Multiboot v1 loader: mb1_load(), the entry point. It finds the header
 * (mb1_header.c), plans the segments by the format the header names (the
 * a.out kludge, mb1_aout.c, or ELF, mb1_elf.c), checks them against the
 * caller's reserved range, and only then writes guest RAM: on any failure
 * nothing has been written.
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
#include "include/err.h"

/* No segment may overlap the caller's reserved range. Segments are inside
 * RAM (so gpa + memsz cannot wrap); the reserved range is checked too. */
static int check_reserved(const struct mb1_guest_mem *gm,
			  const struct mb1_image *img, char *err, size_t errlen)
{
	uint64_t a = gm->rsv_gpa, b;

	if (!gm->rsv_size)
		return 0;
	b = gm->rsv_size > UINT64_MAX - a ? UINT64_MAX : a + gm->rsv_size;
	for (size_t i = 0; i < img->nseg; i++) {
		const struct mb1_seg *s = &img->seg[i];
		if (s->gpa < b && a < s->gpa + s->memsz)
			return loader_fail(err, errlen, -EINVAL,
					   "segment %zu: [0x%llx, 0x%llx) "
					   "overlaps the %s [0x%llx, 0x%llx)",
					   i, (unsigned long long)s->gpa,
					   (unsigned long long)
					   (s->gpa + s->memsz),
					   gm->rsv_name ? gm->rsv_name
							: "reserved range",
					   (unsigned long long)a,
					   (unsigned long long)b);
	}
	return 0;
}

/* Copy segment i's file bytes to guest RAM and zero its bss. */
static int write_segment(const struct mb1_guest_mem *gm,
			 const struct mb1_seg *s, size_t i, const uint8_t *src,
			 char *err, size_t errlen)
{
	int rc;

	if (s->filesz) {
		rc = gm->write(gm->ctx, s->gpa, src, (size_t)s->filesz);
		if (rc)
			return loader_fail(err, errlen, rc,
					   "segment %zu: writing 0x%llx bytes "
					   "at 0x%llx failed", i,
					   (unsigned long long)s->filesz,
					   (unsigned long long)s->gpa);
	}
	if (s->memsz > s->filesz) {
		rc = gm->zero(gm->ctx, s->gpa + s->filesz,
			      (size_t)(s->memsz - s->filesz));
		if (rc)
			return loader_fail(err, errlen, rc,
					   "segment %zu: zeroing bss at 0x%llx "
					   "failed", i,
					   (unsigned long long)(s->gpa +
								s->filesz));
	}
	return 0;
}

int mb1_load(const uint8_t *img, size_t len, const struct mb1_guest_mem *gm,
	     struct mb1_image *out, char *err, size_t errlen)
{
	struct mb1_hdr h = { 0 };
	uint64_t seg_off[MB1_MAX_SEGS] = { 0 };
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!img || !gm || !out || !gm->write || !gm->zero)
		return loader_fail(err, errlen, -EINVAL,
				   "mb1_load: NULL argument");
	*out = (struct mb1_image){ 0 };

	rc = mb1_find_header(img, len, &h, err, errlen);
	if (rc)
		return rc;
	out->header_flags = h.flags;
	out->header_offset = h.off;

	if (h.flags & MB1_HF_AOUT_KLUDGE)
		rc = mb1_plan_aout(&h, len, gm, out, &seg_off[0], err, errlen);
	else
		rc = mb1_plan_elf(img, len, gm, out, seg_off, err, errlen);
	if (rc)
		return rc;

	rc = check_reserved(gm, out, err, errlen);
	if (rc)
		return rc;

	out->lo = UINT64_MAX;
	out->hi = 0;
	for (size_t i = 0; i < out->nseg; i++) {
		const struct mb1_seg *s = &out->seg[i];
		out->lo = MIN(out->lo, s->gpa);
		out->hi = MAX(out->hi, s->gpa + s->memsz);
	}

	/* Everything validated: now write. */
	for (size_t i = 0; i < out->nseg; i++) {
		rc = write_segment(gm, &out->seg[i], i, img + seg_off[i],
				   err, errlen);
		if (rc)
			return rc;
	}
	return 0;
}
