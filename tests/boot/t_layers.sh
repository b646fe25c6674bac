# The layer check (GitHub issue "One house with clear rooms", item 11):
# scripts/check-layers.sh reads every include line of the tree and the
# Makefile's guest sources, and names each file, line and header that
# breaks a rule of its LAYER_RULES table (docs/design.md "Layers").
# Sourced by scripts/test.sh; helper API in tests/README.md. A static
# check: no emulator.

t_layers() {
    local dir=$TESTDIR/layers n
    mkdir -p "$dir"
    "$ROOT/scripts/check-layers.sh" >"$dir/check.log" 2>&1 && return 0
    # Every broken rule on the console, the count in the reason.
    grep '^layers: .*:' "$dir/check.log"
    n=$(grep -c '^layers: .*:' "$dir/check.log")
    if [ "$n" -eq 0 ]; then
        fail_reason "scripts/check-layers.sh failed: $(tail -n 2 "$dir/check.log" | tr '\n' ' ')"
        return 1
    fi
    fail_reason "$n layer rule(s) broken, first: $(grep -m1 '^layers: .*:' "$dir/check.log" | sed 's/^layers: //'); see $dir/check.log"
    return 1
}
register_test layers t_layers
