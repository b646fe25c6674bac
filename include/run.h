/* Ending a run so that a harness can tell pass from fail (hv/run.c).
 * Prints the final marker "EPTLAB-END: PASS" / "EPTLAB-END: FAIL (<why>)",
 * drains the UART, then stops the emulator:
 *   QEMU: isa-debug-exit (port 0xf4), exit code (status << 1) | 1;
 *   Bochs: magic breakpoint (xchg bx,bx), the -rc script then quits;
 *   real hardware: cli; hlt forever.
 * The serial marker is the truth; exit codes are only a hint. */
#ifndef EPTLAB_RUN_H
#define EPTLAB_RUN_H

#define RUN_PASS 0
#define RUN_FAIL 1

#define DEBUG_EXIT_PORT 0xF4

__attribute__((noreturn)) void run_end(int status, const char *why);

/* Broken invariant: print "PANIC in <func>: ..." and end the run (fail). */
__attribute__((noreturn, format(printf, 2, 3)))
void panic_at(const char *func, const char *fmt, ...);
#define panic(...) panic_at(__func__, __VA_ARGS__)

#endif
