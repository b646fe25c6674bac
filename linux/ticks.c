/*
 * ticks WHAT: print "EPTLAB-INIT: tsc N WHAT", the TSC now (RDTSC at
 * CPL 3; Linux leaves CR4.TSD clear). Under Bochs with `clock: sync=none`
 * a tick is one instruction, and eptlab's guest TSC is the host's (TSC
 * offset 0 unless the guest writes IA32_TSC), so `make bench-linux`
 * subtracts the tick of the guest's first instruction from these marks
 * (docs/benchmarks.md "Linux boot").
 */
#include "linux/sys.h"

int main(int argc, char **argv)
{
	uint64_t t = rd_tsc();

	put_str("EPTLAB-INIT: tsc ");
	put_dec(t);
	for (int i = 1; i < argc; i++) {
		put_str(" ");
		put_str(argv[i]);
	}
	put_str("\n");
	return 0;
}
