; VM entry and VM exit (SDM revision 084, Vol. 3C "VMLAUNCH/VMRESUME" and
; "Loading Host State"). On a VM exit the CPU loads RSP = VMCS HOST_RSP and
; RIP = VMCS HOST_RIP = vmx_exit_stub. HOST_RSP is the top of the vCPU's
; exit stack; the qword at [HOST_RSP] holds the vCPU's struct guest_regs
; pointer (vmx/guest_regs.h, offsets in guest_regs.inc; vmx/vmx_stub.h).
;
;   [HOST_RSP + 8]  padding (keeps HOST_RSP 16-byte aligned)
;   [HOST_RSP]      struct guest_regs *
;
; The guest's RSP and RIP are in the VMCS; everything else general-purpose
; is saved here. CR2 is not switched by VMX and VM exits leave it alone,
; so it keeps the guest's value across the exit loop as long as the
; hypervisor takes no page fault: after VMLAUNCH the only host #PF paths
; end the run (expected-fault probes run at boot and inside the fatal
; exception dump). So CR2 is not saved on the hot path; VMLAUNCH loads it
; from struct guest_regs (zero at first), so no host address leaks in.

%include "vmx/guest_regs.inc"

bits 64
section .text

extern vmx_exit_handler
extern vmx_entry_failed

; Load every guest GPR (RAX last) from the struct at RAX.
%macro LOAD_GUEST 0
	mov rcx, [rax + GR_RCX]
	mov rdx, [rax + GR_RDX]
	mov rbx, [rax + GR_RBX]
	mov rbp, [rax + GR_RBP]
	mov rsi, [rax + GR_RSI]
	mov rdi, [rax + GR_RDI]
	mov r8,  [rax + GR_R8]
	mov r9,  [rax + GR_R9]
	mov r10, [rax + GR_R10]
	mov r11, [rax + GR_R11]
	mov r12, [rax + GR_R12]
	mov r13, [rax + GR_R13]
	mov r14, [rax + GR_R14]
	mov r15, [rax + GR_R15]
	mov rax, [rax + GR_RAX]
%endmacro

; noreturn void vmx_launch(struct guest_regs *regs /* rdi */, uint64_t host_rsp /* rsi */)
; Switches to the exit stack and executes VMLAUNCH; never returns here.
global vmx_launch
vmx_launch:
	mov rsp, rsi
	mov [rsp], rdi
	mov rax, rdi
	mov rcx, [rax + GR_CR2]
	mov cr2, rcx
	LOAD_GUEST
	vmlaunch
	; VMfailInvalid (CF=1) or VMfailValid (ZF=1): report from C.
	pushfq
	pop rsi
	mov rdi, [rsp]
	xor edx, edx                 ; resume = 0
	call vmx_entry_failed        ; noreturn
	ud2

global vmx_exit_stub
vmx_exit_stub:
	push rax                     ; guest RAX; regs pointer now at [rsp+8]
	mov rax, [rsp + 8]
	mov [rax + GR_RCX], rcx
	mov [rax + GR_RDX], rdx
	mov [rax + GR_RBX], rbx
	mov [rax + GR_RBP], rbp
	mov [rax + GR_RSI], rsi
	mov [rax + GR_RDI], rdi
	mov [rax + GR_R8],  r8
	mov [rax + GR_R9],  r9
	mov [rax + GR_R10], r10
	mov [rax + GR_R11], r11
	mov [rax + GR_R12], r12
	mov [rax + GR_R13], r13
	mov [rax + GR_R14], r14
	mov [rax + GR_R15], r15
	pop rcx
	mov [rax + GR_RAX], rcx
	; RSP == HOST_RSP again: 16-byte aligned, as the SysV ABI wants at a call.
	mov rdi, rax
	cld
	call vmx_exit_handler
	mov rax, [rsp]
	LOAD_GUEST
	vmresume
	pushfq
	pop rsi
	mov rdi, [rsp]
	mov edx, 1                   ; resume = 1
	call vmx_entry_failed        ; noreturn
	ud2

section .note.GNU-stack noalloc noexec nowrite progbits
