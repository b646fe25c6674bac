/* The hypervisor's own CPU tables: GDT + 64-bit TSS (hv/gdt.c) and the
 * exception IDT (hv/idt.c, hv/isr.asm). VMX host state reuses them. */
#ifndef EPTLAB_CPU_H
#define EPTLAB_CPU_H

#include "include/types.h"

/* GDT selectors. The TSS is non-zero because VM entry requires a non-zero
 * host TR (SDM Vol. 3C "Checks on Host Segment and Descriptor-Table
 * Registers"). */
#define GDT_SEL_CODE   0x08
#define GDT_SEL_DATA   0x10
#define GDT_SEL_TSS    0x18

/* Interrupt-stack-table slots (TSS.IST1..3). */
#define IST_DF         1
#define IST_NMI        2
#define IST_MC         3

void gdt_init(void);
uint64_t gdt_tss_base(void);     /* for VMCS HOST_TR_BASE */
void idt_init(void);

/* Saved by hv/isr.asm: lowest address first. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;      /* pushed by the CPU */
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "isr.asm frame layout");

void isr_dispatch(struct trap_frame *f);   /* called from isr.asm */
const char *exception_name(unsigned vector);

/* Linker-script symbols (hv/linker.ld). */
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];
extern char __bss_start[], __bss_end[];
extern char __stack_main_bottom[], __stack_main_top[];
extern char __stack_df_bottom[], __stack_df_top[];
extern char __stack_nmi_bottom[], __stack_nmi_top[];
extern char __stack_mc_bottom[], __stack_mc_top[];
extern char __stack_exit_bottom[], __stack_exit_top[];
extern char __image_start_phys[], __image_end_phys[], __image_end[];

#endif
