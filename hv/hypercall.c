/*
 * The hypercall dispatcher (include/hypercall.h, docs/hypercalls.md).
 * SDM revision 084. Arguments come from guest registers and are never
 * trusted: every guest-physical range is checked against guest RAM
 * without overflow (hv/vm_ept.c), and results are written through
 * vm_write, which handles structures that cross a page.
 *
 * A caller at CPL > 0 (SS.DPL) may make only the calls that read and
 * report (hc_allowed_at_cpl3, include/hypercall.h); HC_TRANSLATE then
 * writes its result by guest-virtual address, after checking through the
 * guest's own page tables that the buffer is user-writable.
 */
#include "hv/hypercall.h"
#include "hv/exit.h"
#include "hv/vm.h"
#include "hv/walk2d.h"
#include "vmx/vmx.h"
#include "vmx/vmx_insn.h"
#include "vmx/vmcs.h"
#include "hv/stats.h"
#include "hv/bench.h"
#include "include/hypercall.h"
#include "hv/audit.h"
#include "include/x86.h"
#include "lib/console.h"
#include "include/err.h"

/* Log only the first INV_LOG_MAX calls of each type: the exit path does
 * not print on a hot loop (the benchmarks time 1000 of each). */
#define INV_LOG_MAX 4
static unsigned inv_logged[2][4];

static int64_t hc_invept(struct vcpu *v, uint64_t type)
{
	struct vm *vm = v->vm;

	if (type != INVEPT_SINGLE && type != INVEPT_ALL)
		return -EINVAL;
	if (!vmx_has_invept(v->caps, (unsigned)type))
		return -EOPNOTSUPP;
	uint64_t eptp = ept_eptp(&vm->view[vcpu_view(v)].ept);

	vmx_invept((unsigned)type, type == INVEPT_SINGLE ? eptp : 0);
	vm_count_invept(vm, (unsigned)type);
	if (inv_logged[0][type]++ < INV_LOG_MAX)
		printf("hc: INVEPT %s executed (EPTP 0x%llx)\n",
	       type == INVEPT_SINGLE ? "single-context" : "all-context",
	       (unsigned long long)eptp);
	return 0;
}

static int64_t hc_invvpid(struct vcpu *v, uint64_t type, uint64_t gva)
{
	static const char *const name[] = { "individual-address",
		"single-context", "all-context", "single-context-retaining-globals" };

	if (type > INVVPID_SINGLE_NG)
		return -EINVAL;
	if (!vmx_has_invvpid(v->caps, (unsigned)type))
		return -EOPNOTSUPP;
	/* VPID off: the guest runs as VPID 0000H. Types 0, 1 and 3 cannot
	 * name it (SDM 2C "INVVPID": a VPID operand of 0 fails), and
	 * all-context invalidates "all VPIDs except VPID 0000H", so no type
	 * reaches this guest's translations. None is needed either: every VM
	 * exit and entry, this VMCALL's own included, invalidates the
	 * mappings of VPID 0000H (SDM 3C "Virtual Processor Identifiers
	 * (VPIDs)"). Nothing is executed or counted. */
	if (!v->ctl.vpid)
		return -EOPNOTSUPP;
	/* Non-canonical for the CPU's width: INVVPID would fail (SDM 3C
	 * "INVVPID"). */
	if (type == INVVPID_ADDR && !vmx_canonical(v->caps, gva))
		return -EINVAL;
	vmx_invvpid((unsigned)type, v->ctl.vpid, gva);
	vm_count_invvpid(v->vm, (unsigned)type);
	if (inv_logged[1][type]++ < INV_LOG_MAX)
		printf("hc: INVVPID %s executed (VPID %u%s)\n", name[type], v->ctl.vpid,
	       type == INVVPID_ADDR ? ", one address" : "");
	return 0;
}

/* The last walk drawn, drawn again when the run ends (hc_print_last_walk). */
static struct hc_walk last_walk;
static bool have_walk;

void hc_print_last_walk(void)
{
	if (!have_walk)
		return;
	printf("walk: the guest's last HC_TRANSLATE walk, again:\n");
	walk2d_print(&last_walk, false);
}

/* SDM 3A "Privilege Levels": the CPL is CS.RPL, and equals SS.DPL; the
 * VMCS keeps SS's DPL in bits 6:5 of its access rights (SDM 3C "Guest
 * Register State"). */
static unsigned guest_cpl(void)
{
	return (vmcs_read32(VMCS_GUEST_SS_AR) >> 5) & 3;
}

/* A CPL > 0 caller's result buffer: [gva, gva + len) must be
 * user-writable in the guest's tables under cr3 and writable in EPT view
 * ept (the one the caller runs in), each page of it
 * (walk2d_user_writable); then it is written page by page. Nothing is
 * written unless every page passes. */
static int64_t hc_user_write(struct vm *vm, struct ept *ept, uint64_t cr3,
			     uint64_t gva, const void *src, size_t len)
{
	static struct hc_walk bw;     /* one vCPU: no stack for 512 bytes */
	uint64_t gpa[2], first = SZ_4K - (gva & (SZ_4K - 1));
	size_t n0 = len < first ? len : (size_t)first;
	unsigned pages = n0 < len ? 2 : 1;
	int rc;

	for (unsigned i = 0; i < pages; i++) {
		uint64_t va = i ? gva + n0 : gva;

		walk2d(&ept->space, cr3, true, va, &bw);
		rc = walk2d_user_writable(&bw);
		if (rc)
			return rc;
		gpa[i] = bw.gpa;
	}
	rc = vm_write(vm, gpa[0], src, n0);
	if (!rc && pages == 2)
		rc = vm_write(vm, gpa[1], (const uint8_t *)src + n0, len - n0);
	return rc;
}

/* After a drawn walk: the EPT engine's own translation of the walk's GPA
 * (pg_translate, not the recording walker), so a reader (and the Linux
 * test) can compare the two HPAs. */
static __attribute__((noinline)) void hc_print_engine_xlate(struct ept *ept,
							     const struct hc_walk *w)
{
	struct pg_xlate x;

	if (w->result)
		return;
	if (ept_translate(ept, w->gpa, &x)) {
		printf("walk: EPT engine: GPA 0x%llx is not mapped (the walk "
		       "says HPA 0x%llx): DIFFERENT\n",
		       (unsigned long long)w->gpa, (unsigned long long)w->hpa);
		return;
	}
	printf("walk: EPT engine: GPA 0x%llx -> HPA 0x%llx (%s the walk's)\n",
	       (unsigned long long)w->gpa, (unsigned long long)x.pa,
	       x.pa == w->hpa ? "equal to" : "DIFFERENT from");
}

/* HC_TRANSLATE: the 2D walk of gva under the guest's current CR3, in the
 * view the vCPU runs in, or in view rsi (HC_WALK_VIEW). At CPL 0 buf is
 * a GPA; at CPL > 0 a user-writable GVA (hc_user_write). */
static int64_t hc_translate(struct vcpu *v, uint64_t gva, uint64_t buf,
			    uint64_t flags, uint64_t view, bool user)
{
	uint64_t cr0 = vmcs_readnat(VMCS_GUEST_CR0);
	uint64_t cr4 = vmcs_readnat(VMCS_GUEST_CR4);
	uint64_t efer = vmcs_read64(VMCS_GUEST_IA32_EFER);
	bool paging = cr0 & CR0_PG;
	struct vm *vm = v->vm;
	struct hc_walk w;

	if (flags & ~(uint64_t)(HC_WALK_PRINT | HC_WALK_VIEW))
		return -EINVAL;
	if (!(flags & HC_WALK_VIEW))
		view = vcpu_view(v);
	else if (view >= VM_VIEWS || !vm->view[view].live)
		return -ENOENT;
	if (!user && !vm_range_ok(vm, buf, sizeof(w)))
		return -EFAULT;
	if (user && !paging)
		return -EACCES;     /* no page tables to check the buffer with */
	/* The walker knows 4-level IA-32e paging only (no 32-bit, PAE
	 * without LMA or 5-level paging). */
	if (paging && (!(efer & EFER_LMA) || (cr4 & CR4_LA57)))
		return -EOPNOTSUPP;
	walk2d(&vm->view[view].ept.space, vmcs_readnat(VMCS_GUEST_CR3), paging,
	       gva, &w);
	if (flags & HC_WALK_PRINT) {
		exit_com1_flush(v);
		walk2d_print(&w, true);
		hc_print_engine_xlate(&vm->view[view].ept, &w);
		last_walk = w;
		have_walk = true;
	}
	if (user)
		return hc_user_write(vm, &vm->view[vcpu_view(v)].ept,
				     vmcs_readnat(VMCS_GUEST_CR3), buf, &w,
				     sizeof(w));
	return vm_write(vm, buf, &w, sizeof(w));
}

/* Kept out of handle_vmcall: a struct on the dispatcher's own stack would
 * make -fstack-protector-strong instrument every hypercall (hot path). */
static __attribute__((noinline)) int64_t hc_probe_gpa(struct vm *vm,
						      uint64_t gpa)
{
	struct pg_xlate x;

	return ept_translate(vm_ept0(vm), gpa, &x) ? -ENOENT : 0;
}

/* Every hypercall but the trivial ones (see handle_vmcall). */
static __attribute__((noinline)) int64_t hc_dispatch(struct vcpu *v)
{
	uint64_t *r = v->regs.gpr;
	struct vm *vm = v->vm;
	uint64_t a1 = r[GPR_RBX], a2 = r[GPR_RCX], a3 = r[GPR_RDX];
	uint64_t a4 = r[GPR_RSI];
	int64_t ret;
	bool user = guest_cpl() != 0;

	if (user && !hc_allowed_at_cpl3(r[GPR_RAX]))
		return -EPERM;
	switch (r[GPR_RAX]) {
	case HC_DUMP_STATE:
		exit_com1_flush(v);
		exit_dump_guest(v, "HC_DUMP_STATE");
		ret = 0;
		break;
	case HC_EXIT_STATS:
		exit_com1_flush(v);
		stats_print("HC_EXIT_STATS");
		ret = 0;
		break;
	case HC_TRANSLATE:
		ret = hc_translate(v, a1, a2, a3, a4, user);
		break;
	case HC_INVEPT:
		ret = hc_invept(v, a1);
		break;
	case HC_INVVPID:
		ret = hc_invvpid(v, a1, a2);
		break;
	case HC_PROBE_GPA:
		ret = hc_probe_gpa(vm, a1);
		break;
	case HC_EPT_REMAP:
		ret = vm_hc_remap(vm, a1, a2);
		break;
	case HC_EPT_PROTECT:
		ret = vm_hc_protect(vm, a1, a2, a3);
		break;
	case HC_WRITE_TRACK:
		ret = vm_hc_write_track(vm, a1, a2);
		break;
	case HC_VIOLATION_LOG:
		ret = vm_hc_violation_log(vm, a1, a2);
		break;
	case HC_DEMAND:
		ret = vm_hc_demand(vm, a1, a2);
		break;
	case HC_COUNTERS:
		ret = vm_hc_counters(vm, a1);
		break;
	case HC_EPT_AD:
		ret = vm_hc_ept_ad(vm, a1, a2, a3, a4);
		break;
	case HC_CONFIG:
		ret = vm_hc_config(vm, a1, v->ctl.vpid);
		break;
	case HC_INJECT_NMI:
		/* As from the vCPU's NMI pin: one can be pending (SDM 3A
		 * "Handling Multiple NMIs"); the event tail injects it. */
		if (a1) {
			ret = -EINVAL;
			break;
		}
		v->ev.nmi_pending = true;
		exit_event_kick();
		ret = 0;
		break;
	case HC_AUDIT:
		if (a1 == 0)
			ret = hv_audit(vm);
		else if (a1 == HC_AUDIT_EPT)
			ret = audit_ept_check(vm);
		else if (a1 == HC_AUDIT_HOST_MSRS)
			ret = audit_msr_check();
		else
			ret = -EINVAL;
		break;
	default:
		if (r[GPR_RAX] >= HC_BENCH_FIRST && r[GPR_RAX] <= HC_BENCH_LAST)
			ret = bench_hypercall(v, r[GPR_RAX]);
		else if (r[GPR_RAX] >= HC_VIEW_CREATE &&
			 r[GPR_RAX] <= HC_SPP_SET)
			ret = hc_ept_dispatch(v);     /* hv/ept_view_hc.c */
		else
			ret = -ENOSYS;
		break;
	}
	return ret;
}

/* Every call but the trivial ones: dispatch, result in RAX, RIP past the
 * VMCALL. Reached by a tail call, so handle_vmcall keeps no frame. */
static __attribute__((noinline)) void hc_call(struct vcpu *v)
{
	v->regs.gpr[GPR_RAX] = (uint64_t)hc_dispatch(v);
	exit_advance_rip(3);
}

/*
 * The VMCALL exit. HC_VERSION and HC_ECHO are answered here, with no call
 * (they are the round-trip benchmarks); every other call goes through
 * hc_call, whose frame and argument loads they would otherwise pay.
 * VMCALL is always 0F 01 C1 (SDM 2B "VMCALL"): RIP advances by 3, with no
 * VMREAD of the instruction length.
 */
void handle_vmcall(struct vcpu *v)
{
	uint64_t *r = v->regs.gpr;

	if (r[GPR_RAX] == HC_VERSION) {
		r[GPR_RAX] = HC_ABI_VERSION;
	} else if (r[GPR_RAX] == HC_ECHO) {
		r[GPR_RAX] = r[GPR_RBX] + 1;     /* RBX itself preserved */
	} else {
		hc_call(v);
		return;
	}
	exit_advance_rip(3);
}
