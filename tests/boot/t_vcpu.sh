# The virtual CPU (docs/virtual-cpu.md), the guest's modules and its exit
# status (issue 11). Sourced by scripts/test.sh; helper API in
# tests/README.md.

# Every scenario of guest/scen_vcpu.c PASSes on Skylake-X (its data
# breakpoints included), and the hypervisor's side shows: unknown MSRs reported once with the
# direction, refused XSETBV and CR writes named with their rule, the host
# MSR audit clean. vcpu.single-step passes on Bochs with or without the
# hypervisor's BS (Bochs delivers the trap over an exiting CPUID by
# itself), so on Bochs the evidence for that rule is the unit test
# unit/test_vcpu_step; the scenario is kept for nested KVM and hardware.
VCPU_SCENARIOS=(vcpu.msr-unknown vcpu.pat-mtrr vcpu.tsc-offset
                vcpu.kernel-gs-swapgs vcpu.osxsave-cr4 vcpu.xcr0-invalid
                vcpu.cr-illegal vcpu.dr7-exit vcpu.single-step vcpu.apic-page)
_vcpu_scenario_checks() {
    local s
    for s in "${VCPU_SCENARIOS[@]}"; do
        expect "$SERIAL" "^guest: PASS: ${s//./\\.}\$" "PASS: $s" || return 1
    done
    expect_all "$SERIAL" \
        '^tsc: [0-9]+ kHz \(PIT channel 2, 10 ms\)$' "the TSC source printed (Bochs: no crystal in CPUID.15H, so the PIT)" \
        '^vcpu: MSRs: deny by default, 2 pass through; [0-9]+ switched' "the MSR table wired" \
        '^msr: first access to unknown MSR 0x480 \(read\) at rip 0x[0-9a-f]+: #GP$' "the once-only report of an unknown MSR" \
        '^msr: first access to unknown MSR 0x79 \(write\) at rip' "an unknown MSR written" \
        '^xsetbv: XCR0 = 0x5 at rip 0x[0-9a-f]+: #GP \(XCR0\[2:1\] = 10b' "a refused XSETBV with its rule" \
        '^cr: MOV to CR4 of 0x[0-9a-f]+ at rip 0x[0-9a-f]+: #GP \(CR4\.SMXE set' "a refused CR4 write with its rule" \
        '^audit: host MSRs PASS: 0 of [0-9]+ changed' "the host MSR audit (HC_AUDIT and the end)" \
        '^ept: violation: GPA 0xfee00020, read access, .*: outside guest RAM: the local APIC page \(0xFEE00000\), with the APIC disabled in IA32_APIC_BASE or in x2APIC mode; #GP\(0\) injected$' "the APIC page named in the violation report" || return 1
    if [ "$(tr -d '\r' <"$SERIAL" | grep -c 'unknown MSR 0x480 ')" != 1 ]; then
        fail_reason "unknown MSR 0x480 reported more or less than once"
        return 1
    fi
    expect_not "$SERIAL" '^guest: FAIL:' "a guest scenario failed" || return 1
    expect_not "$SERIAL" '^audit: BAD host MSR' "a host MSR changed"
}
t_vcpu_scenarios() {
    boot_pass vcpu-scenarios "" "$GUEST_BIN" "" --megs 512 -- _vcpu_scenario_checks
}
register_test vcpu-scenarios t_vcpu_scenarios

# tests/kernels/modcheck.c booted with two modules (tests/boot/mkmod.py):
# each one arrives with its contents, its size and its string, page
# aligned, in a memory-map range marked used.
_vcpu_modules_checks() {
    expect_all "$SERIAL" \
        '^vm: guest module 0 \(5000 bytes, "alpha one two"\) at GPA 0x[0-9a-f]+000-' "module 0 placed" \
        '^vm: guest module 1 \(70000 bytes, "beta"\) at GPA 0x[0-9a-f]+000-' "module 1 placed" \
        ', 2 module\(s\)$' "the kernel loaded with two modules" \
        '^guest: modcheck: module 0 at .* string "alpha one two"$' "module 0's string in the guest" \
        '^guest: modcheck: PASS: module 1: contents intact \(FNV-1a\)$' "module 1 intact" \
        '^guest: modcheck: PASS: module 0: inside a memory-map range that is not available RAM$' "module 0 in a used range" \
        '^guest: modcheck: status 0$' "every module check passed" \
        '^vga:  0 \|modcheck: on the VGA text screen$' "the guest's VGA text screen printed at the end" || return 1
    expect_not "$SERIAL" '^guest: modcheck: FAIL' "a module check failed"
}
t_vcpu_modules() {
    local d=$TESTDIR/vcpu-modules-files
    mkdir -p "$d"
    python3 "$ROOT/tests/boot/mkmod.py" "$d/one.bin" 5000 "alpha one two" 1 &&
        python3 "$ROOT/tests/boot/mkmod.py" "$d/two.bin" 70000 "beta" 2 || {
        fail_reason "mkmod.py failed"
        return 1
    }
    local -a BOOT_MODS=("$d/one.bin:alpha one two" "$d/two.bin:beta")
    boot_pass vcpu-modules "" "$ROOT/$BUILD/tests/modcheck.elf" "mods=2" \
        --megs 256 -- _vcpu_modules_checks
}
register_test vcpu-modules t_vcpu_modules

# Exit status 77 ends the run with SKIP, and a test that expects PASS
# (boot_pass) fails on it, saying so.
t_exit_status_skip() {
    boot_run exit-status-skip "" "$ROOT/$BUILD/tests/modcheck.elf" "status=77" --megs 256 || return 1
    expect_all "$SERIAL" \
        '^vm: guest wrote status 77 to port 0xf4: ending the run$' "the status printed" \
        '^EPTLAB-END: SKIP \(guest status 77: skipped\)$' "the SKIP marker" || return 1
    if [ "$BOOT_STATUS" != 77 ]; then
        fail_reason "run-bochs.sh exited $BOOT_STATUS on SKIP, want 77"
        return 1
    fi
    if ( boot_pass exit-status-skip-as-pass "" "$ROOT/$BUILD/tests/modcheck.elf" "status=77" --megs 256 ); then
        fail_reason "boot_pass passed a run that ended with SKIP"
        return 1
    fi
    if ! grep -q 'the run ended with SKIP where PASS was expected' "$REASON_FILE"; then
        fail_reason "boot_pass failed on SKIP without saying so: $(cat "$REASON_FILE")"
        return 1
    fi
    : >"$REASON_FILE"
}
register_test exit-status-skip t_exit_status_skip

# Any other non-zero status is FAIL with the number.
t_exit_status_fail() {
    boot_run exit-status-fail "" "$ROOT/$BUILD/tests/modcheck.elf" "status=5" --megs 256 || return 1
    expect_all "$SERIAL" \
        '^vm: guest wrote status 5 to port 0xf4: ending the run$' "the status printed" \
        '^EPTLAB-END: FAIL \(guest status 5\)$' "FAIL with the guest's status" || return 1
    [ "$BOOT_STATUS" = 1 ] || { fail_reason "run-bochs.sh exited $BOOT_STATUS on FAIL, want 1"; return 1; }
}
register_test exit-status-fail t_exit_status_fail
