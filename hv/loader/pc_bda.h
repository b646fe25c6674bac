/*
 * The PC firmware data a kernel finds in low memory (hv/loader/pc_bda.c):
 * a minimal BIOS data area at 0x400 and an extended BIOS data area, as a
 * PC BIOS leaves them. Kernels that were not written for eptlab read it:
 * Xen takes the base-memory size (0x413) and the EBDA segment (0x40E) to
 * place its real-mode trampoline, Linux its EBDA reservation, others the
 * COM1 port (0x400) and the equipment word (0x410). docs/design.md "The
 * guest's boot environment" lists every field. Pure C.
 */
#ifndef EPTLAB_HV_LOADER_PC_BDA_H
#define EPTLAB_HV_LOADER_PC_BDA_H

#include "hv/loader/mb1.h"

#define PC_BDA_GPA       0x400ULL
#define PC_BDA_SIZE      0x100
#define PC_EBDA_GPA      0x9FC00ULL   /* 1 KiB below 640 KiB */
#define PC_EBDA_KIB      1

/* Write the BDA and the EBDA's size byte into guest RAM (gm->write): COM1
 * at com1 (0: none), the EBDA at PC_EBDA_GPA, 639 KiB of base memory, a
 * colour 80x25 text display. 0 or the write's error. */
int pc_bda_write(const struct mb1_guest_mem *gm, uint16_t com1);

/* The 256 bytes pc_bda_write puts at PC_BDA_GPA (for the unit tests). */
void pc_bda_fill(uint8_t bda[PC_BDA_SIZE], uint16_t com1);

#endif
