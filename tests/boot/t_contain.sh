# Hostile guests (docs/containment.md). Sourced by scripts/test.sh; helper
# API in tests/README.md. The guest kernel crashes on purpose (crash=...)
# or fuzzes the hypercall ABI (fuzz=...); the hypervisor must report the
# crash with the guest's state, survive it, and end the run cleanly. With
# expect_crash=1 the crashes are what the test wants: EPTLAB-END: PASS.

# The guest-state dump of hv/exit.c: reason, RIP, CR0/CR3/CR4, EFER, GPRs.
contain_expect_dump() {
    local reason=$1
    expect "$SERIAL" "^guest state \\(.*\\): exit reason $reason " "a guest-state dump with exit reason $reason" || return 1
    expect "$SERIAL" '^  rip 0x[0-9a-f]+ rflags ' "the guest RIP" || return 1
    expect "$SERIAL" '^  cr0 0x[0-9a-f]+ .*cr3 0x[0-9a-f]+ cr4 0x[0-9a-f]+ .*efer 0x[0-9a-f]+' "CR0/CR3/CR4 and EFER" || return 1
    expect "$SERIAL" '^  rax 0x[0-9a-f]{16} rcx 0x[0-9a-f]{16} rdx 0x[0-9a-f]{16} rbx ' "the GPRs" || return 1
    expect "$SERIAL" '^  r12 0x[0-9a-f]{16} r13 ' "the GPRs r12-r15" || return 1
}

# One crash mode, expect_crash=1: report, survival, summary, PASS.
# $1 test name, $2 HVARGS, $3 crash mode, $4 dump reason, $5 kind
contain_one() {
    boot_pass --what "the PASS marker (expect_crash=1)" "$1" "$2" "$GUEST_BIN" "crash=$3" \
        -- _contain_one_checks "$3" "$4" "$5"
}
_contain_one_checks() {
    local mode=$1 reason=$2 kind=$3
    expect "$SERIAL" "^guest: crash: $mode: " "the guest to announce crash=$mode" || return 1
    contain_expect_dump "$reason" || return 1
    expect "$SERIAL" "^contain: guest crash 1: $kind \\(.*\\); the hypervisor is alive\$" "the containment report ($kind)" || return 1
    expect "$SERIAL" "^contain: guest crashed 1 time \\($kind\\), hypervisor survived\$" "the summary line" || return 1
    expect_not "$SERIAL" '^PANIC in|^guest: FAIL' "a panic or a guest failure"
}

t_contain_triple() {
    contain_one contain-triple "expect_crash=1" triple 0x2 "triple fault"
}
register_test contain-triple t_contain_triple

# VMXON is reported and #UD injected; the guest catches the first one,
# the second (empty IDT) escalates to a triple fault.
t_contain_vmx() {
    contain_one contain-vmx "expect_crash=1" vmx 0x2 "triple fault" || return 1
    expect "$SERIAL" '^contain: guest executed VMX instruction VMXON \(exit reason 27\) at rip 0x[0-9a-f]+: VMX is hidden, #UD injected$' \
        "the VMX-instruction report" || return 1
    expect "$SERIAL" '^guest: PASS: crash\.vmx-ud$' "the guest to catch the injected #UD" || return 1
}
register_test contain-vmx t_contain_vmx

# CR3 beyond guest RAM: the page walk is an EPT violation outside RAM.
t_contain_cr3() {
    contain_one contain-cr3 "expect_crash=1" cr3 0x30 "EPT violation" || return 1
    expect "$SERIAL" '^  cr0 0x[0-9a-f]+ .*cr3 0x18000000 ' "the garbage CR3 in the dump" || return 1
}
register_test contain-cr3 t_contain_cr3

# An MMIO instruction the decoder refuses (OR m32, imm8 to the APIC's
# TPR): the guest is stopped with the GPA, the RIP and the bytes.
# apicv=off: the OR reaches the decoder as an EPT violation (with APIC
# virtualization the CPU virtualizes a TPR read-modify-write itself).
t_contain_mmio() {
    contain_one contain-mmio "expect_crash=1 apicv=off" mmio 0x30 "EPT violation" || return 1
    expect "$SERIAL" "^contain: guest crash 1: EPT violation \\(MMIO access not emulated, exit reason 48\\)" "the MMIO stop named" || return 1
    expect "$SERIAL" '^mmio: GPA 0xfee00080 at rip 0x[0-9a-f]+: .*0x83.*; bytes 83 48 80 01( [0-9a-f]{2})*$' "the refused instruction's bytes and RIP" || return 1
}
register_test contain-mmio t_contain_mmio

# A spin with interrupts off: only the VMX-preemption timer stops it.
t_contain_spin() {
    contain_one contain-spin "expect_crash=1 watchdog=500ms" spin 0x34 "watchdog" || return 1
    expect "$SERIAL" '^contain: watchdog 500 ms: TSC [0-9]+ kHz .*, a guest that runs with interrupts off and makes no VM exit for [0-9]+ TSC ticks is stopped$' "the watchdog setup" || return 1
    expect "$SERIAL" '^contain: watchdog: guest ran 500 ms without a VM exit, with interrupts off' "the watchdog report" || return 1
}
register_test contain-spin t_contain_spin

# No progress (hv/exit.h): test_corrupt=demand_retry answers every demand
# fault as a stale EPT entry, leaving the page unbacked, so the guest's
# first touch of a lazy page (demand=full) retries for ever, each retry a
# VM exit: the watchdog never fires. The dispatcher must stop it after
# 100000 exits without progress, naming the count, the reason and the RIP,
# well inside the 30 s limit (a run killed there fails: TIMEOUT).
_contain_noprogress_checks() {
    expect "$SERIAL" '^contain: no progress: 100000 VM exits in a row neither advanced RIP, injected an event nor changed the EPT or guest state; the last: exit reason 48 \(EPT violation\) at rip 0x[0-9a-f]+$' \
        "the no-progress report (count, reason, RIP)" || return 1
    contain_expect_dump 0x30 || return 1
    expect "$SERIAL" '^contain: guest crash 1: EPT violation \(no progress, exit reason 48\); the hypervisor is alive$' \
        "the containment report" || return 1
    expect "$SERIAL" '^contain: guest crashed 1 time \(EPT violation\), hypervisor survived$' "the summary line" || return 1
    expect_not "$SERIAL" '^guest: (PASS|FAIL|SKIP)' "a guest scenario ran (the first lazy page must stop it)"
}
t_contain_noprogress() {
    boot_pass --what "the PASS marker (expect_crash=1)" contain-noprogress \
        "demand=full test_corrupt=demand_retry expect_crash=1" "$GUEST_BIN" "" --timeout 30 \
        -- _contain_noprogress_checks
}
register_test contain-noprogress t_contain_noprogress

# Without expect_crash=1 a crash is reported, survived, and fails the run.
t_contain_unexpected() {
    boot_run contain-unexpected "" "$GUEST_BIN" "crash=triple" || return 1
    expect "$SERIAL" '^contain: guest crashed 1 time \(triple fault\), hypervisor survived$' "the summary line" || return 1
    expect "$SERIAL" '^EPTLAB-END: FAIL \(guest triple fault\)' "a FAIL marker naming the crash" || return 1
    bochs_log_clean || return 1
}
register_test contain-unexpected t_contain_unexpected

# restarts=3 with demand=full (the guest's touches take hypervisor frames
# during each run): four crashes, and every frame comes back.
_contain_restarts_checks() {
    local n
    for n in 1 2 3; do
        expect "$SERIAL" "^contain: restart $n of 3: fresh guest memory" "restart $n" || return 1
    done
    n=$(tr -d '\r' <"$SERIAL" | grep -c '^guest: crash: triple: ')
    if [ "$n" -ne 4 ]; then
        fail_reason "the guest ran $n times, want 4 (1 + restarts=3)"
        return 1
    fi
    expect "$SERIAL" '^contain: after 3 restarts free frames ([0-9]+) == \1 at first launch$' "the no-leak line" || return 1
    expect "$SERIAL" '^contain: guest crashed 4 times \(triple fault\), hypervisor survived$' "the summary line"
}
t_contain_restarts() {
    boot_pass contain-restarts "expect_crash=1 restarts=3 demand=full" "$GUEST_BIN" "crash=triple" \
        -- _contain_restarts_checks
}
register_test contain-restarts t_contain_restarts

# A guest reset (docs/platform.md "Reset"): 0xFE to the 8042's port 0x64
# ends the run with the reason named (restarts=0); a dword write to 0xCF8
# just before it must not count as a write to the byte register 0xCF9.
_contain_reset_kbc_checks() {
    expect_all "$SERIAL" \
        '^guest: crash: reset-kbc: ' "the guest announcing the reset" \
        '^vm: guest reset 1: keyboard controller command 0xFE' "the reset and its source named" \
        '^vm: the guest asked for a reset and restarts=0 are used up: ending the run$' "no restart left" \
        '^EPTLAB-END: FAIL \(guest reset\)$' "the run ending as a reset" || return 1
    expect_not "$SERIAL" 'reset control register 0xCF9' "the dword write to 0xCF8 taken for 0xCF9" || return 1
    bochs_log_clean
}
t_contain_reset_kbc() {
    boot_run contain-reset-kbc "" "$GUEST_BIN" "crash=reset-kbc" || return 1
    _contain_reset_kbc_checks
}
register_test contain-reset-kbc t_contain_reset_kbc

# 0x06 to the reset control register 0xCF9 with restarts=1: the guest is
# restarted once (fresh memory, devices reset), resets again, and the run
# ends.
_contain_reset_cf9_checks() {
    local n
    expect_all "$SERIAL" \
        '^vm: guest reset 1: reset control register 0xCF9 \(hard reset\)$' "the first reset, its source named" \
        '^contain: restart 1 of 1 after the reset: fresh guest memory' "the restart" \
        '^vm: guest reset 2: reset control register 0xCF9 \(hard reset\)$' "the second reset" \
        '^EPTLAB-END: FAIL \(guest reset\)$' "the run ending as a reset" || return 1
    n=$(tr -d '\r' <"$SERIAL" | grep -c '^guest: crash: reset-cf9: ')
    if [ "$n" -ne 2 ]; then
        fail_reason "the guest ran $n times, want 2 (1 + restarts=1)"
        return 1
    fi
    bochs_log_clean
}
t_contain_reset_cf9() {
    boot_run contain-reset-cf9 "restarts=1" "$GUEST_BIN" "crash=reset-cf9" || return 1
    _contain_reset_cf9_checks
}
register_test contain-reset-cf9 t_contain_reset_cf9

# 10,000 random hypercalls and 10,000 random MSR/XSETBV/CR operations;
# the guest's memory intact; HC_AUDIT (host MSRs included) clean.
# FUZZ_SEED picks another sequence (the seed is in the log).
_fuzz_hypercalls_checks() {
    local seed=$1
    expect "$SERIAL" "^guest: fuzz: seed $seed, 10000 calls\$" "the seed" || return 1
    expect "$SERIAL" '^guest: fuzz: 10000 calls: ' "the per-errno counts of exactly 10000 calls (seed $seed)" || return 1
    expect "$SERIAL" '^guest: fuzz: [0-9]+ echo checks, 0 ABI violations, 0 register clobbers, crashes none$' "no ABI violation" || return 1
    expect "$SERIAL" '^guest: PASS: fuzz\.memory-intact$' "the guest's memory intact" || return 1
    expect "$SERIAL" '^guest: PASS: fuzz\.audit$' "HC_AUDIT to pass" || return 1
    expect "$SERIAL" '^guest: PASS: fuzz\.hypercalls$' "PASS: fuzz.hypercalls (seed $seed)" || return 1
    # The CPU half: 10,000 RDMSR/WRMSR/XSETBV/MOV-to-CR, each outcome as
    # the SDM says, the hypervisor alive and its audit clean after them.
    expect "$SERIAL" '^guest: fuzz: [0-9]{5,} CPU operations \(RDMSR, WRMSR, XSETBV, MOV CR0/CR4\): [0-9]+ #GP, [0-9]+ #UD, [0-9]+ completed, 0 against the SDM$' \
        "10,000 CPU operations, none against the SDM" || return 1
    expect "$SERIAL" '^guest: PASS: fuzz\.cpu$' "PASS: fuzz.cpu (seed $seed)" || return 1
    expect_not "$SERIAL" '^contain: guest crash|^PANIC in' "a crash or panic (seed $seed)"
}
t_fuzz_hypercalls() {
    local seed=${FUZZ_SEED:-20261125}
    boot_pass --what "the PASS marker (seed $seed)" fuzz-hypercalls "" "$GUEST_BIN" \
        "fuzz=10000 seed=$seed" -- _fuzz_hypercalls_checks "$seed"
}
register_test fuzz-hypercalls t_fuzz_hypercalls

# The host's own interrupts, unmasked on purpose (test_host_irq=pit: the
# emulator's PIT at HOST_IRQ_TEST_PIT_HZ through the host PIC and LINT0):
# every one is an external-interrupt exit, counted and dropped, and none
# reaches the guest (irq.host-contained asserts both from inside: its
# counter delta > 0, no interrupt seen with its own PIC masked).
_contain_host_irq_checks() {
    local n
    expect "$SERIAL" '^host: interrupts contained: 8259A pair at vectors 0xe0/0xe8, all masked but IRQ 0; LAPIC .*LINT0 ExtINT; RFLAGS\.IF = 0 in VMX root$' "the host PIC with only IRQ 0 unmasked" || return 1
    expect "$SERIAL" '^host: test_host_irq=pit: ' "the test announcement" || return 1
    expect "$SERIAL" '^guest: PASS: irq\.host-contained$' "irq.host-contained to PASS" || return 1
    expect "$SERIAL" '^guest: irq: [1-9][0-9]* host interrupts in 20 ms were VM exits, none reached the guest$' "host interrupts as exits during the scenario" || return 1
    n=$(tr -d '\r' <"$SERIAL" | sed -n -E 's/^host: ([0-9]+) external-interrupt exits, .*none given to the guest$/\1/p' | head -1)
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        fail_reason "want external-interrupt exits > 0 in the host summary, got '${n:-no summary line}'"
        return 1
    fi
    expect "$SERIAL" '^host:   vector 0xe0: [1-9][0-9]* exits \(host 8259A\)$' "the exits on the host PIT's vector 0xe0" || return 1
    guest_expect_eptlab "$SERIAL" default
}
t_contain_host_irq() {
    boot_pass --what "EPTLAB-END: PASS" contain-host-irq "test_host_irq=pit watchdog=2000ms" \
        "$GUEST_BIN" "" --megs 512 -- _contain_host_irq_checks
}
register_test contain-host-irq t_contain_host_irq
