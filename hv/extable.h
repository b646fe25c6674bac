/*
 * Expected faults. An instruction that may fault on purpose records
 * (its RIP, where to resume) in the __extable section; the #PF/#GP handler
 * looks the faulting RIP up first and, on a hit, resumes at the fixup
 * instead of reporting a crash. The probes below return 0, or -EFAULT
 * when the access (or the RDMSR) faulted.
 */
#ifndef EPTLAB_EXTABLE_H
#define EPTLAB_EXTABLE_H

#include "include/types.h"
#include "hv/cpu.h"

struct extable_entry {
	uint64_t fault_rip;
	uint64_t fixup_rip;
};

/* The last fault that a probe absorbed. */
struct extable_fault {
	unsigned vector;
	uint64_t error;
	uint64_t cr2;        /* valid for #PF */
	uint64_t rip;
};
extern struct extable_fault extable_last;

/* Called by the exception handler: true if f->rip was expected to fault
 * (f->rip is then moved to the fixup). */
bool extable_fixup(struct trap_frame *f);

int probe_read8(const void *p, uint8_t *out);
int probe_write8(void *p, uint8_t v);
int probe_read64(const void *p, uint64_t *out);
/* RDMSR that returns -EFAULT instead of faulting when the MSR does not
 * exist (#GP). */
int probe_rdmsr(uint32_t msr, uint64_t *out);

#endif
