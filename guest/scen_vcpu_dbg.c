/*
 * Scenarios of the virtual CPU's debug state and platform edges
 * (docs/guest.md "The virtual CPU"; guest/scen_vcpu.c has the others):
 *
 *   vcpu.dr7-exit           DR7 (and a data breakpoint) survive a VM exit
 *   vcpu.single-step        a single-step trap over an emulated CPUID
 *                           arrives right after it (BS pending)
 *   vcpu.apic-page          a read of the local APIC page (APIC disabled
 *                           in IA32_APIC_BASE) is #GP, reported by the hypervisor
 *
 * SDM revision 084: Vol. 3B "Debug Registers", "Single-Step Exception
 * Condition"; Vol. 3C "Guest Non-Register State".
 */
#include "guest/guest.h"
#include "guest/report.h"
#include "guest/vcpu_probe.h"
#include "guest/mm.h"
#include "include/hypercall.h"
#include "include/x86.h"

#define DR7_FIXED          0x400
#define DR6_B0             BIT(0)
#define VEC_DB             1

static inline uint64_t rd_dr7(void)
{
	uint64_t v;
	__asm__ volatile("mov %%db7, %0" : "=r"(v));
	return v;
}

static inline void wr_dr7(uint64_t v)
{
	__asm__ volatile("mov %0, %%db7" :: "r"(v));
}

static inline uint64_t rd_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%db6, %0" : "=r"(v));
	return v;
}

static inline void wr_dr6(uint64_t v)
{
	__asm__ volatile("mov %0, %%db6" :: "r"(v));
}

static volatile uint64_t watched __attribute__((aligned(8)));

static void dr7_exit(void)
{
	const char *name = "vcpu.dr7-exit";
	/* L0, LE, GE, bit 10; breakpoint 0 on writes (R/W0 = 01) of 8 bytes
	 * (LEN0 = 10). */
	const uint64_t dr7 = BIT(0) | BIT(8) | BIT(9) | DR7_FIXED |
			     (1ULL << 16) | (2ULL << 18);
	uint64_t got, va = (uint64_t)(uintptr_t)&watched;
	struct fault_rec f0, f1;
	uint64_t dr6;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	__asm__ volatile("mov %0, %%db0" :: "r"(va));
	wr_dr6(0);
	wr_dr7(dr7);
	/* Control: does this CPU deliver data breakpoints at all? */
	f0 = PROBE(VEC_DB, probe_write64_done, probe_write64(va, 1));
	(void)hc_call(HC_VERSION, 0, 0, 0, 0);    /* a VM exit */
	got = rd_dr7();
	wr_dr6(0);
	f1 = PROBE(VEC_DB, probe_write64_done, probe_write64(va, 2));
	dr6 = rd_dr6();
	wr_dr7(DR7_FIXED);
	wr_dr6(0);
	if (got != dr7) {
		report(false, name, "DR7 0x%llx before a VM exit, 0x%llx after",
		       (unsigned long long)dr7, (unsigned long long)got);
		return;
	}
	if (!f0.hit) {
		report_skip(name, "DR7 kept across the exit; this CPU model "
			    "delivers no data-breakpoint #DB even without an "
			    "exit, so the breakpoint half is not tested");
		return;
	}
	report(f1.hit && (dr6 & DR6_B0), name, "breakpoint after the exit: "
	       "%s, DR6 0x%llx", f1.hit ? "#DB" : "no #DB",
	       (unsigned long long)dr6);
}

static void single_step(void)
{
	const char *name = "vcpu.single-step";
	struct fault_rec f;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	f = PROBE(VEC_DB, vp_cpuid_tf_done, vp_cpuid_tf());
	report(f.hit && f.rip == (uint64_t)(uintptr_t)vp_cpuid_tf_after, name,
	       "single-step over CPUID: %s at rip 0x%llx, want 0x%llx (the "
	       "instruction after CPUID)", f.hit ? "#DB" : "no #DB",
	       (unsigned long long)f.rip,
	       (unsigned long long)(uintptr_t)vp_cpuid_tf_after);
}

/* With the local APIC disabled in IA32_APIC_BASE, its page is no device:
 * a read is reported by the hypervisor as such and answered with #GP(0).
 * (Enabled, the page is the APIC: guest/scen_apic.c.) The APIC comes back
 * in its reset state; the virtual wire is restored. */
#define MSR_APIC_BASE 0x1B
#define APIC_BASE_EN  (1ULL << 11)
static void apic_page(void)
{
	const char *name = "vcpu.apic-page";
	uint64_t va = SCEN_SLOT(40);
	struct fault_rec f;
	int rc;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	rc = scen_map4k(va, 0xFEE00000ULL);
	if (rc) {
		report(false, name, "mapping the APIC page: %d", rc);
		return;
	}
	uint64_t base = rdmsr(MSR_APIC_BASE);
	wrmsr(MSR_APIC_BASE, base & ~APIC_BASE_EN);
	f = PROBE(VEC_GP, probe_read64_done, probe_read64(va + 0x20));
	wrmsr(MSR_APIC_BASE, base);
	*(volatile uint32_t *)(uintptr_t)(va + 0xF0) = 0x1FF;   /* SVR */
	*(volatile uint32_t *)(uintptr_t)(va + 0x350) = 0x700;  /* ExtINT */
	*(volatile uint32_t *)(uintptr_t)(va + 0x360) = 0x400;  /* NMI */
	scen_unmap(va, SZ_4K);
	report(f.hit && f.rip == (uint64_t)(uintptr_t)probe_read64_insn, name,
	       "read of the APIC ID register: %s", f.hit ? "#GP elsewhere"
							 : "no #GP");
}

void scen_vcpu_dbg_run(void)
{
	dr7_exit();
	single_step();
	apic_page();
}
