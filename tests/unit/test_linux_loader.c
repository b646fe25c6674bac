/*
 * Host tests for the Linux boot protocol loader (hv/loader/linux_*.c).
 * Synthetic bzImages are built here: a setup header with the fields the
 * loader reads, setup sectors of filler, and a protected-mode part of a
 * known pattern. Each bad image breaks one field and must fail with its
 * errno and a message naming it, having written nothing. If a real
 * bzImage is at $EPTLAB_BZIMAGE or build/linux/vmlinuz (make
 * linux-artifacts), it is parsed and loaded too; otherwise that test
 * says so and passes (the synthetic images cover every check).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/loader/linux.h"
#include "hv/loader/linux_bp.h"
#include "include/err.h"

#define RAM_SIZE   (64ULL << 20)        /* simulated guest RAM */
#define ZP_GPA     0x10000ULL
#define GDT_GPA    0x11000ULL
#define CL_GPA     0x20000ULL
#define CL_MAX     0x10000ULL
#define PREF       0x1000000ULL         /* 16 MiB */
#define PM_SIZE    0x3000u
#define INIT_SIZE  0x400000u            /* 4 MiB window */

struct sim {
	uint8_t *ram;
	uint64_t size;
	unsigned writes;       /* callback calls, to prove "nothing written" */
	bool fail_writes;
};

static int sim_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct sim *s = ctx;

	s->writes++;
	if (s->fail_writes || gpa > s->size || len > s->size - gpa)
		return -EFAULT;
	memcpy(s->ram + gpa, src, len);
	return 0;
}

static struct sim sim;
static struct loader_mem gm;
static struct linux_image *out;
static char err[512];

static const struct linux_range rsv[] = {
	{ 0x9FC00, 0x60400, LINUX_E820_RESERVED, "BIOS area" },
	{ 0xFEE00000, 0x1000, LINUX_E820_RESERVED, "local APIC" },
	{ 0xFEC00000, 0x1000, LINUX_E820_RESERVED, "I/O APIC" },
};
static struct linux_layout lay;

static void sim_init(uint64_t size)
{
	free(sim.ram);
	sim.ram = calloc(1, size);
	assert_non_null(sim.ram);
	sim.size = size;
	sim.writes = 0;
	sim.fail_writes = false;
	gm = (struct loader_mem){ .ctx = &sim, .ram_size = size,
				  .write = sim_write };
}

static int setup(void **state)
{
	sim.ram = NULL;
	sim_init(RAM_SIZE);
	out = calloc(1, sizeof(*out));
	assert_non_null(out);
	lay = (struct linux_layout){ .zp_gpa = ZP_GPA, .cmdline_gpa = CL_GPA,
				     .cmdline_max = CL_MAX, .gdt_gpa = GDT_GPA,
				     .rsv = rsv, .nrsv = ARRAY_SIZE(rsv) };
	memset(err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	free(sim.ram);
	sim.ram = NULL;
	free(out);
	return 0;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* A bzImage: 4 setup sectors + the boot sector, then PM_SIZE bytes. */
struct bz {
	uint8_t *img;
	size_t len;
};

static struct bz bz_make(unsigned setup_sects, size_t pm_size)
{
	unsigned sects = setup_sects ? setup_sects : 4;
	struct bz b;

	b.len = (sects + 1) * 512 + pm_size;
	b.img = malloc(b.len);
	assert_non_null(b.img);
	for (size_t i = 0; i < b.len; i++)
		b.img[i] = (uint8_t)(i * 7 + 1);   /* no zero bytes: copies show */
	b.img[LX_HDR_SETUP_SECTS] = (uint8_t)setup_sects;
	put32(b.img + LX_HDR_SYSSIZE, (uint32_t)(pm_size / 16));
	b.img[LX_HDR_JUMP] = 0xEB;
	b.img[LX_HDR_JUMP + 1] = 0x6A;            /* header ends at 0x26C */
	put32(b.img + LX_HDR_MAGIC, LINUX_HDR_MAGIC);
	put16(b.img + LX_HDR_VERSION, 0x020F);
	b.img[LX_HDR_TYPE_OF_LOADER] = 0;
	b.img[LX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	put32(b.img + LX_HDR_INITRD_ADDR_MAX, 0x7FFFFFFF);
	put32(b.img + LX_HDR_KERNEL_ALIGNMENT, 0x200000);
	b.img[LX_HDR_RELOCATABLE] = 1;
	put32(b.img + LX_HDR_CMDLINE_SIZE, 2047);
	put64(b.img + LX_HDR_PREF_ADDRESS, PREF);
	put32(b.img + LX_HDR_INIT_SIZE, INIT_SIZE);
	return b;
}

static int load(const struct bz *b, const uint8_t *rd, size_t rdlen,
		const char *cl)
{
	return linux_load(b->img, b->len, rd, rdlen, cl, &gm, &lay, out, err,
			  sizeof(err));
}

/* A failure: the errno, a substring of the message, nothing written. */
static void expect_fail(int rc, int want, const char *msg)
{
	if (rc != want || !strstr(err, msg))
		print_error("rc %d (want %d), err '%s' (want '%s')\n", rc, want,
			    err, msg);
	assert_int_equal(rc, want);
	assert_non_null(strstr(err, msg));
	assert_int_equal(sim.writes, 0);
}

static void test_valid_load(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	static uint8_t rd[0x5000];
	const char *cl = "console=ttyS0 nokaslr";
	const uint8_t *zp = sim.ram + ZP_GPA;

	memset(rd, 0x5A, sizeof(rd));
	assert_int_equal(load(&b, rd, sizeof(rd), cl), 0);
	assert_true(linux_is_bzimage(b.img, b.len));
	assert_int_equal(out->s.version, 0x020F);
	assert_int_equal(out->s.pm_offset, 5 * 512);
	/* The kernel at pref_address, its bytes copied. */
	assert_int_equal(out->kernel_gpa, PREF);
	assert_true(out->at_pref);
	assert_int_equal(out->kernel_end, PREF + INIT_SIZE);
	assert_memory_equal(sim.ram + PREF, b.img + 5 * 512, PM_SIZE);
	/* The zero page: the header copied to 0x202 + byte at 0x201, then
	 * the loader's fields. */
	assert_memory_equal(zp + 0x1F1, b.img + 0x1F1, 0x210 - 0x1F1);
	assert_memory_equal(zp + 0x238, b.img + 0x238, 0x26C - 0x238);
	assert_int_equal(zp[0x26C], 0);           /* past the header: zero */
	assert_int_equal(zp[0x1F0], 0);           /* before it too */
	assert_int_equal(zp[LX_HDR_TYPE_OF_LOADER], 0xFF);
	assert_int_equal(get32(zp + LX_HDR_CODE32_START), PREF);
	assert_int_equal(get32(zp + LX_HDR_CMD_LINE_PTR), CL_GPA);
	assert_string_equal((const char *)sim.ram + CL_GPA, cl);
	/* The initramfs: as high as it goes, below initrd_addr_max. */
	assert_int_equal(get32(zp + LX_HDR_RAMDISK_IMAGE), out->initrd_gpa);
	assert_int_equal(get32(zp + LX_HDR_RAMDISK_SIZE), sizeof(rd));
	assert_int_equal(out->initrd_gpa, ALIGN_DOWN(RAM_SIZE - sizeof(rd),
						      SZ_4K));
	assert_memory_equal(sim.ram + out->initrd_gpa, rd, sizeof(rd));
	/* The entry. */
	assert_int_equal(out->entry.eip, PREF);
	assert_int_equal(out->entry.esi, ZP_GPA);
	assert_int_equal(out->entry.cs, 0x10);
	assert_int_equal(out->entry.ds, 0x18);
	assert_int_equal(out->entry.gdtr_base, GDT_GPA);
	assert_int_equal(out->entry.gdtr_limit, LINUX_GDT_SIZE - 1);
	/* The GDT: flat 32-bit code at 0x10, data at 0x18. */
	assert_int_equal(get64(sim.ram + GDT_GPA), 0);
	assert_int_equal(get64(sim.ram + GDT_GPA + 0x10), 0x00CF9B000000FFFFULL);
	assert_int_equal(get64(sim.ram + GDT_GPA + 0x18), 0x00CF93000000FFFFULL);
	free(b.img);
}

static void test_e820_map(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	const uint8_t *zp = sim.ram + ZP_GPA, *e = zp + LX_ZP_E820_TABLE;
	/* usable [0, 0x9FC00), BIOS area, usable [1 MiB, RAM), I/O APIC,
	 * local APIC: sorted by address. */
	static const uint64_t want[][3] = {
		{ 0, 0x9FC00, 1 }, { 0x9FC00, 0x60400, 2 },
		{ 0x100000, RAM_SIZE - 0x100000, 1 },
		{ 0xFEC00000, 0x1000, 2 }, { 0xFEE00000, 0x1000, 2 },
	};

	assert_int_equal(load(&b, NULL, 0, NULL), 0);
	assert_int_equal(zp[LX_ZP_E820_ENTRIES], ARRAY_SIZE(want));
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_int_equal(get64(e + 20 * i), want[i][0]);
		assert_int_equal(get64(e + 20 * i + 8), want[i][1]);
		assert_int_equal(get32(e + 20 * i + 16), want[i][2]);
	}
	/* No initramfs: both fields 0; empty command line. */
	assert_int_equal(get32(zp + LX_HDR_RAMDISK_IMAGE), 0);
	assert_int_equal(get32(zp + LX_HDR_RAMDISK_SIZE), 0);
	assert_int_equal(sim.ram[CL_GPA], 0);
	free(b.img);
}

static void test_setup_sects_zero_means_four(void **state)
{
	struct bz b = bz_make(0, PM_SIZE);

	assert_int_equal(load(&b, NULL, 0, NULL), 0);
	assert_int_equal(out->s.pm_offset, 5 * 512);
	assert_memory_equal(sim.ram + PREF, b.img + 5 * 512, PM_SIZE);
	free(b.img);
}

static void test_truncated(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	/* Cut in the protected-mode part: syssize says more. */
	expect_fail(linux_load(b.img, b.len - 0x100, NULL, 0, NULL, &gm, &lay,
			       out, err, sizeof(err)), -ENOEXEC,
		    "truncated bzImage: syssize says 0x3000 bytes");
	/* Cut inside the setup header. */
	expect_fail(linux_load(b.img, 0x240, NULL, 0, NULL, &gm, &lay, out,
			       err, sizeof(err)), -ENOEXEC,
		    "truncated bzImage: 576 bytes, the setup header ends at "
		    "0x26c");
	/* Before the magic. */
	expect_fail(linux_load(b.img, 0x100, NULL, 0, NULL, &gm, &lay, out,
			       err, sizeof(err)), -ENOEXEC,
		    "truncated bzImage: 256 bytes");
	/* Cut before the protected-mode kernel starts. */
	expect_fail(linux_load(b.img, 5 * 512, NULL, 0, NULL, &gm, &lay, out,
			       err, sizeof(err)), -ENOEXEC,
		    "setup_sects 4 puts the protected-mode kernel at 0xa00");
	free(b.img);
}

static void test_wrong_magic(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	b.img[LX_HDR_MAGIC + 3] = 'T';
	assert_false(linux_is_bzimage(b.img, b.len));
	expect_fail(load(&b, NULL, 0, NULL), -ENOEXEC,
		    "setup header magic at 0x202 is 0x54726448, not \"HdrS\"");
	free(b.img);
}

static void test_old_protocol(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	put16(b.img + LX_HDR_VERSION, 0x0208);
	expect_fail(load(&b, NULL, 0, NULL), -ENOEXEC,
		    "boot protocol 2.08 is older than 2.10");
	put16(b.img + LX_HDR_VERSION, 0x020A);    /* 2.10 is enough */
	assert_int_equal(load(&b, NULL, 0, NULL), 0);
	free(b.img);
}

static void test_header_too_short(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	b.img[LX_HDR_JUMP + 1] = 0x50;            /* ends at 0x252 */
	expect_fail(load(&b, NULL, 0, NULL), -ENOEXEC,
		    "setup header ends at 0x252");
	free(b.img);
}

static void test_bad_fields(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	b.img[LX_HDR_LOADFLAGS] = 0;
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "loadflags 0x00: LOADED_HIGH clear");
	b.img[LX_HDR_LOADFLAGS] = LINUX_LOADED_HIGH;
	put32(b.img + LX_HDR_INIT_SIZE, 0);
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL, "init_size 0");
	put32(b.img + LX_HDR_INIT_SIZE, INIT_SIZE);
	put32(b.img + LX_HDR_KERNEL_ALIGNMENT, 0x300000);
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "kernel_alignment 0x300000 of a relocatable kernel");
	free(b.img);
}

static void test_kernel_too_big(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	put32(b.img + LX_HDR_INIT_SIZE, (uint32_t)RAM_SIZE);
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "kernel does not fit in guest RAM (0x4000000): its "
		    "init_size window of 0x4000000 bytes at pref_address "
		    "0x1000000 is beyond guest RAM");
	free(b.img);
}

static void test_relocated(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	/* pref_address beyond RAM: the lowest 2 MiB-aligned place. */
	put64(b.img + LX_HDR_PREF_ADDRESS, RAM_SIZE);
	assert_int_equal(load(&b, NULL, 0, NULL), 0);
	assert_int_equal(out->kernel_gpa, 0x200000);
	assert_false(out->at_pref);
	assert_int_equal(get32(sim.ram + ZP_GPA + LX_HDR_CODE32_START),
			 0x200000);
	assert_memory_equal(sim.ram + 0x200000, b.img + 5 * 512, PM_SIZE);
	/* Not relocatable: refused, naming why. */
	sim.writes = 0;
	b.img[LX_HDR_RELOCATABLE] = 0;
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "kernel does not fit: not relocatable, and its init_size "
		    "window of 0x400000 bytes at pref_address 0x4000000 is "
		    "beyond guest RAM");
	free(b.img);
}

static void test_kernel_avoids_reserved(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	static const struct linux_range hole[] = {
		{ 0x1100000, 0x1000, LINUX_E820_RESERVED, "device hole" },
	};

	lay.rsv = hole;
	lay.nrsv = 1;
	assert_int_equal(load(&b, NULL, 0, NULL), 0);
	/* 16 MiB's window hits the hole: the first aligned place that does
	 * not is 2 MiB. */
	assert_int_equal(out->kernel_gpa, 0x200000);
	free(b.img);
}

static void test_initrd_too_big(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	size_t big = RAM_SIZE - 0x100000 - INIT_SIZE + SZ_4K;
	uint8_t *rd = calloc(1, big);

	assert_non_null(rd);
	/* RAM above 1 MiB less the kernel window: 4 KiB short. */
	put64(b.img + LX_HDR_PREF_ADDRESS, 0x100000);
	put32(b.img + LX_HDR_KERNEL_ALIGNMENT, 0x100000);
	expect_fail(load(&b, rd, big, NULL), -E2BIG,
		    "initramfs of 0x3b01000 bytes does not fit");
	/* 4 KiB less fits, exactly above the kernel window. */
	assert_int_equal(load(&b, rd, big - SZ_4K, NULL), 0);
	assert_int_equal(out->initrd_gpa, out->kernel_end);
	free(rd);
	free(b.img);
}

static void test_initrd_below_max(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	static uint8_t rd[0x2345];

	/* initrd_addr_max above the kernel window: just below it. */
	put32(b.img + LX_HDR_INITRD_ADDR_MAX, 0x17FFFFF);
	assert_int_equal(load(&b, rd, sizeof(rd), NULL), 0);
	assert_int_equal(out->initrd_gpa, ALIGN_DOWN(0x1800000 - sizeof(rd),
						      SZ_4K));
	assert_true(out->initrd_gpa >= out->kernel_end);
	/* initrd_addr_max below the kernel: the initramfs goes under it. */
	put32(b.img + LX_HDR_INITRD_ADDR_MAX, 0xFFFFFF);
	assert_int_equal(load(&b, rd, sizeof(rd), NULL), 0);
	assert_true(out->initrd_gpa + sizeof(rd) - 1 <= 0xFFFFFF);
	assert_true(out->initrd_gpa + sizeof(rd) <= out->kernel_gpa);
	assert_true(IS_ALIGNED(out->initrd_gpa, SZ_4K));
	/* initrd_addr_max inside the kernel window: still below it. */
	put32(b.img + LX_HDR_INITRD_ADDR_MAX, PREF + 0x1000);
	assert_int_equal(load(&b, rd, sizeof(rd), NULL), 0);
	assert_int_equal(out->initrd_gpa, ALIGN_DOWN(PREF - sizeof(rd), SZ_4K));
	free(b.img);
}

static void test_cmdline_too_long(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	char cl[40];

	memset(cl, 'x', sizeof(cl) - 1);
	cl[sizeof(cl) - 1] = 0;
	put32(b.img + LX_HDR_CMDLINE_SIZE, sizeof(cl) - 2);
	expect_fail(load(&b, NULL, 0, cl), -E2BIG,
		    "command line of 39 bytes is longer than the kernel's "
		    "cmdline_size 38");
	put32(b.img + LX_HDR_CMDLINE_SIZE, sizeof(cl) - 1);   /* exactly */
	assert_int_equal(load(&b, NULL, 0, cl), 0);
	assert_string_equal((const char *)sim.ram + CL_GPA, cl);
	/* The layout's room, NUL included. */
	sim.writes = 0;
	lay.cmdline_max = sizeof(cl) - 1;
	expect_fail(load(&b, NULL, 0, cl), -E2BIG,
		    "command line of 39 bytes does not fit the 39 bytes");
	free(b.img);
}

static void test_bad_layout(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);
	static const struct linux_range clash[] = {
		{ 0x9F000, 0x2000, LINUX_E820_RESERVED, "A" },
		{ 0xA0000, 0x1000, LINUX_E820_RESERVED, "B" },
	};

	lay.zp_gpa = 0x9FC00 & ~0xFFFULL;                 /* in the BIOS area */
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "zero page [0x9f000, +0x1000) overlaps the reserved range "
		    "BIOS area");
	lay.zp_gpa = ZP_GPA + 8;
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "zero page [0x10008, +0x1000) not 4096-byte aligned");
	lay.zp_gpa = ZP_GPA;
	lay.gdt_gpa = ZP_GPA + 0x100;
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL, "overlap");
	lay.gdt_gpa = GDT_GPA;
	lay.rsv = clash;
	lay.nrsv = 2;
	expect_fail(load(&b, NULL, 0, NULL), -EINVAL,
		    "reserved ranges A [0x9f000, +0x2000) and B [0xa0000, "
		    "+0x1000) overlap");
	free(b.img);
}

static void test_write_failure(void **state)
{
	struct bz b = bz_make(4, PM_SIZE);

	sim.fail_writes = true;
	assert_int_equal(load(&b, NULL, 0, NULL), -EFAULT);
	assert_non_null(strstr(err, "writing the protected-mode kernel"));
	free(b.img);
}

/* A real bzImage, if one was fetched (make linux-artifacts). */
static void test_real_bzimage(void **state)
{
	const char *path = getenv("EPTLAB_BZIMAGE");
	struct bz b;
	FILE *f;
	long n;

	if (!path)
		path = "build/linux/vmlinuz";
	f = fopen(path, "rb");
	if (!f) {
		print_message("no real bzImage at %s (make linux-artifacts); "
			      "synthetic images only\n", path);
		return;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b.len = (size_t)n;
	b.img = malloc(b.len);
	assert_non_null(b.img);
	assert_int_equal(fread(b.img, 1, b.len, f), b.len);
	fclose(f);
	sim_init(256ULL << 20);
	assert_true(linux_is_bzimage(b.img, b.len));
	assert_int_equal(load(&b, NULL, 0, "console=ttyS0"), 0);
	print_message("real bzImage %s: protocol %u.%02u, setup_sects %u, "
		      "init_size 0x%x, kernel at 0x%llx-0x%llx\n", path,
		      out->s.version >> 8, out->s.version & 0xFF,
		      out->s.setup_sects, out->s.init_size,
		      (unsigned long long)out->kernel_gpa,
		      (unsigned long long)out->kernel_end);
	assert_true(out->s.version >= LINUX_MIN_VERSION);
	assert_int_equal(out->kernel_gpa, out->s.pref_address);
	assert_memory_equal(sim.ram + out->kernel_gpa,
			    b.img + out->s.pm_offset, out->s.pm_size);
	free(b.img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_valid_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_e820_map, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_sects_zero_means_four,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_magic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_old_protocol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_too_short, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_too_big, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_relocated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kernel_avoids_reserved,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_initrd_too_big, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_initrd_below_max, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_cmdline_too_long, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_failure, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_real_bzimage, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
