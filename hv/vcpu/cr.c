/*
 * MOV-to-CR rules (hv/vcpu/cr.h). Each rule names itself and its SDM
 * section; the checks follow the order of the exception list in SDM
 * Vol. 2B "MOV—Move to/from Control Registers". SDM revision 084.
 */
#include "hv/vcpu/cr.h"

#define SDM_MOVCR  "Vol. 2B \"MOV—Move to/from Control Registers\""
#define SDM_CRS    "Vol. 3A \"Control Registers\""
#define SDM_MODES  "Vol. 3A \"Paging-Mode Enabling\""
#define SDM_PCID   "Vol. 3A \"Process-Context Identifiers (PCIDs)\""
#define SDM_PDPTE  "Vol. 3A \"PDPTE Registers\""
#define SDM_VMXFIX "Vol. 3D \"VMX-Fixed Bits in CR4\""

/* The CR0 bits that exist; writes of the others are ignored (they read as
 * 0) and ET reads as 1 (SDM Vol. 3A "Control Registers"). */
#define CR0_DEFINED (CR0_PE | CR0_MP | CR0_EM | CR0_TS | CR0_ET | CR0_NE | \
		     CR0_WP | CR0_AM | CR0_NW | CR0_CD | CR0_PG)

/* The CR4 bits that exist, each with the feature it needs: a bit whose
 * feature the guest does not see is reserved for it. */
#define CR4_ALWAYS VCPU_F_COUNT
static const struct cr4_bit {
	uint64_t bit;
	unsigned feature;          /* enum vcpu_feature, or CR4_ALWAYS */
	const char *rule;          /* why setting it is #GP without it */
} cr4_bits[] = {
#define B(b, n, feat, what) \
	{ CR4_##n, VCPU_F_##feat, "CR4." #n " set, but " what \
	  " is not offered to the guest" }
	B(0, VME, VME, "VME"),
	B(1, PVI, VME, "VME"),
	B(2, TSD, TSC, "the TSC"),
	B(3, DE, DE, "DE"),
	B(4, PSE, PSE, "PSE"),
	B(5, PAE, PAE, "PAE"),
	B(6, MCE, MCE, "MCE"),
	B(7, PGE, PGE, "PGE"),
	{ CR4_PCE, CR4_ALWAYS, NULL },
	B(9, OSFXSR, FXSR, "FXSR"),
	B(10, OSXMMEXCPT, SSE, "SSE"),
	B(11, UMIP, UMIP, "UMIP"),
	B(12, LA57, LA57, "5-level paging"),
	B(13, VMXE, VMX, "VMX"),
	B(14, SMXE, SMX, "SMX"),
	B(16, FSGSBASE, FSGSBASE, "FSGSBASE"),
	B(17, PCIDE, PCID, "PCID"),
	B(18, OSXSAVE, XSAVE, "XSAVE"),
	B(19, KL, KL, "Key Locker"),
	B(20, SMEP, SMEP, "SMEP"),
	B(21, SMAP, SMAP, "SMAP"),
	B(22, PKE, PKU, "PKU"),
	B(23, CET, CET, "CET"),
	B(24, PKS, PKS, "PKS"),
	B(25, UINTR, UINTR, "user interrupts"),
	B(28, LAM_SUP, LAM, "LAM"),
	B(32, FRED, FRED, "FRED"),
#undef B
};

static struct vcpu_cr_verdict gp(const char *rule, const char *sdm,
				 uint64_t bits)
{
	return (struct vcpu_cr_verdict){ .gp = true, .rule = rule, .sdm = sdm,
					 .bits = bits };
}

static bool mode64(const struct vcpu_cr_state *s)
{
	return (s->efer & EFER_LMA) && s->cs_l;
}

/* Outside 64-bit mode MOV to CR has a 32-bit operand. */
static uint64_t operand(const struct vcpu_cr_state *s, uint64_t val)
{
	return mode64(s) ? val : (uint32_t)val;
}

static bool pae_paging(uint64_t cr0, uint64_t cr4, uint64_t efer)
{
	return (cr0 & CR0_PG) && (cr4 & CR4_PAE) && !(efer & EFER_LMA);
}

struct vcpu_cr_verdict vcpu_cr0_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val)
{
	uint64_t old = s->cr0, efer = s->efer;
	unsigned flags = 0;

	val = operand(s, val);
	if (val >> 32)
		return gp("CR0 bits 63:32 are reserved", SDM_MOVCR,
			  val & GENMASK(63, 32));
	if ((val & CR0_PG) && !(val & CR0_PE))
		return gp("CR0.PG set with CR0.PE = 0", SDM_MOVCR, CR0_PG);
	if ((val & CR0_NW) && !(val & CR0_CD))
		return gp("CR0.NW set with CR0.CD = 0", SDM_MOVCR, CR0_NW);
	val = (val & CR0_DEFINED) | CR0_ET;

	if ((old & CR0_PG) && !(val & CR0_PG)) {
		if (mode64(s))
			return gp("CR0.PG cleared in 64-bit mode (IA-32e mode "
				  "is left from compatibility mode only)",
				  SDM_MOVCR, CR0_PG);
		if (s->cr4 & CR4_PCIDE)
			return gp("CR0.PG cleared with CR4.PCIDE = 1",
				  SDM_MOVCR, CR0_PG);
		if (efer & EFER_LMA) {          /* compatibility mode */
			efer &= ~EFER_LMA;
			flags |= VCPU_CR_LMA;
		}
	} else if (!(old & CR0_PG) && (val & CR0_PG) && (efer & EFER_LME)) {
		if (!(s->cr4 & CR4_PAE))
			return gp("CR0.PG set with EFER.LME = 1 and CR4.PAE = 0",
				  SDM_MODES, CR0_PG);
		/* L = 1 with D = 1 would also fail the next VM entry (SDM 3C
		 * "Checks on Guest Segment Registers"); KVM and Bochs refuse
		 * it too. */
		if (s->cs_l)
			return gp("IA-32e mode activated with CS.L = 1",
				  SDM_MODES, CR0_PG);
		efer |= EFER_LMA;
		flags |= VCPU_CR_LMA;
	}
	if (!(val & CR0_WP) && (s->cr4 & CR4_CET))
		return gp("CR0.WP cleared while CR4.CET = 1", SDM_MOVCR, CR0_WP);

	if (pae_paging(val, s->cr4, efer) &&
	    ((old ^ val) & (CR0_PG | CR0_CD | CR0_NW)))
		flags |= VCPU_CR_PDPTES;
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		flags |= VCPU_CR_FLUSH;
	return (struct vcpu_cr_verdict){ .value = val, .efer = efer,
					 .flags = flags };
}

/* The first CR4 bit in 'val' the guest may not set: its rule and SDM
 * section, or NULL. */
static const char *cr4_refused(const struct vcpu_cr_caps *c,
			       const struct vcpu_features *f, uint64_t val,
			       uint64_t *bit, const char **sdm)
{
	uint64_t known = 0;

	*sdm = SDM_CRS;
	for (size_t i = 0; i < ARRAY_SIZE(cr4_bits); i++) {
		const struct cr4_bit *b = &cr4_bits[i];

		known |= b->bit;
		if (!(val & b->bit))
			continue;
		*bit = b->bit;
		if (b->feature != CR4_ALWAYS && !vcpu_has(f, b->feature))
			return b->rule;
		if (!(c->cr4_fixed1 & b->bit)) {
			*sdm = SDM_VMXFIX;
			return "a CR4 bit VMX operation does not allow "
			       "(IA32_VMX_CR4_FIXED1)";
		}
	}
	if (val & ~known) {
		*bit = val & ~known;
		return "a reserved CR4 bit set";
	}
	return NULL;
}

struct vcpu_cr_verdict vcpu_cr4_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val)
{
	uint64_t old = s->cr4, bit = 0;
	bool lma = s->efer & EFER_LMA;
	const char *why, *sdm;
	unsigned flags = 0;

	val = operand(s, val);
	why = cr4_refused(c, f, val, &bit, &sdm);
	if (why)
		return gp(why, sdm, bit);
	if (lma && !(val & CR4_PAE))
		return gp("CR4.PAE cleared while EFER.LMA = 1", SDM_MOVCR,
			  CR4_PAE);
	if (lma && ((old ^ val) & CR4_LA57))
		return gp("CR4.LA57 changed while EFER.LMA = 1", SDM_MODES,
			  CR4_LA57);
	if ((val & CR4_PCIDE) && !lma)
		return gp("CR4.PCIDE set outside IA-32e mode", SDM_PCID,
			  CR4_PCIDE);
	if ((val & CR4_PCIDE) && !(old & CR4_PCIDE) && (s->cr3 & 0xFFF))
		return gp("CR4.PCIDE set with CR3[11:0] != 0", SDM_PCID,
			  CR4_PCIDE);
	if ((val & CR4_CET) && !(s->cr0 & CR0_WP))
		return gp("CR4.CET set while CR0.WP = 0", SDM_MOVCR, CR4_CET);

	if (pae_paging(s->cr0, val, s->efer) &&
	    ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_SMEP)))
		flags |= VCPU_CR_PDPTES;
	if ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_PCIDE | CR4_SMEP |
			   CR4_SMAP | CR4_PKE | CR4_LA57))
		flags |= VCPU_CR_FLUSH;
	return (struct vcpu_cr_verdict){ .value = val, .efer = s->efer,
					 .flags = flags };
}

struct vcpu_cr_verdict vcpu_cr3_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val)
{
	unsigned flags = VCPU_CR_FLUSH_NONGLOBAL;
	uint64_t rsvd = vcpu_pa_rsvd(f);

	val = operand(s, val);
	if (s->cr4 & CR4_PCIDE) {
		if (val & CR3_PCID_NOFLUSH)
			flags = VCPU_CR_NOFLUSH;
		val &= ~CR3_PCID_NOFLUSH;
	} else if (val & CR3_PCID_NOFLUSH) {
		return gp("CR3 bit 63 set with CR4.PCIDE = 0", SDM_MOVCR,
			  CR3_PCID_NOFLUSH);
	}
	if (val & rsvd)
		return gp("CR3 bits at or above MAXPHYADDR set", SDM_MOVCR,
			  val & rsvd);
	if (pae_paging(s->cr0, s->cr4, s->efer))
		flags |= VCPU_CR_PDPTES;
	return (struct vcpu_cr_verdict){ .value = val, .efer = s->efer,
					 .flags = flags };
}

uint64_t vcpu_cr_lmsw(uint64_t cr0, uint16_t src)
{
	return (cr0 & ~0xFULL) | (src & 0xF) | (cr0 & CR0_PE);
}

int vcpu_cr_pdpte_check(const uint64_t pdpte[4], unsigned maxphyaddr,
			const char **rule)
{
	const uint64_t low = GENMASK(2, 1) | GENMASK(8, 5);
	const uint64_t high = ~GENMASK(maxphyaddr - 1, 0);

	for (int i = 0; i < 4; i++) {
		if (!(pdpte[i] & BIT(0)))        /* P */
			continue;
		if (pdpte[i] & (low | high)) {
			if (rule)
				*rule = (pdpte[i] & low) ?
					"PDPTE with P = 1 sets reserved bit "
					"2:1 or 8:5" :
					"PDPTE with P = 1 sets a bit at or above "
					"MAXPHYADDR";
			return i;
		}
	}
	return -1;
}

uint64_t vcpu_cr4_allowed(const struct vcpu_cr_caps *c,
			  const struct vcpu_features *f)
{
	uint64_t ok = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cr4_bits); i++)
		if (cr4_bits[i].feature == CR4_ALWAYS ||
		    vcpu_has(f, cr4_bits[i].feature))
			ok |= cr4_bits[i].bit;
	return ok & c->cr4_fixed1 & ~CR4_VMXE;
}

/* CR0 bits VMX forces to 1; PE and PG are the guest's own under
 * unrestricted guest (SDM 3D "VMX-Fixed Bits in CR0"). */
static uint64_t cr0_forced(const struct vcpu_cr_caps *c)
{
	return c->cr0_fixed0 & ~(c->unrestricted ? CR0_PE | CR0_PG : 0);
}

void vcpu_cr_masks(const struct vcpu_cr_caps *c, const struct vcpu_features *f,
		   uint64_t *cr0_mask, uint64_t *cr4_mask)
{
	uint64_t own0 = CR0_DEFINED & ~cr0_forced(c) & c->cr0_fixed1;
	uint64_t own4 = vcpu_cr4_allowed(c, f) & ~c->cr4_fixed0 & c->cr4_fixed1;

	*cr0_mask = ~own0;
	*cr4_mask = ~own4;
}

uint64_t vcpu_cr0_hw(const struct vcpu_cr_caps *c, uint64_t guest)
{
	return (guest | cr0_forced(c)) & c->cr0_fixed1;
}

uint64_t vcpu_cr4_hw(const struct vcpu_cr_caps *c, uint64_t guest)
{
	return (guest | c->cr4_fixed0) & c->cr4_fixed1;
}
