/* Expected-fault table lookup and the memory probes (see extable.h). */
#include "hv/extable.h"
#include "include/err.h"
#include "include/x86.h"

extern const struct extable_entry __extable_start[], __extable_end[];

struct extable_fault extable_last;

/*
 * "1:" is the access that may fault. The status register starts at -EFAULT
 * and is cleared by the instruction after the access; the fixup ("2:")
 * skips that instruction, so a fault leaves -EFAULT.
 */
#define EXTABLE_ENTRY(fault, fixup) \
	".pushsection __extable, \"a\"\n\t" \
	".balign 8\n\t" \
	".quad " fault ", " fixup "\n\t" \
	".popsection\n\t"

int probe_read8(const void *p, uint8_t *out)
{
	int err = -EFAULT;
	uint8_t v = 0;

	__asm__ volatile("1: movb (%[p]), %[v]\n\t"
			 "xorl %[err], %[err]\n"
			 "2:\n\t"
			 EXTABLE_ENTRY("1b", "2b")
			 : [v] "+q"(v), [err] "+r"(err)
			 : [p] "r"(p)
			 : "memory");
	if (!err)
		*out = v;
	return err;
}

int probe_read64(const void *p, uint64_t *out)
{
	int err = -EFAULT;
	uint64_t v = 0;

	__asm__ volatile("1: movq (%[p]), %[v]\n\t"
			 "xorl %[err], %[err]\n"
			 "2:\n\t"
			 EXTABLE_ENTRY("1b", "2b")
			 : [v] "+r"(v), [err] "+r"(err)
			 : [p] "r"(p)
			 : "memory");
	if (!err)
		*out = v;
	return err;
}

int probe_write8(void *p, uint8_t v)
{
	int err = -EFAULT;

	__asm__ volatile("1: movb %[v], (%[p])\n\t"
			 "xorl %[err], %[err]\n"
			 "2:\n\t"
			 EXTABLE_ENTRY("1b", "2b")
			 : [err] "+r"(err)
			 : [p] "r"(p), [v] "q"(v)
			 : "memory");
	return err;
}

int probe_rdmsr(uint32_t msr, uint64_t *out)
{
	int err = -EFAULT;
	uint32_t lo = 0, hi = 0;

	__asm__ volatile("1: rdmsr\n\t"
			 "xorl %[err], %[err]\n"
			 "2:\n\t"
			 EXTABLE_ENTRY("1b", "2b")
			 : "+a"(lo), "+d"(hi), [err] "+r"(err)
			 : "c"(msr)
			 : "memory");
	if (!err)
		*out = ((uint64_t)hi << 32) | lo;
	return err;
}

bool extable_fixup(struct trap_frame *f)
{
	const struct extable_entry *e;

	for (e = __extable_start; e < __extable_end; e++) {
		if (e->fault_rip != f->rip)
			continue;
		extable_last.vector = (unsigned)f->vector;
		extable_last.error = f->error;
		extable_last.cr2 = f->vector == 14 ? read_cr2() : 0;
		extable_last.rip = f->rip;
		f->rip = e->fixup_rip;
		return true;
	}
	return false;
}
