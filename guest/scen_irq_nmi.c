/*
 * Interrupt scenarios, part 3 (docs/guest.md): an NMI handler's IRET that
 * faults after it unblocked NMIs.
 *
 *   irq.nmi-iret-ept     the IRETQ of an NMI handler reads its frame's SS
 *                        slot from an unbacked page: an EPT violation with
 *                        exit-qualification bit 12 ("NMI unblocking due to
 *                        IRET"). The hypervisor sets blocking by NMI again
 *                        before the re-entry, so a second NMI, pending
 *                        since the handler injected it, is delivered only
 *                        after the retried IRETQ completed, at the
 *                        interrupted instruction, not at the IRETQ
 *
 * The handler is guest/irq_nmi_iret.asm, at vector 2 for this scenario
 * only. SDM revision 084, Vol. 3C "Exit Qualification for EPT
 * Violations" (bit 12), "Resuming Guest Software after Handling an
 * Exception" ("NMI unblocking due to IRET"), "Guest Non-Register State"
 * (blocking by NMI), "NMI-Window Exiting"; Vol. 2A "IRET/IRETD/IRETQ".
 */
#include "guest/guest.h"
#include "guest/irq.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"
#include "lib/string.h"

#define SCEN_IRQ_PAGE2  (SCEN_R2 + 210 * SZ_4K)   /* the rebuilt frame */
#define SCEN_IRQ_PAGE3  (SCEN_R2 + 211 * SZ_4K)   /* its SS slot, unbacked */
#define KERNEL_DS       0x10                      /* guest/entry.asm GDT */

extern const char nmi_iret_entry[], nmi_iret_insn[];
extern volatile uint64_t nmi_iret_count, nmi_iret_frame, nmi_iret_rc;
extern volatile uint64_t nmi_iret_rip2;

static void nmi_iret_scen(void)
{
	const char *name = "irq.nmi-iret-ept";
	static struct hc_counters c0;
	struct hc_counters want = { 0 };
	uint64_t pa, after = 0, ss = ~0ULL, old;
	uint64_t nr = HC_INJECT_NMI, a1 = 0, a2 = 0, a3 = 0, a4 = 0;
	uint8_t *va;
	long rc;

	nmi_iret_count = nmi_iret_rc = nmi_iret_rip2 = 0;  /* before c0 */
	if (!irq_scen_begin(name, &c0))
		return;
	if (!(scen_cfg.irq_flags & HC_IRQF_VIRTUAL_NMIS)) {
		irq_scen_end();
		report_skip(name, "no virtual NMIs: no NMI window to show "
			    "the order");
		return;
	}
	pa = scen_base + SCEN_IRQ_PAGE2;
	va = mm_dm(pa);
	memset(va, 0, SZ_4K);                   /* backed, touched */
	if ((rc = hc_call(HC_DEMAND, pa + SZ_4K, SZ_4K, 0, 0))) {
		irq_scen_end();
		report(false, name, "HC_DEMAND: %s", err_name((int)rc));
		return;
	}
	/* RIP, CS, RFLAGS, RSP at the end of the backed page; SS first on
	 * the unbacked one. */
	nmi_iret_frame = (uint64_t)(uintptr_t)(va + SZ_4K - 32);
	old = idt_set_handler(2, (uint64_t)(uintptr_t)nmi_iret_entry);
	if (!scen_ctr_snap(name, &c0)) {
		idt_set_handler(2, old);
		irq_scen_end();
		return;
	}
	/* HC_INJECT_NMI: the first NMI arrives before label 1. The IRETQ
	 * returns with the null SS of the zeroed page, put back at once. */
	__asm__ volatile("lea 1f(%%rip), %[after]\n\t"
			 "vmcall\n"
			 "1:\n\t"
			 "mov %%ss, %k[ss]\n\t"
			 "mov %k[ds], %%ss"
			 : [after] "=&r"(after), [ss] "=&r"(ss), "+a"(nr),
			   "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4)
			 : [ds] "r"(KERNEL_DS)
			 : "memory");
	idt_set_handler(2, old);
	irq_scen_end();
	if (nr || nmi_iret_rc || nmi_iret_count != 2 ||
	    nmi_iret_rip2 != after || (ss & 0xFFFF)) {
		report(false, name, "HC_INJECT_NMI %ld, in the handler %ld; "
		       "%llu NMIs (want 2); the second at rip 0x%llx, want "
		       "0x%llx (after the IRETQ completed; the IRETQ is at "
		       "0x%llx); SS after the IRETQ 0x%llx (want 0: its slot "
		       "read from the zeroed page)", (long)nr,
		       (long)nmi_iret_rc, (unsigned long long)nmi_iret_count,
		       (unsigned long long)nmi_iret_rip2,
		       (unsigned long long)after,
		       (unsigned long long)(uintptr_t)nmi_iret_insn,
		       (unsigned long long)(ss & 0xFFFF));
		return;
	}
	want.nmi_injected = 2;
	want.ept_violations = want.demand_faults = 1;
	if (!irq_scen_expect(name, "an IRETQ faulting after NMI unblocking",
			     &c0, &want, 0))
		return;
	report(true, name, NULL);
}

void scen_irq_nmi_run(void)
{
	nmi_iret_scen();
}
