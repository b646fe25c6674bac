/* The hypervisor's own memory: the frame pool and the host address space
 * (hv/host_mm.c). Valid after host_mm_init(). */
#ifndef EPTLAB_HOST_H
#define EPTLAB_HOST_H

#include "include/types.h"
#include "mm/frame.h"
#include "mm/paging.h"
#include "hv/bootinfo.h"

extern struct frame_pool hv_frames;
extern struct pg_space hv_space;

/* Build the frame pool and the host page tables, switch CR3, drop the
 * boot identity map. Panics with a clear message on failure. */
void host_mm_init(struct boot_info *bi);

/* A zeroed frame from hv_frames (0 if none); free one back. */
uint64_t hv_frame_alloc_zeroed(void);
void hv_frame_free(uint64_t pa);

#endif
