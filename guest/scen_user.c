/*
 * The hypercall policy at CPL 3 (docs/hypercalls.md "Calls from CPL >
 * 0"): user code (guest/user.asm) runs at CPL 3 from a user page of the
 * test window and makes six hypercalls; the kernel checks what each
 * returned:
 *   cpl3.read-only-call       HC_VERSION and HC_PROBE_GPA are answered;
 *   cpl3.ept-call-refused     HC_EPT_PROTECT (changes EPT) and
 *                             HC_COUNTERS (writes a GPA) return -EPERM;
 *   cpl3.translate-kernel-buffer   HC_TRANSLATE with its result buffer
 *                             on a kernel-only page returns -EACCES and
 *                             the page is untouched;
 *   cpl3.translate-user-buffer     HC_TRANSLATE into the user page: 0,
 *                             and the walk written there by GVA.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "include/hypercall.h"
#include "include/err.h"
#include "lib/string.h"

/* The user data page (R12 of the user code). */
struct user_page {
	int64_t ret[6];               /* +0x00: each call's RAX */
	uint8_t pad0[0x10];
	uint64_t kbuf_va;             /* +0x40: the kernel-only buffer */
	uint64_t xlate_va;            /* +0x48: the GVA to translate */
	uint64_t page_gpa;            /* +0x50: a GPA for the refused calls */
	uint8_t pad1[0x800 - 0x58];
	struct hc_walk walk;          /* +0x800: HC_TRANSLATE's buffer */
};
_Static_assert(__builtin_offsetof(struct user_page, kbuf_va) == 0x40, "");
_Static_assert(__builtin_offsetof(struct user_page, walk) == 0x800, "");
_Static_assert(sizeof(struct user_page) <= SZ_4K, "one page");

/* Test-window slots of this scenario (guest/guest.h SCEN_SLOT). */
#define USER_CODE_VA  SCEN_SLOT(40)
#define USER_DATA_VA  SCEN_SLOT(41)
#define KERNEL_BUF_VA SCEN_SLOT(42)
#define KBUF_FILL     0xC3

extern const uint8_t user_code_start[], user_code_end[];
uint64_t user_call(uint64_t rip, uint64_t rsp, uint64_t arg);

static bool all_bytes(const uint8_t *p, uint8_t v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

static const char *const user_scen[] = {
	"cpl3.read-only-call", "cpl3.ept-call-refused",
	"cpl3.translate-kernel-buffer", "cpl3.translate-user-buffer",
};

void scen_user_run(void)
{
	const char *name = "cpl3.hypercall-policy";
	uint64_t code_pa, data_pa, kbuf_pa;
	struct user_page *up;
	uint8_t *kbuf;
	int rc;

	/* Without eptlab each of the four SKIPs under its own name. */
	if (!scen_need_hv(user_scen[0])) {
		for (unsigned i = 1; i < ARRAY_SIZE(user_scen); i++)
			scen_need_hv(user_scen[i]);
		return;
	}
	code_pa = mm_alloc_frame();
	data_pa = mm_alloc_frame();
	kbuf_pa = mm_alloc_frame();
	up = mm_dm(data_pa);
	kbuf = mm_dm(kbuf_pa);
	if (!code_pa || !data_pa || !kbuf_pa) {
		report(false, name, "no frames");
		return;
	}
	memcpy(mm_dm(code_pa), user_code_start,
	       (size_t)(user_code_end - user_code_start));
	memset(up, 0, SZ_4K);
	memset(kbuf, KBUF_FILL, SZ_4K);
	up->kbuf_va = KERNEL_BUF_VA;
	up->xlate_va = USER_DATA_VA;
	up->page_gpa = data_pa;
	rc = pg_map(&guest_space, USER_CODE_VA, code_pa, SZ_4K,
		    PG_PROT_R | PG_PROT_X | PG_PROT_USER);
	if (!rc)
		rc = pg_map(&guest_space, USER_DATA_VA, data_pa, SZ_4K,
			    PG_PROT_R | PG_PROT_W | PG_PROT_USER);
	if (!rc)
		rc = pg_map(&guest_space, KERNEL_BUF_VA, kbuf_pa, SZ_4K,
			    PG_PROT_R | PG_PROT_W);
	if (rc) {
		report(false, name, "mapping the user pages: %s", err_name(rc));
		return;
	}

	user_call(USER_CODE_VA, USER_DATA_VA + 0x800, USER_DATA_VA);

	report(up->ret[0] == HC_ABI_VERSION &&
	       (up->ret[1] == 0 || up->ret[1] == -ENOENT), user_scen[0],
	       "HC_VERSION %lld (want %d), HC_PROBE_GPA %lld (want 0 or "
	       "-ENOENT)", (long long)up->ret[0], HC_ABI_VERSION,
	       (long long)up->ret[1]);
	report(up->ret[2] == -EPERM && up->ret[3] == -EPERM,
	       user_scen[1], "HC_EPT_PROTECT %lld, HC_COUNTERS "
	       "%lld (want -EPERM)", (long long)up->ret[2],
	       (long long)up->ret[3]);
	report(up->ret[4] == -EACCES && all_bytes(kbuf, KBUF_FILL, SZ_4K),
	       user_scen[2], "HC_TRANSLATE into a "
	       "kernel-only page: %lld (want -EACCES), page %s",
	       (long long)up->ret[4], all_bytes(kbuf, KBUF_FILL, SZ_4K) ?
	       "untouched" : "WRITTEN");
	report(up->ret[5] == 0 && up->walk.gva == USER_DATA_VA &&
	       up->walk.result == 0 && up->walk.gpa == data_pa,
	       user_scen[3], "HC_TRANSLATE into the user "
	       "page: %lld, walk gva 0x%llx result %d gpa 0x%llx (want 0, "
	       "0x%llx, 0, 0x%llx)", (long long)up->ret[5],
	       (unsigned long long)up->walk.gva, up->walk.result,
	       (unsigned long long)up->walk.gpa,
	       (unsigned long long)USER_DATA_VA, (unsigned long long)data_pa);
	scen_unmap(USER_CODE_VA, 3 * SZ_4K);
}
