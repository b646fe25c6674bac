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
 * decoded VM-instruction error and the caller's address.
 */
#ifndef EPTLAB_VMX_INSN_H
#define EPTLAB_VMX_INSN_H

#include "include/types.h"
#include "vmx/vmcs.h"

#define VMX_OK            0
#define VMX_FAIL_INVALID  1   /* CF = 1 */
#define VMX_FAIL_VALID    2   /* ZF = 1 */

/* INVEPT types (SDM 3C "INVEPT") */
#define INVEPT_SINGLE     1
#define INVEPT_ALL        2
/* INVVPID types (SDM 3C "INVVPID") */
#define INVVPID_ADDR      0
#define INVVPID_SINGLE    1
#define INVVPID_ALL       2
#define INVVPID_SINGLE_NG 3   /* single context, keep global translations */

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

/* Checked forms. noinline so that __builtin_return_address(0) is the
 * address of the real call site. */
#define VMX_CHECKED __attribute__((noinline, unused)) static

VMX_CHECKED uint64_t vmcs_read64(enum vmcs_field f)
{
	uint64_t v;
	int st = vmx_vmread_raw(f, &v);
	if (st)
		vmx_insn_fail("VMREAD", f, st, __builtin_return_address(0));
	return v;
}

VMX_CHECKED uint32_t vmcs_read32(enum vmcs_field f)
{
	uint64_t v;
	int st = vmx_vmread_raw(f, &v);
	if (st)
		vmx_insn_fail("VMREAD", f, st, __builtin_return_address(0));
	return (uint32_t)v;
}

VMX_CHECKED uint16_t vmcs_read16(enum vmcs_field f)
{
	uint64_t v;
	int st = vmx_vmread_raw(f, &v);
	if (st)
		vmx_insn_fail("VMREAD", f, st, __builtin_return_address(0));
	return (uint16_t)v;
}

VMX_CHECKED void vmcs_write64(enum vmcs_field f, uint64_t v)
{
	int st = vmx_vmwrite_raw(f, v);
	if (st)
		vmx_insn_fail("VMWRITE", f, st, __builtin_return_address(0));
}

VMX_CHECKED void vmcs_write32(enum vmcs_field f, uint32_t v)
{
	int st = vmx_vmwrite_raw(f, v);
	if (st)
		vmx_insn_fail("VMWRITE", f, st, __builtin_return_address(0));
}

VMX_CHECKED void vmcs_write16(enum vmcs_field f, uint16_t v)
{
	int st = vmx_vmwrite_raw(f, v);
	if (st)
		vmx_insn_fail("VMWRITE", f, st, __builtin_return_address(0));
}

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
