/*
 * Sub-page write permissions (docs/guest.md, docs/ept-views.md; SDM 3C
 * "Sub-Page Write Permissions"), where the CPU model offers them:
 *   spp.subpage  a page whose sub-pages 0-15 (bytes 0x000-0x7FF) are
 *                writable: its EPT leaf is a 4 KiB leaf with W = 0 and
 *                bit 61; a write to sub-page 16 is refused (#GP(0), the
 *                byte unchanged); one to sub-page 3 completes without a
 *                VM exit; after an INVLPG sub-page 16 is refused again.
 *                The protected write comes first: Bochs 2.7 keeps the
 *                page writable in its TLB after a permitted write
 *                (docs/ept-views.md), hence the INVLPG.
 *   spp.lazy     HC_SPP_LAZY: the SPP-table path is built on the first
 *                SPPT miss (an SPP-related exit, reason 66), after which
 *                the write completes; a protected sub-page is refused.
 * The counters change exactly (docs/guest.md "Counter deltas"): arming a
 * page takes W and sets the SPP attribute of its leaf in each view (one
 * INVEPT, a split included), and HC_SPP_CLEAR gives both back (one: an
 * attribute changed); a refused write is one violation; a permitted write
 * and an SPPT miss are none.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

#define EPT_SPP_BIT   BIT(61)
#define EPT_W_BIT     BIT(1)

static struct hc_walk walk;
static struct hc_counters c0, c1;
static struct hc_view_info i0, i1;
static struct hc_counters k0;

static bool expect_ctr(const char *name, const char *step, unsigned inv,
		       unsigned violations)
{
	struct hc_counters w = { .ept_violations = violations };

	scen_want_invept(&w, inv);
	return scen_ctr_expect(name, step, &k0, &w);
}

static bool write_refused(uint64_t va, uint64_t val)
{
	struct fault_rec f;

	fault_expect(VEC_GP, probe_write64_done);
	probe_write64(va, val);
	f = fault_take();
	return f.hit && f.error_code == 0 && scen_rd(va) != val;
}

static bool need_spp(const char *name)
{
	if (!scen_need_hv(name))
		return false;
	if (!views_have(HC_VF_SPP)) {
		report_skip(name, "no sub-page write permissions on this CPU "
			    "model (secondary control bit 23)");
		return false;
	}
	return true;
}

static void spp_subpage(void)
{
	const char *name = "spp.subpage";
	uint64_t gpa = scen_base + SCEN_R5 + 7 * SZ_4K;
	uint64_t va = (uint64_t)(uintptr_t)mm_dm(gpa), leaf, n;
	bool refused1, done, refused2;
	long rc;

	if (!need_spp(name))
		return;
	scen_wr(va + 0x800, 0x5B5B);
	if (!scen_ctr_snap(name, &k0))
		return;
	if ((rc = hc_call(HC_SPP_SET, gpa, 0x0000FFFF, 0, 0)) ||
	    (rc = hc_translate(va, &walk, false)) || walk.result) {
		report(false, name, "HC_SPP_SET / HC_TRANSLATE: %s",
		       err_name((int)rc));
		goto out;
	}
	leaf = walk.final_ept[walk.final_ept_nsteps - 1].entry;
	if (walk.ept_page_size != SZ_4K || (leaf & EPT_W_BIT) ||
	    !(leaf & EPT_SPP_BIT)) {
		report(false, name, "EPT leaf 0x%llx (%llu bytes): want a 4 KiB "
		       "leaf, W = 0, bit 61", (unsigned long long)leaf,
		       (unsigned long long)walk.ept_page_size);
		goto out;
	}
	if (!expect_ctr(name, "HC_SPP_SET", 1, 0) || !scen_ctr_snap(name, &k0))
		goto out;
	view_info(&i0);
	refused1 = write_refused(va + 0x800 + 8, 1);       /* sub-page 16 */
	hc_counters(&c0);
	scen_wr(va + 3 * 128 + 16, 0x3333);                 /* sub-page 3 */
	hc_counters(&c1);
	done = scen_rd(va + 3 * 128 + 16) == 0x3333;
	invlpg(va);
	refused2 = write_refused(va + 0x800 + 16, 2);
	view_info(&i1);
	if (!expect_ctr(name, "the three writes", 0, 2) ||
	    !scen_ctr_snap(name, &k0))
		goto out;
	rc = hc_call(HC_SPP_SET, gpa, 0, HC_SPP_CLEAR, 0);
	if (!expect_ctr(name, "HC_SPP_CLEAR", 1, 0))
		goto out;
	n = scen_guest_exits(&c0, &c1);
	report(!rc && refused1 && done && refused2 && n == 1 &&
	       i1.ctr.spp_denied - i0.ctr.spp_denied == 2, name,
	       "sub-page 16 refused %d/%d, sub-page 3 written %d with %llu VM "
	       "exits (want 0), %llu refusals decoded (want 2)", refused1,
	       refused2, done, (unsigned long long)(n - 1),
	       (unsigned long long)(i1.ctr.spp_denied - i0.ctr.spp_denied));
out:
	hc_call(HC_SPP_SET, gpa, 0, HC_SPP_CLEAR, 0);
	scen_wr(va + 0x800, 0);              /* writable again everywhere */
}

static void spp_lazy(void)
{
	const char *name = "spp.lazy";
	uint64_t gpa = scen_base + SCEN_R6 + 2 * SZ_4K;
	uint64_t va = (uint64_t)(uintptr_t)mm_dm(gpa);
	long rc;

	bool refused;
	long clr;

	if (!need_spp(name))
		return;
	view_info(&i0);
	if (!scen_ctr_snap(name, &k0))
		return;
	if ((rc = hc_call(HC_SPP_SET, gpa, 0x1, HC_SPP_LAZY, 0))) {
		report(false, name, "HC_SPP_SET lazy: %s", err_name((int)rc));
		return;
	}
	/* A second lazy page in the same 2 MiB block cannot miss. */
	rc = hc_call(HC_SPP_SET, gpa + SZ_4K, 0x1, HC_SPP_LAZY, 0);
	if (!expect_ctr(name, "two lazy HC_SPP_SET", 1, 0) ||
	    !scen_ctr_snap(name, &k0))
		goto out;
	scen_wr(va + 8, 0x1A2);                /* sub-page 0: SPPT miss */
	view_info(&i1);
	refused = write_refused(va + 5 * 128, 3);
	if (!expect_ctr(name, "the SPPT miss and a refused write", 0, 1) ||
	    !scen_ctr_snap(name, &k0))
		goto out;
	clr = hc_call(HC_SPP_SET, gpa, 0, HC_SPP_CLEAR, 0);
	if (!expect_ctr(name, "HC_SPP_CLEAR", 1, 0))
		return;
	report(!clr && rc == -EBUSY && scen_rd(va + 8) == 0x1A2 &&
	       i1.ctr.spp_misses - i0.ctr.spp_misses == 1 && refused, name,
	       "second lazy page %s (want -EBUSY), write 0x%llx, %llu SPPT "
	       "misses (want 1), clear %s", err_name((int)rc),
	       (unsigned long long)scen_rd(va + 8),
	       (unsigned long long)(i1.ctr.spp_misses - i0.ctr.spp_misses),
	       err_name((int)clr));
	return;
out:
	hc_call(HC_SPP_SET, gpa, 0, HC_SPP_CLEAR, 0);
}

void scen_spp_run(void)
{
	spp_subpage();
	spp_lazy();
}
