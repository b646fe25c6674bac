/*
 * The guest's CPUID: a defined virtual CPU (docs/virtual-cpu.md, "CPUID").
 *
 * vcpu_cpuid_build() asks the caller for the host's leaves (the caller
 * executes CPUID) and builds the guest's: every feature bit is hidden
 * unless a row of the bit table (hv/vcpu/cpuid_bits.c) shows it and that
 * row's condition holds; the other fields are computed (topology of one
 * vCPU, the hypervisor leaves, XSAVE sizes for the XCR0 the guest may set,
 * the TSC frequency). From the result it derives the feature set
 * (struct vcpu_features) that the MSR table and the CR rules use, so
 * CPUID, MSRs and CR4 agree. vcpu_cpuid_get() answers one guest CPUID from
 * the built leaves and the guest's current CR4, XCR0 and XSS (OSXSAVE,
 * OSPKE and the XSAVE sizes follow them).
 *
 * Pure. Only the constants and struct cpuid_regs of include/x86.h are
 * used. SDM revision 084, Vol. 2A "CPUID—CPU Identification".
 */
#ifndef EPTLAB_VCPU_CPUID_H
#define EPTLAB_VCPU_CPUID_H

#include "include/types.h"
#include "include/x86.h"
#include "hv/vcpu/features.h"

/* How the hypervisor sets the guest up: the VMX controls it turns on and
 * what it virtualizes. Everything defaults to "not offered". */
struct vcpu_cpuid_policy {
	/* Secondary processor-based controls that are on. */
	bool invpcid;           /* "enable INVPCID": INVPCID */
	bool rdtscp;            /* "enable RDTSCP": RDTSCP and RDPID */
	bool xsaves;            /* "enable XSAVES/XRSTORS": XSAVES */
	bool user_wait_pause;   /* WAITPKG stays hidden even so: its MSR
				   IA32_UMWAIT_CONTROL is not in the table */
	bool tsc_scaling;       /* "use TSC scaling": the host's leaves 15H
				   and 16H no longer describe the guest TSC */
	/* Devices and state the hypervisor virtualizes. */
	bool apic;              /* an xAPIC (CPUID.1:EDX.APIC, APIC_BASE) */
	bool x2apic;            /* x2APIC mode (default: not virtualized) */
	bool tsc_deadline;      /* the TSC-deadline timer */
	bool la57;              /* 5-level paging, if the host has it */
	bool spec_ctrl;         /* IA32_SPEC_CTRL switched and IA32_PRED_CMD
				   handled: IBRS/IBPB, STIBP, SSBD */
	bool arch_cap;          /* IA32_ARCH_CAPABILITIES = arch_capabilities */
	uint64_t arch_capabilities;
	uint32_t ucode_rev;     /* IA32_BIOS_SIGN_ID[63:32] */
	uint64_t tsc_khz;       /* the guest's TSC frequency, 0 = unknown */
	uint64_t xcr0;          /* XCR0 bits the guest may set (then limited
				   by the host and the XSETBV rules) */
	uint8_t apic_id;        /* CPUID.1:EBX[31:24] */
};

/* The guest's state that CPUID reflects at the time of the query. */
struct vcpu_cpuid_state {
	uint64_t cr4;           /* OSXSAVE (bit 18), PKE (bit 22) */
	uint64_t xcr0;          /* CPUID.(0DH,0):EBX */
	uint64_t xss;           /* CPUID.(0DH,1):EBX */
};

#define VCPU_CPUID_BASIC_LAST 0x1E         /* highest basic leaf stored */
#define VCPU_CPUID_EXT_LAST   0x80000008   /* highest extended leaf */
#define VCPU_CPUID_L4_SUBS    8            /* cache levels kept */
#define VCPU_CPUID_HV_LAST    0x4FFFFFFF   /* the hypervisor range */

/* The built guest leaves. */
struct vcpu_cpuid {
	uint32_t max_basic, max_ext;
	struct cpuid_regs basic[VCPU_CPUID_BASIC_LAST + 1];  /* sub-leaf 0 */
	struct cpuid_regs leaf4[VCPU_CPUID_L4_SUBS];
	struct cpuid_regs leaf7[2];
	struct cpuid_regs leafd[64];
	struct cpuid_regs leaf1d[2];
	struct cpuid_regs ext[VCPU_CPUID_EXT_LAST - 0x80000000 + 1];
	struct vcpu_features f;     /* what the leaves show, for msr.c, cr.c */
	/* Bit l set: basic leaf l (l < 32) reads basic[l] for every
	 * sub-leaf and every guest state, so an exit handler may answer it
	 * without vcpu_cpuid_get() (vcpu_cpuid_flat()). */
	uint32_t flat;
};

/* Build the guest's leaves from the host's: host(ctx, leaf, subleaf) must
 * return what CPUID returns on the host. It is asked only for leaves up to
 * the host's own maxima. */
void vcpu_cpuid_build(struct vcpu_cpuid *c, const struct vcpu_cpuid_policy *p,
		      struct cpuid_regs (*host)(void *ctx, uint32_t leaf,
						uint32_t subleaf),
		      void *ctx);

/* The guest's CPUID(leaf, subleaf). Out of range (above the maximum basic
 * leaf and not a valid extended or hypervisor leaf): the highest basic
 * leaf's data, as Intel CPUs do; unused hypervisor leaves read 0. */
struct cpuid_regs vcpu_cpuid_get(const struct vcpu_cpuid *c, uint32_t leaf,
				 uint32_t subleaf,
				 const struct vcpu_cpuid_state *s);

/* The common case of vcpu_cpuid_get(), for the exit path: the answer to
 * basic leaf 'leaf' if it depends on neither the sub-leaf nor the guest's
 * state (leaves 0, 2, 3, 5, 6, 8-0CH, ... up to the maximum); NULL: ask
 * vcpu_cpuid_get(). Same result, by construction and by
 * tests/unit/test_vcpu_cpuid.c. */
static inline const struct cpuid_regs *vcpu_cpuid_flat(const struct vcpu_cpuid *c,
						       uint32_t leaf)
{
	if (leaf < 32 && (c->flat >> leaf) & 1)
		return &c->basic[leaf];
	return NULL;
}

/* ---- the bit table (hv/vcpu/cpuid_bits.c), also in docs/virtual-cpu.md */

enum vcpu_cpuid_reg { VCPU_EAX, VCPU_EBX, VCPU_ECX, VCPU_EDX };

/* When a row's bit is shown (besides the host having it). */
enum vcpu_cpuid_cond {
	VCPU_C_HOST,          /* always */
	VCPU_C_XSAVE,         /* XSAVE offered: XCR0 allows x87 and SSE */
	VCPU_C_AVX,           /* XCR0 allows AVX */
	VCPU_C_AVX512,        /* XCR0 allows AVX-512 */
	VCPU_C_AMX,           /* XCR0 allows AMX */
	VCPU_C_PKRU,          /* XCR0 allows PKRU */
	VCPU_C_INVPCID,       /* policy.invpcid */
	VCPU_C_RDTSCP,        /* policy.rdtscp */
	VCPU_C_XSAVES,        /* policy.xsaves, with XSAVE */
	VCPU_C_APIC,          /* policy.apic */
	VCPU_C_X2APIC,        /* policy.x2apic, with the APIC */
	VCPU_C_DEADLINE,      /* policy.tsc_deadline, with the APIC */
	VCPU_C_LA57,          /* policy.la57 */
	VCPU_C_SPEC_CTRL,     /* policy.spec_ctrl */
	VCPU_C_ARCH_CAP,      /* policy.arch_cap */
	VCPU_C_COUNT
};

struct vcpu_cpuid_bit {
	uint32_t leaf;
	uint8_t subleaf, reg, bit, cond;    /* enum vcpu_cpuid_reg, _cond */
	const char *name;
};

const struct vcpu_cpuid_bit *vcpu_cpuid_bits(size_t *n);
/* "host", "AVX", ... as in docs/virtual-cpu.md. */
const char *vcpu_cpuid_cond_name(enum vcpu_cpuid_cond c);

#endif
