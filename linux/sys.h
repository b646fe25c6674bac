/*
 * The initramfs helpers' runtime (linux/memtouch.c, walkdemo.c, exitcode.c,
 * ticks.c; docs/linux-guest.md): static
 * x86-64 Linux programs built with gcc -static -nostdlib, no libc. Raw
 * system calls (the x86-64 Linux ABI: number in RAX, arguments in RDI,
 * RSI, RDX, R10, R8, R9; SYSCALL clobbers RCX and R11), a _start that
 * passes argc/argv to main, and a few output helpers.
 */
#ifndef EPTLAB_LINUX_SYS_H
#define EPTLAB_LINUX_SYS_H

#include "include/types.h"

#define SYS_read     0
#define SYS_write    1
#define SYS_open     2
#define SYS_close    3
#define SYS_pread64  17
#define SYS_mmap     9
#define SYS_munmap   11
#define SYS_iopl     172
#define SYS_reboot   169
#define SYS_exit     60

#define PROT_READ    1
#define PROT_WRITE   2
#define MAP_PRIVATE  0x02
#define MAP_ANON     0x20
#define MAP_POPULATE 0x8000

static inline long sys6(long n, long a, long b, long c, long d, long e,
			long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define sys1(n, a)       sys6(n, (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b)    sys6(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) \
	sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)

static inline size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static inline void put_str(const char *s)
{
	sys3(SYS_write, 1, s, str_len(s));
}

/* v in hex, "0x" and 16 digits. */
static inline void put_hex(uint64_t v)
{
	char b[19] = "0x";

	for (int i = 0; i < 16; i++)
		b[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
	b[18] = 0;
	put_str(b);
}

static inline void put_dec(uint64_t v)
{
	char b[21];
	int i = 20;

	b[i] = 0;
	do {
		b[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	put_str(b + i);
}

/* The TSC: under Bochs with `clock: sync=none` one tick per instruction
 * (docs/benchmarks.md "Linux boot"). */
static inline uint64_t rd_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

__attribute__((noreturn)) static inline void sys_exit(int code)
{
	sys1(SYS_exit, code);
	__builtin_unreachable();
}

int main(int argc, char **argv);

/* The kernel starts a static program with RSP at argc, argv[] above it. */
__asm__(".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov (%rsp), %rdi\n"
	"	lea 8(%rsp), %rsi\n"
	"	and $-16, %rsp\n"
	"	call main\n"
	"	mov %eax, %edi\n"
	"	mov $60, %eax\n"
	"	syscall\n");

#endif
