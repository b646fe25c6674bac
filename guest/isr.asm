; Exception entry stubs for the guest kernel (guest/idt.c; the frame is
; struct isr_frame in guest/guest.h), shared with the hypervisor through
; lib/isr_stubs.inc, plus the probes the scenarios use to provoke
; expected faults.

%include "lib/isr_stubs.inc"

; uint64_t probe_read64(uint64_t va): a fault at probe_read64_insn
; resumes at probe_read64_done with RAX = the poison value.
global probe_read64, probe_read64_insn, probe_read64_done
probe_read64:
	mov rax, 0xBADBADBADBADBAD0
probe_read64_insn:
	mov rax, [rdi]
probe_read64_done:
	ret

; void probe_write64(uint64_t va, uint64_t val)
global probe_write64, probe_write64_insn, probe_write64_done
probe_write64:
probe_write64_insn:
	mov [rdi], rsi
probe_write64_done:
	ret

; void probe_vmfunc(uint32_t fn, uint32_t arg): VMFUNC (0F 01 D4) with
; EAX = fn, ECX = arg; a fault (#UD) at probe_vmfunc_insn resumes at
; probe_vmfunc_done.
global probe_vmfunc, probe_vmfunc_insn, probe_vmfunc_done
probe_vmfunc:
	mov eax, edi
	mov ecx, esi
probe_vmfunc_insn:
	db 0x0F, 0x01, 0xD4
probe_vmfunc_done:
	ret


section .note.GNU-stack noalloc noexec nowrite progbits
