; CPL 3 and back for the guest's hypercall-policy scenario
; (guest/scen_user.c, docs/guest.md): SYSRET to user code, SYSCALL back
; (SDM 2B "SYSCALL", "SYSRET"). The guest runs with interrupts off, so
; no interrupt or stack switch through a TSS is needed.
;
;   uint64_t user_call(uint64_t rip, uint64_t rsp, uint64_t arg)
;
; runs the user code at rip (CPL 3, RSP = rsp, R12 = arg, IF = 0) until it
; executes SYSCALL, and returns its RAX. The user code to copy into a user
; page is user_code_start .. user_code_end (position-independent).

BITS 64

%define MSR_EFER   0xC0000080
%define MSR_STAR   0xC0000081
%define MSR_LSTAR  0xC0000082
%define MSR_FMASK  0xC0000084

section .text
global user_call
user_call:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov [rel user_saved_rsp], rsp
	mov r8, rdx                     ; the argument (wrmsr uses RDX)
	; STAR: SYSCALL CS = 0x08 (SS 0x10); SYSRET from base 0x10.
	mov ecx, MSR_STAR
	xor eax, eax
	mov edx, 0x00100008
	wrmsr
	mov ecx, MSR_LSTAR
	lea rax, [rel user_back]
	mov rdx, rax
	shr rdx, 32
	wrmsr
	mov ecx, MSR_FMASK              ; SYSCALL clears IF, TF, DF, AC
	mov eax, 0x40700
	xor edx, edx
	wrmsr
	mov ecx, MSR_EFER               ; EFER.SCE
	rdmsr
	or eax, 1
	wrmsr
	mov rcx, rdi                    ; SYSRET: RIP from RCX
	mov r11, 0x2                    ; RFLAGS from R11: IF = 0
	mov r12, r8
	mov rsp, rsi
	o64 sysret
user_back:
	; CPL 0 again; RSP is still the user's, RAX the user code's result.
	mov rsp, [rel user_saved_rsp]
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

; The user code. R12 = the user data page (struct user_page in
; guest/scen_user.c): results from +0, inputs at +0x40, the HC_TRANSLATE
; buffer at +0x800.
global user_code_start, user_code_end
user_code_start:
	xor eax, eax                    ; HC_VERSION: reads
	vmcall
	mov [r12 + 0x00], rax
	mov eax, 7                      ; HC_PROBE_GPA(0): reads
	xor ebx, ebx
	vmcall
	mov [r12 + 0x08], rax
	mov eax, 9                      ; HC_EPT_PROTECT: changes EPT
	mov rbx, [r12 + 0x50]
	mov ecx, 0x1000
	mov edx, 7
	vmcall
	mov [r12 + 0x10], rax
	mov eax, 13                     ; HC_COUNTERS: writes a GPA
	mov rbx, [r12 + 0x50]
	vmcall
	mov [r12 + 0x18], rax
	mov eax, 4                      ; HC_TRANSLATE into a kernel-only buffer
	mov rbx, [r12 + 0x48]
	mov rcx, [r12 + 0x40]
	xor edx, edx
	vmcall
	mov [r12 + 0x20], rax
	mov eax, 4                      ; HC_TRANSLATE into its own buffer
	mov rbx, [r12 + 0x48]
	lea rcx, [r12 + 0x800]
	xor edx, edx
	vmcall
	mov [r12 + 0x28], rax
	xor eax, eax
	syscall
user_code_end:

section .bss
align 8
user_saved_rsp: resq 1

section .note.GNU-stack noalloc noexec nowrite progbits
