/*
 * vmm_main: from a booted hypervisor to a running guest.
 *
 *   (options, parsed by hv_main) -> VMXON -> guest RAM + EPT -> guest image
 *   -> VMCS -> software pre-entry check -> VMLAUNCH -> exit loop (hv/exit.c)
 *
 * A crashed guest may be restarted from its boot state (`restarts=N`,
 * hv/contain.c): vmm_guest_reset, then vmm_guest_launch again.
 *
 * The guest is the built-in test guest (hv/testguest.asm), or the first
 * multiboot2 module: a Multiboot v1 kernel, or a Linux bzImage (setup
 * header magic "HdrS", hv/vmm_linux.c) with the second module as its
 * initramfs, each loaded by hv/loader/. All start in 32-bit protected
 * mode, paging off; the boot protocol chooses the segments
 * (hv/vmm_guest.h).
 */
#include "hv/vmm.h"
#include "hv/cpu.h"
#include "hv/host.h"
#include "hv/vcpu.h"
#include "hv/vm.h"
#include "hv/vm_spp.h"
#include "hv/options.h"
#include "hv/contain.h"
#include "hv/audit.h"
#include "hv/stats.h"
#include "hv/loader/mb1.h"
#include "hv/loader/linux.h"
#include "hv/vmm_guest.h"
#include "hv/loader/pc_bda.h"
#include "hv/exit.h"
#include "hv/entry_fail.h"
#include "hv/tsc.h"
#include "hv/vcpu_setup.h"
#include "hv/memlayout.h"
#include "hv/run.h"
#include "hv/intc.h"
#include "hv/apicv.h"
#include "hv/host_irq.h"
#include "hv/plat.h"
#include "include/hypercall.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmx_stub.h"
#include "vmx/vmcs_setup.h"
#include "vmx/vmcs.h"
#include "include/x86.h"
#include "include/err.h"
#include "lib/console.h"
#include "lib/string.h"

#define TG_LOAD_GPA     0x100000ULL   /* hv/testguest.asm */
#define GUEST_STACK     0x80000ULL
#define MB1_INFO_GPA    0x10000ULL    /* below the kernel at 1 MiB */

extern const uint8_t testguest_start[], testguest_end[];

/* The one VM, created by vmm_main with its one vCPU (vcpu0, at the top of
 * the VM-exit stack). Everything else reaches them through the pointers
 * it is given (v, v->vm). */
static struct vm vm0;

/* A zeroed page for the VMX layer, which allocates nothing itself. */
static struct vmx_page vmm_page(const char *what)
{
	uint64_t pa = hv_frame_alloc_zeroed();

	if (!pa)
		panic("out of frames for the %s", what);
	return (struct vmx_page){ pa, phys_to_virt(pa) };
}

/* What eptlab requires of the CPU beyond the controls (those are checked
 * by vmcs_ctls_compute), each with its reason. */
static void vmm_check_caps(const struct vmx_caps *c)
{
	/* SDM 3D A.6 "Miscellaneous Data": bit 5 = VM exits store EFER.LMA
	 * into the "IA-32e mode guest" entry control. A guest that enables
	 * long mode itself (CR0.PG is its own bit) depends on it; the SDM
	 * says every CPU with unrestricted guest sets it. */
	if (!(c->misc & BIT(5))) {
		printf("vmx: IA32_VMX_MISC = 0x%llx has bit 5 clear: VM exits "
		       "would not store EFER.LMA into the IA-32e mode guest "
		       "control, which eptlab requires (a guest enables long "
		       "mode without a CR0 exit)\n",
		       (unsigned long long)c->misc);
		run_end(RUN_FAIL, "IA32_VMX_MISC bit 5 is required");
	}
	/* SDM 3D A.6: bit 6, the HLT activity state may be entered. Without
	 * it a halted guest waits in VMX root on the TSC (hv/exit_event.c). */
	printf("vmx: HLT activity state %s (IA32_VMX_MISC bit 6): a guest's "
	       "HLT waits %s\n", (c->misc & VMX_MISC_ACTIVITY_HLT) ? "yes" : "no",
	       (c->misc & VMX_MISC_ACTIVITY_HLT) ?
	       "in the HLT state, the VMX-preemption timer armed for the next "
	       "deadline" : "in VMX root, on the TSC, until the next deadline");
	/* Every EPT change that removes or restricts a translation needs an
	 * INVEPT (hv/vm_mem.c): single-context, or all-context instead. */
	if (vmx_invept_type(c, INVEPT_SINGLE) < 0) {
		printf("vmx: IA32_VMX_EPT_VPID_CAP = 0x%llx offers neither "
		       "single-context nor all-context INVEPT: EPT changes "
		       "could not be flushed\n",
		       (unsigned long long)c->ept_vpid);
		run_end(RUN_FAIL, "INVEPT required");
	}
}

/* VT-x on, or the run ends naming why (vmx_enable prints the details). */
static void vmm_vmx_on(void)
{
	struct vmx_page region = vmm_page("VMXON region");
	int rc = vmx_enable(&region);

	if (rc == -ENODEV) {
		printf("vmx: VT-x not available: CPUID.1:ECX.VMX[bit 5] = 0\n");
		run_end(RUN_FAIL, "VT-x not available");
	}
	if (rc == -EACCES)
		run_end(RUN_FAIL, "VT-x locked off in IA32_FEATURE_CONTROL");
	if (rc)
		run_end(RUN_FAIL, "VMXON failed");
	vmm_check_caps(&vmx_caps);
}

/* The exit bitmaps, made once and kept across guest restarts: every I/O
 * port exits (hv/exit_io.c); the MSR bitmap is filled from the MSR table
 * by vcpu_setup_boot (hv/vcpu_setup.c). */
static struct vmx_page io_bitmap_a, io_bitmap_b, msr_bitmap;

static void vmm_bitmaps(void)
{
	io_bitmap_a = vmm_page("I/O bitmap A");
	io_bitmap_b = vmm_page("I/O bitmap B");
	msr_bitmap = vmm_page("MSR bitmap");
	memset(io_bitmap_a.va, 0xFF, SZ_4K);
	memset(io_bitmap_b.va, 0xFF, SZ_4K);
}

static void load_builtin(struct vm *vm, struct guest_entry *ge)
{
	size_t len = (size_t)(testguest_end - testguest_start);

	if (vm_write(vm, TG_LOAD_GPA, testguest_start, len))
		panic("built-in guest does not fit in guest RAM");
	*ge = (struct guest_entry){ .rip = TG_LOAD_GPA, .rsp = GUEST_STACK,
				    .rbx = vm->ram_size, GUEST_ENTRY_MB1_SEGS };
	printf("vm: built-in test guest (%zu bytes) at GPA 0x%llx\n", len,
	       (unsigned long long)TG_LOAD_GPA);
}

static int gm_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return vm_write(ctx, gpa, src, len);
}

static int gm_zero(void *ctx, uint64_t gpa, size_t len)
{
	return vm_zero(ctx, gpa, len);
}

/* The guest kernel (the first module) with the modules after it (its
 * Multiboot v1 modules), on a PC-like low memory: the BDA and EBDA
 * (hv/loader/pc_bda.c), the kernel, the modules page-aligned above it,
 * the memory map marking the EBDA, the BIOS area and the modules used,
 * and the info block at MB1_INFO_GPA. */
static void load_module(struct vm *vm, const struct boot_module *m,
			size_t nmods, struct guest_entry *ge)
{
	struct mb1_module mods[BOOT_MAX_MODULES];
	uint64_t size[BOOT_MAX_MODULES], gpa[BOOT_MAX_MODULES];
	struct mb1_mmap_entry map[6];
	struct mb1_guest_mem gm = { .ctx = vm, .ram_size = vm->ram_size,
				    .write = gm_write, .zero = gm_zero,
				    .rsv_gpa = MB1_INFO_GPA,
				    .rsv_name = "Multiboot info block" };
	static struct mb1_image img;
	char err[200];
	int rc;
	int64_t info, end;
	size_t nmap;

	for (size_t i = 0; i < nmods; i++) {
		size[i] = m[1 + i].end - m[1 + i].start;
		mods[i].string = m[1 + i].cmdline;
	}
	gm.rsv_size = mb1_info_size(m->cmdline, ARRAY_SIZE(map), mods, nmods);
	if (pc_bda_write(&gm, GUEST_COM1_PORT))
		panic("guest RAM too small for the BIOS data area");
	vmm_acpi_load(vm);
	rc = mb1_load(phys_to_virt(m->start), (size_t)(m->end - m->start), &gm,
		      &img, err, sizeof(err));
	if (rc) {
		printf("vm: guest module is not a loadable Multiboot v1 kernel: "
		       "%s (%s)\n", err, err_name(rc));
		run_end(RUN_FAIL, "guest module rejected");
	}
	end = mb1_place_modules(&gm, img.hi, size, nmods, gpa, err,
				sizeof(err));
	if (end < 0) {
		printf("vm: cannot place the guest's modules: %s (%s)\n", err,
		       err_name((int)end));
		run_end(RUN_FAIL, "guest modules do not fit");
	}
	for (size_t i = 0; i < nmods; i++) {
		mods[i].gpa = gpa[i];
		mods[i].size = size[i];
		if (vm_write(vm, gpa[i], phys_to_virt(m[1 + i].start), size[i]))
			panic("guest module %zu does not fit (placed)", i);
		printf("vm: guest module %zu (%llu bytes, \"%s\") at GPA "
		       "0x%llx-0x%llx\n", i, (unsigned long long)size[i],
		       mods[i].string, (unsigned long long)gpa[i],
		       (unsigned long long)(gpa[i] + size[i]));
	}
	nmap = mb1_pc_mmap(vm->ram_size, PC_EBDA_GPA,
			   nmods ? gpa[0] : 0x100000, nmods ? (uint64_t)end : 0x100000,
			   map, ARRAY_SIZE(map));
	if (!nmap)
		panic("no PC memory map for %llu bytes of guest RAM",
		      (unsigned long long)vm->ram_size);
	info = mb1_build_info(&gm, MB1_INFO_GPA, m->cmdline, map, nmap, mods,
			      nmods, err, sizeof(err));
	if (info < 0) {
		printf("vm: cannot build the Multiboot info block: %s\n", err);
		run_end(RUN_FAIL, "multiboot info block");
	}
	*ge = (struct guest_entry){ .rip = img.entry, .rsp = GUEST_STACK,
				    .rax = MB1_BOOT_MAGIC,
				    .rbx = (uint64_t)info, GUEST_ENTRY_MB1_SEGS };
	printf("vm: Multiboot v1 guest module loaded at GPA 0x%llx-0x%llx, "
	       "entry 0x%x, info at 0x%llx, %zu module(s)\n",
	       (unsigned long long)img.lo, (unsigned long long)img.hi,
	       img.entry, (unsigned long long)info, nmods);
}

/* Which guest to (re)load: set once by vmm_main. The modules after the
 * kernel are its Multiboot modules. */
static const struct boot_module *guest_module;    /* NULL: built-in */
static const struct boot_module *guest_initrd;    /* Linux: 2nd module */
static bool guest_linux;
static size_t guest_nmods;

/* VPID as the option asks, if the CPU can also flush it: the
 * hypervisor's own flushes need INVVPID single- or all-context. */
static bool vmm_vpid(const struct vmx_caps *c)
{
	if (!hv_opts.vpid)
		return false;
	if (vmx_proc2_allowed(c, PROC2_ENABLE_VPID) &&
	    vmx_invvpid_type(c, INVVPID_SINGLE) < 0) {
		printf("vmx: VPID off: the CPU offers VPID without INVVPID "
		       "single- or all-context (IA32_VMX_EPT_VPID_CAP 0x%llx)\n",
		       (unsigned long long)c->ept_vpid);
		return false;
	}
	return true;
}

/* What the VM gets, from the options and the virtual CPU, for vmcs_setup
 * (vmx/vmcs_setup.h): the VMX layer writes the VMCS; the choices are made
 * here and in hv/vcpu_setup.c. */
static bool use_vpid;               /* decided once by vmm_main */
static uint32_t preempt_ticks;

static struct vmcs_params vmm_params(struct vcpu *v)
{
	return (struct vmcs_params){
		.caps = v->caps,
		.eptp = ept_eptp(vm_ept0(v->vm)),
		.eptp_list = v->vm->eptp_list_pa,
		.spptp = vm_spptp(v->vm),
		.vpid = use_vpid,
		.preempt_ticks = preempt_ticks,
		.io_bitmap_a = io_bitmap_a.pa,
		.io_bitmap_b = io_bitmap_b.pa,
		.msr_bitmap = msr_bitmap.pa,
		.host_rsp = (uint64_t)(uintptr_t)&v->regs,
		.corrupt = hv_opts.corrupt == OPT_CORRUPT_TR_TYPE ?
			   VMCS_CORRUPT_TR_TYPE : VMCS_CORRUPT_NONE,
	};
}

static void vcpu_vmcs_setup(struct vcpu *v, const struct guest_entry *ge)
{
	struct vmcs_params p = vmm_params(v);

	p.rip = ge->rip;
	p.rsp = ge->rsp;
	p.cs_sel = ge->cs;
	p.ds_sel = ge->ds;
	p.tr_sel = ge->tr;
	p.gdtr_base = ge->gdtr_base;
	p.gdtr_limit = ge->gdtr_limit;
	vcpu_setup_params(v, &p);
	if (!hv_opts.vpid)
		printf("vmx: VPID off (vpid=off)\n");
	if (p.corrupt == VMCS_CORRUPT_TR_TYPE)
		printf("vmcs: test_corrupt=tr_type: guest TR access rights type "
		       "set to 9 (available 32-bit TSS) on purpose\n");
	vmcs_setup(&p, &v->ctl);
	vcpu_ept_setup(v);          /* view 0; #VE and PML off */
}

/* The guest as it boots: image in guest RAM, vCPU registers and VMCS
 * state at its entry point. Runs at boot and on every restart
 * (hv/contain.c), with the vCPU's VMCS current. */
static void guest_load(struct vcpu *v)
{
	struct guest_entry ge;

	if (guest_module && guest_linux)
		vmm_load_linux(v->vm, guest_module, guest_initrd, &ge);
	else if (guest_module)
		load_module(v->vm, guest_module, guest_nmods, &ge);
	else
		load_builtin(v->vm, &ge);
	memset(&v->regs, 0, sizeof(v->regs));
	vcpu_setup_reset(v);
	/* The PC's devices and the local APIC at power-on (hv/plat.c,
	 * hv/intc.c): a restart is a reset of the whole machine. */
	exit_io_init(v->vm, v);
	intc_init(v, rdtsc());
	vcpu_vmcs_setup(v, &ge);
	apicv_update(v, true);      /* the APIC is on at reset: APICv too */
	v->regs.gpr[GPR_RAX] = ge.rax;
	v->regs.gpr[GPR_RBX] = ge.rbx;
	v->regs.gpr[GPR_RSI] = ge.rsi;
}

/* Restart path (hv/contain.h): guest RAM back to its boot state, then
 * VMCLEAR + VMPTRLD (the launch state becomes "clear") and a fresh load. */
void vmm_guest_reset(struct vcpu *v)
{
	int rc = vm_mem_reset(v->vm);

	if (rc) {
		printf("vm: cannot reset guest memory for a restart: %s\n",
		       err_name(rc));
		run_end(RUN_FAIL, "guest restart: vm_mem_reset failed");
	}
	vmx_vmclear(v->vmcs_pa);
	vmx_vmptrld(v->vmcs_pa);
	guest_load(v);
}

void vmm_guest_launch(struct vcpu *v)
{
	if (hv_opts.skip_check) {
		printf("vmx: skip_check=1: software pre-entry check skipped; "
		       "the CPU checks VM entry alone\n");
	} else if (vcpu_check_vmcs(v, "pre-entry")) {
		run_end(RUN_FAIL, "pre-entry check failed");
	}

	printf("vmx: VMLAUNCH (guest rip 0x%llx, VMCS 0x%llx)\n",
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP),
	       (unsigned long long)v->vmcs_pa);
	if (!exit_stats.first_entry_tsc)
		exit_stats.first_entry_tsc = rdtsc();
	exit_mark_progress();       /* the no-progress count starts full */
	exit_events_launch(v);      /* the timer armed, no window open */
	vmx_launch(&v->regs);
}

void vmm_main(struct boot_info *bi)
{
	struct vm *vm = &vm0;
	/* The vCPU sits at the top of the VM-exit stack (hv/linker.ld),
	 * which has an unmapped guard page below: HOST_RSP = vcpu0. */
	struct vcpu *vcpu0 = (struct vcpu *)((uintptr_t)__stack_exit_top -
					     sizeof(struct vcpu));
	struct vcpu *v = vcpu0;
	struct vmx_page vmcs;
	bool module;

	vmm_vmx_on();
	tsc_calibrate();
	host_irq_init();            /* after the PIT calibration */
	contain_init();
	vm_mem_init(vm, hv_opts.guest_mem);
	vm->plat.hz = tsc_khz() * 1000;
	vm->plat.rtc_epoch = hv_opts.rtc_host ? plat_host_rtc_epoch()
					      : PLAT_RTC_EPOCH_FIXED;

	/* guest=auto and guest=module both need a module; only an explicit
	 * guest=builtin runs the built-in test guest (no silent fallback). */
	module = hv_opts.guest != OPT_GUEST_BUILTIN;
	if (module && bi->nmod == 0) {
		printf("vm: no guest module: add one (module2) or pass "
		       "guest=builtin\n");
		run_end(RUN_FAIL, "no guest module");
	}
	guest_module = module ? &bi->mod[0] : NULL;
	/* guest=auto: a bzImage by the Linux boot protocol, anything else
	 * by Multiboot v1; guest=linux / guest=module force one. */
	guest_linux = hv_opts.guest == OPT_GUEST_LINUX ||
		      (hv_opts.guest == OPT_GUEST_AUTO && guest_module &&
		       linux_is_bzimage(phys_to_virt(guest_module->start),
					(size_t)(guest_module->end -
						 guest_module->start)));
	guest_initrd = guest_linux && bi->nmod > 1 && !hv_opts.no_initrd ?
		       &bi->mod[1] : NULL;
	guest_nmods = module ? bi->nmod - 1 : 0;

	memset(v, 0, sizeof(*v));
	v->caps = &vmx_caps;
	v->vm = vm;
	vmm_bitmaps();
	use_vpid = vmm_vpid(v->caps);
	/* The first entry's budget; exit_events_launch arms the real one. */
	preempt_ticks = (uint32_t)(EXIT_EVENT_HORIZON >> (v->caps->misc & 0x1F));
	v->apic_page = phys_to_virt(vmm_page("local APIC register page").pa);
	{
		struct vmcs_params base = vmm_params(v);
		vcpu_setup_boot(v, &base);
	}
	apicv_init(v);
	vm->irq_flags = ((v->caps->misc & VMX_MISC_ACTIVITY_HLT) ?
			 HC_IRQF_HLT_STATE : 0) |
			((v->ctl.pin & PIN_VIRTUAL_NMIS) ? HC_IRQF_VIRTUAL_NMIS : 0) |
			(v->apicv.usable ? HC_IRQF_APICV : 0);
	vmcs = vmm_page("VMCS region");
	v->vmcs_pa = vmcs.pa;
	vmx_vmcs_create(&vmcs);
	guest_load(v);
	audit_test_corrupt(vm);     /* test_corrupt=rodata|text|ept_hv_frame */
	contain_first_launch();
	vmm_guest_launch(v);
}
