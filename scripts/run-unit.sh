#!/usr/bin/env bash
# Run host unit-test binaries (cmocka), passing their output through.
#   scripts/run-unit.sh BIN...
# Exit status: non-zero if any binary failed or could not run.
set -uo pipefail

if [ $# -eq 0 ]; then
    echo "run-unit: no unit-test binaries"
    exit 0
fi
failed=0
for bin in "$@"; do
    echo "run-unit: $bin"
    if ! timeout -s KILL 300 "$bin"; then
        echo "run-unit: FAILED: $bin" >&2
        failed=$((failed + 1))
    fi
done
[ $failed -eq 0 ]
