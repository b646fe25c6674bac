/* printf/vprintf on the COM1 console (lib/serial.c); shared by the
 * hypervisor and the guest kernel. */
#include "lib/console.h"
#include "lib/fmt.h"

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
	int len;

	va_start(ap, fmt);
	len = vprintf(fmt, ap);
	va_end(ap);
	return len;
}
