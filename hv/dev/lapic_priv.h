/*
 * Internal to the local APIC model (hv/dev/lapic.c, lapic_timer.c,
 * lapic_x2apic.c): register access, writable-bit masks, and the functions
 * one part calls in another. Nothing else includes this header.
 */
#ifndef EPTLAB_HV_DEV_LAPIC_PRIV_H
#define EPTLAB_HV_DEV_LAPIC_PRIV_H

#include "hv/dev/lapic.h"

#define LAPIC_R(l, off)   ((l)->regs[(off) >> 2])

#define ICR_LO_MASK     0x000CCFFFu  /* vector..dest mode, level, trigger,
                                        shorthand; delivery status reads 0 */
#define LVT_MASK_THERM  0x000107FFu  /* vector, delivery mode, mask */
#define LVT_MASK_LINT   0x0001A7FFu  /* + polarity, trigger; remote IRR 0 */
#define LVT_MASK_ERR    0x000100FFu
#define LVT_MASK_TIMER  0x000300FFu  /* + bit 18 with TSC-deadline */

/* lapic.c. `dest` is ICR[63:56] (xAPIC) or ICR[63:32] (x2APIC). */
unsigned lapic_send_ipi(struct lapic *l, uint32_t lo, uint32_t dest,
			struct lapic_out *out);

/* lapic_timer.c: the LVT timer, TMICT, TMCCT and TDCR registers. */
void lapic_timer_reset(struct lapic *l, uint64_t now);
unsigned lapic_timer_write_lvt(struct lapic *l, uint32_t val,
			       struct lapic_out *out);
void lapic_timer_write_init(struct lapic *l, uint32_t val, uint64_t now);
void lapic_timer_write_div(struct lapic *l, uint32_t val, uint64_t now);
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now);

#endif
