/*
 * Host tests for audit_ept (hv/audit.c): a VM with 8 MiB of guest RAM
 * whose EPT lives in simulated memory; vm->page[] records the frames. A
 * clean EPT passes; a leaf over an unbacked page, a leaf pointing at a
 * frame the VM does not own, and a leaf beyond guest RAM are each found.
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
	assert_int_equal(ept_init(&f->vm->ept, sim_env(&f->sim),
				  PG_SIZE_4K | PG_SIZE_2M, false), 0);
	assert_int_equal(ept_map(&f->vm->ept, 0, HPA0, RAM, RWX), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	ept_destroy(&f->vm->ept);
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
}

static void unbacked_page(void **state)
{
	struct fix *f = *state;

	f->vm->page[5] &= ~VM_PG_BACKED;          /* inside the first leaf */
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
}

static void foreign_frame(void **state)
{
	struct fix *f = *state;
	uint64_t leaves;

	/* GPA 0x200000 remapped to a frame vm->page[] does not record. */
	assert_int_equal(ept_unmap(&f->vm->ept, 0x200000, SZ_4K), 0);
	assert_int_equal(audit_ept(f->vm, &leaves, NULL), 0);   /* split */
	assert_int_equal(leaves, 3 + 511);
	assert_int_equal(ept_map(&f->vm->ept, 0x200000, 0x1000, SZ_4K, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
}

static void beyond_ram(void **state)
{
	struct fix *f = *state;

	assert_int_equal(ept_map(&f->vm->ept, RAM, HPA0 + RAM, SZ_4K, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 1);
	/* A hypervisor frame at a GPA far away. */
	assert_int_equal(ept_map(&f->vm->ept, 1ULL << 40, 0x200000, SZ_2M, RWX), 0);
	assert_int_equal(audit_ept(f->vm, NULL, NULL), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(clean, setup, teardown),
		cmocka_unit_test_setup_teardown(unbacked_page, setup, teardown),
		cmocka_unit_test_setup_teardown(foreign_frame, setup, teardown),
		cmocka_unit_test_setup_teardown(beyond_ram, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
