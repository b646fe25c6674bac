/*
 * Host tests for the Multiboot v1 loader (hv/loader/mb1_*.c): images are
 * built in memory (the real build/guest/guest.bin is not a unit-test
 * input): a valid a.out-kludge image, valid ELF32 and ELF64 images, and
 * one malformed image per check,
 * each with its errno and a substring of its message. Guest RAM is a
 * malloc'd buffer behind the write/zero callbacks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/loader/mb1.h"
#include "hv/loader/pc_bda.h"
#include "include/err.h"

#define RAM_SIZE   0x800000ULL          /* 8 MiB of simulated guest RAM */
#define LOAD       0x100000u
#define POISON     0xAA

struct sim {
	uint8_t *ram;
	unsigned writes;       /* callback calls, to prove "nothing written" */
	bool fail_writes;
};

static int sim_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	struct sim *s = ctx;

	s->writes++;
	if (s->fail_writes || gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memcpy(s->ram + gpa, src, len);
	return 0;
}

static int sim_zero(void *ctx, uint64_t gpa, size_t len)
{
	struct sim *s = ctx;

	s->writes++;
	if (gpa > RAM_SIZE || len > RAM_SIZE - gpa)
		return -EFAULT;
	memset(s->ram + gpa, 0, len);
	return 0;
}

static struct sim sim;
static struct mb1_guest_mem gm;
static struct mb1_image out;
static char err[256];

static int setup(void **state)
{
	sim.ram = malloc(RAM_SIZE);
	assert_non_null(sim.ram);
	memset(sim.ram, POISON, RAM_SIZE);
	sim.writes = 0;
	sim.fail_writes = false;
	gm = (struct mb1_guest_mem){ .ctx = &sim, .ram_size = RAM_SIZE,
				     .write = sim_write, .zero = sim_zero };
	memset(err, 0, sizeof(err));
	return 0;
}

static int teardown(void **state)
{
	free(sim.ram);
	return 0;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* Multiboot header at img+off; kludge fields written if flags bit 16. */
static void put_mb_header(uint8_t *img, size_t off, uint32_t flags,
			  uint32_t hdr, uint32_t load, uint32_t load_end,
			  uint32_t bss_end, uint32_t entry)
{
	put32(img + off, MB1_HEADER_MAGIC);
	put32(img + off + 4, flags);
	put32(img + off + 8, -(MB1_HEADER_MAGIC + flags));
	if (flags & MB1_HF_AOUT_KLUDGE) {
		put32(img + off + 12, hdr);
		put32(img + off + 16, load);
		put32(img + off + 20, load_end);
		put32(img + off + 24, bss_end);
		put32(img + off + 28, entry);
	}
}

/* Expect failure `rc` with `msg` in err and no guest write at all. */
static void expect_fail(const uint8_t *img, size_t len, int rc,
			const char *msg)
{
	int got = mb1_load(img, len, &gm, &out, err, sizeof(err));

	if (got != rc || !strstr(err, msg))
		print_error("got %d \"%s\", want %d \"...%s...\"\n", got, err,
			    rc, msg);
	assert_int_equal(got, rc);
	assert_non_null(strstr(err, msg));
	assert_int_equal(sim.writes, 0);
}

/* ------------------------------------------------------- a.out kludge */

#define KL_SIZE  0x1000      /* file bytes */
#define KL_BSS   0x3000      /* extra zeroed bytes */

static uint8_t *kludge_image(void)
{
	uint8_t *img = malloc(KL_SIZE);

	assert_non_null(img);
	for (size_t i = 0; i < KL_SIZE; i++)
		img[i] = (uint8_t)(i * 7 + 1);
	put_mb_header(img, 0, MB1_HF_MEMINFO | MB1_HF_AOUT_KLUDGE,
		      LOAD, LOAD, LOAD + KL_SIZE, LOAD + KL_SIZE + KL_BSS,
		      LOAD + 0x40);
	return img;
}

static void kludge_valid(void **state)
{
	uint8_t *img = kludge_image();

	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(out.kind, MB1_KLUDGE);
	assert_int_equal(out.entry, LOAD + 0x40);
	assert_int_equal(out.lo, LOAD);
	assert_int_equal(out.hi, LOAD + KL_SIZE + KL_BSS);
	assert_int_equal(out.nseg, 1);
	assert_memory_equal(sim.ram + LOAD, img, KL_SIZE);
	for (size_t i = 0; i < KL_BSS; i++)
		assert_int_equal(sim.ram[LOAD + KL_SIZE + i], 0);
	assert_int_equal(sim.ram[LOAD - 1], POISON);
	assert_int_equal(sim.ram[LOAD + KL_SIZE + KL_BSS], POISON);
	free(img);
}

/* A segment over the caller's reserved range (the info block) is refused
 * before anything is written; just below and just above it is fine. */
static void kludge_reserved(void **state)
{
	uint8_t *img = kludge_image();

	gm.rsv_name = "Multiboot info block";
	gm.rsv_gpa = LOAD + KL_SIZE + KL_BSS - 8;      /* the bss's last bytes */
	gm.rsv_size = 0x100;
	expect_fail(img, KL_SIZE, -EINVAL, "segment 0: [0x100000, 0x104000) "
		    "overlaps the Multiboot info block [0x103ff8, 0x1040f8)");
	gm.rsv_gpa = LOAD + KL_SIZE + KL_BSS;           /* adjacent above */
	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)), 0);
	gm.rsv_gpa = LOAD - 0x100;                      /* adjacent below */
	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)), 0);
	gm.rsv_gpa = UINT64_MAX - 4;                    /* end would wrap */
	gm.rsv_size = 0x100;
	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)), 0);
	gm.rsv_size = 0;
	free(img);
}

/* Header not at offset 0, load_end_addr 0 (= rest of file), no bss. */
static void kludge_header_inside(void **state)
{
	uint8_t *img = kludge_image();

	put_mb_header(img, 0x200, MB1_HF_AOUT_KLUDGE, LOAD + 0x180, LOAD + 0x0,
		      0, 0, LOAD + 0x10);
	memset(img, 0, 0x200);     /* no header at 0 any more */
	/* file offset of load_addr = 0x200 - 0x180 = 0x80 */
	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)), 0);
	assert_int_equal(out.seg[0].filesz, KL_SIZE - 0x80);
	assert_int_equal(out.seg[0].memsz, KL_SIZE - 0x80);
	assert_memory_equal(sim.ram + LOAD, img + 0x80, KL_SIZE - 0x80);
	free(img);
}

static void kludge_bad(void **state)
{
	uint8_t *img = kludge_image();
	uint32_t f = MB1_HF_AOUT_KLUDGE;

	/* Bad checksum. */
	put32(img + 8, get32(img + 8) + 1);
	expect_fail(img, KL_SIZE, -ENOEXEC, "bad checksum");
	/* No header at all; and one that starts beyond the first 8 KiB. */
	memset(img, 0, 32);
	expect_fail(img, KL_SIZE, -ENOEXEC, "no Multiboot header");
	uint8_t *big = calloc(1, 0x3000);
	put_mb_header(big, 0x2000, f, LOAD, LOAD, 0, 0, LOAD);
	expect_fail(big, 0x3000, -ENOEXEC, "no Multiboot header");
	free(big);
	/* A file too short for anything. */
	expect_fail(img, 8, -ENOEXEC, "truncated file");
	/* Address fields cut off by the end of the file. */
	put_mb_header(img, 0, f, LOAD, LOAD, 0, 0, LOAD);
	expect_fail(img, 20, -ENOEXEC, "address fields truncated");
	/* load_end_addr beyond the file. */
	put_mb_header(img, 0, f, LOAD, LOAD, LOAD + KL_SIZE + 1, 0, LOAD);
	expect_fail(img, KL_SIZE, -ENOEXEC, "truncated file: load_end_addr");
	/* load_end_addr not above load_addr. */
	put_mb_header(img, 0, f, LOAD, LOAD, LOAD, 0, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "load_end_addr 0x100000 not above");
	/* header_addr below load_addr / too far above it. */
	put_mb_header(img, 0, f, LOAD - 4, LOAD, 0, 0, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "header_addr 0xffffc below load_addr");
	put_mb_header(img, 0, f, LOAD + 0x10, LOAD, 0, 0, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "exceeds the header's file offset");
	/* bss_end_addr below load_end_addr. */
	put_mb_header(img, 0, f, LOAD, LOAD, LOAD + 0x800, LOAD + 0x400, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "bss_end_addr 0x100400 below");
	/* Beyond guest RAM (bss), and wrapping at 4 GiB. */
	put_mb_header(img, 0, f, LOAD, LOAD, 0, RAM_SIZE + 0x1000, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "beyond guest RAM (0x800000)");
	put_mb_header(img, 0, f, 0xFFFFF000u, 0xFFFFF000u, 0, 0, 0xFFFFF000u);
	expect_fail(img, KL_SIZE, -EINVAL, "beyond guest RAM");
	/* Into page 0. */
	put_mb_header(img, 0, f, 0x800, 0x800, 0, 0, 0x800);
	expect_fail(img, KL_SIZE, -EINVAL, "load_addr 0x800 below 0x1000");
	/* Entry outside [load, load_end) (in the bss counts as outside). */
	put_mb_header(img, 0, f, LOAD, LOAD, LOAD + KL_SIZE,
		      LOAD + 2 * KL_SIZE, LOAD + KL_SIZE);
	expect_fail(img, KL_SIZE, -EINVAL, "entry_addr 0x101000 outside");
	put_mb_header(img, 0, f, LOAD, LOAD, 0, 0, LOAD - 1);
	expect_fail(img, KL_SIZE, -EINVAL, "outside loaded range");
	/* Required flag bit we cannot honour (bit 3 is undefined). */
	put_mb_header(img, 0, f | BIT(3), LOAD, LOAD, 0, 0, LOAD);
	expect_fail(img, KL_SIZE, -EINVAL, "required bits 0x8");
	free(img);
}

static void kludge_write_fails(void **state)
{
	uint8_t *img = kludge_image();

	sim.fail_writes = true;
	assert_int_equal(mb1_load(img, KL_SIZE, &gm, &out, err, sizeof(err)),
			 -EFAULT);
	assert_non_null(strstr(err, "failed"));
	free(img);
}

/* ---------------------------------------------------------------- ELF */

#define ELF_SIZE   0x3000
#define PH_OFF     0x40
#define SEG0_OFF   0x1000      /* file offset of segment 0 (header inside) */
#define SEG1_OFF   0x2000

struct elf_seg {
	uint32_t type;
	uint64_t off, vaddr, paddr, filesz, memsz;
};

/* An ELF image with the Multiboot header (no kludge) at SEG0_OFF. */
static uint8_t *elf_image(bool is64, uint16_t machine, uint64_t entry,
			  const struct elf_seg *seg, unsigned nseg)
{
	uint8_t *img = calloc(1, ELF_SIZE);
	unsigned phsz = is64 ? 56 : 32;

	assert_non_null(img);
	for (size_t i = SEG0_OFF; i < ELF_SIZE; i++)
		img[i] = (uint8_t)(i * 13 + 5);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = is64 ? 2 : 1;
	img[5] = 1;
	img[6] = 1;
	put16(img + 16, 2);                 /* ET_EXEC */
	put16(img + 18, machine);
	put32(img + 20, 1);
	if (is64) {
		put64(img + 24, entry);
		put64(img + 32, PH_OFF);
		put16(img + 52, 64);
		put16(img + 54, 56);
		put16(img + 56, nseg);
	} else {
		put32(img + 24, (uint32_t)entry);
		put32(img + 28, PH_OFF);
		put16(img + 40, 52);
		put16(img + 42, 32);
		put16(img + 44, nseg);
	}
	for (unsigned i = 0; i < nseg && PH_OFF + (i + 1) * phsz <= SEG0_OFF;
	     i++) {
		uint8_t *p = img + PH_OFF + i * phsz;
		put32(p, seg[i].type);
		if (is64) {
			put32(p + 4, 7);
			put64(p + 8, seg[i].off);
			put64(p + 16, seg[i].vaddr);
			put64(p + 24, seg[i].paddr);
			put64(p + 32, seg[i].filesz);
			put64(p + 40, seg[i].memsz);
		} else {
			put32(p + 4, (uint32_t)seg[i].off);
			put32(p + 8, (uint32_t)seg[i].vaddr);
			put32(p + 12, (uint32_t)seg[i].paddr);
			put32(p + 16, (uint32_t)seg[i].filesz);
			put32(p + 20, (uint32_t)seg[i].memsz);
		}
	}
	put_mb_header(img, SEG0_OFF, MB1_HF_MEMINFO, 0, 0, 0, 0, 0);
	return img;
}

#define HIGH  0xFFFFFFFF80000000ULL

static void elf32_valid(void **state)
{
	struct elf_seg seg[] = {
		{ 1, SEG0_OFF, LOAD, LOAD, 0x1000, 0x1000 },
		{ 4, 0, 0, 0, 0, 0 },                     /* PT_NOTE: ignored */
		{ 1, SEG1_OFF, 0x200000, 0x200000, 0x800, 0x2000 },
	};
	uint8_t *img = elf_image(false, 3, LOAD + 0x20, seg, 3);

	assert_int_equal(mb1_load(img, ELF_SIZE, &gm, &out, err, sizeof(err)), 0);
	assert_int_equal(out.kind, MB1_ELF32);
	assert_int_equal(out.header_offset, SEG0_OFF);
	assert_int_equal(out.entry, LOAD + 0x20);
	assert_int_equal(out.nseg, 2);
	assert_int_equal(out.lo, LOAD);
	assert_int_equal(out.hi, 0x202000);
	assert_memory_equal(sim.ram + LOAD, img + SEG0_OFF, 0x1000);
	assert_memory_equal(sim.ram + 0x200000, img + SEG1_OFF, 0x800);
	for (size_t i = 0x800; i < 0x2000; i++)
		assert_int_equal(sim.ram[0x200000 + i], 0);
	assert_int_equal(sim.ram[0x202000], POISON);
	free(img);
}

/* A higher-half ELF64: vaddr high, paddr low, e_entry virtual. */
static void elf64_valid(void **state)
{
	struct elf_seg seg[] = {
		{ 1, SEG0_OFF, HIGH + LOAD, LOAD, 0x1000, 0x1000 },
		{ 1, SEG1_OFF, HIGH + 0x101000, 0x101000, 0x1000, 0x5000 },
	};
	uint8_t *img = elf_image(true, 62, HIGH + 0x101010, seg, 2);

	assert_int_equal(mb1_load(img, ELF_SIZE, &gm, &out, err, sizeof(err)), 0);
	assert_int_equal(out.kind, MB1_ELF64);
	assert_int_equal(out.entry, 0x101010);
	assert_int_equal(out.hi, 0x106000);
	assert_memory_equal(sim.ram + 0x101000, img + SEG1_OFF, 0x1000);
	assert_int_equal(sim.ram[0x105FFF], 0);
	free(img);
}

static void elf_bad(void **state)
{
	struct elf_seg ok[] = {
		{ 1, SEG0_OFF, LOAD, LOAD, 0x1000, 0x1000 },
		{ 1, SEG1_OFF, 0x200000, 0x200000, 0x1000, 0x1000 },
	};
	struct elf_seg s[2];
	uint8_t *img;

#define WITH(field_change, is64, mach, entry, ...)                         \
	do {                                                               \
		memcpy(s, ok, sizeof(s));                                  \
		field_change;                                              \
		img = elf_image(is64, mach, entry, s, 2);                  \
		expect_fail(img, ELF_SIZE, __VA_ARGS__);                   \
		free(img);                                                 \
	} while (0)

	WITH((void)0, false, 62, LOAD, -ENOEXEC,
	     "e_machine 62: ELF32 needs EM_386");
	WITH((void)0, true, 3, LOAD, -ENOEXEC,
	     "e_machine 3: ELF64 needs EM_X86_64");
	WITH(s[1].paddr = RAM_SIZE - 0x800, false, 3, LOAD, -EINVAL,
	     "segment 1: p_paddr 0x7ff800 + memsz 0x1000 beyond guest RAM "
	     "(0x800000)");
	WITH((s[1].paddr = 0xFFFFFFFFFFFFF000ULL, s[1].memsz = 0x2000), true,
	     62, LOAD, -EINVAL, "segment 1: p_paddr 0xfffffffffffff000");
	WITH(s[1].paddr = LOAD + 0x800, false, 3, LOAD, -EINVAL,
	     "segment 1: [0x100800, 0x101800) overlaps");
	WITH(s[0].paddr = 0, false, 3, 0x10, -EINVAL,
	     "segment 0: p_paddr 0x0 below 0x1000");
	WITH(s[1].off = ELF_SIZE - 0x10, false, 3, LOAD, -ENOEXEC,
	     "segment 1: p_offset 0x2ff0 + filesz 0x1000 beyond the file");
	WITH(s[1].filesz = 0x2000, false, 3, LOAD, -EINVAL,
	     "segment 1: filesz 0x2000 > memsz 0x1000");
	WITH((void)0, false, 3, 0x300000, -EINVAL,
	     "e_entry 0x300000 outside loaded range");
	WITH(s[1].memsz = 0x3000, false, 3, 0x201800, -EINVAL,
	     "outside loaded range");       /* entry in bss */
#undef WITH

	/* Header-level defects. */
	img = elf_image(false, 3, LOAD, ok, 2);
	img[4] = 3;
	expect_fail(img, ELF_SIZE, -ENOEXEC, "EI_CLASS");
	img[4] = 1;
	img[5] = 2;
	expect_fail(img, ELF_SIZE, -ENOEXEC, "not little-endian");
	img[5] = 1;
	put16(img + 16, 3);
	expect_fail(img, ELF_SIZE, -ENOEXEC, "e_type 3");
	put16(img + 16, 2);
	put16(img + 44, MB1_MAX_PHDRS + 1);
	expect_fail(img, ELF_SIZE, -E2BIG, "too many program headers");
	put16(img + 44, 0);
	expect_fail(img, ELF_SIZE, -ENOEXEC, "e_phnum 0");
	put16(img + 44, 2);
	put32(img + 28, ELF_SIZE - 40);
	expect_fail(img, ELF_SIZE, -ENOEXEC, "program headers beyond the file");
	put32(img + 28, 0xFFFFFFF0u);
	expect_fail(img, ELF_SIZE, -ENOEXEC, "program headers beyond the file");
	put32(img + 28, PH_OFF);
	put16(img + 42, 16);
	expect_fail(img, ELF_SIZE, -ENOEXEC, "e_phentsize 16 too small");
	put16(img + 42, 32);
	/* Truncated below the ELF header but with the MB header kept. */
	expect_fail(img, 40, -ENOEXEC, "no Multiboot header");
	free(img);

	/* No ELF magic and no kludge bit. */
	img = calloc(1, 64);
	put_mb_header(img, 16, MB1_HF_MEMINFO, 0, 0, 0, 0, 0);
	expect_fail(img, 64, -ENOEXEC, "neither kludge nor ELF");
	free(img);

	/* ELF64 header cut short (the MB header sits early in this one). */
	img = calloc(1, 48);
	memcpy(img, "\x7f" "ELF", 4);
	img[4] = 2;
	put_mb_header(img, 16, MB1_HF_MEMINFO, 0, 0, 0, 0, 0);
	expect_fail(img, 48, -ENOEXEC, "ELF header incomplete");
	free(img);

	/* More PT_LOADs than the loader keeps. */
	struct elf_seg many[MB1_MAX_SEGS + 1];
	for (unsigned i = 0; i <= MB1_MAX_SEGS; i++)
		many[i] = (struct elf_seg){ 1, SEG0_OFF, LOAD + i * 0x1000,
					    LOAD + i * 0x1000, 0x10, 0x1000 };
	img = elf_image(false, 3, LOAD, many, MB1_MAX_SEGS + 1);
	expect_fail(img, ELF_SIZE, -E2BIG, "more than 16 PT_LOAD segments");
	free(img);
}

/* ----------------------------------------------------------- info block */

static void info_layout(void **state)
{
	struct mb1_mmap_entry map[] = {
		{ 0x0, 0x9F000, 1 },
		{ 0x9F000, 0x61000, 2 },
		{ 0x100000, RAM_SIZE - 0x100000, 1 },
	};
	const uint64_t at = 0x10000;
	int64_t ebx = mb1_build_info(&gm, at, "guest quiet", map, 3, NULL, 0, err,
				     sizeof(err));
	uint8_t *p = sim.ram + at;

	assert_int_equal(ebx, at);
	assert_int_equal(get32(p + 0), MB1_INFO_MEM | MB1_INFO_CMDLINE |
					MB1_INFO_MMAP | MB1_INFO_LOADER |
					MB1_INFO_FRAMEBUFFER);
	/* The EGA text screen as the framebuffer (video mode info). */
	assert_int_equal(get64(p + 88), 0xB8000);
	assert_int_equal(get32(p + 96), 160);
	assert_int_equal(get32(p + 100), 80);
	assert_int_equal(get32(p + 104), 25);
	assert_int_equal(p[108], 16);
	assert_int_equal(p[109], 2);
	assert_int_equal(get32(p + 4), 0x9F000 / 1024);
	assert_int_equal(get32(p + 8), (RAM_SIZE - 0x100000) / 1024);
	assert_int_equal(get32(p + 20), 0);                     /* mods */
	assert_int_equal(get32(p + 44), 3 * 24);
	uint32_t mmap = get32(p + 48);
	assert_int_equal(mmap, at + 120);
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *e = sim.ram + mmap + i * 24;
		assert_int_equal(get32(e), 20);
		assert_int_equal(get64(e + 4), map[i].base);
		assert_int_equal(get64(e + 12), map[i].len);
		assert_int_equal(get32(e + 20), map[i].type);
	}
	assert_string_equal((char *)sim.ram + get32(p + 16), "guest quiet");
	assert_string_equal((char *)sim.ram + get32(p + 64), "eptlab");
	assert_true(at + mb1_info_size("guest quiet", 3, NULL, 0) >=
		    get32(p + 16) + sizeof("guest quiet"));
	assert_int_equal(sim.ram[at + mb1_info_size("guest quiet", 3, NULL, 0)], POISON);
}

static void info_bad(void **state)
{
	struct mb1_mmap_entry map[MB1_MAX_MMAP + 1] = { { 0, RAM_SIZE, 1 } };

	assert_int_equal(mb1_build_info(&gm, 0x10004, NULL, map, 1, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not 8-byte aligned"));
	assert_int_equal(mb1_build_info(&gm, RAM_SIZE - 64, NULL, map, 1, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not inside guest RAM"));
	assert_int_equal(mb1_build_info(&gm, 0, NULL, map, 1, NULL, 0, err,
					sizeof(err)), -EINVAL);
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map,
					MB1_MAX_MMAP + 1, NULL, 0, err,
					sizeof(err)),
			 -E2BIG);
	assert_int_equal(sim.writes, 0);
	/* No command line: flag clear, field 0. */
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, NULL, 0,
					err, sizeof(err)), 0x10000);
	assert_int_equal(get32(sim.ram + 0x10000) & MB1_INFO_CMDLINE, 0);
	assert_int_equal(get32(sim.ram + 0x10000 + 16), 0);
}

/* ------------------------------------------------------------- modules */

/* Modules: the list after the map (16 bytes each: start, end exclusive,
 * string, 0), MB1_INFO_MODS and mods_count/mods_addr set, every string
 * NUL-terminated after the command line, a NULL string as "". */
static void info_modules(void **state)
{
	struct mb1_mmap_entry map[] = { { 0, 0x9FC00, 1 },
					{ 0x100000, RAM_SIZE - 0x100000, 1 } };
	const struct mb1_module mods[] = {
		{ 0x200000, 0x1234, "first module" },
		{ 0x202000, 0x10, NULL },
		{ 0x203000, 0x3000, "third one" },
	};
	const uint64_t at = 0x10000;
	uint8_t *p = sim.ram + at;
	uint64_t size = mb1_info_size("kernel args", 2, mods, 3);

	assert_int_equal(mb1_build_info(&gm, at, "kernel args", map, 2, mods,
					3, err, sizeof(err)), at);
	assert_int_equal(get32(p) & MB1_INFO_MODS, MB1_INFO_MODS);
	assert_int_equal(get32(p + 20), 3);
	uint32_t list = get32(p + 24);
	assert_int_equal(list, at + 120 + 2 * 24);   /* after the map */
	for (unsigned i = 0; i < 3; i++) {
		const uint8_t *e = sim.ram + list + 16 * i;
		assert_int_equal(get32(e), mods[i].gpa);
		assert_int_equal(get32(e + 4), mods[i].gpa + mods[i].size);
		assert_string_equal((char *)sim.ram + get32(e + 8),
				    mods[i].string ? mods[i].string : "");
		assert_int_equal(get32(e + 12), 0);
		assert_true(get32(e + 8) + strlen((char *)sim.ram +
						  get32(e + 8)) < at + size);
	}
	assert_string_equal((char *)sim.ram + get32(p + 16), "kernel args");
	assert_int_equal(sim.ram[at + size], POISON);   /* nothing past it */
	/* No modules: flag clear, count and address 0. */
	assert_int_equal(mb1_build_info(&gm, at, NULL, map, 2, NULL, 0, err,
					sizeof(err)), at);
	assert_int_equal(get32(p) & MB1_INFO_MODS, 0);
	assert_int_equal(get32(p + 20), 0);
	assert_int_equal(get32(p + 24), 0);
}

static void info_modules_bad(void **state)
{
	struct mb1_mmap_entry map[] = { { 0, RAM_SIZE, 1 } };
	struct mb1_module mods[MB1_MAX_MODULES + 1];
	char *long_str = malloc(MB1_MAX_CMDLINE + 2);

	for (unsigned i = 0; i <= MB1_MAX_MODULES; i++)
		mods[i] = (struct mb1_module){ 0x200000 + i * 0x1000, 1, "m" };
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, mods,
					MB1_MAX_MODULES + 1, err, sizeof(err)),
			 -E2BIG);
	mods[0].size = 0;
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, mods, 1,
					err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "module 0"));
	mods[0] = (struct mb1_module){ 0xFFFFF000ULL, 0x2000, "x" };
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, mods, 1,
					err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "below 4 GiB"));
	memset(long_str, 'a', MB1_MAX_CMDLINE + 1);
	long_str[MB1_MAX_CMDLINE + 1] = 0;
	mods[0] = (struct mb1_module){ 0x200000, 1, long_str };
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, mods, 1,
					err, sizeof(err)), -E2BIG);
	assert_int_equal(mb1_build_info(&gm, 0x10000, NULL, map, 1, NULL, 1,
					err, sizeof(err)), -EINVAL);
	assert_int_equal(sim.writes, 0);
	free(long_str);
}

/* Placement: 4 KiB aligned from the end of the kernel, one after the
 * other, inside RAM; a module that does not fit or is empty is named. */
static void place_modules(void **state)
{
	uint64_t size[] = { 0x1234, 0x10, 0x3000 }, gpa[3];

	assert_int_equal(mb1_place_modules(&gm, 0x203456, size, 3, gpa, err,
					   sizeof(err)), 0x20A000);
	assert_int_equal(gpa[0], 0x204000);
	assert_int_equal(gpa[1], 0x206000);
	assert_int_equal(gpa[2], 0x207000);
	assert_int_equal(mb1_place_modules(&gm, 0x200001, NULL, 0, NULL, err,
					   sizeof(err)), 0x201000);
	size[1] = 0;
	assert_int_equal(mb1_place_modules(&gm, 0x200000, size, 3, gpa, err,
					   sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "module 1 is empty"));
	size[1] = RAM_SIZE;
	assert_int_equal(mb1_place_modules(&gm, 0x200000, size, 3, gpa, err,
					   sizeof(err)), -ENOSPC);
	assert_non_null(strstr(err, "module 1"));
	size[0] = UINT64_MAX;
	assert_int_equal(mb1_place_modules(&gm, 0x200000, size, 1, gpa, err,
					   sizeof(err)), -ENOSPC);
	size[0] = 1;
	assert_int_equal(mb1_place_modules(&gm, RAM_SIZE + 1, size, 1, gpa,
					   err, sizeof(err)), -ENOSPC);
}

/* The PC map: EBDA and BIOS area reserved, the modules' range used, the
 * rest available, in order and without gaps above 1 MiB. */
static void pc_mmap(void **state)
{
	struct mb1_mmap_entry m[6];
	size_t n = mb1_pc_mmap(RAM_SIZE, 0x9FC00, 0x204000, 0x209000, m, 6);

	assert_int_equal(n, 6);
	assert_true(m[0].base == 0 && m[0].len == 0x9FC00 && m[0].type == 1);
	assert_true(m[1].base == 0x9FC00 && m[1].len == 0x400 && m[1].type == 2);
	assert_true(m[2].base == 0xF0000 && m[2].len == 0x10000 &&
		    m[2].type == 2);
	assert_true(m[3].base == 0x100000 && m[3].len == 0x104000 &&
		    m[3].type == 1);
	assert_true(m[4].base == 0x204000 && m[4].len == 0x5000 &&
		    m[4].type == 2);
	assert_true(m[5].base == 0x209000 && m[5].len == RAM_SIZE - 0x209000 &&
		    m[5].type == 1);
	/* No modules: one available range above 1 MiB. */
	n = mb1_pc_mmap(RAM_SIZE, 0x9FC00, 0x100000, 0x100000, m, 6);
	assert_int_equal(n, 4);
	assert_true(m[3].base == 0x100000 && m[3].len == RAM_SIZE - 0x100000);
	/* Inconsistent: 0. */
	assert_int_equal(mb1_pc_mmap(RAM_SIZE, 0x9FC00, 0x209000, 0x204000, m,
				     6), 0);
	assert_int_equal(mb1_pc_mmap(RAM_SIZE, 0xA0000, 0x100000, 0x100000, m,
				     6), 0);
	assert_int_equal(mb1_pc_mmap(RAM_SIZE, 0x9FC00, 0x204000, RAM_SIZE + 1,
				     m, 6), 0);
	assert_int_equal(mb1_pc_mmap(RAM_SIZE, 0x9FC00, 0x204000, 0x209000, m,
				     5), 0);
}

/* The BIOS data area: COM1, the EBDA segment, the equipment word, the
 * base memory, the text mode; everything else 0; the EBDA's size byte. */
static void pc_bda(void **state)
{
	uint8_t b[PC_BDA_SIZE];

	pc_bda_fill(b, 0x3F8);
	assert_int_equal(b[0x00] | b[0x01] << 8, 0x3F8);
	assert_int_equal(b[0x02] | b[0x03] << 8, 0);
	assert_int_equal(b[0x0E] | b[0x0F] << 8, 0x9FC0);
	assert_int_equal(b[0x10] | b[0x11] << 8, 0x0222);
	assert_int_equal(b[0x13] | b[0x14] << 8, 639);
	assert_int_equal(b[0x49], 3);
	assert_int_equal(b[0x4A] | b[0x4B] << 8, 80);
	assert_int_equal(b[0x63] | b[0x64] << 8, 0x3D4);
	assert_int_equal(b[0x84], 24);
	assert_int_equal(b[0x08] | b[0x40] | b[0x6C] | b[0xFF], 0);
	pc_bda_fill(b, 0);
	assert_int_equal(b[0x10] | b[0x11] << 8, 0x0022);   /* no serial */
	assert_int_equal(pc_bda_write(&gm, 0x3F8), 0);
	assert_int_equal(sim.ram[0x400], 0xF8);
	assert_int_equal(sim.ram[0x40E], 0xC0);
	assert_int_equal(sim.ram[0x9FC00], 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(kludge_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(kludge_header_inside, setup, teardown),
		cmocka_unit_test_setup_teardown(kludge_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(kludge_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(kludge_write_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(elf32_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(elf64_valid, setup, teardown),
		cmocka_unit_test_setup_teardown(elf_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(info_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(info_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(info_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(info_modules_bad, setup, teardown),
		cmocka_unit_test_setup_teardown(place_modules, setup, teardown),
		cmocka_unit_test_setup_teardown(pc_mmap, setup, teardown),
		cmocka_unit_test_setup_teardown(pc_bda, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
