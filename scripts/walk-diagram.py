#!/usr/bin/env python3
"""Draw eptlab's two-dimensional page walk as an SVG (docs/two-level-translation.md).

The hypervisor prints one line

    WALK-JSON: {...}

when the guest calls HC_TRANSLATE with the print flag (the guest's 2d
scenario does, in the demo run). This script takes that line from a serial
log, writes a Graphviz graph with one node per memory reference, numbered in
the order the CPU makes them, and renders it with `dot -Tsvg`:

  * columns: the guest levels (PML4, PDPT, PD, PT) and then the data page;
  * rows: the EPT levels walked to locate each guest table (and the data
    page), then the guest entry read itself.

Usage:
  scripts/walk-diagram.py [--log SERIAL_LOG] [--iso ISO] [--out SVG]
                          [--megs MIB] [--timeout S]

Without --log, the ISO (default build/eptlab.iso, the one `make run` boots)
is booted under Bochs with scripts/run-bochs.sh (--megs and --timeout passed
on: a Linux boot needs more of both) and its serial log is used.
`make walk-diagram GUEST=linux` draws the walk of a Linux process
(linux/walkdemo.c).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPT_NAMES = ["EPT PML4", "EPT PDPT", "EPT PD", "EPT PT"]
GUEST_NAMES = ["PML4", "PDPT", "PD", "PT"]


def find_walk(log_path):
    """The last WALK-JSON object in the log, or None."""
    walk = None
    with open(log_path, errors="replace") as f:
        for line in f:
            line = line.strip().replace("\r", "")
            idx = line.find("WALK-JSON: ")
            if idx >= 0:
                walk = json.loads(line[idx + len("WALK-JSON: "):])
    return walk


def boot(iso, log_dir, megs=None, timeout=None):
    os.makedirs(log_dir, exist_ok=True)
    cmd = [os.path.join(ROOT, "scripts", "run-bochs.sh"), "--log-dir",
           log_dir]
    if megs:
        cmd += ["--megs", str(megs)]
    if timeout:
        cmd += ["--timeout", str(timeout)]
    cmd.append(iso)
    print("walk-diagram: booting %s under Bochs" % iso, file=sys.stderr)
    subprocess.run(cmd, stdout=sys.stderr, stderr=sys.stderr, check=False)
    return os.path.join(log_dir, "serial.log")


def ept_flags(e, level):
    if not e & 7:
        return "not present"
    s = "".join(c if e & b else "-" for c, b in (("R", 1), ("W", 2), ("X", 4)))
    leaf = level == 3 or (e & 0x80)
    if leaf:
        s += " %s leaf" % ({1: "1G", 2: "2M"}.get(level, "4K"))
        if e & 0x200:
            s += " D"
    if e & 0x100:
        s += " A"
    return s


def pte_flags(e, level):
    if not e & 1:
        return "not present"
    s = "P " + ("RW" if e & 2 else "RO")
    for bit, name in ((4, "US"), (0x20, "A"), (0x40, "D")):
        if e & bit:
            s += " " + name
    if level in (1, 2) and e & 0x80:
        s += " PS"
    if e >> 63:
        s += " NX"
    return s


def size_name(n):
    return {4096: "4 KiB", 2 << 20: "2 MiB", 1 << 30: "1 GiB"}.get(n, "-")


def make_dot(w):
    """Graphviz source and the number of reference nodes in it."""
    h = lambda s: int(s, 16)
    out = []
    out.append("digraph walk2d {")
    out.append('  graph [rankdir=TB, nodesep=0.25, ranksep=0.35, '
               'fontname="monospace", labelloc=t, fontsize=16, label="2D walk '
               'of GVA %s (guest CR3 %s): %d memory references\\n'
               'columns: guest levels; rows: the EPT walk that locates each '
               'guest table, then the guest entry read"];'
               % (w["gva"], w["cr3"], w["nrefs"]))
    out.append('  node [shape=box, fontname="monospace", fontsize=10, '
               'style=filled];')
    out.append('  edge [color="#555555", arrowsize=0.6];')
    ref = 0
    order = []           # node ids in access order
    rows = {}            # row index -> node ids (for rank=same)
    columns = []         # per column: node ids top to bottom

    def add(node, label, color, row, col):
        out.append('  %s [label="%s", fillcolor="%s"];' % (node, label, color))
        rows.setdefault(row, []).append(node)
        columns[col].append(node)

    levels = w["levels"]
    for c, lvl in enumerate(levels):
        columns.append([])
        head = "h%d" % c
        out.append('  %s [shape=plaintext, style="", label="guest %s\\n'
                   'entry GPA %s"];' % (head, lvl["name"], lvl["entry_gpa"]))
        rows.setdefault(-1, []).append(head)
        columns[c].append(head)
        for i, st in enumerate(lvl["ept"]):
            ref += 1
            node = "r%d" % ref
            add(node, "#%d %s\\nHPA %s\\n= %s\\n[%s]" % (
                ref, EPT_NAMES[i], st["hpa"], st["entry"],
                ept_flags(h(st["entry"]), i)), "#dbe9f6", i, c)
            order.append(node)
        if lvl.get("read", True):
            ref += 1
            node = "r%d" % ref
            add(node, "#%d guest %s entry\\nHPA %s\\n= %s\\n[%s]" % (
                ref, lvl["name"], lvl["entry_hpa"], lvl["entry"],
                pte_flags(h(lvl["entry"]), lvl["level"])), "#fde3c8", 4, c)
            order.append(node)
    if w["final_ept"]:
        c = len(columns)
        columns.append([])
        head = "h%d" % c
        out.append('  %s [shape=plaintext, style="", label="data\\nGPA %s\\n'
                   '(guest %s page)"];' % (head, w["gpa"],
                                           size_name(w["guest_page_size"])))
        rows.setdefault(-1, []).append(head)
        columns[c].append(head)
        for i, st in enumerate(w["final_ept"]):
            ref += 1
            node = "r%d" % ref
            add(node, "#%d %s\\nHPA %s\\n= %s\\n[%s]" % (
                ref, EPT_NAMES[i], st["hpa"], st["entry"],
                ept_flags(h(st["entry"]), i)), "#dbe9f6", i, c)
            order.append(node)
        if w["result"] == 0:
            out.append('  data [label="data\\nHPA %s\\n(EPT %s page)", '
                       'shape=ellipse, fillcolor="#d5f0d5"];'
                       % (w["hpa"], size_name(w["ept_page_size"])))
            rows.setdefault(5, []).append("data")
            columns[c].append("data")
            order.append("data")
    # Keep each column in one vertical line, each row level.
    for col in columns:
        for a, b in zip(col, col[1:]):
            out.append("  %s -> %s [style=invis, weight=20];" % (a, b))
    for row in sorted(rows):
        out.append("  { rank=same; %s }" % "; ".join(rows[row]))
    # Columns left to right in walk order.
    heads = rows[-1]
    if len(heads) > 1:
        out.append("  %s [style=invis];" % " -> ".join(heads))
    # The access order.
    for a, b in zip(order, order[1:]):
        out.append("  %s -> %s [constraint=false];" % (a, b))
    out.append("}")
    return "\n".join(out) + "\n", ref


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", help="serial log holding a WALK-JSON line")
    ap.add_argument("--iso", default=os.path.join(ROOT, "build", "eptlab.iso"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "walk.svg"))
    ap.add_argument("--megs", type=int, help="Bochs RAM for the boot (MiB)")
    ap.add_argument("--timeout", type=int, help="bound of the boot (s)")
    args = ap.parse_args()

    log = args.log
    if not log:
        log = boot(args.iso, os.path.join(os.path.dirname(args.out),
                                          "walk-run"), args.megs, args.timeout)
    if not os.path.exists(log):
        sys.exit("walk-diagram: no serial log at %s" % log)
    walk = find_walk(log)
    if walk is None:
        sys.exit("walk-diagram: no WALK-JSON line in %s" % log)
    dot_src, nrefs = make_dot(walk)
    if nrefs != walk["nrefs"]:
        sys.exit("walk-diagram: %d reference nodes but nrefs = %d"
                 % (nrefs, walk["nrefs"]))
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    dot_path = os.path.splitext(args.out)[0] + ".dot"
    with open(dot_path, "w") as f:
        f.write(dot_src)
    subprocess.run(["dot", "-Tsvg", dot_path, "-o", args.out], check=True)
    print("walk-diagram: %s (%d memory references, GVA %s; source %s)"
          % (args.out, nrefs, walk["gva"], dot_path))


if __name__ == "__main__":
    main()
