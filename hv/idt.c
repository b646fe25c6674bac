/*
 * Exception IDT: vectors 0..31, all interrupt gates, #DF/NMI/#MC on their
 * own IST stacks (SDM rev. 084, Vol. 3A "Interrupt Descriptor Table").
 * An NMI is counted and returns (hv/host_irq.h). An exception that no
 * __extable entry expects is fatal: dump the state and end the run as
 * FAIL.
 */
#include "hv/cpu.h"
#include "lib/idt.h"
#include "hv/extable.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "hv/run.h"
#include "hv/host_irq.h"
#include "include/x86.h"

#define IDT_VECTORS      IDT_EXC_VECTORS

extern const uint64_t isr_stub_table[IDT_VECTORS];
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));

static const char *const exc_names[IDT_VECTORS] = {
	"#DE Divide Error", "#DB Debug", "NMI Interrupt", "#BP Breakpoint",
	"#OF Overflow", "#BR BOUND Range Exceeded", "#UD Invalid Opcode",
	"#NM Device Not Available", "#DF Double Fault",
	"Coprocessor Segment Overrun", "#TS Invalid TSS",
	"#NP Segment Not Present", "#SS Stack-Segment Fault",
	"#GP General Protection", "#PF Page Fault", "Reserved (15)",
	"#MF x87 Floating-Point Error", "#AC Alignment Check",
	"#MC Machine Check", "#XM SIMD Floating-Point", "#VE Virtualization",
	"#CP Control Protection", "Reserved (22)", "Reserved (23)",
	"Reserved (24)", "Reserved (25)", "Reserved (26)", "Reserved (27)",
	"#HV Hypervisor Injection", "#VC VMM Communication",
	"#SX Security", "Reserved (31)",
};

const char *exception_name(unsigned vector)
{
	return vector < IDT_VECTORS ? exc_names[vector] : "(not an exception)";
}

static void set_gate(unsigned v, uint64_t handler, unsigned ist)
{
	idt[v] = idt_gate_make(handler, GDT_SEL_CODE, ist, IDT_GATE_INTR_DPL0);
}

void idt_init(void)
{
	struct desc_ptr d;
	unsigned v;

	for (v = 0; v < IDT_VECTORS; v++)
		set_gate(v, isr_stub_table[v], 0);
	set_gate(8, isr_stub_table[8], IST_DF);
	set_gate(2, isr_stub_table[2], IST_NMI);
	set_gate(18, isr_stub_table[18], IST_MC);

	d.limit = sizeof(idt) - 1;
	d.base = (uint64_t)(uintptr_t)idt;
	lidt(&d);
}

/* A frame pointer is followed only inside one of our stacks. */
static bool on_a_stack(uint64_t p)
{
	static char *const ranges[][2] = {
		{ __stack_main_bottom, __stack_main_top },
		{ __stack_df_bottom, __stack_df_top },
		{ __stack_nmi_bottom, __stack_nmi_top },
		{ __stack_mc_bottom, __stack_mc_top },
		{ __stack_exit_bottom, __stack_exit_top },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ranges); i++)
		if (p >= (uint64_t)(uintptr_t)ranges[i][0] &&
		    p + 16 <= (uint64_t)(uintptr_t)ranges[i][1])
			return true;
	return false;
}

static void backtrace(uint64_t rip, uint64_t rbp)
{
	unsigned depth;

	printf("backtrace (addr2line -e build/eptlab.elf ADDR):\n");
	printf("  #0  0x%016lx\n", rip);
	for (depth = 1; depth < 16 && rbp && !(rbp & 7) && on_a_stack(rbp);
	     depth++) {
		uint64_t next, ret;

		if (probe_read64((void *)rbp, &next) ||
		    probe_read64((void *)(rbp + 8), &ret) || !ret)
			break;
		printf("  #%-2u 0x%016lx\n", depth, ret);
		if (next <= rbp)
			break;
		rbp = next;
	}
}

static void dump_frame(const struct trap_frame *f)
{
	printf("\n*** EXCEPTION %s (vector %lu), error code 0x%lx\n",
	       exception_name((unsigned)f->vector), f->vector, f->error);
	printf("  RIP    0x%016lx  CS 0x%04lx  RFLAGS 0x%016lx\n",
	       f->rip, f->cs, f->rflags);
	printf("  RSP    0x%016lx  SS 0x%04lx\n", f->rsp, f->ss);
	printf("  CR2    0x%016lx  CR3 0x%016lx  CR0 0x%lx  CR4 0x%lx\n",
	       read_cr2(), read_cr3(), read_cr0(), read_cr4());
	printf("  RAX 0x%016lx  RBX 0x%016lx  RCX 0x%016lx\n",
	       f->rax, f->rbx, f->rcx);
	printf("  RDX 0x%016lx  RSI 0x%016lx  RDI 0x%016lx\n",
	       f->rdx, f->rsi, f->rdi);
	printf("  RBP 0x%016lx  R8  0x%016lx  R9  0x%016lx\n",
	       f->rbp, f->r8, f->r9);
	printf("  R10 0x%016lx  R11 0x%016lx  R12 0x%016lx\n",
	       f->r10, f->r11, f->r12);
	printf("  R13 0x%016lx  R14 0x%016lx  R15 0x%016lx\n",
	       f->r13, f->r14, f->r15);
	if (f->vector == 14)
		printf("  #PF: %s, %s, %s%s\n",
		       f->error & 1 ? "protection violation" : "not present",
		       f->error & 2 ? "write" : "read",
		       f->error & 16 ? "instruction fetch" : "data access",
		       f->error & 8 ? ", reserved bit set" : "");
}

void isr_dispatch(struct trap_frame *f)
{
	static int nesting;
	static char why[96];

	if ((f->vector == 14 || f->vector == 13) && extable_fixup(f))
		return;
	/* An NMI in VMX root (the host's own: while the guest runs, NMIs
	 * are VM exits, hv/host_irq.c): counted, never fatal. Its IRET
	 * unblocks NMIs again. */
	if (f->vector == 2) {
		host_nmi_root++;
		return;
	}

	if (nesting++) {
		printf("\n*** nested EXCEPTION %s at RIP 0x%lx while reporting\n",
		       exception_name((unsigned)f->vector), f->rip);
		run_end(RUN_FAIL, "nested exception");
	}
	dump_frame(f);
	backtrace(f->rip, f->rbp);
	snprintf(why, sizeof(why), "unexpected exception %s at 0x%lx",
		 exception_name((unsigned)f->vector), f->rip);
	run_end(RUN_FAIL, why);
}
