# EPT views, VMFUNC, #VE, dirty logging and sub-page permissions
# (docs/ept-views.md), each under the CPU model that has them and the ones
# that do not. Sourced by scripts/test.sh; helpers in tests/README.md; the
# common guest checks are guest_expect_eptlab from t_guest.sh.
#
#   model             VMFUNC  #VE  PML  SPP   expected
#   tigerlake         yes     yes  yes  yes   every scenario PASS
#   corei7_skylake_x  yes     yes  yes  no    spp.* SKIP (no SPP)
#   sandy_bridge      no      no   no   no    views by HC_VIEW_SELECT,
#                                             dirty by write protection;
#                                             the rest SKIP with its reason

# Which scenario PASSes and which SKIPs (with which reason) on each
# model is tests/boot/skips.tsv's, checked by guest_expect_eptlab
# (configs tigerlake, default and snb); these tests add what each model
# must print about the features.

_views_tgl_checks() {
    guest_expect_eptlab "$SERIAL" tigerlake tigerlake || return 1
    expect_all "$SERIAL" \
        '^vmx: caps: .*VMFUNC 0x1 \(EPTP switching yes\), #VE yes, PML yes, SPP yes$' \
            "the caps line naming all four features" \
        '^views: VMFUNC \(EAX 0, ECX 9\) exited at rip 0x[0-9a-f]+: EPTP-list entry 0: no such view; #UD injected$' \
            "the decoded VMFUNC exit" \
        'sub-page write permissions: write to sub-page 16 \(bytes 0x800-0x87f\) refused by the SPP table \(writable sub-pages 0x0000ffff\); #GP\(0\) injected$' \
            "the SPP violation decoded by name" \
        '^spp: SPP-related exit \(reason 66\): SPPT miss at GPA 0x[0-9a-f]+ \(qualification 0x800\): path built' \
            "the SPPT-miss exit decoded" \
        'convertible, but no #VE \(the #VE information area is busy' \
            "the busy #VE area exiting instead" || return 1
}
t_views_tigerlake() {
    boot_pass --what "EPTLAB-END: PASS" views-tigerlake "" "$GUEST_BIN" "" \
        --cpu tigerlake --megs 512 -- _views_tgl_checks
}
register_test views-tigerlake t_views_tigerlake

_views_skx_checks() {
    guest_expect_eptlab "$SERIAL" default || return 1
    expect_all "$SERIAL" \
        '^vmx: caps: .*\(EPTP switching yes\), #VE yes, PML yes, SPP no$' \
            "the caps line: no SPP" \
        '^spp: CPU lacks sub-page write permissions \(secondary control bit 23\): HC_SPP_SET returns -EOPNOTSUPP$' \
            "the no-SPP message" || return 1
}
t_views_skylake() {
    boot_pass --what "EPTLAB-END: PASS" views-skylake "" "$GUEST_BIN" "" \
        --megs 512 -- _views_skx_checks
}
register_test views-skylake t_views_skylake

_views_snb_checks() {
    guest_expect_eptlab "$SERIAL" snb corei7_sandy_bridge_2600k || return 1
    expect_all "$SERIAL" \
        '^vmx: caps: .*VMFUNC 0x0 \(EPTP switching no\), #VE no, PML no, SPP no$' \
            "the caps line: none of the four" \
        '^views: CPU lacks VMFUNC EPTP switching: views switch by HC_VIEW_SELECT \(one VM exit each\)$' \
            "the hypervisor naming the fallback" \
        "^apicv: apicv=on falls back to off: the CPU lacks 'APIC-register virtualization'; every local APIC access is trap-and-emulate\$" \
            "the APICv fallback, its reason named (apic.* pass trap-and-emulate)" \
        '^guest: views: 8 views; VMFUNC EPTP switching no \(views switch by HC_VIEW_SELECT, one VM exit each\)' \
            "the guest naming the fallback" || return 1
}
t_views_snb() {
    boot_pass --what "EPTLAB-END: PASS" views-sandy-bridge "" "$GUEST_BIN" "" \
        --cpu corei7_sandy_bridge_2600k --megs 512 -- _views_snb_checks
}
register_test views-sandy-bridge t_views_snb

# The EPT-view figures of `make bench` (docs/benchmarks.md), short form:
# every key present and a number, through scripts/bench_report.py --smoke.
# No timing assertions here; the targets are make bench's.
_views_bench_checks() {
    local dir=$TESTDIR/views-bench-smoke
    expect "$SERIAL" '^BENCH: hv_pml_full_drain_ticks=[0-9]+' \
        "the hypervisor's drain figure" || return 1
    expect_not "$SERIAL" '^guest: (FAIL|SKIP):' "a failed or skipped benchmark check" || return 1
    if ! python3 "$ROOT/scripts/bench_report.py" --smoke --views "$SERIAL" \
            --json "$dir/bench.json" >"$dir/report.out" 2>&1; then
        fail_reason "$(grep '^bench: ' "$dir/report.out" | head -n 4 | tr '\n' ' ')"
        return 1
    fi
}
t_views_bench_smoke() {
    boot_pass views-bench-smoke "" "$GUEST_BIN" "bench bench_short bench_views" \
        --cpu tigerlake --megs 512 -- _views_bench_checks
}
register_test views-bench-smoke t_views_bench_smoke

# A guest that leaves views, a view permission, #VE, PML logging and SPP
# behind and crashes in view 2 (crash=views): each restart starts it in
# view 0 afresh, and every frame that state took comes back.
_views_restart_checks() {
    expect_all "$SERIAL" \
        '^guest: crash: views: views 1 and 2; HC_VIEW_PROTECT 0, HC_DIRTY_START 1, HC_VE_INFO 0, HC_SPP_SET 0$' \
            "the state made (PML, #VE and SPP on Tiger Lake)" \
        '^guest: crash: views: in view 2 \(OK\); now as triple$' "the switch to view 2" \
        '^contain: restart 2: free frames ([0-9]+) \(\1 at first launch\)$' \
            "restart 2 with as many free frames as at the first launch" \
        '^contain: after 2 restarts free frames ([0-9]+) == \1 at first launch$' \
            "no frame leaked" \
        '^contain: guest crashed 3 times \(triple fault\), hypervisor survived$' \
            "three crashes, the hypervisor alive" || return 1
    local n
    n=$(tr -d '\r' <"$SERIAL" | grep -c '^guest: crash: views: views 1 and 2;')
    if [ "$n" -ne 3 ]; then
        fail_reason "the guest made its views $n times, want 3 (each restart from view 0)"
        return 1
    fi
}
t_views_restart() {
    boot_pass views-restart "expect_crash=1 restarts=2" "$GUEST_BIN" "crash=views" \
        --cpu tigerlake --megs 512 -- _views_restart_checks
}
register_test views-restart t_views_restart
