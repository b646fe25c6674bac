/*
 * Dirty logging (hv/vm_pml.c, docs/ept-views.md): the set of guest pages
 * written in a GPA range since the last HC_DIRTY_LOG, kept in
 * vm->dirty.bitmap, filled by one of two back ends:
 *   PML  page-modification logging: the CPU appends the GPA of each page
 *        whose EPT D bit it sets to the vCPU's 512-entry log (SDM 3C
 *        "Page-Modification Logging"); a full log exits (reason 62) and is
 *        drained into the bitmap;
 *   WP   write protection: the write tracking of hv/vm_track.c, whose
 *        first write to a page exits once.
 * Pages the hypervisor writes for the guest (vm_mark_dirty) are noted by
 * both.
 */
#ifndef EPTLAB_VM_PML_H
#define EPTLAB_VM_PML_H

#include "include/types.h"

struct vm;
struct vcpu;

#define PML_ENTRIES 512

/* Pages of [gpa, gpa+size) were (or are about to be) written: note those
 * inside the logged range. */
void vm_dirty_note(struct vm *vm, uint64_t gpa, uint64_t size);
/* Guest restart: logging off, the bitmap's frames freed. */
void vm_dirty_reset(struct vm *vm);
/* PML is offered and usable: the control may be 1 and EPT A/D is on (PML
 * logs a page when the CPU sets its EPT D bit; no A/D, no log). */
bool vm_pml_offered(const struct vm *vm);

int64_t vm_hc_dirty_start(struct vcpu *v, uint64_t gpa, uint64_t bytes,
			  uint64_t mode);
int64_t vm_hc_dirty_log(struct vcpu *v, uint64_t buf_gpa, uint64_t n);
/* The log-full exit (reason 62): drained, index back to 511, resumed. */
void handle_pml_full(struct vcpu *v);
/* Ticks of the last drain of a full log (make bench). */
extern uint64_t pml_full_drain_ticks;

#endif
