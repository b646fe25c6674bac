# VT-x core boot tests (GitHub issue "VT-x core"). Sourced by
# scripts/test.sh; helper API in tests/README.md. Every run uses the
# built-in test guest (guest=builtin, no module).

# (1) VMLAUNCH, guest console through the hypervisor, VMCALL round trip,
# a decoded and resolved EPT violation, INVEPT/INVVPID, exit statistics.
_vmx_builtin_checks() {
    expect_all "$SERIAL" \
        '^vmx: pre-entry check passed' "the software check to pass" \
        '^vmx: VMLAUNCH' "VMLAUNCH" \
        'GPA != HPA' "guest RAM at GPA != HPA" \
        '^guest: eptlab built-in test guest' "guest output through COM1" \
        '^guest: PASS: vmcall-version$' "HC_VERSION" \
        '^guest: PASS: vmcall-echo$' "the HC_ECHO round trip" \
        '^ept: violation: GPA 0x400000, read access, EPT entry allowed ---, GLA 0x400000 \(final access\)' \
            "the decoded EPT violation" \
        '^ept: lazy page GPA 0x400000 mapped' "the violation handled" \
        '^guest: PASS: ept-violation-lazy-page-read$' "the guest to see the lazy page" \
        '^hc: INVEPT single-context executed' "INVEPT single" \
        '^hc: INVEPT all-context executed' "INVEPT all" \
        '^hc: INVVPID individual-address executed' "INVVPID type 0" \
        '^hc: INVVPID single-context executed' "INVVPID type 1" \
        '^hc: INVVPID all-context executed' "INVVPID type 2" \
        '^guest: PASS: cr0-ne-write-exits-and-sticks$' "a CR0 write of an owned bit handled" \
        '^guest: PASS: long-mode-entered-by-guest$' "the guest to enter long mode itself" \
        'efer 0x500 entry-ctl 0x[0-9a-f]*[2367abef][0-9a-f]{2}$' \
            "EFER.LMA and IA-32e-mode-guest after the switch" \
        '^guest: PASS: vmcall-echo-64bit$' "a 64-bit VMCALL round trip" \
        '^stats \(guest ended\): [0-9]+ exits' "exit statistics" \
        '^stats: +18 VMCALL +[0-9]+ exits' "VMCALL exit counts" || return 1
    _vmx_guest_passed || return 1
    expect_not "$SERIAL" '^guest: FAIL' "a guest check failed" || return 1
    expect_features "$SERIAL"
}
t_vmx_builtin() { boot_pass vmx-builtin "guest=builtin" "" "" -- _vmx_builtin_checks; }
register_test vmx-builtin t_vmx_builtin

# (2) A corrupted guest TR type is caught by the software checker before
# VMLAUNCH, naming the rule; the CPU never sees the bad VMCS.
t_vmx_check_tr() {
    boot_run vmx-check-tr "guest=builtin test_corrupt=tr_type" "" "" || return 1
    expect "$SERIAL" '^vmx: pre-entry check FAILED: guest state rule: TR type' \
        "the checker to name the TR-type rule" || return 1
    expect "$SERIAL" 'Checks on Guest Segment Registers"; field 0x4822 = 0x89' \
        "the SDM section and the TR access rights" || return 1
    expect_not "$SERIAL" '^vmx: VMLAUNCH' "VMLAUNCH ran despite the failed check" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(pre-entry check failed\)' "a FAIL marker" || return 1
    bochs_log_clean || return 1
}
register_test vmx-check-tr t_vmx_check_tr

# (3) Same corruption with the checker skipped: the CPU's VM-entry failure
# (exit reason 33 | 0x80000000) is reported and decoded, and the checker
# then names the rule. This test EXPECTS "VMENTER FAIL" in the Bochs log:
# the failed entry is the point, so bochs_log_clean is not used here.
t_vmx_entry_fail_tr() {
    boot_run vmx-entry-fail-tr "guest=builtin test_corrupt=tr_type skip_check=1" "" "" || return 1
    expect "$SERIAL" '^vmx: VMLAUNCH' "VMLAUNCH" || return 1
    expect "$SERIAL" '^vmx: VM-entry failure: exit reason 0x80000021 \(basic 33: VM-entry failure: invalid guest state\)' \
        "the decoded VM-entry failure" || return 1
    expect "$SERIAL" '^vmx: post-failure software check FAILED: guest state rule: TR type' \
        "the checker to name the TR-type rule" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(VM entry failed' "a FAIL marker" || return 1
    expect "$BOCHSLOG" 'VMENTER FAIL: VMCS guest incorrect TR type' \
        "Bochs to reject the TR type (expected here)" || return 1
    expect_not "$BOCHSLOG" 'PANIC' "a Bochs panic" || return 1
}
register_test vmx-entry-fail-tr t_vmx_entry_fail_tr

# The built-in guest's closing line: every check passed.
_vmx_guest_passed() {
    expect "$SERIAL" '^guest: summary: [0-9]+ passed, 0 failed$' "no guest failures"
}

# (4) Variants: VPID off, 4 KiB and 2 MiB EPT leaves.
vmx_variant() {
    boot_pass "$1" "guest=builtin $2" "" "" -- _vmx_variant_checks
}
_vmx_variant_checks() {
    _vmx_guest_passed || return 1
    expect_features "$SERIAL"
}
t_vmx_vpid_off() {
    vmx_variant vmx-vpid-off "vpid=off" || return 1
    expect "$SERIAL" '^vmx: VPID off \(vpid=off\)' "VPID off message" || return 1
    expect "$SERIAL" 'vpid=0$' "VPID 0 in the controls" || return 1
    # VPID off: no INVVPID type reaches VPID 0000H, so HC_INVVPID is
    # -EOPNOTSUPP for all four (docs/hypercalls.md) and nothing runs.
    expect_all "$SERIAL" \
        '^guest: SKIP: invvpid-addr$' "individual-address INVVPID refused" \
        '^guest: SKIP: invvpid-single$' "single-context INVVPID refused" \
        '^guest: SKIP: invvpid-all$' "all-context INVVPID refused (it would flush nothing of VPID 0)" \
        '^guest: SKIP: invvpid-single-nonglobal$' "single-context-retaining-globals INVVPID refused" \
        '^vm: counters: .*, 0 INVVPID$' "no INVVPID executed" || return 1
    expect_not "$SERIAL" '^hc: INVVPID ' "an INVVPID executed with VPID off"
}
register_test vmx-vpid-off t_vmx_vpid_off
t_vmx_leaf_4k() {
    vmx_variant vmx-leaf-4k "ept_leaf=4k" || return 1
    expect "$SERIAL" 'EPT leaves 4K,' "4K leaves only" || return 1
}
register_test vmx-leaf-4k t_vmx_leaf_4k
t_vmx_leaf_2m() {
    vmx_variant vmx-leaf-2m "ept_leaf=2m" || return 1
    expect "$SERIAL" 'EPT leaves 4K 2M,' "4K+2M leaves" || return 1
}
register_test vmx-leaf-2m t_vmx_leaf_2m

# (5) A CPU model without 1 GiB EPT pages, EPT A/D or VM functions (and
# which faults on a read of MSR 0x491): the features are left off, and
# the log says so.
_vmx_snb_checks() {
    expect "$SERIAL" '^ept: CPU has no 1 GiB EPT pages' "the no-1G message" || return 1
    expect "$SERIAL" '^ept: CPU has no EPT accessed/dirty flags' "the no-A/D message" || return 1
    expect "$SERIAL" 'IA32_VMX_VMFUNC \(0x491\) not read' "MSR 0x491 left alone" || return 1
    _vmx_guest_passed || return 1
    expect_features "$SERIAL" corei7_sandy_bridge_2600k
}
t_vmx_sandy_bridge() {
    boot_pass vmx-snb "guest=builtin" "" "" --cpu corei7_sandy_bridge_2600k -- _vmx_snb_checks
}
register_test vmx-sandy-bridge t_vmx_sandy_bridge

# (6) A malformed option is named and the run fails cleanly.
t_vmx_bad_option() {
    boot_run vmx-bad-option "ept_leaf=3m" "" "" || return 1
    expect "$SERIAL" "^options: bad option 'ept_leaf=3m': ept_leaf must be 4k, 2m or 1g" \
        "a message naming the word" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(bad hypervisor option\)' "a FAIL marker" || return 1
}
register_test vmx-bad-option t_vmx_bad_option


# (7) ept_leaf=1g: 1 GiB leaves allowed, guest RAM backed by one 1 GiB-aligned
# host GiB (Bochs needs megs >= 3072 for a free one). Note: the lazy page at
# GPA 0x400000 splits the leaf that covers GiB 0, so this checks the policy
# and the backing, not that a 1 GiB leaf survives.
_vmx_leaf_1g_checks() {
    expect "$SERIAL" '^vm: guest RAM 1024 MiB in 1 host run\(s\); GPA 0x0 -> HPA 0x[0-9a-f]*40000000 .*EPT leaves 4K 2M 1G' \
        "one 1 GiB-aligned host run with 1G leaves allowed" || return 1
    _vmx_guest_passed || return 1
    expect_features "$SERIAL"
}
t_vmx_leaf_1g() {
    boot_pass vmx-leaf-1g "guest=builtin guest_mem=1G ept_leaf=1g" "" "" \
        --megs 3072 --timeout 180 -- _vmx_leaf_1g_checks
}
register_test vmx-leaf-1g t_vmx_leaf_1g
