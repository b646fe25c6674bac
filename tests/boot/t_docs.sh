# The figures the docs quote from a run (scripts/update-doc-figures.py):
# README.md's excerpt of the demo run and docs/benchmarks.md's results
# table and EPT-view table must be what this tree gives. Sourced by scripts/test.sh; helper
# API in tests/README.md.
#
# Why a real run and not only "the markers exist": under Bochs with
# `clock: sync=none` a run is deterministic, so the demo's serial log and
# `make bench`'s figures repeat byte for byte for a given tree, and any
# change that moves a quoted figure (an exit path that costs a tick more,
# a scenario that flushes once less, a line that reads differently) makes
# this test fail until `make doc-figures` has rewritten the regions. A
# check of the markers alone would pass on docs of any age.

t_doc_figures() {
    local dir=$TESTDIR/doc-figures out
    mkdir -p "$dir"
    if ! make -s -C "$ROOT" BUILD="$BUILD" "$BUILD/bench/bench_paging" \
            >"$dir/make.log" 2>&1; then
        fail_reason "building the host microbenchmark: $(tail -n 2 "$dir/make.log" | tr '\n' ' ')"
        return 1
    fi
    # The demo: guest.bin, default options, Bochs' defaults (make run).
    mkiso "$dir/demo.iso" "" "$GUEST_BIN" "" || return 1
    boot_bochs doc-figures "$dir/demo.iso"
    expect "$SERIAL" '^EPTLAB-END: PASS$' "the demo run passing" || return 1
    if ! BUILD=$BUILD "$ROOT/scripts/bench.sh" --out "$dir/bench" >"$dir/bench.out" 2>&1; then
        fail_reason "make bench's runs failed: $(grep '^bench: ' "$dir/bench.out" | head -n 2 | tr '\n' ' ')see $dir/bench.out"
        return 1
    fi
    python3 "$ROOT/scripts/update-doc-figures.py" --run "$SERIAL" \
        --bench "$dir/bench/bench.json" >"$dir/check.out" 2>&1
    local rc=$?
    cat "$dir/check.out"
    if [ $rc -ne 0 ]; then
        out=$(grep -m2 -E '^doc-figures: .*(differs|no single)|^  [-+][^-+]' "$dir/check.out" | tr '\n' ' ')
        fail_reason "${out}(make doc-figures rewrites them; see $dir/check.out)"
        return 1
    fi
    if [ "$(grep -c ': up to date$' "$dir/check.out")" -ne 3 ]; then
        fail_reason "not all three regions checked: $(tr '\n' ' ' <"$dir/check.out")"
        return 1
    fi
}
register_test doc-figures t_doc_figures
