/*
 * libFuzzer harness for the Multiboot v1 loader (hv/loader/mb1_*.c).
 *
 * Input: byte 0 picks the guest RAM size (1..64 MiB), byte 1 the info-block
 * command-line length; the rest is the guest image. Guest RAM is not
 * allocated: the write/zero callbacks check every access is inside
 * [0, ram_size) and above page 0, and read every source byte (so ASan sees
 * an over-read of the image). Invariants:
 *   - mb1_load returns 0 or one of its documented errnos, with a message;
 *   - on failure nothing was written;
 *   - on success every segment lies in RAM, segments do not overlap,
 *     filesz <= memsz, lo/hi bound them, the entry is inside a segment's
 *     file-backed bytes and below 4 GiB, and exactly the segments' bytes
 *     were written or zeroed;
 *   - mb1_build_info stays inside RAM and below 4 GiB.
 */
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "hv/loader/mb1.h"
#include "include/err.h"

static int sim_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct fuzz_ram *r = ctx;
	const uint8_t *s = src;

	fuzz_ram_access(r, "write", gpa, len);
	FUZZ_CHECK(gpa >= MB1_MIN_LOAD_GPA || len == 0, "write to page 0");
	for (size_t i = 0; i < len; i++)
		r->sum += s[i];
	return 0;
}

static int sim_zero(void *ctx, uint64_t gpa, size_t len)
{
	struct fuzz_ram *r = ctx;

	fuzz_ram_access(r, "zero", gpa, len);
	FUZZ_CHECK(gpa >= MB1_MIN_LOAD_GPA || len == 0, "zero of page 0");
	return 0;
}

static bool known_err(int rc)
{
	return rc == -ENOEXEC || rc == -EINVAL || rc == -E2BIG ||
	       rc == -EFAULT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_ram ram = { 0 };
	struct mb1_guest_mem gm = { .ctx = &ram, .write = sim_write,
				    .zero = sim_zero };
	static struct mb1_image img;
	char err[256];
	uint8_t *copy;
	int rc;

	if (size < 2)
		return 0;
	ram.size = (uint64_t)(1 + data[0] % 64) << 20;
	gm.ram_size = ram.size;
	if (data[0] & 0x40) {          /* an info block kept free at 64 KiB */
		gm.rsv_gpa = 0x10000;
		gm.rsv_size = 0x100 + (uint64_t)data[1] * 16;
		gm.rsv_name = "reserved";
	}
	size_t cl_len = data[1];
	uint8_t sel = data[0];
	data += 2;
	size -= 2;
	/* An exact-size heap copy, so ASan flags any read past the end. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);

	memset(err, 0x7E, sizeof(err));
	rc = mb1_load(copy, size, &gm, &img, err, sizeof(err));
	FUZZ_CHECK(memchr(err, 0, sizeof(err)) != NULL, "err not terminated");
	if (rc) {
		FUZZ_CHECK(known_err(rc), "unknown rc %d", rc);
		FUZZ_CHECK(err[0], "rc %d without a message", rc);
		FUZZ_CHECK(ram.calls == 0, "failed load wrote guest RAM");
		free(copy);
		return 0;
	}

	uint64_t total = 0, lo = UINT64_MAX, hi = 0;
	bool entry_ok = false;
	FUZZ_CHECK(img.nseg >= 1 && img.nseg <= MB1_MAX_SEGS, "nseg %zu",
		   img.nseg);
	for (size_t i = 0; i < img.nseg; i++) {
		const struct mb1_seg *s = &img.seg[i];
		FUZZ_CHECK(s->filesz <= s->memsz, "seg %zu filesz > memsz", i);
		FUZZ_CHECK(s->gpa >= MB1_MIN_LOAD_GPA && s->gpa <= ram.size &&
			   s->memsz <= ram.size - s->gpa, "seg %zu outside RAM", i);
		FUZZ_CHECK(s->filesz <= size, "seg %zu filesz beyond file", i);
		for (size_t j = 0; j < i; j++) {
			const struct mb1_seg *t = &img.seg[j];
			FUZZ_CHECK(!(s->gpa < t->gpa + t->memsz &&
				     t->gpa < s->gpa + s->memsz),
				   "segments %zu and %zu overlap", j, i);
		}
		if (img.entry >= s->gpa && img.entry - s->gpa < s->filesz)
			entry_ok = true;
		FUZZ_CHECK(!gm.rsv_size ||
			   !(s->gpa < gm.rsv_gpa + gm.rsv_size &&
			     gm.rsv_gpa < s->gpa + s->memsz),
			   "seg %zu overlaps the reserved range", i);
		total += s->memsz;
		lo = s->gpa < lo ? s->gpa : lo;
		hi = s->gpa + s->memsz > hi ? s->gpa + s->memsz : hi;
	}
	FUZZ_CHECK(entry_ok, "entry 0x%x outside the loaded bytes", img.entry);
	FUZZ_CHECK(img.lo == lo && img.hi == hi, "lo/hi");
	FUZZ_CHECK(ram.bytes == total, "wrote %llu bytes, segments hold %llu",
		   (unsigned long long)ram.bytes, (unsigned long long)total);

	/* The info block, with a command line cut from the image. */
	char *cl = malloc(cl_len + 1);
	struct mb1_mmap_entry map[2] = {
		{ 0, 0x9FC00, 1 }, { 0x100000, ram.size - 0x100000, 1 },
	};
	if (cl) {
		size_t n = cl_len < size ? cl_len : size;
		memcpy(cl, copy, n);
		cl[n] = 0;
		uint64_t at = 0x1000 + (uint64_t)(sel & 0x7) * 0x1000;
		/* Two modules with strings cut from the image too. */
		struct mb1_module mods[2] = {
			{ 0x200000, 1 + (uint64_t)sel * 0x100, cl },
			{ 0x300000, 0x1000, size && (copy[0] & 1) ? NULL : cl },
		};
		int64_t info = mb1_build_info(&gm, at, cl, map, 2, mods,
					      (sel >> 4) % 3, err, sizeof(err));
		FUZZ_CHECK(info == (int64_t)at || known_err((int)info),
			   "build_info %lld", (long long)info);
		free(cl);
	}
	free(copy);
	return 0;
}
