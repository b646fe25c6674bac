/*
 * libFuzzer harness for the paging engine (mm/paging.c) with both formats
 * (x86-64, EPT), on simulated physical memory (tests/unit/sim_phys.c).
 *
 * The input is a header (format, allowed leaf sizes, an allocation-failure
 * budget) and then a sequence of operations, each a few bytes: map, unmap,
 * protect, translate, or a deliberately invalid call. A reference model (a
 * list of mapped ranges, page-granular) predicts every result.
 * Invariants, checked after every operation:
 *   - each return code is what the model predicts (-ENOMEM allowed only
 *     when allocations are made to fail, and then nothing has changed);
 *   - translate agrees with the model at the edges of the operation and
 *     of every mapped range, and at random probes (address, permissions,
 *     a leaf size that is allowed);
 *   - the engine's table count equals the frames taken from the pool;
 *   - at most one flush per call; none for a map, one for an unmap that
 *     removed something (else none);
 *   - pg_leaf_bits (with the probes) reads back per page what it set or
 *     cleared over mapped pages, 0 elsewhere, and changes no table;
 * and at the end: unmapping everything leaves only the root table, and
 * pg_destroy returns every frame to the pool.
 */
#include <string.h>

#include "tests/fuzz/fuzz_common.h"
#include "tests/unit/sim_phys.h"
#include "mm/paging.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "include/err.h"

#define SIM_SIZE    (6ULL << 20)          /* tables come from here */
#define WIN_PAGES   (1ULL << 21)          /* VAs in [0, 8 GiB) */
#define MAX_RANGES  1024
#define MAX_OPS     96

struct range {
	uint64_t va, pa, size;     /* page-aligned, size > 0 */
	unsigned prot;
};

static struct range model[MAX_RANGES];
static size_t nmodel;

static const unsigned prots[4] = {
	PG_PROT_R, PG_PROT_R | PG_PROT_W, PG_PROT_R | PG_PROT_X,
	PG_PROT_R | PG_PROT_W | PG_PROT_X,
};

static const struct range *model_find(uint64_t va)
{
	for (size_t i = 0; i < nmodel; i++)
		if (va >= model[i].va && va - model[i].va < model[i].size)
			return &model[i];
	return NULL;
}

static bool model_overlaps(uint64_t va, uint64_t size)
{
	for (size_t i = 0; i < nmodel; i++)
		if (va < model[i].va + model[i].size &&
		    model[i].va < va + size)
			return true;
	return false;
}

static uint64_t model_covered(uint64_t va, uint64_t size)
{
	uint64_t n = 0;

	for (size_t i = 0; i < nmodel; i++) {
		uint64_t a = MAX(va, model[i].va);
		uint64_t b = MIN(va + size, model[i].va + model[i].size);
		if (a < b)
			n += b - a;
	}
	return n;
}

static bool model_add(uint64_t va, uint64_t pa, uint64_t size, unsigned prot)
{
	if (nmodel == MAX_RANGES)
		return false;
	model[nmodel++] = (struct range){ va, pa, size, prot };
	return true;
}

/* Remove [va, va+size) from the model; with set_prot, re-add the removed
 * part with prot instead. False if the model is full. */
static bool model_cut(uint64_t va, uint64_t size, bool set_prot, unsigned prot)
{
	static struct range moved[MAX_RANGES];
	size_t nmoved = 0;
	uint64_t end = va + size;

	for (size_t i = 0; i < nmodel; ) {
		struct range r = model[i];
		uint64_t rend = r.va + r.size;
		if (end <= r.va || rend <= va) {
			i++;
			continue;
		}
		model[i] = model[--nmodel];   /* examine the swapped-in one */
		if (r.va < va && !model_add(r.va, r.pa, va - r.va, r.prot))
			return false;
		if (end < rend &&
		    !model_add(end, r.pa + (end - r.va), rend - end, r.prot))
			return false;
		if (set_prot) {
			uint64_t a = MAX(va, r.va), b = MIN(end, rend);
			moved[nmoved++] = (struct range){ a, r.pa + (a - r.va),
							  b - a, prot };
		}
	}
	for (size_t k = 0; k < nmoved; k++)
		if (!model_add(moved[k].va, moved[k].pa, moved[k].size,
			       moved[k].prot))
			return false;
	return true;
}

struct ctx {
	struct sim_phys sim;
	struct pg_space s;
	bool failing;              /* allocations may fail */
};

static void probe(struct ctx *c, uint64_t va)
{
	struct pg_xlate x;
	const struct range *r;
	int rc;

	if (va >= WIN_PAGES * SZ_4K)
		return;
	r = model_find(va);
	rc = pg_translate(&c->s, va, &x);
	if (!r) {
		FUZZ_CHECK(rc == -ENOENT, "va 0x%llx: model unmapped, rc %d "
			   "pa 0x%llx", (unsigned long long)va, rc,
			   (unsigned long long)x.pa);
		return;
	}
	FUZZ_CHECK(rc == 0, "va 0x%llx: model mapped, rc %d",
		   (unsigned long long)va, rc);
	FUZZ_CHECK(x.pa == r->pa + (va - r->va), "va 0x%llx -> 0x%llx, "
		   "model 0x%llx", (unsigned long long)va,
		   (unsigned long long)x.pa,
		   (unsigned long long)(r->pa + (va - r->va)));
	FUZZ_CHECK((x.prot & PG_PROT_ALL) == r->prot, "va 0x%llx prot %u, "
		   "model %u", (unsigned long long)va, x.prot, r->prot);
	FUZZ_CHECK((x.page_size == SZ_4K && (c->s.leaf_sizes & PG_SIZE_4K)) ||
		   (x.page_size == SZ_2M && (c->s.leaf_sizes & PG_SIZE_2M)) ||
		   (x.page_size == SZ_1G && (c->s.leaf_sizes & PG_SIZE_1G)),
		   "leaf size 0x%llx not allowed",
		   (unsigned long long)x.page_size);
}

static void check_all(struct ctx *c, uint64_t va, uint64_t size)
{
	FUZZ_CHECK(pg_table_pages(&c->s) == sim_frames_in_use(&c->sim),
		   "engine counts %llu tables, pool has %llu in use",
		   (unsigned long long)pg_table_pages(&c->s),
		   (unsigned long long)sim_frames_in_use(&c->sim));
	FUZZ_CHECK(c->sim.bad_frees == 0, "a bad free_table");
	probe(c, va);
	probe(c, va + size - SZ_4K);
	if (va)
		probe(c, va - SZ_4K);
	probe(c, va + size);
	for (size_t i = 0; i < nmodel; i++) {
		probe(c, model[i].va);
		probe(c, model[i].va + model[i].size - SZ_4K);
	}
}

/* Set (or clear) A and D over [va, va+size), then read them back: per
 * page what was set over mapped pages, 0 over holes; no table changes. */
static void check_bits(struct ctx *c, uint64_t va, uint64_t size, bool set)
{
	static uint8_t old[WIN_PAGES];
	unsigned ad = PG_BIT_A | PG_BIT_D, want = set ? ad : 0;
	uint64_t tables = pg_table_pages(&c->s), free0 = c->sim.pool.free;

	FUZZ_CHECK(pg_leaf_bits(&c->s, va, size, set ? 0 : ad, set ? ad : 0,
				NULL) == 0, "pg_leaf_bits");
	FUZZ_CHECK(pg_leaf_bits(&c->s, va, size, 0, 0, old) == 0,
		   "pg_leaf_bits read");
	for (uint64_t i = 0; i < size / SZ_4K; i++)
		FUZZ_CHECK(old[i] == (model_find(va + i * SZ_4K) ? want : 0),
			   "A/D of page 0x%llx: %u, want %u",
			   (unsigned long long)(va + i * SZ_4K), old[i],
			   model_find(va + i * SZ_4K) ? want : 0);
	FUZZ_CHECK(pg_table_pages(&c->s) == tables &&
		   c->sim.pool.free == free0, "pg_leaf_bits changed tables");
}

/* Size in pages: biased towards the interesting leaf boundaries. */
static uint64_t pick_pages(struct fuzz_in *in, bool big)
{
	uint64_t v = fuzz_take(in, 2);

	switch (v & 7) {
	case 0: return 1;
	case 1: return 512;
	case 2: return 512 * ((v >> 3) % 8 + 1);
	case 3: return big && !((v >> 3) & 3) ? 262144 : 2048;  /* 1G, 8M */
	case 4: return 1 + (v >> 3) % 1024;
	default: return 1 + (v >> 3) % 64;
	}
}

static uint64_t pick_va(struct fuzz_in *in)
{
	uint64_t v = fuzz_take(in, 3);

	switch (v & 3) {
	case 0: return ((v >> 2) % 8) * SZ_1G;                 /* 1G-aligned */
	case 1: return ((v >> 2) % 4096) * SZ_2M;              /* 2M-aligned */
	default: return ((v >> 2) % WIN_PAGES) * SZ_4K;
	}
}

static int run(struct ctx *c, struct fuzz_in *in)
{
	for (unsigned op = 0; op < MAX_OPS && in->n; op++) {
		unsigned kind = (unsigned)fuzz_take(in, 1);
		uint64_t va = pick_va(in);
		/* A 1 GiB range only where 1G leaves keep it cheap. */
		uint64_t size = pick_pages(in, c->s.leaf_sizes & PG_SIZE_1G) *
				SZ_4K;
		unsigned prot = prots[kind >> 6];
		uint64_t before = c->sim.pool.free;
		int rc;

		if (va + size > WIN_PAGES * SZ_4K)
			size = WIN_PAGES * SZ_4K - va;
		if (!size)
			continue;
		sim_flush_reset(&c->sim);
		switch (kind % 6) {
		case 0: case 1: {          /* map; pa shares va's alignment */
			uint64_t delta = (fuzz_take(in, 1) % 16) * SZ_1G;
			if (kind & 0x20)
				delta += (fuzz_take(in, 1) % 8) * SZ_4K;
			uint64_t pa = va + delta;
			bool clash = model_overlaps(va, size);
			rc = pg_map(&c->s, va, pa, size, prot);
			if (rc == -ENOMEM && c->failing) {
				FUZZ_CHECK(c->sim.pool.free == before,
					   "failed map leaked tables");
			} else if (clash) {
				FUZZ_CHECK(rc == -EEXIST, "map over mapped "
					   "pages: rc %d", rc);
			} else {
				FUZZ_CHECK(rc == 0 || rc == -ENOMEM,
					   "map 0x%llx+0x%llx: rc %d",
					   (unsigned long long)va,
					   (unsigned long long)size, rc);
				if (rc == -ENOMEM)
					FUZZ_CHECK(c->sim.pool.free == before,
						   "failed map leaked tables");
				else if (!model_add(va, pa, size, prot))
					return -1;
				if (rc == 0)
					FUZZ_CHECK(c->sim.nflush == 0,
						   "a map flushed");
			}
			break;
		}
		case 2: {                  /* unmap */
			bool any = model_covered(va, size) != 0;
			rc = pg_unmap(&c->s, va, size);
			if (rc == -ENOMEM) {
				FUZZ_CHECK(c->sim.pool.free == before,
					   "failed unmap changed the pool");
				FUZZ_CHECK(c->sim.nflush == 0,
					   "failed unmap flushed");
			} else {
				FUZZ_CHECK(rc == 0, "unmap rc %d", rc);
				FUZZ_CHECK(c->sim.nflush == any, "unmap of %s "
					   "flushed %llu times",
					   any ? "pages" : "nothing",
					   (unsigned long long)c->sim.nflush);
				if (!model_cut(va, size, false, 0))
					return -1;
			}
			break;
		}
		case 3: {                  /* protect */
			bool full = model_covered(va, size) == size;
			rc = pg_protect(&c->s, va, size, prot);
			if (!full) {
				FUZZ_CHECK(rc == -ENOENT, "protect of unmapped "
					   "pages: rc %d", rc);
			} else if (rc == -ENOMEM) {
				FUZZ_CHECK(c->sim.pool.free == before,
					   "failed protect changed the pool");
			} else {
				FUZZ_CHECK(rc == 0, "protect rc %d", rc);
				if (!model_cut(va, size, true, prot))
					return -1;
			}
			break;
		}
		case 4:                    /* probes, A/D bits */
			for (unsigned k = 0; k < 4; k++)
				probe(c, (fuzz_take(in, 3) % WIN_PAGES) * SZ_4K +
					 (fuzz_take(in, 2) & 0xFFF));
			check_bits(c, va, size, (kind & 0x20) != 0);
			break;
		case 5: {                  /* invalid calls: must be -EINVAL */
			uint64_t bad_va = fuzz_take(in, 8);
			uint64_t bad_sz = fuzz_take(in, 8);
			switch (kind >> 6) {
			case 0: bad_va |= 1; bad_sz = SZ_4K; break;
			case 1: bad_va &= ~0xFFFULL; bad_sz = 0; break;
			case 2: bad_va = UINT64_MAX & ~0xFFFULL;
				bad_sz = 2 * SZ_4K; break;
			default: bad_va &= ~0xFFFULL;
				bad_sz = (bad_sz | 1) & ~0ULL; break;
			}
			FUZZ_CHECK(pg_map(&c->s, bad_va, 0x100000, bad_sz,
					  prot) == -EINVAL, "bad map accepted");
			FUZZ_CHECK(pg_unmap(&c->s, bad_va, bad_sz) == -EINVAL,
				   "bad unmap accepted");
			FUZZ_CHECK(pg_protect(&c->s, bad_va, bad_sz, prot) ==
				   -EINVAL, "bad protect accepted");
			FUZZ_CHECK(c->sim.pool.free == before,
				   "a rejected call changed the pool");
			break;
		}
		}
		FUZZ_CHECK(c->sim.nflush <= 1, "%llu flushes in one call",
			   (unsigned long long)c->sim.nflush);
		check_all(c, va, size);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ctx c;
	static uint64_t free0;
	struct fuzz_in in = { data, size };
	unsigned hdr = (unsigned)fuzz_take(&in, 1);
	const struct pg_format *fmt = (hdr & 1) ? &pg_fmt_ept : &pg_fmt_x86;
	/* 4K, 4K+2M or 4K+2M+1G (no size above a missing one). */
	unsigned sizes = PG_SIZE_4K | (hdr & 6 ? PG_SIZE_2M : 0) |
			 ((hdr & 6) == 6 ? PG_SIZE_1G : 0);

	/* One simulated machine for the whole session (allocating it per
	 * input would dominate the run time); every input must give all
	 * its frames back, which is checked below. */
	if (!c.sim.mem) {
		FUZZ_CHECK(sim_init(&c.sim, SIM_SIZE) == 0, "sim_init");
		free0 = c.sim.pool.free;
	}
	FUZZ_CHECK(c.sim.pool.free == free0, "pool not restored");
	sim_fail_after(&c.sim, -1);
	c.failing = false;
	nmodel = 0;
	FUZZ_CHECK(pg_init(&c.s, fmt, sim_env(&c.sim), sizes) == 0, "pg_init");
	if (hdr & 8) {             /* let allocations fail after a budget */
		c.failing = true;
		sim_fail_after(&c.sim, (long)(hdr >> 4) * 3);
	}
	if (run(&c, &in) == 0) {
		/* Unmap everything (allocations allowed again: unmapping the
		 * whole window never splits), then only the root remains. */
		sim_fail_after(&c.sim, -1);
		FUZZ_CHECK(pg_unmap(&c.s, 0, WIN_PAGES * SZ_4K) == 0,
			   "unmap-all failed");
		nmodel = 0;
		check_all(&c, 0, SZ_4K);
		FUZZ_CHECK(pg_table_pages(&c.s) == 1, "%llu table pages after "
			   "unmap-all, want 1 (the root)",
			   (unsigned long long)pg_table_pages(&c.s));
	}
	pg_destroy(&c.s);
	FUZZ_CHECK(c.sim.pool.free == free0, "pool free %llu after destroy, "
		   "want %llu", (unsigned long long)c.sim.pool.free,
		   (unsigned long long)free0);
	FUZZ_CHECK(c.sim.bad_frees == 0, "bad frees");
	return 0;
}
