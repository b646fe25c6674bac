/*
 * The sub-page permission table (hv/spp.c), pure C. SDM revision 084,
 * Vol. 3C "Sub-Page Write Permissions" (first in the Intel ISE reference).
 *
 * With "sub-page write permissions for EPT" on, a write to a 4 KiB page
 * whose EPT leaf has SPP (bit 61) and W = 0 is looked up in this table
 * (its root is SPPTP, VMCS 0x2030), indexed by GPA like EPT:
 *
 *   level  GPA bits  entry
 *   0..2   47:39, 38:30, 29:21   bit 0 valid, 51:12 next table; bits 11:1
 *                                and 63:52 reserved (a set one, or a valid
 *                                bit missing, is an SPP-related exit)
 *   3      20:12     64-bit vector: bit 2i = sub-page i (bytes
 *                    [128 i, 128 i + 127]) may be written; odd bits
 *                    reserved
 *
 * It is not a page table (its leaves map nothing), so it is not a
 * pg_format: its walk is the few lines below. It borrows struct pg_env
 * for its table pages.
 */
#ifndef EPTLAB_SPP_H
#define EPTLAB_SPP_H

#include "include/types.h"
#include "mm/paging.h"

#define SPP_SUBPAGE_SHIFT  7
#define SPP_SUBPAGES       32                    /* of 128 bytes */
#define SPP_VALID          BIT(0)
#define SPP_ADDR_MASK      GENMASK(51, 12)
#define SPP_LEAF_RESERVED  0xAAAAAAAAAAAAAAAAULL  /* the odd bits */

struct spp_table {
	const struct pg_env *env;
	uint64_t root;          /* pa of the root table; 0: none */
	uint64_t tables;        /* table pages, root included */
};

/* The leaf for a 32-bit mask (bit i: sub-page i writable), and back. */
uint64_t spp_leaf(uint32_t writable);
uint32_t spp_writable(uint64_t leaf);
/* Sub-page of a GPA. */
static inline unsigned spp_subpage(uint64_t gpa)
{
	return (unsigned)((gpa & 0xFFF) >> SPP_SUBPAGE_SHIFT);
}

/* An empty table (root allocated). 0, -ENOMEM, -EFAULT. */
int spp_init(struct spp_table *t, const struct pg_env *env);
/* Free every table page, root included. */
void spp_destroy(struct spp_table *t);
/* The leaf of the page at gpa (4K-aligned) := spp_leaf(writable),
 * allocating the tables on its path. 0, -ENOMEM (nothing changed),
 * -EINVAL. */
int spp_set(struct spp_table *t, uint64_t gpa, uint32_t writable);
/* The leaf entry of gpa's page into *leaf. 0, or -ENOENT if a table on its
 * path is missing (the CPU's "SPPT miss"). */
int spp_lookup(const struct spp_table *t, uint64_t gpa, uint64_t *leaf);
/* Whether the tables on gpa's path exist down to the leaf table. */
bool spp_path_exists(const struct spp_table *t, uint64_t gpa);

#endif
