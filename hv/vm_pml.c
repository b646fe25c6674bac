/*
 * Dirty logging by PML or write protection (see hv/vm_pml.h). SDM
 * revision 084, Vol. 3C "Page-Modification Logging", "Accessed and Dirty
 * Flags for EPT".
 *
 * PML logs a page only when its EPT D bit goes from 0 to 1, so:
 *  - at the start, every leaf of the range is made a 4 KiB leaf (a large
 *    leaf has one D bit and gives one entry for all its pages) and its D
 *    bit cleared, in every view, with INVEPT;
 *  - after each harvest the D bits of the range are cleared again (and
 *    INVEPT, through the engine), so that the next write logs again.
 * The log holds 512 GPAs, filled from index 511 down; the index is the
 * next free slot, and wraps to 0xFFFF when the last one is used.
 * Bochs 2.7 logs the GPA with its page offset: bits 11:0 are masked off.
 */
#include "hv/vm_pml.h"
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/vcpu.h"
#include "hv/host.h"
#include "hv/memlayout.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_insn.h"
#include "include/x86.h"
#include "include/err.h"
#include "hv/run.h"

uint64_t pml_full_drain_ticks;

bool vm_pml_offered(const struct vm *vm)
{
	return vmx_proc2_allowed(&vmx_caps, PROC2_ENABLE_PML) &&
	       vm->view[0].ept.ad;
}

static bool dirty_on(const struct vm *vm)
{
	return vm->dirty.hi > vm->dirty.lo;
}

void vm_dirty_note(struct vm *vm, uint64_t gpa, uint64_t size)
{
	struct vm_dirty *d = &vm->dirty;
	uint64_t lo = MAX(ALIGN_DOWN(gpa, SZ_4K), d->lo);
	uint64_t hi = MIN(gpa + size, d->hi);

	for (uint64_t a = lo; a < hi; a += SZ_4K)
		d->bitmap[a >> 18] |= 1ULL << ((a >> 12) & 63);
}

/* Every entry of v's log into the bitmap; index back to 511. */
static void pml_drain(struct vcpu *v)
{
	const uint64_t *log = phys_to_virt(v->ept.pml_pa);
	uint16_t idx = vmcs_read16(VMCS_GUEST_PML_INDEX);
	unsigned first = idx >= PML_ENTRIES ? 0 : idx + 1u;

	for (unsigned i = first; i < PML_ENTRIES; i++)
		vm_dirty_note(v->vm, log[i] & ~(uint64_t)(SZ_4K - 1), 1);
	v->vm->vctr.pml_logged += PML_ENTRIES - first;
	vmcs_write16(VMCS_GUEST_PML_INDEX, PML_ENTRIES - 1);
}

void handle_pml_full(struct vcpu *v)
{
	uint64_t t0 = rdtsc();

	v->vm->vctr.pml_full++;
	pml_drain(v);
	pml_full_drain_ticks = rdtsc() - t0;
	/* The access that found the log full set no A/D bit and logged
	 * nothing; it is retried, now with room in the log (the PML index
	 * the guest runs on is reset: progress, hv/exit.h). */
	exit_mark_progress();
}

static int pml_enable(struct vcpu *v, bool on)
{
	if (on && !v->ept.pml_pa) {
		v->ept.pml_pa = hv_frame_alloc_zeroed();   /* until a restart */
		if (!v->ept.pml_pa)
			return -ENOMEM;
	}
	if (on) {
		vmcs_write64(VMCS_PML_ADDR, v->ept.pml_pa);
		vmcs_write16(VMCS_GUEST_PML_INDEX, PML_ENTRIES - 1);
	}
	return vmcs_proc2_set(&v->ctl, v->caps, PROC2_ENABLE_PML, on);
}

void vm_dirty_reset(struct vm *vm)
{
	struct vm_dirty *d = &vm->dirty;

	/* Off (the VMCS is set up afresh); the bitmap goes back to the pool,
	 * as every frame the guest caused (hv/contain.c counts them). */
	d->lo = d->hi = 0;
	if (d->bitmap && frame_free_run(&hv_frames, virt_to_phys(d->bitmap),
					d->bitmap_bytes))
		panic("dirty bitmap: cannot free its frames");
	d->bitmap = NULL;
	d->bitmap_bytes = 0;
}

static int dirty_stop(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct vm_dirty *d = &vm->dirty;
	int rc = 0;

	if (!dirty_on(vm))
		return 0;
	if (d->backend == HC_DIRTY_PML)
		rc = pml_enable(v, false);
	else
		rc = vm_untrack(vm, d->lo, d->hi - d->lo);
	if (!rc)
		d->lo = d->hi = 0;
	return rc;
}

static int bitmap_alloc(struct vm *vm)
{
	uint64_t bytes = SZ_4K, pa;

	if (vm->dirty.bitmap)
		return 0;
	while (bytes * 8 < (vm->ram_size >> 12))
		bytes <<= 1;
	pa = frame_alloc_run(&hv_frames, bytes);
	if (!pa)
		return -ENOMEM;
	vm->dirty.bitmap = phys_to_virt(pa);
	vm->dirty.bitmap_bytes = bytes;
	return 0;
}

/* The back end's state for [lo, hi): PML: 4 KiB leaves, D clear (INVEPT);
 * WP: W withheld, tracked. */
static int dirty_arm(struct vm *vm, uint64_t lo, uint64_t hi)
{
	if (vm->dirty.backend == HC_DIRTY_PML)
		return vm_views_leaf_bits(vm, lo, hi - lo, PG_BIT_D, 0, NULL);
	for (uint64_t a = lo; a < hi; a += SZ_4K)
		vm->page[a >> 12] |= VM_PG_TRACKED;
	return vm_withhold_w(vm, lo, hi - lo);
}

int64_t vm_hc_dirty_start(struct vcpu *v, uint64_t gpa, uint64_t bytes,
			  uint64_t mode)
{
	struct vm *vm = v->vm;
	struct vm_dirty *d = &vm->dirty;
	unsigned backend;
	int rc;

	if (mode > HC_DIRTY_WP)
		return -EINVAL;
	if (!bytes)
		return dirty_stop(v);
	if (dirty_on(vm))
		return -EBUSY;      /* one range at a time: stop it first */
	rc = vm_check_pages(vm, gpa, bytes);
	if (rc)
		return rc;
	backend = mode != HC_DIRTY_AUTO ? (unsigned)mode :
		  vm_pml_offered(vm) ? HC_DIRTY_PML : HC_DIRTY_WP;
	if (backend == HC_DIRTY_PML && !vm_pml_offered(vm))
		return -EOPNOTSUPP;
	/* The CPU writes a pinned page behind EPT: nothing would log it.
	 * Sub-page permissions hold W already (no WP). */
	if (vm_range_has(vm, gpa, bytes, VM_PG_PINNED |
			 (backend == HC_DIRTY_WP ? VM_PG_SPP | VM_PG_TRACKED : 0)))
		return -EBUSY;
	rc = bitmap_alloc(vm);
	if (!rc)
		rc = vm_ensure_mapped(vm, gpa, bytes);
	if (!rc && backend == HC_DIRTY_PML)
		rc = vm_views_split_4k(vm, gpa, bytes);
	if (rc)
		return rc;
	for (uint64_t a = gpa; a - gpa < bytes; a += SZ_4K)
		d->bitmap[a >> 18] &= ~(1ULL << ((a >> 12) & 63));
	d->backend = backend;
	rc = dirty_arm(vm, gpa, gpa + bytes);
	if (!rc && backend == HC_DIRTY_PML)
		rc = pml_enable(v, true);
	if (rc)
		return rc;
	d->lo = gpa;
	d->hi = gpa + bytes;
	return backend;
}

#define DIRTY_CHUNK 32

int64_t vm_hc_dirty_log(struct vcpu *v, uint64_t buf_gpa, uint64_t n)
{
	struct vm *vm = v->vm;
	struct vm_dirty *d = &vm->dirty;
	uint64_t out[DIRTY_CHUNK], count = 0;
	unsigned k = 0;
	int rc;

	if (!dirty_on(vm))
		return -ENOENT;
	if (n > (d->hi - d->lo) >> 12)
		n = (d->hi - d->lo) >> 12;
	if (!vm_range_ok(vm, buf_gpa, n * sizeof(uint64_t)))
		return -EFAULT;
	/* The result's own pages are written by this call: dirty first. */
	rc = vm_mark_dirty(vm, buf_gpa, n * sizeof(uint64_t));
	if (rc)
		return rc;
	if (d->backend == HC_DIRTY_PML)
		pml_drain(v);
	for (uint64_t a = d->lo; a < d->hi && count < n; a += SZ_4K) {
		uint64_t *w = &d->bitmap[a >> 18], bit = 1ULL << ((a >> 12) & 63);

		if (!(*w & bit))
			continue;
		*w &= ~bit;
		out[k++] = a;
		count++;
		if (k == DIRTY_CHUNK) {
			rc = vm_write(vm, buf_gpa + (count - k) * 8, out, k * 8);
			if (rc)
				return rc;
			k = 0;
		}
	}
	if (k) {
		rc = vm_write(vm, buf_gpa + (count - k) * 8, out, k * 8);
		if (rc)
			return rc;
	}
	/* Harvested: arm again, so that the next write is seen again. */
	rc = dirty_arm(vm, d->lo, d->hi);
	return rc ? rc : (int64_t)count;
}
