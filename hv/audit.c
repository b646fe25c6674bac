/* Hypervisor self-audit (see hv/audit.h). Read-only: it changes neither
 * the image nor the VM. The EPT check (audit_ept) is pure C and host-
 * tested (tests/unit/test_audit.c); the rest needs the hypervisor. */
#include "hv/audit.h"
#include "hv/vm.h"
#include "lib/console.h"
#include "include/err.h"

/* ------------------------------------------------------------ EPT walk */

#define AUDIT_REPORT_MAX 8

struct ept_audit {
	struct vm *vm;
	uint64_t leaves, bytes, bad;
};

/* Every 4 KiB page of the leaf [gpa, gpa+size) -> [hpa, ...) owned? */
static void check_leaf(struct ept_audit *a, uint64_t gpa, uint64_t hpa,
		       uint64_t size)
{
	struct vm *vm = a->vm;
	const char *why = NULL;
	uint64_t off = 0, rec = 0;

	a->leaves++;
	a->bytes += size;
	if (!vm_range_ok(vm, gpa, size)) {
		why = "GPA outside guest RAM";
	} else {
		for (off = 0; off < size; off += SZ_4K) {
			uint64_t w = vm->page[(gpa + off) >> 12];
			rec = w & VM_PG_ADDR;
			if (!(w & VM_PG_BACKED)) {
				why = "page not backed by a VM frame";
				break;
			}
			if (rec != hpa + off) {
				why = "HPA is not the VM's frame";
				break;
			}
		}
	}
	if (!why)
		return;
	if (a->bad++ < AUDIT_REPORT_MAX)
		printf("audit: BAD EPT leaf GPA 0x%llx size 0x%llx -> HPA "
		       "0x%llx: %s (at +0x%llx, VM frame 0x%llx)\n",
		       (unsigned long long)gpa, (unsigned long long)size,
		       (unsigned long long)hpa, why,
		       (unsigned long long)off, (unsigned long long)rec);
}

static void walk_table(struct ept_audit *a, const struct pg_space *s,
		       uint64_t table_pa, unsigned level, uint64_t gpa_base)
{
	const struct pg_format *f = s->fmt;
	const struct pg_level *lv = &f->level[level];
	const uint64_t *t = s->env->table_ptr(s->env->ctx, table_pa);

	if (!t) {
		if (a->bad++ < AUDIT_REPORT_MAX)
			printf("audit: BAD EPT table at HPA 0x%llx (level %u) "
			       "not readable\n",
			       (unsigned long long)table_pa, level);
		return;
	}
	for (unsigned i = 0; i < PG_ENTRIES; i++) {
		uint64_t e = t[i];
		uint64_t gpa = gpa_base | ((uint64_t)i << lv->shift);

		if (!(e & lv->present_mask))
			continue;
		if (level == PG_LEVELS - 1 || (lv->leaf_bit & e)) {
			uint64_t size = lv->page_size;
			check_leaf(a, gpa, e & f->addr_mask & ~(size - 1), size);
		} else {
			walk_table(a, s, e & f->addr_mask, level + 1, gpa);
		}
	}
}

uint64_t audit_ept(struct vm *vm, uint64_t *leaves, uint64_t *bytes)
{
	struct ept_audit a = { .vm = vm };

	walk_table(&a, &vm->ept.space, vm->ept.space.root, 0, 0);
	if (leaves)
		*leaves = a.leaves;
	if (bytes)
		*bytes = a.bytes;
	return a.bad;
}

/* ------------------------------------------------ hypervisor only */
#ifndef EPTLAB_HOST_TEST
#include "hv/cpu.h"
#include "include/x86.h"

/* 64-bit FNV-1a: not cryptographic (an attacker who can write .text can
 * also fix the hash), but it catches stray writes and corruption. */
static uint64_t hash_bytes(uint64_t h, const uint8_t *p, const uint8_t *end)
{
	for (; p < end; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t image_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	h = hash_bytes(h, (const uint8_t *)__text_start,
		       (const uint8_t *)__text_end);
	return hash_bytes(h, (const uint8_t *)__rodata_start,
			  (const uint8_t *)__rodata_end);
}

static uint64_t boot_hash;
static bool have_boot_hash;

void audit_init(void)
{
	boot_hash = image_hash();
	have_boot_hash = true;
	printf("audit: .text + .rodata (%llu bytes) hash 0x%016llx at boot\n",
	       (unsigned long long)((__text_end - __text_start) +
				    (__rodata_end - __rodata_start)),
	       (unsigned long long)boot_hash);
}

int hv_audit(struct vm *vm)
{
	struct ept_audit a = { .vm = vm };
	uint64_t h = image_hash();
	bool image_ok = have_boot_hash && h == boot_hash, msr_ok;

	a.bad = audit_ept(vm, &a.leaves, &a.bytes);
	msr_ok = audit_msr_check() == 0;
	/* One line on success (guests may call this often), details else. */
	printf("audit: %s: .text+.rodata hash 0x%016llx %s boot 0x%016llx; "
	       "EPT %llu leaves, %llu KiB, %llu outside the VM's frames\n",
	       image_ok && !a.bad && msr_ok ? "PASS" : "FAIL",
	       (unsigned long long)h,
	       image_ok ? "==" : "!=", (unsigned long long)boot_hash,
	       (unsigned long long)a.leaves,
	       (unsigned long long)(a.bytes >> 10),
	       (unsigned long long)a.bad);
	if (!have_boot_hash)
		printf("audit: no boot-time hash (audit_init was not run)\n");
	else if (!image_ok)
		printf("audit: HYPERVISOR IMAGE MODIFIED since boot\n");
	return image_ok && !a.bad && msr_ok ? 0 : -EIO;
}

/* ------------------------------------------------------ stack canary */

extern uintptr_t __stack_chk_guard;

#define CPUID_1_ECX_RDRAND BIT(30)

/* Not protected itself: it changes the value its own epilogue would
 * compare against. */
__attribute__((no_stack_protector))
static bool rdrand_retry(uint64_t *v)
{
	for (int i = 0; i < 16; i++)     /* Intel: retry up to 10 times */
		if (rdrand64(v))
			return true;
	return false;
}

__attribute__((no_stack_protector))
void canary_reseed(void)
{
	uint64_t r = 0;
	bool hw = (cpuid(1, 0).ecx & CPUID_1_ECX_RDRAND) && rdrand_retry(&r);

	__stack_chk_guard ^= r ^ (rdtsc() * 0x9E3779B97F4A7C15ULL);
	/* A zero low byte stops string overflows from copying it; keep
	 * that property (glibc does the same). */
	__stack_chk_guard &= ~(uintptr_t)0xFF;
	printf("hardening: stack-protector guard reseeded (RDTSC%s)\n",
	       hw ? " + RDRAND" : "; no RDRAND");
}

__attribute__((noinline))
void audit_smash_canary(void)
{
	char buf[16];
	volatile char *p = buf;

	/* Past the end of buf: over the canary (and the saved frame). */
	for (unsigned i = 0; i < sizeof(buf) + 16; i++)
		p[i] = 0x5A;
	__asm__ volatile("" : : "r"(buf) : "memory");
}
#endif /* !EPTLAB_HOST_TEST */
