/*
 * One static inline wrapper per privileged x86 instruction used by the
 * hypervisor and the guest kernel. VMX instructions live in vmx/vmx_insn.h.
 * Never include this from mm/ or ept/ (they stay pure C).
 * SDM references are to the Intel SDM, revision 084 (June 2024).
 */
#ifndef EPTLAB_X86_H
#define EPTLAB_X86_H

#include "include/types.h"

/* CR0 (SDM Vol. 3A "Control Registers") */
#define CR0_PE   BIT(0)
#define CR0_MP   BIT(1)
#define CR0_EM   BIT(2)
#define CR0_TS   BIT(3)
#define CR0_ET   BIT(4)
#define CR0_NE   BIT(5)
#define CR0_WP   BIT(16)
#define CR0_AM   BIT(18)
#define CR0_NW   BIT(29)
#define CR0_CD   BIT(30)
#define CR0_PG   BIT(31)

/* CR4 */
#define CR4_VME        BIT(0)
#define CR4_PVI        BIT(1)
#define CR4_TSD        BIT(2)
#define CR4_DE         BIT(3)
#define CR4_PSE        BIT(4)
#define CR4_PAE        BIT(5)
#define CR4_MCE        BIT(6)
#define CR4_PGE        BIT(7)
#define CR4_PCE        BIT(8)
#define CR4_OSFXSR     BIT(9)
#define CR4_OSXMMEXCPT BIT(10)
#define CR4_UMIP       BIT(11)
#define CR4_LA57       BIT(12)
#define CR4_VMXE       BIT(13)
#define CR4_SMXE       BIT(14)
#define CR4_FSGSBASE   BIT(16)
#define CR4_PCIDE      BIT(17)
#define CR4_OSXSAVE    BIT(18)
#define CR4_SMEP       BIT(20)
#define CR4_SMAP       BIT(21)
#define CR4_PKE        BIT(22)

/* MSRs */
#define MSR_IA32_APIC_BASE          0x01B
#define MSR_IA32_FEATURE_CONTROL    0x03A
#define   FEATURE_CONTROL_LOCK          BIT(0)
#define   FEATURE_CONTROL_VMX_IN_SMX    BIT(1)
#define   FEATURE_CONTROL_VMX_OUTSIDE_SMX BIT(2)
#define MSR_IA32_SYSENTER_CS        0x174
#define MSR_IA32_SYSENTER_ESP       0x175
#define MSR_IA32_SYSENTER_EIP       0x176
#define MSR_IA32_DEBUGCTL           0x1D9
#define   DEBUGCTL_BTF                  BIT(1)   /* single-step on branches */
#define MSR_IA32_PAT                0x277
#define MSR_IA32_VMX_BASIC          0x480
#define MSR_IA32_VMX_PINBASED_CTLS  0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS      0x483
#define MSR_IA32_VMX_ENTRY_CTLS     0x484
#define MSR_IA32_VMX_MISC           0x485
#define MSR_IA32_VMX_CR0_FIXED0     0x486
#define MSR_IA32_VMX_CR0_FIXED1     0x487
#define MSR_IA32_VMX_CR4_FIXED0     0x488
#define MSR_IA32_VMX_CR4_FIXED1     0x489
#define MSR_IA32_VMX_VMCS_ENUM      0x48A
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48B
#define MSR_IA32_VMX_EPT_VPID_CAP   0x48C
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS  0x48D
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48E
#define MSR_IA32_VMX_TRUE_EXIT_CTLS      0x48F
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS     0x490
#define MSR_IA32_VMX_VMFUNC         0x491
#define MSR_IA32_EFER               0xC0000080
#define   EFER_SCE   BIT(0)
#define   EFER_LME   BIT(8)
#define   EFER_LMA   BIT(10)
#define   EFER_NXE   BIT(11)
#define MSR_STAR                    0xC0000081
#define MSR_LSTAR                   0xC0000082
#define MSR_FS_BASE                 0xC0000100
#define MSR_GS_BASE                 0xC0000101
#define MSR_KERNEL_GS_BASE          0xC0000102

/* RFLAGS */
#define RFLAGS_CF  BIT(0)
#define RFLAGS_FIXED BIT(1)
#define RFLAGS_ZF  BIT(6)
#define RFLAGS_TF  BIT(8)
#define RFLAGS_IF  BIT(9)
#define RFLAGS_VM  BIT(17)

static inline uint64_t read_cr0(void)
{ uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(uint64_t v)
{ __asm__ volatile("mov %0, %%cr0" :: "r"(v) : "memory"); }
static inline uint64_t read_cr2(void)
{ uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void)
{ uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v)
{ __asm__ volatile("mov %0, %%cr3" :: "r"(v) : "memory"); }
static inline uint64_t read_cr4(void)
{ uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(uint64_t v)
{ __asm__ volatile("mov %0, %%cr4" :: "r"(v) : "memory"); }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)) : "memory");
}

struct cpuid_regs { uint32_t eax, ebx, ecx, edx; };
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx),
			 "=d"(r.edx) : "a"(leaf), "c"(subleaf));
	return r;
}
#define CPUID_1_ECX_VMX       BIT(5)
#define CPUID_1_ECX_PCID      BIT(17)
#define CPUID_1_ECX_XSAVE     BIT(26)
#define CPUID_1_ECX_HYPERVISOR BIT(31)
#define CPUID_7_EBX_INVPCID   BIT(10)
#define CPUID_D_1_EAX_XSAVES  BIT(3)
#define CPUID_80000001_EDX_NX      BIT(20)
#define CPUID_80000001_EDX_RDTSCP  BIT(27)
#define CPUID_80000001_EDX_PAGE1GB BIT(26)
#define CPUID_80000001_EDX_LM      BIT(29)

static inline void invlpg(uint64_t va)
{ __asm__ volatile("invlpg (%0)" :: "r"(va) : "memory"); }

/* INVPCID types (SDM Vol. 2A "INVPCID") */
#define INVPCID_ADDR        0
#define INVPCID_SINGLE      1
#define INVPCID_ALL_GLOBAL  2
#define INVPCID_ALL         3
static inline void invpcid(unsigned type, uint64_t pcid, uint64_t va)
{
	struct { uint64_t pcid, va; } __attribute__((aligned(16))) d = { pcid, va };
	__asm__ volatile("invpcid %0, %1" :: "m"(d), "r"((uint64_t)type) : "memory");
}

static inline void outb(uint16_t port, uint8_t v)
{ __asm__ volatile("outb %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v)
{ __asm__ volatile("outw %0, %1" :: "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v)
{ __asm__ volatile("outl %0, %1" :: "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port)
{ uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port)
{ uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

/* Also a compiler barrier, so timed memory accesses stay between reads. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((uint64_t)hi << 32) | lo;
}

/* The low 32 bits of the TSC, for intervals known to be shorter than
 * 2^32 ticks: no shift and OR to build the 64-bit value. */
static inline uint32_t rdtsc32(void)
{
	uint32_t lo;
	__asm__ volatile("rdtsc" : "=a"(lo) :: "rdx", "memory");
	return lo;
}

/* IRET to the next instruction, at CPL 0 on the current stack: NMIs are
 * unblocked (SDM 3A "Handling Multiple NMIs"), e.g. after a VM exit due to
 * an NMI, which leaves them blocked as if the host had taken it. */
static inline void nmi_iret_unblock(void)
{
	__asm__ volatile("mov %%rsp, %%rcx\n\t"
			 "mov %%ss, %%eax\n\t"
			 "push %%rax\n\t"
			 "push %%rcx\n\t"
			 "pushfq\n\t"
			 "mov %%cs, %%eax\n\t"
			 "push %%rax\n\t"
			 "lea 1f(%%rip), %%rax\n\t"
			 "push %%rax\n\t"
			 "iretq\n"
			 "1:"
			 ::: "rax", "rcx", "memory", "cc");
}

/* RDRAND: true and *v set if the CPU had entropy (CF=1). Callers retry. */
static inline bool rdrand64(uint64_t *v)
{
	uint8_t ok;
	__asm__ volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
	return ok;
}

static inline void wbinvd(void) { __asm__ volatile("wbinvd" ::: "memory"); }

/* Fill n 8-byte words with v (REP STOSQ: one instruction per call, so
 * page-sized fills are cheap under Bochs too). */
static inline void stosq(void *d, uint64_t v, size_t n)
{
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(v) : "memory");
}

/* VMCALL from a guest (ABI in include/hypercall.h): RAX = nr, arguments
 * a[0..3] in RBX, RCX, RDX, RSI. The argument registers are in/out, so a
 * caller can check the hypervisor preserved them. Returns RAX. */
static inline uint64_t vmcall(uint64_t nr, uint64_t a[4])
{
	__asm__ volatile("vmcall"
			 : "+a"(nr), "+b"(a[0]), "+c"(a[1]), "+d"(a[2]),
			   "+S"(a[3]) :: "memory");
	return nr;
}

/* VMFUNC from a guest (SDM 2B "VMFUNC"): function EAX, argument ECX;
 * function 0 with ECX = i switches to the EPTP in entry i of the EPTP
 * list, without a VM exit. A failing VMFUNC exits (eptlab: #UD). */
static inline void vmfunc(uint32_t fn, uint32_t arg)
{
	__asm__ volatile("vmfunc" :: "a"(fn), "c"(arg) : "memory");
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
/* STI then HLT in one statement: the STI shadow covers the HLT, so an
 * interrupt pending at the STI wakes the HLT instead of slipping in
 * before it (SDM 2B "STI"). */
static inline void sti_hlt(void) { __asm__ volatile("sti; hlt" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void pause(void) { __asm__ volatile("pause"); }
/* Bochs magic breakpoint (a no-op elsewhere). */
static inline void bochs_magic_break(void) { __asm__ volatile("xchg %bx, %bx"); }

static inline uint64_t read_rflags(void)
{ uint64_t v; __asm__ volatile("pushfq; popq %0" : "=r"(v)); return v; }

struct desc_ptr { uint16_t limit; uint64_t base; } __attribute__((packed));
static inline void lgdt(const struct desc_ptr *d)
{ __asm__ volatile("lgdt %0" :: "m"(*d)); }
static inline void lidt(const struct desc_ptr *d)
{ __asm__ volatile("lidt %0" :: "m"(*d)); }
static inline void sgdt(struct desc_ptr *d)
{ __asm__ volatile("sgdt %0" : "=m"(*d)); }
static inline void sidt(struct desc_ptr *d)
{ __asm__ volatile("sidt %0" : "=m"(*d)); }
static inline void ltr(uint16_t sel)
{ __asm__ volatile("ltr %0" :: "r"(sel)); }
static inline uint16_t str(void)
{ uint16_t v; __asm__ volatile("str %0" : "=r"(v)); return v; }

#define DEFINE_READ_SEG(name) \
static inline uint16_t read_##name(void) \
{ uint16_t v; __asm__ volatile("mov %%" #name ", %0" : "=r"(v)); return v; }
DEFINE_READ_SEG(cs)
DEFINE_READ_SEG(ds)
DEFINE_READ_SEG(es)
DEFINE_READ_SEG(ss)
DEFINE_READ_SEG(fs)
DEFINE_READ_SEG(gs)
#undef DEFINE_READ_SEG

static inline void xsetbv(uint32_t idx, uint64_t v)
{
	__asm__ volatile("xsetbv" :: "c"(idx), "a"((uint32_t)v),
			 "d"((uint32_t)(v >> 32)));
}

#endif
