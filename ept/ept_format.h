/*
 * EPT format (4-level, 4 KiB / 2 MiB / 1 GiB pages) for the one paging
 * engine. SDM references are to the Intel SDM, revision 084 (June 2024),
 * Vol. 3C "EPT Translation Mechanism".
 */
#ifndef EPTLAB_EPT_FORMAT_H
#define EPTLAB_EPT_FORMAT_H

#include "include/types.h"
#include "mm/paging.h"

typedef uint64_t epte_t;

/* SDM 3C "Translation of Guest-Physical Addresses Using EPT" */
#define EPT_R           BIT(0)      /* read */
#define EPT_W           BIT(1)      /* write */
#define EPT_X           BIT(2)      /* execute */
#define EPT_MT_SHIFT    3           /* memory type, bits 5:3 (leaves) */
#define EPT_MT_MASK     (7ULL << EPT_MT_SHIFT)
#define EPT_MT_UC       (0ULL << EPT_MT_SHIFT)   /* uncacheable */
#define EPT_MT_WB       (6ULL << EPT_MT_SHIFT)   /* write-back */
#define EPT_IGNORE_PAT  BIT(6)      /* ignore guest PAT (leaves) */
#define EPT_PS          BIT(7)      /* large (1G/2M leaf) */
#define EPT_A           BIT(8)      /* accessed (if EPTP enables A/D) */
#define EPT_D           BIT(9)      /* dirty (leaves) */
#define EPT_ADDR_MASK   GENMASK(51, 12)
/* SDM 3C "Sub-Page Write Permissions": with the control on, a 4 KiB leaf
 * with this bit and W = 0 takes its write rights from the SPP table. */
#define EPT_SPP         BIT(61)
/* SDM 3C "EPT-Induced Virtualization Exceptions": a violation on an
 * entry (the leaf, or the not-present entry where the walk stopped) with
 * this bit clear may be delivered to the guest as #VE. Ignored in
 * present non-leaf entries. */
#define EPT_SUPPRESS_VE BIT(63)
/* An entry is present if any of R/W/X is set: an execute-only leaf
 * (X without R, needs the capability) is present. SDM 3C "EPT
 * Translation Mechanism". */
#define EPT_PRESENT     (EPT_R | EPT_W | EPT_X)

/* Bits 61:52 are ignored in non-leaf EPT entries: the engine's table count.
 * (Bit 61, EPT_SPP, means something in 4 KiB leaves only, which hold no
 * count.) */
#define EPT_COUNT_SHIFT 52

extern const struct pg_format pg_fmt_ept;

#endif
