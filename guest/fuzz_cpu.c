/*
 * The fuzzer's CPU half (guest/fuzz.c, docs/containment.md "The fuzzer"):
 * random RDMSR, WRMSR, XSETBV and MOV to CR0/CR4, interleaved with the
 * hypercalls, each through a probe whose #GP or #UD resumes the guest
 * (guest/vcpu_probe.h), so the guest survives its own faults. Every
 * operation is chosen so that its legal forms cannot wreck the guest
 * (EFER only with its own value and reserved bits, CR bits that paging
 * and the kernel do not depend on), and each one's outcome is checked
 * against what the SDM says for it: a write that must #GP must #GP, a
 * legal one must not. The state touched is restored afterwards.
 */
#include "guest/guest.h"
#include "guest/hostile.h"
#include "guest/report.h"
#include "guest/vcpu_probe.h"
#include "include/x86.h"
#include "lib/console.h"
#include "lib/fmt.h"

#define MSR_TSC_ADJUST   0x3B
#define MSR_PAT          0x277
#define MSR_MTRR_DEF     0x2FF
#define MSR_EFER_        0xC0000080
#define PAT_RESET        0x0007040600070406ULL
#define VEC_UD_          6

static struct {
	uint64_t (*rnd)(void);
	uint64_t cr0, cr4, efer;
	bool xsave, tsc_adjust;
	/* results */
	uint64_t ops, gp, ud, ok, violations;
	char first[120];
} fc;

static uint64_t pick(const uint64_t *v, size_t n)
{
	return v[fc.rnd() % n];
}
#define PICK(...) ({ static const uint64_t v_[] = { __VA_ARGS__ }; \
		     pick(v_, ARRAY_SIZE(v_)); })

static void outcome(const char *what, uint64_t a, uint64_t b,
		    const struct fault_rec *f, int want)
{
	/* want: 1 must fault, 0 must not, -1 either. */
	fc.ops++;
	if (f->hit)
		f->vector == VEC_GP ? fc.gp++ : fc.ud++;
	else
		fc.ok++;
	if (want >= 0 && f->hit != (bool)want && !fc.violations++)
		snprintf(fc.first, sizeof(fc.first), "%s 0x%llx 0x%llx: %s",
			 what, (unsigned long long)a, (unsigned long long)b,
			 f->hit ? "faulted" : "did not fault");
}

/* MSRs: unknown numbers (VMX capabilities, AMD, x2APIC, the microcode
 * trigger, random), and the table's own, written with random values. */
static const uint64_t msr_pool[] = {
	0x10, 0x1B, 0x3A, 0x3B, 0x48, 0x49, 0x79, 0x8B, 0xE7, 0xFE, 0x10A,
	0x174, 0x175, 0x176, 0x179, 0x17A, 0x1A0, 0x1D9, 0x200, 0x201, 0x20F,
	0x250, 0x258, 0x268, 0x26F, 0x277, 0x2FF, 0x345, 0x480, 0x48C, 0x491,
	0x493, 0x6E0, 0x800, 0x830, 0xDA0, 0xC0000081, 0xC0000082,
	0xC0000083, 0xC0000084, 0xC0000102, 0xC0000103, 0xC0010000,
	0x40000000, 0x1234,
};

static uint64_t any_value(void)
{
	switch (fc.rnd() % 4) {
	case 0:  return fc.rnd();
	case 1:  return fc.rnd() & 0xFFFFFFFF;
	case 2:  return PICK(0, 1, 2, 6, 0x806, 0xC06, 0x0007040600070406ULL,
			     0xFFFF800000000000ULL, 0x0000800000000000ULL,
			     1ULL << 63, ~0ULL);
	default: return fc.rnd() & 0xFF;
	}
}

static void op_rdmsr(void)
{
	uint32_t msr = fc.rnd() % 8 ? (uint32_t)pick(msr_pool,
						     ARRAY_SIZE(msr_pool))
				    : (uint32_t)fc.rnd();
	struct fault_rec f = PROBE(VEC_GP, vp_rdmsr_done, vp_rdmsr(msr));

	outcome("RDMSR", msr, 0, &f, -1);
}

static void op_wrmsr(void)
{
	uint32_t msr = (uint32_t)pick(msr_pool, ARRAY_SIZE(msr_pool));
	uint64_t v = any_value();
	struct fault_rec f;
	int want = -1;

	/* EFER: only reserved bits on top of its value (always #GP); the
	 * guest's paging depends on LME and NXE. FS/GS bases are not in the
	 * pool: the guest runs on them. */
	if (fc.rnd() % 16 == 0) {
		uint64_t bad = fc.efer | (1ULL << (12 + fc.rnd() % 52));
		f = PROBE(VEC_GP, vp_wrmsr_done, vp_wrmsr(MSR_EFER_, bad));
		outcome("WRMSR EFER", MSR_EFER_, bad, &f, 1);
		return;
	}
	if (msr == 0x79 || msr == 0x480 || msr == 0x1234 || msr == 0xC0010000 ||
	    msr == 0x3A || (msr == 0x1A0 && v != 0x1801))
		want = 1;                  /* unknown, locked or read-only */
	f = PROBE(VEC_GP, vp_wrmsr_done, vp_wrmsr(msr, v));
	outcome("WRMSR", msr, v, &f, want);
}

static void op_xsetbv(void)
{
	uint64_t v = fc.rnd() % 2 ? PICK(0, 1, 2, 3, 5, 7, 0x19, 0x1B, 0x27,
					 0xE3, 0xE7, 0x207, 0x60003, ~0ULL)
				  : fc.rnd();
	uint32_t ecx = fc.rnd() % 8 ? 0 : (uint32_t)fc.rnd() % 4;
	bool osx = read_cr4() & CR4_OSXSAVE;
	struct fault_rec f;

	if (!fc.xsave)
		return;
	f = PROBE(osx ? VEC_GP : VEC_UD_, vp_xsetbv_done, vp_xsetbv(ecx, v));
	outcome("XSETBV", ecx, v, &f, (!(v & 1) || ecx) ? 1 : -1);
	if (!f.hit)
		vp_xsetbv(0, 1);           /* x87 again: nothing uses the rest */
}

/* CR4: bits the guest may not set here (#GP), and a few it may toggle
 * harmlessly (DE, TSD, PCE, OSXSAVE). */
static void op_cr4(void)
{
	static const struct { uint64_t bit; int want; } b[] = {
		{ CR4_VMXE, 1 }, { CR4_SMXE, 1 }, { BIT(15), 1 }, { BIT(19), 1 },
		{ BIT(23), 1 }, { BIT(24), 1 }, { BIT(25), 1 }, { BIT(26), 1 },
		{ BIT(28), 1 }, { BIT(31), 1 }, { BIT(32), 1 }, { BIT(40), 1 },
		{ BIT(2), 0 }, { BIT(3), 0 }, { BIT(8), 0 }, { CR4_OSXSAVE, 0 },
	};
	unsigned i = (unsigned)(fc.rnd() % ARRAY_SIZE(b));
	uint64_t v = fc.cr4 ^ b[i].bit;
	struct fault_rec f;

	if (b[i].bit == CR4_OSXSAVE && !fc.xsave)
		return;
	f = PROBE(VEC_GP, vp_wrcr4_done, vp_wrcr4(v));
	outcome("MOV CR4", fc.cr4, v, &f, b[i].want);
	vp_wrcr4(fc.cr4);
}

/* CR0: illegal combinations (#GP), with CR0.NE toggled or not (NE is the
 * host's bit, so the write exits), and legal toggles of NE, AM, MP. */
static void op_cr0(void)
{
	uint64_t ne = fc.rnd() % 2 ? CR0_NE : 0, v;
	int want;
	struct fault_rec f;

	switch (fc.rnd() % 6) {
	case 0:  v = fc.cr0 | (1ULL << (32 + fc.rnd() % 32)); want = 1; break;
	case 1:  v = fc.cr0 & ~CR0_PG; want = 1; break;          /* 64-bit */
	case 2:  v = (fc.cr0 | CR0_NW) & ~CR0_CD; want = 1; break;
	case 3:  v = fc.cr0 & ~CR0_PE; want = 1; break;          /* PG, !PE */
	default: v = fc.cr0 ^ PICK(CR0_NE, BIT(18), BIT(1)); want = 0; ne = 0;
	}
	v ^= ne;
	f = PROBE(VEC_GP, vp_wrcr0_done, vp_wrcr0(v));
	outcome("MOV CR0", fc.cr0, v, &f, want);
	vp_wrcr0(fc.cr0);
}

void fuzz_cpu_init(uint64_t (*rnd)(void))
{
	fc.rnd = rnd;
	fc.cr0 = read_cr0();
	fc.xsave = cpuid(1, 0).ecx & BIT(26);
	fc.tsc_adjust = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(1));
	if (fc.xsave)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	fc.cr4 = read_cr4();
	fc.efer = rdmsr(MSR_EFER_);
}

void fuzz_cpu_one(void)
{
	switch (fc.rnd() % 5) {
	case 0:  op_rdmsr(); break;
	case 1:  op_wrmsr(); break;
	case 2:  op_xsetbv(); break;
	case 3:  op_cr4(); break;
	default: op_cr0(); break;
	}
}

uint64_t fuzz_cpu_ops(void)
{
	return fc.ops;
}

bool fuzz_cpu_finish(void)
{
	/* What the random writes may have left: the vCPU's own state. */
	vp_wrcr0(fc.cr0);
	vp_wrcr4(fc.cr4);
	if (fc.xsave)
		vp_xsetbv(0, 1);
	vp_wrmsr(MSR_PAT, PAT_RESET);
	vp_wrmsr(MSR_MTRR_DEF, 0);
	if (fc.tsc_adjust)
		vp_wrmsr(MSR_TSC_ADJUST, 0);
	printf("fuzz: %llu CPU operations (RDMSR, WRMSR, XSETBV, MOV CR0/CR4): "
	       "%llu #GP, %llu #UD, %llu completed, %llu against the SDM%s%s\n",
	       (unsigned long long)fc.ops, (unsigned long long)fc.gp,
	       (unsigned long long)fc.ud, (unsigned long long)fc.ok,
	       (unsigned long long)fc.violations, fc.violations ? ": " : "",
	       fc.violations ? fc.first : "");
	return !fc.violations;
}
