/* Hypervisor self-audit (see hv/audit.h). Read-only: it changes neither
 * the image nor the VM. The EPT check (audit_ept) is pure C and host-
 * tested (tests/unit/test_audit.c); the rest needs the hypervisor. */
#include "hv/audit.h"
#include "hv/vm.h"
#include "lib/console.h"
#include "include/err.h"

/* ------------------------------------------------ EPT walk (the engine's) */

#define AUDIT_REPORT_MAX 8

/* Whose frame hpa is, when the audit can tell (the hypervisor's image and
 * its parts); NULL otherwise. */
static const char *hpa_owner(uint64_t hpa);

struct ept_audit {
	struct vm *vm;
	unsigned view;
	uint64_t leaves, bytes, bad;
};

/* The leaf lies inside one of the mappings every view carries. */
static bool is_common(const struct vm *vm, uint64_t gpa, uint64_t hpa,
		      uint64_t size)
{
	for (unsigned i = 0; i < vm->ncommon; i++) {
		const struct vm_common_map *c = &vm->common[i];

		if (gpa >= c->gpa && size <= c->size &&
		    gpa - c->gpa <= c->size - size &&
		    hpa == c->hpa + (gpa - c->gpa))
			return true;
	}
	return false;
}

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
		if (is_common(vm, gpa, hpa, size))
			return;     /* a mapping every view carries */
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
	if (a->bad++ < AUDIT_REPORT_MAX) {
		const char *owner = hpa_owner(hpa + off);

		printf("audit: BAD EPT leaf (view %u) GPA 0x%llx size 0x%llx "
		       "-> HPA 0x%llx: %s (at +0x%llx, VM frame 0x%llx)%s%s\n",
		       a->view, (unsigned long long)gpa, (unsigned long long)size,
		       (unsigned long long)hpa, why,
		       (unsigned long long)off, (unsigned long long)rec,
		       owner ? "; that HPA is " : "", owner ? owner : "");
	}
}

/* pg_leaves callback: each present leaf, or a table it could not read. */
static int audit_leaf(void *ctx, const struct pg_leaf *l)
{
	struct ept_audit *a = ctx;

	if (l->size)
		check_leaf(a, l->va, l->pa, l->size);
	else if (a->bad++ < AUDIT_REPORT_MAX)
		printf("audit: BAD EPT table (view %u) at HPA 0x%llx (level "
		       "%u) not readable\n", a->view, (unsigned long long)l->pa,
		       l->level);
	return 0;
}

/* The CPU reads the EPTP list by HPA: entry i holds view i's EPTP while it
 * lives, and every other entry is 0 (a VMFUNC to it exits). */
static void audit_eptp_list(struct ept_audit *a)
{
	const struct vm *vm = a->vm;

	for (unsigned i = 0; vm->eptp_list && i < PG_ENTRIES; i++) {
		uint64_t want = i < VM_VIEWS && vm->view[i].live ?
				ept_eptp(&vm->view[i].ept) : 0;

		if (vm->eptp_list[i] == want)
			continue;
		if (a->bad++ < AUDIT_REPORT_MAX)
			printf("audit: BAD EPTP-list entry %u = 0x%llx, want "
			       "0x%llx\n", i,
			       (unsigned long long)vm->eptp_list[i],
			       (unsigned long long)want);
	}
}

uint64_t audit_ept(struct vm *vm, uint64_t *leaves, uint64_t *bytes)
{
	struct ept_audit a = { .vm = vm };

	for (unsigned i = 0; i < VM_VIEWS; i++) {
		struct pg_space *s = &vm->view[i].ept.space;
		uint64_t stray;

		if (!vm->view[i].live)
			continue;
		a.view = i;
		pg_leaves(s, audit_leaf, &a);
		/* A hole without suppress-#VE would turn a violation there
		 * into a guest #VE (ept/ept_format.c). */
		stray = pg_stray_holes(s, NULL);
		if (stray && a.bad < AUDIT_REPORT_MAX)
			printf("audit: BAD EPT view %u: %llu not-present "
			       "entries without suppress-#VE\n", i,
			       (unsigned long long)stray);
		a.bad += stray;
	}
	audit_eptp_list(&a);
	if (leaves)
		*leaves = a.leaves;
	if (bytes)
		*bytes = a.bytes;
	return a.bad;
}

int audit_ept_check(struct vm *vm)
{
	uint64_t leaves, bytes, bad = audit_ept(vm, &leaves, &bytes);

	printf("audit: EPT %s: %llu leaves over the views, %llu KiB, %llu "
	       "outside the VM's frames\n", bad ? "FAIL" : "PASS",
	       (unsigned long long)leaves, (unsigned long long)(bytes >> 10),
	       (unsigned long long)bad);
	return bad ? -EIO : 0;
}

/* ------------------------------------------------ hypervisor only */
#ifdef EPTLAB_HOST_TEST
static const char *hpa_owner(uint64_t hpa)
{
	return NULL;
}
#else
#include "hv/cpu.h"
#include "hv/host.h"
#include "hv/memlayout.h"
#include "hv/options.h"
#include "include/x86.h"
#include "lib/panic.h"

static const struct {
	const char *name;
	const char *start, *end;
} image_part[] = {
	{ "a hypervisor frame (.text)", __text_start, __text_end },
	{ "a hypervisor frame (.rodata)", __rodata_start, __rodata_end },
	{ "a hypervisor frame (.data)", __data_start, __data_end },
	{ "a hypervisor frame (.bss)", __bss_start, __bss_end },
};

static const char *hpa_owner(uint64_t hpa)
{
	for (unsigned i = 0; i < ARRAY_SIZE(image_part); i++)
		if (hpa >= ALIGN_DOWN(virt_to_phys(image_part[i].start), SZ_4K) &&
		    hpa < virt_to_phys(image_part[i].end))
			return image_part[i].name;
	if (hpa >= (uint64_t)(uintptr_t)__image_start_phys &&
	    hpa < (uint64_t)(uintptr_t)__image_end_phys)
		return "a hypervisor frame (its image: stacks, guard pages)";
	return NULL;
}

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

/* The two hashed sections, each with its own hash: a changed byte is
 * named by the section it is in. */
static const struct {
	const char *name;
	const char *start, *end;
} hashed[2] = {
	{ ".text", __text_start, __text_end },
	{ ".rodata", __rodata_start, __rodata_end },
};
static uint64_t boot_hash[2];
static bool have_boot_hash;

static uint64_t section_hash(unsigned i)
{
	return hash_bytes(0xcbf29ce484222325ULL,
			  (const uint8_t *)hashed[i].start,
			  (const uint8_t *)hashed[i].end);
}

void audit_init(void)
{
	for (unsigned i = 0; i < 2; i++)
		boot_hash[i] = section_hash(i);
	have_boot_hash = true;
	printf("audit: .text (%llu bytes) hash 0x%016llx, .rodata (%llu bytes) "
	       "hash 0x%016llx at boot\n",
	       (unsigned long long)(__text_end - __text_start),
	       (unsigned long long)boot_hash[0],
	       (unsigned long long)(__rodata_end - __rodata_start),
	       (unsigned long long)boot_hash[1]);
}

int hv_audit(struct vm *vm)
{
	struct ept_audit a = { .vm = vm };
	uint64_t h[2];
	bool ok[2], image_ok = have_boot_hash, msr_ok;

	for (unsigned i = 0; i < 2; i++) {
		h[i] = section_hash(i);
		ok[i] = have_boot_hash && h[i] == boot_hash[i];
		image_ok &= ok[i];
	}
	a.bad = audit_ept(vm, &a.leaves, &a.bytes);
	msr_ok = audit_msr_check() == 0;
	/* One line on success (guests may call this often), details else. */
	printf("audit: %s: .text hash %s boot, .rodata hash %s boot; EPT %llu "
	       "leaves, %llu KiB, %llu outside the VM's frames\n",
	       image_ok && !a.bad && msr_ok ? "PASS" : "FAIL", ok[0] ? "==" : "!=",
	       ok[1] ? "==" : "!=", (unsigned long long)a.leaves,
	       (unsigned long long)(a.bytes >> 10),
	       (unsigned long long)a.bad);
	if (!have_boot_hash)
		printf("audit: no boot-time hash (audit_init was not run)\n");
	for (unsigned i = 0; i < 2 && have_boot_hash; i++)
		if (!ok[i])
			printf("audit: the hypervisor's %s changed since boot: "
			       "hash 0x%016llx, 0x%016llx at boot\n",
			       hashed[i].name, (unsigned long long)h[i],
			       (unsigned long long)boot_hash[i]);
	return image_ok && !a.bad && msr_ok ? 0 : -EIO;
}

/* ------------------------------------------------ test_corrupt= */

/* Never executed: its first byte is the one test_corrupt=text flips. */
static __attribute__((used, noinline, cold)) void audit_text_target(void)
{
	panic("audit_text_target ran: it only exists to be corrupted");
}

/* Never read but by the hash: the byte test_corrupt=rodata flips. */
static const uint8_t audit_rodata_target[8]
	__attribute__((used)) = "rodata!";

/* Flip the byte at target (in .text or .rodata, mapped read-only at both
 * of its addresses) through a temporary writable, non-executable alias of
 * its frame at SCRATCH_VA: map, write, unmap; the unmap runs the paging
 * engine's flush (INVLPG), so no writable translation of the frame
 * survives. W^X holds for every mapping at every moment: the alias is
 * never executable, the image's own mappings never writable. */
static void flip_through_alias(const char *what, const void *target)
{
	uint64_t pa = virt_to_phys(target);
	uint64_t page = ALIGN_DOWN(pa, SZ_4K);
	int rc = pg_map(&hv_space, SCRATCH_VA, page, SZ_4K,
			PG_PROT_R | PG_PROT_W);

	if (rc)
		panic("test_corrupt=%s: alias map: %s", what, err_name(rc));
	*(volatile uint8_t *)(uintptr_t)(SCRATCH_VA + (pa - page)) ^= 0xFF;
	rc = pg_unmap(&hv_space, SCRATCH_VA, SZ_4K);
	if (rc)
		panic("test_corrupt=%s: alias unmap: %s", what, err_name(rc));
	printf("audit: test_corrupt=%s: flipped the byte at 0x%llx (HPA 0x%llx) "
	       "through a temporary writable alias, unmapped again\n", what,
	       (unsigned long long)(uintptr_t)target, (unsigned long long)pa);
}

void audit_test_corrupt(struct vm *vm)
{
	uint64_t gpa = vm->ram_size - SZ_4K, hpa;
	int rc;

	switch (hv_opts.corrupt) {
	case OPT_CORRUPT_RODATA:
		flip_through_alias("rodata", audit_rodata_target);
		break;
	case OPT_CORRUPT_TEXT:
		flip_through_alias("text", (const void *)audit_text_target);
		break;
	case OPT_CORRUPT_EPT_HV_FRAME:
		/* The last guest page now reads the hypervisor's .rodata;
		 * vm->page[] still records the VM's frame. */
		hpa = virt_to_phys(__rodata_start);
		rc = ept_unmap(vm_ept0(vm), gpa, SZ_4K);
		if (!rc)
			rc = ept_map(vm_ept0(vm), gpa, hpa, SZ_4K, PG_PROT_R);
		if (rc)
			panic("test_corrupt=ept_hv_frame: %s", err_name(rc));
		printf("audit: test_corrupt=ept_hv_frame: EPT leaf GPA 0x%llx "
		       "-> HPA 0x%llx (the hypervisor's .rodata), read-only\n",
		       (unsigned long long)gpa, (unsigned long long)hpa);
		break;
	default:
		break;
	}
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
