#!/usr/bin/env bash
# The layer check (docs/design.md "Layers"; run by `make test` as the test
# `layers`, tests/boot/t_layers.sh).
#
#   scripts/check-layers.sh        prints one line per broken rule, exits 1
#                                  if there is one
#
# It reads the include lines of every source file of the tree (C `#include
# "..."` in .c/.h, NASM `%include "..."` in .asm/.inc) and checks:
#   - every quoted include is path-qualified from the tree root (has a '/');
#   - a file in a layer of LAYER_RULES includes only from the layers that
#     its row allows;
#   - the Makefile's guest sources (GUEST_C, GUEST_ASM) name nothing in hv/.
# Each broken rule prints as FILE:LINE: the header, and the rule.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

# A file under LAYER may include only headers under the folders listed
# after it. Layers not listed here (hv/, tests/, ...) may include any
# layer. The first matching row wins.
LAYER_RULES=(
    "mm/       mm/ include/ lib/"
    "ept/      ept/ mm/ include/ lib/"
    "vmx/      vmx/ include/ lib/ mm/"
    "guest/    guest/ include/ lib/ mm/"
    "lib/      lib/ include/"
    "include/  include/"
)

# The Makefile variables that list the guest's sources, and the folder
# none of them may name.
GUEST_VARS=(GUEST_C GUEST_ASM)
GUEST_FORBIDDEN=hv/

nbad=0
bad() {
    echo "layers: $*"
    nbad=$((nbad + 1))
}

# The source files: what git tracks plus new files it does not ignore;
# outside a checkout, every file below the root but build/.
sources() {
    if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
        git ls-files --cached --others --exclude-standard
    else
        find . -path ./build -prune -o -type f -print | sed 's|^\./||'
    fi | grep -E '\.(c|h|asm|inc)$' | sort -u
}

# The row of LAYER_RULES for FILE (its allowed prefixes), or nothing.
allowed_for() {
    local row layer
    for row in "${LAYER_RULES[@]}"; do
        read -r layer _ <<<"$row"
        if [[ $1 == "$layer"* ]]; then
            read -r _ allowed <<<"$row"
            echo "$allowed"
            return
        fi
    done
}

while IFS= read -r f; do
    [ -f "$f" ] || continue
    allowed=$(allowed_for "$f")
    # FILE:LINE:HEADER for each quoted include.
    while IFS=: read -r line hdr; do
        if [[ $hdr != */* ]]; then
            bad "$f:$line: includes \"$hdr\": not path-qualified (write the path from the tree root)"
            continue
        fi
        [ -n "$allowed" ] || continue
        ok=0
        for p in $allowed; do
            [[ $hdr == "$p"* ]] && ok=1
        done
        if [ $ok -eq 0 ]; then
            layer=${f%%/*}/
            bad "$f:$line: includes \"$hdr\": $layer may include only from ${allowed// /, }"
        fi
    done < <(grep -n -E '^[[:space:]]*(#[[:space:]]*include|%include)[[:space:]]*"' "$f" |
             sed -E 's/^([0-9]+):[^"]*"([^"]*)".*/\1:\2/')
done < <(sources)

# The guest's sources as make expands them.
db=$(make -pnq -f Makefile __layers_no_such_target__ 2>/dev/null)
for v in "${GUEST_VARS[@]}"; do
    words=$(sed -n -E "s/^$v :?= //p" <<<"$db" | head -n 1)
    if ! grep -q -E "^$v :?= " <<<"$db"; then
        bad "Makefile: no variable $v (the guest's sources) to check"
        continue
    fi
    for w in $words; do
        if [[ $w == "$GUEST_FORBIDDEN"* || $w == */"$GUEST_FORBIDDEN"* ]]; then
            bad "Makefile: $v names $w: the guest is built from nothing in $GUEST_FORBIDDEN"
        fi
    done
done

if [ $nbad -gt 0 ]; then
    echo "layers: $nbad broken rule(s)"
    exit 1
fi
echo "layers: ok"
