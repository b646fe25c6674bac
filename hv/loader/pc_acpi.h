/*
 * The guest platform's ACPI tables (hv/loader/pc_acpi.c): the minimum that
 * lets a kernel written for PCs (Xen, Linux) find one CPU, its local APIC,
 * the I/O APIC and the legacy 8259A/8254 routing, without an MP table.
 * docs/acpi.md describes every field. Pure C: the tables are built into a
 * byte buffer that the caller copies to PC_ACPI_GPA.
 *
 * The blob lies in the BIOS area [0xF0000, 0x100000), which every memory
 * map eptlab builds already reserves (mb1_pc_mmap, the Linux e820), and
 * the RSDP at its first byte, a 16-byte boundary inside 0xE0000-0xFFFFF,
 * where the ACPI specification ("Finding the RSDP on IA-PC Systems") tells
 * an OS to search.
 */
#ifndef EPTLAB_HV_LOADER_PC_ACPI_H
#define EPTLAB_HV_LOADER_PC_ACPI_H

#include "include/types.h"

#define PC_ACPI_GPA         0xF0000ULL   /* the RSDP, then the tables */
#define PC_ACPI_SIZE        0x400        /* bytes of the blob */

/* Offsets of each table in the blob (the FACS 64-byte aligned, as ACPI
 * "Firmware ACPI Control Structure (FACS)" requires; the others 8). */
#define PC_ACPI_RSDP_OFF    0x000
#define PC_ACPI_FACS_OFF    0x040
#define PC_ACPI_XSDT_OFF    0x080
#define PC_ACPI_RSDT_OFF    0x0C0
#define PC_ACPI_FADT_OFF    0x100
#define PC_ACPI_DSDT_OFF    0x240
#define PC_ACPI_MADT_OFF    0x280

/* What the tables say about the platform. */
#define PC_ACPI_LAPIC_GPA   0xFEE00000U  /* local APIC of every CPU */
#define PC_ACPI_IOAPIC_GPA  0xFEC00000U
#define PC_ACPI_IOAPIC_ID   1            /* not 0: the BSP's APIC ID */
#define PC_ACPI_SCI_IRQ     9            /* ISA IRQ 9 = GSI 9, as PIIX4 */
#define PC_ACPI_PM1A_EVT    0x600        /* PM1a event block, 4 ports */
#define PC_ACPI_PM1A_CNT    0x604        /* PM1a control block, 2 ports */

/* Sizes of the tables pc_acpi_build writes (for the tests). */
#define PC_ACPI_RSDP_LEN    36
#define PC_ACPI_FACS_LEN    64
#define PC_ACPI_XSDT_LEN    (36 + 2 * 8)
#define PC_ACPI_RSDT_LEN    (36 + 2 * 4)
#define PC_ACPI_FADT_LEN    268          /* FADT revision 5 (ACPI 5.0) */
#define PC_ACPI_DSDT_LEN    36
#define PC_ACPI_MADT_LEN    (44 + 8 + 12 + 10 + 6)

/* Build the tables for a blob at PC_ACPI_GPA into buf (all of it: bytes
 * no table uses are 0). */
void pc_acpi_build(uint8_t buf[PC_ACPI_SIZE]);

/* The 8-bit sum of len bytes (an ACPI table is valid when it is 0). */
uint8_t pc_acpi_sum(const uint8_t *p, size_t len);

#endif
