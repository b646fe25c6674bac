/*
 * Interrupt scenarios, part 4 (docs/guest.md): interrupts in real mode.
 *
 *   irq.real-mode-pit    the guest drops from 64-bit mode to real mode
 *                        (guest/irq_real.asm), the 8259A's IRQ 0 at the
 *                        BIOS's vector 0x08 and an IVT entry counting it;
 *                        with the PIT periodic at 1 kHz, STI and HLT until
 *                        50 ticks: the ticks over that TSC interval within
 *                        5%, no other vector, and back to 64-bit mode with
 *                        the guest's own PIC setup
 *
 * eptlab injects an external interrupt as in any mode; with "unrestricted
 * guest" the CPU delivers it through the IVT (SDM revision 084, Vol. 3C
 * "Event Injection", "Unrestricted Guests"; Vol. 3A "Real-Address Mode
 * Interrupt and Exception Handling"). The HLT exits and their skip, the
 * HLT activity state and the interrupt window all happen in real mode.
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/string.h"

#define RM_TRAMP      0x8000ULL   /* guest/irq_real.asm: the blob */
#define RM_IVT        0x7000ULL   /* the IVT, then the real-mode stack */
#define RM_TICKS      50
#define RM_VECTOR     0x08        /* IRQ 0 as a BIOS programs it */
#define RM_SLAVE      0x70

extern const char rm_blob[], rm_blob_end[], rm_irq0[], rm_other[];
extern const char rm_count[], rm_other_n[], rm_t0[], rm_t1[];
extern const char rm_deadline[];
void rm_pit_run(void);

/* A blob symbol at its copy below 1 MiB, by the direct map. */
static volatile void *rm_lo(const char *sym)
{
	return mm_dm(RM_TRAMP + (uint64_t)(sym - rm_blob));
}

static uint16_t rm_ip(const char *sym)
{
	return (uint16_t)(RM_TRAMP + (uint64_t)(sym - rm_blob));
}

static void real_mode_pit_scen(void)
{
	const char *name = "irq.real-mode-pit";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t hz = guest_tsc_hz(), t0, t1, exp, all0;
	volatile uint32_t *ivt;
	unsigned n, other;

	if (!irq_scen_begin(name, &c0))
		return;
	/* The blob, the IVT (segment 0: offset in the low half) and the
	 * stack, all written before the counters (demand=full). */
	memcpy(mm_dm(RM_TRAMP), rm_blob, (size_t)(rm_blob_end - rm_blob));
	memset(mm_dm(RM_IVT), 0, RM_TRAMP - RM_IVT);
	ivt = mm_dm(RM_IVT);
	for (unsigned v = 0; v < 256; v++)
		ivt[v] = rm_ip(v == RM_VECTOR ? rm_irq0 : rm_other);
	pic_setup_at(RM_VECTOR, RM_SLAVE);
	pic_unmask(0);
	all0 = irq_total();
	if (!scen_ctr_snap(name, &c0)) {
		pic_setup();
		irq_scen_end();
		return;
	}
	/* Four times the ticks' time, then the loop gives up. */
	*(volatile uint64_t *)rm_lo(rm_deadline) = rdtsc() +
						   4 * tsc_ms(RM_TICKS);
	rm_pit_run();
	pic_setup();                            /* the guest's own again */
	irq_scen_end();
	n = *(volatile uint16_t *)rm_lo(rm_count);
	other = *(volatile uint16_t *)rm_lo(rm_other_n);
	t0 = *(volatile uint64_t *)rm_lo(rm_t0);
	t1 = *(volatile uint64_t *)rm_lo(rm_t1);
	exp = (t1 - t0) * PIT_CLOCK_HZ / 1193 / hz;
	if (n != RM_TICKS || other || irq_total() != all0 ||
	    n * 20 < exp * 19 || n * 20 > exp * 21) {
		report(false, name, "real mode: %u IRQ 0 at vector 0x%x in %llu "
		       "TSC ticks, want %llu +- 5%% at %llu Hz (and %u); %u "
		       "interrupts at other vectors, %llu through the 64-bit "
		       "IDT (want 0)", n, RM_VECTOR,
		       (unsigned long long)(t1 - t0), (unsigned long long)exp,
		       (unsigned long long)hz, RM_TICKS, other,
		       (unsigned long long)(irq_total() - all0));
		return;
	}
	if (!irq_scen_expect(name, "50 PIT ticks in real mode", &c0, &want,
			     n))
		return;
	report(true, name, NULL);
}

void scen_irq_real_run(void)
{
	real_mode_pit_scen();
}
