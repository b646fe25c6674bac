/* EPT address spaces on the generic paging engine (see ept/ept.h).
 * SDM revision 084, Vol. 3C "EPT Translation Mechanism". Pure C. */
#include "ept/ept.h"
#include "ept/ept_format.h"
#include "include/err.h"

uint64_t ept_make_eptp(uint64_t root_pa, bool ad)
{
	return (root_pa & EPTP_ADDR_MASK) | EPTP_WALK_4 | EPTP_MT_WB |
	       (ad ? EPTP_AD : 0);
}

int ept_init(struct ept *e, const struct pg_env *env, unsigned leaf_sizes,
	     bool ad)
{
	int rc = pg_init(&e->space, &pg_fmt_ept, env, leaf_sizes | PG_SIZE_4K);

	if (rc)
		return rc;
	e->ad = ad;
	e->eptp = ept_make_eptp(e->space.root, ad);
	return 0;
}

void ept_destroy(struct ept *e)
{
	pg_destroy(&e->space);
	e->eptp = 0;
}

/* Rights plus the EPT leaf attributes (memory type UC, #VE, SPP): what
 * leaf_prot reads back, so that a leaf can be rewritten as it was. */
#define EPT_PROT_OK (PG_PROT_ALL | PG_PROT_UC | PG_PROT_VE | PG_PROT_SPP)

static bool ept_range_ok(uint64_t gpa, uint64_t size)
{
	return size && gpa < EPT_GPA_LIMIT && size <= EPT_GPA_LIMIT - gpa;
}

/* SPP needs a 4 KiB leaf (SDM 3C "Sub-Page Write Permissions"): one page
 * at a time, which the engine maps or splits down to a 4 KiB leaf. */
static bool ept_prot_ok(uint64_t size, unsigned prot)
{
	return !(prot & ~EPT_PROT_OK) && (!(prot & PG_PROT_SPP) || size == SZ_4K);
}

int ept_map(struct ept *e, uint64_t gpa, uint64_t hpa, uint64_t size,
	    unsigned prot)
{
	if (!ept_range_ok(gpa, size) || !ept_prot_ok(size, prot))
		return -EINVAL;
	return pg_map(&e->space, gpa, hpa, size, prot);
}

int ept_unmap(struct ept *e, uint64_t gpa, uint64_t size)
{
	if (!ept_range_ok(gpa, size))
		return -EINVAL;
	return pg_unmap(&e->space, gpa, size);
}

int ept_protect(struct ept *e, uint64_t gpa, uint64_t size, unsigned prot)
{
	if (!ept_range_ok(gpa, size) || !ept_prot_ok(size, prot))
		return -EINVAL;
	return pg_protect(&e->space, gpa, size, prot);
}

int ept_leaf_bits(struct ept *e, uint64_t gpa, uint64_t size,
		  unsigned clear, unsigned set, uint8_t *old)
{
	if (!ept_range_ok(gpa, size))
		return -EINVAL;
	return pg_leaf_bits(&e->space, gpa, size, clear, set, old);
}

int ept_translate(struct ept *e, uint64_t gpa, struct pg_xlate *x)
{
	if (gpa >= EPT_GPA_LIMIT)
		return -ENOENT;
	return pg_translate(&e->space, gpa, x);
}

int ept_walk(struct ept *e, uint64_t gpa, struct pg_walk *w)
{
	return pg_walk_va(&e->space, gpa, w);
}
