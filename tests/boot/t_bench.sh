# `make bench` smoke test (docs/benchmarks.md). Sourced by scripts/test.sh;
# helper API in tests/README.md.
#
# One short Bochs run (ept_leaf=4k, guest words `bench bench_short`) and
# the host paging microbenchmark, collected by scripts/bench_report.py
# --smoke: every key present, figures non-zero, the modeled 2D-walk counts
# equal to n_g*(n_e+1)+n_e. No timing assertions: targets are `make
# bench`'s business.

t_bench_smoke() {
    local dir=$TESTDIR/bench-smoke
    local host=$ROOT/$BUILD/bench/bench_paging
    mkdir -p "$dir"
    if ! make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/bench/bench_paging" \
            >"$dir/make.log" 2>&1; then
        fail_reason "building the host microbenchmark: $(tail -n 2 "$dir/make.log" | tr '\n' ' ')"
        return 1
    fi
    boot_pass bench-smoke "ept_leaf=4k" "$GUEST_BIN" "bench bench_short" --megs 512 \
        -- _bench_smoke_checks "$dir" "$host"
}
_bench_smoke_checks() {
    local dir=$1 host=$2
    expect "$SERIAL" '^BENCH: hv_entry_to_vmlaunch_ticks=[0-9]+$' \
        "the hypervisor's BENCH lines" || return 1
    expect_not "$SERIAL" '^guest: FAIL:' "a failed benchmark check" || return 1
    if ! "$host" >"$dir/host.log" 2>&1; then
        fail_reason "host microbenchmark failed: $(tail -n 1 "$dir/host.log")"
        return 1
    fi
    if ! python3 "$ROOT/scripts/bench_report.py" --smoke \
            --run "4k=$SERIAL" --host "$dir/host.log" \
            --json "$dir/bench.json" >"$dir/report.out" 2>&1; then
        fail_reason "$(grep '^bench: ' "$dir/report.out" | head -n 4 | tr '\n' ' ')"
        return 1
    fi
}
register_test bench-smoke t_bench_smoke
