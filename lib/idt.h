/* The 64-bit IDT gate, one definition for the hypervisor's IDT (hv/idt.c)
 * and the guest kernel's (guest/idt.c). SDM Vol. 3A "64-Bit Mode IDT". */
#ifndef EPTLAB_LIB_IDT_H
#define EPTLAB_LIB_IDT_H

#include "include/types.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;          /* bits 2:0: IST slot, 0 = none */
	uint8_t type_attr;    /* P, DPL, type */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t rsvd;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "64-bit IDT gate");

#define IDT_GATE_INTR_DPL0   0x8E   /* P, DPL 0, 64-bit interrupt gate */
#define IDT_EXC_VECTORS      32     /* the architectural exceptions */

static inline struct idt_gate idt_gate_make(uint64_t handler, uint16_t sel,
					    unsigned ist, uint8_t type_attr)
{
	return (struct idt_gate){
		.off_lo = (uint16_t)handler,
		.sel = sel,
		.ist = (uint8_t)(ist & 7),
		.type_attr = type_attr,
		.off_mid = (uint16_t)(handler >> 16),
		.off_hi = (uint32_t)(handler >> 32),
	};
}

#endif
