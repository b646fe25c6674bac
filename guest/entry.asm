; eptlab guest kernel entry (see docs/guest.md).
;
; Boot protocol: Multiboot v1. The loader (QEMU -kernel, or eptlab's
; hv/mb1_loader.c) copies the flat image to the physical addresses in the
; header's a.out-kludge fields, zeroes the bss, and jumps to _start32 in
; 32-bit protected mode, paging off, with EAX = 0x2BADB002 and EBX = the
; physical address of the Multiboot info block.
;
; The stub builds a temporary map (2 MiB pages, in .bss), just enough to
; reach 64-bit C code; guest_main (guest/main.c) then builds the real
; address space with the shared paging engine and switches CR3 to it.
;
;   boot map:  [0, 4 GiB)                       identity (this stub)
;              0xFFFF800000000000 + [0, 4 GiB)  direct map (table access)
;              0xFFFFFFFF80000000 + [0, 2 GiB)  kernel (higher half)
;
; SDM references are to the Intel SDM, revision 084 (June 2024).

%define GUEST_VMA     0xFFFFFFFF80000000
%define MB_MAGIC      0x1BADB002
%define MB_FLAGS      ((1 << 1) | (1 << 16))   ; memory info, address fields
%define PF_P_RW       0x003
%define PF_PS         0x080
%define STACK_BYTES   0x4000

%define CR0_PE        (1 << 0)
%define CR0_WP        (1 << 16)
%define CR0_PG        (1 << 31)
%define CR4_PAE       (1 << 5)
%define MSR_EFER      0xC0000080
%define EFER_LME      (1 << 8)
%define EFER_NXE      (1 << 11)

%define COM1          0x3F8
%define EXIT_PORT     0xF4

; Physical address of a symbol linked in the higher half.
%define PHYS(sym)     ((sym) - GUEST_VMA)

extern _image_start_phys, _load_end_phys, _bss_end_phys, _bss_start_phys
extern guest_main

; ------------------------------------------------------------------ header
section .mb_header progbits alloc noexec nowrite align=4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
	dd mb_header            ; header_addr: this header, physical
	dd _image_start_phys    ; load_addr: file offset 0 goes here
	dd _load_end_phys       ; load_end_addr: end of .data
	dd _bss_end_phys        ; bss_end_addr: the loader zeroes up to here
	dd _start32             ; entry_addr

; ------------------------------------------------------------- 32-bit stub
section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start32
_start32:
	cli
	cld
	mov esi, eax                    ; multiboot magic -> guest_main arg 0
	mov edi, ebx                    ; info block      -> guest_main arg 1

	; Long mode (and NX, which every non-executable mapping uses).
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_lm
	mov eax, 0x80000001
	cpuid
	bt edx, 29                      ; LM
	jnc .no_lm
	bt edx, 20                      ; NX
	jnc .no_nx

	; Zero the bss (the loader did already; the tables rely on it).
	; No stack yet: Multiboot leaves ESP undefined.
	mov ebp, edi
	mov edi, _bss_start_phys
	mov ecx, _bss_end_phys
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd
	mov edi, ebp

	; PD[0..2047]: 2 MiB leaves covering [0, 4 GiB).
	xor ecx, ecx
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, PF_P_RW | PF_PS
	mov [PHYS(boot_pd) + ecx * 8], eax
	inc ecx
	cmp ecx, 4 * 512
	jb .fill_pd

	; PDPT_low[0..3] -> the four PDs.
	xor ecx, ecx
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, PHYS(boot_pd) + PF_P_RW
	mov [PHYS(boot_pdpt_low) + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt

	; PDPT_high[510..511] -> PD 0 and 1: GUEST_VMA + [0, 2 GiB).
	mov dword [PHYS(boot_pdpt_high) + 510 * 8], PHYS(boot_pd) + PF_P_RW
	mov dword [PHYS(boot_pdpt_high) + 511 * 8], PHYS(boot_pd) + 0x1000 + PF_P_RW

	; PML4: [0] identity, [256] direct map, [511] kernel.
	mov dword [PHYS(boot_pml4) + 0 * 8], PHYS(boot_pdpt_low) + PF_P_RW
	mov dword [PHYS(boot_pml4) + 256 * 8], PHYS(boot_pdpt_low) + PF_P_RW
	mov dword [PHYS(boot_pml4) + 511 * 8], PHYS(boot_pdpt_high) + PF_P_RW

	; SDM 3A "Initializing IA-32e Mode": PAE, CR3, EFER.LME, then CR0.PG.
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, PHYS(boot_pml4)
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME | EFER_NXE
	wrmsr
	mov eax, cr0
	or eax, CR0_PE | CR0_PG | CR0_WP
	mov cr0, eax

	lgdt [boot_gdtr32]
	jmp 0x08:long_entry_low

; No console yet: write the reason straight to COM1 (QEMU and eptlab
; accept unprogrammed output) and end the run with status 1.
.no_nx:
	mov esi, msg_no_nx
	jmp .die
.no_lm:
	mov esi, msg_no_lm
.die:
	mov dx, COM1
.die_loop:
	lodsb
	test al, al
	jz .die_exit
	out dx, al
	jmp .die_loop
.die_exit:
	mov al, 1
	out EXIT_PORT, al
.hang:
	cli
	hlt
	jmp .hang

bits 64
extern bench_lm_tsc
long_entry_low:
	; First 64-bit instruction: record the TSC for the bench figure
	; "VMLAUNCH to guest long mode" (guest/bench.c, docs/benchmarks.md).
	rdtsc
	mov rcx, bench_lm_tsc
	mov [rcx], eax
	mov [rcx + 4], edx
	mov rax, long_entry_high
	jmp rax

section .boot.data progbits alloc noexec nowrite align=8
boot_gdtr32:
	dw gdt_end - gdt - 1
	dd PHYS(gdt)
msg_no_lm:
	db "FAIL: boot (CPU has no long mode: CPUID.80000001H:EDX[29] = 0)", 13, 10, 0
msg_no_nx:
	db "FAIL: boot (CPU has no NX: CPUID.80000001H:EDX[20] = 0)", 13, 10, 0

; ------------------------------------------------------- 64-bit, high half
section .text
bits 64
long_entry_high:
	lea rsp, [rel boot_stack_top]   ; the first stack (ESP was undefined)
	lgdt [rel gdtr64]               ; the GDT by its higher-half address
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	; Reload CS from the new GDTR.
	lea rax, [rel .cs_reloaded]
	push 0x08
	push rax
	retfq
.cs_reloaded:
	lea rsp, [rel boot_stack_top]
	xor ebp, ebp                    ; end of the frame-pointer chain
	; 32-bit moves zero-extend: the upper register halves are
	; undefined after the switch to 64-bit mode.
	mov eax, esi
	mov esi, edi                    ; info block physical address
	mov edi, eax                    ; multiboot magic
	call guest_main                 ; guest_main(magic, info_pa); RSP is
	                                ; 16-byte aligned before the call
.halt:
	cli
	hlt
	jmp .halt

section .rodata
align 16
; Flat 64-bit GDT. Accessed bits are preset so the CPU never writes to
; this read-only page (SDM 3A "Segment Descriptors").
gdt:
	dq 0
	dq 0x00AF9B000000FFFF           ; 0x08: 64-bit code, DPL 0
	dq 0x00CF93000000FFFF           ; 0x10: data, DPL 0
	; The CPL-3 scenario (guest/user.asm): SYSRET loads SS = 0x18 | 3 and
	; CS = 0x20 | 3 (IA32_STAR[63:48] = 0x10; SDM 2B "SYSRET").
	dq 0x00CFF3000000FFFF           ; 0x18: data, DPL 3
	dq 0x00AFFB000000FFFF           ; 0x20: 64-bit code, DPL 3
gdt_end:

section .data
align 16
gdtr64:
	dw gdt_end - gdt - 1
	dq gdt

section .bss
alignb 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
global boot_stack_bottom, boot_stack_top
boot_stack_bottom:
	resb STACK_BYTES
boot_stack_top:

section .note.GNU-stack noalloc noexec nowrite progbits
