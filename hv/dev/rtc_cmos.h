/* The PC's Motorola MC146818A real-time clock and its CMOS RAM at ports
 * 0x70 (index; bit 7 masks NMI) and 0x71 (data), on ISA IRQ 8. Pure C;
 * what is emulated and what is not: hv/dev/rtc_cmos.c and
 * docs/platform.md.
 *
 * Time is host TSC ticks (`now`), converted with the TSC rate `hz` given
 * at init; the clock starts at epoch_s (seconds since 1970-01-01 00:00
 * UTC) at the init `now`. Every entry point first processes the events
 * due at or before `now`; missed periodic interrupts are coalesced into
 * the one flag register C can hold.
 *
 * Against the issue-12 device design: rtc_nmi_masked() is an addition (the
 * design only asks that port 0x70 bit 7 be remembered). */
#ifndef EPTLAB_DEV_RTC_CMOS_H
#define EPTLAB_DEV_RTC_CMOS_H

#include "include/types.h"
#include "hv/dev/irq.h"

#define RTC_PORT_INDEX  0x70
#define RTC_PORT_DATA   0x71
#define RTC_IRQ         8
#define RTC_NMI_MASK    BIT(7)          /* port 0x70 bit 7 */
#define RTC_BASE_HZ     32768           /* the divider chain's time base */

/* Register indexes (MC146818A "Address Map"), and the PC's CMOS bytes. */
enum {
	RTC_SEC = 0x00, RTC_SEC_ALARM = 0x01, RTC_MIN = 0x02,
	RTC_MIN_ALARM = 0x03, RTC_HOUR = 0x04, RTC_HOUR_ALARM = 0x05,
	RTC_DOW = 0x06, RTC_DAY = 0x07, RTC_MONTH = 0x08, RTC_YEAR = 0x09,
	RTC_REG_A = 0x0A, RTC_REG_B = 0x0B, RTC_REG_C = 0x0C,
	RTC_REG_D = 0x0D,
	CMOS_BASE_KB = 0x15,            /* 0x15/0x16: base memory, KiB */
	CMOS_EXT_KB = 0x17,             /* 0x17/0x18: KiB above 1 MiB */
	CMOS_CHECKSUM = 0x2E,           /* 0x2E/0x2F: sum of 0x10-0x2D, MSB */
	CMOS_EXT_KB2 = 0x30,            /* 0x30/0x31: same as 0x17/0x18 */
	CMOS_CENTURY = 0x32,
	CMOS_HIGH_64K = 0x34,           /* 0x34/0x35: 64 KiB above 16 MiB */
	CMOS_SIZE = 128,
};

#define RTC_A_UIP       BIT(7)          /* update in progress (RO) */
#define RTC_A_DV_MASK   0x70            /* divider: 010 = 32.768 kHz */
#define RTC_A_DV_32K    0x20
#define RTC_A_RS_MASK   0x0F            /* periodic rate select */
#define RTC_B_SET       BIT(7)          /* stop updates, set the time */
#define RTC_B_PIE       BIT(6)          /* periodic interrupt enable */
#define RTC_B_AIE       BIT(5)          /* alarm interrupt enable */
#define RTC_B_UIE       BIT(4)          /* update-ended interrupt enable */
#define RTC_B_SQWE      BIT(3)
#define RTC_B_DM_BIN    BIT(2)          /* 1 = binary, 0 = BCD */
#define RTC_B_24H       BIT(1)          /* 1 = 24 h, 0 = 12 h (bit 7 PM) */
#define RTC_B_DSE       BIT(0)
#define RTC_C_IRQF      BIT(7)
#define RTC_C_PF        BIT(6)          /* periodic */
#define RTC_C_AF        BIT(5)          /* alarm */
#define RTC_C_UF        BIT(4)          /* update ended */
#define RTC_D_VRT       BIT(7)          /* valid RAM and time */

struct rtc_cmos {
	uint8_t cmos[CMOS_SIZE];        /* RAM and registers A-C; the time
					   bytes only while the clock is
					   frozen (SET, or divider stopped) */
	uint8_t index;                  /* port 0x70 bits 6:0 */
	bool nmi_masked;                /* port 0x70 bit 7 */
	uint64_t hz;                    /* host TSC ticks per second */
	uint64_t div_tsc;               /* divider chain: count div_off ... */
	uint64_t div_off;               /* ... at host TSC div_tsc */
	uint64_t div;                   /* count at the last processing */
	int64_t base_secs;              /* seconds since 1970 at count 0 */
	uint8_t dow_adj;                /* day of week as set minus true */
	struct irq_sink sink;
	bool irq_level;                 /* IRQ 8 as last driven */
};

/* Registers as a PC BIOS leaves them (A = 0x26: 32.768 kHz, 1024 Hz rate;
 * B = 0x02: 24 h, BCD, no interrupts; D = VRT), the time from epoch_s,
 * the memory-size bytes from ram_bytes, the checksum over 0x10-0x2D. hz
 * is clamped as in hv/dev/dev_time.h. s may be NULL; it is copied. */
void rtc_init(struct rtc_cmos *r, uint64_t hz, uint64_t epoch_s,
	      uint64_t ram_bytes, const struct irq_sink *s, uint64_t now);
/* Ports 0x70 (write only: reads 0xFF) and 0x71; other ports read 0xFF
 * and ignore writes. */
uint8_t rtc_io_read(struct rtc_cmos *r, uint16_t port, uint64_t now);
void rtc_io_write(struct rtc_cmos *r, uint16_t port, uint8_t v, uint64_t now);
/* Host TSC at which IRQ 8 can next rise (periodic or update-ended flag
 * with its enable set, line low), or DEV_NO_DEADLINE. */
uint64_t rtc_next_deadline(const struct rtc_cmos *r);
/* Set the PF and UF flags due by now (each at most once) and drive IRQ 8. */
void rtc_advance(struct rtc_cmos *r, uint64_t now);
/* Port 0x70 bit 7 as last written (the platform gates NMIs with it). */
bool rtc_nmi_masked(const struct rtc_cmos *r);

#endif
