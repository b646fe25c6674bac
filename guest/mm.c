/*
 * The guest's own frame pool and page tables (layout in guest/mm.h).
 *
 * guest/entry.asm left a boot map (identity and direct map of [0, 4 GiB),
 * the kernel at GUEST_VMA). mm_init reads the Multiboot v1 memory map,
 * builds a frame pool over it, builds a fresh 4-level space with the
 * shared engine (mm/paging.c, pg_fmt_x86) from frames of that pool, and
 * switches CR3 to it: the kernel per section, guest RAM in the direct
 * map, nothing in the lower half. Table pages are reached through the
 * direct map, which the boot map and the final map both provide.
 */
#include "guest/mm.h"
#include "mm/pt_x86.h"
#include "lib/multiboot1.h"
#include "guest/report.h"
#include "lib/console.h"
#include "lib/string.h"
#include "include/err.h"
#include "include/x86.h"

/* Linker symbols (guest/linker.ld), higher-half addresses. */
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _bss_end[];

struct pg_space guest_space;
struct frame_pool guest_frames;
struct guest_bootinfo guest_boot;

/* Bitmaps for every frame below GUEST_POOL_TOP: two bits per frame
 * (mm/frame.h: used + reserved). */
static uint64_t frame_storage[2 * (GUEST_POOL_TOP / FRAME_SIZE) / 64];

static bool live;          /* CR3 points at guest_space */
static bool hook_on = true;
static bool pcid_on;

/* ------------------------------------------------------------ engine env */

static void *env_table_ptr(void *ctx, uint64_t pa)
{
	/* Before the switch only the boot map's 4 GiB are reachable; the
	 * pool never hands out frames above that. */
	if (pa >= GUEST_POOL_TOP && !live)
		return NULL;
	return mm_dm(pa);
}

static uint64_t env_alloc_table(void *ctx)
{
	return mm_alloc_frame();
}

static void env_free_table(void *ctx, uint64_t pa)
{
	mm_free_frame(pa);
}

/* Live tables: INVLPG each changed page (it drops global translations
 * too, and the paging-structure caches for that address), or flush
 * everything for a large range. */
#define FLUSH_PAGES_MAX 64

static void env_flush(void *ctx, uint64_t va, uint64_t size)
{
	if (!live || !hook_on)
		return;
	if (size > FLUSH_PAGES_MAX * SZ_4K) {
		mm_flush_all();
		return;
	}
	for (uint64_t off = 0; off < size; off += SZ_4K)
		invlpg(va + off);
}

static const struct pg_env guest_env = {
	.ctx = NULL,
	.table_ptr = env_table_ptr,
	.alloc_table = env_alloc_table,
	.free_table = env_free_table,
	.flush = env_flush,
};

uint64_t mm_alloc_frame(void)
{
	uint64_t pa = frame_alloc(&guest_frames);

	if (pa)
		memset(mm_dm(pa), 0, FRAME_SIZE);
	return pa;
}

void mm_free_frame(uint64_t pa)
{
	int rc = frame_free(&guest_frames, pa);

	if (rc)
		report_abort("frame_free(0x%llx): %s", (unsigned long long)pa,
			     err_name(rc));
}

void mm_flush_hook(bool on)
{
	hook_on = on;
}

void mm_flush_all(void)
{
	uint64_t cr4 = read_cr4();

	/* SDM 3A "Invalidation of TLBs and Paging-Structure Caches": a MOV
	 * to CR4 that changes PGE invalidates all TLB entries of all PCIDs,
	 * global ones included. Without PGE a CR3 reload does it. */
	if (cr4 & CR4_PGE) {
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
	} else {
		write_cr3(read_cr3());
	}
}

bool mm_pcid_on(void)
{
	return pcid_on;
}

bool mm_invpcid_ok(void)
{
	if (cpuid(0, 0).eax < 7)
		return false;
	return cpuid(7, 0).ebx & CPUID_7_EBX_INVPCID;
}

/* ------------------------------------------------------ Multiboot info */

static uint32_t rd32_pa(uint64_t pa)
{
	uint32_t v;

	memcpy(&v, mm_dm(pa), sizeof(v));
	return v;
}

static uint64_t rd64_pa(uint64_t pa)
{
	uint64_t v;

	memcpy(&v, mm_dm(pa), sizeof(v));
	return v;
}

static void add_region(uint64_t base, uint64_t len, uint32_t type)
{
	struct guest_bootinfo *b = &guest_boot;

	if (len == 0)
		return;
	if (b->nmap == GUEST_MAX_REGIONS)
		report_abort("Multiboot memory map: more than %u entries",
			     GUEST_MAX_REGIONS);
	/* Multiboot v1 and multiboot2 share the type numbers; anything
	 * unknown is treated as reserved. */
	if (type < MEM_AVAILABLE || type > MEM_BAD)
		type = MEM_RESERVED;
	b->map[b->nmap++] = (struct mem_region){ base, len, type };
	if (type == MEM_AVAILABLE && base + len > b->ram_top)
		b->ram_top = base + len;
}

static void parse_info(uint64_t info_pa)
{
	struct guest_bootinfo *b = &guest_boot;
	uint32_t flags;

	if (info_pa == 0 || info_pa + MB1_INFO_SIZE > GUEST_POOL_TOP)
		report_abort("EBX 0x%llx is not a Multiboot info address",
			     (unsigned long long)info_pa);
	b->info_pa = info_pa;
	flags = b->mb_flags = rd32_pa(info_pa + MB1_INFO_FLAGS);

	if (flags & MB1_INFO_MMAP) {
		uint64_t at = rd32_pa(info_pa + MB1_INFO_MMAP_ADDR);
		uint64_t end = at + rd32_pa(info_pa + MB1_INFO_MMAP_LEN);

		/* Each entry: size (not counting itself), base, length,
		 * type; the next entry starts size + 4 bytes later. */
		while (at + 24 <= end) {
			uint32_t size = rd32_pa(at);
			if (size < 20)
				report_abort("Multiboot mmap entry at 0x%llx: "
					     "size %u < 20",
					     (unsigned long long)at, size);
			add_region(rd64_pa(at + 4), rd64_pa(at + 12),
				   rd32_pa(at + 20));
			at += (uint64_t)size + 4;
		}
	} else if (flags & MB1_INFO_MEM) {
		add_region(0, (uint64_t)rd32_pa(info_pa + MB1_INFO_MEM_LOWER) * 1024,
			   MEM_AVAILABLE);
		add_region(0x100000,
			   (uint64_t)rd32_pa(info_pa + MB1_INFO_MEM_UPPER) * 1024,
			   MEM_AVAILABLE);
	}
	if (b->nmap == 0)
		report_abort("Multiboot info flags 0x%x: no memory map "
			     "(bit 6) and no mem_lower/mem_upper (bit 0)",
			     flags);
	if (flags & MB1_INFO_CMDLINE) {
		const char *s = mm_dm(rd32_pa(info_pa + MB1_INFO_CMDLINE_PTR));
		size_t n = 0;
		while (n + 1 < sizeof(b->cmdline) && s[n]) {
			b->cmdline[n] = s[n];
			n++;
		}
		b->cmdline[n] = '\0';
	}
}

/* Frames the pool must never hand out: the image (bss included), the
 * info block and everything it points to. */
static void reserve_boot_data(void)
{
	struct guest_bootinfo *b = &guest_boot;
	struct frame_pool *p = &guest_frames;
	uint32_t flags = b->mb_flags;

	frame_reserve(p, GUEST_PHYS, mm_kernel_pa(_bss_end) - GUEST_PHYS);
	frame_reserve(p, b->info_pa, MB1_INFO_SIZE);
	if (flags & MB1_INFO_MMAP)
		frame_reserve(p, rd32_pa(b->info_pa + MB1_INFO_MMAP_ADDR),
			      rd32_pa(b->info_pa + MB1_INFO_MMAP_LEN));
	if (flags & MB1_INFO_CMDLINE) {
		uint64_t cl = rd32_pa(b->info_pa + MB1_INFO_CMDLINE_PTR);
		frame_reserve(p, cl, strlen(mm_dm(cl)) + 1);
	}
	if (flags & MB1_INFO_MODS) {
		uint32_t n = rd32_pa(b->info_pa + MB1_INFO_MODS_COUNT);
		uint64_t m = rd32_pa(b->info_pa + MB1_INFO_MODS_ADDR);
		frame_reserve(p, m, (uint64_t)n * MB1_MOD_SIZE);
		for (uint32_t i = 0; i < n && i < 64; i++) {
			uint64_t s = rd32_pa(m + i * MB1_MOD_SIZE);
			uint64_t e = rd32_pa(m + i * MB1_MOD_SIZE + 4);
			if (e > s)
				frame_reserve(p, s, e - s);
		}
	}
}

static void init_pool(void)
{
	struct guest_bootinfo *b = &guest_boot;
	struct mem_region clip[GUEST_MAX_REGIONS];
	size_t n = 0;
	int rc;

	/* The pool covers only what the boot map reaches. */
	for (size_t i = 0; i < b->nmap; i++) {
		uint64_t base = b->map[i].base, end = base + b->map[i].len;
		if (base >= GUEST_POOL_TOP)
			continue;
		end = MIN(end, GUEST_POOL_TOP);
		clip[n++] = (struct mem_region){ base, end - base,
						 b->map[i].type };
	}
	uint64_t need = frame_bitmap_bytes(MIN(b->ram_top, GUEST_POOL_TOP));
	if (need > sizeof(frame_storage))
		report_abort("frame bitmap needs %llu bytes, have %zu",
			     (unsigned long long)need, sizeof(frame_storage));
	rc = frame_init(&guest_frames, clip, n, frame_storage,
			sizeof(frame_storage));
	if (rc)
		report_abort("frame_init: %s", err_name(rc));
	reserve_boot_data();
}

/* ------------------------------------------------------------- the space */

static void map_or_die(uint64_t va, uint64_t pa, uint64_t size, unsigned prot,
		       const char *what)
{
	int rc = pg_map(&guest_space, va, pa, size, prot);

	if (rc)
		report_abort("pg_map %s [0x%llx, +0x%llx) -> 0x%llx: %s", what,
			     (unsigned long long)va, (unsigned long long)size,
			     (unsigned long long)pa, err_name(rc));
}

static void map_kernel_range(const void *start, const void *end,
			     unsigned prot, const char *what)
{
	uint64_t va = (uint64_t)(uintptr_t)start;
	uint64_t size = (uint64_t)(uintptr_t)end - va;

	if (size)
		map_or_die(va, va - GUEST_VMA, size, prot | PG_PROT_GLOBAL,
			   what);
}

/* Direct map: RAM (and ACPI/NVS) regions, rounded out to pages, sorted
 * and merged so that neighbours sharing a page map once. */
static void map_direct(void)
{
	struct guest_bootinfo *b = &guest_boot;
	struct pg_range r[GUEST_MAX_REGIONS];
	size_t n = 0;

	for (size_t i = 0; i < b->nmap; i++) {
		const struct mem_region *m = &b->map[i];
		if (m->type != MEM_AVAILABLE && m->type != MEM_ACPI_RECLAIM &&
		    m->type != MEM_NVS)
			continue;
		uint64_t lo = ALIGN_DOWN(m->base, SZ_4K);
		uint64_t hi = ALIGN_UP(m->base + m->len, SZ_4K);
		size_t j = n++;
		while (j > 0 && r[j - 1].pa > lo) {    /* insertion sort */
			r[j] = r[j - 1];
			j--;
		}
		r[j] = (struct pg_range){ GUEST_DIRECT_MAP + lo, lo, hi - lo };
	}
	for (size_t i = 0; i < n; ) {
		uint64_t lo = r[i].pa, hi = r[i].pa + r[i].size;
		size_t j = i + 1;
		for (; j < n && r[j].pa <= hi; j++)
			hi = MAX(hi, r[j].pa + r[j].size);
		map_or_die(GUEST_DIRECT_MAP + lo, lo, hi - lo,
			   PG_PROT_R | PG_PROT_W | PG_PROT_GLOBAL,
			   "direct map");
		i = j;
	}
}

void mm_init(uint32_t magic, uint64_t info_pa)
{
	unsigned sizes = PG_SIZE_4K | PG_SIZE_2M;
	int rc;

	if (magic != MB1_BOOT_MAGIC)
		report_abort("EAX 0x%x at entry is not the Multiboot magic "
			     "0x%x", magic, MB1_BOOT_MAGIC);
	parse_info(info_pa);
	init_pool();

	if (cpuid(0x80000000, 0).eax >= 0x80000001 &&
	    (cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PAGE1GB))
		sizes |= PG_SIZE_1G;
	rc = pg_init(&guest_space, &pg_fmt_x86, &guest_env, sizes);
	if (rc)
		report_abort("pg_init: %s", err_name(rc));

	/* The kernel, per section. .boot holds the Multiboot header and the
	 * dead 32-bit stub: readable, never executed again. */
	map_kernel_range((void *)(uintptr_t)(GUEST_VMA + GUEST_PHYS),
			 _text_start, PG_PROT_R, ".boot");
	map_kernel_range(_text_start, _text_end, PG_PROT_R | PG_PROT_X,
			 ".text");
	map_kernel_range(_rodata_start, _rodata_end, PG_PROT_R, ".rodata");
	map_kernel_range(_data_start, _bss_end, PG_PROT_R | PG_PROT_W,
			 ".data/.bss");
	map_direct();

	/* Switch. The code, stack and data keep their higher-half
	 * addresses; the identity map (and with it the NULL page) is gone. */
	write_cr3(guest_space.root);
	live = true;
	write_cr4(read_cr4() | CR4_PGE);
	if (cpuid(1, 0).ecx & CPUID_1_ECX_PCID) {
		/* SDM 3A "Process-Context Identifiers": CR4.PCIDE may be set
		 * only in IA-32e mode with CR3[11:0] = 0. */
		write_cr4(read_cr4() | CR4_PCIDE);
		write_cr3(guest_space.root | GUEST_PCID);
		pcid_on = true;
	}

	printf("mm: RAM top 0x%llx, %zu map entries, %llu of %llu frames "
	       "free, %llu table pages, CR3 0x%llx, CR4 0x%llx (PGE on, "
	       "PCID %s)\n",
	       (unsigned long long)guest_boot.ram_top, guest_boot.nmap,
	       (unsigned long long)guest_frames.free,
	       (unsigned long long)guest_frames.total,
	       (unsigned long long)pg_table_pages(&guest_space),
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4(),
	       pcid_on ? "on" : "off (CPUID.1:ECX[17] = 0)");
}
