/*
 * Hypervisor self-audit (hv/audit.c), for after a hostile-guest run:
 *
 *   1. the hypervisor's .text and .rodata still hash to the value taken at
 *      boot (audit_init) - nothing rewrote the code or constant data;
 *   2. in every EPT view, every present leaf maps only frames the VM owns:
 *      each 4 KiB page of the leaf lies inside guest RAM, is backed, and
 *      its HPA is the one vm->page[] records for that GPA (or the leaf is
 *      one of the mappings every view carries) - so the guest can reach
 *      no hypervisor or foreign frame; every not-present entry keeps
 *      suppress-#VE; the EPTP list names exactly the live views;
 *   3. the host's PAT, MTRRs and TSC_ADJUST are as at boot
 *      (hv/audit_msr.c) - no guest write reached them.
 *
 * Exposed to guests as HC_AUDIT (include/hypercall.h): 0 if all checks
 * pass, else -EIO. The result is printed either way.
 */
#ifndef EPTLAB_AUDIT_H
#define EPTLAB_AUDIT_H

#include "include/types.h"

struct vm;

/* The EPT half of hv_audit (pure C): walk each view's EPT, print a line
 * for each of the first few bad findings, return how many there are (a
 * leaf mapping a frame the VM does not own at that GPA, a hole without
 * suppress-#VE, a wrong EPTP-list entry); leaves/bytes (may be NULL) get
 * the totals over the views. */
uint64_t audit_ept(struct vm *vm, uint64_t *leaves, uint64_t *bytes);

/* audit_ept alone, for HC_AUDIT_EPT: one "audit: EPT PASS|FAIL: ..." line
 * (after the lines of the bad findings). 0 or -EIO. */
int audit_ept_check(struct vm *vm);

/* Hash .text and .rodata; call once at boot, before any guest runs. */
void audit_init(void);

/* Run the three checks on vm (the image hashes, the EPT, the host
 * MSRs of hv/audit_msr.c), print "audit: ..." lines naming what changed
 * (the section whose hash differs, each bad EPT leaf and whose frame it
 * maps). 0 or -EIO. Run by HC_AUDIT and at the end of every guest run
 * (guest_end, hv/exit_guest.c). */
int hv_audit(struct vm *vm);

/* Test only (test_corrupt=rodata|text|ept_hv_frame, hv/options.h): break
 * what the audit guards, once, after audit_init and before the first
 * VMLAUNCH, and say so; nothing for any other value. */
void audit_test_corrupt(struct vm *vm);

/* hv/audit_msr.c: the host's IA32_PAT, MTRRs and IA32_TSC_ADJUST, read at
 * boot (before any guest runs), then compared: "audit: host MSRs
 * PASS/FAIL", each changed MSR named with both values. 0 or -EIO.
 * HC_AUDIT and the end of every run (guest_end) check them. */
void audit_msr_init(void);
int audit_msr_check(void);

/* Mix RDRAND (if CPUID.1:ECX[30]) into the stack-protector guard that
 * hv/entry.asm seeded from RDTSC. Call from hv_main only, which never
 * returns, so no active frame checks a canary with the old value. */
void canary_reseed(void);

/* selftest=canary: overwrite this function's own canary, so its epilogue
 * calls __stack_chk_fail (which must report and end the run). */
void audit_smash_canary(void);

#endif
