/*
 * walkdemo: the 2D walk of a Linux process (docs/linux-guest.md). At
 * CPL 3 it touches a buffer of its own and asks Linux where it is
 * (/proc/self/pagemap: the GPA by the kernel's own account), then detects
 * eptlab by CPUID (leaf 1 ECX bit 31, then the "EptLabEptLab" signature
 * of leaf 0x40000000) and issues HC_TRANSLATE on the buffer with
 * HC_WALK_PRINT: eptlab walks this process's page tables (its CR3, PCID
 * bits masked) and then EPT, draws the walk on its console, and writes
 * struct hc_walk into a second buffer of this process, by guest-virtual
 * address, after checking that it is user-writable (docs/hypercalls.md
 * "Calls from CPL > 0"). The walk's GPA must be pagemap's. Prints
 *   walkdemo: pagemap: GVA ... -> GPA ...
 *   walkdemo: PASS: GVA ... -> GPA ... -> HPA ..., N memory references
 * or "walkdemo: FAIL: ..." / "walkdemo: SKIP: ..." and exits 0 / 1.
 */
#include "linux/sys.h"
#include "include/hypercall.h"

static volatile uint64_t target[512] __attribute__((aligned(4096)));
static struct hc_walk walk __attribute__((aligned(4096)));

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

static long vmcall(long nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	long ret;

	__asm__ volatile("vmcall"
			 : "=a"(ret)
			 : "a"(nr), "b"(a1), "c"(a2), "d"(a3)
			 : "memory");
	return ret;
}

/* The GPA of va by Linux's own account: its /proc/self/pagemap entry
 * (bit 63 present, bits 54:0 the page frame number, which reads as 0
 * without CAP_SYS_ADMIN: /init runs as root). 0 if unknown. */
static uint64_t pagemap_gpa(uint64_t va)
{
	uint64_t e = 0;
	long fd = sys2(SYS_open, "/proc/self/pagemap", 0);

	if (fd < 0)
		return 0;
	if (sys4(SYS_pread64, fd, &e, sizeof(e), (va >> 12) * 8) != sizeof(e))
		e = 0;
	sys1(SYS_close, fd);
	if (!(e >> 63) || !(e & ((1ULL << 55) - 1)))
		return 0;
	return ((e & ((1ULL << 55) - 1)) << 12) | (va & 0xFFF);
}

int main(int argc, char **argv)
{
	uint64_t va = (uint64_t)(uintptr_t)&target[0], gpa;
	uint32_t r[4];
	long rc;

	target[0] = 0x2D3A1CULL;            /* present and dirty */
	gpa = pagemap_gpa(va);
	if (!gpa) {
		put_str("walkdemo: FAIL: no GPA for the buffer in /proc/self/pagemap\n");
		return 1;
	}
	put_str("walkdemo: pagemap: GVA ");
	put_hex(va);
	put_str(" -> GPA ");
	put_hex(gpa);
	put_str("\n");
	cpuid(1, r);
	if (!(r[2] & (1U << 31))) {
		put_str("walkdemo: SKIP: no hypervisor (CPUID.1:ECX[31] = 0)\n");
		return 0;
	}
	cpuid(HC_CPUID_LEAF, r);
	if (r[1] != HC_CPUID_SIG_EBX || r[2] != HC_CPUID_SIG_ECX ||
	    r[3] != HC_CPUID_SIG_EDX) {
		put_str("walkdemo: SKIP: the hypervisor is not eptlab\n");
		return 0;
	}
	walk.gva = 0;                       /* and the result page too */
	rc = vmcall(HC_TRANSLATE, (uint64_t)(uintptr_t)&target[0],
		    (uint64_t)(uintptr_t)&walk, HC_WALK_PRINT);
	if (rc || walk.result || walk.gva != (uint64_t)(uintptr_t)&target[0]) {
		put_str("walkdemo: FAIL: HC_TRANSLATE returned ");
		put_dec((uint64_t)-rc);
		put_str(" (negated), walk result ");
		put_dec((uint64_t)-(long)walk.result);
		put_str("\n");
		return 1;
	}
	if (walk.gpa != gpa) {
		put_str("walkdemo: FAIL: the walk's GPA ");
		put_hex(walk.gpa);
		put_str(" is not pagemap's ");
		put_hex(gpa);
		put_str("\n");
		return 1;
	}
	put_str("walkdemo: PASS: GVA ");
	put_hex(walk.gva);
	put_str(" -> GPA ");
	put_hex(walk.gpa);
	put_str(" -> HPA ");
	put_hex(walk.hpa);
	put_str(", ");
	put_dec(walk.nrefs);
	put_str(" memory references, guest CR3 ");
	put_hex(walk.guest_cr3);
	put_str("\n");
	return 0;
}
