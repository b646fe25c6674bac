/*
 * Demand-paging scenarios (docs/guest.md): HC_DEMAND on a buffer, and
 * demand=full, where the violation log tells guest paging-structure
 * accesses (qualification bit 8 = 0) from final accesses. Both use pages
 * of the reserved scenario chunk (guest.h SCEN_*) that nothing else
 * touches, so the expected fault counts are exact.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "mm/pt_x86.h"
#include "include/hypercall.h"

#include "include/err.h"
#include "include/x86.h"

/* SDM 3C "Exit Qualification for EPT Violations". */
#define EQ_GLA_OK    BIT(7)     /* guest linear address field valid */
#define EQ_FINAL     BIT(8)     /* the final access, not a table entry */

static struct hc_violation vlog[32];
static struct hc_counters cnt0, cnt1;

static bool vlog_drain(void)
{
	long n;

	do {
		n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	} while (n == (long)ARRAY_SIZE(vlog));
	return n >= 0;
}

/* One access per page: reads return what they read in got[]. Kept out
 * of line so the warm-up run pages in the same code. */
static __attribute__((noinline)) void touch(uint64_t base, const unsigned *idx,
					    unsigned n, uint64_t *got)
{
	for (unsigned i = 0; i < n; i++) {
		volatile uint64_t *p = mm_dm(base + idx[i] * SZ_4K + 8 * i);
		if (i & 1) {
			*p = 0xDE3A0D00 + i;
			got[i] = 0;
		} else {
			got[i] = *p;
		}
	}
}

static void demand_buffer(void)
{
	const char *name = "demand.buffer";
	static const unsigned warm[2] = { 62, 61 };
	static const unsigned idx[] = { 0, 5, 9, 13, 20, 27, 31, 38, 44, 50,
					57, 63 };
	const unsigned k = ARRAY_SIZE(idx);
	uint64_t gpa = scen_base + SCEN_DEMAND, got[ARRAY_SIZE(idx)];
	struct hc_counters want;
	long rc;

	if (!scen_need_hv(name))
		return;
	/* Non-zero data first, read back: the old backing is live. */
	for (unsigned i = 0; i < SCEN_DEMAND_PAGES; i++)
		for (unsigned j = 0; j < 512; j++)
			*(volatile uint64_t *)mm_dm(gpa + i * SZ_4K + j * 8) =
				0xB0FF000000000000ULL | (i << 12) | j;
	if ((rc = hc_counters(&cnt0)))
		goto rc_fail;
	rc = hc_call(HC_DEMAND, gpa, SCEN_DEMAND_PAGES * SZ_4K, 0, 0);
	if (rc) {
		report(false, name, "HC_DEMAND: %s", err_name((int)rc));
		return;
	}
	/* The buffer was mapped (just written): its unmap flushes once. */
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, 1);
	if (!scen_ctr_expect(name, "HC_DEMAND", &cnt0, &want))
		return;
	rc = hc_call(HC_PROBE_GPA, gpa + SZ_4K, 0, 0, 0);
	if (rc != -ENOENT) {
		report(false, name, "HC_PROBE_GPA of an untouched demand page: "
		       "%s, want -ENOENT", err_name((int)rc));
		return;
	}
	touch(gpa, warm, 2, got);                  /* pages in the code */
	if ((rc = hc_counters(&cnt0)))
		goto rc_fail;
	touch(gpa, idx, k, got);
	if ((rc = hc_counters(&cnt1)))
		goto rc_fail;
	/* One violation and one demand fault (a final access) per touched
	 * page; a map into an empty slot flushes nothing. */
	want = (struct hc_counters){ .ept_violations = k, .demand_faults = k };
	if (!scen_ctr_check(name, "the first touches", &cnt0, &cnt1, &want))
		return;
	for (unsigned i = 0; i < k; i++) {
		uint64_t pg = gpa + idx[i] * SZ_4K;
		uint64_t other = *(volatile uint64_t *)mm_dm(pg + 0xFF8);
		if (got[i] || other) {
			report(false, name, "page %u reads 0x%llx / 0x%llx after "
			       "its first touch, want zero (old data 0xB0FF..)",
			       idx[i], (unsigned long long)got[i],
			       (unsigned long long)other);
			return;
		}
	}
	/* Touched again: no new fault of any kind, the writes stayed. */
	touch(gpa, idx, k, got);
	want = (struct hc_counters){ 0 };
	if (!scen_ctr_expect(name, "the second touches", &cnt1, &want))
		return;
	report(*(volatile uint64_t *)mm_dm(gpa + 5 * SZ_4K + 8) ==
	       0xDE3A0D01 && hc_call(HC_PROBE_GPA, gpa, 0, 0, 0) == 0,
	       name, "second touch: a write was lost");
	return;
rc_fail:
	report(false, name, "HC_COUNTERS: %s", err_name((int)rc));
}

/* demand=full: one new page table page F and one data page D, neither
 * ever touched. PD[3] of the test window -> F; a read of VA walks F
 * (a paging-structure access to an unbacked GPA: backed zeroed, so the
 * PTE is absent and the guest takes #PF); then the guest writes the
 * PTE (F is backed now) -> D, and the read is a final access to D.
 * These two entries are written by hand, not through the paging engine:
 * the CPU's walk must be F's first touch, and the engine links only a
 * table page it takes from its allocator (zeroed, so touched) and writes
 * a leaf into. Both entries are cleared again before the engine next
 * edits this space. */
struct full_res {
	long rc;
	struct fault_rec pf;
	uint64_t val;
	long n;
	uint64_t faults, pstruct;
};

static void full_once(uint64_t va, uint64_t f, uint64_t d, uint64_t *pd,
		      struct full_res *r)
{
	unsigned idx = (va >> 12) & 511;

	*r = (struct full_res){ 0 };
	vlog_drain();
	if ((r->rc = hc_counters(&cnt0)))
		return;
	pd[(va >> 21) & 511] = f | PTE_P | PTE_RW;
	invlpg(va);
	fault_expect(VEC_PF, probe_read64_done);
	probe_read64(va);
	r->pf = fault_take();
	((volatile uint64_t *)mm_dm(f))[idx] = d | PTE_P | PTE_RW | PTE_NX;
	invlpg(va);
	r->val = scen_rd(va);
	r->rc = hc_counters(&cnt1);
	r->n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	((volatile uint64_t *)mm_dm(f))[idx] = 0;
	pd[(va >> 21) & 511] = 0;
	invlpg(va);
	r->faults = cnt1.demand_faults - cnt0.demand_faults;
	r->pstruct = cnt1.demand_paging_struct - cnt0.demand_paging_struct;
}

/* The log entry for page pg: exactly one, with the given kind. */
static const char *full_entry_bad(const struct full_res *r, uint64_t pg,
				  uint64_t want_gpa, uint64_t gla, bool final)
{
	const struct hc_violation *hit = NULL;

	for (long i = 0; i < r->n; i++) {
		if (ALIGN_DOWN(vlog[i].gpa, SZ_4K) != pg)
			continue;
		if (hit)
			return "two log entries for the page";
		hit = &vlog[i];
	}
	if (!hit)
		return "no log entry for the page";
	if (hit->gpa != want_gpa || !(hit->qual & EQ_GLA_OK) ||
	    hit->gla != gla || !!(hit->qual & EQ_FINAL) != final)
		return final ? "data entry: gpa/gla/qual (bit 8 = 1) wrong"
			     : "table entry: gpa/gla/qual (bit 8 = 0) wrong";
	if (hit->ept_leaf_gpa > hit->gpa ||
	    hit->gpa - hit->ept_leaf_gpa >= SZ_1G)
		return "ept_leaf_gpa does not cover the GPA";
	return NULL;
}

static void demand_full(void)
{
	const char *name = "demand.full";
	uint64_t f[2] = { scen_base + SCEN_FULL, scen_base + SCEN_FULL + 2 * SZ_4K };
	uint64_t d[2] = { f[0] + SZ_4K, f[1] + SZ_4K };
	uint64_t va = SCEN_VA_FULL + 0x5000, *pd;
	struct full_res r;
	struct hc_counters want;
	struct pg_walk w;
	const char *bad;

	if (!scen_need_hv(name))
		return;
	if (scen_cfg.demand != HC_DEMAND_FULL) {
		report_skip(name, "guest RAM is backed at boot "
			    "(HC_CONFIG.demand = %u, not full)", scen_cfg.demand);
		return;
	}
	for (unsigned i = 0; i < 2; i++)
		if (hc_call(HC_PROBE_GPA, f[i], 0, 0, 0) != -ENOENT ||
		    hc_call(HC_PROBE_GPA, d[i], 0, 0, 0) != -ENOENT) {
			report(false, name, "test pages backed before any touch");
			return;
		}
	/* The test window's PD, found through its anchor page (slot 511). */
	if (pg_walk_va(&guest_space, SCEN_SLOT(511), &w) || w.nsteps != 4) {
		report(false, name, "test window not mapped");
		return;
	}
	pd = mm_dm(w.step[2].table_pa);
	if (pd[(va >> 21) & 511]) {
		report(false, name, "PD slot in use");
		return;
	}
	/* Run 1 pages in any guest code the sequence needs; run 2 must
	 * then show exactly the two demand faults. */
	full_once(va, f[0], d[0], pd, &r);
	full_once(va + SZ_4K, f[1], d[1], pd, &r);
	if (r.rc || r.n < 0) {
		report(false, name, "HC_COUNTERS / HC_VIOLATION_LOG: %s / %s",
		       err_name((int)r.rc), err_name((int)r.n));
		return;
	}
	if (!r.pf.hit || r.pf.vector != VEC_PF || r.pf.cr2 != va + SZ_4K ||
	    (r.pf.error_code & PF_ERR_P)) {
		report(false, name, "no not-present #PF at 0x%llx through the "
		       "zero-filled table page (hit %d cr2 0x%llx err 0x%llx)",
		       (unsigned long long)(va + SZ_4K), r.pf.hit,
		       (unsigned long long)r.pf.cr2,
		       (unsigned long long)r.pf.error_code);
		return;
	}
	if (r.val) {
		report(false, name, "fresh data page reads 0x%llx",
		       (unsigned long long)r.val);
		return;
	}
	bad = full_entry_bad(&r, f[1], f[1] + ((va + SZ_4K) >> 12 & 511) * 8,
			     va + SZ_4K, false);
	if (!bad)
		bad = full_entry_bad(&r, d[1], d[1], va + SZ_4K, true);
	if (bad) {
		report(false, name, "%s (%ld entries)", bad, r.n);
		return;
	}
	/* Run 2 alone: two violations, both demand faults, one of them a
	 * paging-structure access; maps into empty slots flush nothing. */
	want = (struct hc_counters){ .ept_violations = 2, .demand_faults = 2,
				     .demand_paging_struct = 1 };
	if (!scen_ctr_check(name, "the second run", &cnt0, &cnt1, &want))
		return;
	report(r.n == 2, name, "%ld log entries, want 2", r.n);
}

void scen_demand_run(void)
{
	demand_buffer();
	demand_full();
}
