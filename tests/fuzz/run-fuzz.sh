#!/usr/bin/env bash
# Run libFuzzer harnesses for a bounded time each, on generated seeds.
#
#   tests/fuzz/run-fuzz.sh SECONDS BUILD_DIR NAME...     (NAME: mb1, options, paging)
#
# For each NAME: seeds from tests/fuzz/mkseeds.py go to
# BUILD_DIR/fuzz/corpus/NAME (which keeps growing across runs), then
# BUILD_DIR/fuzz/fuzz_NAME runs for SECONDS (hard-killed at SECONDS + 60).
# Prints "fuzz: NAME: N executions in S s, corpus C, no crash" per fuzzer,
# or "fuzz: NAME: CRASH ... (artifact PATH)" and exits non-zero.
set -uo pipefail

[ $# -ge 3 ] || { echo "usage: $0 SECONDS BUILD_DIR NAME..." >&2; exit 2; }
secs=$1 build=$2
shift 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
status=0

python3 tests/fuzz/mkseeds.py "$build/fuzz/corpus" "$build/guest/guest.bin" || exit 1

for name in "$@"; do
    bin=$build/fuzz/fuzz_$name
    corpus=$build/fuzz/corpus/$name
    log=$build/fuzz/$name.log
    art=$build/fuzz/crash-$name-
    if [ ! -x "$bin" ]; then
        echo "fuzz: $name: no $bin (make fuzz-build)"
        status=1
        continue
    fi
    rm -f "$art"*
    timeout -s KILL $((secs + 60)) "$bin" -max_total_time="$secs" \
        -print_final_stats=1 -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$art" "$corpus" >"$log" 2>&1
    rc=$?
    execs=$(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$log" | grep -o '[0-9]*$')
    ncorp=$(ls "$corpus" | wc -l)
    crash=$(ls "$art"* 2>/dev/null | head -n 1)
    if [ $rc -eq 0 ] && [ -z "$crash" ]; then
        echo "fuzz: $name: ${execs:-?} executions in $secs s, corpus $ncorp, no crash"
    else
        why=$(grep -m1 -E 'invariant|ERROR: (AddressSanitizer|libFuzzer)|runtime error' "$log")
        echo "fuzz: $name: CRASH (exit $rc) after ${execs:-?} executions: ${why:-see log}" \
             "(artifact ${crash:-none}, log $log)"
        status=1
    fi
done
exit $status
