/*
 * Two-dimensional translation scenarios (docs/guest.md): HC_TRANSLATE
 * against the guest's own walk, and guest/EPT leaf-size combinations.
 * They run before any scenario that changes the EPT (remap, protect,
 * write-track, demand), so the boot-time EPT leaves are still whole. The
 * two that protect a range require its exact INVEPT count.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "include/err.h"
#include "include/x86.h"

#define XLATE_PAT  0x2D7A1A7E00000000ULL

static struct hc_walk walk;
/* A data page of the kernel, for the printed 2D-walk diagram. */
static volatile uint64_t xlate_probe[4] = { 0x2D, 0x7A, 0x1A, 0x7E };

/* Map slot -> gpa, read it (cached), check HC_TRANSLATE with the given
 * EPT leaf size; then unmap. */
static bool guest4k_in(const char *name, unsigned slot, uint64_t gpa,
		       uint64_t esize)
{
	uint64_t va = SCEN_SLOT(slot);
	bool ok;
	int rc = scen_map4k(va, gpa);

	if (rc) {
		report(false, name, "pg_map: %s", err_name(rc));
		return false;
	}
	(void)scen_rd(va + 8);
	ok = scen_xlate_check(name, va + 8, gpa + 8, SZ_4K, esize, false,
			      &walk);
	scen_unmap(va, SZ_4K);
	return ok;
}

static const char *leaf_skip(uint64_t size)
{
	unsigned bit = size == SZ_1G ? PG_SIZE_1G : PG_SIZE_2M;

	if (!(scen_cfg.ept_leaf_sizes & bit))
		return "EPT leaf size not allowed (HC_CONFIG.ept_leaf_sizes)";
	if (scen_cfg.demand == HC_DEMAND_FULL)
		return "demand=full backs guest RAM in 4 KiB EPT leaves";
	if (size == SZ_1G && scen_cfg.ram_size < SZ_1G)
		return "guest RAM below 1 GiB holds no 1 GiB EPT leaf";
	return NULL;
}

static void large_guest4k_ept1g(void)
{
	const char *name = "large.guest4k-ept1g", *why;

	if (!scen_need_hv(name))
		return;
	if ((why = leaf_skip(SZ_1G))) {
		report_skip(name, "%s: ept_leaf_sizes 0x%x, ram 0x%llx", why,
			    scen_cfg.ept_leaf_sizes,
			    (unsigned long long)scen_cfg.ram_size);
		return;
	}
	if (guest4k_in(name, 16, scen_base + SCEN_G1, SZ_1G))
		report(true, name, NULL);
}

static void large_guest4k_ept2m(void)
{
	const char *name = "large.guest4k-ept2m", *why;
	uint64_t gpa = scen_base + SCEN_R1 + 0x10000;
	static struct hc_counters c0;
	struct hc_counters want;
	long rc;

	if (!scen_need_hv(name))
		return;
	if ((why = leaf_skip(SZ_2M))) {
		report_skip(name, "%s: ept_leaf_sizes 0x%x", why,
			    scen_cfg.ept_leaf_sizes);
		return;
	}
	/* With 1 GiB leaves allowed, R1 sits in a 1 GiB leaf: protect all
	 * of R3 (a whole 2 MiB, same rights) so the 1 GiB leaf splits into
	 * 2 MiB leaves, R1's among them. */
	if (scen_cfg.ept_leaf_sizes & PG_SIZE_1G) {
		/* Same rights: a whole 2 MiB leaf is left as it is (no
		 * flush); part of a 1 GiB leaf is split, one INVEPT. */
		uint64_t leaf = scen_ept_leaf(scen_base + SCEN_R3);

		want = (struct hc_counters){ 0 };
		scen_want_invept(&want, leaf > SZ_2M ? 1 : 0);
		if (!scen_ctr_snap(name, &c0))
			return;
		rc = hc_call(HC_EPT_PROTECT, scen_base + SCEN_R3, SZ_2M,
			     HC_EPT_R | HC_EPT_W | HC_EPT_X, 0);
		if (rc) {
			report(false, name, "HC_EPT_PROTECT R3 (split 1G): %s",
			       err_name((int)rc));
			return;
		}
		if (!scen_ctr_expect(name, "HC_EPT_PROTECT R3", &c0, &want))
			return;
	}
	if (guest4k_in(name, 17, gpa, SZ_2M))
		report(true, name, NULL);
}

static void translate_2d(void)
{
	const char *name = "2d.translate";
	uint64_t va = SCEN_SLOT(18), pa = mm_alloc_frame();
	uint64_t kva = (uint64_t)(uintptr_t)&xlate_probe[1];
	struct pg_xlate kx;
	int rc;

	if (!scen_need_hv(name))
		goto out;
	if (!pa) {
		report(false, name, "out of frames");
		goto out;
	}
	rc = scen_map4k(va, pa);
	if (rc) {
		report(false, name, "pg_map: %s", err_name(rc));
		goto out;
	}
	for (unsigned i = 0; i < 512; i++)
		scen_wr(va + i * 8, XLATE_PAT | i);
	if (!scen_xlate_check(name, va + 0x328, pa + 0x328, SZ_4K, 0, false,
			      &walk))
		goto unmap;
	if (walk.guest_nsteps != 4) {
		report(false, name, "guest_nsteps %u for a 4K guest page",
		       walk.guest_nsteps);
		goto unmap;
	}
	/* The guest cannot read an HPA; it reads its data back by GPA. */
	if (((uint64_t *)mm_dm(pa))[0x65] != (XLATE_PAT | 0x65)) {
		report(false, name, "data written through 0x%llx not at GPA "
		       "0x%llx", (unsigned long long)va,
		       (unsigned long long)pa);
		goto unmap;
	}
	/* The diagram for `make run`: a kernel .data page. */
	(void)xlate_probe[1];
	if (pg_translate(&guest_space, kva, &kx)) {
		report(false, name, "kernel data 0x%llx unmapped",
		       (unsigned long long)kva);
		goto unmap;
	}
	printf("2d.translate: walk of kernel data 0x%llx (GPA 0x%llx):\n",
	       (unsigned long long)kva, (unsigned long long)kx.pa);
	if (!scen_xlate_check(name, kva, kx.pa, kx.page_size, 0, true, &walk))
		goto unmap;
	report(true, name, NULL);
unmap:
	scen_unmap(va, SZ_4K);
out:
	if (pa)
		mm_free_frame(pa);
}

/* A guest 2 MiB page over 4 KiB EPT leaves. */
static void large_guest2m_ept4k(void)
{
	const char *name = "large.guest2m-ept4k";
	uint64_t gpa = scen_base + SCEN_R0, off = 0x5008;
	uint64_t va = SCEN_VA_2M;
	static struct hc_counters c0;
	struct hc_counters want;
	struct pg_xlate x;
	long rc;

	if (!scen_need_hv(name))
		return;
	rc = pg_map(&guest_space, va, gpa, SZ_2M, PG_PROT_R | PG_PROT_W);
	if (rc) {
		report(false, name, "pg_map 2M: %s", err_name((int)rc));
		return;
	}
	if (pg_translate(&guest_space, va, &x) || x.page_size != SZ_2M) {
		report(false, name, "the guest engine did not use a 2M leaf");
		goto unmap;
	}
	(void)scen_rd(va + off);             /* back it, cache it */
	/* Protecting one 4 KiB page (same rights) splits a larger EPT leaf
	 * into 4 KiB leaves, one INVEPT; with ept_leaf=4k (or demand=full)
	 * it is one already, and the rights do not change: none. The read
	 * after it is no violation. */
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, scen_ept_leaf(gpa + off) > SZ_4K ? 1 : 0);
	if (!scen_ctr_snap(name, &c0))
		goto unmap;
	rc = hc_call(HC_EPT_PROTECT, ALIGN_DOWN(gpa + off, SZ_4K), SZ_4K,
		     HC_EPT_R | HC_EPT_W | HC_EPT_X, 0);
	if (rc) {
		report(false, name, "HC_EPT_PROTECT (split): %s",
		       err_name((int)rc));
		goto unmap;
	}
	(void)scen_rd(va + off);
	if (!scen_ctr_expect(name, "HC_EPT_PROTECT of one page", &c0, &want))
		goto unmap;
	if (!scen_xlate_check(name, va + off, gpa + off, SZ_2M, SZ_4K, false,
			      &walk))
		goto unmap;
	report(walk.guest_nsteps == 3, name, "guest_nsteps %u for a 2M "
	       "guest page, want 3", walk.guest_nsteps);
unmap:
	scen_unmap(va, SZ_2M);
	mm_flush_all();
}

void scen_xlate_run(void)
{
	large_guest4k_ept1g();
	large_guest4k_ept2m();
	translate_2d();
	large_guest2m_ept4k();
}
