/*
 * The hypervisor's own memory (hv/host.h), built once at boot:
 *
 * 1. The frame pool: one bitmap over every frame below the highest byte of
 *    available RAM, stored in a run of free RAM below 4 GiB. The image, the
 *    multiboot2 information, the modules and the bitmap are reserved.
 * 2. The host address space, with the one paging engine and the x86-64
 *    format (mm/pt_x86.h):
 *      - every available-RAM region at DIRECT_MAP_BASE + pa, RW + NX,
 *        largest leaf that alignment allows inside the region (1 GiB only
 *        with CPUID.80000001H:EDX.Page1GB); a leaf never crosses a region
 *        edge, so it never spans memory of two types (SDM rev. 084, Vol. 3A
 *        "Large Page Size Considerations"); MMIO and holes stay unmapped;
 *      - the image at KERNEL_VMA + pa, section by section: text R-X,
 *        rodata R + NX, data/bss/stacks RW + NX, stack guard pages absent;
 *      - nothing below the canonical hole: the NULL page and the boot
 *        identity map are gone once CR3 switches.
 * 3. A boot report (frame totals, table pages per level next to the
 *    minimum from pg_min_tables) and a self-check of the protections.
 */
#include "hv/host.h"
#include "mm/pt_x86.h"
#include "hv/cpu.h"
#include "hv/extable.h"
#include "hv/memlayout.h"
#include "lib/console.h"
#include "lib/string.h"
#include "hv/run.h"
#include "include/err.h"
#include "include/x86.h"

struct frame_pool hv_frames;
struct pg_space hv_space;

/* Until CR3 switches, tables are reached through the boot direct map,
 * which covers only the first BOOT_MAP_SIZE bytes. */
static bool tables_live;

/* Above this many pages a flush reloads the whole TLB instead. */
#define FLUSH_INVLPG_MAX  64

/* ------------------------------------------------------------ frames */

uint64_t hv_frame_alloc_zeroed(void)
{
	uint64_t pa = frame_alloc(&hv_frames);

	if (!pa)
		return 0;
	if (!tables_live && pa + FRAME_SIZE > BOOT_MAP_SIZE)
		panic("frame 0x%lx is beyond the boot map; RAM below 4 GiB is "
		      "exhausted", pa);
	memset(phys_to_virt(pa), 0, FRAME_SIZE);
	return pa;
}

void hv_frame_free(uint64_t pa)
{
	int err = frame_free(&hv_frames, pa);

	if (err)
		panic("frame_free(0x%lx): %s", pa, err_name(err));
}

/* ------------------------------------------------------------ env */

static void *env_table_ptr(void *ctx, uint64_t pa)
{
	if (!tables_live && pa + PG_TABLE_SIZE > BOOT_MAP_SIZE)
		return NULL;
	return phys_to_virt(pa);
}

static uint64_t env_alloc_table(void *ctx)
{
	return hv_frame_alloc_zeroed();
}

static void env_free_table(void *ctx, uint64_t pa)
{
	hv_frame_free(pa);
}

static void env_flush(void *ctx, uint64_t va, uint64_t size)
{
	uint64_t cr4, off;

	if (!tables_live)
		return;
	if (size > FLUSH_INVLPG_MAX * SZ_4K) {
		/* Toggling CR4.PGE flushes global entries too (SDM Vol. 3A
		 * "Invalidation of TLBs and Paging-Structure Caches"). */
		cr4 = read_cr4();
		write_cr4(cr4 & ~CR4_PGE);
		write_cr4(cr4);
		return;
	}
	for (off = 0; off < size; off += SZ_4K)
		invlpg(va + off);
}

static const struct pg_env hv_env = {
	.ctx = NULL,
	.table_ptr = env_table_ptr,
	.alloc_table = env_alloc_table,
	.free_table = env_free_table,
	.flush = env_flush,
};

/* ------------------------------------------------------------ the plan */

struct hm_range {
	const char *name;
	uint64_t va, pa, size;
	unsigned prot;
};

#define HM_MAX_RANGES  (BOOT_MAX_REGIONS + 8)
static struct hm_range plan[HM_MAX_RANGES];
static size_t nplan;
static struct pg_range plan_pg[HM_MAX_RANGES];

static void plan_add(const char *name, uint64_t va, uint64_t pa,
		     uint64_t size, unsigned prot)
{
	if (!size)
		return;
	if (nplan == HM_MAX_RANGES)
		panic("too many ranges to map (%d)", HM_MAX_RANGES);
	plan[nplan++] = (struct hm_range){ name, va, pa, size, prot };
}

/* Available RAM, page-aligned inward, sorted, adjacent runs merged. */
static size_t ram_ranges(const struct boot_info *bi, struct mem_region *out)
{
	size_t n = 0, i, j;

	for (i = 0; i < bi->nmap; i++) {
		uint64_t lo = ALIGN_UP(bi->map[i].base, SZ_4K);
		uint64_t hi = ALIGN_DOWN(bi->map[i].base + bi->map[i].len, SZ_4K);

		if (bi->map[i].type != MEM_AVAILABLE || hi <= lo)
			continue;
		for (j = n; j > 0 && out[j - 1].base > lo; j--)
			out[j] = out[j - 1];
		out[j] = (struct mem_region){ lo, hi - lo, MEM_AVAILABLE };
		n++;
	}
	for (i = 0, j = 0; i < n; i++) {
		if (j && out[i].base <= out[j - 1].base + out[j - 1].len) {
			uint64_t end = MAX(out[j - 1].base + out[j - 1].len,
					   out[i].base + out[i].len);
			out[j - 1].len = end - out[j - 1].base;
		} else {
			out[j++] = out[i];
		}
	}
	return j;
}

/* ------------------------------------------------------------ bitmap */

struct span { uint64_t lo, hi; };

/* First page-aligned run of bytes in available RAM below 4 GiB (and above
 * 1 MiB) that overlaps none of the spans in avoid. */
static uint64_t carve(const struct mem_region *ram, size_t nram,
		      const struct span *avoid, size_t navoid, uint64_t bytes)
{
	size_t i, k;

	for (i = 0; i < nram; i++) {
		uint64_t end = MIN(ram[i].base + ram[i].len, BOOT_MAP_SIZE);
		uint64_t cand = ALIGN_UP(MAX(ram[i].base, 0x100000ULL), SZ_4K);
		bool moved = true;

		while (moved && cand + bytes <= end) {
			moved = false;
			for (k = 0; k < navoid; k++) {
				if (cand < avoid[k].hi && avoid[k].lo < cand + bytes) {
					cand = ALIGN_UP(avoid[k].hi, SZ_4K);
					moved = true;
				}
			}
		}
		if (!moved && cand + bytes <= end)
			return cand;
	}
	return 0;
}

static void frames_init(const struct boot_info *bi,
			const struct mem_region *ram, size_t nram)
{
	struct span avoid[3 + BOOT_MAX_MODULES];
	uint64_t top = 0, bytes, storage, img_lo, img_hi;
	size_t navoid = 0, i;
	int err;

	img_lo = KERNEL_PHYS;
	img_hi = virt_to_phys(__image_end);
	avoid[navoid++] = (struct span){ img_lo, img_hi };
	avoid[navoid++] = (struct span){ bi->mbi_pa, bi->mbi_pa + bi->mbi_size };
	for (i = 0; i < bi->nmod; i++)
		avoid[navoid++] = (struct span){ bi->mod[i].start, bi->mod[i].end };

	for (i = 0; i < nram; i++)
		top = MAX(top, ram[i].base + ram[i].len);
	bytes = ALIGN_UP(frame_bitmap_bytes(top), SZ_4K);
	storage = carve(ram, nram, avoid, navoid, bytes);
	if (!storage)
		panic("no free run of 0x%lx bytes below 4 GiB for the frame "
		      "bitmaps", bytes);

	err = frame_init(&hv_frames, bi->map, bi->nmap, phys_to_virt(storage),
			 bytes);
	if (err)
		panic("frame_init: %s (the firmware memory map was rejected)",
		      err_name(err));
	for (i = 0; i < navoid; i++)
		frame_reserve(&hv_frames, avoid[i].lo, avoid[i].hi - avoid[i].lo);
	frame_reserve(&hv_frames, storage, bytes);

	printf("frames: bitmap %lu KiB at 0x%lx covers 0x%lx bytes "
	       "(%lu frames)\n", bytes >> 10, storage,
	       (uint64_t)(hv_frames.nframes * FRAME_SIZE), hv_frames.nframes);
	printf("frames: reserved image [0x%lx-0x%lx), mbi [0x%lx-0x%lx), "
	       "%lu module(s)\n", img_lo, img_hi, bi->mbi_pa,
	       bi->mbi_pa + bi->mbi_size, (uint64_t)bi->nmod);
}

/* ------------------------------------------------------------ tables */

static void plan_image(void)
{
	static const struct {
		const char *name;
		char *lo, *hi;
		unsigned prot;
	} sec[] = {
		{ "text",      __text_start,        __text_end,       PG_PROT_R | PG_PROT_X },
		{ "rodata",    __rodata_start,      __rodata_end,     PG_PROT_R },
		{ "data",      __data_start,        __data_end,       PG_PROT_R | PG_PROT_W },
		{ "bss",       __bss_start,         __bss_end,        PG_PROT_R | PG_PROT_W },
		{ "stack",     __stack_main_bottom, __stack_main_top, PG_PROT_R | PG_PROT_W },
		{ "ist1-df",   __stack_df_bottom,   __stack_df_top,   PG_PROT_R | PG_PROT_W },
		{ "ist2-nmi",  __stack_nmi_bottom,  __stack_nmi_top,  PG_PROT_R | PG_PROT_W },
		{ "ist3-mc",   __stack_mc_bottom,   __stack_mc_top,   PG_PROT_R | PG_PROT_W },
		{ "exitstk",   __stack_exit_bottom, __stack_exit_top, PG_PROT_R | PG_PROT_W },
	};
	size_t i;

	if (__stack_main_top - __stack_main_bottom != STACK_SIZE ||
	    __stack_df_top - __stack_df_bottom != IST_STACK_SIZE ||
	    __stack_nmi_top - __stack_nmi_bottom != IST_STACK_SIZE ||
	    __stack_mc_top - __stack_mc_bottom != IST_STACK_SIZE ||
	    __stack_exit_top - __stack_exit_bottom != STACK_SIZE)
		panic("hv/linker.ld stack sizes differ from hv/memlayout.h");

	for (i = 0; i < ARRAY_SIZE(sec); i++) {
		uint64_t va = (uint64_t)(uintptr_t)sec[i].lo;

		plan_add(sec[i].name, va, virt_to_phys(sec[i].lo),
			 (uint64_t)(sec[i].hi - sec[i].lo),
			 sec[i].prot | PG_PROT_GLOBAL);
	}
}

/*
 * The direct map of one RAM region: RW + NX, except the frames of the
 * image's .text and .rodata, which are read-only there too, so that no
 * mapping of the hypervisor's code or constants is writable (W^X holds for
 * every alias, not just the image mapping). They lie in the first 2 MiB,
 * which uses 4 KiB leaves anyway, so the split costs no table page.
 */
static void plan_direct(uint64_t base, uint64_t len)
{
	const unsigned rw = PG_PROT_R | PG_PROT_W | PG_PROT_GLOBAL;
	uint64_t ro_lo = virt_to_phys(__text_start);
	uint64_t ro_hi = virt_to_phys(__rodata_end);
	uint64_t end = base + len;
	uint64_t lo = MAX(base, ro_lo), hi = MIN(end, ro_hi);

	if (lo >= hi) {                         /* no overlap */
		plan_add("direct", DIRECT_MAP_BASE + base, base, len, rw);
		return;
	}
	if (base < lo)
		plan_add("direct", DIRECT_MAP_BASE + base, base, lo - base, rw);
	plan_add("direct-ro", DIRECT_MAP_BASE + lo, lo, hi - lo,
		 PG_PROT_R | PG_PROT_GLOBAL);
	if (hi < end)
		plan_add("direct", DIRECT_MAP_BASE + hi, hi, end - hi, rw);
}

/* The host's local APIC page, uncached, when IA32_APIC_BASE says xAPIC
 * mode (hv/host_irq.c masks its LVTs; in x2APIC mode it uses MSRs). */
static void plan_lapic(void)
{
	uint64_t base;

	if (!(cpuid(1, 0).edx & BIT(9)))        /* CPUID.1:EDX.APIC */
		return;
	base = rdmsr(MSR_IA32_APIC_BASE);
	if ((base & BIT(11)) && !(base & BIT(10)))
		plan_add("lapic", HOST_LAPIC_VA, base & GENMASK(51, 12), SZ_4K,
			 PG_PROT_R | PG_PROT_W | PG_PROT_UC | PG_PROT_GLOBAL);
}

static const char *prot_str(unsigned prot)
{
	static char s[4];

	s[0] = prot & PG_PROT_R ? 'R' : '-';
	s[1] = prot & PG_PROT_W ? 'W' : '-';
	s[2] = prot & PG_PROT_X ? 'X' : '-';
	return s;
}

static void build_space(const struct mem_region *ram, size_t nram)
{
	static const char *const lvl_name[PG_LEVELS] = { "PML4", "PDPT", "PD", "PT" };
	uint64_t min_lvl[PG_LEVELS], min_total, total;
	unsigned sizes = PG_SIZE_4K | PG_SIZE_2M;
	size_t i;
	int err;

	if (cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_PAGE1GB)
		sizes |= PG_SIZE_1G;

	nplan = 0;
	for (i = 0; i < nram; i++)
		plan_direct(ram[i].base, ram[i].len);
	plan_image();
	plan_lapic();

	err = pg_init(&hv_space, &pg_fmt_x86, &hv_env, sizes);
	if (err)
		panic("pg_init: %s", err_name(err));
	printf("host map: leaf sizes 4K 2M%s\n",
	       sizes & PG_SIZE_1G ? " 1G" : " (no 1G: CPUID.80000001H:EDX[26] = 0)");
	for (i = 0; i < nplan; i++) {
		const struct hm_range *r = &plan[i];

		err = pg_map(&hv_space, r->va, r->pa, r->size, r->prot);
		if (err)
			panic("pg_map %s [0x%lx+0x%lx) -> 0x%lx: %s", r->name,
			      r->va, r->size, r->pa, err_name(err));
		printf("  %-8s 0x%016lx-0x%016lx -> pa 0x%09lx %s\n", r->name,
		       r->va, r->va + r->size - 1, r->pa, prot_str(r->prot));
		plan_pg[i] = (struct pg_range){ r->va, r->pa, r->size };
	}

	min_total = pg_min_tables(&pg_fmt_x86, hv_space.leaf_sizes, plan_pg,
				  nplan, min_lvl);
	total = pg_table_pages(&hv_space);
	printf("page tables:");
	for (i = 0; i < PG_LEVELS; i++)
		printf(" %s %lu,", lvl_name[i], hv_space.tables[i]);
	printf(" total %lu\n", total);
	printf("page tables (computed minimum):");
	for (i = 0; i < PG_LEVELS; i++)
		printf(" %s %lu,", lvl_name[i], min_lvl[i]);
	printf(" total %lu\n", min_total);
	for (i = 0; i < PG_LEVELS; i++)
		if (hv_space.tables[i] != min_lvl[i])
			break;
	if (i < PG_LEVELS || total != min_total) {
		printf("page tables: MISMATCH with the computed minimum\n");
		run_end(RUN_FAIL, "host page tables are not the computed minimum");
	}
	printf("page tables: equal to the computed minimum\n");
}

static void switch_space(void)
{
	if (!(cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_NX))
		panic("this CPU has no NX (CPUID.80000001H:EDX.NX[bit 20] = 0)");
	wrmsr(MSR_IA32_EFER, rdmsr(MSR_IA32_EFER) | EFER_NXE);
	write_cr0(read_cr0() | CR0_WP);
	write_cr4(read_cr4() | CR4_PGE);
	write_cr3(hv_space.root);
	tables_live = true;
	printf("host map: CR3 = 0x%lx; boot identity map dropped\n",
	       hv_space.root);
}

/* ------------------------------------------------------------ self-check */

static void expect_fault(int err, const char *what, const char *fail_why)
{
	if (!err) {
		printf("selfcheck: %s did NOT fault\n", what);
		run_end(RUN_FAIL, fail_why);
	}
	printf("selfcheck: %s faulted as expected (%s, error 0x%lx, "
	       "CR2 0x%lx)\n", what, exception_name(extable_last.vector),
	       extable_last.error, extable_last.cr2);
}

static void selfcheck(void)
{
	uint8_t v = 0;

	/* Write back the byte that is there, so a missing fault changes
	 * nothing but the verdict. */
	if (probe_read8(__text_start, &v))
		panic("cannot read our own .text at %p", (void *)__text_start);
	expect_fault(probe_write8(__text_start, v), "W^X text write",
		     "selfcheck: .text is writable");
	expect_fault(probe_write8(phys_to_virt(virt_to_phys(__text_start)), v),
		     "direct-map alias of .text write",
		     "selfcheck: .text is writable through the direct map");
	expect_fault(probe_read8((void *)((uintptr_t)__stack_exit_bottom - 1), &v),
		     "VM-exit stack guard-page read",
		     "selfcheck: the VM-exit stack guard page is mapped");
	expect_fault(probe_read8(NULL, &v), "NULL read",
		     "selfcheck: the NULL page is mapped");
	expect_fault(probe_read8((void *)KERNEL_PHYS, &v),
		     "identity-map read at 0x100000",
		     "selfcheck: the boot identity map is still present");
	expect_fault(probe_read8((void *)((uintptr_t)__stack_main_bottom - 1), &v),
		     "stack guard-page read",
		     "selfcheck: the stack guard page is mapped");
}

void host_mm_init(struct boot_info *bi)
{
	static struct mem_region ram[BOOT_MAX_REGIONS];
	size_t nram = ram_ranges(bi, ram);

	if (!nram)
		panic("the memory map has no available RAM");
	frames_init(bi, ram, nram);
	build_space(ram, nram);
	switch_space();
	printf("frames: %lu available (%lu MiB), %lu reserved at init, "
	       "%lu free (%lu MiB) after page tables\n",
	       hv_frames.total, (uint64_t)(hv_frames.total * FRAME_SIZE) >> 20,
	       hv_frames.reserved_cnt, hv_frames.free,
	       (uint64_t)(hv_frames.free * FRAME_SIZE) >> 20);
	selfcheck();
}
