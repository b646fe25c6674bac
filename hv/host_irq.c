/*
 * Host interrupt containment (hv/host_irq.h). SDM revision 084, Vol. 3A
 * "Local Vector Table", "Local APIC Status and Location", "x2APIC Register
 * Address Space", "End-Of-Interrupt (EOI)"; Vol. 3C "External-Interrupt
 * Exiting", "Information for VM Exits Due to Vectored Events"; Intel
 * 8259A datasheet, "Initialization Command Words", "Operation Command
 * Words"; Intel 8254 datasheet, "Mode 2".
 *
 * The host LAPIC is reached the way IA32_APIC_BASE says: x2APIC MSRs when
 * EXTD is set, else its xAPIC page mapped uncached at HOST_LAPIC_VA by the
 * host page tables (hv/host_mm.c).
 */
#include "hv/host_irq.h"
#include "hv/memlayout.h"
#include "hv/options.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"

#define PIC_M_CMD   0x20
#define PIC_M_DATA  0x21
#define PIC_S_CMD   0xA0
#define PIC_S_DATA  0xA1
#define PIC_EOI     0x20        /* OCW2: non-specific EOI */
#define PIC_READ_ISR 0x0B       /* OCW3: the next command-port read is ISR */
#define PIT_CH0     0x40
#define PIT_CMD     0x43

#define APIC_BASE_EN    BIT(11)
#define APIC_BASE_EXTD  BIT(10)
#define APIC_SVR        0x0F0
#define APIC_EOI        0x0B0
#define APIC_LVT_MASKED BIT(16)
#define APIC_DM_EXTINT  (7u << 8)

/* The LVTs (offsets of the xAPIC page; MSR 0x800 + offset / 16). CMCI
 * exists when the version register's max LVT is at least 6. */
static const struct {
	unsigned off;
	const char *name;
} lvt[] = {
	{ 0x320, "timer" }, { 0x330, "thermal" }, { 0x340, "perf" },
	{ 0x350, "LINT0" }, { 0x360, "LINT1" }, { 0x370, "error" },
	{ 0x2F0, "CMCI" },
};
#define LVT_LINT0 3
#define LVT_LINT1 4
#define LVT_CMCI  6

static enum { LAPIC_NONE, LAPIC_XAPIC, LAPIC_X2APIC } lapic_mode;
static uint8_t lapic_spurious;
static uint64_t irq_count[256];
static uint64_t nmi_exits;
uint64_t host_nmi_root;

static uint32_t lapic_rd(unsigned off)
{
	if (lapic_mode == LAPIC_X2APIC)
		return (uint32_t)rdmsr(0x800 + off / 16);
	return *(volatile uint32_t *)(uintptr_t)(HOST_LAPIC_VA + off);
}

static void lapic_wr(unsigned off, uint32_t v)
{
	if (lapic_mode == LAPIC_X2APIC)
		wrmsr(0x800 + off / 16, v);
	else
		*(volatile uint32_t *)(uintptr_t)(HOST_LAPIC_VA + off) = v;
}

/* The PC's 8259A pair: initialised (edge, cascade on IR2, 8086 mode) at
 * the host vectors, then every line masked, or all but IRQ 0 for the
 * test. */
static void pic_init_masked(bool pit)
{
	outb(PIC_M_CMD, 0x11);              /* ICW1: edge, cascade, ICW4 */
	outb(PIC_S_CMD, 0x11);
	outb(PIC_M_DATA, HOST_PIC_VECTOR_MASTER);   /* ICW2 */
	outb(PIC_S_DATA, HOST_PIC_VECTOR_SLAVE);
	outb(PIC_M_DATA, 1u << 2);          /* ICW3: the slave on IR2 */
	outb(PIC_S_DATA, 2);
	outb(PIC_M_DATA, 0x01);             /* ICW4: 8086 mode, normal EOI */
	outb(PIC_S_DATA, 0x01);
	outb(PIC_M_DATA, pit ? 0xFE : 0xFF);        /* OCW1 */
	outb(PIC_S_DATA, 0xFF);
}

/* Every LVT masked but LINT1 (NMI: counted, never fatal); with the test,
 * LINT0 in ExtINT mode carries the PIC's INTR to the CPU. */
static unsigned lapic_mask(bool pit)
{
	unsigned n = 0, max_lvt = (lapic_rd(0x030) >> 16) & 0xFF;

	for (unsigned i = 0; i < ARRAY_SIZE(lvt); i++) {
		if (i == LVT_LINT1 || (i == LVT_CMCI && max_lvt < 6))
			continue;
		if (i == LVT_LINT0 && pit) {
			lapic_wr(lvt[i].off, APIC_DM_EXTINT);
			continue;
		}
		lapic_wr(lvt[i].off, lapic_rd(lvt[i].off) | APIC_LVT_MASKED);
		n++;
	}
	lapic_spurious = lapic_rd(APIC_SVR) & 0xFF;
	return n;
}

void host_irq_init(void)
{
	bool pit = hv_opts.host_irq_test == HC_HOST_IRQ_PIT;
	uint64_t base = 0;
	unsigned masked = 0;

	pic_init_masked(pit);
	if (cpuid(1, 0).edx & BIT(9)) {     /* CPUID.1:EDX.APIC */
		base = rdmsr(MSR_IA32_APIC_BASE);
		if (base & APIC_BASE_EN)
			lapic_mode = (base & APIC_BASE_EXTD) ? LAPIC_X2APIC
							     : LAPIC_XAPIC;
	}
	if (lapic_mode != LAPIC_NONE)
		masked = lapic_mask(pit);
	if (pit) {
		uint16_t count = (uint16_t)((1193182 + HOST_IRQ_TEST_PIT_HZ / 2) /
					    HOST_IRQ_TEST_PIT_HZ);

		outb(PIT_CMD, 0x34);        /* channel 0, lo/hi, mode 2 */
		outb(PIT_CH0, (uint8_t)count);
		outb(PIT_CH0, (uint8_t)(count >> 8));
	}
	printf("host: interrupts contained: 8259A pair at vectors 0x%x/0x%x, "
	       "%s; LAPIC %s", HOST_PIC_VECTOR_MASTER, HOST_PIC_VECTOR_SLAVE,
	       pit ? "all masked but IRQ 0" : "every line masked",
	       lapic_mode == LAPIC_X2APIC ? "x2APIC (MSRs)" :
	       lapic_mode == LAPIC_XAPIC ? "xAPIC" : "absent or disabled");
	if (lapic_mode == LAPIC_XAPIC)
		printf(" at 0x%llx (mapped UC at 0x%llx)",
		       (unsigned long long)(base & ~0xFFFULL),
		       (unsigned long long)HOST_LAPIC_VA);
	if (lapic_mode != LAPIC_NONE)
		printf(", %u LVTs masked, LINT1 (NMI) kept%s", masked,
		       pit ? ", LINT0 ExtINT" : "");
	printf("; RFLAGS.IF = 0 in VMX root\n");
	if (pit)
		printf("host: test_host_irq=pit: the host's PIT channel 0 at "
		       "%u Hz on IRQ 0 (vector 0x%x), on purpose: each one "
		       "must be a VM exit, never a guest interrupt\n",
		       HOST_IRQ_TEST_PIT_HZ, HOST_PIC_VECTOR_MASTER);
}

/* The in-service bit of IR irq on the chip at cmd, read with OCW3. */
static bool pic_in_service(uint16_t cmd, unsigned irq)
{
	outb(cmd, PIC_READ_ISR);
	return inb(cmd) & (1u << irq);
}

void host_irq_exit(uint8_t vector)
{
	unsigned irq = vector - HOST_PIC_VECTOR_MASTER;

	irq_count[vector]++;
	if (irq < 16) {
		/* The PIC's spurious IR7/IR15 sets no ISR bit: no EOI on that
		 * chip (IR15's master still has its cascade IR2 in service). */
		if (irq >= 8 && !(irq == 15 && !pic_in_service(PIC_S_CMD, 7)))
			outb(PIC_S_CMD, PIC_EOI);
		if (irq >= 8 || !(irq == 7 && !pic_in_service(PIC_M_CMD, 7)))
			outb(PIC_M_CMD, PIC_EOI);
		return;
	}
	/* A LAPIC vector (ExtINT sets no ISR bit and comes with a PIC
	 * vector): EOI, except for its spurious vector. */
	if (lapic_mode != LAPIC_NONE && vector != lapic_spurious)
		lapic_wr(APIC_EOI, 0);
}

void host_nmi_exit(void)
{
	nmi_exits++;
	nmi_iret_unblock();
}

void host_irq_print(void)
{
	uint64_t total = 0;

	for (unsigned i = 0; i < 256; i++)
		total += irq_count[i];
	printf("host: %llu external-interrupt exits, %llu NMI exits, %llu NMIs "
	       "in VMX root: every one dropped, none given to the guest\n",
	       (unsigned long long)total, (unsigned long long)nmi_exits,
	       (unsigned long long)host_nmi_root);
	for (unsigned i = 0; i < 256; i++)
		if (irq_count[i])
			printf("host:   vector 0x%02x: %llu exits%s\n", i,
			       (unsigned long long)irq_count[i],
			       i - HOST_PIC_VECTOR_MASTER < 16u ?
			       " (host 8259A)" : " (host LAPIC)");
}
