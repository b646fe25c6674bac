/*
 * memtouch: the initramfs workload (docs/linux-guest.md). Maps 64 MiB of
 * anonymous memory, writes a pattern derived from each 8-byte word's
 * address into every word, then reads all of it back and checks it. Under
 * eptlab each first touch of a page is a guest page fault, and with
 * demand=full also an EPT violation. Prints
 *   memtouch: PASS: 64 MiB written and checked
 * or "memtouch: FAIL: ..." and exits 0 / 1.
 */
#include "linux/sys.h"

#define BYTES (64UL << 20)

static uint64_t pattern(uint64_t i)
{
	return (i * 0x9E3779B97F4A7C15ULL) ^ 0xE97A1ABEE97A1ABEULL;
}

int main(int argc, char **argv)
{
	uint64_t *p = (uint64_t *)sys6(SYS_mmap, 0, BYTES,
				       PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANON, -1, 0);
	uint64_t n = BYTES / 8;

	if ((long)p < 0 && (long)p > -4096) {
		put_str("memtouch: FAIL: mmap of 64 MiB returned ");
		put_dec((uint64_t)-(long)p);
		put_str("\n");
		return 1;
	}
	for (uint64_t i = 0; i < n; i++)
		p[i] = pattern(i);
	for (uint64_t i = 0; i < n; i++) {
		if (p[i] != pattern(i)) {
			put_str("memtouch: FAIL: word ");
			put_dec(i);
			put_str(" reads ");
			put_hex(p[i]);
			put_str(", wrote ");
			put_hex(pattern(i));
			put_str("\n");
			return 1;
		}
	}
	put_str("memtouch: PASS: 64 MiB written and checked\n");
	return 0;
}
