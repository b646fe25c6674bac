/*
 * Multiboot v1 loader: validate a guest kernel image, copy it into guest
 * RAM, and build the Multiboot information block the guest finds in EBX.
 * Reference: "Multiboot Specification version 0.6.96", sections 3.1 (OS
 * image format) and 3.3 (Boot information format). Pure C (see header).
 *
 * All arithmetic on image fields is done in uint64_t on values that are at
 * most 32 bits wide (kludge, ELF32) or checked against the file or RAM size
 * before they are added (ELF64), so no sum can wrap.
 */
#include "hv/mb1_loader.h"
#include "lib/fmt.h"
#include "include/err.h"

/* ELF (System V gABI), only what the loader reads. */
#define EI_NIDENT      16
#define ELFCLASS32     1
#define ELFCLASS64     2
#define ELFDATA2LSB    1
#define EV_CURRENT     1
#define ET_EXEC        2
#define EM_386         3
#define EM_X86_64      62
#define PT_LOAD        1
#define ELF32_EHDR_SIZE 52
#define ELF64_EHDR_SIZE 64
#define ELF32_PHDR_SIZE 32
#define ELF64_PHDR_SIZE 56

#define FOUR_GIB       0x100000000ULL

static uint32_t rd16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* [gpa, gpa+size) inside guest RAM and above page 0? Caller guarantees
 * gpa and size are below 2^63 so the sum cannot wrap. */
static bool in_ram(const struct mb1_guest_mem *gm, uint64_t gpa, uint64_t size)
{
	return gpa >= MB1_MIN_LOAD_GPA && gpa <= gm->ram_size &&
	       size <= gm->ram_size - gpa;
}

/* ---------------------------------------------------------------- header */

struct mb1_hdr {
	uint64_t off;            /* file offset */
	uint32_t flags;
	/* flags bit 16 */
	uint32_t header_addr, load_addr, load_end_addr, bss_end_addr,
		 entry_addr;
};

#define MB1_HDR_BASE_SIZE   12   /* magic, flags, checksum */
#define MB1_HDR_KLUDGE_SIZE 32   /* + the five address fields */

static int find_header(const uint8_t *img, size_t len, struct mb1_hdr *h,
		       char *err, size_t errlen)
{
	size_t limit = MIN(len, (size_t)MB1_SEARCH_BYTES);
	bool bad_sum = false;
	size_t bad_off = 0;
	uint32_t bad_val = 0;

	for (size_t off = 0; off + MB1_HDR_BASE_SIZE <= limit; off += 4) {
		if (rd32(img + off) != MB1_HEADER_MAGIC)
			continue;
		uint32_t flags = rd32(img + off + 4);
		uint32_t sum = rd32(img + off + 8);
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
		if (off + MB1_HDR_KLUDGE_SIZE > len)
			return fail(err, errlen, -ENOEXEC,
				    "header at 0x%zx: address fields truncated "
				    "(file is %zu bytes)", off, len);
		h->header_addr   = rd32(img + off + 12);
		h->load_addr     = rd32(img + off + 16);
		h->load_end_addr = rd32(img + off + 20);
		h->bss_end_addr  = rd32(img + off + 24);
		h->entry_addr    = rd32(img + off + 28);
		return 0;
	}
	if (bad_sum)
		return fail(err, errlen, -ENOEXEC,
			    "header at 0x%zx: bad checksum 0x%x "
			    "(magic + flags + checksum must be 0)",
			    bad_off, (unsigned)bad_val);
	if (len < MB1_HDR_BASE_SIZE)
		return fail(err, errlen, -ENOEXEC,
			    "truncated file: %zu bytes, no Multiboot header",
			    len);
	return fail(err, errlen, -ENOEXEC,
		    "no Multiboot header (magic 0x%x) in the first %u bytes",
		    MB1_HEADER_MAGIC, MB1_SEARCH_BYTES);
}

/* ------------------------------------------------- a.out kludge (bit 16) */

static int plan_kludge(const struct mb1_hdr *h, size_t len,
		       const struct mb1_guest_mem *gm, struct mb1_image *out,
		       uint64_t *file_off, char *err, size_t errlen)
{
	uint64_t load = h->load_addr, hdr = h->header_addr;
	uint64_t load_end, bss_end, filesz;

	/* The header sits at file offset h->off and at GPA header_addr, so
	 * the file byte at (h->off - (header_addr - load_addr)) is load_addr. */
	if (hdr < load)
		return fail(err, errlen, -EINVAL,
			    "header_addr 0x%llx below load_addr 0x%llx",
			    (unsigned long long)hdr, (unsigned long long)load);
	if (hdr - load > h->off)
		return fail(err, errlen, -EINVAL,
			    "header_addr 0x%llx - load_addr 0x%llx exceeds the "
			    "header's file offset 0x%llx",
			    (unsigned long long)hdr, (unsigned long long)load,
			    (unsigned long long)h->off);
	*file_off = h->off - (hdr - load);

	if (h->load_end_addr == 0) {
		filesz = len - *file_off;        /* the rest of the file */
		if (filesz > FOUR_GIB)
			return fail(err, errlen, -EINVAL,
				    "load_end_addr 0: 0x%llx bytes from offset "
				    "0x%llx do not fit below 4 GiB",
				    (unsigned long long)filesz,
				    (unsigned long long)*file_off);
		load_end = load + filesz;
	} else {
		load_end = h->load_end_addr;
		if (load_end <= load)
			return fail(err, errlen, -EINVAL,
				    "load_end_addr 0x%llx not above load_addr "
				    "0x%llx", (unsigned long long)load_end,
				    (unsigned long long)load);
		filesz = load_end - load;
		if (filesz > len - *file_off)
			return fail(err, errlen, -ENOEXEC,
				    "truncated file: load_end_addr 0x%llx needs "
				    "0x%llx bytes from offset 0x%llx, file has "
				    "%zu", (unsigned long long)load_end,
				    (unsigned long long)filesz,
				    (unsigned long long)*file_off, len);
	}
	if (h->bss_end_addr == 0) {
		bss_end = load_end;
	} else {
		bss_end = h->bss_end_addr;
		if (bss_end < load_end)
			return fail(err, errlen, -EINVAL,
				    "bss_end_addr 0x%llx below load_end_addr "
				    "0x%llx", (unsigned long long)bss_end,
				    (unsigned long long)load_end);
	}
	if (load < MB1_MIN_LOAD_GPA)
		return fail(err, errlen, -EINVAL,
			    "load_addr 0x%llx below 0x%x",
			    (unsigned long long)load, MB1_MIN_LOAD_GPA);
	if (!in_ram(gm, load, bss_end - load))
		return fail(err, errlen, -EINVAL,
			    "load_addr 0x%llx .. bss_end 0x%llx beyond guest "
			    "RAM (0x%llx)", (unsigned long long)load,
			    (unsigned long long)bss_end,
			    (unsigned long long)gm->ram_size);
	if (h->entry_addr < load || h->entry_addr >= load_end)
		return fail(err, errlen, -EINVAL,
			    "entry_addr 0x%x outside loaded range "
			    "[0x%llx, 0x%llx)", (unsigned)h->entry_addr,
			    (unsigned long long)load,
			    (unsigned long long)load_end);

	out->kind = MB1_KLUDGE;
	out->entry = h->entry_addr;
	out->nseg = 1;
	out->seg[0].gpa = load;
	out->seg[0].filesz = filesz;
	out->seg[0].memsz = bss_end - load;
	return 0;
}

/* ---------------------------------------------------------------- ELF */

struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void rd_phdr(const uint8_t *p, bool is64, struct elf_phdr *ph)
{
	ph->type = rd32(p);
	if (is64) {
		ph->offset = rd64(p + 8);
		ph->vaddr  = rd64(p + 16);
		ph->paddr  = rd64(p + 24);
		ph->filesz = rd64(p + 32);
		ph->memsz  = rd64(p + 40);
	} else {
		ph->offset = rd32(p + 4);
		ph->vaddr  = rd32(p + 8);
		ph->paddr  = rd32(p + 12);
		ph->filesz = rd32(p + 16);
		ph->memsz  = rd32(p + 20);
	}
}

static int plan_elf(const uint8_t *img, size_t len,
		    const struct mb1_guest_mem *gm, struct mb1_image *out,
		    uint64_t seg_off[MB1_MAX_SEGS], char *err, size_t errlen)
{
	static const uint8_t elfmag[4] = { 0x7f, 'E', 'L', 'F' };
	bool is64;
	uint64_t entry, phoff;
	unsigned phentsize, phnum, machine, want_machine;

	if (len < EI_NIDENT)
		return fail(err, errlen, -ENOEXEC,
			    "truncated file: %zu bytes, no ELF header", len);
	for (unsigned i = 0; i < 4; i++)
		if (img[i] != elfmag[i])
			return fail(err, errlen, -ENOEXEC,
				    "flags bit 16 clear and no ELF magic: "
				    "neither kludge nor ELF");
	if (img[4] != ELFCLASS32 && img[4] != ELFCLASS64)
		return fail(err, errlen, -ENOEXEC,
			    "e_ident[EI_CLASS] %u: not ELF32 or ELF64", img[4]);
	is64 = img[4] == ELFCLASS64;
	if (len < (size_t)(is64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE))
		return fail(err, errlen, -ENOEXEC,
			    "truncated file: %zu bytes, ELF header incomplete",
			    len);
	if (img[5] != ELFDATA2LSB)
		return fail(err, errlen, -ENOEXEC,
			    "e_ident[EI_DATA] %u: not little-endian", img[5]);
	if (img[6] != EV_CURRENT)
		return fail(err, errlen, -ENOEXEC,
			    "e_ident[EI_VERSION] %u unknown", img[6]);
	if (rd16(img + 16) != ET_EXEC)
		return fail(err, errlen, -ENOEXEC,
			    "e_type %u: not an executable (ET_EXEC)",
			    rd16(img + 16));
	machine = rd16(img + 18);
	want_machine = is64 ? EM_X86_64 : EM_386;
	if (machine != want_machine)
		return fail(err, errlen, -ENOEXEC,
			    "e_machine %u: %s needs %s (%u)", machine,
			    is64 ? "ELF64" : "ELF32",
			    is64 ? "EM_X86_64" : "EM_386", want_machine);
	if (is64) {
		entry = rd64(img + 24);
		phoff = rd64(img + 32);
		phentsize = rd16(img + 54);
		phnum = rd16(img + 56);
	} else {
		entry = rd32(img + 24);
		phoff = rd32(img + 28);
		phentsize = rd16(img + 42);
		phnum = rd16(img + 44);
	}
	if (phnum == 0)
		return fail(err, errlen, -ENOEXEC,
			    "e_phnum 0: no program headers");
	if (phnum > MB1_MAX_PHDRS)
		return fail(err, errlen, -E2BIG,
			    "e_phnum %u: too many program headers (max %u)",
			    phnum, MB1_MAX_PHDRS);
	if (phentsize < (is64 ? ELF64_PHDR_SIZE : ELF32_PHDR_SIZE))
		return fail(err, errlen, -ENOEXEC,
			    "e_phentsize %u too small", phentsize);
	/* phnum * phentsize < 64 * 65536: no overflow. */
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return fail(err, errlen, -ENOEXEC,
			    "program headers beyond the file: e_phoff 0x%llx "
			    "+ %u * %u > %zu bytes", (unsigned long long)phoff,
			    phnum, phentsize, len);

	out->kind = is64 ? MB1_ELF64 : MB1_ELF32;
	out->nseg = 0;
	bool entry_ok = false;
	uint64_t entry_pa = 0;

	for (unsigned i = 0; i < phnum; i++) {
		struct elf_phdr ph;
		rd_phdr(img + phoff + (uint64_t)i * phentsize, is64, &ph);
		if (ph.type != PT_LOAD || ph.memsz == 0)
			continue;
		if (ph.filesz > ph.memsz)
			return fail(err, errlen, -EINVAL,
				    "segment %u: filesz 0x%llx > memsz 0x%llx",
				    i, (unsigned long long)ph.filesz,
				    (unsigned long long)ph.memsz);
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return fail(err, errlen, -ENOEXEC,
				    "segment %u: p_offset 0x%llx + filesz 0x%llx "
				    "beyond the file (%zu bytes)", i,
				    (unsigned long long)ph.offset,
				    (unsigned long long)ph.filesz, len);
		if (ph.paddr < MB1_MIN_LOAD_GPA)
			return fail(err, errlen, -EINVAL,
				    "segment %u: p_paddr 0x%llx below 0x%x", i,
				    (unsigned long long)ph.paddr,
				    MB1_MIN_LOAD_GPA);
		if (ph.paddr > gm->ram_size ||
		    ph.memsz > gm->ram_size - ph.paddr)
			return fail(err, errlen, -EINVAL,
				    "segment %u: p_paddr 0x%llx + memsz 0x%llx "
				    "beyond guest RAM (0x%llx)", i,
				    (unsigned long long)ph.paddr,
				    (unsigned long long)ph.memsz,
				    (unsigned long long)gm->ram_size);
		/* From here paddr + memsz <= ram_size: no wrap. */
		for (size_t j = 0; j < out->nseg; j++) {
			const struct mb1_seg *o = &out->seg[j];
			if (ph.paddr < o->gpa + o->memsz &&
			    o->gpa < ph.paddr + ph.memsz)
				return fail(err, errlen, -EINVAL,
					    "segment %u: [0x%llx, 0x%llx) "
					    "overlaps an earlier segment "
					    "[0x%llx, 0x%llx)", i,
					    (unsigned long long)ph.paddr,
					    (unsigned long long)(ph.paddr +
								 ph.memsz),
					    (unsigned long long)o->gpa,
					    (unsigned long long)(o->gpa +
								 o->memsz));
		}
		if (out->nseg == MB1_MAX_SEGS)
			return fail(err, errlen, -E2BIG,
				    "segment %u: more than %u PT_LOAD segments",
				    i, MB1_MAX_SEGS);
		/* The entry is physical if it lies in a segment's paddr
		 * range, else it is translated from the segment's vaddr
		 * range (a higher-half kernel). Either way it must be in the
		 * file-backed part. */
		if (!entry_ok && entry >= ph.paddr &&
		    entry - ph.paddr < ph.filesz) {
			entry_ok = true;
			entry_pa = entry;
		} else if (!entry_ok && entry >= ph.vaddr &&
			   entry - ph.vaddr < ph.filesz) {
			entry_ok = true;
			entry_pa = ph.paddr + (entry - ph.vaddr);
		}
		seg_off[out->nseg] = ph.offset;
		out->seg[out->nseg].gpa = ph.paddr;
		out->seg[out->nseg].filesz = ph.filesz;
		out->seg[out->nseg].memsz = ph.memsz;
		out->nseg++;
	}
	if (out->nseg == 0)
		return fail(err, errlen, -ENOEXEC,
			    "no PT_LOAD segment with memsz > 0");
	if (!entry_ok)
		return fail(err, errlen, -EINVAL,
			    "e_entry 0x%llx outside loaded range",
			    (unsigned long long)entry);
	if (entry_pa >= FOUR_GIB)
		return fail(err, errlen, -EINVAL,
			    "e_entry 0x%llx: physical entry 0x%llx not below "
			    "4 GiB (the guest starts in 32-bit mode)",
			    (unsigned long long)entry,
			    (unsigned long long)entry_pa);
	out->entry = (uint32_t)entry_pa;
	return 0;
}

/* ---------------------------------------------------------------- load */

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
			return fail(err, errlen, -EINVAL,
				    "segment %zu: [0x%llx, 0x%llx) overlaps the "
				    "%s [0x%llx, 0x%llx)", i,
				    (unsigned long long)s->gpa,
				    (unsigned long long)(s->gpa + s->memsz),
				    gm->rsv_name ? gm->rsv_name : "reserved range",
				    (unsigned long long)a, (unsigned long long)b);
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
		return fail(err, errlen, -EINVAL, "mb1_load: NULL argument");
	*out = (struct mb1_image){ 0 };

	rc = find_header(img, len, &h, err, errlen);
	if (rc)
		return rc;
	if (h.flags & GENMASK(15, 2))
		return fail(err, errlen, -EINVAL,
			    "flags 0x%x: required bits 0x%llx not supported "
			    "(bit 2 = video mode)", (unsigned)h.flags,
			    (unsigned long long)(h.flags & GENMASK(15, 2)));
	out->header_flags = h.flags;
	out->header_offset = h.off;

	if (h.flags & MB1_HF_AOUT_KLUDGE)
		rc = plan_kludge(&h, len, gm, out, &seg_off[0], err, errlen);
	else
		rc = plan_elf(img, len, gm, out, seg_off, err, errlen);
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
		const struct mb1_seg *s = &out->seg[i];
		if (s->filesz) {
			rc = gm->write(gm->ctx, s->gpa, img + seg_off[i],
				       (size_t)s->filesz);
			if (rc)
				return fail(err, errlen, rc,
					    "segment %zu: writing 0x%llx bytes "
					    "at 0x%llx failed", i,
					    (unsigned long long)s->filesz,
					    (unsigned long long)s->gpa);
		}
		if (s->memsz > s->filesz) {
			rc = gm->zero(gm->ctx, s->gpa + s->filesz,
				      (size_t)(s->memsz - s->filesz));
			if (rc)
				return fail(err, errlen, rc,
					    "segment %zu: zeroing bss at 0x%llx "
					    "failed", i,
					    (unsigned long long)(s->gpa +
								 s->filesz));
		}
	}
	return 0;
}

/* ---------------------------------------------------------- info block */

/*
 * The info block mb1_build_info writes at info_gpa (all fields little-
 * endian, pointers 32-bit guest-physical; Multiboot 0.6.96 section 3.3):
 *
 *   +0   flags            MB1_INFO_MEM | MB1_INFO_MMAP | MB1_INFO_LOADER
 *                         (| MB1_INFO_CMDLINE when a command line is given)
 *   +4   mem_lower        KiB of RAM from 0 (at most 640)
 *   +8   mem_upper        KiB of RAM contiguous from 1 MiB
 *   +12  boot_device      0 (flag bit 1 clear)
 *   +16  cmdline          -> NUL-terminated string below
 *   +20  mods_count, +24 mods_addr           0 (no modules)
 *   +28  syms[4]                             0
 *   +44  mmap_length      n * 24
 *   +48  mmap_addr        -> map below
 *   +52  drives_*, config_table              0
 *   +64  boot_loader_name -> "eptlab"
 *   +68  apm_table, vbe_*, framebuffer_*     0 (up to +116)
 *
 *   info_gpa + 120        map: n entries of 24 bytes each:
 *                           +0 size (= 20, excludes itself)
 *                           +4 base_addr (64-bit) +12 length (64-bit)
 *                           +20 type
 *   then                  "eptlab\0", then the command line and its NUL.
 */
#define MB1_INFO_MAP_OFF     120
#define MB1_LOADER_NAME      "eptlab"

static size_t cstr_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n <= max && s[n])
		n++;
	return n;       /* max + 1 means "too long" */
}

uint64_t mb1_info_size(const char *cmdline, size_t nmap)
{
	uint64_t cl = cmdline ? cstr_len(cmdline, MB1_MAX_CMDLINE) : 0;

	return MB1_INFO_MAP_OFF + (uint64_t)nmap * MB1_MMAP_ENTRY_SIZE +
	       sizeof(MB1_LOADER_NAME) + cl + 1;
}

static void wr32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void wr64(uint8_t *p, uint64_t v)
{
	wr32(p, (uint32_t)v);
	wr32(p + 4, (uint32_t)(v >> 32));
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
			if (map[i].type != 1 || map[i].len == 0)
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
		       size_t n, char *err, size_t errlen)
{
	uint8_t hdr[MB1_INFO_MAP_OFF] = { 0 };
	uint8_t ent[MB1_MMAP_ENTRY_SIZE];
	uint64_t size, map_gpa, name_gpa, cl_gpa;
	size_t cl = 0;
	uint32_t flags = MB1_INFO_MEM | MB1_INFO_MMAP | MB1_INFO_LOADER;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	if (!gm || !gm->write || (n && !map))
		return fail(err, errlen, -EINVAL,
			    "mb1_build_info: NULL argument");
	if (n > MB1_MAX_MMAP)
		return fail(err, errlen, -E2BIG,
			    "memory map: %zu entries (max %u)", n,
			    MB1_MAX_MMAP);
	if (cmdline) {
		cl = cstr_len(cmdline, MB1_MAX_CMDLINE);
		if (cl > MB1_MAX_CMDLINE)
			return fail(err, errlen, -E2BIG,
				    "command line longer than %u bytes",
				    MB1_MAX_CMDLINE);
		flags |= MB1_INFO_CMDLINE;
	}
	if (!IS_ALIGNED(info_gpa, 8))
		return fail(err, errlen, -EINVAL,
			    "info_gpa 0x%llx not 8-byte aligned",
			    (unsigned long long)info_gpa);
	size = mb1_info_size(cmdline, n);
	if (info_gpa < MB1_MIN_LOAD_GPA || info_gpa >= FOUR_GIB ||
	    size > FOUR_GIB - info_gpa || !in_ram(gm, info_gpa, size))
		return fail(err, errlen, -EINVAL,
			    "info block [0x%llx, +0x%llx) not inside guest "
			    "RAM (0x%llx) below 4 GiB",
			    (unsigned long long)info_gpa,
			    (unsigned long long)size,
			    (unsigned long long)gm->ram_size);

	map_gpa = info_gpa + MB1_INFO_MAP_OFF;
	name_gpa = map_gpa + (uint64_t)n * MB1_MMAP_ENTRY_SIZE;
	cl_gpa = name_gpa + sizeof(MB1_LOADER_NAME);

	wr32(hdr + 0, flags);
	wr32(hdr + 4, (uint32_t)contiguous_kib(map, n, 0, 640 * 1024));
	wr32(hdr + 8, (uint32_t)MIN(contiguous_kib(map, n, 0x100000,
						   FOUR_GIB), UINT32_MAX));
	if (cmdline)
		wr32(hdr + 16, (uint32_t)cl_gpa);
	wr32(hdr + 44, (uint32_t)(n * MB1_MMAP_ENTRY_SIZE));
	wr32(hdr + 48, (uint32_t)map_gpa);
	wr32(hdr + 64, (uint32_t)name_gpa);

	rc = gm->write(gm->ctx, info_gpa, hdr, sizeof(hdr));
	for (size_t i = 0; !rc && i < n; i++) {
		wr32(ent, MB1_MMAP_ENTRY_SIZE - 4);
		wr64(ent + 4, map[i].base);
		wr64(ent + 12, map[i].len);
		wr32(ent + 20, map[i].type);
		rc = gm->write(gm->ctx, map_gpa + i * MB1_MMAP_ENTRY_SIZE,
			       ent, sizeof(ent));
	}
	if (!rc)
		rc = gm->write(gm->ctx, name_gpa, MB1_LOADER_NAME,
			       sizeof(MB1_LOADER_NAME));
	if (!rc && cmdline)
		rc = gm->write(gm->ctx, cl_gpa, cmdline, cl + 1);
	if (rc)
		return fail(err, errlen, rc,
			    "writing the info block at 0x%llx failed",
			    (unsigned long long)info_gpa);
	return (int64_t)info_gpa;
}
