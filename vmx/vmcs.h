/*
 * VMCS field encodings, VM-execution/exit/entry control bits and exit
 * reasons, written by hand from the Intel SDM, revision 084:
 * Vol. 3D Appendix B "Field Encoding in VMCS", Vol. 3C "Organization of
 * VMCS Data", and Appendix C "VMX Basic Exit Reasons".
 *
 * Encoding bits: [0] access type (1 = high half of a 64-bit field),
 * [9:1] index, [11:10] type (0 control, 1 exit info, 2 guest, 3 host),
 * [14:13] width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural).
 */
#ifndef EPTLAB_VMCS_H
#define EPTLAB_VMCS_H

#include "include/types.h"

enum vmcs_field {
	/* B.1.1 16-bit control fields */
	VMCS_VPID                       = 0x0000,
	VMCS_POSTED_INTR_NV             = 0x0002,
	VMCS_EPTP_INDEX                 = 0x0004,
	/* B.1.2 16-bit guest-state fields */
	VMCS_GUEST_ES_SEL               = 0x0800,
	VMCS_GUEST_CS_SEL               = 0x0802,
	VMCS_GUEST_SS_SEL               = 0x0804,
	VMCS_GUEST_DS_SEL               = 0x0806,
	VMCS_GUEST_FS_SEL               = 0x0808,
	VMCS_GUEST_GS_SEL               = 0x080A,
	VMCS_GUEST_LDTR_SEL             = 0x080C,
	VMCS_GUEST_TR_SEL               = 0x080E,
	VMCS_GUEST_INTR_STATUS          = 0x0810,
	VMCS_GUEST_PML_INDEX            = 0x0812,
	/* B.1.3 16-bit host-state fields */
	VMCS_HOST_ES_SEL                = 0x0C00,
	VMCS_HOST_CS_SEL                = 0x0C02,
	VMCS_HOST_SS_SEL                = 0x0C04,
	VMCS_HOST_DS_SEL                = 0x0C06,
	VMCS_HOST_FS_SEL                = 0x0C08,
	VMCS_HOST_GS_SEL                = 0x0C0A,
	VMCS_HOST_TR_SEL                = 0x0C0C,

	/* B.2.1 64-bit control fields */
	VMCS_IO_BITMAP_A                = 0x2000,
	VMCS_IO_BITMAP_B                = 0x2002,
	VMCS_MSR_BITMAP                 = 0x2004,
	VMCS_EXIT_MSR_STORE_ADDR        = 0x2006,
	VMCS_EXIT_MSR_LOAD_ADDR         = 0x2008,
	VMCS_ENTRY_MSR_LOAD_ADDR        = 0x200A,
	VMCS_EXECUTIVE_VMCS_PTR         = 0x200C,
	VMCS_PML_ADDR                   = 0x200E,
	VMCS_TSC_OFFSET                 = 0x2010,
	VMCS_VIRTUAL_APIC_ADDR          = 0x2012,
	VMCS_APIC_ACCESS_ADDR           = 0x2014,
	VMCS_POSTED_INTR_DESC_ADDR      = 0x2016,
	VMCS_VMFUNC_CONTROLS            = 0x2018,
	VMCS_EPT_POINTER                = 0x201A,
	VMCS_EOI_EXIT_BITMAP0           = 0x201C,
	VMCS_EOI_EXIT_BITMAP1           = 0x201E,
	VMCS_EOI_EXIT_BITMAP2           = 0x2020,
	VMCS_EOI_EXIT_BITMAP3           = 0x2022,
	VMCS_EPTP_LIST_ADDR             = 0x2024,
	VMCS_VMREAD_BITMAP              = 0x2026,
	VMCS_VMWRITE_BITMAP             = 0x2028,
	VMCS_VE_INFO_ADDR               = 0x202A,
	VMCS_XSS_EXIT_BITMAP            = 0x202C,
	VMCS_ENCLS_EXIT_BITMAP          = 0x202E,
	VMCS_SPP_TABLE_PTR              = 0x2030,
	VMCS_TSC_MULTIPLIER             = 0x2032,
	VMCS_TERTIARY_PROC_CONTROLS     = 0x2034,
	/* B.2.2 64-bit read-only data field */
	VMCS_GUEST_PHYSICAL_ADDR        = 0x2400,
	/* B.2.3 64-bit guest-state fields */
	VMCS_LINK_POINTER               = 0x2800,
	VMCS_GUEST_IA32_DEBUGCTL        = 0x2802,
	VMCS_GUEST_IA32_PAT             = 0x2804,
	VMCS_GUEST_IA32_EFER            = 0x2806,
	VMCS_GUEST_IA32_PERF_GLOBAL_CTRL = 0x2808,
	VMCS_GUEST_PDPTE0               = 0x280A,
	VMCS_GUEST_PDPTE1               = 0x280C,
	VMCS_GUEST_PDPTE2               = 0x280E,
	VMCS_GUEST_PDPTE3               = 0x2810,
	VMCS_GUEST_IA32_BNDCFGS         = 0x2812,
	VMCS_GUEST_IA32_RTIT_CTL        = 0x2814,
	VMCS_GUEST_IA32_PKRS            = 0x2818,
	/* B.2.4 64-bit host-state fields */
	VMCS_HOST_IA32_PAT              = 0x2C00,
	VMCS_HOST_IA32_EFER             = 0x2C02,
	VMCS_HOST_IA32_PERF_GLOBAL_CTRL = 0x2C04,
	VMCS_HOST_IA32_PKRS             = 0x2C06,

	/* B.3.1 32-bit control fields */
	VMCS_PIN_CONTROLS               = 0x4000,
	VMCS_PROC_CONTROLS              = 0x4002,
	VMCS_EXCEPTION_BITMAP           = 0x4004,
	VMCS_PF_ERROR_MASK              = 0x4006,
	VMCS_PF_ERROR_MATCH             = 0x4008,
	VMCS_CR3_TARGET_COUNT           = 0x400A,
	VMCS_EXIT_CONTROLS              = 0x400C,
	VMCS_EXIT_MSR_STORE_COUNT       = 0x400E,
	VMCS_EXIT_MSR_LOAD_COUNT        = 0x4010,
	VMCS_ENTRY_CONTROLS             = 0x4012,
	VMCS_ENTRY_MSR_LOAD_COUNT       = 0x4014,
	VMCS_ENTRY_INTR_INFO            = 0x4016,
	VMCS_ENTRY_EXCEPTION_ERROR      = 0x4018,
	VMCS_ENTRY_INSTR_LEN            = 0x401A,
	VMCS_TPR_THRESHOLD              = 0x401C,
	VMCS_PROC_CONTROLS2             = 0x401E,
	VMCS_PLE_GAP                    = 0x4020,
	VMCS_PLE_WINDOW                 = 0x4022,
	/* B.3.2 32-bit read-only data fields */
	VMCS_INSTR_ERROR                = 0x4400,
	VMCS_EXIT_REASON                = 0x4402,
	VMCS_EXIT_INTR_INFO             = 0x4404,
	VMCS_EXIT_INTR_ERROR            = 0x4406,
	VMCS_IDT_VECTORING_INFO         = 0x4408,
	VMCS_IDT_VECTORING_ERROR        = 0x440A,
	VMCS_EXIT_INSTR_LEN             = 0x440C,
	VMCS_EXIT_INSTR_INFO            = 0x440E,
	/* B.3.3 32-bit guest-state fields */
	VMCS_GUEST_ES_LIMIT             = 0x4800,
	VMCS_GUEST_CS_LIMIT             = 0x4802,
	VMCS_GUEST_SS_LIMIT             = 0x4804,
	VMCS_GUEST_DS_LIMIT             = 0x4806,
	VMCS_GUEST_FS_LIMIT             = 0x4808,
	VMCS_GUEST_GS_LIMIT             = 0x480A,
	VMCS_GUEST_LDTR_LIMIT           = 0x480C,
	VMCS_GUEST_TR_LIMIT             = 0x480E,
	VMCS_GUEST_GDTR_LIMIT           = 0x4810,
	VMCS_GUEST_IDTR_LIMIT           = 0x4812,
	VMCS_GUEST_ES_AR                = 0x4814,
	VMCS_GUEST_CS_AR                = 0x4816,
	VMCS_GUEST_SS_AR                = 0x4818,
	VMCS_GUEST_DS_AR                = 0x481A,
	VMCS_GUEST_FS_AR                = 0x481C,
	VMCS_GUEST_GS_AR                = 0x481E,
	VMCS_GUEST_LDTR_AR              = 0x4820,
	VMCS_GUEST_TR_AR                = 0x4822,
	VMCS_GUEST_INTERRUPTIBILITY     = 0x4824,
	VMCS_GUEST_ACTIVITY_STATE       = 0x4826,
	VMCS_GUEST_SMBASE               = 0x4828,
	VMCS_GUEST_SYSENTER_CS          = 0x482A,
	VMCS_PREEMPTION_TIMER           = 0x482E,
	/* B.3.4 32-bit host-state field */
	VMCS_HOST_SYSENTER_CS           = 0x4C00,

	/* B.4.1 natural-width control fields */
	VMCS_CR0_GUEST_HOST_MASK        = 0x6000,
	VMCS_CR4_GUEST_HOST_MASK        = 0x6002,
	VMCS_CR0_READ_SHADOW            = 0x6004,
	VMCS_CR4_READ_SHADOW            = 0x6006,
	VMCS_CR3_TARGET0                = 0x6008,
	VMCS_CR3_TARGET1                = 0x600A,
	VMCS_CR3_TARGET2                = 0x600C,
	VMCS_CR3_TARGET3                = 0x600E,
	/* B.4.2 natural-width read-only data fields */
	VMCS_EXIT_QUALIFICATION         = 0x6400,
	VMCS_IO_RCX                     = 0x6402,
	VMCS_IO_RSI                     = 0x6404,
	VMCS_IO_RDI                     = 0x6406,
	VMCS_IO_RIP                     = 0x6408,
	VMCS_GUEST_LINEAR_ADDR          = 0x640A,
	/* B.4.3 natural-width guest-state fields */
	VMCS_GUEST_CR0                  = 0x6800,
	VMCS_GUEST_CR3                  = 0x6802,
	VMCS_GUEST_CR4                  = 0x6804,
	VMCS_GUEST_ES_BASE              = 0x6806,
	VMCS_GUEST_CS_BASE              = 0x6808,
	VMCS_GUEST_SS_BASE              = 0x680A,
	VMCS_GUEST_DS_BASE              = 0x680C,
	VMCS_GUEST_FS_BASE              = 0x680E,
	VMCS_GUEST_GS_BASE              = 0x6810,
	VMCS_GUEST_LDTR_BASE            = 0x6812,
	VMCS_GUEST_TR_BASE              = 0x6814,
	VMCS_GUEST_GDTR_BASE            = 0x6816,
	VMCS_GUEST_IDTR_BASE            = 0x6818,
	VMCS_GUEST_DR7                  = 0x681A,
	VMCS_GUEST_RSP                  = 0x681C,
	VMCS_GUEST_RIP                  = 0x681E,
	VMCS_GUEST_RFLAGS               = 0x6820,
	VMCS_GUEST_PENDING_DBG          = 0x6822,
	VMCS_GUEST_SYSENTER_ESP         = 0x6824,
	VMCS_GUEST_SYSENTER_EIP         = 0x6826,
	VMCS_GUEST_S_CET                = 0x6828,
	VMCS_GUEST_SSP                  = 0x682A,
	VMCS_GUEST_INTR_SSP_TABLE       = 0x682C,
	/* B.4.4 natural-width host-state fields */
	VMCS_HOST_CR0                   = 0x6C00,
	VMCS_HOST_CR3                   = 0x6C02,
	VMCS_HOST_CR4                   = 0x6C04,
	VMCS_HOST_FS_BASE               = 0x6C06,
	VMCS_HOST_GS_BASE               = 0x6C08,
	VMCS_HOST_TR_BASE               = 0x6C0A,
	VMCS_HOST_GDTR_BASE             = 0x6C0C,
	VMCS_HOST_IDTR_BASE             = 0x6C0E,
	VMCS_HOST_SYSENTER_ESP          = 0x6C10,
	VMCS_HOST_SYSENTER_EIP          = 0x6C12,
	VMCS_HOST_RSP                   = 0x6C14,
	VMCS_HOST_RIP                   = 0x6C16,
};

/* Width of a field from its encoding (bits 14:13). */
#define VMCS_WIDTH(f)       (((unsigned)(f) >> 13) & 3)
#define VMCS_WIDTH_16       0
#define VMCS_WIDTH_64       1
#define VMCS_WIDTH_32       2
#define VMCS_WIDTH_NATURAL  3

/* Pin-based VM-execution controls (SDM 3C "Pin-Based VM-Execution Controls") */
#define PIN_EXTINT_EXITING          BIT(0)
#define PIN_NMI_EXITING             BIT(3)
#define PIN_VIRTUAL_NMIS            BIT(5)
#define PIN_PREEMPTION_TIMER        BIT(6)
#define PIN_POSTED_INTERRUPTS       BIT(7)

/* Primary processor-based controls */
#define PROC_INTR_WINDOW_EXITING    BIT(2)
#define PROC_TSC_OFFSETTING         BIT(3)
#define PROC_HLT_EXITING            BIT(7)
#define PROC_INVLPG_EXITING         BIT(9)
#define PROC_MWAIT_EXITING          BIT(10)
#define PROC_RDPMC_EXITING          BIT(11)
#define PROC_RDTSC_EXITING          BIT(12)
#define PROC_CR3_LOAD_EXITING       BIT(15)
#define PROC_CR3_STORE_EXITING      BIT(16)
#define PROC_TERTIARY_CONTROLS      BIT(17)
#define PROC_CR8_LOAD_EXITING       BIT(19)
#define PROC_CR8_STORE_EXITING      BIT(20)
#define PROC_TPR_SHADOW             BIT(21)
#define PROC_NMI_WINDOW_EXITING     BIT(22)
#define PROC_MOV_DR_EXITING         BIT(23)
#define PROC_UNCOND_IO_EXITING      BIT(24)
#define PROC_USE_IO_BITMAPS         BIT(25)
#define PROC_MONITOR_TRAP_FLAG      BIT(27)
#define PROC_USE_MSR_BITMAPS        BIT(28)
#define PROC_MONITOR_EXITING        BIT(29)
#define PROC_PAUSE_EXITING          BIT(30)
#define PROC_SECONDARY_CONTROLS     BIT(31)

/* Secondary processor-based controls */
#define PROC2_VIRT_APIC_ACCESS      BIT(0)
#define PROC2_ENABLE_EPT            BIT(1)
#define PROC2_DESC_TABLE_EXITING    BIT(2)
#define PROC2_ENABLE_RDTSCP         BIT(3)
#define PROC2_VIRT_X2APIC           BIT(4)
#define PROC2_ENABLE_VPID           BIT(5)
#define PROC2_WBINVD_EXITING        BIT(6)
#define PROC2_UNRESTRICTED_GUEST    BIT(7)
#define PROC2_APIC_REG_VIRT         BIT(8)
#define PROC2_VIRT_INTR_DELIVERY    BIT(9)
#define PROC2_PAUSE_LOOP_EXITING    BIT(10)
#define PROC2_RDRAND_EXITING        BIT(11)
#define PROC2_ENABLE_INVPCID        BIT(12)
#define PROC2_ENABLE_VMFUNC         BIT(13)
#define PROC2_VMCS_SHADOWING        BIT(14)
#define PROC2_ENCLS_EXITING         BIT(15)
#define PROC2_RDSEED_EXITING        BIT(16)
#define PROC2_ENABLE_PML            BIT(17)
#define PROC2_EPT_VE                BIT(18)
#define PROC2_CONCEAL_VMX_FROM_PT   BIT(19)
#define PROC2_ENABLE_XSAVES         BIT(20)
#define PROC2_MODE_BASED_EPT_EXEC   BIT(22)
#define PROC2_SUBPAGE_WRITE_PERM    BIT(23)
#define PROC2_PT_USES_GPA           BIT(24)
#define PROC2_TSC_SCALING           BIT(25)
#define PROC2_USER_WAIT_PAUSE       BIT(26)
#define PROC2_ENCLV_EXITING         BIT(28)

/* VM-function controls (SDM 3C "VM-Function Controls") */
#define VMFUNC_EPTP_SWITCHING       BIT(0)

/* VM-exit controls */
#define EXIT_SAVE_DEBUG_CONTROLS    BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE   BIT(9)
#define EXIT_LOAD_PERF_GLOBAL_CTRL  BIT(12)
#define EXIT_ACK_INTR_ON_EXIT       BIT(15)
#define EXIT_SAVE_IA32_PAT          BIT(18)
#define EXIT_LOAD_IA32_PAT          BIT(19)
#define EXIT_SAVE_IA32_EFER         BIT(20)
#define EXIT_LOAD_IA32_EFER         BIT(21)
#define EXIT_SAVE_PREEMPTION_TIMER  BIT(22)
#define EXIT_CLEAR_BNDCFGS          BIT(23)
#define EXIT_CONCEAL_VMX_FROM_PT    BIT(24)

/* VM-entry controls */
#define ENTRY_LOAD_DEBUG_CONTROLS   BIT(2)
#define ENTRY_IA32E_MODE_GUEST      BIT(9)
#define ENTRY_TO_SMM                BIT(10)
#define ENTRY_DEACT_DUAL_MONITOR    BIT(11)
#define ENTRY_LOAD_PERF_GLOBAL_CTRL BIT(13)
#define ENTRY_LOAD_IA32_PAT         BIT(14)
#define ENTRY_LOAD_IA32_EFER        BIT(15)
#define ENTRY_LOAD_BNDCFGS          BIT(16)

/* IA32_VMX_BASIC (SDM 3D Appendix A.1 "Basic VMX Information") */
#define VMX_BASIC_REVISION(b)       ((uint32_t)(b) & 0x7FFFFFFF)
#define VMX_BASIC_VMCS_SIZE(b)      (((b) >> 32) & 0x1FFF)
#define VMX_BASIC_MEMTYPE_WB        BIT(50)   /* bits 53:50 == 6 */
#define VMX_BASIC_INOUT_INFO        BIT(54)
#define VMX_BASIC_TRUE_CTLS         BIT(55)

/* IA32_VMX_EPT_VPID_CAP (SDM 3D Appendix A.10) */
#define EPT_CAP_EXEC_ONLY           BIT(0)
#define EPT_CAP_WALK_4              BIT(6)
#define EPT_CAP_WALK_5              BIT(7)
#define EPT_CAP_MT_UC               BIT(8)
#define EPT_CAP_MT_WB               BIT(14)
#define EPT_CAP_2M_PAGES            BIT(16)
#define EPT_CAP_1G_PAGES            BIT(17)
#define EPT_CAP_INVEPT              BIT(20)
#define EPT_CAP_AD                  BIT(21)
#define EPT_CAP_ADV_EXIT_INFO       BIT(22)
#define EPT_CAP_INVEPT_SINGLE       BIT(25)
#define EPT_CAP_INVEPT_ALL          BIT(26)
#define VPID_CAP_INVVPID            BIT(32)
#define VPID_CAP_INVVPID_ADDR       BIT(40)
#define VPID_CAP_INVVPID_SINGLE     BIT(41)
#define VPID_CAP_INVVPID_ALL        BIT(42)
#define VPID_CAP_INVVPID_SINGLE_NG  BIT(43)

/* INVEPT types (SDM 3C "INVEPT") */
#define INVEPT_SINGLE     1
#define INVEPT_ALL        2
/* INVVPID types (SDM 3C "INVVPID") */
#define INVVPID_ADDR      0
#define INVVPID_SINGLE    1
#define INVVPID_ALL       2
#define INVVPID_SINGLE_NG 3   /* single context, keep global translations */

/* Basic exit reasons (SDM 3D Appendix C) */
enum vmx_exit_reason {
	EXIT_EXCEPTION_NMI        = 0,
	EXIT_EXTERNAL_INTERRUPT   = 1,
	EXIT_TRIPLE_FAULT         = 2,
	EXIT_INIT                 = 3,
	EXIT_SIPI                 = 4,
	EXIT_IO_SMI               = 5,
	EXIT_OTHER_SMI            = 6,
	EXIT_INTERRUPT_WINDOW     = 7,
	EXIT_NMI_WINDOW           = 8,
	EXIT_TASK_SWITCH          = 9,
	EXIT_CPUID                = 10,
	EXIT_GETSEC               = 11,
	EXIT_HLT                  = 12,
	EXIT_INVD                 = 13,
	EXIT_INVLPG               = 14,
	EXIT_RDPMC                = 15,
	EXIT_RDTSC                = 16,
	EXIT_RSM                  = 17,
	EXIT_VMCALL               = 18,
	EXIT_VMCLEAR              = 19,
	EXIT_VMLAUNCH             = 20,
	EXIT_VMPTRLD              = 21,
	EXIT_VMPTRST              = 22,
	EXIT_VMREAD               = 23,
	EXIT_VMRESUME             = 24,
	EXIT_VMWRITE              = 25,
	EXIT_VMXOFF               = 26,
	EXIT_VMXON                = 27,
	EXIT_CR_ACCESS            = 28,
	EXIT_MOV_DR               = 29,
	EXIT_IO_INSTRUCTION       = 30,
	EXIT_RDMSR                = 31,
	EXIT_WRMSR                = 32,
	EXIT_INVALID_GUEST_STATE  = 33,
	EXIT_MSR_LOADING          = 34,
	EXIT_MWAIT                = 36,
	EXIT_MONITOR_TRAP_FLAG    = 37,
	EXIT_MONITOR              = 39,
	EXIT_PAUSE                = 40,
	EXIT_MACHINE_CHECK        = 41,
	EXIT_TPR_BELOW_THRESHOLD  = 43,
	EXIT_APIC_ACCESS          = 44,
	EXIT_VIRTUALIZED_EOI      = 45,
	EXIT_GDTR_IDTR_ACCESS     = 46,
	EXIT_LDTR_TR_ACCESS       = 47,
	EXIT_EPT_VIOLATION        = 48,
	EXIT_EPT_MISCONFIG        = 49,
	EXIT_INVEPT               = 50,
	EXIT_RDTSCP               = 51,
	EXIT_PREEMPTION_TIMER     = 52,
	EXIT_INVVPID              = 53,
	EXIT_WBINVD               = 54,
	EXIT_XSETBV               = 55,
	EXIT_APIC_WRITE           = 56,
	EXIT_RDRAND               = 57,
	EXIT_INVPCID              = 58,
	EXIT_VMFUNC               = 59,
	EXIT_ENCLS                = 60,
	EXIT_RDSEED               = 61,
	EXIT_PML_FULL             = 62,
	EXIT_XSAVES               = 63,
	EXIT_XRSTORS              = 64,
	EXIT_SPP                  = 66,   /* SPP-related event */
	EXIT_REASON_MAX           = 70,
};
#define EXIT_REASON_ENTRY_FAILURE   BIT(31)   /* VM-entry failure */
#define EXIT_REASON_BASIC(r)        ((r) & 0xFFFF)

#endif
