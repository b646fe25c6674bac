/* A broken invariant: print "PANIC in <func>: ..." and end the run as a
 * failure. Declared here for every layer; each program that links lib/
 * provides panic_at (the hypervisor's is in hv/run.c). */
#ifndef EPTLAB_LIB_PANIC_H
#define EPTLAB_LIB_PANIC_H

__attribute__((noreturn, format(printf, 2, 3)))
void panic_at(const char *func, const char *fmt, ...);
#define panic(...) panic_at(__func__, __VA_ARGS__)

#endif
