/*
 * The emulated PC's devices, wired (hv/plat.h, docs/platform.md): reset,
 * the IRQ routing and the timers' deadlines. The models are pure
 * (hv/dev/); what is emulated and what is not is in each model's header.
 */
#include "hv/plat.h"
#include "hv/vm.h"
#include "hv/vcpu.h"
#include "hv/intc.h"
#include "hv/exit.h"
#include "hv/dev/lapic.h"

void plat_irq_set(void *ctx, unsigned gsi, bool level)
{
	struct plat *pl = ctx;

	if (gsi < 16)
		pic_set_irq(&pl->pic, gsi, level);
	ioapic_set_irq(&pl->ioapic, gsi, level);
	exit_event_kick();          /* INTR may have changed */
}

/* An I/O APIC message to the local APIC (hv/intc.c). */
static bool plat_ioapic_deliver(void *ctx, uint8_t vector, unsigned mode,
				uint8_t dest, bool logical, bool level)
{
	struct plat *pl = ctx;

	return intc_message(pl->bsp, vector, mode, dest, logical, level);
}

void plat_init(struct plat *pl, struct vm *vm, struct vcpu *bsp,
	       uint64_t hz, uint64_t rtc_epoch, uint64_t now)
{
	const struct ioapic_out io_out = { pl, plat_ioapic_deliver };

	*pl = (struct plat){ .vm = vm, .bsp = bsp, .hz = hz,
			     .rtc_epoch = rtc_epoch };
	pl->sink = (struct irq_sink){ pl, plat_irq_set };
	pic_init(&pl->pic);
	pit_init(&pl->pit, hz, &pl->sink, now);
	rtc_init(&pl->rtc, hz, rtc_epoch, vm->ram_size, &pl->sink, now);
	ioapic_init(&pl->ioapic, &io_out);
	plat_kbd_reset(&pl->kbd);
	acpi_pm_reset(&pl->pm);
	pl->p92 = PLAT_P92_A20;     /* A20 on: eptlab has no 8086 wrap */
}

uint64_t plat_next_deadline(struct plat *pl)
{
	uint64_t d = pit_next_deadline(&pl->pit);

	d = MIN(d, rtc_next_deadline(&pl->rtc));
	return MIN(d, lapic_next_deadline(&pl->bsp->lapic));
}

/* Each model fires what is due; the deadline that fired last is kept for
 * the benchmark "timer deadline to the guest's handler" (hv/bench.c).
 * Returns the earliest deadline after the advance, as plat_next_deadline
 * would: a model's deadline is read again only if it fired (a model's
 * deadline depends on its own state alone, which only its advance and its
 * registers change), so the event tail reads each model's deadline once. */
uint64_t plat_advance(struct plat *pl, uint64_t now)
{
	uint64_t d, next;

	if ((d = pit_next_deadline(&pl->pit)) <= now) {
		pl->last_deadline = d;
		pit_advance(&pl->pit, now);
		d = pit_next_deadline(&pl->pit);
	}
	next = d;
	if ((d = rtc_next_deadline(&pl->rtc)) <= now) {
		pl->last_deadline = d;
		rtc_advance(&pl->rtc, now);
		d = rtc_next_deadline(&pl->rtc);
	}
	next = MIN(next, d);
	if ((d = lapic_next_deadline(&pl->bsp->lapic)) <= now) {
		pl->last_deadline = d;
		lapic_advance(&pl->bsp->lapic, now);
		exit_event_kick();  /* its IRR changed */
		d = lapic_next_deadline(&pl->bsp->lapic);
	}
	return MIN(next, d);
}
