/*
 * Host tests for the guest platform's ACPI tables (hv/loader/pc_acpi.c):
 * the blob is put at its GPA in a simulated first MiB and read back the
 * way an OS does (docs/acpi.md): the RSDP found by the search of
 * 0xE0000-0xFFFFF at 16-byte boundaries, both its checksums, the XSDT and
 * the RSDT naming the same tables, every table's checksum and length, the
 * FADT's SCI, PM1 blocks, FACS, DSDT and flags, and every MADT entry. Then
 * the memory maps: the blob lies in a reserved range of the Multiboot
 * map, and the Linux zero page carries the RSDP's address.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hv/loader/pc_acpi.h"
#include "hv/loader/pc_bda.h"
#include "hv/loader/mb1.h"
#include "hv/loader/linux_bp.h"
#include "hv/loader/loader.h"

#define LOW_MEM  0x100000

static uint8_t low[LOW_MEM];

static void setup_low(void)
{
	memset(low, 0, sizeof(low));
	pc_acpi_build(low + PC_ACPI_GPA);
}

/* The RSDP search of "Finding the RSDP on IA-PC Systems" (the EBDA's
 * first KiB is empty here): the first 16-byte boundary with the
 * signature and a valid 20-byte checksum. 0: none. */
static uint64_t find_rsdp(void)
{
	for (uint64_t a = 0xE0000; a < 0x100000; a += 16)
		if (!memcmp(low + a, "RSD PTR ", 8) && !pc_acpi_sum(low + a, 20))
			return a;
	return 0;
}

/* A table at gpa with signature sig: length within the low MiB, checksum
 * valid, OEM ID "EPTLAB". Returns its length. */
static uint32_t check_table(uint64_t gpa, const char *sig)
{
	uint32_t len;

	assert_true(gpa >= 0xE0000 && gpa + 36 <= LOW_MEM);
	assert_memory_equal(low + gpa, sig, 4);
	len = get_le32(low + gpa + 4);
	assert_true(len >= 36 && gpa + len <= LOW_MEM);
	assert_int_equal(pc_acpi_sum(low + gpa, len), 0);
	assert_memory_equal(low + gpa + 10, "EPTLAB", 6);
	return len;
}

static void test_rsdp(void **state)
{
	uint64_t r;

	setup_low();
	r = find_rsdp();
	assert_int_equal(r, PC_ACPI_GPA);
	assert_int_equal(low[r + 15], 2);                  /* revision */
	assert_int_equal(get_le32(low + r + 20), 36);      /* length */
	assert_int_equal(pc_acpi_sum(low + r, 36), 0);     /* extended */
	assert_memory_equal(low + r + 9, "EPTLAB", 6);
	assert_int_equal(get_le32(low + r + 16), PC_ACPI_GPA + PC_ACPI_RSDT_OFF);
	assert_int_equal(get_le64(low + r + 24), PC_ACPI_GPA + PC_ACPI_XSDT_OFF);
	/* Nothing else in the searched area looks like an RSDP. */
	for (uint64_t a = 0xE0000; a < 0x100000; a += 16)
		if (a != r)
			assert_false(!memcmp(low + a, "RSD PTR ", 8));
}

/* The XSDT and the RSDT list the same tables: the FADT and the MADT. */
static void test_xsdt_rsdt(void **state)
{
	uint64_t x = PC_ACPI_GPA + PC_ACPI_XSDT_OFF;
	uint64_t rs = PC_ACPI_GPA + PC_ACPI_RSDT_OFF;
	uint32_t xl, rl;

	setup_low();
	xl = check_table(x, "XSDT");
	rl = check_table(rs, "RSDT");
	assert_int_equal((xl - 36) / 8, 2);
	assert_int_equal((rl - 36) / 4, 2);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(get_le64(low + x + 36 + 8 * i),
				 get_le32(low + rs + 36 + 4 * i));
	check_table(get_le64(low + x + 36), "FACP");
	check_table(get_le64(low + x + 44), "APIC");
}

static void test_fadt(void **state)
{
	uint64_t f = PC_ACPI_GPA + PC_ACPI_FADT_OFF, facs, dsdt;
	uint32_t flags;

	setup_low();
	assert_int_equal(check_table(f, "FACP"), 268);
	assert_int_equal(low[f + 8], 5);                   /* revision */
	assert_int_equal(get_le32(low + f + 36), 0);       /* FIRMWARE_CTRL */
	facs = get_le64(low + f + 132);                    /* X_FIRMWARE_CTRL */
	dsdt = get_le32(low + f + 40);
	assert_int_equal(get_le64(low + f + 140), dsdt);   /* X_DSDT */
	assert_int_equal(facs % 64, 0);
	assert_memory_equal(low + facs, "FACS", 4);
	assert_int_equal(get_le32(low + facs + 4), 64);
	assert_int_equal(low[facs + 32], 2);
	assert_int_equal(check_table(dsdt, "DSDT"), 36);
	assert_int_equal(get_le16(low + f + 46), 9);       /* SCI_INT */
	assert_int_equal(get_le32(low + f + 48), 0);       /* SMI_CMD */
	assert_int_equal(get_le32(low + f + 56), 0x600);   /* PM1a_EVT_BLK */
	assert_int_equal(get_le32(low + f + 64), 0x604);   /* PM1a_CNT_BLK */
	assert_int_equal(low[f + 88], 4);
	assert_int_equal(low[f + 89], 2);
	assert_int_equal(get_le32(low + f + 76), 0);       /* no PM timer */
	assert_int_equal(low[f + 91], 0);
	assert_int_equal(low[f + 108], 0x32);              /* CENTURY */
	assert_int_equal(get_le16(low + f + 109), 1);      /* legacy, no 8042 */
	flags = get_le32(low + f + 112);
	assert_int_equal(flags, 0x35);          /* WBINVD, C1, no buttons */
	assert_false(flags & (1u << 20));       /* not HW_REDUCED_ACPI */
}

static void test_madt(void **state)
{
	uint64_t m = PC_ACPI_GPA + PC_ACPI_MADT_OFF;
	uint32_t len;
	unsigned nlapic = 0, nioapic = 0, niso = 0, nnmi = 0;

	setup_low();
	len = check_table(m, "APIC");
	assert_int_equal(get_le32(low + m + 36), 0xFEE00000);
	assert_int_equal(get_le32(low + m + 40), 1);       /* PCAT_COMPAT */
	for (uint64_t e = m + 44; e < m + len; e += low[e + 1]) {
		const uint8_t *p = low + e;

		assert_true(p[1] >= 2 && e + p[1] <= m + len);
		switch (p[0]) {
		case 0:      /* Processor Local APIC */
			assert_int_equal(p[1], 8);
			assert_int_equal(p[2], 0);         /* UID */
			assert_int_equal(p[3], 0);         /* APIC ID */
			assert_int_equal(get_le32(p + 4), 1);
			nlapic++;
			break;
		case 1:      /* I/O APIC */
			assert_int_equal(p[1], 12);
			assert_int_equal(p[2], PC_ACPI_IOAPIC_ID);
			assert_int_equal(get_le32(p + 4), 0xFEC00000);
			assert_int_equal(get_le32(p + 8), 0);
			nioapic++;
			break;
		case 2:      /* Interrupt Source Override: only the SCI's */
			assert_int_equal(p[1], 10);
			assert_int_equal(p[2], 0);         /* ISA */
			assert_int_equal(p[3], 9);
			assert_int_equal(get_le32(p + 4), 9);
			assert_int_equal(get_le16(p + 8), 0xD);  /* level, high */
			niso++;
			break;
		case 4:      /* Local APIC NMI */
			assert_int_equal(p[1], 6);
			assert_int_equal(p[2], 0xFF);
			assert_int_equal(get_le16(p + 3), 0);
			assert_int_equal(p[5], 1);         /* LINT1 */
			nnmi++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", p[0]);
		}
	}
	assert_int_equal(nlapic, 1);
	assert_int_equal(nioapic, 1);
	assert_int_equal(niso, 1);     /* no IRQ 0 -> GSI 2: identity */
	assert_int_equal(nnmi, 1);
}

/* Every byte outside the tables is 0 (the builder leaves no garbage). */
static void test_only_tables(void **state)
{
	static const struct { unsigned off, len; } t[] = {
		{ PC_ACPI_RSDP_OFF, PC_ACPI_RSDP_LEN },
		{ PC_ACPI_FACS_OFF, PC_ACPI_FACS_LEN },
		{ PC_ACPI_XSDT_OFF, PC_ACPI_XSDT_LEN },
		{ PC_ACPI_RSDT_OFF, PC_ACPI_RSDT_LEN },
		{ PC_ACPI_FADT_OFF, PC_ACPI_FADT_LEN },
		{ PC_ACPI_DSDT_OFF, PC_ACPI_DSDT_LEN },
		{ PC_ACPI_MADT_OFF, PC_ACPI_MADT_LEN },
	};
	uint8_t buf[PC_ACPI_SIZE];

	memset(buf, 0xAB, sizeof(buf));
	pc_acpi_build(buf);
	for (unsigned i = 0; i < PC_ACPI_SIZE; i++) {
		bool in = false;

		for (unsigned j = 0; j < sizeof(t) / sizeof(t[0]); j++)
			in |= i >= t[j].off && i < t[j].off + t[j].len;
		if (!in)
			assert_int_equal(buf[i], 0);
	}
}

/* The Multiboot map reserves the whole blob (one reserved entry holds
 * it), whatever the modules. */
static void test_mb1_map_reserves(void **state)
{
	struct mb1_mmap_entry m[6];
	size_t n = mb1_pc_mmap(128 << 20, PC_EBDA_GPA, 0x204000, 0x209000,
			       m, 6);
	bool held = false;

	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		if (loader_overlap(m[i].base, m[i].len, PC_ACPI_GPA,
				   PC_ACPI_SIZE))
			assert_int_equal(m[i].type, MB1_MEM_RESERVED);
		held |= m[i].type == MB1_MEM_RESERVED &&
			m[i].base <= PC_ACPI_GPA &&
			m[i].base + m[i].len >= PC_ACPI_GPA + PC_ACPI_SIZE;
	}
	assert_true(held);
}

/* boot_params.acpi_rsdp_addr (zero-page.rst, offset 0x070). */
static void test_linux_zp_rsdp(void **state)
{
	static uint8_t img[0x400];
	static struct linux_image out;
	struct linux_layout lay = { .cmdline_gpa = 0x20000,
				    .acpi_rsdp_gpa = PC_ACPI_GPA };

	memset(&out, 0, sizeof(out));
	out.s.hdr_end = 0x202 + 0x60;
	linux_build_zp(img, &lay, &out);
	assert_int_equal(get_le64(out.zp + LX_ZP_ACPI_RSDP_ADDR), PC_ACPI_GPA);
	lay.acpi_rsdp_gpa = 0;
	linux_build_zp(img, &lay, &out);
	assert_int_equal(get_le64(out.zp + LX_ZP_ACPI_RSDP_ADDR), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsdp),
		cmocka_unit_test(test_xsdt_rsdt),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_madt),
		cmocka_unit_test(test_only_tables),
		cmocka_unit_test(test_mb1_map_reserves),
		cmocka_unit_test(test_linux_zp_rsdp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
