/*
 * Interrupts in the guest kernel (guest/irq.h): the vectors 32-255 the
 * stubs of guest/irq_stubs.asm enter, the NMI, and the 8259A/8254/RTC/TSC
 * helpers the scenarios share.
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "include/hypercall.h"
#include "include/x86.h"

#define PIC_M_CMD   0x20
#define PIC_M_DATA  0x21
#define PIC_S_CMD   0xA0
#define PIC_S_DATA  0xA1
#define PIT_CH0     0x40
#define PIT_CMD     0x43
#define RTC_INDEX   0x70
#define RTC_DATA    0x71

volatile uint64_t irq_count[256];
volatile uint64_t nmi_count;
volatile uint64_t irq_entry_tsc;
static irq_hook_fn hook[256];

void irq_dispatch(struct isr_frame *f);
void irq_dispatch(struct isr_frame *f)
{
	unsigned v = (unsigned)f->vector & 0xFF;

	irq_count[v]++;
	if (hook[v])
		hook[v](f);
}

void irq_nmi(struct isr_frame *f)
{
	nmi_count++;
	if (hook[2])
		hook[2](f);
}

void irq_set_hook(unsigned v, irq_hook_fn fn)
{
	hook[v & 0xFF] = fn;
}

void irq_clear_hooks(void)
{
	for (unsigned v = 0; v < 256; v++)
		hook[v] = NULL;
}

void irq_hook_eoi(struct isr_frame *f)
{
	unsigned v = (unsigned)f->vector;

	if (v >= IRQ_BASE_MASTER && v < IRQ_BASE_SLAVE + 8)
		pic_eoi(v - IRQ_BASE_MASTER);
}

uint64_t irq_total(void)
{
	uint64_t n = 0;

	for (unsigned v = 32; v < 256; v++)
		n += irq_count[v];
	return n;
}

void pic_setup(void)
{
	pic_setup_at(IRQ_BASE_MASTER, IRQ_BASE_SLAVE);
}

void pic_setup_at(uint8_t master, uint8_t slave)
{
	outb(PIC_M_CMD, 0x11);          /* ICW1: edge, cascade, ICW4 */
	outb(PIC_S_CMD, 0x11);
	outb(PIC_M_DATA, master);       /* ICW2: the vector base */
	outb(PIC_S_DATA, slave);
	outb(PIC_M_DATA, 1u << 2);      /* ICW3: slave on IR2 */
	outb(PIC_S_DATA, 2);
	outb(PIC_M_DATA, 0x01);         /* ICW4: 8086 mode */
	outb(PIC_S_DATA, 0x01);
	pic_mask_all();
}

void pic_mask_all(void)
{
	outb(PIC_M_DATA, 0xFF);
	outb(PIC_S_DATA, 0xFF);
}

void pic_unmask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC_M_DATA : PIC_S_DATA;

	outb(port, inb(port) & (uint8_t)~(1u << (irq & 7)));
	if (irq >= 8)
		outb(PIC_M_DATA, inb(PIC_M_DATA) & (uint8_t)~(1u << 2));
}

void pic_mask(unsigned irq)
{
	uint16_t port = irq < 8 ? PIC_M_DATA : PIC_S_DATA;

	outb(port, inb(port) | (uint8_t)(1u << (irq & 7)));
}

void pic_eoi(unsigned irq)
{
	if (irq >= 8)
		outb(PIC_S_CMD, 0x20);
	outb(PIC_M_CMD, 0x20);
}

uint8_t pic_isr(bool slave)
{
	uint16_t cmd = slave ? PIC_S_CMD : PIC_M_CMD;
	uint8_t v;

	outb(cmd, 0x0B);                /* OCW3: read ISR */
	v = inb(cmd);
	outb(cmd, 0x0A);                /* back to IRR */
	return v;
}

void pit_periodic(unsigned hz)
{
	uint16_t n = (uint16_t)((PIT_CLOCK_HZ + hz / 2) / hz);

	outb(PIT_CMD, 0x34);            /* channel 0, lo/hi, mode 2 */
	outb(PIT_CH0, (uint8_t)n);
	outb(PIT_CH0, (uint8_t)(n >> 8));
}

void pit_oneshot(uint16_t count)
{
	outb(PIT_CMD, 0x30);            /* channel 0, lo/hi, mode 0 */
	outb(PIT_CH0, (uint8_t)count);
	outb(PIT_CH0, (uint8_t)(count >> 8));
}

void pit_stop(void)
{
	outb(PIT_CMD, 0x30);            /* mode 0, no count: OUT low */
}

uint8_t rtc_read(uint8_t reg)
{
	outb(RTC_INDEX, reg);
	return inb(RTC_DATA);
}

void rtc_write(uint8_t reg, uint8_t v)
{
	outb(RTC_INDEX, reg);
	outb(RTC_DATA, v);
}

uint64_t guest_tsc_hz(void)
{
	static uint64_t hz;
	static struct hc_config cfg;

	if (hz)
		return hz;
	if (cpuid(0, 0).eax >= 0x15) {
		struct cpuid_regs r = cpuid(0x15, 0);

		if (r.eax && r.ebx && r.ecx)
			hz = (uint64_t)r.ecx * r.ebx / r.eax;
	}
	if (!hz && !hc_call(HC_CONFIG, mm_kernel_pa(&cfg), 0, 0, 0))
		hz = cfg.tsc_khz * 1000;
	return hz;
}

uint64_t tsc_ms(uint64_t ms)
{
	return guest_tsc_hz() / 1000 * ms;
}

void tsc_spin(uint64_t ticks)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < ticks)
		pause();
}

void irq_window(unsigned vec, uint64_t ms, struct irq_window *w)
{
	uint64_t n0 = irq_count[vec & 0xFF], all0 = irq_total(), t0;

	t0 = rdtsc();
	sti();
	tsc_spin(tsc_ms(ms));
	cli();
	w->ticks = rdtsc() - t0;
	w->n = irq_count[vec & 0xFF] - n0;
	w->all = irq_total() - all0;
}
