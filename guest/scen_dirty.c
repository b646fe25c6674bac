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
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

#define DIRTY_MAX 32

static uint64_t got[DIRTY_MAX];

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

/* One round: the writes, then the harvest compared with want. */
static bool dirty_round(const char *name, unsigned r)
{
	const struct dirty_round *d = &rounds[r];
	uint16_t seen = 0;
	long n;

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
	return true;
}

static void dirty_scenario(const char *name, unsigned backend)
{
	long rc;

	if (!scen_need_hv(name))
		return;
	rc = hc_call(HC_DIRTY_START, page(0), SCEN_DIRTY_PAGES * SZ_4K,
		     backend, 0);
	if (rc == -EOPNOTSUPP && backend == HC_DIRTY_PML) {
		report_skip(name, "no page-modification logging on this CPU "
			    "model (or no EPT A/D)");
		return;
	}
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
	for (unsigned r = 0; r < ARRAY_SIZE(rounds); r++)
		if (!dirty_round(name, r))
			goto out;
	rc = hc_call(HC_DIRTY_START, 0, 0, 0, 0);
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
