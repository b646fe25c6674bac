; eptlab boot entry: multiboot2 header, 32-bit protected mode -> long mode.
;
; GRUB enters _start in 32-bit protected mode, paging off, with
; EAX = 0x36D76289 and EBX = physical address of the multiboot2 information
; (Multiboot2 spec, "I386 machine state"). The same holds on BIOS and UEFI.
;
; Boot page tables (in .bss, 7 pages):
;   PML4[0]   -> pdpt_low  : identity map of 0..4 GiB (2 MiB pages)
;   PML4[256] -> pdpt_low  : same 4 GiB at DIRECT_MAP_BASE
;   PML4[511] -> pdpt_high : [510] -> first GiB at KERNEL_VMA (the image)
;                            [511] -> second GiB
; host_mm_init replaces all of this; the identity map goes with it.
;
; Constants must match hv/memlayout.h (NASM cannot include it).

%define KERNEL_VMA      0xFFFFFFFF80000000
%define V2P(x)          ((x) - KERNEL_VMA)

%define MB2_MAGIC       0xE85250D6
%define MB2_ARCH_I386   0
%define MB2_BOOT_MAGIC  0x36D76289

%define CR0_PE          (1 << 0)
%define CR0_WP          (1 << 16)
%define CR0_NW          (1 << 29)
%define CR0_CD          (1 << 30)
%define CR0_PG          (1 << 31)
%define CR4_PAE         (1 << 5)
%define MSR_EFER        0xC0000080
%define EFER_LME        (1 << 8)
%define EFER_NXE        (1 << 11)
%define PTE_P           (1 << 0)
%define PTE_RW          (1 << 1)
%define PTE_PS          (1 << 7)
%include "lib/com1_init.inc"
%define COM1            COM1_BASE

extern hv_main
extern __bss_start, __bss_end, __stack_main_top
extern __stack_chk_guard

; ------------------------------------------------------------ header
section .multiboot progbits alloc noexec nowrite align=8
align 8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd 0x100000000 - (MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; module alignment tag: modules start on a page boundary
	align 8
	dw 6, 0
	dd 8
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

; ------------------------------------------------------------ 32-bit entry
section .boot progbits alloc exec nowrite align=16
bits 32
global _start
_start:
	cli
	cld
	mov esp, V2P(__stack_main_top)
	push eax                        ; [top-4] multiboot2 magic
	push ebx                        ; [top-8] mbi physical address

	; Long mode is required: CPUID.80000001H:EDX.LM[bit 29].
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov ebp, edx                    ; keep EDX.NX[bit 20] for EFER.NXE

	; Zero .bss (GRUB does too; do not rely on it). Page tables live there.
	mov edi, V2P(__bss_start)
	mov ecx, V2P(__bss_end)
	sub ecx, edi
	shr ecx, 2
	xor eax, eax
	rep stosd

	; PD x4: 2048 entries of 2 MiB covering 0..4 GiB.
	mov edi, V2P(boot_pd)
	mov eax, PTE_P | PTE_RW | PTE_PS
	mov ecx, 2048
.fill_pd:
	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x200000
	add edi, 8
	loop .fill_pd

	; PDPT low: 4 entries -> the 4 PDs.
	mov edi, V2P(boot_pdpt_low)
	mov eax, V2P(boot_pd) + (PTE_P | PTE_RW)
	mov ecx, 4
.fill_pdpt:
	mov [edi], eax
	add eax, 0x1000
	add edi, 8
	loop .fill_pdpt

	; PDPT high: KERNEL_VMA is PDPT index 510 of PML4 slot 511.
	mov eax, V2P(boot_pd) + (PTE_P | PTE_RW)
	mov [V2P(boot_pdpt_high) + 510 * 8], eax
	add eax, 0x1000
	mov [V2P(boot_pdpt_high) + 511 * 8], eax

	mov eax, V2P(boot_pdpt_low) + (PTE_P | PTE_RW)
	mov [V2P(boot_pml4) + 0 * 8], eax
	mov [V2P(boot_pml4) + 256 * 8], eax
	mov eax, V2P(boot_pdpt_high) + (PTE_P | PTE_RW)
	mov [V2P(boot_pml4) + 511 * 8], eax

	; PAE, CR3, EFER.LME (+NXE if the CPU has NX), then paging.
	mov eax, cr4
	or eax, CR4_PAE
	mov cr4, eax
	mov eax, V2P(boot_pml4)
	mov cr3, eax
	mov ecx, MSR_EFER
	rdmsr
	or eax, EFER_LME
	test ebp, 1 << 20
	jz .no_nx
	or eax, EFER_NXE
.no_nx:
	wrmsr
	; Caches on: CD and NW cleared, as PC firmware leaves them. Bochs's
	; BIOS and GRUB leave the reset value (CD = NW = 1), and VM entry
	; never modifies CR0.CD and NW (SDM 3C "Loading Guest Control
	; Registers, Debug Registers, and MSRs"): every guest would inherit
	; them, and a kernel that clears CD alone (Xen's MTRR post_set) gets
	; #GP for NW without CD.
	mov eax, cr0
	and eax, ~(CR0_CD | CR0_NW)
	or eax, CR0_PG | CR0_PE | CR0_WP
	mov cr0, eax

	lgdt [boot_gdtr]
	jmp 0x08:long_mode

.no_long_mode:
	; Say why on COM1 (115200 8N1) and stop.
	COM1_INIT
	mov esi, msg_no_lm
.putc:
	lodsb
	test al, al
	jz .halt
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp .putc
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rax, higher_half
	jmp rax

align 8
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, DPL 0
	dq 0x00CF92000000FFFF           ; 0x10: data
boot_gdt_end:
boot_gdtr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt

msg_no_lm:
	db "eptlab: this CPU has no long mode (CPUID.80000001H:EDX.LM = 0); cannot boot", 13, 10, 0

; ------------------------------------------------------------ 64-bit, high
section .text
higher_half:
	mov rsp, __stack_main_top
	mov edi, [rsp - 4]              ; magic (zero-extends into RDI)
	mov esi, [rsp - 8]              ; mbi physical address
	; Stack-protector canary: something that differs between machines.
	rdtsc
	shl rdx, 32
	or rax, rdx
	mov rdx, 0x9E3779B97F4A7C15
	xor rax, rdx
	mov [rel __stack_chk_guard], rax
	xor ebp, ebp                    ; terminates the frame-pointer chain
	call hv_main
.hang:
	cli
	hlt
	jmp .hang

; ------------------------------------------------------------ boot tables
section .bss
align 4096
boot_pml4:       resb 4096
boot_pdpt_low:   resb 4096
boot_pdpt_high:  resb 4096
boot_pd:         resb 4 * 4096

; No executable stack.
section .note.GNU-stack noalloc noexec nowrite progbits
