# Guest kernel boot tests (docs/guest.md). Sourced by scripts/test.sh;
# helper API in tests/README.md. The guest runs alone, without eptlab:
# the scenarios that need no hypervisor PASS (or SKIP when the CPU lacks
# the feature), hv.detect SKIPs.

# Scenarios that must PASS on any x86-64 CPU with NX and PGE.
GUEST_ALWAYS_PASS=(paging.self-map tlb.invlpg tlb.cr3-reload
                   tlb.pge-toggle-global pf.not-present pf.write-protect)
# PASS with INVPCID (and PCID for types 0/1); else a SKIP with the reason.
GUEST_PCID_SCENARIOS=(tlb.invpcid-0 tlb.invpcid-1 tlb.invpcid-3
                      tlb.invpcid-2-global)

# Regex-quote a scenario name (its dots).
guest_re() { printf '%s' "${1//./\\.}"; }

# Common checks on a serial log of a guest-alone run. $1 = "pass" if the
# PCID scenarios must PASS (the CPU has PCID and INVPCID), else "any".
guest_expect_alone() {
    local log=$1 pcid=$2 s
    expect "$log" '^eptlab guest: Multiboot v1 magic 0x2badb002' "the guest banner" || return 1
    expect "$log" '^mm: RAM top 0x[0-9a-f]+, .* table pages, CR3 ' "the guest's own page tables" || return 1
    for s in "${GUEST_ALWAYS_PASS[@]}"; do
        expect "$log" "^PASS: $(guest_re "$s")\$" "PASS: $s" || return 1
    done
    for s in "${GUEST_PCID_SCENARIOS[@]}"; do
        if [ "$pcid" = pass ]; then
            expect "$log" "^PASS: $(guest_re "$s")\$" "PASS: $s" || return 1
        else
            expect "$log" "^(PASS: $(guest_re "$s")\$|SKIP: $(guest_re "$s") \\(.+\\)\$)" \
                "PASS or a justified SKIP for $s" || return 1
        fi
    done
    expect "$log" '^SKIP: hv\.detect \(no hypervisor: CPUID 0x40000000 signature absent\)$' \
        "SKIP: hv.detect without eptlab" || return 1
    expect_not "$log" '^FAIL:' "a guest scenario failed" || return 1
    expect "$log" '^SUMMARY: [0-9]+ passed, 0 failed, [0-9]+ skipped$' "the closing count line" || return 1
}

# guest.bin under plain QEMU (TCG, never KVM) by -kernel: QEMU's Multiboot
# loader honours the header's address fields. Status 0 on port 0xF4 ->
# isa-debug-exit exit code (0 << 1) | 1 = 1.
t_guest_alone_qemu() {
    local dir=$TESTDIR/guest-alone-qemu log rc
    mkdir -p "$dir"
    log=$dir/serial.log
    if ! make -C "$ROOT" --no-print-directory build/guest/guest.bin >"$dir/build.log" 2>&1; then
        fail_reason "make build/guest/guest.bin failed; see $dir/build.log"
        return 1
    fi
    : >"$log"
    timeout -s KILL 60 qemu-system-x86_64 -kernel "$ROOT/build/guest/guest.bin" \
        -nographic -monitor none -serial "file:$log" -no-reboot \
        -device isa-debug-exit,iobase=0xf4,iosize=4 -m 128 -cpu max \
        </dev/null >"$dir/run.out" 2>&1
    rc=$?
    guest_expect_alone "$log" any || return 1
    if [ "$rc" -ne 1 ]; then
        fail_reason "QEMU exit code $rc, want 1 (guest status 0); see $dir/run.out"
        return 1
    fi
}
register_test guest-alone-qemu t_guest_alone_qemu

# The same guest.bin booted by GRUB's Multiboot v1 loader under Bochs
# (Skylake-X model: PCID and INVPCID present), no hypervisor: covers the
# CR4.PCIDE and INVPCID paths that QEMU TCG lacks. The run ends with a
# magic breakpoint after the port 0xF4 write.
t_guest_alone_bochs() {
    local dir=$TESTDIR/guest-alone-bochs iso
    mkdir -p "$dir/iso/boot/grub"
    iso=$dir/guest-mb1.iso
    if ! make -C "$ROOT" --no-print-directory build/guest/guest.bin >"$dir/build.log" 2>&1; then
        fail_reason "make build/guest/guest.bin failed; see $dir/build.log"
        return 1
    fi
    cp "$ROOT/build/guest/guest.bin" "$dir/iso/boot/guest.bin"
    cat >"$dir/iso/boot/grub/grub.cfg" <<'CFG'
set timeout=0
set default=0
menuentry "eptlab guest (Multiboot v1, no hypervisor)" {
    multiboot /boot/guest.bin guest-alone
    boot
}
CFG
    if ! grub-mkrescue -o "$iso" "$dir/iso" >"$dir/mkrescue.log" 2>&1; then
        fail_reason "grub-mkrescue failed; see $dir/mkrescue.log"
        return 1
    fi
    boot_bochs guest-alone-bochs "$iso" --megs 128
    guest_expect_alone "$SERIAL" pass || return 1
    expect "$SERIAL" '^cmdline: guest-alone$' "the Multiboot command line" || return 1
    expect "$SERIAL" 'PCID on\)$' "CR4.PCIDE on" || return 1
    bochs_log_clean || return 1
}
register_test guest-alone-bochs t_guest_alone_bochs
