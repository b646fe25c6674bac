/*
 * Hostile-guest modes of the guest kernel (docs/containment.md):
 *   crash=triple|vmx|cr3|spin   guest/crash.c: crash on purpose, so that
 *                               the hypervisor's containment is tested
 *   fuzz=<count> seed=<n>       guest/fuzz.c: random hypercalls and
 *                               (guest/fuzz_cpu.c) as many random MSR,
 *                               XSETBV and CR operations, then self-check
 *                               and HC_AUDIT
 */
#ifndef EPTLAB_GUEST_HOSTILE_H
#define EPTLAB_GUEST_HOSTILE_H

#include "include/types.h"

/* Dispatch on the cmdline words crash= / fuzz= (guest/main.c). */
void hostile_run(void);
/* guest/fuzz.c */
void fuzz_run(void);
/* guest/fuzz_cpu.c: the CPU half of the fuzzer (random RDMSR, WRMSR,
 * XSETBV, MOV to CR0/CR4 with their faults expected). init saves the
 * state it restores in finish, which prints the counts and returns false
 * if an outcome contradicted the SDM. */
void fuzz_cpu_init(uint64_t (*rnd)(void));
void fuzz_cpu_one(void);
uint64_t fuzz_cpu_ops(void);
bool fuzz_cpu_finish(void);

/* The value of cmdline word key=value: copied into buf (NUL-terminated),
 * or false if the key is absent. */
bool hostile_arg(const char *key, char *buf, size_t n);
/* ... as a decimal or 0x-hex number; false if absent or malformed. */
bool hostile_arg_u64(const char *key, uint64_t *out);

#endif
