/*
 * The vCPU's interrupt controller (hv/intc.h): the 8259A and the local
 * APIC model behind one interface. SDM revision 084, Vol. 3A "Advanced
 * Programmable Interrupt Controller (APIC)": "Local Vector Table" (LINT0
 * in ExtINT mode), "Enabling or Disabling the Local APIC", "EOI Register".
 */
#include "hv/intc.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "hv/exit.h"
#include "hv/apicv.h"
#include "hv/dev/lapic.h"
#include "hv/vcpu/cpuid.h"
#include "include/x86.h"
#include "lib/console.h"

#define APIC_BASE_EN    BIT(11)
#define APIC_BASE_EXTD  BIT(10)

void intc_init(struct vcpu *v, uint64_t now)
{
	const struct lapic_config cfg = {
		.apic_id = 0,
		.tsc_hz = v->vm->plat.hz,
		.tsc_deadline = vcpu_has(&v->cpuid->f, VCPU_F_TSC_DEADLINE),
	};

	lapic_init(&v->lapic, v->apic_page, &cfg, now);
	lapic_virtual_wire(&v->lapic, now);
}

bool intc_apic_on(const struct vcpu *v)
{
	return vcpu_has(&v->cpuid->f, VCPU_F_APIC) &&
	       (v->msr.apic_base & APIC_BASE_EN);
}

struct intc_irq intc_pending(struct vcpu *v)
{
	bool on = intc_apic_on(v);
	int vec = on ? lapic_pending(&v->lapic) : -1;
	enum vcpu_irq_src s = vcpu_irq_source(on, on &&
					      lapic_lint0_extint(&v->lapic),
					      pic_intr(&v->vm->plat.pic), vec);

	return (struct intc_irq){ s, s == VCPU_IRQ_APIC ? vec : -1 };
}

uint8_t intc_ack(struct vcpu *v, struct intc_irq irq)
{
	if (irq.src == VCPU_IRQ_APIC)
		return (uint8_t)lapic_inta(&v->lapic);
	return (uint8_t)pic_inta(&v->vm->plat.pic);
}

void intc_eoi(struct vcpu *v, uint8_t vector)
{
	ioapic_eoi(&v->vm->plat.ioapic, vector);
	exit_event_kick();      /* a line still asserted is delivered again */
}

/* What a message or a register write asks of the vCPU. INIT and
 * start-up to itself are recorded for the SMP issue (counted, reported
 * once); so are IPIs to other APICs, which do not exist. */
static void intc_events(struct vcpu *v, unsigned ev, const struct lapic_out *o)
{
	struct vm *vm = v->vm;

	if (ev & LAPIC_EV_NMI)
		v->ev.nmi_pending = true;
	if (ev & LAPIC_EV_EOI)
		intc_eoi(v, o->eoi_vector);
	if (ev & (LAPIC_EV_INIT | LAPIC_EV_SIPI | LAPIC_EV_OTHERS | LAPIC_EV_BAD) &&
	    vm->apic_reports++ < 4) {
		exit_com1_flush(v);
		printf("apic: %s%s%s%s recorded (ICR 0x%llx)\n",
		       ev & LAPIC_EV_INIT ? "INIT " : "",
		       ev & LAPIC_EV_SIPI ? "start-up " : "",
		       ev & LAPIC_EV_OTHERS ? "IPI to other APICs " : "",
		       ev & LAPIC_EV_BAD ? o->bad : "",
		       (unsigned long long)o->icr);
	}
	if (ev & (LAPIC_EV_IRQ | LAPIC_EV_NMI | LAPIC_EV_EXTINT))
		exit_event_kick();
}

bool intc_message(struct vcpu *v, uint8_t vector, unsigned mode,
		  uint8_t dest, bool logical, bool level)
{
	struct lapic_out o;
	unsigned ev;

	if (!intc_apic_on(v))
		return false;
	ev = lapic_deliver(&v->lapic, vector, mode, dest, logical, level, &o);
	intc_events(v, ev, &o);
	return ev & ~LAPIC_EV_BAD;
}

void intc_apic_base(struct vcpu *v, uint64_t old, uint64_t val)
{
	uint64_t now = rdtsc();

	if ((old & APIC_BASE_EN) && !(val & APIC_BASE_EN))
		lapic_reset(&v->lapic, LAPIC_RESET_DISABLE, now);
	else if (!(old & APIC_BASE_EXTD) && (val & APIC_BASE_EXTD))
		lapic_enter_x2apic(&v->lapic);
	/* APIC virtualization only while the page is the xAPIC. */
	apicv_update(v, false);
	exit_event_kick();      /* the PIC's path to INTR may have changed */
}

void intc_tsc_deadline(struct vcpu *v, uint64_t guest_tsc)
{
	uint64_t host = guest_tsc ? guest_tsc - v->msr.tsc_offset : 0;

	lapic_set_tsc_deadline(&v->lapic, host, rdtsc());
	exit_event_kick();
}

bool intc_mmio_claims(const struct vcpu *v)
{
	return intc_apic_on(v) && !(v->msr.apic_base & APIC_BASE_EXTD);
}

uint32_t intc_mmio_read(struct vcpu *v, unsigned off)
{
	return lapic_read(&v->lapic, off, rdtsc());
}

void intc_mmio_write(struct vcpu *v, unsigned off, uint32_t val)
{
	struct lapic_out o = { 0 };
	unsigned ev = lapic_write(&v->lapic, off, val, rdtsc(), &o);

	intc_events(v, ev, &o);
	if (off == LAPIC_SVR)
		apicv_update(v, false);     /* software enable or disable */
	exit_event_kick();      /* TPR, EOI, LVTs, the timer: re-evaluate */
}

void intc_apic_write(struct vcpu *v, unsigned off)
{
	struct lapic_out o = { 0 };
	unsigned ev = lapic_apic_write(&v->lapic, off, rdtsc(), &o);

	intc_events(v, ev, &o);
	if (off == LAPIC_SVR)
		apicv_update(v, false);
	exit_event_kick();
}

void intc_cr8_write(struct vcpu *v, uint64_t val)
{
	intc_mmio_write(v, LAPIC_TPR, (uint32_t)(val & 0xF) << 4);
}

uint64_t intc_cr8_read(struct vcpu *v)
{
	return (lapic_read(&v->lapic, LAPIC_TPR, rdtsc()) >> 4) & 0xF;
}
