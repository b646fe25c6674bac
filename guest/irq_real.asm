; irq.real-mode-pit (guest/scen_irq_real.c): a round trip from 64-bit
; mode to real mode and back, with PIT ticks counted through the IVT in
; between. The blob rm_blob..rm_blob_end is copied to RM_TRAMP (physical,
; below 1 MiB) and runs there, identity-mapped by the boot map of
; guest/entry.asm; rm_pit_run and rm_back stay in the kernel.
;
;   rm_pit_run (64-bit)   save RSP, CR3, CR4, GDTR, IDTR; CR3 = the boot
;                         map; CR4.PCIDE = 0 (CR0.PG cannot be cleared
;                         with it); the blob's GDT; far jump to
;   pm32_down (compat.)   CR0.PG = 0 (IA-32e mode off), EFER.LME = 0
;   pm16 (16-bit PM)      16-bit segments of limit 0xFFFF, CR0.PE = 0
;   real                  CS = DS = ES = SS = 0, the IVT at RM_IVT; the
;                         PIT's channel 0 periodic, STI, HLT until
;                         RM_TICKS ticks (or rm_deadline), CLI, the PIT
;                         stopped
;   pm32_up               CR0.PE = 1, EFER.LME = 1, CR0.PG = 1
;   lm64 -> rm_back       the kernel's GDT, CR4, CR3, IDTR, RSP back
;
; SDM revision 084, Vol. 3A "Switching Back to Real-Address Mode",
; "Switching to Protected Mode", "Initializing IA-32e Mode" (leaving it:
; paging off in compatibility mode, then LME = 0), "Process-Context
; Identifiers"; Vol. 3A "Real-Address Mode Interrupt and Exception
; Handling" (the IVT at the IDTR's base).

%define RM_TRAMP      0x8000          ; guest/scen_irq_real.c
%define RM_IVT        0x7000
%define RM_STACK_TOP  0x8000          ; between the IVT and the blob
%define RM_TICKS      50
%define PIT_COUNT     1193            ; 1000.15 Hz
%define GUEST_VMA     0xFFFFFFFF80000000
%define DIRECT_MAP    0xFFFF800000000000
%define LO(x)         (RM_TRAMP + (x) - rm_blob)
%define DMLO(x)       (DIRECT_MAP + RM_TRAMP + (x) - rm_blob)
%define SV(x)         ((x) - rm_sv)

%define CR0_PE        (1 << 0)
%define CR0_PG        (1 << 31)
%define CR4_PCIDE     (1 << 17)
%define MSR_EFER      0xC0000080
%define EFER_LME      (1 << 8)

%define SEL_CODE64    0x08
%define SEL_DATA      0x10
%define SEL_CODE32    0x18
%define SEL_CODE16    0x20
%define SEL_DATA16    0x28

extern boot_pml4

section .text
bits 64
global rm_pit_run
; void rm_pit_run(void): RFLAGS.IF = 0, the blob copied, the IVT filled.
rm_pit_run:
	push rbx
	push rbp
	push r12
	push r13
	push r14
	push r15
	mov rcx, DMLO(rm_sv)            ; the save area, by the direct map
	mov [rcx + SV(sv_rsp)], rsp
	mov rax, cr3
	mov [rcx + SV(sv_cr3)], rax
	mov rax, cr4
	mov [rcx + SV(sv_cr4)], rax
	sgdt [rcx + SV(sv_gdtr)]
	sidt [rcx + SV(sv_idtr)]
	; No stack from here to rm_back: it may not be mapped in the boot map.
	mov rax, boot_pml4 - GUEST_VMA
	mov cr3, rax                    ; PCID 0
	mov rax, cr4
	and rax, ~CR4_PCIDE
	mov cr4, rax
	lgdt [rcx + SV(sv_lo_gdtr)]
	jmp dword far [rcx + SV(sv_far32)]

rm_back:
	mov rcx, DMLO(rm_sv)
	lgdt [rcx + SV(sv_gdtr)]
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rax, [rcx + SV(sv_cr4)]
	mov cr4, rax                    ; PCIDE again, with CR3[11:0] = 0
	mov rax, [rcx + SV(sv_cr3)]
	mov cr3, rax
	lidt [rcx + SV(sv_idtr)]
	mov rsp, [rcx + SV(sv_rsp)]
	lea rax, [rel .cs]
	push SEL_CODE64
	push rax
	retfq                           ; CS from the kernel's GDT
.cs:
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbp
	pop rbx
	ret

section .rodata
align 16
global rm_blob, rm_blob_end, rm_irq0, rm_other, rm_count, rm_other_n
global rm_t0, rm_t1, rm_deadline
rm_blob:
bits 32
pm32_down:                              ; compatibility mode, CS = 0x18
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr0
	and eax, ~CR0_PG
	mov cr0, eax                    ; paging off: IA32_EFER.LMA = 0
	mov ecx, MSR_EFER
	rdmsr
	and eax, ~EFER_LME
	wrmsr
	jmp SEL_CODE16:LO(pm16)
bits 16
pm16:
	mov ax, SEL_DATA16
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr0
	and eax, ~CR0_PE
	mov cr0, eax
	jmp 0:LO(real)
real:
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov sp, RM_STACK_TOP
	lidt [LO(rm_ivtr)]
	mov al, 0x34                    ; channel 0, lo/hi, mode 2
	out 0x43, al
	mov al, PIT_COUNT & 0xFF
	out 0x40, al
	mov al, PIT_COUNT >> 8
	out 0x40, al
	rdtsc
	mov [LO(rm_t0)], eax
	mov [LO(rm_t0) + 4], edx
	sti
.wait:
	hlt
	cmp word [LO(rm_count)], RM_TICKS
	jae .done
	rdtsc                           ; or give up at rm_deadline
	cmp edx, [LO(rm_deadline) + 4]
	jb .wait
	ja .done
	cmp eax, [LO(rm_deadline)]
	jb .wait
.done:
	cli
	rdtsc
	mov [LO(rm_t1)], eax
	mov [LO(rm_t1) + 4], edx
	mov al, 0x30                    ; mode 0, no count: OUT low
	out 0x43, al
	mov eax, cr0
	or eax, CR0_PE
	mov cr0, eax
	jmp dword SEL_CODE32:LO(pm32_up)
bits 32
pm32_up:
	mov ax, SEL_DATA
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov ecx, MSR_EFER               ; CR4.PAE and CR3 are still set
	rdmsr
	or eax, EFER_LME
	wrmsr
	mov eax, cr0
	or eax, CR0_PG
	mov cr0, eax                    ; IA-32e mode, compatibility
	jmp SEL_CODE64:LO(lm64)
bits 64
lm64:
	mov rax, rm_back
	jmp rax

bits 16
rm_irq0:                                ; the IVT's entry for IRQ 0
	inc word [cs:LO(rm_count)]
	push ax
	mov al, 0x20                    ; non-specific EOI
	out 0x20, al
	pop ax
	iret
rm_other:                               ; every other vector: counted,
	inc word [cs:LO(rm_other_n)]    ; and an EOI, so that a misplaced
	push ax                         ; IRQ 0 does not block the next ones
	mov al, 0x20
	out 0x20, al
	pop ax
	iret

align 8
rm_gdt:
	dq 0
	dq 0x00AF9B000000FFFF           ; 0x08: 64-bit code
	dq 0x00CF93000000FFFF           ; 0x10: flat data
	dq 0x00CF9B000000FFFF           ; 0x18: flat 32-bit code
	dq 0x00009B000000FFFF           ; 0x20: 16-bit code, base 0
	dq 0x000093000000FFFF           ; 0x28: 16-bit data, base 0
rm_gdt_end:
rm_ivtr:
	dw 0x3FF
	dd RM_IVT
align 8
rm_count:   dw 0
rm_other_n: dw 0
align 8
rm_t0:      dq 0
rm_t1:      dq 0
rm_deadline: dq 0                       ; TSC: stop waiting (set by C)
rm_sv:
sv_rsp:     dq 0
sv_cr3:     dq 0
sv_cr4:     dq 0
sv_gdtr:    times 10 db 0
sv_idtr:    times 10 db 0
sv_lo_gdtr: dw rm_gdt_end - rm_gdt - 1
            dq LO(rm_gdt)
sv_far32:   dd LO(pm32_down)
            dw SEL_CODE32
rm_blob_end:

section .note.GNU-stack noalloc noexec nowrite progbits
