/* Host unit tests for hv/vcpu/step.c: after an emulated instruction, BS is
 * pending exactly when RFLAGS.TF is set and IA32_DEBUGCTL.BTF is not, the
 * other pending bits stay, and STI / MOV SS blocking ends while the other
 * interruptibility bits (SMI, NMI) stay. Bochs delivers the single-step
 * trap over an exiting CPUID by itself, so the boot scenario
 * vcpu.single-step passes there with or without BS: this is the test that
 * fails when the rule breaks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/vcpu/step.h"

static void test_tf_sets_bs(void **state)
{
	struct vcpu_skip s = vcpu_skip_insn(0x102, 0, 0, 0);

	assert_int_equal(s.pending_dbg, VCPU_PENDING_DBG_BS);
	assert_int_equal(s.intr, 0);
	/* Other pending bits (B0-B3, BP) stay. */
	s = vcpu_skip_insn(0x102, 0, 0x1001, 0);
	assert_int_equal(s.pending_dbg, 0x1001 | VCPU_PENDING_DBG_BS);
}

static void test_no_tf_no_bs(void **state)
{
	struct vcpu_skip s = vcpu_skip_insn(0x202, 0, 0, 0);

	assert_int_equal(s.pending_dbg, 0);
	s = vcpu_skip_insn(0x2, 0, 0x1, 0);
	assert_int_equal(s.pending_dbg, 0x1);
}

static void test_btf_single_steps_branches_only(void **state)
{
	struct vcpu_skip s = vcpu_skip_insn(0x102, VCPU_DEBUGCTL_BTF, 0, 0);

	assert_int_equal(s.pending_dbg, 0);
}

static void test_blocking_ends(void **state)
{
	/* STI, MOV SS, SMI (2), NMI (3), enclave (4). */
	struct vcpu_skip s = vcpu_skip_insn(0x202, 0, 0, 0x1F);

	assert_int_equal(s.intr, 0x1C);
	s = vcpu_skip_insn(0x302, 0, 0, VCPU_INTR_MOV_SS);
	assert_int_equal(s.intr, 0);
	assert_int_equal(s.pending_dbg, VCPU_PENDING_DBG_BS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tf_sets_bs),
		cmocka_unit_test(test_no_tf_no_bs),
		cmocka_unit_test(test_btf_single_steps_branches_only),
		cmocka_unit_test(test_blocking_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
