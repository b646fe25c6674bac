; Exception entry stubs for the hypervisor (hv/idt.c installs them; the
; frame is struct trap_frame in hv/cpu.h). The stubs themselves are shared
; with the guest kernel: lib/isr_stubs.inc.

%include "lib/isr_stubs.inc"

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
