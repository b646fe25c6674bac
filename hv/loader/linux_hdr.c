/*
 * Linux loader: the setup header (boot.rst "The Real-Mode Kernel Header"
 * and "Details of Header Fields"). File offsets, all little-endian:
 *
 *   0x1F1 setup_sects  u8   512-byte setup sectors after the boot
 *                           sector (0 means 4)
 *   0x1F4 syssize      u32  protected-mode size in 16-byte units
 *   0x201              u8   second byte of the jump at 0x200: the
 *                           header ends at 0x202 + this byte
 *   0x202 header       u32  "HdrS"
 *   0x206 version      u16  protocol, 0x020F = 2.15
 *   0x211 loadflags    u8   bit 0 LOADED_HIGH
 *   0x22C initrd_addr_max u32  highest address the initramfs may occupy
 *   0x230 kernel_alignment u32 (relocatable kernels)
 *   0x234 relocatable_kernel u8
 *   0x238 cmdline_size u32  (2.06+) longest command line, no NUL
 *   0x258 pref_address u64  (2.10+) preferred load address
 *   0x260 init_size    u32  (2.10+) bytes the kernel needs from its
 *                           load address while it decompresses and runs
 */
#include "hv/loader/linux.h"
#include "hv/loader/linux_bp.h"
#include "include/err.h"

bool linux_is_bzimage(const uint8_t *img, size_t len)
{
	return img && len >= LX_HDR_MAGIC + 4 &&
	       get_le32(img + LX_HDR_MAGIC) == LINUX_HDR_MAGIC;
}

int linux_parse(const uint8_t *img, size_t len, struct linux_setup *s,
		char *err, size_t errlen)
{
	uint32_t sects;

	*s = (struct linux_setup){ 0 };
	if (!img || len < LX_HDR_MAGIC + 4)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated bzImage: %zu bytes, the setup "
				   "header magic needs 0x%x", len,
				   LX_HDR_MAGIC + 4);
	if (get_le32(img + LX_HDR_MAGIC) != LINUX_HDR_MAGIC)
		return loader_fail(err, errlen, -ENOEXEC,
				   "setup header magic at 0x%x is 0x%08x, not "
				   "\"HdrS\" (0x%08x): not a bzImage",
				   LX_HDR_MAGIC, get_le32(img + LX_HDR_MAGIC),
				   LINUX_HDR_MAGIC);
	if (len < LX_HDR_VERSION + 2)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated bzImage: %zu bytes, the protocol "
				   "version needs 0x%x", len,
				   LX_HDR_VERSION + 2);
	s->version = get_le16(img + LX_HDR_VERSION);
	if (s->version < LINUX_MIN_VERSION)
		return loader_fail(err, errlen, -ENOEXEC,
				   "boot protocol %u.%02u is older than 2.10 "
				   "(needed for pref_address and init_size)",
				   s->version >> 8, s->version & 0xFF);
	s->hdr_end = LX_HDR_MAGIC + (uint64_t)img[LX_HDR_JUMP + 1];
	if (s->hdr_end < LX_HDR_INIT_SIZE + 4)
		return loader_fail(err, errlen, -ENOEXEC,
				   "setup header ends at 0x%llx (0x202 + the "
				   "byte at 0x201), before init_size at 0x%x "
				   "that protocol %u.%02u has",
				   (unsigned long long)s->hdr_end,
				   LX_HDR_INIT_SIZE, s->version >> 8,
				   s->version & 0xFF);
	if (s->hdr_end > LX_ZP_HDR_LIMIT)
		return loader_fail(err, errlen, -ENOEXEC,
				   "setup header ends at 0x%llx (0x202 + the "
				   "byte at 0x201), beyond the 0x%x the zero "
				   "page holds it to",
				   (unsigned long long)s->hdr_end,
				   LX_ZP_HDR_LIMIT);
	if (len < s->hdr_end)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated bzImage: %zu bytes, the setup "
				   "header ends at 0x%llx", len,
				   (unsigned long long)s->hdr_end);

	s->setup_sects = img[LX_HDR_SETUP_SECTS];
	s->syssize = get_le32(img + LX_HDR_SYSSIZE);
	s->loadflags = img[LX_HDR_LOADFLAGS];
	s->initrd_addr_max = get_le32(img + LX_HDR_INITRD_ADDR_MAX);
	s->kernel_alignment = get_le32(img + LX_HDR_KERNEL_ALIGNMENT);
	s->relocatable = img[LX_HDR_RELOCATABLE] != 0;
	s->cmdline_size = get_le32(img + LX_HDR_CMDLINE_SIZE);
	s->pref_address = get_le64(img + LX_HDR_PREF_ADDRESS);
	s->init_size = get_le32(img + LX_HDR_INIT_SIZE);

	sects = s->setup_sects ? s->setup_sects : 4;
	s->pm_offset = (uint64_t)(sects + 1) * LINUX_SECTOR;
	if (s->pm_offset >= len)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated bzImage: setup_sects %u puts "
				   "the protected-mode kernel at 0x%llx, the "
				   "file has %zu bytes", s->setup_sects,
				   (unsigned long long)s->pm_offset, len);
	s->pm_size = len - s->pm_offset;
	if ((uint64_t)s->syssize * 16 > s->pm_size)
		return loader_fail(err, errlen, -ENOEXEC,
				   "truncated bzImage: syssize says 0x%llx "
				   "bytes of protected-mode kernel from 0x%llx, "
				   "the file has 0x%llx",
				   (unsigned long long)s->syssize * 16,
				   (unsigned long long)s->pm_offset,
				   (unsigned long long)s->pm_size);
	if (!(s->loadflags & LINUX_LOADED_HIGH))
		return loader_fail(err, errlen, -EINVAL,
				   "loadflags 0x%02x: LOADED_HIGH clear (a "
				   "zImage loaded at 0x10000 is not supported)",
				   s->loadflags);
	if (s->init_size == 0)
		return loader_fail(err, errlen, -EINVAL,
				   "init_size 0: the kernel names no memory "
				   "window");
	if (s->relocatable &&
	    (s->kernel_alignment < SZ_4K ||
	     (s->kernel_alignment & (s->kernel_alignment - 1))))
		return loader_fail(err, errlen, -EINVAL,
				   "kernel_alignment 0x%x of a relocatable "
				   "kernel is not a power of two >= 4 KiB",
				   s->kernel_alignment);
	return 0;
}
