/* Guest-side benchmarks (cmdline word "bench"): not written yet. */
#include "guest.h"
#include "report.h"

void bench_run(void)
{
	report_skip("bench", "benchmarks not implemented yet");
}
