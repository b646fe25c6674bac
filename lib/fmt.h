/* The formatter core (lib/fmt.c) and the string forms built on it: pure
 * C, linked by the hypervisor, the guest kernel and the host tests. */
#ifndef EPTLAB_LIB_FMT_H
#define EPTLAB_LIB_FMT_H

#include <stdarg.h>
#include "include/types.h"

/* %d %i %u %x %X %p %s %c %%, flags '-', '0', width (or '*'), precision
 * for %s, 'h'/'hh'/'l'/'ll'/'z' length. Calls out() per character and
 * returns the count. */
int fmt_vformat(void (*out)(void *ctx, char c), void *ctx,
		const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
