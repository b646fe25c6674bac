/* vmx_ctl_compute: turn requested controls into a control-field value;
 * the INVEPT/INVVPID capability checks and their fallbacks
 * (SDM revision 084, Vol. 3D A.3-A.5 "VM-Execution Controls" etc.: bits
 * 31:0 of a capability MSR are allowed-0 settings, bits 63:32 allowed-1).
 * Pure C: also linked into host unit tests. */
#include "vmx/vmx_caps.h"
#include "vmx/vmcs.h"
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

bool vmx_has_invept(const struct vmx_caps *c, unsigned type)
{
	if (!(c->ept_vpid & EPT_CAP_INVEPT))
		return false;
	return type == INVEPT_SINGLE ? !!(c->ept_vpid & EPT_CAP_INVEPT_SINGLE) :
	       type == INVEPT_ALL    ? !!(c->ept_vpid & EPT_CAP_INVEPT_ALL) :
	       false;
}

bool vmx_has_invvpid(const struct vmx_caps *c, unsigned type)
{
	static const uint64_t bit[] = {
		[INVVPID_ADDR] = VPID_CAP_INVVPID_ADDR,
		[INVVPID_SINGLE] = VPID_CAP_INVVPID_SINGLE,
		[INVVPID_ALL] = VPID_CAP_INVVPID_ALL,
		[INVVPID_SINGLE_NG] = VPID_CAP_INVVPID_SINGLE_NG,
	};
	if (!(c->ept_vpid & VPID_CAP_INVVPID) || type >= ARRAY_SIZE(bit))
		return false;
	return !!(c->ept_vpid & bit[type]);
}

int vmx_invept_type(const struct vmx_caps *c, unsigned want)
{
	if (want == INVEPT_SINGLE && vmx_has_invept(c, INVEPT_SINGLE))
		return INVEPT_SINGLE;
	if ((want == INVEPT_SINGLE || want == INVEPT_ALL) &&
	    vmx_has_invept(c, INVEPT_ALL))
		return INVEPT_ALL;
	return -1;
}

int vmx_invvpid_type(const struct vmx_caps *c, unsigned want)
{
	if (want > INVVPID_SINGLE_NG)
		return -1;
	if (vmx_has_invvpid(c, want))
		return (int)want;
	if (want != INVVPID_ALL && vmx_has_invvpid(c, INVVPID_SINGLE))
		return INVVPID_SINGLE;
	if (vmx_has_invvpid(c, INVVPID_ALL))
		return INVVPID_ALL;
	return -1;
}
