/* Simulated physical memory for host unit tests (see sim_phys.h). */
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sim_phys.h"
#include "include/err.h"

static void *sim_table_ptr(void *ctx, uint64_t pa)
{
	struct sim_phys *sim = ctx;

	sim->reads++;
	return sim_ptr(sim, pa);
}

static uint64_t sim_alloc_table(void *ctx)
{
	struct sim_phys *sim = ctx;
	uint64_t pa;

	if (sim->fail_after == 0)
		return 0;
	pa = frame_alloc(&sim->pool);
	if (!pa)
		return 0;
	if (sim->fail_after > 0)
		sim->fail_after--;
	sim->allocs++;
	memset(sim->mem + pa, 0, FRAME_SIZE);
	return pa;
}

static void sim_free_table(void *ctx, uint64_t pa)
{
	struct sim_phys *sim = ctx;

	sim->frees++;
	if (frame_free(&sim->pool, pa)) {
		sim->bad_frees++;
		return;
	}
	memset(sim->mem + pa, 0xa5, FRAME_SIZE);   /* catch use after free */
}

static void sim_flush_hook(void *ctx, uint64_t va, uint64_t size)
{
	struct sim_phys *sim = ctx;

	if (sim->nflush < SIM_FLUSH_LOG)
		sim->flush_log[sim->nflush] = (struct sim_flush){ va, size };
	sim->nflush++;
}

int sim_init(struct sim_phys *sim, uint64_t size)
{
	/* A fake map with the shape firmware gives: low RAM, a reserved
	 * hole below 1 MiB, RAM above it. */
	struct mem_region map[] = {
		{ 0x0,     0x9f000,        MEM_AVAILABLE },
		{ 0x9f000, 0x61000,        MEM_RESERVED },
		{ 0x100000, size - 0x100000, MEM_AVAILABLE },
	};
	uint64_t bytes = frame_bitmap_bytes(size);
	int err;

	memset(sim, 0, sizeof(*sim));
	if (size <= 0x100000 || !IS_ALIGNED(size, FRAME_SIZE))
		return -EINVAL;
	sim->mem = calloc(1, size);
	sim->bitmap = calloc(1, bytes);
	if (!sim->mem || !sim->bitmap)
		return -ENOMEM;
	sim->size = size;
	err = frame_init(&sim->pool, map, ARRAY_SIZE(map), sim->bitmap, bytes);
	if (err)
		return err;
	sim->fail_after = -1;
	sim->env = (struct pg_env){
		.ctx = sim,
		.table_ptr = sim_table_ptr,
		.alloc_table = sim_alloc_table,
		.free_table = sim_free_table,
		.flush = sim_flush_hook,
	};
	return 0;
}

void sim_fini(struct sim_phys *sim)
{
	free(sim->mem);
	free(sim->bitmap);
	sim->mem = NULL;
	sim->bitmap = NULL;
}

const struct pg_env *sim_env(struct sim_phys *sim)
{
	return &sim->env;
}

void sim_fail_after(struct sim_phys *sim, long k)
{
	sim->fail_after = k;
}

void *sim_ptr(struct sim_phys *sim, uint64_t pa)
{
	if (pa >= sim->size)
		return NULL;
	return sim->mem + pa;
}

uint64_t sim_frames_in_use(const struct sim_phys *sim)
{
	return sim->pool.total - sim->pool.reserved_cnt - sim->pool.free;
}

void sim_flush_reset(struct sim_phys *sim)
{
	sim->nflush = 0;
}

bool sim_flushed(const struct sim_phys *sim, uint64_t va, uint64_t size)
{
	for (uint64_t i = 0; i < sim->nflush && i < SIM_FLUSH_LOG; i++) {
		const struct sim_flush *f = &sim->flush_log[i];

		if (f->va <= va && va - f->va + size <= f->size)
			return true;
	}
	return false;
}

void sim_snapshot_take(struct sim_phys *sim, struct sim_snapshot *snap)
{
	snap->bitmap_bytes = frame_bitmap_bytes(sim->size);
	snap->mem = malloc(sim->size);
	snap->bitmap = malloc(snap->bitmap_bytes);
	memcpy(snap->mem, sim->mem, sim->size);
	memcpy(snap->bitmap, sim->bitmap, snap->bitmap_bytes);
	snap->free = sim->pool.free;
}

bool sim_snapshot_same(struct sim_phys *sim, const struct sim_snapshot *snap)
{
	if (sim->pool.free != snap->free ||
	    memcmp(sim->bitmap, snap->bitmap, snap->bitmap_bytes))
		return false;
	for (uint64_t pa = 0; pa < sim->size; pa += FRAME_SIZE)
		if (frame_is_allocated(&sim->pool, pa) &&
		    memcmp(sim->mem + pa, snap->mem + pa, FRAME_SIZE))
			return false;
	return true;
}

void sim_snapshot_free(struct sim_snapshot *snap)
{
	free(snap->mem);
	free(snap->bitmap);
	snap->mem = NULL;
	snap->bitmap = NULL;
}
