/*
 * VM-entry failures and the software VM-entry checker (hv/entry_fail.c).
 * VMfailInvalid / VMfailValid reach vmx_entry_failed (vmx/vmx_stub.h)
 * from the stub; a VM exit with reason bit 31 reaches entry_fail_exit
 * from the dispatcher. Both report and end the run with FAIL.
 */
#ifndef EPTLAB_ENTRY_FAIL_H
#define EPTLAB_ENTRY_FAIL_H

#include "include/types.h"
#include "hv/vcpu.h"

/* Run the software VM-entry checker (vmx/vmx_check.c) on the current VMCS
 * and print the result ("vmx: <when> check passed ..." or the rule that
 * failed); 0 if every rule passed. */
int vcpu_check_vmcs(struct vcpu *v, const char *when);

/* A VM exit with reason bit 31 set (SDM 3C "VM-Entry Failures During or
 * After Loading Guest State"): decoded, checked, dumped, FAIL. */
__attribute__((noreturn, cold))
void entry_fail_exit(struct vcpu *v, uint32_t reason);

#endif
