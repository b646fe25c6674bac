#!/usr/bin/env python3
"""Synthetic bzImages for the Linux loader's boot tests and fuzz seeds.

    mklinux.py OUTDIR [STUB_BZIMAGE]

Writes OUTDIR/<case>.bin for every bad case below (each breaks one thing
the loader must name), and OUTDIR/initrd-small.bin / initrd-big.bin.
With STUB_BZIMAGE (build/tests/linux_stub.bzImage, tests/kernels/
linux_stub.asm), the bad cases are edits of it; otherwise of bz() alone.
"""
import os
import struct
import sys

HDR_MAGIC = 0x53726448


def bz(setup_sects=4, version=0x020F, loadflags=1, pm=b"\xf4" * 0x800,
       init_size=0x400000, pref=0x1000000, align=0x200000, reloc=0,
       initrd_max=0x7FFFFFFF, cmdline_size=2047):
    """A bzImage: boot sector + setup sectors, then the protected-mode
    part pm (padded to 16 bytes: syssize counts paragraphs)."""
    sects = setup_sects or 4
    pm = pm + b"\x00" * (-len(pm) % 16)
    img = bytearray((sects + 1) * 512)
    img[0x1F1] = setup_sects
    struct.pack_into("<I", img, 0x1F4, len(pm) // 16)
    struct.pack_into("<H", img, 0x1FE, 0xAA55)
    img[0x200:0x202] = b"\xeb\x6a"            # header ends at 0x26C
    struct.pack_into("<IH", img, 0x202, HDR_MAGIC, version)
    img[0x211] = loadflags
    struct.pack_into("<I", img, 0x214, 0x100000)
    struct.pack_into("<III", img, 0x22C, initrd_max, align, 0)
    img[0x234] = reloc
    struct.pack_into("<I", img, 0x238, cmdline_size)
    struct.pack_into("<QI", img, 0x258, pref, init_size)
    return bytes(img) + pm


def edit(base, **f):
    """Rewrite header fields of an existing bzImage."""
    img = bytearray(base)
    offs = {"version": ("<H", 0x206), "magic": ("<I", 0x202),
            "init_size": ("<I", 0x260), "initrd_max": ("<I", 0x22C),
            "cmdline_size": ("<I", 0x238), "pref": ("<Q", 0x258)}
    for k, v in f.items():
        fmt, off = offs[k]
        struct.pack_into(fmt, img, off, v)
    return bytes(img)


def cases(base):
    return {
        # half the protected-mode part is missing
        "linux-truncated": base[:len(base) - (len(base) - 0xA00) // 2 - 16],
        "linux-magic": edit(base, magic=0x54726448),        # "HdrT"
        "linux-protocol": edit(base, version=0x0208),
        # 256 MiB window in 128 MiB of guest RAM, not relocatable
        "linux-too-big": edit(base, init_size=0x10000000),
        # the initramfs may only use [1 MiB, 2 MiB)
        "linux-initrd-window": edit(base, initrd_max=0x1FFFFF),
        "linux-cmdline": edit(base, cmdline_size=16),
    }


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: mklinux.py OUTDIR [STUB_BZIMAGE]")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    base = bz()
    if len(sys.argv) == 3 and os.path.exists(sys.argv[2]):
        base = open(sys.argv[2], "rb").read()
    for name, data in cases(base).items():
        with open(os.path.join(out, name + ".bin"), "wb") as f:
            f.write(data)
    with open(os.path.join(out, "initrd-small.bin"), "wb") as f:
        f.write(b"INITRD!!" + bytes(range(256)) * 16)
    with open(os.path.join(out, "initrd-big.bin"), "wb") as f:
        f.write(b"INITRD!!" + b"\x00" * (0x180000 - 8))    # 1.5 MiB


if __name__ == "__main__":
    main()
