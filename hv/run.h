/* Ending a run so that a harness can tell pass from fail (hv/run.c).
 * Prints the final marker "EPTLAB-END: PASS", "EPTLAB-END: SKIP (<why>)"
 * or "EPTLAB-END: FAIL (<why>)",
 * drains the UART, then stops the emulator:
 *   QEMU: isa-debug-exit (port 0xf4), exit code (status << 1) | 1;
 *   Bochs: magic breakpoint (xchg bx,bx), the -rc script then quits;
 *   real hardware: cli; hlt forever.
 * The serial marker is the truth; exit codes are only a hint. */
#ifndef EPTLAB_HV_RUN_H
#define EPTLAB_HV_RUN_H

#define RUN_PASS 0
#define RUN_FAIL 1
#define RUN_SKIP 77     /* the usual test-harness "skipped" status */

#define DEBUG_EXIT_PORT 0xF4

__attribute__((noreturn)) void run_end(int status, const char *why);

/* panic() (lib/panic.h) is implemented in hv/run.c on top of run_end. */
#include "lib/panic.h"

#endif
