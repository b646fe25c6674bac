/*
 * EPT-view benchmarks (cmdline words `bench bench_views`; make bench runs
 * them on the Bochs Tiger Lake model; docs/benchmarks.md). Each figure is
 * the min and median of `iters` samples in ticks (one emulated
 * instruction each under Bochs), the timing overhead subtracted:
 *
 *   views_switch_vmfunc        one view switch by VMFUNC (no exit)
 *   views_switch_hypercall     the same by HC_VIEW_SELECT (one exit)
 *   views_ve_roundtrip         a read that is an EPT violation, delivered as
 *                              #VE to the guest's handler, which re-arms
 *                              the area and skips the read, and back
 *   views_violation_exit_roundtrip  the same violation with suppress-#VE
 *                              set: a VM exit, the hypervisor's decoding,
 *                              #GP(0) injected, the guest's handler skips
 *                              the read, and back
 *   views_dirty_{pml,wp}_per_page  one write to each of 256 pages of a
 *                              logged range plus the HC_DIRTY_LOG that
 *                              harvests them, per page (8 rounds)
 *   views_pml_full_write_ticks the one write that finds the PML log full:
 *                              the log-full exit, the drain, the retry
 * and, from the hypervisor (HC_BENCH_VIEWS), hv_pml_full_drain_ticks: the
 * drain of the full 512-entry log alone.
 */
#include "guest/guest.h"
#include "guest/bench.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "lib/fmt.h"
#include "include/err.h"
#include "include/x86.h"

#define DIRTY_PAGES    256
#define DIRTY_ROUNDS   8
#define FULL_PAGES     600       /* more than the 512 entries of a log */

static volatile struct hc_ve_info *ve_area;
static uint64_t harvest[DIRTY_PAGES];
static uint64_t *s;
static unsigned n_it;

static void fig(const char *name, unsigned n)
{
	bench_put_fig(name, bench_summarize(s, n, bench_timing_overhead()));
}

static void unsupported(const char *name)
{
	char key[80];

	snprintf(key, sizeof(key), "%s_min_ticks", name);
	bench_put_str(key, "unsupported");
	snprintf(key, sizeof(key), "%s_median_ticks", name);
	bench_put_str(key, "unsupported");
}

static void bench_switch(long v)
{
	for (unsigned i = 0; i < n_it; i++) {
		uint64_t t0 = rdtsc();
		vmfunc(0, (uint32_t)v);
		s[i] = rdtsc() - t0;
		vmfunc(0, 0);
	}
	fig("views_switch_vmfunc", n_it);
	for (unsigned i = 0; i < n_it; i++) {
		uint64_t t0 = rdtsc();
		hc_call(HC_VIEW_SELECT, (unsigned long)v, 0, 0, 0);
		s[i] = rdtsc() - t0;
		hc_call(HC_VIEW_SELECT, 0, 0, 0, 0);
	}
	fig("views_switch_hypercall", n_it);
}

/* Vector 20: re-arm, skip the probe read. */
static void ve_skip_handler(struct isr_frame *f)
{
	ve_area->busy = 0;
	f->rip = (uint64_t)(uintptr_t)probe_read64_done;
}

static void bench_ve(void)
{
	uint64_t page = mm_alloc_frame(), info = mm_alloc_frame(), va;
	struct fault_rec fr;
	long rc;

	if (!page || !info ||
	    (rc = hc_call(HC_VIEW_PROTECT, 0, page, SZ_4K, HC_EPT_X)) ||
	    (rc = hc_call(HC_VIEW_VE, 0, page, SZ_4K, 1)) ||
	    (rc = hc_call(HC_VE_INFO, info, 0, 0, 0))) {
		report(false, "bench.ve", "no frames, or HC_VIEW_PROTECT / "
		       "HC_VIEW_VE / HC_VE_INFO failed");
		return;
	}
	va = (uint64_t)(uintptr_t)mm_dm(page);
	ve_area = mm_dm(info);
	ve_hook = ve_skip_handler;
	for (unsigned i = 0; i < n_it; i++) {
		uint64_t t0 = rdtsc();
		probe_read64(va);
		s[i] = rdtsc() - t0;
	}
	ve_hook = NULL;
	fig("views_ve_roundtrip", n_it);
	/* The same violation, not convertible. Past the hypervisor's first
	 * reports (16 per run) before timing. */
	hc_call(HC_VIEW_VE, 0, page, SZ_4K, 0);
	for (unsigned i = 0; i < 20 + n_it; i++) {
		uint64_t t0;

		fault_expect(VEC_GP, probe_read64_done);
		t0 = rdtsc();
		probe_read64(va);
		s[i < 20 ? 0 : i - 20] = rdtsc() - t0;
		fr = fault_take();
		if (!fr.hit) {
			report(false, "bench.ve", "no #GP for the violation");
			break;
		}
	}
	fig("views_violation_exit_roundtrip", n_it);
	hc_call(HC_VE_INFO, 0, 0, 0, 0);
	hc_call(HC_VIEW_PROTECT, 0, page, SZ_4K, HC_EPT_R | HC_EPT_W | HC_EPT_X);
}

/* Write one word of each page of [buf, +pages), then harvest. */
static uint64_t dirty_round(uint64_t buf, unsigned pages, unsigned r,
			    long *got)
{
	uint64_t t0 = rdtsc();

	for (unsigned i = 0; i < pages; i++)
		*(volatile uint64_t *)mm_dm(buf + (uint64_t)i * SZ_4K) = r + i;
	*got = hc_call(HC_DIRTY_LOG, mm_kernel_pa(harvest), DIRTY_PAGES, 0, 0);
	return rdtsc() - t0;
}

static void bench_dirty(uint64_t buf, unsigned backend, const char *name)
{
	long rc = hc_call(HC_DIRTY_START, buf, DIRTY_PAGES * SZ_4K, backend, 0);
	long got;

	if (rc == -EOPNOTSUPP) {
		unsupported(name);
		return;
	}
	if (rc != (long)backend) {
		report(false, "bench.dirty", "HC_DIRTY_START: %s",
		       err_name((int)rc));
		return;
	}
	for (unsigned r = 0; r < DIRTY_ROUNDS; r++) {
		s[r] = dirty_round(buf, DIRTY_PAGES, r, &got) / DIRTY_PAGES;
		if (got != DIRTY_PAGES)
			report(false, "bench.dirty", "%s round %u: %ld pages "
			       "harvested, want %u", name, r, got, DIRTY_PAGES);
	}
	hc_call(HC_DIRTY_START, 0, 0, 0, 0);
	bench_put_fig(name, bench_summarize(s, DIRTY_ROUNDS, 0));
}

/* One write past the 512th logged page finds the log full. */
static void bench_pml_full(uint64_t buf)
{
	struct hc_view_info i0, i1;
	uint64_t worst = 0;
	long rc, got;

	rc = hc_call(HC_DIRTY_START, buf, FULL_PAGES * SZ_4K, HC_DIRTY_PML, 0);
	if (rc != HC_DIRTY_PML) {
		bench_put_str("views_pml_full_write_ticks", "unsupported");
		return;
	}
	got = hc_call(HC_DIRTY_LOG, mm_kernel_pa(harvest), DIRTY_PAGES, 0, 0);
	view_info(&i0);
	for (unsigned i = 0; i < FULL_PAGES; i++) {
		uint64_t t0 = rdtsc(), t;

		*(volatile uint64_t *)mm_dm(buf + (uint64_t)i * SZ_4K) = i;
		t = rdtsc() - t0;
		worst = MAX(worst, t);
	}
	view_info(&i1);
	hc_call(HC_DIRTY_START, 0, 0, 0, 0);
	bench_put("views_pml_full_write_ticks",
		  worst - bench_timing_overhead());
	report(got >= 0 && i1.ctr.pml_full - i0.ctr.pml_full == 1,
	       "bench.pml-full", "%llu log-full exits for %u new dirty pages "
	       "(want 1)", (unsigned long long)(i1.ctr.pml_full -
						i0.ctr.pml_full), FULL_PAGES);
	rc = hc_call(HC_BENCH_VIEWS, 0, 0, 0, 0);
	report(rc == 0, "bench.hv-views", "HC_BENCH_VIEWS: %s",
	       err_name((int)rc));
}

void bench_views_run(unsigned iters, uint64_t *samples, unsigned max)
{
	uint64_t buf;
	long v;

	s = samples;
	n_it = MIN(iters, max);
	report_begin("bench.views");
	if (!views_have(HC_VF_VMFUNC) || !views_have(HC_VF_VE)) {
		report_skip("bench.views", "no VMFUNC or #VE on this CPU model: "
			    "make bench runs these on tigerlake");
		return;
	}
	v = hc_call(HC_VIEW_CREATE, 0, 0, 0, 0);
	if (v < 1) {
		report(false, "bench.views", "HC_VIEW_CREATE: %s",
		       err_name((int)v));
		return;
	}
	bench_switch(v);
	bench_ve();
	buf = frame_alloc_run(&guest_frames, 2 * SZ_2M);
	if (!buf) {
		report(false, "bench.dirty", "no free 4 MiB run");
	} else {
		bench_dirty(buf, HC_DIRTY_PML, "views_dirty_pml_per_page");
		bench_dirty(buf, HC_DIRTY_WP, "views_dirty_wp_per_page");
		bench_pml_full(buf);
	}
	hc_call(HC_VIEW_DESTROY, (unsigned long)v, 0, 0, 0);
	report(true, "bench.views", NULL);
}
