/*
 * Dirty logging (docs/guest.md, docs/ept-views.md): HC_DIRTY_START on the
 * 16 pages of SCEN_DIRTY, which hold no guest page tables (under EPT A/D
 * the CPU's page walks count as writes), then three rounds of writes, each
 * harvested with HC_DIRTY_LOG and compared with the exact set written:
 *   1. the guest writes pages 1, 3, 4, 9 and reads page 6; the hypervisor
 *      writes page 12 (an HC_COUNTERS result) and page 14 (HC_EPT_REMAP);
 *   2. the guest writes pages 2 and 3 (3 again: the harvest re-armed it);
 *   3. nothing.
 * Once with page-modification logging (dirty.pml) and once with write
 * protection (dirty.wp): both must report exactly the same sets.
 *
 * Each step's counter change is exact (docs/guest.md "Counter deltas"):
 *   start  PML: one INVEPT per large leaf split to 4 KiB, one if a D bit
 *          of the range was set (cleared); WP: one (W taken, a split in
 *          the same call)
 *   round  PML: no violation; INVEPT 1 for the remap, 1 for the harvest's
 *          D clear if a page was written. WP: one violation and one
 *          write-track fault per guest write, one write-track fault per
 *          hypervisor write; INVEPT 1 for the remap, and one per run of
 *          consecutive written pages when the harvest takes W again
 *   stop   nothing (W given back to 4 KiB leaves needs no INVEPT)
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

#define DIRTY_MAX 32

static uint64_t got[DIRTY_MAX];
static struct hc_counters k0;
static uint8_t ad[SCEN_DIRTY_PAGES];

struct dirty_round {
	uint16_t guest_writes, hv_counters, hv_remap;   /* page bit masks */
	uint16_t want;
};

static const struct dirty_round rounds[] = {
	{ BIT(1) | BIT(3) | BIT(4) | BIT(9), BIT(12), BIT(14),
	  BIT(1) | BIT(3) | BIT(4) | BIT(9) | BIT(12) | BIT(14) },
	{ BIT(2) | BIT(3), 0, 0, BIT(2) | BIT(3) },
	{ 0, 0, 0, 0 },
};

static uint64_t page(unsigned i)
{
	return scen_base + SCEN_DIRTY + (uint64_t)i * SZ_4K;
}

static unsigned popcount16(uint16_t m)
{
	unsigned n = 0;

	for (; m; m &= (uint16_t)(m - 1))
		n++;
	return n;
}

/* Maximal runs of consecutive set bits in m. */
static unsigned runs16(uint16_t m)
{
	return popcount16((uint16_t)(m & ~(m << 1)));
}

/* What a round changes (see the top of the file). */
static struct hc_counters round_want(const struct dirty_round *d,
				     unsigned backend)
{
	struct hc_counters w = { 0 };
	unsigned inv = d->hv_remap ? 1 : 0;

	if (backend == HC_DIRTY_PML) {
		inv += d->want ? 1 : 0;
	} else {
		w.ept_violations = popcount16(d->guest_writes);
		w.write_track_faults = popcount16(d->guest_writes |
						  d->hv_counters | d->hv_remap);
		inv += runs16(d->want);
	}
	scen_want_invept(&w, inv);
	return w;
}

/* One round: the writes, then the harvest compared with want. */
static bool dirty_round(const char *name, unsigned r, unsigned backend)
{
	const struct dirty_round *d = &rounds[r];
	struct hc_counters want = round_want(d, backend);
	uint16_t seen = 0;
	long n;

	if (!scen_ctr_snap(name, &k0))
		return false;

	for (unsigned i = 0; i < SCEN_DIRTY_PAGES; i++) {
		if (d->guest_writes & BIT(i))
			scen_wr((uint64_t)(uintptr_t)mm_dm(page(i)) + 8 * r,
				0xD1D1000000000000ULL | (r << 8) | i);
		if (d->hv_counters & BIT(i))
			hc_call(HC_COUNTERS, page(i) + 0x100, 0, 0, 0);
		if (d->hv_remap & BIT(i))
			hc_call(HC_EPT_REMAP, page(i), 0xD1D1D1D1D1D1D1D1ULL, 0, 0);
	}
	(void)scen_rd((uint64_t)(uintptr_t)mm_dm(page(6)));   /* a read */
	n = hc_call(HC_DIRTY_LOG, mm_kernel_pa(got), DIRTY_MAX, 0, 0);
	for (long k = 0; k >= 0 && k < n; k++) {
		uint64_t off = got[k] - page(0);

		if (got[k] < page(0) || (off & (SZ_4K - 1)) ||
		    off >= SCEN_DIRTY_PAGES * SZ_4K ||
		    (k && got[k] <= got[k - 1])) {
			report(false, name, "round %u: entry %ld GPA 0x%llx is not "
			       "an ascending page of the range", r + 1, k,
			       (unsigned long long)got[k]);
			return false;
		}
		seen |= (uint16_t)BIT(off >> 12);
	}
	if (n < 0 || seen != d->want) {
		report(false, name, "round %u: HC_DIRTY_LOG %ld, pages 0x%04x, "
		       "want 0x%04x", r + 1, n, seen, d->want);
		return false;
	}
	return scen_ctr_expect(name, r == 0 ? "round 1" : r == 1 ? "round 2" :
			       "round 3", &k0, &want);
}

/* HC_DIRTY_START's INVEPT (see the top of the file), asked before it. */
static bool start_want(const char *name, unsigned backend,
		       struct hc_counters *w)
{
	uint64_t last = ~0ULL;
	unsigned inv = 0;
	bool dirty = false;

	*w = (struct hc_counters){ 0 };
	if (backend == HC_DIRTY_WP) {
		scen_want_invept(w, 1);
		return true;
	}
	for (unsigned i = 0; i < SCEN_DIRTY_PAGES; i++) {
		uint64_t size = scen_ept_leaf(page(i));

		if (size > SZ_4K && ALIGN_DOWN(page(i), size) != last) {
			last = ALIGN_DOWN(page(i), size);
			inv++;
		}
	}
	if (hc_call(HC_EPT_AD, page(0), SCEN_DIRTY_PAGES, mm_kernel_pa(ad), 0)) {
		report(false, name, "HC_EPT_AD of the range failed");
		return false;
	}
	for (unsigned i = 0; i < SCEN_DIRTY_PAGES; i++)
		dirty |= ad[i] & 2;
	scen_want_invept(w, inv + (dirty ? 1 : 0));
	return true;
}

static void dirty_scenario(const char *name, unsigned backend)
{
	struct hc_counters want;
	long rc;

	if (!scen_need_hv(name))
		return;
	if (backend == HC_DIRTY_PML && !views_have(HC_VF_PML)) {
		rc = hc_call(HC_DIRTY_START, page(0), SCEN_DIRTY_PAGES * SZ_4K,
			     backend, 0);
		if (rc == -EOPNOTSUPP)
			report_skip(name, "no page-modification logging on "
				    "this CPU model (or no EPT A/D)");
		else
			report(false, name, "HC_DIRTY_START without PML: %s, "
			       "want -EOPNOTSUPP", err_name((int)rc));
		if (rc >= 0)
			hc_call(HC_DIRTY_START, 0, 0, 0, 0);
		return;
	}
	if (!start_want(name, backend, &want) || !scen_ctr_snap(name, &k0))
		return;
	rc = hc_call(HC_DIRTY_START, page(0), SCEN_DIRTY_PAGES * SZ_4K,
		     backend, 0);
	if (rc != (long)backend) {
		report(false, name, "HC_DIRTY_START: %s, want back end %u",
		       err_name((int)rc), backend);
		return;
	}
	rc = hc_call(HC_DIRTY_START, page(0), SZ_4K, backend, 0);
	if (rc != -EBUSY) {
		report(false, name, "a second HC_DIRTY_START: %s, want -EBUSY",
		       err_name((int)rc));
		goto out;
	}
	if (!scen_ctr_expect(name, "HC_DIRTY_START", &k0, &want))
		goto out;
	for (unsigned r = 0; r < ARRAY_SIZE(rounds); r++)
		if (!dirty_round(name, r, backend))
			goto out;
	if (!scen_ctr_snap(name, &k0))
		goto out;
	rc = hc_call(HC_DIRTY_START, 0, 0, 0, 0);
	want = (struct hc_counters){ 0 };
	if (!scen_ctr_expect(name, "the stop", &k0, &want))
		return;
	report(!rc && hc_call(HC_DIRTY_LOG, mm_kernel_pa(got), DIRTY_MAX, 0,
			      0) == -ENOENT, name, "stop: %s, or HC_DIRTY_LOG "
	       "after it was not -ENOENT", err_name((int)rc));
	return;
out:
	hc_call(HC_DIRTY_START, 0, 0, 0, 0);
}

void scen_dirty_run(void)
{
	dirty_scenario("dirty.pml", HC_DIRTY_PML);
	dirty_scenario("dirty.wp", HC_DIRTY_WP);
}
