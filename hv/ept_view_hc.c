/*
 * The EPT-view hypercalls (HC_VIEW_CREATE .. HC_SPP_SET, include/
 * hypercall.h, docs/ept-views.md), #VE for the vCPU, and the VMFUNC exit.
 * SDM revision 084, Vol. 3C "EPTP Switching", "Virtualization
 * Exceptions", "Convertible EPT Violations".
 *
 * Every argument is checked as the other EPT hypercalls check theirs
 * (hv/vm_ept.c): ranges page-aligned, inside guest RAM, no overflow;
 * views named by an index below HC_VIEWS that exists.
 */
#include "hv/ept_view.h"
#include "hv/vm.h"
#include "hv/vm_pml.h"
#include "hv/vm_spp.h"
#include "hv/vcpu.h"
#include "hv/exit.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "lib/console.h"
#include "include/hypercall.h"
#include "include/err.h"

_Static_assert(HC_VIEWS == VM_VIEWS, "the ABI's view count");
_Static_assert(offsetof(struct hc_ve_info, qual) == 8 &&
	       offsetof(struct hc_ve_info, gla) == 16 &&
	       offsetof(struct hc_ve_info, gpa) == 24 &&
	       offsetof(struct hc_ve_info, eptp_index) == 32,
	       "SDM 3C \"Virtualization-Exception Information\"");

#define VMFUNC_REPORT_MAX 8

static struct vm_view *live_view(struct vm *vm, uint64_t i)
{
	return i < VM_VIEWS && vm->view[i].live ? &vm->view[i] : NULL;
}

/* prot on [rs, rs + len) of view w: its holes filled first; a tracked
 * page keeps W withheld (VM_PG_WHELD says whether it comes back). */
static int view_set(struct vm_view *w, uint64_t rs, uint64_t len,
		    unsigned prot)
{
	struct vm *vm = w->vm;
	uint64_t end = rs + len, a = rs;

	while (a < end) {
		bool tracked = vm->page[a >> 12] & VM_PG_TRACKED;
		unsigned eff = tracked ? prot & ~PG_PROT_W : prot;
		uint64_t run = SZ_4K;
		struct pg_xlate x;
		int rc;

		while (a + run < end &&
		       !!(vm->page[(a + run) >> 12] & VM_PG_TRACKED) == tracked)
			run += SZ_4K;
		for (uint64_t p = a; p < a + run; p += SZ_4K) {
			if (ept_translate(&w->ept, p, &x)) {
				rc = ept_map(&w->ept, p, vm_gpa_to_hpa(vm, p),
					     SZ_4K, eff);
				if (rc)
					return rc;
			}
			if (tracked && (prot & PG_PROT_W))
				vm->page[p >> 12] |= VM_PG_WHELD(w->index);
			else
				vm->page[p >> 12] &= ~VM_PG_WHELD(w->index);
		}
		rc = ept_protect(&w->ept, a, run, eff);
		if (rc)
			return rc;
		a += run;
	}
	return 0;
}

static int64_t hc_view_protect(struct vm *vm, uint64_t view, uint64_t gpa,
			       uint64_t bytes, uint64_t prot)
{
	struct vm_view *w = live_view(vm, view);
	int rc = vm_check_rights(prot);

	if (rc)
		return rc;
	if (!w)
		return view < VM_VIEWS ? -ENOENT : -EINVAL;
	rc = vm_check_pages(vm, gpa, bytes);
	if (rc)
		return rc;
	if (vm_range_has(vm, gpa, bytes, VM_PG_SPP))
		return -EBUSY;
	rc = vm_ensure_mapped(vm, gpa, bytes);    /* backed in every view */
	if (rc)
		return rc;
	if (prot == 0) {
		/* A hole in this view only: the page stays backed. */
		rc = ept_unmap(&w->ept, gpa, bytes);     /* INVEPT */
		for (uint64_t a = gpa; !rc && a - gpa < bytes; a += SZ_4K)
			vm->page[a >> 12] &= ~VM_PG_WHELD(w->index);
		return rc;
	}
	return view_set(w, gpa, bytes, (unsigned)prot);
}

/* Suppress-#VE of every leaf of [gpa, gpa+bytes) in one view: clear (on)
 * or set, the rest of each leaf as it is; one protect per run. */
static int64_t hc_view_ve(struct vcpu *v, uint64_t view, uint64_t gpa,
			  uint64_t bytes, uint64_t on)
{
	struct vm *vm = v->vm;
	struct vm_view *w = live_view(vm, view);
	int rc;

	if (!vmx_proc2_allowed(v->caps, PROC2_EPT_VE))
		return -EOPNOTSUPP;
	if (on > 1)
		return -EINVAL;
	if (!w)
		return view < VM_VIEWS ? -ENOENT : -EINVAL;
	rc = vm_check_pages(vm, gpa, bytes);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a - gpa < bytes;) {
		struct pg_xlate x;
		uint64_t next;
		unsigned prot;

		/* Holes keep suppress-#VE (the empty entry): only leaves. */
		if (ept_translate(&w->ept, a, &x))
			return -ENOENT;
		next = MIN(ALIGN_DOWN(a, x.page_size) + x.page_size, gpa + bytes);
		prot = (x.prot & ~PG_PROT_VE) | (on ? PG_PROT_VE : 0);
		if (prot != x.prot) {
			rc = ept_protect(&w->ept, a, next - a, prot);
			if (rc)
				return rc;
		}
		a = next;
	}
	return 0;
}

/* The #VE information area: a guest page the CPU writes by its HPA, so
 * its frame is pinned (never remapped or unbacked) while #VE is on. */
static int64_t hc_ve_info(struct vcpu *v, uint64_t gpa)
{
	struct vm *vm = v->vm;
	uint64_t old = v->ept.ve_gpa;
	int rc;

	if (!vmx_proc2_allowed(v->caps, PROC2_EPT_VE))
		return -EOPNOTSUPP;
	if (gpa) {
		rc = vm_check_pages(vm, gpa, SZ_4K);
		if (!rc)
			rc = vm_ensure_mapped(vm, gpa, SZ_4K);
		/* Armed: the semaphore (offset 4) must read 0. */
		if (!rc)
			rc = vm_zero(vm, gpa, sizeof(struct hc_ve_info));
		if (rc)
			return rc;
		vm->page[gpa >> 12] |= VM_PG_PINNED;
		vmcs_write64(VMCS_VE_INFO_ADDR, vm_gpa_to_hpa(vm, gpa));
	}
	rc = vmcs_proc2_set(&v->ctl, v->caps, PROC2_EPT_VE, gpa != 0);
	if (rc)
		return rc;
	if (old && old != gpa)
		vm->page[old >> 12] &= ~VM_PG_PINNED;
	v->ept.ve_gpa = gpa;
	return 0;
}

static int64_t hc_view_info(struct vcpu *v, uint64_t buf)
{
	struct vm *vm = v->vm;
	struct hc_view_info in = {
		.active = vcpu_view(v),
		.views = HC_VIEWS,
		.ctr = vm->vctr,
	};

	if (!vm_range_ok(vm, buf, sizeof(in)))
		return -EFAULT;
	for (unsigned i = 0; i < VM_VIEWS; i++) {
		if (!vm->view[i].live)
			continue;
		in.live |= 1u << i;
		in.eptp[i] = ept_eptp(&vm->view[i].ept);
	}
	in.features = (v->ept.vmfunc ? HC_VF_VMFUNC : 0) |
		      (vmx_proc2_allowed(v->caps, PROC2_EPT_VE) ? HC_VF_VE : 0) |
		      (vm_pml_offered(vm) ? HC_VF_PML : 0) |
		      (vm_spptp(vm) ? HC_VF_SPP : 0);
	return vm_write(vm, buf, &in, sizeof(in));
}

int64_t hc_ept_dispatch(struct vcpu *v)
{
	uint64_t *r = v->regs.gpr;
	uint64_t a1 = r[GPR_RBX], a2 = r[GPR_RCX], a3 = r[GPR_RDX];
	uint64_t a4 = r[GPR_RSI];
	struct vm *vm = v->vm;

	switch (r[GPR_RAX]) {
	case HC_VIEW_CREATE:
		return a1 > 0xFFFFFFFFULL ? -EINVAL :
		       vm_view_create(vm, (unsigned)a1);
	case HC_VIEW_DESTROY:
		return vcpu_view_destroy(v, a1);
	case HC_VIEW_SELECT:
		return vcpu_view_select(v, a1);
	case HC_VIEW_PROTECT:
		return hc_view_protect(vm, a1, a2, a3, a4);
	case HC_VIEW_VE:
		return hc_view_ve(v, a1, a2, a3, a4);
	case HC_VE_INFO:
		return hc_ve_info(v, a1);
	case HC_VIEW_INFO:
		return hc_view_info(v, a1);
	case HC_DIRTY_START:
		return vm_hc_dirty_start(v, a1, a2, a3);
	case HC_DIRTY_LOG:
		return vm_hc_dirty_log(v, a1, a2);
	case HC_SPP_SET:
		return vm_hc_spp_set(vm, a1, a2, a3);
	}
	return -ENOSYS;
}

/*
 * A VMFUNC that exited (SDM 3C "VM Functions": a function not enabled,
 * an EPTP index of 512 or more, or a list entry that is not a valid EPTP,
 * such as the 0 of a missing view). Fault-like, RIP at the VMFUNC: the
 * guest gets #UD, as from a function the CPU does not have.
 */
void handle_vmfunc(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint64_t fn = v->regs.gpr[GPR_RAX] & 0xFFFFFFFF;
	uint64_t idx = v->regs.gpr[GPR_RCX] & 0xFFFFFFFF;
	const char *why = fn != 0 ? "not an enabled VM function" :
			  idx >= 512 ? "EPTP index beyond the 512-entry list" :
			  idx >= VM_VIEWS ? "EPTP-list entry 0: no such view" :
			  !vm->view[idx].live ? "EPTP-list entry 0: view destroyed" :
			  "EPTP-list entry refused";

	if (vm->vctr.vmfunc_ud++ < VMFUNC_REPORT_MAX) {
		exit_com1_flush(v);
		printf("views: VMFUNC (EAX %llu, ECX %llu) exited at rip 0x%llx: "
		       "%s; #UD injected\n", (unsigned long long)fn,
		       (unsigned long long)idx,
		       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP), why);
	}
	exit_inject_ud(v);
}
