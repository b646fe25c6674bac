/*
 * hv_main: the C entry point, called once from hv/entry.asm in 64-bit mode
 * on the main stack, with the boot page tables still live.
 *
 *   console -> GDT/TSS -> IDT -> multiboot2 info -> host memory
 *   (frame pool, page tables, CR3 switch, self-check) -> vmm_main
 */
#include "lib/console.h"
#include "lib/string.h"
#include "hv/run.h"
#include "hv/cpu.h"
#include "hv/host.h"
#include "hv/multiboot2.h"
#include "hv/vmm.h"
#include "hv/audit.h"
#include "hv/bench.h"
#include "include/x86.h"

__attribute__((noreturn)) void hv_main(uint32_t magic, uint64_t mbi_pa);

/* True if cmdline holds the whitespace-separated word `word`. */
static bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!strncmp(p, word, n) &&
		    (p[n] == '\0' || p[n] == ' ' || p[n] == '\t'))
			return true;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	return false;
}

/* selftest=stack: recurse into the guard page. The #PF cannot be pushed
 * onto the exhausted stack, so the CPU raises #DF, which runs on IST1. */
static __attribute__((noinline)) unsigned overflow_stack(unsigned depth)
{
	volatile char pad[256];

	pad[0] = (char)depth;
	if (depth > (1u << 30))
		return 0;
	return overflow_stack(depth + 1) + pad[0];
}

void hv_main(uint32_t magic, uint64_t mbi_pa)
{
	bench_boot.hv_entry_tsc = rdtsc();      /* docs/benchmarks.md */
	con_init();
	printf("\neptlab: bare-metal VT-x + EPT hypervisor, booting\n");
	gdt_init();
	idt_init();

	multiboot_parse(magic, mbi_pa, &boot_info);
	boot_info_print(&boot_info);
	host_mm_init(&boot_info);
	audit_init();           /* hash .text/.rodata (hv/audit.h) */
	canary_reseed();

	/* Test-only: prove the exception paths report and end the run. */
	if (cmdline_has(boot_info.cmdline, "selftest=fault")) {
		printf("selftest: raising an unexpected #UD now\n");
		__asm__ volatile("ud2");
	}
	if (cmdline_has(boot_info.cmdline, "selftest=stack")) {
		printf("selftest: overflowing the main stack into its guard page\n");
		overflow_stack(0);
	}

	if (cmdline_has(boot_info.cmdline, "selftest=canary")) {
		printf("selftest: overwriting a stack-protector canary\n");
		audit_smash_canary();
		printf("selftest: canary overwrite NOT detected\n");
	}

	printf("eptlab: host ready; entering the VMM\n");
	vmm_main(&boot_info);
}
