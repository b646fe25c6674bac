/* Ending a run (hv/run.h), and the stack-protector hooks. */
#include "hv/run.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "include/x86.h"

void run_end(int status, const char *why)
{
	static int ending;

	cli();
	if (!ending++) {
		if (status == RUN_PASS)
			printf("EPTLAB-END: PASS\n");
		else if (status == RUN_SKIP)
			printf("EPTLAB-END: SKIP (%s)\n", why ? why : "no reason given");
		else
			printf("EPTLAB-END: FAIL (%s)\n", why ? why : "no reason given");
		con_drain();
		outl(DEBUG_EXIT_PORT, (uint32_t)status);   /* QEMU isa-debug-exit */
		bochs_magic_break();                       /* Bochs: -rc quits */
	}
	for (;;)
		hlt();
}

void panic_at(const char *func, const char *fmt, ...)
{
	static char why[96];
	va_list ap;

	printf("\nPANIC in %s: ", func);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	snprintf(why, sizeof(why), "panic in %s", func);
	run_end(RUN_FAIL, why);
}

/* -fstack-protector-strong -mstack-protector-guard=global; entry.asm
 * seeds the guard before any C code runs. */
uintptr_t __stack_chk_guard = 0x595e9fbd94fda766ULL;
__attribute__((noreturn)) void __stack_chk_fail(void);

void __stack_chk_fail(void)
{
	panic("stack smashing detected (caller 0x%lx)",
	      (uint64_t)(uintptr_t)__builtin_return_address(0));
}
