/*
 * VMCALL: the hypercall dispatcher (hv/hypercall.c), ABI in
 * include/hypercall.h, described in docs/hypercalls.md. (Named vmcall.h
 * so that it does not shadow include/hypercall.h for files in hv/.)
 */
#ifndef EPTLAB_VMCALL_H
#define EPTLAB_VMCALL_H

#include "hv/vcpu.h"

/* Exit handler for EXIT_VMCALL: RAX = number, RBX/RCX/RDX/RSI arguments,
 * result in RAX, RIP advanced. */
void handle_vmcall(struct vcpu *v);
/* Draw the last walk HC_TRANSLATE printed again (at the end of a run, so
 * that the demo ends with it and the exit statistics); nothing if none. */
void hc_print_last_walk(void);

#endif
