/*
 * Host tests for the vCPU's event decisions (hv/vcpu/event.c): the
 * interrupt source (PIC straight to INTR, or through LINT0 ExtINT, and the
 * LAPIC's vectors), the injection priority (the entry field first, NMI,
 * then an interrupt), the blocking rules of the SDM's VM-entry checks, the
 * windows, and when a HLT can never wake.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/vcpu/event.h"

#define IF   VCPU_EV_IF
#define STI  VCPU_EV_STI
#define MOVS VCPU_EV_MOV_SS
#define NBLK VCPU_EV_NMI_BLK

static struct vcpu_ev_out decide(uint64_t rflags, uint32_t intr, bool busy,
				 bool nmi, bool irq, bool vnmi)
{
	struct vcpu_ev_in in = { rflags, intr, busy, nmi, irq, vnmi };

	return vcpu_event_decide(&in);
}

static void test_irq_source(void **state)
{
	/* No APIC (or disabled): the 8259A's INTR is the CPU's INTR. */
	assert_int_equal(vcpu_irq_source(false, false, true, -1), VCPU_IRQ_EXTINT);
	assert_int_equal(vcpu_irq_source(false, true, false, 0x40), VCPU_IRQ_NONE);
	/* APIC on: the PIC through LINT0 in ExtINT mode only. */
	assert_int_equal(vcpu_irq_source(true, true, true, -1), VCPU_IRQ_EXTINT);
	assert_int_equal(vcpu_irq_source(true, false, true, -1), VCPU_IRQ_NONE);
	/* ExtINT before the APIC's own vectors (it bypasses TPR and PPR). */
	assert_int_equal(vcpu_irq_source(true, true, true, 0xF0), VCPU_IRQ_EXTINT);
	assert_int_equal(vcpu_irq_source(true, true, false, 0xF0), VCPU_IRQ_APIC);
	assert_int_equal(vcpu_irq_source(true, false, true, 0x31), VCPU_IRQ_APIC);
}

static void test_priority(void **state)
{
	struct vcpu_ev_out o;

	/* Nothing pending: nothing, no window. */
	o = decide(IF, 0, false, false, false, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_false(o.irq_window || o.nmi_window);
	/* An interrupt with IF = 1 and no blocking: injected. */
	o = decide(IF, 0, false, false, true, true);
	assert_int_equal(o.inject, VCPU_EV_IRQ);
	assert_false(o.irq_window);
	/* NMI before the interrupt; the interrupt waits for its window. */
	o = decide(IF, 0, false, true, true, true);
	assert_int_equal(o.inject, VCPU_EV_NMI);
	assert_true(o.irq_window);
	assert_false(o.nmi_window);
	/* A re-injected event or a queued exception goes first: nothing is
	 * injected beside it, both wait for their windows. */
	o = decide(IF, 0, true, true, true, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window && o.nmi_window);
	/* ... also without virtual NMIs: the interrupt window then. */
	o = decide(IF, 0, true, true, false, false);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window);
}

static void test_blocking(void **state)
{
	struct vcpu_ev_out o;

	/* IF = 0: the interrupt waits for the window. */
	o = decide(0, 0, false, false, true, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window);
	/* STI and MOV SS shadows hold interrupts (VM entry would fail). */
	o = decide(IF, STI, false, false, true, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window);
	o = decide(IF, MOVS, false, false, true, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window);
	/* An NMI ignores IF, but not blocking by NMI: the NMI window. */
	o = decide(0, 0, false, true, false, true);
	assert_int_equal(o.inject, VCPU_EV_NMI);
	o = decide(0, NBLK, false, true, false, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.nmi_window);
	assert_false(o.irq_window);
	/* Blocked NMI, deliverable interrupt: the interrupt goes. */
	o = decide(IF, NBLK, false, true, true, true);
	assert_int_equal(o.inject, VCPU_EV_IRQ);
	assert_true(o.nmi_window);
	/* An NMI in the STI shadow waits for the interrupt window (the
	 * shadow ends after one instruction and IF is 1). */
	o = decide(IF, STI, false, true, false, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.irq_window);
	assert_false(o.nmi_window);
	/* MOV SS: the NMI window excludes it by itself. */
	o = decide(0, MOVS, false, true, false, true);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_true(o.nmi_window);
	/* No virtual NMIs, blocked by NMI: no window to wait for. */
	o = decide(0, NBLK, false, true, false, false);
	assert_int_equal(o.inject, VCPU_EV_NONE);
	assert_false(o.nmi_window || o.irq_window);
}

static void test_hlt(void **state)
{
	assert_int_equal(vcpu_hlt_wake(0, 0, false, false, true),
			 VCPU_HLT_NEVER_IF0);
	assert_int_equal(vcpu_hlt_wake(0, 0, false, true, true),
			 VCPU_HLT_NEVER_IF0);
	assert_int_equal(vcpu_hlt_wake(0, 0, true, false, false),
			 VCPU_HLT_WAIT);
	assert_int_equal(vcpu_hlt_wake(0, NBLK, true, false, false),
			 VCPU_HLT_NEVER_IF0);
	assert_int_equal(vcpu_hlt_wake(IF, 0, false, false, false),
			 VCPU_HLT_NEVER_IDLE);
	assert_int_equal(vcpu_hlt_wake(IF, 0, false, false, true),
			 VCPU_HLT_WAIT);
	assert_int_equal(vcpu_hlt_wake(IF, 0, false, true, false),
			 VCPU_HLT_WAIT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_irq_source),
		cmocka_unit_test(test_priority),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_hlt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
