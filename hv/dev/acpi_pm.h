/*
 * The ACPI PM1a fixed-hardware registers the FADT names (hv/loader/
 * pc_acpi.c: PM1a_EVT_BLK 0x600, 4 bytes; PM1a_CNT_BLK 0x604, 2 bytes),
 * after the ACPI specification 6.5, "PM1 Event Grouping" and "PM1
 * Control Grouping". A pure model of byte registers:
 *
 *   offset 0-1  PM1_STS  status bits, write 1 to clear. Nothing raises an
 *                        event (no PM timer, no buttons, the RTC alarm
 *                        not wired to the SCI), so they read 0.
 *   offset 2-3  PM1_EN   enable bits: TMR_EN (0), GBL_EN (5), PWRBTN_EN
 *                        (8), SLPBTN_EN (9), RTC_EN (10) read back what
 *                        was written; the reserved bits read 0
 *   offset 4-5  PM1_CNT  SCI_EN (0) reads 1: the platform is always in
 *                        ACPI mode (the FADT has no SMI_CMD); BM_RLD (1)
 *                        and SLP_TYP (12:10) read back; GBL_RLS (2) and
 *                        SLP_EN (13) are write-only and read 0. A write of
 *                        SLP_EN is recorded (acpi_pm.sleep): the DSDT
 *                        declares no sleep state, so an OS does not use it
 *
 * An OS reads back what it wrote: Linux's RTC driver clears RTC_EN and
 * checks it ("Could not disable RealTimeClock events" otherwise).
 */
#ifndef EPTLAB_DEV_ACPI_PM_H
#define EPTLAB_DEV_ACPI_PM_H

#include "include/types.h"

#define ACPI_PM_PORTS     6             /* PM1a_EVT (4) + PM1a_CNT (2) */
#define ACPI_PM1_EN_BITS  (BIT(0) | BIT(5) | BIT(8) | BIT(9) | BIT(10))
#define ACPI_PM1_SCI_EN   BIT(0)
#define ACPI_PM1_CNT_BITS (BIT(1) | (7u << 10))   /* BM_RLD, SLP_TYP */
#define ACPI_PM1_SLP_EN   BIT(13)

struct acpi_pm {
	uint16_t en;            /* PM1_EN */
	uint16_t cnt;           /* PM1_CNT as it reads, SCI_EN included */
	bool sleep;             /* SLP_EN was written 1 */
};

void acpi_pm_reset(struct acpi_pm *pm);
/* A byte at offset off (0..ACPI_PM_PORTS-1) from PM1a_EVT_BLK. */
uint8_t acpi_pm_read(const struct acpi_pm *pm, unsigned off);
void acpi_pm_write(struct acpi_pm *pm, unsigned off, uint8_t v);

#endif
