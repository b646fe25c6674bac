/*
 * VM-entry failures (SDM revision 084, Vol. 3C "VM Entries": "Checks on
 * VMX Controls and Host-State Area", "Checks on Guest State Area",
 * "VM-Entry Failures During or After Loading Guest State"; "VM-Instruction
 * Error Numbers").
 *
 *   VMLAUNCH/VMRESUME falls through    vmx_entry_failed (from the stub)
 *     CF = 1  VMfailInvalid: no current VMCS
 *     ZF = 1  VMfailValid: the VM-instruction error; for 7 (controls) and
 *             8 (host state) the software checker names the rule
 *   VM exit with reason bit 31         entry_fail_exit (from the
 *                                      dispatcher): reason and
 *                                      qualification decoded, the checker
 *                                      names the guest-state rule
 */
#include "hv/entry_fail.h"
#include "hv/exit.h"
#include "hv/run.h"
#include "vmx/vmx_check.h"
#include "vmx/vmx_err.h"
#include "vmx/vmx_exitinfo.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_stub.h"
#include "include/x86.h"
#include "lib/console.h"

static unsigned check_reads;

static uint64_t check_read(void *ctx, enum vmcs_field f)
{
	uint64_t v = 0;

	check_reads++;
	if (vmx_vmread_raw(f, &v))
		return 0;            /* field absent on this CPU: reads as 0 */
	return v;
}

int vcpu_check_vmcs(struct vcpu *v, const char *when)
{
	struct vmcs_reader rd = { .ctx = v, .read = check_read };
	struct vmx_check_failure f;
	int rc;

	check_reads = 0;
	rc = vmx_check_vmcs(v->caps, &rd, &f);
	if (!rc) {
		printf("vmx: %s check passed (%u VMCS fields read)\n", when,
		       check_reads);
		return 0;
	}
	printf("vmx: %s check FAILED: %s rule: %s\n", when,
	       vmx_check_area_name(f.area), f.rule ? f.rule : "?");
	printf("vmx:   SDM 3C \"%s\"; field 0x%x = 0x%llx%s%s\n",
	       f.section ? f.section : "?", (unsigned)f.field,
	       (unsigned long long)f.value, f.detail[0] ? "; " : "", f.detail);
	return rc;
}

void entry_fail_exit(struct vcpu *v, uint32_t reason)
{
	static const char *const qual_name[] = {
		[ENTRYQ_DEFAULT] = "default", [1] = "not used",
		[ENTRYQ_PDPTE] = "PDPTE loading",
		[ENTRYQ_NMI_INJECTION] = "NMI injection",
		[ENTRYQ_VMCS_LINK] = "invalid VMCS link pointer" };
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);

	printf("vmx: VM-entry failure: exit reason 0x%x (basic %u: %s), "
	       "qualification %llu (%s)\n", reason, EXIT_REASON_BASIC(reason),
	       vmx_exit_reason_name(reason), (unsigned long long)q,
	       q < ARRAY_SIZE(qual_name) ? qual_name[q] : "?");
	if (vcpu_check_vmcs(v, "post-failure software") == 0)
		printf("vmx: the software checker found no broken rule\n");
	exit_dump_guest(v, "VM-entry failure");
	run_end(RUN_FAIL, "VM entry failed (invalid guest state)");
}

void vmx_entry_failed(struct guest_regs *regs, uint64_t rflags, int resume)
{
	struct vcpu *v = vcpu_of(regs);
	const char *insn = resume ? "VMRESUME" : "VMLAUNCH";
	uint32_t err;

	if (rflags & RFLAGS_CF) {
		printf("vmx: %s failed: VMfailInvalid: no current VMCS (was "
		       "VMPTRLD done? was the VMCS cleared?)\n", insn);
		run_end(RUN_FAIL, "VM entry failed: VMfailInvalid");
	}
	err = vmcs_read32(VMCS_INSTR_ERROR);
	printf("vmx: %s failed: VMfailValid, VM-instruction error %u: %s\n",
	       insn, err, vmx_insn_error_name(err));
	if (err == 7 || err == 8) {
		if (vcpu_check_vmcs(v, "post-failure software") == 0)
			printf("vmx: the software checker found no broken "
			       "rule\n");
	}
	run_end(RUN_FAIL, "VM entry failed: VMfailValid");
}
