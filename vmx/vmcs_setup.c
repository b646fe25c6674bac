/*
 * Filling the VMCS: controls from requested-control tables, host state from
 * the live CPU, guest state for an unrestricted guest entered in 32-bit
 * protected mode with paging off. SDM revision 084, Vol. 3C
 * "VM-Execution Control Fields", "VM-Exit Control Fields",
 * "VM-Entry Control Fields", "Host-State Area", "Guest-State Area".
 */
#include "vmx/vmcs_setup.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_stub.h"
#include "vmx/vmcs.h"
#include "include/x86.h"
#include "include/err.h"
#include "lib/console.h"
#include "lib/panic.h"

/* Host containment and time (docs/platform.md "Host containment",
 * "Time"). Every host interrupt and NMI that arrives while the guest runs
 * is a VM exit, never a guest event: external-interrupt exiting and NMI
 * exiting are required. Virtual NMIs (optional) make "blocking by NMI"
 * the guest's own and allow NMI-window exiting; without them an NMI
 * queued for the guest waits until an exit finds it unblocked. The
 * VMX-preemption timer (required) forces an exit at the next virtual-timer
 * deadline and at the watchdog's horizon; "save VMX-preemption timer
 * value" stays off: each slow-path exit writes the budget anew. */
static const struct vmx_ctl_req pin_req[] = {
	{ "external-interrupt exiting",    PIN_EXTINT_EXITING,   true },
	{ "NMI exiting",                   PIN_NMI_EXITING,      true },
	{ "virtual NMIs",                  PIN_VIRTUAL_NMIS,     false },
	{ "activate VMX-preemption timer", PIN_PREEMPTION_TIMER, true },
};

/* RDPMC, MONITOR and MWAIT exit: performance monitoring and MONITOR/
 * MWAIT are hidden from the guest, which gets #GP or #UD as on a CPU
 * without them, instead of reading host counters or halting the CPU.
 * CR8 loads and stores exit: without a TPR shadow, a guest MOV to CR8
 * would write the host CPU's own TPR (SDM 3C "Processor-Based VM-Execution
 * Controls"); the hypervisor gives it the virtual APIC's (hv/intc.c). */
static const struct vmx_ctl_req proc_req[] = {
	{ "HLT exiting",                 PROC_HLT_EXITING,        true },
	{ "use TSC offsetting",          PROC_TSC_OFFSETTING,     true },
	{ "RDPMC exiting",               PROC_RDPMC_EXITING,      true },
	{ "MWAIT exiting",               PROC_MWAIT_EXITING,      true },
	{ "MONITOR exiting",             PROC_MONITOR_EXITING,    true },
	{ "CR8-load exiting",            PROC_CR8_LOAD_EXITING,   true },
	{ "CR8-store exiting",           PROC_CR8_STORE_EXITING,  true },
	{ "use I/O bitmaps",             PROC_USE_IO_BITMAPS,     true },
	{ "use MSR bitmaps",             PROC_USE_MSR_BITMAPS,    true },
	{ "activate secondary controls", PROC_SECONDARY_CONTROLS, true },
};

/* The debug controls keep the guest's DR7 and IA32_DEBUGCTL across VM
 * exits (SDM 3C "VM-Exit Controls", "VM-Entry Controls"); without them
 * every VM exit sets DR7 to 0x400 and clears IA32_DEBUGCTL. */
/* "Acknowledge interrupt on exit" (required): the CPU acknowledges the
 * host interrupt that caused the exit and stores its vector in the exit
 * interruption information, so the hypervisor, which runs with interrupts
 * off, counts it and sends the EOI itself (hv/host_irq.c). */
static const struct vmx_ctl_req exit_req[] = {
	{ "host address-space size", EXIT_HOST_ADDR_SPACE_SIZE, true },
	{ "acknowledge interrupt on exit", EXIT_ACK_INTR_ON_EXIT, true },
	{ "save IA32_EFER",          EXIT_SAVE_IA32_EFER,       true },
	{ "load IA32_EFER",          EXIT_LOAD_IA32_EFER,       true },
	{ "save IA32_PAT",           EXIT_SAVE_IA32_PAT,        false },
	{ "load IA32_PAT",           EXIT_LOAD_IA32_PAT,        false },
	{ "save debug controls",     EXIT_SAVE_DEBUG_CONTROLS,  false },
};

static const struct vmx_ctl_req entry_req[] = {
	{ "load IA32_EFER",      ENTRY_LOAD_IA32_EFER,      true },
	{ "load IA32_PAT",       ENTRY_LOAD_IA32_PAT,       false },
	{ "load debug controls", ENTRY_LOAD_DEBUG_CONTROLS, false },
};

/* *val for one control field; -EOPNOTSUPP (printed) if the CPU lacks a
 * required control. */
static int ctl_compute(uint64_t cap, const struct vmx_ctl_req *req,
		       size_t n, const char *field, uint32_t *val)
{
	const char *missing = "?";

	if (vmx_ctl_compute(cap, req, n, val, &missing)) {
		printf("vmx: CPU lacks required control '%s' (%s)\n",
		       missing, field);
		return -EOPNOTSUPP;
	}
	for (size_t i = 0; i < n; i++)
		if (req[i].name && !req[i].required && !(*val & req[i].bit))
			printf("vmx: optional control '%s' (%s) not available: "
			       "off\n", req[i].name, field);
	return 0;
}

/* Secondary controls: the optional ones also depend on the host CPU
 * having the feature the control exposes, and VPID on the caller. */
static int proc2_compute(const struct vmcs_params *p, uint32_t *val)
{
	const struct vmx_caps *c = p->caps;
	bool vpid = p->vpid;
	struct cpuid_regs l7 = cpuid(0, 0).eax >= 7 ? cpuid(7, 0)
			       : (struct cpuid_regs){ 0 };
	struct cpuid_regs xd = cpuid(0, 0).eax >= 0xD ? cpuid(0xD, 1)
			       : (struct cpuid_regs){ 0 };
	bool rdtscp = cpuid(0x80000000, 0).eax >= 0x80000001 &&
		      (cpuid(0x80000001, 0).edx & CPUID_80000001_EDX_RDTSCP);
	struct vmx_ctl_req req[10];
	size_t n = 0;

	req[n++] = (struct vmx_ctl_req){ "enable EPT", PROC2_ENABLE_EPT, true };
	req[n++] = (struct vmx_ctl_req){ "unrestricted guest",
					 PROC2_UNRESTRICTED_GUEST, true };
	if (vpid)
		req[n++] = (struct vmx_ctl_req){ "enable VPID",
						 PROC2_ENABLE_VPID, false };
	if (l7.ebx & CPUID_7_EBX_INVPCID)
		req[n++] = (struct vmx_ctl_req){ "enable INVPCID",
						 PROC2_ENABLE_INVPCID, false };
	if (rdtscp)
		req[n++] = (struct vmx_ctl_req){ "enable RDTSCP",
						 PROC2_ENABLE_RDTSCP, false };
	if (xd.eax & CPUID_D_1_EAX_XSAVES)
		req[n++] = (struct vmx_ctl_req){ "enable XSAVES/XRSTORS",
						 PROC2_ENABLE_XSAVES, false };
	if (p->eptp_list)
		req[n++] = (struct vmx_ctl_req){ "enable VM functions",
						 PROC2_ENABLE_VMFUNC, false };
	if (p->spptp)
		req[n++] = (struct vmx_ctl_req){ "sub-page write permissions",
						 PROC2_SUBPAGE_WRITE_PERM, false };
	return ctl_compute(c->proc2, req, n, "secondary proc-based", val);
}

/* The window controls are toggled at run time (hv/exit_event.c), so
 * they are checked here against the allowed-1 settings and left out of the
 * initial value (SDM 3C "Primary Processor-Based VM-Execution Controls"):
 * interrupt-window exiting is required (an interrupt for a guest with
 * RFLAGS.IF = 0 waits for it), NMI-window exiting is used with virtual
 * NMIs only, which it requires. */
static int windows_compute(const struct vmx_caps *c, struct vmcs_ctls *o)
{
	uint32_t allowed = vmx_ctl_allowed(c->proc);

	if (!(allowed & PROC_INTR_WINDOW_EXITING)) {
		printf("vmx: CPU lacks required control 'interrupt-window "
		       "exiting' (primary proc-based, set at run time)\n");
		return -EOPNOTSUPP;
	}
	o->proc_windows = PROC_INTR_WINDOW_EXITING;
	if (!(o->pin & PIN_VIRTUAL_NMIS))
		return 0;
	if (allowed & PROC_NMI_WINDOW_EXITING)
		o->proc_windows |= PROC_NMI_WINDOW_EXITING;
	else
		printf("vmx: optional control 'NMI-window exiting' (primary "
		       "proc-based) not available: off\n");
	return 0;
}

int vmcs_proc2_set(struct vmcs_ctls *o, const struct vmx_caps *c,
		   uint32_t bit, bool on)
{
	if (on ? !vmx_proc2_allowed(c, bit) : !!(vmx_ctl_required(c->proc2) & bit))
		return -EOPNOTSUPP;
	o->proc2 = on ? o->proc2 | bit : o->proc2 & ~bit;
	vmcs_write32(VMCS_PROC_CONTROLS2, o->proc2);
	return 0;
}

int vmcs_ctls_compute(const struct vmcs_params *p, struct vmcs_ctls *o)
{
	const struct vmx_caps *c = p->caps;
	int rc;

	*o = (struct vmcs_ctls){ 0 };
	if ((rc = ctl_compute(c->pin, pin_req, ARRAY_SIZE(pin_req),
			      "pin-based", &o->pin)) ||
	    (rc = ctl_compute(c->proc, proc_req, ARRAY_SIZE(proc_req),
			      "primary proc-based", &o->proc)) ||
	    (rc = windows_compute(c, o)) ||
	    (rc = proc2_compute(p, &o->proc2)) ||
	    (rc = ctl_compute(c->exit, exit_req, ARRAY_SIZE(exit_req),
			      "VM-exit", &o->exit_ctl)) ||
	    (rc = ctl_compute(c->entry, entry_req, ARRAY_SIZE(entry_req),
			      "VM-entry", &o->entry_ctl)))
		return rc;
	o->entry_ctl &= ~(uint32_t)ENTRY_IA32E_MODE_GUEST;
	o->vpid = (o->proc2 & PROC2_ENABLE_VPID) ? 1 : 0;
	/* Both debug controls or neither: one alone would load a DR7 that
	 * was never saved, or save one that is never loaded. */
	if (!(o->exit_ctl & EXIT_SAVE_DEBUG_CONTROLS) ||
	    !(o->entry_ctl & ENTRY_LOAD_DEBUG_CONTROLS)) {
		if (!(vmx_ctl_required(c->exit) & EXIT_SAVE_DEBUG_CONTROLS))
			o->exit_ctl &= ~(uint32_t)EXIT_SAVE_DEBUG_CONTROLS;
		if (!(vmx_ctl_required(c->entry) & ENTRY_LOAD_DEBUG_CONTROLS))
			o->entry_ctl &= ~(uint32_t)ENTRY_LOAD_DEBUG_CONTROLS;
	}
	return 0;
}

static void setup_controls(const struct vmcs_params *p, struct vmcs_ctls *o)
{
	vmcs_write32(VMCS_PIN_CONTROLS, o->pin);
	vmcs_write32(VMCS_PROC_CONTROLS, o->proc);
	vmcs_write32(VMCS_PROC_CONTROLS2, o->proc2);
	vmcs_write32(VMCS_EXIT_CONTROLS, o->exit_ctl);
	vmcs_write32(VMCS_ENTRY_CONTROLS, o->entry_ctl);
	vmcs_write32(VMCS_EXCEPTION_BITMAP, 0);
	vmcs_write32(VMCS_PF_ERROR_MASK, 0);
	vmcs_write32(VMCS_PF_ERROR_MATCH, 0);
	vmcs_write32(VMCS_CR3_TARGET_COUNT, 0);
	vmcs_write64(VMCS_EXIT_MSR_STORE_ADDR, p->exit_msr_store);
	vmcs_write32(VMCS_EXIT_MSR_STORE_COUNT, p->n_exit_msr_store);
	vmcs_write64(VMCS_EXIT_MSR_LOAD_ADDR, p->exit_msr_load);
	vmcs_write32(VMCS_EXIT_MSR_LOAD_COUNT, p->n_exit_msr_load);
	vmcs_write64(VMCS_ENTRY_MSR_LOAD_ADDR, p->entry_msr_load);
	vmcs_write32(VMCS_ENTRY_MSR_LOAD_COUNT, p->n_entry_msr_load);
	vmcs_write32(VMCS_ENTRY_INTR_INFO, 0);
	vmcs_write64(VMCS_TSC_OFFSET, p->tsc_offset);

	vmcs_write64(VMCS_IO_BITMAP_A, p->io_bitmap_a);
	vmcs_write64(VMCS_IO_BITMAP_B, p->io_bitmap_b);
	vmcs_write64(VMCS_MSR_BITMAP, p->msr_bitmap);
	vmcs_write32(VMCS_PREEMPTION_TIMER, p->preempt_ticks);

	vmcs_write64(VMCS_EPT_POINTER, p->eptp);
	if (o->vpid)
		vmcs_write16(VMCS_VPID, o->vpid);
	if (o->proc2 & PROC2_ENABLE_XSAVES)
		vmcs_write64(VMCS_XSS_EXIT_BITMAP, 0);
	/* SDM 3C "VM-Function Controls", "Controls for SPP". */
	if (o->proc2 & PROC2_ENABLE_VMFUNC) {
		vmcs_write64(VMCS_VMFUNC_CONTROLS, VMFUNC_EPTP_SWITCHING);
		vmcs_write64(VMCS_EPTP_LIST_ADDR, p->eptp_list);
	}
	if (o->proc2 & PROC2_SUBPAGE_WRITE_PERM)
		vmcs_write64(VMCS_SPP_TABLE_PTR, p->spptp);
	printf("vmx: controls pin=0x%x proc=0x%x proc2=0x%x exit=0x%x "
	       "entry=0x%x vpid=%u\n", o->pin, o->proc, o->proc2, o->exit_ctl,
	       o->entry_ctl, o->vpid);
}

/* Base of the 16-byte system descriptor for sel in the GDT at gdt. */
static uint64_t gdt_sys_base(uint64_t gdt, uint16_t sel)
{
	const uint64_t *d = (const uint64_t *)(uintptr_t)(gdt + (sel & ~7));
	uint64_t lo = d[0], hi = d[1];

	return ((lo >> 16) & 0xFFFFFF) | (((lo >> 56) & 0xFF) << 24) |
	       ((hi & 0xFFFFFFFF) << 32);
}

/* SDM 3C "Host-State Area"; checks in "Checks on Host Control Registers,
 * MSRs and SSP" and "Checks on Host Segment and Descriptor-Table
 * Registers": RPL and TI of every selector 0, CS and TR non-zero. */
static void setup_host(const struct vmcs_params *p, const struct vmcs_ctls *o)
{
	struct desc_ptr gdtr, idtr;
	uint16_t tr = str();

	sgdt(&gdtr);
	sidt(&idtr);
	if (!tr)
		panic("host TR is 0: VM entry needs a loaded TSS");

	vmcs_writenat(VMCS_HOST_CR0, read_cr0());
	vmcs_writenat(VMCS_HOST_CR3, read_cr3());
	vmcs_writenat(VMCS_HOST_CR4, read_cr4());
	vmcs_write16(VMCS_HOST_CS_SEL, read_cs() & 0xF8);
	vmcs_write16(VMCS_HOST_SS_SEL, read_ss() & 0xF8);
	vmcs_write16(VMCS_HOST_DS_SEL, read_ds() & 0xF8);
	vmcs_write16(VMCS_HOST_ES_SEL, read_es() & 0xF8);
	vmcs_write16(VMCS_HOST_FS_SEL, read_fs() & 0xF8);
	vmcs_write16(VMCS_HOST_GS_SEL, read_gs() & 0xF8);
	vmcs_write16(VMCS_HOST_TR_SEL, tr & 0xF8);
	vmcs_writenat(VMCS_HOST_FS_BASE, rdmsr(MSR_FS_BASE));
	vmcs_writenat(VMCS_HOST_GS_BASE, rdmsr(MSR_GS_BASE));
	vmcs_writenat(VMCS_HOST_TR_BASE, gdt_sys_base(gdtr.base, tr));
	vmcs_writenat(VMCS_HOST_GDTR_BASE, gdtr.base);
	vmcs_writenat(VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_write32(VMCS_HOST_SYSENTER_CS, (uint32_t)rdmsr(MSR_IA32_SYSENTER_CS));
	vmcs_writenat(VMCS_HOST_SYSENTER_ESP, rdmsr(MSR_IA32_SYSENTER_ESP));
	vmcs_writenat(VMCS_HOST_SYSENTER_EIP, rdmsr(MSR_IA32_SYSENTER_EIP));
	vmcs_write64(VMCS_HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	if (o->exit_ctl & EXIT_LOAD_IA32_PAT)
		vmcs_write64(VMCS_HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_writenat(VMCS_HOST_RSP, p->host_rsp);
	vmcs_writenat(VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_stub);
}

/* Segment access rights (SDM 3C "Guest Register State", format of the
 * access-rights field): type 3:0, S 4, DPL 6:5, P 7, AVL 12, L 13, D/B 14,
 * G 15, unusable 16. */
#define AR_CODE32    0xC09B   /* exec/read, accessed, S, P, D, G */
#define AR_DATA32    0xC093   /* read/write, accessed, S, P, D, G */
#define AR_TSS32_BUSY 0x008B  /* busy 32-bit TSS, P */
#define AR_TSS32_AVAIL 0x0089 /* available 32-bit TSS (invalid for entry) */
#define AR_UNUSABLE  0x10000

static void guest_seg(enum vmcs_field sel, uint16_t s, uint32_t ar)
{
	/* Selector, base, limit, AR fields sit at fixed distances from the
	 * selector's index in each group (SDM 3D Appendix B). */
	unsigned i = (sel - VMCS_GUEST_ES_SEL) / 2;

	vmcs_write16(sel, s);
	vmcs_writenat((enum vmcs_field)(VMCS_GUEST_ES_BASE + 2 * i), 0);
	vmcs_write32((enum vmcs_field)(VMCS_GUEST_ES_LIMIT + 2 * i), 0xFFFFFFFF);
	vmcs_write32((enum vmcs_field)(VMCS_GUEST_ES_AR + 2 * i), ar);
}

uint64_t vmcs_guest_cr0(const struct vmcs_ctls *o)
{
	return (vmcs_readnat(VMCS_GUEST_CR0) & ~o->cr0_mask) |
	       (vmcs_readnat(VMCS_CR0_READ_SHADOW) & o->cr0_mask);
}

uint64_t vmcs_guest_cr4(const struct vmcs_ctls *o)
{
	return (vmcs_readnat(VMCS_GUEST_CR4) & ~o->cr4_mask) |
	       (vmcs_readnat(VMCS_CR4_READ_SHADOW) & o->cr4_mask);
}

static void setup_guest(const struct vmcs_params *p, struct vmcs_ctls *o)
{
	/* The masks, shadows and values are the caller's (SDM 3C
	 * "Guest/Host Masks and Read Shadows for CR0 and CR4"). */
	o->cr0_mask = p->cr0_mask;
	o->cr4_mask = p->cr4_mask;
	vmcs_writenat(VMCS_CR0_GUEST_HOST_MASK, o->cr0_mask);
	vmcs_writenat(VMCS_CR4_GUEST_HOST_MASK, o->cr4_mask);
	vmcs_writenat(VMCS_CR0_READ_SHADOW, p->cr0_shadow);
	vmcs_writenat(VMCS_CR4_READ_SHADOW, p->cr4_shadow);

	vmcs_writenat(VMCS_GUEST_CR0, p->cr0);
	vmcs_writenat(VMCS_GUEST_CR3, 0);
	vmcs_writenat(VMCS_GUEST_CR4, p->cr4);
	vmcs_writenat(VMCS_GUEST_DR7, 0x400);
	vmcs_writenat(VMCS_GUEST_RSP, p->rsp);
	vmcs_writenat(VMCS_GUEST_RIP, p->rip);
	vmcs_writenat(VMCS_GUEST_RFLAGS, RFLAGS_FIXED);

	guest_seg(VMCS_GUEST_CS_SEL, p->cs_sel, AR_CODE32);
	guest_seg(VMCS_GUEST_SS_SEL, p->ds_sel, AR_DATA32);
	guest_seg(VMCS_GUEST_DS_SEL, p->ds_sel, AR_DATA32);
	guest_seg(VMCS_GUEST_ES_SEL, p->ds_sel, AR_DATA32);
	guest_seg(VMCS_GUEST_FS_SEL, p->ds_sel, AR_DATA32);
	guest_seg(VMCS_GUEST_GS_SEL, p->ds_sel, AR_DATA32);

	vmcs_write16(VMCS_GUEST_LDTR_SEL, 0);
	vmcs_writenat(VMCS_GUEST_LDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_LDTR_LIMIT, 0);
	vmcs_write32(VMCS_GUEST_LDTR_AR, AR_UNUSABLE);

	/* SDM 3C "Checks on Guest Segment Registers": TR must be usable,
	 * S = 0, type 11 (busy 32-bit TSS) or 3 (busy 16-bit, not IA-32e). */
	vmcs_write16(VMCS_GUEST_TR_SEL, p->tr_sel);
	vmcs_writenat(VMCS_GUEST_TR_BASE, 0);
	vmcs_write32(VMCS_GUEST_TR_LIMIT, 0x67);
	vmcs_write32(VMCS_GUEST_TR_AR, p->corrupt == VMCS_CORRUPT_TR_TYPE ?
		     AR_TSS32_AVAIL : AR_TSS32_BUSY);

	vmcs_writenat(VMCS_GUEST_GDTR_BASE, p->gdtr_base);
	vmcs_write32(VMCS_GUEST_GDTR_LIMIT, p->gdtr_limit);
	vmcs_writenat(VMCS_GUEST_IDTR_BASE, 0);
	vmcs_write32(VMCS_GUEST_IDTR_LIMIT, 0);

	vmcs_write64(VMCS_GUEST_IA32_DEBUGCTL, 0);
	vmcs_write32(VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_writenat(VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_write64(VMCS_GUEST_IA32_EFER, 0);
	if (o->entry_ctl & ENTRY_LOAD_IA32_PAT)
		vmcs_write64(VMCS_GUEST_IA32_PAT, p->pat);
	vmcs_write32(VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_write32(VMCS_GUEST_ACTIVITY_STATE, 0);     /* active */
	vmcs_writenat(VMCS_GUEST_PENDING_DBG, 0);
	vmcs_write64(VMCS_LINK_POINTER, ~0ULL);
}

void vmcs_setup(const struct vmcs_params *p, struct vmcs_ctls *ctl)
{
	setup_controls(p, ctl);
	setup_host(p, ctl);
	setup_guest(p, ctl);
}
