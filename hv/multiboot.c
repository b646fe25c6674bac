/* Multiboot2 information -> struct boot_info (see multiboot2.h). */
#include "hv/multiboot2.h"
#include "hv/memlayout.h"
#include "lib/console.h"
#include "hv/run.h"

struct boot_info boot_info;

const char *mem_type_name(uint32_t type)
{
	switch (type) {
	case MEM_AVAILABLE:    return "available";
	case MEM_RESERVED:     return "reserved";
	case MEM_ACPI_RECLAIM: return "ACPI reclaimable";
	case MEM_NVS:          return "ACPI NVS";
	case MEM_BAD:          return "bad RAM";
	default:               return "unknown type";
	}
}

/* A NUL-terminated string must end inside its tag. */
static const char *tag_string(const char *s, size_t max, uint32_t off,
			      const char *what)
{
	size_t i;

	for (i = 0; i < max; i++)
		if (!s[i])
			return s;
	panic("malformed multiboot2 info: %s string in tag at +0x%x is not "
	      "NUL-terminated", what, off);
}

static void parse_mmap(struct boot_info *bi, const struct mb2_tag_mmap *t,
		       uint32_t off)
{
	const uint8_t *p, *end;

	if (t->tag.size < sizeof(*t) || t->entry_size < sizeof(struct mb2_mmap_entry) ||
	    (t->entry_size & 7))
		panic("malformed multiboot2 info: memory-map tag at +0x%x has "
		      "size %u, entry_size %u (need >= 16 and a multiple of 8 >= 24)",
		      off, t->tag.size, t->entry_size);
	if ((t->tag.size - sizeof(*t)) % t->entry_size)
		printf("multiboot: warning: memory-map tag at +0x%x has %u "
		       "trailing bytes\n", off,
		       (unsigned)((t->tag.size - sizeof(*t)) % t->entry_size));

	p = (const uint8_t *)t->entries;
	end = (const uint8_t *)t + t->tag.size;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		if (bi->nmap == BOOT_MAX_REGIONS)
			panic("firmware memory map has more than %d entries "
			      "(BOOT_MAX_REGIONS)", BOOT_MAX_REGIONS);
		if (e->length == 0)
			continue;
		if (e->base_addr + e->length < e->base_addr)
			panic("malformed memory map: entry 0x%lx + 0x%lx wraps",
			      e->base_addr, e->length);
		bi->map[bi->nmap].base = e->base_addr;
		bi->map[bi->nmap].len = e->length;
		bi->map[bi->nmap].type = e->type;
		bi->nmap++;
	}
}

void multiboot_parse(uint32_t magic, uint64_t mbi_pa, struct boot_info *bi)
{
	const struct mb2_info_header *h;
	const uint8_t *base;
	uint32_t off, total;
	bool saw_end = false;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 loader: EAX was 0x%x, "
		      "expected 0x%x", magic, MB2_BOOTLOADER_MAGIC);
	if (!mbi_pa || (mbi_pa & 7))
		panic("multiboot2 info address 0x%lx is null or not 8-byte "
		      "aligned", mbi_pa);
	if (mbi_pa + 8 > BOOT_MAP_SIZE)
		panic("multiboot2 info at 0x%lx is above the 4 GiB boot map",
		      mbi_pa);

	h = phys_to_virt(mbi_pa);
	base = (const uint8_t *)h;
	total = h->total_size;
	if (total < sizeof(*h) + sizeof(struct mb2_tag) ||
	    mbi_pa + total > BOOT_MAP_SIZE)
		panic("malformed multiboot2 info: total_size %u at 0x%lx",
		      total, mbi_pa);

	bi->cmdline = "";
	bi->nmap = bi->nmod = 0;
	bi->mbi_pa = mbi_pa;
	bi->mbi_size = total;

	for (off = sizeof(*h); off + sizeof(struct mb2_tag) <= total;
	     off = (uint32_t)ALIGN_UP(off + ((const struct mb2_tag *)(base + off))->size, 8)) {
		const struct mb2_tag *t = (const void *)(base + off);

		if (t->size < sizeof(*t) || t->size > total - off)
			panic("malformed multiboot2 info: tag type %u at +0x%x "
			      "has size %u (info total_size %u)",
			      t->type, off, t->size, total);
		if (t->type == MB2_TAG_END) {
			saw_end = true;
			break;
		}
		switch (t->type) {
		case MB2_TAG_CMDLINE:
			bi->cmdline = tag_string(((const struct mb2_tag_string *)t)->string,
						 t->size - sizeof(*t), off, "command-line");
			break;
		case MB2_TAG_MODULE: {
			const struct mb2_tag_module *m = (const void *)t;

			if (t->size < sizeof(*m))
				panic("malformed multiboot2 info: module tag at "
				      "+0x%x has size %u", off, t->size);
			if (bi->nmod == BOOT_MAX_MODULES)
				panic("more than %d boot modules", BOOT_MAX_MODULES);
			if (m->mod_end < m->mod_start)
				panic("malformed multiboot2 info: module at +0x%x "
				      "ends (0x%x) before it starts (0x%x)",
				      off, m->mod_end, m->mod_start);
			bi->mod[bi->nmod].start = m->mod_start;
			bi->mod[bi->nmod].end = m->mod_end;
			bi->mod[bi->nmod].cmdline =
				tag_string(m->cmdline, t->size - sizeof(*m), off,
					   "module");
			bi->nmod++;
			break;
		}
		case MB2_TAG_MMAP:
			parse_mmap(bi, (const void *)t, off);
			break;
		default:
			break;          /* framebuffer, ACPI, EFI...: not needed */
		}
	}
	if (!saw_end)
		panic("malformed multiboot2 info: no end tag within total_size %u",
		      total);
	if (!bi->nmap)
		panic("the boot loader gave no memory map (multiboot2 tag 6)");
}

void boot_info_print(const struct boot_info *bi)
{
	size_t i;

	printf("boot: multiboot2 info at 0x%lx, %lu bytes\n",
	       bi->mbi_pa, bi->mbi_size);
	printf("boot: command line \"%s\"\n", bi->cmdline);
	printf("memory map (firmware, %lu entries):\n", (uint64_t)bi->nmap);
	for (i = 0; i < bi->nmap; i++) {
		const struct mem_region *r = &bi->map[i];

		printf("  [0x%016lx-0x%016lx] %-16s %8lu KiB\n", r->base,
		       r->base + r->len - 1, mem_type_name(r->type),
		       r->len >> 10);
	}
	printf("modules: %lu\n", (uint64_t)bi->nmod);
	for (i = 0; i < bi->nmod; i++)
		printf("  [0x%016lx-0x%016lx) %lu bytes \"%s\"\n",
		       bi->mod[i].start, bi->mod[i].end,
		       bi->mod[i].end - bi->mod[i].start, bi->mod[i].cmdline);
}
