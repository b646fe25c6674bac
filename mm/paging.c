/*
 * The one paging engine (contract, bookkeeping and flush policy in
 * mm/paging.h). SDM references are to the Intel SDM, revision 084 (June
 * 2024).
 *
 * A walk (struct pg_path) records a pointer to the entry it read at each
 * level. The count of present entries of the table at level l (l > 0) is
 * kept in the ignored bits of the entry read at level l - 1; the root's in
 * pg_space.root_count. A table is freed as soon as its count drops to 0, so
 * a present table entry always has a mapped page below it.
 *
 * One walk: pg_map finds a leaf's slot taken on the same walk that maps
 * it, and pg_unmap and pg_protect do their first leaf on the walk that
 * counted the splits its edges need. A range then moves from entry to
 * entry within a table (pg_walk_next), so it costs one walk per table.
 *
 * Failure atomicity: pg_map allocates the tables of each leaf before
 * linking any, and unmaps what it mapped if a later leaf overlaps or an
 * allocation fails. pg_unmap and pg_protect reserve the table pages their
 * edge splits need before changing anything. A failed call leaves the
 * tables and the allocator as they were.
 *
 * Flushes: a call gathers in a struct pg_change the hull of the changes
 * that need a flush, and calls env->flush once at its end.
 */
#include "mm/paging.h"
#include "include/err.h"

#define PG_LAST       (PG_LEVELS - 1)
#define PG_IDX_MASK   (PG_ENTRIES - 1)
#define PG_RESERVE_MAX (2 * (PG_LEVELS - 1))

/* Table pages set aside for splits before an unmap or protect starts. */
struct pg_reserve {
	uint64_t pa[PG_RESERVE_MAX];
	unsigned n;
};

/* A walk: the entry read at each level, down to level l where it stopped. */
struct pg_path {
	uint64_t *e[PG_LEVELS];
	unsigned l;
};

/* The translations [lo, hi] (last byte included) one call changed in a way
 * that needs a flush; flush says whether there is any. */
struct pg_change {
	uint64_t lo, hi;
	bool flush;
};

static uint64_t pg_span(const struct pg_format *f, unsigned l)
{
	return 1ULL << f->level[l].shift;
}

static unsigned pg_index(const struct pg_format *f, unsigned l, uint64_t va)
{
	return (va >> f->level[l].shift) & PG_IDX_MASK;
}

static bool pg_present(const struct pg_format *f, unsigned l, uint64_t e)
{
	return (e & f->level[l].present_mask) != 0;
}

/* A present entry maps a page (rather than pointing at a table). */
static bool pg_is_leaf(const struct pg_format *f, unsigned l, uint64_t e)
{
	return l == PG_LAST || (e & f->level[l].leaf_bit) != 0;
}

#define PG_COUNT_MASK(f)  GENMASK((f)->count_shift + 9, (f)->count_shift)

static unsigned pg_count(const struct pg_format *f, uint64_t e)
{
	return (unsigned)((e & PG_COUNT_MASK(f)) >> f->count_shift);
}

static uint64_t pg_with_count(const struct pg_format *f, uint64_t e,
			      unsigned c)
{
	return (e & ~PG_COUNT_MASK(f)) | ((uint64_t)c << f->count_shift);
}

/* Address of the page a leaf maps (large-page low bits, e.g. PAT, cut). */
static uint64_t pg_leaf_pa(const struct pg_format *f, unsigned l, uint64_t e)
{
	return e & f->addr_mask & ~(f->level[l].page_size - 1);
}

/* The format's leaf bits for PG_BIT_* bits. */
static uint64_t pg_ad_mask(const struct pg_format *f, unsigned bits)
{
	return ((bits & PG_BIT_A) ? f->accessed : 0) |
	       ((bits & PG_BIT_D) ? f->dirty : 0);
}

static uint64_t *pg_table(const struct pg_space *s, uint64_t pa)
{
	return s->env->table_ptr(s->env->ctx, pa);
}

/* [lo, hi] changed in a way that needs a flush. */
static void pg_change_add(struct pg_change *c, uint64_t lo, uint64_t hi)
{
	if (!c->flush || lo < c->lo)
		c->lo = lo;
	if (!c->flush || hi > c->hi)
		c->hi = hi;
	c->flush = true;
}

/* The one flush of a call, if its changes need it. */
static void pg_change_flush(const struct pg_space *s,
			    const struct pg_change *c)
{
	if (c->flush && s->env->flush)
		s->env->flush(s->env->ctx, c->lo, c->hi - c->lo + 1);
}

static unsigned pg_size_bit(uint64_t ps)
{
	return ps == SZ_4K ? PG_SIZE_4K : ps == SZ_2M ? PG_SIZE_2M :
	       ps == SZ_1G ? PG_SIZE_1G : 0;
}

/*
 * The allowed leaf sizes the format has, keeping a size only if every
 * smaller level also allows leaves: splitting a leaf needs leaves of the
 * next level down.
 */
static unsigned pg_usable_sizes(const struct pg_format *f, unsigned sizes)
{
	unsigned out = 0;

	for (int l = PG_LAST; l >= 0; l--) {
		unsigned b = pg_size_bit(f->level[l].page_size);

		if (!b || !(sizes & b))
			break;
		out |= b;
	}
	return out;
}

static bool pg_leaf_allowed(const struct pg_format *f, unsigned sizes,
			    unsigned l)
{
	unsigned b = pg_size_bit(f->level[l].page_size);

	return b && (sizes & b);
}

/* Level of the largest allowed leaf that va, pa and size permit. */
static unsigned pg_pick_level(const struct pg_space *s, uint64_t va,
			      uint64_t pa, uint64_t size)
{
	const struct pg_format *f = s->fmt;

	for (unsigned l = 0; l < PG_LAST; l++) {
		uint64_t ps = f->level[l].page_size;

		if (pg_leaf_allowed(f, s->leaf_sizes, l) && size >= ps &&
		    IS_ALIGNED(va, ps) && IS_ALIGNED(pa, ps))
			return l;
	}
	return PG_LAST;
}

static bool pg_va_ok(const struct pg_format *f, uint64_t va)
{
	unsigned bits = f->level[0].shift + 9;        /* 48 */
	uint64_t high = ~0ULL << (bits - 1);

	if (f->canonical)   /* SDM 3A "Canonical Addressing" */
		return va < BIT(bits - 1) || va >= high;
	return va < BIT(bits);
}

/* [va, va + size) is 4K aligned, non-empty, and every byte valid. */
static int pg_check_range(const struct pg_space *s, uint64_t va,
			  uint64_t size, uint64_t *last)
{
	const struct pg_format *f = s->fmt;

	if (size == 0 || !IS_ALIGNED(va, SZ_4K) || !IS_ALIGNED(size, SZ_4K))
		return -EINVAL;
	if (__builtin_add_overflow(va, size - 1, last))
		return -EINVAL;
	if (!pg_va_ok(f, va) || !pg_va_ok(f, *last))
		return -EINVAL;
	/* Both ends valid but the range spans the non-canonical hole. */
	if (f->canonical && (va >> 63) != (*last >> 63))
		return -EINVAL;
	return 0;
}

/* prot must give a present leaf (an EPT leaf with no R/W/X would not be). */
static bool pg_prot_ok(const struct pg_format *f, unsigned prot)
{
	const struct pg_level *lv = &f->level[PG_LAST];

	return pg_present(f, PG_LAST, lv->make_leaf(0, prot, lv->page_size));
}

/*
 * Go on with the walk of va below level l, whose entry p->e[l] is read,
 * at most to level stop. Stops at the first entry that is not present or
 * is a leaf. Each level indexes its table with 9 VA bits (the shifts come
 * from struct pg_level):
 *
 *   63      48 47    39 38    30 29    21 20    12 11         0
 *  +----------+--------+--------+--------+--------+------------+
 *  | sign ext | L0 idx | L1 idx | L2 idx | L3 idx |   offset   |
 *  +----------+--------+--------+--------+--------+------------+
 *               root     1G leaf  2M leaf  4K leaf
 */
static void pg_walk_down(const struct pg_space *s, uint64_t va, unsigned stop,
			 struct pg_path *p, unsigned l)
{
	const struct pg_format *f = s->fmt;

	for (;; l++) {
		uint64_t e = *p->e[l];

		if (l == stop || !pg_present(f, l, e) || pg_is_leaf(f, l, e)) {
			p->l = l;
			return;
		}
		p->e[l + 1] = pg_table(s, e & f->addr_mask) +
			      pg_index(f, l + 1, va);
	}
}

/* Walk va from the root, at most to level stop: one table read per level. */
static void pg_walk(const struct pg_space *s, uint64_t va, unsigned stop,
		    struct pg_path *p)
{
	p->e[0] = pg_table(s, s->root) + pg_index(s->fmt, 0, va);
	pg_walk_down(s, va, stop, p, 0);
}

/*
 * Move the walk p on to next, the address just past the span of the entry
 * p stopped at: the next entry of the same table, and down from there,
 * unless next starts another table or that table is gone (!kept); then
 * from the root. So a range costs one walk per table, not per entry.
 */
static void pg_walk_next(const struct pg_space *s, uint64_t next,
			 unsigned stop, struct pg_path *p, bool kept)
{
	if (kept && pg_index(s->fmt, p->l, next) != 0) {
		p->e[p->l]++;
		pg_walk_down(s, next, stop, p, p->l);
	} else {
		pg_walk(s, next, stop, p);
	}
}

/* True if some page of [va, last] is mapped (want = true) or unmapped. */
static bool pg_range_has(const struct pg_space *s, uint64_t va,
			 uint64_t last, bool want)
{
	const struct pg_format *f = s->fmt;
	struct pg_path p;

	pg_walk(s, va, PG_LAST, &p);
	for (uint64_t a = va, span, next;; a = next) {
		span = pg_span(f, p.l);
		next = ALIGN_DOWN(a, span) + span;
		if (pg_present(f, p.l, *p.e[p.l]) == want)
			return true;
		if (next == 0 || next - 1 >= last)
			return false;
		pg_walk_next(s, next, PG_LAST, &p, true);
	}
}

/* The table holding p->e[l] gained or lost entries. */
static void pg_count_add(struct pg_space *s, struct pg_path *p, unsigned l,
			 int d)
{
	const struct pg_format *f = s->fmt;

	if (l == 0)
		s->root_count += d;
	else
		*p->e[l - 1] = pg_with_count(f, *p->e[l - 1],
					     pg_count(f, *p->e[l - 1]) + d);
}

/*
 * Clear the present entry *p->e[l]. A table left empty is freed and the
 * entry pointing to it cleared in turn: O(levels) per cleared entry.
 * Returns whether the table that held *p->e[l] is still there.
 */
static bool pg_clear_entry(struct pg_space *s, struct pg_path *p, unsigned l)
{
	const struct pg_format *f = s->fmt;
	bool kept = true;

	for (;; kept = false) {
		uint64_t up;
		unsigned c;

		*p->e[l] = f->empty;
		if (l == 0) {
			s->root_count--;
			return kept;
		}
		up = *p->e[l - 1];
		c = pg_count(f, up) - 1;
		if (c) {
			*p->e[l - 1] = pg_with_count(f, up, c);
			return kept;
		}
		s->env->free_table(s->env->ctx, up & f->addr_mask);
		s->tables[l]--;
		l--;
	}
}

static int pg_reserve_fill(struct pg_space *s, struct pg_reserve *r,
			   unsigned n)
{
	for (r->n = 0; r->n < n; r->n++) {
		r->pa[r->n] = s->env->alloc_table(s->env->ctx);
		if (!r->pa[r->n]) {
			while (r->n)
				s->env->free_table(s->env->ctx, r->pa[--r->n]);
			return -ENOMEM;
		}
	}
	return 0;
}

/* A table page about to be linked empty: every slot the empty value
 * (alloc_table gives zeros, the empty value of most formats). */
static void pg_table_clear(const struct pg_space *s, uint64_t tpa)
{
	uint64_t *t;

	if (!s->fmt->empty)
		return;
	if (s->env->fill_table) {
		s->env->fill_table(s->env->ctx, tpa, s->fmt->empty);
		return;
	}
	t = pg_table(s, tpa);
	for (unsigned i = 0; i < PG_ENTRIES; i++)
		t[i] = s->fmt->empty;
}

static void pg_reserve_release(struct pg_space *s, struct pg_reserve *r)
{
	while (r->n)
		s->env->free_table(s->env->ctx, r->pa[--r->n]);
}

/*
 * Map one leaf at level ll, on the walk p of va (at most to ll) that also
 * checks its slot: a leaf met on the way or at ll, or a table at ll (never
 * empty), means some page is mapped there already. The leaf's tables are
 * allocated before any is linked. On success p leads to the new leaf.
 */
static int pg_map_leaf(struct pg_space *s, uint64_t va, uint64_t pa,
		       unsigned ll, unsigned prot, struct pg_path *p)
{
	const struct pg_format *f = s->fmt;
	struct pg_reserve fresh;
	unsigned l = p->l;

	if (pg_present(f, l, *p->e[l]))
		return -EEXIST;
	if (pg_reserve_fill(s, &fresh, ll - l))
		return -ENOMEM;
	for (unsigned i = 0; l < ll; l++, i++) {
		pg_table_clear(s, fresh.pa[i]);
		*p->e[l] = f->level[l].make_table(fresh.pa[i]);
		pg_count_add(s, p, l, 1);
		s->tables[l + 1]++;
		p->e[l + 1] = pg_table(s, fresh.pa[i]) + pg_index(f, l + 1, va);
	}
	*p->e[ll] = f->level[ll].make_leaf(pa, prot, f->level[ll].page_size);
	pg_count_add(s, p, ll, 1);
	p->l = ll;
	return 0;
}

/*
 * Splits that cutting the range at its edge needs, from the walk p of
 * address x (the first or the last byte of the range): the leaf holding x,
 * if large and the cut (va, or last + 1) is not aligned to it, and then
 * each smaller leaf holding x that the cut is not aligned to either.
 * Blocks listed in seen[] (the other edge) are free; the base of each
 * counted block is stored into seen[].
 */
static unsigned pg_edge_splits(const struct pg_space *s,
			       const struct pg_path *p, uint64_t x,
			       uint64_t cut, uint64_t seen[PG_LEVELS])
{
	const struct pg_format *f = s->fmt;
	unsigned n = 0;

	if (!pg_present(f, p->l, *p->e[p->l]))
		return 0;
	for (unsigned l = p->l; l < PG_LAST; l++) {
		uint64_t base = ALIGN_DOWN(x, f->level[l].page_size);

		if (IS_ALIGNED(cut, f->level[l].page_size))
			break;
		if (seen[l] != base)
			n++;
		seen[l] = base;
	}
	return n;
}

/*
 * Reserve the table pages the edge splits of [va, last] need; head gets
 * the walk of va. If the entry va's walk stopped at covers last too (a
 * range inside one leaf, or in one hole), that is the walk of last as
 * well, and a 4 KiB leaf or a hole has nothing to split.
 */
static int pg_reserve_edges(struct pg_space *s, uint64_t va, uint64_t last,
			    struct pg_reserve *r, struct pg_path *head)
{
	const struct pg_format *f = s->fmt;
	const struct pg_path *tail = head;
	uint64_t seen[PG_LEVELS];
	struct pg_path tw;
	uint64_t span;
	unsigned n;

	pg_walk(s, va, PG_LAST, head);
	span = pg_span(f, head->l);
	if (ALIGN_DOWN(va, span) + (span - 1) < last) {
		pg_walk(s, last, PG_LAST, &tw);
		tail = &tw;
	} else if (head->l == PG_LAST ||
		   !pg_present(f, head->l, *head->e[head->l])) {
		r->n = 0;
		return 0;
	}
	for (unsigned l = 0; l < PG_LEVELS; l++)
		seen[l] = 1;    /* never a page base */
	n = pg_edge_splits(s, head, va, va, seen);
	n += pg_edge_splits(s, tail, last, last + 1, seen);
	return pg_reserve_fill(s, r, n);
}

/*
 * Replace the large leaf *e at level l (mapping [base, base + size)) by a
 * table of next-level leaves with the same permissions and A/D bits. It
 * needs a flush (mm/paging.h): the old large translation may stay cached
 * next to the new small ones (SDM 3A "Details of TLB Use").
 */
static void pg_split_leaf(struct pg_space *s, uint64_t *e, unsigned l,
			  uint64_t base, struct pg_reserve *r,
			  struct pg_change *c)
{
	const struct pg_format *f = s->fmt;
	const struct pg_level *child = &f->level[l + 1];
	uint64_t tpa = r->pa[--r->n], pa0 = pg_leaf_pa(f, l, *e);
	uint64_t ad = *e & pg_ad_mask(f, PG_BIT_A | PG_BIT_D);
	unsigned prot = f->level[l].leaf_prot(*e);
	uint64_t *t = pg_table(s, tpa);

	for (unsigned i = 0; i < PG_ENTRIES; i++)
		t[i] = child->make_leaf(pa0 + i * child->page_size, prot,
					child->page_size) | ad;
	*e = pg_with_count(f, f->level[l].make_table(tpa), PG_ENTRIES);
	s->tables[l + 1]++;
	pg_change_add(c, base, base + (f->level[l].page_size - 1));
}

/*
 * Does rewriting the leaf old at level l as new need a flush? Not if
 * nothing changed; not if it only gains rights (nothing else differs) and
 * the format does not flush widening.
 */
static bool pg_rewrite_flushes(const struct pg_format *f, unsigned l,
			       uint64_t old, uint64_t new)
{
	const struct pg_level *lv = &f->level[l];
	uint64_t ad = pg_ad_mask(f, PG_BIT_A | PG_BIT_D);
	unsigned op = lv->leaf_prot(old), np = lv->leaf_prot(new);

	if (old == new)
		return false;
	if (f->flush_widen || (op & ~np) ||
	    (op & ~PG_PROT_ALL) != (np & ~PG_PROT_ALL))
		return true;
	/* Rights only added: old must hold nothing prot does not say. */
	return lv->make_leaf(pg_leaf_pa(f, l, old), op, lv->page_size) !=
	       (old & ~ad);
}

/*
 * Unmap, or set prot on, every present page of [va, last]; splits a leaf
 * that sticks out of the range. p holds the walk of va; c gathers what
 * needs the flush.
 */
static void pg_edit_range(struct pg_space *s, uint64_t va, uint64_t last,
			 bool unmap, unsigned prot, struct pg_reserve *r,
			 struct pg_path *p, struct pg_change *c)
{
	const struct pg_format *f = s->fmt;
	uint64_t ad = pg_ad_mask(f, PG_BIT_A | PG_BIT_D);

	for (uint64_t a = va;;) {
		unsigned l = p->l;
		bool kept = true;
		uint64_t span = pg_span(f, l), base = ALIGN_DOWN(a, span);
		uint64_t next = base + span, e = *p->e[l], ne;

		if (pg_present(f, l, e)) {
			if (base < a || next - 1 > last) {
				pg_split_leaf(s, p->e[l], l, base, r, c);
				pg_walk_down(s, a, PG_LAST, p, l);
				continue;       /* a again, one level down */
			}
			if (unmap) {
				kept = pg_clear_entry(s, p, l);
				pg_change_add(c, base, next - 1);
			} else {
				ne = f->level[l].make_leaf(pg_leaf_pa(f, l, e),
							   prot, span) |
				     (e & ad);
				if (pg_rewrite_flushes(f, l, e, ne))
					pg_change_add(c, base, next - 1);
				*p->e[l] = ne;
			}
		}
		if (next == 0 || next - 1 >= last)
			return;
		a = next;
		pg_walk_next(s, a, PG_LAST, p, kept);
	}
}

/* Unmap the leaves [va, va + size) a failed pg_map made (exact leaves: no
 * split, no reserve); they may be cached already, so flush. */
static void pg_map_undo(struct pg_space *s, uint64_t va, uint64_t size)
{
	struct pg_reserve none = { .n = 0 };
	struct pg_change c = { .flush = false };
	struct pg_path p;

	pg_walk(s, va, PG_LAST, &p);
	pg_edit_range(s, va, va + size - 1, true, 0, &none, &p, &c);
	pg_change_flush(s, &c);
}

int pg_map(struct pg_space *s, uint64_t va, uint64_t pa, uint64_t size,
	   unsigned prot)
{
	const struct pg_format *f = s->fmt;
	uint64_t last, pa_last, off = 0;
	int err = pg_check_range(s, va, size, &last);

	if (err)
		return err;
	if (!IS_ALIGNED(pa, SZ_4K) || !pg_prot_ok(f, prot) ||
	    __builtin_add_overflow(pa, size - 1, &pa_last) ||
	    (pa_last & ~(f->addr_mask | (SZ_4K - 1))))
		return -EINVAL;

	for (struct pg_path p = { .l = PG_LEVELS }; off < size;) {
		unsigned ll = pg_pick_level(s, va + off, pa + off, size - off);

		/* The slot after the last leaf, if that is in its table. */
		if (p.l == ll)
			pg_walk_next(s, va + off, ll, &p, true);
		else
			pg_walk(s, va + off, ll, &p);
		err = pg_map_leaf(s, va + off, pa + off, ll, prot, &p);
		if (err) {
			/* An overlap further on is the answer, as if checked
			 * first (a walk on this error path only). */
			if (err == -ENOMEM &&
			    pg_range_has(s, va + off, last, true))
				err = -EEXIST;
			if (off)
				pg_map_undo(s, va, off);
			return err;
		}
		off += f->level[ll].page_size;
	}
	return 0;
}

int pg_unmap(struct pg_space *s, uint64_t va, uint64_t size)
{
	struct pg_change c = { .flush = false };
	struct pg_reserve r;
	struct pg_path p;
	uint64_t last;
	int err = pg_check_range(s, va, size, &last);

	if (err)
		return err;
	err = pg_reserve_edges(s, va, last, &r, &p);
	if (err)
		return err;
	pg_edit_range(s, va, last, true, 0, &r, &p, &c);
	pg_change_flush(s, &c);
	pg_reserve_release(s, &r);
	return 0;
}

int pg_protect(struct pg_space *s, uint64_t va, uint64_t size, unsigned prot)
{
	struct pg_change c = { .flush = false };
	struct pg_reserve r;
	struct pg_path p;
	uint64_t last;
	int err = pg_check_range(s, va, size, &last);

	if (err)
		return err;
	if (!pg_prot_ok(s->fmt, prot))
		return -EINVAL;
	if (pg_range_has(s, va, last, false))
		return -ENOENT;
	err = pg_reserve_edges(s, va, last, &r, &p);
	if (err)
		return err;
	pg_edit_range(s, va, last, false, prot, &r, &p, &c);
	pg_change_flush(s, &c);
	pg_reserve_release(s, &r);
	return 0;
}

/* old[] first, then the edit, one leaf at a time; pages of an unmapped
 * block read 0. */
int pg_leaf_bits(struct pg_space *s, uint64_t va, uint64_t size,
		 unsigned clear, unsigned set, uint8_t *old)
{
	const struct pg_format *f = s->fmt;
	uint64_t cmask = pg_ad_mask(f, clear), smask = pg_ad_mask(f, set);
	struct pg_change c = { .flush = false };
	struct pg_path p;
	uint64_t last;
	int err = pg_check_range(s, va, size, &last);

	if (err)
		return err;
	if ((clear | set) & ~(PG_BIT_A | PG_BIT_D))
		return -EINVAL;
	pg_walk(s, va, PG_LAST, &p);
	for (uint64_t a = va, next;; a = next) {
		uint64_t span, base, end, e;
		unsigned bits = 0;

		span = pg_span(f, p.l);
		base = ALIGN_DOWN(a, span);
		next = base + span;
		end = MIN(next - 1, last);
		e = *p.e[p.l];
		if (pg_present(f, p.l, e)) {
			bits = ((e & f->accessed) ? PG_BIT_A : 0) |
			       ((e & f->dirty) ? PG_BIT_D : 0);
			if (e & cmask)      /* a set bit cleared: flush */
				pg_change_add(&c, base, next - 1);
			if (((e & ~cmask) | smask) != e)
				*p.e[p.l] = (e & ~cmask) | smask;
		}
		for (uint64_t i = (a - va) >> 12; old && i <= (end - va) >> 12;
		     i++)
			old[i] = (uint8_t)bits;
		if (end == last)
			break;
		pg_walk_next(s, next, PG_LAST, &p, true);
	}
	pg_change_flush(s, &c);
	return 0;
}

int pg_walk_va(struct pg_space *s, uint64_t va, struct pg_walk *w)
{
	const struct pg_format *f = s->fmt;
	uint64_t tpa = s->root;

	w->nsteps = 0;
	w->result = -EINVAL;
	if (!pg_va_ok(f, va))
		return w->result;
	for (unsigned l = 0; l < PG_LEVELS; l++) {
		uint64_t *t = pg_table(s, tpa);
		unsigned i = pg_index(f, l, va);
		struct pg_walk_step *st = &w->step[w->nsteps];
		uint64_t e, ps;

		if (!t)
			return w->result = -EFAULT;
		e = t[i];
		st->level = l;
		st->table_pa = tpa;
		st->entry_pa = tpa + i * sizeof(uint64_t);
		st->entry = e;
		w->nsteps++;
		if (!pg_present(f, l, e))
			return w->result = -ENOENT;
		if (pg_is_leaf(f, l, e)) {
			ps = f->level[l].page_size;
			w->xlate.pa = pg_leaf_pa(f, l, e) | (va & (ps - 1));
			w->xlate.page_size = ps;
			w->xlate.level = l;
			w->xlate.prot = f->level[l].leaf_prot(e);
			w->xlate.entry = e;
			return w->result = 0;
		}
		tpa = e & f->addr_mask;
	}
	return w->result;   /* not reached: the last level is always a leaf */
}

static int pg_leaves_in(struct pg_space *s, uint64_t tpa, unsigned l,
			uint64_t base,
			int (*fn)(void *ctx, const struct pg_leaf *lf),
			void *ctx)
{
	const struct pg_format *f = s->fmt;
	const uint64_t *t = pg_table(s, tpa);
	struct pg_leaf lf = { .pa = tpa, .level = l };
	int rc;

	if (!t)
		return fn(ctx, &lf);
	for (unsigned i = 0; i < PG_ENTRIES; i++) {
		uint64_t e = t[i];
		uint64_t va = base | ((uint64_t)i << f->level[l].shift);

		if (!pg_present(f, l, e))
			continue;
		/* The upper half of a canonical space is sign-extended. */
		if (l == 0 && f->canonical && (va & BIT(f->level[0].shift + 8)))
			va |= ~0ULL << (f->level[0].shift + 9);
		if (pg_is_leaf(f, l, e)) {
			lf = (struct pg_leaf){
				.va = va, .pa = pg_leaf_pa(f, l, e),
				.size = f->level[l].page_size, .level = l,
				.prot = f->level[l].leaf_prot(e), .entry = e };
			rc = fn(ctx, &lf);
		} else {
			rc = pg_leaves_in(s, e & f->addr_mask, l + 1, va, fn,
					  ctx);
		}
		if (rc)
			return rc;
	}
	return 0;
}

int pg_leaves(struct pg_space *s, int (*fn)(void *ctx, const struct pg_leaf *l),
	      void *ctx)
{
	return pg_leaves_in(s, s->root, 0, 0, fn, ctx);
}

int pg_translate(struct pg_space *s, uint64_t va, struct pg_xlate *out)
{
	struct pg_walk w;

	if (pg_walk_va(s, va, &w) == 0)
		*out = w.xlate;
	return w.result;
}

int pg_init(struct pg_space *s, const struct pg_format *fmt,
	    const struct pg_env *env, unsigned leaf_sizes)
{
	unsigned sizes = 0;

	for (unsigned l = 0; l < PG_LEVELS; l++) {
		if (fmt->empty & fmt->level[l].present_mask)
			return -EINVAL;
		sizes |= pg_size_bit(fmt->level[l].page_size);
	}
	sizes &= leaf_sizes;
	/* 4K needed; no size above a missing one (splits go one level down). */
	if (pg_usable_sizes(fmt, sizes) != sizes || !(sizes & PG_SIZE_4K))
		return -EINVAL;

	s->fmt = fmt;
	s->env = env;
	s->leaf_sizes = sizes;
	s->root_count = 0;
	for (unsigned l = 0; l < PG_LEVELS; l++)
		s->tables[l] = 0;
	s->root = env->alloc_table(env->ctx);
	if (!s->root)
		return -ENOMEM;
	if (!pg_table(s, s->root)) {
		env->free_table(env->ctx, s->root);
		s->root = 0;
		return -EFAULT;
	}
	pg_table_clear(s, s->root);
	s->tables[0] = 1;
	return 0;
}

static void pg_free_tree(struct pg_space *s, uint64_t tpa, unsigned l)
{
	const struct pg_format *f = s->fmt;

	if (l < PG_LAST) {
		uint64_t *t = pg_table(s, tpa);

		for (unsigned i = 0; i < PG_ENTRIES; i++)
			if (pg_present(f, l, t[i]) && !pg_is_leaf(f, l, t[i]))
				pg_free_tree(s, t[i] & f->addr_mask, l + 1);
	}
	s->env->free_table(s->env->ctx, tpa);
}

void pg_destroy(struct pg_space *s)
{
	if (!s->root)
		return;
	pg_free_tree(s, s->root, 0);
	s->root = 0;
	s->root_count = 0;
	for (unsigned l = 0; l < PG_LEVELS; l++)
		s->tables[l] = 0;
}

static uint64_t pg_stray_in(struct pg_space *s, uint64_t tpa, unsigned l,
			    uint64_t *holes)
{
	const struct pg_format *f = s->fmt;
	const uint64_t *t = pg_table(s, tpa);
	uint64_t bad = 0;

	if (!t)
		return 0;
	for (unsigned i = 0; i < PG_ENTRIES; i++) {
		uint64_t e = t[i];

		if (!pg_present(f, l, e)) {
			(*holes)++;
			bad += e != f->empty;
		} else if (!pg_is_leaf(f, l, e)) {
			bad += pg_stray_in(s, e & f->addr_mask, l + 1, holes);
		}
	}
	return bad;
}

uint64_t pg_stray_holes(struct pg_space *s, uint64_t *holes)
{
	uint64_t n = 0, bad = pg_stray_in(s, s->root, 0, &n);

	if (holes)
		*holes = n;
	return bad;
}

uint64_t pg_table_pages(const struct pg_space *s)
{
	uint64_t n = 0;

	for (unsigned l = 0; l < PG_LEVELS; l++)
		n += s->tables[l];
	return n;
}

/* Count table blocks [lo, hi] at one level, blocks arriving in order. */
static void pg_count_blocks(uint64_t *cnt, uint64_t *next, uint64_t lo,
			 uint64_t hi)
{
	if (hi < *next)
		return;
	lo = MAX(lo, *next);
	*cnt += hi - lo + 1;
	*next = hi + 1;
}

/*
 * A table at level l covers one block of B = span(l - 1) bytes. It is
 * needed for every block holding a page that leaves at levels < l do not
 * map. The engine's greedy choice maps with the level l - 1 leaf (size B)
 * exactly [ALIGN_UP(va, B), ALIGN_DOWN(end, B)) when that leaf is allowed
 * and pa - va is B aligned (larger leaves only cover a subset of that).
 * What is left is one head block and one tail block, or, if that middle
 * is empty or B leaves are unusable, every block the range touches.
 */
uint64_t pg_min_tables(const struct pg_format *fmt, unsigned leaf_sizes,
		       const struct pg_range *r, size_t n,
		       uint64_t per_level[PG_LEVELS])
{
	unsigned sizes = pg_usable_sizes(fmt, leaf_sizes);
	uint64_t cnt[PG_LEVELS] = { 1 }, next[PG_LEVELS] = { 0 }, total = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t va = r[i].va, last = va + r[i].size - 1;
		uint64_t delta = r[i].pa - va;

		if (!r[i].size)
			continue;
		for (unsigned l = 1; l < PG_LEVELS; l++) {
			uint64_t b = pg_span(fmt, l - 1);
			uint64_t first = va / b, lastb = last / b;
			uint64_t full_lo = first + !IS_ALIGNED(va, b);
			uint64_t full_hi = lastb + (last % b == b - 1);
			uint64_t *cn = &cnt[l], *nx = &next[l];

			if (pg_leaf_allowed(fmt, sizes, l - 1) &&
			    IS_ALIGNED(delta, b) && full_lo < full_hi) {
				if (full_lo != first)   /* head */
					pg_count_blocks(cn, nx, first, first);
				if (full_hi == lastb)   /* tail */
					pg_count_blocks(cn, nx, lastb, lastb);
			} else {
				pg_count_blocks(cn, nx, first, lastb);
			}
		}
	}
	for (unsigned l = 0; l < PG_LEVELS; l++) {
		if (per_level)
			per_level[l] = cnt[l];
		total += cnt[l];
	}
	return total;
}
