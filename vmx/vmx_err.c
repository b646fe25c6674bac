/* Names for VM-instruction errors and exit reasons (SDM revision 084). */
#include "vmx/vmx_err.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmcs.h"
#include "lib/console.h"
#include "lib/panic.h"

/* SDM 3C "VM-Instruction Error Numbers" */
static const char *const insn_errors[] = {
	[1]  = "VMCALL executed in VMX root operation",
	[2]  = "VMCLEAR with invalid physical address",
	[3]  = "VMCLEAR with VMXON pointer",
	[4]  = "VMLAUNCH with non-clear VMCS",
	[5]  = "VMRESUME with non-launched VMCS",
	[6]  = "VMRESUME after VMXOFF",
	[7]  = "VM entry with invalid control field(s)",
	[8]  = "VM entry with invalid host-state field(s)",
	[9]  = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[14] = "reserved (14)",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[21] = "reserved (21)",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[27] = "reserved (27)",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_name(unsigned n)
{
	if (n < ARRAY_SIZE(insn_errors) && insn_errors[n])
		return insn_errors[n];
	return "unknown VM-instruction error";
}

/* SDM 3D Appendix C "VMX Basic Exit Reasons" */
static const char *const exit_reasons[] = {
	[EXIT_EXCEPTION_NMI]       = "exception or NMI",
	[EXIT_EXTERNAL_INTERRUPT]  = "external interrupt",
	[EXIT_TRIPLE_FAULT]        = "triple fault",
	[EXIT_INIT]                = "INIT signal",
	[EXIT_SIPI]                = "start-up IPI",
	[EXIT_IO_SMI]              = "I/O SMI",
	[EXIT_OTHER_SMI]           = "other SMI",
	[EXIT_INTERRUPT_WINDOW]    = "interrupt window",
	[EXIT_NMI_WINDOW]          = "NMI window",
	[EXIT_TASK_SWITCH]         = "task switch",
	[EXIT_CPUID]               = "CPUID",
	[EXIT_GETSEC]              = "GETSEC",
	[EXIT_HLT]                 = "HLT",
	[EXIT_INVD]                = "INVD",
	[EXIT_INVLPG]              = "INVLPG",
	[EXIT_RDPMC]               = "RDPMC",
	[EXIT_RDTSC]               = "RDTSC",
	[EXIT_RSM]                 = "RSM",
	[EXIT_VMCALL]              = "VMCALL",
	[EXIT_VMCLEAR]             = "VMCLEAR",
	[EXIT_VMLAUNCH]            = "VMLAUNCH",
	[EXIT_VMPTRLD]             = "VMPTRLD",
	[EXIT_VMPTRST]             = "VMPTRST",
	[EXIT_VMREAD]              = "VMREAD",
	[EXIT_VMRESUME]            = "VMRESUME",
	[EXIT_VMWRITE]             = "VMWRITE",
	[EXIT_VMXOFF]              = "VMXOFF",
	[EXIT_VMXON]               = "VMXON",
	[EXIT_CR_ACCESS]           = "control-register access",
	[EXIT_MOV_DR]              = "MOV DR",
	[EXIT_IO_INSTRUCTION]      = "I/O instruction",
	[EXIT_RDMSR]               = "RDMSR",
	[EXIT_WRMSR]               = "WRMSR",
	[EXIT_INVALID_GUEST_STATE] = "VM-entry failure: invalid guest state",
	[EXIT_MSR_LOADING]         = "VM-entry failure: MSR loading",
	[EXIT_MWAIT]               = "MWAIT",
	[EXIT_MONITOR_TRAP_FLAG]   = "monitor trap flag",
	[EXIT_MONITOR]             = "MONITOR",
	[EXIT_PAUSE]               = "PAUSE",
	[EXIT_MACHINE_CHECK]       = "VM-entry failure: machine-check event",
	[EXIT_TPR_BELOW_THRESHOLD] = "TPR below threshold",
	[EXIT_APIC_ACCESS]         = "APIC access",
	[EXIT_VIRTUALIZED_EOI]     = "virtualized EOI",
	[EXIT_GDTR_IDTR_ACCESS]    = "GDTR/IDTR access",
	[EXIT_LDTR_TR_ACCESS]      = "LDTR/TR access",
	[EXIT_EPT_VIOLATION]       = "EPT violation",
	[EXIT_EPT_MISCONFIG]       = "EPT misconfiguration",
	[EXIT_INVEPT]              = "INVEPT",
	[EXIT_RDTSCP]              = "RDTSCP",
	[EXIT_PREEMPTION_TIMER]    = "VMX-preemption timer expired",
	[EXIT_INVVPID]             = "INVVPID",
	[EXIT_WBINVD]              = "WBINVD/WBNOINVD",
	[EXIT_XSETBV]              = "XSETBV",
	[EXIT_APIC_WRITE]          = "APIC write",
	[EXIT_RDRAND]              = "RDRAND",
	[EXIT_INVPCID]             = "INVPCID",
	[EXIT_VMFUNC]              = "VMFUNC",
	[EXIT_ENCLS]               = "ENCLS",
	[EXIT_RDSEED]              = "RDSEED",
	[EXIT_PML_FULL]            = "page-modification log full",
	[EXIT_XSAVES]              = "XSAVES",
	[EXIT_XRSTORS]             = "XRSTORS",
	[65]                       = "PCONFIG",
	[66]                       = "SPP-related event",
	[67]                       = "UMWAIT",
	[68]                       = "TPAUSE",
	[69]                       = "LOADIWKEY",
};

const char *vmx_exit_reason_name(uint32_t r)
{
	uint32_t b = EXIT_REASON_BASIC(r);

	if (b < ARRAY_SIZE(exit_reasons) && exit_reasons[b])
		return exit_reasons[b];
	return "unknown exit reason";
}

void vmx_insn_fail(const char *what, uint64_t arg, int status, void *caller)
{
	if (status == VMX_FAIL_INVALID) {
		printf("vmx: %s(0x%llx) failed: VMfailInvalid (no current VMCS), "
		       "called from %p\n", what, (unsigned long long)arg, caller);
	} else {
		uint64_t n = 0;
		vmx_vmread_raw(VMCS_INSTR_ERROR, &n);
		printf("vmx: %s(0x%llx) failed: VMfailValid error %llu: %s, "
		       "called from %p\n", what, (unsigned long long)arg,
		       (unsigned long long)n, vmx_insn_error_name((unsigned)n),
		       caller);
	}
	panic("%s failed (see above)", what);
}

static int vmrw_status(void)
{
	/* VMREAD/VMWRITE fail "invalid" only without a current VMCS (SDM 3C
	 * "VMREAD", "VMWRITE"); VMPTRST reads all ones then. */
	return vmx_vmptrst() == ~0ULL ? VMX_FAIL_INVALID : VMX_FAIL_VALID;
}

void vmx_vmread_fail(uint64_t field, void *insn)
{
	vmx_insn_fail("VMREAD", field, vmrw_status(), insn);
}

void vmx_vmwrite_fail(uint64_t field, void *insn)
{
	vmx_insn_fail("VMWRITE", field, vmrw_status(), insn);
}

void vmcs_width_fail(enum vmcs_field f, const char *accessor)
{
	static const char *const width[] = { "16-bit", "64-bit", "32-bit",
					     "natural-width" };

	panic_at(accessor, "VMCS field 0x%x is a %s field%s, not for this "
		 "accessor (caller %p)", (unsigned)f, width[VMCS_WIDTH(f)],
		 (f & 1) ? " (high half)" : "", __builtin_return_address(0));
}
