/*
 * XSETBV: the checks a guest's write to XCR0 must pass, as pure decisions
 * (docs/virtual-cpu.md, "XSETBV"). The exit handler passes the guest's
 * ECX, EDX:EAX, CPL and CR4.OSXSAVE and the XCR0 bits the virtual CPU
 * supports (struct vcpu_features.xcr0); a verdict other than OK is
 * injected, so no value the host has not validated ever reaches the host's
 * XSETBV.
 *
 * SDM revision 084: Vol. 1 "XSAVE-Supported Features and State-Component
 * Bitmaps", Vol. 2D "XSETBV".
 */
#ifndef EPTLAB_VCPU_XCR0_H
#define EPTLAB_VCPU_XCR0_H

#include "include/types.h"

/* XCR0 state components (SDM Vol. 1 "XSAVE-Supported Features and
 * State-Component Bitmaps"). */
#define XCR0_X87        BIT(0)
#define XCR0_SSE        BIT(1)
#define XCR0_AVX        BIT(2)     /* YMM_Hi128 */
#define XCR0_BNDREGS    BIT(3)     /* MPX */
#define XCR0_BNDCSR     BIT(4)     /* MPX */
#define XCR0_OPMASK     BIT(5)     /* AVX-512 */
#define XCR0_ZMM_HI256  BIT(6)     /* AVX-512 */
#define XCR0_HI16_ZMM   BIT(7)     /* AVX-512 */
#define XCR0_PKRU       BIT(9)
#define XCR0_XTILECFG   BIT(17)    /* AMX */
#define XCR0_XTILEDATA  BIT(18)    /* AMX */
#define XCR0_MPX        (XCR0_BNDREGS | XCR0_BNDCSR)
#define XCR0_AVX512     (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_AMX        (XCR0_XTILECFG | XCR0_XTILEDATA)
/* The user state components eptlab knows; other bits are never offered
 * (supervisor components belong in IA32_XSS, newer ones are unknown). */
#define XCR0_KNOWN      (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_MPX | \
			 XCR0_AVX512 | XCR0_PKRU | XCR0_AMX)

enum vcpu_xcr0_result {
	VCPU_XCR0_OK,   /* the caller sets the guest's XCR0 to the value */
	VCPU_XCR0_GP,   /* inject #GP(0) */
	VCPU_XCR0_UD,   /* inject #UD */
};

struct vcpu_xcr0_verdict {
	enum vcpu_xcr0_result result;
	const char *rule;       /* the rule broken (NULL when OK) */
	const char *sdm;        /* its SDM section */
};

/* Decide a guest XSETBV of 'val' to XCR[ecx] at privilege 'cpl'.
 * 'supported' is the XCR0 bits the guest may set; it must itself obey the
 * rules (vcpu_xcr0_supported() makes it so). */
struct vcpu_xcr0_verdict vcpu_xcr0_check(uint32_t ecx, uint64_t val,
					 unsigned cpl, bool cr4_osxsave,
					 uint64_t supported);

/* The XCR0 bits a guest may set: 'host' (CPUID.(0xD,0):EDX:EAX) limited to
 * 'allowed' (the caller's policy) and XCR0_KNOWN, then reduced until every
 * XSETBV rule holds for the whole mask: x87 always, AVX only with SSE,
 * AVX-512 only complete and with AVX, MPX and AMX only in pairs. 0 if the
 * host lacks x87 or SSE (XSAVE is then hidden). */
uint64_t vcpu_xcr0_supported(uint64_t host, uint64_t allowed);

#endif
