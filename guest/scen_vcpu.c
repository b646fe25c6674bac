/*
 * Scenarios of the virtual CPU (docs/guest.md, docs/virtual-cpu.md): what
 * a kernel that nobody wrote for eptlab meets when it probes the CPU.
 * Each provokes the faults it expects through the probes below, whose
 * faulting instruction resumes at the probe's "done" label
 * (fault_expect), so a #GP or #UD is a result, not a crash.
 *
 *   vcpu.msr-unknown        unknown MSRs (VMX capability MSRs, AMD and
 *                           reserved numbers, the microcode trigger) #GP
 *   vcpu.pat-mtrr           PAT and MTRR writes are the vCPU's own; the
 *                           host's stay as they were (HC_AUDIT)
 *   vcpu.tsc-offset         an IA32_TSC write moves the guest's TSC, and
 *                           TSC_ADJUST with it; the host's TSC_ADJUST stays
 *                           (HC_AUDIT)
 *   vcpu.kernel-gs-swapgs   IA32_KERNEL_GS_BASE as SWAPGS left it, across
 *                           a VM exit
 *   vcpu.osxsave-cr4        CPUID.1:ECX.OSXSAVE follows CR4, XGETBV #UD
 *                           without it
 *   vcpu.xcr0-invalid       each invalid XSETBV #GP, the hypervisor alive
 *   vcpu.cr-illegal         each illegal MOV to CR0/CR3/CR4 #GP and changes
 *                           nothing, also when a host-owned bit makes it exit
 * and, in guest/scen_vcpu_dbg.c, vcpu.dr7-exit, vcpu.single-step and
 * vcpu.apic-page.
 *
 * SDM revision 084: Vol. 2B "MOV—Move to/from Control Registers",
 * "RDMSR", "WRMSR", Vol. 2D "XSETBV", Vol. 3B "Debug Registers".
 */
#include "guest/guest.h"
#include "guest/report.h"
#include "guest/vcpu_probe.h"
#include "include/hypercall.h"
#include "include/x86.h"

#define MSR_TSC            0x10
#define MSR_TSC_ADJUST     0x3B
#define MSR_MTRR_PHYSBASE0 0x200
#define MSR_MTRR_DEF_TYPE  0x2FF
#define MSR_PAT            0x277
#define MSR_GS_BASE_       0xC0000101
#define MSR_KERNEL_GS      0xC0000102
#define PAT_RESET          0x0007040600070406ULL

static bool gp_rdmsr(uint32_t msr)
{
	return PROBE(VEC_GP, vp_rdmsr_done, vp_rdmsr(msr)).hit;
}

static bool gp_wrmsr(uint32_t msr, uint64_t v)
{
	return PROBE(VEC_GP, vp_wrmsr_done, vp_wrmsr(msr, v)).hit;
}

static uint64_t rdmsr_ok(const char *name, uint32_t msr, bool *ok)
{
	uint64_t v = 0;
	struct fault_rec f = PROBE(VEC_GP, vp_rdmsr_done, v = vp_rdmsr(msr));

	if (f.hit) {
		report(false, name, "RDMSR 0x%x raised #GP", msr);
		*ok = false;
	}
	return v;
}

static bool wrmsr_ok(const char *name, uint32_t msr, uint64_t v)
{
	if (gp_wrmsr(msr, v)) {
		report(false, name, "WRMSR 0x%x = 0x%llx raised #GP", msr,
		       (unsigned long long)v);
		return false;
	}
	return true;
}

/* The host-MSR part of the audit only, so that another part failing on
 * purpose (test_corrupt=) does not fail these scenarios. */
static long audit(void)
{
	return hc_call(HC_AUDIT, HC_AUDIT_HOST_MSRS, 0, 0, 0);
}

/* ---------------------------------------------------------------- MSRs */

static void msr_unknown(void)
{
	const char *name = "vcpu.msr-unknown";
	/* IA32_VMX_BASIC and EPT_VPID_CAP exist on the host (VMX is hidden
	 * from the guest), 0x79 is the microcode trigger, 0xC0010000 an AMD
	 * MSR, the others are numbers no table lists. */
	static const uint32_t rd[] = { 0x480, 0x48C, 0x491, 0xE7, 0x1234,
				       0xC0010000, 0x40000000, 0x800 };
	static const uint32_t wr[] = { 0x79, 0x480, 0x1234, 0xC0010000 };

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(rd); i++)
		if (!gp_rdmsr(rd[i])) {
			report(false, name, "RDMSR 0x%x: no #GP", rd[i]);
			return;
		}
	for (size_t i = 0; i < ARRAY_SIZE(wr); i++)
		if (!gp_wrmsr(wr[i], 0)) {
			report(false, name, "WRMSR 0x%x: no #GP", wr[i]);
			return;
		}
	report(true, name, NULL);
}

static void pat_mtrr(void)
{
	const char *name = "vcpu.pat-mtrr";
	const uint64_t pat = 0x0107040600070406ULL;    /* PA7 = WC */
	bool ok = true;
	uint64_t v;
	long a;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	if ((v = rdmsr_ok(name, MSR_PAT, &ok)) != PAT_RESET && ok) {
		report(false, name, "IA32_PAT reads 0x%llx, want the reset "
		       "value 0x%llx", (unsigned long long)v,
		       (unsigned long long)PAT_RESET);
		return;
	}
	if (!ok || !wrmsr_ok(name, MSR_PAT, pat) ||
	    /* E, default UC: unlike a host's usual E | FE | WB (0xC06) */
	    !wrmsr_ok(name, MSR_MTRR_DEF_TYPE, 0x800) ||
	    !wrmsr_ok(name, MSR_MTRR_PHYSBASE0, 0x6) ||
	    !wrmsr_ok(name, MSR_MTRR_PHYSBASE0 + 1, 0xF00000800ULL))
		return;
	if (!gp_wrmsr(MSR_PAT, 0x0207040600070406ULL)) {  /* type 2 */
		report(false, name, "IA32_PAT with a reserved type: no #GP");
		return;
	}
	if ((v = rdmsr_ok(name, MSR_PAT, &ok)) != pat && ok) {
		report(false, name, "IA32_PAT reads 0x%llx, wrote 0x%llx",
		       (unsigned long long)v, (unsigned long long)pat);
		return;
	}
	if ((v = rdmsr_ok(name, MSR_MTRR_DEF_TYPE, &ok)) != 0x800 && ok) {
		report(false, name, "IA32_MTRR_DEF_TYPE reads 0x%llx",
		       (unsigned long long)v);
		return;
	}
	a = audit();       /* the host's PAT and MTRRs as at boot */
	wrmsr_ok(name, MSR_PAT, PAT_RESET);
	wrmsr_ok(name, MSR_MTRR_DEF_TYPE, 0);
	report(ok && a == 0, name, "HC_AUDIT %ld: a host PAT or MTRR changed",
	       a);
}

static void tsc_offset(void)
{
	const char *name = "vcpu.tsc-offset";
	const uint64_t jump = 1ULL << 40;
	bool adjust = cpuid(0, 0).eax >= 7 && (cpuid(7, 0).ebx & BIT(1));
	bool ok = true;
	uint64_t t0, target, t1, adj = 0, t2;
	long a;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	t0 = rdtsc();
	target = t0 + jump;
	if (!wrmsr_ok(name, MSR_TSC, target))
		return;
	t1 = rdtsc();                   /* no exit: the offset does it */
	if (adjust)
		adj = rdmsr_ok(name, MSR_TSC_ADJUST, &ok);
	a = audit();                    /* the host's TSC_ADJUST unchanged */
	if (adjust)
		wrmsr_ok(name, MSR_TSC_ADJUST, 0);
	else
		wrmsr_ok(name, MSR_TSC, t0);
	t2 = rdtsc();
	if (t1 < target || t1 - target > 100000000ULL) {
		report(false, name, "wrote IA32_TSC 0x%llx, RDTSC then read "
		       "0x%llx", (unsigned long long)target,
		       (unsigned long long)t1);
		return;
	}
	if (adjust && ok && (adj > jump || jump - adj > 100000000ULL)) {
		report(false, name, "IA32_TSC_ADJUST 0x%llx after a jump of "
		       "0x%llx", (unsigned long long)adj,
		       (unsigned long long)jump);
		return;
	}
	if (t2 > t1) {
		report(false, name, "TSC_ADJUST = 0 did not take the TSC back "
		       "(0x%llx after 0x%llx)", (unsigned long long)t2,
		       (unsigned long long)t1);
		return;
	}
	report(ok && a == 0, name, "HC_AUDIT %ld: the host TSC_ADJUST changed",
	       a);
}

static void kernel_gs_swapgs(void)
{
	const char *name = "vcpu.kernel-gs-swapgs";
	const uint64_t a = 0xFFFF800012345000ULL;
	bool ok = true;
	uint64_t gs, k1, g1, k2;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	gs = rdmsr_ok(name, MSR_GS_BASE_, &ok);
	if (!ok || !wrmsr_ok(name, MSR_KERNEL_GS, a))
		return;
	__asm__ volatile("swapgs" ::: "memory");  /* GS = a, KERNEL_GS = gs */
	(void)cpuid(0, 0);                        /* a VM exit */
	k1 = rdmsr_ok(name, MSR_KERNEL_GS, &ok);
	g1 = rdmsr_ok(name, MSR_GS_BASE_, &ok);
	__asm__ volatile("swapgs" ::: "memory");  /* back */
	(void)cpuid(0, 0);
	k2 = rdmsr_ok(name, MSR_KERNEL_GS, &ok);
	report(ok && k1 == gs && g1 == a && k2 == a &&
	       rdmsr_ok(name, MSR_GS_BASE_, &ok) == gs, name,
	       "after SWAPGS and an exit KERNEL_GS_BASE 0x%llx GS_BASE 0x%llx "
	       "(want 0x%llx 0x%llx), swapped back KERNEL_GS_BASE 0x%llx",
	       (unsigned long long)k1, (unsigned long long)g1,
	       (unsigned long long)gs, (unsigned long long)a,
	       (unsigned long long)k2);
}

/* ------------------------------------------------------------- XSAVE */

static bool has_xsave(void)
{
	return cpuid(1, 0).ecx & BIT(26);
}

static void osxsave_cr4(void)
{
	const char *name = "vcpu.osxsave-cr4";
	uint64_t cr4 = read_cr4();
	bool off_bit, on_bit;
	struct fault_rec off_f, on_f;

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	if (!has_xsave()) {
		report_skip(name, "no XSAVE: CPUID.1:ECX[26] = 0");
		return;
	}
	write_cr4(cr4 & ~CR4_OSXSAVE);
	off_bit = cpuid(1, 0).ecx & BIT(27);
	off_f = PROBE(VEC_UD, vp_xgetbv_done, vp_xgetbv(0));
	write_cr4(cr4 | CR4_OSXSAVE);
	on_bit = cpuid(1, 0).ecx & BIT(27);
	on_f = PROBE(VEC_UD, vp_xgetbv_done, vp_xgetbv(0));
	write_cr4(cr4);
	report(!off_bit && off_f.hit && on_bit && !on_f.hit, name,
	       "CR4.OSXSAVE 0: CPUID OSXSAVE %d, XGETBV %s; 1: CPUID OSXSAVE "
	       "%d, XGETBV %s", off_bit, off_f.hit ? "#UD" : "ran", on_bit,
	       on_f.hit ? "#UD" : "ran");
}

static void xcr0_invalid(void)
{
	const char *name = "vcpu.xcr0-invalid";
	struct cpuid_regs d;
	uint64_t ok_mask, cr4 = read_cr4(), v;
	struct { uint32_t ecx; uint64_t val; const char *why; } bad[] = {
		{ 0, 0, "x87 clear" },
		{ 0, 0x2, "x87 clear, SSE set" },
		{ 0, 0x5, "AVX without SSE" },
		{ 0, 0x1ULL << 62 | 0x3, "bit 62 (not supported)" },
		{ 0, 0x19, "MPX BNDREGS without BNDCSR" },
		{ 0, 0x27, "AVX-512 opmask alone" },
		{ 0, 0xE3, "AVX-512 without AVX" },
		{ 0, 0x60003, "AMX XTILEDATA without XTILECFG" },
		{ 1, 0x1, "XCR1 (ECX = 1)" },
	};

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	if (!has_xsave()) {
		report_skip(name, "no XSAVE: CPUID.1:ECX[26] = 0");
		return;
	}
	write_cr4(cr4 | CR4_OSXSAVE);
	d = cpuid(0xD, 0);
	ok_mask = ((uint64_t)d.edx << 32) | d.eax;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct fault_rec f = PROBE(VEC_GP, vp_xsetbv_done,
					   vp_xsetbv(bad[i].ecx, bad[i].val));
		if (!f.hit) {
			write_cr4(cr4);
			report(false, name, "XSETBV XCR%u = 0x%llx (%s): no #GP",
			       bad[i].ecx, (unsigned long long)bad[i].val,
			       bad[i].why);
			return;
		}
	}
	/* Alive, and a valid value still works. */
	if (PROBE(VEC_GP, vp_xsetbv_done, vp_xsetbv(0, ok_mask & 3)).hit ||
	    (v = vp_xgetbv(0)) != (ok_mask & 3)) {
		write_cr4(cr4);
		report(false, name, "XSETBV of the valid 0x%llx failed",
		       (unsigned long long)(ok_mask & 3));
		return;
	}
	vp_xsetbv(0, 1);
	write_cr4(cr4);
	report(hc_call(HC_VERSION, 0, 0, 0, 0) == HC_ABI_VERSION, name,
	       "the hypervisor did not answer after the XSETBVs");
}

/* --------------------------------------------------------- control regs */

static void cr_illegal(void)
{
	const char *name = "vcpu.cr-illegal";
	uint64_t c0 = read_cr0(), c3 = read_cr3(), c4 = read_cr4();
	bool pku = cpuid(7, 0).ecx & BIT(3), la57 = cpuid(7, 0).ecx & BIT(16);
	struct { unsigned cr; uint64_t val; const char *why; } bad[] = {
		{ 4, c4 | CR4_VMXE, "CR4.VMXE (VMX is hidden)" },
		{ 4, c4 | CR4_SMXE, "CR4.SMXE (SMX is hidden)" },
		{ 4, c4 | BIT(15), "CR4 bit 15 (reserved)" },
		{ 4, c4 | BIT(32), "CR4 bit 32 (FRED, hidden)" },
		{ 4, c4 | BIT(23), "CR4.CET (hidden)" },
		{ 4, c4 & ~CR4_PAE, "CR4.PAE cleared in IA-32e mode" },
		{ 4, la57 ? c4 ^ BIT(12) : c4 | BIT(12),
		  "CR4.LA57 changed in IA-32e mode" },
		{ 4, pku ? c4 | CR4_VMXE : c4 | CR4_PKE, "CR4.PKE without PKU" },
		{ 0, c0 | BIT(32), "CR0 bit 32 (reserved)" },
		/* CR0.NE is host-owned: toggling it makes the write exit, so
		 * these reach the hypervisor's rules, not only the CPU's. */
		{ 0, (c0 & ~CR0_PG) ^ CR0_NE, "CR0.PG cleared in 64-bit mode "
		  "(with an exit)" },
		{ 0, (c0 & ~CR0_PG), "CR0.PG cleared in 64-bit mode" },
		{ 0, ((c0 | CR0_NW) & ~CR0_CD) ^ CR0_NE, "CR0.NW without CD "
		  "(with an exit)" },
		{ 0, (c0 & ~CR0_PE) ^ CR0_NE, "CR0.PG without PE (with an exit)" },
		{ 3, c3 | BIT(52), "CR3 bit 52 (above MAXPHYADDR)" },
	};

	report_begin(name);
	if (!scen_need_hv(name))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct fault_rec f = bad[i].cr == 0 ?
			PROBE(VEC_GP, vp_wrcr0_done, vp_wrcr0(bad[i].val)) :
			bad[i].cr == 3 ?
			PROBE(VEC_GP, vp_wrcr3_done, vp_wrcr3(bad[i].val)) :
			PROBE(VEC_GP, vp_wrcr4_done, vp_wrcr4(bad[i].val));
		if (!f.hit || read_cr0() != c0 || read_cr3() != c3 ||
		    read_cr4() != c4) {
			report(false, name, "MOV to CR%u of 0x%llx (%s): %s",
			       bad[i].cr, (unsigned long long)bad[i].val,
			       bad[i].why, f.hit ? "#GP but a CR changed"
						 : "no #GP");
			write_cr4(c4);
			write_cr0(c0);
			return;
		}
	}
	/* A legal write that exits: CR0.NE is the guest's own view. */
	write_cr0(c0 ^ CR0_NE);
	if (read_cr0() != (c0 ^ CR0_NE)) {
		report(false, name, "CR0.NE toggle reads 0x%llx",
		       (unsigned long long)read_cr0());
		write_cr0(c0);
		return;
	}
	write_cr0(c0);
	report(read_cr0() == c0, name, "CR0 not restored");
}

void scen_vcpu_run(void)
{
	msr_unknown();
	pat_mtrr();
	tsc_offset();
	kernel_gs_swapgs();
	osxsave_cr4();
	xcr0_invalid();
	cr_illegal();
	scen_vcpu_dbg_run();    /* guest/scen_vcpu_dbg.c */
}
