/*
 * x86-64 4-level page-table format. SDM references are to the Intel SDM,
 * revision 084 (June 2024).
 *
 * Tables are made P|RW|US so that the leaf alone decides the access rights
 * (SDM 3A "Access Rights": rights are the most restrictive along the walk).
 */
#include "mm/pt_x86.h"

_Static_assert(sizeof(pte_t) == 8, "x86-64 entries are 8 bytes");
_Static_assert(PG_LEVELS == 4, "x86-64 format is 4-level paging");
_Static_assert(PG_ENTRIES * sizeof(pte_t) == PG_TABLE_SIZE, "table = page");
_Static_assert(!(PTE_ADDR_MASK &
		 GENMASK(PTE_COUNT_SHIFT + 9, PTE_COUNT_SHIFT)),
	       "table count must not overlap the address");

static uint64_t x86_make_table(uint64_t table_pa)
{
	return (table_pa & PTE_ADDR_MASK) | PTE_P | PTE_RW | PTE_US;
}

static uint64_t x86_make_leaf(uint64_t pa, unsigned prot, uint64_t page_size)
{
	pte_t e = (pa & PTE_ADDR_MASK) | PTE_P;   /* present = readable */

	if (prot & PG_PROT_W)
		e |= PTE_RW;
	if (!(prot & PG_PROT_X))
		e |= PTE_NX;
	if (prot & PG_PROT_USER)
		e |= PTE_US;
	if (prot & PG_PROT_GLOBAL)
		e |= PTE_G;
	if (prot & PG_PROT_UC)     /* PAT entry 3 (UC) with the default PAT */
		e |= PTE_PCD | PTE_PWT;
	if (page_size != SZ_4K)
		e |= PTE_PS;
	return e;
}

static unsigned x86_leaf_prot(uint64_t e)
{
	unsigned prot = PG_PROT_R;

	if (e & PTE_RW)
		prot |= PG_PROT_W;
	if (!(e & PTE_NX))
		prot |= PG_PROT_X;
	if (e & PTE_US)
		prot |= PG_PROT_USER;
	if (e & PTE_G)
		prot |= PG_PROT_GLOBAL;
	if (e & PTE_PCD)
		prot |= PG_PROT_UC;
	return prot;
}

#define X86_LEVEL(size, sh, ps) {                                  \
	.page_size = (size), .shift = (sh), .present_mask = PTE_P,  \
	.leaf_bit = (ps), .make_table = x86_make_table,             \
	.make_leaf = x86_make_leaf, .leaf_prot = x86_leaf_prot }

/*
 * PS is reserved in a PML4E, so level 0 never holds a leaf.
 * flush_widen: a stale entry with fewer rights than the tables now give
 * causes a page fault, which SDM 3A "Optional Invalidation" calls spurious
 * and harmless - for software that retries it. The hypervisor treats a #PF
 * of its own as fatal, and the guest kernel does not expect one either, so
 * a leaf that gains rights is flushed too.
 */
const struct pg_format pg_fmt_x86 = {
	.name = "x86-64",
	.addr_mask = PTE_ADDR_MASK,
	.count_shift = PTE_COUNT_SHIFT,
	.canonical = true,
	.accessed = PTE_A,
	.dirty = PTE_D,
	.flush_widen = true,
	.level = {
		X86_LEVEL(0,     39, 0),        /* PML4 */
		X86_LEVEL(SZ_1G, 30, PTE_PS),   /* PDPT: 1 GiB leaf */
		X86_LEVEL(SZ_2M, 21, PTE_PS),   /* PD: 2 MiB leaf */
		X86_LEVEL(SZ_4K, 12, 0),        /* PT: 4 KiB leaf */
	},
};
