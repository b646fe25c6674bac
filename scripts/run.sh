#!/usr/bin/env bash
# Boot an eptlab ISO on the best available engine and show its console.
#
#   scripts/run.sh ENGINE ISO        ENGINE = auto | bochs | qemu-kvm
#
# auto picks QEMU with KVM (-enable-kvm -cpu host) only when /dev/kvm can
# be opened AND /proc/cpuinfo lists vmx (an Intel host with nested VT-x);
# otherwise Bochs, which emulates VMX and EPT. Every run is bounded by
# RUN_TIMEOUT seconds (default 120) and killed with SIGKILL after it;
# RUN_MEGS sets the machine's RAM (default: run-bochs.sh's, QEMU 1024).
set -uo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 auto|bochs|qemu-kvm ISO" >&2
    exit 2
fi
engine=$1 iso=$2
tmo=${RUN_TIMEOUT:-120}
here=$(cd "$(dirname "$0")" && pwd)

kvm_usable() {
    if ! { exec 3<>/dev/kvm; } 2>/dev/null; then
        why="/dev/kvm cannot be opened"
        return 1
    fi
    exec 3>&-
    if ! grep -qw vmx /proc/cpuinfo; then
        why="/dev/kvm opens but /proc/cpuinfo has no 'vmx' (no nested VT-x)"
        return 1
    fi
    why="/dev/kvm opens and the CPU has vmx"
    return 0
}

case $engine in
auto)
    if kvm_usable; then
        engine=qemu-kvm
        echo "run: engine qemu-kvm ($why)"
    else
        engine=bochs
        echo "run: engine bochs ($why; Bochs emulates VMX + EPT)"
    fi
    ;;
bochs)
    echo "run: engine bochs (requested)"
    ;;
qemu-kvm)
    if ! kvm_usable; then
        echo "run: warning: $why; QEMU-KVM will probably fail" >&2
    fi
    echo "run: engine qemu-kvm (requested)"
    ;;
*)
    echo "run: unknown engine '$engine' (auto, bochs or qemu-kvm)" >&2
    exit 2
    ;;
esac

logdir=$(dirname "$iso")/run-$engine
mkdir -p "$logdir"
serial=$logdir/serial.log
: >"$serial"

# Show the serial console while the engine runs.
tail -n +1 -f "$serial" 2>/dev/null &
tailpid=$!
trap 'kill $tailpid 2>/dev/null' EXIT

if [ "$engine" = bochs ]; then
    "$here/run-bochs.sh" --timeout "$tmo" --log-dir "$logdir" \
        ${RUN_MEGS:+--megs "$RUN_MEGS"} "$iso" >"$logdir/run.out" 2>&1
    status=$?
else
    timeout -s KILL "$tmo" qemu-system-x86_64 -enable-kvm -cpu host -m "${RUN_MEGS:-1024}" \
        -cdrom "$iso" -nographic -monitor none -serial "file:$serial" \
        -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 \
        </dev/null >"$logdir/qemu.stdout" 2>&1
    status=$?
fi
sleep 0.3
kill $tailpid 2>/dev/null
wait $tailpid 2>/dev/null
trap - EXIT

[ "$engine" = bochs ] && cat "$logdir/run.out"
[ $status -eq 137 ] && echo "run: TIMEOUT after ${tmo}s"
echo "run: serial log: $serial"
if grep -q 'EPTLAB-END: PASS' "$serial"; then
    exit 0
fi
# A guest that skipped (status 77) is not a pass either; say it apart.
if grep -q 'EPTLAB-END: SKIP' "$serial"; then
    exit 77
fi
exit 1
