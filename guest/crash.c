/*
 * Crash on purpose (cmdline crash=triple|vmx|cr3|spin|mmio|views|
 * reset-kbc|reset-cf9), so that the
 * hypervisor's fault containment can be tested (docs/containment.md).
 * Each mode prints what it is about to do, then:
 *
 *   triple  loads an empty IDT and executes UD2: #UD cannot be delivered
 *           (#GP), nor can #GP (#DF), nor #DF: triple fault.
 *   vmx     executes VMXON with a #UD fixup armed: the hypervisor reports
 *           the VMX instruction and injects #UD, which the guest catches
 *           and reports (crash.vmx-ud). Then it does it again with an
 *           empty IDT: the injected #UD escalates to a triple fault.
 *   cr3     loads CR3 with a page-aligned GPA beyond guest RAM: the next
 *           instruction fetch walks a PML4 that is not there, an EPT
 *           violation the hypervisor cannot resolve.
 *   spin    interrupts off, loops forever: only the hypervisor's
 *           VMX-preemption-timer watchdog stops it.
 *   mmio    ORs a bit into the local APIC's TPR with one instruction
 *           (OR m32, imm8: a read-modify-write the MMIO decoder refuses):
 *           the hypervisor stops the guest with the bytes and the RIP
 *           (under apicv=off; with APICv the CPU virtualizes the TPR).
 *   reset-kbc  writes 0xFE (pulse the reset line) to the 8042's command
 *           port 0x64, after a dword write to 0xCF8 (PCI CONFIG_ADDRESS,
 *           which must not reset): the hypervisor ends or restarts the run.
 *   reset-cf9  writes 0x06 (hard reset) to the byte register 0xCF9 (the
 *           reset control register of the PIIX/ICH), likewise.
 *   views   makes two EPT views, a view-local permission, #VE, dirty
 *           logging and sub-page permissions (where the CPU has them),
 *           moves to view 2, then crashes as `triple`: the restart must
 *           give every frame of that state back (docs/ept-views.md).
 *
 * If the guest is still alive afterwards, the scenario FAILs.
 * SDM revision 084, Vol. 3A "Exception and Interrupt Reference"
 * (Interrupt 8, double fault: a fault while delivering #DF shuts down).
 */
#include "guest/guest.h"
#include "guest/hostile.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "lib/console.h"
#include "lib/string.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "include/x86.h"

/* ------------------------------------------------------ cmdline values */

bool hostile_arg(const char *key, char *buf, size_t n)
{
	const char *s = guest_boot.cmdline;
	size_t k = strlen(key), i;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, key, k) && s[k] == '=') {
			s += k + 1;
			for (i = 0; i + 1 < n && s[i] && s[i] != ' '; i++)
				buf[i] = s[i];
			if (n)
				buf[i] = 0;
			return true;
		}
		while (*s && *s != ' ')
			s++;
	}
	return false;
}

bool hostile_arg_u64(const char *key, uint64_t *out)
{
	char v[24], *p = v;
	uint64_t n = 0, base = 10;

	if (!hostile_arg(key, v, sizeof(v)) || !*p)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		unsigned d;
		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return false;
		n = n * base + d;
	}
	*out = n;
	return true;
}

/* ---------------------------------------------------------- the modes */

static void idt_empty(void)
{
	struct desc_ptr d = { .limit = 0, .base = 0 };

	lidt(&d);
}

static void crash_triple(void)
{
	printf("crash: triple: empty IDT, then UD2 (#UD -> #GP -> #DF -> "
	       "triple fault)\n");
	cli();
	idt_empty();
	__asm__ volatile("ud2");
}

/* VMXON [region]; a #UD resumes at crash_vmxon_done. noinline: the label
 * must exist once. */
extern const char crash_vmxon_done[];
__attribute__((noinline)) static void vmxon_once(const uint64_t *region_pa)
{
	__asm__ volatile("vmxon (%0)\n\t"
			 ".globl crash_vmxon_done\n"
			 "crash_vmxon_done:"
			 :: "r"(region_pa) : "memory", "cc");
}

static void crash_vmx(void)
{
	static uint64_t region_pa;          /* VMXON's operand: never used */
	struct fault_rec r;

	report_begin("crash.vmx-ud");
	printf("crash: vmx: VMXON with a #UD handler armed\n");
	fault_expect(VEC_UD, crash_vmxon_done);
	vmxon_once(&region_pa);
	r = fault_take();
	report(r.hit && r.vector == VEC_UD, "crash.vmx-ud",
	       "VMXON did not raise #UD (hit %d, vector %llu)", r.hit,
	       (unsigned long long)r.vector);
	printf("crash: vmx: VMXON again with an empty IDT (#UD -> triple "
	       "fault)\n");
	cli();
	idt_empty();
	vmxon_once(&region_pa);
}

static void crash_cr3(void)
{
	/* Page-aligned, beyond guest RAM, below MAXPHYADDR (else #GP). */
	uint64_t bad = ((guest_boot.ram_top + 0x10000000ULL) & ~0xFFFULL);

	printf("crash: cr3: loading CR3 = 0x%llx (guest RAM ends at 0x%llx)\n",
	       (unsigned long long)bad, (unsigned long long)guest_boot.ram_top);
	cli();
	write_cr3(bad);
	__asm__ volatile("nop");            /* fetched through the bad CR3 */
}

static void crash_spin(void)
{
	printf("crash: spin: interrupts off, looping forever\n");
	cli();
	for (;;)
		__asm__ volatile("" ::: "memory");
}

/* A reset through the 8042 (port 0x64 command 0xFE), after a dword write
 * of 0x06 << 8 to 0xCF8 that a byte decoder would mistake for 0xCF9. */
static void crash_reset_kbc(void)
{
	printf("crash: reset-kbc: dword 0x600 to 0xCF8, then 0xFE to port 0x64\n");
	outl(0xCF8, 0x600);
	outb(0x64, 0xFE);
}

static void crash_reset_cf9(void)
{
	printf("crash: reset-cf9: 0x06 to the reset control register 0xCF9\n");
	outb(0xCF9, 0x06);
}

/* The bytes are fixed (83 48 80 01: OR dword [rax - 0x80], 1), so that
 * the test can expect them. */
static void crash_mmio(void)
{
	uint64_t va = SCEN_SLOT(43);
	int rc;

	scen_hv_setup();
	rc = scen_map4k(va, 0xFEE00000ULL);
	printf("crash: mmio: OR of the APIC's TPR at 0x%llx (map %d)\n",
	       (unsigned long long)va + 0x80, rc);
	cli();
	__asm__ volatile(".byte 0x83, 0x48, 0x80, 0x01" :: "a"(va + 0x100) : "memory");
}

static void crash_views(void)
{
	long c1, c2, rc = -ENOSYS;

	scen_hv_setup();
	views_setup();
	c1 = hc_call(HC_VIEW_CREATE, 0, 0, 0, 0);
	c2 = hc_call(HC_VIEW_CREATE, 0, 0, 0, 0);
	printf("crash: views: views %ld and %ld; HC_VIEW_PROTECT %ld, "
	       "HC_DIRTY_START %ld, HC_VE_INFO %ld, HC_SPP_SET %ld\n", c1, c2,
	       hc_call(HC_VIEW_PROTECT, 1, scen_base + SCEN_VIEWS + SZ_4K, SZ_4K,
		       HC_EPT_R),
	       hc_call(HC_DIRTY_START, scen_base + SCEN_DIRTY,
		       SCEN_DIRTY_PAGES * SZ_4K, HC_DIRTY_AUTO, 0),
	       hc_call(HC_VE_INFO, scen_base + SCEN_VIEWS, 0, 0, 0),
	       hc_call(HC_SPP_SET, scen_base + SCEN_R5, 1, 0, 0));
	*(volatile uint64_t *)mm_dm(scen_base + SCEN_DIRTY) = 1;
	if (c2 == 2)
		rc = view_switch(2);
	printf("crash: views: in view 2 (%s); now as triple\n",
	       err_name((int)rc));
	crash_triple();
}

static void crash_run(const char *mode)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} modes[] = {
		{ "triple", crash_triple }, { "vmx", crash_vmx },
		{ "cr3", crash_cr3 },       { "spin", crash_spin },
		{ "views", crash_views },   { "mmio", crash_mmio },
		{ "reset-kbc", crash_reset_kbc },
		{ "reset-cf9", crash_reset_cf9 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		if (strcmp(mode, modes[i].name))
			continue;
		if (!hv_present()) {
			report_skip("crash", "no hypervisor to contain a crash");
			return;
		}
		report_begin("crash");
		modes[i].fn();
		report(false, "crash", "crash=%s: the guest survived", mode);
		return;
	}
	report(false, "crash", "unknown mode crash=%s "
	       "(triple|vmx|cr3|spin|mmio|views|reset-kbc|reset-cf9)", mode);
}

void hostile_run(void)
{
	char mode[16];

	if (hostile_arg("crash", mode, sizeof(mode)))
		crash_run(mode);
	else
		fuzz_run();
}
