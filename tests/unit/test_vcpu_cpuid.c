/* Host unit tests for the guest's CPUID (hv/vcpu/cpuid.c, cpuid_bits.c)
 * on a fake host that sets every feature bit: hidden features stay hidden
 * (VMX, SMX, x2APIC, WAITPKG, MONITOR, PCONFIG, SGX, PMU...), features
 * whose VMX control is off are hidden, OSXSAVE and OSPKE follow CR4, leaf
 * 0DH agrees with the XCR0 the guest may set, the TSC leaves, leaf
 * clamping and the out-of-range rule, topology of one vCPU, and the
 * feature set that the MSR table and the CR rules derive from. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vcpu/cpuid.h"
#include "hv/vcpu/msr.h"
#include "hv/vcpu/cr.h"
#include "hv/vcpu/xcr0.h"
#include "include/hypercall.h"

/* ----------------------------------------------------- the fake host */

struct fake {
	uint32_t max, max_ext;
	bool la57;              /* 57-bit linear addresses in 80000008H */
	bool no_tsc_leaf;       /* leaf 15H without the crystal frequency */
	bool bad_query;         /* asked for a leaf above its maximum */
};

/* XSAVE components: { size, offset, ECX } (Skylake-X and SPR layout). */
static const uint32_t comp[19][3] = {
	[2] = { 256, 576, 0 }, [3] = { 64, 960, 0 }, [4] = { 64, 1024, 0 },
	[5] = { 64, 1088, 0 }, [6] = { 512, 1152, 0 }, [7] = { 1024, 1664, 0 },
	[9] = { 8, 2688, 0 }, [17] = { 64, 2752, 2 }, [18] = { 8192, 2816, 6 },
};

static struct cpuid_regs fake_cpuid(void *ctx, uint32_t leaf, uint32_t sub)
{
	struct fake *h = ctx;
	const uint32_t ALL = 0xFFFFFFFF;

	if (leaf < 0x80000000 ? leaf > h->max : leaf > h->max_ext)
		h->bad_query = true;
	switch (leaf) {
	case 0:   return (struct cpuid_regs){ h->max, 0x756E6547, 0x6C65746E,
					      0x49656E69 };   /* GenuineIntel */
	case 1:   return (struct cpuid_regs){ 0x50654, 0x03100800, ALL, ALL };
	case 2:   return (struct cpuid_regs){ 0x76036301, 0xF0B5FF, 0, 0xC30000 };
	case 4:   if (sub == 4)                     /* type 0: the end */
			  return (struct cpuid_regs){ 0 };
		  if (sub > 4)                      /* never to be read */
			  return (struct cpuid_regs){ 0x121, 1, 1, 1 };
		  return (struct cpuid_regs){ 0xFC004121 + 0x20 * (sub >= 2) +
					      sub / 3, 0x1C0003F, 0x3F, 0 };
	case 5: case 6: case 0xA: case 0xB: case 0x12: case 0x14:
		  return (struct cpuid_regs){ ALL, ALL, ALL, ALL };
	case 7:   return (struct cpuid_regs){ sub == 0 ? 2 : ALL, ALL, ALL, ALL };
	case 0xD:
		if (sub == 0)
			return (struct cpuid_regs){ 0x602FF, 11008, 11008, 0 };
		if (sub == 1)   /* XSAVEOPT, XSAVEC, XGETBV1, XSAVES, XFD */
			return (struct cpuid_regs){ 0x1F, 0, 0x1900, 0 };
		if (sub < 19 && comp[sub][0])
			return (struct cpuid_regs){ comp[sub][0], comp[sub][1],
						    comp[sub][2], 0 };
		return (struct cpuid_regs){ 0 };
	case 0x15: return h->no_tsc_leaf ? (struct cpuid_regs){ 2, 200, 0, 0 } :
			 (struct cpuid_regs){ 2, 200, 25000000, 0 };
	case 0x16: return (struct cpuid_regs){ 2500, 4000, 100, 0 };
	case 0x1D: return (struct cpuid_regs){ sub == 0 ? 1 : 0x400040, 0x80010,
					       sub ? 16 : 0, 0 };
	case 0x1E: return (struct cpuid_regs){ 0, 0x4010, 0, 0 };
	case 0x80000000: return (struct cpuid_regs){ h->max_ext, 0, 0, 0 };
	case 0x80000001: return (struct cpuid_regs){ 0x12, ALL, ALL, ALL };
	case 0x80000002: return (struct cpuid_regs){ 0x65746E49, 0x2952286C,
						     0x6F655820, 0x2952286E };
	case 0x80000006: return (struct cpuid_regs){ 0, 0, 0x4008040, 0 };
	case 0x80000007: return (struct cpuid_regs){ 0, 0, 0, ALL };
	case 0x80000008: return (struct cpuid_regs){ h->la57 ? 0x3927 : 0x3027,
						     ALL, 0, 0 };
	}
	return (struct cpuid_regs){ ALL, ALL, ALL, ALL };  /* must not leak */
}

static struct fake host;
static struct vcpu_cpuid_policy pol;
static struct vcpu_cpuid cpu;
static const struct vcpu_cpuid_state cr4_0 = { 0 };

static int setup(void **state)
{
	host = (struct fake){ .max = 0x20, .max_ext = 0x80000008 };
	pol = (struct vcpu_cpuid_policy){
		.apic = true, .xcr0 = XCR0_X87 | XCR0_SSE | XCR0_AVX };
	return 0;
}

static void build(void)
{
	vcpu_cpuid_build(&cpu, &pol, fake_cpuid, &host);
	assert_false(host.bad_query);
}

static struct cpuid_regs q(uint32_t leaf, uint32_t sub)
{
	return vcpu_cpuid_get(&cpu, leaf, sub, &cr4_0);
}

static uint32_t qreg(uint32_t leaf, uint32_t sub, unsigned r)
{
	struct cpuid_regs v = q(leaf, sub);

	return r == VCPU_EAX ? v.eax : r == VCPU_EBX ? v.ebx :
	       r == VCPU_ECX ? v.ecx : v.edx;
}

static bool bit(uint32_t leaf, uint32_t sub, unsigned r, unsigned b)
{
	return qreg(leaf, sub, r) & (1u << b);
}

static bool zero_leaf(uint32_t leaf, uint32_t sub)
{
	struct cpuid_regs r = q(leaf, sub);

	return !r.eax && !r.ebx && !r.ecx && !r.edx;
}

/* ----------------------------------------------------------- tests */

static void test_only_table_bits(void **state)
{
	static const struct { uint32_t leaf, sub; unsigned reg; } fr[] = {
		{ 1, 0, VCPU_ECX }, { 1, 0, VCPU_EDX }, { 7, 0, VCPU_EBX },
		{ 7, 0, VCPU_ECX }, { 7, 0, VCPU_EDX }, { 7, 1, VCPU_EAX },
		{ 7, 1, VCPU_EBX }, { 7, 1, VCPU_ECX }, { 7, 1, VCPU_EDX },
		{ 0xD, 1, VCPU_EAX }, { 0x80000001, 0, VCPU_ECX },
		{ 0x80000001, 0, VCPU_EDX }, { 0x80000007, 0, VCPU_EDX },
		{ 0x80000008, 0, VCPU_EBX } };
	size_t n;
	const struct vcpu_cpuid_bit *b = vcpu_cpuid_bits(&n);

	/* Everything offered that can be: still only the table's bits. */
	pol = (struct vcpu_cpuid_policy){ .invpcid = true, .rdtscp = true,
		.xsaves = true, .user_wait_pause = true, .apic = true,
		.x2apic = true, .tsc_deadline = true, .la57 = true,
		.spec_ctrl = true, .arch_cap = true, .xcr0 = ~0ULL };
	build();
	for (size_t i = 0; i < ARRAY_SIZE(fr); i++) {
		uint32_t allowed = 0;
		for (size_t k = 0; k < n; k++)
			if (b[k].leaf == fr[i].leaf && b[k].subleaf == fr[i].sub &&
			    b[k].reg == fr[i].reg)
				allowed |= 1u << b[k].bit;
		if (fr[i].leaf == 1 && fr[i].reg == VCPU_ECX)
			allowed |= CPUID_1_ECX_HYPERVISOR;
		uint32_t got = qreg(fr[i].leaf, fr[i].sub, fr[i].reg);
		if (got & ~allowed)
			fail_msg("leaf 0x%x.%u reg %u: bits 0x%x not in the "
				 "table", fr[i].leaf, fr[i].sub, fr[i].reg,
				 got & ~allowed);
		assert_int_equal(got, allowed);   /* the host has them all */
	}
}

static void test_hidden_features(void **state)
{
	pol.user_wait_pause = true;        /* WAITPKG stays hidden anyway */
	pol.xsaves = pol.rdtscp = pol.invpcid = true;
	build();
	assert_false(bit(1, 0, VCPU_ECX, 5));      /* VMX */
	assert_false(bit(1, 0, VCPU_ECX, 6));      /* SMX */
	assert_false(bit(1, 0, VCPU_ECX, 3));      /* MONITOR/MWAIT */
	assert_false(bit(1, 0, VCPU_ECX, 15));     /* PDCM */
	assert_false(bit(1, 0, VCPU_ECX, 21));     /* x2APIC */
	assert_false(bit(1, 0, VCPU_ECX, 24));     /* TSC-deadline */
	assert_false(bit(1, 0, VCPU_ECX, 27));     /* OSXSAVE with CR4 = 0 */
	assert_false(bit(1, 0, VCPU_EDX, 28));     /* HTT: one vCPU */
	assert_false(bit(1, 0, VCPU_EDX, 22));     /* ACPI thermal MSRs */
	assert_false(bit(1, 0, VCPU_EDX, 21));     /* DS */
	assert_false(bit(7, 0, VCPU_EBX, 2));      /* SGX */
	assert_false(bit(7, 0, VCPU_EBX, 14));     /* MPX */
	assert_false(bit(7, 0, VCPU_EBX, 25));     /* Intel PT */
	assert_false(bit(7, 0, VCPU_ECX, 5));      /* WAITPKG */
	assert_false(bit(7, 0, VCPU_ECX, 7));      /* CET_SS */
	assert_false(bit(7, 0, VCPU_ECX, 30));     /* SGX_LC */
	assert_false(bit(7, 0, VCPU_ECX, 31));     /* PKS */
	assert_false(bit(7, 0, VCPU_EDX, 18));     /* PCONFIG */
	assert_false(bit(7, 0, VCPU_EDX, 20));     /* CET_IBT */
	assert_false(bit(7, 0, VCPU_EDX, 26));     /* IBRS: SPEC_CTRL unhandled */
	assert_false(bit(7, 0, VCPU_EDX, 28));     /* L1D_FLUSH */
	assert_false(bit(7, 0, VCPU_EDX, 29));     /* ARCH_CAPABILITIES */
	assert_false(bit(0xD, 1, VCPU_EAX, 4));    /* XFD */
	assert_int_equal(qreg(0xD, 1, VCPU_ECX), 0);   /* no XSS state */
	assert_true(zero_leaf(5, 0));              /* MONITOR leaf */
	assert_true(zero_leaf(6, 0));              /* thermal and power */
	assert_true(zero_leaf(0xA, 0));            /* PMU version 0 */
	assert_true(zero_leaf(0xB, 0));            /* x2APIC topology */
	assert_true(zero_leaf(0x12, 0));           /* SGX */
	assert_true(zero_leaf(0x14, 0));           /* PT */
	assert_true(zero_leaf(7, 2));              /* beyond 7.0 EAX = 1 */
	assert_int_equal(qreg(7, 0, VCPU_EAX), 1);
	assert_false(vcpu_has(&cpu.f, VCPU_F_PDCM));
	assert_false(vcpu_has(&cpu.f, VCPU_F_X2APIC));
}

static void test_vmx_controls_off_hide(void **state)
{
	build();
	assert_false(bit(7, 0, VCPU_EBX, 10));            /* INVPCID */
	assert_false(bit(0x80000001, 0, VCPU_EDX, 27));   /* RDTSCP */
	assert_false(bit(7, 0, VCPU_ECX, 22));            /* RDPID */
	assert_false(bit(0xD, 1, VCPU_EAX, 3));           /* XSAVES */
	pol.invpcid = pol.rdtscp = pol.xsaves = true;
	build();
	assert_true(bit(7, 0, VCPU_EBX, 10));
	assert_true(bit(0x80000001, 0, VCPU_EDX, 27));
	assert_true(bit(7, 0, VCPU_ECX, 22));
	assert_true(bit(0xD, 1, VCPU_EAX, 3));
}

static void test_osxsave_follows_cr4(void **state)
{
	struct vcpu_cpuid_state on = { .cr4 = CR4_OSXSAVE, .xcr0 = 3 };

	build();
	assert_true(bit(1, 0, VCPU_ECX, 26));                      /* XSAVE */
	assert_false(vcpu_cpuid_get(&cpu, 1, 0, &cr4_0).ecx & BIT(27));
	assert_true(vcpu_cpuid_get(&cpu, 1, 0, &on).ecx & BIT(27));
	/* No XSAVE offered: neither XSAVE nor OSXSAVE, whatever CR4 says. */
	pol.xcr0 = 0;
	build();
	assert_false(bit(1, 0, VCPU_ECX, 26));
	assert_false(vcpu_cpuid_get(&cpu, 1, 0, &on).ecx & BIT(27));
	assert_true(zero_leaf(0xD, 0));
	assert_false(bit(1, 0, VCPU_ECX, 28));                     /* AVX */
}

static void test_ospke_follows_cr4(void **state)
{
	struct vcpu_cpuid_state pke = { .cr4 = CR4_PKE };

	pol.xcr0 |= XCR0_PKRU;
	build();
	assert_true(bit(7, 0, VCPU_ECX, 3));                       /* PKU */
	assert_false(vcpu_cpuid_get(&cpu, 7, 0, &cr4_0).ecx & BIT(4));
	assert_true(vcpu_cpuid_get(&cpu, 7, 0, &pke).ecx & BIT(4));
	assert_false(vcpu_cpuid_get(&cpu, 7, 1, &pke).ecx & BIT(4));
	/* Without PKRU state PKU is hidden, and OSPKE with it. */
	pol.xcr0 &= ~XCR0_PKRU;
	build();
	assert_false(bit(7, 0, VCPU_ECX, 3));
	assert_false(vcpu_cpuid_get(&cpu, 7, 0, &pke).ecx & BIT(4));
}

static void test_hypervisor_leaves(void **state)
{
	build();
	assert_true(bit(1, 0, VCPU_ECX, 31));
	struct cpuid_regs r = q(HC_CPUID_LEAF, 0);
	assert_int_equal(r.eax, HC_CPUID_LEAF);
	assert_int_equal(r.ebx, HC_CPUID_SIG_EBX);
	assert_int_equal(r.ecx, HC_CPUID_SIG_ECX);
	assert_int_equal(r.edx, HC_CPUID_SIG_EDX);
	assert_true(zero_leaf(0x40000001, 0));
	assert_true(zero_leaf(0x40000010, 0));
	assert_true(zero_leaf(0x4FFFFFFF, 0));
}

static void test_xsave_leaf_agrees_with_xcr0(void **state)
{
	struct vcpu_cpuid_state s = { .xcr0 = 3 };

	build();                                  /* policy: x87, SSE, AVX */
	assert_int_equal(cpu.f.xcr0, 7);
	assert_int_equal(qreg(0xD, 0, VCPU_EAX), 7);
	assert_int_equal(qreg(0xD, 0, VCPU_EDX), 0);
	assert_int_equal(qreg(0xD, 0, VCPU_ECX), 832);     /* 576 + 256 */
	assert_int_equal(vcpu_cpuid_get(&cpu, 0xD, 0, &s).ebx, 576);
	s.xcr0 = 7;
	assert_int_equal(vcpu_cpuid_get(&cpu, 0xD, 0, &s).ebx, 832);
	struct cpuid_regs r = q(0xD, 2);
	assert_int_equal(r.eax, 256);
	assert_int_equal(r.ebx, 576);
	assert_true(zero_leaf(0xD, 5));          /* AVX-512 not allowed */
	assert_true(zero_leaf(0xD, 9));
	/* Everything: MPX is dropped (hidden), AVX-512, PKRU, AMX kept. */
	pol.xcr0 = ~0ULL;
	build();
	assert_int_equal(cpu.f.xcr0, 0x602E7);
	assert_int_equal(qreg(0xD, 0, VCPU_EAX), 0x602E7);
	assert_int_equal(qreg(0xD, 0, VCPU_ECX), 2816 + 8192);
	assert_true(zero_leaf(0xD, 3));
	assert_true(zero_leaf(0xD, 4));
	/* Component ECX: 64-byte alignment kept, XFD support (bit 2) not. */
	assert_int_equal(q(0xD, 18).ecx, 2);
	assert_int_equal(q(0xD, 18).eax, 8192);
	assert_false(bit(7, 0, VCPU_EBX, 14));   /* MPX */
	assert_true(bit(7, 0, VCPU_EBX, 16));    /* AVX512F */
	assert_true(bit(7, 0, VCPU_EDX, 24));    /* AMX_TILE */
	/* Compacted size (XSAVEC): x87|SSE|AVX|PKRU = 576 + 256 + 8; with
	 * AMX, 64-byte aligned: 840 -> 896 + 64 -> 960 + 8192. */
	s.xcr0 = 0x207;
	assert_int_equal(vcpu_cpuid_get(&cpu, 0xD, 1, &s).ebx, 840);
	s.xcr0 = 0x60207;
	assert_int_equal(vcpu_cpuid_get(&cpu, 0xD, 1, &s).ebx, 960 + 8192);
	/* The supported mask passes the XSETBV rules as a whole. */
	assert_int_equal(vcpu_xcr0_check(0, cpu.f.xcr0, 0, true,
					 cpu.f.xcr0).result, VCPU_XCR0_OK);
}

static void test_avx_families_need_xcr0(void **state)
{
	pol.xcr0 = XCR0_X87 | XCR0_SSE;
	build();
	assert_true(bit(1, 0, VCPU_ECX, 26));     /* XSAVE */
	assert_false(bit(1, 0, VCPU_ECX, 28));    /* AVX */
	assert_false(bit(1, 0, VCPU_ECX, 12));    /* FMA */
	assert_false(bit(7, 0, VCPU_EBX, 5));     /* AVX2 */
	assert_false(bit(7, 0, VCPU_EBX, 16));    /* AVX512F */
	pol.xcr0 |= XCR0_AVX;
	build();
	assert_true(bit(1, 0, VCPU_ECX, 28));
	assert_true(bit(7, 0, VCPU_EBX, 5));
	assert_false(bit(7, 0, VCPU_EBX, 16));
	assert_false(bit(7, 0, VCPU_EDX, 24));    /* AMX_TILE */
}

static void test_tsc_leaves(void **state)
{
	build();                                   /* the host's 15H, 16H */
	struct cpuid_regs r = q(0x15, 0);
	assert_int_equal(r.eax, 2);
	assert_int_equal(r.ebx, 200);
	assert_int_equal(r.ecx, 25000000);
	assert_int_equal(q(0x16, 0).eax, 2500);
	/* TSC scaling: the host's no longer apply; made from tsc_khz. */
	pol.tsc_scaling = true;
	pol.tsc_khz = 3000000;
	build();
	r = q(0x15, 0);
	assert_int_equal(r.eax, 1);
	assert_int_equal(r.ebx, 1);
	assert_int_equal(r.ecx, 3000000000u);
	r = q(0x16, 0);
	assert_int_equal(r.eax, 3000);
	assert_int_equal(r.ebx, 3000);
	pol.tsc_khz = 5000000;                     /* 5 GHz: halve the crystal */
	build();
	r = q(0x15, 0);
	assert_int_equal((uint64_t)r.ecx * r.ebx / r.eax, 5000000000ULL);
	pol.tsc_khz = 0;                           /* unknown: zeros */
	build();
	assert_true(zero_leaf(0x15, 0));
	assert_true(zero_leaf(0x16, 0));
	/* A host without the leaves, frequency known: the maximum grows. */
	pol.tsc_scaling = false;
	pol.tsc_khz = 2000000;
	host.max = 0xD;
	build();
	assert_int_equal(q(0, 0).eax, 0x16);
	assert_int_equal(q(0x15, 0).ecx, 2000000000u);
	assert_true(zero_leaf(0x14, 0));
	host.max = 0x20;
	host.no_tsc_leaf = true;                   /* 15H incomplete */
	build();
	assert_int_equal(q(0x15, 0).ecx, 2000000000u);
}

static void test_max_leaves_and_out_of_range(void **state)
{
	build();
	assert_int_equal(q(0, 0).eax, 0x16);       /* clamped (no AMX) */
	assert_int_equal(cpu.leaf1d[0].eax, 0);    /* no tile data kept */
	assert_int_equal(cpu.basic[0x1E].ebx, 0);
	assert_int_equal(q(0, 0).ebx, 0x756E6547); /* vendor kept */
	assert_int_equal(q(0x80000000, 0).eax, 0x80000008);
	/* Above the maximum: the highest basic leaf (16H), per Intel. */
	struct cpuid_regs top = q(0x16, 0);
	const uint32_t beyond[] = { 0x17, 0x1D, 0x20, 0x3FFFFFFF, 0x80000009,
				    0x8FFFFFFF, 0xC0000000, 0xFFFFFFFF };
	for (size_t i = 0; i < ARRAY_SIZE(beyond); i++) {
		struct cpuid_regs r = q(beyond[i], 0);
		assert_memory_equal(&top, &r, sizeof(top));
	}
	assert_int_equal(q(0x80000009, 0).eax, 2500);
	assert_true(zero_leaf(0x80000005, 0));
	assert_int_equal(q(0x80000002, 0).eax, 0x65746E49);   /* brand */
	assert_int_equal(q(0x80000001, 0).eax, 0x12);         /* signature */
	assert_int_equal(q(0x80000001, 0).ebx, 0);            /* reserved */
	/* With AMX the tile leaves count: maximum 1EH. */
	pol.xcr0 = ~0ULL;
	build();
	assert_int_equal(q(0, 0).eax, 0x1E);
	assert_int_equal(q(0x1D, 0).eax, 1);
	assert_int_equal(q(0x1E, 0).ebx, 0x4010);
	assert_true(zero_leaf(0x1E, 1));
	/* A host with fewer leaves keeps its maximum. */
	host.max = 0xD;
	pol.xcr0 = 7;
	build();
	assert_int_equal(q(0, 0).eax, 0xD);
	assert_int_equal(q(0x15, 0).eax, q(0xD, 0).eax);   /* out of range */
}

static void test_topology_one_vcpu(void **state)
{
	pol.apic_id = 5;
	build();
	struct cpuid_regs r = q(1, 0);
	assert_int_equal(r.ebx >> 24, 5);            /* the vCPU's APIC ID */
	assert_int_equal((r.ebx >> 16) & 0xFF, 1);   /* one logical CPU */
	assert_int_equal(r.ebx & 0xFFFF, 0x0800);    /* CLFLUSH size kept */
	assert_int_equal(r.eax, 0x50654);
	for (uint32_t s = 0; s < 4; s++) {
		r = q(4, s);
		assert_true(r.eax & 0x1F);                /* a cache */
		assert_int_equal(r.eax >> 14, 0);        /* 1 core, 1 thread */
	}
	assert_true(zero_leaf(4, 4));
	assert_true(zero_leaf(4, 7));
}

static void test_features_derived(void **state)
{
	build();
	assert_true(vcpu_has(&cpu.f, VCPU_F_MTRR));
	assert_true(vcpu_has(&cpu.f, VCPU_F_PAT));
	assert_true(vcpu_has(&cpu.f, VCPU_F_APIC));
	assert_true(vcpu_has(&cpu.f, VCPU_F_LM));
	assert_true(vcpu_has(&cpu.f, VCPU_F_TSC_ADJUST));
	assert_false(vcpu_has(&cpu.f, VCPU_F_LA57));
	assert_int_equal(cpu.f.maxphyaddr, 39);
	assert_int_equal(cpu.f.la_width, 48);
	/* A 5-level host: 48 bits unless the policy offers LA57. */
	host.la57 = true;
	build();
	assert_int_equal(cpu.f.la_width, 48);
	assert_int_equal((q(0x80000008, 0).eax >> 8) & 0xFF, 48);
	pol.la57 = true;
	build();
	assert_int_equal(cpu.f.la_width, 57);
	assert_int_equal((q(0x80000008, 0).eax >> 8) & 0xFF, 57);
	assert_true(bit(7, 0, VCPU_ECX, 16));
	/* No APIC presented: no APIC bit, no APIC_BASE. */
	pol.apic = false;
	build();
	assert_false(bit(1, 0, VCPU_EDX, 9));
	assert_false(vcpu_has(&cpu.f, VCPU_F_APIC));
}

/* MSRs and CR4 follow CPUID, for several policies. */
static void test_msrs_and_cr4_follow_cpuid(void **state)
{
	const struct vcpu_cr_caps caps = { .cr4_fixed0 = CR4_VMXE,
					   .cr4_fixed1 = ~0ULL };

	for (int k = 0; k < 4; k++) {
		pol = (struct vcpu_cpuid_policy){ .apic = k & 1,
			.tsc_deadline = k & 1, .x2apic = k == 3,
			.rdtscp = k & 2, .xsaves = k & 1, .spec_ctrl = k & 2,
			.arch_cap = k == 1, .la57 = k & 2,
			.xcr0 = k ? ~0ULL : 0 };
		host.la57 = true;
		build();
		const struct { uint32_t msr; bool cpuid; } t[] = {
			{ MSR_IA32_TSC_DEADLINE, bit(1, 0, VCPU_ECX, 24) },
			{ MSR_IA32_APIC_BASE, bit(1, 0, VCPU_EDX, 9) },
			{ MSR_IA32_SPEC_CTRL, bit(7, 0, VCPU_EDX, 26) ||
			  bit(7, 0, VCPU_EDX, 27) || bit(7, 0, VCPU_EDX, 31) },
			{ MSR_IA32_ARCH_CAPABILITIES, bit(7, 0, VCPU_EDX, 29) },
			{ MSR_TSC_AUX, bit(0x80000001, 0, VCPU_EDX, 27) ||
			  bit(7, 0, VCPU_ECX, 22) },
			{ MSR_IA32_XSS, bit(0xD, 1, VCPU_EAX, 3) },
			{ MSR_IA32_MTRR_DEF_TYPE, bit(1, 0, VCPU_EDX, 12) },
			{ MSR_IA32_PERF_CAPABILITIES, bit(1, 0, VCPU_ECX, 15) },
			{ MSR_IA32_MCG_CAP, bit(1, 0, VCPU_EDX, 14) },
		};
		for (size_t i = 0; i < ARRAY_SIZE(t); i++)
			if (vcpu_msr_present(vcpu_msr_find(t[i].msr), &cpu.f) !=
			    t[i].cpuid)
				fail_msg("policy %d: MSR 0x%x present %d, CPUID "
					 "%d", k, t[i].msr, !t[i].cpuid,
					 t[i].cpuid);
		uint64_t cr4 = vcpu_cr4_allowed(&caps, &cpu.f);
		assert_false(cr4 & (CR4_VMXE | CR4_SMXE | CR4_CET | CR4_KL));
		assert_int_equal(!!(cr4 & CR4_OSXSAVE), bit(1, 0, VCPU_ECX, 26));
		assert_int_equal(!!(cr4 & CR4_PKE), bit(7, 0, VCPU_ECX, 3));
		assert_int_equal(!!(cr4 & CR4_LA57), bit(7, 0, VCPU_ECX, 16));
		assert_int_equal(!!(cr4 & CR4_PCIDE), bit(1, 0, VCPU_ECX, 17));
	}
}

static void test_small_host_not_overqueried(void **state)
{
	host.max = 7;
	host.max_ext = 0x80000004;
	pol.tsc_khz = 1000000;
	build();                          /* asserts no query beyond maxima */
	assert_int_equal(q(0x80000000, 0).eax, 0x80000004);
	assert_true(zero_leaf(0xD, 0));   /* the host has no leaf 0DH */
	assert_int_equal(cpu.f.maxphyaddr, 36);
	assert_int_equal(q(0, 0).eax, 0x16);
}

/* vcpu_cpuid_flat, the exit path's shortcut, gives exactly what
 * vcpu_cpuid_get gives, for every sub-leaf and guest state, and is used for
 * no leaf whose answer depends on either; leaf 0 (the benchmark's) is
 * flat. */
static void test_flat_leaves_equal_get(void **state)
{
	const struct vcpu_cpuid_state st[] = {
		{ 0 },
		{ .cr4 = CR4_OSXSAVE | CR4_PKE, .xcr0 = 7 },
	};
	unsigned nflat = 0;

	pol.xcr0 = ~0ULL;
	pol.tsc_khz = 2000000;
	build();
	assert_non_null(vcpu_cpuid_flat(&cpu, 0));
	assert_null(vcpu_cpuid_flat(&cpu, 1));     /* OSXSAVE */
	assert_null(vcpu_cpuid_flat(&cpu, 4));
	assert_null(vcpu_cpuid_flat(&cpu, 7));
	assert_null(vcpu_cpuid_flat(&cpu, 0xD));
	assert_null(vcpu_cpuid_flat(&cpu, cpu.max_basic + 1));
	assert_null(vcpu_cpuid_flat(&cpu, 0x80000000));
	for (uint32_t l = 0; l < 32; l++) {
		const struct cpuid_regs *p = vcpu_cpuid_flat(&cpu, l);

		if (!p)
			continue;
		nflat++;
		assert_true(l <= cpu.max_basic);
		for (unsigned i = 0; i < ARRAY_SIZE(st); i++)
			for (uint32_t sub = 0; sub < 4; sub++) {
				struct cpuid_regs r =
					vcpu_cpuid_get(&cpu, l, sub, &st[i]);
				assert_memory_equal(&r, p, sizeof(r));
			}
	}
	assert_true(nflat >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_only_table_bits, setup),
		cmocka_unit_test_setup(test_hidden_features, setup),
		cmocka_unit_test_setup(test_vmx_controls_off_hide, setup),
		cmocka_unit_test_setup(test_osxsave_follows_cr4, setup),
		cmocka_unit_test_setup(test_ospke_follows_cr4, setup),
		cmocka_unit_test_setup(test_hypervisor_leaves, setup),
		cmocka_unit_test_setup(test_xsave_leaf_agrees_with_xcr0, setup),
		cmocka_unit_test_setup(test_avx_families_need_xcr0, setup),
		cmocka_unit_test_setup(test_tsc_leaves, setup),
		cmocka_unit_test_setup(test_max_leaves_and_out_of_range, setup),
		cmocka_unit_test_setup(test_topology_one_vcpu, setup),
		cmocka_unit_test_setup(test_features_derived, setup),
		cmocka_unit_test_setup(test_msrs_and_cr4_follow_cpuid, setup),
		cmocka_unit_test_setup(test_small_host_not_overqueried, setup),
		cmocka_unit_test_setup(test_flat_leaves_equal_get, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
