/* Shared by the libFuzzer harnesses in tests/fuzz/: a byte reader over the
 * fuzz input, and FUZZ_CHECK, which aborts (a crash libFuzzer records) with
 * the failed invariant. */
#ifndef EPTLAB_FUZZ_COMMON_H
#define EPTLAB_FUZZ_COMMON_H

#include <stdint.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, ...)                                            \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant '%s' broken: ",   \
				__FILE__, __LINE__, #cond);              \
			fprintf(stderr, __VA_ARGS__);                    \
			fprintf(stderr, "\n");                           \
			abort();                                         \
		}                                                        \
	} while (0)

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/* Next k bytes as a little-endian number; zeros once the input runs out. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned k)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < k; i++) {
		uint64_t b = 0;
		if (in->n) {
			b = *in->p++;
			in->n--;
		}
		v |= b << (8 * i);
	}
	return v;
}

/* Guest RAM as the loader harnesses simulate it: its size, and what the
 * loader wrote (calls, bytes, a checksum that makes every written byte be
 * read, so that ASan sees the source). fuzz_ram_access checks that an
 * access of the loader stays inside RAM and counts it. */
struct fuzz_ram {
	uint64_t size;
	uint64_t calls, bytes;
	uint8_t sum;
};

static inline void fuzz_ram_access(struct fuzz_ram *r, const char *what,
				   uint64_t gpa, size_t len)
{
	FUZZ_CHECK(gpa <= r->size && len <= r->size - gpa,
		   "%s [0x%llx, +0x%zx) outside RAM 0x%llx", what,
		   (unsigned long long)gpa, len, (unsigned long long)r->size);
	r->calls++;
	r->bytes += len;
}

#endif
