/*
 * hv_main: the C entry point, called once from hv/entry.asm in 64-bit mode
 * on the main stack, with the boot page tables still live.
 *
 *   console -> GDT/TSS -> IDT -> multiboot2 info -> host memory
 *   (frame pool, page tables, CR3 switch, self-check) -> options
 *   -> self-tests (selftest=) -> vmm_main
 *
 * The command line is parsed once, here (options_parse, hv/options.c);
 * everything after reads hv_opts.
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
#include "hv/options.h"
#include "include/x86.h"

__attribute__((noreturn)) void hv_main(uint32_t magic, uint64_t mbi_pa);

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
	audit_msr_init();       /* the host MSRs no guest may change */
	canary_reseed();

	/* A bad option ends the run here, before anything reads hv_opts. */
	options_parse(boot_info.cmdline);
	options_print();

	/* Test-only: prove the exception paths report and end the run. */
	if (hv_opts.selftest && !strcmp(hv_opts.selftest, "fault")) {
		printf("selftest: raising an unexpected #UD now\n");
		__asm__ volatile("ud2");
	}
	if (hv_opts.selftest && !strcmp(hv_opts.selftest, "stack")) {
		printf("selftest: overflowing the main stack into its guard page\n");
		overflow_stack(0);
	}
	if (hv_opts.selftest && !strcmp(hv_opts.selftest, "canary")) {
		printf("selftest: overwriting a stack-protector canary\n");
		audit_smash_canary();
		printf("selftest: canary overwrite NOT detected\n");
	}

	printf("eptlab: host ready; entering the VMM\n");
	vmm_main(&boot_info);
}
