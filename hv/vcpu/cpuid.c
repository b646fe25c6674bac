/*
 * The guest's CPUID leaves (hv/vcpu/cpuid.h). SDM revision 084, Vol. 2A
 * "CPUID—CPU Identification" for every leaf and field.
 */
#include "hv/vcpu/cpuid.h"
#include "hv/vcpu/xcr0.h"
#include "include/hypercall.h"

#define XSAVE_LEGACY 576            /* legacy area 512 + header 64 */

static uint32_t *reg(struct cpuid_regs *r, unsigned which)
{
	switch (which) {
	case VCPU_EAX: return &r->eax;
	case VCPU_EBX: return &r->ebx;
	case VCPU_ECX: return &r->ecx;
	default:       return &r->edx;
	}
}

/* Where the guest value of (leaf, subleaf) is stored, or NULL if that
 * leaf reads 0 (not kept). */
static const struct cpuid_regs *slot_c(const struct vcpu_cpuid *c,
				       uint32_t leaf, uint32_t sub)
{
	switch (leaf) {
	case 0x4:  return sub < VCPU_CPUID_L4_SUBS ? &c->leaf4[sub] : NULL;
	case 0x7:  return sub < 2 ? &c->leaf7[sub] : NULL;
	case 0xD:  return sub < 64 ? &c->leafd[sub] : NULL;
	case 0x1D: return sub < 2 ? &c->leaf1d[sub] : NULL;
	/* Leaves with sub-leaves that read 0 here (topology, RDT, SGX, PT,
	 * SoC, TLB, v2 topology): any sub-leaf but 0x1E.0 is 0. */
	case 0xB: case 0xF: case 0x10: case 0x12: case 0x14: case 0x17:
	case 0x18: case 0x1F:
		return NULL;
	case 0x1E:
		return sub == 0 ? &c->basic[0x1E] : NULL;
	}
	if (leaf <= VCPU_CPUID_BASIC_LAST)
		return &c->basic[leaf];
	if (leaf >= 0x80000000 && leaf <= VCPU_CPUID_EXT_LAST)
		return &c->ext[leaf - 0x80000000];
	return NULL;
}

/* The same slot, writable, while building. */
static struct cpuid_regs *slot(struct vcpu_cpuid *c, uint32_t leaf,
			       uint32_t sub)
{
	return (struct cpuid_regs *)slot_c(c, leaf, sub);
}

/* Is the row's condition met? */
static bool cond_ok(unsigned cond, const struct vcpu_cpuid_policy *p,
		    uint64_t xcr0)
{
	switch (cond) {
	case VCPU_C_HOST:      return true;
	case VCPU_C_XSAVE:     return xcr0 != 0;
	case VCPU_C_AVX:       return xcr0 & XCR0_AVX;
	case VCPU_C_AVX512:    return xcr0 & XCR0_AVX512;
	case VCPU_C_AMX:       return xcr0 & XCR0_AMX;
	case VCPU_C_PKRU:      return xcr0 & XCR0_PKRU;
	case VCPU_C_INVPCID:   return p->invpcid;
	case VCPU_C_RDTSCP:    return p->rdtscp;
	case VCPU_C_XSAVES:    return p->xsaves && xcr0;
	case VCPU_C_APIC:      return p->apic;
	case VCPU_C_X2APIC:    return p->x2apic && p->apic;
	case VCPU_C_DEADLINE:  return p->tsc_deadline && p->apic;
	case VCPU_C_LA57:      return p->la57;
	case VCPU_C_SPEC_CTRL: return p->spec_ctrl;
	case VCPU_C_ARCH_CAP:  return p->arch_cap;
	}
	return false;
}

/* The host's value of each leaf the guest sees, feature registers reduced
 * to the bits of the table (every other bit hidden). */
static void take_host(struct vcpu_cpuid *c, const struct vcpu_cpuid_policy *p,
		      uint64_t xcr0,
		      struct cpuid_regs (*host)(void *, uint32_t, uint32_t),
		      void *ctx, uint32_t host_max, uint32_t host_max_ext)
{
	/* Feature registers: start from 0 and let the table's bits in. */
	static const struct { uint32_t leaf, sub; } feat[] = {
		{ 0x1, 0 }, { 0x7, 0 }, { 0x7, 1 }, { 0xD, 1 },
		{ 0x80000001, 0 }, { 0x80000007, 0 }, { 0x80000008, 0 } };
	struct cpuid_regs hf[ARRAY_SIZE(feat)] = { 0 };
	size_t n;
	const struct vcpu_cpuid_bit *b = vcpu_cpuid_bits(&n);

	for (size_t i = 0; i < ARRAY_SIZE(feat); i++) {
		uint32_t l = feat[i].leaf;
		if (l <= host_max || (l >= 0x80000000 && l <= host_max_ext))
			hf[i] = host(ctx, l, feat[i].sub);
	}
	for (size_t i = 0; i < n; i++) {
		size_t k = 0;
		while (feat[k].leaf != b[i].leaf || feat[k].sub != b[i].subleaf)
			k++;
		struct cpuid_regs *dst = slot(c, b[i].leaf, b[i].subleaf);
		uint32_t bit = 1u << b[i].bit;
		if ((*reg(&hf[k], b[i].reg) & bit) && cond_ok(b[i].cond, p, xcr0))
			*reg(dst, b[i].reg) |= bit;
	}
	/* Whole leaves passed as they are: cache and TLB descriptors, the
	 * brand string, L2 cache parameters. */
	if (host_max >= 2)
		c->basic[2] = host(ctx, 2, 0);
	for (uint32_t l = 0x80000002; l <= 0x80000006 && l <= host_max_ext; l++)
		if (l != 0x80000005)
			c->ext[l - 0x80000000] = host(ctx, l, 0);
	/* Leaf 4: the caches, for one core and one thread (EAX[31:14] = 0). */
	for (uint32_t s = 0; host_max >= 4 && s < VCPU_CPUID_L4_SUBS; s++) {
		struct cpuid_regs r = host(ctx, 4, s);
		if (!(r.eax & 0x1F))             /* type 0: no more caches */
			break;
		r.eax &= GENMASK(13, 0);
		c->leaf4[s] = r;
	}
	/* AMX palettes and TMUL information, with AMX state. */
	if ((xcr0 & XCR0_AMX) && host_max >= 0x1E) {
		c->leaf1d[0] = host(ctx, 0x1D, 0);
		c->leaf1d[1] = host(ctx, 0x1D, 1);
		c->basic[0x1E] = host(ctx, 0x1E, 0);
	}
}

/* XSAVE: sub-leaf 0 EAX/EDX are the XCR0 bits the guest may set; each
 * such component i >= 2 keeps the host's size, offset and alignment. */
static void build_xsave(struct vcpu_cpuid *c, uint64_t xcr0,
			struct cpuid_regs (*host)(void *, uint32_t, uint32_t),
			void *ctx)
{
	uint32_t all = XSAVE_LEGACY;

	if (!xcr0)
		return;
	for (unsigned i = 2; i < 64; i++) {
		if (!(xcr0 & BIT(i)))
			continue;
		struct cpuid_regs r = host(ctx, 0xD, i);
		c->leafd[i] = (struct cpuid_regs){ r.eax, r.ebx, r.ecx & BIT(1),
						   0 };
		all = MAX(all, r.eax + r.ebx);
	}
	c->leafd[0].eax = (uint32_t)xcr0;
	c->leafd[0].edx = (uint32_t)(xcr0 >> 32);
	c->leafd[0].ecx = all;
}

/* Leaves 15H and 16H: the host's when they describe the guest TSC (TSC
 * scaling off), else made from the known TSC frequency: crystal = TSC
 * rate (halved until it fits ECX), ratio 1 or 2; base and maximum
 * frequency in MHz. */
static void build_tsc(struct vcpu_cpuid *c, const struct vcpu_cpuid_policy *p,
		      struct cpuid_regs (*host)(void *, uint32_t, uint32_t),
		      void *ctx, uint32_t host_max)
{
	struct cpuid_regs h15 = { 0 }, h16 = { 0 };

	if (host_max >= 0x15 && !p->tsc_scaling)
		h15 = host(ctx, 0x15, 0);
	if (host_max >= 0x16 && !p->tsc_scaling)
		h16 = host(ctx, 0x16, 0);
	if (h15.eax && h15.ebx && h15.ecx) {
		c->basic[0x15] = (struct cpuid_regs){ h15.eax, h15.ebx, h15.ecx,
						      0 };
	} else if (p->tsc_khz) {
		uint64_t hz = p->tsc_khz * 1000;
		uint32_t k = 1;
		while (hz / k > UINT32_MAX)
			k++;
		c->basic[0x15] = (struct cpuid_regs){ 1, k, (uint32_t)(hz / k),
						      0 };
	}
	if (h16.eax) {
		c->basic[0x16] = (struct cpuid_regs){ h16.eax & 0xFFFF,
						      h16.ebx & 0xFFFF,
						      h16.ecx & 0xFFFF, 0 };
	} else if (p->tsc_khz) {
		uint32_t mhz = (uint32_t)MIN(p->tsc_khz / 1000, 0xFFFF);
		c->basic[0x16] = (struct cpuid_regs){ mhz, mhz, 0, 0 };
	}
}

/* The feature set the leaves show (struct vcpu_features). */
static void derive(struct vcpu_cpuid *c, const struct vcpu_cpuid_policy *p,
		   uint64_t xcr0)
{
	static const struct { uint32_t leaf; uint8_t sub, reg, bit, f; } map[] = {
#define M(l, s, r, b, f) { l, s, VCPU_##r, b, VCPU_F_##f }
		M(0x1, 0, EDX, 1, VME), M(0x1, 0, EDX, 2, DE),
		M(0x1, 0, EDX, 3, PSE), M(0x1, 0, EDX, 4, TSC),
		M(0x1, 0, EDX, 6, PAE), M(0x1, 0, EDX, 7, MCE),
		M(0x1, 0, EDX, 9, APIC), M(0x1, 0, EDX, 11, SEP),
		M(0x1, 0, EDX, 12, MTRR), M(0x1, 0, EDX, 13, PGE),
		M(0x1, 0, EDX, 14, MCA), M(0x1, 0, EDX, 16, PAT),
		M(0x1, 0, EDX, 24, FXSR), M(0x1, 0, EDX, 25, SSE),
		M(0x1, 0, ECX, 15, PDCM), M(0x1, 0, ECX, 17, PCID),
		M(0x1, 0, ECX, 21, X2APIC), M(0x1, 0, ECX, 24, TSC_DEADLINE),
		M(0x1, 0, ECX, 26, XSAVE), M(0x7, 0, EBX, 0, FSGSBASE),
		M(0x7, 0, EBX, 1, TSC_ADJUST), M(0x7, 0, EBX, 7, SMEP),
		M(0x7, 0, EBX, 10, INVPCID), M(0x7, 0, EBX, 20, SMAP),
		M(0x7, 0, ECX, 2, UMIP), M(0x7, 0, ECX, 3, PKU),
		M(0x7, 0, ECX, 16, LA57), M(0x7, 0, ECX, 22, RDPID),
		M(0x7, 0, EDX, 26, IBRS), M(0x7, 0, EDX, 27, STIBP),
		M(0x7, 0, EDX, 29, ARCH_CAP), M(0x7, 0, EDX, 31, SSBD),
		M(0xD, 1, EAX, 1, XSAVEC), M(0xD, 1, EAX, 3, XSAVES),
		M(0x80000001, 0, EDX, 11, SYSCALL),
		M(0x80000001, 0, EDX, 20, NX),
		M(0x80000001, 0, EDX, 27, RDTSCP),
		M(0x80000001, 0, EDX, 29, LM),
#undef M
	};
	struct vcpu_features *f = &c->f;

	*f = (struct vcpu_features){ .xcr0 = xcr0,
				     .arch_capabilities = p->arch_capabilities,
				     .ucode_rev = p->ucode_rev };
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (*reg(slot(c, map[i].leaf, map[i].sub), map[i].reg) &
		    (1u << map[i].bit))
			f->has |= BIT(map[i].f);
	f->la_width = vcpu_has(f, VCPU_F_LA57) ? 57 : 48;
	f->maxphyaddr = c->ext[8].eax & 0xFF;
	/* Without leaf 80000008H: 36 bits (SDM Vol. 3A "Physical Address
	 * Extension"). */
	if (!f->maxphyaddr)
		f->maxphyaddr = 36;
	c->ext[8].eax = (c->ext[8].eax & 0xFF) | (f->la_width << 8);
}

void vcpu_cpuid_build(struct vcpu_cpuid *c, const struct vcpu_cpuid_policy *p,
		      struct cpuid_regs (*host)(void *ctx, uint32_t leaf,
						uint32_t subleaf),
		      void *ctx)
{
	struct cpuid_regs h0 = host(ctx, 0, 0), e0 = host(ctx, 0x80000000, 0);
	uint32_t host_max = h0.eax, host_max_ext = e0.eax;
	uint64_t host_xcr0 = 0, xcr0;
	bool host_xsave = false;

	*c = (struct vcpu_cpuid){ 0 };
	if (host_max_ext < 0x80000000 || host_max_ext > 0x8000FFFF)
		host_max_ext = 0;       /* no extended leaves */
	if (host_max >= 1)
		host_xsave = host(ctx, 1, 0).ecx & CPUID_1_ECX_XSAVE;
	if (host_xsave && host_max >= 0xD) {
		struct cpuid_regs d = host(ctx, 0xD, 0);
		host_xcr0 = ((uint64_t)d.edx << 32) | d.eax;
	}
	/* MPX is hidden (IA32_BNDCFGS is not in the MSR table): so is its
	 * state. */
	xcr0 = vcpu_xcr0_supported(host_xcr0, p->xcr0 & ~XCR0_MPX);

	take_host(c, p, xcr0, host, ctx, host_max, host_max_ext);
	build_xsave(c, xcr0, host, ctx);
	build_tsc(c, p, host, ctx, host_max);

	/* Leaf 0: the maximum leaf and the vendor. Past 16H only the AMX
	 * leaves carry data. */
	c->max_basic = MIN(host_max, (xcr0 & XCR0_AMX) ? 0x1EU : 0x16U);
	if (c->basic[0x15].ecx && c->max_basic < 0x16)
		c->max_basic = 0x16;   /* the TSC leaves are made, not host's */
	c->basic[0] = (struct cpuid_regs){ c->max_basic, h0.ebx, h0.ecx,
					   h0.edx };
	/* Leaf 1: version from the host; brand index and CLFLUSH size kept,
	 * one logical processor (HTT clear), the vCPU's APIC ID; the
	 * hypervisor bit. OSXSAVE is added per query. */
	if (host_max >= 1) {
		struct cpuid_regs h1 = host(ctx, 1, 0);
		c->basic[1].eax = h1.eax;
		c->basic[1].ebx = (h1.ebx & 0xFFFF) | (1u << 16) |
				  ((uint32_t)p->apic_id << 24);
	}
	c->basic[1].ecx |= CPUID_1_ECX_HYPERVISOR;
	/* Leaf 7: sub-leaves 0 and 1 (EAX of sub-leaf 0 is the maximum). */
	if (host_max >= 7)
		c->leaf7[0].eax = MIN(host(ctx, 7, 0).eax, 1U);
	/* Extended leaves up to 80000008H. */
	c->max_ext = host_max_ext ? MIN(host_max_ext, VCPU_CPUID_EXT_LAST) :
				    0x80000000;
	c->ext[0].eax = c->max_ext;
	if (host_max_ext >= 0x80000001)
		c->ext[1].eax = host(ctx, 0x80000001, 0).eax;
	if (host_max_ext >= 0x80000008)
		c->ext[8].eax = host(ctx, 0x80000008, 0).eax & 0xFF;
	derive(c, p, xcr0);

	/* The leaves that vcpu_cpuid_get() answers from basic[] alone: all
	 * up to the maximum but those with sub-leaves of their own (4, 7,
	 * 0DH, 1DH, 1EH) and leaf 1 (OSXSAVE follows CR4). The leaves whose
	 * sub-leaves all read 0 (0BH, 0FH, ...) are flat: basic[] is 0. */
	for (uint32_t l = 0; l <= c->max_basic && l < 32; l++)
		if (l != 1 && slot_c(c, l, 1) == &c->basic[l])
			c->flat |= 1u << l;
		else if (l != 1 && !slot_c(c, l, 1) && !slot_c(c, l, 0))
			c->flat |= 1u << l;
}

/* ------------------------------------------------------------- query */

/* Standard-format size for the components in 'mask' (CPUID.(0DH,0).EBX),
 * or compacted (CPUID.(0DH,1).EBX), from the stored component layout. */
static uint32_t xsave_size(const struct vcpu_cpuid *c, uint64_t mask,
			   bool compacted)
{
	uint32_t size = XSAVE_LEGACY;

	for (unsigned i = 2; i < 64; i++) {
		const struct cpuid_regs *r = &c->leafd[i];

		if (!(mask & BIT(i)) || !r->eax)
			continue;
		if (!compacted)
			size = MAX(size, r->eax + r->ebx);
		else
			size = (uint32_t)((r->ecx & BIT(1)) ? ALIGN_UP(size, 64)
							    : size) + r->eax;
	}
	return size;
}

struct cpuid_regs vcpu_cpuid_get(const struct vcpu_cpuid *c, uint32_t leaf,
				 uint32_t sub,
				 const struct vcpu_cpuid_state *s)
{
	const struct cpuid_regs *p;
	struct cpuid_regs r = { 0 };

	if (leaf >= HC_CPUID_LEAF && leaf <= VCPU_CPUID_HV_LAST) {
		if (leaf == HC_CPUID_LEAF)
			r = (struct cpuid_regs){ HC_CPUID_LEAF, HC_CPUID_SIG_EBX,
						 HC_CPUID_SIG_ECX,
						 HC_CPUID_SIG_EDX };
		return r;
	}
	/* SDM "CPUID": a leaf above the maximum basic or extended leaf
	 * returns the data of the highest basic leaf. */
	if (leaf > c->max_basic && !(leaf >= 0x80000000 && leaf <= c->max_ext))
		leaf = c->max_basic;
	p = slot_c(c, leaf, sub);
	if (p)
		r = *p;
	if (leaf == 1 && (c->f.has & VCPU_FEAT(XSAVE)) &&
	    (s->cr4 & CR4_OSXSAVE))
		r.ecx |= BIT(27);                       /* OSXSAVE */
	if (leaf == 7 && sub == 0 && (c->f.has & VCPU_FEAT(PKU)) &&
	    (s->cr4 & CR4_PKE))
		r.ecx |= BIT(4);                        /* OSPKE */
	if (leaf == 0xD && sub == 0 && c->f.xcr0)
		r.ebx = xsave_size(c, s->xcr0 & c->f.xcr0, false);
	if (leaf == 0xD && sub == 1 && (r.eax & (BIT(1) | BIT(3))))
		r.ebx = xsave_size(c, (s->xcr0 & c->f.xcr0) | s->xss, true);
	return r;
}
