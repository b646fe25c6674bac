/*
 * Helpers of the VM-exit dispatcher (hv/exit.c) shared with the hypercall
 * handlers (hv/hypercall.c). Valid only while handling a VM exit (the
 * vCPU's VMCS is current).
 */
#ifndef EPTLAB_EXIT_H
#define EPTLAB_EXIT_H

#include "include/types.h"
#include "hv/vcpu.h"

/* Advance the guest RIP past the exiting instruction. */
void exit_skip_insn(void);
void exit_advance_rip(uint64_t len);
/* Queue a hardware exception (type 3) for the next VM entry. */
void exit_inject_exception(struct vcpu *v, unsigned vec, bool has_err,
			   uint32_t err);
/* Print the guest's partial console line, if any. */
void exit_com1_flush(void);
/* Reason, qualification, RIP, control registers and GPRs. */
void exit_dump_guest(struct vcpu *v, const char *why);
/* INVVPID single-context for the guest's VPID (counted). */
void exit_vpid_flush(struct vcpu *v);

#endif
