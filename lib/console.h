/* The console: a polled 16550 on COM1 (lib/serial.c) and printf on it
 * (lib/printf.c). Shared by the hypervisor and the guest kernel. */
#ifndef EPTLAB_LIB_CONSOLE_H
#define EPTLAB_LIB_CONSOLE_H

#include <stdarg.h>
#include "include/types.h"

#define COM1_PORT 0x3F8

void con_init(void);                 /* 16550: 115200 8N1, FIFOs on */
void con_putc(char c);               /* '\n' becomes "\r\n" */
void con_drain(void);                /* wait for LSR.TEMT (bit 6) */

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);

#endif
