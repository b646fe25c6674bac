/*
 * Port I/O exits (SDM revision 084, Vol. 3C "Exit Qualification for I/O
 * Instructions"). Every port exits (the I/O bitmaps are all ones,
 * hv/vmm.c). A write to port 0xF4 ends the run with the guest's status (0
 * PASS, 77 SKIP, else FAIL); every other port goes to the emulated PC's
 * port table (hv/plat_io.c): the PIC pair, the PIT, the RTC, COM1 (the VM's
 * virtual 16550, hv/dev/uart16550.c), the keyboard controller, the reset
 * registers, PCI configuration, and all ones for a port nobody owns. A
 * reset a port asked for ends the run or restarts the guest.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/run.h"
#include "hv/contain.h"
#include "hv/plat.h"
#include "hv/dev/uart16550.h"
#include "vmx/vmx_exitinfo.h"
#include "include/hypercall.h"
#include "include/x86.h"
#include "lib/console.h"
#include "lib/fmt.h"

static void com1_line(struct uart16550 *u, const char *line)
{
	printf("guest: %s\n", line);
}

/* COM1's IRQ 4 goes to the platform's sink: PIC input 4 and I/O APIC
 * pin 4. */
void exit_io_init(struct vm *vm, struct vcpu *v)
{
	struct plat *pl = &vm->plat;
	uint64_t epoch = pl->rtc_epoch;

	plat_init(pl, vm, v, pl->hz, epoch, rdtsc());
	uart16550_init(&vm->com1, com1_line, pl->sink, UART_COM1_IRQ);
}

/* The guest's exit status (docs/hypercalls.md "Ending a run"): 0 is PASS,
 * GUEST_STATUS_SKIP (77) is SKIP, anything else FAIL with the number. */
__attribute__((noreturn))
static void exit_status(struct vcpu *v, uint8_t status)
{
	static char why[48];

	exit_com1_flush(v);
	printf("vm: guest wrote status %u to port 0x%x: ending the run\n",
	       status, GUEST_EXIT_PORT);
	if (status == 0)
		guest_end(v, RUN_PASS, NULL);
	if (status == GUEST_STATUS_SKIP)
		guest_end(v, RUN_SKIP, "guest status 77: skipped");
	snprintf(why, sizeof(why), "guest status %u", status);
	guest_end(v, RUN_FAIL, why);
}

void handle_io(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned size = IOQ_SIZE(q), port = IOQ_PORT(q);
	bool in = q & IOQ_IN;
	uint64_t mask = size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
	uint64_t *rax = &v->regs.gpr[GPR_RAX];
	uint32_t val;

	if (q & IOQ_STRING) {
		printf("io: string I/O (INS/OUTS) on port 0x%x is not emulated\n",
		       port);
		guest_stop(v, "unsupported string I/O");
	}
	/* COM1's bytes straight to the UART, as the table would: the
	 * console is the busiest port by far. */
	if (port - GUEST_COM1_PORT < UART_NREGS && size == 1) {
		if (in)
			*rax = (*rax & ~0xFFULL) |
			       uart16550_read(&v->vm->com1,
					      port - GUEST_COM1_PORT);
		else
			uart16550_write(&v->vm->com1, port - GUEST_COM1_PORT,
					(uint8_t)*rax);
		exit_skip_insn();
		return;
	}
	if (port == GUEST_EXIT_PORT && !in)
		exit_status(v, (uint8_t)*rax);
	val = plat_io(v, (uint16_t)port, size, in, (uint32_t)*rax);
	if (in)
		*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
	exit_skip_insn();
	if (__builtin_expect(v->vm->plat.reset_why != NULL, 0))
		contain_guest_reset(v, v->vm->plat.reset_why);
}
