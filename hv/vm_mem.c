/*
 * Guest RAM and its EPT (see hv/vm.h). SDM revision 084, Vol. 3C
 * "EPT Translation Mechanism", "Invalidation of TLBs and Paging-Structure
 * Caches" (INVEPT after restricting or removing a translation).
 */
#include "hv/vm.h"
#include "hv/vm_pml.h"
#include "hv/vm_spp.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "hv/options.h"
#include "hv/host.h"
#include "hv/bootinfo.h"
#include "hv/memlayout.h"
#include "lib/console.h"
#include "lib/string.h"
#include "hv/run.h"
#include "include/err.h"
#include "hv/bench.h"
#include "include/x86.h"

/* Zero with REP STOSQ: one instruction, so Bochs runs it fast. */
static void zero_fast(void *p, uint64_t bytes)
{
	stosq(p, 0, bytes / 8);
}

static unsigned leaf_policy(void)
{
	uint64_t cap = vmx_caps.ept_vpid;
	unsigned cpu = PG_SIZE_4K | ((cap & EPT_CAP_2M_PAGES) ? PG_SIZE_2M : 0) |
		       ((cap & EPT_CAP_1G_PAGES) ? PG_SIZE_1G : 0);
	unsigned want;

	if (!(cap & EPT_CAP_1G_PAGES))
		printf("ept: CPU has no 1 GiB EPT pages: leaves up to 2 MiB\n");
	if (!(cap & EPT_CAP_2M_PAGES))
		printf("ept: CPU has no 2 MiB EPT pages: 4 KiB leaves only\n");
	switch (hv_opts.ept_leaf) {
	case PG_SIZE_4K: want = PG_SIZE_4K; break;
	case PG_SIZE_2M: want = PG_SIZE_4K | PG_SIZE_2M; break;
	case PG_SIZE_1G: want = PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G; break;
	default:         return cpu;
	}
	if (want & ~cpu) {
		printf("ept: ept_leaf=%s is not supported by this CPU "
		       "(IA32_VMX_EPT_VPID_CAP = 0x%llx)\n",
		       hv_opts.ept_leaf == PG_SIZE_1G ? "1g" : "2m",
		       (unsigned long long)cap);
		run_end(RUN_FAIL, "requested EPT leaf size not supported");
	}
	return want;
}

/* Back guest RAM with host runs: 1 GiB runs where the policy allows and a
 * naturally aligned GiB is free, else 2 MiB runs. */
static void vm_alloc_ram(struct vm *vm)
{
	uint64_t gpa = 0;
	bool warned = false;

	while (gpa < vm->ram_size) {
		uint64_t left = vm->ram_size - gpa, size = SZ_2M, hpa = 0;

		if ((vm->leaf_sizes & PG_SIZE_1G) && left >= SZ_1G &&
		    IS_ALIGNED(gpa, SZ_1G)) {
			hpa = frame_alloc_run(&hv_frames, SZ_1G);
			if (hpa)
				size = SZ_1G;
			else if (hv_opts.ept_leaf == PG_SIZE_1G) {
				printf("vm: ept_leaf=1g needs a free 1 GiB-aligned "
				       "host GiB (Bochs: megs >= 3072)\n");
				run_end(RUN_FAIL, "no 1 GiB host run");
			} else if (!warned) {
				printf("vm: no free 1 GiB-aligned host run: "
				       "backing with 2 MiB runs\n");
				warned = true;
			}
		}
		if (!hpa)
			hpa = frame_alloc_run(&hv_frames, SZ_2M);
		if (!hpa || vm->nchunks == VM_MAX_CHUNKS) {
			printf("vm: out of host memory for %llu MiB of guest RAM "
			       "(%llu MiB allocated)\n",
			       (unsigned long long)(vm->ram_size >> 20),
			       (unsigned long long)(gpa >> 20));
			run_end(RUN_FAIL, "guest RAM allocation failed");
		}
		/* Merge with the previous run when both are contiguous. */
		struct vm_chunk *prev = vm->nchunks ? &vm->chunk[vm->nchunks - 1]
						    : NULL;
		if (prev && prev->hpa + prev->size == hpa &&
		    prev->gpa + prev->size == gpa)
			prev->size += size;
		else
			vm->chunk[vm->nchunks++] = (struct vm_chunk){ gpa, hpa, size };
		uint64_t t0 = rdtsc();              /* docs/benchmarks.md */
		zero_fast(phys_to_virt(hpa), size);
		bench_boot.ram_zero_ticks += rdtsc() - t0;
		for (uint64_t off = 0; off < size; off += SZ_4K)
			vm->page[(gpa + off) >> 12] = (hpa + off) | VM_PG_BACKED;
		gpa += size;
	}
}

/* Build guest RAM from an empty EPT and an all-zero vm->page[]: in modes
 * off and buffer every page is backed (large leaves where the runs allow);
 * in mode full nothing is. For the built-in test guest the lazy page is
 * backed but left unmapped. */
static void vm_build(struct vm *vm)
{
	bool differ = false;
	int rc;

	vm->nchunks = 0;
	if (vm->demand != HC_DEMAND_FULL) {
		vm_alloc_ram(vm);
		for (size_t i = 0; i < vm->nchunks; i++) {
			struct vm_chunk *c = &vm->chunk[i];

			rc = vm_views_map(vm, c->gpa, c->hpa, c->size,
					  PG_PROT_ALL);
			if (rc)
				panic("ept_map gpa 0x%llx: %s",
				      (unsigned long long)c->gpa, err_name(rc));
			differ |= c->gpa != c->hpa;
		}
		if (!differ)
			panic("every guest page landed at GPA == HPA");
	}
	if (!vm->lazy_page || VM_LAZY_GPA + SZ_4K > vm->ram_size)
		return;
	/* The lazy page: known contents, unmapped until first touched. */
	if (vm->demand == HC_DEMAND_FULL) {
		rc = vm_back_page(vm, VM_LAZY_GPA);
		if (rc)
			panic("backing the lazy page: %s", err_name(rc));
	}
	*(volatile uint32_t *)phys_to_virt(vm_gpa_to_hpa(vm, VM_LAZY_GPA)) =
		VM_LAZY_MAGIC;
	rc = vm_views_unmap(vm, VM_LAZY_GPA, SZ_4K);
	if (rc)
		panic("unmapping the lazy page: %s", err_name(rc));
	vm->page[VM_LAZY_GPA >> 12] |= VM_PG_LAZY;
}

void vm_mem_init(struct vm *vm, uint64_t ram_size)
{
	bool ad = vmx_caps.ept_vpid & EPT_CAP_AD;
	uint64_t bytes;

	if (!ram_size || !IS_ALIGNED(ram_size, SZ_2M))
		panic("vm_mem_init: guest RAM size 0x%llx is not a multiple "
		      "of 2 MiB", (unsigned long long)ram_size);
	vm->ram_size = ram_size;
	vm->demand = hv_opts.demand;
	/* Only the built-in test guest (hv/testguest.asm) expects the lazy
	 * page; a module guest gets RAM without holes. (guest=auto with no
	 * module never gets here: hv/vmm.c ends the run first.) */
	vm->lazy_page = hv_opts.guest == OPT_GUEST_BUILTIN;
	vm->leaf_sizes = leaf_policy();
	if (!ad)
		printf("ept: CPU has no EPT accessed/dirty flags: EPTP bit 6 "
		       "clear\n");
	vm_views_init(vm, vm->leaf_sizes, ad);
	vm_spp_init(vm);

	/* vm->page[]: one word per guest page, in one run of frames. */
	bytes = SZ_4K;
	while (bytes < (ram_size >> 12) * sizeof(uint64_t))
		bytes <<= 1;
	vm->page_pa = frame_alloc_run(&hv_frames, bytes);
	if (!vm->page_pa)
		run_end(RUN_FAIL, "no host memory for the guest page table");
	vm->page_bytes = bytes;
	vm->page = phys_to_virt(vm->page_pa);
	zero_fast(vm->page, bytes);

	vm_build(vm);
	vm_ept_state_clear(vm);
	/* Live from here on: every later unmap, protect or split runs INVEPT
	 * (the guest is launched only after this). */
	vm_views_go_live(vm);
	bench_note_ept(vm);        /* tables before any scenario (bench) */

	if (vm->demand == HC_DEMAND_FULL)
		printf("vm: guest RAM %llu MiB, demand=full: no page backed "
		       "yet, each is backed by a zeroed 4 KiB frame on first "
		       "touch; EPT leaves%s%s%s, EPTP 0x%llx\n",
		       (unsigned long long)(ram_size >> 20),
		       (vm->leaf_sizes & PG_SIZE_4K) ? " 4K" : "",
		       (vm->leaf_sizes & PG_SIZE_2M) ? " 2M" : "",
		       (vm->leaf_sizes & PG_SIZE_1G) ? " 1G" : "",
		       (unsigned long long)ept_eptp(vm_ept0(vm)));
	else
		printf("vm: guest RAM %llu MiB in %zu host run(s); GPA 0x0 -> "
		       "HPA 0x%llx (GPA != HPA); EPT leaves%s%s%s, %llu table "
		       "pages, EPTP 0x%llx\n",
		       (unsigned long long)(ram_size >> 20), vm->nchunks,
		       (unsigned long long)vm->chunk[0].hpa,
		       (vm->leaf_sizes & PG_SIZE_4K) ? " 4K" : "",
		       (vm->leaf_sizes & PG_SIZE_2M) ? " 2M" : "",
		       (vm->leaf_sizes & PG_SIZE_1G) ? " 1G" : "",
		       (unsigned long long)pg_table_pages(&vm_ept0(vm)->space),
		       (unsigned long long)ept_eptp(vm_ept0(vm)));
	if (vm_is_lazy(vm, VM_LAZY_GPA))
		printf("vm: lazy page at GPA 0x%llx left unmapped; ",
		       (unsigned long long)VM_LAZY_GPA);
	else
		printf("vm: ");
	printf("GPAs >= 0x%llx unmapped; %llu host frames free\n",
	       (unsigned long long)ram_size,
	       (unsigned long long)hv_frames.free);
}

int vm_mem_reset(struct vm *vm)
{
	uint64_t npages = vm->ram_size >> 12;
	int rc;

	/* The views the guest made go (the vCPU's VMCS is set up afresh),
	 * with dirty logging and sub-page permissions. Then every leaf of
	 * view 0 goes and every table but the root is freed; the flush hook
	 * runs INVEPT. The EPTP stays valid. */
	vm_views_reset(vm);
	vm_dirty_reset(vm);
	vm_spp_reset(vm);
	rc = ept_unmap(vm_ept0(vm), 0, vm->ram_size);
	if (rc)
		panic("vm_mem_reset: ept_unmap: %s", err_name(rc));
	for (uint64_t p = 0; p < npages; p++) {
		if (vm->page[p] & VM_PG_BACKED)
			hv_frame_free(vm->page[p] & VM_PG_ADDR);
		vm->page[p] = 0;
	}
	/* Only the root is left, unless mappings outside RAM hold tables. */
	if (!vm->ncommon && pg_table_pages(&vm_ept0(vm)->space) != 1)
		panic("vm_mem_reset: %llu EPT tables left after unmapping all",
		      (unsigned long long)pg_table_pages(&vm_ept0(vm)->space));
	vm_build(vm);
	vm_view_invept(&vm->view[0]);
	vm_ept_state_clear(vm);     /* counters from zero, after that flush */
	return 0;
}

uint64_t vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa)
{
	uint64_t e;

	if (gpa >= vm->ram_size)
		return ~0ULL;
	e = vm->page[gpa >> 12];
	if (!(e & VM_PG_BACKED))
		return ~0ULL;
	return (e & VM_PG_ADDR) | (gpa & (SZ_4K - 1));
}

int vm_back_page(struct vm *vm, uint64_t gpa)
{
	uint64_t hpa = frame_alloc(&hv_frames);   /* next-fit: O(1) typical */
	int rc;

	if (!hpa)
		return -ENOMEM;
	zero_fast(phys_to_virt(hpa), SZ_4K);
	rc = vm_views_map(vm, gpa, hpa, SZ_4K, PG_PROT_ALL);
	if (rc) {
		hv_frame_free(hpa);
		return rc;
	}
	vm->page[gpa >> 12] = hpa | VM_PG_BACKED;
	return 0;
}

int vm_ensure_mapped(struct vm *vm, uint64_t gpa, uint64_t size)
{
	for (uint64_t a = gpa; a - gpa < size; a += SZ_4K) {
		uint64_t *e = &vm->page[a >> 12];
		int rc;

		if (!(*e & VM_PG_BACKED)) {
			rc = vm_back_page(vm, a);
		} else if (*e & (VM_PG_LAZY | VM_PG_NOACCESS)) {
			rc = vm_views_map(vm, a, *e & VM_PG_ADDR, SZ_4K,
					  PG_PROT_ALL);
			if (!rc)
				*e &= ~(VM_PG_LAZY | VM_PG_NOACCESS);
		} else {
			continue;
		}
		if (rc)
			return rc;
	}
	return 0;
}

enum { VM_COPY_TO, VM_COPY_FROM, VM_COPY_ZERO };

/* Run op over [gpa, gpa+len) one guest page at a time. */
static int vm_copy(struct vm *vm, uint64_t gpa, void *buf, size_t len,
		   int op)
{
	uint8_t *b = buf;

	if (!vm_range_ok(vm, gpa, len))
		return -EFAULT;
	while (len) {
		uint64_t off = gpa & (SZ_4K - 1), e = vm->page[gpa >> 12];
		size_t n = MIN(len, SZ_4K - off);
		int rc;

		if (!(e & VM_PG_BACKED) && op == VM_COPY_TO) {
			rc = vm_back_page(vm, gpa - off);
			if (rc)
				return rc == -ENOMEM ? -ENOMEM : -EFAULT;
			e = vm->page[gpa >> 12];
		}
		if (e & VM_PG_BACKED) {
			void *p = phys_to_virt((e & VM_PG_ADDR) + off);

			if (op != VM_COPY_FROM) {
				rc = vm_mark_dirty(vm, gpa, n);
				if (rc)
					return rc;
			}
			if (op == VM_COPY_TO)
				memcpy(p, b, n);
			else if (op == VM_COPY_FROM)
				memcpy(b, p, n);
			else
				memset(p, 0, n);
		} else if (op == VM_COPY_FROM) {
			memset(b, 0, n);      /* a lazy page reads as zeros */
		}
		if (b)
			b += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len)
{
	return vm_copy(vm, gpa, (void *)src, len, VM_COPY_TO);
}

int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len)
{
	return vm_copy(vm, gpa, dst, len, VM_COPY_FROM);
}

int vm_zero(struct vm *vm, uint64_t gpa, size_t len)
{
	return vm_copy(vm, gpa, NULL, len, VM_COPY_ZERO);
}

bool vm_range_has(const struct vm *vm, uint64_t gpa, uint64_t size,
		  uint64_t flags)
{
	for (uint64_t a = gpa; a - gpa < size; a += SZ_4K)
		if (vm->page[a >> 12] & flags)
			return true;
	return false;
}

bool vm_is_lazy(const struct vm *vm, uint64_t gpa)
{
	return gpa < vm->ram_size && (vm->page[gpa >> 12] & VM_PG_LAZY);
}

int vm_map_lazy(struct vm *vm)
{
	uint64_t *e = &vm->page[VM_LAZY_GPA >> 12];
	int rc = vm_views_map(vm, VM_LAZY_GPA, *e & VM_PG_ADDR, SZ_4K,
			      PG_PROT_ALL);

	if (!rc)
		*e &= ~VM_PG_LAZY;
	return rc;
}
