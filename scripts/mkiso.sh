#!/usr/bin/env bash
# Build a BIOS+UEFI hybrid GRUB ISO that boots the hypervisor.
#
#   scripts/mkiso.sh OUT.iso HV.elf GUESTFILE "HVARGS" ["GUESTARGS"] [MODULE...]
#
# grub.cfg: timeout=0, `multiboot2 /boot/eptlab.elf HVARGS`, and, if
# GUESTFILE exists, `module2 /boot/guest.bin guest GUESTARGS` (the module's
# command line becomes the guest's Multiboot or Linux command line). Each
# MODULE, FILE or FILE:ARGS, adds `module2 --nounzip /boot/mod-N-NAME ARGS`
# after it (--nounzip: GRUB would otherwise gunzip a gzip'd file). eptlab
# passes the modules after a Multiboot guest kernel to it as its Multiboot
# modules, ARGS (empty without ':') as each one's string; for a Linux
# guest the first is its initramfs (docs/linux-guest.md). Quiet unless it
# fails.
set -euo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 OUT.iso HV.elf [GUESTFILE] [HVARGS] [GUESTARGS] [FILE[:ARGS]...]" >&2
    exit 2
fi
out=$1 hv=$2 guest=${3:-} hvargs=${4:-} guestargs=${5:-}
shift $(( $# < 5 ? $# : 5 ))
mods=("$@")

if [ ! -f "$hv" ]; then
    echo "mkiso: hypervisor image '$hv' not found" >&2
    exit 1
fi
for tool in grub-mkrescue xorriso mformat; do
    if ! command -v "$tool" >/dev/null; then
        echo "mkiso: '$tool' is missing (run scripts/install-deps.sh)" >&2
        exit 1
    fi
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/eptlab-iso.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$hv" "$stage/boot/eptlab.elf"

{
    echo "set timeout=0"
    echo "set default=0"
    echo ""
    echo "menuentry \"eptlab\" {"
    echo "    multiboot2 /boot/eptlab.elf $hvargs"
    if [ -n "$guest" ] && [ -f "$guest" ]; then
        cp "$guest" "$stage/boot/guest.bin"
        echo "    module2 /boot/guest.bin guest $guestargs"
    fi
    n=0
    for m in "${mods[@]}"; do
        file=${m%%:*}
        args=
        [ "$file" != "$m" ] && args=${m#*:}
        if [ ! -f "$file" ]; then
            echo "mkiso: guest module '$file' not found" >&2
            exit 1
        fi
        name=mod-$n-$(basename "$file")
        cp "$file" "$stage/boot/$name"
        echo "    module2 --nounzip /boot/$name $args"
        n=$((n + 1))
    done
    echo "    boot"
    echo "}"
} > "$stage/boot/grub/grub.cfg"

mkdir -p "$(dirname "$out")"
log=$(mktemp "${TMPDIR:-/tmp}/eptlab-mkrescue.XXXXXX")
if ! grub-mkrescue -o "$out" "$stage" >"$log" 2>&1; then
    echo "mkiso: grub-mkrescue failed:" >&2
    cat "$log" >&2
    rm -f "$log"
    exit 1
fi
rm -f "$log"
if [ ! -s "$out" ]; then
    echo "mkiso: grub-mkrescue produced no ISO at $out" >&2
    exit 1
fi
