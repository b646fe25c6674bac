/*
 * eptlab guest kernel: boots by Multiboot v1 (guest/entry.asm), builds its
 * own address space with the shared paging engine (guest/mm.c), runs the
 * scenarios (guest/scenarios.c) and ends the run through port 0xF4.
 * It runs under eptlab and, for the scenarios that need no hypervisor,
 * alone under plain QEMU (docs/guest.md).
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "guest/hostile.h"
#include "lib/console.h"
#include "lib/string.h"
#include "include/x86.h"

/* -fstack-protector-strong with -mstack-protector-guard=global. */
uintptr_t __stack_chk_guard = 0x3c1f5e0b7a92d648ULL;
__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	report_abort("stack protector: canary overwritten");
}

void guest_main(uint32_t magic, uint64_t info_pa)
{
	con_init();
	printf("\neptlab guest: Multiboot v1 magic 0x%x, info at 0x%llx\n",
	       magic, (unsigned long long)info_pa);
	idt_init();
	mm_init(magic, info_pa);
	if (guest_boot.cmdline[0])
		printf("cmdline: %s\n", guest_boot.cmdline);
	printf("hypervisor: %s\n", hv_detect() ? "eptlab" : "none");

	if (guest_has_arg("bench"))
		bench_run();          /* guest/bench.c, docs/benchmarks.md */
	else if (guest_has_arg("crash") || guest_has_arg("fuzz"))
		hostile_run();        /* guest/crash.c, guest/fuzz.c */
	else
		scenarios_run();
	report_finish();
}

bool guest_has_arg(const char *w)
{
	const char *s = guest_boot.cmdline;
	size_t n = strlen(w);

	while (*s) {
		while (*s == ' ')
			s++;
		if (!strncmp(s, w, n) && (s[n] == ' ' || s[n] == '\0' || s[n] == '='))
			return true;
		while (*s && *s != ' ')
			s++;
	}
	return false;
}
