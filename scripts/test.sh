#!/usr/bin/env bash
# The `make test` driver.
#
#   scripts/test.sh             every test
#   scripts/test.sh NAME...     only the named tests; a NAME may be a glob
#                               (`matrix-*`), `unit` (all unit tests) or
#                               `unit/<binary>[/<test>]`
#
#   1. scripts/install-deps.sh (installs whatever is missing)
#   2. make                     (the hypervisor and its ISO)
#   3. make unit                (each cmocka test counts as one result)
#   4. every tests/boot/t_*.sh, sourced in sorted order; each registers
#      test functions with register_test (API: tests/README.md)
#
# With names, steps 1 and 2 still run when a named test needs them, and
# step 3 only when a unit test is named; their results are printed when
# they are named or when they fail. A name that selects no test is a
# failure of its own.
#
# Prints "PASS: name" / "FAIL: name (why)" per test and, as the very last
# line, "N passed, N failed". Exit status non-zero if anything failed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
TESTDIR=$ROOT/$BUILD/test
HV_ELF=$ROOT/$BUILD/eptlab.elf
GUEST_BIN=$ROOT/$BUILD/guest/guest.bin
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
export BUILD
rm -rf "$TESTDIR"
mkdir -p "$TESTDIR"

# ------------------------------------------------------------ selection
SELECT=("$@")
declare -A SELECT_HIT=()

# Is result NAME selected? With no names everything is. A name selects a
# result it matches as a glob, and everything below it: `unit` selects
# unit/<binary>/<test>.
selected() {
    local s
    [ ${#SELECT[@]} -eq 0 ] && return 0
    for s in "${SELECT[@]}"; do
        # shellcheck disable=SC2053  # $s is a glob on purpose
        if [[ $1 == $s || $1 == $s/* ]]; then
            SELECT_HIT[$s]=1
            return 0
        fi
    done
    return 1
}

# Does any name select something of step STEP (a name without a slash:
# deps, build, unit)? A name counts for a step when its part before the
# first '/' matches the step's name (`unit/test_ept`, `*`).
wants() {
    local s
    [ ${#SELECT[@]} -eq 0 ] && return 0
    for s in "${SELECT[@]}"; do
        # shellcheck disable=SC2053
        [[ $1 == ${s%%/*} ]] && return 0
    done
    return 1
}

npass=0
nfail=0
# A result counts when it is selected. A failed prerequisite (deps, build,
# the unit build) counts whether named or not: what needed it cannot pass.
pass() { selected "$1" || return 0; echo "PASS: $1"; npass=$((npass + 1)); }
fail() { selected "$1" || return 0; echo "FAIL: $1 ($2)"; nfail=$((nfail + 1)); }
fail_prereq() { selected "$1"; echo "FAIL: $1 ($2)"; nfail=$((nfail + 1)); }

# ------------------------------------------------------------ helpers
# Documented in tests/README.md; t_*.sh files rely on these exact names.
REASON_FILE=$TESTDIR/.reason
TIMEOUT_FILE=$TESTDIR/.timeouts
TEST_NAMES=()
TEST_FUNCS=()

register_test() {
    if [ $# -ne 2 ]; then
        echo "test.sh: usage: register_test NAME FUNC" >&2
        return 1
    fi
    TEST_NAMES+=("$1")
    TEST_FUNCS+=("$2")
}

# A background test: run, with the other background tests one after
# another, beside the sequential suite (started once the build is done),
# and reported after it. For long emulator runs (the Linux boots): the
# suite's two cores are both busy.
declare -A TEST_BG=()
register_test_bg() {
    register_test "$@" || return 1
    TEST_BG[$1]=1
}

fail_reason() {
    printf '%s\n' "$*" >"$REASON_FILE"
}

# An emulator run killed at its time limit: recorded for the test that
# ran it, which then fails with "TIMEOUT after N s" whatever its checks
# said (no test may depend on a run being killed).
note_timeout() {   # NAME SECONDS
    printf 'TIMEOUT after %s s (%s)\n' "$2" "$1" >>"$TIMEOUT_FILE"
}

# The guest's modules: a test sets the array BOOT_MODS (FILE[:ARGS] words,
# `local -a BOOT_MODS=(...)`) before mkiso / boot_run / boot_pass; INITRD
# (a Linux guest's initramfs) is one more module, ahead of them.
mkiso() {
    local out=$1 args=${2:-} guest=${3:-} gargs=${4:-} initrd=${5:-}
    if ! "$ROOT/scripts/mkiso.sh" "$out" "$HV_ELF" "$guest" "$args" "$gargs" \
        ${initrd:+"$initrd:initrd"} ${BOOT_MODS[@]+"${BOOT_MODS[@]}"} >"$out.log" 2>&1; then
        fail_reason "mkiso $out failed: $(tail -n 3 "$out.log" | tr '\n' ' ')"
        return 1
    fi
}

# Runs scripts/run-ENGINE.sh on ISO with its logs in $TESTDIR/NAME; sets
# $SERIAL; returns the script's exit status.
_boot_engine() {
    local engine=$1 name=$2 iso=$3
    shift 3
    local dir=$TESTDIR/$name
    mkdir -p "$dir"
    SERIAL=$dir/serial.log
    "$ROOT/scripts/run-$engine.sh" --timeout "$BOOT_TIMEOUT" --log-dir "$dir" "$@" "$iso" \
        >"$dir/run.out" 2>&1
    local rc=$? t
    t=$(grep -a -m1 -o -E 'TIMEOUT after [0-9]+ s' "$dir/run.out")
    [ -n "$t" ] && note_timeout "$name" "$(tr -dc 0-9 <<<"$t")"
    return $rc
}

boot_bochs() {
    BOCHSLOG=$TESTDIR/$1/bochs.log
    _boot_engine bochs "$@"
    BOOT_STATUS=$?
    return $BOOT_STATUS
}

boot_qemu() {
    _boot_engine qemu "$@"
    QEMU_EXIT=$?
    if grep -q 'EPTLAB-END: PASS' "$SERIAL" 2>/dev/null; then
        BOOT_STATUS=0
    else
        BOOT_STATUS=1
    fi
    return $BOOT_STATUS
}

# boot_run NAME "HVARGS" GUESTFILE "GUESTARGS" [run-bochs args...]
# Builds $TESTDIR/NAME.iso (mkiso) and boots it under Bochs as NAME
# (boot_bochs). With BOOT_INITRD=FILE set, FILE is a second module (a
# Linux guest's initramfs). Returns 1 only if the ISO could not be built: a run that
# is meant to FAIL is checked by the caller.
boot_run() {
    if [ $# -lt 4 ]; then
        fail_reason "usage: boot_run NAME HVARGS GUESTFILE GUESTARGS [run-bochs args...]"
        return 1
    fi
    local name=$1 iso=$TESTDIR/$1.iso
    mkiso "$iso" "$2" "$3" "$4" "${BOOT_INITRD:-}" || return 1
    shift 4
    boot_bochs "$name" "$iso" "$@"
    return 0
}

# boot_pass [--what TEXT] NAME "HVARGS" GUESTFILE "GUESTARGS" [run-bochs args...] [-- CHECK [ARGS...]]
# The sequence most boot tests are: boot_run, then CHECK ARGS (the test's
# own expectations on $SERIAL), then the PASS marker (TEXT names it in the
# failure reason, default "the PASS marker") and a clean Bochs log.
boot_pass() {
    local what="the PASS marker" run=()
    if [ "${1:-}" = --what ]; then
        what=$2
        shift 2
    fi
    while [ $# -gt 0 ] && [ "$1" != -- ]; do
        run+=("$1")
        shift
    done
    [ $# -gt 0 ] && shift
    boot_run "${run[@]}" || return 1
    # A run that ended FAIL fails here, with its own reason (and the
    # first guest failure or the no-progress line, if any), before the
    # test's checks would name only the first line they miss.
    _run_failed "$SERIAL" && return 1
    if [ $# -gt 0 ]; then
        "$@" || return 1
    fi
    expect_not_skip || return 1
    expect "$SERIAL" '^EPTLAB-END: PASS' "$what" || return 1
    bochs_log_clean
}

# True (and the reason recorded) if LOG holds an EPTLAB-END: FAIL marker.
_run_failed() {
    local log=$1 end first
    [ -f "$log" ] || return 1
    end=$(tr -d '\r' <"$log" | grep -a -m1 '^EPTLAB-END: FAIL')
    [ -n "$end" ] || return 1
    first=$(tr -d '\r' <"$log" | grep -a -m1 -E '^guest: FAIL:|^contain: no progress:|^audit: FAIL:|^\*\*\* EXCEPTION')
    fail_reason "the run ended '$end'${first:+; first: '$first'}"
    return 0
}

# A run that ended with SKIP (the guest wrote status 77) is not a PASS:
# fail, saying so, wherever PASS is expected.
expect_not_skip() {
    local hit
    hit=$(tr -d '\r' <"$SERIAL" 2>/dev/null | grep -a -m1 '^EPTLAB-END: SKIP')
    if [ -n "$hit" ]; then
        fail_reason "the run ended with SKIP where PASS was expected: '$hit' in $SERIAL"
        return 1
    fi
}

# Serial logs have CRLF line ends; they are matched without the CR.
expect() {
    local log=$1 re=$2 what=${3:-$2}
    if [ ! -f "$log" ]; then
        fail_reason "no log $log (expected $what)"
        return 1
    fi
    # No `grep -q` in a pipe: under pipefail an early exit of grep can kill
    # tr with SIGPIPE and turn a match into a failure.
    if ! grep -a -E -q -- "$re" < <(tr -d '\r' <"$log"); then
        fail_reason "expected $what; not in $log"
        return 1
    fi
}

# expect_all LOG RE WHAT [RE WHAT...]: expect LOG RE WHAT for each pair,
# in order; stops at the first one missing.
expect_all() {
    local log=$1
    shift
    if [ $(($# % 2)) -ne 0 ]; then
        fail_reason "usage: expect_all LOG RE WHAT [RE WHAT...] (odd count: $*)"
        return 1
    fi
    while [ $# -gt 0 ]; do
        expect "$log" "$1" "$2" || return 1
        shift 2
    done
}

expect_not() {
    local log=$1 re=$2 why=${3:-$2} hit
    [ -f "$log" ] || return 0
    hit=$(tr -d '\r' <"$log" | grep -a -E -m1 -- "$re")
    if [ -n "$hit" ]; then
        fail_reason "$why: '$hit' in $log"
        return 1
    fi
}

# expect_features LOG [MODEL]: no silent degradation. What the CPU model
# offers (the `vmx: caps` line must say it: FEATURES_<model> below) and
# the options request (`options:` line) must be what the run uses: VPID
# and INVPCID in the `vmx: controls` line (proc2 bits 5 and 12, vpid=N),
# 1G leaves and EPT A/D in the EPT line (leaf sizes, EPTP bit 6), and, if
# the guest printed it, the same in its HC_CONFIG line (`hc: config`).
# MODEL is the Bochs CPU model (default corei7_skylake_x).
declare -A FEATURES_MODEL=(
    [corei7_skylake_x]='2M yes, 1G yes, A/D yes;VPID yes;INVPCID yes'
    [tigerlake]='2M yes, 1G yes, A/D yes;VPID yes;INVPCID yes'
    [corei7_sandy_bridge_2600k]='2M yes, 1G no, A/D no;VPID yes;INVPCID no'
)
expect_features() {
    local log=$1 model=${2:-corei7_skylake_x} spec caps opts ctl eptl cfg
    local want_ept want_vpid want_invpcid cpu_1g cpu_ad cpu_vpid cpu_invpcid
    local vpid_opt leaf_opt proc2 vpid eptp leaves want_leaves want_mask
    spec=${FEATURES_MODEL[$model]:-}
    if [ -z "$spec" ]; then
        fail_reason "expect_features: no feature row for CPU model $model"
        return 1
    fi
    IFS=';' read -r want_ept want_vpid want_invpcid <<<"$spec"
    caps=$(tr -d '\r' <"$log" | grep -a -m1 '^vmx: caps: ')
    opts=$(tr -d '\r' <"$log" | grep -a -m1 '^options: ')
    ctl=$(tr -d '\r' <"$log" | grep -a -m1 '^vmx: controls ')
    eptl=$(tr -d '\r' <"$log" | grep -a -m1 -E '^vm: guest RAM .*EPT leaves ')
    cfg=$(tr -d '\r' <"$log" | grep -a -m1 '^guest: hc: config ')
    if [ -z "$caps" ] || [ -z "$opts" ] || [ -z "$ctl" ] || [ -z "$eptl" ]; then
        fail_reason "expect_features: caps, options, controls or EPT line missing in $log"
        return 1
    fi
    # What the model offers, as the hypervisor read it.
    for w in "EPT yes ($want_ept," "$want_vpid," "$want_invpcid"; do
        case $caps in
        *"$w"*) ;;
        *) fail_reason "$model offers '$w', but the caps line says: $caps"; return 1 ;;
        esac
    done
    cpu_1g=no; cpu_ad=no; cpu_vpid=no; cpu_invpcid=no
    [[ $caps == *"1G yes"* ]] && cpu_1g=yes
    [[ $caps == *"A/D yes"* ]] && cpu_ad=yes
    [[ $caps == *"VPID yes"* ]] && cpu_vpid=yes
    [[ $caps == *"INVPCID yes"* ]] && cpu_invpcid=yes
    vpid_opt=$(sed -n -E 's/.* vpid=(on|off).*/\1/p' <<<"$opts")
    leaf_opt=$(sed -n -E 's/.* ?ept_leaf=([a-z0-9]+).*/\1/p' <<<"$opts")
    proc2=$(( $(sed -n -E 's/.* proc2=(0x[0-9a-f]+).*/\1/p' <<<"$ctl") ))
    vpid=$(sed -n -E 's/.* vpid=([0-9]+)$/\1/p' <<<"$ctl")
    eptp=$(( $(sed -n -E 's/.*EPTP (0x[0-9a-f]+).*/\1/p' <<<"$eptl") ))
    leaves=$(sed -n -E 's/.*EPT leaves ([0-9KMG ]+),.*/\1/p' <<<"$eptl")
    # VPID: on exactly when asked for and offered.
    if [ "$vpid_opt" = on ] && [ $cpu_vpid = yes ]; then
        if [ "${vpid:-0}" = 0 ] || [ $((proc2 & 0x20)) -eq 0 ]; then
            fail_reason "vpid=on and the CPU offers VPID, but VPID is not in use: $ctl"
            return 1
        fi
    elif [ "${vpid:-0}" != 0 ] || [ $((proc2 & 0x20)) -ne 0 ]; then
        fail_reason "VPID in use though vpid=$vpid_opt, caps VPID $cpu_vpid: $ctl"
        return 1
    fi
    # INVPCID: enabled exactly when offered (the guest then has it).
    if [ $cpu_invpcid = yes ] && [ $((proc2 & 0x1000)) -eq 0 ]; then
        fail_reason "the CPU offers INVPCID, but 'enable INVPCID' is off: $ctl"
        return 1
    elif [ $cpu_invpcid = no ] && [ $((proc2 & 0x1000)) -ne 0 ]; then
        fail_reason "'enable INVPCID' on though the caps line says INVPCID no: $ctl"
        return 1
    fi
    # EPT A/D: EPTP bit 6 exactly when offered.
    if [ $cpu_ad = yes ] && [ $((eptp & 0x40)) -eq 0 ]; then
        fail_reason "the CPU offers EPT A/D, but EPTP bit 6 is clear: $eptl"
        return 1
    elif [ $cpu_ad = no ] && [ $((eptp & 0x40)) -ne 0 ]; then
        fail_reason "EPTP bit 6 set though the CPU lacks EPT A/D: $eptl"
        return 1
    fi
    # Leaf sizes: up to the option's size, or the largest offered (auto).
    case $leaf_opt in
    4k) want_leaves="4K" ;;
    2m) want_leaves="4K 2M" ;;
    *)  if [ $cpu_1g = yes ]; then want_leaves="4K 2M 1G"; else want_leaves="4K 2M"; fi ;;
    esac
    if [ "$leaves" != "$want_leaves" ]; then
        fail_reason "EPT leaves '$leaves', want '$want_leaves' (ept_leaf=$leaf_opt, 1G $cpu_1g): $eptl"
        return 1
    fi
    # The guest's view (HC_CONFIG), when it printed one.
    [ -n "$cfg" ] || return 0
    want_mask=$(( 1 | (${#want_leaves} > 2 ? 2 : 0) | (${#want_leaves} > 5 ? 4 : 0) ))
    if [[ ! $cfg =~ " ept_leaf_sizes 0x$(printf '%x' $want_mask) vpid ${vpid:-0} ept_ad $([ $cpu_ad = yes ] && echo 1 || echo 0) " ]]; then
        fail_reason "HC_CONFIG disagrees with the run (want ept_leaf_sizes 0x$(printf '%x' $want_mask), vpid ${vpid:-0}, ept_ad for A/D $cpu_ad): $cfg"
        return 1
    fi
}

bochs_log_clean() {
    expect_not "${BOCHSLOG:-/nonexistent}" 'VMFAIL|VMENTER FAIL|PANIC' \
        "Bochs reported a VMX failure or panic"
}

# ------------------------------------------------------------ 0. tests
# The boot tests register themselves; which of them are selected decides
# whether the build is needed.
for f in $(ls "$ROOT"/tests/boot/t_*.sh 2>/dev/null | sort); do
    # shellcheck disable=SC1090
    if ! source "$f"; then
        fail_prereq "$(basename "$f")" "sourcing it failed"
    fi
done
boot_selected=()
for i in "${!TEST_NAMES[@]}"; do
    selected "${TEST_NAMES[$i]}" && boot_selected+=("$i")
done

# ------------------------------------------------------------ 1. deps
if "$ROOT/scripts/install-deps.sh" >"$TESTDIR/deps.log" 2>&1; then
    pass deps
else
    fail_prereq deps "scripts/install-deps.sh failed; see $TESTDIR/deps.log"
fi

# ------------------------------------------------------------ 2. build
build_ok=1
if [ ${#boot_selected[@]} -gt 0 ] || wants build; then
    if make --no-print-directory all >"$TESTDIR/build.log" 2>&1; then
        pass build
    else
        build_ok=0
        fail_prereq build "make failed: $(grep -m1 -E 'error:|Error' "$TESTDIR/build.log"); see $TESTDIR/build.log"
    fi
fi

# ------------------------------------------------------------ 3. unit
# One result per cmocka test: "[ RUN      ] t" then "[       OK ] t" or
# "[  FAILED  ] t". A test that starts and never reports (a sanitizer
# abort, a crash) is a failure; so is a binary that exits non-zero without
# a failed test of its own.
# Test number I, with its reason and timeout files; returns its status.
run_one() {
    local func=${TEST_FUNCS[$1]}
    if ! declare -F "$func" >/dev/null; then
        printf "no function '%s'\n" "$func" >"$2"
        return 1
    fi
    : >"$2"
    : >"$3"
    # A subshell keeps one test's variables and `cd` away from the next.
    ( REASON_FILE=$2 TIMEOUT_FILE=$3; "$func" )
}

report_one() {   # NAME RC REASON_FILE TIMEOUT_FILE
    local name=$1 rc=$2 why tmo
    why=$(cat "$3" 2>/dev/null)
    if [ -s "$4" ]; then
        tmo=$(paste -s -d ';' "$4")
        if [ "$rc" -eq 0 ]; then
            fail "$name" "$tmo, although its checks passed"
        else
            fail "$name" "$tmo; ${why:-returned $rc}"
        fi
    elif [ "$rc" -eq 0 ]; then
        pass "$name"
    else
        fail "$name" "${why:-returned $rc}"
    fi
}

# The background lane: the selected register_test_bg tests, one after
# another, from here on (beside the unit tests and the sequential suite).
bg_selected=()
for i in "${boot_selected[@]}"; do
    [ -n "${TEST_BG[${TEST_NAMES[$i]}]:-}" ] && bg_selected+=("$i")
done
bg_pid=
if [ $build_ok -eq 1 ] && [ ${#bg_selected[@]} -gt 0 ]; then
    mkdir -p "$TESTDIR/.bg"
    (
        for i in "${bg_selected[@]}"; do
            f=$TESTDIR/.bg/$i
            run_one "$i" "$f.reason" "$f.timeouts"
            echo $? >"$f.rc"
        done
    ) </dev/null >"$TESTDIR/background.log" 2>&1 &
    bg_pid=$!
fi

unit_log=$TESTDIR/unit.log
unit_build_ok=1
run_unit() {
    local bin="" cur="" bin_failed=0 unit_seen=0 unit_status line b t
    make --no-print-directory unit >"$unit_log" 2>&1
    unit_status=$?
    flush_bin() {
        if [ -n "$cur" ]; then
            fail "unit/$bin/$cur" "started but never reported (crash?); see $unit_log"
            bin_failed=1
        fi
        cur=""
    }
    while IFS= read -r line; do
        case $line in
        "run-unit: FAILED: "*)
            b=$(basename "${line#run-unit: FAILED: }")
            flush_bin
            if [ "$bin_failed" -eq 0 ]; then
                fail "unit/$b" "exited non-zero; see $unit_log"
            fi
            ;;
        "run-unit: "*)
            flush_bin
            bin=$(basename "${line#run-unit: }")
            bin_failed=0
            ;;
        "[ RUN      ] "*)
            flush_bin
            cur=${line#"[ RUN      ] "}
            unit_seen=1
            ;;
        "[       OK ] "*)
            t=${line#"[       OK ] "}
            if [ "$t" = "$cur" ]; then pass "unit/$bin/$t"; cur=""; fi
            ;;
        "[  FAILED  ] "*)
            t=${line#"[  FAILED  ] "}
            if [ "$t" = "$cur" ]; then
                fail "unit/$bin/$t" "cmocka reported a failure; see $unit_log"
                cur=""
                bin_failed=1
            fi
            ;;
        esac
    done < <(tr -d '\r' <"$unit_log")
    flush_bin
    if [ $unit_status -ne 0 ] && ! grep -q '^run-unit: ' "$unit_log"; then
        unit_build_ok=0
        fail_prereq unit-build "make unit failed: $(grep -m1 -E 'error:|Error' "$unit_log"); see $unit_log"
    elif [ $unit_seen -eq 0 ]; then
        echo "note: no unit tests found (tests/unit/test_*.c)"
    fi
}
if wants unit; then
    run_unit
fi

# ------------------------------------------------------------ 4. boot tests
for i in "${boot_selected[@]}"; do
    name=${TEST_NAMES[$i]}
    [ -n "${TEST_BG[$name]:-}" ] && continue
    if [ $build_ok -eq 0 ]; then
        fail "$name" "not run: the build failed"
        continue
    fi
    run_one "$i" "$REASON_FILE" "$TIMEOUT_FILE"
    report_one "$name" "$?" "$REASON_FILE" "$TIMEOUT_FILE"
done

# The background tests' results, in registration order.
if [ -n "$bg_pid" ]; then
    wait "$bg_pid"
    for i in "${bg_selected[@]}"; do
        f=$TESTDIR/.bg/$i
        report_one "${TEST_NAMES[$i]}" "$(cat "$f.rc" 2>/dev/null || echo 1)" "$f.reason" "$f.timeouts"
    done
elif [ ${#bg_selected[@]} -gt 0 ]; then
    for i in "${bg_selected[@]}"; do
        fail "${TEST_NAMES[$i]}" "not run: the build failed"
    done
fi

# A name that selected nothing is a typo, not a pass. (Unit names are not
# known when the unit build failed; that failure is already counted.)
for s in "${SELECT[@]}"; do
    [ -n "${SELECT_HIT[$s]:-}" ] && continue
    if [[ $s == unit* ]] && [ $unit_build_ok -eq 0 ]; then
        continue
    fi
    echo "FAIL: $s (no test of that name; names: tests/README.md)"
    nfail=$((nfail + 1))
done

echo "$npass passed, $nfail failed"
[ $nfail -eq 0 ]
