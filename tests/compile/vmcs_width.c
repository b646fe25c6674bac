/*
 * Compiled, not run, by the compile-vmcs-width test (tests/boot/t_compile.sh):
 * CASE 0 holds every legal accessor form and must build; each other CASE
 * is one VMCS access of the wrong width and must fail to build with the
 * width error of vmx/vmx_insn.h.
 */
#include "vmx/vmx_insn.h"

uint64_t vmcs_width_case(void);

uint64_t vmcs_width_case(void)
{
#if CASE == 0
	/* 16-bit, 32-bit, the high half of a 64-bit field through the 32-bit
	 * accessor, a full 64-bit field, natural width. */
	vmcs_write16(VMCS_VPID, 1);
	vmcs_writenat(VMCS_GUEST_RIP, 0);
	return vmcs_read16(VMCS_GUEST_CS_SEL) + vmcs_read32(VMCS_GUEST_CS_AR) +
	       vmcs_read32((enum vmcs_field)(VMCS_EPT_POINTER | 1)) +
	       vmcs_read64(VMCS_EPT_POINTER) + vmcs_readnat(VMCS_GUEST_RIP);
#elif CASE == 1
	return vmcs_read64(VMCS_GUEST_RIP);              /* natural via 64 */
#elif CASE == 2
	return vmcs_read32(VMCS_EPT_POINTER);            /* full 64 via 32 */
#elif CASE == 3
	vmcs_write16(VMCS_GUEST_CS_AR, 0);               /* 32 via 16 */
	return 0;
#elif CASE == 4
	vmcs_writenat(VMCS_VPID, 0);                     /* 16 via natural */
	return 0;
#elif CASE == 5
	/* the high half of a 64-bit field, but not through the 32-bit one */
	return vmcs_read16((enum vmcs_field)(VMCS_EPT_POINTER | 1));
#else
#error "no such CASE"
#endif
}
