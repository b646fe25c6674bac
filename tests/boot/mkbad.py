#!/usr/bin/env python3
"""Craft malformed guest modules for tests/boot/t_badinput.sh.

    mkbad.py OUTDIR GUEST_BIN

Writes OUTDIR/<case>.bin for every case below. Kludge cases are edits of
the real build/guest/guest.bin (a Multiboot v1 a.out-kludge image); ELF
cases are built from scratch: a minimal ELF64 with a Multiboot header
(flags 0, so the loader must use the program headers) and one PT_LOAD.
Each case breaks exactly one thing; the loader must name it.
"""
import struct
import sys

MB_MAGIC = 0x1BADB002
EM_386, EM_X86_64 = 3, 62


def mb_header(flags):
    return struct.pack("<III", MB_MAGIC, flags, (-(MB_MAGIC + flags)) & 0xFFFFFFFF)


def elf64(segs, cls=2, machine=EM_X86_64, entry=0x100000, phoff=64):
    """segs: list of (p_offset, p_paddr, p_filesz, p_memsz)."""
    phnum = len(segs)
    ehdr = bytearray(64)
    ehdr[0:4] = b"\x7fELF"
    ehdr[4] = cls                 # EI_CLASS
    ehdr[5] = 1                   # little-endian
    ehdr[6] = 1                   # EV_CURRENT
    struct.pack_into("<HHIQQQIHHHHHH", ehdr, 16,
                     2, machine, 1, entry, phoff, 0, 0, 64, 56, phnum, 0, 0, 0)
    img = bytearray(0x1000)
    img[0:64] = ehdr
    for i, (off, paddr, filesz, memsz) in enumerate(segs):
        struct.pack_into("<IIQQQQQQ", img, 64 + 56 * i,
                         1, 7, off, paddr, paddr, filesz, memsz, 0x1000)
    img[0x800:0x80C] = mb_header(0)
    code = b"\xfa\xf4\xeb\xfd" + b"\x00" * (0x1000 - 4)   # cli; hlt; jmp $-1
    return bytes(img) + code


def kludge_edit(base, **fields):
    """Rewrite a.out-kludge fields of guest.bin (header at offset 0)."""
    img = bytearray(base)
    assert struct.unpack_from("<I", img, 0)[0] == MB_MAGIC
    names = ["header_addr", "load_addr", "load_end_addr", "bss_end_addr",
             "entry_addr"]
    for k, v in fields.items():
        if k == "flags":
            struct.pack_into("<II", img, 4, v, (-(MB_MAGIC + v)) & 0xFFFFFFFF)
        elif k == "checksum":
            struct.pack_into("<I", img, 8, v)
        else:
            struct.pack_into("<I", img, 12 + 4 * names.index(k), v)
    return bytes(img)


def cases(base):
    flags = struct.unpack_from("<I", base, 4)[0]
    seg = (0x1000, 0x100000, 0x10, 0x1000)
    return {
        # Not a kernel at all.
        "not-multiboot": b"This is a text file, not a kernel.\n" * 64,
        "tiny": base[:8],
        # Multiboot header damaged.
        "bad-checksum": kludge_edit(base, checksum=0x12345678),
        "undefined-flag": kludge_edit(base, flags=flags | 0x8),
        # a.out-kludge address fields.
        "truncated": base[:0x4000],
        "entry-outside": kludge_edit(base, entry_addr=0x00200000),
        "load-end-below": kludge_edit(base, load_end_addr=0x000F0000),
        "bigger-than-ram": kludge_edit(base, bss_end_addr=0x00600000),
        # ELF.
        "elf-class": elf64([seg], cls=3),
        "elf-machine": elf64([seg], machine=EM_386),
        "phdr-table-overflow": elf64([seg], phoff=0xFFFFFFFFFFFFFFF8),
        "seg-offset-overflow": elf64([(0xFFFFFFFFFFFFF000, 0x100000, 0x2000, 0x2000)]),
        "seg-paddr-wrap": elf64([(0x1000, 0xFFFFFFFFFFFFF000, 0x10, 0x2000)],
                                entry=0xFFFFFFFFFFFFF000),
        "seg-overlap": elf64([(0x1000, 0x100000, 0x10, 0x2000),
                              (0x1000, 0x101000, 0x10, 0x1000)]),
        "seg-outside-ram": elf64([(0x1000, 0x10000000, 0x10, 0x1000)],
                                 entry=0x10000000),
        "seg-page0": elf64([(0x1000, 0x0, 0x10, 0x1000)], entry=0),
        "seg-over-info": elf64([(0x1000, 0x10000, 0x10, 0x1000)], entry=0x10000),
        "elf-truncated": elf64([seg])[:0x1008],
    }


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: mkbad.py OUTDIR GUEST_BIN")
    out, guest = sys.argv[1], sys.argv[2]
    base = open(guest, "rb").read()
    for name, data in cases(base).items():
        with open(f"{out}/{name}.bin", "wb") as f:
            f.write(data)
        print(name)


if __name__ == "__main__":
    main()
