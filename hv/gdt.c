/*
 * GDT with 64-bit code/data and a 64-bit TSS (SDM rev. 084, Vol. 3A
 * "Task Management in 64-bit Mode"). The TSS only supplies IST stacks for
 * #DF, NMI and #MC, and a non-zero TR for VMX host state.
 */
#include "hv/cpu.h"
#include "include/x86.h"

struct tss64 {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];        /* ist[0] is IST1 */
	uint64_t rsvd2;
	uint16_t rsvd3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss64) == 104, "64-bit TSS is 104 bytes");

static struct tss64 tss __attribute__((aligned(16)));
/* null, code, data, TSS (16 bytes) */
static uint64_t gdt[5] __attribute__((aligned(16)));

#define SEG_CODE64  0x00AF9A000000FFFFULL   /* P, DPL0, code RX, L=1 */
#define SEG_DATA    0x00CF92000000FFFFULL   /* P, DPL0, data RW */
#define TSS_TYPE_AVAIL 0x9ULL               /* 64-bit TSS (available) */

uint64_t gdt_tss_base(void)
{
	return (uint64_t)(uintptr_t)&tss;
}

void gdt_init(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&tss;
	uint64_t limit = sizeof(tss) - 1;
	struct desc_ptr d;

	tss.rsp[0] = (uint64_t)(uintptr_t)__stack_main_top;
	tss.ist[IST_DF - 1] = (uint64_t)(uintptr_t)__stack_df_top;
	tss.ist[IST_NMI - 1] = (uint64_t)(uintptr_t)__stack_nmi_top;
	tss.ist[IST_MC - 1] = (uint64_t)(uintptr_t)__stack_mc_top;
	tss.iomap_base = sizeof(tss);          /* no I/O bitmap */

	gdt[0] = 0;
	gdt[GDT_SEL_CODE / 8] = SEG_CODE64;
	gdt[GDT_SEL_DATA / 8] = SEG_DATA;
	gdt[GDT_SEL_TSS / 8] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) |
			       (TSS_TYPE_AVAIL << 40) | BIT(47) |
			       ((limit >> 16) & 0xF) << 48 |
			       ((base >> 24) & 0xFF) << 56;
	gdt[GDT_SEL_TSS / 8 + 1] = base >> 32;

	d.limit = sizeof(gdt) - 1;
	d.base = (uint64_t)(uintptr_t)gdt;
	lgdt(&d);

	/* Reload CS with a far return, then the data segments. */
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs"
			 :: [cs] "i"(GDT_SEL_CODE), [ds] "i"(GDT_SEL_DATA)
			 : "rax", "memory");
	ltr(GDT_SEL_TSS);
}
