/* The ACPI PM1a registers (hv/dev/acpi_pm.h). */
#include "hv/dev/acpi_pm.h"

void acpi_pm_reset(struct acpi_pm *pm)
{
	*pm = (struct acpi_pm){ .cnt = ACPI_PM1_SCI_EN };
}

static uint8_t byte_of(uint16_t reg, unsigned off)
{
	return (uint8_t)(reg >> (8 * (off & 1)));
}

static uint16_t with_byte(uint16_t reg, unsigned off, uint8_t v)
{
	unsigned sh = 8 * (off & 1);

	return (uint16_t)((reg & ~(0xFFu << sh)) | ((unsigned)v << sh));
}

uint8_t acpi_pm_read(const struct acpi_pm *pm, unsigned off)
{
	switch (off) {
	case 0: case 1: return 0;                   /* PM1_STS: no event */
	case 2: case 3: return byte_of(pm->en, off);
	case 4: case 5: return byte_of(pm->cnt, off);
	}
	return 0xFF;
}

void acpi_pm_write(struct acpi_pm *pm, unsigned off, uint8_t v)
{
	uint16_t w;

	switch (off) {
	case 2: case 3:
		pm->en = with_byte(pm->en, off, v) & ACPI_PM1_EN_BITS;
		break;
	case 4: case 5:
		w = with_byte(pm->cnt, off, v);
		if (off == 5 && (w & ACPI_PM1_SLP_EN))
			pm->sleep = true;
		pm->cnt = (w & ACPI_PM1_CNT_BITS) | ACPI_PM1_SCI_EN;
		break;
	default:        /* PM1_STS: write 1 to clear; nothing is set */
		break;
	}
}
