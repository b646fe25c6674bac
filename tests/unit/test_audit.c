/*
 * Host tests for audit_ept (hv/audit.c): a VM with 8 MiB of guest RAM
 * whose EPT lives in simulated memory; vm->page[] records the frames. A
 * clean EPT passes; a leaf over an unbacked page, a leaf pointing at a
 * frame the VM does not own, and a leaf beyond guest RAM are each found,
 * in view 0 and in a second view; so are a hole without suppress-#VE and
 * a wrong EPTP-list entry. A mapping every view carries passes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tests/unit/sim_phys.h"
#include "hv/audit.h"
#include "hv/vm.h"
#include "include/err.h"

#define RAM      (8ULL << 20)
#define HPA0     0x40000000ULL      /* 2M-aligned: 2 MiB leaves fit */
#define RWX      (PG_PROT_R | PG_PROT_W | PG_PROT_X)

struct fix {
	struct sim_phys sim;
	struct vm *vm;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sim_init(&f->sim, 16ULL << 20), 0);
	f->vm = calloc(1, sizeof(*f->vm));
	assert_non_null(f->vm);
	f->vm->ram_size = RAM;
	f->vm->page = calloc(RAM >> 12, sizeof(uint64_t));
	assert_non_null(f->vm->page);
	for (uint64_t i = 0; i < (RAM >> 12); i++)
		f->vm->page[i] = (HPA0 + (i << 12)) | VM_PG_BACKED;
	f->vm->view[0].live = true;
	assert_int_equal(ept_init(&f->vm->view[0].ept, sim_env(&f->sim),
				  PG_SIZE_4K | PG_SIZE_2M, false), 0);
	assert_int_equal(ept_map(&f->vm->view[0].ept, 0, HPA0, RAM, RWX), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	for (unsigned i = 0; i < VM_VIEWS; i++)
		if (f->vm->view[i].live)
			ept_destroy(&f->vm->view[i].ept);
	free(f->vm->eptp_list);
	free(f->vm->page);
	free(f->vm);
	sim_fini(&f->sim);
	free(f);
	return 0;
}

static void clean(void **state)
{
	struct fix *f = *state;
	uint64_t leaves, bytes;

	assert_int_equal(audit_ept(f->vm, &leaves, &bytes), 0);
	assert_int_equal(leaves, 4);              /* four 2 MiB leaves */
	assert_int_equal(bytes, RAM);
	assert_int_equal(audit_ept_check(f->vm), 0);   /* HC_AUDIT_EPT */
}

static void unbacked_page(void **state)
{
	struct fix *f = *state;

	f->vm->page[5] &= ~VM_PG_BACKED;          /* inside the first leaf */
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
	assert_int_equal(audit_ept_check(f->vm), -EIO);
}

static void foreign_frame(void **state)
{
	struct fix *f = *state;
	uint64_t leaves;

	/* GPA 0x200000 remapped to a frame vm->page[] does not record. */
	assert_int_equal(ept_unmap(&f->vm->view[0].ept, 0x200000, SZ_4K), 0);
	assert_int_equal(audit_ept(f->vm, &leaves, NULL), 0);   /* split */
	assert_int_equal(leaves, 3 + 511);
	assert_int_equal(ept_map(&f->vm->view[0].ept, 0x200000, 0x1000, SZ_4K, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
}

static void beyond_ram(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ept_map(&f->vm->view[0].ept, RAM, HPA0 + RAM, SZ_4K, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
	/* A hypervisor frame at a GPA far away. */
	assert_int_equal(ept_map(&f->vm->view[0].ept, 1ULL << 40, 0x200000, SZ_2M, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 2);
}

/* A second view (view 2): its leaves are checked too. */
static void second_view(void **state)
{
	struct fix *f = *state;
	struct ept *e2 = &f->vm->view[2].ept;
	uint64_t leaves;

	assert_int_equal(ept_init(e2, sim_env(&f->sim), PG_SIZE_4K, false), 0);
	f->vm->view[2].live = true;
	assert_int_equal(ept_map(e2, 0, HPA0, RAM, PG_PROT_R), 0);
	assert_int_equal(audit_ept(f->vm, &leaves, NULL), 0);
	assert_int_equal(leaves, 4 + (RAM >> 12));
	assert_int_equal(ept_unmap(e2, 0x3000, SZ_4K), 0);
	assert_int_equal(ept_map(e2, 0x3000, HPA0, SZ_4K, PG_PROT_R), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
}

/* Every hole keeps suppress-#VE: one that does not is a finding. */
static void stray_hole(void **state)
{
	struct fix *f = *state;
	struct pg_walk w;
	uint64_t *pt;

	assert_int_equal(ept_unmap(&f->vm->view[0].ept, 0x5000, SZ_4K), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 0);
	assert_int_equal(ept_walk(&f->vm->view[0].ept, 0x5000, &w), -ENOENT);
	pt = sim_ptr(&f->sim, w.step[3].table_pa);
	pt[5] = 0;
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
}

/* The EPTP list names exactly the live views. */
static void eptp_list(void **state)
{
	struct fix *f = *state;

	f->vm->eptp_list = calloc(PG_ENTRIES, sizeof(uint64_t));
	assert_non_null(f->vm->eptp_list);
	f->vm->eptp_list[0] = ept_eptp(&f->vm->view[0].ept);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 0);
	f->vm->eptp_list[3] = f->vm->eptp_list[0];     /* no view 3 */
	f->vm->eptp_list[100] = 1;
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 2);
}

/* A mapping outside RAM that every view carries is not a finding. */
static void common_mapping(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ept_map(&f->vm->view[0].ept, 0xFEE00000, 0x3000,
				 SZ_4K, PG_PROT_R | PG_PROT_W), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
	f->vm->common[0] = (struct vm_common_map){ 0xFEE00000, 0x3000, SZ_4K,
						   PG_PROT_R | PG_PROT_W };
	f->vm->ncommon = 1;
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean, setup, teardown),
		cmocka_unit_test_setup_teardown(unbacked_page, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(beyond_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(second_view, setup, teardown),
		cmocka_unit_test_setup_teardown(stray_hole, setup, teardown),
		cmocka_unit_test_setup_teardown(eptp_list, setup, teardown),
		cmocka_unit_test_setup_teardown(common_mapping, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
