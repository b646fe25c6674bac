/* Host unit tests for hv/walk2d.c on simulated physical memory: a guest
 * address space (x86-64 format, tables at guest-physical addresses) over
 * an EPT that maps GPA [0, 8 MiB) to HPA [8 MiB, 16 MiB). Checks the
 * reference count formula n_g * (n_e + 1) + n_e, every recorded address
 * and value, and the failure cases. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sim_phys.h"
#include "ept/ept.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "hv/walk2d.h"
#include "include/err.h"

#define SIM_SIZE   (32ULL << 20)
#define GUEST_RAM  (8ULL << 20)
#define HPA_OFF    (8ULL << 20)        /* HPA = GPA + 8 MiB */
#define GVA        0xffff800000201000ULL
#define GPA_DATA   0x600000ULL

struct fx {
	struct sim_phys sim;
	struct ept ept4k, ept2m;       /* 4K-only and 2M-leaf EPTs */
	struct pg_env genv;
	struct pg_space guest;
	uint64_t next_gpa;             /* guest table bump allocator */
};

static struct fx fx;

static void *g_table_ptr(void *ctx, uint64_t gpa)
{
	struct fx *f = ctx;

	return gpa < GUEST_RAM ? sim_ptr(&f->sim, gpa + HPA_OFF) : NULL;
}

static uint64_t g_alloc(void *ctx)
{
	struct fx *f = ctx;
	uint64_t gpa = f->next_gpa;

	f->next_gpa += SZ_4K;
	memset(sim_ptr(&f->sim, gpa + HPA_OFF), 0, SZ_4K);
	return gpa;
}

static void g_free(void *ctx, uint64_t pa)
{
}

static int setup(void **state)
{
	struct fx *f = &fx;

	memset(f, 0, sizeof(*f));
	assert_int_equal(sim_init(&f->sim, SIM_SIZE), 0);
	/* Reserve the guest RAM's host frames so EPT tables go elsewhere. */
	frame_reserve(&f->sim.pool, HPA_OFF, GUEST_RAM);
	assert_int_equal(ept_init(&f->ept4k, sim_env(&f->sim), PG_SIZE_4K,
				  false), 0);
	assert_int_equal(ept_map(&f->ept4k, 0, HPA_OFF, GUEST_RAM,
				 PG_PROT_ALL), 0);
	assert_int_equal(ept_init(&f->ept2m, sim_env(&f->sim),
				  PG_SIZE_4K | PG_SIZE_2M, false), 0);
	assert_int_equal(ept_map(&f->ept2m, 0, HPA_OFF, GUEST_RAM,
				 PG_PROT_ALL), 0);
	f->next_gpa = 0x100000;
	f->genv = (struct pg_env){ .ctx = f, .table_ptr = g_table_ptr,
				   .alloc_table = g_alloc, .free_table = g_free };
	assert_int_equal(pg_init(&f->guest, &pg_fmt_x86, &f->genv,
				 PG_SIZE_4K | PG_SIZE_2M | PG_SIZE_1G), 0);
	assert_int_equal(pg_map(&f->guest, GVA, GPA_DATA, SZ_4K,
				PG_PROT_R | PG_PROT_W), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	ept_destroy(&f->ept4k);
	ept_destroy(&f->ept2m);
	sim_fini(&f->sim);
	return 0;
}

static uint64_t rd(struct fx *f, uint64_t hpa)
{
	uint64_t v;

	memcpy(&v, sim_ptr(&f->sim, hpa), 8);
	return v;
}

/* Every recorded EPT step holds what is at its HPA. */
static void check_steps(struct fx *f, const struct hc_ept_step *st,
			uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		assert_int_equal(rd(f, st[i].entry_hpa), st[i].entry);
}

static void test_4k_over_4k_is_24(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	/* PCID bits 11:0 of CR3 are ignored. */
	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root | 0x5, true,
				GVA + 0x123, &w), 0);
	assert_int_equal(w.nrefs, 24);
	assert_int_equal(w.guest_nsteps, 4);
	assert_int_equal(w.final_ept_nsteps, 4);
	assert_int_equal(w.gpa, GPA_DATA + 0x123);
	assert_int_equal(w.hpa, GPA_DATA + 0x123 + HPA_OFF);
	assert_int_equal(w.guest_page_size, SZ_4K);
	assert_int_equal(w.ept_page_size, SZ_4K);
	assert_int_equal(w.lvl[0].entry_gpa,
			 f->guest.root + 8 * ((GVA >> 39) & 511));
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(w.lvl[i].level, i);
		assert_int_equal(w.lvl[i].ept_nsteps, 4);
		assert_int_equal(w.lvl[i].entry_hpa,
				 w.lvl[i].entry_gpa + HPA_OFF);
		assert_int_equal(rd(f, w.lvl[i].entry_hpa), w.lvl[i].entry);
		assert_true(w.lvl[i].entry & PTE_P);
		check_steps(f, w.lvl[i].ept, w.lvl[i].ept_nsteps);
		/* The EPT leaf of each walk maps the entry's page. */
		assert_int_equal(w.lvl[i].ept[3].entry & EPT_ADDR_MASK,
				 ALIGN_DOWN(w.lvl[i].entry_hpa, SZ_4K));
	}
	check_steps(f, w.final_ept, w.final_ept_nsteps);
	/* Each guest table is the previous entry's address. */
	for (unsigned i = 1; i < 4; i++)
		assert_int_equal(ALIGN_DOWN(w.lvl[i].entry_gpa, SZ_4K),
				 w.lvl[i - 1].entry & PTE_ADDR_MASK);
}

static void test_2m_ept_is_19(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	assert_int_equal(walk2d(&f->ept2m.space, f->guest.root, true, GVA, &w),
			 0);
	assert_int_equal(w.nrefs, 4 * (3 + 1) + 3);
	assert_int_equal(w.ept_page_size, SZ_2M);
	assert_int_equal(w.hpa, GPA_DATA + HPA_OFF);
}

static void test_guest_2m_leaf(void **state)
{
	struct fx *f = *state;
	uint64_t gva = 0xffff800040000000ULL;
	struct hc_walk w;

	assert_int_equal(pg_map(&f->guest, gva, 0x400000, SZ_2M, PG_PROT_R),
			 0);
	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true,
				gva + 0x1234, &w), 0);
	assert_int_equal(w.guest_nsteps, 3);
	assert_int_equal(w.nrefs, 3 * (4 + 1) + 4);
	assert_int_equal(w.guest_page_size, SZ_2M);
	assert_int_equal(w.gpa, 0x401234);
	assert_int_equal(pg_unmap(&f->guest, gva, SZ_2M), 0);
}

static void test_paging_off(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	assert_int_equal(walk2d(&f->ept4k.space, 0, false, 0x12345, &w), 0);
	assert_int_equal(w.guest_nsteps, 0);
	assert_int_equal(w.nrefs, 4);
	assert_int_equal(w.gpa, 0x12345);
	assert_int_equal(w.hpa, 0x12345 + HPA_OFF);
}

static void test_guest_not_present(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	/* Same PT, next page: PML4e, PDPTe, PDe present, PTe not. */
	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true,
				GVA + SZ_4K, &w), -ENOENT);
	assert_int_equal(w.guest_nsteps, 4);
	assert_int_equal(w.lvl[3].entry, 0);
	assert_int_equal(w.final_ept_nsteps, 0);
	assert_int_equal(w.nrefs, 4 * 5);
}

static void test_guest_table_not_in_ept(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;
	uint64_t pd_gpa;

	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true, GVA, &w),
			 0);
	pd_gpa = ALIGN_DOWN(w.lvl[2].entry_gpa, SZ_4K);
	assert_int_equal(ept_unmap(&f->ept4k, pd_gpa, SZ_4K), 0);
	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true, GVA, &w),
			 -EFAULT);
	assert_int_equal(w.guest_nsteps, 2);
	assert_int_equal(w.lvl[2].ept_nsteps, 4);           /* PT entry 0 */
	assert_false(w.lvl[2].ept[3].entry & EPT_PRESENT);
	assert_int_equal(w.nrefs, 2 * 5 + 4);
	assert_int_equal(ept_map(&f->ept4k, pd_gpa, pd_gpa + HPA_OFF, SZ_4K,
				 PG_PROT_ALL), 0);
}

static void test_final_gpa_not_in_ept(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	assert_int_equal(ept_unmap(&f->ept4k, GPA_DATA, SZ_4K), 0);
	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true, GVA, &w),
			 -EFAULT);
	assert_int_equal(w.guest_nsteps, 4);
	assert_int_equal(w.final_ept_nsteps, 4);
	assert_int_equal(w.nrefs, 24);
	assert_int_equal(ept_map(&f->ept4k, GPA_DATA, GPA_DATA + HPA_OFF, SZ_4K,
				 PG_PROT_ALL), 0);
}

static void test_non_canonical(void **state)
{
	struct fx *f = *state;
	struct hc_walk w;

	assert_int_equal(walk2d(&f->ept4k.space, f->guest.root, true,
				0x0000800000000000ULL, &w), -EINVAL);
	assert_int_equal(w.nrefs, 0);
	assert_int_equal(w.guest_nsteps, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_4k_over_4k_is_24),
		cmocka_unit_test(test_2m_ept_is_19),
		cmocka_unit_test(test_guest_2m_leaf),
		cmocka_unit_test(test_paging_off),
		cmocka_unit_test(test_guest_not_present),
		cmocka_unit_test(test_guest_table_not_in_ept),
		cmocka_unit_test(test_final_gpa_not_in_ept),
		cmocka_unit_test(test_non_canonical),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
