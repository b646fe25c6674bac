# Bounded fuzzing sessions (GitHub issue "Hostile guests and bad input"):
# each libFuzzer harness in tests/fuzz/ runs for FUZZ_TEST_SECONDS (default
# 10) on generated seeds; the test passes when no crash (sanitizer report
# or broken invariant) was found, and prints the execution count as a
# figure. `make fuzz` runs longer sessions (FUZZ_SECONDS, default 60).
# Not a boot test, but registered here so scripts/test.sh runs it.

_fuzz_one() {
    local name=$1 secs=${FUZZ_TEST_SECONDS:-10} dir=$TESTDIR/fuzz-$1 out
    mkdir -p "$dir"
    if ! command -v clang >/dev/null; then
        fail_reason "clang is not installed (needed for libFuzzer)"
        return 1
    fi
    if ! make -C "$ROOT" --no-print-directory BUILD="$BUILD" "$BUILD/fuzz/fuzz_$name" >"$dir/build.log" 2>&1; then
        fail_reason "building fuzz_$name failed: $(grep -m1 -E 'error' "$dir/build.log"); see $dir/build.log"
        return 1
    fi
    "$ROOT/tests/fuzz/run-fuzz.sh" "$secs" "$BUILD" "$name" >"$dir/run.out" 2>&1
    local rc=$?
    out=$(grep -m1 "^fuzz: $name:" "$dir/run.out")
    echo "figure: ${out#fuzz: }"
    if [ $rc -ne 0 ]; then
        fail_reason "${out:-run-fuzz.sh failed; see $dir/run.out}"
        return 1
    fi
}

t_fuzz_mb1()     { _fuzz_one mb1; }
t_fuzz_linux()   { _fuzz_one linux; }
t_fuzz_options() { _fuzz_one options; }
t_fuzz_paging()  { _fuzz_one paging; }
register_test fuzz-mb1 t_fuzz_mb1
register_test fuzz-linux t_fuzz_linux
register_test fuzz-options t_fuzz_options
register_test fuzz-paging t_fuzz_paging
