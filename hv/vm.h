/*
 * Guest-physical memory (hv/vm_mem.c, hv/vm_ept.c): guest RAM [0, ram_size)
 * mapped onto host frames at other host-physical addresses by the EPT
 * views (hv/ept_view.h: view 0 always, up to 7 more, the same GPA -> HPA
 * in each).
 * Everything at or above ram_size is never mapped: an access there is an EPT
 * violation that is logged and answered with #GP(0) in the guest.
 *
 * The truth about guest RAM is the page table vm->page[]: one word per
 * 4 KiB guest page holding the backing frame's HPA (bits 51:12) and
 * VM_PG_* flags. The EPT is derived from it:
 *
 *   page state              VM_PG_BACKED  EPT leaf      first guest touch
 *   backed                  1             present       -
 *   lazy (demand / full)    0             none          one EPT violation:
 *                                                       zeroed 4K page mapped
 *   the boot "lazy page"    1 (+LAZY)     none          mapped, resumes
 *   HC_EPT_PROTECT prot 0   1 (+NOACCESS) none          logged, #GP(0)
 *   write-tracked           1 (+TRACKED)  not writable  logged, W restored
 *   HC_VIEW_PROTECT prot 0  1             none (in that  logged, #GP(0)
 *                                         view only)
 *
 * The EPT leaf of a page is alike in every view but for the view's own
 * permissions (HC_VIEW_PROTECT, HC_VIEW_VE). Where write tracking or
 * sub-page permissions (hv/vm_spp.c) take W from a leaf, VM_PG_WHELD(v)
 * records that view v had it, so that it goes back to those views only.
 * A pinned page's frame is read or written by the CPU by its HPA (the #VE
 * information area): it is never remapped or unbacked.
 *
 * Frames: the boot backing comes in 2 MiB / 1 GiB runs (so large EPT leaves
 * fit), later frames one at a time; the bitmap allocator frees either one
 * frame at a time, so vm->page[] alone says what the VM owns.
 */
#ifndef EPTLAB_VM_H
#define EPTLAB_VM_H

#include "include/types.h"
#include "ept/ept.h"
#include "include/hypercall.h"
#include "hv/dev/uart16550.h"
#include "hv/plat.h"
#include "hv/ept_view.h"
#include "hv/spp.h"

#define VM_MAX_CHUNKS   2048
#define VM_LAZY_GPA     0x400000ULL
#define VM_LAZY_MAGIC   0x1A2B3C4DU    /* first dword of the lazy page */
#define VM_VLOG_MAX     256            /* violation log: newest kept */

/* vm->page[] words. */
#define VM_PG_BACKED    BIT(0)         /* a frame backs the page */
#define VM_PG_LAZY      BIT(1)         /* the boot lazy page, not yet mapped */
#define VM_PG_NOACCESS  BIT(2)         /* unmapped by HC_EPT_PROTECT(0) */
#define VM_PG_TRACKED   BIT(3)         /* HC_WRITE_TRACK, no write seen yet */
#define VM_PG_WHELD(v)  BIT(4 + (v))   /* view v's leaf lacks its W (tracked,
                                          or sub-page permissions) */
#define VM_PG_WHELD_ALL GENMASK(4 + VM_VIEWS - 1, 4)
#define VM_PG_ADDR      GENMASK(51, 12)
#define VM_PG_PINNED    BIT(52)        /* the CPU uses its HPA: frame fixed */
#define VM_PG_SPP       BIT(53)        /* sub-page write permissions */
_Static_assert(!(VM_PG_WHELD_ALL & VM_PG_ADDR), "WHELD bits below 12");

/* A boot run of host frames (for the boot report and the first EPT map). */
struct vm_chunk {
	uint64_t gpa, hpa, size;
};

/* Dirty logging (hv/vm_pml.c): the GPAs written in [lo, hi) since the
 * last HC_DIRTY_LOG, one bit per guest page of RAM. */
struct vm_dirty {
	uint64_t lo, hi;               /* lo == hi: off */
	unsigned backend;              /* HC_DIRTY_PML or HC_DIRTY_WP */
	uint64_t *bitmap;              /* allocated on first use */
	uint64_t bitmap_bytes;
};

/* Sub-page write permissions (hv/vm_spp.c). */
#define VM_SPP_LAZY_MAX 8
struct vm_spp {
	struct spp_table table;        /* root 0: the CPU has no SPP */
	struct { uint64_t gpa; uint32_t writable; } lazy[VM_SPP_LAZY_MAX];
	unsigned nlazy;                /* built on the first SPPT miss */
};

struct vm {
	struct vm_view view[VM_VIEWS];  /* [0] the default view, always live */
	uint64_t *eptp_list;           /* EPTP list (VMFUNC), NULL: none */
	uint64_t eptp_list_pa;
	struct vm_common_map common[VM_COMMON_MAX];
	unsigned ncommon;
	struct hc_view_counters vctr;  /* HC_VIEW_INFO */
	struct vm_dirty dirty;
	struct vm_spp spp;
	struct uart16550 com1;         /* the guest's console (hv/exit_io.c) */
	struct plat plat;              /* the PC's devices (hv/plat.c) */
	uint32_t irq_flags;            /* HC_IRQF_* for HC_CONFIG */
	uint64_t ram_size;
	unsigned leaf_sizes;
	uint32_t demand;               /* HC_DEMAND_* */
	bool verbose;                  /* print demand faults (slow path) */
	bool lazy_page;                /* built-in guest: VM_LAZY_GPA lazy */
	uint64_t *page;                /* ram_size / 4K words, see above */
	uint64_t page_pa, page_bytes;  /* the run holding page[] */
	uint64_t ept_flushes;          /* INVEPT from the paging engine */
	uint64_t exits_base;           /* exit count at the last reset */
	struct hc_counters ctr;        /* exits filled in on read */
	uint64_t reports;              /* violation reports printed */
	uint64_t apic_reports;         /* APIC INIT/IPI/bad-write reports */
	uint64_t mmio_emulated;        /* device-page accesses decoded after
	                                  an EPT violation (APIC-access exits
	                                  are in ctr.mmio_exits only) */
	bool delivering;               /* current violation hit event delivery */
	/* Violation log: a ring keeping the newest VM_VLOG_MAX entries. */
	uint64_t vlog_head, vlog_count, vlog_dropped;
	struct hc_violation vlog[VM_VLOG_MAX];
	size_t nchunks;
	struct vm_chunk chunk[VM_MAX_CHUNKS];
};

/* ------------------------------------------------ hv/vm_mem.c */

/* Allocate guest RAM per the demand mode (zeroed), build the EPT (leaf
 * sizes from the ept_leaf option and the CPU), leave the lazy page
 * unmapped, make the INVEPT flush hook live. */
void vm_mem_init(struct vm *vm, uint64_t ram_size);
/* Back to the boot state of vm_mem_init: every frame obtained since (demand
 * pages, remap frames, split tables) freed, RAM backed again (or unbacked
 * per the demand mode) and zeroed, protections, tracking, violation log and
 * counters cleared, INVEPT. The EPTP does not change. The frame pool's free
 * count afterwards equals the one right after the first vm_mem_init.
 * 0, or -ENOMEM (panics rather than leave a half-built VM). */
int vm_mem_reset(struct vm *vm);

/* The default view's EPT (view 0, always live). */
static inline struct ept *vm_ept0(struct vm *vm) { return &vm->view[0].ept; }

/* True if [gpa, gpa+len) lies inside guest RAM (len may be 0; no overflow). */
static inline bool vm_range_ok(const struct vm *vm, uint64_t gpa, uint64_t len)
{
	return gpa <= vm->ram_size && len <= vm->ram_size - gpa;
}

/* Host-physical address backing gpa (ignores EPT state), or ~0 if the page
 * is not backed (lazy) or gpa is outside RAM. O(1). */
uint64_t vm_gpa_to_hpa(const struct vm *vm, uint64_t gpa);
/* Copy to / from guest RAM (any page boundaries). 0 or -EFAULT (outside
 * RAM), -ENOMEM. vm_write backs lazy pages (not counted as guest faults);
 * vm_read reads a lazy page as zeros; vm_zero skips lazy pages. vm_write
 * and vm_zero mark each page they write dirty first (vm_mark_dirty). */
int vm_write(struct vm *vm, uint64_t gpa, const void *src, size_t len);
int vm_read(struct vm *vm, uint64_t gpa, void *dst, size_t len);
int vm_zero(struct vm *vm, uint64_t gpa, size_t len);

/* Back the page at gpa (4K-aligned, inside RAM, not backed) with a zeroed
 * frame and map it with a 4 KiB EPT leaf, all permissions, in every view.
 * 0 / -ENOMEM. */
int vm_back_page(struct vm *vm, uint64_t gpa);
/* Make every page of [gpa, gpa+size) backed and EPT-mapped (lazy, lazy-page
 * and no-access pages get PG_PROT_ALL). Range already validated. */
int vm_ensure_mapped(struct vm *vm, uint64_t gpa, uint64_t size);

/* The hypervisor is about to write [gpa, gpa+len) of guest RAM (range
 * checked): mark each 4 KiB page dirty for every dirty tracking in use,
 * as a guest write would, before the write (hv/vm_ept.c). A write-tracked
 * page ends its tracking (W restored, counted in write_track_faults,
 * logged with qual HC_VIOL_HV_WRITE); with EPT A/D its leaf gets A and D.
 * The one hook for dirty logging. 0, or -ENOMEM (a split found no table
 * page: the page stays tracked, and must not be written). */
int vm_mark_dirty(struct vm *vm, uint64_t gpa, uint64_t len);

/* The lazy page: true if gpa is in it and it is still unmapped. */
bool vm_is_lazy(const struct vm *vm, uint64_t gpa);
/* Map the lazy page now (called from the EPT-violation handler). */
int vm_map_lazy(struct vm *vm);

/* True if some page of [gpa, gpa+size) (checked range) has a flag of
 * flags in vm->page[]. */
bool vm_range_has(const struct vm *vm, uint64_t gpa, uint64_t size,
		  uint64_t flags);

/* Count one INVEPT / INVVPID of type type that the hypervisor executed for
 * vm, in its total and by type (HC_COUNTERS). */
static inline void vm_count_invept(struct vm *vm, unsigned type)
{
	vm->ctr.invept++;
	if (type == 1)
		vm->ctr.invept_single++;
	else
		vm->ctr.invept_all++;
}

static inline void vm_count_invvpid(struct vm *vm, unsigned type)
{
	vm->ctr.invvpid++;
	vm->ctr.invvpid_type[type & 3]++;
}

/* ------------------------------------------------ hv/vm_ept.c */

/* What the exit handler does after vm_ept_fault. */
enum vm_fault_action {
	VM_FAULT_RESUME,        /* resolved (demand, tracking, lazy), the EPT
	                           changed: retry */
	VM_FAULT_RETRY,         /* nothing to change (a stale entry): retry
	                           as it was, no progress (hv/exit.h) */
	VM_FAULT_INJECT_GP,     /* outside RAM or not permitted: #GP(0), or
	                           a stop if delivering an event */
};
/* Classify and resolve an EPT violation in view `view` (SDM 3C "Exit
 * Qualification for EPT Violations"); always logs it. gla is 0 unless
 * qual bit 7; delivering: the IDT-vectoring information is valid (for the
 * report). */
enum vm_fault_action vm_ept_fault(struct vm *vm, unsigned view, uint64_t gpa,
				  uint64_t gla, uint64_t qual, uint64_t rip,
				  bool delivering);
/* Write tracking ends for the tracked page at page: W back in the views
 * of VM_PG_WHELD, counted, noted for dirty logging. */
int vm_track_end(struct vm *vm, uint64_t page);
/* Tracking off for [gpa, gpa+size): W back where it was withheld, not
 * counted as writes. */
int vm_untrack(struct vm *vm, uint64_t gpa, uint64_t size);
/* Take W from [gpa, gpa+size) in every view that has it there, recording
 * VM_PG_WHELD (write tracking). Range mapped or a hole in each view. */
int vm_withhold_w(struct vm *vm, uint64_t gpa, uint64_t size);
/* A page-aligned, non-empty range inside guest RAM: 0, -EINVAL, -EFAULT. */
int vm_check_pages(const struct vm *vm, uint64_t gpa, uint64_t bytes);
/* HC_EPT_* rights valid for a leaf: 0, -EINVAL (an unknown bit, write
 * without read) or -EOPNOTSUPP (execute-only without the capability). */
int vm_check_rights(uint64_t prot);

/* The EPT hypercalls; arguments exactly as the guest passed them. Each
 * validates its ranges (no overflow, page-aligned, inside RAM) and returns
 * 0 / a count, or -EINVAL, -EFAULT, -ENOMEM, -EOPNOTSUPP. */
int64_t vm_hc_remap(struct vm *vm, uint64_t gpa, uint64_t pattern);
int64_t vm_hc_protect(struct vm *vm, uint64_t gpa, uint64_t bytes,
		      uint64_t prot);
int64_t vm_hc_write_track(struct vm *vm, uint64_t gpa, uint64_t bytes);
int64_t vm_hc_violation_log(struct vm *vm, uint64_t buf_gpa, uint64_t n);
int64_t vm_hc_demand(struct vm *vm, uint64_t gpa, uint64_t bytes);
int64_t vm_hc_counters(struct vm *vm, uint64_t buf_gpa);
int64_t vm_hc_ept_ad(struct vm *vm, uint64_t gpa, uint64_t pages,
		     uint64_t out_gpa, uint64_t clear);
int64_t vm_hc_config(struct vm *vm, uint64_t buf_gpa, uint32_t vpid);

/* Append to the violation log (newest kept). */
void vm_vlog_add(struct vm *vm, uint64_t gpa, uint64_t gla, uint64_t qual,
		 uint64_t leaf_gpa);

/* Empty the violation log and zero the counters (vm_mem_reset). */
void vm_ept_state_clear(struct vm *vm);

#endif
