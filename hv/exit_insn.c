/*
 * Instructions the hypervisor executes or refuses for the guest: CPUID
 * (the virtual CPU's), XSETBV (validated), MONITOR/MWAIT (#UD), INVD and
 * WBINVD. SDM revision 084, Vol. 2A "CPUID", Vol. 2D "XSETBV", Vol. 3C
 * "Instructions That Cause VM Exits Unconditionally".
 */
#include "hv/exit.h"
#include "hv/vcpu/cpuid.h"
#include "hv/vcpu/xcr0.h"
#include "include/x86.h"
#include "lib/console.h"

#define XSETBV_REPORTS 16       /* refused XSETBVs reported, then quiet */

/* The leaves that follow the guest's state (OSXSAVE, OSPKE, XSAVE
 * sizes) or have sub-leaves: off the common path, with the struct on its
 * own stack, so that handle_cpuid keeps no frame. */
__attribute__((noinline))
static void cpuid_slow(struct vcpu *v, uint32_t leaf)
{
	uint64_t *r = v->regs.gpr;
	struct vcpu_cpuid_state st = { .cr4 = vmcs_guest_cr4(&v->ctl),
				       .xcr0 = v->xcr0, .xss = v->msr.xss };
	struct cpuid_regs c = vcpu_cpuid_get(v->cpuid, leaf,
					     (uint32_t)r[GPR_RCX], &st);

	r[GPR_RAX] = c.eax;
	r[GPR_RBX] = c.ebx;
	r[GPR_RCX] = c.ecx;
	r[GPR_RDX] = c.edx;
	exit_skip_insn();
}

/* CPUID as the virtual CPU defines it (hv/vcpu/cpuid.c, built at boot):
 * the leaves that depend on neither the sub-leaf nor the guest's state
 * are read straight from the table (the benchmark's leaf 0 among them),
 * the others through vcpu_cpuid_get with the guest's CR4, XCR0, XSS. */
void handle_cpuid(struct vcpu *v)
{
	uint64_t *r = v->regs.gpr;
	uint32_t leaf = (uint32_t)r[GPR_RAX];
	const struct cpuid_regs *p = vcpu_cpuid_flat(v->cpuid, leaf);

	if (__builtin_expect(!p, 0)) {
		cpuid_slow(v, leaf);
		return;
	}
	r[GPR_RAX] = p->eax;
	r[GPR_RBX] = p->ebx;
	r[GPR_RCX] = p->ecx;
	r[GPR_RDX] = p->edx;
	exit_skip_insn();
}

/* XSETBV (SDM Vol. 2D "XSETBV"): every rule of vcpu_xcr0_check against
 * the XCR0 bits the virtual CPU offers; a refused value is #GP or #UD in
 * the guest, so the host's XSETBV below only ever runs with a value the
 * host supports and cannot fault. The guest's XCR0 is per vCPU; the
 * hardware holds it while the guest runs (the host saves no XSAVE
 * state). */
void handle_xsetbv(struct vcpu *v)
{
	static unsigned reports;
	uint64_t val = (v->regs.gpr[GPR_RDX] << 32) |
		       (uint32_t)v->regs.gpr[GPR_RAX];
	uint32_t ecx = (uint32_t)v->regs.gpr[GPR_RCX];
	unsigned cpl = (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3;
	bool osxsave = vmcs_guest_cr4(&v->ctl) & CR4_OSXSAVE;
	struct vcpu_xcr0_verdict vd = vcpu_xcr0_check(ecx, val, cpl, osxsave,
						      v->cpuid->f.xcr0);

	if (vd.result != VCPU_XCR0_OK) {
		if (reports++ < XSETBV_REPORTS) {
			exit_com1_flush(v);
			printf("xsetbv: XCR%u = 0x%llx at rip 0x%llx: %s (%s, "
			       "SDM %s)\n", ecx, (unsigned long long)val,
			       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP),
			       vd.result == VCPU_XCR0_UD ? "#UD" : "#GP",
			       vd.rule, vd.sdm);
		}
		if (vd.result == VCPU_XCR0_UD)
			exit_inject_ud(v);
		else
			exit_inject_gp(v);
		return;
	}
	v->xcr0 = val;
	xsetbv(0, val);
	exit_skip_insn();
}

/* MONITOR and MWAIT are hidden (CPUID.1:ECX[3] = 0), so they are #UD, as
 * on a CPU without them, instead of running natively and halting the
 * physical CPU (SDM Vol. 2B "MONITOR", "MWAIT"). */
void handle_monitor_mwait(struct vcpu *v)
{
	exit_inject_ud(v);
}

void handle_invd(struct vcpu *v)
{
	/* INVD would drop dirty lines the host owns: treat it as WBINVD. */
	wbinvd();
	exit_skip_insn();
}
