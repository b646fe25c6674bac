/* The sub-page permission table (see hv/spp.h). SDM revision 084, Vol. 3C
 * "Sub-Page Write Permissions". Pure C (tests/unit/test_spp.c). */
#include "hv/spp.h"
#include "include/err.h"

#define SPP_LEVELS 4

static unsigned spp_index(unsigned l, uint64_t gpa)
{
	return (gpa >> (39 - 9 * l)) & (PG_ENTRIES - 1);
}

static uint64_t *spp_table(const struct spp_table *t, uint64_t pa)
{
	return t->env->table_ptr(t->env->ctx, pa);
}

uint64_t spp_leaf(uint32_t writable)
{
	uint64_t e = 0;

	for (unsigned i = 0; i < SPP_SUBPAGES; i++)
		if (writable & (1u << i))
			e |= 1ULL << (2 * i);
	return e;
}

uint32_t spp_writable(uint64_t leaf)
{
	uint32_t m = 0;

	for (unsigned i = 0; i < SPP_SUBPAGES; i++)
		if (leaf & (1ULL << (2 * i)))
			m |= 1u << i;
	return m;
}

int spp_init(struct spp_table *t, const struct pg_env *env)
{
	t->env = env;
	t->tables = 0;
	t->root = env->alloc_table(env->ctx);
	if (!t->root)
		return -ENOMEM;
	if (!spp_table(t, t->root)) {
		env->free_table(env->ctx, t->root);
		t->root = 0;
		return -EFAULT;
	}
	t->tables = 1;
	return 0;
}

static void spp_free(struct spp_table *t, uint64_t pa, unsigned l)
{
	if (l < SPP_LEVELS - 1) {
		const uint64_t *tb = spp_table(t, pa);

		for (unsigned i = 0; i < PG_ENTRIES; i++)
			if (tb[i] & SPP_VALID)
				spp_free(t, tb[i] & SPP_ADDR_MASK, l + 1);
	}
	t->env->free_table(t->env->ctx, pa);
}

void spp_destroy(struct spp_table *t)
{
	if (t->root)
		spp_free(t, t->root, 0);
	t->root = 0;
	t->tables = 0;
}

/* The entry of gpa at level stop (3: the leaf), or NULL where a table on
 * the way is missing. */
static uint64_t *spp_entry(const struct spp_table *t, uint64_t gpa,
			   unsigned stop)
{
	uint64_t pa = t->root;

	for (unsigned l = 0;; l++) {
		uint64_t *e = spp_table(t, pa) + spp_index(l, gpa);

		if (l == stop)
			return e;
		if (!(*e & SPP_VALID))
			return NULL;
		pa = *e & SPP_ADDR_MASK;
	}
}

int spp_set(struct spp_table *t, uint64_t gpa, uint32_t writable)
{
	uint64_t fresh[SPP_LEVELS - 1];
	unsigned need = 0, l;
	uint64_t *e;

	if (!t->root || !IS_ALIGNED(gpa, SZ_4K) || gpa >= BIT(48))
		return -EINVAL;
	/* Count the missing tables, allocate them all, then link. */
	for (l = SPP_LEVELS - 1; l > 0 && !spp_entry(t, gpa, l); l--)
		need++;
	for (unsigned i = 0; i < need; i++) {
		fresh[i] = t->env->alloc_table(t->env->ctx);
		if (!fresh[i]) {
			while (i)
				t->env->free_table(t->env->ctx, fresh[--i]);
			return -ENOMEM;
		}
	}
	for (unsigned i = 0; i < need; i++) {
		e = spp_entry(t, gpa, SPP_LEVELS - 1 - need + i);
		*e = (fresh[i] & SPP_ADDR_MASK) | SPP_VALID;
		t->tables++;
	}
	*spp_entry(t, gpa, SPP_LEVELS - 1) = spp_leaf(writable);
	return 0;
}

int spp_lookup(const struct spp_table *t, uint64_t gpa, uint64_t *leaf)
{
	const uint64_t *e = t->root ? spp_entry(t, gpa, SPP_LEVELS - 1) : NULL;

	if (!e)
		return -ENOENT;
	*leaf = *e;
	return 0;
}

bool spp_path_exists(const struct spp_table *t, uint64_t gpa)
{
	return t->root && spp_entry(t, gpa, SPP_LEVELS - 1);
}
