/*
 * EPT paging-structure format. SDM references are to the Intel SDM,
 * revision 084 (June 2024).
 *
 * Guest-physical addresses are 48 bits with a 4-level EPT (SDM 3C "EPT
 * Translation Mechanism"), not sign-extended: canonical = false.
 * Tables get R|W|X so the leaf alone decides the access rights (SDM 3C
 * "EPT Violations": an access is allowed only if every entry allows it).
 */
#include "ept/ept_format.h"

_Static_assert(sizeof(epte_t) == 8, "EPT entries are 8 bytes");
_Static_assert(PG_LEVELS == 4, "EPT format is the 4-level EPT");
_Static_assert(PG_ENTRIES * sizeof(epte_t) == PG_TABLE_SIZE, "table = page");
_Static_assert(!(EPT_ADDR_MASK &
		 GENMASK(EPT_COUNT_SHIFT + 9, EPT_COUNT_SHIFT)),
	       "table count must not overlap the address");
_Static_assert(!(EPT_SUPPRESS_VE &
		 (EPT_PRESENT | GENMASK(EPT_COUNT_SHIFT + 9, EPT_COUNT_SHIFT))),
	       "suppress-#VE is neither a present bit nor in the count");

static uint64_t ept_make_table(uint64_t table_pa)
{
	return (table_pa & EPT_ADDR_MASK) | EPT_R | EPT_W | EPT_X;
}

/* Memory type WB, or UC for device memory; SDM 3C "EPT and Memory Typing":
 * with IGNORE_PAT clear the guest PAT type combines with this one.
 * Suppress-#VE is set unless prot has PG_PROT_VE, so a violation exits
 * unless the guest asked to handle it (hv/ept_view.c). */
static uint64_t ept_make_leaf(uint64_t pa, unsigned prot, uint64_t page_size)
{
	epte_t e = pa & EPT_ADDR_MASK;

	if (!(prot & PG_PROT_VE))
		e |= EPT_SUPPRESS_VE;
	if (prot & PG_PROT_SPP)
		e |= EPT_SPP;

	if (prot & PG_PROT_R)
		e |= EPT_R;
	if (prot & PG_PROT_W)
		e |= EPT_W;
	if (prot & PG_PROT_X)
		e |= EPT_X;
	e |= (prot & PG_PROT_UC) ? EPT_MT_UC : EPT_MT_WB;
	if (page_size != SZ_4K)
		e |= EPT_PS;
	return e;
}

static unsigned ept_leaf_prot(uint64_t e)
{
	unsigned prot = 0;

	if (e & EPT_R)
		prot |= PG_PROT_R;
	if (e & EPT_W)
		prot |= PG_PROT_W;
	if (e & EPT_X)
		prot |= PG_PROT_X;
	if ((e & EPT_MT_MASK) == EPT_MT_UC)
		prot |= PG_PROT_UC;
	if (!(e & EPT_SUPPRESS_VE))
		prot |= PG_PROT_VE;
	if (e & EPT_SPP)
		prot |= PG_PROT_SPP;
	return prot;
}

#define EPT_LEVEL(size, sh, ps) {                                      \
	.page_size = (size), .shift = (sh), .present_mask = EPT_PRESENT, \
	.leaf_bit = (ps), .make_table = ept_make_table,                  \
	.make_leaf = ept_make_leaf, .leaf_prot = ept_leaf_prot }

/*
 * Bit 7 is reserved in an EPT PML4E: level 0 never holds a leaf. 1 GiB
 * leaves need IA32_VMX_EPT_VPID_CAP bit 17; the caller's leaf_sizes says.
 * flush_widen is false: a stale entry with fewer rights only causes an EPT
 * violation, and an EPT violation invalidates the guest-physical and
 * combined mappings used to translate the faulting access (SDM 3C
 * "Operations that Invalidate Cached Mappings"). The hypervisor's handler
 * finds the access allowed and resumes the guest, which retries it through
 * the new entry (hv/vm_ept.c). So a leaf that only gains rights needs no
 * INVEPT.
 * empty: a hole keeps suppress-#VE, at every level. A violation on a
 * not-present entry with bit 63 clear would be convertible too (SDM 3C
 * "Convertible EPT Violations": the CPU looks at the entry where the walk
 * stopped), and demand faults, accesses beyond guest RAM and device pages
 * would become guest #VEs.
 */
const struct pg_format pg_fmt_ept = {
	.name = "EPT",
	.addr_mask = EPT_ADDR_MASK,
	.count_shift = EPT_COUNT_SHIFT,
	.canonical = false,
	.accessed = EPT_A,
	.dirty = EPT_D,
	.empty = EPT_SUPPRESS_VE,
	.flush_widen = false,
	.level = {
		EPT_LEVEL(0,     39, 0),        /* EPT PML4 */
		EPT_LEVEL(SZ_1G, 30, EPT_PS),   /* EPT PDPT: 1 GiB leaf */
		EPT_LEVEL(SZ_2M, 21, EPT_PS),   /* EPT PD: 2 MiB leaf */
		EPT_LEVEL(SZ_4K, 12, 0),        /* EPT PT: 4 KiB leaf */
	},
};
