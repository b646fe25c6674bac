/* printf/vprintf for the guest: the shared formatter (hv/fmt.c) writing
 * to the guest's own COM1 console (guest/serial.c). */
#include "console.h"

static void con_out(void *ctx, char c)
{
	(void)ctx;
	con_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return fmt_vformat(con_out, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
