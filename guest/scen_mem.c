/*
 * Guest-RAM scenarios (docs/guest.md): EPT accessed/dirty flags,
 * isolation (beyond guest RAM, fresh RAM reads as zero) and, last of all,
 * the hypervisor's audit. Demand paging is
 * in guest/scen_demand.c. All use pages of the reserved scenario chunk
 * (guest.h SCEN_*), which the guest touches only where said here.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "mm/pt_x86.h"
#include "include/hypercall.h"

#include "include/err.h"
#include "include/x86.h"

#define AD_A         BIT(0)
#define AD_D         BIT(1)

static struct hc_violation vlog[32];
static uint8_t ad[8];

static bool vlog_drain(void)
{
	long n;

	do {
		n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	} while (n == (long)ARRAY_SIZE(vlog));
	return n >= 0;
}

/* HC_EPT_AD of n pages at gpa into ad[]; 0 or -errno. */
static long ept_ad(uint64_t gpa, unsigned n, bool clear)
{
	return hc_call(HC_EPT_AD, gpa, n, mm_kernel_pa(ad), clear ? 1 : 0);
}

/* Any of the first n bytes non-zero. */
static bool memchr_any(const uint8_t *p, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (p[i])
			return true;
	return false;
}

static const char *ad_str(uint8_t v)
{
	static const char *const s[4] = { "--", "A-", "-D", "AD" };

	return s[v & 3];
}

/* ad[i] == want[i] for all i, else FAIL naming the first difference. */
static bool ad_match(const char *name, const char *when, const uint8_t *want,
		     unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		if ((ad[i] & 3) != want[i]) {
			report(false, name, "%s: page %u EPT %s, want %s", when,
			       i, ad_str(ad[i]), ad_str(want[i]));
			return false;
		}
	}
	return true;
}

static void ept_ad_scenario(void)
{
	const char *name = "ept.ad";
	uint64_t gpa = scen_base + SCEN_AD, va = SCEN_SLOT(24);
	/* Pages 0,1 read; 2,3 written; 4,5 untouched. Then 4 read, 5 and
	 * 0 written. */
	static const uint8_t want1[SCEN_AD_PAGES] = {
		AD_A, AD_A, AD_A | AD_D, AD_A | AD_D, 0, 0 };
	static const uint8_t zero[SCEN_AD_PAGES] = { 0 };
	static const uint8_t want2[SCEN_AD_PAGES] = {
		AD_A | AD_D, 0, 0, 0, AD_A, AD_A | AD_D };
	uint64_t pt_pa, split;
	static struct hc_counters c0;
	struct hc_counters want;
	uint8_t pt_old, data_old;
	struct pg_walk w;
	long rc;

	if (!scen_need_hv(name))
		return;
	if (!scen_cfg.ept_ad) {
		report_skip(name, "EPT A/D flags off (HC_CONFIG.ept_ad = 0: "
			    "the CPU model lacks them)");
		return;
	}
	for (unsigned i = 0; i < SCEN_AD_PAGES; i++)   /* back them */
		*(volatile uint64_t *)mm_dm(gpa + i * SZ_4K) = 0xAD0 + i;
	/* EPT A/D live in the EPT leaf: give each test page its own 4 KiB
	 * leaf (protecting part of a large leaf splits it: one INVEPT; 4 KiB
	 * leaves with the same rights: none). The clear then flushes once if
	 * a flag was set (HC_EPT_AD returns them as they were). */
	split = scen_ept_leaf(gpa) > SZ_4K;
	if (!scen_ctr_snap(name, &c0))
		return;
	rc = hc_call(HC_EPT_PROTECT, gpa, SCEN_AD_PAGES * SZ_4K,
		     HC_EPT_R | HC_EPT_W | HC_EPT_X, 0);
	if (!rc)
		rc = ept_ad(gpa, SCEN_AD_PAGES, true);
	if (rc) {
		report(false, name, "HC_EPT_PROTECT / HC_EPT_AD: %s",
		       err_name((int)rc));
		return;
	}
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, (unsigned)split +
			 (memchr_any(ad, SCEN_AD_PAGES) ? 1 : 0));
	if (!scen_ctr_expect(name, "HC_EPT_PROTECT and the first clear", &c0,
			     &want) || !scen_ctr_snap(name, &c0))
		return;
	(void)*(volatile uint64_t *)mm_dm(gpa + 0 * SZ_4K + 8);
	(void)*(volatile uint64_t *)mm_dm(gpa + 1 * SZ_4K + 16);
	*(volatile uint64_t *)mm_dm(gpa + 2 * SZ_4K + 8) = 2;
	*(volatile uint64_t *)mm_dm(gpa + 3 * SZ_4K + 24) = 3;
	if ((rc = ept_ad(gpa, SCEN_AD_PAGES, true)) ||
	    !ad_match(name, "after reads/writes", want1, SCEN_AD_PAGES))
		goto rc_fail;
	/* Cleared (rsi = 1): nothing touched since. */
	if ((rc = ept_ad(gpa, SCEN_AD_PAGES, false)) ||
	    !ad_match(name, "after clear", zero, SCEN_AD_PAGES))
		goto rc_fail;
	(void)*(volatile uint64_t *)mm_dm(gpa + 4 * SZ_4K);
	*(volatile uint64_t *)mm_dm(gpa + 5 * SZ_4K) = 5;
	*(volatile uint64_t *)mm_dm(gpa + 0 * SZ_4K + 32) = 6;
	if ((rc = ept_ad(gpa, SCEN_AD_PAGES, true)) ||
	    !ad_match(name, "set again", want2, SCEN_AD_PAGES))
		goto rc_fail;
	/* Two clears of set flags, one read without clear, and accesses
	 * through 4 KiB leaves: two INVEPT, no violation. */
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, 2);
	if (!scen_ctr_expect(name, "accesses and two clears", &c0, &want))
		return;

	/* SDM 3C "Accessed and Dirty Flags for EPT": with EPT A/D on,
	 * guest paging-structure accesses are treated as writes. The test
	 * PTE already has its guest A bit, so a read through it writes no
	 * guest entry, yet the page table's EPT leaf gets A and D. */
	if ((rc = scen_map4k(va, gpa + SZ_4K)))
		goto rc_fail;
	(void)scen_rd(va);                   /* guest PTE.A set now */
	pg_walk_va(&guest_space, va, &w);
	pt_pa = w.step[3].table_pa;
	invlpg(va);
	split = scen_ept_leaf(pt_pa) > SZ_4K;
	pt_old = data_old = 0;
	if (!scen_ctr_snap(name, &c0)) {
		scen_unmap(va, SZ_4K);
		return;
	}
	rc = hc_call(HC_EPT_PROTECT, pt_pa, SZ_4K,
		     HC_EPT_R | HC_EPT_W | HC_EPT_X, 0);
	if (!rc && !(rc = ept_ad(pt_pa, 1, true)))
		pt_old = ad[0];
	if (!rc && !(rc = ept_ad(gpa + SZ_4K, 1, true)))
		data_old = ad[0];
	if (rc) {
		scen_unmap(va, SZ_4K);
		goto rc_fail;
	}
	invlpg(va);
	(void)scen_rd(va + 8);               /* walk PT page, read page 1 */
	rc = ept_ad(pt_pa, 1, false);
	uint8_t pt_ad = ad[0];
	if (!rc)
		rc = ept_ad(gpa + SZ_4K, 1, false);
	scen_unmap(va, SZ_4K);
	if (rc)
		goto rc_fail;
	/* The PT page's split (if its leaf was large), one flush per clear
	 * of set flags, the read through 4 KiB leaves: no violation. */
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, (unsigned)split + (pt_old ? 1 : 0) +
			 (data_old ? 1 : 0));
	if (!scen_ctr_expect(name, "the page-table page", &c0, &want))
		return;
	report((pt_ad & 3) == (AD_A | AD_D) && (ad[0] & 3) == AD_A, name,
	       "after one read through PT page 0x%llx: PT EPT %s (want AD, "
	       "a paging-structure access counts as a write), data EPT %s "
	       "(want A-)", (unsigned long long)pt_pa, ad_str(pt_ad),
	       ad_str(ad[0]));
	return;
rc_fail:
	if (rc)
		report(false, name, "hypercall: %s", err_name((int)rc));
}

static void fresh_ram_zero(void)
{
	const char *name = "isolation.fresh-ram-zero";
	uint64_t gpa = scen_base + SCEN_FRESH;
	static struct hc_counters c0;
	struct hc_counters want = { 0 };

	if (!scen_need_hv(name) || !scen_ctr_snap(name, &c0))
		return;
	for (uint64_t off = 0; off < SCEN_FRESH_PAGES * SZ_4K; off += 8) {
		uint64_t v = *(volatile uint64_t *)mm_dm(gpa + off);
		if (v) {
			report(false, name, "GPA 0x%llx reads 0x%llx",
			       (unsigned long long)(gpa + off),
			       (unsigned long long)v);
			return;
		}
	}
	/* Backed at boot: no exit. demand=full: the first read of each
	 * page is one violation backing it (a final access). */
	if (scen_cfg.demand == HC_DEMAND_FULL)
		want.ept_violations = want.demand_faults = SCEN_FRESH_PAGES;
	if (scen_ctr_expect(name, "reading the fresh pages", &c0, &want))
		report(true, name, NULL);
}

static void beyond_ram(void)
{
	const char *name = "isolation.beyond-ram";
	uint64_t va = SCEN_SLOT(25), ram = scen_cfg.ram_size, off = 0x18;
	uint64_t fa = 0;
	static struct hc_counters c0;
	struct hc_counters want;
	struct fault_rec fr;
	bool logged = false;
	long rc, n;

	if (!scen_need_hv(name))
		return;
	rc = hc_call(HC_PROBE_GPA, ram, 0, 0, 0);
	if (rc != -ENOENT) {
		report(false, name, "HC_PROBE_GPA(ram_size 0x%llx): %s, want "
		       "-ENOENT", (unsigned long long)ram, err_name((int)rc));
		return;
	}
	/* Read through a valid frame first, then point the PTE beyond
	 * RAM (the engine's INVLPG is the flush). */
	fa = mm_alloc_frame();
	if (!fa || scen_map4k(va, fa)) {
		report(false, name, "no frame or pg_map failed");
		goto out;
	}
	(void)scen_rd(va + off);
	pg_unmap(&guest_space, va, SZ_4K);
	if ((rc = pg_map(&guest_space, va, ram, SZ_4K, PG_PROT_R))) {
		report(false, name, "pg_map to 0x%llx: %s",
		       (unsigned long long)ram, err_name((int)rc));
		goto out;
	}
	vlog_drain();
	if (!scen_ctr_snap(name, &c0)) {
		scen_unmap(va, SZ_4K);
		goto out;
	}
	fault_expect(VEC_GP, probe_read64_done);
	probe_read64(va + off);
	fr = fault_take();
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	scen_unmap(va, SZ_4K);
	/* One violation, answered with #GP(0); nothing mapped or flushed. */
	want = (struct hc_counters){ .ept_violations = 1 };
	if (!scen_ctr_expect(name, "the read beyond RAM", &c0, &want))
		goto out;
	for (long i = 0; i < n; i++)
		logged |= ALIGN_DOWN(vlog[i].gpa, SZ_4K) == ram;
	report(fr.hit && fr.vector == VEC_GP && fr.error_code == 0 &&
	       fr.rip == (uint64_t)(uintptr_t)probe_read64_insn && logged,
	       name, "fault hit %d vector %llu error 0x%llx RIP 0x%llx (want "
	       "#GP(0) at %p); violation log %ld entries, GPA 0x%llx %s",
	       fr.hit, (unsigned long long)fr.vector,
	       (unsigned long long)fr.error_code, (unsigned long long)fr.rip,
	       probe_read64_insn, n, (unsigned long long)ram,
	       logged ? "logged" : "not logged");
out:
	if (fa)
		mm_free_frame(fa);
}

/* hv.audit, after every other scenario: HC_AUDIT finds the hypervisor's
 * .text and .rodata as they were at boot and every EPT leaf inside the
 * VM's own frames, whatever the scenarios did to the EPT. */
void scen_audit_run(void)
{
	const char *name = "hv.audit";
	long rc;

	if (!scen_need_hv(name))
		return;
	rc = hc_call(HC_AUDIT, 0, 0, 0, 0);
	report(rc == 0, name, "HC_AUDIT: %s (the hypervisor's audit: lines "
	       "name what it found)", err_name((int)rc));
}

void scen_mem_run(void)
{
	ept_ad_scenario();
	fresh_ram_zero();
	beyond_ram();
}
