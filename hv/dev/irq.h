/* Interrupt lines between device models and the platform
 * (docs/platform.md). A device drives a line with set(ctx, gsi, level):
 * an edge is set(.., 1) then set(.., 0), a level line stays at 1 until the
 * device lowers it. The platform's sink routes ISA IRQ n to PIC input n and
 * I/O APIC pin n. */
#ifndef EPTLAB_DEV_IRQ_H
#define EPTLAB_DEV_IRQ_H

#include "include/types.h"

/* X_next_deadline(): no event pending. */
#define DEV_NO_DEADLINE UINT64_MAX

struct irq_sink {
	void *ctx;
	void (*set)(void *ctx, unsigned gsi, bool level);   /* line state, 0/1 */
};

#endif
