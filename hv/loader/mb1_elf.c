/*
 * Multiboot v1 loader: loading an ELF32 (EM_386) or ELF64 (EM_X86_64)
 * executable by its PT_LOAD program headers, each at its p_paddr, when the
 * Multiboot header's flags bit 16 is clear ("Multiboot Specification
 * version 0.6.96", section 3.1 "OS image format"; the ELF fields as in the
 * System V gABI, "ELF Header" and "Program Header"). ELF64 fields are
 * checked against the file or RAM size before they are added, so no sum
 * can wrap.
 */
#include "hv/loader/mb1_internal.h"
#include "hv/loader/loader.h"
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

struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

static void rd_phdr(const uint8_t *p, bool is64, struct elf_phdr *ph)
{
	ph->type = get_le32(p);
	if (is64) {
		ph->offset = get_le64(p + 8);
		ph->vaddr  = get_le64(p + 16);
		ph->paddr  = get_le64(p + 24);
		ph->filesz = get_le64(p + 32);
		ph->memsz  = get_le64(p + 40);
	} else {
		ph->offset = get_le32(p + 4);
		ph->vaddr  = get_le32(p + 8);
		ph->paddr  = get_le32(p + 12);
		ph->filesz = get_le32(p + 16);
		ph->memsz  = get_le32(p + 20);
	}
}

int mb1_plan_elf(const uint8_t *img, size_t len,
		 const struct mb1_guest_mem *gm, struct mb1_image *out,
		 uint64_t seg_off[MB1_MAX_SEGS], char *err, size_t errlen)
{
	static const uint8_t elfmag[4] = { 0x7f, 'E', 'L', 'F' };
	bool is64;
	uint64_t entry, phoff;
	unsigned phentsize, phnum, machine, want_machine;

	if (len < EI_NIDENT)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated file: %zu bytes, no ELF header",
				   len);
	for (unsigned i = 0; i < 4; i++)
		if (img[i] != elfmag[i])
			return loader_fail(err, errlen, -ENOEXEC,
					   "flags bit 16 clear and no ELF "
					   "magic: neither kludge nor ELF");
	if (img[4] != ELFCLASS32 && img[4] != ELFCLASS64)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_ident[EI_CLASS] %u: not ELF32 or ELF64",
				   img[4]);
	is64 = img[4] == ELFCLASS64;
	if (len < (size_t)(is64 ? ELF64_EHDR_SIZE : ELF32_EHDR_SIZE))
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated file: %zu bytes, ELF header "
				   "incomplete", len);
	if (img[5] != ELFDATA2LSB)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_ident[EI_DATA] %u: not little-endian",
				   img[5]);
	if (img[6] != EV_CURRENT)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_ident[EI_VERSION] %u unknown", img[6]);
	if (get_le16(img + 16) != ET_EXEC)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_type %u: not an executable (ET_EXEC)",
				   get_le16(img + 16));
	machine = get_le16(img + 18);
	want_machine = is64 ? EM_X86_64 : EM_386;
	if (machine != want_machine)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_machine %u: %s needs %s (%u)", machine,
				   is64 ? "ELF64" : "ELF32",
				   is64 ? "EM_X86_64" : "EM_386", want_machine);
	if (is64) {
		entry = get_le64(img + 24);
		phoff = get_le64(img + 32);
		phentsize = get_le16(img + 54);
		phnum = get_le16(img + 56);
	} else {
		entry = get_le32(img + 24);
		phoff = get_le32(img + 28);
		phentsize = get_le16(img + 42);
		phnum = get_le16(img + 44);
	}
	if (phnum == 0)
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_phnum 0: no program headers");
	if (phnum > MB1_MAX_PHDRS)
		return loader_fail(err, errlen, -E2BIG,
				   "e_phnum %u: too many program headers "
				   "(max %u)", phnum, MB1_MAX_PHDRS);
	if (phentsize < (is64 ? ELF64_PHDR_SIZE : ELF32_PHDR_SIZE))
		return loader_fail(err, errlen, -ENOEXEC,
				   "e_phentsize %u too small", phentsize);
	/* phnum * phentsize < 64 * 65536: no overflow. */
	if (phoff > len || (uint64_t)phnum * phentsize > len - phoff)
		return loader_fail(err, errlen, -ENOEXEC,
				   "program headers beyond the file: e_phoff "
				   "0x%llx + %u * %u > %zu bytes",
				   (unsigned long long)phoff, phnum, phentsize,
				   len);

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
			return loader_fail(err, errlen, -EINVAL,
					   "segment %u: filesz 0x%llx > memsz "
					   "0x%llx", i,
					   (unsigned long long)ph.filesz,
					   (unsigned long long)ph.memsz);
		if (ph.offset > len || ph.filesz > len - ph.offset)
			return loader_fail(err, errlen, -ENOEXEC,
					   "segment %u: p_offset 0x%llx + "
					   "filesz 0x%llx beyond the file "
					   "(%zu bytes)", i,
					   (unsigned long long)ph.offset,
					   (unsigned long long)ph.filesz, len);
		if (ph.paddr < MB1_MIN_LOAD_GPA)
			return loader_fail(err, errlen, -EINVAL,
					   "segment %u: p_paddr 0x%llx below "
					   "0x%x", i,
					   (unsigned long long)ph.paddr,
					   MB1_MIN_LOAD_GPA);
		if (ph.paddr > gm->ram_size ||
		    ph.memsz > gm->ram_size - ph.paddr)
			return loader_fail(err, errlen, -EINVAL,
					   "segment %u: p_paddr 0x%llx + "
					   "memsz 0x%llx beyond guest RAM "
					   "(0x%llx)", i,
					   (unsigned long long)ph.paddr,
					   (unsigned long long)ph.memsz,
					   (unsigned long long)gm->ram_size);
		/* From here paddr + memsz <= ram_size: no wrap. */
		for (size_t j = 0; j < out->nseg; j++) {
			const struct mb1_seg *o = &out->seg[j];
			if (ph.paddr < o->gpa + o->memsz &&
			    o->gpa < ph.paddr + ph.memsz)
				return loader_fail(err, errlen, -EINVAL,
						   "segment %u: [0x%llx, "
						   "0x%llx) overlaps an "
						   "earlier segment "
						   "[0x%llx, 0x%llx)", i,
						   (unsigned long long)ph.paddr,
						   (unsigned long long)
						   (ph.paddr + ph.memsz),
						   (unsigned long long)o->gpa,
						   (unsigned long long)
						   (o->gpa + o->memsz));
		}
		if (out->nseg == MB1_MAX_SEGS)
			return loader_fail(err, errlen, -E2BIG,
					   "segment %u: more than %u PT_LOAD "
					   "segments", i, MB1_MAX_SEGS);
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
		return loader_fail(err, errlen, -ENOEXEC,
				   "no PT_LOAD segment with memsz > 0");
	if (!entry_ok)
		return loader_fail(err, errlen, -EINVAL,
				   "e_entry 0x%llx outside loaded range",
				   (unsigned long long)entry);
	if (entry_pa >= LOADER_4GIB)
		return loader_fail(err, errlen, -EINVAL,
				   "e_entry 0x%llx: physical entry 0x%llx not "
				   "below 4 GiB (the guest starts in 32-bit "
				   "mode)",
				   (unsigned long long)entry,
				   (unsigned long long)entry_pa);
	out->entry = (uint32_t)entry_pa;
	return 0;
}
