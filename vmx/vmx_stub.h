/*
 * VM entry and VM exit (vmx/vmx_stub.asm): the interface between the VMX
 * layer and the hypervisor above it.
 *
 * The stub knows only struct guest_regs. HOST_RSP is the vCPU's struct
 * guest_regs itself, which the owner places at the top of the vCPU's exit
 * stack, 16-byte aligned: the exit stack grows down below it. HOST_RIP is
 * vmx_exit_stub. On every VM exit the stub saves the guest's GPRs into
 * the struct and calls vmx_exit_handler with it; when that returns, it
 * loads them back and executes VMRESUME.
 */
#ifndef EPTLAB_VMX_STUB_H
#define EPTLAB_VMX_STUB_H

#include "include/types.h"
#include "vmx/guest_regs.h"

/* Switch to the exit stack below regs (regs == HOST_RSP), load the guest
 * GPRs and CR2 from regs, VMLAUNCH. */
__attribute__((noreturn))
void vmx_launch(struct guest_regs *regs);
/* HOST_RIP. */
void vmx_exit_stub(void);

/* Provided by the hypervisor (hv/exit.c, hv/entry_fail.c), called by the
 * stub with the guest registers saved in *regs: */
/* a VM exit; returns to resume the guest. */
void vmx_exit_handler(struct guest_regs *regs);
/* VMLAUNCH (resume = 0) or VMRESUME (resume = 1) fell through;
 * rflags as the instruction left it (CF: VMfailInvalid, ZF: VMfailValid). */
__attribute__((noreturn))
void vmx_entry_failed(struct guest_regs *regs, uint64_t rflags, int resume);

#endif
