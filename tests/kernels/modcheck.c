/*
 * modcheck: a small ELF32 Multiboot v1 test kernel (freestanding C, no
 * eptlab code) for the guest-modules and exit-status boot tests
 * (tests/boot/t_vcpu.sh). It prints to COM1 and ends by writing a status
 * byte to port 0xF4. Command-line words (the first word is its name):
 *
 *   status=N   write N to port 0xF4 at once (the exit-status tests)
 *   mods=K     check the Multiboot modules: exactly K of them (MB1_INFO_MODS
 *              set, mods_count = K); each one 4 KiB aligned, inside a
 *              memory-map range that is not available RAM, apart from the
 *              others, the kernel and the info block, and intact: the
 *              module files (tests/boot/mkmod.py) carry their own size,
 *              an FNV-1a hash of their contents and the string the module
 *              must be given. Status = the number of failed checks.
 *
 * It also writes one line to the VGA text screen (0xB8000), which eptlab
 * prints when the run ends. Multiboot Specification 0.6.96, section 3.3
 * "Boot information format".
 */
#include <stdint.h>
#include <stddef.h>

#define MB1_HEADER_MAGIC 0x1BADB002u
#define MB1_BOOT_MAGIC   0x2BADB002u
#define MB1_HF_MEMINFO   (1u << 1)
#define INFO_CMDLINE     (1u << 2)
#define INFO_MODS        (1u << 3)
#define INFO_MMAP        (1u << 6)
#define COM1             0x3F8
#define EXIT_PORT        0xF4
#define MOD_MAGIC        "EPTMOD1\n"

__attribute__((section(".multiboot"), used, aligned(4)))
static const uint32_t mb_header[3] = {
	MB1_HEADER_MAGIC, MB1_HF_MEMINFO, -(MB1_HEADER_MAGIC + MB1_HF_MEMINFO)
};

extern char _kernel_start[], _kernel_end[];
void kmain(uint32_t magic, uint32_t info);

__asm__(".section .text\n"
	".global _start\n"
	"_start:\n"
	"  mov $stack_top, %esp\n"
	"  push %ebx\n"
	"  push %eax\n"
	"  call kmain\n"
	"1: hlt\n"
	"  jmp 1b\n"
	".section .bss\n"
	".balign 16\n"
	"  .skip 16384\n"
	"stack_top:\n"
	".section .text\n");

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port));
}

static void putc(char c)
{
	outb(COM1, (uint8_t)c);
}

static void puts(const char *s)
{
	while (*s)
		putc(*s++);
}

/* Also on row 'row' of the colour text screen at 0xB8000, which eptlab
 * prints at the end of the run (hv/vga_text.c). */
static void vga_puts(unsigned row, const char *s)
{
	volatile uint16_t *cell = (volatile uint16_t *)(uintptr_t)0xB8000 +
				  80 * row;

	while (*s)
		*cell++ = (uint16_t)(0x0700 | (uint8_t)*s++);
}

static void putx(uint32_t v)
{
	puts("0x");
	for (int i = 28; i >= 0; i -= 4)
		putc("0123456789abcdef"[(v >> i) & 0xF]);
}

static void putu(uint32_t v)
{
	char b[12];
	int n = 0;

	do {
		b[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		putc(b[--n]);
}

static __attribute__((noreturn)) void finish(uint32_t status)
{
	puts("modcheck: status ");
	putu(status);
	puts("\n");
	outb(EXIT_PORT, (uint8_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static uint32_t rd32(uint32_t a)
{
	return *(const volatile uint32_t *)(uintptr_t)a;
}

static int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The value of word "key=" in the command line, or -1. */
static long arg(const char *cl, const char *key)
{
	size_t n = 0;

	while (key[n])
		n++;
	while (cl && *cl) {
		while (*cl == ' ')
			cl++;
		size_t i = 0;
		while (i < n && cl[i] == key[i])
			i++;
		if (i == n && cl[n] == '=') {
			long v = 0;
			for (cl += n + 1; *cl >= '0' && *cl <= '9'; cl++)
				v = v * 10 + (*cl - '0');
			return v;
		}
		while (*cl && *cl != ' ')
			cl++;
	}
	return -1;
}

static uint32_t fnv1a(const uint8_t *p, uint32_t n)
{
	uint32_t h = 2166136261u;

	while (n--)
		h = (h ^ *p++) * 16777619u;
	return h;
}

static unsigned failures;

static void check(int ok, uint32_t i, const char *what)
{
	puts(ok ? "modcheck: PASS: module " : "modcheck: FAIL: module ");
	putu(i);
	puts(": ");
	puts(what);
	puts("\n");
	if (!ok)
		failures++;
}

/* [a, b) inside one memory-map entry whose type is not 1 (available)? */
static int in_used_range(uint32_t info, uint64_t a, uint64_t b)
{
	uint32_t p = rd32(info + 48), end = p + rd32(info + 44);

	if (!(rd32(info) & INFO_MMAP))
		return 0;
	while (p < end) {
		uint32_t size = rd32(p);
		uint64_t base = rd32(p + 4) | (uint64_t)rd32(p + 8) << 32;
		uint64_t len = rd32(p + 12) | (uint64_t)rd32(p + 16) << 32;

		if (rd32(p + 20) != 1 && base <= a && b <= base + len)
			return 1;
		if (rd32(p + 20) == 1 && a < base + len && base < b)
			return 0;          /* overlaps available RAM */
		p += size + 4;
	}
	return 0;
}

static int overlap(uint32_t a0, uint32_t a1, uint32_t b0, uint32_t b1)
{
	return a0 < b1 && b0 < a1;
}

void kmain(uint32_t magic, uint32_t info)
{
	const char *cl = (rd32(info) & INFO_CMDLINE) ?
			 (const char *)(uintptr_t)rd32(info + 16) : "";
	long status = arg(cl, "status"), want = arg(cl, "mods");
	uint32_t flags = rd32(info), count, list;

	vga_puts(0, "modcheck: on the VGA text screen");
	puts("modcheck: Multiboot v1 magic ");
	putx(magic);
	puts(", cmdline \"");
	puts(cl);
	puts("\"\n");
	if (magic != MB1_BOOT_MAGIC)
		finish(1);
	if (status >= 0)
		finish((uint32_t)status);
	if (want < 0) {
		puts("modcheck: nothing to check (no mods=K)\n");
		finish(0);
	}
	count = (flags & INFO_MODS) ? rd32(info + 20) : 0;
	list = rd32(info + 24);
	puts("modcheck: flags ");
	putx(flags);
	puts(", mods_count ");
	putu(count);
	puts(", mods_addr ");
	putx(list);
	puts("\n");
	check((flags & INFO_MODS) && count == (uint32_t)want, 0,
	      "MB1_INFO_MODS set and mods_count as expected");
	for (uint32_t i = 0; i < count && i < 16; i++) {
		uint32_t s = rd32(list + 16 * i), e = rd32(list + 16 * i + 4);
		uint32_t str = rd32(list + 16 * i + 8);
		const uint8_t *m = (const uint8_t *)(uintptr_t)s;
		const char *want_str = (const char *)m + 16;
		uint32_t size = e - s;

		puts("modcheck: module ");
		putu(i);
		puts(" at ");
		putx(s);
		puts("-");
		putx(e);
		puts(" string \"");
		puts(str ? (const char *)(uintptr_t)str : "(null)");
		puts("\"\n");
		check(!(s & 0xFFF) && e > s, i, "4 KiB aligned, not empty");
		check(in_used_range(info, s, e), i,
		      "inside a memory-map range that is not available RAM");
		check(!overlap(s, e, (uint32_t)(uintptr_t)_kernel_start,
			       (uint32_t)(uintptr_t)_kernel_end) &&
		      !overlap(s, e, info, info + 116), i,
		      "apart from the kernel and the info block");
		for (uint32_t j = 0; j < i; j++)
			check(!overlap(s, e, rd32(list + 16 * j),
				       rd32(list + 16 * j + 4)), i,
			      "apart from the modules before it");
		if (size < 16 || rd32(s) != 0x4D545045 || rd32(s + 4) != 0x0A31444F) {
			check(0, i, "module magic EPTMOD1");
			continue;
		}
		check(rd32(s + 8) == size, i, "size as written in the module");
		check(rd32(s + 12) == fnv1a(m + 16, size - 16), i,
		      "contents intact (FNV-1a)");
		check(str && streq((const char *)(uintptr_t)str, want_str), i,
		      "string as written in the module");
	}
	finish(failures);
}
