/*
 * What every device model in hv/dev/ shares: the IRQ-line sink through
 * which a device drives its interrupt line, and the "no event armed" value
 * of the X_next_deadline() functions. Time is host TSC ticks throughout.
 */
#ifndef EPTLAB_HV_DEV_IRQ_H
#define EPTLAB_HV_DEV_IRQ_H

#include "include/types.h"

/* X_next_deadline() when the device has no event armed. */
#define DEV_NO_DEADLINE UINT64_MAX

/* An edge is set(ctx, n, 1) then set(ctx, n, 0). The platform's sink
 * routes ISA IRQ n to PIC input n and I/O APIC pin n. */
struct irq_sink {
	void *ctx;
	void (*set)(void *ctx, unsigned gsi, bool level);   /* line state, 0/1 */
};

#endif
