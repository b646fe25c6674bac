#!/usr/bin/env python3
"""Seed corpora for the fuzzers in tests/fuzz/ (generated at fuzz time,
since guest.bin is a build output).

    mkseeds.py OUTDIR [GUEST_BIN]

Writes OUTDIR/{mb1,linux,options,paging}/seed-*.
  mb1:     2 header bytes (guest RAM size selector, command-line length)
           + an image: the real guest.bin, every tests/boot/mkbad.py case,
           and a valid minimal ELF64.
  linux:   4 header bytes (RAM, initramfs and command-line sizes, flags)
           + a synthetic bzImage (tests/boot/mklinux.py) and its bad cases.
  options: typical and edge-case command lines.
  paging:  short operation sequences for both formats and leaf sets.
"""
import os
import sys
sys.dont_write_bytecode = True

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "boot"))
import mkbad  # noqa: E402
import mklinux  # noqa: E402


def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit("usage: mkseeds.py OUTDIR [GUEST_BIN]")
    out = sys.argv[1]
    guest = sys.argv[2] if len(sys.argv) == 3 else None

    mb1 = os.path.join(out, "mb1")
    hdr = bytes([0x7F, 0x10])          # 64 MiB of RAM, 16-byte cmdline
    write(mb1, "elf64-valid", hdr + mkbad.elf64([(0x1000, 0x100000, 0x10, 0x1000)]))
    write(mb1, "elf64-two-segs", hdr + mkbad.elf64(
        [(0x1000, 0x100000, 0x10, 0x1000), (0x1000, 0x200000, 0x10, 0x2000)]))
    if guest and os.path.exists(guest):
        base = open(guest, "rb").read()
        write(mb1, "guest-bin", hdr + base)
        for name, data in mkbad.cases(base).items():
            write(mb1, "bad-" + name, hdr + data)

    lx = os.path.join(out, "linux")
    # RAM 64 MiB, 64 KiB initramfs, 26-byte command line, no forced bits
    lhdr = bytes([0x3F, 0x01, 0x02, 0x00])
    good = mklinux.bz(pm=b"\xf4" * 0x200, init_size=0x100000, reloc=1)
    write(lx, "valid", lhdr + good)
    write(lx, "valid-low-initrd-max", lhdr + mklinux.edit(good, initrd_max=0xFFFFFF))
    write(lx, "relocated", lhdr + mklinux.edit(good, pref=0x80000000))
    for name, data in mklinux.cases(good).items():
        write(lx, "bad-" + name, lhdr + data)

    opts = os.path.join(out, "options")
    for i, line in enumerate([
        b"",
        b"/boot/eptlab.elf guest=builtin",
        b"ept_leaf=2m vpid=off guest_mem=256M guest=module demand=buffer",
        b"ept_leaf=1g guest_mem=3G demand=full skip_check=1 test_corrupt=tr_type",
        b"selftest=fault watchdog=500ms restarts=3 expect_crash=1",
        b"watchdog=off demand=off vpid=on ept_leaf=auto guest=auto",
        b"guest_mem=99999999999999G",
        b"vpid=on vpid=off",
        b"acpi=on initrd=none guest=linux",
        b"acpi=off acpi=on",
        b"frob",
    ]):
        write(opts, "%02d" % i, line)

    pg = os.path.join(out, "paging")
    # header byte: bit0 EPT, bits1-2 leaf sizes, bit3 failing allocations
    # op: kind, va (3 bytes), pages (2 bytes) [, map extras]
    map_2m = bytes([0x00, 0x01, 0x10, 0x00, 0x01, 0x00, 0x00])
    map_1g = bytes([0xC0, 0x04, 0x00, 0x00, 0x03, 0x00, 0x00])
    unmap = bytes([0x02, 0x02, 0x00, 0x00, 0x00, 0x00])
    prot = bytes([0x43, 0x01, 0x10, 0x00, 0x01, 0x00])
    xl = bytes([0x04, 0, 0, 0, 0, 0]) + bytes(20)
    bad = bytes([0x05, 0, 0, 0, 0, 0]) + bytes(range(16))
    for hdr in (0x00, 0x01, 0x06, 0x07, 0x0E, 0x3F):
        write(pg, "h%02x" % hdr, bytes([hdr]) + map_2m + map_1g + prot + xl +
              unmap + bad + map_2m + xl)


if __name__ == "__main__":
    main()
