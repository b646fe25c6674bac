/*
 * XSETBV checks (hv/vcpu/xcr0.h). The rules in the order of the
 * exceptions in SDM Vol. 2D "XSETBV"; the state-component dependencies
 * from Vol. 1 "XSAVE-Supported Features and State-Component Bitmaps".
 * SDM revision 084.
 */
#include "hv/vcpu/xcr0.h"

#define SDM_XSETBV "Vol. 2D \"XSETBV\""
#define SDM_XCR0   "Vol. 1 \"XSAVE-Supported Features and State-Component " \
		   "Bitmaps\""

static struct vcpu_xcr0_verdict verdict(enum vcpu_xcr0_result r,
					const char *rule, const char *sdm)
{
	return (struct vcpu_xcr0_verdict){ r, rule, sdm };
}

/* Both bits of a pair set, or neither. */
static bool pair_ok(uint64_t v, uint64_t pair)
{
	return (v & pair) == 0 || (v & pair) == pair;
}

struct vcpu_xcr0_verdict vcpu_xcr0_check(uint32_t ecx, uint64_t val,
					 unsigned cpl, bool cr4_osxsave,
					 uint64_t supported)
{
	/* #UD comes before the privilege check. */
	if (!cr4_osxsave)
		return verdict(VCPU_XCR0_UD, "XSETBV with CR4.OSXSAVE = 0",
			       SDM_XSETBV);
	if (cpl != 0)
		return verdict(VCPU_XCR0_GP, "XSETBV at CPL > 0", SDM_XSETBV);
	if (ecx != 0)
		return verdict(VCPU_XCR0_GP,
			       "ECX names an XCR other than XCR0", SDM_XSETBV);
	if (val & ~supported)
		return verdict(VCPU_XCR0_GP,
			       "sets a bit the CPU does not support in XCR0 "
			       "(CPUID.(EAX=0DH,ECX=0):EDX:EAX)", SDM_XSETBV);
	if (!(val & XCR0_X87))
		return verdict(VCPU_XCR0_GP, "XCR0[0] (x87) cleared", SDM_XCR0);
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return verdict(VCPU_XCR0_GP,
			       "XCR0[2:1] = 10b (AVX without SSE)", SDM_XCR0);
	if (!pair_ok(val, XCR0_MPX))
		return verdict(VCPU_XCR0_GP,
			       "XCR0[4:3] = 01b or 10b (MPX: BNDREGS and "
			       "BNDCSR differ)", SDM_XCR0);
	if (!pair_ok(val, XCR0_AVX512))
		return verdict(VCPU_XCR0_GP,
			       "XCR0[7:5] neither 000b nor 111b (AVX-512 "
			       "state incomplete)", SDM_XCR0);
	if ((val & XCR0_AVX512) && !(val & XCR0_AVX))
		return verdict(VCPU_XCR0_GP,
			       "XCR0[7:5] = 111b while XCR0[2:1] != 11b "
			       "(AVX-512 without AVX)", SDM_XCR0);
	if (!pair_ok(val, XCR0_AMX))
		return verdict(VCPU_XCR0_GP,
			       "XCR0[18:17] = 01b or 10b (AMX: XTILECFG and "
			       "XTILEDATA differ)", SDM_XCR0);
	return verdict(VCPU_XCR0_OK, NULL, NULL);
}

uint64_t vcpu_xcr0_supported(uint64_t host, uint64_t allowed)
{
	uint64_t m = host & allowed & XCR0_KNOWN;

	if ((m & (XCR0_X87 | XCR0_SSE)) != (XCR0_X87 | XCR0_SSE))
		return 0;
	if (!pair_ok(m, XCR0_MPX))
		m &= ~XCR0_MPX;
	if (!pair_ok(m, XCR0_AVX512) || !(m & XCR0_AVX))
		m &= ~XCR0_AVX512;
	if (!pair_ok(m, XCR0_AMX))
		m &= ~XCR0_AMX;
	return m;
}
