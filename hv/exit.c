/*
 * The VM-exit dispatcher: one table of handle_* functions indexed by the
 * basic exit reason (SDM revision 084, Vol. 3D Appendix C "VMX Basic Exit
 * Reasons"; qualifications from Vol. 3C "Exit Qualification for ...").
 *
 * Handlers return to resume the guest, or stop the run cleanly through
 * guest_stop() after printing what happened. The hot path (CPUID, VMCALL,
 * I/O, CR, MSR) neither allocates nor prints, except for guest console
 * output and explicit diagnostics.
 */
#include "hv/vcpu.h"
#include "hv/exit.h"
#include "hv/hypercall.h"
#include "hv/vm.h"
#include "vmx/vmx.h"
#include "vmx/vmx_stub.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_err.h"
#include "vmx/vmx_check.h"
#include "vmx/vmcs.h"
#include "hv/stats.h"
#include "hv/contain.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"
#include "hv/run.h"
#include "include/err.h"

/* ------------------------------------------------------------ helpers */

static uint64_t gpr_get(struct vcpu *v, unsigned r)
{
	return r == GPR_RSP ? vmcs_readnat(VMCS_GUEST_RSP) : v->regs.gpr[r];
}

static void gpr_set(struct vcpu *v, unsigned r, uint64_t val)
{
	if (r == GPR_RSP)
		vmcs_writenat(VMCS_GUEST_RSP, val);
	else
		v->regs.gpr[r] = val;
}

/* Advance the guest RIP by len bytes (the checked accessors are inline:
 * no call per field on the exit path). */
void exit_advance_rip(uint64_t len)
{
	vmcs_writenat(VMCS_GUEST_RIP, vmcs_readnat(VMCS_GUEST_RIP) + len);
}

/* Skip the instruction that caused the exit (its length from the VMCS). */
void exit_skip_insn(void)
{
	exit_advance_rip(vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

/* SDM 3C "VM-Entry Controls for Event Injection": hardware exception,
 * type 3. No error code outside protected mode (unrestricted guest in
 * real mode). */
#define VEC_UD 6
#define VEC_GP 13
void exit_inject_exception(struct vcpu *v, unsigned vec, bool has_err,
			   uint32_t err)
{
	uint32_t info = vec | (3u << 8) | BIT(31);

	if (has_err && (vmcs_guest_cr0(&v->ctl) & CR0_PE)) {
		info |= BIT(11);
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR, err);
	}
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info);
}

static void inject_gp(struct vcpu *v)
{
	exit_inject_exception(v, VEC_GP, true, 0);
}

static void inject_ud(struct vcpu *v)
{
	exit_inject_exception(v, VEC_UD, false, 0);
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
		       n[i], (unsigned long long)gpr_get(v, i),
		       n[i + 1], (unsigned long long)gpr_get(v, i + 1),
		       n[i + 2], (unsigned long long)gpr_get(v, i + 2),
		       n[i + 3], (unsigned long long)gpr_get(v, i + 3));
}

/* ----------------------------------------------------------- COM1 */

static struct {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	size_t len;
	char line[160];
} com1;

void exit_com1_flush(void)
{
	if (!com1.len)
		return;
	com1.line[com1.len] = 0;
	printf("guest: %s\n", com1.line);
	com1.len = 0;
}

static void com1_out(unsigned off, uint8_t val)
{
	bool dlab = com1.lcr & 0x80;

	switch (off) {
	case 0:
		if (dlab) { com1.dll = val; break; }
		if (val == '\n') { exit_com1_flush(); break; }
		if (val == '\r') break;
		com1.line[com1.len++] = (char)val;
		if (com1.len == sizeof(com1.line) - 1)
			exit_com1_flush();
		break;
	case 1: if (dlab) com1.dlm = val; else com1.ier = val; break;
	case 3: com1.lcr = val; break;
	case 4: com1.mcr = val; break;
	case 7: com1.scr = val; break;
	default: break;           /* FCR and read-only registers */
	}
}

static uint8_t com1_in(unsigned off)
{
	bool dlab = com1.lcr & 0x80;

	switch (off) {
	case 0: return dlab ? com1.dll : 0;           /* no received data */
	case 1: return dlab ? com1.dlm : com1.ier;
	case 2: return 0x01;                          /* IIR: none pending */
	case 3: return com1.lcr;
	case 4: return com1.mcr;
	case 5: return 0x60;                          /* LSR: THRE | TEMT */
	case 6: return 0xB0;                          /* MSR: DCD DSR CTS */
	default: return com1.scr;
	}
}

/* ------------------------------------------------------- ending runs */

__attribute__((noreturn))
static void guest_end(int status, const char *why)
{
	exit_com1_flush();
	hc_print_last_walk();
	stats_print("guest ended");
	printf("vm: EPT flushes (INVEPT from the paging engine): %llu\n",
	       (unsigned long long)vm0.ept_flushes);
	printf("vm: counters: %llu EPT violations, %llu demand faults (%llu "
	       "paging-structure), %llu write-track faults, %llu INVEPT, "
	       "%llu INVVPID\n", (unsigned long long)vm0.ctr.ept_violations,
	       (unsigned long long)vm0.ctr.demand_faults,
	       (unsigned long long)vm0.ctr.demand_paging_struct,
	       (unsigned long long)vm0.ctr.write_track_faults,
	       (unsigned long long)vm0.ctr.invept,
	       (unsigned long long)vm0.ctr.invvpid);
	run_end(status, why);
}

__attribute__((noreturn))
static void guest_stop(struct vcpu *v, const char *why)
{
	exit_com1_flush();
	exit_dump_guest(v, why);
	guest_end(contain_guest_stop(v, why), why);   /* or a restart */
}

/* ----------------------------------------------- software VMCS checker */

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

/* VM entry failed as a VM exit with bit 31 set (SDM 3C "VM-Entry
 * Failures During or After Loading Guest State"). */
__attribute__((noreturn, noinline, cold))
static void entry_failure_exit(struct vcpu *v, uint32_t reason)
{
	static const char *const qual_name[] = {
		[0] = "default", [1] = "not used", [2] = "PDPTE loading",
		[3] = "NMI injection", [4] = "invalid VMCS link pointer" };
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

	if (rflags & RFLAGS_CF) {
		printf("vmx: %s failed: VMfailInvalid: no current VMCS (was "
		       "VMPTRLD done? was the VMCS cleared?)\n", insn);
		run_end(RUN_FAIL, "VM entry failed: VMfailInvalid");
	}
	uint32_t err = vmcs_read32(VMCS_INSTR_ERROR);
	printf("vmx: %s failed: VMfailValid, VM-instruction error %u: %s\n",
	       insn, err, vmx_insn_error_name(err));
	if (err == 7 || err == 8) {
		if (vcpu_check_vmcs(v, "post-failure software") == 0)
			printf("vmx: the software checker found no broken "
			       "rule\n");
	}
	run_end(RUN_FAIL, "VM entry failed: VMfailValid");
}

/* ----------------------------------------------------------- handlers */

static void handle_cpuid(struct vcpu *v)
{
	uint32_t leaf = (uint32_t)v->regs.gpr[GPR_RAX];
	uint32_t sub = (uint32_t)v->regs.gpr[GPR_RCX];
	struct cpuid_regs r;

	if (leaf >= HC_CPUID_LEAF && leaf <= HC_CPUID_LEAF + 0xFF) {
		r = (struct cpuid_regs){ 0 };
		if (leaf == HC_CPUID_LEAF)
			r = (struct cpuid_regs){ HC_CPUID_LEAF, HC_CPUID_SIG_EBX,
						 HC_CPUID_SIG_ECX,
						 HC_CPUID_SIG_EDX };
	} else {
		r = cpuid(leaf, sub);
		switch (leaf) {
		case 1:
			r.ecx &= ~(uint32_t)CPUID_1_ECX_VMX;
			r.ecx |= CPUID_1_ECX_HYPERVISOR;
			break;
		case 7:
			if (sub == 0 && !(v->ctl.proc2 & PROC2_ENABLE_INVPCID))
				r.ebx &= ~(uint32_t)CPUID_7_EBX_INVPCID;
			break;
		case 0xD:
			if (sub == 1 && !(v->ctl.proc2 & PROC2_ENABLE_XSAVES))
				r.eax &= ~(uint32_t)BIT(3);     /* XSAVES */
			break;
		case 0x80000001:
			if (!(v->ctl.proc2 & PROC2_ENABLE_RDTSCP))
				r.edx &= ~(uint32_t)BIT(27);    /* RDTSCP */
			break;
		}
	}
	v->regs.gpr[GPR_RAX] = r.eax;
	v->regs.gpr[GPR_RBX] = r.ebx;
	v->regs.gpr[GPR_RCX] = r.ecx;
	v->regs.gpr[GPR_RDX] = r.edx;
	exit_skip_insn();
}

static unsigned io_unknown_reports;

/* SDM 3C "Exit Qualification for I/O Instructions": size-1 in 2:0,
 * direction (1 = IN) bit 3, string bit 4, REP bit 5, port 31:16. */
static void handle_io(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned size = (q & 7) + 1, port = (q >> 16) & 0xFFFF;
	bool in = q & BIT(3);
	uint64_t mask = size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
	uint64_t *rax = &v->regs.gpr[GPR_RAX];
	uint32_t val = 0xFFFFFFFF;

	if (q & BIT(4)) {
		printf("io: string I/O (INS/OUTS) on port 0x%x is not emulated\n",
		       port);
		guest_stop(v, "unsupported string I/O");
	}
	if (port >= GUEST_COM1_PORT && port < GUEST_COM1_PORT + 8) {
		if (in)
			val = com1_in(port - GUEST_COM1_PORT);
		else
			com1_out(port - GUEST_COM1_PORT, (uint8_t)*rax);
	} else if (port == GUEST_EXIT_PORT && !in) {
		uint8_t status = (uint8_t)*rax;
		exit_com1_flush();
		printf("vm: guest wrote status %u to port 0x%x: ending the run\n",
		       status, GUEST_EXIT_PORT);
		guest_end(status == 0 ? RUN_PASS : RUN_FAIL,
			  "guest reported failure");
	} else if (io_unknown_reports < 8) {
		io_unknown_reports++;
		printf("io: guest %s port 0x%x (size %u) not emulated: %s\n",
		       in ? "read from" : "write to", port, size,
		       in ? "reads as all-ones" : "ignored");
	}
	if (in)
		*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
	exit_skip_insn();
}

static void handle_hlt(struct vcpu *v)
{
	exit_com1_flush();
	printf("vm: guest executed HLT at rip 0x%llx without writing a status "
	       "to port 0x%x\n",
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP), GUEST_EXIT_PORT);
	guest_end(RUN_FAIL, "guest halted without reporting a status");
}

static void handle_triple_fault(struct vcpu *v)
{
	guest_stop(v, "guest triple fault");
}

static void handle_init(struct vcpu *v)
{
	guest_stop(v, "INIT signal (eptlab runs one vCPU, no INIT/SIPI)");
}

/* SDM Vol. 2C "XSETBV": #GP(0) for ECX != 0, XCR0[0] = 0, unsupported
 * bits, or AVX without SSE. */
static void handle_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];
	struct cpuid_regs d = cpuid(0xD, 0);
	uint64_t ok = ((uint64_t)d.edx << 32) | d.eax;

	if ((uint32_t)v->regs.gpr[GPR_RCX] != 0 || !(val & BIT(0)) ||
	    (val & ~ok) || ((val & BIT(2)) && !(val & BIT(1)))) {
		inject_gp(v);
		return;
	}
	xsetbv(0, val);
	exit_skip_insn();
}

static void handle_invd(struct vcpu *v)
{
	/* INVD would drop dirty lines the host owns: treat it as WBINVD. */
	wbinvd();
	exit_skip_insn();
}

/* Flush the guest's linear translations (tagged by its VPID) after the
 * hypervisor changed paging state on the guest's behalf. */
void exit_vpid_flush(struct vcpu *v)
{
	if (v->ctl.vpid) {
		vmx_invvpid(INVVPID_SINGLE, v->ctl.vpid, 0);
		vm0.ctr.invvpid++;
	}
}

/* PAE paging without IA-32e mode: the CPU loads the PDPTEs from the VMCS
 * on VM entry when EPT is on (SDM 3C "Loading Guest State"), so a MOV to
 * CR0/CR3/CR4 emulated here must load them from guest memory. */
static void load_pdptes(struct vcpu *v, uint64_t cr0, uint64_t cr4)
{
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER), pdpte[4] = { 0 };

	if (!(cr0 & CR0_PG) || !(cr4 & CR4_PAE) || (efer & EFER_LMA))
		return;
	vm_read(&vm0, vmcs_readnat(VMCS_GUEST_CR3) & GENMASK(31, 5), pdpte,
		sizeof(pdpte));
	for (unsigned i = 0; i < 4; i++)
		vmcs_write64((enum vmcs_field)(VMCS_GUEST_PDPTE0 + 2 * i),
			     pdpte[i]);
}

/* Guest MOV to CR0 (SDM Vol. 2B "MOV-Move to/from Control Registers";
 * Vol. 3A "Initializing IA-32e Mode"). false: #GP injected. */
static bool set_cr0(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	uint64_t old = vmcs_guest_cr0(&v->ctl);
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	uint64_t forced = c->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	uint32_t entry = vmcs_read32(VMCS_ENTRY_CONTROLS);

	if ((val >> 32) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD))) {
		inject_gp(v);
		return false;
	}
	if ((val & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vmcs_guest_cr4(&v->ctl) & CR4_PAE)) {
			inject_gp(v);
			return false;
		}
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE_GUEST;
	} else if (!(val & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		efer &= ~EFER_LMA;
		entry &= ~(uint32_t)ENTRY_IA32E_MODE_GUEST;
	}
	vmcs_write64(VMCS_GUEST_IA32_EFER, efer);
	vmcs_write32(VMCS_ENTRY_CONTROLS, entry);
	vmcs_writenat(VMCS_GUEST_CR0, (val | forced) & c->cr0_fixed1);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, val);
	load_pdptes(v, val, vmcs_guest_cr4(&v->ctl));
	if ((old ^ val) & (CR0_PG | CR0_WP | CR0_PE))
		exit_vpid_flush(v);
	return true;
}

static bool set_cr4(struct vcpu *v, uint64_t val)
{
	const struct vmx_caps *c = v->caps;
	uint64_t old = vmcs_guest_cr4(&v->ctl);

	/* VMX is hidden from the guest, so CR4.VMXE is reserved for it. */
	if ((val & ~c->cr4_fixed1) || (val & CR4_VMXE) ||
	    ((vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && !(val & CR4_PAE))) {
		inject_gp(v);
		return false;
	}
	vmcs_writenat(VMCS_GUEST_CR4, val | c->cr4_fixed0);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, val);
	load_pdptes(v, vmcs_guest_cr0(&v->ctl), val);
	if ((old ^ val) & (CR4_PAE | CR4_PGE | CR4_PSE | CR4_PCIDE | CR4_SMEP |
			   CR4_SMAP | CR4_PKE | CR4_LA57))
		exit_vpid_flush(v);
	return true;
}

/* SDM 3C "Exit Qualification for Control-Register Accesses": CR in 3:0,
 * access type 5:4 (0 MOV to, 1 MOV from, 2 CLTS, 3 LMSW), GPR 11:8, LMSW
 * source 31:16. */
static void handle_cr(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;
	bool ok = true;

	switch (type) {
	case 0:
		if (cr == 0)
			ok = set_cr0(v, gpr_get(v, reg));
		else if (cr == 4)
			ok = set_cr4(v, gpr_get(v, reg));
		else if (cr == 3) {
			vmcs_writenat(VMCS_GUEST_CR3, gpr_get(v, reg));
			load_pdptes(v, vmcs_guest_cr0(&v->ctl), vmcs_guest_cr4(&v->ctl));
			exit_vpid_flush(v);
		} else
			guest_stop(v, "MOV to CR8 is not virtualized");
		break;
	case 1:
		if (cr == 3)
			gpr_set(v, reg, vmcs_readnat(VMCS_GUEST_CR3));
		else
			guest_stop(v, "MOV from CR8 is not virtualized");
		break;
	case 2:
		ok = set_cr0(v, vmcs_guest_cr0(&v->ctl) & ~CR0_TS);
		break;
	case 3: {
		uint64_t cr0 = vmcs_guest_cr0(&v->ctl), src = (q >> 16) & 0xF;
		/* LMSW loads PE, MP, EM, TS; it cannot clear PE. */
		ok = set_cr0(v, (cr0 & ~0xEULL) | src | (cr0 & CR0_PE));
		break;
	}
	}
	if (ok)
		exit_skip_insn();
}

static void handle_rdmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val;

	if (msr == MSR_IA32_APIC_BASE) {
		val = v->apic_base;
	} else {
		/* The other intercepted MSRs are IA32_FEATURE_CONTROL and
		 * 0x480-0x491 (VMX is hidden), plus MSRs outside the bitmap
		 * ranges: #GP, as on a CPU without them. */
		inject_gp(v);
		return;
	}
	v->regs.gpr[GPR_RAX] = (uint32_t)val;
	v->regs.gpr[GPR_RDX] = val >> 32;
	exit_skip_insn();
}

static void handle_wrmsr(struct vcpu *v)
{
	uint32_t msr = (uint32_t)v->regs.gpr[GPR_RCX];
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];

	if (msr == MSR_IA32_APIC_BASE) {
		/* Reserved: bits 7:0, 9 and those above MAXPHYADDR. The value
		 * is remembered; the local APIC itself is not virtualized. */
		uint64_t rsvd = 0x2FF | ~GENMASK(v->caps->maxphyaddr - 1, 0);
		if (val & rsvd) {
			inject_gp(v);
			return;
		}
		v->apic_base = val;
		exit_skip_insn();
		return;
	}
	inject_gp(v);
}

/* An EPT violation during event delivery: the event was not delivered
 * and must be injected again for the retried access (SDM 3C "Information
 * for VM Exits During Event Delivery"). */
static void reinject_vectoring(void)
{
	uint32_t info = vmcs_read32(VMCS_IDT_VECTORING_INFO);
	unsigned type = (info >> 8) & 7;

	if (!(info & BIT(31)))
		return;
	vmcs_write32(VMCS_ENTRY_INTR_INFO, info & ~(uint32_t)BIT(12));
	if (info & BIT(11))
		vmcs_write32(VMCS_ENTRY_EXCEPTION_ERROR,
			     vmcs_read32(VMCS_IDT_VECTORING_ERROR));
	if (type == 4 || type == 5 || type == 6)   /* software int/exc */
		vmcs_write32(VMCS_ENTRY_INSTR_LEN,
			     vmcs_read32(VMCS_EXIT_INSTR_LEN));
}

/* SDM 3C "Exit Qualification for EPT Violations". Demand pages, the lazy
 * page and write tracking resolve and retry; an access outside guest RAM
 * or one EPT does not permit is logged, reported (capped) and answered
 * with #GP(0) so the guest can continue (hv/vm_ept.c). */
static void handle_ept_violation(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	uint64_t gla = (q & EPTV_GLA_VALID) ?
		       vmcs_readnat(VMCS_GUEST_LINEAR_ADDR) : 0;
	uint32_t vect = vmcs_read32(VMCS_IDT_VECTORING_INFO);

	switch (vm_ept_fault(&vm0, gpa, gla, q, vmcs_readnat(VMCS_GUEST_RIP),
			     vect & BIT(31))) {
	case VM_FAULT_RESUME:
		reinject_vectoring();
		return;
	case VM_FAULT_INJECT_GP:
		if (vect & BIT(31)) {
			/* The fault hit the delivery of an event (IDT, stack):
			 * #GP would meet the same wall. */
			exit_com1_flush();
			guest_stop(v, "EPT violation while delivering an event");
		}
		inject_gp(v);
		return;
	}
}

static void handle_ept_misconfig(struct vcpu *v)
{
	uint64_t gpa = vmcs_read64(VMCS_GUEST_PHYSICAL_ADDR);
	struct pg_walk w;

	printf("ept: misconfiguration at GPA 0x%llx; software walk:\n",
	       (unsigned long long)gpa);
	ept_walk(&vm0.ept, gpa, &w);
	for (unsigned i = 0; i < w.nsteps; i++)
		printf("ept:   level %u entry at HPA 0x%llx = 0x%016llx\n",
		       w.step[i].level, (unsigned long long)w.step[i].entry_pa,
		       (unsigned long long)w.step[i].entry);
	guest_stop(v, "EPT misconfiguration");
}

static void handle_vmx_insn(struct vcpu *v)
{
	contain_vmx_insn(v);
	inject_ud(v);    /* VMX is hidden: as on a CPU without it */
}

static void handle_watchdog(struct vcpu *v) { guest_stop(v, "watchdog"); }

static void handle_unexpected(struct vcpu *v)
{
	guest_stop(v, "unexpected VM exit");
}

typedef void (*exit_handler_fn)(struct vcpu *v);

static const exit_handler_fn handlers[EXIT_REASON_MAX] = {
	[EXIT_TRIPLE_FAULT]   = handle_triple_fault,
	[EXIT_INIT]           = handle_init,
	[EXIT_CPUID]          = handle_cpuid,
	[EXIT_HLT]            = handle_hlt,
	[EXIT_INVD]           = handle_invd,
	[EXIT_VMCALL]         = handle_vmcall,
	[EXIT_VMCLEAR]        = handle_vmx_insn,
	[EXIT_VMLAUNCH]       = handle_vmx_insn,
	[EXIT_VMPTRLD]        = handle_vmx_insn,
	[EXIT_VMPTRST]        = handle_vmx_insn,
	[EXIT_VMREAD]         = handle_vmx_insn,
	[EXIT_VMRESUME]       = handle_vmx_insn,
	[EXIT_VMWRITE]        = handle_vmx_insn,
	[EXIT_VMXOFF]         = handle_vmx_insn,
	[EXIT_VMXON]          = handle_vmx_insn,
	[EXIT_INVEPT]         = handle_vmx_insn,
	[EXIT_INVVPID]        = handle_vmx_insn,
	[EXIT_VMFUNC]         = handle_vmx_insn,
	[EXIT_CR_ACCESS]      = handle_cr,
	[EXIT_IO_INSTRUCTION] = handle_io,
	[EXIT_RDMSR]          = handle_rdmsr,
	[EXIT_WRMSR]          = handle_wrmsr,
	[EXIT_EPT_VIOLATION]  = handle_ept_violation,
	[EXIT_EPT_MISCONFIG]  = handle_ept_misconfig,
	[EXIT_WBINVD]         = handle_invd,
	[EXIT_XSETBV]         = handle_xsetbv,
	[EXIT_PREEMPTION_TIMER] = handle_watchdog,
};

void vmx_exit_handler(struct guest_regs *regs)
{
	struct vcpu *v = vcpu_of(regs);
	uint64_t t0 = rdtsc();
	uint32_t reason = vmcs_read32(VMCS_EXIT_REASON);
	uint32_t basic = EXIT_REASON_BASIC(reason);

	if (reason & EXIT_REASON_ENTRY_FAILURE)
		entry_failure_exit(v, reason);
	if (basic < EXIT_REASON_MAX && handlers[basic])
		handlers[basic](v);
	else
		handle_unexpected(v);
	stats_account(basic, rdtsc() - t0);
}
