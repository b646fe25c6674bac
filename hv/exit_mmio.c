/*
 * MMIO emulation (docs/platform.md "MMIO"): a guest access to a device
 * page that EPT does not map arrives as an EPT violation (or, under
 * APICv, an APIC-access exit: hv/exit_apicv.c). The instruction at the
 * guest RIP is fetched through the guest's page tables and the EPT (the
 * 2D walker, hv/walk2d.c), decoded (hv/dev/mmio_decode.c), performed
 * against the device model, and RIP moves past it. Whatever cannot be
 * fetched, decoded or performed stops the guest with the bytes and the
 * RIP shown: it is never guessed.
 *
 *   0xFEE00000  the local xAPIC (hv/intc.c), while IA32_APIC_BASE has it
 *               enabled in xAPIC mode; otherwise not a device (#GP(0),
 *               hv/vm_ept.c)
 *   0xFEC00000  the I/O APIC (hv/dev/ioapic.c)
 *
 * Both are 32-bit register files (SDM Vol. 3A "Local APIC Register
 * Address Map": "All 32-bit registers should be accessed using 128-bit
 * aligned 32-bit loads or stores"; 82093AA "Register Description"). Reads
 * of 1, 2 or 4 bytes inside one dword are served; writes must be aligned
 * 32-bit stores, except a byte store to the I/O APIC's IOREGSEL.
 */
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/intc.h"
#include "hv/apicv.h"
#include "hv/walk2d.h"
#include "hv/dev/lapic.h"
#include "hv/dev/ioapic.h"
#include "hv/dev/mmio_decode.h"
#include "vmx/vmx_exitinfo.h"
#include "lib/console.h"
#include "lib/string.h"

enum mmio_dev { MMIO_NONE, MMIO_LAPIC, MMIO_IOAPIC };

static enum mmio_dev mmio_which(struct vcpu *v, uint64_t gpa)
{
	uint64_t page = ALIGN_DOWN(gpa, SZ_4K);

	if (page == LAPIC_BASE_GPA && intc_mmio_claims(v))
		return MMIO_LAPIC;
	if (page == IOAPIC_BASE_GPA)
		return MMIO_IOAPIC;
	return MMIO_NONE;
}

/* Up to MMIO_INSN_MAX bytes at the guest's CS:RIP, page by page; returns
 * how many could be read (0 with *why set if none). */
static size_t mmio_fetch(struct vcpu *v, uint8_t *buf, const char **why)
{
	static struct hc_walk w;        /* one vCPU; 500 bytes off the stack */
	uint64_t la = vmcs_readnat(VMCS_GUEST_CS_BASE) +
		      vmcs_readnat(VMCS_GUEST_RIP);
	bool paging = vmcs_readnat(VMCS_GUEST_CR0) & CR0_PG;
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	struct ept *ept = &v->vm->view[vcpu_view(v)].ept;
	size_t got = 0;

	/* The walker knows 4-level IA-32e paging, or none. */
	if (paging && (!(efer & EFER_LMA) ||
		       (vmcs_readnat(VMCS_GUEST_CR4) & CR4_LA57))) {
		*why = "guest paging other than 4-level IA-32e";
		return 0;
	}
	if (!(efer & EFER_LMA))
		la = (uint32_t)la;
	while (got < MMIO_INSN_MAX) {
		size_t n = MIN(MMIO_INSN_MAX - got,
			       SZ_4K - ((la + got) & (SZ_4K - 1)));

		walk2d(&ept->space, vmcs_readnat(VMCS_GUEST_CR3), paging,
		       la + got, &w);
		if (w.result || vm_read(v->vm, w.gpa, buf + got, n))
			break;
		got += n;
	}
	if (!got)
		*why = "the instruction's page does not translate to guest RAM";
	return got;
}

/* 16, 32 or 64 from CS.L, CS.D and IA32_EFER.LMA (SDM 3A "IA-32e Mode"). */
static unsigned mmio_mode(void)
{
	uint32_t ar = vmcs_read32(VMCS_GUEST_CS_AR);

	if ((vmcs_read64(VMCS_GUEST_IA32_EFER) & EFER_LMA) && (ar & BIT(13)))
		return 64;
	return (ar & BIT(14)) ? 32 : 16;
}

__attribute__((noreturn))
static void mmio_stop(struct vcpu *v, uint64_t gpa, const uint8_t *b,
		      size_t n, const char *why)
{
	exit_com1_flush(v);
	printf("mmio: GPA 0x%llx at rip 0x%llx: %s; bytes",
	       (unsigned long long)gpa,
	       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP), why);
	for (size_t i = 0; i < n; i++)
		printf(" %02x", b[i]);
	printf("%s\n", n ? "" : " (none)");
	guest_stop(v, "MMIO access not emulated");
}

static uint32_t dev_read(struct vcpu *v, enum mmio_dev d, unsigned off)
{
	if (d == MMIO_LAPIC)
		return intc_mmio_read(v, off);
	return ioapic_read(&v->vm->plat.ioapic, off);
}

static void dev_write(struct vcpu *v, enum mmio_dev d, unsigned off,
		      uint32_t val)
{
	if (d == MMIO_LAPIC) {
		intc_mmio_write(v, off, val);
		return;
	}
	ioapic_write(&v->vm->plat.ioapic, off, val);
	apicv_ioapic_written(v);        /* the EOI-exit bitmap */
	exit_event_kick();      /* an unmasked level line delivers now */
}

/* Perform the access at gpa that the guest's current instruction makes.
 * write_q: the exit says it was a write (EPT qualification bit 1, or the
 * APIC-access type). */
void exit_mmio_emulate(struct vcpu *v, uint64_t gpa, bool write_q)
{
	uint8_t b[MMIO_INSN_MAX];
	const char *why = NULL;
	char err[160];
	struct mmio_insn in;
	enum mmio_dev d = mmio_which(v, gpa);
	unsigned off = gpa & (SZ_4K - 1), sh = (off & 3) * 8;
	size_t n = mmio_fetch(v, b, &why);

	if (!n)
		mmio_stop(v, gpa, b, 0, why);
	if (mmio_decode(b, n, mmio_mode(), &in, err, sizeof(err)))
		mmio_stop(v, gpa, b, n, err);
	if (in.write != write_q)
		mmio_stop(v, gpa, b, n, in.write ?
			  "decoded a store, but the exit reports a read" :
			  "decoded a load, but the exit reports a write");
	if (in.write) {
		uint64_t val = mmio_store_value(&in, exit_gpr_get(v, in.reg));

		if (in.size == 4 && !(off & 3))
			dev_write(v, d, off, (uint32_t)val);
		else if (d == MMIO_IOAPIC && in.size == 1 &&
			 off == IOAPIC_IOREGSEL)
			dev_write(v, d, off, (uint8_t)val);
		else
			mmio_stop(v, gpa, b, n, "a store other than an aligned "
				  "32-bit one to a 32-bit register");
	} else {
		uint64_t data;

		if (in.size > 4 || (off & 3) + in.size > 4)
			mmio_stop(v, gpa, b, n, "a load wider than its 32-bit "
				  "register");
		data = dev_read(v, d, off & ~3u) >> sh;
		if (in.size < 4)
			data &= (1u << (in.size * 8)) - 1;
		unsigned r = in.reg;
		uint64_t old = exit_gpr_get(v, r);
		exit_gpr_set(v, r, mmio_load_value(&in, old, data));
	}
	v->vm->ctr.mmio_exits++;
	exit_advance_rip(in.len);
}

bool exit_mmio(struct vcpu *v, uint64_t gpa, uint64_t qual, bool delivering)
{
	if (mmio_which(v, gpa) == MMIO_NONE)
		return false;
	if (delivering)
		mmio_stop(v, gpa, NULL, 0, "event delivery (IDT, stack) meets "
			  "a device page");
	if (qual & EPTV_FETCH)
		mmio_stop(v, gpa, NULL, 0, "instruction fetch from a device "
			  "page");
	exit_mmio_emulate(v, gpa, qual & EPTV_WRITE);
	v->vm->mmio_emulated++;     /* EPT violations only (walk-4k) */
	return true;
}
