#!/usr/bin/env bash
# Fetch the Linux guest's Debian packages without installing them
# (docs/linux-guest.md):
#
#   scripts/fetch-linux.sh [OUTDIR]      (default build/linux)
#
#   OUTDIR/vmlinuz       the bzImage of linux-image-cloud-amd64's kernel
#   OUTDIR/busybox       busybox-static's /bin/busybox
#   OUTDIR/VERSION       the versioned kernel package name and version
#
# `apt-get download` + `dpkg-deb -x` into OUTDIR/pkg: nothing is installed
# and the host's /boot is never touched. The metapackage
# linux-image-cloud-amd64 names the versioned package
# (linux-image-6.1.0-NN-cloud-amd64) in its Depends, resolved with
# apt-cache depends. Cached: a second run with the files present does
# nothing. apt may print a harmless "_apt ... unsandboxed" warning when
# run as root.
set -euo pipefail

out=${1:-build/linux}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -s "$out/vmlinuz" ] && [ -s "$out/busybox" ] && [ -s "$out/VERSION" ]; then
    echo "fetch-linux: cached in $out ($(cat "$out/VERSION"))"
    exit 0
fi

for tool in apt-get apt-cache dpkg-deb; do
    command -v "$tool" >/dev/null || {
        echo "fetch-linux: '$tool' is missing (a Debian host is needed)" >&2
        exit 1
    }
done

# A new machine may have empty package lists (docs: PLATFORM.md).
if ! apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1; then
    echo "fetch-linux: package lists lack linux-image-cloud-amd64: apt-get update"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
    $SUDO apt-get update -q
fi

kpkg=$(apt-cache depends linux-image-cloud-amd64 2>/dev/null |
       sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-cloud-amd64\)$/\1/p' | head -n 1)
if [ -z "$kpkg" ]; then
    echo "fetch-linux: cannot resolve the versioned kernel package of" \
         "linux-image-cloud-amd64 (apt-cache depends names none)" >&2
    exit 1
fi

pkgdir=$out/pkg
rm -rf "$pkgdir"
mkdir -p "$pkgdir/deb" "$pkgdir/root"
echo "fetch-linux: downloading $kpkg and busybox-static"
( cd "$pkgdir/deb" && apt-get download -q "$kpkg" busybox-static )
for deb in "$pkgdir"/deb/*.deb; do
    dpkg-deb -x "$deb" "$pkgdir/root"
done

vmlinuz=$(ls "$pkgdir"/root/boot/vmlinuz-* 2>/dev/null | head -n 1)
if [ -z "$vmlinuz" ]; then
    echo "fetch-linux: $kpkg holds no boot/vmlinuz-*" >&2
    exit 1
fi
if [ ! -x "$pkgdir/root/bin/busybox" ]; then
    echo "fetch-linux: busybox-static holds no bin/busybox" >&2
    exit 1
fi
cp "$vmlinuz" "$out/vmlinuz"
cp "$pkgdir/root/bin/busybox" "$out/busybox"
ver=$(dpkg-deb -f "$pkgdir"/deb/"$kpkg"_*.deb Version)
echo "$kpkg $ver ($(basename "$vmlinuz"))" >"$out/VERSION"
# Keep only what is used: the modules tree is large.
rm -rf "$pkgdir"
echo "fetch-linux: $out/vmlinuz ($(cat "$out/VERSION")), $out/busybox"
