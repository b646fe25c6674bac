/*
 * The eptlab hypercall ABI, shared by the hypervisor and the guest kernel
 * (documented in docs/hypercalls.md).
 *
 *   VMCALL with RAX = number, arguments in RBX, RCX, RDX, RSI.
 *   Result in RAX: >= 0 on success, a negative errno (include/err.h) on
 *   failure (-ENOSYS for an unknown number, -EINVAL / -EFAULT for bad
 *   arguments). Other registers are preserved.
 *
 * The guest detects eptlab with CPUID: leaf 1 ECX bit 31 (hypervisor
 * present) and leaf 0x40000000 returning the signature "EptLabEptLab" in
 * EBX, ECX, EDX and the highest hypervisor leaf in EAX.
 *
 * Ending a run: the guest writes its status byte to I/O port 0xF4
 * (0 = pass, anything else = fail); the hypervisor traps it, prints its
 * statistics and ends the run. Under plain QEMU the same write reaches
 * isa-debug-exit, so one guest binary works on both.
 */
#ifndef EPTLAB_HYPERCALL_H
#define EPTLAB_HYPERCALL_H

#define HC_CPUID_LEAF        0x40000000
#define HC_CPUID_SIG_EBX     0x4C747045   /* "EptL" */
#define HC_CPUID_SIG_ECX     0x70456261   /* "abEp" */
#define HC_CPUID_SIG_EDX     0x62614C74   /* "tLab" */

#define GUEST_EXIT_PORT      0xF4
#define GUEST_COM1_PORT      0x3F8

#define HC_ABI_VERSION       1

enum hc_number {
	HC_VERSION      = 0,   /* -> HC_ABI_VERSION */
	HC_ECHO         = 1,   /* rbx -> rbx + 1 (round-trip test) */
	HC_DUMP_STATE   = 2,   /* print guest registers and control state */
	HC_EXIT_STATS   = 3,   /* print per-reason exit counts now */
	HC_TRANSLATE    = 4,   /* rbx = GVA, rcx = GPA of struct hc_walk -> 0 */
	HC_INVEPT       = 5,   /* rbx = type (1 single, 2 all) -> 0 */
	HC_INVVPID      = 6,   /* rbx = type (0 addr, 1 single, 2 all, 3 single
	                          keeping globals), rcx = GVA for type 0 -> 0 */
	HC_PROBE_GPA    = 7,   /* rbx = GPA -> 0 if backed, -ENOENT if not */
	HC_MAX
};

#endif
