# Bad boot input (GitHub issue "Hostile guests and bad input"): every case
# must end the run with a message naming what is wrong and a clean stop:
# an "EPTLAB-END: FAIL (...)" marker, no VMLAUNCH, no exception or panic,
# no triple fault, a Bochs log free of PANIC/VMFAIL. Sourced by
# scripts/test.sh; helper API in tests/README.md.
#
# Bad guest modules are crafted by tests/boot/mkbad.py (edits of the real
# build/guest/guest.bin, and minimal ELF64 images built from scratch) into
# $TESTDIR/badinput/. Each case records its verdict there (done/NAME: its
# kind, or "fail"); the last test prints the count ("figure: ..."), and
# runs any case that has not run yet, so that it gives the same verdict
# when run alone (scripts/test.sh badinput-summary).

_bad_dir() { echo "$TESTDIR/badinput"; }

_bad_images() {
    local dir
    dir=$(_bad_dir)
    mkdir -p "$dir"
    [ -f "$dir/.made" ] && return 0
    if [ ! -f "$GUEST_BIN" ]; then
        fail_reason "no $GUEST_BIN to derive bad images from"
        return 1
    fi
    if ! python3 "$ROOT/tests/boot/mkbad.py" "$dir" "$GUEST_BIN" >"$dir/mkbad.log" 2>&1; then
        fail_reason "mkbad.py failed: $(tail -n 2 "$dir/mkbad.log" | tr '\n' ' ')"
        return 1
    fi
    : >"$dir/.made"
}

# _bad_run NAME KIND HVARGS FILE MSG_RE END_RE [run-bochs args...]
#   KIND: image | option | boot (what the count files it under)
#   FILE: a mkbad.py case name, "-" for no module, "guest" for guest.bin
_bad_run() {
    local name=$1 kind=$2 args=$3 file=$4 msg=$5 endre=$6
    shift 6
    local dir guest=
    dir=$(_bad_dir)
    _bad_images || return 1
    case $file in
    -)     guest= ;;
    guest) guest=$GUEST_BIN ;;
    *)     guest=$dir/$file.bin
           [ -f "$guest" ] || { fail_reason "mkbad.py made no $file.bin"; return 1; } ;;
    esac
    boot_run "badinput-$name" "$args" "$guest" "" --timeout 60 "$@" || return 1
    expect "$SERIAL" "$msg" "the message /$msg/" || return 1
    expect "$SERIAL" "^EPTLAB-END: FAIL \\($endre" "EPTLAB-END: FAIL ($endre...)" || return 1
    expect_not "$SERIAL" '^vmx: VMLAUNCH' "the guest was launched anyway" || return 1
    expect_not "$SERIAL" '\*\*\* EXCEPTION|PANIC in|stack smashing' "an exception or panic" || return 1
    bochs_log_clean || return 1
    expect_not "$BOCHSLOG" 'exception with no resolution|triple fault' "a triple fault" || return 1
}

# name | kind | HVARGS | module | message regex | FAIL-marker reason prefix
_BAD_CASES=(
"no-module|boot|||^vm: no guest module: add one \\(module2\\) or pass guest=builtin|no guest module"
"not-multiboot|image||not-multiboot|^vm: guest module is not a loadable Multiboot v1 kernel: no Multiboot header \\(magic 0x1badb002\\) in the first 8192 bytes \\(ENOEXEC\\)|guest module rejected"
"tiny|image||tiny|kernel: truncated file: 8 bytes, no Multiboot header|guest module rejected"
"bad-checksum|image||bad-checksum|kernel: header at 0x0: bad checksum 0x12345678|guest module rejected"
"undefined-flag|image||undefined-flag|kernel: flags 0x1000a: required bits 0x8 not supported|guest module rejected"
"truncated|image||truncated|kernel: truncated file: load_end_addr 0x[0-9a-f]+ needs 0x[0-9a-f]+ bytes from offset 0x0, file has 16384|guest module rejected"
"entry-outside|image||entry-outside|kernel: entry_addr 0x200000 outside loaded range|guest module rejected"
"load-end-below|image||load-end-below|kernel: load_end_addr 0xf0000 not above load_addr 0x100000|guest module rejected"
"bigger-than-ram|image|guest_mem=4M|bigger-than-ram|kernel: load_addr 0x100000 \\.\\. bss_end 0x600000 beyond guest RAM \\(0x400000\\)|guest module rejected"
"elf-class|image||elf-class|kernel: e_ident\\[EI_CLASS\\] 3: not ELF32 or ELF64|guest module rejected"
"elf-machine|image||elf-machine|kernel: e_machine 3: ELF64 needs EM_X86_64|guest module rejected"
"seg-over-info|image||seg-over-info|kernel: segment 0: \\[0x10000, 0x11000\\) overlaps the Multiboot info block \\[0x10000, 0x10[0-9a-f]+\\)|guest module rejected"
"elf-truncated|image||elf-truncated|kernel: segment 0: p_offset 0x1000 \\+ filesz 0x10 beyond the file \\(4104 bytes\\)|guest module rejected"
"phdr-table-overflow|image||phdr-table-overflow|kernel: program headers beyond the file: e_phoff 0xfffffffffffffff8|guest module rejected"
"seg-offset-overflow|image||seg-offset-overflow|kernel: segment 0: p_offset 0xfffffffffffff000 \\+ filesz 0x2000 beyond the file|guest module rejected"
"seg-paddr-wrap|image||seg-paddr-wrap|kernel: segment 0: p_paddr 0xfffffffffffff000 \\+ memsz 0x2000 beyond guest RAM|guest module rejected"
"seg-overlap|image||seg-overlap|kernel: segment 1: \\[0x101000, 0x102000\\) overlaps an earlier segment \\[0x100000, 0x102000\\)|guest module rejected"
"seg-outside-ram|image||seg-outside-ram|kernel: segment 0: p_paddr 0x10000000 \\+ memsz 0x1000 beyond guest RAM \\(0x8000000\\)|guest module rejected"
"seg-page0|image||seg-page0|kernel: segment 0: p_paddr 0x0 below 0x1000|guest module rejected"
"opt-unknown|option|frob=1|guest|^options: bad option 'frob=1': unknown key|bad hypervisor option"
"opt-no-equals|option|vpid|guest|^options: bad option 'vpid': expected key=value|bad hypervisor option"
"opt-empty|option|demand=|guest|^options: bad option 'demand=': empty value|bad hypervisor option"
"opt-size-overflow|option|guest_mem=99999999999999G|guest|^options: bad option 'guest_mem=99999999999999G': guest_mem must look like|bad hypervisor option"
"opt-duplicate|option|vpid=on vpid=off|guest|^options: bad option 'vpid=off': duplicate key|bad hypervisor option"
"opt-long-word|option|selftest=$(printf 'x%.0s' {1..200})|guest|^options: bad option 'selftest=x+\\.\\.\\.': word too long|bad hypervisor option"
"mem-beyond-host|boot|guest=builtin guest_mem=3G|-|^vm: out of host memory for 3072 MiB of guest RAM \\([0-9]+ MiB allocated\\)|guest RAM allocation failed"
)

# Run one case and record its verdict in done/NAME.
_bad_case() {
    local want=$1 line name kind args file msg endre vdir
    vdir=$(_bad_dir)/done
    mkdir -p "$vdir"
    for line in "${_BAD_CASES[@]}"; do
        IFS='|' read -r name kind args file msg endre <<<"$line"
        [ "$name" = "$want" ] || continue
        [ -n "$file" ] || file=-
        if _bad_run "$name" "$kind" "$args" "$file" "$msg" "$endre" --megs 512; then
            echo "$kind" >"$vdir/$name"
            return 0
        fi
        echo fail >"$vdir/$name"
        return 1
    done
    fail_reason "no bad-input case '$want'"
    return 1
}

for _line in "${_BAD_CASES[@]}"; do
    _n=${_line%%|*}
    _f=t_badinput_${_n//-/_}
    eval "$_f() { _bad_case '$_n'; }"
    register_test "badinput-$_n" "$_f"
done
unset _line _n _f

# The figure: how many bad inputs were rejected cleanly, by kind. A case
# that has not run in this invocation (the summary named alone) runs here.
t_badinput_summary() {
    local vdir line name total=${#_BAD_CASES[@]} got=0 img=0 opt=0 boot=0
    vdir=$(_bad_dir)/done
    for line in "${_BAD_CASES[@]}"; do
        name=${line%%|*}
        [ -f "$vdir/$name" ] || ( _bad_case "$name" ) >/dev/null 2>&1
        case $(cat "$vdir/$name" 2>/dev/null) in
        image)  img=$((img + 1)) ;;
        option) opt=$((opt + 1)) ;;
        boot)   boot=$((boot + 1)) ;;
        esac
    done
    got=$((img + opt + boot))
    echo "figure: bad inputs rejected cleanly: $got of $total ($img bad images, $opt bad options, $boot other: no module / RAM beyond host)"
    if [ "$got" -ne "$total" ]; then
        fail_reason "only $got of $total bad inputs were rejected cleanly"
        return 1
    fi
}
register_test badinput-summary t_badinput_summary
