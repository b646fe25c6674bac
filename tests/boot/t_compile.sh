# Compile-time checks: the compiler must reject what the code forbids. Not
# boot tests, but registered the same way. Sourced by scripts/test.sh;
# helper API in tests/README.md.

# vmx/vmx_insn.h: a VMCS accessor used on a field of another width fails
# to build. tests/compile/vmcs_width.c: case 0 (every legal form, the 32-bit
# access to the high half of a 64-bit field included) must build; cases
# 1-5 (one wrong-width access each) must each fail with the width error.
# The flags are the kernel's that matter for the check: -O2 (the width
# check folds at compile time) and the freestanding kernel code model.
_VMCS_WIDTH_CASES=5
# The accessor each case misuses, whose width error it must raise.
_VMCS_WIDTH_ERR=(- 64 32 16 nat 16)

t_compile_vmcs_width() {
    local dir=$TESTDIR/compile-vmcs-width src=$ROOT/tests/compile/vmcs_width.c n
    local -a cflags=(-std=gnu11 -O2 -ffreestanding -fno-builtin -fno-pic
                     -fno-pie -mcmodel=kernel -mno-red-zone
                     -mgeneral-regs-only -Wall -Wextra -Werror
                     -Wmissing-prototypes "-I$ROOT" -DEPTLAB_HV)
    mkdir -p "$dir"
    if ! gcc "${cflags[@]}" -DCASE=0 -c "$src" -o "$dir/case0.o" >"$dir/case0.log" 2>&1; then
        fail_reason "the legal VMCS accessor forms do not build: $(head -n 3 "$dir/case0.log" | tr '\n' ' ')"
        return 1
    fi
    for n in $(seq 1 $_VMCS_WIDTH_CASES); do
        if gcc "${cflags[@]}" -DCASE="$n" -c "$src" -o "$dir/case$n.o" >"$dir/case$n.log" 2>&1; then
            fail_reason "case $n of tests/compile/vmcs_width.c (a wrong-width VMCS access) built"
            return 1
        fi
        expect "$dir/case$n.log" "error: call to .vmcs_bad_width_${_VMCS_WIDTH_ERR[$n]}. declared with attribute error" \
            "the vmcs_bad_width_${_VMCS_WIDTH_ERR[$n]} error for case $n" || return 1
    done
}
register_test compile-vmcs-width t_compile_vmcs_width
