/*
 * Bitmap frame allocator (contract in mm/frame.h).
 *
 * Two bitmaps of one bit per frame, 64 frames per word:
 *   reserved  1 = never allocatable (not RAM, first MiB, image, ...)
 *   used      1 = allocated or reserved
 * Bits past nframes in the last word are set in both, so a word scan
 * never hands them out. Allocation is next-fit: it scans from the word
 * where the last allocation succeeded and skips full words.
 */
#include "mm/frame.h"
#include "include/err.h"

#define FRAME_LOW_RESERVED  (0x100000ULL >> FRAME_SHIFT)  /* first 1 MiB */

static uint64_t frame_words(uint64_t nframes)
{
	return (nframes + 63) / 64;
}

static bool frame_bm_test(const uint64_t *bm, uint64_t f)
{
	return (bm[f / 64] >> (f % 64)) & 1;
}

static void frame_bm_put(uint64_t *bm, uint64_t f, bool v)
{
	if (v)
		bm[f / 64] |= BIT(f % 64);
	else
		bm[f / 64] &= ~BIT(f % 64);
}

/* Set or clear bits [first, lim): whole words where possible. */
static void frame_bm_put_range(uint64_t *bm, uint64_t first, uint64_t lim,
			       bool v)
{
	while (first < lim && first % 64)
		frame_bm_put(bm, first++, v);
	for (; first + 64 <= lim; first += 64)
		bm[first / 64] = v ? ~0ULL : 0;
	while (first < lim)
		frame_bm_put(bm, first++, v);
}

/* Bits set in x (no libgcc __popcountdi2 in the freestanding build). */
static unsigned frame_popcount(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (unsigned)((x * 0x0101010101010101ULL) >> 56);
}

static uint64_t frame_bm_zeros(const uint64_t *bm, uint64_t words)
{
	uint64_t n = 0;

	for (uint64_t w = 0; w < words; w++)
		n += 64 - frame_popcount(bm[w]);
	return n;
}

/* Index of the first frame that starts at or above pa. */
static uint64_t frame_up(uint64_t pa)
{
	return (pa >> FRAME_SHIFT) + !IS_ALIGNED(pa, FRAME_SIZE);
}

uint64_t frame_bitmap_bytes(uint64_t top_pa)
{
	return 2 * frame_words(frame_up(top_pa)) * sizeof(uint64_t);
}

int frame_init(struct frame_pool *p, const struct mem_region *map, size_t n,
	       void *storage, uint64_t storage_bytes)
{
	uint64_t top = 0, words, end;

	if (!map || n == 0 || !storage || !IS_ALIGNED((uintptr_t)storage, 8))
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (__builtin_add_overflow(map[i].base, map[i].len, &end))
			return -EINVAL;
		if (map[i].type == MEM_AVAILABLE)
			top = MAX(top, end);
	}
	p->nframes = top >> FRAME_SHIFT;    /* a partial top frame is not RAM */
	if (p->nframes == 0)
		return -EINVAL;
	words = frame_words(p->nframes);
	if (storage_bytes < 2 * words * sizeof(uint64_t))
		return -EINVAL;
	p->used = storage;
	p->reserved = p->used + words;

	/* Everything reserved; whole frames of available regions freed; then
	 * any frame touching a non-available region reserved again (regions
	 * may overlap and come in any order). */
	frame_bm_put_range(p->reserved, 0, words * 64, true);
	for (size_t i = 0; i < n; i++) {
		uint64_t first, lim;

		if (map[i].type != MEM_AVAILABLE)
			continue;
		first = frame_up(map[i].base);
		lim = (map[i].base + map[i].len) >> FRAME_SHIFT;
		lim = MIN(lim, p->nframes);
		if (first < lim)
			frame_bm_put_range(p->reserved, first, lim, false);
	}
	p->total = frame_bm_zeros(p->reserved, words);
	for (size_t i = 0; i < n; i++) {
		uint64_t first, lim;

		if (map[i].type == MEM_AVAILABLE || map[i].len == 0)
			continue;
		first = map[i].base >> FRAME_SHIFT;
		lim = MIN(frame_up(map[i].base + map[i].len), p->nframes);
		if (first < lim)
			frame_bm_put_range(p->reserved, first, lim, true);
	}
	frame_bm_put_range(p->reserved, 0, MIN(FRAME_LOW_RESERVED, p->nframes),
			   true);

	for (uint64_t w = 0; w < words; w++)
		p->used[w] = p->reserved[w];
	p->free = frame_bm_zeros(p->reserved, words);
	p->reserved_cnt = p->total - p->free;
	p->cursor = 0;
	return 0;
}

void frame_reserve(struct frame_pool *p, uint64_t pa, uint64_t len)
{
	uint64_t end, lim;

	if (len == 0)
		return;
	if (__builtin_add_overflow(pa, len, &end))
		end = ~0ULL;
	lim = MIN(frame_up(end), p->nframes);
	for (uint64_t f = pa >> FRAME_SHIFT; f < lim; f++) {
		if (frame_bm_test(p->reserved, f))
			continue;
		if (!frame_bm_test(p->used, f))
			p->free--;
		frame_bm_put(p->reserved, f, true);
		frame_bm_put(p->used, f, true);
		p->reserved_cnt++;
	}
}

uint64_t frame_alloc(struct frame_pool *p)
{
	uint64_t words = frame_words(p->nframes);

	if (!p->free)
		return 0;
	for (uint64_t k = 0, w = p->cursor; k < words; k++, w++) {
		unsigned bit;

		if (w >= words)
			w = 0;
		if (p->used[w] == ~0ULL)
			continue;
		bit = (unsigned)__builtin_ctzll(~p->used[w]);
		p->used[w] |= BIT(bit);
		p->free--;
		p->cursor = w;
		return (w * 64 + bit) << FRAME_SHIFT;
	}
	return 0;
}

/* A free aligned group of nf < 64 frames inside word w, or -1. */
static int frame_fit_in_word(uint64_t used, uint64_t nf)
{
	uint64_t mask = BIT(nf) - 1;

	if (used == ~0ULL)
		return -1;
	for (unsigned off = 0; off < 64; off += nf)
		if (!(used & (mask << off)))
			return (int)off;
	return -1;
}

/* First frame of a free aligned run of nf >= 64 frames, or 0. */
static uint64_t frame_fit_words(struct frame_pool *p, uint64_t nf)
{
	uint64_t words = frame_words(p->nframes), wn = nf / 64;
	uint64_t groups = words / wn;
	uint64_t g = groups ? (p->cursor / wn) % groups : 0;

	for (uint64_t k = 0; k < groups; k++, g++) {
		uint64_t w, i;

		if (g >= groups)
			g = 0;
		w = g * wn;
		for (i = 0; i < wn && p->used[w + i] == 0; i++)
			;
		if (i == wn) {
			frame_bm_put_range(p->used, w * 64, (w + wn) * 64,
					   true);
			p->cursor = w;
			return w * 64;
		}
	}
	return 0;
}

uint64_t frame_alloc_run(struct frame_pool *p, uint64_t size)
{
	uint64_t nf = size >> FRAME_SHIFT, words = frame_words(p->nframes), f;

	if (size < FRAME_SIZE || (size & (size - 1)) || nf > p->free)
		return 0;
	if (nf == 1)
		return frame_alloc(p);
	if (nf >= 64) {
		f = frame_fit_words(p, nf);
		if (!f)
			return 0;
		p->free -= nf;
		return f << FRAME_SHIFT;
	}
	for (uint64_t k = 0, w = p->cursor; k < words; k++, w++) {
		int off;

		if (w >= words)
			w = 0;
		off = frame_fit_in_word(p->used[w], nf);
		if (off < 0)
			continue;
		p->used[w] |= (BIT(nf) - 1) << off;
		p->free -= nf;
		p->cursor = w;
		return (w * 64 + (uint64_t)off) << FRAME_SHIFT;
	}
	return 0;
}

/* Frames [f, f + nf) all allocated (used, not reserved)? */
static bool frame_all_allocated(const struct frame_pool *p, uint64_t f,
				uint64_t nf)
{
	for (uint64_t i = f; i < f + nf; i++)
		if (!frame_bm_test(p->used, i) || frame_bm_test(p->reserved, i))
			return false;
	return true;
}

int frame_free(struct frame_pool *p, uint64_t pa)
{
	return frame_free_run(p, pa, FRAME_SIZE);
}

int frame_free_run(struct frame_pool *p, uint64_t pa, uint64_t size)
{
	uint64_t f = pa >> FRAME_SHIFT, nf = size >> FRAME_SHIFT;

	if (size < FRAME_SIZE || (size & (size - 1)) || !IS_ALIGNED(pa, size) ||
	    f >= p->nframes || nf > p->nframes - f ||
	    !frame_all_allocated(p, f, nf))
		return -EINVAL;
	frame_bm_put_range(p->used, f, f + nf, false);
	p->free += nf;
	return 0;
}

bool frame_is_allocated(const struct frame_pool *p, uint64_t pa)
{
	uint64_t f = pa >> FRAME_SHIFT;

	return f < p->nframes && frame_bm_test(p->used, f) &&
	       !frame_bm_test(p->reserved, f);
}
