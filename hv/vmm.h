/* Entry from the boot path into the virtualization layer (hv/vmm.c).
 * Called once the host memory is set up; never returns: it ends the run
 * with run_end() (e.g. "VT-x not available: CPUID.1:ECX.VMX[bit 5] = 0"). */
#ifndef EPTLAB_VMM_H
#define EPTLAB_VMM_H

#include "hv/bootinfo.h"

__attribute__((noreturn)) void vmm_main(struct boot_info *bi);

#endif
