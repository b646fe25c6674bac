/*
 * EPT-change scenarios (docs/guest.md): HC_EPT_REMAP, write tracking (of
 * guest writes and of the hypervisor's own), and INVVPID after a guest
 * page-table change. Each uses the old mapping first (the write-track
 * page with a write), so that a missing flush would show as the old data
 * or a lost violation on hardware that keeps translations across the
 * change (not Bochs: docs/engines.md). Each requires the exact change of
 * the hypervisor's counters that its own steps cause under the flush
 * policy of mm/paging.h (scen_ctr_expect).
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "include/err.h"
#include "include/x86.h"

#define PAT_OLD    0x01D0000000000000ULL
#define PAT_NEW    0x4E3A0000000000ULL
#define REMAP_PAT  0xE97E3A9C0FFEE11ULL
#define WT_VAL     0x3717E7AC0000BEEFULL

/* Exit qualification of an EPT violation (SDM 3C "Exit Qualification for
 * EPT Violations"). */
#define EQ_READ      BIT(0)
#define EQ_WRITE     BIT(1)
#define EQ_EPT_W     BIT(4)     /* the GPA was writable */
#define EQ_GLA_OK    BIT(7)     /* guest linear address field valid */
#define EQ_FINAL     BIT(8)     /* the final access, not a table entry */

static struct hc_violation vlog[32];
static struct hc_walk walk;

static void fill(uint64_t pa, uint64_t pat)
{
	uint64_t *p = mm_dm(pa);

	for (unsigned i = 0; i < 512; i++)
		p[i] = pat | i;
}

static void ept_remap(void)
{
	const char *name = "ept.remap";
	uint64_t va = SCEN_SLOT(20), pa = mm_alloc_frame();
	uint64_t hpa0 = 0, w0, wl, d0;
	static struct hc_counters c0;
	struct hc_counters want;
	bool have_hpa;
	long rc;

	if (!scen_need_hv(name))
		goto out;
	if (!pa || scen_map4k(va, pa)) {
		report(false, name, "no frame or pg_map failed");
		goto out;
	}
	fill(pa, PAT_OLD);
	if (scen_rd(va + 8) != (PAT_OLD | 1)) {       /* cache the old one */
		report(false, name, "first read wrong");
		goto unmap;
	}
	have_hpa = !hc_translate(va, &walk, false) && !walk.result;
	hpa0 = walk.hpa;
	if (!scen_ctr_snap(name, &c0))
		goto unmap;
	rc = hc_call(HC_EPT_REMAP, pa, REMAP_PAT, 0, 0);
	if (rc) {
		report(false, name, "HC_EPT_REMAP(0x%llx): %s",
		       (unsigned long long)pa, err_name((int)rc));
		goto unmap;
	}
	w0 = scen_rd(va);
	wl = scen_rd(va + SZ_4K - 8);
	d0 = *(volatile uint64_t *)mm_dm(pa + 0x800);
	/* The mapped page moves: one unmap (a large leaf split in the same
	 * call) flushes once, the map into the emptied slot not at all. The
	 * reads hit the new leaf: no violation. */
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, 1);
	if (!scen_ctr_expect(name, "HC_EPT_REMAP and reads", &c0, &want))
		goto unmap;
	if (w0 != REMAP_PAT || wl != REMAP_PAT || d0 != REMAP_PAT) {
		report(false, name, "after remap read 0x%llx / 0x%llx, direct "
		       "map 0x%llx, want 0x%llx%s", (unsigned long long)w0,
		       (unsigned long long)wl, (unsigned long long)d0,
		       (unsigned long long)REMAP_PAT,
		       (w0 & ~0xFFFULL) == PAT_OLD ? ": stale old frame" : "");
		goto unmap;
	}
	/* Same GPA, another host frame. */
	if (have_hpa && !hc_translate(va, &walk, false) && !walk.result &&
	    (walk.gpa != pa || walk.hpa == hpa0)) {
		report(false, name, "HC_TRANSLATE after remap: gpa 0x%llx "
		       "hpa 0x%llx (before 0x%llx)",
		       (unsigned long long)walk.gpa,
		       (unsigned long long)walk.hpa,
		       (unsigned long long)hpa0);
		goto unmap;
	}
	report(true, name, NULL);
unmap:
	scen_unmap(va, SZ_4K);
out:
	if (pa)
		mm_free_frame(pa);
}

/* Empty the violation log; true if that worked. */
static bool vlog_drain(const char *name)
{
	long n;

	do {
		n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	} while (n == (long)ARRAY_SIZE(vlog));
	if (n < 0)
		report(false, name, "HC_VIOLATION_LOG: %s", err_name((int)n));
	return n >= 0;
}

/* ept.read-only then ept.write-track, on one page. */
static void ept_write_track(void)
{
	const char *ro = "ept.read-only", *name = "ept.write-track";
	uint64_t va = SCEN_SLOT(21), pa = mm_alloc_frame(), off = 0x1A8;
	const struct hc_violation *e = &vlog[0];
	static struct hc_counters c0;
	struct hc_counters want;
	uint64_t v;
	long rc, n;

	if (!scen_need_hv(ro)) {
		scen_need_hv(name);
		goto out;
	}
	if (!pa || scen_map4k(va, pa)) {
		report(false, ro, "no frame or pg_map failed");
		report(false, name, "setup failed (see ept.read-only)");
		goto out;
	}
	fill(pa, PAT_OLD);
	/* Cache a writable translation with a write of the same value: a
	 * read would leave the guest PTE's D bit (and with EPT A/D the EPT
	 * D bit) clear, and the first write after HC_WRITE_TRACK would then
	 * walk again and see W = 0 even without the INVEPT. After a write,
	 * a missing INVEPT lets the write through a stale writable entry:
	 * no violation (docs/engines.md). */
	scen_wr(va + off, scen_rd(va + off));
	if (!scen_ctr_snap(ro, &c0)) {
		report(false, name, "HC_COUNTERS failed (see ept.read-only)");
		goto unmap;
	}
	rc = hc_call(HC_WRITE_TRACK, pa, SZ_4K, 0, 0);
	if (rc) {
		report(false, ro, "HC_WRITE_TRACK(0x%llx): %s",
		       (unsigned long long)pa, err_name((int)rc));
		report(false, name, "HC_WRITE_TRACK: %s", err_name((int)rc));
		goto unmap;
	}
	if (!vlog_drain(ro)) {
		report(false, name, "HC_VIOLATION_LOG failed");
		goto unmap;
	}
	/* Reads of a read-only page: the data, and no violation. W taken
	 * from the leaf (splitting a large one in the same call) is one
	 * narrowing: one INVEPT. */
	v = scen_rd(va + off) ^ scen_rd(va);
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	want = (struct hc_counters){ 0 };
	scen_want_invept(&want, 1);
	if (!scen_ctr_expect(ro, "HC_WRITE_TRACK and reads", &c0, &want)) {
		report(false, name, "counters wrong (see ept.read-only)");
		goto unmap;
	}
	report(v == ((PAT_OLD | (off / 8)) ^ PAT_OLD) && n == 0, ro,
	       "reads gave 0x%llx, %ld violations logged (want none)",
	       (unsigned long long)v, n);

	/* The first write: one logged violation, access restored, the
	 * write done. */
	if (!scen_ctr_snap(name, &c0))
		goto unmap;
	scen_wr(va + off, WT_VAL);
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	v = *(volatile uint64_t *)mm_dm(pa + off);
	if (n != 1) {
		report(false, name, "%ld violations logged after one write, "
		       "want 1", n);
		goto unmap;
	}
	if (v != WT_VAL) {
		report(false, name, "the write did not take effect: 0x%llx",
		       (unsigned long long)v);
		goto unmap;
	}
	if ((e->gpa != pa + off && e->gpa != pa) ||
	    (e->qual & (EQ_WRITE | EQ_EPT_W | EQ_GLA_OK | EQ_FINAL)) !=
	    (EQ_WRITE | EQ_GLA_OK | EQ_FINAL) || e->gla != va + off) {
		report(false, name, "log: gpa 0x%llx gla 0x%llx qual 0x%llx; "
		       "want gpa 0x%llx gla 0x%llx, qual write, not "
		       "writable, GLA valid, final", (unsigned long long)e->gpa,
		       (unsigned long long)e->gla, (unsigned long long)e->qual,
		       (unsigned long long)(pa + off),
		       (unsigned long long)(va + off));
		goto unmap;
	}
	/* Write access is back: a second write is not logged. One
	 * violation and one write-track fault for the two writes; W given
	 * back to a 4 KiB leaf needs no INVEPT (EPT widening, mm/paging.h). */
	scen_wr(va + off + 8, WT_VAL + 1);
	want = (struct hc_counters){ .ept_violations = 1,
				     .write_track_faults = 1 };
	if (!scen_ctr_expect(name, "two writes", &c0, &want))
		goto unmap;
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	report(n == 0 && scen_rd(va + off + 8) == WT_VAL + 1, name,
	       "second write: %ld violations logged, want 0", n);
unmap:
	scen_unmap(va, SZ_4K);
out:
	if (pa)
		mm_free_frame(pa);
}

/* ept.write-track-hv: the hypervisor writing into a tracked page (here
 * the HC_COUNTERS result) ends its tracking as a guest write would: one
 * log entry for the page, marked HC_VIOL_HV_WRITE (write, not writable, no
 * GLA), counted in write_track_faults; with EPT A/D the page reads as
 * accessed and dirty. A guest write afterwards is not logged. */
static void ept_write_track_hv(void)
{
	const char *name = "ept.write-track-hv";
	uint64_t pa = mm_alloc_frame(), off = 0x240;
	const uint64_t kind = HC_VIOL_HV_WRITE | EQ_WRITE | EQ_EPT_W |
			      EQ_GLA_OK;
	static struct hc_counters c0;
	static uint8_t ad;
	uint8_t ad0 = 0;
	struct hc_counters want;
	const struct hc_violation *hit = NULL;
	const struct hc_counters *c1 = pa ? mm_dm(pa + off) : NULL;
	long rc, n, hits = 0;

	if (!scen_need_hv(name))
		goto out;
	if (!pa) {
		report(false, name, "no frame");
		goto out;
	}
	fill(pa, PAT_OLD);
	rc = hc_counters(&c0);
	if (!rc)
		rc = hc_call(HC_WRITE_TRACK, pa, SZ_4K, 0, 0);
	if (!rc && scen_cfg.ept_ad) {       /* A/D clear from here on */
		rc = hc_call(HC_EPT_AD, pa, 1, mm_kernel_pa(&ad), 1);
		ad0 = ad;                   /* the flags before the clear */
	}
	if (rc || !vlog_drain(name)) {
		report(false, name, "setup: %s", err_name((int)rc));
		goto out;
	}
	rc = hc_call(HC_COUNTERS, pa + off, 0, 0, 0);
	if (!rc && scen_cfg.ept_ad)
		rc = hc_call(HC_EPT_AD, pa, 1, mm_kernel_pa(&ad), 0);
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	if (rc || n < 0) {
		report(false, name, "HC_COUNTERS / HC_EPT_AD / "
		       "HC_VIOLATION_LOG: %s / %s", err_name((int)rc),
		       err_name((int)n));
		goto out;
	}
	for (long i = 0; i < n; i++)
		if (ALIGN_DOWN(vlog[i].gpa, SZ_4K) == pa && !hits++)
			hit = &vlog[i];
	if (hits != 1 || hit->gpa != pa + off || hit->gla ||
	    (hit->qual & kind) != (HC_VIOL_HV_WRITE | EQ_WRITE) ||
	    hit->ept_leaf_gpa != pa) {
		report(false, name, "%ld log entries for the page, want 1 "
		       "with gpa 0x%llx, qual HC_VIOL_HV_WRITE|write, no GLA "
		       "(first: gpa 0x%llx qual 0x%llx leaf 0x%llx)", hits,
		       (unsigned long long)(pa + off),
		       (unsigned long long)(hit ? hit->gpa : 0),
		       (unsigned long long)(hit ? hit->qual : 0),
		       (unsigned long long)(hit ? hit->ept_leaf_gpa : 0));
		goto out;
	}
	/* From before HC_WRITE_TRACK to the tracked page's own HC_COUNTERS
	 * result, which counts its own tracking end: one write-track fault
	 * and no violation (the hypervisor wrote); INVEPT once for W taken,
	 * once more for the A/D clear if a flag was set (HC_EPT_AD returns
	 * them as read before clearing). */
	want = (struct hc_counters){ .write_track_faults = 1 };
	scen_want_invept(&want, 1 + (scen_cfg.ept_ad && ad0 ? 1 : 0));
	if (!scen_ctr_check(name, "HC_WRITE_TRACK to the hypervisor's "
			    "write", &c0, c1, &want))
		goto out;
	if (scen_cfg.ept_ad && ad != 3) {
		report(false, name, "EPT A/D of the page 0x%x after the "
		       "hypervisor's write, want 3 (A and D)", ad);
		goto out;
	}
	*(volatile uint64_t *)mm_dm(pa + 8) = WT_VAL;
	n = hc_vlog(vlog, ARRAY_SIZE(vlog));
	hits = 0;
	for (long i = 0; i < n; i++)
		hits += ALIGN_DOWN(vlog[i].gpa, SZ_4K) == pa;
	report(n >= 0 && hits == 0, name, "guest write after it: %ld entries "
	       "for the page, want 0 (no longer tracked)", hits);
out:
	if (pa)
		mm_free_frame(pa);
}

/* Guest PTE change flushed by HC_INVVPID of each type. */
static void vpid_invvpid(void)
{
	static const char *const tname[4] = {
		"individual-address", "single-context", "all-context",
		"single-context-retaining-globals",
	};
	const char *name = "vpid.invvpid";
	uint64_t va = SCEN_SLOT(22), fa = mm_alloc_frame();
	uint64_t fb = mm_alloc_frame();
	unsigned done = 0;
	static struct hc_counters c0;
	struct hc_counters wantc;
	long rc, want;

	if (!scen_need_hv(name))
		goto out;
	if (!fa || !fb) {
		report(false, name, "out of frames");
		goto out;
	}
	fill(fa, PAT_OLD);
	fill(fb, PAT_NEW);
	for (unsigned t = 0; t < 4; t++) {
		uint64_t from = t & 1 ? fb : fa, to = t & 1 ? fa : fb;
		uint64_t pto = t & 1 ? PAT_OLD : PAT_NEW, v;

		if (!(scen_cfg.invvpid_types & BIT(t))) {
			printf("vpid.invvpid: type %u (%s) not supported: "
			       "skipped\n", t, tname[t]);
			continue;
		}
		if (scen_map4k(va, from)) {
			report(false, name, "pg_map");
			goto out;
		}
		(void)scen_rd(va);                     /* cache the old */
		mm_flush_hook(false);
		pg_unmap(&guest_space, va, SZ_4K);
		rc = scen_map4k(va, to);
		mm_flush_hook(true);
		if (rc) {
			report(false, name, "remap: %s", err_name((int)rc));
			goto out;
		}
		/* Without VPID the guest runs as VPID 0000H, which no type
		 * reaches (and every VM exit flushes): -EOPNOTSUPP for all
		 * (docs/hypercalls.md). */
		want = scen_cfg.vpid ? 0 : -EOPNOTSUPP;
		if (!scen_ctr_snap(name, &c0))
			goto out;
		rc = hc_call(HC_INVVPID, t, va, 0, 0);
		/* Exactly one INVVPID of type t when it ran, none when not:
		 * a wider type would hide a missing narrow flush. */
		wantc = (struct hc_counters){ 0 };
		if (rc == 0) {
			wantc.invvpid = 1;
			wantc.invvpid_type[t] = 1;
		}
		if (!scen_ctr_expect(name, tname[t], &c0, &wantc))
			goto out;
		if (rc)
			invlpg(va);     /* the flush the hypercall did not do */
		v = scen_rd(va + 16);
		scen_unmap(va, SZ_4K);
		printf("vpid.invvpid: type %u (%s): %s%s, then read 0x%llx\n",
		       t, tname[t], err_name((int)rc),
		       rc ? " (INVLPG instead)" : "", (unsigned long long)v);
		if (rc != want) {
			report(false, name, "type %u (%s): %s, want %s (VPID %u)",
			       t, tname[t], err_name((int)rc),
			       err_name((int)want), scen_cfg.vpid);
			goto out;
		}
		if (v != (pto | 2)) {
			report(false, name, "type %u (%s): read 0x%llx after the "
			       "flush, want 0x%llx", t, tname[t],
			       (unsigned long long)v,
			       (unsigned long long)(pto | 2));
			goto out;
		}
		done++;
	}
	if (!done)
		report_skip(name, "no INVVPID type supported "
			    "(HC_CONFIG.invvpid_types = 0)");
	else
		report(true, name, NULL);
out:
	if (fa)
		mm_free_frame(fa);
	if (fb)
		mm_free_frame(fb);
}

void scen_ept_run(void)
{
	ept_remap();
	ept_write_track();
	ept_write_track_hv();
	vpid_invvpid();
}
