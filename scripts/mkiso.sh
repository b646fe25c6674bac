#!/usr/bin/env bash
# Build a BIOS+UEFI hybrid GRUB ISO that boots the hypervisor.
#
#   scripts/mkiso.sh OUT.iso HV.elf GUESTFILE "HVARGS" ["GUESTARGS"] [INITRD]
#
# grub.cfg: timeout=0, `multiboot2 /boot/eptlab.elf HVARGS`, and, if
# GUESTFILE exists, `module2 /boot/guest.bin guest GUESTARGS` (the module's
# command line becomes the guest's Multiboot or Linux command line), then,
# if INITRD is given, `module2 /boot/initrd.img initrd` (a Linux guest's
# initramfs, docs/linux-guest.md). Quiet unless it fails.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 6 ]; then
    echo "usage: $0 OUT.iso HV.elf [GUESTFILE] [HVARGS] [GUESTARGS] [INITRD]" >&2
    exit 2
fi
out=$1 hv=$2 guest=${3:-} hvargs=${4:-} guestargs=${5:-} initrd=${6:-}

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
    if [ -n "$initrd" ]; then
        if [ ! -f "$initrd" ]; then
            echo "mkiso: initramfs '$initrd' not found" >&2
            exit 1
        fi
        cp "$initrd" "$stage/boot/initrd.img"
        # --nounzip: GRUB would gunzip a gzip'd initramfs otherwise.
        echo "    module2 --nounzip /boot/initrd.img initrd"
    fi
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
