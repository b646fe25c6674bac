/*
 * libFuzzer harness for the Linux boot protocol loader (hv/loader/linux_*.c).
 *
 * Input: byte 0 picks the guest RAM size (1..256 MiB), byte 1 the
 * initramfs size (0..255 x 64 KiB), byte 2 the command-line length, byte 3
 * flags (bit 0: force the "HdrS" magic, bit 1: force protocol 2.15, bit 2:
 * no reserved ranges); the rest is the bzImage. Guest RAM is not
 * allocated: the write callback checks each access against RAM and reads
 * the first and last source byte (ASan sees an over-read). Invariants:
 *   - linux_load returns 0 or a documented errno, with a message;
 *   - on failure nothing was written;
 *   - on success: the kernel window is in RAM below 4 GiB, at or above
 *     1 MiB, clear of every busy range; the initramfs is page-aligned, in
 *     RAM, ends at or below initrd_addr_max + 1, clear of the kernel
 *     window and the busy ranges; the e820 map is sorted and without
 *     overlaps; the zero page holds the image's header up to hdr_end and
 *     the loader's fields; the command line fits cmdline_size; exactly the
 *     planned bytes were written.
 */
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "hv/loader/linux.h"
#include "hv/loader/linux_bp.h"
#include "include/err.h"

static int sim_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct fuzz_ram *r = ctx;
	const uint8_t *s = src;

	fuzz_ram_access(r, "write", gpa, len);
	if (len)
		r->sum += s[0] + s[len - 1];
	return 0;
}

static bool known_err(int rc)
{
	return rc == -ENOEXEC || rc == -EINVAL || rc == -E2BIG ||
	       rc == -EFAULT;
}

static const struct linux_range rsv[] = {
	{ 0x9FC00, 0x60400, LINUX_E820_RESERVED, "BIOS area" },
	{ 0x3000000, 0x200000, LINUX_E820_RESERVED, "hole" },
	{ 0xFEE00000, 0x1000, LINUX_E820_RESERVED, "local APIC" },
};

static uint8_t initrd[255 << 16];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ram ram = { 0 };
	struct loader_mem gm = { .ctx = &ram, .write = sim_write };
	struct linux_layout lay = { .zp_gpa = 0x10000, .gdt_gpa = 0x11000,
				    .cmdline_gpa = 0x20000,
				    .cmdline_max = 0x10000,
				    .rsv = rsv, .nrsv = ARRAY_SIZE(rsv) };
	static struct linux_image img;
	char err[512], *cl;
	uint8_t *copy, flags;
	size_t rd_len, cl_len;
	int rc;

	if (size < 4)
		return 0;
	ram.size = (uint64_t)(1 + data[0]) << 20;
	gm.ram_size = ram.size;
	rd_len = (size_t)data[1] << 16;
	cl_len = (size_t)data[2] * 13;
	flags = data[3];
	if (flags & 4)
		lay.nrsv = 0;
	data += 4;
	size -= 4;
	/* An exact-size heap copy, so ASan flags any read past the end. */
	copy = malloc(size ? size : 1);
	cl = malloc(cl_len + 1);
	if (!copy || !cl) {
		free(copy);
		free(cl);
		return 0;
	}
	memcpy(copy, data, size);
	if ((flags & 1) && size >= LX_HDR_MAGIC + 4)
		put_le32(copy + LX_HDR_MAGIC, LINUX_HDR_MAGIC);
	if ((flags & 2) && size >= LX_HDR_VERSION + 2) {
		copy[LX_HDR_VERSION] = 0x0F;
		copy[LX_HDR_VERSION + 1] = 0x02;
	}
	memset(cl, 'a' + (flags >> 4), cl_len);
	cl[cl_len] = 0;

	memset(err, 0x7E, sizeof(err));
	rc = linux_load(copy, size, initrd, rd_len, cl, &gm, &lay, &img, err,
			sizeof(err));
	FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL, "err not terminated");
	if (rc) {
		FUZZ_CHECK(known_err(rc), "unknown rc %d", rc);
		FUZZ_CHECK(err[0], "rc %d without a message", rc);
		FUZZ_CHECK(ram.calls == 0, "failed load wrote guest RAM");
		goto out;
	}

	const struct linux_setup *s = &img.s;
	uint64_t top = ram.size < LOADER_4GIB ? ram.size : LOADER_4GIB;
	uint64_t kwin = img.kernel_end - img.kernel_gpa;

	FUZZ_CHECK(linux_is_bzimage(copy, size), "loaded without the magic");
	FUZZ_CHECK(s->version >= LINUX_MIN_VERSION, "version 0x%x", s->version);
	FUZZ_CHECK(img.kernel_gpa >= LINUX_LOW_LIMIT &&
		   img.kernel_end <= top && img.kernel_end > img.kernel_gpa,
		   "kernel [0x%llx, 0x%llx) outside RAM",
		   (unsigned long long)img.kernel_gpa,
		   (unsigned long long)img.kernel_end);
	FUZZ_CHECK(kwin >= s->init_size && kwin >= s->pm_size,
		   "kernel window smaller than init_size or the file");
	FUZZ_CHECK(img.at_pref ? img.kernel_gpa == s->pref_address :
		   s->relocatable &&
		   IS_ALIGNED(img.kernel_gpa, s->kernel_alignment),
		   "kernel at 0x%llx: neither pref_address nor aligned",
		   (unsigned long long)img.kernel_gpa);
	for (size_t i = 0; i < img.nbusy; i++) {
		const struct linux_range *b = &img.busy[i];
		FUZZ_CHECK(!loader_overlap(img.kernel_gpa, kwin, b->base, b->len),
			   "kernel overlaps %s", b->name);
		FUZZ_CHECK(!loader_overlap(img.initrd_gpa, img.initrd_size,
					   b->base, b->len),
			   "initramfs overlaps %s", b->name);
	}
	FUZZ_CHECK(img.initrd_size == rd_len, "initramfs size");
	if (rd_len) {
		FUZZ_CHECK(IS_ALIGNED(img.initrd_gpa, SZ_4K) &&
			   img.initrd_gpa >= LINUX_LOW_LIMIT &&
			   img.initrd_gpa + rd_len <= top &&
			   img.initrd_gpa + rd_len - 1 <= s->initrd_addr_max,
			   "initramfs at 0x%llx +0x%zx out of its window",
			   (unsigned long long)img.initrd_gpa, rd_len);
		FUZZ_CHECK(!loader_overlap(img.initrd_gpa, rd_len,
					   img.kernel_gpa, kwin),
			   "initramfs overlaps the kernel window");
	}
	FUZZ_CHECK(img.cmdline_len == cl_len && cl_len <= s->cmdline_size,
		   "command line %llu > cmdline_size %u",
		   (unsigned long long)img.cmdline_len, s->cmdline_size);
	FUZZ_CHECK(img.ne820 >= 1 && img.ne820 <= LINUX_E820_MAX &&
		   img.zp[LX_ZP_E820_ENTRIES] == img.ne820, "e820 count");
	for (size_t i = 1; i < img.ne820; i++)
		FUZZ_CHECK(img.e820[i - 1].base + img.e820[i - 1].len <=
			   img.e820[i].base, "e820 %zu not sorted/disjoint", i);
	FUZZ_CHECK(img.e820[0].base == 0 && img.e820[0].type == LINUX_E820_RAM,
		   "no usable RAM at 0");
	FUZZ_CHECK(s->hdr_end <= size &&
		   memcmp(img.zp + 0x1F1, copy + 0x1F1,
			  LX_HDR_TYPE_OF_LOADER - 0x1F1) == 0,
		   "header not copied");
	FUZZ_CHECK(img.zp[LX_HDR_TYPE_OF_LOADER] == 0xFF &&
		   get_le32(img.zp + LX_HDR_CODE32_START) == img.kernel_gpa &&
		   get_le32(img.zp + LX_HDR_RAMDISK_IMAGE) == img.initrd_gpa &&
		   get_le32(img.zp + LX_HDR_RAMDISK_SIZE) == rd_len &&
		   get_le32(img.zp + LX_HDR_CMD_LINE_PTR) == lay.cmdline_gpa,
		   "zero-page fields");
	for (size_t i = s->hdr_end; i < LX_ZP_E820_TABLE; i++)
		FUZZ_CHECK(img.zp[i] == 0, "zero page byte 0x%zx past the "
			   "header is set", i);
	FUZZ_CHECK(ram.bytes == s->pm_size + rd_len + cl_len + 1 +
		   LINUX_ZP_SIZE + LINUX_GDT_SIZE, "wrote %llu bytes",
		   (unsigned long long)ram.bytes);
out:
	free(copy);
	free(cl);
	return 0;
}
