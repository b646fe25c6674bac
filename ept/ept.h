/*
 * One EPT address space: the generic paging engine on the EPT format
 * (ept/ept_format.c) plus the EPT pointer that names it in the VMCS.
 * Pure C (linked into host unit tests): memory and the INVEPT flush come
 * from the struct pg_env the caller passes (hv/vm_mem.c on the hypervisor).
 *
 * EPTP (SDM revision 084, Vol. 3C "Extended-Page-Table Pointer (EPTP)"):
 *   2:0   memory type for the paging structures (6 = WB)
 *   5:3   page-walk length - 1 (3 = 4-level)
 *   6     enable accessed/dirty flags
 *   51:12 physical address of the PML4 table
 */
#ifndef EPTLAB_EPT_H
#define EPTLAB_EPT_H

#include "include/types.h"
#include "mm/paging.h"

#define EPTP_MT_WB        6ULL
#define EPTP_WALK_4       (3ULL << 3)
#define EPTP_AD           BIT(6)
#define EPTP_ADDR_MASK    GENMASK(51, 12)

/* Guest-physical addresses a 4-level EPT can translate. */
#define EPT_GPA_LIMIT     BIT(48)

struct ept {
	struct pg_space space;
	uint64_t eptp;
	bool ad;
};

/* Empty EPT. leaf_sizes: PG_SIZE_* allowed (4K always). ad: set EPTP bit 6
 * (only if the CPU reports EPT A/D). 0, -ENOMEM, -EINVAL. */
int ept_init(struct ept *e, const struct pg_env *env, unsigned leaf_sizes,
	     bool ad);
void ept_destroy(struct ept *e);

/* Map [gpa, gpa+size) to [hpa, hpa+size) with PG_PROT_R/W/X, memory type
 * WB. prot may add the leaf attributes PG_PROT_VE (suppress-#VE clear;
 * without it the leaf suppresses #VE) and PG_PROT_SPP (sub-page write
 * permissions; size must be 4 KiB). Errors as pg_map (-EINVAL, -EEXIST,
 * -ENOMEM). */
int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned prot);
/* Unmap; flushes through env->flush (INVEPT), once. */
int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size);
/* Change permissions (and attributes, as ept_map) of a fully mapped range;
 * flushes once, unless it only added rights to whole leaves
 * (pg_fmt_ept.flush_widen, ept/ept_format.c). */
int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned prot);
/* The accessed and dirty flags (PG_BIT_A/D, EPT bits 8 and 9; set by the
 * CPU only if the EPTP enables them) of [gpa, gpa+size), per 4 KiB page
 * into old[] (may be NULL), then cleared / set leaf by leaf; flushes once
 * if a set flag was cleared. Errors as pg_leaf_bits. */
int ept_leaf_bits(struct ept *e, uint64_t gpa, uint64_t size,
		  unsigned clear, unsigned set, uint8_t *old);
/* GPA -> HPA with leaf size and permissions; -ENOENT if unmapped. */
int ept_translate(struct ept *e, uint64_t gpa, struct pg_xlate *x);
/* Walk recording every entry (for EPT-misconfiguration reports). */
int ept_walk(struct ept *e, uint64_t gpa, struct pg_walk *w);

static inline uint64_t ept_eptp(const struct ept *e) { return e->eptp; }

/* EPTP for a PML4 at root_pa: WB, 4-level walk, A/D if ad. */
uint64_t ept_make_eptp(uint64_t root_pa, bool ad);

#endif
