; VM entry and VM exit (SDM revision 084, Vol. 3C "VMLAUNCH/VMRESUME" and
; "Loading Host State"); the C side is vmx/vmx_stub.h.
;
; On a VM exit the CPU loads RSP = VMCS HOST_RSP and RIP = VMCS HOST_RIP =
; vmx_exit_stub. HOST_RSP is the vCPU's struct guest_regs (vmx/guest_regs.h,
; offsets in guest_regs.inc), which its owner places at the top of the
; vCPU's exit stack, 16-byte aligned:
;
;   HOST_RSP + GR_SIZE  ...   (the rest of the owner's vCPU structure)
;   HOST_RSP            struct guest_regs: the guest's GPRs are saved here
;   below HOST_RSP      the exit stack the handlers run on, growing down
;
; So the stub saves each GPR with one store relative to RSP, passes RSP as
; the struct guest_regs pointer, and after the handler returns RSP is that
; pointer again: no pointer to load on the way in or out.
;
; The guest's RSP and RIP are in the VMCS; everything else general-purpose
; is saved here. No CLD: a VM exit loads RFLAGS with only bit 1 set ("Loading
; Host State"), so DF is already 0 for the C code. CR2 is not switched by
; VMX and VM exits leave it alone, so it keeps the guest's value across the
; exit loop as long as the hypervisor takes no page fault: after VMLAUNCH
; the only host #PF paths end the run (expected-fault probes run at boot
; and inside the fatal exception dump). So CR2 is not saved on the hot
; path; VMLAUNCH loads it from struct guest_regs (zero at first), so no host
; address leaks in.

%include "vmx/guest_regs.inc"

bits 64
section .text

extern vmx_exit_handler
extern vmx_entry_failed

; Load every guest GPR from the struct guest_regs at RSP.
%macro LOAD_GUEST 0
	mov rax, [rsp + GR_RAX]
	mov rcx, [rsp + GR_RCX]
	mov rdx, [rsp + GR_RDX]
	mov rbx, [rsp + GR_RBX]
	mov rbp, [rsp + GR_RBP]
	mov rsi, [rsp + GR_RSI]
	mov rdi, [rsp + GR_RDI]
	mov r8,  [rsp + GR_R8]
	mov r9,  [rsp + GR_R9]
	mov r10, [rsp + GR_R10]
	mov r11, [rsp + GR_R11]
	mov r12, [rsp + GR_R12]
	mov r13, [rsp + GR_R13]
	mov r14, [rsp + GR_R14]
	mov r15, [rsp + GR_R15]
%endmacro

; VMLAUNCH or VMRESUME fell through: VMfailInvalid (CF=1) or VMfailValid
; (ZF=1). RSP is still the struct guest_regs; report from C.
%macro ENTRY_FAILED 1
	pushfq
	pop rsi
	mov rdi, rsp
	mov edx, %1                  ; resume
	call vmx_entry_failed        ; noreturn
	ud2
%endmacro

; noreturn void vmx_launch(struct guest_regs *regs /* rdi */)
; Moves to the exit stack below regs and executes VMLAUNCH.
global vmx_launch
vmx_launch:
	mov rsp, rdi
	mov rax, [rsp + GR_CR2]
	mov cr2, rax
	LOAD_GUEST
	vmlaunch
	ENTRY_FAILED 0

global vmx_exit_stub
vmx_exit_stub:
	mov [rsp + GR_RAX], rax
	mov [rsp + GR_RCX], rcx
	mov [rsp + GR_RDX], rdx
	mov [rsp + GR_RBX], rbx
	mov [rsp + GR_RBP], rbp
	mov [rsp + GR_RSI], rsi
	mov [rsp + GR_RDI], rdi
	mov [rsp + GR_R8],  r8
	mov [rsp + GR_R9],  r9
	mov [rsp + GR_R10], r10
	mov [rsp + GR_R11], r11
	mov [rsp + GR_R12], r12
	mov [rsp + GR_R13], r13
	mov [rsp + GR_R14], r14
	mov [rsp + GR_R15], r15
	mov rdi, rsp                 ; RSP is 16-byte aligned, as a call wants
	xor ebp, ebp                 ; the frame-pointer chain ends here (the
	                             ; dispatcher keeps no frame of its own)
	call vmx_exit_handler
	LOAD_GUEST
	vmresume
	ENTRY_FAILED 1

section .note.GNU-stack noalloc noexec nowrite progbits
