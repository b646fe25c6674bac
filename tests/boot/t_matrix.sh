# Configuration matrix: guest.bin under eptlab in Bochs (Skylake-X) with
# the hypervisor options varied (docs/guest.md "Configuration matrix").
# Sourced by scripts/test.sh; helpers in tests/README.md; the checks are
# guest_expect_eptlab from t_guest.sh (sourced before this file).
#
# Axes and values:
#   ept_leaf  4k | 2m | 1g (auto is the default run, guest-eptlab)
#   vpid      on | off
#   demand    off | buffer | full
#   guest_mem 128M (default) | 1G
# The full cross product (3*2*3*2 runs of a few seconds, 1G ones slower)
# is too slow; these five runs make every value of every axis appear at
# least once:
#   ept_leaf=4k                      (vpid on, demand off, 128M)
#   ept_leaf=2m vpid=off             (vpid off)
#   ept_leaf=1g guest_mem=1G         (1G EPT leaves really used; megs 3072)
#   demand=buffer
#   demand=full
# Each must end with the guest's "0 failed", EPTLAB-END: PASS, and a
# clean Bochs log. The scenarios a run must PASS (not SKIP) are listed.

matrix_run() {
    local name=$1 args=$2 megs=$3
    shift 3
    boot_pass --what "EPTLAB-END: PASS" "$name" "$args" "$GUEST_BIN" "" --megs "$megs" \
        -- _matrix_checks "$@"
}
_matrix_checks() {
    expect "$SERIAL" "^options: .*" "the options line" || return 1
    guest_expect_eptlab "$SERIAL" "$@"
}

t_matrix_4k() {
    matrix_run matrix-ept4k "ept_leaf=4k" 512 2d.translate \
        large.guest2m-ept4k ept.remap ept.write-track vpid.invvpid \
        ept.ad isolation.beyond-ram || return 1
    expect "$SERIAL" '^guest: SKIP: large\.guest4k-ept2m \(EPT leaf size not allowed' \
        "large.guest4k-ept2m SKIP with ept_leaf=4k" || return 1
}
register_test matrix-ept4k t_matrix_4k

t_matrix_2m_novpid() {
    matrix_run matrix-ept2m-vpid-off "ept_leaf=2m vpid=off" 512 \
        2d.translate large.guest4k-ept2m large.guest2m-ept4k vpid.invvpid \
        || return 1
    expect "$SERIAL" '^guest: SKIP: large\.guest4k-ept1g \(EPT leaf size not allowed' \
        "large.guest4k-ept1g SKIP with ept_leaf=2m" || return 1
}
register_test matrix-ept2m-vpid-off t_matrix_2m_novpid

t_matrix_1g() {
    matrix_run matrix-ept1g-1G "ept_leaf=1g guest_mem=1G" 3072 \
        large.guest4k-ept1g large.guest4k-ept2m large.guest2m-ept4k \
        2d.translate || return 1
}
register_test matrix-ept1g-1G t_matrix_1g

t_matrix_demand_buffer() {
    matrix_run matrix-demand-buffer "demand=buffer" 512 demand.buffer \
        isolation.fresh-ram-zero || return 1
}
register_test matrix-demand-buffer t_matrix_demand_buffer

t_matrix_demand_full() {
    matrix_run matrix-demand-full "demand=full" 512 demand.full \
        demand.buffer isolation.fresh-ram-zero 2d.translate || return 1
}
register_test matrix-demand-full t_matrix_demand_full
