; mini: the smallest Multiboot v1 kernel that eptlab can run as its guest
; (tests/boot/t_guest.sh, docs/guest.md "Another kernel as guest").
;
; A real ELF32 image: the loader places it by its PT_LOAD program headers,
; so the Multiboot header sets no address fields (flags bit 16 clear).
; It starts in 32-bit protected mode with paging off (Multiboot 0.6.96
; section 3.2), programs COM1, prints one line, waits for the transmitter
; to drain, and writes status 0 to port 0xF4 (include/hypercall.h):
; eptlab traps it and ends the run, QEMU's isa-debug-exit exits.

MB_MAGIC    equ 0x1BADB002
MB_FLAGS    equ 0                   ; no alignment, memory or video wishes
COM1        equ 0x3F8
EXIT_PORT   equ 0xF4

section .multiboot
align 4
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)

section .text
bits 32
global _start
_start:
	cli
	; 8N1, divisor 1 (115200 baud), FIFO on, no interrupts.
	mov dx, COM1 + 1                ; IER
	xor al, al
	out dx, al
	mov dx, COM1 + 3                ; LCR: DLAB
	mov al, 0x80
	out dx, al
	mov dx, COM1 + 0                ; DLL
	mov al, 1
	out dx, al
	mov dx, COM1 + 1                ; DLM
	xor al, al
	out dx, al
	mov dx, COM1 + 3                ; LCR: 8 bits, no parity, 1 stop
	mov al, 0x03
	out dx, al
	mov dx, COM1 + 2                ; FCR: enable and clear FIFOs
	mov al, 0xC7
	out dx, al
	mov dx, COM1 + 4                ; MCR: DTR, RTS
	mov al, 0x03
	out dx, al

	mov esi, msg
.next:
	lodsb
	test al, al
	jz .drain
	mov ah, al
	mov dx, COM1 + 5                ; LSR bit 5: THR empty
.wait_thr:
	in al, dx
	test al, 0x20
	jz .wait_thr
	mov dx, COM1
	mov al, ah
	out dx, al
	jmp .next

.drain:
	mov dx, COM1 + 5                ; LSR bit 6: transmitter empty
.wait_temt:
	in al, dx
	test al, 0x40
	jz .wait_temt
	mov dx, EXIT_PORT
	xor al, al
	out dx, al
.halt:                                  ; not reached under eptlab or QEMU
	hlt
	jmp .halt

section .rodata
msg:	db "mini: hello from another Multiboot kernel", 13, 10, 0
