/* Finishing an emulated instruction (hv/vcpu/step.h). SDM revision 084,
 * Vol. 3C "Guest Non-Register State". Pure. */
#include "hv/vcpu/step.h"

struct vcpu_skip vcpu_skip_insn(uint64_t rflags, uint64_t debugctl,
				uint64_t pending_dbg, uint32_t intr)
{
	struct vcpu_skip s = { pending_dbg,
			       intr & ~(uint32_t)(VCPU_INTR_STI |
						  VCPU_INTR_MOV_SS) };

	if ((rflags & VCPU_RFLAGS_TF) && !(debugctl & VCPU_DEBUGCTL_BTF))
		s.pending_dbg |= VCPU_PENDING_DBG_BS;
	return s;
}
