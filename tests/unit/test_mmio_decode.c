/*
 * Host tests for the MMIO MOV decoder (hv/dev/mmio_decode.c): every form
 * in 64-, 32- and 16-bit code with REX, SIB, displacements, RIP-relative
 * and the prefixes; each rejection with its message naming the byte and
 * offset; the store and load value helpers (zero-extension, merging,
 * sign-extension, high-byte registers). Byte strings were checked
 * against GNU as/objdump.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hv/dev/mmio_decode.h"
#include "include/err.h"

#define B(...)  (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

struct want {
	unsigned len, size;
	bool write;
	unsigned reg, reg_size;         /* reg_size 0: a store */
	bool high, sx, zx, rip;
	bool has_imm;
	uint64_t imm;
};

static char err[128];

static void ok(const char *what, unsigned mode, const uint8_t *b, size_t n,
	       struct want w)
{
	struct mmio_insn in;
	int r = mmio_decode(b, n, mode, &in, err, sizeof(err));

	if (r)
		fail_msg("%s: %s", what, err);
	if (in.len != w.len || in.size != w.size || in.write != w.write ||
	    in.has_imm != w.has_imm || in.imm != w.imm ||
	    in.rip_relative != w.rip ||
	    (!w.has_imm && (in.reg != w.reg || in.high_byte != w.high)) ||
	    (!w.write && (in.reg_size != w.reg_size ||
			  in.sign_extend != w.sx || in.zero_extend != w.zx)))
		fail_msg("%s: len %u size %u write %d reg %u high %d reg_size %u "
			 "sx %d zx %d rip %d imm %d 0x%llx", what, in.len,
			 in.size, in.write, in.reg, in.high_byte, in.reg_size,
			 in.sign_extend, in.zero_extend, in.rip_relative,
			 in.has_imm, (unsigned long long)in.imm);
	assert_string_equal(err, "");
}

#define ST(l, s, r)        { .len = l, .size = s, .write = true, .reg = r }
#define LD(l, s, r, rs, z) { .len = l, .size = s, .reg = r, .reg_size = rs, .zx = z }
#define IMM(l, s, v)       { .len = l, .size = s, .write = true, .has_imm = true, .imm = v }

static void test_64bit_forms(void **state)
{
	ok("mov [rax],ecx", 64, B(0x89, 0x08), (struct want)ST(2, 4, 1));
	ok("mov eax,[rdi+0x20]", 64, B(0x8B, 0x47, 0x20),
	   (struct want)LD(3, 4, 0, 4, true));
	ok("mov r9,[r8+rcx*8+disp32]", 64,
	   B(0x4D, 0x8B, 0x8C, 0xC8, 0x78, 0x56, 0x34, 0x12),
	   (struct want)LD(8, 8, 9, 8, true));
	ok("mov [r12+r13*2],r15w", 64, B(0x66, 0x47, 0x89, 0x3C, 0x6C),
	   (struct want)ST(5, 2, 15));
	ok("mov [rsp+8],eax", 64, B(0x89, 0x44, 0x24, 0x08),
	   (struct want)ST(4, 4, 0));
	ok("mov [rbp+0],eax", 64, B(0x89, 0x45, 0x00), (struct want)ST(3, 4, 0));
	ok("mov [r13+0],eax", 64, B(0x41, 0x89, 0x45, 0x00),
	   (struct want)ST(4, 4, 0));
	ok("mov eax,[abs disp32] (SIB, no base)", 64,
	   B(0x8B, 0x04, 0x25, 0x20, 0x00, 0xE0, 0xFE),
	   (struct want)LD(7, 4, 0, 4, true));
	ok("mov r8d,[rax+disp32]", 64, B(0x44, 0x8B, 0x80, 0x20, 0x03, 0, 0),
	   (struct want)LD(7, 4, 8, 4, true));
	ok("mov eax,fs:[rax]", 64, B(0x64, 0x8B, 0x00),
	   (struct want)LD(3, 4, 0, 4, true));
	ok("mov eax,[eax] (67)", 64, B(0x67, 0x8B, 0x00),
	   (struct want)LD(3, 4, 0, 4, true));
	/* A REX followed by a legacy prefix is ignored (W does not apply). */
	ok("48 66 89 08", 64, B(0x48, 0x66, 0x89, 0x08), (struct want)ST(4, 2, 1));
	ok("66 48 89 08: REX.W beats 66", 64, B(0x66, 0x48, 0x89, 0x08),
	   (struct want)ST(4, 8, 1));
}

static void test_rip_relative(void **state)
{
	struct want w = LD(6, 4, 0, 4, true);

	w.rip = true;
	ok("mov eax,[rip+0x100]", 64, B(0x8B, 0x05, 0x00, 0x01, 0x00, 0x00), w);
	w = (struct want)IMM(10, 4, 0x12345678);
	w.rip = true;
	ok("mov dword [rip+0x10],imm32", 64,
	   B(0xC7, 0x05, 0x10, 0, 0, 0, 0x78, 0x56, 0x34, 0x12), w);
	w = (struct want)ST(7, 4, 8);
	w.rip = true;
	ok("mov [rip+x],r8d", 64, B(0x44, 0x89, 0x05, 1, 2, 3, 4), w);
	/* The same bytes in 32-bit code are an absolute disp32. */
	ok("mov eax,[disp32] (32-bit)", 32, B(0x8B, 0x05, 0x20, 0, 0xE0, 0xFE),
	   (struct want)LD(6, 4, 0, 4, false));
}

static void test_immediates(void **state)
{
	ok("mov qword [rax],-1", 64, B(0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0xFF),
	   (struct want)IMM(7, 8, ~0ULL));
	ok("mov qword [rax],0x7fffffff", 64,
	   B(0x48, 0xC7, 0x00, 0xFF, 0xFF, 0xFF, 0x7F),
	   (struct want)IMM(7, 8, 0x7FFFFFFF));
	ok("mov byte [rbx+0x7f],0xab", 64, B(0xC6, 0x43, 0x7F, 0xAB),
	   (struct want)IMM(4, 1, 0xAB));
	ok("mov word [rbx],0x1234", 64, B(0x66, 0xC7, 0x03, 0x34, 0x12),
	   (struct want)IMM(5, 2, 0x1234));
	ok("mov dword [ebx+0xb0],0 (32-bit)", 32,
	   B(0xC7, 0x83, 0xB0, 0, 0, 0, 0, 0, 0, 0),
	   (struct want)IMM(10, 4, 0));
	ok("mov dword [r9+r10*4+8],0x80000000", 64,
	   B(0x43, 0xC7, 0x44, 0x91, 0x08, 0, 0, 0, 0x80),
	   (struct want)IMM(9, 4, 0x80000000));
}

static void test_movzx_movsx(void **state)
{
	struct want w;

	ok("movzx eax,byte [rsi]", 64, B(0x0F, 0xB6, 0x06),
	   (struct want)LD(3, 1, 0, 4, true));
	ok("movzx r10d,word [rdx+4]", 64, B(0x44, 0x0F, 0xB7, 0x52, 0x04),
	   (struct want)LD(5, 2, 10, 4, true));
	ok("movzx rax,word [rax] (REX.W)", 64, B(0x48, 0x0F, 0xB7, 0x00),
	   (struct want)LD(4, 2, 0, 8, true));
	ok("movzx ax,byte [rax] (66)", 64, B(0x66, 0x0F, 0xB6, 0x00),
	   (struct want)LD(4, 1, 0, 2, false));
	w = (struct want)LD(4, 1, 0, 8, true);
	w.sx = true;
	ok("movsx rax,byte [rcx]", 64, B(0x48, 0x0F, 0xBE, 0x01), w);
	w = (struct want)LD(3, 2, 0, 4, true);
	w.sx = true;
	ok("movsx eax,word [rcx]", 64, B(0x0F, 0xBF, 0x01), w);
	w = (struct want)LD(3, 2, 0, 4, false);
	w.sx = true;
	ok("movsx eax,word [ecx] (32-bit)", 32, B(0x0F, 0xBF, 0x01), w);
}

static void test_byte_registers(void **state)
{
	struct want w = LD(2, 1, 0, 1, false);

	w.high = true;
	ok("mov ah,[rax]", 64, B(0x8A, 0x20), w);
	ok("mov spl,[rax] (REX)", 64, B(0x40, 0x8A, 0x20),
	   (struct want)LD(3, 1, 4, 1, false));
	ok("mov [rax],sil", 64, B(0x40, 0x88, 0x30), (struct want)ST(3, 1, 6));
	ok("mov [rax],r11b", 64, B(0x44, 0x88, 0x18), (struct want)ST(3, 1, 11));
	w = (struct want)ST(2, 1, 3);
	w.high = true;
	ok("mov [ebx],bh (32-bit)", 32, B(0x88, 0x3B), w);
	ok("mov [ebx],bl (32-bit)", 32, B(0x88, 0x1B), (struct want)ST(2, 1, 3));
}

static void test_moffs(void **state)
{
	ok("movabs al,[moffs64]", 64, B(0xA0, 0x20, 0, 0xE0, 0xFE, 0, 0, 0, 0),
	   (struct want)LD(9, 1, 0, 1, false));
	ok("movabs eax,[moffs64]", 64, B(0xA1, 0x20, 0, 0xE0, 0xFE, 0, 0, 0, 0),
	   (struct want)LD(9, 4, 0, 4, true));
	ok("mov eax,[moffs32] (67, 64-bit)", 64,
	   B(0x67, 0xA1, 0x20, 0, 0xE0, 0xFE), (struct want)LD(6, 4, 0, 4, true));
	ok("mov eax,[moffs32] (32-bit)", 32, B(0xA1, 0xB0, 0x00, 0xE0, 0xFE),
	   (struct want)LD(5, 4, 0, 4, false));
	ok("mov [moffs32],eax (32-bit)", 32, B(0xA3, 0xB0, 0x00, 0xE0, 0xFE),
	   (struct want)ST(5, 4, 0));
	ok("mov [moffs32],al (32-bit)", 32, B(0xA2, 0xB0, 0x00, 0xE0, 0xFE),
	   (struct want)ST(5, 1, 0));
	ok("mov ax,[moffs16] (16-bit)", 16, B(0xA1, 0x34, 0x12),
	   (struct want)LD(3, 2, 0, 2, false));
}

static void test_32_and_16_bit_code(void **state)
{
	ok("mov [eax],cx (66, 32-bit)", 32, B(0x66, 0x89, 0x08),
	   (struct want)ST(3, 2, 1));
	ok("mov ecx,[esi+eax*4+0x10] (32-bit)", 32, B(0x8B, 0x4C, 0x86, 0x10),
	   (struct want)LD(4, 4, 1, 4, false));
	ok("mov eax,[bx+0x10] (67: 16-bit addressing)", 32,
	   B(0x67, 0x8B, 0x47, 0x10), (struct want)LD(4, 4, 0, 4, false));
	ok("mov eax,[0x1234] (67: disp16)", 32, B(0x67, 0x8B, 0x06, 0x34, 0x12),
	   (struct want)LD(5, 4, 0, 4, false));
	ok("mov ax,[bx+si] (16-bit)", 16, B(0x8B, 0x00),
	   (struct want)LD(2, 2, 0, 2, false));
	ok("mov [0x1234],ax (16-bit)", 16, B(0x89, 0x06, 0x34, 0x12),
	   (struct want)ST(4, 2, 0));
	ok("mov eax,[bp+0x1234] (16-bit)", 16, B(0x66, 0x8B, 0x86, 0x34, 0x12),
	   (struct want)LD(5, 4, 0, 4, false));
	ok("mov [bp+si+0x12],dl (16-bit)", 16, B(0x88, 0x52, 0x12),
	   (struct want)ST(3, 1, 2));
	ok("mov word [0x1234],0xabcd (16-bit)", 16,
	   B(0xC7, 0x06, 0x34, 0x12, 0xCD, 0xAB), (struct want)IMM(6, 2, 0xABCD));
	ok("mov dword [bx],imm32 (66, 16-bit)", 16,
	   B(0x66, 0xC7, 0x07, 0x78, 0x56, 0x34, 0x12),
	   (struct want)IMM(7, 4, 0x12345678));
	ok("mov eax,[esp] (67 66, 16-bit)", 16, B(0x67, 0x66, 0x8B, 0x04, 0x24),
	   (struct want)LD(5, 4, 0, 4, false));
}

static void bad(const char *what, unsigned mode, const uint8_t *b, size_t n,
		const char *msg)
{
	struct mmio_insn in;

	memset(err, 0, sizeof(err));
	if (mmio_decode(b, n, mode, &in, err, sizeof(err)) != -EINVAL)
		fail_msg("%s: accepted (len %u)", what, in.len);
	if (!strstr(err, msg))
		fail_msg("%s: message '%s' lacks '%s'", what, err, msg);
}

static void test_rejections(void **state)
{
	uint8_t many[20];
	char small[12];
	struct mmio_insn in;

	bad("or [rax],ecx", 64, B(0x09, 0x08), "byte 0x09 at offset 0: opcode");
	bad("xchg [rax],rcx", 64, B(0x48, 0x87, 0x08), "byte 0x87 at offset 1");
	bad("or dword [rax],imm", 64, B(0x81, 0x08, 1, 0, 0, 0), "0x81 at offset 0");
	bad("lock mov", 64, B(0xF0, 0x89, 0x08), "byte 0xf0 at offset 0: LOCK");
	bad("rep movsd", 64, B(0xF3, 0xA5), "byte 0xf3 at offset 0: REP");
	bad("movsb", 64, B(0xA4), "byte 0xa4 at offset 0");
	bad("mov eax,ecx (register)", 64, B(0x89, 0xC8),
	    "byte 0xc8 at offset 1: ModR/M names a register");
	bad("C7 /1", 64, B(0xC7, 0x08, 0, 0, 0, 0), "byte 0x08 at offset 1: C6/C7");
	bad("0F 38", 64, B(0x66, 0x0F, 0x38, 0x00), "byte 0x38 at offset 2: 0F");
	bad("inc eax in 32-bit (no REX)", 32, B(0x40, 0x8B, 0x00),
	    "byte 0x40 at offset 0");
	bad("disp8 missing", 64, B(0x8B, 0x47), "truncated: 1 bytes needed at "
	    "offset 2, 0 available");
	bad("SIB missing", 64, B(0x8B, 0x04), "truncated");
	bad("imm32 cut", 64, B(0xC7, 0x00, 1, 2), "4 bytes needed at offset 2");
	bad("moffs64 cut", 64, B(0xA1, 1, 2, 3, 4), "8 bytes needed at offset 1");
	bad("REX only", 64, B(0x48), "truncated");
	bad("mode 8", 8, B(0x89, 0x08), "mode 8");
	assert_int_equal(mmio_decode(many, 0, 64, &in, err, sizeof(err)), -EINVAL);
	/* More than 15 bytes of prefixes: never decoded past byte 15. */
	memset(many, 0x66, sizeof(many));
	many[16] = 0x89, many[17] = 0x08;
	bad("16 prefixes", 64, many, sizeof(many), "truncated");
	many[14] = 0x89, many[15] = 0x08;       /* needs byte 16 */
	bad("16 bytes long", 64, many, sizeof(many), "at offset 15");
	many[13] = 0x89, many[14] = 0x08;       /* exactly 15 */
	assert_int_equal(mmio_decode(many, sizeof(many), 64, &in, err,
				     sizeof(err)), 0);
	assert_int_equal(in.len, 15);
	/* A small err buffer is cut, never overrun; errlen 0 is fine. */
	memset(small, 0x77, sizeof(small));
	assert_int_equal(mmio_decode(B(0x09, 0x08), 64, &in, small, 8), -EINVAL);
	assert_int_equal(strlen(small), 7);
	assert_int_equal(small[8], 0x77);
	assert_int_equal(mmio_decode(B(0x09, 0x08), 64, &in, NULL, 0), -EINVAL);
}

static struct mmio_insn dec(unsigned mode, const uint8_t *b, size_t n)
{
	struct mmio_insn in;

	assert_int_equal(mmio_decode(b, n, mode, &in, err, sizeof(err)), 0);
	return in;
}

static void test_values(void **state)
{
	const uint64_t ones = ~0ULL;
	struct mmio_insn in;

	in = dec(64, B(0x8B, 0x00));                    /* mov eax,[rax] */
	assert_int_equal(mmio_load_value(&in, ones, 0x12345678), 0x12345678);
	in = dec(32, B(0x8B, 0x00));                    /* 32-bit: merge */
	assert_int_equal(mmio_load_value(&in, 0xAAAAAAAA00000000ULL, 0x12345678),
			 0xAAAAAAAA12345678ULL);
	in = dec(64, B(0x48, 0x8B, 0x00));
	assert_int_equal(mmio_load_value(&in, 0, ones), ones);
	in = dec(64, B(0x66, 0x8B, 0x00));              /* mov ax: merge */
	assert_int_equal(mmio_load_value(&in, ones, 0xAB1234), 0xFFFFFFFFFFFF1234ULL);
	in = dec(64, B(0x8A, 0x00));                    /* mov al */
	assert_int_equal(mmio_load_value(&in, 0x1111, 0x99), 0x1199);
	in = dec(64, B(0x8A, 0x20));                    /* mov ah */
	assert_int_equal(mmio_load_value(&in, 0x11223344, 0x99), 0x11229944);
	in = dec(64, B(0x48, 0x0F, 0xBE, 0x00));        /* movsx rax,byte */
	assert_int_equal(mmio_load_value(&in, 0, 0x80), 0xFFFFFFFFFFFFFF80ULL);
	assert_int_equal(mmio_load_value(&in, 0, 0x7F), 0x7F);
	in = dec(64, B(0x0F, 0xBF, 0x00));              /* movsx eax,word */
	assert_int_equal(mmio_load_value(&in, ones, 0x8000), 0xFFFF8000ULL);
	in = dec(64, B(0x66, 0x0F, 0xBE, 0x00));        /* movsx ax,byte */
	assert_int_equal(mmio_load_value(&in, 0x12345678, 0x80), 0x1234FF80);
	in = dec(64, B(0x0F, 0xB6, 0x00));              /* movzx eax,byte */
	assert_int_equal(mmio_load_value(&in, ones, 0xFFFF), 0xFF);
	/* Stores: register bits, high byte, immediates cut to size. */
	in = dec(64, B(0x89, 0x08));
	assert_int_equal(mmio_store_value(&in, 0x1122334455667788ULL), 0x55667788);
	in = dec(64, B(0x48, 0x89, 0x08));
	assert_int_equal(mmio_store_value(&in, 0x1122334455667788ULL),
			 0x1122334455667788ULL);
	in = dec(64, B(0x88, 0x20));                    /* mov [rax],ah */
	assert_int_equal(mmio_store_value(&in, 0x1234), 0x12);
	in = dec(64, B(0x66, 0x89, 0x00));
	assert_int_equal(mmio_store_value(&in, 0x12345678), 0x5678);
	in = dec(64, B(0x48, 0xC7, 0x00, 0x00, 0x00, 0x00, 0x80));
	assert_int_equal(mmio_store_value(&in, 5), 0xFFFFFFFF80000000ULL);
	in = dec(64, B(0xC6, 0x00, 0xAB));
	assert_int_equal(mmio_store_value(&in, 5), 0xAB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_64bit_forms),
		cmocka_unit_test(test_rip_relative),
		cmocka_unit_test(test_immediates),
		cmocka_unit_test(test_movzx_movsx),
		cmocka_unit_test(test_byte_registers),
		cmocka_unit_test(test_moffs),
		cmocka_unit_test(test_32_and_16_bit_code),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_values),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
