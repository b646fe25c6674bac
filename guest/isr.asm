; Exception entry stubs for the 32 architectural vectors and the probes
; the scenarios use to provoke expected faults (guest/idt.c).
;
; Stack on entry to isr_dispatch (struct isr_frame in guest/guest.h):
;   r15 ... rax (15 pushes), vector, error code, then the CPU's
;   rip, cs, rflags, rsp, ss. The CPU aligns RSP to 16 before its pushes
;   in 64-bit mode; 22 qwords keep it aligned for the call.

extern isr_dispatch

; Vectors with a CPU-pushed error code (SDM 3A "Exception and Interrupt
; Reference"): #DF 8, #TS 10, #NP 11, #SS 12, #GP 13, #PF 14, #AC 17,
; #CP 21, #VC 29, #SX 30.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || \
			(v) == 21 || (v) == 29 || (v) == 30)

section .text
bits 64

%assign v 0
%rep 32
isr_stub_ %+ v:
%if HAS_ERR(v) == 0
	push 0
%endif
	push v
	jmp isr_common
%assign v v + 1
%endrep

isr_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	mov rdi, rsp
	call isr_dispatch
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector, error code
	iretq

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

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 32
	dq isr_stub_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
