#!/usr/bin/env bash
# `make bench-linux` (part of `make bench`): the Linux boot's cost under
# eptlab against the same kernel and initramfs on bare Bochs
# (docs/benchmarks.md "Linux boot").
#
#   scripts/bench-linux.sh [--out DIR] [--kernel BZIMAGE] [--initrd CPIO]
#
# Two Bochs runs, side by side (independent, deterministic: `clock:
# sync=none`, a tick is one instruction):
#   eptlab  the hypervisor, guest_mem=256M, Bochs --megs 1024 (make linux);
#   bare    GRUB's `linux`/`initrd` commands with eptlab's default kernel
#           command line, Bochs with 256 MiB (the guest's RAM), a Bochs
#           debugger breakpoint at the kernel's 32-bit entry (its
#           pref_address 0x1000000) whose `ptime` is the tick of the
#           kernel's first instruction. Bare Linux halts after /init
#           (no exit port): the run is stopped once /init is done.
# /init prints the TSC (linux/ticks.c) when it starts and after the
# workload; the tick of the guest's first instruction under eptlab is the
# hypervisor's "stats: first VM entry at TSC N". scripts/bench_linux_report.py
# prints the table and writes DIR/bench-linux.json, and adds the figures
# under "linux" to $BUILD/bench.json when that exists. Exit status 0 if
# both runs reached the end of the workload (a missed target is marked,
# not an error).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
BUILD=${BUILD:-build}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
OUT=$B/bench-linux
KERNEL=$B/linux/vmlinuz
INITRD=$B/linux/initramfs.cpio.gz
HV_ELF=$B/eptlab.elf
TIMEOUT=${BENCH_LINUX_TIMEOUT:-900}
# eptlab's default (LINUX_CMDLINE_DEFAULT, hv/vmm_linux.c).
CMDLINE="console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 acpi=off nokaslr panic=-1 reboot=k"
ENTRY=0x1000000

usage() { echo "usage: $0 [--out DIR] [--kernel BZIMAGE] [--initrd CPIO]" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case $1 in
    --out)    [ $# -ge 2 ] || usage; OUT=$2; shift 2 ;;
    --kernel) [ $# -ge 2 ] || usage; KERNEL=$2; shift 2 ;;
    --initrd) [ $# -ge 2 ] || usage; INITRD=$2; shift 2 ;;
    *)        usage ;;
    esac
done
for f in "$HV_ELF" "$KERNEL" "$INITRD"; do
    [ -f "$f" ] || { echo "bench-linux: $f is missing (run 'make bench-linux')" >&2; exit 2; }
done
rm -rf "$OUT"
mkdir -p "$OUT/eptlab" "$OUT/bare/iso/boot/grub"

# --- eptlab
if ! scripts/mkiso.sh "$OUT/eptlab/linux.iso" "$HV_ELF" "$KERNEL" "guest_mem=256M" "" \
        "$INITRD:initrd" >"$OUT/eptlab/mkiso.log" 2>&1; then
    echo "bench-linux: mkiso failed:" >&2; cat "$OUT/eptlab/mkiso.log" >&2; exit 1
fi
echo "bench-linux: Bochs run eptlab (guest_mem=256M, --megs 1024) and bare Bochs (--megs 256), in parallel"
scripts/run-bochs.sh --timeout "$TIMEOUT" --megs 1024 --log-dir "$OUT/eptlab" \
    "$OUT/eptlab/linux.iso" >"$OUT/eptlab/run.out" 2>&1 &
ept_pid=$!

# --- bare Bochs: the same kernel, initramfs and command line by GRUB
bare=$OUT/bare
cp "$KERNEL" "$bare/iso/boot/vmlinuz"
cp "$INITRD" "$bare/iso/boot/initrd.img"
cat >"$bare/iso/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
menuentry "linux" {
    linux /boot/vmlinuz $CMDLINE
    initrd /boot/initrd.img
    boot
}
CFG
if ! grub-mkrescue -o "$bare/bare.iso" "$bare/iso" >"$bare/mkrescue.log" 2>&1; then
    echo "bench-linux: grub-mkrescue failed:" >&2; cat "$bare/mkrescue.log" >&2
    kill "$ept_pid" 2>/dev/null; exit 1
fi
rm -rf "$bare/iso"
vgabios=/usr/share/vgabios/vgabios.bin
[ -f "$vgabios" ] || vgabios=/usr/share/bochs/VGABIOS-lgpl-latest
cat >"$bare/bochsrc" <<CFG
memory: guest=256, host=256
cpu: model=corei7_skylake_x, ips=50000000, reset_on_triple_fault=0
clock: sync=none, time0=1
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=$vgabios
display_library: term
ata0-master: type=cdrom, path="$bare/bare.iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$bare/serial.log
sound: driver=dummy
speaker: enabled=0
log: $bare/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
CFG
# Stop at the first instruction at the kernel's entry, print the tick,
# drop the breakpoint (the decompressed kernel starts there too), go on.
printf 'lb %s\ncontinue\nptime\nd 1\ncontinue\nquit\n' "$ENTRY" >"$bare/bochs.rc"
: >"$bare/serial.log"
( cd "$bare" && TERM=dumb exec timeout -s KILL "$TIMEOUT" bochs -q -unlock \
    -f bochsrc -rc bochs.rc </dev/null >bochs.stdout 2>&1 ) &
bare_pid=$!
start=$SECONDS
while kill -0 "$bare_pid" 2>/dev/null; do
    if grep -a -q -E 'EPTLAB-INIT: done|reboot: (System halted|Power down)|Kernel panic' "$bare/serial.log"; then
        sleep 2          # the last lines
        break
    fi
    sleep 2
done
# SIGALRM makes timeout(1) act as if the time were up: it sends Bochs
# SIGKILL (Bochs ignores SIGTERM).
kill -ALRM "$bare_pid" 2>/dev/null
wait "$bare_pid" 2>/dev/null
echo "bench-linux: bare run stopped after $((SECONDS - start)) s"
wait "$ept_pid"
echo "bench-linux: eptlab run: $(tail -n 1 "$OUT/eptlab/run.out")"

args=(--eptlab "$OUT/eptlab/serial.log" --bare "$bare/serial.log"
      --bare-stdout "$bare/bochs.stdout" --json "$OUT/bench-linux.json")
[ -f "$B/bench.json" ] && args+=(--merge "$B/bench.json")
python3 scripts/bench_linux_report.py "${args[@]}"
