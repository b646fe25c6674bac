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

#endif
