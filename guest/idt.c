/*
 * The guest's IDT: the 32 architectural exception vectors, each an
 * interrupt gate to a stub in isr.asm, and vectors 32-255 to the
 * interrupt stubs of irq_stubs.asm (guest/irq.c). An NMI is counted. A scenario may arm an expected
 * fault (fault_expect): the handler records vector, error code, CR2 and
 * RIP and resumes at the given fixup address. Any other exception dumps
 * the full state and ends the run with failure.
 * SDM references are to the Intel SDM, revision 084 (June 2024).
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "lib/idt.h"
#include "guest/report.h"
#include "lib/console.h"
#include "include/x86.h"

_Static_assert(offsetof(struct isr_frame, vector) == 15 * 8,
	       "isr.asm pushes 15 registers before the vector");
_Static_assert(offsetof(struct isr_frame, rip) == 17 * 8,
	       "the CPU frame follows vector and error code");
_Static_assert(sizeof(struct isr_frame) % 16 == 0,
	       "isr_dispatch is called with a 16-byte aligned stack");

#define IDT_VECTORS     IDT_EXC_VECTORS
#define KERNEL_CS       0x08          /* guest/entry.asm GDT */

extern const uint64_t isr_stub_table[IDT_VECTORS];
extern const uint64_t irq_stub_table[256 - IDT_VECTORS];   /* irq_stubs.asm */

/* All 256 vectors: the exceptions here, 32-255 to guest/irq.c. */
static struct idt_gate idt[256] __attribute__((aligned(16)));

static struct {
	bool armed;
	unsigned vector;
	uint64_t fixup;
	struct fault_rec rec;
} expect;

static const char *const vec_name[IDT_VECTORS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "v15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "v22", "v23",
	"v24", "v25", "v26", "v27", "#HV", "#VC", "#SX", "v31",
};

void idt_init(void)
{
	struct desc_ptr d;

	for (unsigned v = 0; v < IDT_VECTORS; v++) {
		idt[v] = idt_gate_make(isr_stub_table[v], KERNEL_CS, 0,
				       IDT_GATE_INTR_DPL0);
	}
	for (unsigned v = IDT_VECTORS; v < 256; v++)
		idt[v] = idt_gate_make(irq_stub_table[v - IDT_VECTORS],
				       KERNEL_CS, 0, IDT_GATE_INTR_DPL0);
	d.limit = sizeof(idt) - 1;
	d.base = (uint64_t)(uintptr_t)idt;
	lidt(&d);
}

uint64_t idt_set_handler(unsigned vector, uint64_t handler)
{
	const struct idt_gate *g = &idt[vector & 0xFF];
	uint64_t old = g->off_lo | (uint64_t)g->off_mid << 16 |
		       (uint64_t)g->off_hi << 32;

	idt[vector & 0xFF] = idt_gate_make(handler, KERNEL_CS, 0,
					   IDT_GATE_INTR_DPL0);
	return old;
}

void fault_expect(unsigned vector, const void *fixup)
{
	expect.rec = (struct fault_rec){ 0 };
	expect.vector = vector;
	expect.fixup = (uint64_t)(uintptr_t)fixup;
	__atomic_store_n(&expect.armed, true, __ATOMIC_SEQ_CST);
}

struct fault_rec fault_take(void)
{
	__atomic_store_n(&expect.armed, false, __ATOMIC_SEQ_CST);
	return expect.rec;
}

static void dump(const struct isr_frame *f, uint64_t cr2)
{
	printf("\n*** unexpected exception %llu %s, error code 0x%llx\n",
	       (unsigned long long)f->vector,
	       f->vector < IDT_VECTORS ? vec_name[f->vector] : "?",
	       (unsigned long long)f->error_code);
	printf("RIP %016llx CS %04llx RFLAGS %016llx\n",
	       (unsigned long long)f->rip, (unsigned long long)f->cs,
	       (unsigned long long)f->rflags);
	printf("RSP %016llx SS %04llx\n", (unsigned long long)f->rsp,
	       (unsigned long long)f->ss);
	printf("RAX %016llx RBX %016llx RCX %016llx RDX %016llx\n",
	       (unsigned long long)f->rax, (unsigned long long)f->rbx,
	       (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	printf("RSI %016llx RDI %016llx RBP %016llx\n",
	       (unsigned long long)f->rsi, (unsigned long long)f->rdi,
	       (unsigned long long)f->rbp);
	printf("R8  %016llx R9  %016llx R10 %016llx R11 %016llx\n",
	       (unsigned long long)f->r8, (unsigned long long)f->r9,
	       (unsigned long long)f->r10, (unsigned long long)f->r11);
	printf("R12 %016llx R13 %016llx R14 %016llx R15 %016llx\n",
	       (unsigned long long)f->r12, (unsigned long long)f->r13,
	       (unsigned long long)f->r14, (unsigned long long)f->r15);
	printf("CR0 %016llx CR2 %016llx CR3 %016llx CR4 %016llx\n",
	       (unsigned long long)read_cr0(), (unsigned long long)cr2,
	       (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	printf("EFER %016llx\n", (unsigned long long)rdmsr(MSR_IA32_EFER));
}

void (*ve_hook)(struct isr_frame *f);

void isr_dispatch(struct isr_frame *f);
void isr_dispatch(struct isr_frame *f)
{
	uint64_t cr2 = read_cr2();     /* before anything can fault again */

	if (f->vector == VEC_VE && ve_hook) {
		ve_hook(f);
		return;
	}
	if (expect.armed && f->vector == expect.vector) {
		expect.armed = false;
		expect.rec = (struct fault_rec){
			.hit = true,
			.vector = f->vector,
			.error_code = f->error_code,
			.cr2 = f->vector == VEC_PF ? cr2 : 0,
			.rip = f->rip,
		};
		f->rip = expect.fixup;
		/* An expected single-step #DB: stop stepping at the fixup. */
		if (f->vector == 1)
			f->rflags &= ~(uint64_t)RFLAGS_TF;
		return;
	}
	/* An NMI (a scenario injected it, guest/scen_irq_time.c): counted,
	 * not fatal. */
	if (f->vector == 2) {
		irq_nmi(f);
		return;
	}
	expect.armed = false;
	dump(f, cr2);
	report_abort("unexpected %s at RIP 0x%llx, error code 0x%llx, "
		     "CR2 0x%llx",
		     f->vector < IDT_VECTORS ? vec_name[f->vector] : "?",
		     (unsigned long long)f->rip,
		     (unsigned long long)f->error_code,
		     (unsigned long long)cr2);
}
