/*
 * Shared fixture of the VM-entry checker tests (tests/unit/test_vmx_check*.c).
 *
 * A fake VMCS (an array indexed by field encoding, read through a
 * vmcs_reader callback that truncates to the field's width) is filled with
 * a valid baseline: (a) a 64-bit guest, or (b) a 32-bit protected-mode guest
 * with paging off under unrestricted guest. Caps are those Bochs 2.7 reports
 * for cpu model corei7_skylake_x (TRUE_* values where the plain MSRs would
 * differ).
 *
 * A rule case starts from a baseline, enables what the rule needs (and
 * checks with expect_pass() that this is still valid), breaks the fewest
 * fields that reach the rule, and names the rule with expect_rule(): the
 * first failing rule must be exactly that id, about that field.
 * expect_every_rule_hit() runs all cases of a binary again and requires
 * every rule of an area to have been named by one.
 */
#ifndef EPTLAB_TESTS_VCHK_FIXTURE_H
#define EPTLAB_TESTS_VCHK_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "include/types.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"
#include "vmx/vmx_check.h"

/* Access rights: type | S << 4 | DPL << 5 | P << 7 | L << 13 | D/B << 14
 * | G << 15; bit 16 = unusable. */
#define AR_CODE64   0xA09BULL   /* type 11, S, P, L, G */
#define AR_CODE32   0xC09BULL   /* type 11, S, P, D/B, G */
#define AR_DATA     0xC093ULL   /* type 3, S, P, D/B, G */
#define AR_TSS_BUSY 0x008BULL   /* type 11, P */
#define AR_LDT      0x0082ULL   /* type 2, P */
#define AR_REAL     0x0093ULL   /* type 3, S, P: real-mode segments */
#define AR_S        BIT(4)
#define AR_DPL3     (3ULL << 5)
#define AR_P        BIT(7)
#define AR_DB       BIT(14)
#define AR_G        BIT(15)
#define AR_UNUSABLE BIT(16)

#define PAT_DEFAULT 0x0007040600070406ULL
#define NONCANONICAL 0x0000800000000000ULL

/* Interruption information: valid | type << 8 | vector, with or without
 * deliver-error-code. */
#define INTR(type, vec)    (BIT(31) | ((uint64_t)(type) << 8) | (vec))
#define INTR_EC(type, vec) (INTR(type, vec) | BIT(11))
#define INTR_EXT    0
#define INTR_NMI    2
#define INTR_HW     3
#define INTR_SW_INT 4
#define INTR_OTHER  7

extern struct vmx_caps caps;
extern struct vmx_check_failure vchk_failure;
extern const struct vmcs_reader vchk_reader;

void set(enum vmcs_field f, uint64_t v);
uint64_t get(enum vmcs_field f);
void set_bits(enum vmcs_field f, uint64_t m);
void clr_bits(enum vmcs_field f, uint64_t m);

/* cmocka setup functions: caps and VMCS reset to a baseline. */
int setup_guest64(void **state);
int setup_guest32(void **state);

/* Variations that stay valid. */
void make_real_mode(void);       /* from guest32: CR0.PE = 0, 64K segments */
void make_ldtr_usable(void);     /* a usable LDT at selector 0x20 */
void make_ring3(void);           /* CS and SS DPL 3 (RPL stays 0: needs UG) */

/* The checker passes. */
void expect_pass(void);
/* The checker fails first on rule 'id', naming 'field'. */
void expect_rule(enum vmx_check_rule id, enum vmcs_field field);

/* Run cases[0..n) (except the caller, 'self') with their setups, then
 * require every rule of 'area' to have been named by an expect_rule(). */
void expect_every_rule_hit(enum vmx_check_area area,
			   const struct CMUnitTest *cases, size_t n,
			   CMUnitTestFunction self);

/* The checker's verdict on the fake VMCS as one line. */
void vchk_format_failure(char *buf, size_t n,
			 const struct vmx_check_failure *f);

#endif
