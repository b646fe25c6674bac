/*
 * MMIO MOV decoder: Intel SDM Vol. 2 (rev. 084), "Instruction Format".
 * What is decoded and what is refused: hv/dev/mmio_decode.h.
 *
 *   [legacy prefixes] [REX] opcode [0F] ModR/M [SIB] [disp] [imm]
 *
 * Lengths only: the effective address is the EPT violation's GPA.
 */
#include "hv/dev/mmio_decode.h"
#include "include/err.h"
#include "lib/fmt.h"
#include "lib/string.h"

#define REX_W  8
#define REX_R  4

struct cursor {
	const uint8_t *b;
	unsigned n, pos;
	char *err;
	size_t errlen;
};

static int fail(struct cursor *c, unsigned at, const char *what)
{
	if (c->errlen)
		snprintf(c->err, c->errlen, "byte 0x%02x at offset %u: %s",
			 c->b[at], at, what);
	return -EINVAL;
}

/* Consume k bytes; -EINVAL if the input ends first. */
static int take(struct cursor *c, unsigned k)
{
	if (c->pos + k > c->n) {
		if (c->errlen)
			snprintf(c->err, c->errlen, "instruction truncated: "
				 "%u bytes needed at offset %u, %u available",
				 k, c->pos, c->n - c->pos);
		return -EINVAL;
	}
	c->pos += k;
	return 0;
}

/* Little-endian value of k bytes ending at the cursor. */
static uint64_t last(const struct cursor *c, unsigned k)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < k; i++)
		v |= (uint64_t)c->b[c->pos - k + i] << (8 * i);
	return v;
}

/* ModR/M, SIB and displacement, for addressing size asz (2, 4 or 8);
 * SDM "32-Bit Addressing Forms with the ModR/M Byte" and 16-bit one. */
static int modrm(struct cursor *c, unsigned asz, unsigned *reg)
{
	unsigned at = c->pos, mod, rm, disp = 0;
	uint8_t m;

	if (take(c, 1))
		return -EINVAL;
	m = c->b[at];
	mod = m >> 6, rm = m & 7, *reg = (m >> 3) & 7;
	if (mod == 3)
		return fail(c, at, "ModR/M names a register, not memory");
	if (asz == 2) {
		if (mod == 1)
			disp = 1;
		else if (mod == 2 || rm == 6)
			disp = 2;
		return take(c, disp);
	}
	if (rm == 4) {                  /* SIB */
		if (take(c, 1))
			return -EINVAL;
		if (mod == 0 && (c->b[c->pos - 1] & 7) == 5)
			disp = 4;       /* no base: disp32 */
	}
	if (mod == 0 && rm == 5)
		disp = 4;               /* disp32; RIP + disp32 in 64-bit mode */
	if (mod == 1)
		disp = 1;
	else if (mod == 2)
		disp = 4;
	return take(c, disp);
}

int mmio_decode(const uint8_t *bytes, size_t n, unsigned mode,
		struct mmio_insn *out, char *err, size_t errlen)
{
	struct cursor c = { bytes, n > MMIO_INSN_MAX ? MMIO_INSN_MAX : (unsigned)n,
			    0, err, errlen };
	unsigned osz, asz, rex = 0, reg = 0, op, at;
	bool p66 = false, p67 = false;

	if (errlen)
		err[0] = 0;
	memset(out, 0, sizeof(*out));
	if (mode != 16 && mode != 32 && mode != 64) {
		if (errlen)
			snprintf(err, errlen, "mode %u is not 16, 32 or 64", mode);
		return -EINVAL;
	}
	/* Prefixes; a REX is used only right before the opcode. */
	for (;;) {
		if (take(&c, 1))
			return -EINVAL;
		op = bytes[c.pos - 1];
		if (op == 0x66)
			p66 = true;
		else if (op == 0x67)
			p67 = true;
		else if (op == 0x26 || op == 0x2E || op == 0x36 || op == 0x3E ||
			 op == 0x64 || op == 0x65)
			;
		else if (op == 0xF0)
			return fail(&c, c.pos - 1, "LOCK prefix is refused");
		else if (op == 0xF2 || op == 0xF3)
			return fail(&c, c.pos - 1, "REP prefix is refused");
		else if (mode == 64 && (op & 0xF0) == 0x40) {
			rex = op;
			continue;
		} else
			break;
		rex = 0;
	}
	at = c.pos - 1;
	osz = mode == 16 ? 2 : 4;
	if (p66)
		osz = 6 - osz;          /* 2 <-> 4 */
	if (rex & REX_W)
		osz = 8;
	asz = mode == 64 ? (p67 ? 4 : 8) : mode == 32 ? (p67 ? 2 : 4) :
	      (p67 ? 4 : 2);

	switch (op) {
	case 0x88: case 0x89: case 0x8A: case 0x8B:
		out->write = op <= 0x89;
		out->size = op & 1 ? osz : 1;
		break;
	case 0xC6: case 0xC7:
		out->write = out->has_imm = true;
		out->size = op & 1 ? osz : 1;
		break;
	case 0xA0: case 0xA1: case 0xA2: case 0xA3:
		out->write = op >= 0xA2;
		out->size = op & 1 ? osz : 1;
		out->reg_size = out->size;
		if (take(&c, asz))
			return -EINVAL;
		goto done;
	case 0x0F:
		at = c.pos;
		if (take(&c, 1))
			return -EINVAL;
		op = bytes[at];
		if (op != 0xB6 && op != 0xB7 && op != 0xBE && op != 0xBF)
			return fail(&c, at, "0F opcode other than MOVZX/MOVSX");
		out->size = op & 1 ? 2 : 1;
		out->sign_extend = op >= 0xBE;
		op = 0x0F00 | op;
		break;
	default:
		return fail(&c, at, "opcode is not a MOV form the MMIO decoder "
			    "handles (88/89/8A/8B/C6/C7/A0-A3/0F B6/B7/BE/BF)");
	}
	at = c.pos;
	if (modrm(&c, asz, &reg))
		return -EINVAL;
	/* SDM "RIP-Relative Addressing": mod 00, r/m 101, 64-bit mode. */
	out->rip_relative = mode == 64 && (bytes[at] & 0xC7) == 0x05;
	if (op == 0xC6 || op == 0xC7) {
		unsigned isz = MIN(out->size, 4u);

		if (reg != 0)
			return fail(&c, at, "C6/C7 with ModR/M.reg != 0");
		if (take(&c, isz))
			return -EINVAL;
		out->imm = last(&c, isz);
		if (isz == 4 && out->size == 8)         /* imm32 sign-extended */
			out->imm = (uint64_t)(int64_t)(int32_t)out->imm;
	} else {
		out->reg = reg | (rex & REX_R ? 8 : 0);
		out->reg_size = op >= 0x0F00 ? osz : out->size;
		/* Byte registers 4-7 without REX are AH, CH, DH, BH. */
		if ((op == 0x88 || op == 0x8A) && !rex && reg >= 4) {
			out->high_byte = true;
			out->reg -= 4;
		}
	}
done:
	out->zero_extend = !out->write &&
			   (out->reg_size == 8 || (out->reg_size == 4 && mode == 64));
	out->len = c.pos;
	return 0;
}

static uint64_t mask_of(unsigned size)
{
	return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

uint64_t mmio_store_value(const struct mmio_insn *in, uint64_t reg_val)
{
	if (in->has_imm)
		return in->imm & mask_of(in->size);
	if (in->high_byte)
		reg_val >>= 8;
	return reg_val & mask_of(in->size);
}

uint64_t mmio_load_value(const struct mmio_insn *in, uint64_t old, uint64_t data)
{
	uint64_t v = data & mask_of(in->size), m = mask_of(in->reg_size);
	unsigned sbit = 8 * in->size - 1;

	if (in->sign_extend && in->size < 8 && ((v >> sbit) & 1))
		v |= ~mask_of(in->size);
	v &= m;
	if (in->high_byte)
		return (old & ~0xFF00ULL) | (v & 0xFF) << 8;
	if (in->zero_extend)
		return v;
	return (old & ~m) | v;
}
