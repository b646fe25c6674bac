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
    expect "$SERIAL" '^audit: \.text \([0-9]+ bytes\) hash 0x[0-9a-f]{16}, \.rodata \([0-9]+ bytes\) hash 0x[0-9a-f]{16} at boot$' \
        "the boot-time hashes of .text and .rodata" || return 1
    expect "$SERIAL" '^audit: PASS: \.text hash == boot, \.rodata hash == boot; EPT [0-9]+ leaves, [0-9]+ KiB, 0 outside the VM.s frames$' \
        "the end-of-run audit passing" || return 1
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

# (4) The audit can fail. test_corrupt= (test only) breaks what it guards
# after the boot hash and before VMLAUNCH; the guest's HC_AUDIT (hv.audit,
# for .text and .rodata: guest.bin) and the end-of-run audit must report
# FAIL naming what they found, and the run must end FAIL.
_audit_image_checks() {   # SECTION (rodata | text)
    local sec=$1 other=text ok_text='==' ok_rodata='!='
    [ "$sec" = text ] && other=rodata
    [ "$sec" = text ] && { ok_text='!='; ok_rodata='=='; }
    expect_all "$SERIAL" \
        "^audit: test_corrupt=$sec: flipped the byte at 0xffffffff8[0-9a-f]+ \\(HPA 0x[0-9a-f]+\\) through a temporary writable alias, unmapped again\$" \
            "the .$sec byte flipped through an alias" \
        "^guest: FAIL: hv\\.audit \\(HC_AUDIT: EIO " "the guest's HC_AUDIT failing" \
        "^audit: FAIL: \\.text hash $ok_text boot, \\.rodata hash $ok_rodata boot; " \
            "the audit naming .$sec as changed (and .$other not)" \
        "^audit: the hypervisor.s \\.$sec changed since boot: hash " "the changed section named" \
        '^EPTLAB-END: FAIL \(hypervisor audit failed\)$' "the run failing on the audit" || return 1
    expect "$SERIAL" '^guest: SUMMARY: [0-9]+ passed, 1 failed, [0-9]+ skipped$' \
        "hv.audit the only guest failure" || return 1
    expect "$SERIAL" '^selfcheck: W\^X text write faulted as expected' "the W^X self-check" || return 1
    bochs_log_clean
}
t_audit_rodata() {
    boot_run audit-rodata "test_corrupt=rodata" "$GUEST_BIN" "" --timeout 60 || return 1
    _audit_image_checks rodata
}
register_test audit-rodata t_audit_rodata
t_audit_text() {
    boot_run audit-text "test_corrupt=text" "$GUEST_BIN" "" --timeout 60 || return 1
    _audit_image_checks text
}
register_test audit-text t_audit_text

# An EPT leaf onto a hypervisor frame (the last guest page -> .rodata,
# read-only); the built-in guest never touches that page and passes, and
# the end-of-run audit must name the leaf and whose frame it maps.
_audit_ept_checks() {
    expect_all "$SERIAL" \
        '^audit: test_corrupt=ept_hv_frame: EPT leaf GPA 0x7fff000 -> HPA 0x[0-9a-f]+ \(the hypervisor.s \.rodata\), read-only$' \
            "the planted leaf" \
        '^guest: summary: [0-9]+ passed, 0 failed$' "the built-in guest passing" \
        '^audit: BAD EPT leaf \(view 0\) GPA 0x7fff000 size 0x1000 -> HPA 0x[0-9a-f]+: HPA is not the VM.s frame .*; that HPA is a hypervisor frame \(\.rodata\)$' \
            "the bad leaf named, with the hypervisor frame it maps" \
        '^audit: FAIL: \.text hash == boot, \.rodata hash == boot; EPT [0-9]+ leaves, [0-9]+ KiB, 1 outside the VM.s frames$' \
            "the audit failing on one leaf" \
        '^EPTLAB-END: FAIL \(hypervisor audit failed\)$' "the run failing on the audit" || return 1
    bochs_log_clean
}
t_audit_ept() {
    boot_run audit-ept-hv-frame "guest=builtin test_corrupt=ept_hv_frame" "" "" --timeout 60 || return 1
    _audit_ept_checks
}
register_test audit-ept-hv-frame t_audit_ept
