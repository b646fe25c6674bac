/*
 * The fields of the VM-exit information and event-injection fields, by
 * name (SDM revision 084, Vol. 3C "VM-Exit Information Fields", "Exit
 * Qualification for ...", "VM-Entry Controls for Event Injection").
 */
#ifndef EPTLAB_VMX_EXITINFO_H
#define EPTLAB_VMX_EXITINFO_H

#include "include/types.h"

/* Interruption information: the VM-entry interruption-information field,
 * the VM-exit interruption information and the IDT-vectoring information
 * share one layout (SDM 3C "VM-Entry Controls for Event Injection",
 * "Information for VM Exits Due to Vectored Events", "Information for VM
 * Exits During Event Delivery"). */
#define INTR_INFO_VECTOR(i)          ((unsigned)(i) & 0xFF)
#define INTR_INFO_TYPE(i)            ((unsigned)(i) & GENMASK(10, 8))
#define INTR_INFO_TYPE_EXT_INTR      (0u << 8)   /* external interrupt */
#define INTR_INFO_TYPE_NMI           (2u << 8)
#define INTR_INFO_TYPE_HW_EXCEPTION  (3u << 8)   /* hardware exception */
#define INTR_INFO_TYPE_SW_INTR       (4u << 8)   /* INT n */
#define INTR_INFO_TYPE_PRIV_SW_EXC   (5u << 8)   /* INT1 (ICEBP) */
#define INTR_INFO_TYPE_SW_EXCEPTION  (6u << 8)   /* INT3, INTO */
#define INTR_INFO_TYPE_OTHER         (7u << 8)
#define INTR_INFO_DELIVER_ERR        BIT(11)     /* error code delivered */
/* Bit 12: "NMI unblocking due to IRET" in the VM-exit interruption
 * information, undefined in the IDT-vectoring information. Bits 30:12
 * must be 0 on VM entry. */
#define INTR_INFO_NMI_UNBLOCKING     BIT(12)
#define INTR_INFO_ENTRY_RESERVED     GENMASK(30, 12)
#define INTR_INFO_VALID              BIT(31)

/* The event types whose injection needs the VM-entry instruction length
 * (SDM 3C "VM-Entry Controls for Event Injection"). */
static inline bool intr_info_needs_insn_len(uint32_t info)
{
	unsigned t = INTR_INFO_TYPE(info);

	return t == INTR_INFO_TYPE_SW_INTR || t == INTR_INFO_TYPE_PRIV_SW_EXC ||
	       t == INTR_INFO_TYPE_SW_EXCEPTION;
}

/* Exit qualification for control-register accesses (SDM 3C "Exit
 * Qualification for Control-Register Accesses"). */
#define CRQ_CR(q)                    ((unsigned)(q) & 0xF)
#define CRQ_TYPE(q)                  (((unsigned)(q) >> 4) & 3)
#define CRQ_TYPE_MOV_TO_CR           0
#define CRQ_TYPE_MOV_FROM_CR         1
#define CRQ_TYPE_CLTS                2
#define CRQ_TYPE_LMSW                3
#define CRQ_LMSW_MEMORY              BIT(6)      /* LMSW operand in memory */
#define CRQ_GPR(q)                   (((unsigned)(q) >> 8) & 0xF)
#define CRQ_LMSW_SOURCE(q)           (((q) >> 16) & 0xFFFF)

/* Exit qualification for I/O instructions (SDM 3C "Exit Qualification for
 * I/O Instructions"). */
#define IOQ_SIZE(q)                  (((unsigned)(q) & 7) + 1)   /* bytes */
#define IOQ_IN                       BIT(3)      /* IN / INS (else OUT) */
#define IOQ_STRING                   BIT(4)      /* INS / OUTS */
#define IOQ_REP                      BIT(5)
#define IOQ_IMMEDIATE                BIT(6)      /* port in the opcode */
#define IOQ_PORT(q)                  ((unsigned)((q) >> 16) & 0xFFFF)

/* Exit qualification for EPT violations (SDM 3C "Exit Qualification for
 * EPT Violations"). */
#define EPTV_READ                    BIT(0)
#define EPTV_WRITE                   BIT(1)
#define EPTV_FETCH                   BIT(2)
#define EPTV_READABLE                BIT(3)
#define EPTV_WRITABLE                BIT(4)
#define EPTV_EXECUTABLE              BIT(5)
#define EPTV_GLA_VALID               BIT(7)
#define EPTV_FINAL_ACCESS            BIT(8)      /* valid only if GLA_VALID */
#define EPTV_NMI_UNBLOCKING          BIT(12)

/* Exit qualification for SPP-related events (SDM 3C "Exit Qualification
 * for SPP-Related Events"): set for an SPPT miss, clear for an SPPT
 * misconfiguration. */
#define SPPQ_SPPT_MISS               BIT(11)

/* Exit qualification of a VM-entry failure while loading guest state
 * (SDM 3C "VM-Entry Failures During or After Loading Guest State"). */
#define ENTRYQ_DEFAULT               0
#define ENTRYQ_PDPTE                 2
#define ENTRYQ_NMI_INJECTION         3
#define ENTRYQ_VMCS_LINK             4

/* Guest interruptibility state and pending debug exceptions (SDM 3C
 * "Guest Non-Register State"). */
#define INTERRUPTIBILITY_STI         BIT(0)      /* blocking by STI */
#define INTERRUPTIBILITY_MOV_SS      BIT(1)      /* blocking by MOV SS */
#define INTERRUPTIBILITY_NMI         BIT(3)      /* blocking by NMI (virtual
                                                    NMI blocking with
                                                    "virtual NMIs") */
#define PENDING_DBG_BS               BIT(14)     /* single-step trap */

/* Activity state (SDM 3C "Guest Non-Register State"); HLT is allowed on
 * VM entry when IA32_VMX_MISC bit 6 is set (SDM 3D A.6 "Miscellaneous
 * Data"). */
#define ACTIVITY_ACTIVE              0
#define ACTIVITY_HLT                 1
#define VMX_MISC_ACTIVITY_HLT        BIT(6)

#endif
