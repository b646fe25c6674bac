/*
 * The feature set of the virtual CPU: what the guest's CPUID shows, in the
 * form the MSR table (hv/vcpu/msr.c) and the MOV-to-CR rules
 * (hv/vcpu/cr.c) consume. vcpu_cpuid_build() (hv/vcpu/cpuid.c) derives it
 * from the guest's own CPUID leaves, so CPUID, the MSRs that exist and the
 * CR4 bits that may be set are decided together: a feature the guest
 * cannot see has no MSRs and no CR4 bit (docs/virtual-cpu.md).
 *
 * Pure: no instruction, no global. SDM references are to the Intel SDM,
 * revision 084 (June 2024).
 */
#ifndef EPTLAB_VCPU_FEATURES_H
#define EPTLAB_VCPU_FEATURES_H

#include "include/types.h"

/* One bit each in struct vcpu_features.has. The CPUID bit that shows it is
 * named after each; the last group is never offered (hidden by policy) but
 * named, so the rules that need them can say why a bit is refused. */
enum vcpu_feature {
	VCPU_F_VME,          /* CPUID.1:EDX[1] */
	VCPU_F_DE,           /* CPUID.1:EDX[2] */
	VCPU_F_PSE,          /* CPUID.1:EDX[3] */
	VCPU_F_TSC,          /* CPUID.1:EDX[4] */
	VCPU_F_PAE,          /* CPUID.1:EDX[6] */
	VCPU_F_MCE,          /* CPUID.1:EDX[7] */
	VCPU_F_APIC,         /* CPUID.1:EDX[9] */
	VCPU_F_SEP,          /* CPUID.1:EDX[11] SYSENTER/SYSEXIT */
	VCPU_F_MTRR,         /* CPUID.1:EDX[12] */
	VCPU_F_PGE,          /* CPUID.1:EDX[13] */
	VCPU_F_MCA,          /* CPUID.1:EDX[14] */
	VCPU_F_PAT,          /* CPUID.1:EDX[16] */
	VCPU_F_FXSR,         /* CPUID.1:EDX[24] */
	VCPU_F_SSE,          /* CPUID.1:EDX[25] */
	VCPU_F_PCID,         /* CPUID.1:ECX[17] */
	VCPU_F_X2APIC,       /* CPUID.1:ECX[21] */
	VCPU_F_TSC_DEADLINE, /* CPUID.1:ECX[24] */
	VCPU_F_XSAVE,        /* CPUID.1:ECX[26] */
	VCPU_F_FSGSBASE,     /* CPUID.(7,0):EBX[0] */
	VCPU_F_TSC_ADJUST,   /* CPUID.(7,0):EBX[1] */
	VCPU_F_SMEP,         /* CPUID.(7,0):EBX[7] */
	VCPU_F_INVPCID,      /* CPUID.(7,0):EBX[10] */
	VCPU_F_SMAP,         /* CPUID.(7,0):EBX[20] */
	VCPU_F_UMIP,         /* CPUID.(7,0):ECX[2] */
	VCPU_F_PKU,          /* CPUID.(7,0):ECX[3] */
	VCPU_F_LA57,         /* CPUID.(7,0):ECX[16] */
	VCPU_F_RDPID,        /* CPUID.(7,0):ECX[22] */
	VCPU_F_IBRS,         /* CPUID.(7,0):EDX[26] IBRS and IBPB */
	VCPU_F_STIBP,        /* CPUID.(7,0):EDX[27] */
	VCPU_F_ARCH_CAP,     /* CPUID.(7,0):EDX[29] */
	VCPU_F_SSBD,         /* CPUID.(7,0):EDX[31] */
	VCPU_F_XSAVEC,       /* CPUID.(0xD,1):EAX[1] */
	VCPU_F_XSAVES,       /* CPUID.(0xD,1):EAX[3] */
	VCPU_F_SYSCALL,      /* CPUID.80000001H:EDX[11] */
	VCPU_F_NX,           /* CPUID.80000001H:EDX[20] */
	VCPU_F_RDTSCP,       /* CPUID.80000001H:EDX[27] */
	VCPU_F_LM,           /* CPUID.80000001H:EDX[29] */
	/* Never offered by vcpu_cpuid_build() (docs/virtual-cpu.md says why). */
	VCPU_F_PDCM,         /* CPUID.1:ECX[15]: no performance monitoring */
	VCPU_F_VMX,          /* CPUID.1:ECX[5] */
	VCPU_F_SMX,          /* CPUID.1:ECX[6] */
	VCPU_F_KL,           /* CPUID.(7,0):ECX[23] Key Locker */
	VCPU_F_CET,          /* CPUID.(7,0):ECX[7] CET_SS or EDX[20] CET_IBT */
	VCPU_F_PKS,          /* CPUID.(7,0):ECX[31] */
	VCPU_F_UINTR,        /* CPUID.(7,0):EDX[5] */
	VCPU_F_LAM,          /* CPUID.(7,1):EAX[26] */
	VCPU_F_FRED,         /* CPUID.(7,1):EAX[17] */
	VCPU_F_COUNT
};
_Static_assert(VCPU_F_COUNT <= 64, "vcpu_features.has is 64 bits");

#define VCPU_FEAT(f)  BIT(VCPU_F_##f)

struct vcpu_features {
	uint64_t has;               /* VCPU_FEAT() bits the guest sees */
	unsigned maxphyaddr;        /* CPUID.80000008H:EAX[7:0] */
	unsigned la_width;          /* linear-address width: 48, or 57 with LA57 */
	uint64_t xcr0;              /* XCR0 bits the guest may set (CPUID.(0xD,0)) */
	uint64_t arch_capabilities; /* IA32_ARCH_CAPABILITIES, with ARCH_CAP */
	uint32_t ucode_rev;         /* IA32_BIOS_SIGN_ID[63:32] */
};

/* "TSC_DEADLINE" for VCPU_F_TSC_DEADLINE (hv/vcpu/features.c). */
const char *vcpu_feature_name(enum vcpu_feature x);

static inline bool vcpu_has(const struct vcpu_features *f, enum vcpu_feature x)
{
	return f->has & BIT(x);
}

/* Canonical for a linear-address width of 'width' bits: bits 63:width-1
 * all equal (SDM Vol. 1 "Canonical Addressing"). */
static inline bool vcpu_canonical(uint64_t va, unsigned width)
{
	unsigned s = 64 - width;

	return (uint64_t)((int64_t)(va << s) >> s) == va;
}

/* Bits at and above MAXPHYADDR: reserved in every physical address. */
static inline uint64_t vcpu_pa_rsvd(const struct vcpu_features *f)
{
	return ~GENMASK(f->maxphyaddr - 1, 0);
}

#endif
