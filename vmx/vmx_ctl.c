/* vmx_ctl_compute: turn requested controls into a control-field value
 * (SDM revision 084, Vol. 3D A.3-A.5 "VM-Execution Controls" etc.: bits
 * 31:0 of a capability MSR are allowed-0 settings, bits 63:32 allowed-1).
 * Pure C: also linked into host unit tests. */
#include "vmx/vmx_caps.h"
#include "include/err.h"

int vmx_ctl_compute(uint64_t cap_msr, const struct vmx_ctl_req *req, size_t n,
		    uint32_t *out, const char **missing)
{
	uint32_t val = vmx_ctl_required(cap_msr);
	uint32_t allowed = vmx_ctl_allowed(cap_msr);

	for (size_t i = 0; i < n; i++) {
		if (allowed & req[i].bit) {
			val |= req[i].bit;
		} else if (req[i].required) {
			if (missing)
				*missing = req[i].name;
			return -EOPNOTSUPP;
		}
	}
	*out = val;
	return 0;
}
