/*
 * What the exit handlers do to the guest besides emulating: inject an
 * exception, read and write its registers, dump its state, and stop or end
 * it (SDM revision 084, Vol. 3C "VM-Entry Controls for Event Injection").
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/hypercall.h"
#include "hv/stats.h"
#include "hv/contain.h"
#include "hv/audit.h"
#include "hv/run.h"
#include "hv/audit.h"
#include "hv/vga_text.h"
#include "hv/host_irq.h"
#include "hv/vcpu/step.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmx_err.h"
#include "vmx/vmx_exitinfo.h"
#include "include/x86.h"
#include "lib/console.h"

#define VEC_UD 6
#define VEC_GP 13

/* After an instruction the hypervisor emulated: the single-step trap it
 * owes, and the end of STI / MOV SS blocking (vcpu_skip_insn,
 * hv/vcpu/step.h). Only reached when TF or the blocking is set. */
_Static_assert(VCPU_RFLAGS_TF == RFLAGS_TF && VCPU_DEBUGCTL_BTF == DEBUGCTL_BTF &&
	       VCPU_PENDING_DBG_BS == PENDING_DBG_BS &&
	       VCPU_INTR_STI == INTERRUPTIBILITY_STI &&
	       VCPU_INTR_MOV_SS == INTERRUPTIBILITY_MOV_SS,
	       "hv/vcpu/step.h bits are the architectural ones");

__attribute__((cold))
void exit_skip_slow(void)
{
	uint32_t intr = vmcs_read32(VMCS_GUEST_INTERRUPTIBILITY);
	uint64_t pending = vmcs_readnat(VMCS_GUEST_PENDING_DBG);
	struct vcpu_skip s = vcpu_skip_insn(vmcs_readnat(VMCS_GUEST_RFLAGS),
					    vmcs_read64(VMCS_GUEST_IA32_DEBUGCTL),
					    pending, intr);

	if (s.pending_dbg != pending)
		vmcs_writenat(VMCS_GUEST_PENDING_DBG, s.pending_dbg);
	if (s.intr != intr)
		vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, s.intr);
}

void exit_inject_exception(struct vcpu *v, unsigned vec, bool has_err,
			   uint32_t err)
{
	uint32_t info = vec | INTR_INFO_TYPE_HW_EXCEPTION | INTR_INFO_VALID;

	/* No error code outside protected mode (an unrestricted guest in
	 * real mode): SDM 3C "Checks on VM-Entry Control Fields". */
	if (has_err && (vmcs_guest_cr0(&v->ctl) & CR0_PE)) {
		info |= INTR_INFO_DELIVER_ERR;
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR, err);
	}
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
	exit_mark_progress();
}

/* SDM 3C "Information for VM Exits During Event Delivery": the
 * IDT-vectoring fields have the layout of the entry fields; bits 30:12
 * (bit 12 undefined there) must be 0 on entry, and software interrupts
 * and exceptions need the instruction length of this exit. */
bool exit_reinject_vectoring(struct vcpu *v, uint32_t info)
{
	if (!(info & INTR_INFO_VALID))
		return false;
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info & ~INTR_INFO_ENTRY_RESERVED);
	if (info & INTR_INFO_DELIVER_ERR)
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR,
			     vmcs_read32(VMCS_IDT_VECTORING_ERROR));
	if (intr_info_needs_insn_len(info))
		vmcs_write32(VMCS_ENTRY_INSTR_LEN,
			     vmcs_read32(VMCS_EXIT_INSTR_LEN));
	v->vm->ctr.reinjected++;
	return true;
}

void exit_inject_gp(struct vcpu *v)
{
	exit_inject_exception(v, VEC_GP, true, 0);
}

void exit_inject_ud(struct vcpu *v)
{
	exit_inject_exception(v, VEC_UD, false, 0);
}

uint64_t exit_gpr_get(struct vcpu *v, unsigned r)
{
	return r == GPR_RSP ? vmcs_readnat(VMCS_GUEST_RSP) : v->regs.gpr[r];
}

void exit_gpr_set(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r == GPR_RSP)
		vmcs_writenat(VMCS_GUEST_RSP, val);
	else
		v->regs.gpr[r] = val;
}

void exit_com1_flush(struct vcpu *v)
{
	uart16550_flush(&v->vm->com1);
}

void exit_dump_guest(struct vcpu *v, const char *why)
{
	static const char *const n[GPR_COUNT] = {
		"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
		"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

	printf("guest state (%s): exit reason 0x%x (%s), qualification 0x%llx\n",
	       why, vmcs_read32(VMCS_EXIT_REASON),
	       vmx_exit_reason_name(vmcs_read32(VMCS_EXIT_REASON)),
	       (unsigned long long)vmcs_readnat(VMCS_EXIT_QUALIFICATION));
	printf("  rip 0x%llx rflags 0x%llx cs 0x%x (ar 0x%x) ss 0x%x\n",
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP),
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RFLAGS),
	       vmcs_read16(VMCS_GUEST_CS_SEL), vmcs_read32(VMCS_GUEST_CS_AR),
	       vmcs_read16(VMCS_GUEST_SS_SEL));
	printf("  cr0 0x%llx (real 0x%llx) cr3 0x%llx cr4 0x%llx (real 0x%llx) "
	       "efer 0x%llx entry-ctl 0x%x\n",
	       (unsigned long long)vmcs_guest_cr0(&v->ctl),
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_CR0),
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_CR3),
	       (unsigned long long)vmcs_guest_cr4(&v->ctl),
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_CR4),
	       (unsigned long long)vmcs_read64(VMCS_GUEST_IA32_EFER),
	       vmcs_read32(VMCS_ENTRY_CONTROLS));
	for (unsigned i = 0; i < GPR_COUNT; i += 4)
		printf("  %-3s 0x%016llx %-3s 0x%016llx %-3s 0x%016llx "
		       "%-3s 0x%016llx\n",
		       n[i], (unsigned long long)exit_gpr_get(v, i),
		       n[i + 1], (unsigned long long)exit_gpr_get(v, i + 1),
		       n[i + 2], (unsigned long long)exit_gpr_get(v, i + 2),
		       n[i + 3], (unsigned long long)exit_gpr_get(v, i + 3));
}

void guest_end(struct vcpu *v, int status, const char *why)
{
	const struct vm *vm = v->vm;


	exit_com1_flush(v);
	vga_text_print(v->vm);
	hc_print_last_walk();
	stats_print("guest ended");
	printf("vm: EPT flushes (INVEPT from the paging engine): %llu\n",
	       (unsigned long long)vm->ept_flushes);
	printf("vm: counters: %llu EPT violations, %llu demand faults (%llu "
	       "paging-structure), %llu write-track faults, %llu INVEPT, "
	       "%llu INVVPID\n", (unsigned long long)vm->ctr.ept_violations,
	       (unsigned long long)vm->ctr.demand_faults,
	       (unsigned long long)vm->ctr.demand_paging_struct,
	       (unsigned long long)vm->ctr.write_track_faults,
	       (unsigned long long)vm->ctr.invept,
	       (unsigned long long)vm->ctr.invvpid);
	printf("vm: MMIO: %llu device-page accesses emulated (EPT violations "
	       "at the local APIC and I/O APIC, not in the counters above)\n",
	       (unsigned long long)vm->mmio_emulated);
	printf("vm: events: %llu interrupts and %llu NMIs injected, %llu "
	       "deliveries re-injected\n",
	       (unsigned long long)vm->ctr.irq_injected,
	       (unsigned long long)vm->ctr.nmi_injected,
	       (unsigned long long)vm->ctr.reinjected);
	host_irq_print();
	/* The end-of-run audit (docs/hardening.md): a changed image or an
	 * EPT leaf outside the VM's frames fails the run, whatever the
	 * guest said. */
	if (hv_audit(v->vm)) {
		status = RUN_FAIL;
		why = "hypervisor audit failed";
	}
	/* No guest write may have reached the host's PAT, MTRRs or
	 * TSC_ADJUST (hv/audit_msr.c): a change fails any run. */
	if (audit_msr_check()) {
		status = RUN_FAIL;
		why = "a host MSR changed (PAT, MTRR or TSC_ADJUST)";
	}
	run_end(status, why);
}

void guest_stop(struct vcpu *v, const char *why)
{
	exit_com1_flush(v);
	exit_dump_guest(v, why);
	guest_end(v, contain_guest_stop(v, why), why);   /* or a restart */
}
