/*
 * EPT views (hv/ept_view.c, hv/ept_view_hc.c; docs/ept-views.md): up to
 * VM_VIEWS EPT hierarchies over the one guest RAM, each a pg_space on the
 * one paging engine. Every view maps a GPA to the same HPA (vm->page[]
 * holds the only backing); views differ only in permissions, the #VE
 * attribute and leaf sizes.
 *
 *   vm->view[0]  the default view: always live, the one VM entry starts in
 *   vm->view[i]  a clone of view 0 made by HC_VIEW_CREATE (i = 1..7)
 *
 *   EPTP list (one host page, read by the CPU by HPA, never in guest RAM):
 *     entry i = EPTP of view i while it lives, 0 otherwise; entries 8..511
 *     stay 0, so VMFUNC(0, i) to a missing view exits (SDM 3C "EPTP
 *     Switching": an EPTP value that is not valid causes a VM exit).
 *
 * VM-wide operations (demand backing, remap, HC_EPT_PROTECT, write
 * tracking, A/D, reset) act on every live view, each through its own
 * engine calls, so each view is flushed with single-context INVEPT on its
 * own EPTP (its pg_env.ctx is the view). View-local operations are
 * HC_VIEW_PROTECT and HC_VIEW_VE.
 *
 * Which view the vCPU runs in: with VMFUNC the guest switches without an
 * exit, so the hypervisor reads the EPTP (and, where the CPU has it, the
 * EPTP-index field) back from the VMCS at each exit that needs it
 * (vcpu_view); its own switches (HC_VIEW_SELECT, a destroy) write both.
 */
#ifndef EPTLAB_EPT_VIEW_H
#define EPTLAB_EPT_VIEW_H

#include "include/types.h"
#include "ept/ept.h"

struct vm;
struct vcpu;

#define VM_VIEWS        8      /* views, = EPTP-list entries in use */
#define VM_COMMON_MAX   4      /* mappings every view carries */

struct vm_view {
	struct ept ept;
	struct pg_env env;         /* ctx = this view: INVEPT on its EPTP */
	struct vm *vm;
	unsigned index;
	bool live;
};

/* A mapping outside guest RAM that every view carries (issue 12: the
 * APIC-access page). Added with vm_views_add_common, applied to every
 * live view and to each view made later; the audit accepts its leaves. */
struct vm_common_map {
	uint64_t gpa, hpa, size;
	unsigned prot;             /* PG_PROT_* */
};

/* Per-vCPU EPT state (struct vcpu.ept). */
struct vcpu_ept {
	unsigned view;             /* active view: the hypervisor's own choice
	                              where there is no VMFUNC, else the last
	                              value read back from the VMCS */
	bool vmfunc;               /* EPTP switching by VMFUNC is on */
	bool index_field;          /* the EPTP-index field exists (#VE) */
	uint64_t ve_gpa;           /* #VE information area, 0: #VE off */
	uint64_t pml_pa;           /* PML log page (host frame, until a
	                              restart), 0: none */
};

/* hv/ept_view.c ------------------------------------------------ */

/* View 0 on an empty EPT (flush hook off until vm_views_go_live), and the
 * EPTP list if the CPU offers EPTP switching. Panics on failure. */
void vm_views_init(struct vm *vm, unsigned leaf_sizes, bool ad);
/* Flush hooks on: every later narrowing change runs INVEPT. */
void vm_views_go_live(struct vm *vm);
/* Guest restart: views 1..7 destroyed (off the EPTP list, INVEPT, tables
 * freed). */
void vm_views_reset(struct vm *vm);

static inline struct ept *vm_view_ept(struct vm_view *w) { return &w->ept; }

/* INVEPT for one view: single-context on its EPTP (else all-context),
 * counted in the VM's counters. */
void vm_view_invept(struct vm_view *w);

/* The same change in every live view, view 0 first. map: all or nothing
 * (views already mapped are unmapped again on a failure). unmap, protect:
 * -ENOMEM in view k > 0 after views < k changed panics (the views would
 * disagree about RAM); protect first fills a view's holes in the range
 * with the frames of vm->page[] so that every view ends with prot. */
int vm_views_map(struct vm *vm, uint64_t gpa, uint64_t hpa, uint64_t size,
		 unsigned prot);
int vm_views_unmap(struct vm *vm, uint64_t gpa, uint64_t size);
int vm_views_protect(struct vm *vm, uint64_t gpa, uint64_t size,
		     unsigned prot);
/* A/D of [gpa, gpa+size): old[i] = OR over the live views, then clear/set
 * in each (pg_leaf_bits); -EINVAL as that. */
int vm_views_leaf_bits(struct vm *vm, uint64_t gpa, uint64_t size,
		       unsigned clear, unsigned set, uint8_t *old);
/* Make every leaf of [gpa, gpa+size) a 4 KiB leaf in every live view
 * (PML logs one entry per leaf). */
int vm_views_split_4k(struct vm *vm, uint64_t gpa, uint64_t size);
/* A mapping outside RAM for every view (see struct vm_common_map). 0,
 * -ENOSPC, -EINVAL (inside RAM), or an ept_map error. */
int vm_views_add_common(struct vm *vm, uint64_t gpa, uint64_t hpa,
			uint64_t size, unsigned prot);
/* The common mapping at gpa removed from every view (the APIC-access page
 * while the APIC is disabled). 0, -ENOENT, or a vm_views_unmap error. */
int vm_views_del_common(struct vm *vm, uint64_t gpa);

/* HC_VIEW_CREATE: a clone of view 0 (leaf sizes at most sizes, 0 = the
 * VM's), entered in the EPTP list. Its index, or -ENOSPC, -ENOMEM,
 * -EINVAL. */
int vm_view_create(struct vm *vm, unsigned sizes);
/* HC_VIEW_DESTROY of view i (1..7): off the EPTP list, the vCPU moved to
 * view 0 if it ran in i, INVEPT, then its tables freed. */
int vcpu_view_destroy(struct vcpu *v, uint64_t i);
/* The view v runs in now (read from the VMCS if VMFUNC is on). */
unsigned vcpu_view(struct vcpu *v);
/* Switch v to view i (HC_VIEW_SELECT): EPTP and EPTP index written. */
int vcpu_view_select(struct vcpu *v, uint64_t i);
/* Set v's EPT state after vmcs_setup (boot, restart): view 0. */
void vcpu_ept_setup(struct vcpu *v);

/* hv/ept_view_hc.c --------------------------------------------- */

/* HC_VIEW_CREATE .. HC_SPP_SET (include/hypercall.h); -ENOSYS else. */
int64_t hc_ept_dispatch(struct vcpu *v);
/* Exit reason 59: a VMFUNC that exited; #UD injected. */
void handle_vmfunc(struct vcpu *v);

#endif
