/*
 * The guest's scenarios (docs/guest.md lists them and what each proves).
 *
 * TLB scenarios follow one pattern, written to catch a missing flush on
 * real hardware or nested KVM:
 *   1. map a test page to frame A (pattern A) and read it, so the
 *      translation is cached in the TLB;
 *   2. remap the page to frame B (pattern B) with the engine while its
 *      flush hook is off, so the only flush is the one under test;
 *   3. do that flush, then read through the changed mapping: pattern B.
 * A stale TLB entry would return pattern A. Under Bochs (which flushes
 * its whole TLB on every VM entry/exit) and under QEMU TCG these prove
 * only that the new mapping is used after the flush, not that the flush
 * was needed.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "mm/pt_x86.h"
#include "include/hypercall.h"

#include "include/err.h"
#include "include/x86.h"

#define PAT_A  0xA5A5A5A500000000ULL
#define PAT_B  0x5B5B5B5B00000000ULL
#define WORDS  (SZ_4K / sizeof(uint64_t))

/* Each scenario uses its own page in the test window, and the last page
 * of the same page table as an anchor, so that unmap never frees (and
 * map never replaces) the page table under the test page. */
#define TEST_PAGE(n)  (GUEST_TEST_VA + (uint64_t)(n) * SZ_4K)
#define ANCHOR_VA     (GUEST_TEST_VA + 511 * SZ_4K)

static uint64_t anchor_pa;

static void fill(uint64_t pa, uint64_t pattern)
{
	uint64_t *p = mm_dm(pa);

	for (size_t i = 0; i < WORDS; i++)
		p[i] = pattern | i;
}

static uint64_t rd(uint64_t va, size_t word)
{
	return ((volatile uint64_t *)(uintptr_t)va)[word];
}

/* ---------------------------------------------------------------- paging */

/* In a scenario function with `name` in scope: FAIL and return. */
#define FAIL_RET(...) do { report(false, name, __VA_ARGS__); return; } while (0)

static volatile uint64_t selfmap_probe;

static void paging_self_map(void)
{
	const char *name = "paging.self-map";
	struct pg_xlate x;
	uint64_t probe_va = (uint64_t)(uintptr_t)&selfmap_probe;
	uint64_t probe_pa = mm_kernel_pa((const void *)&selfmap_probe);
	uint64_t text_va = (uint64_t)(uintptr_t)paging_self_map;
	uint64_t hdr_va = GUEST_VMA + GUEST_PHYS;
	int rc;

	report_begin(name);
	if ((read_cr3() & PTE_ADDR_MASK) != guest_space.root)
		FAIL_RET("CR3 0x%llx is not the engine root "
			 "0x%llx", (unsigned long long)read_cr3(),
			 (unsigned long long)guest_space.root);
	/* Kernel text: its physical address, executable, read-only. */
	rc = pg_translate(&guest_space, text_va, &x);
	if (rc || x.pa != text_va - GUEST_VMA ||
	    (x.prot & (PG_PROT_X | PG_PROT_W)) != PG_PROT_X)
		FAIL_RET("text 0x%llx -> %s pa 0x%llx prot "
			 "0x%x, want pa 0x%llx R-X",
			 (unsigned long long)text_va, err_name(rc),
			 (unsigned long long)x.pa, x.prot,
			 (unsigned long long)(text_va - GUEST_VMA));
	/* Kernel data: writable, not executable. */
	rc = pg_translate(&guest_space, probe_va, &x);
	if (rc || x.pa != probe_pa ||
	    (x.prot & (PG_PROT_X | PG_PROT_W)) != PG_PROT_W)
		FAIL_RET("data 0x%llx -> %s pa 0x%llx prot "
			 "0x%x, want pa 0x%llx RW-",
			 (unsigned long long)probe_va, err_name(rc),
			 (unsigned long long)x.pa, x.prot,
			 (unsigned long long)probe_pa);
	/* Direct map of the same frame. */
	rc = pg_translate(&guest_space, GUEST_DIRECT_MAP + probe_pa, &x);
	if (rc || x.pa != probe_pa || (x.prot & PG_PROT_X))
		FAIL_RET("direct map of 0x%llx -> %s pa "
			 "0x%llx prot 0x%x", (unsigned long long)probe_pa,
			 err_name(rc), (unsigned long long)x.pa, x.prot);
	/* The NULL page and the boot identity map are gone. */
	if (pg_translate(&guest_space, 0, &x) != -ENOENT ||
	    pg_translate(&guest_space, GUEST_PHYS, &x) != -ENOENT)
		FAIL_RET("lower half still mapped "
			 "(VA 0 or identity 0x%llx)",
			 (unsigned long long)GUEST_PHYS);
	/* The hardware agrees: write through one alias, read the other. */
	*(volatile uint64_t *)mm_dm(probe_pa) = 0x5e1f3a9000000001ULL;
	if (selfmap_probe != 0x5e1f3a9000000001ULL)
		FAIL_RET("wrote through direct map 0x%llx, "
			 "kernel alias 0x%llx reads 0x%llx",
			 (unsigned long long)(GUEST_DIRECT_MAP + probe_pa),
			 (unsigned long long)probe_va,
			 (unsigned long long)selfmap_probe);
	selfmap_probe = 0x5e1f3a9000000002ULL;
	if (*(volatile uint64_t *)mm_dm(probe_pa) != 0x5e1f3a9000000002ULL)
		FAIL_RET("wrote kernel alias, direct map "
			 "reads stale data");
	/* The Multiboot header read through .boot's alias and the direct
	 * map: the same bytes the loader put at GUEST_PHYS. */
	if (rd(hdr_va, 0) != rd(GUEST_DIRECT_MAP + GUEST_PHYS, 0) ||
	    (uint32_t)rd(hdr_va, 0) != 0x1BADB002)
		FAIL_RET("Multiboot header not at 0x%llx",
			 (unsigned long long)hdr_va);
	report(true, name, NULL);
}

/* ------------------------------------------------------------------ TLB */

struct tlb_case {
	const char *name;
	unsigned slot;
	bool global;
	bool needs_pcid;        /* INVPCID types 0/1: a PCID in use */
	const char *flush_desc;
	void (*flush)(uint64_t va);
};

static void flush_invlpg(uint64_t va)
{
	invlpg(va);
}

static void flush_cr3(uint64_t va)
{
	/* Reading CR3 never returns bit 63, so writing it back invalidates
	 * the current PCID's non-global translations. */
	write_cr3(read_cr3());
}

static uint64_t cur_pcid(void)
{
	return mm_pcid_on() ? (read_cr3() & 0xFFF) : 0;
}

static void flush_invpcid0(uint64_t va)
{
	invpcid(INVPCID_ADDR, cur_pcid(), va);
}

static void flush_invpcid1(uint64_t va)
{
	invpcid(INVPCID_SINGLE, cur_pcid(), 0);
}

static void flush_invpcid2(uint64_t va)
{
	invpcid(INVPCID_ALL_GLOBAL, 0, 0);
}

static void flush_invpcid3(uint64_t va)
{
	invpcid(INVPCID_ALL, 0, 0);
}

static void flush_pge_toggle(uint64_t va)
{
	uint64_t cr4 = read_cr4();

	write_cr4(cr4 & ~CR4_PGE);
	write_cr4(cr4);
}

static void tlb_remap(const struct tlb_case *c)
{
	uint64_t va = TEST_PAGE(c->slot);
	unsigned prot = PG_PROT_R | PG_PROT_W |
			(c->global ? PG_PROT_GLOBAL : 0);
	uint64_t fa = mm_alloc_frame(), fb = mm_alloc_frame();
	uint64_t v0, v1;
	struct pg_xlate x;
	int rc;

	report_begin(c->name);
	if (!fa || !fb) {
		report(false, c->name, "out of frames");
		goto out;
	}
	fill(fa, PAT_A);
	fill(fb, PAT_B);
	rc = pg_map(&guest_space, va, fa, SZ_4K, prot);
	if (rc) {
		report(false, c->name, "pg_map A: %s", err_name(rc));
		goto out;
	}
	/* Cache the old translation. */
	v0 = rd(va, 0);
	v1 = rd(va, WORDS - 1);
	if (v0 != (PAT_A | 0) || v1 != (PAT_A | (WORDS - 1))) {
		report(false, c->name, "first read 0x%llx, want pattern A",
		       (unsigned long long)v0);
		goto unmap;
	}
	/* Remap to B; the flush under test is the only flush. */
	mm_flush_hook(false);
	rc = pg_unmap(&guest_space, va, SZ_4K);
	if (!rc)
		rc = pg_map(&guest_space, va, fb, SZ_4K, prot);
	mm_flush_hook(true);
	if (rc) {
		report(false, c->name, "remap to B: %s", err_name(rc));
		goto unmap;
	}
	rc = pg_translate(&guest_space, va, &x);
	if (rc || x.pa != fb ||
	    !!(x.entry & PTE_G) != c->global) {
		report(false, c->name, "engine: va 0x%llx -> %s 0x%llx "
		       "entry 0x%llx", (unsigned long long)va, err_name(rc),
		       (unsigned long long)x.pa,
		       (unsigned long long)x.entry);
		goto unmap;
	}
	c->flush(va);
	v0 = rd(va, 0);
	v1 = rd(va, WORDS - 1);
	report(v0 == (PAT_B | 0) && v1 == (PAT_B | (WORDS - 1)), c->name,
	       "after %s read 0x%llx / 0x%llx: %s", c->flush_desc,
	       (unsigned long long)v0, (unsigned long long)v1,
	       (v0 & ~0xFFFULL) == PAT_A ? "stale frame A" : "garbage");
unmap:
	pg_unmap(&guest_space, va, SZ_4K);
out:
	mm_flush_all();     /* no stale entry may outlive the frames */
	if (fa)
		mm_free_frame(fa);
	if (fb)
		mm_free_frame(fb);
}

static void tlb_scenarios(void)
{
	static const struct tlb_case invlpg_case = {
		/* A global page: INVLPG drops global translations too. */
		"tlb.invlpg", 0, true, false, "INVLPG", flush_invlpg,
	};
	static const struct tlb_case cr3_case = {
		"tlb.cr3-reload", 1, false, false, "MOV to CR3", flush_cr3,
	};
	static const struct tlb_case pcid_cases[] = {
		/* Types 0, 1 and 3 leave global translations alone (SDM 2A
		 * "INVPCID"), so their pages are not global. */
		{ "tlb.invpcid-0", 2, false, true, "INVPCID type 0 (address)",
		  flush_invpcid0 },
		{ "tlb.invpcid-1", 3, false, true,
		  "INVPCID type 1 (single PCID)",
		  flush_invpcid1 },
		{ "tlb.invpcid-3", 4, false, false,
		  "INVPCID type 3 (all PCIDs, not global)", flush_invpcid3 },
		{ "tlb.invpcid-2-global", 5, true, false,
		  "INVPCID type 2 (all PCIDs, global too)", flush_invpcid2 },
	};
	/* A CR3 reload keeps global translations by design (that is what
	 * PTE_G is for), so a remapped global page needs a CR4.PGE toggle,
	 * INVLPG or INVPCID type 2. Under Bochs and TCG a CR3 reload may
	 * happen to drop it anyway; the scenario never relies on either. */
	static const struct tlb_case pge_case = {
		"tlb.pge-toggle-global", 6, true, false, "CR4.PGE toggle",
		flush_pge_toggle,
	};
	bool invpcid = mm_invpcid_ok();

	tlb_remap(&invlpg_case);
	tlb_remap(&cr3_case);
	for (size_t i = 0; i < ARRAY_SIZE(pcid_cases); i++) {
		const struct tlb_case *c = &pcid_cases[i];
		if (!invpcid)
			report_skip(c->name, "no INVPCID: CPUID.(EAX=7,ECX=0):"
				    "EBX[10] = 0");
		else if (c->needs_pcid && !mm_pcid_on())
			report_skip(c->name, "CR4.PCIDE off (no PCID: "
				    "CPUID.1:ECX[17] = 0), no PCID in use");
		else
			tlb_remap(c);
	}
	tlb_remap(&pge_case);
}

/* ------------------------------------------------------------ page faults */

static void pf_check(const char *name, const struct fault_rec *f,
		     uint64_t va, uint64_t want_err, const void *insn)
{
	const uint64_t bits = PF_ERR_P | PF_ERR_W | PF_ERR_U | PF_ERR_RSVD |
			      PF_ERR_ID;

	if (!f->hit) {
		report(false, name, "no #PF at 0x%llx",
		       (unsigned long long)va);
		return;
	}
	report(f->vector == VEC_PF && (f->error_code & bits) == want_err &&
	       f->cr2 == va && f->rip == (uint64_t)(uintptr_t)insn, name,
	       "vector %llu error 0x%llx (want 0x%llx) CR2 0x%llx (want "
	       "0x%llx) RIP 0x%llx (want %p)",
	       (unsigned long long)f->vector,
	       (unsigned long long)f->error_code,
	       (unsigned long long)want_err, (unsigned long long)f->cr2,
	       (unsigned long long)va, (unsigned long long)f->rip, insn);
}

static void pf_not_present(void)
{
	const char *name = "pf.not-present";
	uint64_t va = TEST_PAGE(7) + 0x238;
	struct pg_xlate x;
	struct fault_rec f;

	report_begin(name);
	if (pg_translate(&guest_space, va, &x) != -ENOENT)
		FAIL_RET("0x%llx is mapped",
			 (unsigned long long)va);
	fault_expect(VEC_PF, probe_read64_done);
	probe_read64(va);
	f = fault_take();
	/* Supervisor data read of a not-present page: P=0, W=0. */
	pf_check(name, &f, va, 0, probe_read64_insn);
}

static void pf_write_protect(void)
{
	const char *name = "pf.write-protect";
	uint64_t page = TEST_PAGE(8), va = page + 0x40;
	uint64_t fa = mm_alloc_frame();
	struct fault_rec f;
	int rc;

	report_begin(name);
	if (!(read_cr0() & CR0_WP)) {
		report(false, name, "CR0.WP is off");
		goto out;
	}
	if (!fa) {
		report(false, name, "out of frames");
		goto out;
	}
	fill(fa, PAT_A);
	rc = pg_map(&guest_space, page, fa, SZ_4K, PG_PROT_R);
	if (rc) {
		report(false, name, "pg_map: %s", err_name(rc));
		goto out;
	}
	if (rd(va, 0) != (PAT_A | 8)) {            /* readable, and cached */
		report(false, name, "read-only page unreadable");
		goto unmap;
	}
	fault_expect(VEC_PF, probe_write64_done);
	probe_write64(va, 0xDEAD);
	f = fault_take();
	/* Supervisor write to a present read-only page with CR0.WP = 1. */
	if (((uint64_t *)mm_dm(fa))[8] != (PAT_A | 8))
		report(false, name, "the write reached the read-only frame");
	else
		pf_check(name, &f, va, PF_ERR_P | PF_ERR_W,
			 probe_write64_insn);
unmap:
	pg_unmap(&guest_space, page, SZ_4K);
out:
	if (fa)
		mm_free_frame(fa);
}

/* ---------------------------------------------------------- hypervisor */

static void hv_detect_scenario(void)
{
	const char *name = "hv.detect";
	long ver, echo;

	report_begin(name);
	if (!hv_detect()) {
		report_skip(name, "no hypervisor: CPUID 0x40000000 "
			    "signature absent");
		return;
	}
	ver = hc_call(HC_VERSION, 0, 0, 0, 0);
	echo = hc_call(HC_ECHO, 41, 0, 0, 0);
	report(ver == HC_ABI_VERSION && echo == 42, name,
	       "HC_VERSION %ld (want %d), HC_ECHO(41) %ld (want 42)", ver,
	       HC_ABI_VERSION, echo);
}

/* ------------------------------------------------------------------ run */

void scenarios_run(void)
{
	int rc;

	scen_hv_setup();        /* reserves the scenario chunk first */
	/* Anchor the test window's page table (see TEST_PAGE). */
	anchor_pa = mm_alloc_frame();
	rc = anchor_pa ? pg_map(&guest_space, ANCHOR_VA, anchor_pa, SZ_4K,
				PG_PROT_R) : -ENOMEM;
	if (rc)
		report_abort("anchor page: %s", err_name(rc));

	paging_self_map();
	tlb_scenarios();
	pf_not_present();
	pf_write_protect();
	hv_detect_scenario();
	scen_acpi_run();        /* guest/scen_acpi.c */
	scen_hv_run();          /* guest/scen_*.c */
}
