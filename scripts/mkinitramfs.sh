#!/usr/bin/env bash
# Build eptlab's Linux initramfs (docs/linux-guest.md):
#
#   scripts/mkinitramfs.sh OUT.cpio.gz BUSYBOX INIT HELPER...
#
# A gzip'd cpio archive (newc, every file owned by 0:0, no root needed)
# holding BUSYBOX as /bin/busybox, INIT (linux/init.sh) as /init, and
# each HELPER (the static programs built from linux/*.c) in /bin. The
# kernel's own built-in initramfs provides /dev/console; /init mounts
# devtmpfs over /dev. Uses only Debian's cpio and gzip.
set -euo pipefail

if [ $# -lt 3 ]; then
    echo "usage: $0 OUT.cpio.gz BUSYBOX INIT [HELPER...]" >&2
    exit 2
fi
out=$1 busybox=$2 init=$3
shift 3
for tool in cpio gzip; do
    command -v "$tool" >/dev/null || {
        echo "mkinitramfs: '$tool' is missing (scripts/install-deps.sh)" >&2
        exit 1
    }
done
for f in "$busybox" "$init" "$@"; do
    [ -f "$f" ] || { echo "mkinitramfs: '$f' not found" >&2; exit 1; }
done

stage=$(mktemp -d "${TMPDIR:-/tmp}/eptlab-initramfs.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/tmp"
install -m 0755 "$busybox" "$stage/bin/busybox"
install -m 0755 "$init" "$stage/init"
for h in "$@"; do
    install -m 0755 "$h" "$stage/bin/$(basename "$h")"
done
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")
( cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
  cpio --quiet -o -H newc -R 0:0 ) | gzip -9 -n >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(stat -c %s "$out") bytes: busybox, /init, $*)"
