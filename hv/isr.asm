; Exception entry stubs for vectors 0..31 (hv/idt.c installs them).
; Each stub makes the frame uniform (a dummy error code where the CPU
; pushes none), pushes the vector and the GPRs, and calls
; isr_dispatch(struct trap_frame *) from hv/cpu.h. The frame is 176 bytes,
; so RSP stays 16-byte aligned at the call.

bits 64
extern isr_dispatch

; Vectors with a CPU-pushed error code (SDM Vol. 3A "Exception and
; Interrupt Reference"): #DF #TS #NP #SS #GP #PF #AC #CP #VC #SX.
%define HAS_ERR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

section .text
%assign v 0
%rep 32
align 16
isr_stub_ %+ v:
%if HAS_ERR(v)
	push qword v
%else
	push qword 0
	push qword v
%endif
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

section .rodata
align 8
global isr_stub_table
isr_stub_table:
%assign v 0
%rep 32
	dq isr_stub_ %+ v
%assign v v + 1
%endrep

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
