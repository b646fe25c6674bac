; The built-in test guest (used with guest=builtin or when no guest module
; is given). 32-bit protected mode, paging off, flat segments, entered at
; TG_LOAD_GPA by hv/vmm.c, which copies the bytes between testguest_start
; and testguest_end there. EBX at entry = guest RAM size in bytes.
;
; It prints through the emulated COM1, checks the hypercall ABI
; (include/hypercall.h), reads the deliberately unmapped "lazy" page
; (hv/vm.h: the EPT-violation handler maps it), exercises INVEPT/INVVPID
; through hypercalls, and writes its failure count to port 0xF4.
;
; The code is position-dependent only through ABS(), which turns a label
; into its guest-physical address.

%define TG_LOAD_GPA   0x100000          ; keep in sync with hv/vmm.c
%define TG_STACK_TOP  0x80000
%define ABS(l)        ((l) - testguest_start + TG_LOAD_GPA)

; include/hypercall.h
%define HC_VERSION    0
%define HC_ECHO       1
%define HC_DUMP_STATE 2
%define HC_EXIT_STATS 3
%define HC_INVEPT     5
%define HC_INVVPID    6
%define HC_PROBE_GPA  7
%define HC_ABI_VERSION 1
%define ENOENT        2
%define EOPNOTSUPP    95
%include "lib/com1_init.inc"
%define COM1          COM1_BASE
%define EXIT_PORT     0xF4
; hv/vm.h
%define LAZY_GPA      0x400000
%define LAZY_MAGIC    0x1A2B3C4D
; guest page tables for the long-mode test
%define PML4_GPA      0x10000
%define PDPT_GPA      0x11000
%define PD_GPA        0x12000

section .rodata
bits 32

global testguest_start, testguest_end
testguest_start:
	mov esp, TG_STACK_TOP
	mov [ABS(ram_size)], ebx
	; 8N1, divisor 1 (the hypervisor's COM1 model just records it)
	COM1_INIT

	mov esi, ABS(s_hello)
	call puts

	; CPUID: hypervisor-present bit and the eptlab signature
	mov eax, 1
	cpuid
	bt ecx, 31
	setc al
	mov esi, ABS(s_cpuid_hv)
	call report
	mov eax, 0x40000000
	cpuid
	cmp ebx, 0x4C747045
	jne .sig_bad
	cmp ecx, 0x70456261
	jne .sig_bad
	cmp edx, 0x62614C74
.sig_bad:
	sete al
	mov esi, ABS(s_cpuid_sig)
	call report

	; HC_VERSION
	mov eax, HC_VERSION
	vmcall
	cmp eax, HC_ABI_VERSION
	sete al
	mov esi, ABS(s_version)
	call report

	; HC_ECHO round trip: RAX = RBX + 1, RBX preserved
	mov eax, HC_ECHO
	mov ebx, 0x1234
	vmcall
	cmp ebx, 0x1234
	jne .echo_bad
	cmp eax, 0x1235
.echo_bad:
	sete al
	mov esi, ABS(s_echo)
	call report

	; unknown hypercall -> -ENOSYS
	mov eax, 0x7777
	vmcall
	cmp eax, -38
	sete al
	mov esi, ABS(s_enosys)
	call report

	; the lazy page: first read is an EPT violation the hypervisor
	; resolves; the value it holds was written there by the hypervisor
	mov eax, HC_PROBE_GPA
	mov ebx, LAZY_GPA
	vmcall
	cmp eax, -ENOENT
	sete al
	mov esi, ABS(s_lazy_unmapped)
	call report
	mov eax, [LAZY_GPA]
	cmp eax, LAZY_MAGIC
	sete al
	mov esi, ABS(s_lazy)
	call report
	mov dword [LAZY_GPA + 4], 0x5a5a5a5a      ; now writable too
	cmp dword [LAZY_GPA + 4], 0x5a5a5a5a
	sete al
	mov esi, ABS(s_lazy_write)
	call report

	; a GPA beyond guest RAM is not backed
	mov eax, HC_PROBE_GPA
	mov ebx, [ABS(ram_size)]
	vmcall
	cmp eax, -ENOENT
	sete al
	mov esi, ABS(s_probe_out)
	call report
	mov eax, HC_PROBE_GPA
	mov ebx, TG_LOAD_GPA
	vmcall
	test eax, eax
	setz al
	mov esi, ABS(s_probe_in)
	call report

	; INVEPT single, all
	mov ebx, 1
	mov esi, ABS(s_invept1)
	call invept
	mov ebx, 2
	mov esi, ABS(s_invept2)
	call invept
	; INVVPID types 0..3 (0: one address)
	xor ebx, ebx
	mov esi, ABS(s_invvpid0)
	call invvpid
	mov ebx, 1
	mov esi, ABS(s_invvpid1)
	call invvpid
	mov ebx, 2
	mov esi, ABS(s_invvpid2)
	call invvpid
	mov ebx, 3
	mov esi, ABS(s_invvpid3)
	call invvpid
	; bad INVEPT type -> -EINVAL
	mov eax, HC_INVEPT
	mov ebx, 7
	vmcall
	cmp eax, -22
	sete al
	mov esi, ABS(s_invept_bad)
	call report

	; CR0.NE is owned by the hypervisor (VMX forces it to 1) and reads
	; as 0 through the shadow; setting it exits and updates the shadow.
	mov eax, cr0
	test eax, 0x20
	setz al
	mov esi, ABS(s_cr0_ne_hidden)
	call report
	mov eax, cr0
	or eax, 0x20
	mov cr0, eax
	mov eax, cr0
	test eax, 0x20
	setnz al
	mov esi, ABS(s_cr0_ne_set)
	call report

	; Long mode, turned on by the guest itself: identity-map the first
	; GiB with 2 MiB pages, CR4.PAE, EFER.LME, CR0.PG, far jump to a
	; 64-bit code segment (SDM 3A "Initializing IA-32e Mode").
	mov edi, PML4_GPA
	xor eax, eax
	mov ecx, 3 * 1024
	rep stosd
	mov dword [PML4_GPA], PDPT_GPA | 3
	mov dword [PDPT_GPA], PD_GPA | 3
	mov edi, PD_GPA
	mov eax, 0x83                   ; P | RW | PS
	mov ecx, 512
.pde:
	mov [edi], eax
	add eax, 0x200000
	add edi, 8
	loop .pde
	lgdt [ABS(gdt_desc)]
	mov eax, PML4_GPA
	mov cr3, eax
	mov eax, cr4
	or eax, 0x20                    ; PAE
	mov cr4, eax
	mov ecx, 0xC0000080             ; IA32_EFER
	rdmsr
	or eax, 0x100                   ; LME
	wrmsr
	mov eax, cr0
	or eax, 0x80000000              ; PG
	mov cr0, eax
	jmp 0x20:ABS(long64)

bits 64
long64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ecx, 0xC0000080
	rdmsr
	bt eax, 10                      ; LMA
	setc al
	mov rsi, ABS(s_long_mode)
	call report64
	; a 64-bit HC_ECHO: all of RBX round-trips
	mov eax, HC_ECHO
	mov rbx, 0x123456789
	vmcall
	mov rcx, 0x12345678a
	cmp rax, rcx
	sete al
	mov rsi, ABS(s_echo64)
	call report64
	mov eax, HC_DUMP_STATE
	vmcall
	mov eax, HC_EXIT_STATS
	vmcall

	; summary, then the status byte to the exit port
	mov rsi, ABS(s_summary)
	call puts64
	mov eax, [ABS(npass)]
	call putdec64
	mov rsi, ABS(s_passed)
	call puts64
	mov eax, [ABS(nfail)]
	call putdec64
	mov rsi, ABS(s_failed)
	call puts64
	mov eax, [ABS(nfail)]
	mov dx, EXIT_PORT
	out dx, al
	hlt                     ; not reached: the hypervisor ends the run

report64:
	push rsi
	test al, al
	jz .fail
	inc dword [ABS(npass)]
	mov rsi, ABS(s_pass)
	jmp .out
.fail:
	inc dword [ABS(nfail)]
	mov rsi, ABS(s_fail)
.out:
	call puts64
	pop rsi
	call puts64
	mov al, 10
	jmp putc64

puts64:
	lodsb
	test al, al
	jz .done
	call putc64
	jmp puts64
.done:
	ret

putc64:
	push rdx
	push rax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop rax
	mov dx, COM1
	out dx, al
	pop rdx
	ret

putdec64:
	mov ecx, 10
	xor ebx, ebx
.div:
	xor edx, edx
	div ecx
	push rdx
	inc ebx
	test eax, eax
	jnz .div
.print:
	pop rax
	add al, '0'
	call putc64
	dec ebx
	jnz .print
	ret

bits 32
; HC_INVEPT with type EBX; 0 = PASS, -EOPNOTSUPP = SKIP
invept:
	mov eax, HC_INVEPT
	jmp inv_common
invvpid:
	mov eax, HC_INVVPID
	mov ecx, TG_LOAD_GPA            ; the GVA for type 0
inv_common:
	vmcall
	cmp eax, -EOPNOTSUPP
	je skip
	test eax, eax
	setz al
	jmp report

; "SKIP: <name>"
skip:
	push esi
	mov esi, ABS(s_skip)
	call puts
	pop esi
	call puts
	mov al, 10
	jmp putc

; AL != 0: "PASS: <name>", else "FAIL: <name>"; ESI = name
report:
	push esi
	test al, al
	jz .fail
	inc dword [ABS(npass)]
	mov esi, ABS(s_pass)
	jmp .out
.fail:
	inc dword [ABS(nfail)]
	mov esi, ABS(s_fail)
.out:
	call puts
	pop esi
	call puts
	mov al, 10
	jmp putc

; print the NUL-terminated string at ESI
puts:
	lodsb
	test al, al
	jz .done
	call putc
	jmp puts
.done:
	ret

; print AL, waiting for the transmitter first
putc:
	push edx
	push eax
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	pop eax
	mov dx, COM1
	out dx, al
	pop edx
	ret

; print EAX in decimal
putdec:
	mov ecx, 10
	xor ebx, ebx
.div:
	xor edx, edx
	div ecx
	push edx
	inc ebx
	test eax, eax
	jnz .div
.print:
	pop eax
	add al, '0'
	call putc
	dec ebx
	jnz .print
	ret

align 8
gdt:
	dq 0
	dq 0x00CF9A000000FFFF      ; 0x08 32-bit code
	dq 0x00CF92000000FFFF      ; 0x10 data
	dq 0                       ; 0x18 (TR selector in the VMCS; unused)
	dq 0x00AF9A000000FFFF      ; 0x20 64-bit code
gdt_end:
gdt_desc:
	dw gdt_end - gdt - 1
	dd ABS(gdt)

align 4
ram_size: dd 0
npass:    dd 0
nfail:    dd 0

s_hello:         db "eptlab built-in test guest: 32-bit protected mode, paging off", 10, 0
s_pass:          db "PASS: ", 0
s_fail:          db "FAIL: ", 0
s_skip:          db "SKIP: ", 0
s_cpuid_hv:      db "cpuid-hypervisor-bit", 0
s_cpuid_sig:     db "cpuid-signature", 0
s_version:       db "vmcall-version", 0
s_echo:          db "vmcall-echo", 0
s_enosys:        db "vmcall-unknown-enosys", 0
s_lazy_unmapped: db "lazy-page-unmapped-before", 0
s_lazy:          db "ept-violation-lazy-page-read", 0
s_lazy_write:    db "lazy-page-write", 0
s_probe_out:     db "probe-gpa-beyond-ram", 0
s_probe_in:      db "probe-gpa-in-ram", 0
s_invept1:       db "invept-single", 0
s_invept2:       db "invept-all", 0
s_invvpid0:      db "invvpid-addr", 0
s_invvpid1:      db "invvpid-single", 0
s_invvpid2:      db "invvpid-all", 0
s_invvpid3:      db "invvpid-single-nonglobal", 0
s_invept_bad:    db "invept-bad-type-einval", 0
s_cr0_ne_hidden: db "cr0-ne-hidden-by-shadow", 0
s_cr0_ne_set:    db "cr0-ne-write-exits-and-sticks", 0
s_long_mode:     db "long-mode-entered-by-guest", 0
s_echo64:        db "vmcall-echo-64bit", 0
s_summary:       db "summary: ", 0
s_passed:        db " passed, ", 0
s_failed:        db " failed", 10, 0
testguest_end:

section .note.GNU-stack noalloc noexec nowrite progbits
