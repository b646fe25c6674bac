#!/usr/bin/env bash
# `make bench`: deterministic cost figures (docs/benchmarks.md).
#
#   scripts/bench.sh [--short] [--runs "4k 2m 1g"] [--out DIR]
#
# Boots the hypervisor under Bochs (`clock: sync=none`, so a tick is one
# executed instruction) once per EPT leaf policy, with the guest kernel in
# benchmark mode (guest cmdline word `bench`), runs the host paging
# microbenchmark, then scripts/bench_report.py writes $BUILD/bench.json
# and prints the table. Exit status: 0 if every run completed and every
# figure was collected (a missed target is marked, not an error).
#
# --short: the smoke-test form (64 samples per figure, guest word
# `bench_short`). --out DIR: the runs and bench.json under DIR instead of
# $BUILD/bench-runs and $BUILD/bench.json (doc-figures).
#
# A fourth Bochs run on the Tiger Lake model (`--cpu tigerlake`, guest word
# `bench_views`) gives the EPT-view figures: VMFUNC, #VE, PML, SPP's model
# (docs/ept-views.md).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
OUT=$B/bench-runs
JSON=$B/bench.json
HV_ELF=$B/eptlab.elf
GUEST_BIN=$B/guest/guest.bin
HOST_BIN=$B/bench/bench_paging
TIMEOUT=${BENCH_TIMEOUT:-300}

short=0 runs="4k 2m 1g"
while [ $# -gt 0 ]; do
    case $1 in
    --short) short=1; shift ;;
    --runs)  [ $# -ge 2 ] || { echo "usage: $0 [--short] [--runs LIST] [--out DIR]" >&2; exit 2; }
             runs=$2; shift 2 ;;
    --out)   [ $# -ge 2 ] || { echo "usage: $0 [--short] [--runs LIST] [--out DIR]" >&2; exit 2; }
             OUT=$2/runs; JSON=$2/bench.json; shift 2 ;;
    *)       echo "usage: $0 [--short] [--runs LIST] [--out DIR]" >&2; exit 2 ;;
    esac
done

gargs="bench"
[ "$short" -eq 1 ] && gargs="bench bench_short"

for f in "$HV_ELF" "$GUEST_BIN" "$HOST_BIN"; do
    if [ ! -f "$f" ]; then
        echo "bench: $f is missing (run 'make bench')" >&2
        exit 2
    fi
done

# Per EPT leaf policy: hypervisor options and Bochs RAM. ept_leaf=1g
# needs a free 1 GiB-aligned host GiB per GiB of guest RAM: Bochs caps
# RAM below 4 GiB at 3 GiB and its BIOS reports none above, so only host
# GiB 1 qualifies (--megs 3072) and the guest gets exactly 1 GiB.
hvargs_for() {
    case $1 in
    4k) echo "ept_leaf=4k" ;;
    2m) echo "ept_leaf=2m" ;;
    1g) echo "ept_leaf=1g guest_mem=1G" ;;
    esac
}
megs_for() {
    case $1 in
    1g) echo 3072 ;;
    *)  echo 512 ;;
    esac
}

# bench_run LABEL DIR HVARGS GUESTARGS [run-bochs.sh options]: one Bochs
# run of the benchmark guest, logs in DIR. A failed mkiso ends the script;
# a run that does not pass sets status=1.
bench_run() {
    local label=$1 dir=$2 hvargs=$3 guestargs=$4
    shift 4
    mkdir -p "$dir"
    if ! scripts/mkiso.sh "$dir/bench.iso" "$HV_ELF" "$GUEST_BIN" "$hvargs" \
            "$guestargs" >"$dir/mkiso.log" 2>&1; then
        echo "bench: mkiso failed for the $label run:" >&2
        cat "$dir/mkiso.log" >&2
        exit 1
    fi
    scripts/run-bochs.sh --timeout "$TIMEOUT" "$@" --log-dir "$dir" \
        "$dir/bench.iso" >"$dir/run.out" 2>&1
    if ! grep -q 'EPTLAB-END: PASS' "$dir/serial.log"; then
        echo "bench: the $label run did not pass: $(grep -a 'EPTLAB-END' "$dir/serial.log" | tail -n1)" >&2
        grep -a '^guest: FAIL' "$dir/serial.log" >&2
        status=1
    fi
}

rm -rf "$OUT"
mkdir -p "$OUT"
status=0
logs=()
for leaf in $runs; do
    echo "bench: Bochs run ept_leaf=$leaf ($(hvargs_for "$leaf"), --megs $(megs_for "$leaf"))"
    bench_run "ept_leaf=$leaf" "$OUT/e$leaf" "$(hvargs_for "$leaf")" "$gargs" \
        --megs "$(megs_for "$leaf")"
    logs+=("--run" "$leaf=$OUT/e$leaf/serial.log")
done

echo "bench: Bochs run views (--cpu tigerlake, guest word bench_views)"
bench_run views "$OUT/views" "" "$gargs bench_views" --cpu tigerlake --megs 512
logs+=("--views" "$OUT/views/serial.log")

# apicv=off (guest word bench_apic): the local APIC's figures
# trap-and-emulate, against the apicv=on ones of the runs above.
dir=$OUT/apicv-off
mkdir -p "$dir"
if ! scripts/mkiso.sh "$dir/bench.iso" "$HV_ELF" "$GUEST_BIN" "apicv=off" \
        "$gargs bench_apic" >"$dir/mkiso.log" 2>&1; then
    echo "bench: mkiso failed for the apicv-off run:" >&2
    cat "$dir/mkiso.log" >&2
    exit 1
fi
echo "bench: Bochs run apicv-off (apicv=off, guest word bench_apic)"
scripts/run-bochs.sh --timeout "$TIMEOUT" --megs 512 \
    --log-dir "$dir" "$dir/bench.iso" >"$dir/run.out" 2>&1
if ! grep -q 'EPTLAB-END: PASS' "$dir/serial.log"; then
    echo "bench: the apicv-off run did not pass: $(grep -a 'EPTLAB-END' "$dir/serial.log" | tail -n1)" >&2
    grep -a '^guest: FAIL' "$dir/serial.log" >&2
    status=1
fi
logs+=("--apicv-off" "$dir/serial.log")

"$HOST_BIN" >"$OUT/host.log" 2>&1 || { echo "bench: host microbenchmark failed" >&2; status=1; }

extra=()
[ "$short" -eq 1 ] && extra+=("--smoke")
python3 scripts/bench_report.py "${logs[@]}" --host "$OUT/host.log" \
    --json "$JSON" "${extra[@]}" || status=1
exit $status
