/*
 * MOV to CR0/CR3/CR4 as pure decisions (docs/virtual-cpu.md, "Control
 * registers"). Given the guest's view of its control registers and EFER,
 * CS.L, the VMX fixed bits and the feature set, each function says whether
 * the write is legal or #GP (naming the rule), the value the register then
 * holds, EFER afterwards, and what the caller must do: load the PAE
 * PDPTEs, flush the guest's TLB, switch IA-32e mode. The caller applies
 * the result to the VMCS; a write that passes leaves a VMCS that passes
 * the VM-entry checks. Also: the PAE PDPTE check and the CR0/CR4
 * guest/host masks.
 *
 * Only the constants of include/x86.h are used. SDM revision 084: Vol. 2B
 * "MOV—Move to/from Control Registers", Vol. 3A "Control Registers",
 * "Paging-Mode Enabling", "PDPTE Registers", "Process-Context Identifiers
 * (PCIDs)", Vol. 3C "Guest/Host Masks and Read Shadows for CR0 and CR4".
 */
#ifndef EPTLAB_VCPU_CR_H
#define EPTLAB_VCPU_CR_H

#include "include/types.h"
#include "include/x86.h"
#include "hv/vcpu/features.h"

/* CR4 bits include/x86.h does not name (SDM Vol. 3A "Control Registers"). */
#define CR4_KL         BIT(19)
#define CR4_CET        BIT(23)
#define CR4_PKS        BIT(24)
#define CR4_UINTR      BIT(25)
#define CR4_LAM_SUP    BIT(28)
#define CR4_FRED       BIT(32)

#define CR3_PCID_NOFLUSH BIT(63)   /* with CR4.PCIDE: keep the PCID's TLB */

/* What the VMX capability MSRs allow (IA32_VMX_CR0/CR4_FIXED0/1,
 * SDM Vol. 3D "VMX-Fixed Bits in CR0" and "... in CR4"). */
struct vcpu_cr_caps {
	uint64_t cr0_fixed0, cr0_fixed1;   /* fixed0: must be 1; ~fixed1: 0 */
	uint64_t cr4_fixed0, cr4_fixed1;
	bool unrestricted;                 /* "unrestricted guest": PE, PG free */
};

/* The guest's view before the write (CRn from the read shadows for the
 * masked bits, SDM 3C "Guest/Host Masks and Read Shadows"). */
struct vcpu_cr_state {
	uint64_t cr0, cr3, cr4, efer;
	bool cs_l;                 /* CS.L: 64-bit mode when EFER.LMA = 1 */
};

/* struct vcpu_cr_verdict.flags: what the caller does after a legal write. */
#define VCPU_CR_PDPTES          BIT(0)  /* PAE paging: read the 4 PDPTEs at
					   CR3[31:5], vcpu_cr_pdpte_check(),
					   #GP if bad, else load them */
#define VCPU_CR_FLUSH           BIT(1)  /* flush the guest's TLB, globals too */
#define VCPU_CR_FLUSH_NONGLOBAL BIT(2)  /* flush; global entries may stay */
#define VCPU_CR_NOFLUSH         BIT(3)  /* CR3 bit 63 with PCIDE: no flush */
#define VCPU_CR_LMA             BIT(4)  /* EFER.LMA changed: set the VMCS
					   "IA-32e mode guest" entry control
					   to verdict.efer.LMA */

struct vcpu_cr_verdict {
	bool gp;                /* inject #GP(0); nothing else changes */
	const char *rule;       /* the rule broken, or NULL */
	const char *sdm;        /* its SDM section */
	uint64_t bits;          /* with gp: the offending bits, if any */
	uint64_t value;         /* the register's new value (guest's view) */
	uint64_t efer;          /* the guest's EFER afterwards */
	unsigned flags;         /* VCPU_CR_* */
};

/* A guest MOV to CR0, CR4 or CR3 of 'val' (the source GPR; only its low
 * 32 bits count outside 64-bit mode). */
struct vcpu_cr_verdict vcpu_cr0_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val);
struct vcpu_cr_verdict vcpu_cr4_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val);
struct vcpu_cr_verdict vcpu_cr3_write(const struct vcpu_cr_caps *c,
				      const struct vcpu_features *f,
				      const struct vcpu_cr_state *s,
				      uint64_t val);

/* The CR0 value LMSW loads: bits 3:0 from 'src'; PE can be set but not
 * cleared (SDM Vol. 2A "LMSW"). Feed it to vcpu_cr0_write(). */
uint64_t vcpu_cr_lmsw(uint64_t cr0, uint16_t src);

/* SDM 3A "PDPTE Registers": a PDPTE with P = 1 must have bits 2:1, 8:5
 * and MAXPHYADDR..63 clear. Returns the index of the first bad PDPTE
 * (*rule says which bits), or -1 if all four can be loaded. */
int vcpu_cr_pdpte_check(const uint64_t pdpte[4], unsigned maxphyaddr,
			const char **rule);

/* The CR4 bits the guest may set: the bits of the features it sees that
 * VMX operation allows (IA32_VMX_CR4_FIXED1). VMXE never. */
uint64_t vcpu_cr4_allowed(const struct vcpu_cr_caps *c,
			  const struct vcpu_features *f);

/* The CR0/CR4 guest/host masks (SDM 3C "Guest/Host Masks and Read Shadows
 * for CR0 and CR4"). A bit is guest-owned (0 in the mask) only when the
 * guest may toggle it freely: VMX neither forces nor forbids it and, for
 * CR4, its feature is offered. Every other bit, including each bit of a
 * hidden feature, is host-owned, so a write that changes it exits and is
 * decided by the functions above. */
void vcpu_cr_masks(const struct vcpu_cr_caps *c, const struct vcpu_features *f,
		   uint64_t *cr0_mask, uint64_t *cr4_mask);

/* The value for the VMCS guest CR0/CR4 field that gives the guest the view
 * 'guest' (the read shadow): the VMX fixed bits applied (PE and PG left to
 * the guest under unrestricted guest). */
uint64_t vcpu_cr0_hw(const struct vcpu_cr_caps *c, uint64_t guest);
uint64_t vcpu_cr4_hw(const struct vcpu_cr_caps *c, uint64_t guest);

#endif
