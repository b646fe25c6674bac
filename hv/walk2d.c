/*
 * The software 2D walker (see hv/walk2d.h). SDM revision 084, Vol. 3A
 * "4-Level Paging and 5-Level Paging", Vol. 3C "EPT Translation Mechanism"
 * ("the guest-physical address of each paging-structure entry is
 * translated through EPT").
 *
 *   guest level:   PML4e       PDPTe       PDe         PTe        data
 *   GPA of entry:  cr3+8*i0    pdpt+8*i1   pd+8*i2     pt+8*i3    gpa
 *                   |EPT walk   |EPT walk   |EPT walk   |EPT walk  |EPT walk
 *                   v 4 refs    v 4 refs    v 4 refs    v 4 refs   v 4 refs
 *   HPA of entry:  read (1)    read (1)    read (1)    read (1)   (data)
 *
 *   4 x (4 + 1) + 4 = 24 references for 4 KiB pages in both dimensions.
 *
 * Pure C: one engine (mm/paging.c) walks both dimensions. The guest
 * dimension is a pg_space on pg_fmt_x86 rooted at CR3 whose table_ptr hook
 * runs the EPT walk for each table and records it.
 */
#include "hv/walk2d.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "include/err.h"

struct walk2d_ctx {
	struct pg_space *ept;
	struct hc_walk *out;
	uint64_t gva;
	unsigned lvl;                 /* guest level whose table is next */
	uint64_t table_hpa[PG_LEVELS];
};

static void copy_ept_steps(const struct pg_walk *ew, struct hc_ept_step *st,
			   uint32_t *n)
{
	*n = ew->nsteps;
	for (unsigned i = 0; i < ew->nsteps; i++)
		st[i] = (struct hc_ept_step){ .entry_hpa = ew->step[i].entry_pa,
					      .entry = ew->step[i].entry };
}

/* pg_env.table_ptr of the guest dimension: the guest table at GPA gpa,
 * located by an EPT walk (recorded for level ctx->lvl). */
static void *walk2d_table_ptr(void *ctx, uint64_t gpa)
{
	struct walk2d_ctx *c = ctx;
	struct hc_walk_level *l;
	struct pg_walk ew;

	if (c->lvl >= PG_LEVELS)
		return NULL;
	l = &c->out->lvl[c->lvl];
	pg_walk_va(c->ept, gpa, &ew);
	copy_ept_steps(&ew, l->ept, &l->ept_nsteps);
	l->level = c->lvl;
	/* The entry's GPA (walk2d overwrites it from the guest walk). */
	l->entry_gpa = gpa + 8 * ((c->gva >> pg_fmt_x86.level[c->lvl].shift) &
				  (PG_ENTRIES - 1));
	if (ew.result)
		return NULL;
	c->table_hpa[c->lvl++] = ew.xlate.pa;
	return c->ept->env->table_ptr(c->ept->env->ctx, ew.xlate.pa);
}

const char *walk2d_level_name(unsigned l)
{
	static const char *const n[PG_LEVELS] = { "PML4", "PDPT", "PD", "PT" };

	return l < PG_LEVELS ? n[l] : "?";
}

/* The final GPA's EPT walk: fills gpa, hpa, ept_page_size, final_ept. */
static int walk2d_final(struct pg_space *ept, uint64_t gpa,
			struct hc_walk *out)
{
	struct pg_walk ew;

	out->gpa = gpa;
	pg_walk_va(ept, gpa, &ew);
	copy_ept_steps(&ew, out->final_ept, &out->final_ept_nsteps);
	out->nrefs += ew.nsteps;
	if (ew.result)
		return -EFAULT;
	out->hpa = ew.xlate.pa;
	out->ept_page_size = ew.xlate.page_size;
	return 0;
}

int walk2d(struct pg_space *ept, uint64_t cr3, bool paging, uint64_t gva,
	   struct hc_walk *out)
{
	struct walk2d_ctx c = { .ept = ept, .out = out, .gva = gva };
	const struct pg_env genv = { .ctx = &c, .table_ptr = walk2d_table_ptr };
	struct pg_space guest = {
		.fmt = &pg_fmt_x86, .env = &genv,
		.root = cr3 & WALK2D_CR3_ADDR,
		.leaf_sizes = PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G,
	};
	struct pg_walk gw;
	unsigned tried;

	*out = (struct hc_walk){ .gva = gva, .guest_cr3 = cr3 };
	if (!paging) {
		out->guest_page_size = 0;      /* no guest translation */
		return out->result = walk2d_final(ept, gva, out);
	}
	pg_walk_va(&guest, gva, &gw);
	out->guest_nsteps = gw.nsteps;
	for (unsigned i = 0; i < gw.nsteps; i++) {
		struct hc_walk_level *l = &out->lvl[i];
		const struct pg_walk_step *s = &gw.step[i];

		l->entry_gpa = s->entry_pa;
		l->entry_hpa = c.table_hpa[i] + (s->entry_pa - s->table_pa);
		l->entry = s->entry;
	}
	/* Levels whose table was looked up: the guest entries read, plus the
	 * one whose EPT walk failed (-EFAULT). */
	tried = gw.result == -EFAULT ? gw.nsteps + 1 : gw.nsteps;
	for (unsigned i = 0; i < tried && i < PG_LEVELS; i++)
		out->nrefs += out->lvl[i].ept_nsteps;
	out->nrefs += gw.nsteps;
	if (gw.result)
		return out->result = gw.result;
	out->guest_page_size = gw.xlate.page_size;
	return out->result = walk2d_final(ept, gw.xlate.pa, out);
}

int walk2d_user_writable(const struct hc_walk *w)
{
	const uint64_t user_rw = PTE_P | PTE_RW | PTE_US;

	if (w->result)
		return -EFAULT;
	if (!w->guest_nsteps || !w->final_ept_nsteps)
		return -EACCES;
	/* SDM 3A "Access Rights": a user-mode write needs R/W and U/S set
	 * in every paging-structure entry of the translation. */
	for (unsigned i = 0; i < w->guest_nsteps && i < PG_LEVELS; i++)
		if ((w->lvl[i].entry & user_rw) != user_rw)
			return -EACCES;
	if (!(w->final_ept[w->final_ept_nsteps - 1].entry & EPT_W))
		return -EACCES;
	return 0;
}
