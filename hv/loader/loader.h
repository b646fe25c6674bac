/*
 * What the guest-kernel loaders of hv/loader/ share (pure C, linked by the
 * host unit tests and fuzzers as is): little-endian readers and writers on
 * byte buffers, and loader_fail(), which formats the one-line reason a
 * loader gives for a bad image.
 */
#ifndef EPTLAB_HV_LOADER_LOADER_H
#define EPTLAB_HV_LOADER_LOADER_H

#include "include/types.h"

#define LOADER_4GIB  0x100000000ULL

static inline uint32_t get_le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static inline uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static inline void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Access to guest-physical memory for a loader: guest RAM is
 * [0, ram_size); write returns 0 or -EFAULT. (The Multiboot loader's
 * struct mb1_guest_mem has the same shape plus its reserved range.) */
struct loader_mem {
	void *ctx;
	uint64_t ram_size;
	int (*write)(void *ctx, uint64_t gpa, const void *src, size_t len);
};

/* Do [a, a + alen) and [b, b + blen) overlap? (No wrap: callers keep
 * both ends below 2^63.) */
static inline bool loader_overlap(uint64_t a, uint64_t alen, uint64_t b,
				  uint64_t blen)
{
	return alen && blen && a < b + blen && b < a + alen;
}

/* Format the reason into err (may be NULL or errlen 0) and return code. */
__attribute__((format(printf, 4, 5)))
int loader_fail(char *err, size_t errlen, int code, const char *fmt, ...);

#endif
