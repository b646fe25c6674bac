/*
 * APIC virtualization (hv/apicv.c, docs/platform.md "APIC
 * virtualization"): under apicv=on, where the CPU offers "use TPR
 * shadow", "virtualize APIC accesses", "APIC-register virtualization"
 * and "virtual-interrupt delivery", the local APIC model's register page
 * is the virtual-APIC page. The CPU reads most registers from it and
 * virtualizes TPR and EOI without an exit; the writes the model must act
 * on arrive as trap-like APIC-write exits; PPR, APR and the current-count
 * reads arrive as APIC-access exits, served by the MMIO decoder. The
 * APIC's interrupts are posted in RVI instead of injected. ExtINT from
 * the 8259A is still injected through the interrupt window.
 */
#ifndef EPTLAB_APICV_H
#define EPTLAB_APICV_H

#include "include/types.h"
#include "hv/vcpu.h"

/* Whether the CPU offers the four controls: NULL, or the name of the
 * first one it lacks. */
const char *apicv_missing(const struct vmx_caps *c);

/* At boot, after the controls are computed: the decision (apicv= and
 * the CPU), printed with its reason; the APIC-access page allocated. */
void apicv_init(struct vcpu *v);

/* The controls, VMCS fields and the EPT mapping at 0xFEE00000 follow the
 * APIC's state: on while it is enabled in xAPIC mode and software-enabled
 * (SVR[8]); off while it is disabled in IA32_APIC_BASE or in x2APIC mode
 * (the page is then not the APIC), and while SVR[8] is clear (the CPU
 * would virtualize a self-IPI that a software-disabled APIC drops: SDM
 * 3C "APIC-Write Emulation", 3A "Local APIC State After It Has Been
 * Software Disabled"). force: write them whatever the last state (a
 * fresh VMCS). */
void apicv_update(struct vcpu *v, bool force);

/* APIC virtualization (with virtual-interrupt delivery) in use now. */
static inline bool apicv_on(const struct vcpu *v)
{
	return v->apicv.on;
}

/* The event tail under virtual-interrupt delivery: RVI and SVI from the
 * page (the model may have set IRR or ISR since the last entry). The CPU
 * delivers a vector above PPR itself when RFLAGS.IF and the
 * interruptibility state allow. */
void apicv_sync(struct vcpu *v);

/* After a write to the I/O APIC: the EOI-exit bitmap follows its
 * level-triggered entries (written only when it changed). Nothing else
 * changes them, so the event tail does not recompute it. */
void apicv_ioapic_written(struct vcpu *v);

/* Exit handlers (SDM 3C "APIC-Access VM Exits", "APIC-Write VM Exits",
 * "EOI Virtualization", "TPR Virtualization"). */
void handle_apic_access(struct vcpu *v);
void handle_apic_write(struct vcpu *v);
void handle_virtualized_eoi(struct vcpu *v);
void handle_tpr_threshold(struct vcpu *v);

#endif
