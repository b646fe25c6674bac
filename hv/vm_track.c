/*
 * Write tracking and the dirty hook (see hv/vm.h): W taken from a page in
 * every view that has it, and given back to those views on the first write
 * (the guest's, through an EPT violation, or the hypervisor's, through
 * vm_mark_dirty). SDM revision 084, Vol. 3C "EPT Violations", "Accessed
 * and Dirty Flags for EPT".
 */
#include "hv/vm.h"
#include "hv/vm_pml.h"
#include "vmx/vmx_exitinfo.h"
#include "hv/run.h"
#include "include/err.h"

/*
 * W back on the 4 KiB page `page` in each view of VM_PG_WHELD, the other
 * rights and attributes as they are. W added to a 4 KiB leaf needs no
 * INVEPT (a stale read-only entry only causes a violation, which drops
 * it; ept/ept_format.c). A large leaf is split first, and that one change
 * of page size and rights together is flushed once (mm/paging.h).
 */
static int give_w_back(struct vm *vm, uint64_t page)
{
	uint64_t *e = &vm->page[page >> 12];

	for (unsigned i = 0; i < VM_VIEWS; i++) {
		struct vm_view *w = &vm->view[i];
		struct pg_xlate x;
		int rc;

		if (!(*e & VM_PG_WHELD(i)))
			continue;
		if (!w->live || ept_translate(&w->ept, page, &x))
			panic("GPA 0x%llx: W held for view %u, which has no "
			      "leaf there", (unsigned long long)page, i);
		rc = ept_protect(&w->ept, page, SZ_4K, x.prot | PG_PROT_W);
		if (rc)
			return rc;
		*e &= ~VM_PG_WHELD(i);
	}
	return 0;
}

int vm_track_end(struct vm *vm, uint64_t page)
{
	int rc = give_w_back(vm, page);

	if (rc)
		return rc;
	vm->page[page >> 12] &= ~VM_PG_TRACKED;
	vm->ctr.write_track_faults++;
	vm_dirty_note(vm, page, SZ_4K);
	return 0;
}

int vm_untrack(struct vm *vm, uint64_t gpa, uint64_t size)
{
	for (uint64_t a = gpa; a - gpa < size; a += SZ_4K) {
		int rc;

		if (!(vm->page[a >> 12] & VM_PG_TRACKED))
			continue;
		rc = give_w_back(vm, a);
		if (rc)
			return rc;
		vm->page[a >> 12] &= ~VM_PG_TRACKED;
	}
	return 0;
}

/* W off [rs, rs + len) of view w, whose leaves there all have prot. */
static int withhold_run(struct vm_view *w, uint64_t rs, uint64_t len,
			unsigned prot)
{
	struct vm *vm = w->vm;
	int rc;

	if (!(prot & PG_PROT_W))
		return 0;
	rc = ept_protect(&w->ept, rs, len, prot & ~PG_PROT_W);   /* INVEPT */
	if (rc)
		return rc;
	for (uint64_t a = rs; a - rs < len; a += SZ_4K)
		vm->page[a >> 12] |= VM_PG_WHELD(w->index);
	return 0;
}

/* One ept_protect per run of leaves with the same rights and attributes;
 * holes (a view's no-access pages) are skipped. */
static int withhold_view(struct vm_view *w, uint64_t gpa, uint64_t size)
{
	uint64_t end = gpa + size, rs = gpa, a = gpa;
	unsigned rprot = 0;
	bool in_run = false;
	int rc;

	while (a < end) {
		struct pg_xlate x;
		bool hole = ept_translate(&w->ept, a, &x) != 0;
		uint64_t next = hole ? a + SZ_4K :
			MIN(ALIGN_DOWN(a, x.page_size) + x.page_size, end);

		if (in_run && (hole || x.prot != rprot)) {
			rc = withhold_run(w, rs, a - rs, rprot);
			if (rc)
				return rc;
			in_run = false;
		}
		if (!hole && !in_run) {
			rs = a;
			rprot = x.prot;
			in_run = true;
		}
		a = next;
	}
	return in_run ? withhold_run(w, rs, end - rs, rprot) : 0;
}

int vm_withhold_w(struct vm *vm, uint64_t gpa, uint64_t size)
{
	for (unsigned i = 0; i < VM_VIEWS; i++) {
		int rc = vm->view[i].live ? withhold_view(&vm->view[i], gpa, size)
					  : 0;

		if (rc)
			return rc;
	}
	return 0;
}

int vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len)
{
	uint64_t first = ALIGN_DOWN(gpa, SZ_4K);
	uint64_t end = ALIGN_UP(gpa + len, SZ_4K);

	for (uint64_t a = first; a < end; a += SZ_4K) {
		struct pg_xlate x = { .prot = 0, .page_size = SZ_4K };
		uint64_t qual;
		int rc;

		if (!(vm->page[a >> 12] & VM_PG_TRACKED))
			continue;
		ept_translate(vm_ept0(vm), a, &x);   /* for the log entry */
		rc = vm_track_end(vm, a);
		if (rc)
			return rc;
		qual = HC_VIOL_HV_WRITE | EPTV_WRITE |
		       ((x.prot & PG_PROT_R) ? EPTV_READABLE : 0) |
		       ((x.prot & PG_PROT_X) ? EPTV_EXECUTABLE : 0);
		vm_vlog_add(vm, MAX(gpa, a), 0, qual,
			    ALIGN_DOWN(a, x.page_size));
	}
	if (end > first)
		vm_dirty_note(vm, first, end - first);
	/* As the CPU does for a write through a leaf (no flush); pages
	 * without a leaf are skipped. */
	if (vm_ept0(vm)->ad && end > first)
		return vm_views_leaf_bits(vm, first, end - first, 0,
					  PG_BIT_A | PG_BIT_D, NULL);
	return 0;
}
