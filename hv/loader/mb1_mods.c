/*
 * Multiboot v1 loader: where the boot modules go, and the guest's PC
 * memory map that marks them used ("Multiboot Specification version
 * 0.6.96", section 3.3 "Boot information format": mods_addr, mmap_addr).
 * Pure C (tests/unit/test_mb1_loader.c).
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
#include "include/err.h"

#define PC_LOW_TOP     0xA0000ULL      /* conventional memory ends */
#define PC_BIOS        0xF0000ULL      /* the BIOS area, to 1 MiB */
#define PC_HIGH        0x100000ULL

int64_t mb1_place_modules(const struct mb1_guest_mem *gm, uint64_t from,
			  const uint64_t *size, size_t n, uint64_t *gpa,
			  char *err, size_t errlen)
{
	uint64_t at;

	if (err && errlen)
		err[0] = '\0';
	if (!gm || (n && (!size || !gpa)))
		return loader_fail(err, errlen, -EINVAL,
				   "mb1_place_modules: NULL argument");
	if (n > MB1_MAX_MODULES)
		return loader_fail(err, errlen, -E2BIG, "%zu modules (max %u)",
				   n, MB1_MAX_MODULES);
	if (from > gm->ram_size || from > LOADER_4GIB)
		return loader_fail(err, errlen, -ENOSPC,
				   "no guest RAM above 0x%llx for modules",
				   (unsigned long long)from);
	at = ALIGN_UP(from, SZ_4K);
	for (size_t i = 0; i < n; i++) {
		uint64_t limit = MIN(gm->ram_size, LOADER_4GIB);

		if (!size[i])
			return loader_fail(err, errlen, -EINVAL,
					   "module %zu is empty", i);
		if (at > limit || size[i] > limit - at)
			return loader_fail(err, errlen, -ENOSPC,
					   "module %zu (%llu bytes) does not fit "
					   "at 0x%llx in guest RAM (0x%llx) below "
					   "4 GiB", i,
					   (unsigned long long)size[i],
					   (unsigned long long)at,
					   (unsigned long long)gm->ram_size);
		gpa[i] = at;
		at = ALIGN_UP(at + size[i], SZ_4K);
	}
	return (int64_t)at;
}

size_t mb1_pc_mmap(uint64_t ram_size, uint64_t ebda, uint64_t used,
		   uint64_t used_end, struct mb1_mmap_entry *map, size_t max)
{
	struct mb1_mmap_entry m[6];
	size_t n = 0;

	if (ram_size < 2 * PC_HIGH || ebda < SZ_4K || ebda >= PC_LOW_TOP ||
	    used < PC_HIGH || used > used_end || used_end > ram_size)
		return 0;
	m[n++] = (struct mb1_mmap_entry){ 0, ebda, MB1_MEM_AVAILABLE };
	m[n++] = (struct mb1_mmap_entry){ ebda, PC_LOW_TOP - ebda,
					  MB1_MEM_RESERVED };
	m[n++] = (struct mb1_mmap_entry){ PC_BIOS, PC_HIGH - PC_BIOS,
					  MB1_MEM_RESERVED };
	if (used > PC_HIGH)
		m[n++] = (struct mb1_mmap_entry){ PC_HIGH, used - PC_HIGH,
						  MB1_MEM_AVAILABLE };
	if (used_end > used)
		m[n++] = (struct mb1_mmap_entry){ used, used_end - used,
						  MB1_MEM_RESERVED };
	if (ram_size > used_end)
		m[n++] = (struct mb1_mmap_entry){ used_end, ram_size - used_end,
						  MB1_MEM_AVAILABLE };
	if (n > max)
		return 0;
	for (size_t i = 0; i < n; i++)
		map[i] = m[i];
	return n;
}
