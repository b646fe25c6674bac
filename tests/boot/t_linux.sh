# The Linux boot protocol under eptlab (docs/linux-guest.md), without a
# real kernel: build/tests/linux_stub.bzImage (tests/kernels/
# linux_stub.asm) is a bzImage whose protected-mode part checks the 32-bit
# entry state and the zero page, and the bad cases are edits of it made by
# tests/boot/mklinux.py. Sourced by scripts/test.sh; helper API in
# tests/README.md.

LINUX_STUB=$ROOT/$BUILD/tests/linux_stub.bzImage

_lx_dir() { echo "$TESTDIR/linux-input"; }

_lx_inputs() {
    local dir
    dir=$(_lx_dir)
    [ -f "$dir/.made" ] && return 0
    mkdir -p "$dir"
    if [ ! -f "$LINUX_STUB" ]; then
        fail_reason "no $LINUX_STUB (make all builds it)"
        return 1
    fi
    if ! python3 "$ROOT/tests/boot/mklinux.py" "$dir" "$LINUX_STUB" >"$dir/mklinux.log" 2>&1; then
        fail_reason "mklinux.py failed: $(tail -n 2 "$dir/mklinux.log" | tr '\n' ' ')"
        return 1
    fi
    : >"$dir/.made"
}

# The ten checks of linux_stub.asm, each a PASS line on the guest console.
_LX_STUB_CHECKS=(entry.cs entry.data-segments entry.ebx-edi-ebp entry.if-clear
                 entry.gdt zeropage.header zeropage.writable zeropage.cmdline
                 zeropage.initrd zeropage.e820)

_lx_entry_checks() {
    local c
    expect_all "$SERIAL" \
        '^vm: Linux bzImage, boot protocol 2\.15: kernel at GPA 0x1000000 \(pref_address\)' "the loader's summary" \
        '^vm: Linux initramfs: 0x[0-9a-f]+ bytes at GPA 0x[0-9a-f]+$' "the initramfs line" \
        '^vm: Linux e820: \[0x0, 0x9fc00\) usable$' "usable RAM below 1 MiB in e820" \
        '^vm: Linux 32-bit entry: EIP 0x1000000, ESI 0x10000 \(zero page\), CS 0x10, DS/ES/SS 0x18' "the entry line" || return 1
    for c in "${_LX_STUB_CHECKS[@]}"; do
        expect "$SERIAL" "^guest: linux-stub: PASS: ${c//./\\.}\$" "linux-stub PASS: $c" || return 1
    done
    expect_not "$SERIAL" '^guest: linux-stub: FAIL' "a stub check failed" || return 1
    expect "$SERIAL" '^vm: guest wrote status 0 to port 0xf4' "status 0 from the stub"
}

t_linux_entry() {
    _lx_inputs || return 1
    BOOT_INITRD=$(_lx_dir)/initrd-small.bin \
        boot_pass linux-entry "" "$LINUX_STUB" "eptlab-stub ok" --timeout 60 -- _lx_entry_checks
}
register_test linux-entry t_linux_entry

# _lx_bad NAME HVARGS CASE GUESTARGS INITRD MSG_RE: the run must name the
# problem, end with FAIL (Linux guest rejected), and never launch.
_lx_bad() {
    local name=$1 args=$2 file=$3 gargs=$4 rd=$5 msg=$6 dir
    _lx_inputs || return 1
    dir=$(_lx_dir)
    [ -f "$dir/$file.bin" ] || { fail_reason "mklinux.py made no $file.bin"; return 1; }
    BOOT_INITRD=${rd:+$dir/$rd} \
        boot_run "linux-bad-$name" "$args" "$dir/$file.bin" "$gargs" --timeout 60 || return 1
    expect "$SERIAL" "^vm: guest module is not a loadable Linux bzImage: $msg" "the message /$msg/" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(Linux guest rejected' "EPTLAB-END: FAIL (Linux guest rejected)" || return 1
    expect_not "$SERIAL" '^vmx: VMLAUNCH' "the guest was launched anyway" || return 1
    expect_not "$SERIAL" '\*\*\* EXCEPTION|PANIC in' "an exception or panic" || return 1
    bochs_log_clean
}

# name | HVARGS | case | GUESTARGS | initrd | message regex
_LX_BAD_CASES=(
"truncated||linux-truncated|x||truncated bzImage: syssize says 0x[0-9a-f]+ bytes of protected-mode kernel from 0xa00, the file has 0x[0-9a-f]+ \\(ENOEXEC\\)"
"magic|guest=linux|linux-magic|x||setup header magic at 0x202 is 0x54726448, not \"HdrS\" \\(0x53726448\\): not a bzImage \\(ENOEXEC\\)"
"protocol||linux-protocol|x||boot protocol 2\\.08 is older than 2\\.10 \\(needed for pref_address and init_size\\) \\(ENOEXEC\\)"
"too-big||linux-too-big|x||kernel does not fit: not relocatable, and its init_size window of 0x10000000 bytes at pref_address 0x1000000 is beyond guest RAM \\(guest RAM 0x8000000\\) \\(EINVAL\\)"
"initrd-window||linux-initrd-window|x|initrd-big.bin|initramfs of 0x180000 bytes does not fit: its window is \\[1 MiB, 0x200000\\)"
"cmdline||linux-cmdline|console=ttyS0 and more than sixteen||command line of 3[0-9] bytes is longer than the kernel's cmdline_size 16 \\(E2BIG\\)"
)

for _line in "${_LX_BAD_CASES[@]}"; do
    _n=${_line%%|*}
    _f=t_linux_bad_${_n//-/_}
    eval "$_f() {
        local name args file gargs rd msg
        IFS='|' read -r name args file gargs rd msg <<<\"\$(_lx_case '$_n')\"
        _lx_bad \"\$name\" \"\$args\" \"\$file\" \"\$gargs\" \"\$rd\" \"\$msg\"
    }"
    register_test "linux-bad-$_n" "$_f"
done
unset _line _n _f

_lx_case() {
    local l
    for l in "${_LX_BAD_CASES[@]}"; do
        [ "${l%%|*}" = "$1" ] && { printf '%s\n' "$l"; return 0; }
    done
}

# The real kernel: Debian's linux-image-cloud-amd64 (6.1) with the busybox
# initramfs, fetched and built by `make linux-artifacts` (cached in
# build/linux). Each boot runs to /init's end: the EPTLAB-INIT markers
# (linux/init.sh), the 64 MiB workload's verdict, the CPL-3 2D walk of a
# Linux process (linux/walkdemo.c) and the clean end with the status /init
# wrote to port 0xF4. The boots are background tests (register_test_bg):
# they run one after another beside the rest of the suite.
LINUX_BOOT_TIMEOUT=${LINUX_BOOT_TIMEOUT:-900}

_lx_artifacts() {
    local log=$TESTDIR/linux-artifacts.log
    if ! make -C "$ROOT" --no-print-directory BUILD="$BUILD" linux-artifacts >"$log" 2>&1; then
        fail_reason "make linux-artifacts failed: $(grep -m1 -E 'fetch-linux:|mkinitramfs:|rror' "$log"); see $log"
        return 1
    fi
}

# _lx_boot NAME HVARGS: boot Linux with guest_mem=256M HVARGS (Bochs 1 GiB).
_lx_boot() {
    _lx_artifacts || return 1
    BOOT_INITRD=$ROOT/$BUILD/linux/initramfs.cpio.gz \
        boot_run "$1" "guest_mem=256M${2:+ $2}" "$ROOT/$BUILD/linux/vmlinuz" "" \
        --megs 1024 --timeout "$LINUX_BOOT_TIMEOUT"
}

# The kernel read the zero page eptlab built: its command line, the e820
# map with usable RAM below 1 MiB, the initramfs where the loader put it.
_lx_zeropage_checks() {
    local gpa
    expect_all "$SERIAL" \
        '^vm: Linux bzImage, boot protocol 2\.[0-9]+: kernel at GPA 0x1000000 \(pref_address\)' "the loader's summary" \
        '^guest: \[ *[0-9.]+\] Linux version 6\.1\.' "the kernel's banner" \
        '^guest: \[ *[0-9.]+\] Command line: console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 nokaslr panic=-1 reboot=k$' "the default command line, as Linux read it (ACPI on)" \
        '^guest: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable$' "usable RAM below 1 MiB in Linux's e820" || return 1
    gpa=$(tr -d '\r' <"$SERIAL" | sed -n 's/^vm: Linux initramfs: 0x[0-9a-f]* bytes at GPA 0x\([0-9a-f]*\)$/\1/p' | head -n 1)
    [ -n "$gpa" ] || { fail_reason "no 'vm: Linux initramfs' line with its GPA"; return 1; }
    expect "$SERIAL" "^guest: \\[ *[0-9.]+\\] RAMDISK: \\[mem 0x0*$gpa-" "Linux's RAMDISK line at the loader's GPA 0x$gpa"
}

# /init's markers and the workload (linux/init.sh, linux/memtouch.c). The
# flags line is the platform contract's CPUID (docs/linux-guest.md): a
# hypervisor, long mode, the local APIC and its TSC-deadline timer.
_lx_init_checks() {
    local flags mem
    expect_all "$SERIAL" \
        '^guest: EPTLAB-INIT: tsc [0-9]+ at /init$' "/init's first tick mark" \
        '^guest: EPTLAB-INIT: /init started \(pid 1\)$' "the /init marker" \
        '^guest: memtouch: PASS: 64 MiB written and checked$' "the workload's own verdict" \
        '^guest: EPTLAB-INIT: workload PASS$' "the workload marker" \
        '^guest: EPTLAB-INIT: tsc [0-9]+ after the workload$' "the end-of-workload tick mark" \
        '^guest: EPTLAB-INIT: done, status 0$' "/init's end with status 0" \
        '^guest: exitcode: status 0 to port 0xf4$' "the exit helper" \
        '^vm: guest wrote status 0 to port 0xf4: ending the run$' "status 0 at the exit port" || return 1
    flags=$(tr -d '\r' <"$SERIAL" | sed -n 's/^guest: EPTLAB-INIT: flags[[:space:]]*: //p' | head -n 1)
    [ -n "$flags" ] || { fail_reason "no CPU flags line from /init"; return 1; }
    for f in fpu tsc msr pae cx8 apic lm nx hypervisor tsc_deadline_timer; do
        [[ " $flags " == *" $f "* ]] || { fail_reason "CPU flag '$f' missing: $flags"; return 1; }
    done
    mem=$(tr -d '\r' <"$SERIAL" | sed -n -E 's/^guest: EPTLAB-INIT: MemTotal: +([0-9]+) kB$/\1/p' | head -n 1)
    if [ -z "$mem" ] || [ "$mem" -lt 200000 ] || [ "$mem" -gt 262144 ]; then
        fail_reason "MemTotal '${mem:-none}' kB is not that of 256 MiB of guest RAM"
        return 1
    fi
    expect_not "$SERIAL" '^guest: EPTLAB-INIT: (workload|walk) FAIL|^guest: (memtouch|walkdemo): FAIL' "a failed /init step" || return 1
    expect_not "$SERIAL" 'Kernel panic|^guest: \[ *[0-9.]+\] (BUG|Oops|WARNING|general protection fault)' "a kernel panic, BUG, Oops or WARNING"
}

# The CPL-3 walk: every reference present (guest entries P, EPT entries
# readable, each EPT walk ending at a leaf), nrefs the count of them (WANT
# if given), the walk's GPA Linux's own (pagemap), its HPA what the guest
# got back and what the EPT engine translates the GPA to.
_lx_walk_checks() {   # [WANT_NREFS]
    local json pm ok eng
    expect "$SERIAL" '^guest: EPTLAB-INIT: walk PASS$' "the walk marker" || return 1
    json=$(tr -d '\r' <"$SERIAL" | grep -m1 '^WALK-JSON: ') || { fail_reason "no WALK-JSON line"; return 1; }
    pm=$(tr -d '\r' <"$SERIAL" | sed -n 's/^guest: walkdemo: pagemap: GVA \(0x[0-9a-f]*\) -> GPA \(0x[0-9a-f]*\)$/\1 \2/p' | head -n 1)
    ok=$(tr -d '\r' <"$SERIAL" | sed -n 's/^guest: walkdemo: PASS: GVA \(0x[0-9a-f]*\) -> GPA \(0x[0-9a-f]*\) -> HPA \(0x[0-9a-f]*\), \([0-9]*\) memory references, guest CR3 \(0x[0-9a-f]*\)$/\1 \2 \3 \4 \5/p' | head -n 1)
    eng=$(tr -d '\r' <"$SERIAL" | sed -n 's/^walk: EPT engine: GPA \(0x[0-9a-f]*\) -> HPA \(0x[0-9a-f]*\) (equal to the walk.s)$/\1 \2/p' | head -n 1)
    [ -n "$pm" ] || { fail_reason "no walkdemo pagemap line"; return 1; }
    [ -n "$ok" ] || { fail_reason "no walkdemo PASS line with GVA, GPA, HPA, nrefs, CR3"; return 1; }
    [ -n "$eng" ] || { fail_reason "no 'walk: EPT engine: ... (equal to the walk's)' line"; return 1; }
    python3 - "${1:-0}" "${json#WALK-JSON: }" "$pm" "$ok" "$eng" >"$TESTDIR/$LX_NAME/walk-check.out" 2>&1 <<'PY' || { fail_reason "the CPL-3 walk: $(tail -n 1 "$TESTDIR/$LX_NAME/walk-check.out")"; return 1; }
import json, sys
want, w = int(sys.argv[1]), json.loads(sys.argv[2])
pm = [int(x, 16) for x in sys.argv[3].split()]
gva, gpa, hpa, nrefs, cr3 = [int(x, 0) for x in sys.argv[4].split()]
egpa, ehpa = [int(x, 16) for x in sys.argv[5].split()]
h = lambda s: int(s, 16)
def ept_walk_ok(steps):
    if not steps or any(not h(s["entry"]) & 7 for s in steps):
        return False
    last = len(steps) - 1
    return last == 3 or bool(h(steps[-1]["entry"]) & 0x80)
refs = sum(len(l["ept"]) for l in w["levels"]) + w["guest_nsteps"] + len(w["final_ept"])
checks = [
    ("result 0", w["result"] == 0),
    ("4 guest levels read", w["guest_nsteps"] == 4 and len(w["levels"]) == 4),
    ("guest entries present and user", all(h(l["entry"]) & 1 and h(l["entry"]) & 4 for l in w["levels"])),
    ("each EPT walk present down to a leaf", all(ept_walk_ok(l["ept"]) for l in w["levels"]) and ept_walk_ok(w["final_ept"])),
    ("nrefs %d = references counted %d" % (w["nrefs"], refs), w["nrefs"] == refs),
    ("nrefs %d = want %d" % (w["nrefs"], want), want == 0 or w["nrefs"] == want),
    ("walkdemo's GVA/GPA/HPA/nrefs/CR3 = WALK-JSON's",
     (gva, gpa, hpa, nrefs, cr3) == (h(w["gva"]), h(w["gpa"]), h(w["hpa"]), w["nrefs"], h(w["cr3"]))),
    ("pagemap's GVA -> GPA = the walk's", pm == [gva, gpa]),
    ("the EPT engine's HPA = the walk's", (egpa, ehpa) == (gpa, hpa)),
    ("a user address", gva < (1 << 47)),
    ("GPA != HPA", gpa != hpa and hpa & 0xfff == gva & 0xfff),
]
for what, good in checks:
    print("%s: %s" % ("ok" if good else "BAD", what))
bad = [what for what, good in checks if not good]
if bad:
    print("BAD: " + "; ".join(bad))
    sys.exit(1)
PY
}

# The final statistics and the end-of-run audit.
_lx_end_checks() {
    local ctr
    expect_all "$SERIAL" \
        '^stats \(guest ended\): [0-9]+ exits, [0-9]+ ticks in exit handling' "the final exit statistics" \
        '^stats: +30 I/O instruction +[1-9][0-9]* exits' "I/O exits (the console) per reason" \
        '^stats: +10 CPUID +[1-9][0-9]* exits' "CPUID exits per reason" \
        '^stats: +18 VMCALL +[1-9][0-9]* exits' "the walk's VMCALL" \
        '^audit: PASS: \.text hash == boot, \.rodata hash == boot; EPT [0-9]+ leaves, [0-9]+ KiB, 0 outside the VM.s frames$' "the end-of-run audit" \
        '^EPTLAB-END: PASS$' "EPTLAB-END: PASS" || return 1
    ctr=$(tr -d '\r' <"$SERIAL" | grep -m1 '^vm: counters: ')
    [ -n "$ctr" ] || { fail_reason "no 'vm: counters:' line"; return 1; }
    expect_not "$SERIAL" '^audit: (FAIL|BAD)|PANIC in|\*\*\* EXCEPTION|^contain: (no progress|restart)|^vm: guest reset' "an audit failure, hypervisor panic, reset or containment" || return 1
    bochs_log_clean
}

_lx_full() {   # NAME HVARGS WANT_NREFS [extra check]
    LX_NAME=$1
    _lx_boot "$1" "$2" || return 1
    _run_failed "$SERIAL" && return 1
    _lx_zeropage_checks || return 1
    _lx_init_checks || return 1
    _lx_walk_checks "$3" || return 1
    _lx_end_checks || return 1
    if [ $# -gt 3 ]; then "$4" || return 1; fi
}

# ACPI on (the default, docs/acpi.md): Linux finds eptlab's RSDP, enumerates
# the CPU and the I/O APIC from the MADT, routes the PIT through I/O APIC
# pin 0 and checks that its ticks arrive there (check_timer: no "MP-BIOS
# bug" fallback), routes IRQs through the I/O APIC, and reads back the
# PM1a enable bit its RTC driver clears (no "ACPI Error").
_lx_acpi_checks() {
    expect_all "$SERIAL" \
        '^guest: \[ *[0-9.]+\] ACPI: RSDP 0x00000000000F0000 000024 \(v02 EPTLAB\)$' "Linux finding eptlab's RSDP" \
        '^guest: \[ *[0-9.]+\] ACPI: APIC 0x00000000000F0280 000050 \(v03 EPTLAB ' "the MADT" \
        '^guest: \[ *[0-9.]+\] IOAPIC\[0\]: apic_id 1, version 17, address 0xfec00000, GSI 0-23$' "the I/O APIC from the MADT, its version register read" \
        '^guest: \[ *[0-9.]+\] ACPI: Using ACPI \(MADT\) for SMP configuration information$' "the MADT used for the CPUs" \
        '^guest: \[ *[0-9.]+\] APIC: Switch to symmetric I/O mode setup$' "the local APIC and I/O APIC in use" \
        '^guest: \[ *[0-9.]+\] \.\.TIMER: vector=0x30 apic1=0 pin1=0 apic2=-1 pin2=-1$' "the PIT on I/O APIC pin 0" \
        '^guest: \[ *[0-9.]+\] ACPI: Using IOAPIC for interrupt routing$' "IRQs routed through the I/O APIC" || return 1
    expect_not "$SERIAL" 'MP-BIOS bug|timer not connected|IO-APIC \+ timer doesn|ACPI (BIOS )?Error|APIC error|Spurious' \
        "a timer fallback, an ACPI error or an APIC error" || return 1
    expect_not "$SERIAL" '^apic: |^ioapic: |^mmio: ' "eptlab reporting an APIC access" || return 1
}
t_linux_boot() { _lx_full linux-boot "" 0 _lx_acpi_checks; }
register_test_bg linux-boot t_linux_boot

# The matrix: 4 KiB EPT leaves (the walk is 4 x (4 + 1) + 4 = 24
# references) and RAM backed on first touch (demand faults counted; the
# walk is 4K over 4K too).
t_linux_4k() { _lx_full linux-ept4k "ept_leaf=4k" 24; }
register_test_bg linux-ept4k t_linux_4k

_lx_demand_counted() {
    expect_all "$SERIAL" \
        '^vm: guest RAM 256 MiB, demand=full' "the full-demand boot line" \
        '^stats: +48 EPT violation +[1-9][0-9]* exits' "EPT-violation exits" \
        '^vm: counters: [1-9][0-9]* EPT violations, [1-9][0-9]* demand faults' "EPT violations and demand faults counted"
}
t_linux_demand_full() { _lx_full linux-demand-full "demand=full" 24 _lx_demand_counted; }
register_test_bg linux-demand-full t_linux_demand_full
