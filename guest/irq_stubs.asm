; Interrupt entry stubs for vectors 32-255 of the guest kernel (guest/irq.c;
; the frame is struct isr_frame of guest/guest.h, as for the exceptions in
; guest/isr.asm): each stub pushes a dummy error code and its vector; the
; common part reads the TSC first (for the benchmark "timer deadline to
; the guest's handler", guest/bench.c: five instructions after the stub's
; first), saves the 15 GPRs, calls irq_dispatch(frame) and returns with
; IRETQ.

extern irq_dispatch
extern irq_entry_tsc

section .text
bits 64

%assign v 32
%rep 224
align 16
irq_stub_ %+ v:
	push qword 0
	push qword v
	jmp irq_common
%assign v v + 1
%endrep

irq_common:
	push rax
	push rdx
	rdtsc
	mov [rel irq_entry_tsc], eax
	mov [rel irq_entry_tsc + 4], edx
	pop rdx
	pop rax
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
	call irq_dispatch
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
global irq_stub_table
irq_stub_table:
%assign v 32
%rep 224
	dq irq_stub_ %+ v
%assign v v + 1
%endrep

section .note.GNU-stack noalloc noexec nowrite progbits
