/* Serial console and formatted output, shared by the hypervisor and the
 * guest kernel (each links its own con_putc). */
#ifndef EPTLAB_CONSOLE_H
#define EPTLAB_CONSOLE_H

#include <stdarg.h>
#include "types.h"

#define COM1_PORT 0x3F8

void con_init(void);                 /* 16550: 115200 8N1, FIFOs on */
void con_putc(char c);               /* '\n' becomes "\r\n" */
void con_drain(void);                /* wait for LSR.TEMT (bit 6) */

/* Formatter core (hv/fmt.c): %d %i %u %x %X %lx %llx %p %s %c %%,
 * flags '-', '0', width, 'l'/'ll'/'z' length. Calls out() per char. */
int fmt_vformat(void (*out)(void *ctx, char c), void *ctx,
		const char *fmt, va_list ap);
int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap);
int snprintf(char *buf, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

/* String helpers (hv/string.c). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);

#endif
