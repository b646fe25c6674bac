/*
 * Port I/O exits (SDM revision 084, Vol. 3C "Exit Qualification for I/O
 * Instructions"). Every port exits (the I/O bitmaps are all ones,
 * hv/vmm.c): COM1 is the virtual 16550 of the VM (hv/dev/uart16550.c),
 * a write to port 0xF4 ends the run with the guest's status (0 PASS, 77
 * SKIP, else FAIL), and every
 * other port reads as all ones and ignores writes.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/run.h"
#include "hv/dev/uart16550.h"
#include "vmx/vmx_exitinfo.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "lib/fmt.h"

#define IO_UNKNOWN_REPORTS 8    /* unknown-port lines before quiet */

static void com1_line(struct uart16550 *u, const char *line)
{
	printf("guest: %s\n", line);
}

/* COM1's IRQ 4 goes to a null sink until the virtual PIC is wired (the
 * interrupts-and-time issue): the model keeps its line state. */
void exit_io_init(struct vm *vm)
{
	uart16550_init(&vm->com1, com1_line, (struct irq_sink){ 0 },
		       UART_COM1_IRQ);
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
	static unsigned unknown_reports;
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned size = IOQ_SIZE(q), port = IOQ_PORT(q);
	bool in = q & IOQ_IN;
	uint64_t mask = size == 4 ? 0xFFFFFFFF : size == 2 ? 0xFFFF : 0xFF;
	uint64_t *rax = &v->regs.gpr[GPR_RAX];
	uint32_t val = 0xFFFFFFFF;

	if (q & IOQ_STRING) {
		printf("io: string I/O (INS/OUTS) on port 0x%x is not emulated\n",
		       port);
		guest_stop(v, "unsupported string I/O");
	}
	if (port >= GUEST_COM1_PORT && port < GUEST_COM1_PORT + UART_NREGS) {
		if (in)
			val = uart16550_read(&v->vm->com1,
					     port - GUEST_COM1_PORT);
		else
			uart16550_write(&v->vm->com1, port - GUEST_COM1_PORT,
					(uint8_t)*rax);
	} else if (port == GUEST_EXIT_PORT && !in) {
		exit_status(v, (uint8_t)*rax);
	} else if (unknown_reports < IO_UNKNOWN_REPORTS) {
		unknown_reports++;
		printf("io: guest %s port 0x%x (size %u) not emulated: %s\n",
		       in ? "read from" : "write to", port, size,
		       in ? "reads as all-ones" : "ignored");
	}
	if (in)
		*rax = size == 4 ? val : (*rax & ~mask) | (val & mask);
	exit_skip_insn();
}
