/*
 * EPT-view scenarios (docs/guest.md, docs/ept-views.md): views made and
 * destroyed, per-view permissions over one backing, VMFUNC switching and
 * its #UD, HC_VIEW_SELECT (the fallback without VMFUNC), and destroying
 * the view the vCPU runs in. Pages: the reserved chunk's SCEN_VIEWS.
 *
 * Each step that changes an EPT requires the exact change of the
 * hypervisor's counters (docs/guest.md "Counter deltas"): a new view is
 * a copy made by maps into empty tables (no INVEPT); a destroy flushes
 * the view once; HC_VIEW_PROTECT narrows, or unmaps, in that view only
 * (one INVEPT, a split included); a switch by VMFUNC or HC_VIEW_SELECT
 * changes no EPT; a VM-wide change (HC_DEMAND) flushes each live view
 * once.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "include/err.h"
#include "include/x86.h"

#define PAT_VIEW   0x71E30000C0DE0000ULL
#define EPT_RWX    7ULL          /* SDM 3C: EPT entry bits 2:0 */

static struct hc_view_info info;
static struct hc_walk walk;
static struct hc_counters c0, c1, k0;

/* The counter change of n engine flushes (INVEPT) and nothing else. */
static struct hc_counters want_inv(unsigned n)
{
	struct hc_counters w = { 0 };

	scen_want_invept(&w, n);
	return w;
}

/* Snap the counters before a step (FAILs name on an error). */
#define SNAP() scen_ctr_snap(name, &k0)
/* The exact change since SNAP(): want (a struct hc_counters). */
#define EXPECT(step, want) ({ struct hc_counters w_ = (want); \
	scen_ctr_expect(name, step, &k0, &w_); })

#define FAIL_RET(...) do { report(false, name, __VA_ARGS__); return; } while (0)

static uint64_t views_page(unsigned i)
{
	return scen_base + SCEN_VIEWS + (uint64_t)i * SZ_4K;
}

static long view_create(void)
{
	return hc_call(HC_VIEW_CREATE, 0, 0, 0, 0);
}

static long view_destroy(long v)
{
	return hc_call(HC_VIEW_DESTROY, (unsigned long)v, 0, 0, 0);
}

static long view_protect(long v, uint64_t gpa, uint64_t prot)
{
	return hc_call(HC_VIEW_PROTECT, (unsigned long)v, gpa, SZ_4K, prot);
}

/* A write that must fault with #GP(0) (refused by the view). */
static bool write_faults(uint64_t va, uint64_t val)
{
	struct fault_rec f;

	fault_expect(VEC_GP, probe_write64_done);
	probe_write64(va, val);
	f = fault_take();
	return f.hit && f.error_code == 0 &&
	       f.rip == (uint64_t)(uintptr_t)probe_write64_insn;
}

static bool read_faults(uint64_t va)
{
	struct fault_rec f;

	fault_expect(VEC_GP, probe_read64_done);
	probe_read64(va);
	f = fault_take();
	return f.hit && f.rip == (uint64_t)(uintptr_t)probe_read64_insn;
}

static bool need_views(const char *name)
{
	if (!scen_need_hv(name))
		return false;
	if (views_rc) {
		report(false, name, "HC_VIEW_INFO: %s", err_name((int)views_rc));
		return false;
	}
	return true;
}

/* Views are made as clones of view 0 until all HC_VIEWS exist; a destroyed
 * index is reused; view 0 cannot go; the audit covers every view. */
static void views_create(void)
{
	const char *name = "views.create";
	long v[HC_VIEWS] = { 0 }, rc;

	if (!need_views(name) || !SNAP())
		return;
	for (unsigned i = 1; i < HC_VIEWS; i++) {
		v[i] = view_create();
		if (v[i] != (long)i) {
			report(false, name, "HC_VIEW_CREATE #%u: %ld, want %u",
			       i, v[i], i);
			goto out;
		}
	}
	if ((rc = view_create()) != -ENOSPC) {
		report(false, name, "HC_VIEW_CREATE with all views made: %s, "
		       "want -ENOSPC", err_name((int)rc));
		goto out;
	}
	if (!EXPECT("7 HC_VIEW_CREATE", want_inv(0)))
		goto out;
	if ((rc = view_info(&info)) || info.live != 0xFF || !info.eptp[7] ||
	    info.eptp[7] == info.eptp[0] || info.active != 0) {
		report(false, name, "HC_VIEW_INFO: %s, live 0x%x, active %u",
		       err_name((int)rc), info.live, info.active);
		goto out;
	}
	if ((rc = hc_call(HC_AUDIT, HC_AUDIT_EPT, 0, 0, 0))) {
		report(false, name, "HC_AUDIT over 8 views: %s",
		       err_name((int)rc));
		goto out;
	}
	if (!SNAP())
		goto out;
	if (view_destroy(0) != -EINVAL || view_destroy(HC_VIEWS) != -EINVAL) {
		report(false, name, "destroying view 0 or view %u was not "
		       "-EINVAL", HC_VIEWS);
		goto out;
	}
	if ((rc = view_destroy(3)) || (rc = view_destroy(3)) != -ENOENT) {
		report(false, name, "destroy view 3 twice: second %s, want "
		       "-ENOENT", err_name((int)rc));
		goto out;
	}
	if ((rc = view_create()) != 3) {
		report(false, name, "HC_VIEW_CREATE after destroying 3: %ld", rc);
		goto out;
	}
	if (!EXPECT("destroys of 0, 8, 3, 3 and a create", want_inv(1)) ||
	    !SNAP())
		goto out;
	for (unsigned i = 1; i < HC_VIEWS; i++)
		if ((rc = view_destroy((long)i))) {
			report(false, name, "destroy view %u: %s", i,
			       err_name((int)rc));
			goto out;
		}
	if (!EXPECT("7 HC_VIEW_DESTROY", want_inv(HC_VIEWS - 1)))
		goto out;
	rc = view_info(&info);
	report(!rc && info.live == 1 && !info.eptp[1], name,
	       "after destroying all: live 0x%x", info.live);
	return;
out:
	/* Whatever failed, the next scenarios start with view 0 alone. */
	for (unsigned i = 1; i < HC_VIEWS; i++)
		view_destroy((long)i);
}

/* Read-only in view v, writable in view 0, one frame behind both: the
 * walk of each view ends at the same HPA, a write refused in v goes
 * through in 0 and is seen in v. A no-access page in v reads in 0. */
static void views_protect(void)
{
	const char *name = "views.protect";
	uint64_t p = views_page(0), q = views_page(1);
	uint64_t va = (uint64_t)(uintptr_t)mm_dm(p);
	uint64_t hpa0, e0, ev;
	long v, rc;

	if (!need_views(name))
		return;
	scen_wr(va, PAT_VIEW);
	scen_wr((uint64_t)(uintptr_t)mm_dm(q), PAT_VIEW + 1);
	if ((v = view_create()) < 1)
		FAIL_RET("HC_VIEW_CREATE: %s", err_name((int)v));
	if (!SNAP())
		goto out;
	/* P narrowed and Q unmapped in view v: one INVEPT each; the refused
	 * calls change nothing. */
	if ((rc = view_protect(v, p, HC_EPT_R)) ||
	    (rc = view_protect(v, q, 0)) ||
	    (rc = view_protect(v, p + 1, HC_EPT_R)) != -EINVAL ||
	    (rc = view_protect(v, p, HC_EPT_W)) != -EINVAL ||
	    (rc = view_protect(HC_VIEWS, p, HC_EPT_R)) != -EINVAL ||
	    (rc = view_protect(v, scen_cfg.ram_size, HC_EPT_R)) != -EFAULT) {
		report(false, name, "HC_VIEW_PROTECT: %s", err_name((int)rc));
		goto out;
	}
	if (!EXPECT("HC_VIEW_PROTECT of P and Q", want_inv(2)))
		goto out;
	/* Same HPA in both views; the leaves differ in their rights only. */
	rc = hc_call(HC_TRANSLATE, va, mm_kernel_pa(&walk), HC_WALK_VIEW, 0);
	hpa0 = walk.hpa;
	e0 = walk.final_ept[walk.final_ept_nsteps - 1].entry;
	if (!rc)
		rc = hc_call(HC_TRANSLATE, va, mm_kernel_pa(&walk), HC_WALK_VIEW,
			     (unsigned long)v);
	ev = walk.final_ept[walk.final_ept_nsteps - 1].entry;
	if (rc || walk.result || walk.hpa != hpa0 || (e0 & EPT_RWX) != EPT_RWX ||
	    (ev & EPT_RWX) != HC_EPT_R) {
		report(false, name, "HC_TRANSLATE views 0/%ld: %s, HPA 0x%llx / "
		       "0x%llx, leaf 0x%llx / 0x%llx", v, err_name((int)rc),
		       (unsigned long long)hpa0, (unsigned long long)walk.hpa,
		       (unsigned long long)e0, (unsigned long long)ev);
		goto out;
	}
	if (!SNAP())
		goto out;
	if ((rc = view_switch((unsigned)v))) {
		report(false, name, "switch to view %ld: %s", v, err_name((int)rc));
		goto out;
	}
	if (scen_rd(va) != PAT_VIEW || !write_faults(va, 1) ||
	    scen_rd(va) != PAT_VIEW || !read_faults((uint64_t)(uintptr_t)mm_dm(q))) {
		view_switch(0);
		report(false, name, "view %ld: read 0x%llx, or a write / a read "
		       "of the no-access page did not fault", v,
		       (unsigned long long)scen_rd(va));
		goto out;
	}
	view_switch(0);
	scen_wr(va, PAT_VIEW + 2);                  /* view 0: writable */
	view_switch((unsigned)v);
	rc = scen_rd(va) == PAT_VIEW + 2;           /* the same frame */
	view_switch(0);
	/* The write to P and the read of Q in view v: one violation each,
	 * answered with #GP(0); the switches change no EPT. */
	{
		struct hc_counters w = { .ept_violations = 2 };

		if (!EXPECT("the accesses in views v and 0", w))
			goto out;
	}
	if (!(rc && scen_rd((uint64_t)(uintptr_t)mm_dm(q)) == PAT_VIEW + 1)) {
		report(false, name, "view %ld does not see view 0's write, or "
		       "view 0 cannot read the page view %ld has no access to",
		       v, v);
		goto out;
	}
	if (SNAP()) {
		rc = view_destroy(v);
		v = 0;
		if (EXPECT("HC_VIEW_DESTROY", want_inv(1)))
			report(!rc, name, "HC_VIEW_DESTROY: %s", err_name((int)rc));
	}
out:
	if (v > 0)
		view_destroy(v);
}

/* VMFUNC switches with no VM exit; the hypervisor reads the guest's choice
 * back from the VMCS; a VMFUNC to a view that does not exist, beyond the
 * 512 entries, to a destroyed view or of another function exits and the
 * guest gets #UD. */
static bool vmfunc_ud(uint32_t fn, uint32_t arg)
{
	struct fault_rec f;

	fault_expect(VEC_UD, probe_vmfunc_done);
	probe_vmfunc(fn, arg);
	f = fault_take();
	return f.hit && f.rip == (uint64_t)(uintptr_t)probe_vmfunc_insn;
}

static void views_vmfunc(void)
{
	const char *name = "views.vmfunc";
	struct hc_view_info before;
	unsigned active;
	long v, rc;

	if (!need_views(name))
		return;
	if (!views_have(HC_VF_VMFUNC)) {
		report_skip(name, "no VMFUNC EPTP switching (the CPU model lacks "
			    "\"enable VM functions\"): views switch by "
			    "HC_VIEW_SELECT");
		return;
	}
	if ((v = view_create()) < 1)
		FAIL_RET("HC_VIEW_CREATE: %s", err_name((int)v));
	hc_counters(&c0);
	vmfunc(0, (uint32_t)v);
	(void)scen_rd((uint64_t)(uintptr_t)mm_dm(views_page(0)));
	vmfunc(0, 0);
	hc_counters(&c1);
	vmfunc(0, (uint32_t)v);
	rc = view_info(&info);       /* an exit: EPTP read back from the VMCS */
	active = info.active;
	vmfunc(0, 0);
	if (scen_guest_exits(&c0, &c1) != 1 || rc || active != (unsigned)v) {
		view_destroy(v);
		FAIL_RET("%llu exits around two VMFUNCs (want 0), HC_VIEW_INFO "
			 "%s active %u (want %ld)",
			 (unsigned long long)(scen_guest_exits(&c0, &c1) - 1),
			 err_name((int)rc), active, v);
	}
	view_info(&before);
	if (!SNAP()) {
		view_destroy(v);
		return;
	}
	rc = vmfunc_ud(0, HC_VIEWS + 1) && vmfunc_ud(0, 600) && vmfunc_ud(1, 0);
	view_destroy(v);
	rc = rc && vmfunc_ud(0, (uint32_t)v);
	/* The #UDs change no EPT; the destroy flushes view v. */
	if (!EXPECT("the refused VMFUNCs and HC_VIEW_DESTROY", want_inv(1)))
		return;
	view_info(&info);
	report(rc && info.ctr.vmfunc_ud - before.ctr.vmfunc_ud == 4 &&
	       info.active == 0, name, "VMFUNC to view 9, index 600, function "
	       "1 or destroyed view %ld: #UD %s, %llu counted (want 4)", v,
	       rc ? "each" : "missing",
	       (unsigned long long)(info.ctr.vmfunc_ud - before.ctr.vmfunc_ud));
}

/* HC_VIEW_SELECT: the hypervisor's own switch, on every CPU. */
static void views_select(void)
{
	const char *name = "views.select";
	uint64_t va = (uint64_t)(uintptr_t)mm_dm(views_page(2));
	long v, rc;

	if (!need_views(name))
		return;
	scen_wr(va, PAT_VIEW + 3);
	if ((v = view_create()) < 1)
		FAIL_RET("HC_VIEW_CREATE: %s", err_name((int)v));
	if (!SNAP()) {
		view_destroy(v);
		return;
	}
	if ((rc = view_protect(v, views_page(2), HC_EPT_R)) ||
	    (rc = hc_call(HC_VIEW_SELECT, (unsigned long)v, 0, 0, 0)) ||
	    (rc = view_info(&info)) || info.active != (unsigned)v) {
		hc_call(HC_VIEW_SELECT, 0, 0, 0, 0);
		view_destroy(v);
		FAIL_RET("select view %ld: %s, active %u", v, err_name((int)rc),
			 info.active);
	}
	rc = write_faults(va, 2);
	hc_call(HC_VIEW_SELECT, 0, 0, 0, 0);
	scen_wr(va, PAT_VIEW + 4);
	view_destroy(v);
	/* The protect and the destroy flush view v once each; the selects
	 * change no EPT; the refused write is one violation. */
	{
		struct hc_counters w = want_inv(2);

		w.ept_violations = 1;
		if (!EXPECT("protect, selects, the write, destroy", w))
			return;
	}
	report(rc && scen_rd(va) == PAT_VIEW + 4 &&
	       hc_call(HC_VIEW_SELECT, HC_VIEWS, 0, 0, 0) == -EINVAL &&
	       hc_call(HC_VIEW_SELECT, (unsigned long)v, 0, 0, 0) == -ENOENT,
	       name, "the write in view %ld did not fault, or a bad select was "
	       "not refused", v);
}

/* Demand paging in a view: a page unbacked by HC_DEMAND and first touched
 * in view v is backed once, for every view: both walks end at the same
 * HPA, and view 0 reads what view v wrote. */
static void views_demand(void)
{
	const char *name = "views.demand";
	uint64_t gpa = views_page(3), va = (uint64_t)(uintptr_t)mm_dm(gpa);
	uint64_t hpa_v;
	long v, rc;

	if (!need_views(name))
		return;
	/* Backed (under demand=full by this first touch) and so mapped in
	 * both views, whatever the demand mode: HC_DEMAND unmaps it twice. */
	scen_wr(va, PAT_VIEW + 6);
	if ((v = view_create()) < 1)
		FAIL_RET("HC_VIEW_CREATE: %s", err_name((int)v));
	if (!SNAP()) {
		view_destroy(v);
		return;
	}
	if ((rc = hc_call(HC_DEMAND, gpa, SZ_4K, 0, 0)) ||
	    hc_call(HC_PROBE_GPA, gpa, 0, 0, 0) != -ENOENT) {
		view_destroy(v);
		FAIL_RET("HC_DEMAND: %s, or the page is still backed",
			 err_name((int)rc));
	}
	/* VM-wide: the page leaves views 0 and v, one INVEPT each. */
	if (!EXPECT("HC_DEMAND with two views", want_inv(2))) {
		view_destroy(v);
		return;
	}
	hc_counters(&c0);
	view_switch((unsigned)v);
	rc = scen_rd(va);                     /* demand fault in view v */
	scen_wr(va, PAT_VIEW + 5);
	view_switch(0);
	hc_counters(&c1);
	{
		/* One violation backs the page in both views: maps into
		 * empty slots, no INVEPT. */
		struct hc_counters w = { .ept_violations = 1,
					 .demand_faults = 1 };

		if (!scen_ctr_check(name, "the first touch in view v", &c0, &c1,
				    &w)) {
			view_destroy(v);
			return;
		}
	}
	hpa_v = ~0ULL;
	if (!hc_call(HC_TRANSLATE, va, mm_kernel_pa(&walk), HC_WALK_VIEW,
		     (unsigned long)v) && !walk.result)
		hpa_v = walk.hpa;
	if (!hc_call(HC_TRANSLATE, va, mm_kernel_pa(&walk), HC_WALK_VIEW, 0) &&
	    !walk.result && walk.hpa == hpa_v && rc == 0 &&
	    scen_rd(va) == PAT_VIEW + 5 &&
	    c1.demand_faults - c0.demand_faults == 1)
		report(true, name, NULL);
	else
		report(false, name, "fresh page read 0x%lx, %llu demand faults "
		       "(want 1), HPA in view %ld 0x%llx, in view 0 0x%llx, view "
		       "0 reads 0x%llx", rc,
		       (unsigned long long)(c1.demand_faults - c0.demand_faults),
		       v, (unsigned long long)hpa_v,
		       (unsigned long long)walk.hpa,
		       (unsigned long long)scen_rd(va));
	view_destroy(v);
}

/* Destroying the view the vCPU runs in moves it to view 0 first. */
static void views_destroy_active(void)
{
	const char *name = "views.destroy-active";
	long v, rc;

	if (!need_views(name))
		return;
	if ((v = view_create()) < 1)
		FAIL_RET("HC_VIEW_CREATE: %s", err_name((int)v));
	if ((rc = view_switch((unsigned)v)) || (rc = view_info(&info)) ||
	    info.active != (unsigned)v) {
		view_switch(0);
		view_destroy(v);
		FAIL_RET("switch to view %ld: %s, active %u", v,
			 err_name((int)rc), info.active);
	}
	if (!SNAP()) {
		view_switch(0);
		view_destroy(v);
		return;
	}
	rc = view_destroy(v);
	/* The move to view 0 changes no EPT; view v is flushed once. */
	if (!EXPECT("HC_VIEW_DESTROY of the active view", want_inv(1)))
		return;
	if (!rc)
		rc = view_info(&info);
	report(!rc && info.active == 0 && !(info.live & (1u << v)) &&
	       scen_rd((uint64_t)(uintptr_t)mm_dm(views_page(0))) == PAT_VIEW + 2,
	       name, "destroy of the active view %ld: %s, now in view %u, live "
	       "0x%x", v, err_name((int)rc), info.active, info.live);
}

void scen_views_run(void)
{
	views_create();
	views_protect();
	views_vmfunc();
	views_select();
	views_demand();
	views_destroy_active();
}
