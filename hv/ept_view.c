/*
 * EPT views (see hv/ept_view.h, docs/ept-views.md). SDM revision 084,
 * Vol. 3C "EPTP Switching", "Invalidation of TLBs and Paging-Structure
 * Caches": cached guest-physical and combined mappings are tagged with the
 * EPT PML4 address, so each view keeps its own, switching views drops
 * nothing, and single-context INVEPT on a view's EPTP drops only its own.
 */
#include "hv/ept_view.h"
#include "hv/vm.h"
#include "hv/vcpu.h"
#include "hv/host.h"
#include "hv/memlayout.h"
#include "hv/run.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmcs.h"
#include "lib/console.h"
#include "lib/string.h"
#include "include/err.h"
#include "include/x86.h"

/* Engine calls that may split: at most 2 * (levels - 1) table pages each
 * (mm/paging.c). Asked for up front for every view, so that a change
 * that succeeded in view 0 cannot fail in a later one. */
#define VIEW_SPLIT_TABLES 6

#define for_each_view(vm, w) \
	for (struct vm_view *w = (vm)->view; w < (vm)->view + VM_VIEWS; w++) \
		if (w->live)

static void *view_table_ptr(void *ctx, uint64_t pa)
{
	return phys_to_virt(pa);
}

static uint64_t view_alloc_table(void *ctx)
{
	return hv_frame_alloc_zeroed();
}

static void view_free_table(void *ctx, uint64_t pa)
{
	hv_frame_free(pa);
}

/* Suppress-#VE into each slot of a new table: one REP STOSQ (under Bochs
 * 512 ticks, as the zeroing). */
static void view_fill_table(void *ctx, uint64_t pa, uint64_t value)
{
	stosq(phys_to_virt(pa), value, PG_ENTRIES);
}

void vm_view_invept(struct vm_view *w)
{
	/* Single-context, or all-context where the CPU lacks it; one of
	 * them is required at boot (hv/vmm.c). */
	unsigned type = vmx_invept_type(&vmx_caps, INVEPT_SINGLE) ==
			INVEPT_SINGLE ? INVEPT_SINGLE : INVEPT_ALL;

	w->vm->ept_flushes++;
	vm_count_invept(w->vm, type);
	vmx_invept(type, type == INVEPT_SINGLE ? ept_eptp(&w->ept) : 0);
}

/* The engine's flush hook of a view (mm/paging.h: removed, moved,
 * narrowed or split translations; never EPT rights only added). */
static void view_flush(void *ctx, uint64_t gpa, uint64_t size)
{
	vm_view_invept(ctx);
}

static unsigned views_live(const struct vm *vm)
{
	unsigned n = 0;

	for (unsigned i = 0; i < VM_VIEWS; i++)
		n += vm->view[i].live;
	return n;
}

/* Enough free frames for a splitting change in every view. */
static int views_reserve_ok(const struct vm *vm)
{
	return hv_frames.free >= VIEW_SPLIT_TABLES * views_live(vm) ? 0
								  : -ENOMEM;
}

static int view_init(struct vm *vm, unsigned i, unsigned sizes, bool live)
{
	struct vm_view *w = &vm->view[i];
	int rc;

	w->vm = vm;
	w->index = i;
	w->env = (struct pg_env){
		.ctx = w, .table_ptr = view_table_ptr,
		.alloc_table = view_alloc_table, .free_table = view_free_table,
		.fill_table = view_fill_table,
		.flush = live ? view_flush : NULL,
	};
	rc = ept_init(&w->ept, &w->env, sizes, vm->view[0].ept.ad);
	if (rc)
		return rc;
	w->live = true;
	return 0;
}

/* EPTP switching needs "enable VM functions" and VM function 0 (SDM 3D
 * A.11 "VM Functions"). */
static bool eptp_switching_offered(void)
{
	return vmx_proc2_allowed(&vmx_caps, PROC2_ENABLE_VMFUNC) &&
	       (vmx_caps.vmfunc & VMFUNC_EPTP_SWITCHING);
}

void vm_views_init(struct vm *vm, unsigned leaf_sizes, bool ad)
{
	int rc;

	memset(vm->view, 0, sizeof(vm->view));
	vm->view[0].ept.ad = ad;          /* read by view_init */
	if (eptp_switching_offered() && !vm->eptp_list) {
		/* A host frame the CPU reads by HPA; never in guest RAM. */
		vm->eptp_list_pa = hv_frame_alloc_zeroed();
		if (!vm->eptp_list_pa)
			panic("no frame for the EPTP list");
		vm->eptp_list = phys_to_virt(vm->eptp_list_pa);
	}
	rc = view_init(vm, 0, leaf_sizes, false);
	if (rc)
		panic("view 0: ept_init: %s", err_name(rc));
	if (vm->eptp_list)
		vm->eptp_list[0] = ept_eptp(vm_ept0(vm));
	if (!vm->eptp_list)
		printf("views: CPU lacks VMFUNC EPTP switching: views switch by "
		       "HC_VIEW_SELECT (one VM exit each)\n");
}

void vm_views_go_live(struct vm *vm)
{
	for_each_view(vm, w)
		w->env.flush = view_flush;
}

/* Off the EPTP list, INVEPT, tables freed; no vCPU runs in it. */
static void view_drop(struct vm *vm, unsigned i)
{
	struct vm_view *w = &vm->view[i];
	uint64_t npages = vm->ram_size >> 12;

	if (vm->eptp_list)
		vm->eptp_list[i] = 0;
	vm_view_invept(w);
	ept_destroy(&w->ept);
	w->live = false;
	for (uint64_t p = 0; p < npages; p++)
		vm->page[p] &= ~VM_PG_WHELD(i);
}

void vm_views_reset(struct vm *vm)
{
	for (unsigned i = 1; i < VM_VIEWS; i++)
		if (vm->view[i].live)
			view_drop(vm, i);
}

int vm_views_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size,
		 unsigned prot)
{
	for_each_view(vm, w) {
		int rc = ept_map(&w->ept, gpa, hpa, size, prot);

		if (!rc)
			continue;
		/* Exactly the leaves this call made: no split, no -ENOMEM. */
		for (struct vm_view *u = vm->view; u < w; u++)
			if (u->live && ept_unmap(&u->ept, gpa, size))
				panic("undoing a map of GPA 0x%llx in view %u",
				      (unsigned long long)gpa, u->index);
		return rc;
	}
	return 0;
}

int vm_views_unmap(struct vm *vm, uint64_t gpa, uint64_t size)
{
	int rc = views_reserve_ok(vm);

	if (rc)
		return rc;
	for_each_view(vm, w) {
		rc = ept_unmap(&w->ept, gpa, size);
		if (rc && w->index == 0)
			return rc;
		if (rc)
			panic("view %u: unmap of GPA 0x%llx: %s (views differ)",
			      w->index, (unsigned long long)gpa, err_name(rc));
	}
	return 0;
}

/* Map the holes of [gpa, gpa+size) in view w with prot, from the frames of
 * vm->page[] (every page backed), one map per run of holes. */
static int view_fill(struct vm_view *w, uint64_t gpa, uint64_t size,
		     unsigned prot)
{
	struct vm *vm = w->vm;
	uint64_t end = gpa + size, a = gpa;

	while (a < end) {
		struct pg_xlate x;
		uint64_t run, hpa;
		int rc;

		if (!ept_translate(&w->ept, a, &x)) {
			a = MIN(ALIGN_DOWN(a, x.page_size) + x.page_size, end);
			continue;
		}
		hpa = vm_gpa_to_hpa(vm, a);
		if (hpa == ~0ULL)
			panic("view_fill: GPA 0x%llx not backed",
			      (unsigned long long)a);
		for (run = SZ_4K; a + run < end; run += SZ_4K)
			if (vm_gpa_to_hpa(vm, a + run) != hpa + run ||
			    !ept_translate(&w->ept, a + run, &x))
				break;
		rc = ept_map(&w->ept, a, hpa, run, prot);
		if (rc)
			return rc;
		a += run;
	}
	return 0;
}

int vm_views_protect(struct vm *vm, uint64_t gpa, uint64_t size,
		     unsigned prot)
{
	int rc = views_reserve_ok(vm);

	if (rc)
		return rc;
	for_each_view(vm, w) {
		rc = view_fill(w, gpa, size, prot);
		if (!rc)
			rc = ept_protect(&w->ept, gpa, size, prot);
		if (rc && w->index == 0)
			return rc;
		if (rc)
			panic("view %u: protect of GPA 0x%llx: %s (views differ)",
			      w->index, (unsigned long long)gpa, err_name(rc));
	}
	return 0;
}

#define VIEW_AD_CHUNK 64

int vm_views_leaf_bits(struct vm *vm, uint64_t gpa, uint64_t size,
		       unsigned clear, unsigned set, uint8_t *old)
{
	uint8_t tmp[VIEW_AD_CHUNK];
	int rc;

	if (old) {
		rc = ept_leaf_bits(vm_ept0(vm), gpa, size, 0, 0, old);
		if (rc)
			return rc;
	}
	for (unsigned k = 1; old && k < VM_VIEWS; k++) {
		struct vm_view *w = &vm->view[k];

		for (uint64_t off = 0; w->live && off < size;
		     off += VIEW_AD_CHUNK * SZ_4K) {
			uint64_t n = MIN(size - off, VIEW_AD_CHUNK * SZ_4K);

			rc = ept_leaf_bits(&w->ept, gpa + off, n, 0, 0, tmp);
			if (rc)
				return rc;
			for (uint64_t i = 0; i < n >> 12; i++)
				old[(off >> 12) + i] |= tmp[i];
		}
	}
	if (!clear && !set)
		return 0;
	for_each_view(vm, w) {
		rc = ept_leaf_bits(&w->ept, gpa, size, clear, set, NULL);
		if (rc)
			return rc;
	}
	return 0;
}

int vm_views_split_4k(struct vm *vm, uint64_t gpa, uint64_t size)
{
	for_each_view(vm, w) {
		for (uint64_t a = gpa; a < gpa + size;) {
			struct pg_xlate x;
			int rc;

			if (ept_translate(&w->ept, a, &x) ||
			    x.page_size == SZ_4K) {
				a += SZ_4K;
				continue;
			}
			/* One page inside a large leaf: the engine splits it
			 * down to 4 KiB leaves that keep its rights. */
			rc = ept_protect(&w->ept, a, SZ_4K, x.prot);
			if (rc)
				return rc;
		}
	}
	return 0;
}

int vm_views_add_common(struct vm *vm, uint64_t gpa, uint64_t hpa,
			uint64_t size, unsigned prot)
{
	struct vm_common_map *c;
	int rc;

	if (vm->ncommon == VM_COMMON_MAX)
		return -ENOSPC;
	if (gpa < vm->ram_size || !size || !IS_ALIGNED(gpa | hpa | size, SZ_4K))
		return -EINVAL;
	rc = vm_views_map(vm, gpa, hpa, size, prot);
	if (rc)
		return rc;
	c = &vm->common[vm->ncommon++];
	*c = (struct vm_common_map){ gpa, hpa, size, prot };
	return 0;
}

int vm_views_del_common(struct vm *vm, uint64_t gpa)
{
	for (unsigned i = 0; i < vm->ncommon; i++) {
		struct vm_common_map c = vm->common[i];
		int rc;

		if (c.gpa != gpa)
			continue;
		rc = vm_views_unmap(vm, c.gpa, c.size);
		if (rc)
			return rc;
		vm->common[i] = vm->common[--vm->ncommon];
		return 0;
	}
	return -ENOENT;
}

/* ------------------------------------------------ create, destroy */

struct clone_ctx {
	struct vm *vm;
	struct ept *to;
	int rc;
};

/* pg_leaves callback: copy view 0's leaf in RAM into the new view, leaf
 * size permitting (the engine picks the largest the new view allows). */
static int clone_leaf(void *ctx, const struct pg_leaf *l)
{
	struct clone_ctx *c = ctx;

	if (!l->size || l->va >= c->vm->ram_size)
		return 0;       /* common mappings are applied from their list */
	c->rc = ept_map(c->to, l->va, l->pa, l->size, l->prot);
	return c->rc;
}

int vm_view_create(struct vm *vm, unsigned sizes)
{
	uint64_t npages = vm->ram_size >> 12;
	struct clone_ctx c = { .vm = vm };
	unsigned i;
	int rc;

	if (sizes & ~(unsigned)(PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G))
		return -EINVAL;
	sizes = (sizes ? sizes : vm->leaf_sizes) & vm->leaf_sizes;
	for (i = 1; i < VM_VIEWS && vm->view[i].live; i++)
		;
	if (i == VM_VIEWS)
		return -ENOSPC;
	/* Tables first, then the EPTP list entry: the CPU may switch to the
	 * view only once it is complete. */
	rc = view_init(vm, i, sizes | PG_SIZE_4K, true);
	if (rc)
		return rc;
	c.to = &vm->view[i].ept;
	pg_leaves(&vm->view[0].ept.space, clone_leaf, &c);
	for (unsigned k = 0; !c.rc && k < vm->ncommon; k++)
		c.rc = ept_map(c.to, vm->common[k].gpa, vm->common[k].hpa,
			       vm->common[k].size, vm->common[k].prot);
	if (c.rc) {
		ept_destroy(c.to);
		vm->view[i].live = false;
		return c.rc;
	}
	for (uint64_t p = 0; p < npages; p++)
		if (vm->page[p] & VM_PG_WHELD(0))
			vm->page[p] |= VM_PG_WHELD(i);
	if (vm->eptp_list)
		vm->eptp_list[i] = ept_eptp(c.to);
	return (int)i;
}

int vcpu_view_destroy(struct vcpu *v, uint64_t i)
{
	struct vm *vm = v->vm;

	if (i == 0 || i >= VM_VIEWS)
		return -EINVAL;
	if (!vm->view[i].live)
		return -ENOENT;
	/* SDM order: no vCPU may switch to it, none runs in it, nothing of
	 * it stays cached, then its tables go. */
	if (vm->eptp_list)
		vm->eptp_list[i] = 0;
	if (vcpu_view(v) == i)
		vcpu_view_select(v, 0);
	view_drop(vm, (unsigned)i);
	return 0;
}

/* ------------------------------------------------ the vCPU's view */

unsigned vcpu_view(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t eptp;
	unsigned i;

	if (!v->ept.vmfunc)
		return v->ept.view;
	eptp = vmcs_read64(VMCS_EPT_POINTER);
	if (v->ept.index_field) {
		i = vmcs_read16(VMCS_EPTP_INDEX);
	} else {
		for (i = 0; i < VM_VIEWS; i++)
			if (vm->view[i].live && ept_eptp(&vm->view[i].ept) == eptp)
				break;
	}
	/* The CPU only loads EPTPs of the list, whose entries are views. */
	if (i >= VM_VIEWS || !vm->view[i].live ||
	    ept_eptp(&vm->view[i].ept) != eptp)
		panic("VMCS EPTP 0x%llx (EPTP index %u) is no live view",
		      (unsigned long long)eptp, i);
	v->ept.view = i;
	return i;
}

int vcpu_view_select(struct vcpu *v, uint64_t i)
{
	struct vm *vm = v->vm;

	if (i >= VM_VIEWS)
		return -EINVAL;
	if (!vm->view[i].live)
		return -ENOENT;
	/* Both fields, as VMFUNC would write them (SDM 3C "EPTP Switching"). */
	vmcs_write64(VMCS_EPT_POINTER, ept_eptp(&vm->view[i].ept));
	if (v->ept.index_field)
		vmcs_write16(VMCS_EPTP_INDEX, (uint16_t)i);
	v->ept.view = (unsigned)i;
	vm->vctr.view_selects++;
	return 0;
}

void vcpu_ept_setup(struct vcpu *v)
{
	/* A restart: the controls computed at boot are written again
	 * (hv/vcpu_setup.c), so #VE and PML, which only the guest turns on,
	 * go off again in them and in the VMCS; the PML log frame goes back. */
	if (vmcs_proc2_set(&v->ctl, v->caps, PROC2_EPT_VE, false) ||
	    vmcs_proc2_set(&v->ctl, v->caps, PROC2_ENABLE_PML, false))
		panic("vcpu_ept_setup: #VE or PML is a required control");
	if (v->ept.pml_pa)
		hv_frame_free(v->ept.pml_pa);
	v->ept = (struct vcpu_ept){
		.vmfunc = (v->ctl.proc2 & PROC2_ENABLE_VMFUNC) &&
			  v->vm->eptp_list,
		/* The EPTP-index field exists where "EPT-violation #VE" may
		 * be 1 (SDM 3C "Controls for Virtualization Exceptions"). */
		.index_field = vmx_proc2_allowed(v->caps, PROC2_EPT_VE),
	};
	if (v->ept.index_field)
		vmcs_write16(VMCS_EPTP_INDEX, 0);
}
