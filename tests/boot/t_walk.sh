# The software 2D walker and the EPT hypercalls, hypervisor side (GitHub
# issue "The guest builds its own PML4..."). Sourced by scripts/test.sh;
# helper API in tests/README.md. The guest is the real one ($GUEST_BIN),
# whose 2d.translate scenario calls HC_TRANSLATE with the print flag.

# WALK-JSON line: parses, nrefs and counts consistent; with ept_leaf=4k
# (4 KiB guest pages over 4 KiB EPT pages) nrefs is 24.
walk_json_check() {   # LOG WANT_NREFS
    local line
    line=$(tr -d '\r' <"$1" | grep -m1 '^WALK-JSON: ') || {
        fail_reason "no WALK-JSON line"; return 1; }
    python3 - "$2" "${line#WALK-JSON: }" <<'PY' || { fail_reason "WALK-JSON check failed (see run.out)"; return 1; }
import json, sys
want, w = int(sys.argv[1]), json.loads(sys.argv[2])
refs = sum(len(l["ept"]) for l in w["levels"]) + w["guest_nsteps"] + len(w["final_ept"])
ok = (w["result"] == 0 and w["nrefs"] == want and refs == want and
      w["guest_nsteps"] == 4 and len(w["levels"]) == 4 and
      all(int(l["entry_hpa"], 16) != int(l["entry_gpa"], 16) for l in w["levels"]) and
      int(w["hpa"], 16) & 0xfff == int(w["gva"], 16) & 0xfff)
print("WALK-JSON nrefs %d (want %d), counted %d: %s" % (w["nrefs"], want, refs, "ok" if ok else "BAD"))
sys.exit(0 if ok else 1)
PY
}

# The guest binary the walk tests boot.
_walk_guest() {
    [ -f "$GUEST_BIN" ] || { fail_reason "no guest binary $GUEST_BIN"; return 1; }
}

# The EPT-violation exits of the statistics and the VM's EPT-violation
# counter plus the MMIO accesses emulated (EPT violations on the APIC
# pages, hv/exit_mmio.c) are the same events, counted in two places: equal (a run total
# of either would change with every scenario; the guest asserts its own
# per-step deltas).
_walk_violations_agree() {
    local exits ctr mmio
    exits=$(tr -d '\r' <"$SERIAL" | sed -n -E 's/^stats: +48 EPT violation +([0-9]+) exits.*/\1/p' | tail -n1)
    ctr=$(tr -d '\r' <"$SERIAL" | sed -n -E 's/^vm: counters: ([0-9]+) EPT violations.*/\1/p' | tail -n1)
    mmio=$(tr -d '\r' <"$SERIAL" | sed -n -E 's/^vm: MMIO: ([0-9]+) device-page accesses emulated.*/\1/p' | tail -n1)
    if [ -z "$exits" ] || [ -z "$ctr" ] || [ -z "$mmio" ]; then
        fail_reason "no EPT-violation exit count (${exits:-none}), counter (${ctr:-none}) or MMIO count (${mmio:-none}) in $SERIAL"
        return 1
    fi
    if [ "$exits" != "$((ctr + mmio))" ]; then
        fail_reason "$exits EPT-violation exits but the counters say $ctr EPT violations and $mmio MMIO accesses"
        return 1
    fi
}

# The guest's own verdict on a walk run.
_walk_guest_ok() {
    expect_not "$SERIAL" '^guest: FAIL' "a guest check failed" || return 1
    expect_features "$SERIAL"
}

_walk_4k_checks() {
    local svg=$TESTDIR/walk-4k/walk.svg n
    expect "$SERIAL" '^walk: total: 24 memory references \(4 guest entries, 16 EPT entries for guest tables, 4 EPT entries for the final GPA\), result 0$' \
        "the printed 24-reference walk" || return 1
    walk_json_check "$SERIAL" 24 >>"$TESTDIR/walk-4k/run.out" 2>&1 || return 1
    # The diagram: one node per reference.
    python3 "$ROOT/scripts/walk-diagram.py" --log "$SERIAL" --out "$svg" \
        >>"$TESTDIR/walk-4k/run.out" 2>&1 || { fail_reason "walk-diagram.py failed"; return 1; }
    n=$(grep -c '<title>r[0-9]*</title>' "$svg")
    [ "$n" = 24 ] || { fail_reason "walk.svg has $n reference nodes, want 24"; return 1; }
    expect "$SERIAL" '^stats \(guest ended\): [0-9]+ exits' "exit statistics at the end" || return 1
    _walk_violations_agree || return 1
    expect "$SERIAL" '^guest: PASS: 2d\.translate$' "the guest's 2D-walk check" || return 1
    _walk_guest_ok
}
t_walk_4k() {
    _walk_guest || return 1
    boot_pass walk-4k "ept_leaf=4k" "$GUEST_BIN" "" -- _walk_4k_checks
}
register_test walk-4k t_walk_4k

# Default leaves (2 MiB EPT leaves for 128 MiB): 4 x (3 + 1) + 3 = 19.
# Isolation: the guest's read beyond RAM is reported on one line, logged
# and answered with #GP(0); the run goes on.
_walk_default_checks() {
    local s
    walk_json_check "$SERIAL" 19 >>"$TESTDIR/walk-default/run.out" 2>&1 || return 1
    expect "$SERIAL" '^ept: violation: GPA 0x8000[0-9a-f]{3}, read access, .*: outside guest RAM; #GP\(0\) injected$' \
        "the beyond-RAM report" || return 1
    expect "$SERIAL" '^guest: PASS: isolation\.beyond-ram$' "the guest to continue after #GP" || return 1
    for s in ept.remap ept.write-track ept.ad demand.buffer; do
        expect "$SERIAL" "^guest: PASS: ${s//./\\.}\$" "guest scenario $s" || return 1
    done
    _walk_guest_ok
}
t_walk_default() {
    _walk_guest || return 1
    boot_pass walk-default "" "$GUEST_BIN" "" -- _walk_default_checks
}
register_test walk-default t_walk_default

# demand=full: guest RAM is backed on first touch (the image and the
# Multiboot info by the hypervisor's own writes); both kinds of fault are
# counted and the printed walk is the 4K-over-4K one (demand pages are 4K).
_walk_full_checks() {
    expect "$SERIAL" '^vm: guest RAM 128 MiB, demand=full' "the full-demand boot line" || return 1
    expect "$SERIAL" '^vm: counters: [0-9]+ EPT violations, [1-9][0-9]+ demand faults \([0-9]+ paging-structure\)' \
        "demand faults counted" || return 1
    walk_json_check "$SERIAL" 24 >>"$TESTDIR/walk-full/run.out" 2>&1 || return 1
    expect_not "$SERIAL" '^ept: demand page' "printing on the demand path" || return 1
    _walk_guest_ok
}
t_walk_demand_full() {
    _walk_guest || return 1
    boot_pass walk-full "demand=full" "$GUEST_BIN" "" -- _walk_full_checks
}
register_test walk-demand-full t_walk_demand_full
