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
# build/linux). With the PIC, the PIT and HLT (issue 12 phase A) the boot
# reaches /init, which runs its workload and ends the run with status 0;
# the test also pins that Linux itself read the zero page eptlab built: the
# command line, the e820 map with usable RAM below 1 MiB, the initramfs
# where the loader put it.
_lx_debian_checks() {
    local gpa
    expect_all "$SERIAL" \
        '^vm: Linux bzImage, boot protocol 2\.[0-9]+: kernel at GPA 0x1000000 \(pref_address\)' "the loader's summary" \
        '^guest: \[ *[0-9.]+\] Linux version 6\.1\.' "the kernel's banner" \
        '^guest: \[ *[0-9.]+\] Command line: console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 acpi=off nokaslr panic=-1 reboot=k$' "the default command line, as Linux read it" \
        '^guest: \[ *[0-9.]+\] BIOS-e820: \[mem 0x0000000000000000-0x000000000009fbff\] usable$' "usable RAM below 1 MiB in Linux's e820" \
        '^guest: EPTLAB-INIT: /init started \(pid 1\)$' "/init started (the PIC, PIT and HLT of issue 12 carry the boot there)" \
        '^guest: EPTLAB-INIT: workload PASS$' "/init's workload" \
        '^guest: EPTLAB-INIT: done, status 0$' "/init's end" \
        '^EPTLAB-END: PASS' "the run's PASS" || return 1
    gpa=$(tr -d '\r' <"$SERIAL" | sed -n 's/^vm: Linux initramfs: 0x[0-9a-f]* bytes at GPA 0x\([0-9a-f]*\)$/\1/p' | head -n 1)
    [ -n "$gpa" ] || { fail_reason "no 'vm: Linux initramfs' line with its GPA"; return 1; }
    expect "$SERIAL" "^guest: \\[ *[0-9.]+\\] RAMDISK: \\[mem 0x0*$gpa-" "Linux's RAMDISK line at the loader's GPA 0x$gpa" || return 1
    expect_not "$SERIAL" 'PANIC in|\*\*\* EXCEPTION' "a hypervisor panic or exception" || return 1
    bochs_log_clean
}

t_linux_debian_early() {
    local dir=$TESTDIR/linux-debian-early
    mkdir -p "$dir"
    if ! make -C "$ROOT" --no-print-directory BUILD="$BUILD" linux-artifacts >"$dir/artifacts.log" 2>&1; then
        fail_reason "make linux-artifacts failed: $(grep -m1 -E 'fetch-linux:|mkinitramfs:|rror' "$dir/artifacts.log"); see $dir/artifacts.log"
        return 1
    fi
    BOOT_INITRD=$ROOT/$BUILD/linux/initramfs.cpio.gz \
        boot_run linux-debian-early "guest_mem=256M" "$ROOT/$BUILD/linux/vmlinuz" "" \
        --megs 1024 --timeout 400 || return 1
    _lx_debian_checks
}
register_test linux-debian-early t_linux_debian_early
