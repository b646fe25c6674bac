# A kernel nobody here wrote: the Xen hypervisor from Debian's
# xen-hypervisor-4.17-amd64 (scripts/fetch-thirdparty.sh caches it under
# build/thirdparty, never committed), an ELF32 Multiboot v1 kernel that
# reads CPUID, probes MSRs, writes CR4 and the PAT, and takes modules. It
# boots under eptlab with a dom0 module it cannot use (a text file) and,
# with the default acpi=on, runs to its own verdict about that module
# (docs/virtual-cpu.md "Third-party kernels"): it reads eptlab's ACPI
# tables and its local APIC and I/O APIC, calibrates the TSC against the
# PIT, enables interrupts and checks that PIT ticks arrive through I/O
# APIC pin 0, turns on the TSC-deadline timer, brings up its CPU, then
# finds that dom0 is not an ELF binary and panics. eptlab stops it for
# none of its CPUID, MSR, CR, XSETBV or APIC accesses.

# _xen_boot NAME HVARGS: Xen with the text dom0 module.
_xen_boot() {
    local d=$TESTDIR/$1-files
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
    boot_run "$1" "guest_mem=256M${2:+ $2}" "$ROOT/$BUILD/thirdparty/xen-4.17.elf" \
        "console=com1 com1=115200,8n1 loglvl=all no-real-mode edd=off noreboot" \
        --megs 1024
}

# What every Xen run shows up to its memory sizing, and that eptlab never
# stopped or refused it.
_xen_common_checks() {
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
    expect_not "$SERIAL" 'VM-entry|pre-entry check failed|not virtualized|^xsetbv: |^cr: MOV|^ept: violation|^mmio: ' \
        "eptlab refused one of Xen's CPU or device accesses" || return 1
    expect_not "$SERIAL" '^audit: BAD' "a host MSR changed" || return 1
}

_thirdparty_xen_checks() {
    local mhz khz
    _xen_common_checks || return 1
    expect_all "$SERIAL" \
        '^guest: \(XEN\) ACPI: RSDP 000F0000, 0024 \(r2 EPTLAB\)$' "Xen finding eptlab's RSDP" \
        '^guest: \(XEN\) ACPI: APIC 000F0280, 0050 \(r3 EPTLAB ' "the MADT" \
        '^guest: \(XEN\) ACPI: Local APIC address 0xfee00000$' "the MADT's local APIC address" \
        '^guest: \(XEN\) IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23$' "the I/O APIC from the MADT" \
        '^guest: \(XEN\) SMP: Allowing 1 CPUs \(0 hotplug CPUs\)$' "one CPU from the MADT, its APIC ID read" \
        '^guest: \(XEN\) BSP microcode revision: 0x[0-9a-f]+$' "IA32_PLATFORM_ID and IA32_BIOS_SIGN_ID read" \
        '^guest: \(XEN\) Platform timer is 1\.193MHz PIT$' "the PIT as its platform timer" \
        '^guest: \(XEN\) Detected [0-9]+\.[0-9]+ MHz processor\.$' "the TSC calibrated against the PIT" \
        '^guest: \(XEN\) Enabling APIC mode\.  Using 1 I/O APICs$' "the local APIC and I/O APIC in use" \
        '^guest: \(XEN\) \.\.TIMER: vector=0xF0 apic1=0 pin1=0 apic2=-1 pin2=-1$' "the PIT on I/O APIC pin 0" \
        '^guest: \(XEN\) TSC deadline timer enabled$' "the TSC-deadline timer" \
        '^guest: \(XEN\) Brought up 1 CPUs$' "its CPU up" \
        '^guest: \(XEN\) \*\*\* Building a PV Dom0 \*\*\*$' "Xen reading the dom0 module" \
        '^guest: \(XEN\) ELF: not an ELF binary$' "the module is not a kernel" \
        '^guest: \(XEN\) Could not construct domain 0$' "Xen's own verdict" \
        '^vm: events: [1-9][0-9]* interrupts' "interrupts delivered to Xen" || return 1
    # check_timer() enabled interrupts and counted PIT ticks on pin 0; a
    # failure prints a fallback and ends in "IO-APIC + timer doesn't work".
    expect_not "$SERIAL" 'MP-BIOS bug|timer not connected|IO-APIC \+ timer doesn|APIC error|GENERAL PROTECTION|Xen BUG at' \
        "a timer fallback, an APIC error, a #GP or a BUG" || return 1
    expect_not "$SERIAL" 'ACPI: .*(mismatch|[Ii]nvalid|checksum|[Bb]ad )' "Xen complaining about a table" || return 1
    # The one MSR it probes for #GP (rdmsr_safe of MSR_PLATFORM_INFO,
    # CPUID faulting) is the only one refused.
    if tr -d '\r' <"$SERIAL" | grep '^msr: ' | grep -qv 'unknown MSR 0xce (read)'; then
        fail_reason "eptlab refused an MSR access of Xen's other than its MSR_PLATFORM_INFO probe: $(grep -m1 '^msr: ' "$SERIAL" | grep -v 'MSR 0xce')"
        return 1
    fi
    # Xen's TSC calibration against the PIT agrees with eptlab's (1%).
    mhz=$(tr -d '\r' <"$SERIAL" | sed -n 's/^guest: (XEN) Detected \([0-9]*\)\.\([0-9][0-9][0-9]\) MHz processor\.$/\1\2/p' | head -n1)
    khz=$(tr -d '\r' <"$SERIAL" | sed -n 's/^tsc: \([0-9]*\) kHz .*/\1/p' | head -n1)
    local d=$(( ${khz:-0} - ${mhz:-0} ))
    if [ -z "$mhz" ] || [ -z "$khz" ] || [ "${d#-}" -gt $((khz / 100)) ]; then
        fail_reason "Xen's TSC (${mhz:-?} kHz) is not eptlab's (${khz:-?} kHz) within 1%"
        return 1
    fi
    bochs_log_clean
}
t_thirdparty_xen() {
    _xen_boot thirdparty-xen "" || return 1
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

# Xen with acpi=off: no ACPI tables and no MP table, so it finds no
# processor entry ("SMP: Allowing 1 CPUs (1 hotplug CPUs)") and stops at
# its own BUG_ON(num_online_cpus() != 1) in zap_low_mappings, before its
# APIC set-up (docs/acpi.md).
_thirdparty_xen_noacpi_checks() {
    _xen_common_checks || return 1
    expect_all "$SERIAL" \
        '^options: .* acpi=off$' "the option acpi=off" \
        '^guest: \(XEN\) SMP: Allowing 1 CPUs \(1 hotplug CPUs\)$' "no processor entry without tables" \
        '^guest: \(XEN\) Xen BUG at .*mm\.c' "Xen's BUG_ON without a MADT" || return 1
    expect_not "$SERIAL" '^vm: ACPI tables|ACPI: RSDP' "tables with acpi=off" || return 1
    bochs_log_clean
}
t_thirdparty_xen_noacpi() {
    _xen_boot thirdparty-xen-noacpi "acpi=off" || return 1
    _thirdparty_xen_noacpi_checks
}
register_test thirdparty-xen-noacpi t_thirdparty_xen_noacpi
