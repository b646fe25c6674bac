/* Names for VM-instruction error numbers and VM-exit reasons, for
 * diagnostics (vmx/vmx_err.c). SDM revision 084, Vol. 3C
 * "VM-Instruction Error Numbers" and Vol. 3D Appendix C
 * "VMX Basic Exit Reasons". */
#ifndef EPTLAB_VMX_ERR_H
#define EPTLAB_VMX_ERR_H

#include "include/types.h"

/* "VM entry with invalid control field(s)" for 7; "unknown" otherwise. */
const char *vmx_insn_error_name(unsigned n);
/* Name of the basic exit reason (bits 15:0 of r), e.g. "EPT violation". */
const char *vmx_exit_reason_name(uint32_t r);

#endif
