/*
 * Linux loader: the zero page (struct boot_params, zero-page.rst), its
 * e820 map, and the GDT of the 32-bit entry. Offsets in linux_bp.h.
 *
 * The zero page starts all zero. Then:
 *   0x1F1 .. hdr_end    the image's setup header, copied as boot.rst says
 *                       ("from offset 0x01f1 ... up to 0x0202 + the byte
 *                       at 0x0201"), then edited:
 *   0x210 type_of_loader  0xFF (eptlab has no assigned id)
 *   0x214 code32_start    the kernel's load address
 *   0x218 ramdisk_image, 0x21C ramdisk_size   the initramfs (0 if none)
 *   0x228 cmd_line_ptr    the command line
 *   0x1E8 e820_entries, 0x2D0 e820_table      the map below
 *   0x070 acpi_rsdp_addr  the RSDP (hv/loader/pc_acpi.h), 0 if none
 * Everything is below 4 GiB, so the ext_* high halves stay 0.
 *
 * The e820 map: the caller's reserved and device ranges as given (they
 * may lie beyond RAM, e.g. the local APIC page), and usable RAM: guest RAM
 * [0, ram_size) less those ranges, so RAM below 1 MiB is in it (Linux 6.1
 * allocates its real-mode trampoline there, and panics without it). The
 * entries are sorted by address.
 */
#include "hv/loader/linux_bp.h"
#include "include/err.h"
#include "lib/string.h"

/* Sort by base (insertion sort: at most LINUX_E820_MAX entries). */
static void sort_ranges(struct linux_range *r, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct linux_range t = r[i];
		size_t j = i;

		for (; j > 0 && r[j - 1].base > t.base; j--)
			r[j] = r[j - 1];
		r[j] = t;
	}
}

static int e820_add(struct linux_image *out, uint64_t base, uint64_t len,
		    uint32_t type, const char *name, char *err, size_t errlen)
{
	if (!len)
		return 0;
	if (out->ne820 == LINUX_E820_MAX)
		return loader_fail(err, errlen, -E2BIG,
				   "e820 map: more than %u entries",
				   LINUX_E820_MAX);
	out->e820[out->ne820++] = (struct linux_range){ base, len, type, name };
	return 0;
}

int linux_build_e820(uint64_t ram_size, const struct linux_range *rsv,
		     size_t nrsv, struct linux_image *out, char *err,
		     size_t errlen)
{
	struct linux_range *e = out->e820;
	uint64_t at = 0;
	size_t nr;
	int rc;

	out->ne820 = 0;
	if (nrsv > LINUX_E820_MAX)
		return loader_fail(err, errlen, -E2BIG,
				   "e820 map: %zu reserved ranges (max %u)",
				   nrsv, LINUX_E820_MAX);
	for (size_t i = 0; i < nrsv; i++) {
		if (!rsv[i].len || rsv[i].base >= BIT(52) ||
		    rsv[i].len > BIT(52) - rsv[i].base)
			return loader_fail(err, errlen, -EINVAL,
					   "reserved range %zu (%s): base "
					   "0x%llx len 0x%llx empty or beyond "
					   "2^52", i, rsv[i].name ? rsv[i].name
					   : "?", (unsigned long long)rsv[i].base,
					   (unsigned long long)rsv[i].len);
		rc = e820_add(out, rsv[i].base, rsv[i].len, rsv[i].type,
			      rsv[i].name, err, errlen);
		if (rc)
			return rc;
	}
	nr = out->ne820;
	sort_ranges(e, nr);
	for (size_t i = 1; i < nr; i++)
		if (e[i].base < e[i - 1].base + e[i - 1].len)
			return loader_fail(err, errlen, -EINVAL,
					   "reserved ranges %s [0x%llx, +0x%llx)"
					   " and %s [0x%llx, +0x%llx) overlap",
					   e[i - 1].name ? e[i - 1].name : "?",
					   (unsigned long long)e[i - 1].base,
					   (unsigned long long)e[i - 1].len,
					   e[i].name ? e[i].name : "?",
					   (unsigned long long)e[i].base,
					   (unsigned long long)e[i].len);
	/* Usable RAM: the gaps of [0, ram_size) between reserved ranges. */
	for (size_t i = 0; i <= nr && at < ram_size; i++) {
		uint64_t next = i < nr ? MIN(e[i].base, ram_size) : ram_size;

		if (next > at) {
			rc = e820_add(out, at, next - at, LINUX_E820_RAM,
				      "RAM", err, errlen);
			if (rc)
				return rc;
		}
		if (i < nr)
			at = MAX(at, e[i].base + e[i].len);
	}
	sort_ranges(e, out->ne820);
	return 0;
}

void linux_build_zp(const uint8_t *img, const struct linux_layout *lay,
		    struct linux_image *out)
{
	uint8_t *zp = out->zp;

	memset(zp, 0, LINUX_ZP_SIZE);
	memcpy(zp + LX_HDR_START, img + LX_HDR_START,
	       (size_t)(out->s.hdr_end - LX_HDR_START));
	zp[LX_HDR_TYPE_OF_LOADER] = LX_TYPE_OF_LOADER;
	put_le32(zp + LX_HDR_CODE32_START, (uint32_t)out->kernel_gpa);
	put_le32(zp + LX_HDR_RAMDISK_IMAGE, (uint32_t)out->initrd_gpa);
	put_le32(zp + LX_HDR_RAMDISK_SIZE, (uint32_t)out->initrd_size);
	put_le32(zp + LX_HDR_CMD_LINE_PTR, (uint32_t)lay->cmdline_gpa);
	put_le64(zp + LX_ZP_ACPI_RSDP_ADDR, lay->acpi_rsdp_gpa);
	zp[LX_ZP_E820_ENTRIES] = (uint8_t)out->ne820;
	for (size_t i = 0; i < out->ne820; i++) {
		uint8_t *p = zp + LX_ZP_E820_TABLE + i * LX_ZP_E820_ENTRY_SIZE;

		put_le64(p, out->e820[i].base);
		put_le64(p + 8, out->e820[i].len);
		put_le32(p + 16, out->e820[i].type);
	}
}

/* Segment descriptors (SDM 3A "Segment Descriptors"): base 0, limit
 * 0xFFFFF with G = 1 (4 GiB), D = 1, P = 1, S = 1, DPL 0; type 0xB
 * execute/read accessed, 0x3 read/write accessed (set, so the CPU never
 * writes them). The TSS: base 0, limit 0x67, type 0xB busy 32-bit, the
 * value the VMCS's TR caches. */
#define GDT_CODE32  0x00CF9B000000FFFFULL
#define GDT_DATA32  0x00CF93000000FFFFULL
#define GDT_TSS32   0x00008B0000000067ULL

void linux_build_gdt(uint8_t gdt[LINUX_GDT_SIZE])
{
	memset(gdt, 0, LINUX_GDT_SIZE);
	put_le64(gdt + LINUX_BOOT_CS, GDT_CODE32);
	put_le64(gdt + LINUX_BOOT_DS, GDT_DATA32);
	put_le64(gdt + LINUX_BOOT_TSS, GDT_TSS32);
}
