/*
 * Multiboot v1 loader: the information block the guest finds in EBX
 * ("Multiboot Specification version 0.6.96", section 3.3 "Boot
 * information format"; the offsets are in lib/multiboot1.h). All fields
 * are little-endian, pointers 32-bit guest-physical. mb1_build_info
 * writes at info_gpa:
 *
 *   +0   flags            MB1_INFO_MEM | MB1_INFO_MMAP | MB1_INFO_LOADER
 *                         | MB1_INFO_FRAMEBUFFER
 *                         (| MB1_INFO_CMDLINE when a command line is given,
 *                          | MB1_INFO_MODS when there are modules)
 *   +4   mem_lower        KiB of RAM from 0 (at most 640)
 *   +8   mem_upper        KiB of RAM contiguous from 1 MiB
 *   +12  boot_device      0 (flag bit 1 clear)
 *   +16  cmdline          -> NUL-terminated string below
 *   +20  mods_count, +24 mods_addr -> module list below (0, 0: none)
 *   +28  syms[4]                             0
 *   +44  mmap_length      n * 24
 *   +48  mmap_addr        -> map below
 *   +52  drives_*, config_table              0
 *   +64  boot_loader_name -> "eptlab"
 *   +68  apm_table, vbe_*                    0
 *   +88  framebuffer_addr 0xB8000, +96 pitch 160, +100 width 80,
 *        +104 height 25, +108 bpp 16, +109 type 2 (EGA text): the PC's
 *        colour text screen, which the hypervisor prints at the end of a
 *        run (MB1_INFO_FRAMEBUFFER; a kernel that sets header flag bit 2
 *        gets its video mode information this way)
 *
 *   info_gpa + 120        map: n entries of 24 bytes each:
 *                           +0 size (= 20, excludes itself)
 *                           +4 base_addr (64-bit) +12 length (64-bit)
 *                           +20 type
 *   then                  the module list: nmods entries of 16 bytes:
 *                           +0 mod_start, +4 mod_end (exclusive),
 *                           +8 string, +12 reserved (0)
 *   then                  "eptlab\0", the command line and its NUL, each
 *                         module's string and its NUL.
 *
 * The module contents are the caller's: it places them (mb1_place_modules,
 * hv/loader/mb1_mods.c) and copies them into guest RAM.
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
#include "include/err.h"

/* The map follows the fixed block, 8-byte aligned. */
#define MB1_INFO_MAP_OFF     ALIGN_UP(MB1_INFO_SIZE, 8)
#define MB1_LOADER_NAME      "eptlab"
#define MB1_TEXT_FB          0xB8000ULL   /* the colour text screen */

_Static_assert(MB1_INFO_MAP_OFF == 120, "the map starts at info + 120");

static size_t cstr_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n])
		n++;
	return n;       /* max + 1 means "too long" */
}

/* The strings' bytes (each with its NUL), or ~0 if one is too long. */
static uint64_t strings_size(const char *cmdline, const struct mb1_module *mods,
			     size_t nmods)
{
	uint64_t total = sizeof(MB1_LOADER_NAME);
	size_t l;

	if (cmdline) {
		if ((l = cstr_len(cmdline, MB1_MAX_CMDLINE)) > MB1_MAX_CMDLINE)
			return ~0ULL;
		total += l + 1;
	}
	for (size_t i = 0; i < nmods; i++) {
		const char *m = mods[i].string ? mods[i].string : "";
		if ((l = cstr_len(m, MB1_MAX_CMDLINE)) > MB1_MAX_CMDLINE)
			return ~0ULL;
		total += l + 1;
	}
	return total;
}

uint64_t mb1_info_size(const char *cmdline, size_t nmap,
		       const struct mb1_module *mods, size_t nmods)
{
	uint64_t str = strings_size(cmdline, mods, nmods);

	if (str == ~0ULL)      /* too long: mb1_build_info refuses it */
		str = 0;
	return MB1_INFO_MAP_OFF + (uint64_t)nmap * MB1_MMAP_ENTRY_SIZE +
	       (uint64_t)nmods * MB1_MOD_SIZE + str;
}

/* KiB of available RAM contiguous from `from` (regions may be unsorted
 * and adjacent), stopping at `limit`. */
static uint64_t contiguous_kib(const struct mb1_mmap_entry *map, size_t n,
			       uint64_t from, uint64_t limit)
{
	uint64_t end = from;
	bool grew = true;

	while (grew && end < limit) {
		grew = false;
		for (size_t i = 0; i < n; i++) {
			if (map[i].type != MB1_MEM_AVAILABLE || map[i].len == 0)
				continue;
			uint64_t b = map[i].base;
			uint64_t e = map[i].len > UINT64_MAX - b ?
				     UINT64_MAX : b + map[i].len;
			if (b <= end && e > end) {
				end = e;
				grew = true;
			}
		}
	}
	return (MIN(end, limit) - from) / 1024;
}

int64_t mb1_build_info(const struct mb1_guest_mem *gm, uint64_t info_gpa,
		       const char *cmdline, const struct mb1_mmap_entry *map,
		       size_t n, const struct mb1_module *mods, size_t nmods,
		       char *err, size_t errlen)
{
	uint8_t hdr[MB1_INFO_MAP_OFF] = { 0 };
	uint8_t ent[MB1_MMAP_ENTRY_SIZE], mod[MB1_MOD_SIZE];
	uint64_t size, map_gpa, mods_gpa, name_gpa, str_gpa;
	size_t cl = 0;
	uint32_t flags = MB1_INFO_MEM | MB1_INFO_MMAP | MB1_INFO_LOADER |
			 MB1_INFO_FRAMEBUFFER;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!gm || !gm->write || (n && !map) || (nmods && !mods))
		return loader_fail(err, errlen, -EINVAL,
				   "mb1_build_info: NULL argument");
	if (n > MB1_MAX_MMAP)
		return loader_fail(err, errlen, -E2BIG,
				   "memory map: %zu entries (max %u)", n,
				   MB1_MAX_MMAP);
	if (nmods > MB1_MAX_MODULES)
		return loader_fail(err, errlen, -E2BIG,
				   "%zu modules (max %u)", nmods,
				   MB1_MAX_MODULES);
	if (strings_size(cmdline, mods, nmods) == ~0ULL)
		return loader_fail(err, errlen, -E2BIG,
				   "a command line or module string longer "
				   "than %u bytes", MB1_MAX_CMDLINE);
	for (size_t i = 0; i < nmods; i++)
		if (mods[i].gpa >= LOADER_4GIB || mods[i].size == 0 ||
		    mods[i].size > LOADER_4GIB - mods[i].gpa)
			return loader_fail(err, errlen, -EINVAL,
					   "module %zu: [0x%llx, +0x%llx) empty "
					   "or not below 4 GiB", i,
					   (unsigned long long)mods[i].gpa,
					   (unsigned long long)mods[i].size);
	if (cmdline) {
		cl = cstr_len(cmdline, MB1_MAX_CMDLINE);
		flags |= MB1_INFO_CMDLINE;
	}
	if (nmods)
		flags |= MB1_INFO_MODS;
	if (!IS_ALIGNED(info_gpa, 8))
		return loader_fail(err, errlen, -EINVAL,
				   "info_gpa 0x%llx not 8-byte aligned",
				   (unsigned long long)info_gpa);
	size = mb1_info_size(cmdline, n, mods, nmods);
	if (info_gpa < MB1_MIN_LOAD_GPA || info_gpa >= LOADER_4GIB ||
	    size > LOADER_4GIB - info_gpa || !mb1_in_ram(gm, info_gpa, size))
		return loader_fail(err, errlen, -EINVAL,
				   "info block [0x%llx, +0x%llx) not inside "
				   "guest RAM (0x%llx) below 4 GiB",
				   (unsigned long long)info_gpa,
				   (unsigned long long)size,
				   (unsigned long long)gm->ram_size);

	map_gpa = info_gpa + MB1_INFO_MAP_OFF;
	mods_gpa = map_gpa + (uint64_t)n * MB1_MMAP_ENTRY_SIZE;
	name_gpa = mods_gpa + (uint64_t)nmods * MB1_MOD_SIZE;
	str_gpa = name_gpa + sizeof(MB1_LOADER_NAME);

	put_le32(hdr + MB1_INFO_FLAGS, flags);
	put_le32(hdr + MB1_INFO_MEM_LOWER,
		 (uint32_t)contiguous_kib(map, n, 0, 640 * 1024));
	put_le32(hdr + MB1_INFO_MEM_UPPER,
		 (uint32_t)MIN(contiguous_kib(map, n, 0x100000, LOADER_4GIB),
			       UINT32_MAX));
	if (cmdline)
		put_le32(hdr + MB1_INFO_CMDLINE_PTR, (uint32_t)str_gpa);
	if (nmods) {
		put_le32(hdr + MB1_INFO_MODS_COUNT, (uint32_t)nmods);
		put_le32(hdr + MB1_INFO_MODS_ADDR, (uint32_t)mods_gpa);
	}
	put_le32(hdr + MB1_INFO_MMAP_LEN, (uint32_t)(n * MB1_MMAP_ENTRY_SIZE));
	put_le32(hdr + MB1_INFO_MMAP_ADDR, (uint32_t)map_gpa);
	put_le32(hdr + MB1_INFO_LOADER_NAME, (uint32_t)name_gpa);
	put_le64(hdr + MB1_INFO_FB_ADDR, MB1_TEXT_FB);
	put_le32(hdr + MB1_INFO_FB_PITCH, 2 * 80);
	put_le32(hdr + MB1_INFO_FB_WIDTH, 80);
	put_le32(hdr + MB1_INFO_FB_HEIGHT, 25);
	hdr[MB1_INFO_FB_BPP] = 16;
	hdr[MB1_INFO_FB_TYPE] = MB1_FB_TYPE_EGA_TEXT;

	rc = gm->write(gm->ctx, info_gpa, hdr, sizeof(hdr));
	for (size_t i = 0; !rc && i < n; i++) {
		put_le32(ent + MB1_MMAP_SIZE, MB1_MMAP_ENTRY_SIZE - 4);
		put_le64(ent + MB1_MMAP_BASE, map[i].base);
		put_le64(ent + MB1_MMAP_LEN, map[i].len);
		put_le32(ent + MB1_MMAP_TYPE, map[i].type);
		rc = gm->write(gm->ctx, map_gpa + i * MB1_MMAP_ENTRY_SIZE,
			       ent, sizeof(ent));
	}
	if (!rc)
		rc = gm->write(gm->ctx, name_gpa, MB1_LOADER_NAME,
			       sizeof(MB1_LOADER_NAME));
	if (!rc && cmdline) {
		rc = gm->write(gm->ctx, str_gpa, cmdline, cl + 1);
		str_gpa += cl + 1;
	}
	for (size_t i = 0; !rc && i < nmods; i++) {
		const char *m = mods[i].string ? mods[i].string : "";
		size_t l = cstr_len(m, MB1_MAX_CMDLINE);

		put_le32(mod + MB1_MOD_START, (uint32_t)mods[i].gpa);
		put_le32(mod + MB1_MOD_END,
			 (uint32_t)(mods[i].gpa + mods[i].size));
		put_le32(mod + MB1_MOD_STRING, (uint32_t)str_gpa);
		put_le32(mod + MB1_MOD_RESERVED, 0);
		rc = gm->write(gm->ctx, mods_gpa + i * MB1_MOD_SIZE, mod,
			       sizeof(mod));
		if (!rc)
			rc = gm->write(gm->ctx, str_gpa, m, l + 1);
		str_gpa += l + 1;
	}
	if (rc)
		return loader_fail(err, errlen, rc,
				   "writing the info block at 0x%llx failed",
				   (unsigned long long)info_gpa);
	return (int64_t)info_gpa;
}
