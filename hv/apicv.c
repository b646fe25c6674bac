/*
 * APIC virtualization (hv/apicv.h; docs/platform.md "APIC
 * virtualization"). SDM revision 084, Vol. 3C "APIC Virtualization and
 * Virtual Interrupts": "Virtual-APIC Page", "Virtualizing Reads from the
 * APIC-Access Page", "Virtualizing Writes to the APIC-Access Page",
 * "APIC-Write Emulation", "Virtual-Interrupt Delivery", "EOI
 * Virtualization", "APIC-Access VM Exits", "APIC-Write VM Exits".
 *
 * One source of truth: the virtual-APIC page is the LAPIC model's own
 * register page (hv/dev/lapic.h). The CPU writes TPR, PPR, EOI, ISR and
 * IRR there itself; the model derives everything from the page and
 * keeps only the timer's and ESR's shadows, so nothing is copied either
 * way. RVI and SVI (guest interrupt status) are rebuilt from the page's
 * IRR and ISR in the event tail; the CPU keeps them equal to the page
 * while the guest runs. The EOI-exit bitmap is written when the I/O
 * APIC's redirection table changes (and when the controls go on).
 *
 * The APIC-access page is a zeroed host frame mapped at GPA 0xFEE00000
 * in every EPT view (vm_views_add_common): Bochs compares the
 * APIC-access address with the physical address after the EPT
 * translation (/work/shared/PLATFORM.md), so the mapping is what makes
 * an access an APIC access. Nothing is ever stored in it.
 */
#include "hv/apicv.h"
#include "hv/exit.h"
#include "hv/intc.h"
#include "hv/vm.h"
#include "hv/memlayout.h"
#include "hv/dev/lapic.h"
#include "hv/dev/ioapic.h"
#include "hv/host.h"
#include "hv/options.h"
#include "vmx/vmx.h"
#include "vmx/vmx_exitinfo.h"
#include "lib/console.h"
#include "lib/panic.h"
#include "lib/string.h"

#define APICV_PROC2 (PROC2_VIRT_APIC_ACCESS | PROC2_APIC_REG_VIRT | \
		     PROC2_VIRT_INTR_DELIVERY)
#define CR8_EXITING (PROC_CR8_LOAD_EXITING | PROC_CR8_STORE_EXITING)

/* APIC-access exit qualification (SDM 3C "Exit Qualification for
 * APIC-Access VM Exits"): bits 11:0 the offset, 15:12 the access type. */
#define APIC_ACCESS_OFF(q)   ((unsigned)(q) & 0xFFF)
#define APIC_ACCESS_TYPE(q)  (((unsigned)(q) >> 12) & 0xF)
#define APIC_ACCESS_READ     0      /* linear access, data read */
#define APIC_ACCESS_WRITE    1      /* linear access, data write */

const char *apicv_missing(const struct vmx_caps *c)
{
	if (!(vmx_ctl_allowed(c->proc) & PROC_SECONDARY_CONTROLS))
		return "activate secondary controls";
	if (!(vmx_ctl_allowed(c->proc) & PROC_TPR_SHADOW))
		return "use TPR shadow";
	if (!vmx_proc2_allowed(c, PROC2_VIRT_APIC_ACCESS))
		return "virtualize APIC accesses";
	if (!vmx_proc2_allowed(c, PROC2_APIC_REG_VIRT))
		return "APIC-register virtualization";
	if (!vmx_proc2_allowed(c, PROC2_VIRT_INTR_DELIVERY))
		return "virtual-interrupt delivery";
	return NULL;
}

void apicv_init(struct vcpu *v)
{
	const char *miss = apicv_missing(v->caps);
	uint64_t pa;

	v->apicv.usable = false;
	if (!hv_opts.apicv) {
		printf("apicv: off (apicv=off): every local APIC access is "
		       "trap-and-emulate\n");
		return;
	}
	if (miss) {
		printf("apicv: apicv=on falls back to off: the CPU lacks '%s'; "
		       "every local APIC access is trap-and-emulate\n", miss);
		return;
	}
	pa = hv_frame_alloc_zeroed();
	if (!pa)
		panic("out of frames for the APIC-access page");
	v->apicv.access_pa = pa;
	v->apicv.usable = true;
	printf("apicv: on: virtual-APIC page = the LAPIC model's page (HPA "
	       "0x%llx), APIC-access page HPA 0x%llx at GPA 0x%llx\n",
	       (unsigned long long)virt_to_phys(v->apic_page),
	       (unsigned long long)pa, (unsigned long long)LAPIC_BASE_GPA);
}

static void eoi_exit_write(struct vcpu *v, bool force)
{
	uint64_t bm[4];

	ioapic_eoi_exit_bitmap(&v->vm->plat.ioapic, bm);
	if (!force && !memcmp(bm, v->apicv.eoi_exit, sizeof(bm)))
		return;
	memcpy(v->apicv.eoi_exit, bm, sizeof(bm));
	vmcs_write64(VMCS_EOI_EXIT_BITMAP0, bm[0]);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP1, bm[1]);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP2, bm[2]);
	vmcs_write64(VMCS_EOI_EXIT_BITMAP3, bm[3]);
}

/* The page at 0xFEE00000 in every view, or none (then an access there is
 * an EPT violation again: hv/exit_mmio.c or "outside guest RAM"). */
static void apicv_map(struct vcpu *v, bool on)
{
	int rc;

	if (on == v->apicv.mapped)
		return;
	rc = on ? vm_views_add_common(v->vm, LAPIC_BASE_GPA,
				      v->apicv.access_pa, SZ_4K,
				      PG_PROT_R | PG_PROT_W)
		: vm_views_del_common(v->vm, LAPIC_BASE_GPA);
	if (rc)
		panic("apicv: %s the APIC-access page at GPA 0x%llx: %d",
		      on ? "mapping" : "unmapping",
		      (unsigned long long)LAPIC_BASE_GPA, rc);
	v->apicv.mapped = on;
}

void apicv_update(struct vcpu *v, bool force)
{
	bool on = v->apicv.usable && intc_mmio_claims(v) &&
		  lapic_sw_enabled(&v->lapic);
	uint32_t proc = v->ctl.proc, proc2 = v->ctl.proc2;

	if (!force && on == v->apicv.on)
		return;
	v->apicv.on = on;
	apicv_map(v, on);
	if (!v->apicv.usable)
		return;
	/* With a TPR shadow, MOV to/from CR8 use VTPR (SDM 3C "TPR
	 * Virtualization"): the CR8 exits go; without one they must stay. */
	if (on) {
		proc = (proc | PROC_TPR_SHADOW) & ~CR8_EXITING;
		proc2 |= APICV_PROC2;
		vmcs_write64(VMCS_VIRTUAL_APIC_ADDR, virt_to_phys(v->apic_page));
		vmcs_write64(VMCS_APIC_ACCESS_ADDR, v->apicv.access_pa);
		/* Unused with virtual-interrupt delivery (SDM 3C "TPR
		 * Virtualization"); 0 satisfies the VM-entry checks. */
		vmcs_write32(VMCS_TPR_THRESHOLD, 0);
		eoi_exit_write(v, true);
		vmcs_write16(VMCS_GUEST_INTR_STATUS,
			     lapic_page_intr_status(v->apic_page));
	} else {
		proc = (proc & ~PROC_TPR_SHADOW) | CR8_EXITING;
		proc2 &= ~APICV_PROC2;
	}
	v->ctl.proc = proc;
	v->ctl.proc2 = proc2;
	vmcs_write32(VMCS_PROC_CONTROLS, proc);
	vmcs_write32(VMCS_PROC_CONTROLS2, proc2);
	exit_event_kick();
}

void apicv_sync(struct vcpu *v)
{
	vmcs_write16(VMCS_GUEST_INTR_STATUS,
		     lapic_page_intr_status(v->apic_page));
}

void apicv_ioapic_written(struct vcpu *v)
{
	if (v->apicv.on)
		eoi_exit_write(v, false);
}

/* A read or write the CPU did not virtualize: PPR, APR, the current
 * count, a write to a read-only register, a narrow write. The
 * instruction has not executed (fault-like); the decoder performs it. */
void handle_apic_access(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);
	unsigned type = APIC_ACCESS_TYPE(q);

	if (type != APIC_ACCESS_READ && type != APIC_ACCESS_WRITE) {
		exit_com1_flush(v);
		printf("apicv: APIC-access exit at offset 0x%x of type %u (an "
		       "instruction fetch or an event delivery meets the "
		       "APIC page) at rip 0x%llx\n", APIC_ACCESS_OFF(q), type,
		       (unsigned long long)vmcs_readnat(VMCS_GUEST_RIP));
		guest_stop(v, "APIC access not emulated");
	}
	exit_mmio_emulate(v, LAPIC_BASE_GPA + APIC_ACCESS_OFF(q),
			  type == APIC_ACCESS_WRITE);
}

/* Trap-like: the CPU stored the value in the virtual-APIC page and RIP
 * is past the instruction; the model acts on the stored value. */
void handle_apic_write(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);

	v->vm->ctr.apic_write_exits++;
	intc_apic_write(v, APIC_ACCESS_OFF(q));
	exit_mark_progress();
}

/* Trap-like: EOI virtualization cleared the vector's ISR bit; its EOI-
 * exit bit says it is level-triggered from the I/O APIC (remote IRR). */
void handle_virtualized_eoi(struct vcpu *v)
{
	uint64_t q = vmcs_readnat(VMCS_EXIT_QUALIFICATION);

	v->vm->ctr.eoi_exits++;
	intc_eoi(v, (uint8_t)(q & 0xFF));
	exit_mark_progress();
}

/* Only without virtual-interrupt delivery, which eptlab always uses with
 * a TPR shadow: re-evaluate. */
void handle_tpr_threshold(struct vcpu *v)
{
	exit_event_kick();
	exit_mark_progress();
}
