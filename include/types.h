/* Basic types and bit helpers shared by every eptlab module (hypervisor,
 * guest and host-side tests). Freestanding: only compiler-provided headers. */
#ifndef EPTLAB_TYPES_H
#define EPTLAB_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define BIT(n)          (1ULL << (n))
/* Bits h..l inclusive, e.g. GENMASK(51, 12) = physical-address bits. */
#define GENMASK(h, l)   ((~0ULL >> (63 - (h))) & (~0ULL << (l)))

#define ALIGN_DOWN(x, a) ((x) & ~((uint64_t)(a) - 1))
#define ALIGN_UP(x, a)   ALIGN_DOWN((x) + (uint64_t)(a) - 1, (a))
#define IS_ALIGNED(x, a) (((x) & ((uint64_t)(a) - 1)) == 0)
#define ARRAY_SIZE(a)    (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b)        ((a) < (b) ? (a) : (b))
#define MAX(a, b)        ((a) > (b) ? (a) : (b))

#define SZ_4K  0x1000ULL
#define SZ_2M  0x200000ULL
#define SZ_1G  0x40000000ULL

#define UNUSED(x) ((void)(x))

#endif
