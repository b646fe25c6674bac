/*
 * The one paging engine of eptlab.
 *
 * A 4-level radix tree of 512-entry tables, described by a struct pg_format:
 * one struct pg_level per level, root first. The same engine builds the
 * hypervisor's own page tables (mm/pt_x86.c), EPT (ept/ept_format.c), the
 * guest kernel's page tables, and serves the software 2D walker.
 *
 *   63      48 47    39 38    30 29    21 20    12 11         0
 *  +----------+--------+--------+--------+--------+------------+
 *  | sign ext | L0 idx | L1 idx | L2 idx | L3 idx |   offset   |
 *  +----------+--------+--------+--------+--------+------------+
 *               PML4     PDPT     PD       PT
 *               shift39  shift30  shift21  shift12
 *                        1G leaf  2M leaf  4K leaf
 *
 * The engine is pure C. It touches memory only through struct pg_env hooks:
 * pa->pointer for table pages, table allocation/free, and a TLB flush hook.
 * That is what lets host unit tests run it on simulated physical memory.
 * It owns every edit of an entry: callers change mappings, rights and the
 * A/D bits only through the pg_* calls below, and the engine decides, by
 * the format's policy, whether the change needs a flush (at most one per
 * call).
 *
 * Bookkeeping: each non-root table's count of present entries lives in the
 * software-ignored bits [count_shift+9 : count_shift] of the entry that points
 * to it (bits 61:52 are ignored in x86-64 and EPT non-leaf entries; SDM Vol. 3A
 * "Formats of Paging Structures", Vol. 3C "EPT Translation Mechanism"). The
 * root's count is in struct pg_space. So unmap knows in O(1) when a table
 * becomes empty and frees it.
 *
 * Empty entries: an entry that maps nothing holds the format's empty value
 * (struct pg_format.empty), never present. It is 0 for x86-64; EPT keeps
 * its suppress-#VE bit set there, so that a violation on a hole exits
 * rather than reaching the guest as #VE (ept/ept_format.c). The engine
 * writes it into every slot of a new table and into every entry it clears.
 */
#ifndef EPTLAB_PAGING_H
#define EPTLAB_PAGING_H

#include "include/types.h"

#define PG_LEVELS        4
#define PG_ENTRIES       512
#define PG_TABLE_SIZE    4096

/* Format-independent permissions; each format encodes them in make_leaf. */
#define PG_PROT_R        BIT(0)   /* readable */
#define PG_PROT_W        BIT(1)   /* writable */
#define PG_PROT_X        BIT(2)   /* executable */
#define PG_PROT_USER     BIT(3)   /* user-accessible (x86 U/S) */
#define PG_PROT_GLOBAL   BIT(4)   /* global (x86 G) */
#define PG_PROT_UC       BIT(5)   /* uncached (device memory) */
/* Format attributes a leaf may carry; formats without them ignore them. */
#define PG_PROT_VE       BIT(6)   /* EPT: a violation may become a guest #VE
                                     (suppress-#VE, bit 63, clear) */
#define PG_PROT_SPP      BIT(7)   /* EPT: sub-page write permissions (bit 61,
                                     4 KiB leaves only) */
#define PG_PROT_ALL      (PG_PROT_R | PG_PROT_W | PG_PROT_X)

/* Format-independent names of the leaf bits the CPU sets (pg_leaf_bits). */
#define PG_BIT_A         BIT(0)   /* accessed */
#define PG_BIT_D         BIT(1)   /* dirty */

/* Allowed leaf sizes (struct pg_space.leaf_sizes). */
#define PG_SIZE_4K       BIT(0)
#define PG_SIZE_2M       BIT(1)
#define PG_SIZE_1G       BIT(2)

struct pg_level {
	uint64_t page_size;     /* leaf size at this level; 0 = no leaf here */
	unsigned shift;         /* address bits [shift+8:shift] index this level */
	uint64_t present_mask;  /* entry present iff (e & present_mask) != 0 */
	uint64_t leaf_bit;      /* above the last level: set = leaf (PS); 0 at last */
	/* Entry pointing at a next-level table with full permissions. */
	uint64_t (*make_table)(uint64_t table_pa);
	/* Leaf of this level's page_size mapping pa with PG_PROT_* prot. */
	uint64_t (*make_leaf)(uint64_t pa, unsigned prot, uint64_t page_size);
	/* PG_PROT_* decoded from a present leaf. */
	unsigned (*leaf_prot)(uint64_t e);
};

/*
 * The flush policy. Each call flushes at most once, at its end, over the
 * hull of what it changed, if it did one of these:
 *  - removed or moved a translation (unmap; the rollback of a failed map);
 *  - narrowed a leaf: a right or an attribute (memory type, U/S, G) lost
 *    or changed;
 *  - split a large leaf: the TLB may then hold the old large translation
 *    next to the new small ones and use either (SDM 3A "Details of TLB
 *    Use"). The pieces inside the range change (that is why it was
 *    split), so page size and rights change together, which SDM 3A
 *    "Recommended Invalidation" says to follow by an invalidation;
 *  - cleared an A or D bit that was set: else the CPU may not set it again
 *    (SDM 3A "Optional Invalidation", 3C "Accessed and Dirty Flags for
 *    EPT");
 *  - widened a leaf (rights added, nothing else changed), only if the
 *    format's flush_widen says so.
 * Mapping into empty slots and setting A/D never flush.
 */
struct pg_format {
	const char *name;          /* "x86-64", "EPT" */
	uint64_t addr_mask;        /* address bits of an entry, GENMASK(51, 12) */
	unsigned count_shift;      /* low bit of the 10-bit table entry count */
	bool canonical;            /* VA must be canonical (else: < 2^48) */
	uint64_t accessed, dirty;  /* a leaf's A and D bits */
	/* Value of an entry that maps nothing; (empty & present_mask) == 0
	 * at every level (pg_init checks). */
	uint64_t empty;
	/* A leaf that only gains rights still needs a flush: a stale,
	 * narrower cached entry would fault in a way nothing retries. */
	bool flush_widen;
	struct pg_level level[PG_LEVELS];   /* [0] = root */
};

struct pg_env {
	void *ctx;
	/* Pointer through which the table page at pa can be read and written;
	 * NULL if pa is not accessible (e.g. a guest table outside EPT). */
	void *(*table_ptr)(void *ctx, uint64_t pa);
	/* A zeroed 4 KiB page for a table, or 0 if none is left. */
	uint64_t (*alloc_table)(void *ctx);
	void (*free_table)(void *ctx, uint64_t pa);
	/* Optional: set all 512 entries of the table page at pa to value (the
	 * format's empty value, when it is not 0), faster than the engine's
	 * own loop (e.g. REP STOSQ). NULL: the engine stores them itself. */
	void (*fill_table)(void *ctx, uint64_t pa, uint64_t value);
	/* Called once, at the end of a call whose changes to translations of
	 * [va, va+size) need a flush (struct pg_format). May be NULL (tables
	 * not live yet). */
	void (*flush)(void *ctx, uint64_t va, uint64_t size);
};

struct pg_space {
	const struct pg_format *fmt;
	const struct pg_env *env;
	uint64_t root;                 /* pa of the root table */
	unsigned leaf_sizes;           /* PG_SIZE_* allowed */
	unsigned root_count;           /* present entries in the root */
	uint64_t tables[PG_LEVELS];    /* table pages in use, per level */
};

/* Result of pg_translate. */
struct pg_xlate {
	uint64_t pa;          /* translated address (offset included) */
	uint64_t page_size;   /* size of the leaf */
	unsigned level;       /* level index of the leaf, 0 = root */
	unsigned prot;        /* PG_PROT_* of the leaf */
	uint64_t entry;       /* the raw leaf entry */
};

/* One step of a walk: the entry read at one level. */
struct pg_walk_step {
	unsigned level;
	uint64_t table_pa;    /* table that holds the entry */
	uint64_t entry_pa;    /* table_pa + index * 8 */
	uint64_t entry;       /* its value */
};

struct pg_walk {
	unsigned nsteps;
	struct pg_walk_step step[PG_LEVELS];
	int result;           /* 0 = translated, -ENOENT not present, -EFAULT table unreadable */
	struct pg_xlate xlate;   /* valid when result == 0 */
};

/* Create an empty space (allocates the root). leaf_sizes is masked down to
 * what the format allows; 4K must be allowed. 0 or -ENOMEM / -EINVAL. */
int pg_init(struct pg_space *s, const struct pg_format *fmt,
	    const struct pg_env *env, unsigned leaf_sizes);
/* Free every table page, root included (not the mapped frames). */
void pg_destroy(struct pg_space *s);

/* Map [va, va+size) to [pa, pa+size). Uses the largest allowed leaf that
 * alignment of va, pa and the remaining size permits; one walk per leaf.
 * -EINVAL (unaligned, zero size, non-canonical, overflow), -EEXIST (any
 * page already mapped), -ENOMEM; on failure nothing has changed (leaves
 * this call mapped before it met the overlap or ran out are unmapped
 * again, and flushed). */
int pg_map(struct pg_space *s, uint64_t va, uint64_t pa, uint64_t size,
	   unsigned prot);
/* Unmap [va, va+size); pages already unmapped are skipped. Splits a large
 * leaf that is only partly covered. Frees tables that become empty.
 * -EINVAL, -ENOMEM (split impossible); on failure nothing has changed. */
int pg_unmap(struct pg_space *s, uint64_t va, uint64_t size);
/* Set the permissions of [va, va+size), which must be fully mapped
 * (-ENOENT otherwise). Splits partly covered large leaves (their pieces
 * keep its A/D bits); a rewritten leaf keeps its A/D bits.
 * -EINVAL, -ENOENT, -ENOMEM; on failure nothing has changed. */
int pg_protect(struct pg_space *s, uint64_t va, uint64_t size, unsigned prot);
/* The A/D bits (PG_BIT_*) of [va, va+size): for each 4 KiB page i, old[i]
 * (old may be NULL) gets those of the leaf that maps it, 0 if none; then
 * every present leaf of the range has the bits in clear cleared and those
 * in set set. No split: the bits belong to the leaf, so a large leaf only
 * partly covered changes for all of its pages. Flushes once if a bit
 * that was set is cleared. -EINVAL (range, or bits other than
 * PG_BIT_A/D). */
int pg_leaf_bits(struct pg_space *s, uint64_t va, uint64_t size,
		 unsigned clear, unsigned set, uint8_t *old);
/* A present leaf, for pg_leaves; with size 0, a table at pa (level
 * level) that table_ptr could not reach. */
struct pg_leaf {
	uint64_t va, pa, size;
	unsigned level, prot;
	uint64_t entry;
};
/* Call fn on every present leaf of s, in address order; a table that
 * table_ptr cannot reach is passed as a size-0 leaf and skipped. Reads
 * only. Stops when fn returns non-zero, and returns that; else 0. */
int pg_leaves(struct pg_space *s, int (*fn)(void *ctx, const struct pg_leaf *l),
	      void *ctx);
/* Translate va. 0, or -ENOENT (not mapped), -EINVAL (non-canonical). */
int pg_translate(struct pg_space *s, uint64_t va, struct pg_xlate *out);
/* Walk va recording every entry read; returns w->result. */
int pg_walk_va(struct pg_space *s, uint64_t va, struct pg_walk *w);

/* Not-present entries of every table of s (root included) whose value
 * is not the format's empty one; *holes (may be NULL) gets the count of
 * not-present entries in all. Tables table_ptr cannot reach are skipped.
 * Reads only (for audits). */
uint64_t pg_stray_holes(struct pg_space *s, uint64_t *holes);

/* Total table pages in use (root included). */
uint64_t pg_table_pages(const struct pg_space *s);

/* One range to be mapped, for pg_min_tables. */
struct pg_range {
	uint64_t va, pa, size;
};
/* Minimum table pages (root included) that mapping the given ranges, sorted
 * by va and non-overlapping, needs under fmt and leaf_sizes, with the
 * engine's own largest-leaf choice; per_level (may be NULL) gets counts. */
uint64_t pg_min_tables(const struct pg_format *fmt, unsigned leaf_sizes,
		       const struct pg_range *r, size_t n,
		       uint64_t per_level[PG_LEVELS]);

#endif
