; linux_stub: the smallest "bzImage" for the Linux loader's boot tests
; (tests/boot/t_linux.sh, docs/linux-guest.md). nasm -f bin.
;
; A boot sector whose setup header (boot.rst "The Real-Mode Kernel Header")
; asks for protocol 2.15, 4 setup sectors, LOADED_HIGH, a non-relocatable
; kernel at pref_address 16 MiB with a 1 MiB init_size window and a
; 255-byte cmdline_size; then the "protected-mode kernel": 32-bit code that
; checks the state the 32-bit boot protocol promises, one
; "linux-stub: PASS: name" or "FAIL: name" line each on COM1, then writes
; the number of failures to port 0xF4 (0 = pass).
;
; The checks: CS = __BOOT_CS 0x10, DS = ES = SS = __BOOT_DS 0x18, the
; GDT's 0x10 descriptor flat code; EBX = EDI = EBP = 0; IF = 0; ESI -> a
; writable zero page with "HdrS", type_of_loader 0xFF, code32_start = the
; load address; the command line starts "eptlab-stub"; an initramfs
; starting "INITRD!!"; an e820 map whose first entry is usable RAM at 0.

PM_LOAD     equ 0x1000000
SETUP_SECTS equ 4
COM1        equ 0x3F8
EXIT_PORT   equ 0xF4

%define A(x) (PM_LOAD + (x) - pm_start)

BITS 16
ORG 0
        times 0x1F1 - ($ - $$) db 0
        db SETUP_SECTS              ; 0x1F1 setup_sects
        dw 0                        ; 0x1F2 root_flags
        dd (pm_end - pm_start) / 16 ; 0x1F4 syssize
        dw 0, 0xFFFF, 0             ; 0x1F8 ram_size, vid_mode, root_dev
        dw 0xAA55                   ; 0x1FE boot_flag
        db 0xEB, hdr_end - 0x202    ; 0x200 jump: the header's end
        db "HdrS"                   ; 0x202 header
        dw 0x020F                   ; 0x206 version 2.15
        dd 0                        ; 0x208 realmode_swtch
        dw 0, 0                     ; 0x20C start_sys_seg, kernel_version
        db 0                        ; 0x210 type_of_loader
        db 1                        ; 0x211 loadflags: LOADED_HIGH
        dw 0                        ; 0x212 setup_move_size
        dd 0x100000                 ; 0x214 code32_start
        dd 0, 0                     ; 0x218 ramdisk_image, ramdisk_size
        dd 0                        ; 0x220 bootsect_kludge
        dw 0                        ; 0x224 heap_end_ptr
        db 0, 0                     ; 0x226 ext_loader_ver, _type
        dd 0                        ; 0x228 cmd_line_ptr
        dd 0x7FFFFFFF               ; 0x22C initrd_addr_max
        dd 0x200000                 ; 0x230 kernel_alignment
        db 0                        ; 0x234 relocatable_kernel
        db 21                       ; 0x235 min_alignment
        dw 0                        ; 0x236 xloadflags
        dd 255                      ; 0x238 cmdline_size
        dd 0                        ; 0x23C hardware_subarch
        dq 0                        ; 0x240 hardware_subarch_data
        dd 0, 0                     ; 0x248 payload_offset, _length
        dq 0                        ; 0x250 setup_data
        dq PM_LOAD                  ; 0x258 pref_address
        dd 0x100000                 ; 0x260 init_size
        dd 0                        ; 0x264 handover_offset
        dd 0                        ; 0x268 kernel_info_offset
hdr_end:
        times (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

BITS 32
pm_start:
        ; No stack yet (ESP is undefined): save the entry state first.
        mov [A(r_ebx)], ebx
        mov [A(r_edi)], edi
        mov [A(r_ebp)], ebp
        mov [A(r_esi)], esi
        mov [A(r_cs)], cs
        mov [A(r_ds)], ds
        mov [A(r_es)], es
        mov [A(r_ss)], ss
        mov esp, A(stack_top)
        pushfd
        pop dword [A(r_flags)]
        sgdt [A(gdtr)]
        mov ebx, [A(r_esi)]         ; EBX = the zero page from here on

        cmp word [A(r_cs)], 0x10
        sete al
        mov edx, A(n_cs)
        call report

        cmp word [A(r_ds)], 0x18
        jne .ds
        cmp word [A(r_es)], 0x18
        jne .ds
        cmp word [A(r_ss)], 0x18
.ds:    sete al
        mov edx, A(n_ds)
        call report

        mov eax, [A(r_ebx)]
        or eax, [A(r_edi)]
        or eax, [A(r_ebp)]
        setz al
        mov edx, A(n_regs)
        call report

        test dword [A(r_flags)], 0x200
        setz al
        mov edx, A(n_if)
        call report

        ; The GDT: limit covers 0x18, the 0x10 descriptor is flat code.
        mov esi, [A(gdtr + 2)]
        cmp word [A(gdtr)], 0x1F
        jb .gdt
        cmp dword [esi + 0x10], 0x0000FFFF
        jne .gdt
        cmp dword [esi + 0x14], 0x00CF9B00
.gdt:   sete al
        mov edx, A(n_gdt)
        call report

        cmp dword [ebx + 0x202], 0x53726448     ; "HdrS"
        jne .zp
        cmp byte [ebx + 0x210], 0xFF
        jne .zp
        cmp dword [ebx + 0x214], PM_LOAD
.zp:    sete al
        mov edx, A(n_zp)
        call report

        mov dword [ebx + 0x1E4], 0x5A5AA5A5     ; the scratch field
        cmp dword [ebx + 0x1E4], 0x5A5AA5A5
        sete al
        mov edx, A(n_zpw)
        call report

        mov esi, [ebx + 0x228]
        mov edi, A(s_cmdline)
        mov ecx, s_cmdline_len
        repe cmpsb
        sete al
        mov edx, A(n_cmdline)
        call report

        mov esi, [ebx + 0x218]
        cmp dword [ebx + 0x21C], 8
        jb .rd
        cmp dword [esi], "INIT"
        jne .rd
        cmp dword [esi + 4], "RD!!"
.rd:    sete al
        mov edx, A(n_initrd)
        call report

        cmp byte [ebx + 0x1E8], 2               ; e820_entries >= 2
        jb .e820
        mov eax, [ebx + 0x2D0]                  ; entry 0: base 0
        or eax, [ebx + 0x2D4]
        jnz .e820
        cmp dword [ebx + 0x2D8], 0x9F000        ; at least 636 KiB
        jb .e820
        cmp dword [ebx + 0x2E0], 1              ; usable
.e820:  sete al
        mov edx, A(n_e820)
        call report

        mov esi, A(s_done)
        call puts
        mov al, [A(nfail)]
        out EXIT_PORT, al
.halt:  hlt
        jmp .halt

; report: AL = 1 pass / 0 fail, EDX = the check's name.
report:
        mov edi, edx
        mov cl, al
        mov esi, A(s_pfx)
        call puts
        mov esi, A(s_pass)
        test cl, cl
        jnz .p
        mov esi, A(s_fail)
        inc byte [A(nfail)]
.p:     call puts
        mov esi, edi
        call puts
        mov esi, A(s_nl)
        call puts
        ret

; puts: the NUL-terminated string at ESI to COM1 (eptlab's virtual UART
; takes every byte at once).
puts:
        mov dx, COM1
.l:     lodsb
        test al, al
        jz .d
        out dx, al
        jmp .l
.d:     ret

s_pfx:     db "linux-stub: ", 0
s_pass:    db "PASS: ", 0
s_fail:    db "FAIL: ", 0
s_nl:      db 10, 0
s_done:    db "linux-stub: done", 10, 0
s_cmdline: db "eptlab-stub"
s_cmdline_len equ $ - s_cmdline
n_cs:      db "entry.cs", 0
n_ds:      db "entry.data-segments", 0
n_regs:    db "entry.ebx-edi-ebp", 0
n_if:      db "entry.if-clear", 0
n_gdt:     db "entry.gdt", 0
n_zp:      db "zeropage.header", 0
n_zpw:     db "zeropage.writable", 0
n_cmdline: db "zeropage.cmdline", 0
n_initrd:  db "zeropage.initrd", 0
n_e820:    db "zeropage.e820", 0

align 4
nfail:  dd 0
r_ebx:  dd 0
r_edi:  dd 0
r_ebp:  dd 0
r_esi:  dd 0
r_flags: dd 0
r_cs:   dw 0
r_ds:   dw 0
r_es:   dw 0
r_ss:   dw 0
gdtr:   dw 0
        dd 0
align 16
        times 256 db 0
stack_top:
pm_end:
