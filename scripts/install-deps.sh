#!/usr/bin/env bash
# Install the Debian packages eptlab needs to build, test and run.
# Idempotent: installs only what is missing; runs `apt-get update` once
# when something has to be installed (a new machine has empty lists).
set -euo pipefail

PKGS=(nasm binutils gcc make
      grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools
      bochs bochsbios vgabios bochs-term
      qemu-system-x86 ovmf
      libcmocka-dev clang graphviz python3 cpio)

missing=()
for p in "${PKGS[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

echo "install-deps: installing: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
