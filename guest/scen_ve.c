/*
 * The #VE hook (docs/guest.md, docs/ept-views.md; SDM 3C "Virtualization
 * Exceptions"): a page readable in view 1 but not in view 0 (execute-only
 * there, suppress-#VE cleared). A read in view 0 is an EPT violation the
 * CPU turns into #VE: the guest's vector-20 handler reads the information
 * area, switches to view 1 with VMFUNC, re-arms the area and returns; the
 * read runs again and completes. Not one VM exit on the way, counted with
 * HC_COUNTERS (interrupts stay off and the guest arms no timer). Then the
 * same violation with the area left busy: it exits, and the hypervisor
 * answers #GP(0).
 *
 * The EPT changes are counted exactly (docs/guest.md "Counter deltas"):
 * the protect narrows view 0's leaf and HC_VIEW_VE changes its #VE
 * attribute (one INVEPT each, mm/paging.h), HC_VE_INFO changes no leaf;
 * at the end the protect back (rights added, the attribute changed) and
 * the destroy flush once each.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

#define PAT_HOOK   0x4B00C0FFEE000001ULL
#define VEQ_READ   BIT(0)       /* SDM 3C "Exit Qualification for EPT */
#define VEQ_READABLE BIT(3)     /* Violations" */
#define VEQ_GLA    BIT(7)
#define VEQ_FINAL  BIT(8)
#define EXIT_EPT_VIOLATION 48

static volatile struct hc_ve_info *ve_area;
static struct hc_ve_info ve_seen;
static unsigned ve_count, ve_target;
static struct hc_counters c0, c1, k0;
static struct hc_view_info info;

/* Vector 20: no print, no hypercall (either would exit). */
static void ve_switch_handler(struct isr_frame *f)
{
	ve_seen.reason = ve_area->reason;
	ve_seen.qual = ve_area->qual;
	ve_seen.gla = ve_area->gla;
	ve_seen.gpa = ve_area->gpa;
	ve_seen.eptp_index = ve_area->eptp_index;
	ve_count++;
	vmfunc(0, ve_target);
	ve_area->busy = 0;                 /* re-armed */
}

static const char *ve_bad(uint64_t gpa, uint64_t va)
{
	if (ve_count != 1)
		return "the handler did not run exactly once";
	if (ve_seen.reason != EXIT_EPT_VIOLATION)
		return "reason is not 48";
	if (!(ve_seen.qual & VEQ_READ) || (ve_seen.qual & VEQ_READABLE) ||
	    !(ve_seen.qual & VEQ_GLA) || !(ve_seen.qual & VEQ_FINAL))
		return "qualification is not a final read of an unreadable page";
	/* The address of the access, offset included. */
	if (ve_seen.gpa != gpa + (va & (SZ_4K - 1)) || ve_seen.gla != va)
		return "GPA or GLA differ";
	if (ve_seen.eptp_index != 0)
		return "EPTP index is not view 0";
	return NULL;
}

static void ve_hook_scenario(void)
{
	const char *name = "views.ve-hook";
	uint64_t gpa = scen_base + SCEN_VIEWS + 4 * SZ_4K;
	uint64_t info_gpa = scen_base + SCEN_VIEWS + 5 * SZ_4K;
	uint64_t va = (uint64_t)(uintptr_t)mm_dm(gpa) + 0x28, val;
	struct fault_rec fr;
	const char *bad;
	long v, rc;

	if (!scen_need_hv(name))
		return;
	if (!views_have(HC_VF_VE) || !views_have(HC_VF_VMFUNC)) {
		report_skip(name, "no EPT-violation #VE or no VMFUNC EPTP "
			    "switching on this CPU model");
		return;
	}
	*(volatile uint64_t *)(uintptr_t)va = PAT_HOOK;
	ve_area = mm_dm(info_gpa);
	if ((v = hc_call(HC_VIEW_CREATE, 0, 0, 0, 0)) < 1) {
		report(false, name, "HC_VIEW_CREATE: %s", err_name((int)v));
		return;
	}
	ve_target = (unsigned)v;
	if (!scen_ctr_snap(name, &k0))
		goto out;
	/* View 0: execute-only, convertible; view v keeps RWX. */
	if ((rc = hc_call(HC_VIEW_PROTECT, 0, gpa, SZ_4K, HC_EPT_X)) ||
	    (rc = hc_call(HC_VIEW_VE, 0, gpa, SZ_4K, 1)) ||
	    (rc = hc_call(HC_VE_INFO, info_gpa, 0, 0, 0))) {
		report(false, name, "HC_VIEW_PROTECT / HC_VIEW_VE / HC_VE_INFO: "
		       "%s", err_name((int)rc));
		goto out;
	}
	{
		struct hc_counters w = { 0 };

		scen_want_invept(&w, 2);
		if (!scen_ctr_expect(name, "HC_VIEW_PROTECT, HC_VIEW_VE, "
				     "HC_VE_INFO", &k0, &w))
			goto out;
	}
	ve_hook = ve_switch_handler;
	/* Bochs 2.7 reports in the #VE information the EPTP index of the
	 * guest's last VMFUNC, not the EPTP-index field the hypervisor wrote
	 * since (docs/ept-views.md): switch to view 0 by VMFUNC first, so
	 * that both say 0. */
	vmfunc(0, 0);
	hc_counters(&c0);
	val = *(volatile uint64_t *)(uintptr_t)va;      /* #VE, then view v */
	hc_counters(&c1);
	ve_hook = NULL;
	rc = view_info(&info);
	vmfunc(0, 0);
	bad = ve_bad(gpa, va);
	if (val != PAT_HOOK || bad || scen_guest_exits(&c0, &c1) != 1 ||
	    c1.ept_violations != c0.ept_violations || rc ||
	    info.active != (unsigned)v) {
		report(false, name, "%s (index %u reason %u qual 0x%llx GPA "
		       "0x%llx), read 0x%llx, %llu VM exits and %llu "
		       "EPT-violation exits across the hooked read (want 0 and "
		       "0), active view %u (want %ld)",
		       bad ? bad : "#VE information right", ve_seen.eptp_index,
		       ve_seen.reason, (unsigned long long)ve_seen.qual,
		       (unsigned long long)ve_seen.gpa, (unsigned long long)val,
		       (unsigned long long)(scen_guest_exits(&c0, &c1) - 1),
		       (unsigned long long)(c1.ept_violations - c0.ept_violations),
		       info.active, v);
		goto out;
	}
	/* The area left busy: the same violation exits instead. */
	ve_area->busy = 0xFFFFFFFF;
	hc_counters(&c0);
	fault_expect(VEC_GP, probe_read64_done);
	probe_read64(va);
	fr = fault_take();
	hc_counters(&c1);
	view_info(&info);
	{
		/* The exit is one violation, answered with #GP(0): no EPT
		 * change. */
		struct hc_counters w = { .ept_violations = 1 };

		if (!scen_ctr_check(name, "the read with the area busy", &c0,
				    &c1, &w))
			goto out;
	}
	if (!(fr.hit && info.ctr.ve_busy >= 1)) {
		report(false, name, "with the area busy: #GP %s, %llu busy "
		       "exits counted", fr.hit ? "seen" : "missing",
		       (unsigned long long)info.ctr.ve_busy);
		goto out;
	}
	if (scen_ctr_snap(name, &k0)) {
		struct hc_counters w = { 0 };

		ve_hook = NULL;
		hc_call(HC_VE_INFO, 0, 0, 0, 0);
		rc = hc_call(HC_VIEW_PROTECT, 0, gpa, SZ_4K,
			     HC_EPT_R | HC_EPT_W | HC_EPT_X);
		if (!rc)
			rc = hc_call(HC_VIEW_DESTROY, (unsigned long)v, 0, 0, 0);
		v = 0;
		scen_want_invept(&w, 2);
		if (scen_ctr_expect(name, "#VE off, protect back, destroy",
				    &k0, &w))
			report(!rc, name, "HC_VIEW_PROTECT back / "
			       "HC_VIEW_DESTROY: %s", err_name((int)rc));
	}
out:
	ve_hook = NULL;
	hc_call(HC_VE_INFO, 0, 0, 0, 0);
	hc_call(HC_VIEW_PROTECT, 0, gpa, SZ_4K, HC_EPT_R | HC_EPT_W | HC_EPT_X);
	if (v > 0)
		hc_call(HC_VIEW_DESTROY, (unsigned long)v, 0, 0, 0);
}

void scen_ve_run(void)
{
	ve_hook_scenario();
}
