/*
 * EPT violations and the EPT hypercalls (see hv/vm.h, docs/hypercalls.md).
 * SDM revision 084, Vol. 3C "EPT Violations", "Exit Qualification for EPT
 * Violations", "Accessed and Dirty Flags for EPT", "Invalidation of TLBs
 * and Paging-Structure Caches".
 *
 * Rules kept here:
 *  - every GPA range from the guest is checked against [0, ram_size)
 *    without overflow before anything is touched; frames are only ever
 *    reached through vm->page[], so the guest cannot name a frame it does
 *    not own;
 *  - a VM-wide change is made in every EPT view (hv/ept_view.c), the
 *    same GPA -> HPA in each; the faulting view is the one the vCPU ran
 *    in (vcpu_view);
 *  - every change of an EPT entry goes through the engine (ept_map,
 *    ept_unmap, ept_protect), which runs INVEPT through the flush hook
 *    once per call when the change needs it (mm/paging.h): a change that
 *    removes, moves or narrows a translation, or splits a leaf. A frame is
 *    freed only after that INVEPT;
 *  - the demand-fault path prints nothing (vm->verbose aside) and takes one
 *    frame from the next-fit allocator.
 */
#include "hv/vm.h"
#include "hv/vm_spp.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_exitinfo.h"
#include "vmx/vmx_insn.h"
#include "hv/run.h"
#include "hv/stats.h"
#include "hv/host.h"
#include "hv/options.h"
#include "hv/memlayout.h"
#include "lib/console.h"
#include "include/x86.h"
#include "include/err.h"

#define VM_REPORT_MAX   16      /* violation reports printed per run */

/* ------------------------------------------------------ violation log */

void vm_ept_state_clear(struct vm *vm)
{
	vm->vlog_head = vm->vlog_count = vm->vlog_dropped = 0;
	vm->ctr = (struct hc_counters){ 0 };
	vm->vctr = (struct hc_view_counters){ 0 };
	vm->exits_base = stats_total_exits();
	vm->reports = 0;
}

void vm_vlog_add(struct vm *vm, uint64_t gpa, uint64_t gla, uint64_t qual,
		     uint64_t leaf_gpa)
{
	vm->vlog[vm->vlog_head] = (struct hc_violation){
		.gpa = gpa, .gla = gla, .qual = qual, .ept_leaf_gpa = leaf_gpa };
	vm->vlog_head = (vm->vlog_head + 1) % VM_VLOG_MAX;
	if (vm->vlog_count < VM_VLOG_MAX)
		vm->vlog_count++;
	else
		vm->vlog_dropped++;
}

/* "GPA .., read access, EPT entry allowed r-x, GLA .. (final access)" */
static void print_violation(uint64_t gpa, uint64_t gla, uint64_t qual,
			    uint64_t rip)
{
	printf("ept: violation: GPA 0x%llx, %s%s%s access, EPT entry allowed "
	       "%c%c%c, ", (unsigned long long)gpa,
	       (qual & EPTV_READ) ? "read" : "",
	       (qual & EPTV_WRITE) ? "write" : "",
	       (qual & EPTV_FETCH) ? "fetch" : "",
	       (qual & EPTV_READABLE) ? 'r' : '-',
	       (qual & EPTV_WRITABLE) ? 'w' : '-',
	       (qual & EPTV_EXECUTABLE) ? 'x' : '-');
	if (qual & EPTV_GLA_VALID)
		printf("GLA 0x%llx (%s), ", (unsigned long long)gla,
		       (qual & EPTV_FINAL_ACCESS) ? "final access"
					: "guest paging-structure access");
	else
		printf("no GLA, ");
	printf("rip 0x%llx, qualification 0x%llx", (unsigned long long)rip,
	       (unsigned long long)qual);
}

/* One line per refused access, at most VM_REPORT_MAX per run. */
static void report(struct vm *vm, uint64_t gpa, uint64_t gla, uint64_t qual,
		   uint64_t rip, const char *why)
{
	bool stop = vm->delivering;

	if (vm->reports > VM_REPORT_MAX)
		return;
	if (vm->reports++ == VM_REPORT_MAX) {
		printf("ept: %u violations reported; further reports "
		       "suppressed (all are still logged)\n", VM_REPORT_MAX);
		return;
	}
	print_violation(gpa, gla, qual, rip);
	printf(": %s; %s\n", why, stop ? "it hit the delivery of an event: "
	       "guest stopped" : "#GP(0) injected");
}

/* Why nothing answers at gpa (>= guest RAM). The device pages are
 * emulated before this (hv/exit_mmio.c); the local APIC's page arrives
 * here only while the APIC is not there in xAPIC mode, which is named. */
static const char *outside_ram_why(uint64_t gpa)
{
	if (gpa >= 0xFEE00000 && gpa < 0xFEE01000)
		return "outside guest RAM: the local APIC page (0xFEE00000), "
		       "with the APIC disabled in IA32_APIC_BASE or in x2APIC "
		       "mode";
	return "outside guest RAM";
}

/* Base GPA of view w's leaf covering gpa, or gpa's 4K page if unmapped. */
static uint64_t leaf_base(struct vm_view *w, uint64_t gpa)
{
	struct pg_xlate x;

	if (ept_translate(&w->ept, gpa, &x) == 0)
		return ALIGN_DOWN(gpa, x.page_size);
	return ALIGN_DOWN(gpa, SZ_4K);
}

/* Does a leaf with PG_PROT_* prot permit the access in qual? */
static bool access_allowed(unsigned prot, uint64_t qual)
{
	return !(((qual & EPTV_READ) && !(prot & PG_PROT_R)) ||
		 ((qual & EPTV_WRITE) && !(prot & PG_PROT_W)) ||
		 ((qual & EPTV_FETCH) && !(prot & PG_PROT_X)));
}

enum vm_fault_action vm_ept_fault(struct vm *vm, unsigned view, uint64_t gpa,
				  uint64_t gla, uint64_t qual, uint64_t rip,
				  bool delivering)
{
	struct vm_view *w = &vm->view[view];
	uint64_t page = ALIGN_DOWN(gpa, SZ_4K), *e;
	struct pg_xlate x;
	int rc;

	vm->ctr.ept_violations++;
	vm->delivering = delivering;
	if (gpa >= vm->ram_size) {
		/* Isolation: nothing is ever mapped here. */
		vm_vlog_add(vm, gpa, gla, qual, page);
		report(vm, gpa, gla, qual, rip, outside_ram_why(gpa));
		return VM_FAULT_INJECT_GP;
	}
	e = &vm->page[gpa >> 12];
	if (!(*e & VM_PG_BACKED)) {
		/* Demand paging: the hot path. The frame is mapped in every
		 * view, whichever one faulted. */
		vm_vlog_add(vm, gpa, gla, qual, page);
		if (__builtin_expect(hv_opts.corrupt == OPT_CORRUPT_DEMAND_RETRY,
				     0))
			return VM_FAULT_RETRY;  /* test only: never backed */
		rc = vm_back_page(vm, page);
		if (rc) {
			report(vm, gpa, gla, qual, rip,
			       "no host frame left for a demand page");
			return VM_FAULT_INJECT_GP;
		}
		vm->ctr.demand_faults++;
		if ((qual & EPTV_GLA_VALID) && !(qual & EPTV_FINAL_ACCESS))
			vm->ctr.demand_paging_struct++;
		if (vm->verbose)
			printf("ept: demand page GPA 0x%llx -> HPA 0x%llx\n",
			       (unsigned long long)page,
			       (unsigned long long)vm_gpa_to_hpa(vm, page));
		return VM_FAULT_RESUME;
	}
	vm_vlog_add(vm, gpa, gla, qual, leaf_base(w, gpa));
	if (*e & VM_PG_LAZY) {
		rc = vm_map_lazy(vm);
		if (rc)
			panic("mapping the lazy page: %s", err_name(rc));
		/* No INVEPT: the violation itself invalidated what the TLB
		 * held for this GPA. The instruction restarts. */
		print_violation(gpa, gla, qual, rip);
		printf("\nept: lazy page GPA 0x%llx mapped to HPA 0x%llx, "
		       "resuming\n", (unsigned long long)VM_LAZY_GPA,
		       (unsigned long long)vm_gpa_to_hpa(vm, VM_LAZY_GPA));
		return VM_FAULT_RESUME;
	}
	if (*e & VM_PG_NOACCESS) {
		report(vm, gpa, gla, qual, rip, "no access (HC_EPT_PROTECT)");
		return VM_FAULT_INJECT_GP;
	}
	if (ept_translate(&w->ept, gpa, &x)) {
		/* Backed, so every view maps it unless it said no access. */
		report(vm, gpa, gla, qual, rip, view ?
		       "no access in this EPT view (HC_VIEW_PROTECT)" :
		       "no access in view 0 (HC_VIEW_PROTECT)");
		return VM_FAULT_INJECT_GP;
	}
	if ((qual & EPTV_WRITE) && (*e & VM_PG_TRACKED) &&
	    (*e & VM_PG_WHELD(view))) {
		/* Dirty logging: the write re-executes once W is back. */
		if (vm_track_end(vm, page)) {
			report(vm, gpa, gla, qual, rip,
			       "cannot restore write access");
			return VM_FAULT_INJECT_GP;
		}
		return VM_FAULT_RESUME;
	}
	if (access_allowed(x.prot, qual))
		return VM_FAULT_RETRY;      /* already allowed: stale, retry */
	if ((qual & EPTV_WRITE) && (x.prot & PG_PROT_SPP)) {
		report(vm, gpa, gla, qual, rip, vm_spp_explain(vm, gpa, qual));
		return VM_FAULT_INJECT_GP;
	}
	if (x.prot & PG_PROT_VE) {
		/* Convertible, yet it exited (SDM 3C "Convertible EPT
		 * Violations"): #VE off, the information area busy, or the
		 * violation hit the delivery of an event. */
		vm->vctr.ve_busy++;
		report(vm, gpa, gla, qual, rip, "access not permitted by EPT; "
		       "convertible, but no #VE (the #VE information area is "
		       "busy, #VE is off, or an event was being delivered)");
		return VM_FAULT_INJECT_GP;
	}
	report(vm, gpa, gla, qual, rip, view ? "access not permitted by this "
	       "EPT view" : "access not permitted by EPT");
	return VM_FAULT_INJECT_GP;
}

/* ------------------------------------------------------ validation */

int vm_check_pages(const struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	if (!bytes || !IS_ALIGNED(gpa, SZ_4K) || !IS_ALIGNED(bytes, SZ_4K))
		return -EINVAL;
	return vm_range_ok(vm, gpa, bytes) ? 0 : -EFAULT;
}

/* A guest buffer the hypervisor writes: inside RAM. */
static int check_buf(const struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	return vm_range_ok(vm, gpa, bytes) ? 0 : -EFAULT;
}

/* Fill a frame with a 64-bit pattern (REP STOSQ: fast under Bochs). */
static void fill_frame(uint64_t hpa, uint64_t pattern)
{
	stosq(phys_to_virt(hpa), pattern, SZ_4K / 8);
}

/* ------------------------------------------------------ hypercalls */

/* Point the 4 KiB page gpa from frame `from` at frame `to` in every view
 * of the mask `only` that maps it, with the rights and attributes it had
 * there (*had: the views done). */
static int remap_views(struct vm *vm, uint64_t gpa, uint64_t from,
		       uint64_t to, unsigned only, unsigned *had)
{
	*had = 0;
	for (unsigned i = 0; i < VM_VIEWS; i++) {
		struct vm_view *w = &vm->view[i];
		struct pg_xlate x;
		int rc;

		if (!(only & (1u << i)) || !w->live ||
		    ept_translate(&w->ept, gpa, &x))
			continue;     /* a hole in this view stays one */
		if (ALIGN_DOWN(x.pa, SZ_4K) != from)
			panic("vm_hc_remap: view %u maps GPA 0x%llx to 0x%llx, "
			      "not its frame 0x%llx", i,
			      (unsigned long long)gpa,
			      (unsigned long long)x.pa,
			      (unsigned long long)from);
		/* The unmap splits a large leaf and runs INVEPT before the
		 * old frame can be reused. */
		rc = ept_unmap(&w->ept, gpa, SZ_4K);
		if (!rc) {
			rc = ept_map(&w->ept, gpa, to, SZ_4K, x.prot);
			/* Its table is still there unless it emptied, and then
			 * the old map needs the single table we could not
			 * get. */
			if (rc && ept_map(&w->ept, gpa, from, SZ_4K, x.prot))
				panic("vm_hc_remap: GPA 0x%llx lost its frame "
				      "in view %u", (unsigned long long)gpa, i);
		}
		if (rc)
			return rc;
		*had |= 1u << i;
	}
	return 0;
}

int64_t vm_hc_remap(struct vm *vm, uint64_t gpa, uint64_t pattern)
{
	uint64_t *e, old, hpa;
	unsigned done, undone;
	int rc = vm_check_pages(vm, gpa, SZ_4K);

	if (rc)
		return rc;
	e = &vm->page[gpa >> 12];
	old = *e;
	if (old & VM_PG_PINNED)
		return -EBUSY;      /* the CPU writes this frame by its HPA */
	hpa = frame_alloc(&hv_frames);
	if (!hpa)
		return -ENOMEM;
	fill_frame(hpa, pattern);
	if (!(old & VM_PG_BACKED)) {
		/* A lazy page: back it with the pattern now. */
		rc = vm_views_map(vm, gpa, hpa, SZ_4K, PG_PROT_ALL);
		if (rc) {
			hv_frame_free(hpa);
			return rc;
		}
		*e = hpa | VM_PG_BACKED;
		return vm_mark_dirty(vm, gpa, SZ_4K);
	}
	if (!(old & (VM_PG_LAZY | VM_PG_NOACCESS))) {
		/* Mapped: move the leaf in each view. */
		rc = remap_views(vm, gpa, old & VM_PG_ADDR, hpa, ~0u, &done);
		if (rc) {
			if (remap_views(vm, gpa, hpa, old & VM_PG_ADDR, done,
					&undone) || undone != done)
				panic("vm_hc_remap: GPA 0x%llx: views disagree "
				      "about its frame", (unsigned long long)gpa);
			hv_frame_free(hpa);
			return rc;
		}
	}
	*e = hpa | (old & ~VM_PG_ADDR);
	hv_frame_free(old & VM_PG_ADDR);
	/* New contents: dirty (a 4 KiB leaf now, so this cannot fail). */
	return vm_mark_dirty(vm, gpa, SZ_4K);
}

/* SDM 3C "EPT Misconfigurations": write without read is one; execute-only
 * needs the capability. */
int vm_check_rights(uint64_t prot)
{
	if (prot & ~(uint64_t)(HC_EPT_R | HC_EPT_W | HC_EPT_X))
		return -EINVAL;
	if ((prot & HC_EPT_W) && !(prot & HC_EPT_R))
		return -EINVAL;
	if (prot == HC_EPT_X && !(vmx_caps.ept_vpid & EPT_CAP_EXEC_ONLY))
		return -EOPNOTSUPP;
	return 0;
}

int64_t vm_hc_protect(struct vm *vm, uint64_t gpa, uint64_t bytes,
		      uint64_t prot)
{
	int rc = vm_check_rights(prot);

	if (rc)
		return rc;
	rc = vm_check_pages(vm, gpa, bytes);
	if (rc)
		return rc;
	if (vm_range_has(vm, gpa, bytes, VM_PG_SPP))
		return -EBUSY;      /* HC_SPP_SET ... HC_SPP_CLEAR first */
	rc = vm_ensure_mapped(vm, gpa, bytes);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a - gpa < bytes; a += SZ_4K)
		vm->page[a >> 12] &= ~(VM_PG_TRACKED | VM_PG_WHELD_ALL);
	/* VM-wide: every view gets prot (a view's own holes too). */
	if (prot == 0) {
		rc = vm_views_unmap(vm, gpa, bytes);     /* INVEPT */
		if (rc)
			return rc;
		for (uint64_t a = gpa; a - gpa < bytes; a += SZ_4K)
			vm->page[a >> 12] |= VM_PG_NOACCESS;
		return 0;
	}
	/* HC_EPT_* are the EPT bits, PG_PROT_R/W/X the same bit numbers. */
	return vm_views_protect(vm, gpa, bytes, (unsigned)prot);   /* INVEPT */
}

int64_t vm_hc_write_track(struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	int rc = vm_check_pages(vm, gpa, bytes);

	if (rc)
		return rc;
	if (vm_range_has(vm, gpa, bytes, VM_PG_SPP))
		return -EBUSY;      /* SPP holds W there already */
	rc = vm_ensure_mapped(vm, gpa, bytes);
	if (rc)
		return rc;
	rc = vm_withhold_w(vm, gpa, bytes);     /* INVEPT */
	if (rc)
		return rc;
	for (uint64_t a = gpa; a - gpa < bytes; a += SZ_4K)
		vm->page[a >> 12] |= VM_PG_TRACKED;
	return 0;
}

int64_t vm_hc_violation_log(struct vm *vm, uint64_t buf_gpa, uint64_t n)
{
	uint64_t want = MIN(n, (uint64_t)VM_VLOG_MAX), copy;
	uint64_t first;
	int rc = check_buf(vm, buf_gpa, want * sizeof(struct hc_violation));

	/* The buffer's own pages first: if tracked, their entries are part
	 * of this copy, not lost to the emptying after it. */
	if (!rc)
		rc = vm_mark_dirty(vm, buf_gpa,
				   want * sizeof(struct hc_violation));
	if (rc)
		return rc;
	copy = MIN(want, vm->vlog_count);
	first = (vm->vlog_head + VM_VLOG_MAX - vm->vlog_count) % VM_VLOG_MAX;
	for (uint64_t i = 0; i < copy; i++) {
		rc = vm_write(vm, buf_gpa + i * sizeof(struct hc_violation),
			      &vm->vlog[(first + i) % VM_VLOG_MAX],
			      sizeof(struct hc_violation));
		if (rc)
			return rc;
	}
	vm->vlog_head = vm->vlog_count = vm->vlog_dropped = 0;
	return (int64_t)copy;
}

int64_t vm_hc_demand(struct vm *vm, uint64_t gpa, uint64_t bytes)
{
	int rc = vm_check_pages(vm, gpa, bytes);

	if (rc)
		return rc;
	if (vm_range_has(vm, gpa, bytes, VM_PG_PINNED | VM_PG_SPP))
		return -EBUSY;
	/* Unmap first (splits covering large leaves, INVEPT), then free. */
	rc = vm_views_unmap(vm, gpa, bytes);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a - gpa < bytes; a += SZ_4K) {
		uint64_t *e = &vm->page[a >> 12];

		if (*e & VM_PG_BACKED)
			hv_frame_free(*e & VM_PG_ADDR);
		*e = 0;
	}
	return 0;
}

int64_t vm_hc_counters(struct vm *vm, uint64_t buf_gpa)
{
	struct hc_counters c;
	int rc = check_buf(vm, buf_gpa, sizeof(c));

	/* Counted before the copy, as this write's own tracking end is. */
	if (!rc)
		rc = vm_mark_dirty(vm, buf_gpa, sizeof(c));
	if (rc)
		return rc;
	c = vm->ctr;
	c.exits = stats_total_exits() - vm->exits_base;
	return vm_write(vm, buf_gpa, &c, sizeof(c));
}

/* Byte i of the result: PG_BIT_A (bit 0) and PG_BIT_D (bit 1) of the
 * leaves mapping page i, ORed over the views (vm_views_leaf_bits). */
_Static_assert(PG_BIT_A == 1 && PG_BIT_D == 2, "HC_EPT_AD byte layout");

int64_t vm_hc_ept_ad(struct vm *vm, uint64_t gpa, uint64_t pages,
		     uint64_t out_gpa, uint64_t clear)
{
	uint8_t buf[256];
	int rc;

	if (!vm_ept0(vm)->ad)
		return -EOPNOTSUPP;
	if (clear > 1 || !pages)
		return -EINVAL;
	if (pages > vm->ram_size >> 12)
		return -EFAULT;
	rc = vm_check_pages(vm, gpa, pages << 12);
	if (rc)
		return rc;
	rc = check_buf(vm, out_gpa, pages);
	/* The result's own pages are written by this call: dirty first. */
	if (!rc)
		rc = vm_mark_dirty(vm, out_gpa, pages);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < pages; i += sizeof(buf)) {
		uint64_t n = MIN(pages - i, (uint64_t)sizeof(buf));

		rc = vm_views_leaf_bits(vm, gpa + (i << 12), n << 12, 0, 0,
					buf);
		if (!rc)
			rc = vm_write(vm, out_gpa + i, buf, n);
		if (rc)
			return rc;
	}
	/* SDM 3C "Accessed and Dirty Flags for EPT": software may clear
	 * them; the engine then runs INVEPT (if one was set), so that the
	 * CPU sets them again on the next access. */
	if (clear)
		return vm_views_leaf_bits(vm, gpa, pages << 12,
					  PG_BIT_A | PG_BIT_D, 0, NULL);
	return 0;
}

int64_t vm_hc_config(struct vm *vm, uint64_t buf_gpa, uint32_t vpid)
{
	struct hc_config c = {
		.ram_size = vm->ram_size,
		.ept_leaf_sizes = vm->leaf_sizes,
		.vpid = vpid,
		.ept_ad = vm_ept0(vm)->ad,
		.demand = vm->demand,
		.tsc_khz = vm->plat.hz / 1000,
		.rtc_epoch = vm->plat.rtc_epoch,
		.irq_flags = vm->irq_flags,
		.host_irq_test = hv_opts.host_irq_test,
	};
	int rc = check_buf(vm, buf_gpa, sizeof(c));

	if (rc)
		return rc;
	for (unsigned t = INVEPT_SINGLE; t <= INVEPT_ALL; t++)
		if (vmx_has_invept(&vmx_caps, t))
			c.invept_types |= 1u << t;
	for (unsigned t = 0; t <= 3; t++)
		if (vmx_has_invvpid(&vmx_caps, t))
			c.invvpid_types |= 1u << t;
	return vm_write(vm, buf_gpa, &c, sizeof(c));
}
