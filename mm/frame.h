/*
 * Physical frame allocator: one bit per 4 KiB frame (1 = in use), plus a
 * second bitmap marking frames that are reserved (not RAM, firmware, the
 * hypervisor image, multiboot data, modules). Freeing a reserved frame or a
 * free frame is reported, never silently accepted.
 *
 * Pure C. The caller supplies the bitmap storage (frame_bitmap_bytes tells
 * how much) through a pointer it can write; on the hypervisor that is a run
 * of frames reached through the direct map, in tests a malloc'd buffer.
 */
#ifndef EPTLAB_FRAME_H
#define EPTLAB_FRAME_H

#include "include/types.h"

#define FRAME_SIZE   4096ULL
#define FRAME_SHIFT  12

/* Memory-map region types (multiboot2 numbering). */
#define MEM_AVAILABLE     1
#define MEM_RESERVED      2
#define MEM_ACPI_RECLAIM  3
#define MEM_NVS           4
#define MEM_BAD           5

struct mem_region {
	uint64_t base;
	uint64_t len;
	uint32_t type;
};

struct frame_pool {
	uint64_t *used;         /* 1 = allocated or reserved */
	uint64_t *reserved;     /* 1 = never allocatable */
	uint64_t nframes;       /* frames covered: [0, nframes * 4K) */
	uint64_t total;         /* available-RAM frames */
	uint64_t free;          /* frames currently free */
	uint64_t reserved_cnt;  /* available-RAM frames reserved at init */
	uint64_t cursor;        /* next-fit search start (word index) */
};

/* Bytes of bitmap storage needed to cover frames below top_pa. */
uint64_t frame_bitmap_bytes(uint64_t top_pa);

/* Initialise from a memory map: every frame below the highest available
 * byte is covered; frames of MEM_AVAILABLE regions start free, the rest
 * reserved; frame 0 and the first 1 MiB are always reserved. storage must
 * hold frame_bitmap_bytes(top). -EINVAL on a malformed map. */
int frame_init(struct frame_pool *p, const struct mem_region *map, size_t n,
	       void *storage, uint64_t storage_bytes);
/* Mark [pa, pa+len) reserved (image, multiboot info, modules, the bitmap
 * itself). Partial frames are rounded outward. */
void frame_reserve(struct frame_pool *p, uint64_t pa, uint64_t len);

/* One free frame's address, or 0 if none (frame 0 is never handed out). */
uint64_t frame_alloc(struct frame_pool *p);
/* A naturally aligned run of size bytes (a power of two multiple of 4K,
 * e.g. 2 MiB or 1 GiB), or 0. */
uint64_t frame_alloc_run(struct frame_pool *p, uint64_t size);
/* Free one frame. -EINVAL: unaligned, beyond the map, reserved, or already
 * free (double free); the pool is unchanged then. */
int frame_free(struct frame_pool *p, uint64_t pa);
/* Free a run from frame_alloc_run; all frames checked before any is freed. */
int frame_free_run(struct frame_pool *p, uint64_t pa, uint64_t size);
/* True if pa's frame is currently allocated (not free, not reserved). */
bool frame_is_allocated(const struct frame_pool *p, uint64_t pa);

#endif
