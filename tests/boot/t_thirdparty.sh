# A kernel nobody here wrote: the Xen hypervisor from Debian's
# xen-hypervisor-4.17-amd64 (scripts/fetch-thirdparty.sh caches it under
# build/thirdparty, never committed), an ELF32 Multiboot v1 kernel that
# reads CPUID, probes MSRs, writes CR4 and the PAT, and takes modules. It
# boots under eptlab with a dom0 module it cannot use (a text file), gets
# past its CPU and MSR probing to a verdict of its own (today a panic
# before it reaches the APIC, docs/virtual-cpu.md "Third-party kernels"),
# and eptlab stops it for none of its CPUID, MSR, CR or XSETBV accesses.

_thirdparty_xen_checks() {
    expect_all "$SERIAL" \
        '^guest: \(XEN\) Xen version 4\.17' "Xen's banner on the guest's COM1" \
        '^guest: \(XEN\) Bootloader: eptlab$' "Xen reading the Multiboot info" \
        '^guest: \(XEN\) CPU Vendor: Intel, Family 6' "Xen's CPUID probing" \
        '^guest: \(XEN\) Multiboot-e820 RAM map:$' "Xen reading the memory map" \
        '^guest: \(XEN\)  \[[0-9a-f]+, [0-9a-f]+\] \(reserved\)$' "the module's range reserved in the map" \
        '^guest: \(XEN\) System RAM: 255MB' "Xen sizing guest RAM" \
        '^guest: \(XEN\) Panic on CPU 0:$' "a verdict of Xen's own (a panic)" \
        "^guest: \\(XEN\\) Manual reset required \\('noreboot' specified\\)$" "Xen halting itself" \
        '^EPTLAB-END: FAIL \(guest halted with interrupts disabled and nothing pending: it can never wake\)$' "the run ending at Xen's own halt" || return 1
    # Not stopped by eptlab: no guest stop (state dump), no VM-entry
    # failure, no refused CR write or XSETBV, no unvirtualized access.
    expect_not "$SERIAL" '^guest state \(' "eptlab stopped Xen (a guest stop)" || return 1
    expect_not "$SERIAL" 'VM-entry|pre-entry check failed|not virtualized|^xsetbv: |^cr: MOV' \
        "eptlab refused one of Xen's CPU accesses" || return 1
    expect_not "$SERIAL" '^audit: BAD' "a host MSR changed" || return 1
    bochs_log_clean
}
t_thirdparty_xen() {
    local d=$TESTDIR/thirdparty-xen-files
    mkdir -p "$d"
    if ! "$ROOT/scripts/fetch-thirdparty.sh" >"$d/fetch.log" 2>&1; then
        fail_reason "scripts/fetch-thirdparty.sh failed: $(tail -n 2 "$d/fetch.log" | tr '\n' ' ')"
        return 1
    fi
    echo "this is not a dom0 kernel" >"$d/dom0.txt"
    local -a BOOT_MODS=("$d/dom0.txt:dom0")
    # no-real-mode, edd=off: no BIOS calls (eptlab has no BIOS);
    # noreboot: Xen halts after a panic instead of trying every reset;
    # loglvl=all: its CPU line too.
    boot_run thirdparty-xen "guest_mem=256M" "$ROOT/$BUILD/thirdparty/xen-4.17.elf" \
        "console=com1 com1=115200,8n1 loglvl=all no-real-mode edd=off noreboot" \
        --megs 1024 || return 1
    _thirdparty_xen_checks
}
register_test thirdparty-xen t_thirdparty_xen

# The Multiboot specification's example kernel (Debian package multiboot):
# it asks for video mode information (header flag bit 2), gets the EGA
# text screen as its framebuffer, prints its boot information there and
# halts. eptlab prints that screen at the end of the run.
_thirdparty_mb_example_checks() {
    expect_all "$SERIAL" \
        '^vm: Multiboot v1 guest module loaded at GPA 0x100000-' "the example kernel loaded (flags 0x7 accepted)" \
        '^vga:  1 \|m.m_lower = 639KB, mem_upper = [0-9]+KB$' "its memory line on the VGA screen" \
        '^vga:  2 \|cm.line = guest$' "its command line" \
        '^vga:  5 \| size.= 0x14, base_addr = 0x00009fc00, length = 0x000000400, type = 0x2$' "the EBDA reserved in its map" \
        '^vga:  8 \|Halted\. ' "its own last word" \
        '^EPTLAB-END: FAIL \(guest halted with interrupts disabled and nothing pending: it can never wake\)$' "the run ending at its HLT" || return 1
    expect_not "$SERIAL" '^guest state \(' "eptlab stopped the kernel (a guest stop)" || return 1
    bochs_log_clean
}
t_thirdparty_mb_example() {
    local d=$TESTDIR/thirdparty-mb-files
    mkdir -p "$d"
    if ! "$ROOT/scripts/fetch-thirdparty.sh" >"$d/fetch.log" 2>&1; then
        fail_reason "scripts/fetch-thirdparty.sh failed: $(tail -n 2 "$d/fetch.log" | tr '\n' ' ')"
        return 1
    fi
    boot_run thirdparty-multiboot-example "" "$ROOT/$BUILD/thirdparty/multiboot-kernel.elf" "" \
        --megs 256 || return 1
    _thirdparty_mb_example_checks
}
register_test thirdparty-multiboot-example t_thirdparty_mb_example

# Xen with acpi=on (docs/acpi.md): it finds the RSDP by its search of
# 0xE0000-0xFFFFF and reads every table eptlab wrote (the XSDT, FADT,
# DSDT, FACS and MADT, each named with eptlab's OEM ID), the FADT's sleep
# registers and the MADT's local APIC address, so it no longer stops at
# "no MADT" (BUG_ON(num_online_cpus() != 1) after "SMP: Allowing 1 CPUs").
# Its next step, mp_register_lapic_address reading the local APIC ID
# register, is an EPT violation (the APIC page is not emulated until issue
# 12 phase B): eptlab injects #GP and Xen panics with it, deterministically.
_thirdparty_xen_acpi_checks() {
    expect_all "$SERIAL" \
        '^vm: ACPI tables at GPA 0xf0000-0xf0400: RSDP 0xf0000, ' "eptlab writing the tables (acpi=on)" \
        '^guest: \(XEN\) Xen version 4\.17' "Xen's banner" \
        '^guest: \(XEN\) ACPI: RSDP 000F0000, 0024 \(r2 EPTLAB\)$' "Xen finding the RSDP (revision 2)" \
        '^guest: \(XEN\) ACPI: XSDT 000F0080, 0034 \(r1 EPTLAB EPTLABPC +1 EPTL +1\)$' "Xen reading the XSDT" \
        '^guest: \(XEN\) ACPI: FACP 000F0100, 010C \(r5 EPTLAB ' "the FADT (revision 5, 268 bytes)" \
        '^guest: \(XEN\) ACPI: DSDT 000F0240, 0024 \(r2 EPTLAB ' "the DSDT" \
        '^guest: \(XEN\) ACPI: FACS 000F0040, 0040$' "the FACS" \
        '^guest: \(XEN\) ACPI: APIC 000F0280, 0050 \(r3 EPTLAB ' "the MADT" \
        '^guest: \(XEN\) ACPI: SLEEP INFO: pm1x_cnt\[1:604,1:0\], pm1x_evt\[1:600,1:0\]$' "the FADT's PM1a blocks" \
        '^guest: \(XEN\) ACPI: Local APIC address 0xfee00000$' "the MADT's local APIC address" \
        '^ept: violation: GPA 0xfee00020, read access, .*the local APIC page \(0xFEE00000\), not emulated; #GP\(0\) injected$' "its read of the APIC ID register refused (phase B)" \
        '^guest: \(XEN\) RIP: +e008:\[<[0-9a-f]+>\] mp_register_lapic_address\+' "the read in mp_register_lapic_address" \
        '^guest: \(XEN\) +\[<[0-9a-f]+>\] S acpi_boot_init\+' "called from acpi_boot_init (the MADT)" \
        '^guest: \(XEN\) GENERAL PROTECTION FAULT$' "Xen's panic names the #GP" \
        "^guest: \\(XEN\\) Manual reset required \\('noreboot' specified\\)$" "Xen halting itself" \
        '^EPTLAB-END: FAIL \(guest halted with interrupts disabled and nothing pending: it can never wake\)$' "the run ending at Xen's own halt" || return 1
    expect_not "$SERIAL" 'ACPI: .*(mismatch|[Ii]nvalid|checksum|[Bb]ad )' "Xen complaining about a table" || return 1
    expect_not "$SERIAL" 'Xen BUG at|SMP: Allowing' "Xen stopping where it did without tables" || return 1
    expect_not "$SERIAL" '^guest state \(' "eptlab stopped Xen (a guest stop)" || return 1
    expect_not "$SERIAL" '^audit: BAD' "a host MSR changed" || return 1
    bochs_log_clean
}
t_thirdparty_xen_acpi() {
    local d=$TESTDIR/thirdparty-xen-acpi-files
    mkdir -p "$d"
    if ! "$ROOT/scripts/fetch-thirdparty.sh" >"$d/fetch.log" 2>&1; then
        fail_reason "scripts/fetch-thirdparty.sh failed: $(tail -n 2 "$d/fetch.log" | tr '\n' ' ')"
        return 1
    fi
    echo "this is not a dom0 kernel" >"$d/dom0.txt"
    local -a BOOT_MODS=("$d/dom0.txt:dom0")
    boot_run thirdparty-xen-acpi "guest_mem=256M acpi=on" "$ROOT/$BUILD/thirdparty/xen-4.17.elf" \
        "console=com1 com1=115200,8n1 loglvl=all no-real-mode edd=off noreboot" \
        --megs 1024 || return 1
    _thirdparty_xen_acpi_checks
}
register_test thirdparty-xen-acpi t_thirdparty_xen_acpi
