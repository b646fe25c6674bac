#!/usr/bin/env python3
"""Collect `BENCH: key=value` lines into bench.json and a table.

    bench_report.py --run 4k=SERIAL.log [--run 2m=...] [--host HOST.log]
                    [--views SERIAL.log] [--apicv-off SERIAL.log]
                    [--json OUT.json] [--smoke]

Inputs are the serial logs of the Bochs runs (one per EPT leaf policy;
the guest's lines arrive prefixed `guest: `, the hypervisor's are bare)
and the host microbenchmark's output; --views is the Tiger Lake run with
the EPT-view figures (guest word `bench_views`). docs/benchmarks.md names
every key.

JSON (sorted keys): --json OUT.json holds only deterministic data, so two
runs of `make bench` give byte-identical files:
  "figures":     Bochs ticks, counts, pages, bytes;
  "targets":     each target, its value, and met / MISSED.
The host microbenchmark's wall-clock ns (which vary) and their targets go
to bench-host.json next to it ("host_timing", "host_timing_targets");
its deterministic counts (leaves, table pages) stay in "figures".

--smoke: the `make test` check: every expected key present, numeric
figures non-zero, walk counts equal to the formula. No timing targets.
Exit status 1 if the smoke check fails (or, without --smoke, if a key
is missing); a missed target is reported, never an error.
"""
import argparse
import json
import os
import re
import sys

BENCH_RE = re.compile(r"BENCH: ([A-Za-z0-9_]+)=(\S.*?)\s*$")
HOST_PT_RE = re.compile(r"^page tables:.* total (\d+)\s*$")
HOST_PT_MIN_RE = re.compile(r"^page tables \(computed minimum\):.* total (\d+)")
NOT_MEASURABLE = "not measurable under Bochs"
LEAVES = ("4k", "2m", "1g")
DEPTH = {"4k": 4, "2m": 3, "1g": 2}

# Figures taken from the primary run (ept_leaf=4k).
GUEST_FIGS = [
    "guest_iterations", "guest_timing_overhead_ticks",
    "guest_vmcall_null_min_ticks", "guest_vmcall_null_median_ticks",
    "guest_cpuid_exit_min_ticks", "guest_cpuid_exit_median_ticks",
    "guest_io_exit_com1_lsr_min_ticks", "guest_io_exit_com1_lsr_median_ticks",
] + [f"guest_hc_{n}_{s}_ticks"
     for n in ("invept_single", "invept_all", "invvpid_addr",
               "invvpid_single", "invvpid_all")
     for s in ("min", "median")] + [
    "guest_demand_overhead_ticks",
    "guest_ept_demand_fault_min_ticks", "guest_ept_demand_fault_median_ticks",
    "guest_ept_demand_fault_samples",
    "guest_ept_demand_fault_table_alloc_min_ticks",
    "guest_ept_demand_fault_table_alloc_median_ticks",
    "guest_ept_demand_fault_table_alloc_samples",
] + [f"guest_irq_{n}_{s}_ticks"
     for n in ("deadline_to_handler", "hlt_wake", "hlt_roundtrip", "pic_eoi")
     for s in ("min", "median")]
HV_FIGS = [
    "hv_entry_to_vmlaunch_ticks", "hv_guest_ram_zero_ticks",
    "hv_entry_to_vmlaunch_minus_zero_ticks",
    "hv_vmlaunch_to_guest_long_mode_ticks",
    "hv_vmlaunch_to_guest_bench_ticks",
    "hv_host_table_pages", "hv_host_table_pages_min",
    "hv_mem_image_bytes", "hv_mem_frame_bitmap_bytes",
    "hv_mem_host_tables_bytes", "hv_mem_ept_tables_bytes",
    "hv_mem_guest_page_array_bytes",
    "hv_mem_vcpu_and_bitmaps_bytes", "hv_mem_total_bytes",
    "hv_guest_ram_bytes",
]
# Per run (suffix _e<leaf>): the keys the run itself prints with a suffix,
# and the ones this script suffixes.
PER_RUN_OWN = ["hv_ept_table_pages_e{e}", "hv_ept_table_pages_min_e{e}",
               "hv_ept_tables_per_level_e{e}"]
PER_RUN_ADDED = ["hv_host_table_pages", "hv_host_table_pages_min",
                 "hv_mem_total_bytes", "hv_guest_ram_bytes"]
HOST_FIGS_DET = ["host_{l}_leaves", "host_{l}_peak_table_pages",
                 "host_{l}_table_pages_after_unmap",
                 "host_{l}_map_entry_reads", "host_{l}_unmap_entry_reads"]
# One walk of the tables: the entry reads of one leaf's map or unmap.
HOST_WALK_READS = {"4k": 4, "2m": 3}
HOST_FIGS_NS = ["host_{l}_map_ns_per_page", "host_{l}_translate_ns",
                "host_{l}_unmap_ns_per_page", "host_{l}_unmap_to_map_ratio"]
# The EPT-view run (--views, Bochs tigerlake): min and median of each.
VIEWS_FIGS = [f"{n}_{s}_ticks" for n in (
    "views_switch_vmfunc", "views_switch_hypercall", "views_ve_roundtrip",
    "views_violation_exit_roundtrip", "views_dirty_pml_per_page",
    "views_dirty_wp_per_page") for s in ("min", "median")] + [
    "views_pml_full_write_ticks", "hv_pml_full_drain_ticks"]
# Allowed non-numeric values (reported, never counted as zero).
# The local APIC (guest/bench_irq.c): apicv=on from the primary run,
# apicv=off from the --apicv-off run.
APIC_FIGS = [f"guest_apic_{{m}}_{n}_{s}_ticks"
             for n in ("deadline_to_handler", "eoi", "id_read")
             for s in ("min", "median")]
SOFT_VALUES = {"unsupported", "not-recorded", "no-1g-ept-leaf"}


def parse_log(path):
    vals = {}
    host_pt = host_pt_min = None
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").replace("\r", "").rstrip("\n")
            m = BENCH_RE.search(line)
            if m:
                vals[m.group(1)] = m.group(2)
                continue
            m = HOST_PT_MIN_RE.match(line)
            if m:
                host_pt_min = m.group(1)
                continue
            m = HOST_PT_RE.match(line)
            if m:
                host_pt = m.group(1)
    if host_pt is not None:
        vals["hv_host_table_pages_min"] = host_pt_min
    return vals


def num(v):
    if isinstance(v, (int, float)):
        return v
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            return float(v)
        except (TypeError, ValueError):
            return v


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", action="append", default=[],
                    help="LEAF=SERIAL_LOG (4k, 2m or 1g)")
    ap.add_argument("--host", help="host microbenchmark output")
    ap.add_argument("--views", help="serial log of the EPT-view run")
    ap.add_argument("--apicv-off", help="serial log of the apicv=off run")
    ap.add_argument("--json", help="write the JSON here")
    ap.add_argument("--smoke", action="store_true")
    a = ap.parse_args()

    runs = {}
    for r in a.run:
        leaf, _, path = r.partition("=")
        if leaf not in LEAVES or not path:
            ap.error(f"bad --run {r!r}")
        runs[leaf] = parse_log(path)
    primary = "4k" if "4k" in runs else (next(iter(runs)) if runs else None)

    figures, expected = {}, []
    if primary:
        p = runs[primary]
        for k in GUEST_FIGS + HV_FIGS:
            expected.append(k)
            if k in p:
                figures[k] = num(p[k])
    for leaf, vals in runs.items():
        for k in PER_RUN_OWN:
            k = k.format(e=leaf)
            expected.append(k)
            if k in vals:
                figures[k] = num(vals[k])
        for k in PER_RUN_ADDED:
            expected.append(f"{k}_e{leaf}")
            if k in vals:
                figures[f"{k}_e{leaf}"] = num(vals[k])
        for g in LEAVES:
            base = f"walk_g{g}_e{leaf}"
            for s in ("nrefs", "formula"):
                expected.append(f"{base}_{s}")
                if f"{base}_{s}" in vals:
                    figures[f"{base}_{s}"] = num(vals[f"{base}_{s}"])
            # Real VT-x would measure TLB-miss cycles here; Bochs cannot.
            figures[f"{base}_cycles"] = NOT_MEASURABLE
        if vals.get("hv_ept_leaf") not in (None, leaf):
            print(f"bench: run {leaf} reports hv_ept_leaf={vals['hv_ept_leaf']}",
                  file=sys.stderr)

    apic_runs = [("on", runs[primary])] if primary else []
    if a.apicv_off:
        apic_runs.append(("off", parse_log(a.apicv_off)))
    for mode, vals in apic_runs:
        for k in APIC_FIGS:
            k = k.format(m=mode)
            expected.append(k)
            if vals and k in vals:
                figures[k] = num(vals[k])

    if a.views:
        vv = parse_log(a.views)
        for k in VIEWS_FIGS:
            expected.append(k)
            if k in vv:
                figures[k] = num(vv[k])

    host_timing = {}
    if a.host:
        h = parse_log(a.host)
        for l in ("4k", "2m"):
            for k in HOST_FIGS_DET:
                k = k.format(l=l)
                expected.append(k)
                if k in h:
                    figures[k] = num(h[k])
            for k in HOST_FIGS_NS:
                k = k.format(l=l)
                expected.append(k)
                if k in h:
                    host_timing[k] = num(h[k])

    # ---------------------------------------------------------- targets
    targets = []

    def target(key, op, want, why):
        have = figures.get(key, host_timing.get(key))
        if isinstance(want, str):
            want_v = figures.get(want)
            want_s = f"{op} {want} ({want_v})"
        else:
            want_v = want
            want_s = f"{op} {want}"
        if not isinstance(have, (int, float)) or not isinstance(want_v, (int, float)):
            ok = None
        elif op == "<=":
            ok = have <= want_v
        elif op == "<":
            ok = have < want_v
        else:
            ok = have == want_v
        targets.append({"key": key, "target": want_s, "value": have,
                        "status": "met" if ok else ("MISSED" if ok is False
                                                    else "no figure"),
                        "why": why})

    for s in ("min", "median"):
        target(f"guest_vmcall_null_{s}_ticks", "<=", 80,
               "null VMCALL round trip")
        target(f"guest_cpuid_exit_{s}_ticks", "<=", 100,
               "CPUID exit round trip")
        target(f"guest_ept_demand_fault_{s}_ticks", "<=", 1500,
               "EPT demand fault incl. zeroing")
    target("guest_irq_deadline_to_handler_median_ticks", "<=", 3000,
           "timer deadline to the guest's handler")
    target("guest_irq_hlt_wake_median_ticks", "<=", 3000,
           "timer deadline to the handler, from HLT")
    target("guest_irq_pic_eoi_median_ticks", "<=", 1200,
           "a PIC EOI (I/O exit and the event tail)")
    target("guest_apic_on_deadline_to_handler_median_ticks", "<=", 3000,
           "LAPIC timer deadline to the guest's handler (apicv=on)")
    if a.apicv_off:
        # APICv must not make the timer's interrupt slower: RVI replaces
        # the INTA and the injection.
        target("guest_apic_on_deadline_to_handler_median_ticks", "<=",
               "guest_apic_off_deadline_to_handler_median_ticks",
               "LAPIC timer deadline to the handler: apicv=on no dearer "
               "than apicv=off")
        # APICv's point: what it virtualizes costs no exit.
        for n, why in (("eoi", "a LAPIC EOI: EOI virtualization, no exit"),
                       ("id_read", "an xAPIC ID read: the virtual-APIC "
                                   "page, no exit")):
            target(f"guest_apic_on_{n}_median_ticks", "<",
                   f"guest_apic_off_{n}_median_ticks", why)
    target("hv_host_table_pages", "==", "hv_host_table_pages_min",
           "host page tables = computed minimum")
    if a.views:
        # The point of each feature: cheaper than the exit it replaces.
        for n, than, why in (
                ("views_switch_vmfunc", "views_switch_hypercall",
                 "view switch: VMFUNC no dearer than HC_VIEW_SELECT"),
                ("views_ve_roundtrip", "views_violation_exit_roundtrip",
                 "#VE no dearer than the violation's VM exit"),
                ("views_dirty_pml_per_page", "views_dirty_wp_per_page",
                 "dirty page: PML no dearer than write protection")):
            target(f"{n}_median_ticks", "<=", f"{than}_median_ticks", why)
    for leaf in runs:
        target(f"hv_ept_table_pages_e{leaf}", "==",
               f"hv_ept_table_pages_min_e{leaf}",
               f"EPT tables = computed minimum (ept_leaf={leaf})")
        target(f"hv_host_table_pages_e{leaf}", "==",
               f"hv_host_table_pages_min_e{leaf}",
               f"host page tables = computed minimum (ept_leaf={leaf} run)")
        target(f"hv_mem_total_bytes_e{leaf}", "<=", 1 << 20,
               f"hypervisor memory excl. guest RAM (ept_leaf={leaf})")
        for g in LEAVES:
            base = f"walk_g{g}_e{leaf}"
            target(f"{base}_nrefs", "==", f"{base}_formula",
                   f"2D walk refs = n_g*(n_e+1)+n_e = "
                   f"{DEPTH[g] * (DEPTH[leaf] + 1) + DEPTH[leaf]}")
    if a.host:
        for l, n in HOST_WALK_READS.items():
            for op in ("map", "unmap"):
                target(f"host_{l}_{op}_entry_reads", "<=", n,
                       f"host: one walk per {l} {op} into existing tables")
    # Wall-clock checks vary run to run: kept apart from "targets".
    det_targets, targets = targets, []
    if a.host:
        for l in ("4k", "2m"):
            target(f"host_{l}_unmap_to_map_ratio", "<=", 1.5,
                   f"host: unmap per page about map per page ({l})")
    host_targets, targets = targets, det_targets + targets

    out = {"unit_note": "Bochs clock sync=none: a tick counts executed "
                        "instructions (guest and hypervisor), one per REP "
                        "iteration; page walks, TLB misses and VM "
                        "transitions cost about nothing in ticks.",
           "runs": {leaf: {"ept_leaf": leaf} for leaf in runs},
           "figures": figures, "targets": det_targets,
           "host_timing_file": "bench-host.json"}
    host_out = {"note": "host wall clock (ns): varies run to run",
                "host_timing": host_timing,
                "host_timing_targets": host_targets}
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2, sort_keys=True)
            f.write("\n")
        hpath = os.path.join(os.path.dirname(a.json), "bench-host.json")
        with open(hpath, "w") as f:
            json.dump(host_out, f, indent=2, sort_keys=True)
            f.write("\n")

    # ------------------------------------------------------------ table
    print("eptlab bench (Bochs, clock sync=none: 1 tick = 1 executed "
          "instruction, guest + hypervisor)")
    print(f"{'figure':<52} {'value':>14}")
    for k in sorted(figures):
        v = figures[k]
        print(f"{k:<52} {str(v):>14}")
    for k in sorted(host_timing):
        note = "ns, wall clock"
        m = re.match(r"host_(\w+?)_(map|unmap)_ns_per_page$", k)
        reads = m and figures.get(f"host_{m.group(1)}_{m.group(2)}_entry_reads")
        if reads is not None and reads is not False:
            note += f"; {reads} entry reads per {m.group(2)}"
        print(f"{k:<52} {str(host_timing[k]):>14}  ({note})")
    print()
    print(f"{'target':<46} {'value':>10}  {'wanted':<34} status")
    for t in targets:
        mark = "" if t["status"] == "met" else "  <=="
        print(f"{t['key']:<46} {str(t['value']):>10}  {t['target']:<34} "
              f"{t['status']}{mark}")
    missed = [t for t in targets if t["status"] != "met"]
    print(f"targets: {len(targets) - len(missed)} met, {len(missed)} missed "
          "or without a figure")

    # ------------------------------------------------------------ checks
    problems = []
    for k in expected:
        if k not in figures and k not in host_timing:
            problems.append(f"missing {k}")
            continue
        v = figures.get(k, host_timing.get(k))
        if isinstance(v, str):
            if v not in SOFT_VALUES and k.endswith(("_ticks", "_bytes",
                                                    "_pages", "_nrefs")):
                problems.append(f"{k}={v} is not a number")
        elif v == 0 and not k.endswith("_after_unmap") and \
                k != "guest_timing_overhead_ticks":
            problems.append(f"{k} is zero")
    if a.smoke:
        for leaf in runs:
            for g in LEAVES:
                base = f"walk_g{g}_e{leaf}"
                n, f = figures.get(f"{base}_nrefs"), figures.get(f"{base}_formula")
                if n is not None and n != f:
                    problems.append(f"{base}_nrefs={n} != formula {f}")
    soft = [k for k in figures if figures[k] in SOFT_VALUES]
    for k in soft:
        print(f"note: {k}={figures[k]}")
    for p in problems:
        print(f"bench: {p}", file=sys.stderr)
    if problems:
        print(f"bench: {len(problems)} problem(s) with the collected figures",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
