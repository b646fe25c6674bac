/*
 * Decoder of the MOV instructions compilers emit for MMIO
 * (hv/dev/mmio_decode.c). Intel SDM Vol. 2 (rev. 084), chapter
 * "Instruction Format" (prefixes, REX, ModR/M, SIB, displacement,
 * immediate; 16-bit and 32-bit addressing-form tables; "RIP-Relative
 * Addressing") and the MOV, MOVZX and MOVSX pages. Pure C.
 *
 * Decoded: 88/89 (mov r/m, r), 8A/8B (mov r, r/m), C6/C7 /0 (mov r/m,
 * imm), A0-A3 (mov AL/eAX <-> moffs, the form 32-bit compilers use for a
 * constant address), 0F B6/B7 (movzx), 0F BE/BF (movsx); prefixes 66
 * (operand size), 67 (address size), segment overrides (ignored: the
 * caller has the physical address from the EPT violation), REX.W/R/X/B
 * in 64-bit mode; ModR/M with SIB and disp8/disp16/disp32, RIP-relative;
 * 16-, 32- and 64-bit code, 16-bit addressing included. AH/CH/DH/BH are
 * supported (high_byte).
 * Refused with -EINVAL and a message naming the byte and its offset:
 * every other opcode (read-modify-write forms like OR/AND/XCHG, string
 * instructions, MOV to/from a register operand), LOCK and REP prefixes,
 * C6/C7 with ModR/M.reg != 0, and truncated input. The decoder does not
 * compute the effective address.
 *
 * The caller fetches up to 15 bytes at the guest RIP, decodes them with
 * the mode from CS.L/CS.D, performs the access against the device, and
 * advances RIP by len. mmio_store_value() gives the value to write,
 * mmio_load_value() the register's new value after a read: a 32-bit
 * destination zero-extends to 64 bits in 64-bit mode, 8- and 16-bit
 * destinations merge into the old value.
 */
#ifndef EPTLAB_HV_DEV_MMIO_DECODE_H
#define EPTLAB_HV_DEV_MMIO_DECODE_H

#include "include/types.h"

#define MMIO_INSN_MAX  15       /* SDM: an instruction is at most 15 bytes */

struct mmio_insn {
	unsigned len;           /* bytes, prefixes included */
	unsigned size;          /* bytes accessed in MMIO: 1, 2, 4 or 8 */
	bool write;             /* store to MMIO */
	bool has_imm;           /* the stored value is imm (C6/C7) */
	uint64_t imm;           /* immediate, sign-extended, cut to size */
	unsigned reg;           /* GPR, SDM encoding: 0 RAX, 1 RCX ... 15 R15 */
	bool high_byte;         /* reg 0-3 means AH, CH, DH, BH */
	unsigned reg_size;      /* loads: bytes of reg written: 1, 2, 4, 8 */
	bool sign_extend;       /* loads: MOVSX */
	bool zero_extend;       /* loads: bits 63:32 of reg are cleared
	                           (a 32-bit destination in 64-bit mode) */
	bool rip_relative;      /* ModR/M mod 00 r/m 101 in 64-bit mode */
};

/* bytes[0..n) from the guest RIP (n may exceed 15; only 15 are looked
 * at); mode 16, 32 or 64. Returns 0, or -EINVAL with a NUL-terminated
 * reason in err (if errlen > 0); *out is unspecified on failure. */
int mmio_decode(const uint8_t *bytes, size_t n, unsigned mode,
		struct mmio_insn *out, char *err, size_t errlen);

/* The `size`-byte value a store writes, given the source register's
 * current 64-bit value (ignored for immediates). */
uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t reg_val);
/* The destination register's new 64-bit value after a load read `data`
 * (`size` bytes) from MMIO, given its old value. */
uint64_t mmio_load_value(const struct mmio_insn *in, uint64_t old,
			 uint64_t data);

#endif
