; The NMI handler of irq.nmi-iret-ept (guest/scen_irq_nmi.c), installed at
; vector 2 for that scenario only. The first NMI injects a second one
; (HC_INJECT_NMI: held pending, blocked by this NMI), then returns through
; an IRETQ frame it rebuilt at nmi_iret_frame: RIP, CS, RFLAGS and RSP on a
; present page, the SS slot first on the next page, which the scenario
; unbacked (HC_DEMAND). The IRETQ unblocks NMIs, then its read of SS is an
; EPT violation with exit-qualification bit 12 "NMI unblocking due to IRET"
; (SDM 3C "Exit Qualification for EPT Violations"); the hypervisor backs a
; zeroed page, which gives a null SS (allowed for IRETQ to 64-bit CPL 0,
; SDM 2A "IRET/IRETD/IRETQ"). The second NMI records where it interrupted:
; after the retried IRETQ completed if blocking by NMI was set again
; before the re-entry, else at nmi_iret_insn (the IRETQ never done).

%define HC_INJECT_NMI 27

section .text
bits 64
global nmi_iret_entry, nmi_iret_insn
nmi_iret_entry:
	cmp qword [rel nmi_iret_count], 0
	jne nmi_iret_second
	inc qword [rel nmi_iret_count]
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	mov eax, HC_INJECT_NMI
	xor ebx, ebx
	xor ecx, ecx
	xor edx, edx
	xor esi, esi
	vmcall
	mov [rel nmi_iret_rc], rax
	; The CPU's frame (RIP, CS, RFLAGS, RSP, SS above the five pushes)
	; copied but for SS.
	mov rsi, [rel nmi_iret_frame]
	mov rax, [rsp + 40]
	mov [rsi], rax
	mov rax, [rsp + 48]
	mov [rsi + 8], rax
	mov rax, [rsp + 56]
	mov [rsi + 16], rax
	mov rax, [rsp + 64]
	mov [rsi + 24], rax
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	mov rsp, [rel nmi_iret_frame]
nmi_iret_insn:
	iretq
nmi_iret_second:
	inc qword [rel nmi_iret_count]
	push rax
	mov rax, [rsp + 8]
	mov [rel nmi_iret_rip2], rax
	pop rax
	iretq

section .data
align 8
global nmi_iret_count, nmi_iret_frame, nmi_iret_rc, nmi_iret_rip2
nmi_iret_count: dq 0            ; NMIs taken by this handler
nmi_iret_frame: dq 0            ; GVA of the rebuilt frame (set by C)
nmi_iret_rc:    dq 0            ; HC_INJECT_NMI's result
nmi_iret_rip2:  dq 0            ; the RIP the second NMI interrupted

section .note.GNU-stack noalloc noexec nowrite progbits
