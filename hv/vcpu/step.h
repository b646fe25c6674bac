/*
 * What skipping an emulated instruction leaves behind, as a pure decision
 * (hv/vcpu/step.c): the hypervisor emulated an instruction (CPUID, RDMSR,
 * VMCALL, ...) and moves RIP past it, so it must also finish it the way
 * the CPU would have (SDM revision 084, Vol. 3C "Guest Non-Register
 * State"; Vol. 3B "Single-Step Exception Condition"):
 *   - with RFLAGS.TF = 1 the instruction owes a single-step trap: BS (bit
 *     14) in the pending debug exceptions, delivered at the next VM entry;
 *     not when IA32_DEBUGCTL.BTF = 1, which single-steps branches only
 *     (no emulated instruction is one);
 *   - blocking by STI and by MOV SS lasts one instruction: it ends.
 * hv/exit_guest.c (exit_skip_slow) applies the result to the VMCS.
 */
#ifndef EPTLAB_VCPU_STEP_H
#define EPTLAB_VCPU_STEP_H

#include "include/types.h"

#define VCPU_RFLAGS_TF        BIT(8)
#define VCPU_DEBUGCTL_BTF     BIT(1)
#define VCPU_PENDING_DBG_BS   BIT(14)
#define VCPU_INTR_STI         BIT(0)
#define VCPU_INTR_MOV_SS      BIT(1)

struct vcpu_skip {
	uint64_t pending_dbg;     /* the pending debug exceptions afterwards */
	uint32_t intr;            /* the interruptibility state afterwards */
};

struct vcpu_skip vcpu_skip_insn(uint64_t rflags, uint64_t debugctl,
				uint64_t pending_dbg, uint32_t intr);

#endif
