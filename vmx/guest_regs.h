/*
 * The guest's general-purpose registers as the VM-exit stub saves them
 * (vmx/vmx_stub.asm). VM exits switch only RSP and RIP (from the VMCS);
 * every other GPR is the stub's to save and restore.
 */
#ifndef EPTLAB_VMX_GUEST_REGS_H
#define EPTLAB_VMX_GUEST_REGS_H

#include "include/types.h"

/* x86 register numbers (SDM Vol. 2A "Register Encodings"), so that a GPR
 * field of an exit qualification or instruction information indexes
 * gpr[] directly. */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* Layout shared with NASM: vmx/guest_regs.inc, checked below. */
struct guest_regs {
	uint64_t gpr[GPR_COUNT];   /* gpr[GPR_RSP] unused: RSP is in the VMCS */
	uint64_t cr2;              /* loaded at VMLAUNCH only (vmx_stub.asm) */
};

_Static_assert(offsetof(struct guest_regs, gpr[GPR_RAX]) == 0x00, "GR_RAX");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RCX]) == 0x08, "GR_RCX");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RDX]) == 0x10, "GR_RDX");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RBX]) == 0x18, "GR_RBX");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RSP]) == 0x20, "GR_RSP");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RBP]) == 0x28, "GR_RBP");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RSI]) == 0x30, "GR_RSI");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_RDI]) == 0x38, "GR_RDI");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R8])  == 0x40, "GR_R8");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R9])  == 0x48, "GR_R9");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R10]) == 0x50, "GR_R10");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R11]) == 0x58, "GR_R11");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R12]) == 0x60, "GR_R12");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R13]) == 0x68, "GR_R13");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R14]) == 0x70, "GR_R14");
_Static_assert(offsetof(struct guest_regs, gpr[GPR_R15]) == 0x78, "GR_R15");
_Static_assert(offsetof(struct guest_regs, cr2) == 0x80, "GR_CR2");
_Static_assert(sizeof(struct guest_regs) == 0x88, "GR_SIZE");

#endif
