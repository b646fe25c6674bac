/*
 * Hypercall fuzzer (cmdline fuzz=<count> seed=<n>, docs/containment.md).
 *
 * Makes <count> VMCALLs (default 10000), interleaved with as many random
 * RDMSR/WRMSR/XSETBV/MOV-to-CR operations (guest/fuzz_cpu.c). The calls
 * have random numbers (known calls, the HC_BENCH range, unknown and huge
 * numbers) and random arguments drawn
 * from boundary values: 0, ~0, the RAM size and its neighbours, the first
 * GPA past RAM, huge and overflowing sizes, misaligned addresses, and the
 * GPAs of the guest's own kernel and page tables. Valid calls are
 * interleaved: HC_ECHO must keep returning rbx + 1, HC_PROBE_GPA must find
 * the kernel, and every call must preserve RBX, RCX, RDX and RSI.
 *
 * What may reach which call:
 *   - calls that only read or flush (VERSION, ECHO, INVEPT, INVVPID,
 *     PROBE_GPA, AUDIT) get any value, the kernel's GPAs included;
 *   - every other number - calls that change EPT mappings or write guest
 *     memory (TRANSLATE, REMAP, PROTECT, WRITE_TRACK, VIOLATION_LOG,
 *     DEMAND, COUNTERS, EPT_AD, CONFIG), the benchmark range, and unknown
 *     numbers that a later ABI may define - get GPAs that are either in a
 *     sacrificial buffer the guest never touches, or beyond guest RAM, and
 *     sizes that either fit that buffer or cannot be valid (past RAM or
 *     overflowing). Their valid forms thus cannot wreck the guest; their
 *     invalid forms are sent freely.
 *   - HC_DUMP_STATE and HC_EXIT_STATS print pages; they are drawn rarely.
 *
 * Afterwards the guest checks that its text and rodata, a canary buffer
 * and its CR3 are intact, and asks the hypervisor to audit itself
 * (HC_AUDIT: its own text/rodata checksum and every EPT leaf).
 */
#include "guest/guest.h"
#include "guest/hostile.h"
#include "guest/mm.h"
#include "mm/pt_x86.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "include/err.h"
#include "include/x86.h"

#define FUZZ_DEFAULT      10000
#define SACR_BYTES        (16 * SZ_4K)  /* the sacrificial buffer */
#define CANARY_WORDS      4096
#define MAX_ERRNOS        16

extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];

static uint64_t canary[CANARY_WORDS];

static struct {
	uint64_t rng;
	uint64_t ram;                      /* guest RAM: [0, ram) */
	uint64_t sacr;                     /* GPA of the sacrificial buffer */
	uint64_t any_gpa[24];
	size_t n_any;
	/* results */
	uint64_t calls, ok, clobbers, echo_checks, violations;
	char first_violation[96];
	struct { long err; uint64_t n; } errs[MAX_ERRNOS];
	size_t n_errs;
} fz;

/* xorshift64* (Vigna): small, and the same sequence for the same seed. */
static uint64_t rnd(void)
{
	fz.rng ^= fz.rng >> 12;
	fz.rng ^= fz.rng << 25;
	fz.rng ^= fz.rng >> 27;
	return fz.rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t one_of(const uint64_t *v, size_t n)
{
	return v[rnd() % n];
}
#define ONE_OF(...) ({ static const uint64_t v_[] = { __VA_ARGS__ }; \
		       one_of(v_, ARRAY_SIZE(v_)); })

static uint64_t checksum(const void *p, size_t bytes)
{
	const uint64_t *w = p;
	uint64_t h = 0xCBF29CE484222325ULL;

	for (size_t i = 0; i < bytes / 8; i++)
		h = (h ^ w[i]) * 0x100000001B3ULL;
	return h;
}

static uint64_t image_checksum(void)
{
	return checksum(_text_start, (size_t)(_text_end - _text_start)) ^
	       checksum(_rodata_start, (size_t)(_rodata_end - _rodata_start));
}

/* ------------------------------------------------------- the call itself */

/* VMCALL with every argument register also an output, so that a
 * hypervisor that clobbers one is caught. */
static long vmcall4(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3,
		    uint64_t a4)
{
	uint64_t a[4] = { a1, a2, a3, a4 };
	uint64_t rax = vmcall(nr, a);

	fz.calls++;
	if (a[0] != a1 || a[1] != a2 || a[2] != a3 || a[3] != a4)
		fz.clobbers++;
	/* Errors are -4095..-1; anything else is a value (HC_ECHO's x + 1
	 * may well be negative). */
	if (nr == HC_ECHO || (long)rax >= 0 || (long)rax < -4095) {
		fz.ok++;
	} else {
		size_t i;
		for (i = 0; i < fz.n_errs; i++)
			if (fz.errs[i].err == (long)rax)
				break;
		if (i == fz.n_errs && i < MAX_ERRNOS) {
			fz.errs[i].err = (long)rax;
			fz.n_errs++;
		}
		if (i < fz.n_errs)
			fz.errs[i].n++;
	}
	return (long)rax;
}

static void violation(const char *what, uint64_t nr, uint64_t a1, long ret)
{
	if (!fz.violations++)
		snprintf(fz.first_violation, sizeof(fz.first_violation),
			 "%s: call %llu arg 0x%llx returned %ld", what,
			 (unsigned long long)nr, (unsigned long long)a1, ret);
}

/* ---------------------------------------------------- argument pools */

static bool in_sacr(uint64_t gpa)
{
	return gpa >= fz.sacr && gpa < fz.sacr + SACR_BYTES;
}

/* Any GPA: for calls that neither write memory nor change mappings. */
static uint64_t any_gpa(void)
{
	switch (rnd() % 4) {
	case 0:  return rnd();
	case 1:  return rnd() % (2 * fz.ram);
	default: return one_of(fz.any_gpa, fz.n_any);
	}
}

/* A GPA whose valid use cannot hurt the guest: in the sacrificial buffer
 * (aligned or not, with at least 4 KiB after it) or beyond guest RAM. */
static uint64_t safe_gpa(void)
{
	if (rnd() % 2)
		return fz.sacr + ONE_OF(0, 1, 8, 0x800, 0xFFF, 0x1000, 0x2001,
					SACR_BYTES - 2 * SZ_4K,
					SACR_BYTES - SZ_4K);
	switch (rnd() % 3) {
	case 0:  return fz.ram + (rnd() & 0xFFFFFFF000ULL);
	default: return one_of(&fz.any_gpa[0], 9);   /* the beyond-RAM ones */
	}
}

/* A size for a range at gpa: fits the sacrificial buffer, or is invalid
 * by any reading (the range leaves RAM or wraps around). */
static uint64_t safe_size(uint64_t gpa)
{
	uint64_t room = in_sacr(gpa) ? fz.sacr + SACR_BYTES - gpa : 0;

	if (room && rnd() % 2) {
		uint64_t v = ONE_OF(0, 1, 0xFFF, 0x1000, 0x1001, 0x2000, ~0ULL);
		return v > room ? room & (rnd() % 2 ? ~0ULL : ~0xFFFULL) : v;
	}
	switch (rnd() % 6) {
	case 0:  return ~0ULL;
	case 1:  return 1ULL << 63;
	case 2:  return ~0xFFFULL;
	case 3:  return -gpa;                       /* gpa + size wraps to 0 */
	case 4:  return fz.ram + SZ_4K;             /* larger than RAM */
	default: return (1ULL << 52) + (rnd() & 0xFFF);
	}
}

static uint64_t any_value(void)
{
	switch (rnd() % 3) {
	case 0:  return rnd();
	case 1:  return ONE_OF(0, 1, 2, 3, 4, 5, 7, 8, 0xFF, 0xFFFF,
			       0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
			       0x100000000ULL, 1ULL << 63, ~0ULL, ~1ULL);
	default: return any_gpa();
	}
}

/* A count of 32-byte log records to copy to gpa: fits, or overflows. */
static uint64_t safe_count(uint64_t gpa, size_t rec)
{
	if (in_sacr(gpa) && rnd() % 2)
		return ONE_OF(0, 1, 2) + (rnd() % 2 ? 0 :
			(fz.sacr + SACR_BYTES - gpa) / rec - 2);
	uint64_t bad[] = { ~0ULL, 1ULL << 59, (1ULL << 59) + 1, 1ULL << 63,
			   fz.ram, fz.ram + 1 };

	return one_of(bad, ARRAY_SIZE(bad));
}

/* --------------------------------------------------------- one call */

static uint64_t pick_number(void)
{
	uint64_t nr;

	switch (rnd() % 20) {
	case 0: case 1: case 2:
		return HC_BENCH_FIRST + rnd() % (HC_BENCH_LAST - HC_BENCH_FIRST + 1);
	case 3: case 4:
		return ONE_OF(17, 18, 20, 31, 48, 63, 64, 255, 256, 0xFFFF);
	case 5:
		return ONE_OF(~0ULL, 1ULL << 63, 0x80000000, 0xFFFFFFFF,
			      0x100000000ULL, 0x100000001ULL, 0x100000008ULL,
			      0xFFFFFFFF00000001ULL, (uint64_t)-HC_BENCH_FIRST);
	case 6:
		return rnd();
	default:
		nr = rnd() % (HC_AUDIT + 1);
		/* DUMP_STATE and EXIT_STATS print a page each: rarely. */
		if ((nr == HC_DUMP_STATE || nr == HC_EXIT_STATS) && rnd() % 128)
			nr = HC_VERSION;
		return nr;
	}
}

static void fuzz_one(void)
{
	uint64_t nr = pick_number(), a1, a2, a3, a4;
	long ret;

	switch (nr) {
	case HC_VERSION: case HC_DUMP_STATE: case HC_EXIT_STATS:
	case HC_AUDIT:
		a1 = any_value(); a2 = any_value();
		a3 = any_value(); a4 = any_value();
		break;
	case HC_ECHO:
		a1 = any_value(); a2 = any_value(); a3 = 0; a4 = 0;
		break;
	case HC_INVEPT:
		a1 = ONE_OF(0, 1, 2, 3, 4, ~0ULL, 0x100000001ULL);
		a2 = any_value(); a3 = 0; a4 = 0;
		break;
	case HC_INVVPID:
		a1 = ONE_OF(0, 1, 2, 3, 4, ~0ULL, 0x100000000ULL);
		a2 = ONE_OF(0, GUEST_VMA, 0x0000800000000000ULL,
			    0xFFFF7FFFFFFFFFFFULL, ~0ULL, 1ULL << 63);
		a3 = 0; a4 = 0;
		break;
	case HC_PROBE_GPA:
		a1 = any_gpa(); a2 = any_value(); a3 = 0; a4 = 0;
		break;
	case HC_TRANSLATE:
		a1 = ONE_OF(0, GUEST_VMA, GUEST_DIRECT_MAP, 0x0000800000000000ULL,
			    ~0ULL, 0x400000);
		a2 = safe_gpa(); a3 = 0; a4 = 0;
		break;
	case HC_EPT_REMAP:
		a1 = safe_gpa(); a2 = rnd(); a3 = 0; a4 = 0;
		break;
	case HC_EPT_PROTECT:
		a1 = safe_gpa(); a2 = safe_size(a1);
		a3 = ONE_OF(0, 1, 2, 3, 4, 5, 6, 7, 8, 0xFF, ~0ULL); a4 = 0;
		break;
	case HC_WRITE_TRACK: case HC_DEMAND:
		a1 = safe_gpa(); a2 = safe_size(a1); a3 = 0; a4 = 0;
		break;
	case HC_VIOLATION_LOG:
		a1 = safe_gpa(); a2 = safe_count(a1, sizeof(struct hc_violation));
		a3 = 0; a4 = 0;
		break;
	case HC_EPT_AD:
		a1 = safe_gpa();
		if (in_sacr(a1) && rnd() % 2) {
			uint64_t pages = (fz.sacr + SACR_BYTES - a1) >> 12;
			a2 = ONE_OF(0, 1, 2);
			a2 = a2 > pages ? pages : a2;
		} else {
			a2 = ONE_OF(~0ULL, 1ULL << 52, (1ULL << 52) + 1);
		}
		a3 = safe_gpa(); a4 = ONE_OF(0, 1, 2, ~0ULL);
		break;
	default:    /* COUNTERS, CONFIG, benchmarks, unknown numbers */
		a1 = safe_gpa(); a2 = safe_size(a1);
		a3 = safe_gpa(); a4 = ONE_OF(0, 1, ~0ULL);
		break;
	}
	ret = vmcall4(nr, a1, a2, a3, a4);

	/* What the ABI promises for these arguments (docs/hypercalls.md). */
	if (nr == HC_VERSION && ret != HC_ABI_VERSION)
		violation("HC_VERSION", nr, a1, ret);
	else if (nr == HC_ECHO && (uint64_t)ret != a1 + 1)
		violation("HC_ECHO", nr, a1, ret);
	else if (nr == HC_PROBE_GPA && a1 >= fz.ram && ret >= 0)
		violation("HC_PROBE_GPA beyond RAM", nr, a1, ret);
	else if (nr == HC_INVEPT && a1 != 1 && a1 != 2 && ret != -EINVAL)
		violation("HC_INVEPT bad type", nr, a1, ret);
}

/* Valid calls between the random ones. */
static void valid_one(uint64_t i)
{
	uint64_t x = rnd();
	long ret;

	if (i % 8) {
		fz.echo_checks++;
		ret = vmcall4(HC_ECHO, x, 0, 0, 0);
		if ((uint64_t)ret != x + 1)
			violation("HC_ECHO", HC_ECHO, x, ret);
	} else {
		uint64_t text = mm_kernel_pa(_text_start);
		ret = vmcall4(HC_PROBE_GPA, text, 0, 0, 0);
		if (ret != 0)
			violation("HC_PROBE_GPA of the kernel", HC_PROBE_GPA,
				  text, ret);
	}
}

/* ------------------------------------------------------------ the run */

static void pools_init(void)
{
	uint64_t r = fz.ram;
	uint64_t *pml4 = mm_dm(guest_space.root);
	size_t n = 0;

	/* [0, 9): beyond RAM (safe_gpa draws from these) */
	fz.any_gpa[n++] = r;
	fz.any_gpa[n++] = r + 1;
	fz.any_gpa[n++] = r + SZ_4K;
	fz.any_gpa[n++] = r + SZ_2M;
	fz.any_gpa[n++] = ~0ULL;
	fz.any_gpa[n++] = ~0xFFFULL;
	fz.any_gpa[n++] = 1ULL << 52;
	fz.any_gpa[n++] = 1ULL << 63;
	fz.any_gpa[n++] = 0x7FFFFFFFFFFFF000ULL;
	/* inside RAM: boundaries, the kernel, its page tables, the buffer */
	fz.any_gpa[n++] = 0;
	fz.any_gpa[n++] = 1;
	fz.any_gpa[n++] = r - 1;
	fz.any_gpa[n++] = r - SZ_4K;
	fz.any_gpa[n++] = GUEST_PHYS;
	fz.any_gpa[n++] = mm_kernel_pa(_text_start);
	fz.any_gpa[n++] = mm_kernel_pa(_rodata_start) + 3;
	fz.any_gpa[n++] = mm_kernel_pa(canary);
	fz.any_gpa[n++] = guest_space.root;
	fz.any_gpa[n++] = pml4[511] & PTE_ADDR_MASK;
	fz.any_gpa[n++] = pml4[256] & PTE_ADDR_MASK;
	fz.any_gpa[n++] = fz.sacr;
	fz.any_gpa[n++] = fz.sacr + 0x801;
	fz.any_gpa[n++] = 0x400000;
	fz.n_any = n;
}

void fuzz_run(void)
{
	uint64_t count = FUZZ_DEFAULT, seed = 1, img0, can0, cr3_0;
	long audit;
	bool mem_ok, cpu_ok;

	report_begin("fuzz.hypercalls");
	if (!hostile_arg_u64("fuzz", &count) || count == 0)
		count = FUZZ_DEFAULT;
	hostile_arg_u64("seed", &seed);
	printf("fuzz: seed %llu, %llu calls\n", (unsigned long long)seed,
	       (unsigned long long)count);
	if (!hv_present()) {
		report_skip("fuzz.hypercalls", "no hypervisor");
		return;
	}
	fz.rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
	fz.ram = guest_boot.ram_top;
	fz.sacr = frame_alloc_run(&guest_frames, SACR_BYTES);
	if (!fz.sacr) {
		report(false, "fuzz.hypercalls", "no frames for the buffer");
		return;
	}
	pools_init();
	for (size_t i = 0; i < CANARY_WORDS; i++)
		canary[i] = rnd();
	img0 = image_checksum();
	can0 = checksum(canary, sizeof(canary));
	cr3_0 = read_cr3();
	printf("fuzz: RAM 0x%llx, sacrificial buffer GPA 0x%llx-0x%llx, "
	       "kernel text GPA 0x%llx, PML4 GPA 0x%llx\n",
	       (unsigned long long)fz.ram, (unsigned long long)fz.sacr,
	       (unsigned long long)(fz.sacr + SACR_BYTES - 1),
	       (unsigned long long)mm_kernel_pa(_text_start),
	       (unsigned long long)guest_space.root);

	/* As many CPU operations as calls, interleaved (guest/fuzz_cpu.c). */
	fuzz_cpu_init(rnd);
	for (uint64_t i = 0; fz.calls < count || fuzz_cpu_ops() < count; i++) {
		if (fz.calls < count) {
			if (i % 4 == 0)
				valid_one(i / 4);
			else
				fuzz_one();
		}
		if (fuzz_cpu_ops() < count)
			fuzz_cpu_one();
	}
	cpu_ok = fuzz_cpu_finish();

	printf("fuzz: %llu calls: %llu returned a value",
	       (unsigned long long)fz.calls, (unsigned long long)fz.ok);
	for (size_t i = 0; i < fz.n_errs; i++)
		printf(", %s(%ld) %llu", err_name((int)fz.errs[i].err),
		       fz.errs[i].err, (unsigned long long)fz.errs[i].n);
	printf("\n");
	printf("fuzz: %llu echo checks, %llu ABI violations, %llu register "
	       "clobbers, crashes none\n",
	       (unsigned long long)fz.echo_checks,
	       (unsigned long long)fz.violations,
	       (unsigned long long)fz.clobbers);

	mem_ok = image_checksum() == img0 &&
		 checksum(canary, sizeof(canary)) == can0 && read_cr3() == cr3_0;
	printf("fuzz: text+rodata checksum 0x%llx (%s), canary %s, CR3 %s\n",
	       (unsigned long long)img0,
	       image_checksum() == img0 ? "unchanged" : "CHANGED",
	       checksum(canary, sizeof(canary)) == can0 ? "intact" : "CHANGED",
	       read_cr3() == cr3_0 ? "unchanged" : "CHANGED");
	report(mem_ok, "fuzz.memory-intact", "the guest's memory changed");

	audit = hc_call(HC_AUDIT, 0, 0, 0, 0);
	printf("fuzz: HC_AUDIT -> %ld (%s)\n", audit, err_name((int)audit));
	if (audit == -ENOSYS)
		report_skip("fuzz.audit", "HC_AUDIT not implemented");
	else
		report(audit == 0, "fuzz.audit", "HC_AUDIT returned %ld (%s)",
		       audit, err_name((int)audit));

	report(cpu_ok && fuzz_cpu_ops() >= count, "fuzz.cpu",
	       "%llu CPU operations, an outcome against the SDM",
	       (unsigned long long)fuzz_cpu_ops());
	report(fz.calls >= count && !fz.violations && !fz.clobbers && mem_ok,
	       "fuzz.hypercalls", "%s%s%s",
	       fz.violations ? fz.first_violation : "",
	       fz.clobbers ? " registers clobbered" : "",
	       mem_ok ? "" : " guest memory changed");
}
