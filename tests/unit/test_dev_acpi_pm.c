/*
 * Host tests for the ACPI PM1a registers (hv/dev/acpi_pm.c): the enable
 * bits read back (Linux's RTC driver clears RTC_EN and checks it), the
 * reserved ones read 0, status reads 0 and ignores its write-1-to-clear,
 * SCI_EN always reads 1, SLP_TYP reads back, GBL_RLS and SLP_EN read 0
 * and SLP_EN is recorded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "hv/dev/acpi_pm.h"

static uint16_t rd16(const struct acpi_pm *pm, unsigned off)
{
	return (uint16_t)(acpi_pm_read(pm, off) |
			  acpi_pm_read(pm, off + 1) << 8);
}

static void wr16(struct acpi_pm *pm, unsigned off, uint16_t v)
{
	acpi_pm_write(pm, off, (uint8_t)v);
	acpi_pm_write(pm, off + 1, (uint8_t)(v >> 8));
}

static void test_reset(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_reset(&pm);
	assert_int_equal(rd16(&pm, 0), 0);                 /* PM1_STS */
	assert_int_equal(rd16(&pm, 2), 0);                 /* PM1_EN */
	assert_int_equal(rd16(&pm, 4), ACPI_PM1_SCI_EN);   /* ACPI mode */
	assert_false(pm.sleep);
}

static void test_enable_reads_back(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_reset(&pm);
	wr16(&pm, 2, BIT(10));                  /* RTC_EN */
	assert_int_equal(rd16(&pm, 2), BIT(10));
	wr16(&pm, 2, 0);                        /* what Linux then checks */
	assert_int_equal(rd16(&pm, 2), 0);
	wr16(&pm, 2, 0xFFFF);                   /* reserved bits read 0 */
	assert_int_equal(rd16(&pm, 2), ACPI_PM1_EN_BITS);
	acpi_pm_write(&pm, 3, 0);               /* one byte at a time */
	assert_int_equal(rd16(&pm, 2), BIT(0) | BIT(5));
	wr16(&pm, 0, 0xFFFF);                   /* W1C status: still 0 */
	assert_int_equal(rd16(&pm, 0), 0);
	assert_int_equal(rd16(&pm, 2), BIT(0) | BIT(5));
}

static void test_control(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_reset(&pm);
	wr16(&pm, 4, 0);                        /* SCI_EN cannot be cleared */
	assert_int_equal(rd16(&pm, 4), ACPI_PM1_SCI_EN);
	wr16(&pm, 4, BIT(1) | BIT(2) | (5u << 10));  /* BM_RLD GBL_RLS S5 */
	assert_int_equal(rd16(&pm, 4), ACPI_PM1_SCI_EN | BIT(1) | (5u << 10));
	assert_false(pm.sleep);
	wr16(&pm, 4, (5u << 10) | ACPI_PM1_SLP_EN);
	assert_true(pm.sleep);
	assert_int_equal(rd16(&pm, 4), ACPI_PM1_SCI_EN | (5u << 10));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_enable_reads_back),
		cmocka_unit_test(test_control),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
