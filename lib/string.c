/*
 * String and memory helpers for the freestanding hypervisor and guest.
 * GCC may compile a byte loop into a call to memset/memcpy; the bulk
 * operations therefore use rep stosb/movsb, and the file turns the loop
 * pattern recognition off so no function can end up calling itself.
 */
#pragma GCC optimize("no-tree-loop-distribute-patterns")
#include "lib/string.h"

/* Whole 8-byte words with rep stosq (one iteration per word: zeroing a
 * 4 KiB page costs 512 rep iterations instead of 4096), the tail bytewise. */
void *memset(void *d, int c, size_t n)
{
	void *p = d;
	size_t words = n / 8, tail = n % 8;
	uint64_t v = 0x0101010101010101ULL * (uint8_t)c;

	__asm__ volatile("rep stosq"
			 : "+D"(p), "+c"(words) : "a"(v) : "memory");
	__asm__ volatile("rep stosb"
			 : "+D"(p), "+c"(tail) : "a"(v) : "memory");
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	void *p = d;

	__asm__ volatile("rep movsb"
			 : "+D"(p), "+S"(s), "+c"(n) :: "memory");
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	/* Overlap with d above s: copy backwards. */
	dp += n - 1;
	sp += n - 1;
	__asm__ volatile("std\n\trep movsb\n\tcld"
			 : "+D"(dp), "+S"(sp), "+c"(n) :: "memory");
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
