/* Shared loader helpers (loader.h). */
#include "hv/loader/loader.h"
#include "lib/fmt.h"

int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}
