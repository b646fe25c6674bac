/*
 * TSC calibration at boot (hv/tsc.h). The PIT loop is bounded by the TSC
 * itself against a generous ceiling, not by a count of port reads: a read
 * of port 0x61 takes anything from one emulated instruction (Bochs) to a
 * few microseconds (real boards), so no iteration count means a time,
 * while the TSC always advances. 8254: channel 2, gate = port 0x61 bit 0,
 * OUT2 = port 0x61 bit 5; mode 0 raises OUT2 when the count reaches 0.
 */
#include "hv/tsc.h"
#include "lib/console.h"

#define PIT_HZ        1193182ULL
#define PIT_CMD       0x43
#define PIT_CH2       0x42
#define PORT_B        0x61
#define PORT_B_GATE2  BIT(0)
#define PORT_B_SPKR   BIT(1)
#define PORT_B_OUT2   BIT(5)
#define CAL_MS        10
/* The ceiling: 10 ms at 10 GHz, a TSC faster than any CPU's. On a CPU
 * whose TSC runs at 1 GHz a dead PIT costs 100 ms. */
#define CAL_TSC_MAX   (CAL_MS * 10000000ULL)
/* Only for a TSC that does not advance at all. */
#define CAL_SPIN_MAX  100000000UL
#define ASSUMED_KHZ   1000000ULL

static uint64_t cal_khz;
static const char *cal_src = "not calibrated";

/* 0 if the PIT does not count (*why says how it failed). */
static uint64_t tsc_khz_pit(const char **why)
{
	uint32_t latch = (uint32_t)(PIT_HZ * CAL_MS / 1000);
	uint64_t t0, t1;
	unsigned long spins = 0;

	outb(PORT_B, (uint8_t)((inb(PORT_B) & ~PORT_B_SPKR) | PORT_B_GATE2));
	outb(PIT_CMD, 0xB0);                /* ch 2, lo/hi byte, mode 0 */
	outb(PIT_CH2, (uint8_t)latch);
	outb(PIT_CH2, (uint8_t)(latch >> 8));
	t0 = rdtsc();
	/* Mode 0 drives OUT2 low as the count is written: high now means
	 * no 8254 behind the port. */
	if (inb(PORT_B) & PORT_B_OUT2) {
		*why = "OUT2 high right after programming (no 8254?)";
		return 0;
	}
	while (!(inb(PORT_B) & PORT_B_OUT2)) {
		t1 = rdtsc();
		if (t1 - t0 > CAL_TSC_MAX) {
			*why = "OUT2 did not rise within 10^8 TSC ticks "
			       "(gated or absent 8254)";
			return 0;
		}
		if (++spins > CAL_SPIN_MAX) {
			*why = "the TSC does not advance";
			return 0;
		}
	}
	t1 = rdtsc();
	return (t1 - t0) / CAL_MS;
}

void tsc_calibrate(void)
{
	uint32_t max = cpuid(0, 0).eax;
	struct cpuid_regs z = { 0 };
	struct cpuid_regs l15 = max >= 0x15 ? cpuid(0x15, 0) : z;
	struct cpuid_regs l16 = max >= 0x16 ? cpuid(0x16, 0) : z;
	const char *why = NULL;

	cal_khz = tsc_khz_from_cpuid(max, l15, &cal_src);
	if (!cal_khz) {
		cal_khz = tsc_khz_pit(&why);
		cal_src = "PIT channel 2, 10 ms";
	}
	if (!cal_khz) {
		printf("tsc: PIT calibration failed: %s\n", why);
		if (max >= 0x16 && (l16.eax & 0xFFFF)) {
			cal_khz = (l16.eax & 0xFFFF) * 1000ULL;
			cal_src = "CPUID.16H base frequency";
		} else {
			cal_khz = ASSUMED_KHZ;
			cal_src = "assumed: no CPUID.15H/16H, no PIT";
		}
	}
	printf("tsc: %llu kHz (%s)\n", (unsigned long long)cal_khz, cal_src);
}

uint64_t tsc_khz(void)
{
	return cal_khz;
}

const char *tsc_source(void)
{
	return cal_src;
}
