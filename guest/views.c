/*
 * The guest's side of EPT views (docs/ept-views.md): what the hypervisor
 * offers (HC_VIEW_INFO), and one way to switch views whatever the CPU:
 * VMFUNC EPTP switching where it exists (no VM exit), HC_VIEW_SELECT
 * where it does not (one VM exit).
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "include/hypercall.h"
#include "lib/console.h"
#include "include/err.h"
#include "include/x86.h"

struct hc_view_info views_cfg;
long views_rc = -ENOSYS;

long view_info(struct hc_view_info *out)
{
	return hc_call(HC_VIEW_INFO, mm_kernel_pa(out), 0, 0, 0);
}

bool views_have(unsigned hc_vf)
{
	return views_rc == 0 && (views_cfg.features & hc_vf);
}

void views_setup(void)
{
	if (!hv_present())
		return;
	views_rc = view_info(&views_cfg);
	if (views_rc) {
		printf("views: HC_VIEW_INFO failed: %s\n", err_name((int)views_rc));
		return;
	}
	printf("views: %u views; VMFUNC EPTP switching %s; #VE %s; PML %s; "
	       "SPP %s\n", views_cfg.views,
	       views_have(HC_VF_VMFUNC) ? "yes" :
	       "no (views switch by HC_VIEW_SELECT, one VM exit each)",
	       views_have(HC_VF_VE) ? "yes" : "no",
	       views_have(HC_VF_PML) ? "yes" : "no",
	       views_have(HC_VF_SPP) ? "yes" : "no");
}

long view_switch(unsigned i)
{
	if (views_have(HC_VF_VMFUNC)) {
		vmfunc(0, i);
		return 0;
	}
	return hc_call(HC_VIEW_SELECT, i, 0, 0, 0);
}
