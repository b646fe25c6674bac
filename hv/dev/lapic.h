/*
 * Local xAPIC model: hv/dev/lapic.c (registers, priorities, IPIs),
 * lapic_timer.c (the APIC timer) and lapic_x2apic.c (optional x2APIC).
 * Intel SDM Vol. 3A (rev. 084), chapter "Advanced Programmable Interrupt
 * Controller (APIC)"; the virtual-APIC page in Vol. 3C "APIC
 * Virtualization and Virtual Interrupts". Pure C: no clock, no VMX.
 *
 * The registers live in a caller-provided 4 KiB page laid out exactly as
 * the xAPIC MMIO page (a 32-bit register every 16 bytes). Under APIC
 * virtualization that page is the virtual-APIC page, which the CPU reads
 * and writes itself (TPR, EOI, IRR/ISR/PPR with virtual-interrupt
 * delivery). So everything that can be derived from the page is: IRR, ISR
 * and TMR are its bit arrays, PPR is computed from its TPR and ISR, LVTs,
 * SVR, LDR, DFR and the ICR are read from it. Only what the page cannot
 * hold is kept in struct lapic: the timer (its mode, divider, initial
 * count and start time, shadowed because an APIC-write VM exit arrives
 * with the page already overwritten), the errors gathered since the last
 * ESR write, and the configuration.
 *
 * Emulated: ID, version, TPR/APR/PPR, EOI, LDR/DFR (flat and cluster),
 * SVR with software enable, ISR/TMR/IRR, ESR (write-then-read, error
 * LVT), ICR (fixed, lowest priority, NMI, INIT, start-up, SMI; delivery
 * to self by destination or shorthand; others reported for SMP), the LVT
 * timer (one-shot, periodic, TSC-deadline) with the divide configuration,
 * LINT0/LINT1 state for the platform, power-up/INIT/disable resets.
 * Not emulated: LVT CMCI (version reports max LVT 5, 0x2F0 is reserved),
 * EOI-broadcast suppression, thermal and performance interrupts (their
 * LVTs are plain registers), focus processor checking, arbitration (APR
 * is computed, not used), delivery status (always idle: delivery is
 * immediate), LINT0/LINT1 in fixed mode, and narrow or misaligned
 * accesses (the caller passes 32-bit accesses at register offsets).
 *
 * Deviations from the coordinator's design (notes/devices-design.md):
 *  - lapic_init(l, page, cfg, now) takes a struct lapic_config (APIC ID,
 *    TSC rate, timer input clock, TSC-deadline support) instead of
 *    (apic_id, hz); struct lapic holds cfg, not id/hz fields.
 *  - lapic_reset() takes the kind of reset (power-up, INIT, disable).
 *  - lapic_ack(l, vector) is lapic_inta(l), the INTA cycle like
 *    pic_inta(): the vector moved from IRR to ISR, or the spurious vector.
 *  - lapic_accept() returns whether the interrupt was taken; fixed
 *    interrupts are discarded while the APIC is software-disabled.
 *  - lapic_set_tsc_deadline() takes `now` (a past deadline fires at once).
 *  - The version register is 0x50014 as designed, so max LVT is 5 and
 *    there is no LVT CMCI: offset 0x2F0 is a reserved register here.
 *  - Events: LAPIC_EV_IRQ, _SMI, _EXTINT and _OTHERS added; struct
 *    lapic_out carries the EOI and SIPI vectors, the ICR and a reason.
 *  - lapic_msr_write() returns LAPIC_EV_* or -EINVAL (#GP).
 *  - Added: lapic_deliver() (an interrupt message: destination match and
 *    delivery mode, for the I/O APIC), lapic_match_dest(),
 *    lapic_apic_write() (APIC-write VM exits), lapic_ppr(),
 *    lapic_lint1_nmi(), lapic_virtual_wire(), lapic_tsc_deadline(),
 *    lapic_enter_x2apic(), and the page functions for virtual-interrupt
 *    delivery.
 *
 * Time: `now` is host TSC. The timer's input clock (before the divider)
 * is cfg->timer_hz; each expiry is the first TSC tick at or after the
 * exact instant, computed from the start of the count, so periodic ticks
 * do not drift. A periodic timer that fell behind delivers one interrupt
 * (the IRR bit latches one) and resumes with the period that contains
 * `now`: missed ticks are coalesced.
 */
#ifndef EPTLAB_HV_DEV_LAPIC_H
#define EPTLAB_HV_DEV_LAPIC_H

#include "include/types.h"
#include "hv/dev/irq.h"

#define LAPIC_BASE_GPA  0xFEE00000ULL
#define LAPIC_PAGE_SIZE 4096

/* Register offsets in the page (SDM "Local APIC Register Address Map"). */
#define LAPIC_ID        0x020
#define LAPIC_VER       0x030
#define LAPIC_TPR       0x080
#define LAPIC_APR       0x090
#define LAPIC_PPR       0x0A0
#define LAPIC_EOI       0x0B0
#define LAPIC_RRD       0x0C0
#define LAPIC_LDR       0x0D0
#define LAPIC_DFR       0x0E0
#define LAPIC_SVR       0x0F0
#define LAPIC_ISR       0x100   /* 8 registers, vectors 32k..32k+31 */
#define LAPIC_TMR       0x180
#define LAPIC_IRR       0x200
#define LAPIC_ESR       0x280
#define LAPIC_LVT_CMCI  0x2F0   /* reserved here: no CMCI */
#define LAPIC_ICR_LO    0x300
#define LAPIC_ICR_HI    0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_THERM 0x330
#define LAPIC_LVT_PERF  0x340
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERR   0x370
#define LAPIC_TMICT     0x380   /* timer initial count */
#define LAPIC_TMCCT     0x390   /* timer current count */
#define LAPIC_TDCR      0x3E0   /* timer divide configuration */

/* Version register: version 0x14 (integrated xAPIC), max LVT entry 5
 * (six LVTs, no CMCI), bit 24 clear (no EOI-broadcast suppression). */
#define LAPIC_VERSION   0x00050014u

#define LAPIC_SVR_ENABLE  BIT(8)        /* APIC software enable */
#define LAPIC_LVT_MASKED  BIT(16)
#define LAPIC_LVT_LEVEL   BIT(15)       /* trigger mode (LINT0/1) */
#define LAPIC_TIMER_PERIODIC BIT(17)
#define LAPIC_TIMER_DEADLINE BIT(18)

/* Delivery modes (ICR, LVT and I/O APIC redirection entries). */
#define LAPIC_DM_FIXED   0
#define LAPIC_DM_LOWEST  1
#define LAPIC_DM_SMI     2
#define LAPIC_DM_NMI     4
#define LAPIC_DM_INIT    5
#define LAPIC_DM_STARTUP 6
#define LAPIC_DM_EXTINT  7

/* ESR bits (SDM "Error Handling"). */
#define LAPIC_ESR_SEND_ILLEGAL   BIT(5)
#define LAPIC_ESR_RECV_ILLEGAL   BIT(6)
#define LAPIC_ESR_ILLEGAL_REG    BIT(7)

/* Events for the caller, returned by lapic_write()/lapic_deliver() and
 * copied into lapic_out.events. */
#define LAPIC_EV_IRQ    BIT(0)  /* a vector was set in IRR: re-evaluate
                                   injection (under APICv: RVI) */
#define LAPIC_EV_EOI    BIT(1)  /* EOI of a level-triggered vector:
                                   out->eoi_vector, for ioapic_eoi() */
#define LAPIC_EV_NMI    BIT(2)  /* NMI for this CPU: inject one */
#define LAPIC_EV_INIT   BIT(3)  /* INIT for this CPU */
#define LAPIC_EV_SIPI   BIT(4)  /* start-up for this CPU: out->sipi_vector */
#define LAPIC_EV_SMI    BIT(5)  /* SMI for this CPU (not emulated) */
#define LAPIC_EV_EXTINT BIT(6)  /* ExtINT message: vector from pic_inta() */
#define LAPIC_EV_OTHERS BIT(7)  /* the ICR also addresses other APICs:
                                   out->icr, for a future SMP issue */
#define LAPIC_EV_BAD    BIT(8)  /* write ignored or flagged: out->bad */

struct lapic_out {
	unsigned events;        /* LAPIC_EV_* */
	uint8_t eoi_vector;
	uint8_t sipi_vector;
	uint64_t icr;           /* destination in bits 63:32 (xAPIC: 63:56) */
	const char *bad;        /* static text, for LAPIC_EV_BAD */
};

struct lapic_config {
	uint32_t apic_id;       /* hardware APIC ID (xAPIC: 8 bits used) */
	uint64_t tsc_hz;        /* host TSC ticks per second, non-zero */
	uint64_t timer_hz;      /* timer input clock; 0 = tsc_hz */
	bool tsc_deadline;      /* CPUID.01H:ECX[24] advertised */
};

enum lapic_reset_kind {
	LAPIC_RESET_POWER,      /* power-up or RESET */
	LAPIC_RESET_INIT,       /* INIT: APIC ID and x2APIC mode kept */
	LAPIC_RESET_DISABLE,    /* IA32_APIC_BASE[11] cleared: power-up
	                           values, xAPIC mode, APIC ID kept */
};

struct lapic {
	uint32_t *regs;         /* the register page (32-bit words) */
	struct lapic_config cfg;
	bool x2apic;            /* x2APIC mode (the optional MSR part) */
	uint32_t esr_pending;   /* errors since the last ESR write */
	/* Timer shadows (the page may already hold a guest's new value). */
	uint32_t lvtt;          /* LVT timer as last applied */
	uint32_t t_init;        /* initial count as last applied */
	unsigned t_div;         /* divisor 1..128 */
	bool t_running;         /* one-shot/periodic count in progress */
	uint64_t t_base;        /* TSC at which the count started */
	uint64_t t_next;        /* counts after t_base of the next zero */
	uint64_t t_deadline;    /* TSC-deadline mode: host TSC, 0 = disarmed */
};

/* Zero the page and apply the power-up state. cfg is copied. */
void lapic_init(struct lapic *l, uint32_t *page, const struct lapic_config *cfg,
		uint64_t now);
/* SDM "Local APIC State After Power-Up or Reset" / "... After an INIT
 * Reset". The caller applies LAPIC_RESET_DISABLE when the guest clears
 * IA32_APIC_BASE[11] (SDM "Enabling or Disabling the Local APIC"); while
 * disabled the MMIO page is not the APIC, and after re-enabling the APIC
 * stays software-disabled until the guest sets SVR[8]. */
void lapic_reset(struct lapic *l, enum lapic_reset_kind kind, uint64_t now);
/* What a BIOS leaves and a Multiboot kernel expects (MP specification
 * "virtual wire" mode): SVR enabled with vector 0xFF, LINT0 ExtINT,
 * LINT1 NMI. eptlab has no BIOS, so the platform applies it at start. */
void lapic_virtual_wire(struct lapic *l, uint64_t now);

/* A 32-bit read at page offset off (the dword containing off; bytes
 * 4..15 of each 16-byte slot read 0). Reserved registers read 0 and set
 * ESR "illegal register address". */
uint32_t lapic_read(struct lapic *l, unsigned off, uint64_t now);
/* A 32-bit guest write of val at offset off. Returns LAPIC_EV_* (also in
 * *out if out is not NULL). */
unsigned lapic_write(struct lapic *l, unsigned off, uint32_t val, uint64_t now,
		     struct lapic_out *out);
/* An APIC-write VM exit (SDM 3C "APIC-Write VM Exits"): the CPU already
 * stored the guest's value at off; apply its effects. */
unsigned lapic_apic_write(struct lapic *l, unsigned off, uint64_t now,
			  struct lapic_out *out);

/* Does (dest, logical) address this APIC? (SDM "Determining IPI
 * Destination"; physical 0xFF / x2APIC 0xFFFFFFFF is broadcast.) */
bool lapic_match_dest(const struct lapic *l, uint32_t dest, bool logical);
/* An interrupt message (I/O APIC, or an IPI from another APIC): matched
 * against the destination, then handled by delivery mode. Fixed and
 * lowest priority set IRR (TMR if level); the others become events.
 * Returns LAPIC_EV_* (0: not for this APIC, or discarded). */
unsigned lapic_deliver(struct lapic *l, uint8_t vector, unsigned mode,
		       uint32_t dest, bool logical, bool level,
		       struct lapic_out *out);
/* Set IRR[vector] (TMR[vector] = level) with no destination check.
 * Vectors 0-15 set ESR "receive illegal vector" and are dropped; so is
 * everything while the APIC is software-disabled. Returns true if set. */
bool lapic_accept(struct lapic *l, uint8_t vector, bool level);

uint8_t lapic_ppr(const struct lapic *l);
/* Highest IRR vector whose priority class is above PPR's, or -1
 * (SDM "Interrupt, Task, and Processor Priority"). */
int lapic_pending(const struct lapic *l);
/* INTA: the lapic_pending() vector moved from IRR to ISR; if there is
 * none, the spurious vector (SVR[7:0]), ISR untouched (SDM "Spurious
 * Interrupt"). Not used under virtual-interrupt delivery. */
int lapic_inta(struct lapic *l);

uint64_t lapic_next_deadline(const struct lapic *l);   /* or DEV_NO_DEADLINE */
void lapic_advance(struct lapic *l, uint64_t now);      /* fire due expiries */
/* IA32_TSC_DEADLINE (MSR 0x6E0) in host TSC: the caller converts from
 * guest TSC. Ignored unless the LVT timer is in TSC-deadline mode; 0
 * disarms. lapic_tsc_deadline() is the armed deadline or 0. */
void lapic_set_tsc_deadline(struct lapic *l, uint64_t host_deadline, uint64_t now);
uint64_t lapic_tsc_deadline(struct lapic *l, uint64_t now);

bool lapic_sw_enabled(const struct lapic *l);    /* SVR[8] */
bool lapic_lint0_extint(const struct lapic *l);  /* LINT0 unmasked, ExtINT */
bool lapic_lint1_nmi(const struct lapic *l);     /* LINT1 unmasked, NMI */

/* Virtual-interrupt delivery (SDM 3C "Virtual-Interrupt Delivery", "EOI
 * Virtualization"): from a virtual-APIC page, the highest vector set in
 * IRR / ISR (0 if none), and the guest-interrupt-status VMCS field built
 * from them (RVI in bits 7:0, SVI in bits 15:8). */
uint8_t lapic_page_highest_irr(const uint32_t *page);
uint8_t lapic_page_highest_isr(const uint32_t *page);
uint16_t lapic_page_intr_status(const uint32_t *page);

/* ---- Optional: x2APIC (hv/dev/lapic_x2apic.c; SDM "Extended XAPIC
 * (x2APIC)"). MSR 0x800 + offset/16, the same page. The read returns
 * 0, the write LAPIC_EV_* (>= 0); both return -EINVAL when the access
 * must raise #GP (the write says why in out->bad). */
#define LAPIC_MSR_BASE     0x800
#define LAPIC_MSR_ICR      0x830
#define LAPIC_MSR_SELF_IPI 0x83F
/* IA32_APIC_BASE EXTD 0->1 with EN=1: x2APIC ID and LDR set in the page. */
void lapic_enter_x2apic(struct lapic *l);
int lapic_msr_read(struct lapic *l, uint32_t msr, uint64_t now, uint64_t *val);
int lapic_msr_write(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now,
		    struct lapic_out *out);

#endif
