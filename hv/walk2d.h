/*
 * The software two-dimensional walker (hv/walk2d.c): a guest-virtual
 * address translated the way the CPU does it with EPT on, recording every
 * memory reference. Each guest paging-structure entry sits at a
 * guest-physical address, so reading it needs an EPT walk first; the final
 * GPA needs one more (docs/two-level-translation.md).
 *
 * The core is pure C (unit-tested in tests/unit/test_walk2d.c on simulated
 * memory): the guest tables are read through a struct pg_space on the
 * x86-64 format whose table_ptr hook translates each table's GPA through
 * the EPT space with pg_walk_va. No allocation, no privileged instruction.
 */
#ifndef EPTLAB_WALK2D_H
#define EPTLAB_WALK2D_H

#include "include/types.h"
#include "mm/paging.h"
#include "include/hypercall.h"

/* HC_TRANSLATE flags (RDX). */

/* Guest CR3 bits 51:12: the PML4's GPA (PCID / PWT / PCD bits ignored). */
#define WALK2D_CR3_ADDR GENMASK(51, 12)

/*
 * Walk gva under guest CR3 cr3 (4-level paging; paging = false means
 * CR0.PG = 0, so GVA = GPA) over the EPT space ept. Fills *out as
 * include/hypercall.h documents and returns out->result:
 *   0        translated: gpa, hpa, both page sizes;
 *   -ENOENT  a guest entry is not present (lvl[guest_nsteps - 1] is it);
 *   -EFAULT  EPT does not map a guest table (its partial EPT walk is in
 *            lvl[guest_nsteps]) or the final GPA (final_ept);
 *   -EINVAL  gva is not canonical (nothing read).
 * nrefs counts every entry read, guest and EPT: 24 for 4 KiB guest pages
 * over 4 KiB EPT pages, n_g * (n_e + 1) + n_e in general.
 */
int walk2d(struct pg_space *ept, uint64_t cr3, bool paging, uint64_t gva,
	   struct hc_walk *out);

/* May a CPL > 0 caller have the hypervisor write at the walk's GVA? 0 if
 * the walk translated it, every guest level has P, R/W and U/S, and the
 * final EPT leaf allows writes; -EFAULT if it did not translate; -EACCES
 * if a level or the EPT leaf refuses (or guest paging is off: no
 * user/supervisor distinction). Pure: reads the struct only. */
int walk2d_user_writable(const struct hc_walk *w);

/* Name of guest level l ("PML4", "PDPT", "PD", "PT"). */
const char *walk2d_level_name(unsigned l);

/* hv/walk2d_print.c: the text diagram, then (if json) the one WALK-JSON
 * line for scripts/walk-diagram.py. */
void walk2d_print(const struct hc_walk *w, bool json);

#endif
