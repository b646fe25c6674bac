/*
 * One static inline wrapper per VMX instruction (SDM revision 084, Vol. 3C
 * "VMX Instruction Reference"). VMLAUNCH/VMRESUME live in hv/exit_stub.asm
 * because they need the guest registers loaded around them.
 *
 * Every VMX instruction reports through RFLAGS (SDM 3C "Conventions"):
 *   VMsucceed      CF = 0, ZF = 0
 *   VMfailInvalid  CF = 1            (no current VMCS to hold an error)
 *   VMfailValid    ZF = 1            (error number in VMCS_INSTR_ERROR)
 *
 * Raw forms (vmx_*_raw) return VMX_OK / VMX_FAIL_INVALID / VMX_FAIL_VALID.
 * Checked forms (vmcs_read64, vmcs_write32, vmx_invept, ...) panic with the
 * decoded VM-instruction error and the caller's address. The VMCS
 * accessors are also checked against the width of the field, at build
 * time where the encoding is a constant (below).
 */
#ifndef EPTLAB_VMX_INSN_H
#define EPTLAB_VMX_INSN_H

#include "include/types.h"
#include "vmx/vmcs.h"

#define VMX_OK            0
#define VMX_FAIL_INVALID  1   /* CF = 1 */
#define VMX_FAIL_VALID    2   /* ZF = 1 */

/* The INVEPT and INVVPID types are in vmx/vmcs.h. */

static inline int vmx_status(bool cf, bool zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

static inline int vmx_vmxon_raw(uint64_t region_pa)
{
	bool cf, zf;
	__asm__ volatile("vmxon %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(region_pa) : "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmxoff_raw(void)
{
	bool cf, zf;
	__asm__ volatile("vmxoff" : "=@ccc"(cf), "=@ccz"(zf) :: "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmclear_raw(uint64_t vmcs_pa)
{
	bool cf, zf;
	__asm__ volatile("vmclear %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(vmcs_pa) : "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmptrld_raw(uint64_t vmcs_pa)
{
	bool cf, zf;
	__asm__ volatile("vmptrld %[pa]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [pa] "m"(vmcs_pa) : "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_vmread_raw(enum vmcs_field f, uint64_t *val)
{
	bool cf, zf;
	uint64_t v = 0;
	__asm__ volatile("vmread %[f], %[v]"
			 : [v] "=rm"(v), "=@ccc"(cf), "=@ccz"(zf)
			 : [f] "r"((uint64_t)f) : "memory");
	*val = v;
	return vmx_status(cf, zf);
}

static inline int vmx_vmwrite_raw(enum vmcs_field f, uint64_t val)
{
	bool cf, zf;
	__asm__ volatile("vmwrite %[v], %[f]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [f] "r"((uint64_t)f), [v] "rm"(val) : "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_invept_raw(unsigned type, uint64_t eptp)
{
	struct { uint64_t eptp, zero; } __attribute__((aligned(16)))
		d = { eptp, 0 };
	bool cf, zf;
	__asm__ volatile("invept %[d], %[t]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [d] "m"(d), [t] "r"((uint64_t)type) : "memory");
	return vmx_status(cf, zf);
}

static inline int vmx_invvpid_raw(unsigned type, uint16_t vpid, uint64_t gva)
{
	struct { uint64_t vpid, gva; } __attribute__((aligned(16)))
		d = { vpid, gva };
	bool cf, zf;
	__asm__ volatile("invvpid %[d], %[t]" : "=@ccc"(cf), "=@ccz"(zf)
			 : [d] "m"(d), [t] "r"((uint64_t)type) : "memory");
	return vmx_status(cf, zf);
}

/* Reports a failed VMX instruction and ends the run (vmx/vmx_err.c).
 * 'what' names the instruction, 'arg' its operand (field encoding, pa or
 * type), 'caller' the address of the call. */
__attribute__((noreturn))
void vmx_insn_fail(const char *what, uint64_t arg, int status, void *caller);
/* The cold ends of the inline VMREAD/VMWRITE below, called from their
 * asm: decode the failure (VMfailInvalid if there is no current VMCS, else
 * VMfailValid with the VM-instruction error) and report it with the
 * address of the failed instruction. */
__attribute__((noreturn, cold, used))
void vmx_vmread_fail(uint64_t field, void *insn);
__attribute__((noreturn, cold, used))
void vmx_vmwrite_fail(uint64_t field, void *insn);
/* A computed field encoding of the wrong width (vmcs_width_check). */
__attribute__((noreturn, cold, noinline))
void vmcs_width_fail(enum vmcs_field f, const char *accessor);

/* VMPTRST: the current-VMCS pointer, all ones if there is none. */
static inline uint64_t vmx_vmptrst(void)
{
	uint64_t pa;
	__asm__ volatile("vmptrst %0" : "=m"(pa) :: "memory");
	return pa;
}

/*
 * Checked VMCS accessors, one per field width. Each is inline: a VMREAD or
 * VMWRITE and one branch to a cold failure path, so the exit handlers pay
 * three instructions per field (docs/benchmarks.md).
 *
 * The accessor must match the width of the field (encoding bits 14:13,
 * SDM 3D Appendix B "Field Encoding in VMCS"):
 *
 *   vmcs_read16/write16    16-bit fields
 *   vmcs_read32/write32    32-bit fields, and the HIGH half of a 64-bit
 *                          field (encoding bit 0 = 1, "access type high")
 *   vmcs_read64/write64    64-bit fields (full access, bit 0 = 0)
 *   vmcs_readnat/writenat  natural-width fields
 *
 * A constant encoding of another width fails to build (the check folds
 * to a call of a function declared with the "error" attribute, as Linux
 * does in vmx_ops.h vmcs_check16/32/64). A computed encoding (a loop over
 * the segment fields, the PDPTEs) is checked when it runs and panics
 * naming the field.
 */
#define VMCS_ACCESS(f)          ((unsigned)(f) & 0x6001)   /* width + high */
#define VMCS_ACC_16             0x0000
#define VMCS_ACC_64             0x2000
#define VMCS_ACC_64_HIGH        0x2001
#define VMCS_ACC_32             0x4000
#define VMCS_ACC_NATURAL        0x6000

#define VMCS_OK_16(f)   (VMCS_ACCESS(f) == VMCS_ACC_16)
#define VMCS_OK_32(f)   (VMCS_ACCESS(f) == VMCS_ACC_32 || \
			 VMCS_ACCESS(f) == VMCS_ACC_64_HIGH)
#define VMCS_OK_64(f)   (VMCS_ACCESS(f) == VMCS_ACC_64)
#define VMCS_OK_NAT(f)  (VMCS_ACCESS(f) == VMCS_ACC_NATURAL)

__attribute__((error("vmcs_read16/vmcs_write16 on a field that is not "
		     "16-bit (encoding bits 14:13)")))
void vmcs_bad_width_16(void);
__attribute__((error("vmcs_read32/vmcs_write32 on a field that is neither "
		     "32-bit nor the high half of a 64-bit field")))
void vmcs_bad_width_32(void);
__attribute__((error("vmcs_read64/vmcs_write64 on a field that is not "
		     "64-bit (natural-width fields: vmcs_readnat/writenat)")))
void vmcs_bad_width_64(void);
__attribute__((error("vmcs_readnat/vmcs_writenat on a field that is not "
		     "natural-width")))
void vmcs_bad_width_nat(void);

/* ok: VMCS_OK_<w>(f); bad: the build-time error; name: for the panic. */
#define vmcs_width_check(f, ok, bad, name)				\
	do {								\
		if (__builtin_constant_p(f)) {				\
			if (!(ok))					\
				bad();					\
		} else if (__builtin_expect(!(ok), 0)) {		\
			vmcs_width_fail(f, name);			\
		}							\
	} while (0)

/*
 * VMREAD and VMWRITE with the failure path out of line, inside the asm (as
 * Linux's vmx_ops.h does): on VMfailInvalid or VMfailValid (CF or ZF set,
 * "jbe") the instruction jumps to a stub in .text.vmx_fail that calls
 * vmx_vmread_fail / vmx_vmwrite_fail with the field and the address of
 * the failed instruction. The call is hidden from the compiler on purpose:
 * it never returns, so a handler whose only calls these would be stays a
 * leaf without a stack frame. The stub aligns the stack for the call. Its
 * section is one no compiler-made code uses, so the stub never lands in
 * the flow of the function around it (as it would in .text.unlikely,
 * inside a cold function).
 */
static __attribute__((always_inline)) inline
uint64_t vmcs_read_any(enum vmcs_field f)
{
	uint64_t v;
	__asm__ volatile("1:\tvmread %[f], %[v]\n\t"
			 "jbe 2f\n\t"
			 ".pushsection .text.vmx_fail, \"ax\"\n"
			 "2:\tmov %[f], %%rdi\n\t"
			 "lea 1b(%%rip), %%rsi\n\t"
			 "and $-16, %%rsp\n\t"
			 "call vmx_vmread_fail\n\t"
			 "ud2\n\t"
			 ".popsection"
			 : [v] "=r"(v) : [f] "r"((uint64_t)f) : "cc", "memory");
	return v;
}

static __attribute__((always_inline)) inline
void vmcs_write_any(enum vmcs_field f, uint64_t v)
{
	__asm__ volatile("1:\tvmwrite %[v], %[f]\n\t"
			 "jbe 2f\n\t"
			 ".pushsection .text.vmx_fail, \"ax\"\n"
			 "2:\tmov %[f], %%rdi\n\t"
			 "lea 1b(%%rip), %%rsi\n\t"
			 "and $-16, %%rsp\n\t"
			 "call vmx_vmwrite_fail\n\t"
			 "ud2\n\t"
			 ".popsection"
			 :: [f] "r"((uint64_t)f), [v] "r"(v) : "cc", "memory");
}

#define VMCS_ACCESSORS(w, type, okw, bad)				\
static __attribute__((always_inline, unused)) inline			\
type vmcs_read##w(enum vmcs_field f)					\
{									\
	uint64_t v;							\
									\
	vmcs_width_check(f, okw(f), bad, "vmcs_read" #w);		\
	v = vmcs_read_any(f);						\
	/* VMREAD clears the bits above a shorter field (SDM 3C	\
	 * "VMREAD"): no zero-extension needed after the cast. */	\
	if (v > (type)~0ULL)						\
		__builtin_unreachable();				\
	return (type)v;							\
}									\
static __attribute__((always_inline, unused)) inline			\
void vmcs_write##w(enum vmcs_field f, type v)				\
{									\
	vmcs_width_check(f, okw(f), bad, "vmcs_write" #w);		\
	vmcs_write_any(f, v);						\
}

VMCS_ACCESSORS(16, uint16_t, VMCS_OK_16, vmcs_bad_width_16)
VMCS_ACCESSORS(32, uint32_t, VMCS_OK_32, vmcs_bad_width_32)
VMCS_ACCESSORS(64, uint64_t, VMCS_OK_64, vmcs_bad_width_64)
VMCS_ACCESSORS(nat, uint64_t, VMCS_OK_NAT, vmcs_bad_width_nat)
#undef VMCS_ACCESSORS

/* Checked forms of the other instructions. noinline so that
 * __builtin_return_address(0) is the address of the real call site. */
#define VMX_CHECKED __attribute__((noinline, unused)) static

VMX_CHECKED void vmx_vmclear(uint64_t pa)
{
	int st = vmx_vmclear_raw(pa);
	if (st)
		vmx_insn_fail("VMCLEAR", pa, st, __builtin_return_address(0));
}

VMX_CHECKED void vmx_vmptrld(uint64_t pa)
{
	int st = vmx_vmptrld_raw(pa);
	if (st)
		vmx_insn_fail("VMPTRLD", pa, st, __builtin_return_address(0));
}

VMX_CHECKED void vmx_invept(unsigned type, uint64_t eptp)
{
	int st = vmx_invept_raw(type, eptp);
	if (st)
		vmx_insn_fail("INVEPT", type, st, __builtin_return_address(0));
}

VMX_CHECKED void vmx_invvpid(unsigned type, uint16_t vpid, uint64_t gva)
{
	int st = vmx_invvpid_raw(type, vpid, gva);
	if (st)
		vmx_insn_fail("INVVPID", type, st, __builtin_return_address(0));
}

#undef VMX_CHECKED

#endif
