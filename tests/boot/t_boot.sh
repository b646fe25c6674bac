# Boot tests for the foundation: GRUB -> 64-bit -> host memory -> report.
# Sourced by scripts/test.sh; helper API in tests/README.md.

# The boot report every engine must print.
_t_boot_report() {
    local log=$1
    expect_all "$log" \
        'memory map \(firmware, [0-9]+ entries\)' "the firmware memory map header" \
        '^  \[0x[0-9a-f]{16}-0x[0-9a-f]{16}\] available ' "an available memory-map region" \
        '^frames: [0-9]+ available \([0-9]+ MiB\), [0-9]+ reserved at init, [0-9]+ free' \
            "the allocator totals" || return 1
    _t_boot_tables_minimal "$log" || return 1
    expect_all "$log" \
        'selfcheck: W\^X text write faulted as expected' "the W^X self-check" \
        'selfcheck: direct-map alias of \.text write faulted as expected' \
            "the read-only direct-map alias of .text" \
        'selfcheck: VM-exit stack guard-page read faulted as expected' \
            "the VM-exit stack guard self-check" \
        'selfcheck: NULL read faulted as expected' "the NULL-page self-check" \
        'selfcheck: identity-map read at 0x100000 faulted as expected' \
            "the identity-map-gone self-check" \
        'selfcheck: stack guard-page read faulted as expected' \
            "the guard-page self-check" || return 1
    expect_not "$log" 'did NOT fault' "a self-check failed" || return 1
}

# "page tables: ... total N" must equal "page tables (computed minimum): ... total N",
# level by level.
_t_boot_tables_minimal() {
    local log=$1 got want
    got=$(tr -d '\r' <"$log" | grep -a -m1 -E '^page tables: PML4 ' | sed 's/^page tables: //')
    want=$(tr -d '\r' <"$log" | grep -a -m1 -E '^page tables \(computed minimum\): ' |
           sed 's/^page tables (computed minimum): //')
    if [ -z "$got" ] || [ -z "$want" ]; then
        fail_reason "page-table counts or the computed minimum missing in $log"
        return 1
    fi
    if [ "$got" != "$want" ]; then
        fail_reason "page tables '$got' differ from the computed minimum '$want'"
        return 1
    fi
}

# Under Bochs the boot goes on into VT-x: with the built-in guest the run
# must reach VMXON and VMLAUNCH and end PASS (a FAIL marker fails it).
t_boot_bochs() {
    local iso=$TESTDIR/boot-bochs.iso
    mkiso "$iso" "guest=builtin" || return 1
    boot_bochs boot-bochs "$iso"
    _t_boot_report "$SERIAL" || return 1
    expect_all "$SERIAL" \
        '^vmx: VMXON ok ' "VMXON" \
        '^vmx: VMLAUNCH ' "VMLAUNCH of the built-in guest" \
        '^EPTLAB-END: PASS$' "EPTLAB-END: PASS" || return 1
    expect_not "$SERIAL" '\*\*\* EXCEPTION|PANIC in' "an unexpected exception or panic" || return 1
    bochs_log_clean || return 1
    expect_not "$BOCHSLOG" 'exception with no resolution|triple fault' "a triple fault" || return 1
}

# QEMU's exit code for EPTLAB-END: FAIL is 3 (isa-debug-exit: (1 << 1) | 1).
# $1, if given, is added to the failure reason.
_t_boot_qemu_exit3() {
    [ "$QEMU_EXIT" = 3 ] && return 0
    fail_reason "QEMU exit code $QEMU_EXIT, expected 3${1:+ $1}"
    return 1
}

# QEMU without KVM has no VMX: the boot report, then a clean FAIL naming
# CPUID.1:ECX.VMX. $1 the boot's name, $2 a note for the exit-code reason,
# then boot_qemu's arguments.
_t_boot_qemu_novmx() {
    local name=$1 note=$2 iso=$TESTDIR/boot.iso
    shift 2
    [ -f "$iso" ] || mkiso "$iso" "" || return 1
    boot_qemu "$name" "$iso" "$@"
    _t_boot_report "$SERIAL" || return 1
    expect_all "$SERIAL" \
        'VT-x not available.*CPUID\.1:ECX\.VMX' \
            "the 'VT-x not available' message naming CPUID.1:ECX.VMX" \
        'EPTLAB-END: FAIL' "the FAIL marker" || return 1
    _t_boot_qemu_exit3 "$note"
}
t_boot_qemu_bios() { _t_boot_qemu_novmx boot-qemu-bios "(isa-debug-exit: (1 << 1) | 1)"; }
t_boot_qemu_uefi() { _t_boot_qemu_novmx boot-qemu-uefi "" --uefi; }

# selftest=fault raises #UD after the report: the handler must dump the
# state and end the run as FAIL.
t_boot_exception_dump() {
    local iso=$TESTDIR/fault.iso
    mkiso "$iso" "selftest=fault" || return 1
    boot_qemu boot-fault "$iso"
    expect_all "$SERIAL" \
        'selftest: raising an unexpected #UD' "the self-test announcement" \
        '\*\*\* EXCEPTION #UD Invalid Opcode \(vector 6\)' "the exception name" \
        'RIP +0xffffffff8[0-9a-f]{7}' "RIP in the dump" \
        'CR2 +0x' "CR2 in the dump" \
        'RAX 0x.*RBX 0x.*RCX 0x' "the GPRs in the dump" \
        'R13 0x.*R14 0x.*R15 0x' "R13-R15 in the dump" \
        'RFLAGS 0x' "RFLAGS in the dump" \
        '^  #1 +0xffffffff8' "a backtrace with a caller" \
        'EPTLAB-END: FAIL \(unexpected exception #UD' "the FAIL marker naming #UD" || return 1
    _t_boot_qemu_exit3
}

register_test boot-bochs t_boot_bochs
register_test boot-qemu-bios t_boot_qemu_bios
register_test boot-qemu-uefi t_boot_qemu_uefi
register_test boot-exception-dump t_boot_exception_dump

# selftest=stack overflows the main stack: the guard page must fault, and
# the resulting #DF must be reported from its IST stack.
t_boot_stack_guard() {
    local iso=$TESTDIR/stack.iso
    mkiso "$iso" "selftest=stack" || return 1
    boot_qemu boot-stack "$iso"
    expect_all "$SERIAL" \
        'selftest: overflowing the main stack' "the self-test announcement" \
        '\*\*\* EXCEPTION #DF Double Fault \(vector 8\)' "a #DF report" \
        'EPTLAB-END: FAIL \(unexpected exception #DF' "the FAIL marker naming #DF" || return 1
    _t_boot_qemu_exit3
}
register_test boot-stack-guard t_boot_stack_guard
