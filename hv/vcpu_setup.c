/*
 * The virtual CPU wired into the VMCS (docs/virtual-cpu.md, "How the
 * tables are wired"): the policy core of hv/vcpu/ decides, this file
 * executes its decisions at boot and at every guest (re)load.
 *
 *   vcpu_setup_boot    once: the VMX controls, then the guest's CPUID from
 *                      the controls that are actually on, the MSR bitmap,
 *                      the host's values of the switched MSRs (the VM-exit
 *                      MSR-load area), the CR rules' fixed bits
 *   vcpu_setup_reset   every guest load: the MSRs at their power-up values,
 *                      XCR0 = x87, the VM-entry MSR-load area
 *   vcpu_setup_params  the vCPU's part of struct vmcs_params: CR masks,
 *                      shadows and values, TSC offset, PAT, MSR areas
 *
 * SDM revision 084, Vol. 3C "VM-Entry Controls for MSRs", "VM-Exit Controls
 * for MSRs", "Guest/Host Masks and Read Shadows for CR0 and CR4".
 */
#include "hv/vcpu_setup.h"
#include "hv/vcpu.h"
#include "hv/host.h"
#include "hv/memlayout.h"
#include "hv/extable.h"
#include "hv/tsc.h"
#include "hv/run.h"
#include "hv/vcpu/cpuid.h"
#include "hv/vcpu/cr.h"
#include "hv/vcpu/msr.h"
#include "hv/vcpu/xcr0.h"
#include "vmx/vmx.h"
#include "vmx/vmcs.h"
#include "include/x86.h"
#include "lib/console.h"
#include "lib/string.h"
#include "lib/fmt.h"

/* One vCPU: its CPUID and CR caps live here, the vCPU points at them. */
static struct vcpu_cpuid vcpu0_cpuid;
static struct vcpu_cr_caps vcpu0_cr_caps;

/* The MSR areas (16-byte entries, 16-byte aligned: SDM 3C "VM-Entry
 * Controls for MSRs"), in the image's bss, which is physically
 * contiguous: the guest's values loaded at VM entry, the host's at VM
 * exit. */
static struct vcpu_msr_slot entry_load[VCPU_MSR_SWITCH_MAX]
	__attribute__((aligned(16)));
static struct vcpu_msr_slot exit_load[VCPU_MSR_SWITCH_MAX]
	__attribute__((aligned(16)));
static uint64_t entry_load_pa, exit_load_pa;
static unsigned n_switched;
static int kgsb_slot = -1;      /* IA32_KERNEL_GS_BASE: SWAPGS changes it */
static uint8_t *msr_bitmap;

static struct cpuid_regs host_cpuid(void *ctx, uint32_t leaf, uint32_t sub)
{
	return cpuid(leaf, sub);
}

/* IA32_BIOS_SIGN_ID[63:32] after the documented sequence: write 0,
 * CPUID(1), read (SDM Vol. 3A "Microcode Update Signature"). 0 if the
 * MSR does not exist. */
static uint32_t host_ucode_rev(void)
{
	uint64_t v = 0;

	if (probe_rdmsr(MSR_IA32_BIOS_SIGN_ID, &v))
		return 0;
	wrmsr(MSR_IA32_BIOS_SIGN_ID, 0);
	(void)cpuid(1, 0);
	if (probe_rdmsr(MSR_IA32_BIOS_SIGN_ID, &v))
		return 0;
	return (uint32_t)(v >> 32);
}

static void print_cpu(const struct vcpu_cpuid *c)
{
	char feats[400];
	size_t n = 0;

	feats[0] = '\0';
	for (unsigned i = 0; i < VCPU_F_COUNT; i++)
		if (vcpu_has(&c->f, i) && n + 24 < sizeof(feats))
			n += (size_t)snprintf(feats + n, sizeof(feats) - n,
					      " %s", vcpu_feature_name(i));
	printf("vcpu: CPUID max basic 0x%x, max extended 0x%x, MAXPHYADDR "
	       "%u, linear %u bits, XCR0 allowed 0x%llx\n", c->max_basic,
	       c->max_ext, c->f.maxphyaddr, c->f.la_width,
	       (unsigned long long)c->f.xcr0);
	printf("vcpu: features:%s\n", feats);
}

void vcpu_setup_boot(struct vcpu *v, const struct vmcs_params *base)
{
	const struct vmx_caps *caps = v->caps;
	struct vcpu_cpuid_policy pol;
	struct vcpu_msr_slot sw[VCPU_MSR_SWITCH_MAX];
	struct vcpu_msr m;
	size_t npass = 0, rows;
	const struct vcpu_msr_desc *t;

	if (vmcs_ctls_compute(base, &v->ctl))
		run_end(RUN_FAIL, "required VMX control missing");

	/* The policy from the controls that are on: a feature whose
	 * control is off raises #UD in the guest, so CPUID hides it. */
	pol = (struct vcpu_cpuid_policy){
		.invpcid = v->ctl.proc2 & PROC2_ENABLE_INVPCID,
		.rdtscp = v->ctl.proc2 & PROC2_ENABLE_RDTSCP,
		.xsaves = v->ctl.proc2 & PROC2_ENABLE_XSAVES,
		.user_wait_pause = v->ctl.proc2 & PROC2_USER_WAIT_PAUSE,
		.tsc_scaling = v->ctl.proc2 & PROC2_TSC_SCALING,
		.apic = true,       /* the local APIC model (hv/intc.c) */
		.tsc_deadline = true, /* its timer's TSC-deadline mode */
		.tsc_khz = tsc_khz(),
		.xcr0 = ~0ULL,
		.ucode_rev = host_ucode_rev(),
	};
	vcpu_cpuid_build(&vcpu0_cpuid, &pol, host_cpuid, NULL);
	v->cpuid = &vcpu0_cpuid;
	print_cpu(&vcpu0_cpuid);

	vcpu0_cr_caps = (struct vcpu_cr_caps){
		.cr0_fixed0 = caps->cr0_fixed0, .cr0_fixed1 = caps->cr0_fixed1,
		.cr4_fixed0 = caps->cr4_fixed0, .cr4_fixed1 = caps->cr4_fixed1,
		.unrestricted = v->ctl.proc2 & PROC2_UNRESTRICTED_GUEST,
	};
	v->cr_caps = &vcpu0_cr_caps;

	/* Deny by default: every MSR exits but the present pass-through
	 * ones (FS_BASE, GS_BASE). */
	msr_bitmap = phys_to_virt(base->msr_bitmap);
	vcpu_msr_bitmap(msr_bitmap, &vcpu0_cpuid.f);
	t = vcpu_msr_table(&rows);
	for (size_t i = 0; i < rows; i++)
		if (t[i].policy == VCPU_MSR_PASS &&
		    vcpu_msr_present(&t[i], &vcpu0_cpuid.f))
			npass += t[i].last - t[i].first + 1;

	/* The switched MSRs: the guest's values come from the table at each
	 * reset; the host's are read once, here, for the VM-exit MSR-load
	 * area. The host never changes them afterwards. */
	entry_load_pa = virt_to_phys(entry_load);
	exit_load_pa = virt_to_phys(exit_load);
	vcpu_msr_reset(&m, &vcpu0_cpuid.f);
	n_switched = vcpu_msr_switch_list(&m, &vcpu0_cpuid.f, sw);
	printf("vcpu: MSRs: deny by default, %zu pass through; %u switched "
	       "at VM entry and exit:", npass, n_switched);
	for (unsigned i = 0; i < n_switched; i++) {
		exit_load[i] = (struct vcpu_msr_slot){
			.index = sw[i].index, .value = rdmsr(sw[i].index) };
		if (sw[i].index == MSR_KERNEL_GS_BASE)
			kgsb_slot = (int)i;
		printf(" %s", vcpu_msr_name(sw[i].index));
	}
	printf("\n");
	/* SDM 3D A.6 "Miscellaneous Data": IA32_VMX_MISC[27:25] = N, at most
	 * 512 * (N + 1) entries per list. */
	if (n_switched > 512 * (((caps->misc >> 25) & 7) + 1))
		panic("%u switched MSRs exceed IA32_VMX_MISC's limit",
		      n_switched);
}

void vcpu_setup_reset(struct vcpu *v)
{
	struct vcpu_msr_slot sw[VCPU_MSR_SWITCH_MAX];
	unsigned n;

	vcpu_msr_reset(&v->msr, &v->cpuid->f);
	n = vcpu_msr_switch_list(&v->msr, &v->cpuid->f, sw);
	if (n != n_switched)
		panic("switched-MSR list changed: %u, was %u", n, n_switched);
	memcpy(entry_load, sw, n * sizeof(sw[0]));
	v->msr_load = entry_load;
	v->n_msr_load = n;
	/* XCR0 at its reset value, x87 only (SDM Vol. 1 "XSAVE-Supported
	 * Features and State-Component Bitmaps"): the hardware holds the
	 * guest's XCR0 while it runs (VMX does not switch it), and the host
	 * uses no XSAVE state. */
	v->xcr0 = XCR0_X87;
	if (read_cr4() & CR4_OSXSAVE)
		xsetbv(0, v->xcr0);
}

void vcpu_setup_params(const struct vcpu *v, struct vmcs_params *p)
{
	const struct vcpu_cr_caps *cc = v->cr_caps;
	/* The guest starts in protected mode, paging off (hv/vmm.c). */
	uint64_t cr0 = CR0_PE | CR0_ET, cr4 = 0;

	vcpu_cr_masks(cc, &v->cpuid->f, &p->cr0_mask, &p->cr4_mask);
	p->cr0_shadow = cr0;
	p->cr4_shadow = cr4;
	p->cr0 = vcpu_cr0_hw(cc, cr0);
	p->cr4 = vcpu_cr4_hw(cc, cr4);
	p->tsc_offset = v->msr.tsc_offset;
	p->pat = v->msr.pat;
	p->entry_msr_load = entry_load_pa;
	p->n_entry_msr_load = v->n_msr_load;
	p->exit_msr_load = exit_load_pa;
	p->n_exit_msr_load = v->n_msr_load;
	/* SWAPGS changes IA32_KERNEL_GS_BASE without an exit: the VM-exit
	 * MSR-store area is that one slot of the entry-load area, so each
	 * exit stores the guest's value where the next entry loads it. */
	if (kgsb_slot >= 0) {
		p->exit_msr_store = entry_load_pa +
				    (uint64_t)kgsb_slot * sizeof(*entry_load);
		p->n_exit_msr_store = 1;
	}
}

void vcpu_msr_switched_set(struct vcpu *v, uint32_t msr, uint64_t val)
{
	for (unsigned i = 0; i < v->n_msr_load; i++)
		if (v->msr_load[i].index == msr) {
			v->msr_load[i].value = val;
			return;
		}
	panic("switched MSR 0x%x has no slot in the VM-entry MSR-load area",
	      msr);
}

void vcpu_msr_switched_sync(struct vcpu *v)
{
	if (kgsb_slot >= 0)
		v->msr.sw[VCPU_SW_KERNEL_GS_BASE] = v->msr_load[kgsb_slot].value;
}
