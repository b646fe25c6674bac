#!/usr/bin/env python3
"""The Linux boot's figures (scripts/bench-linux.sh, docs/benchmarks.md
"Linux boot").

    bench_linux_report.py --eptlab SERIAL --bare SERIAL --bare-stdout OUT
                          [--json OUT.json] [--merge BENCH.json]

Ticks are RDTSC values under Bochs with `clock: sync=none` (one per
instruction). Each boot is measured from the kernel's first instruction:
under eptlab the hypervisor's "stats: first VM entry at TSC N"; on bare
Bochs the `ptime` of the debugger breakpoint at the kernel's entry. The
marks are /init's "EPTLAB-INIT: tsc N at /init" and "... after the
workload" (linux/ticks.c). --merge adds the figures and targets under
"linux" to an existing bench.json. Exit status 1 if a figure is missing.
"""
import argparse
import json
import re
import sys

TARGET_RATIO = 1.5
INIT_RE = re.compile(r"EPTLAB-INIT: tsc (\d+) at /init")
WORK_RE = re.compile(r"EPTLAB-INIT: tsc (\d+) after the workload")
FIRST_RE = re.compile(r"^stats: first VM entry at TSC (\d+)")
TOTAL_RE = re.compile(r"^stats \(([^)]*)\): (\d+) exits, (\d+) ticks in exit "
                      r"handling, (\d+) ticks since VMLAUNCH")
REASON_RE = re.compile(r"^stats: +(\d+) (.+?) +(\d+) exits +(\d+) ticks")
PTIME_RE = re.compile(r"^ptime: (\d+)")
WORKLOAD_RE = re.compile(r"EPTLAB-INIT: workload (PASS|FAIL)")


def lines(path):
    try:
        with open(path, errors="replace") as f:
            return [l.rstrip("\r\n").replace("\r", "") for l in f]
    except OSError:
        return []


def first(regex, ls):
    for l in ls:
        m = regex.search(l)
        if m:
            return m
    return None


def slug(name):
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--eptlab", required=True)
    ap.add_argument("--bare", required=True)
    ap.add_argument("--bare-stdout", required=True)
    ap.add_argument("--json")
    ap.add_argument("--merge")
    a = ap.parse_args()

    ept, bare, bout = lines(a.eptlab), lines(a.bare), lines(a.bare_stdout)
    fig, missing = {}, []

    def need(key, m, group=1):
        if m is None:
            missing.append(key)
            return None
        fig[key] = int(m.group(group))
        return fig[key]

    e0 = need("linux_eptlab_first_entry_tsc", first(FIRST_RE, ept))
    ei = first(INIT_RE, ept)
    ew = first(WORK_RE, ept)
    b0 = need("linux_bare_entry_tsc", first(PTIME_RE, bout))
    bi = first(INIT_RE, bare)
    bw = first(WORK_RE, bare)
    for key, start, m in (("linux_eptlab_init_ticks", e0, ei),
                          ("linux_eptlab_workload_end_ticks", e0, ew),
                          ("linux_bare_init_ticks", b0, bi),
                          ("linux_bare_workload_end_ticks", b0, bw)):
        if start is None or m is None:
            missing.append(key)
        else:
            fig[key] = int(m.group(1)) - start
    for run, ls in (("eptlab", ept), ("bare", bare)):
        m = first(WORKLOAD_RE, ls)
        fig["linux_%s_workload" % run] = m.group(1) if m else "missing"
    # The end-of-run statistics: the whole run under eptlab (boot, /init,
    # workload, walk, the exit), per exit reason.
    tot = None
    for l in ept:
        m = TOTAL_RE.match(l)
        if m:
            tot = m
    if tot:
        fig["linux_eptlab_exits"] = int(tot.group(2))
        fig["linux_eptlab_hv_ticks"] = int(tot.group(3))
        fig["linux_eptlab_run_ticks"] = int(tot.group(4))
        reasons = {}
        for l in ept[ept.index(tot.group(0)) + 1:]:
            m = REASON_RE.match(l)
            if not m:
                continue
            reasons[slug(m.group(2))] = {"reason": int(m.group(1)),
                                         "exits": int(m.group(3)),
                                         "ticks": int(m.group(4))}
        fig["linux_eptlab_exits_per_reason"] = reasons
    else:
        missing.append("linux_eptlab_exits")

    targets = []
    for what in ("init", "workload_end"):
        e = fig.get("linux_eptlab_%s_ticks" % what)
        b = fig.get("linux_bare_%s_ticks" % what)
        key = "linux_%s_ratio" % what
        if e is None or not b:
            targets.append({"key": key, "status": "no figure",
                            "target": "<= %.1f" % TARGET_RATIO})
            continue
        r = round(e / b, 3)
        fig[key] = r
        targets.append({"key": key, "value": r,
                        "target": "<= %.1f" % TARGET_RATIO,
                        "status": "met" if r <= TARGET_RATIO else "MISSED",
                        "why": "eptlab's ticks over bare Bochs' from the "
                               "kernel's first instruction to the %s mark"
                               % ("/init" if what == "init" else
                                  "end-of-workload")})

    out = {"figures": fig, "targets": targets,
           "unit_note": "Bochs ticks (clock: sync=none): one per "
                        "instruction; docs/benchmarks.md \"Linux boot\""}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2, sort_keys=True)
            f.write("\n")
    if a.merge:
        try:
            with open(a.merge) as f:
                bench = json.load(f)
            bench["linux"] = out
            with open(a.merge, "w") as f:
                json.dump(bench, f, indent=2, sort_keys=True)
                f.write("\n")
        except (OSError, ValueError) as e:
            print("bench-linux: cannot merge into %s: %s" % (a.merge, e),
                  file=sys.stderr)

    print("%-36s %16s %16s %8s" % ("Linux boot (ticks)", "eptlab", "bare Bochs",
                                   "ratio"))
    for what, label in (("init", "first instruction -> /init"),
                        ("workload_end", "first instruction -> workload end")):
        e = fig.get("linux_eptlab_%s_ticks" % what)
        b = fig.get("linux_bare_%s_ticks" % what)
        r = fig.get("linux_%s_ratio" % what)
        print("%-36s %16s %16s %8s" % (label, e if e is not None else "-",
                                       b if b is not None else "-",
                                       "%.3f" % r if r is not None else "-"))
    if tot:
        print("eptlab: %d exits, %d ticks in the hypervisor of %d since "
              "VMLAUNCH" % (fig["linux_eptlab_exits"],
                            fig["linux_eptlab_hv_ticks"],
                            fig["linux_eptlab_run_ticks"]))
        for name, r in sorted(fig["linux_eptlab_exits_per_reason"].items(),
                              key=lambda kv: -kv[1]["ticks"]):
            print("  %3d %-32s %10d exits %14d ticks" % (
                r["reason"], name, r["exits"], r["ticks"]))
    for t in targets:
        print("target %s %s: %s%s" % (t["key"], t["target"], t["status"],
                                      " (%.3f)" % t["value"] if "value" in t
                                      else ""))
    if missing:
        print("bench-linux: missing: %s" % ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
