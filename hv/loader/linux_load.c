/*
 * Linux loader: linux_load(), the entry point. It reads the setup header
 * (linux_hdr.c), checks the caller's layout and the command line, builds
 * the e820 map and the zero page (linux_zp.c), places the kernel and the
 * initramfs (linux_place.c), and only then writes guest RAM: on any
 * failure nothing has been written.
 */
#include "hv/loader/linux_bp.h"
#include "include/err.h"

static size_t cstr_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n])
		n++;
	return n;       /* max + 1 means "longer than max" */
}

/* One of the loader's own structures: inside RAM below 4 GiB, aligned,
 * clear of the reserved ranges. */
static int check_struct(const char *what, uint64_t gpa, uint64_t len,
			uint64_t align, uint64_t ram_size,
			const struct linux_layout *lay, char *err,
			size_t errlen)
{
	uint64_t top = MIN(ram_size, LOADER_4GIB);

	if (!IS_ALIGNED(gpa, align) || gpa > top || len > top - gpa)
		return loader_fail(err, errlen, -EINVAL,
				   "%s [0x%llx, +0x%llx) not %llu-byte "
				   "aligned inside guest RAM (0x%llx) below "
				   "4 GiB", what, (unsigned long long)gpa,
				   (unsigned long long)len,
				   (unsigned long long)align,
				   (unsigned long long)ram_size);
	for (size_t i = 0; i < lay->nrsv; i++)
		if (loader_overlap(gpa, len, lay->rsv[i].base, lay->rsv[i].len))
			return loader_fail(err, errlen, -EINVAL,
					   "%s [0x%llx, +0x%llx) overlaps the "
					   "reserved range %s", what,
					   (unsigned long long)gpa,
					   (unsigned long long)len,
					   lay->rsv[i].name ? lay->rsv[i].name
							    : "?");
	return 0;
}

static void busy_add(struct linux_image *out, const char *name, uint64_t gpa,
		     uint64_t len)
{
	out->busy[out->nbusy++] = (struct linux_range){ gpa, len,
		LINUX_E820_RESERVED, name };
}

/* The plan: everything checked, nothing written. */
static int linux_plan(const uint8_t *img, size_t len, size_t initrd_len,
		      const char *cmdline, const struct loader_mem *gm,
		      const struct linux_layout *lay, struct linux_image *out,
		      char *err, size_t errlen)
{
	const struct linux_setup *s = &out->s;
	uint64_t ram = gm->ram_size;
	size_t cl;
	int rc;

	rc = linux_parse(img, len, &out->s, err, errlen);
	if (rc)
		return rc;
	cl = cmdline ? cstr_len(cmdline, MAX(s->cmdline_size,
					     lay->cmdline_max)) : 0;
	if (cl > s->cmdline_size)
		return loader_fail(err, errlen, -E2BIG,
				   "command line of %zu%s bytes is longer than "
				   "the kernel's cmdline_size %u", cl,
				   cl > MAX(s->cmdline_size, lay->cmdline_max) ?
				   "+" : "", s->cmdline_size);
	if (cl + 1 > lay->cmdline_max)
		return loader_fail(err, errlen, -E2BIG,
				   "command line of %zu bytes does not fit the "
				   "%llu bytes (NUL included) reserved for it",
				   cl, (unsigned long long)lay->cmdline_max);
	out->cmdline_len = cl;
	/* The map first: it checks the reserved ranges the rest relies on. */
	rc = linux_build_e820(ram, lay->rsv, lay->nrsv, out, err, errlen);
	if (rc)
		return rc;
	if ((rc = check_struct("zero page", lay->zp_gpa, LINUX_ZP_SIZE, SZ_4K,
			       ram, lay, err, errlen)) ||
	    (rc = check_struct("command line", lay->cmdline_gpa, cl + 1, 1,
			       ram, lay, err, errlen)) ||
	    (rc = check_struct("GDT", lay->gdt_gpa, LINUX_GDT_SIZE, 8, ram,
			       lay, err, errlen)))
		return rc;
	if (loader_overlap(lay->zp_gpa, LINUX_ZP_SIZE, lay->cmdline_gpa, cl + 1) ||
	    loader_overlap(lay->zp_gpa, LINUX_ZP_SIZE, lay->gdt_gpa,
			   LINUX_GDT_SIZE) ||
	    loader_overlap(lay->cmdline_gpa, cl + 1, lay->gdt_gpa,
			   LINUX_GDT_SIZE))
		return loader_fail(err, errlen, -EINVAL,
				   "layout: zero page 0x%llx, command line "
				   "0x%llx (+%zu) and GDT 0x%llx overlap",
				   (unsigned long long)lay->zp_gpa,
				   (unsigned long long)lay->cmdline_gpa, cl + 1,
				   (unsigned long long)lay->gdt_gpa);

	out->nbusy = 0;
	for (size_t i = 0; i < lay->nrsv; i++)
		out->busy[out->nbusy++] = lay->rsv[i];
	busy_add(out, "zero page", lay->zp_gpa, LINUX_ZP_SIZE);
	busy_add(out, "command line", lay->cmdline_gpa, cl + 1);
	busy_add(out, "GDT", lay->gdt_gpa, LINUX_GDT_SIZE);
	rc = linux_place_kernel(s, ram, out->busy, out->nbusy, out, err,
				errlen);
	if (rc)
		return rc;
	rc = linux_place_initrd(s, ram, initrd_len, out->busy, out->nbusy, out,
				err, errlen);
	if (rc)
		return rc;

	out->entry = (struct linux_entry){
		.eip = (uint32_t)out->kernel_gpa,
		.esi = (uint32_t)lay->zp_gpa,
		.cs = LINUX_BOOT_CS, .ds = LINUX_BOOT_DS, .tr = LINUX_BOOT_TSS,
		.gdtr_base = lay->gdt_gpa, .gdtr_limit = LINUX_GDT_SIZE - 1,
	};
	linux_build_zp(img, lay, out);
	return 0;
}

static int put(const struct loader_mem *gm, const char *what, uint64_t gpa,
	       const void *src, uint64_t len, char *err, size_t errlen)
{
	int rc = len ? gm->write(gm->ctx, gpa, src, (size_t)len) : 0;

	if (rc)
		return loader_fail(err, errlen, rc,
				   "writing the %s (0x%llx bytes at 0x%llx) "
				   "failed", what, (unsigned long long)len,
				   (unsigned long long)gpa);
	return 0;
}

int linux_load(const uint8_t *img, size_t len, const uint8_t *initrd,
	       size_t initrd_len, const char *cmdline,
	       const struct loader_mem *gm, const struct linux_layout *lay,
	       struct linux_image *out, char *err, size_t errlen)
{
	uint8_t gdt[LINUX_GDT_SIZE];
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!img || !gm || !gm->write || !lay || !out ||
	    (initrd_len && !initrd) || (lay->nrsv && !lay->rsv))
		return loader_fail(err, errlen, -EINVAL,
				   "linux_load: NULL argument");
	out->ne820 = out->nbusy = 0;
	rc = linux_plan(img, len, initrd_len, cmdline, gm, lay, out, err,
			errlen);
	if (rc)
		return rc;

	/* Everything validated: now write. */
	linux_build_gdt(gdt);
	if ((rc = put(gm, "protected-mode kernel", out->kernel_gpa,
		      img + out->s.pm_offset, out->s.pm_size, err, errlen)) ||
	    (rc = put(gm, "initramfs", out->initrd_gpa, initrd,
		      out->initrd_size, err, errlen)) ||
	    (rc = put(gm, "command line", lay->cmdline_gpa,
		      cmdline ? cmdline : "", out->cmdline_len, err, errlen)) ||
	    (rc = put(gm, "command line's NUL", lay->cmdline_gpa +
		      out->cmdline_len, "", 1, err, errlen)) ||
	    (rc = put(gm, "zero page", lay->zp_gpa, out->zp, LINUX_ZP_SIZE,
		      err, errlen)) ||
	    (rc = put(gm, "GDT", lay->gdt_gpa, gdt, LINUX_GDT_SIZE, err,
		      errlen)))
		return rc;
	return 0;
}
