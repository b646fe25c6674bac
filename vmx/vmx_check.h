/*
 * Software VM-entry checker: evaluates the checks of SDM Vol. 3C chapter
 * "VM Entries" (sections "Checks on VMX Controls and Host-State Area" and
 * "Checks on the Guest State Area") against a VMCS, for the modes eptlab
 * uses (64-bit host; guest in 64-bit, protected or unrestricted real mode),
 * and names the first failing rule with the field values involved.
 *
 * It reads the VMCS through a callback so host unit tests can run it
 * against a fake VMCS. Every rule has an id (enum vmx_check_rule) and a
 * row in vmx/vmx_check_rules.def: its area, SDM section and name.
 */
#ifndef EPTLAB_VMX_CHECK_H
#define EPTLAB_VMX_CHECK_H

#include "include/types.h"
#include "vmx/vmcs.h"
#include "vmx/vmx_caps.h"

struct vmcs_reader {
	void *ctx;
	uint64_t (*read)(void *ctx, enum vmcs_field f);
};

enum vmx_check_area {
	VMX_CHECK_CONTROLS = 1,   /* failure => VMfailValid error 7 */
	VMX_CHECK_HOST     = 2,   /* failure => VMfailValid error 8 */
	VMX_CHECK_GUEST    = 3,   /* failure => exit reason 33 | bit 31 */
};

/* One id per rule, in checking order; VCHK_R_NONE (0) is no rule. */
enum vmx_check_rule {
	VCHK_R_NONE,
#define VCHK_RULE(id, area, section, name) id,
#include "vmx/vmx_check_rules.def"
#undef VCHK_RULE
	VCHK_R_COUNT
};

struct vmx_check_rule_info {
	enum vmx_check_area area;
	const char *section;      /* SDM 3C section title */
	const char *name;         /* short statement of the rule */
};

struct vmx_check_failure {
	enum vmx_check_rule id;   /* the rule violated */
	enum vmx_check_area area; /* these three are copied from its row */
	const char *rule;         /* short statement of the rule violated */
	const char *section;      /* SDM section title it comes from */
	enum vmcs_field field;    /* the main field involved */
	uint64_t value;           /* its value */
	char detail[160];         /* other values involved, formatted */
};

/* Run all checks in SDM order. 0 if all pass; otherwise -EINVAL and *f
 * describes the first failing rule. */
int vmx_check_vmcs(const struct vmx_caps *caps, const struct vmcs_reader *rd,
		   struct vmx_check_failure *f);

/* The row of rule 'id'; NULL for VCHK_R_NONE and ids out of range. */
const struct vmx_check_rule_info *vmx_check_rule_info(enum vmx_check_rule id);

/* Human-readable name of an area: "VMX controls", "host state", ... */
const char *vmx_check_area_name(enum vmx_check_area a);

#endif
