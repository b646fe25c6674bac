/*
 * Sub-page write permissions for guest pages (hv/vm_spp.c,
 * docs/ept-views.md): HC_SPP_SET, the SPP-related exit (reason 66), and
 * the decoding of an EPT violation that SPP caused.
 */
#ifndef EPTLAB_VM_SPP_H
#define EPTLAB_VM_SPP_H

#include "include/types.h"

struct vm;
struct vcpu;

/* The SPP table, if the CPU offers "sub-page write permissions"; says so
 * if not. */
void vm_spp_init(struct vm *vm);
/* Guest restart: a fresh, empty table (a new SPPTP). */
void vm_spp_reset(struct vm *vm);
/* SPPTP for the VMCS, 0 without SPP. */
uint64_t vm_spptp(const struct vm *vm);
int64_t vm_hc_spp_set(struct vm *vm, uint64_t gpa, uint64_t writable,
		      uint64_t flags);
/* Why a write to gpa, whose leaf has the SPP bit, was refused: looked up
 * in the SPP table (Bochs 2.7 marks such a violation by no qualification
 * bit). Counted in spp_denied. */
const char *vm_spp_explain(struct vm *vm, uint64_t gpa, uint64_t qual);
/* Exit reason 66: an SPPT miss (built from an HC_SPP_LAZY record and
 * retried) or an SPPT misconfiguration (reported, guest stopped). */
void handle_spp(struct vcpu *v);

#endif
