/*
 * The formatter behind printf and snprintf, shared by the hypervisor and
 * the guest kernel: pure C, no hypervisor dependencies.
 *
 * Conversions: %d %i %u %x %X %p %s %c %%. Flags '-' and '0', a width
 * (number or '*'), a precision for %s ('.N' or '.*'), and the length
 * modifiers 'h', 'hh', 'l', 'll', 'z'.
 */
#include "lib/fmt.h"

struct fmt_spec {
	bool left;          /* '-' */
	bool zero;          /* '0' */
	int width;
	int prec;           /* -1: none */
};

struct fmt_out {
	void (*out)(void *ctx, char c);
	void *ctx;
	int count;
};

static void emit(struct fmt_out *o, char c)
{
	o->out(o->ctx, c);
	o->count++;
}

static void pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		emit(o, c);
}

static void emit_str(struct fmt_out *o, const struct fmt_spec *sp,
		     const char *s)
{
	int len = 0;

	if (!s)
		s = "(null)";
	while (s[len] && (sp->prec < 0 || len < sp->prec))
		len++;
	if (!sp->left)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		emit(o, s[i]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

static void emit_num(struct fmt_out *o, const struct fmt_spec *sp,
		     uint64_t v, bool neg, unsigned base, bool upper,
		     const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char buf[24];
	int n = 0, plen = 0, len;

	do {
		buf[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg)
		prefix = "-";
	while (prefix && prefix[plen])
		plen++;
	len = n + plen;

	if (!sp->left && !sp->zero)
		pad(o, ' ', sp->width - len);
	for (int i = 0; i < plen; i++)
		emit(o, prefix[i]);
	if (!sp->left && sp->zero)
		pad(o, '0', sp->width - len);
	while (n)
		emit(o, buf[--n]);
	if (sp->left)
		pad(o, ' ', sp->width - len);
}

int fmt_vformat(void (*out)(void *ctx, char c), void *ctx,
		const char *fmt, va_list ap)
{
	struct fmt_out o = { out, ctx, 0 };
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		struct fmt_spec sp = { false, false, 0, -1 };
		int lng = 0;           /* 0 int, 1 long, 2 long long, -1 short, -2 char */
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			emit(&o, *fmt++);
			continue;
		}
		fmt++;
		for (;; fmt++) {
			if (*fmt == '-')
				sp.left = true;
			else if (*fmt == '0')
				sp.zero = true;
			else
				break;
		}
		if (*fmt == '*') {
			sp.width = va_arg(args, int);
			if (sp.width < 0) {
				sp.left = true;
				sp.width = -sp.width;
			}
			fmt++;
		} else {
			while (*fmt >= '0' && *fmt <= '9')
				sp.width = sp.width * 10 + (*fmt++ - '0');
		}
		if (*fmt == '.') {
			fmt++;
			sp.prec = 0;
			if (*fmt == '*') {
				sp.prec = va_arg(args, int);
				fmt++;
			} else {
				while (*fmt >= '0' && *fmt <= '9')
					sp.prec = sp.prec * 10 + (*fmt++ - '0');
			}
		}
		for (;; fmt++) {
			if (*fmt == 'l')
				lng = lng < 0 ? 1 : lng + 1;
			else if (*fmt == 'z')
				lng = 1;
			else if (*fmt == 'h')
				lng = lng > 0 ? lng : lng - 1;
			else
				break;
		}

		switch (*fmt) {
		case 'd':
		case 'i':
			if (lng >= 2)
				s = va_arg(args, long long);
			else if (lng == 1)
				s = va_arg(args, long);
			else if (lng == -1)
				s = (short)va_arg(args, int);
			else if (lng <= -2)
				s = (signed char)va_arg(args, int);
			else
				s = va_arg(args, int);
			u = s < 0 ? (uint64_t)0 - (uint64_t)s : (uint64_t)s;
			emit_num(&o, &sp, u, s < 0, 10, false, NULL);
			break;
		case 'u':
		case 'x':
		case 'X':
			if (lng >= 2)
				u = va_arg(args, unsigned long long);
			else if (lng == 1)
				u = va_arg(args, unsigned long);
			else if (lng == -1)
				u = (unsigned short)va_arg(args, unsigned int);
			else if (lng <= -2)
				u = (unsigned char)va_arg(args, unsigned int);
			else
				u = va_arg(args, unsigned int);
			emit_num(&o, &sp, u, false, *fmt == 'u' ? 10 : 16,
				 *fmt == 'X', NULL);
			break;
		case 'p':
			u = (uint64_t)(uintptr_t)va_arg(args, void *);
			emit_num(&o, &sp, u, false, 16, false, "0x");
			break;
		case 's':
			emit_str(&o, &sp, va_arg(args, const char *));
			break;
		case 'c': {
			char c[2] = { (char)va_arg(args, int), 0 };
			sp.prec = 1;
			emit_str(&o, &sp, c);
			break;
		}
		case '%':
			emit(&o, '%');
			break;
		case '\0':
			emit(&o, '%');
			va_end(args);
			return o.count;
		default:
			/* Unknown conversion: print it as written. */
			emit(&o, '%');
			emit(&o, *fmt);
			break;
		}
		fmt++;
	}
	va_end(args);
	return o.count;
}

struct buf_ctx {
	char *buf;
	size_t n, pos;
};

static void buf_out(void *ctx, char c)
{
	struct buf_ctx *b = ctx;

	if (b->pos + 1 < b->n)
		b->buf[b->pos] = c;
	b->pos++;
}

int vsnprintf(char *buf, size_t n, const char *fmt, va_list ap)
{
	struct buf_ctx b = { buf, n, 0 };
	int len = fmt_vformat(buf_out, &b, fmt, ap);

	if (n)
		buf[b.pos < n ? b.pos : n - 1] = '\0';
	return len;
}

int snprintf(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return len;
}
