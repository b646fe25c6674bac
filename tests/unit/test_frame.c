/* Host unit tests of the bitmap frame allocator (mm/frame.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "mm/frame.h"
#include "include/err.h"

#define MIB  0x100000ULL

/*
 * A messy firmware map, unsorted, overlapping:
 *   [0, 0x9fc00)          RAM (partial last frame)   159 whole frames
 *   [0x9fc00, 1M)         reserved
 *   [1M, 4M) + [2M, 6M)   RAM, overlapping           1280 frames
 *   [5M, 5M + 8K)         reserved inside RAM        2 frames
 *   [6M, 8M)              hole (absent from the map)
 *   [8M - 4K, 8M + 4K)    bad: 8M frame lost
 *   [8M, 16M + 2K)        RAM, partial top frame     2048 frames
 *   12M + 0x100, 0x100    ACPI inside RAM: 12M frame lost
 */
static const struct mem_region messy[] = {
	{ 1 * MIB,          3 * MIB,          MEM_AVAILABLE },
	{ 0x800000,         0x800800,         MEM_AVAILABLE },
	{ 0xc00100,         0x100,            MEM_ACPI_RECLAIM },
	{ 0,                0x9fc00,          MEM_AVAILABLE },
	{ 5 * MIB,          0x2000,           MEM_RESERVED },
	{ 2 * MIB,          4 * MIB,          MEM_AVAILABLE },
	{ 0x7ff000,         0x2000,           MEM_BAD },
	{ 0x9fc00,          0x60400,          MEM_RESERVED },
};
#define MESSY_TOTAL     (159 + 1280 + 2048)
#define MESSY_RESERVED  (159 + 2 + 1 + 1)
#define MESSY_FREE      (MESSY_TOTAL - MESSY_RESERVED)
#define MESSY_TOP       (16 * MIB + 0x800)

struct fpool {
	struct frame_pool p;
	void *store;
	uint64_t bytes;
};

static void fpool_init(struct fpool *f, const struct mem_region *map, size_t n,
		       uint64_t top)
{
	f->bytes = frame_bitmap_bytes(top);
	f->store = malloc(f->bytes);
	assert_non_null(f->store);
	assert_int_equal(frame_init(&f->p, map, n, f->store, f->bytes), 0);
}

static void fpool_fini(struct fpool *f)
{
	free(f->store);
}

/* A frame the messy map says may be handed out. */
static bool messy_allocatable(uint64_t pa)
{
	if (pa < 1 * MIB || pa >= 16 * MIB)
		return false;
	if (pa >= 5 * MIB && pa < 5 * MIB + 0x2000)
		return false;
	if (pa >= 6 * MIB && pa < 8 * MIB)
		return false;
	return pa != 8 * MIB && pa != 12 * MIB;
}

/* Bitmaps and counters equal to a copy (cursor is only a hint). */
static bool fpool_same(struct fpool *f, const void *store, const struct frame_pool *p)
{
	return memcmp(f->store, store, f->bytes) == 0 && f->p.free == p->free &&
	       f->p.total == p->total && f->p.reserved_cnt == p->reserved_cnt;
}

static void test_frame_messy_map(void **state)
{
	struct fpool f;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	assert_int_equal(f.p.nframes, 4096);
	assert_int_equal(f.p.total, MESSY_TOTAL);
	assert_int_equal(f.p.reserved_cnt, MESSY_RESERVED);
	assert_int_equal(f.p.free, MESSY_FREE);
	assert_true(frame_bitmap_bytes(MESSY_TOP) >= 2 * 64 * 8);
	fpool_fini(&f);
}

static void test_frame_exhaustion(void **state)
{
	struct fpool f;
	uint64_t *got = calloc(MESSY_FREE, sizeof(*got)), n = 0, pa;
	uint8_t *seen = calloc(4096, 1);

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	while ((pa = frame_alloc(&f.p)) != 0) {
		assert_true(n < MESSY_FREE);
		assert_true(IS_ALIGNED(pa, FRAME_SIZE));
		if (!messy_allocatable(pa))
			fail_msg("handed out 0x%llx", (unsigned long long)pa);
		assert_false(seen[pa >> FRAME_SHIFT]);
		seen[pa >> FRAME_SHIFT] = 1;
		assert_true(frame_is_allocated(&f.p, pa));
		got[n++] = pa;
	}
	assert_int_equal(n, MESSY_FREE);
	assert_int_equal(f.p.free, 0);
	assert_int_equal(frame_alloc_run(&f.p, 2 * FRAME_SIZE), 0);
	for (uint64_t i = 0; i < n; i++)
		assert_int_equal(frame_free(&f.p, got[n - 1 - i]), 0);
	assert_int_equal(f.p.free, MESSY_FREE);
	assert_false(frame_is_allocated(&f.p, got[0]));
	free(got);
	free(seen);
	fpool_fini(&f);
}

static void test_frame_low_mib(void **state)
{
	struct fpool f;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	for (uint64_t pa = 0; pa < 1 * MIB; pa += FRAME_SIZE) {
		assert_false(frame_is_allocated(&f.p, pa));
		assert_int_equal(frame_free(&f.p, pa), -EINVAL);
	}
	assert_true(frame_alloc(&f.p) >= 1 * MIB);
	fpool_fini(&f);

	/* Even when the map claims all of it is RAM. */
	static const struct mem_region all[] = { { 0, 4 * MIB, MEM_AVAILABLE } };
	fpool_init(&f, all, 1, 4 * MIB);
	assert_int_equal(f.p.total, 1024);
	assert_int_equal(f.p.reserved_cnt, 256);
	assert_int_equal(frame_alloc(&f.p), 1 * MIB);
	fpool_fini(&f);
}

static void test_frame_runs(void **state)
{
	struct fpool f;
	uint64_t r[3], a, b, c;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	/* Free 2M-aligned runs: [2M, 4M), [10M, 12M), [14M, 16M) only. */
	for (int i = 0; i < 3; i++) {
		r[i] = frame_alloc_run(&f.p, 2 * MIB);
		assert_true(r[i] == 2 * MIB || r[i] == 10 * MIB || r[i] == 14 * MIB);
		for (int j = 0; j < i; j++)
			assert_int_not_equal(r[i], r[j]);
	}
	assert_int_equal(frame_alloc_run(&f.p, 2 * MIB), 0);
	assert_int_equal(f.p.free, MESSY_FREE - 3 * 512);

	a = frame_alloc_run(&f.p, 0x2000);
	b = frame_alloc_run(&f.p, 0x4000);
	c = frame_alloc_run(&f.p, 0x40000);           /* 64 frames: a word */
	assert_true(a && IS_ALIGNED(a, 0x2000) && messy_allocatable(a));
	assert_true(b && IS_ALIGNED(b, 0x4000) && messy_allocatable(b));
	assert_true(c && IS_ALIGNED(c, 0x40000) && messy_allocatable(c));
	assert_true(frame_is_allocated(&f.p, c + 0x3f000));
	/* Not a power of two, or below a frame. */
	assert_int_equal(frame_alloc_run(&f.p, 0x3000), 0);
	assert_int_equal(frame_alloc_run(&f.p, 0x800), 0);

	/* Freeing checks the whole run first. */
	assert_int_equal(frame_free_run(&f.p, a + FRAME_SIZE, 0x2000), -EINVAL);
	assert_int_equal(frame_free_run(&f.p, b, 0x8000), -EINVAL);
	assert_int_equal(frame_free_run(&f.p, c, 0x3000), -EINVAL);
	assert_true(frame_is_allocated(&f.p, b));
	assert_int_equal(frame_free_run(&f.p, a, 0x2000), 0);
	assert_int_equal(frame_free_run(&f.p, b, 0x4000), 0);
	assert_int_equal(frame_free_run(&f.p, c, 0x40000), 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(frame_free_run(&f.p, r[i], 2 * MIB), 0);
	assert_int_equal(f.p.free, MESSY_FREE);
	fpool_fini(&f);
}

static void test_frame_gib_runs(void **state)
{
	static const struct mem_region map[] = {
		{ 0,                 4 * 1024 * MIB, MEM_AVAILABLE },
		{ 3 * 1024 * MIB + 0x1000, 0x1000,   MEM_RESERVED },
	};
	struct fpool f;
	uint64_t a, b;

	fpool_init(&f, map, ARRAY_SIZE(map), 4 * 1024 * MIB);
	a = frame_alloc_run(&f.p, SZ_1G);
	b = frame_alloc_run(&f.p, SZ_1G);
	assert_true((a == SZ_1G && b == 2 * SZ_1G) || (a == 2 * SZ_1G && b == SZ_1G));
	assert_int_equal(frame_alloc_run(&f.p, SZ_1G), 0);
	assert_true(frame_is_allocated(&f.p, a + SZ_1G - FRAME_SIZE));
	assert_int_equal(frame_free_run(&f.p, a, SZ_1G), 0);
	assert_int_equal(frame_free_run(&f.p, a, SZ_1G), -EINVAL);
	assert_int_equal(frame_free_run(&f.p, b, SZ_1G), 0);
	assert_int_equal(f.p.free, f.p.total - f.p.reserved_cnt);
	fpool_fini(&f);
}

static void test_frame_bad_free(void **state)
{
	struct fpool f;
	struct frame_pool copy;
	void *store;
	uint64_t a;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	a = frame_alloc(&f.p);
	assert_int_equal(frame_free(&f.p, a), 0);
	store = malloc(f.bytes);
	memcpy(store, f.store, f.bytes);
	copy = f.p;
	assert_int_equal(frame_free(&f.p, a), -EINVAL);             /* double */
	assert_int_equal(frame_free(&f.p, 5 * MIB), -EINVAL);       /* reserved */
	assert_int_equal(frame_free(&f.p, 12 * MIB), -EINVAL);      /* ACPI */
	assert_int_equal(frame_free(&f.p, 6 * MIB), -EINVAL);       /* hole */
	assert_int_equal(frame_free(&f.p, 0x1000), -EINVAL);        /* low MiB */
	assert_int_equal(frame_free(&f.p, 0), -EINVAL);
	assert_int_equal(frame_free(&f.p, a + 8), -EINVAL);         /* unaligned */
	assert_int_equal(frame_free(&f.p, 16 * MIB), -EINVAL);      /* beyond */
	assert_int_equal(frame_free(&f.p, 1ULL << 40), -EINVAL);
	assert_int_equal(frame_free_run(&f.p, 0xfffffffffff00000ULL, MIB), -EINVAL);
	assert_true(fpool_same(&f, store, &copy));
	free(store);
	fpool_fini(&f);
}

static void test_frame_malformed(void **state)
{
	static const struct mem_region wrap[] = {
		{ 0, 8 * MIB, MEM_AVAILABLE },
		{ 0xfffffffffffff000ULL, 0x2000, MEM_RESERVED },
	};
	static const struct mem_region none[] = {
		{ 0, 8 * MIB, MEM_RESERVED },
	};
	static const struct mem_region ok[] = {
		{ 0, 8 * MIB, MEM_AVAILABLE },
	};
	struct frame_pool p;
	uint64_t store[64];

	assert_int_equal(frame_init(&p, ok, 0, store, sizeof(store)), -EINVAL);
	assert_int_equal(frame_init(&p, NULL, 1, store, sizeof(store)), -EINVAL);
	assert_int_equal(frame_init(&p, wrap, 2, store, sizeof(store)), -EINVAL);
	assert_int_equal(frame_init(&p, none, 1, store, sizeof(store)), -EINVAL);
	assert_int_equal(frame_init(&p, ok, 1, store, frame_bitmap_bytes(8 * MIB) - 8),
			 -EINVAL);
	assert_int_equal(frame_init(&p, ok, 1, (uint8_t *)store + 1, 500), -EINVAL);
	assert_int_equal(frame_init(&p, ok, 1, store, frame_bitmap_bytes(8 * MIB)), 0);
	assert_int_equal(p.free, 2048 - 256);
}

static void test_frame_reserve(void **state)
{
	struct fpool f;
	uint64_t a, n = 0;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	frame_reserve(&f.p, 10 * MIB + 100, FRAME_SIZE + 1 - 100 + 4);  /* 2 frames */
	assert_int_equal(f.p.free, MESSY_FREE - 2);
	assert_int_equal(f.p.reserved_cnt, MESSY_RESERVED + 2);
	frame_reserve(&f.p, 10 * MIB, FRAME_SIZE);                      /* again */
	frame_reserve(&f.p, 6 * MIB, MIB);                              /* hole */
	assert_int_equal(f.p.free, MESSY_FREE - 2);
	assert_int_equal(frame_free(&f.p, 10 * MIB + FRAME_SIZE), -EINVAL);
	/* An allocated frame reserved later can no longer be freed. */
	a = frame_alloc(&f.p);
	frame_reserve(&f.p, a, 1);
	assert_false(frame_is_allocated(&f.p, a));
	assert_int_equal(frame_free(&f.p, a), -EINVAL);
	assert_int_equal(f.p.free, MESSY_FREE - 3);
	while ((a = frame_alloc(&f.p)) != 0) {
		assert_true(a < 10 * MIB || a >= 10 * MIB + 2 * FRAME_SIZE);
		n++;
	}
	assert_int_equal(n, MESSY_FREE - 3);
	fpool_fini(&f);
}

/* Next fit: a frame freed behind the cursor is not handed out next. */
static void test_frame_next_fit(void **state)
{
	struct fpool f;
	uint64_t first, last = 0, again;

	fpool_init(&f, messy, ARRAY_SIZE(messy), MESSY_TOP);
	first = frame_alloc(&f.p);
	for (int i = 0; i < 300; i++)
		last = frame_alloc(&f.p);
	assert_int_equal(frame_free(&f.p, first), 0);
	again = frame_alloc(&f.p);
	assert_int_not_equal(again, first);
	assert_true(again > last);
	fpool_fini(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_messy_map),
		cmocka_unit_test(test_frame_exhaustion),
		cmocka_unit_test(test_frame_low_mib),
		cmocka_unit_test(test_frame_runs),
		cmocka_unit_test(test_frame_gib_runs),
		cmocka_unit_test(test_frame_bad_free),
		cmocka_unit_test(test_frame_malformed),
		cmocka_unit_test(test_frame_reserve),
		cmocka_unit_test(test_frame_next_fit),
	};

	return cmocka_run_group_tests_name("frame", tests, NULL, NULL);
}
