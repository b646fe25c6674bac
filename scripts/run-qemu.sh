#!/usr/bin/env bash
# Boot an eptlab ISO under QEMU without KVM (TCG: no VMX, so this checks
# the boot path and the "VT-x not available" path).
#
#   scripts/run-qemu.sh [--uefi] [--timeout S] [--log-dir DIR] ISO
#
# --uefi boots through OVMF. The serial console goes to a log file whose
# path is printed. Exit status is QEMU's: isa-debug-exit gives
# (value << 1) | 1, so 1 = PASS and 3 = FAIL from run_end(); 137 = killed
# by the timeout. The serial log is the truth.
set -uo pipefail

uefi=0 tmo=60 logdir=
usage() {
    echo "usage: $0 [--uefi] [--timeout S] [--log-dir DIR] ISO" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case $1 in
    --uefi)    uefi=1; shift ;;
    --timeout) [ $# -ge 2 ] || usage; tmo=$2; shift 2 ;;
    --log-dir) [ $# -ge 2 ] || usage; logdir=$2; shift 2 ;;
    -*)        usage ;;
    *)         break ;;
    esac
done
[ $# -eq 1 ] || usage
iso=$1
if [ ! -f "$iso" ]; then
    echo "run-qemu: ISO '$iso' not found" >&2
    exit 2
fi
if ! command -v qemu-system-x86_64 >/dev/null; then
    echo "run-qemu: qemu-system-x86_64 is not installed (run scripts/install-deps.sh)" >&2
    exit 2
fi

[ -n "$logdir" ] || logdir=$(dirname "$iso")/qemu
mkdir -p "$logdir"
serial=$logdir/serial.log
: >"$serial"

fw=()
if [ "$uefi" -eq 1 ]; then
    ovmf=/usr/share/ovmf/OVMF.fd
    if [ ! -f "$ovmf" ]; then
        echo "run-qemu: $ovmf missing (install the ovmf package)" >&2
        exit 2
    fi
    fw=(-bios "$ovmf")
fi

echo "run-qemu: $([ "$uefi" -eq 1 ] && echo UEFI || echo BIOS) boot, no KVM, iso=$iso"
echo "run-qemu: serial log: $serial"
timeout -s KILL "$tmo" qemu-system-x86_64 -m 512 "${fw[@]}" -cdrom "$iso" \
    -nographic -monitor none -serial "file:$serial" -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 \
    </dev/null >"$logdir/qemu.stdout" 2>&1
status=$?
[ $status -eq 137 ] && echo "run-qemu: TIMEOUT after ${tmo} s (killed)"
marker=$(grep -a 'EPTLAB-END:' "$serial" | tail -n1)
echo "run-qemu: ${marker:-no EPTLAB-END marker} (qemu exit $status)"
exit $status
