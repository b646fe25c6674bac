/*
 * The one virtual CPU: guest GPRs saved by hv/exit_stub.asm, plus the
 * hypervisor's per-vCPU VMX state.
 */
#ifndef EPTLAB_VCPU_H
#define EPTLAB_VCPU_H

#include "include/types.h"
#include "vmx/vmx_caps.h"

/* x86 register numbers (SDM Vol. 2A "Register Encodings"). */
enum gpr {
	GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, GPR_RSP, GPR_RBP, GPR_RSI, GPR_RDI,
	GPR_R8, GPR_R9, GPR_R10, GPR_R11, GPR_R12, GPR_R13, GPR_R14, GPR_R15,
	GPR_COUNT
};

/* Layout shared with NASM: hv/guest_regs.inc. */
struct guest_regs {
	uint64_t gpr[GPR_COUNT];   /* gpr[GPR_RSP] unused: RSP is in the VMCS */
	uint64_t cr2;              /* loaded at VMLAUNCH only (exit_stub.asm) */
};

#define GR_OFF(r) ((r) * 8)
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

struct vm;

struct vcpu {
	struct guest_regs regs;     /* first: the stub addresses it from the
	                               vcpu pointer */
	const struct vmx_caps *caps;
	struct vm *vm;
	uint64_t vmcs_pa;
	uint64_t host_rsp;          /* exit stack top; [host_rsp] = this vcpu */
	uint32_t proc, proc2, pin, exit_ctl, entry_ctl;   /* control values */
	uint16_t vpid;              /* 0 = VPID off */
	uint64_t cr0_mask, cr4_mask;   /* guest/host masks (owned bits) */
	uint64_t apic_base;         /* virtual IA32_APIC_BASE */
	uint64_t exit_tsc;          /* RDTSC at the start of the current exit */
	bool launched;
};
_Static_assert(offsetof(struct vcpu, regs) == 0, "stub: regs at 0");

/* The single vCPU (hv/vmm.c). */
extern struct vcpu vcpu0;

/* hv/exit_stub.asm */
__attribute__((noreturn)) void vmx_launch(struct vcpu *v, uint64_t host_rsp);
void vmx_exit_stub(void);   /* HOST_RIP */

/* hv/exit.c: called by the stub with the guest registers saved. Returns to
 * resume the guest; ends the run itself otherwise. */
void vmx_exit_handler(struct vcpu *v);
/* hv/exit.c: run the software VM-entry checker on the current VMCS and
 * print the result; 0 if every rule passed. */
int vcpu_check_vmcs(struct vcpu *v, const char *when);
/* hv/exit.c: VMLAUNCH/VMRESUME failed; rflags as left by the instruction. */
__attribute__((noreturn))
void vmx_entry_failed(struct vcpu *v, uint64_t rflags, int resume);

#endif
