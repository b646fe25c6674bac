#!/usr/bin/env python3
"""Figures the docs quote from a run, made from a real run.

    update-doc-figures.py [--write] --run SERIAL.log [--bench BENCH.json]

Each region sits between two marker lines in a doc:

    <!-- figures:NAME begin (scripts/update-doc-figures.py; do not edit) -->
    ...
    <!-- figures:NAME end -->

and is made here from its source:

  readme-run     README.md, the excerpt of the demo run: from --run, the
                 serial log of guest.bin under eptlab with the default
                 options on Bochs' default CPU and RAM (`make run`, and the
                 `guest-eptlab` boot of `make test`, whose log is the same
                 byte for byte: Bochs with `clock: sync=none` is
                 deterministic);
  bench-results  docs/benchmarks.md, the results table: from --bench, the
                 build/bench.json of `make bench` (the local APIC's rows
                 from its apicv=on and apicv=off runs);
  bench-views    docs/benchmarks.md, the EPT-view table (the Tiger Lake run
                 of `make bench`): from --bench too.

Without --write (the check, `make test`'s `doc-figures`): print, per
region, "up to date" or a diff of what the doc says against what the run
gives; exit 1 if a region differs or a marker is missing. With --write:
rewrite the regions (`make doc-figures`). A region whose source is not
given is neither checked nor written.
"""
import argparse
import difflib
import functools
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BEGIN = "<!-- figures:{} begin (scripts/update-doc-figures.py; do not edit) -->"
END = "<!-- figures:{} end -->"

# ------------------------------------------------------------ readme-run
# The excerpt: the lines of the log that match these, each at most the
# given number of times (0: every one), in log order; "..." where lines
# were left out.
EXCERPT = [
    (r"^eptlab: bare-metal", 1),
    (r"^page tables: PML4 ", 1),
    (r"^page tables \(computed minimum\): ", 1),
    (r"^selfcheck: W\^X text write ", 1),
    (r"^options: ", 1),
    (r"^vmx: caps: ", 1),
    (r"^vm: guest RAM ", 1),
    (r"^vmx: controls ", 1),
    (r"^vmx: VMLAUNCH ", 1),
    (r"^guest: hc: config ", 1),
    (r"^guest: PASS: paging\.self-map$", 1),
    (r"^guest: PASS: tlb\.invlpg$", 1),
    (r"^walk: 2D walk of GVA ", 1),
    (r"^walk:  ref  \|", 1),
    (r"^walk: guest PML4 entry: ", 1),
    (r"^walk: +[1-4]  \| ", 4),
    (r"^walk: total: ", 1),
    (r"^ept: violation: .*outside guest RAM", 1),
    (r"^guest: PASS: isolation\.beyond-ram$", 1),
    (r"^guest: SKIP: ", 0),
    (r"^guest: PASS: hv\.audit$", 1),
    (r"^guest: SUMMARY: ", 1),
    (r"^vm: guest wrote status ", 1),
    # Not "stats: first VM entry at TSC N": an absolute TSC, counted from
    # power-on, so it holds GRUB's time too, which varies with where the
    # ISO was built (the multiboot2 info lands elsewhere).
    (r"^stats(?!: first VM entry at TSC )", 0),
    (r"^vm: counters: ", 1),
    (r"^audit: (PASS|FAIL): ", 0),
    (r"^EPTLAB-END: ", 1),
]


def readme_run(log_path):
    with open(log_path, "rb") as f:
        lines = [l.decode("utf-8", "replace").replace("\r", "").rstrip("\n")
                 for l in f]
    pats = [(re.compile(p), n) for p, n in EXCERPT]
    used = [0] * len(pats)
    out, skipped = [], False
    for line in lines:
        hit = None
        for i, (p, n) in enumerate(pats):
            if p.search(line) and (n == 0 or used[i] < n):
                hit = i
                break
        if hit is None:
            skipped = bool(out) or skipped
            continue
        used[hit] += 1
        if skipped:
            out.append("...")
            skipped = False
        out.append(line)
    missing = [EXCERPT[i][0] for i, u in enumerate(used) if not u]
    if missing or not out or not out[-1].startswith("EPTLAB-END: PASS"):
        raise SystemExit(f"doc-figures: {log_path} is not a passing demo run "
                         f"(no line for {missing or 'EPTLAB-END: PASS'})")
    return ["```"] + out + ["```"]


# ------------------------------------------------------------ bench-results
def load_bench(json_path):
    """The figures of a bench.json, its targets by key (the first of a
    key), and the list of all its targets (a key may have two)."""
    with open(json_path) as f:
        b = json.load(f)
    return b["figures"], {t["key"]: t for t in b["targets"]}, b["targets"]


def min_median(fig, key):
    """KEY_min_ticks, or "min / median" where the two differ."""
    lo, md = fig[f"{key}_min_ticks"], fig[f"{key}_median_ticks"]
    return f"{lo}" if lo == md else f"{lo} / {md}"


def status_cell(t):
    """A target's status, in bold unless met."""
    return "met" if t["status"] == "met" else f"**{t['status']}**"


def bench_results(json_path):
    fig, tg, tlist = load_bench(json_path)
    mm = functools.partial(min_median, fig)

    def target(key):
        t = tg.get(f"{key}_min_ticks") or tg.get(key)
        if not t:
            return "—"
        return f"{t['target'].replace('<=', '≤')}: {status_cell(t)}"

    def mega(v):
        return f"{v / 1e6:.2f} M"

    null = fig["guest_vmcall_null_min_ticks"]
    inv = {k: fig[f"guest_hc_{k}_min_ticks"] for k in
           ("invept_single", "invept_all", "invvpid_addr", "invvpid_single",
            "invvpid_all")}
    walk = {e: " / ".join(str(fig[f"walk_g{g}_e{e}_nrefs"])
                          for g in ("4k", "2m", "1g"))
            for e in ("4k", "2m", "1g")}
    mem = " / ".join(f"{fig[f'hv_mem_total_bytes_e{e}'] // 1024} KiB"
                     for e in ("4k", "2m", "1g"))
    mem_ok = all(tg[f"hv_mem_total_bytes_e{e}"]["status"] == "met"
                 for e in ("4k", "2m", "1g"))
    missed = [e for e in ("4k", "2m", "1g")
              if tg[f"hv_mem_total_bytes_e{e}"]["status"] != "met"]
    rows = [
        ("null VMCALL (min = median)" if fig["guest_vmcall_null_min_ticks"] ==
         fig["guest_vmcall_null_median_ticks"] else "null VMCALL (min / median)",
         mm("guest_vmcall_null"), target("guest_vmcall_null")),
        ("CPUID exit", mm("guest_cpuid_exit"), target("guest_cpuid_exit")),
        ("I/O exit, COM1 LSR", mm("guest_io_exit_com1_lsr"), "—"),
        ("HC_INVEPT single / all, round trip",
         f"{inv['invept_single'] + null} / {inv['invept_all'] + null}", "—"),
        ("HC_INVVPID addr / single / all, round trip",
         f"{inv['invvpid_addr'] + null} / {inv['invvpid_single'] + null} / "
         f"{inv['invvpid_all'] + null}", "—"),
        ("EPT demand fault", mm("guest_ept_demand_fault"),
         target("guest_ept_demand_fault")),
        ("EPT demand fault + table allocation",
         mm("guest_ept_demand_fault_table_alloc"), "—"),
        ("entry → VMLAUNCH (128 MiB)",
         f"{mega(fig['hv_entry_to_vmlaunch_ticks'])}, of which "
         f"{mega(fig['hv_guest_ram_zero_ticks'])} zeroing", "—"),
        ("VMLAUNCH → guest `bench_run`",
         mega(fig["hv_vmlaunch_to_guest_bench_ticks"]), "—"),
        ("VMLAUNCH → guest long mode",
         mega(fig["hv_vmlaunch_to_guest_long_mode_ticks"]), "—"),
        ("walk refs, e4k: g4k / g2m / g1g", walk["4k"], "= formula"),
        ("walk refs, e2m", walk["2m"], "= formula"),
        ("walk refs, e1g", walk["1g"], "= formula"),
        ("EPT tables, e4k / e2m / e1g",
         " / ".join(str(fig[f"hv_ept_table_pages_e{e}"])
                    for e in ("4k", "2m", "1g")), "= minimum"),
        ("host tables, e4k / e2m / e1g (3 GiB)",
         " / ".join(str(fig[f"hv_host_table_pages_e{e}"])
                    for e in ("4k", "2m", "1g")), "= minimum"),
        ("hypervisor memory, e4k / e2m / e1g", mem,
         "≤ 1 MiB: met" if mem_ok else
         "≤ 1 MiB: " + ", ".join(f"e{e}" for e in missed) + " **missed**"),
    ]

    # The local APIC, apicv=on (primary run) against apicv=off (the
    # apicv-off run): medians; eoi and id_read include the RDTSC pair.
    def apic(n):
        return " / ".join(str(fig[f"guest_apic_{m}_{n}_median_ticks"])
                          for m in ("on", "off"))

    def apic_target(n, want):       # want: how the target text begins
        key = f"guest_apic_on_{n}_median_ticks"
        for t in tlist:
            if t["key"] == key and t["target"].startswith(want):
                return status_cell(t)
        return "**no target**"

    off = "guest_apic_off_{}_median_ticks"
    med = "guest_irq_{}_median_ticks"
    rows += [
        ("PIT one-shot deadline → handler, running / halted (median)",
         f"{fig[med.format('deadline_to_handler')]} / "
         f"{fig[med.format('hlt_wake')]}",
         target(med.format("deadline_to_handler")) + " / " +
         target(med.format("hlt_wake"))),
        ("8259A EOI (median)", str(fig[med.format("pic_eoi")]),
         target(med.format("pic_eoi"))),
        ("LAPIC TSC-deadline timer → handler, apicv on / off (median)",
         apic("deadline_to_handler"),
         "on ≤ 3000: " + apic_target("deadline_to_handler", "<= 3000") +
         "; on ≤ off: " + apic_target("deadline_to_handler",
                                      "<= " + off.format("deadline_to_handler"))),
        ("LAPIC EOI, apicv on / off (median, with the RDTSC pair)",
         apic("eoi"), "on < off: " + apic_target("eoi", "< " + off.format("eoi"))),
        ("xAPIC ID read, apicv on / off (median, with the RDTSC pair)",
         apic("id_read"),
         "on < off: " + apic_target("id_read", "< " + off.format("id_read"))),
    ]
    out = ["| figure | ticks | target |", "|---|---|---|"]
    out += [f"| {a} | {b_} | {c} |" for a, b_, c in rows]
    out += ["",
            "The `guest_hc_*` keys are these round trips minus the null "
            "VMCALL (" + " / ".join(str(inv[k]) for k in
                                   ("invept_single", "invept_all")) +
            " and " + " / ".join(str(inv[k]) for k in
                                 ("invvpid_addr", "invvpid_single",
                                  "invvpid_all")) + "): every hypercall "
            "but HC_VERSION and HC_ECHO also runs `hc_dispatch`."]
    return out


# ------------------------------------------------------------ bench-views
def bench_views(json_path):
    fig, tg, _ = load_bench(json_path)
    mm = functools.partial(min_median, fig)

    def than(key, what):
        return f"≤ {what}: {status_cell(tg[f'{key}_median_ticks'])}"

    all_eq = all(fig[f"{k}_min_ticks"] == fig[f"{k}_median_ticks"] for k in
                 ("views_switch_vmfunc", "views_switch_hypercall",
                  "views_ve_roundtrip", "views_violation_exit_roundtrip",
                  "views_dirty_pml_per_page", "views_dirty_wp_per_page"))
    rows = [
        ("view switch by VMFUNC", mm("views_switch_vmfunc"),
         than("views_switch_vmfunc", "by hypercall")),
        ("view switch by HC_VIEW_SELECT", mm("views_switch_hypercall"), "—"),
        ("EPT violation as #VE, to the guest's handler and back",
         mm("views_ve_roundtrip"), than("views_ve_roundtrip", "by VM exit")),
        ("the same violation by VM exit, #GP(0) to the guest's handler and "
         "back", mm("views_violation_exit_roundtrip"), "—"),
        ("one dirtied page, PML (write + its share of the harvest)",
         mm("views_dirty_pml_per_page"),
         than("views_dirty_pml_per_page", "by WP")),
        ("one dirtied page, write protection", mm("views_dirty_wp_per_page"),
         "—"),
        ("the write that finds the PML log full (exit, drain of 512, retry)",
         str(fig["views_pml_full_write_ticks"]), "no target, reported"),
        ("the drain of a full log alone (hypervisor)",
         str(fig["hv_pml_full_drain_ticks"]), "no target, reported"),
    ]
    head = "ticks (min = median)" if all_eq else "ticks (min / median)"
    out = [f"| figure | {head} | target |", "|---|---|---|"]
    out += [f"| {a} | {b_} | {c} |" for a, b_, c in rows]
    return out


REGIONS = {
    "readme-run": ("README.md", "run", readme_run),
    "bench-results": (os.path.join("docs", "benchmarks.md"), "bench",
                      bench_results),
    "bench-views": (os.path.join("docs", "benchmarks.md"), "bench",
                    bench_views),
}


def loose(lines):
    """The lines as compared: the numbers of the exit statistics
    ("stats..." lines) do not count. The TSC rate the hypervisor calibrates
    against the PIT differs by a few kHz with the time GRUB took, which
    varies with where the ISO was built, and with it the phase of every
    timer deadline: a timer exit more or less, and the ticks around it. The
    lines themselves (which exit reasons) still count."""
    return [re.sub(r"[0-9]+", "N", l) if l.startswith("stats") else l
            for l in lines]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--run", help="serial log of the demo run")
    ap.add_argument("--bench", help="build/bench.json of `make bench`")
    a = ap.parse_args()
    src = {"run": a.run, "bench": a.bench}
    bad = 0
    for name, (doc, kind, make) in REGIONS.items():
        if not src[kind]:
            continue
        path = os.path.join(ROOT, doc)
        with open(path) as f:
            text = f.read().split("\n")
        b, e = BEGIN.format(name), END.format(name)
        if text.count(b) != 1 or text.count(e) != 1 or \
                text.index(b) > text.index(e):
            print(f"doc-figures: {doc}: no single '{b}' ... '{e}' pair")
            bad += 1
            continue
        i, j = text.index(b), text.index(e)
        have, want = text[i + 1:j], make(src[kind])
        if loose(have) == loose(want):
            print(f"doc-figures: {doc} {name}: up to date")
            continue
        if a.write:
            with open(path, "w") as f:
                f.write("\n".join(text[:i + 1] + want + text[j:]))
            print(f"doc-figures: {doc} {name}: rewritten from {src[kind]}")
            continue
        bad += 1
        print(f"doc-figures: {doc} {name}: differs from {src[kind]} "
              "(run `make doc-figures`, then commit):")
        for l in difflib.unified_diff(have, want, f"{doc} (as written)",
                                      f"{name} (this run)", lineterm="", n=0):
            print("  " + l)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
