/*
 * A minimal PC BIOS data area (hv/loader/pc_bda.h). Offsets from the
 * IBM PC/AT Technical Reference "BIOS Data Area" as every PC BIOS keeps
 * it; only the fields below are set, every other byte is 0:
 *
 *   0x400  u16[4] COM1-COM4 base ports      com1, 0, 0, 0
 *   0x408  u16[3] LPT1-LPT3 base ports      0
 *   0x40E  u16    EBDA segment              PC_EBDA_GPA >> 4 (0x9FC0)
 *   0x410  u16    equipment word            x87 (bit 1), 80x25 colour
 *                                           (bits 5:4 = 10b), serial
 *                                           ports in bits 11:9
 *   0x413  u16    base memory in KiB        639 (the EBDA's base)
 *   0x449  u8     video mode                3 (80x25 colour text)
 *   0x44A  u16    text columns              80
 *   0x463  u16    CRT controller port       0x3D4 (colour)
 *   0x484  u8     text rows - 1             24
 *   EBDA+0 u8     EBDA size in KiB          1
 */
#include "hv/loader/pc_bda.h"
#include "hv/loader/loader.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void pc_bda_fill(uint8_t bda[PC_BDA_SIZE], uint16_t com1)
{
	uint16_t equip = BIT(1) | (2u << 4) | ((com1 ? 1u : 0u) << 9);

	for (unsigned i = 0; i < PC_BDA_SIZE; i++)
		bda[i] = 0;
	put16(bda + 0x00, com1);
	put16(bda + 0x0E, (uint16_t)(PC_EBDA_GPA >> 4));
	put16(bda + 0x10, equip);
	put16(bda + 0x13, (uint16_t)(PC_EBDA_GPA / 1024));
	bda[0x49] = 3;
	put16(bda + 0x4A, 80);
	put16(bda + 0x63, 0x3D4);
	bda[0x84] = 24;
}

int pc_bda_write(const struct mb1_guest_mem *gm, uint16_t com1)
{
	uint8_t bda[PC_BDA_SIZE], ebda_kib = PC_EBDA_KIB;
	int rc;

	pc_bda_fill(bda, com1);
	rc = gm->write(gm->ctx, PC_BDA_GPA, bda, sizeof(bda));
	if (!rc)
		rc = gm->write(gm->ctx, PC_EBDA_GPA, &ebda_kib, 1);
	return rc;
}
