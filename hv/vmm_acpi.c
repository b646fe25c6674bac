/*
 * The guest's ACPI tables (hv/loader/pc_acpi.h, docs/acpi.md), written
 * into guest RAM when the option acpi=on asks for them. Both boot
 * protocols call it; the memory maps they build reserve the blob already
 * (the BIOS area, [0xF0000, 0x100000)).
 */
#include "hv/vmm_guest.h"
#include "hv/vm.h"
#include "hv/options.h"
#include "hv/run.h"
#include "hv/loader/pc_acpi.h"
#include "lib/console.h"

uint64_t vmm_acpi_load(struct vm *vm)
{
	static uint8_t blob[PC_ACPI_SIZE];

	if (!hv_opts.acpi)
		return 0;
	pc_acpi_build(blob);
	if (vm_write(vm, PC_ACPI_GPA, blob, sizeof(blob)))
		panic("guest RAM too small for the ACPI tables at 0x%llx",
		      (unsigned long long)PC_ACPI_GPA);
	printf("vm: ACPI tables at GPA 0x%llx-0x%llx: RSDP 0x%llx, XSDT, "
	       "RSDT, FADT (SCI IRQ %u), FACS, DSDT, MADT (1 CPU, local APIC "
	       "0x%x, I/O APIC %u at 0x%x)\n",
	       (unsigned long long)PC_ACPI_GPA,
	       (unsigned long long)(PC_ACPI_GPA + PC_ACPI_SIZE),
	       (unsigned long long)(PC_ACPI_GPA + PC_ACPI_RSDP_OFF),
	       PC_ACPI_SCI_IRQ, PC_ACPI_LAPIC_GPA, PC_ACPI_IOAPIC_ID,
	       PC_ACPI_IOAPIC_GPA);
	return PC_ACPI_GPA + PC_ACPI_RSDP_OFF;
}
