# Guest kernel boot tests (docs/guest.md). Sourced by scripts/test.sh;
# helper API in tests/README.md. The guest runs alone, without eptlab:
# the scenarios that need no hypervisor PASS (or SKIP when the CPU lacks
# the feature), hv.detect SKIPs.

# Scenarios that must PASS on any x86-64 CPU with NX and PGE.
GUEST_ALWAYS_PASS=(paging.self-map tlb.invlpg tlb.cr3-reload
                   tlb.pge-toggle-global pf.not-present pf.write-protect)
# PASS with INVPCID (and PCID for types 0/1); else the SKIP of the table.
GUEST_PCID_SCENARIOS=(tlb.invpcid-0 tlb.invpcid-1 tlb.invpcid-3
                      tlb.invpcid-2-global)
# The named scenarios of guest/scen_*.c (docs/guest.md), which need
# eptlab: alone they all SKIP.
GUEST_HV_SCENARIOS=(large.guest4k-ept1g large.guest4k-ept2m 2d.translate
                    large.guest2m-ept4k ept.remap ept.read-only
                    ept.write-track ept.write-track-hv vpid.invvpid ept.ad
                    isolation.fresh-ram-zero isolation.beyond-ram
                    demand.buffer demand.full views.create views.protect
                    views.vmfunc views.select views.demand
                    views.destroy-active views.ve-hook dirty.pml dirty.wp
                    spp.subpage spp.lazy vcpu.msr-unknown
                    vcpu.pat-mtrr vcpu.tsc-offset vcpu.kernel-gs-swapgs
                    vcpu.osxsave-cr4 vcpu.xcr0-invalid vcpu.cr-illegal
                    vcpu.dr7-exit vcpu.single-step vcpu.apic-page
                    irq.pit-periodic irq.pic-masked irq.spurious
                    irq.pic-eoi-nested irq.host-contained irq.rtc-time
                    irq.rtc-periodic irq.hlt-wake irq.nmi-hypercall
                    irq.ept-violation irq.nmi-iret-ept
                    irq.real-mode-pit
                    apic.xapic-id apic.timer-oneshot apic.timer-periodic
                    apic.timer-deadline apic.self-ipi apic.tpr
                    apic.eoi-nested apic.spurious-svr apic.base-disable
                    ioapic.edge ioapic.level
                    cpl3.read-only-call
                    cpl3.ept-call-refused cpl3.translate-kernel-buffer
                    cpl3.translate-user-buffer hv.audit)
# PASS where a firmware or eptlab (acpi=on, the default) wrote ACPI tables
# (QEMU's SeaBIOS, Bochs's BIOS); SKIP under eptlab's acpi=off.
GUEST_ACPI_SCENARIOS=(acpi.tables)
# Every scenario, in the order the guest runs them.
GUEST_SCENARIOS=("${GUEST_ALWAYS_PASS[@]}" "${GUEST_PCID_SCENARIOS[@]}"
                 hv.detect "${GUEST_ACPI_SCENARIOS[@]}"
                 "${GUEST_HV_SCENARIOS[@]}")
# The expected SKIPs, per configuration.
GUEST_SKIPS=$ROOT/tests/boot/skips.tsv

# Regex-quote a scenario name (its dots).
guest_re() { printf '%s' "${1//./\\.}"; }

# The SKIP reason (a regex) that CONFIG expects of SCENARIO, printed;
# status 1 if the scenario must PASS there.
guest_skip_reason() {
    local cfg=$1 scen=$2 c s r h
    while IFS=$'\t' read -r c s r; do
        [ "$c" = "$cfg" ] || continue
        if [ "$s" = @hv ]; then
            for h in "${GUEST_HV_SCENARIOS[@]}"; do
                [ "$h" = "$scen" ] && { printf '%s' "$r"; return 0; }
            done
        elif [ "$s" = "$scen" ]; then
            printf '%s' "$r"
            return 0
        fi
    done < <(grep -v -E '^(#|$)' "$GUEST_SKIPS")
    return 1
}

# guest_skips_check LOG PREFIX CONFIG: every scenario PASSes, or SKIPs
# with exactly the reason tests/boot/skips.tsv gives for CONFIG; no other
# SKIP; the summary counts that many skips and no failure. PREFIX is what
# precedes the guest's lines ("guest: " under eptlab, "" alone).
guest_skips_check() {
    local log=$1 pre=$2 cfg=$3 s r n=0 line name expected=" "
    if ! cut -f1 "$GUEST_SKIPS" | grep -q -x -F -- "$cfg"; then
        fail_reason "no configuration '$cfg' in $GUEST_SKIPS"
        return 1
    fi
    for s in "${GUEST_SCENARIOS[@]}"; do
        if r=$(guest_skip_reason "$cfg" "$s"); then
            expect "$log" "^${pre}SKIP: $(guest_re "$s") \\(${r}\\)\$" \
                "SKIP: $s with the reason $cfg expects (/$r/)" || return 1
            n=$((n + 1))
            expected+="$s "
        else
            expect_not "$log" "^${pre}SKIP: $(guest_re "$s") " \
                "a SKIP of $s, which must PASS in $cfg" || return 1
            expect "$log" "^${pre}PASS: $(guest_re "$s")\$" "PASS: $s" || return 1
        fi
    done
    # A SKIP of a scenario this list does not know is unexpected too.
    while IFS= read -r line; do
        name=${line#"${pre}SKIP: "}
        name=${name%% *}
        if [[ $expected != *" $name "* ]]; then
            fail_reason "unexpected SKIP in $cfg: '$line'"
            return 1
        fi
    done < <(tr -d '\r' <"$log" | grep -a -E "^${pre}SKIP: ")
    expect "$log" "^${pre}SUMMARY: [0-9]+ passed, 0 failed, $n skipped\$" \
        "the summary with 0 failed and the $n expected skips"
}

# Common checks on a serial log of a guest-alone run (CONFIG: the row of
# tests/boot/skips.tsv).
guest_expect_alone() {
    local log=$1 cfg=$2
    expect_not "$log" '^FAIL:' "a guest scenario failed" || return 1
    expect "$log" '^eptlab guest: Multiboot v1 magic 0x2badb002' "the guest banner" || return 1
    expect "$log" '^mm: RAM top 0x[0-9a-f]+, .* table pages, CR3 ' "the guest's own page tables" || return 1
    guest_skips_check "$log" "" "$cfg"
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
    [ "$rc" -eq 137 ] && note_timeout guest-alone-qemu 60
    guest_expect_alone "$log" alone-qemu || return 1
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
    guest_expect_alone "$SERIAL" alone-bochs || return 1
    expect "$SERIAL" '^cmdline: guest-alone$' "the Multiboot command line" || return 1
    expect "$SERIAL" 'PCID on\)$' "CR4.PCIDE on" || return 1
    bochs_log_clean || return 1
}
register_test guest-alone-bochs t_guest_alone_bochs

# ------------------------------------------------------------ under eptlab
# guest_expect_eptlab LOG CONFIG [MODEL]: guest.bin under eptlab. Each
# scenario PASSes or SKIPs as tests/boot/skips.tsv says for CONFIG, and
# the run uses every feature the CPU MODEL offers and the options ask for
# (expect_features). The callers boot with boot_pass --what "EPTLAB-END:
# PASS", which requires the end marker.
guest_expect_eptlab() {
    local log=$1 cfg=$2 model=${3:-corei7_skylake_x}
    expect_not "$log" '^guest: FAIL:' "a guest scenario failed" || return 1
    expect "$log" '^guest: hypervisor: eptlab$' "the guest detecting eptlab" || return 1
    guest_skips_check "$log" "guest: " "$cfg" || return 1
    expect_features "$log" "$model"
}

# Default options (EPT leaves up to 1G, 128 MiB: 2M leaves in practice,
# VPID on, demand=off, EPT A/D on with Skylake-X, ACPI tables). The
# 2D-walk diagram and its WALK-JSON line come from 2d.translate's printed
# walk; acpi.tables finds eptlab's RSDP by the standard search and checks
# every table and the MADT's exact contents (docs/acpi.md).
_guest_eptlab_checks() {
    guest_expect_eptlab "$SERIAL" default || return 1
    expect "$SERIAL" '^apicv: on: virtual-APIC page = the LAPIC model.s page' \
        "APICv on (Skylake-X offers it)" || return 1 || return 1
    expect_all "$SERIAL" \
        'WALK-JSON' "the printed 2D walk (WALK-JSON line)" \
        '^vm: ACPI tables at GPA 0xf0000-0xf0400: ' "eptlab writing the tables (the default acpi=on)" \
        "^guest: acpi: RSDP 0xf0000 revision 2 OEM 'EPTLAB', XSDT with 2 tables$" "the guest finding eptlab's RSDP and XSDT" \
        '^guest: acpi: MADT local APIC 0xfee00000 flags 0x1, 1 CPU\(s\) \(APIC ID 0\), 1 I/O APIC\(s\) \(ID 1 at 0xfec00000, GSI 0\), 1 override\(s\) \(0 of IRQ 0\), 1 NMI\(s\)$' "the guest's reading of the MADT" \
        '^guest: PASS: acpi\.tables$' "acpi.tables passing"
}
t_guest_eptlab() {
    boot_pass --what "EPTLAB-END: PASS" guest-eptlab "" "$GUEST_BIN" "" --megs 512 \
        -- _guest_eptlab_checks
}
register_test guest-eptlab t_guest_eptlab

# apicv=off (docs/platform.md "APIC virtualization"): every local APIC
# access trap-and-emulate, its interrupts injected; the apic.* and
# ioapic.* scenarios assert the exits and injections of that mode, the
# default run (guest-eptlab, apicv=on on Skylake-X) those of APICv.
_guest_apicv_off_checks() {
    guest_expect_eptlab "$SERIAL" apicv-off || return 1
    expect_all "$SERIAL" \
        '^options: .* apicv=off( |$)' "the option apicv=off" \
        '^apicv: off \(apicv=off\): every local APIC access is trap-and-emulate$' "APICv off, the reason named"
}
t_guest_apicv_off() {
    boot_pass --what "EPTLAB-END: PASS" guest-apicv-off "apicv=off" "$GUEST_BIN" "" --megs 512 \
        -- _guest_apicv_off_checks
}
register_test guest-apicv-off t_guest_apicv_off

# acpi=off (docs/acpi.md): no tables, so acpi.tables SKIPs (the rest as
# with the default options, tests/boot/skips.tsv row "noacpi").
_guest_noacpi_checks() {
    guest_expect_eptlab "$SERIAL" noacpi || return 1
    expect "$SERIAL" '^options: .* acpi=off$' "the option acpi=off" || return 1
    expect_not "$SERIAL" '^vm: ACPI tables' "eptlab writing tables with acpi=off"
}
t_guest_noacpi() {
    boot_pass --what "EPTLAB-END: PASS" guest-noacpi "acpi=off" "$GUEST_BIN" "" --megs 512 \
        -- _guest_noacpi_checks
}
register_test guest-noacpi t_guest_noacpi

# Another kernel as the guest: tests/kernels/mini.asm, a plain ELF32
# Multiboot v1 kernel (program headers, no address fields).
_guest_mini_checks() {
    expect "$SERIAL" '^vm: Multiboot v1 guest module loaded' "the ELF32 module loaded" || return 1
    expect "$SERIAL" '^guest: mini: hello from another Multiboot kernel$' "mini's line on COM1"
}
t_guest_mini() {
    local mini=$ROOT/build/tests/mini.elf
    if ! make -C "$ROOT" --no-print-directory build/tests/mini.elf >"$TESTDIR/mini-build.log" 2>&1; then
        fail_reason "make build/tests/mini.elf failed; see $TESTDIR/mini-build.log"
        return 1
    fi
    boot_pass --what "EPTLAB-END: PASS" guest-mini "" "$mini" "" --megs 256 -- _guest_mini_checks
}
register_test guest-mini t_guest_mini
