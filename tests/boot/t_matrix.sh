# Configuration matrix: guest.bin under eptlab in Bochs with
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
# is too slow; these runs make every value of every axis appear at
# least once, plus a second CPU model:
#   ept_leaf=4k                      (vpid on, demand off, 128M)
#   ept_leaf=2m vpid=off             (vpid off)
#   ept_leaf=1g guest_mem=1G         (1G EPT leaves really used; megs 3072)
#   demand=buffer
#   demand=full
#   corei7_sandy_bridge_2600k        (a CPU without 1G EPT pages, EPT
#                                     A/D or INVPCID: they must be off)
# Each must end with the guest's "0 failed", EPTLAB-END: PASS and a
# clean Bochs log. Every scenario must PASS, except the SKIPs that
# tests/boot/skips.tsv lists for the row (with their reasons), and the
# run must use what the CPU model offers and the options ask for
# (expect_features).

# matrix_run NAME "HVARGS" MEGS CONFIG [MODEL]
matrix_run() {
    local name=$1 args=$2 megs=$3 cfg=$4 model=${5:-corei7_skylake_x}
    boot_pass --what "EPTLAB-END: PASS" "$name" "$args" "$GUEST_BIN" "" --megs "$megs" \
        --cpu "$model" -- _matrix_checks "$cfg" "$model"
}
_matrix_checks() {
    expect "$SERIAL" "^options: .*" "the options line" || return 1
    guest_expect_eptlab "$SERIAL" "$@"
}

t_matrix_4k() { matrix_run matrix-ept4k "ept_leaf=4k" 512 ept4k; }
register_test matrix-ept4k t_matrix_4k

t_matrix_2m_novpid() {
    matrix_run matrix-ept2m-vpid-off "ept_leaf=2m vpid=off" 512 ept2m-vpid-off
}
register_test matrix-ept2m-vpid-off t_matrix_2m_novpid

t_matrix_1g() { matrix_run matrix-ept1g-1G "ept_leaf=1g guest_mem=1G" 3072 ept1g-1G; }
register_test matrix-ept1g-1G t_matrix_1g

t_matrix_demand_buffer() { matrix_run matrix-demand-buffer "demand=buffer" 512 demand-buffer; }
register_test matrix-demand-buffer t_matrix_demand_buffer

t_matrix_demand_full() { matrix_run matrix-demand-full "demand=full" 512 demand-full; }
register_test matrix-demand-full t_matrix_demand_full

t_matrix_snb() { matrix_run matrix-snb "" 512 snb corei7_sandy_bridge_2600k; }
register_test matrix-snb t_matrix_snb
