#!/usr/bin/env bash
# Fetch the third-party Multiboot kernels that the acceptance boot tests
# run (tests/boot/t_thirdparty.sh, docs/virtual-cpu.md "Third-party
# kernels"), from Debian's own packages, into a cache under build/ that is
# never committed:
#
#   scripts/fetch-thirdparty.sh [DIR]      (default: build/thirdparty)
#
#   DIR/xen-4.17.elf           the Xen hypervisor (xen-hypervisor-4.17-amd64:
#                              /boot/xen-4.17-amd64.gz, an ELF32 Multiboot
#                              v1 kernel), gunzipped
#   DIR/multiboot-kernel.elf   the Multiboot specification's example kernel
#                              (package multiboot: /usr/lib/multiboot/
#                              examples/kernel)
#
# `apt-get download` fetches the .deb without installing it; `dpkg-deb -x`
# unpacks it. A file already in DIR is kept (delete it to fetch again).
# Prints one line per file; exit 1 if a package cannot be fetched.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$ROOT/${BUILD:-build}/thirdparty}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)

# fetch PKG: the newest PKG_*.deb in $dir, downloaded if missing.
fetch() {
    local pkg=$1 deb
    deb=$(ls -t "$dir/${pkg}"_*.deb 2>/dev/null | head -n1 || true)
    if [ -z "$deb" ]; then
        if ! (cd "$dir" && apt-get download "$pkg") >"$dir/$pkg.log" 2>&1; then
            # A new machine has empty package lists: update once, retry.
            apt-get update >>"$dir/$pkg.log" 2>&1 || true
            if ! (cd "$dir" && apt-get download "$pkg") >>"$dir/$pkg.log" 2>&1; then
                echo "fetch-thirdparty: apt-get download $pkg failed; see $dir/$pkg.log" >&2
                return 1
            fi
        fi
        deb=$(ls -t "$dir/${pkg}"_*.deb | head -n1)
    fi
    printf '%s\n' "$deb"
}

if [ ! -s "$dir/xen-4.17.elf" ]; then
    deb=$(fetch xen-hypervisor-4.17-amd64)
    rm -rf "$dir/xen-x"
    dpkg-deb -x "$deb" "$dir/xen-x"
    gz=$(ls "$dir"/xen-x/boot/xen-4.17*-amd64.gz | head -n1)
    gunzip -c "$gz" >"$dir/xen-4.17.elf.tmp"
    mv "$dir/xen-4.17.elf.tmp" "$dir/xen-4.17.elf"
    rm -rf "$dir/xen-x"
fi
echo "fetch-thirdparty: $dir/xen-4.17.elf ($(stat -c %s "$dir/xen-4.17.elf") bytes)"

if [ ! -s "$dir/multiboot-kernel.elf" ]; then
    deb=$(fetch multiboot)
    rm -rf "$dir/mb-x"
    dpkg-deb -x "$deb" "$dir/mb-x"
    cp "$dir/mb-x/usr/lib/multiboot/examples/kernel" "$dir/multiboot-kernel.elf"
    rm -rf "$dir/mb-x"
fi
echo "fetch-thirdparty: $dir/multiboot-kernel.elf ($(stat -c %s "$dir/multiboot-kernel.elf") bytes)"
