/*
 * Sub-page write permissions (see hv/vm_spp.h, hv/spp.h). SDM revision
 * 084, Vol. 3C "Sub-Page Write Permissions", "Exit Qualification for
 * SPP-Related Events".
 *
 * A page under SPP: in every view whose leaf had W, the leaf is a 4 KiB
 * leaf with W = 0 and SPP (bit 61), and VM_PG_WHELD records that W is
 * held; the SPP table's leaf for the page says which 128-byte sub-pages
 * may be written. A write to a writable sub-page completes without an
 * exit; one to another sub-page is an EPT violation, decoded here and
 * answered with #GP(0).
 */
#include "hv/vm_spp.h"
#include "hv/vm.h"
#include "hv/vcpu.h"
#include "hv/exit.h"
#include "hv/host.h"
#include "hv/memlayout.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_exitinfo.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "hv/run.h"
#include "include/err.h"

#define SPP_REPORT_MAX 8

static void *spp_table_ptr(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

static uint64_t spp_alloc(void *ctx)
{
	return hv_frame_alloc_zeroed();
}

static void spp_free_table(void *ctx, uint64_t pa)
{
	hv_frame_free(pa);
}

static const struct pg_env spp_env = {
	.table_ptr = spp_table_ptr, .alloc_table = spp_alloc,
	.free_table = spp_free_table,
};

void vm_spp_init(struct vm *vm)
{
	int rc;

	if (!vmx_proc2_allowed(&vmx_caps, PROC2_SUBPAGE_WRITE_PERM)) {
		printf("spp: CPU lacks sub-page write permissions (secondary "
		       "control bit 23): HC_SPP_SET returns -EOPNOTSUPP\n");
		return;
	}
	rc = spp_init(&vm->spp.table, &spp_env);
	if (rc)
		panic("SPP table: %s", err_name(rc));
}

void vm_spp_reset(struct vm *vm)
{
	if (!vm->spp.table.root)
		return;
	spp_destroy(&vm->spp.table);
	vm->spp.nlazy = 0;
	vm_spp_init(vm);
}

uint64_t vm_spptp(const struct vm *vm)
{
	return vm->spp.table.root;
}

static int lazy_find(const struct vm *vm, uint64_t page)
{
	for (unsigned i = 0; i < vm->spp.nlazy; i++)
		if (vm->spp.lazy[i].gpa == page)
			return (int)i;
	return -1;
}

static void lazy_drop(struct vm *vm, int i)
{
	if (i >= 0)
		vm->spp.lazy[i] = vm->spp.lazy[--vm->spp.nlazy];
}

/* SPP off for page: W back in the views that had it, the SPP bit gone. */
static int spp_clear(struct vm *vm, uint64_t page)
{
	uint64_t *e = &vm->page[page >> 12];

	for (unsigned i = 0; i < VM_VIEWS; i++) {
		struct vm_view *w = &vm->view[i];
		struct pg_xlate x;
		unsigned prot;
		int rc;

		if (!w->live || ept_translate(&w->ept, page, &x))
			continue;
		prot = (x.prot & ~PG_PROT_SPP) |
		       ((*e & VM_PG_WHELD(i)) ? PG_PROT_W : 0);
		rc = ept_protect(&w->ept, page, SZ_4K, prot);
		if (rc)
			return rc;
		*e &= ~VM_PG_WHELD(i);
	}
	*e &= ~VM_PG_SPP;
	lazy_drop(vm, lazy_find(vm, page));
	return 0;
}

/* SPP on for page: in each view whose leaf has W, a 4 KiB leaf with W = 0
 * and the SPP bit (one page: the engine splits a large leaf). */
static int spp_arm(struct vm *vm, uint64_t page)
{
	uint64_t *e = &vm->page[page >> 12];

	for (unsigned i = 0; i < VM_VIEWS; i++) {
		struct vm_view *w = &vm->view[i];
		struct pg_xlate x;
		int rc;

		if (!w->live || ept_translate(&w->ept, page, &x) ||
		    !(x.prot & PG_PROT_W))
			continue;
		rc = ept_protect(&w->ept, page, SZ_4K,
				 (x.prot & ~PG_PROT_W) | PG_PROT_SPP);  /* INVEPT */
		if (rc)
			return rc;
		*e |= VM_PG_WHELD(i);
	}
	*e |= VM_PG_SPP;
	return 0;
}

int64_t vm_hc_spp_set(struct vm *vm, uint64_t gpa, uint64_t writable,
		      uint64_t flags)
{
	uint64_t *e;
	int rc;

	if (!vm->spp.table.root)
		return -EOPNOTSUPP;
	if ((flags & ~(uint64_t)(HC_SPP_CLEAR | HC_SPP_LAZY)) ||
	    writable > 0xFFFFFFFFULL)
		return -EINVAL;
	rc = vm_check_pages(vm, gpa, SZ_4K);
	if (rc)
		return rc;
	e = &vm->page[gpa >> 12];
	if (flags & HC_SPP_CLEAR)
		return (*e & VM_PG_SPP) ? spp_clear(vm, gpa) : 0;
	/* Write tracking holds W already. */
	if ((*e & VM_PG_TRACKED) ||
	    (vm->dirty.backend == HC_DIRTY_WP && gpa >= vm->dirty.lo &&
	     gpa < vm->dirty.hi))
		return -EBUSY;
	rc = vm_ensure_mapped(vm, gpa, SZ_4K);
	if (rc)
		return rc;
	if (flags & HC_SPP_LAZY) {
		/* An SPPT miss needs a missing table on the page's path. */
		if ((*e & VM_PG_SPP) || spp_path_exists(&vm->spp.table, gpa))
			return -EBUSY;
		for (unsigned i = 0; i < vm->spp.nlazy; i++)
			if (ALIGN_DOWN(vm->spp.lazy[i].gpa, SZ_2M) ==
			    ALIGN_DOWN(gpa, SZ_2M))
				return -EBUSY;
		if (vm->spp.nlazy == VM_SPP_LAZY_MAX)
			return -ENOSPC;
		vm->spp.lazy[vm->spp.nlazy].gpa = gpa;
		vm->spp.lazy[vm->spp.nlazy++].writable = (uint32_t)writable;
	} else {
		rc = spp_set(&vm->spp.table, gpa, (uint32_t)writable);
		if (rc)
			return rc;
		lazy_drop(vm, lazy_find(vm, gpa));
		/* The path now exists for the whole 2 MiB block: a lazy page
		 * there can no longer miss, so its leaf is written now. */
		for (unsigned i = 0; i < vm->spp.nlazy;) {
			if (ALIGN_DOWN(vm->spp.lazy[i].gpa, SZ_2M) !=
			    ALIGN_DOWN(gpa, SZ_2M)) {
				i++;
				continue;
			}
			rc = spp_set(&vm->spp.table, vm->spp.lazy[i].gpa,
				     vm->spp.lazy[i].writable);
			if (rc)
				return rc;
			lazy_drop(vm, (int)i);
		}
		if (*e & VM_PG_SPP) {
			/* New permissions for a protected page: the CPU may
			 * hold the old ones with the translation. */
			for (unsigned i = 0; i < VM_VIEWS; i++)
				if (vm->view[i].live)
					vm_view_invept(&vm->view[i]);
			return 0;
		}
	}
	return spp_arm(vm, gpa);
}

const char *vm_spp_explain(struct vm *vm, uint64_t gpa, uint64_t qual)
{
	static char why[200];
	unsigned sp = spp_subpage(gpa);
	uint64_t leaf;

	vm->vctr.spp_denied++;
	if (spp_lookup(&vm->spp.table, gpa, &leaf))
		snprintf(why, sizeof(why), "write to a page under sub-page "
			 "permissions whose SPP-table path is not built yet");
	else if (!(qual & EPTV_GLA_VALID) || !(qual & EPTV_FINAL_ACCESS))
		snprintf(why, sizeof(why), "sub-page write permissions: a guest "
			 "paging-structure write (SPP applies to final accesses "
			 "only)");
	else if (leaf & BIT(2 * sp))
		snprintf(why, sizeof(why), "sub-page write permissions: write "
			 "from sub-page %u (writable) into a protected one "
			 "(writable sub-pages 0x%08x)", sp, spp_writable(leaf));
	else
		snprintf(why, sizeof(why), "sub-page write permissions: write "
			 "to sub-page %u (bytes 0x%03x-0x%03x) refused by the SPP "
			 "table (writable sub-pages 0x%08x)", sp,
			 sp << SPP_SUBPAGE_SHIFT,
			 ((sp + 1) << SPP_SUBPAGE_SHIFT) - 1, spp_writable(leaf));
	return why;
}

void handle_spp(struct vcpu *v)
{
	static unsigned reports;
	struct vm *vm = v->vm;
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t page = ALIGN_DOWN(gpa, SZ_4K), leaf = 0;
	int i = lazy_find(vm, page);

	if ((q & SPPQ_SPPT_MISS) && i >= 0) {
		/* An SPPT miss on a page whose path was left for now. */
		if (spp_set(&vm->spp.table, page, vm->spp.lazy[i].writable)) {
			exit_com1_flush(v);
			printf("spp: SPPT miss at GPA 0x%llx: no frame for its "
			       "SPP-table path\n", (unsigned long long)gpa);
			guest_stop(v, "SPP-table allocation failed");
		}
		lazy_drop(vm, i);
		vm->vctr.spp_misses++;
		if (reports++ < SPP_REPORT_MAX) {
			exit_com1_flush(v);
			printf("spp: SPP-related exit (reason 66): SPPT miss at "
			       "GPA 0x%llx (qualification 0x%llx): path built "
			       "from the HC_SPP_LAZY record, resuming\n",
			       (unsigned long long)gpa, (unsigned long long)q);
		}
		exit_mark_progress();       /* the SPP table changed */
		return;     /* the write is retried */
	}
	exit_com1_flush(v);
	if (q & SPPQ_SPPT_MISS)
		printf("spp: SPP-related exit (reason 66): SPPT miss at GPA "
		       "0x%llx (qualification 0x%llx), and no sub-page "
		       "permissions are recorded for that page\n",
		       (unsigned long long)gpa, (unsigned long long)q);
	else
		printf("spp: SPP-related exit (reason 66): SPPT "
		       "misconfiguration at GPA 0x%llx (qualification 0x%llx): "
		       "a reserved bit is set on its SPP-table path (leaf %s "
		       "0x%016llx)\n", (unsigned long long)gpa,
		       (unsigned long long)q,
		       spp_lookup(&vm->spp.table, gpa, &leaf) ? "missing," : "=",
		       (unsigned long long)leaf);
	guest_stop(v, "SPP-related exit");
}
