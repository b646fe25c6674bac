/*
 * The guest platform's ACPI tables (hv/loader/pc_acpi.h, docs/acpi.md).
 * Field offsets and values from the ACPI specification (6.5; the tables
 * keep the revisions of ACPI 5.0, which Xen 4.17 and Linux 6.1 both know
 * in full). All integers little-endian; every table's bytes sum to 0.
 *
 *   RSDP  "Root System Description Pointer (RSDP) Structure", revision 2
 *   XSDT  "Extended System Description Table (XSDT)": FADT, MADT
 *   RSDT  "Root System Description Table (RSDT)": the same, 32-bit
 *   FADT  "Fixed ACPI Description Table (FADT)", revision 5: SCI on IRQ 9,
 *         the PM1a blocks, FACS and DSDT, legacy devices, not HW-reduced
 *   FACS  "Firmware ACPI Control Structure (FACS)", version 2
 *   DSDT  "Differentiated System Description Table (DSDT)": no AML
 *   MADT  "Multiple APIC Description Table (MADT)", revision 3: one local
 *         APIC, one I/O APIC, the SCI's override, LINT1 as NMI
 */
#include "hv/loader/pc_acpi.h"
#include "hv/loader/loader.h"
#include "lib/string.h"

#define OEM_ID        "EPTLAB"      /* 6 bytes */
#define OEM_TABLE_ID  "EPTLABPC"    /* 8 bytes */
#define CREATOR_ID    "EPTL"
#define GPA(off)      ((uint32_t)(PC_ACPI_GPA + (off)))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

uint8_t pc_acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

/* "System Description Table Header": signature, length, revision,
 * checksum (set last, by finish), OEM ID, OEM table ID, OEM revision,
 * creator ID, creator revision. */
static void header(uint8_t *t, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(t, sig, 4);
	put_le32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, OEM_ID, 6);
	memcpy(t + 16, OEM_TABLE_ID, 8);
	put_le32(t + 24, 1);
	memcpy(t + 28, CREATOR_ID, 4);
	put_le32(t + 32, 1);
}

static void finish(uint8_t *t, size_t len, size_t sum_off)
{
	t[sum_off] = (uint8_t)(0x100 - pc_acpi_sum(t, len));
}

static void rsdp(uint8_t *t)
{
	memcpy(t, "RSD PTR ", 8);
	memcpy(t + 9, OEM_ID, 6);
	t[15] = 2;                               /* ACPI 2.0+: has the XSDT */
	put_le32(t + 16, GPA(PC_ACPI_RSDT_OFF));
	put_le32(t + 20, PC_ACPI_RSDP_LEN);
	put_le64(t + 24, GPA(PC_ACPI_XSDT_OFF));
	finish(t, 20, 8);                        /* the ACPI 1.0 part */
	finish(t, PC_ACPI_RSDP_LEN, 32);         /* the whole structure */
}

static void xsdt_rsdt(uint8_t *x, uint8_t *r)
{
	header(x, "XSDT", PC_ACPI_XSDT_LEN, 1);
	put_le64(x + 36, GPA(PC_ACPI_FADT_OFF));
	put_le64(x + 44, GPA(PC_ACPI_MADT_OFF));
	finish(x, PC_ACPI_XSDT_LEN, 9);
	header(r, "RSDT", PC_ACPI_RSDT_LEN, 1);
	put_le32(r + 36, GPA(PC_ACPI_FADT_OFF));
	put_le32(r + 40, GPA(PC_ACPI_MADT_OFF));
	finish(r, PC_ACPI_RSDT_LEN, 9);
}

/* FADT "Fixed ACPI Description Table Fixed Feature Flags" and
 * "IA-PC Boot Architecture Flags". */
#define FADT_WBINVD          BIT(0)   /* WBINVD flushes caches (required) */
#define FADT_PROC_C1         BIT(2)   /* C1 (HLT) on every processor */
#define FADT_PWR_BUTTON      BIT(4)   /* no fixed-feature power button */
#define FADT_SLP_BUTTON      BIT(5)   /* no fixed-feature sleep button */
#define BOOT_LEGACY_DEVICES  BIT(0)   /* ISA devices (PIC, PIT, RTC, COM1) */

/*
 * The FADT. The FACS is given by X_FIRMWARE_CTRL alone: the
 * specification wants FIRMWARE_CTRL 0 when X_FIRMWARE_CTRL is set (Xen
 * warns of a "32/64X FACS address mismatch" otherwise); the DSDT by both
 * DSDT and X_DSDT, equal. Zero: SMI_CMD (no SMM: the platform is always
 * in ACPI mode, so an OS never writes ACPI_ENABLE), the PM1b, PM2, PM
 * timer and GPE blocks (none: the clocks are the 8254, the RTC and the
 * TSC), the reset register, the ARM flags and every X_ block (an OS then
 * takes the 32-bit block fields).
 * P_LVL2_LAT > 100 and P_LVL3_LAT > 1000 say: no C2, no C3. CENTURY 0x32
 * is the RTC's century byte (hv/dev/rtc_cmos.c). IAPC_BOOT_ARCH: legacy
 * devices, no 8042 (there is no keyboard controller), a VGA text screen,
 * MSI possible, a CMOS RTC. HW_REDUCED_ACPI (flag bit 20) stays 0: with
 * it Linux assumes no 8259A and no 8254.
 */
static void fadt(uint8_t *t)
{
	header(t, "FACP", PC_ACPI_FADT_LEN, 5);
	put_le32(t + 40, GPA(PC_ACPI_DSDT_OFF));  /* DSDT */
	put16(t + 46, PC_ACPI_SCI_IRQ);           /* SCI_INT */
	put_le32(t + 56, PC_ACPI_PM1A_EVT);       /* PM1a_EVT_BLK */
	put_le32(t + 64, PC_ACPI_PM1A_CNT);       /* PM1a_CNT_BLK */
	t[88] = 4;                                /* PM1_EVT_LEN */
	t[89] = 2;                                /* PM1_CNT_LEN */
	put16(t + 96, 101);                       /* P_LVL2_LAT */
	put16(t + 98, 1001);                      /* P_LVL3_LAT */
	t[108] = 0x32;                            /* CENTURY */
	put16(t + 109, BOOT_LEGACY_DEVICES);      /* IAPC_BOOT_ARCH */
	put_le32(t + 112, FADT_WBINVD | FADT_PROC_C1 | FADT_PWR_BUTTON |
		 FADT_SLP_BUTTON);                /* Flags */
	put_le64(t + 132, GPA(PC_ACPI_FACS_OFF)); /* X_FIRMWARE_CTRL */
	put_le64(t + 140, GPA(PC_ACPI_DSDT_OFF)); /* X_DSDT */
	finish(t, PC_ACPI_FADT_LEN, 9);
}

/* The FACS has no checksum: signature, length, hardware signature 0,
 * no waking vector, the global lock free, no S4BIOS, version 2. */
static void facs(uint8_t *t)
{
	memcpy(t, "FACS", 4);
	put_le32(t + 4, PC_ACPI_FACS_LEN);
	t[32] = 2;
}

/* A DSDT of no AML: a valid definition block that defines nothing.
 * Revision 2: integers in AML are 64-bit. */
static void dsdt(uint8_t *t)
{
	header(t, "DSDT", PC_ACPI_DSDT_LEN, 2);
	finish(t, PC_ACPI_DSDT_LEN, 9);
}

/* MADT "Multiple APIC Flags" and "Local APIC Flags", "MPS INTI Flags". */
#define MADT_PCAT_COMPAT     BIT(0)   /* a dual 8259A is present too */
#define LAPIC_ENABLED        BIT(0)
#define INTI_ACTIVE_HIGH     1        /* polarity, bits 1:0 */
#define INTI_LEVEL           (3 << 2) /* trigger mode, bits 3:2 */

/*
 * The MADT: the local APIC address; PCAT_COMPAT (the platform has the
 * 8259A pair, which an OS masks when it uses the APICs); then
 *   type 0 "Processor Local APIC": ACPI processor UID 0, APIC ID 0, enabled
 *   type 1 "I/O APIC": ID PC_ACPI_IOAPIC_ID at 0xFEC00000, GSI base 0
 *   type 2 "Interrupt Source Override": ISA IRQ 9 (the SCI) -> GSI 9,
 *          level, active high. Without it an OS takes the SCI as level,
 *          active low, and the I/O APIC sees pin 9, which nothing drives
 *          (level 0), as asserted.
 *   type 4 "Local APIC NMI": every processor (UID 0xFF), LINT1, the
 *          conforming polarity and trigger mode of NMI (edge, high)
 * No override for IRQ 0: the platform routes ISA IRQ n to 8259A input n
 * and I/O APIC pin n for every n (docs/platform.md), so the PIT is GSI 0,
 * the identity an OS assumes for every ISA IRQ without an override.
 */
static void madt(uint8_t *t)
{
	uint8_t *e = t + 44;

	header(t, "APIC", PC_ACPI_MADT_LEN, 3);
	put_le32(t + 36, PC_ACPI_LAPIC_GPA);
	put_le32(t + 40, MADT_PCAT_COMPAT);
	e[0] = 0; e[1] = 8; e[2] = 0; e[3] = 0;
	put_le32(e + 4, LAPIC_ENABLED);
	e += 8;
	e[0] = 1; e[1] = 12; e[2] = PC_ACPI_IOAPIC_ID;
	put_le32(e + 4, PC_ACPI_IOAPIC_GPA);
	put_le32(e + 8, 0);
	e += 12;
	e[0] = 2; e[1] = 10; e[2] = 0; e[3] = PC_ACPI_SCI_IRQ;
	put_le32(e + 4, PC_ACPI_SCI_IRQ);
	put16(e + 8, INTI_ACTIVE_HIGH | INTI_LEVEL);
	e += 10;
	e[0] = 4; e[1] = 6; e[2] = 0xFF;
	put16(e + 3, 0);
	e[5] = 1;
	finish(t, PC_ACPI_MADT_LEN, 9);
}

_Static_assert(PC_ACPI_RSDP_OFF + PC_ACPI_RSDP_LEN <= PC_ACPI_FACS_OFF &&
	       PC_ACPI_FACS_OFF % 64 == 0 &&
	       PC_ACPI_FACS_OFF + PC_ACPI_FACS_LEN <= PC_ACPI_XSDT_OFF &&
	       PC_ACPI_XSDT_OFF + PC_ACPI_XSDT_LEN <= PC_ACPI_RSDT_OFF &&
	       PC_ACPI_RSDT_OFF + PC_ACPI_RSDT_LEN <= PC_ACPI_FADT_OFF &&
	       PC_ACPI_FADT_OFF + PC_ACPI_FADT_LEN <= PC_ACPI_DSDT_OFF &&
	       PC_ACPI_DSDT_OFF + PC_ACPI_DSDT_LEN <= PC_ACPI_MADT_OFF &&
	       PC_ACPI_MADT_OFF + PC_ACPI_MADT_LEN <= PC_ACPI_SIZE,
	       "the ACPI tables overlap or overflow the blob");
_Static_assert(PC_ACPI_GPA % 16 == 0 && PC_ACPI_GPA >= 0xE0000 &&
	       PC_ACPI_GPA + PC_ACPI_SIZE <= 0x100000,
	       "the RSDP must be where an OS searches: 0xE0000-0xFFFFF");

void pc_acpi_build(uint8_t buf[PC_ACPI_SIZE])
{
	memset(buf, 0, PC_ACPI_SIZE);
	rsdp(buf + PC_ACPI_RSDP_OFF);
	facs(buf + PC_ACPI_FACS_OFF);
	xsdt_rsdt(buf + PC_ACPI_XSDT_OFF, buf + PC_ACPI_RSDT_OFF);
	fadt(buf + PC_ACPI_FADT_OFF);
	dsdt(buf + PC_ACPI_DSDT_OFF);
	madt(buf + PC_ACPI_MADT_OFF);
}
