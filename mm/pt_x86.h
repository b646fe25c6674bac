/*
 * x86-64 4-level paging format (IA-32e paging, 4 KiB / 2 MiB / 1 GiB pages)
 * for the one paging engine. SDM references are to the Intel SDM, revision
 * 084 (June 2024), Vol. 3A "4-Level Paging and 5-Level Paging".
 */
#ifndef EPTLAB_PT_X86_H
#define EPTLAB_PT_X86_H

#include "include/types.h"
#include "mm/paging.h"

typedef uint64_t pte_t;

/* SDM 3A "Formats of Paging Structures" */
#define PTE_P          BIT(0)    /* present */
#define PTE_RW         BIT(1)    /* writable */
#define PTE_US         BIT(2)    /* user */
#define PTE_PWT        BIT(3)    /* write-through */
#define PTE_PCD        BIT(4)    /* uncached */
#define PTE_A          BIT(5)    /* accessed */
#define PTE_D          BIT(6)    /* dirty (leaves) */
#define PTE_PS         BIT(7)    /* large (PDPTE/PDE leaf) */
#define PTE_G          BIT(8)    /* global (leaves) */
#define PTE_NX         BIT(63)   /* no-execute (needs EFER.NXE) */
#define PTE_ADDR_MASK  GENMASK(51, 12)

/* Bits 61:52 are ignored in non-leaf entries: the engine's table count. */
#define PTE_COUNT_SHIFT 52

extern const struct pg_format pg_fmt_x86;

#endif
