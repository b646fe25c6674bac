/*
 * A Linux guest (docs/linux-guest.md): the first module is a bzImage,
 * loaded by the Linux/x86 boot protocol (hv/loader/linux.h); the second
 * module, if there is one, is the initramfs (unless initrd=none). The kernel command line is
 * the first module's string without its first word (GRUB's module2 puts
 * the module's name there, as argv[0]); empty, it is LINUX_CMDLINE_DEFAULT.
 *
 * Guest-physical layout below 1 MiB (the kernel goes at its pref_address,
 * 16 MiB for Debian's 6.1, and the initramfs at the top of its window):
 *
 *   0x10000  zero page (struct boot_params)     ESI at entry
 *   0x11000  GDT: 0x10 __BOOT_CS, 0x18 __BOOT_DS, 0x20 TSS
 *   0x20000  command line (up to 64 KiB)
 *   0x9FC00 - 0x100000  reserved in e820 (EBDA, VGA hole, BIOS ROM)
 */
#include "hv/vmm_guest.h"
#include "hv/vm.h"
#include "hv/memlayout.h"
#include "hv/run.h"
#include "hv/options.h"
#include "hv/loader/linux.h"
#include "include/err.h"
#include "lib/console.h"

#define LX_ZP_GPA       0x10000ULL
#define LX_GDT_GPA      0x11000ULL
#define LX_CMDLINE_GPA  0x20000ULL
#define LX_CMDLINE_MAX  0x10000ULL

/* The default kernel command line (docs/linux-guest.md explains each). */
#define LINUX_CMDLINE_DEFAULT \
	"console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 acpi=off " \
	"nokaslr panic=-1 reboot=k"
/* With acpi=on (hv/vmm_acpi.c) the same without "acpi=off". */
#define LINUX_CMDLINE_ACPI \
	"console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 " \
	"nokaslr panic=-1 reboot=k"

/* The reserved and device ranges of the platform, for the e820 map. The
 * APIC pages lie beyond guest RAM; the platform that answers them is the
 * interrupts-and-time issue's. */
static const struct linux_range lx_rsv[] = {
	{ 0x9FC00, 0x100000 - 0x9FC00, LINUX_E820_RESERVED,
	  "BIOS area (EBDA, VGA, ROM)" },
	{ 0xFEC00000, 0x1000, LINUX_E820_RESERVED, "I/O APIC" },
	{ 0xFEE00000, 0x1000, LINUX_E820_RESERVED, "local APIC" },
};

static int lx_write(void *ctx, uint64_t gpa, const void *src, size_t len)
{
	return vm_write(ctx, gpa, src, len);
}

/* The module string less its first word (the module's name). */
static const char *lx_cmdline(const struct boot_module *k)
{
	const char *p = k->cmdline ? k->cmdline : "";

	while (*p == ' ')
		p++;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	if (*p)
		return p;
	return hv_opts.acpi ? LINUX_CMDLINE_ACPI : LINUX_CMDLINE_DEFAULT;
}

void vmm_load_linux(struct vm *vm, const struct boot_module *k,
		    const struct boot_module *initrd, struct guest_entry *ge)
{
	struct loader_mem gm = { .ctx = vm, .ram_size = vm->ram_size,
				 .write = lx_write };
	struct linux_layout lay = {
		.zp_gpa = LX_ZP_GPA, .gdt_gpa = LX_GDT_GPA,
		.cmdline_gpa = LX_CMDLINE_GPA, .cmdline_max = LX_CMDLINE_MAX,
		.rsv = lx_rsv, .nrsv = ARRAY_SIZE(lx_rsv),
		.acpi_rsdp_gpa = vmm_acpi_load(vm),
	};
	static struct linux_image img;
	const char *cl = lx_cmdline(k);
	char err[300];
	int rc;

	rc = linux_load(phys_to_virt(k->start), (size_t)(k->end - k->start),
			initrd ? phys_to_virt(initrd->start) : NULL,
			initrd ? (size_t)(initrd->end - initrd->start) : 0, cl,
			&gm, &lay, &img, err, sizeof(err));
	if (rc) {
		printf("vm: guest module is not a loadable Linux bzImage: %s "
		       "(%s)\n", err, err_name(rc));
		run_end(RUN_FAIL, "Linux guest rejected");
	}
	printf("vm: Linux bzImage, boot protocol %u.%02u: kernel at GPA "
	       "0x%llx (%s), init_size window to 0x%llx\n",
	       img.s.version >> 8, img.s.version & 0xFF,
	       (unsigned long long)img.kernel_gpa,
	       img.at_pref ? "pref_address" : "relocated",
	       (unsigned long long)img.kernel_end);
	if (img.initrd_size)
		printf("vm: Linux initramfs: 0x%llx bytes at GPA 0x%llx\n",
		       (unsigned long long)img.initrd_size,
		       (unsigned long long)img.initrd_gpa);
	else
		printf("vm: Linux initramfs: none (no second module, or "
		       "initrd=none)\n");
	for (size_t i = 0; i < img.ne820; i++)
		printf("vm: Linux e820: [0x%llx, 0x%llx) %s\n",
		       (unsigned long long)img.e820[i].base,
		       (unsigned long long)(img.e820[i].base + img.e820[i].len),
		       img.e820[i].type == LINUX_E820_RAM ? "usable" :
		       img.e820[i].name);
	printf("vm: Linux command line: \"%s\"\n", cl);
	printf("vm: Linux 32-bit entry: EIP 0x%x, ESI 0x%x (zero page), CS "
	       "0x%x, DS/ES/SS 0x%x, GDT 0x%llx\n", img.entry.eip,
	       img.entry.esi, img.entry.cs, img.entry.ds,
	       (unsigned long long)img.entry.gdtr_base);

	*ge = (struct guest_entry){
		.rip = img.entry.eip,
		.rsi = img.entry.esi,
		.cs = img.entry.cs, .ds = img.entry.ds, .tr = img.entry.tr,
		.gdtr_base = img.entry.gdtr_base,
		.gdtr_limit = img.entry.gdtr_limit,
	};
}
