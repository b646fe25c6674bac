/*
 * exitcode STATUS: end the run (docs/linux-guest.md). Takes I/O privilege
 * (iopl(3)), writes the status byte (0 = pass) to eptlab's exit port
 * 0xF4 (include/hypercall.h GUEST_EXIT_PORT): eptlab ends the run with
 * PASS or FAIL. If the write returns (no eptlab: e.g. QEMU without
 * isa-debug-exit), it falls back to reboot(2) RB_POWER_OFF.
 */
#include "linux/sys.h"
#include "include/hypercall.h"

#define LINUX_REBOOT_MAGIC1   0xfee1dead
#define LINUX_REBOOT_MAGIC2   672274793
#define LINUX_REBOOT_CMD_POWER_OFF 0x4321FEDC

int main(int argc, char **argv)
{
	uint8_t status = 1;

	if (argc > 1 && argv[1][0] >= '0' && argv[1][0] <= '9')
		status = (uint8_t)(argv[1][0] - '0');
	put_str("exitcode: status ");
	put_dec(status);
	put_str(" to port 0xf4\n");
	if (sys1(SYS_iopl, 3) == 0)
		__asm__ volatile("outb %0, %1" : : "a"(status),
				 "Nd"((uint16_t)GUEST_EXIT_PORT));
	sys6(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
	     LINUX_REBOOT_CMD_POWER_OFF, 0, 0, 0);
	return status;
}
