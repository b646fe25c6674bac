# Hypervisor hardening (GitHub issue "Hostile guests and bad input").
# Sourced by scripts/test.sh; helper API in tests/README.md.

# (1) selftest=canary overwrites a stack-protector canary in the
# hypervisor: __stack_chk_fail must name it and end the run cleanly.
t_hardening_canary() {
    boot_run hardening-canary "guest=builtin selftest=canary" "" "" --timeout 60 || return 1
    expect "$SERIAL" '^hardening: stack-protector guard reseeded \(RDTSC' "the guard reseeded at boot" || return 1
    expect "$SERIAL" '^selftest: overwriting a stack-protector canary' "the selftest to run" || return 1
    expect "$SERIAL" 'stack smashing detected.*caller 0xffffffff8[0-9a-f]+' \
        "the stack-smashing report naming the caller" || return 1
    expect_not "$SERIAL" 'canary overwrite NOT detected' "the smashed canary went unnoticed" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(.*__stack_chk_fail' "a FAIL marker from __stack_chk_fail" || return 1
    expect_not "$SERIAL" '^vmx: VMLAUNCH' "the run went on to VMLAUNCH" || return 1
    bochs_log_clean || return 1
    expect_not "$BOCHSLOG" 'exception with no resolution|triple fault' "a triple fault" || return 1
}
register_test hardening-canary t_hardening_canary

# (2) A normal boot hashes .text + .rodata for hv_audit (HC_AUDIT) and
# reseeds the guard; the built-in guest still passes.
_hardening_boot_checks() {
    expect "$SERIAL" '^audit: \.text \+ \.rodata \([0-9]+ bytes\) hash 0x[0-9a-f]{16} at boot' \
        "the boot-time image hash" || return 1
    expect "$SERIAL" '^hardening: stack-protector guard reseeded' "the guard reseeded" || return 1
    expect "$SERIAL" '^selfcheck: W\^X text write faulted as expected' "the W^X self-check" || return 1
    expect "$SERIAL" '^guest: summary: [0-9]+ passed, 0 failed$' "no guest failures"
}
t_hardening_boot() {
    boot_pass hardening-boot "guest=builtin" "" "" --timeout 60 -- _hardening_boot_checks
}
register_test hardening-boot t_hardening_boot

# (3) No format string in the hypervisor is anything but a literal, and
# every printf-like wrapper carries the format attribute (so a guest- or
# image-controlled string can never become a format). A static check.
t_hardening_format_strings() {
    local f out=$TESTDIR/hardening-format.log
    : >"$out"
    for f in "$ROOT"/hv/*.c "$ROOT"/hv/loader/*.c "$ROOT"/vmx/*.c "$ROOT"/ept/*.c "$ROOT"/mm/*.c "$ROOT"/lib/*.c; do
        gcc -std=gnu11 -O2 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-pie -mcmodel=kernel \
            -mno-red-zone -mgeneral-regs-only -I"$ROOT" -DEPTLAB_HV -fsyntax-only \
            -Wformat=2 -Wformat-nonliteral -Wformat-security \
            -Wsuggest-attribute=format "$f" >>"$out" 2>&1
    done
    if grep -q 'warning:.*format' "$out"; then
        fail_reason "format-string warnings: $(grep -m1 'warning:' "$out")"
        return 1
    fi
    if grep -q 'error:' "$out"; then
        fail_reason "the check could not compile: $(grep -m1 'error:' "$out")"
        return 1
    fi
}
register_test hardening-format-strings t_hardening_format_strings
