# `make check-rules` as one result of `make test`: every rule site of the
# VM-entry checker (each `return vchk_fail(c, VCHK_R_..., ...)` in
# vmx/vmx_check_*.c) is deleted in turn, the checker's unit tests are
# rebuilt against the copy, and some test must fail. 20 to 40 s on 2 cores.
# Not a boot test, but registered here so scripts/test.sh runs it.

t_check_rules() {
    local dir=$TESTDIR/check-rules out
    mkdir -p "$dir"
    make -C "$ROOT" --no-print-directory BUILD="$BUILD" check-rules >"$dir/run.out" 2>&1
    local rc=$?
    out=$(grep -m1 '^check-rules: [0-9]* sites, ' "$dir/run.out")
    echo "figure: ${out#check-rules: }"
    if [ $rc -ne 0 ] || [ -z "$out" ]; then
        fail_reason "$(grep -m3 -E '^SURVIVED|^check-rules: ' "$dir/run.out" | tail -n 2 | tr '\n' ' ')see $dir/run.out"
        return 1
    fi
    # Exit status 0 means no survivor; the summary must say so too.
    if ! grep -q -E '^check-rules: ([0-9]+) sites, \1 caught, 0 survived' "$dir/run.out"; then
        fail_reason "summary does not say every site was caught: $out"
        return 1
    fi
}
register_test check-rules t_check_rules
