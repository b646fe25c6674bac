#!/usr/bin/env python3
"""Write a self-describing module for tests/kernels/modcheck.c.

    mkmod.py OUT SIZE STRING [SEED]

Layout: "EPTMOD1\\n", u32 size, u32 FNV-1a (32-bit) of bytes 16..size, then
STRING NUL-terminated, then pseudo-random bytes up to SIZE. The kernel
checks that the module it was given has this size, this hash and exactly
STRING as its Multiboot module string.
"""
import random
import struct
import sys


def fnv1a(data):
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def main():
    out, size, string = sys.argv[1], int(sys.argv[2], 0), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    body = string.encode() + b"\0"
    rng = random.Random(seed)
    body += bytes(rng.randrange(256) for _ in range(size - 16 - len(body)))
    if len(body) != size - 16:
        sys.exit("mkmod: SIZE too small for STRING")
    with open(out, "wb") as f:
        f.write(b"EPTMOD1\n" + struct.pack("<II", size, fnv1a(body)) + body)


if __name__ == "__main__":
    main()
