/*
 * Helpers shared by the scenarios that need eptlab (docs/guest.md):
 * HC_CONFIG, the reserved scenario RAM chunk, hypercall wrappers, test
 * mappings, and the check of an HC_TRANSLATE walk against the guest's
 * own walk of its tables (mm/paging.c pg_walk_va).
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "mm/pt_x86.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "include/err.h"
#include "include/x86.h"

struct hc_config scen_cfg;
long scen_cfg_rc = -ENOSYS;
uint64_t scen_base;

void scen_hv_setup(void)
{
	uint64_t top = ALIGN_DOWN(guest_boot.ram_top, SZ_2M);

	/* Reserve the chunk first: the allocator is next-fit from low
	 * addresses, so nothing has used the top of RAM yet. */
	if (top >= 4 * SCEN_CHUNK && top <= GUEST_POOL_TOP) {
		scen_base = top - SCEN_CHUNK;
		frame_reserve(&guest_frames, scen_base, SCEN_CHUNK);
	}
	if (!hv_present())
		return;
	scen_cfg_rc = hc_call(HC_CONFIG, mm_kernel_pa(&scen_cfg), 0, 0, 0);
	if (scen_cfg_rc == 0)
		printf("hc: config ram 0x%llx ept_leaf_sizes 0x%x vpid %u "
		       "ept_ad %u demand %u invept 0x%x invvpid 0x%x; "
		       "scenario chunk 0x%llx\n",
		       (unsigned long long)scen_cfg.ram_size,
		       scen_cfg.ept_leaf_sizes, scen_cfg.vpid, scen_cfg.ept_ad,
		       scen_cfg.demand, scen_cfg.invept_types,
		       scen_cfg.invvpid_types, (unsigned long long)scen_base);
	else
		printf("hc: HC_CONFIG failed: %s\n", err_name((int)scen_cfg_rc));
}

bool scen_need_hv(const char *name)
{
	report_begin(name);
	if (!hv_present()) {
		report_skip(name, "no hypervisor: needs eptlab");
		return false;
	}
	if (scen_cfg_rc) {
		report(false, name, "HC_CONFIG: %s",
		       err_name((int)scen_cfg_rc));
		return false;
	}
	if (!scen_base) {
		report(false, name, "guest RAM top 0x%llx too small for the "
		       "scenario chunk", (unsigned long long)guest_boot.ram_top);
		return false;
	}
	return true;
}

long hc_translate(uint64_t va, struct hc_walk *w, bool print)
{
	return hc_call(HC_TRANSLATE, va, mm_kernel_pa(w), print ? HC_WALK_PRINT : 0, 0);
}

long hc_vlog(struct hc_violation *v, unsigned max)
{
	return hc_call(HC_VIOLATION_LOG, mm_kernel_pa(v), max, 0, 0);
}

long hc_counters(struct hc_counters *c)
{
	return hc_call(HC_COUNTERS, mm_kernel_pa(c), 0, 0, 0);
}

uint64_t scen_guest_exits(const struct hc_counters *c0,
			  const struct hc_counters *c1)
{
	return (c1->exits - c0->exits) -
	       (c1->host_irq_exits - c0->host_irq_exits) -
	       (c1->host_nmi_exits - c0->host_nmi_exits) -
	       (c1->timer_exits - c0->timer_exits);
}

/* ------------------------------------------------ counter deltas */

/* The HC_COUNTERS fields a scenario's expectation names (docs/guest.md
 * "Counter deltas"); exits are left out (every hypercall is one, and
 * timer exits add more), and so are the host's interrupts and NMIs, which
 * are exits too. */
static const struct {
	const char *name;
	size_t off;
} ctr_field[] = {
#define CTR(f, n) { n, offsetof(struct hc_counters, f) }
	CTR(ept_violations, "EPT violations"),
	CTR(demand_faults, "demand faults"),
	CTR(demand_paging_struct, "paging-structure demand faults"),
	CTR(write_track_faults, "write-track faults"),
	CTR(invept, "INVEPT"),
	CTR(invept_single, "INVEPT single-context"),
	CTR(invept_all, "INVEPT all-context"),
	CTR(invvpid, "INVVPID"),
	CTR(invvpid_type[0], "INVVPID individual-address"),
	CTR(invvpid_type[1], "INVVPID single-context"),
	CTR(invvpid_type[2], "INVVPID all-context"),
	CTR(invvpid_type[3], "INVVPID single-context-retaining-globals"),
	CTR(irq_injected, "interrupts injected"),
	CTR(nmi_injected, "NMIs injected"),
	CTR(reinjected, "events re-injected"),
#undef CTR
};

static uint64_t ctr_get(const struct hc_counters *c, unsigned i)
{
	return *(const uint64_t *)((const char *)c + ctr_field[i].off);
}

bool scen_ctr_snap(const char *name, struct hc_counters *c)
{
	long rc = hc_counters(c);

	if (rc)
		report(false, name, "HC_COUNTERS: %s", err_name((int)rc));
	return rc == 0;
}

void scen_want_invept(struct hc_counters *want, unsigned n)
{
	want->invept += n;
	if (scen_cfg.invept_types & BIT(1))
		want->invept_single += n;
	else
		want->invept_all += n;
}

bool scen_ctr_expect(const char *name, const char *step,
		     const struct hc_counters *c0,
		     const struct hc_counters *want)
{
	static struct hc_counters c1;

	return scen_ctr_snap(name, &c1) &&
	       scen_ctr_check(name, step, c0, &c1, want);
}

bool scen_ctr_check(const char *name, const char *step,
		    const struct hc_counters *c0, const struct hc_counters *c1,
		    const struct hc_counters *want)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ctr_field); i++) {
		uint64_t got = ctr_get(c1, i) - ctr_get(c0, i);

		if (got != ctr_get(want, i)) {
			report(false, name, "%s: %s +%llu, want +%llu (HC_COUNTERS "
			       "before and after)", step, ctr_field[i].name,
			       (unsigned long long)got,
			       (unsigned long long)ctr_get(want, i));
			return false;
		}
	}
	return true;
}

uint64_t scen_ept_leaf(uint64_t gpa)
{
	static struct hc_walk w;

	if (hc_translate((uint64_t)(uintptr_t)mm_dm(gpa), &w, false) ||
	    w.result)
		return 0;
	return w.ept_page_size;
}

int scen_map4k(uint64_t va, uint64_t pa)
{
	return pg_map(&guest_space, va, pa, SZ_4K, PG_PROT_R | PG_PROT_W);
}

void scen_unmap(uint64_t va, uint64_t size)
{
	pg_unmap(&guest_space, va, size);
	for (uint64_t off = 0; off < size; off += SZ_4K)
		invlpg(va + off);
}

uint64_t scen_rd(uint64_t va)
{
	return *(volatile uint64_t *)(uintptr_t)va;
}

void scen_wr(uint64_t va, uint64_t v)
{
	*(volatile uint64_t *)(uintptr_t)va = v;
}

/* EPT entries read for a GPA whose EPT leaf has this size: one per level
 * from the PML4 down to the leaf. */
static unsigned ept_steps_for(uint64_t size)
{
	switch (size) {
	case SZ_4K: return 4;
	case SZ_2M: return 3;
	case SZ_1G: return 2;
	default:    return 0;
	}
}

#define EPT_LEAF_PS  BIT(7)     /* SDM 3C "EPT Translation Mechanism" */

/* The final EPT walk: table entries above, a leaf of ept_page_size last,
 * whose frame plus the GPA's offset is the HPA. */
static const char *final_ept_bad(const struct hc_walk *w)
{
	unsigned n = ept_steps_for(w->ept_page_size);
	uint64_t leaf, mask;

	if (!n)
		return "ept_page_size is not 4K, 2M or 1G";
	if (w->final_ept_nsteps != n)
		return "final_ept_nsteps does not match ept_page_size";
	for (unsigned i = 0; i + 1 < n; i++)
		if (!(w->final_ept[i].entry & 7) ||
		    (w->final_ept[i].entry & EPT_LEAF_PS))
			return "a non-leaf final EPT step is absent or a leaf";
	leaf = w->final_ept[n - 1].entry;
	if (!(leaf & 7))
		return "final EPT leaf not present";
	if (n < 4 && !(leaf & EPT_LEAF_PS))
		return "large EPT leaf without bit 7";
	mask = GENMASK(51, 12) & ~(w->ept_page_size - 1);
	if ((leaf & mask) + (w->gpa & (w->ept_page_size - 1)) != w->hpa)
		return "HPA is not the final EPT leaf's frame + offset";
	return NULL;
}

bool scen_xlate_check(const char *name, uint64_t va, uint64_t want_gpa,
		      uint64_t want_gsize, uint64_t want_esize, bool print,
		      struct hc_walk *w)
{
	const uint64_t ad = PTE_A | PTE_D;
	struct pg_walk g;
	unsigned refs = 0;
	bool uniform = true;
	const char *bad;
	long rc;

	rc = hc_translate(va, w, print);
	if (rc || w->result) {
		report(false, name, "HC_TRANSLATE(0x%llx): %s, result %s",
		       (unsigned long long)va, err_name((int)rc),
		       err_name(w->result));
		return false;
	}
	if (pg_walk_va(&guest_space, va, &g) || g.xlate.pa != want_gpa) {
		report(false, name, "guest walk of 0x%llx: %s pa 0x%llx, "
		       "want 0x%llx", (unsigned long long)va,
		       err_name(g.result), (unsigned long long)g.xlate.pa,
		       (unsigned long long)want_gpa);
		return false;
	}
	if (w->gva != va || (w->guest_cr3 & PTE_ADDR_MASK) != guest_space.root) {
		report(false, name, "walk gva 0x%llx cr3 0x%llx, want 0x%llx "
		       "root 0x%llx", (unsigned long long)w->gva,
		       (unsigned long long)w->guest_cr3,
		       (unsigned long long)va,
		       (unsigned long long)guest_space.root);
		return false;
	}
	if (w->gpa != want_gpa || w->guest_page_size != want_gsize ||
	    w->guest_page_size != g.xlate.page_size) {
		report(false, name, "HC_TRANSLATE gpa 0x%llx guest page 0x%llx"
		       ", guest's own walk pa 0x%llx page 0x%llx (want 0x%llx)",
		       (unsigned long long)w->gpa,
		       (unsigned long long)w->guest_page_size,
		       (unsigned long long)g.xlate.pa,
		       (unsigned long long)g.xlate.page_size,
		       (unsigned long long)want_gsize);
		return false;
	}
	if (w->guest_nsteps != g.nsteps) {
		report(false, name, "guest_nsteps %u, guest walk read %u",
		       w->guest_nsteps, g.nsteps);
		return false;
	}
	for (unsigned i = 0; i < g.nsteps; i++) {
		const struct hc_walk_level *l = &w->lvl[i];
		if (l->level != i || l->entry_gpa != g.step[i].entry_pa ||
		    ((l->entry ^ g.step[i].entry) & ~ad) ||
		    (l->entry_hpa & 0xFFF) != (l->entry_gpa & 0xFFF) ||
		    l->ept_nsteps < 2 || l->ept_nsteps > 4) {
			report(false, name, "level %u: entry gpa 0x%llx = "
			       "0x%llx (%u EPT steps), guest walk 0x%llx = "
			       "0x%llx", i, (unsigned long long)l->entry_gpa,
			       (unsigned long long)l->entry, l->ept_nsteps,
			       (unsigned long long)g.step[i].entry_pa,
			       (unsigned long long)g.step[i].entry);
			return false;
		}
		refs += l->ept_nsteps + 1;
		uniform &= l->ept_nsteps == w->final_ept_nsteps;
	}
	if (want_esize && w->ept_page_size != want_esize) {
		report(false, name, "EPT leaf 0x%llx, want 0x%llx",
		       (unsigned long long)w->ept_page_size,
		       (unsigned long long)want_esize);
		return false;
	}
	bad = final_ept_bad(w);
	if (bad || (w->hpa & 0xFFF) != (w->gpa & 0xFFF)) {
		report(false, name, "%s (gpa 0x%llx hpa 0x%llx ept page 0x%llx"
		       ", %u steps)", bad ? bad : "HPA offset differs",
		       (unsigned long long)w->gpa, (unsigned long long)w->hpa,
		       (unsigned long long)w->ept_page_size,
		       w->final_ept_nsteps);
		return false;
	}
	/* nrefs = sum over guest levels (EPT walk of the entry + the entry)
	 * + the final EPT walk; n_g * (n_e + 1) + n_e when every GPA of the
	 * walk sits in the same EPT leaf size. */
	refs += w->final_ept_nsteps;
	if (w->nrefs != refs || (uniform && w->nrefs != g.nsteps *
				 (w->final_ept_nsteps + 1) +
				 w->final_ept_nsteps)) {
		report(false, name, "nrefs %u, want %u (n_g %u, n_e %u)",
		       w->nrefs, refs, g.nsteps, w->final_ept_nsteps);
		return false;
	}
	return true;
}

void scen_hv_run(void)
{
	scen_xlate_run();
	scen_ept_run();
	scen_mem_run();         /* ept.ad, then isolation.* */
	scen_demand_run();
	views_setup();          /* guest/views.c, docs/ept-views.md */
	scen_views_run();
	scen_ve_run();
	scen_dirty_run();
	scen_spp_run();
	scen_vcpu_run();
	scen_irq_run();         /* guest/scen_irq.c: PIC, PIT, the host */
	scen_irq_time_run();    /* guest/scen_irq_time.c: RTC, HLT, NMI */
	scen_irq_nmi_run();     /* guest/scen_irq_nmi.c: a faulting NMI IRET */
	scen_irq_real_run();    /* guest/scen_irq_real.c: real mode */
	scen_apic_run();        /* guest/scen_apic.c: the local APIC */
	scen_ioapic_run();      /* guest/scen_ioapic.c: the I/O APIC */
	scen_user_run();        /* CPL 3: the hypercall policy */
	scen_audit_run();       /* hv.audit, last */
}
