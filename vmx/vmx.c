/*
 * Entering VMX operation (SDM revision 084, Vol. 3C "Enabling and Entering
 * VMX Operation", "Restrictions on VMX Operation"; Vol. 3D Appendix A
 * "VMX Capability Reporting Facility").
 */
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_err.h"
#include "vmx/vmcs.h"
#include "include/x86.h"
#include "include/err.h"
#include "lib/console.h"
#include "lib/panic.h"

struct vmx_caps vmx_caps;

bool vmx_proc2_allowed(const struct vmx_caps *c, uint32_t bit)
{
	return (vmx_ctl_allowed(c->proc) & PROC_SECONDARY_CONTROLS) &&
	       (vmx_ctl_allowed(c->proc2) & bit);
}

static void vmx_read_caps(struct vmx_caps *c)
{
	bool true_ctls;

	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	true_ctls = c->basic & VMX_BASIC_TRUE_CTLS;
	c->pin = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PINBASED_CTLS
				 : MSR_IA32_VMX_PINBASED_CTLS);
	c->proc = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_PROCBASED_CTLS
				  : MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_EXIT_CTLS
				  : MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(true_ctls ? MSR_IA32_VMX_TRUE_ENTRY_CTLS
				   : MSR_IA32_VMX_ENTRY_CTLS);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	/* The secondary-controls MSR exists only if the primary controls
	 * allow "activate secondary controls" (SDM 3D A.3.3). */
	c->proc2 = (vmx_ctl_allowed(c->proc) & PROC_SECONDARY_CONTROLS)
		   ? rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) : 0;
	/* IA32_VMX_EPT_VPID_CAP exists if EPT or VPID may be enabled
	 * (SDM 3D A.10). */
	c->ept_vpid = vmx_proc2_allowed(c, PROC2_ENABLE_EPT | PROC2_ENABLE_VPID)
		      ? rdmsr(MSR_IA32_VMX_EPT_VPID_CAP) : 0;
	/* IA32_VMX_VMFUNC only if "enable VM functions" may be 1 (SDM 3D
	 * A.11); Bochs' Sandy Bridge model faults on the read otherwise. */
	c->vmfunc = vmx_proc2_allowed(c, PROC2_ENABLE_VMFUNC)
		    ? rdmsr(MSR_IA32_VMX_VMFUNC) : 0;
	c->maxphyaddr = cpuid(0x80000000, 0).eax >= 0x80000008
			? (cpuid(0x80000008, 0).eax & 0xFF) : 36;
	/* CPUID.80000008H:EAX[15:8]: 48, or 57 with 5-level paging. */
	c->la_width = cpuid(0x80000000, 0).eax >= 0x80000008
		      ? ((cpuid(0x80000008, 0).eax >> 8) & 0xFF) : 48;
	if (c->la_width != 57)
		c->la_width = 48;
}

void vmx_print_caps(const struct vmx_caps *c)
{
	uint64_t e = c->ept_vpid;
	bool ept = vmx_proc2_allowed(c, PROC2_ENABLE_EPT);
	bool vpid = vmx_proc2_allowed(c, PROC2_ENABLE_VPID);
	/* INVPCID in a guest needs the CPU's INVPCID and the "enable
	 * INVPCID" control (SDM 3C "Secondary Processor-Based VM-Execution
	 * Controls"). */
	bool invpcid = vmx_proc2_allowed(c, PROC2_ENABLE_INVPCID) &&
		       cpuid(0, 0).eax >= 7 &&
		       (cpuid(7, 0).ebx & CPUID_7_EBX_INVPCID);

	printf("vmx: caps: rev 0x%x, EPT %s (2M %s, 1G %s, A/D %s, exec-only %s),"
	       " VPID %s, unrestricted guest %s,"
	       " INVEPT%s%s, INVVPID%s%s%s%s, INVPCID %s, VMFUNC 0x%llx (EPTP"
	       " switching %s), #VE %s, PML %s, SPP %s\n",
	       VMX_BASIC_REVISION(c->basic), ept ? "yes" : "no",
	       (e & EPT_CAP_2M_PAGES) ? "yes" : "no",
	       (e & EPT_CAP_1G_PAGES) ? "yes" : "no",
	       (e & EPT_CAP_AD) ? "yes" : "no",
	       (e & EPT_CAP_EXEC_ONLY) ? "yes" : "no",
	       vpid ? "yes" : "no",
	       vmx_proc2_allowed(c, PROC2_UNRESTRICTED_GUEST) ? "yes" : "no",
	       vmx_has_invept(c, INVEPT_SINGLE) ? " single" : "",
	       vmx_has_invept(c, INVEPT_ALL) ? " all" : "",
	       vmx_has_invvpid(c, INVVPID_ADDR) ? " addr" : "",
	       vmx_has_invvpid(c, INVVPID_SINGLE) ? " single" : "",
	       vmx_has_invvpid(c, INVVPID_ALL) ? " all" : "",
	       vmx_has_invvpid(c, INVVPID_SINGLE_NG) ? " single-nonglobal" : "",
	       invpcid ? "yes" : "no", (unsigned long long)c->vmfunc,
	       vmx_proc2_allowed(c, PROC2_ENABLE_VMFUNC) &&
	       (c->vmfunc & VMFUNC_EPTP_SWITCHING) ? "yes" : "no",
	       vmx_proc2_allowed(c, PROC2_EPT_VE) ? "yes" : "no",
	       vmx_proc2_allowed(c, PROC2_ENABLE_PML) ? "yes" : "no",
	       vmx_proc2_allowed(c, PROC2_SUBPAGE_WRITE_PERM) ? "yes" : "no");
	if (!vmx_proc2_allowed(c, PROC2_ENABLE_VMFUNC))
		printf("vmx: VM functions not offered: IA32_VMX_VMFUNC (0x491) "
		       "not read\n");
}

/* SDM 3C "IA32_FEATURE_CONTROL MSR". -EACCES if locked with VMX off. */
static int vmx_feature_control(void)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (fc & FEATURE_CONTROL_LOCK) {
		if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
			printf("vmx: VT-x disabled by firmware: "
			       "IA32_FEATURE_CONTROL = 0x%llx is locked with "
			       "VMX-outside-SMX (bit 2) clear; enable VT-x in the "
			       "firmware setup\n", (unsigned long long)fc);
			return -EACCES;
		}
		return 0;
	}
	fc |= FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK;
	wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
	printf("vmx: IA32_FEATURE_CONTROL was unlocked; set VMX-outside-SMX "
	       "and locked it (0x%llx)\n", (unsigned long long)fc);
	return 0;
}

/* A zeroed 4 KiB region starting with the revision id (SDM 3C "VMXON
 * Region", "Format of the VMCS Region"). */
static void vmx_region_init(const struct vmx_page *p, const char *what)
{
	if (VMX_BASIC_VMCS_SIZE(vmx_caps.basic) > SZ_4K)
		panic("%s region: VMCS size %llu > 4096", what,
		      (unsigned long long)VMX_BASIC_VMCS_SIZE(vmx_caps.basic));
	*(uint32_t *)p->va = VMX_BASIC_REVISION(vmx_caps.basic);
}

int vmx_enable(const struct vmx_page *region)
{
	struct cpuid_regs r = cpuid(1, 0);
	uint64_t cr0, cr4;
	int st;

	if (!(r.ecx & CPUID_1_ECX_VMX))
		return -ENODEV;
	if ((st = vmx_feature_control()))
		return st;
	vmx_read_caps(&vmx_caps);
	vmx_print_caps(&vmx_caps);

	/* SDM 3C "Restrictions on VMX Operation": CR0/CR4 bits fixed in VMX
	 * operation. Also CR4.OSXSAVE so that guest XSETBV can be executed on
	 * the guest's behalf. */
	cr0 = (read_cr0() | vmx_caps.cr0_fixed0) & vmx_caps.cr0_fixed1;
	cr4 = read_cr4() | CR4_VMXE;
	if (r.ecx & CPUID_1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	cr4 = (cr4 | vmx_caps.cr4_fixed0) & vmx_caps.cr4_fixed1;
	write_cr0(cr0);
	write_cr4(cr4);

	vmx_region_init(region, "VMXON");
	st = vmx_vmxon_raw(region->pa);
	if (st) {
		printf("vmx: VMXON failed (%s) with region at 0x%llx, CR0=0x%llx "
		       "CR4=0x%llx\n",
		       st == VMX_FAIL_INVALID ? "VMfailInvalid" : "VMfailValid",
		       (unsigned long long)region->pa,
		       (unsigned long long)read_cr0(),
		       (unsigned long long)read_cr4());
		return -EIO;
	}
	printf("vmx: VMXON ok (region 0x%llx, revision 0x%x)\n",
	       (unsigned long long)region->pa,
	       VMX_BASIC_REVISION(vmx_caps.basic));
	return 0;
}

void vmx_vmcs_create(const struct vmx_page *vmcs)
{
	vmx_region_init(vmcs, "VMCS");
	vmx_vmclear(vmcs->pa);
	vmx_vmptrld(vmcs->pa);
}
