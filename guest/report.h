/*
 * In-guest test reporting in the kvm-unit-tests manner:
 *   PASS: name
 *   FAIL: name (why)
 *   SKIP: name (why)
 *   SUMMARY: N passed, N failed, N skipped
 * then the status byte (0 = no failure) goes to port 0xF4
 * (include/hypercall.h): isa-debug-exit under QEMU, trapped by eptlab.
 */
#ifndef EPTLAB_GUEST_REPORT_H
#define EPTLAB_GUEST_REPORT_H

#include "include/types.h"

/* Name the running scenario (for an unexpected-exception FAIL line). */
void report_begin(const char *name);
void report(bool ok, const char *name, const char *fmt_why, ...)
	__attribute__((format(printf, 3, 4)));
void report_skip(const char *name, const char *fmt_why, ...)
	__attribute__((format(printf, 2, 3)));
unsigned report_failures(void);

/* Print the totals, drain the UART, write the status to port 0xF4. */
__attribute__((noreturn)) void report_finish(void);
/* FAIL the running scenario (or "boot") with why, then report_finish. */
__attribute__((noreturn, format(printf, 1, 2)))
void report_abort(const char *fmt_why, ...);

#endif
