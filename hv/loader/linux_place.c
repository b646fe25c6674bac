/*
 * Linux loader: where the kernel and the initramfs go (boot.rst "Details
 * of Header Fields": pref_address, kernel_alignment, relocatable_kernel,
 * init_size, initrd_addr_max).
 *
 *   0        1 MiB         kernel_gpa           kernel_end           top
 *   |  low   |    ...      |== init_size window ==|  ...  [initramfs]  |
 *   (zero page, GDT, command line, reserved BIOS ranges)
 *
 * The kernel goes at pref_address if its window fits there (in guest RAM
 * below 4 GiB, at or above 1 MiB, clear of every busy range); else, if it
 * is relocatable, at the lowest kernel_alignment-aligned address that
 * fits. The window is init_size (or the file's protected-mode part, if
 * larger), rounded up to 4 KiB. The initramfs goes as high as it can:
 * page-aligned, its last byte at or below initrd_addr_max and inside
 * guest RAM, clear of the kernel window and the busy ranges.
 */
#include "hv/loader/linux_bp.h"
#include "include/err.h"

static const struct linux_range *busy_hit(const struct linux_range *busy,
					  size_t n, uint64_t a, uint64_t len)
{
	for (size_t i = 0; i < n; i++)
		if (loader_overlap(a, len, busy[i].base, busy[i].len))
			return &busy[i];
	return NULL;
}

/* Below 4 GiB and inside RAM: the 32-bit entry and 32-bit header fields
 * reach no further. */
static uint64_t top_of(uint64_t ram_size)
{
	return MIN(ram_size, LOADER_4GIB);
}

int linux_place_kernel(const struct linux_setup *s, uint64_t ram_size,
		       const struct linux_range *busy, size_t nbusy,
		       struct linux_image *out, char *err, size_t errlen)
{
	uint64_t win = ALIGN_UP(MAX((uint64_t)s->init_size, s->pm_size), SZ_4K);
	uint64_t top = top_of(ram_size), pref = s->pref_address, a;
	const struct linux_range *b = NULL;
	const char *why;

	out->at_pref = false;
	if (pref >= LINUX_LOW_LIMIT && pref <= top && win <= top - pref &&
	    !(b = busy_hit(busy, nbusy, pref, win))) {
		out->kernel_gpa = pref;
		out->kernel_end = pref + win;
		out->at_pref = true;
		return 0;
	}
	why = pref < LINUX_LOW_LIMIT ? "below 1 MiB" :
	      b ? b->name : "beyond guest RAM";
	if (!s->relocatable)
		return loader_fail(err, errlen, -EINVAL,
				   "kernel does not fit: not relocatable, and "
				   "its init_size window of 0x%llx bytes at "
				   "pref_address 0x%llx is %s (guest RAM "
				   "0x%llx)", (unsigned long long)win,
				   (unsigned long long)pref, why,
				   (unsigned long long)ram_size);
	a = ALIGN_UP(LINUX_LOW_LIMIT, s->kernel_alignment);
	while (a <= top && win <= top - a) {
		b = busy_hit(busy, nbusy, a, win);
		if (!b) {
			out->kernel_gpa = a;
			out->kernel_end = a + win;
			return 0;
		}
		a = ALIGN_UP(b->base + b->len, s->kernel_alignment);
	}
	return loader_fail(err, errlen, -EINVAL,
			   "kernel does not fit in guest RAM (0x%llx): its "
			   "init_size window of 0x%llx bytes at pref_address "
			   "0x%llx is %s, and no kernel_alignment (0x%x) "
			   "aligned place from 1 MiB holds it",
			   (unsigned long long)ram_size,
			   (unsigned long long)win, (unsigned long long)pref,
			   why, s->kernel_alignment);
}

int linux_place_initrd(const struct linux_setup *s, uint64_t ram_size,
		       uint64_t size, const struct linux_range *busy,
		       size_t nbusy, struct linux_image *out, char *err,
		       size_t errlen)
{
	uint64_t top = MIN(top_of(ram_size), (uint64_t)s->initrd_addr_max + 1);
	uint64_t end = top, a;
	const struct linux_range *b;

	out->initrd_gpa = out->initrd_size = 0;
	if (!size)
		return 0;
	while (size <= end && (a = ALIGN_DOWN(end - size, SZ_4K)) >=
	       LINUX_LOW_LIMIT) {
		if (loader_overlap(a, size, out->kernel_gpa,
				   out->kernel_end - out->kernel_gpa)) {
			end = out->kernel_gpa;
			continue;
		}
		b = busy_hit(busy, nbusy, a, size);
		if (!b) {
			out->initrd_gpa = a;
			out->initrd_size = size;
			return 0;
		}
		end = b->base;
	}
	return loader_fail(err, errlen, -E2BIG,
			   "initramfs of 0x%llx bytes does not fit: its "
			   "window is [1 MiB, 0x%llx) (initrd_addr_max 0x%x, "
			   "guest RAM 0x%llx) less the kernel's init_size "
			   "window [0x%llx, 0x%llx)",
			   (unsigned long long)size, (unsigned long long)top,
			   s->initrd_addr_max, (unsigned long long)ram_size,
			   (unsigned long long)out->kernel_gpa,
			   (unsigned long long)out->kernel_end);
}
