/* Hypervisor command-line options (hv/options.c): space-separated
 * key=value words from the multiboot2 command line, e.g.
 *   ept_leaf=2m vpid=off guest_mem=256M guest=builtin demand=buffer
 *   watchdog=500ms restarts=2 expect_crash=1 rtc=host
 *
 * The parser core (options_defaults, options_parse_str, options_format) is
 * pure C: no console output, no run_end, so host unit tests and fuzzers link
 * it as is. options_parse()/options_print() are the hypervisor's wrappers.
 *
 * Rules (each violation is an error naming the word): every word is
 * key=value with a known key and a non-empty value; a key appears at most
 * once; a word is at most OPT_WORD_MAX bytes; numbers have no sign and do
 * not overflow. A first word starting with '/' (a loader's kernel path) is
 * skipped. */
#ifndef EPTLAB_OPTIONS_H
#define EPTLAB_OPTIONS_H

#include "include/types.h"

/* auto: the first module by its format (a bzImage by the Linux boot
 * protocol, else Multiboot v1); module: Multiboot v1; linux: the Linux
 * boot protocol (docs/linux-guest.md). */
enum opt_guest { OPT_GUEST_AUTO, OPT_GUEST_BUILTIN, OPT_GUEST_MODULE,
		 OPT_GUEST_LINUX };
/* test_corrupt= (test only; README.md "Hypervisor options"): each value
 * breaks one thing on purpose, so that a test can see it caught. */
enum opt_corrupt {
	OPT_CORRUPT_NONE,
	OPT_CORRUPT_TR_TYPE,      /* a bad guest TR type in the VMCS */
	OPT_CORRUPT_DEMAND_RETRY, /* demand faults retried unresolved: the
	                             no-progress stop (hv/exit.h) */
	OPT_CORRUPT_RODATA,       /* one .rodata byte flipped after the boot
	                             hash: the audit (hv/audit.c) */
	OPT_CORRUPT_TEXT,         /* one never-executed .text byte flipped */
	OPT_CORRUPT_EPT_HV_FRAME, /* an EPT leaf onto a hypervisor frame */
	OPT_CORRUPT_COUNT
};
/* The value names, indexed by enum opt_corrupt. */
extern const char *const opt_corrupt_name[OPT_CORRUPT_COUNT + 1];

#define OPT_WORD_MAX      128   /* longest accepted key=value word */
#define OPT_SELFTEST_MAX  32    /* longest selftest name, with its NUL */

struct hv_options {
	unsigned ept_leaf;       /* PG_SIZE_* of the largest leaf; 0 = auto */
	bool vpid;               /* use VPID if the CPU has it (default on) */
	bool apicv;              /* APIC virtualization if the CPU has it
	                            (default on; docs/platform.md "APIC
	                            virtualization") */
	uint64_t guest_mem;      /* bytes of guest RAM (default 128 MiB) */
	enum opt_guest guest;
	enum opt_corrupt corrupt;
	bool skip_check;         /* skip the software pre-entry checker */
	uint32_t demand;         /* HC_DEMAND_OFF/BUFFER/FULL (default off) */
	const char *selftest;    /* NULL, or selftest_buf (NUL-terminated) */
	char selftest_buf[OPT_SELFTEST_MAX];
	/* Containment (hv/contain.c, docs/containment.md). */
	uint32_t watchdog_ms;    /* watchdog=<N>ms|off: guest time without a
	                            VM exit before it is stopped; 0 = off */
	uint32_t restarts;       /* restarts=N: restart a crashed guest N times */
	bool expect_crash;       /* expect_crash=1: crashes make the run PASS */
	bool no_initrd;          /* initrd=none: a Linux guest's second module
	                            is not its initramfs (default auto) */
	bool acpi;               /* acpi=on|off: ACPI tables in guest RAM
	                            (hv/loader/pc_acpi.h; default
	                            plat_acpi_default()) */
	/* Interrupts and time (docs/platform.md). */
	bool rtc_host;           /* rtc=host: the guest's RTC starts at the
	                            host's date and time (default fixed) */
	uint32_t host_irq_test;  /* test_host_irq=pit (HC_HOST_IRQ_PIT): the
	                            host PIT unmasked on purpose; 0 = none */
};

extern struct hv_options hv_opts;

#define OPT_GUEST_MEM_DEFAULT  (128ULL << 20)
#define OPT_GUEST_MEM_MIN      (4ULL << 20)
#define OPT_GUEST_MEM_MAX      (3ULL << 30)
#define OPT_WATCHDOG_MS_DEFAULT 60000
#define OPT_WATCHDOG_MS_MAX    600000
#define OPT_RESTARTS_MAX       100

/* acpi's default: on, since the platform emulates the local APIC at
 * 0xFEE00000 and the I/O APIC at 0xFEC00000 that the MADT describes
 * (hv/dev/lapic.c, hv/dev/ioapic.c; docs/acpi.md). */
static inline bool plat_acpi_default(void)
{
	return true;
}

/* The defaults: ept_leaf=auto vpid=on guest_mem=128M guest=auto demand=off
 * watchdog=60000ms restarts=0 expect_crash=0 initrd=auto rtc=fixed
 * test_host_irq=none, acpi as plat_acpi_default() says */
void options_defaults(struct hv_options *o);

/* Parse cmdline (may be NULL: defaults) into *out. Returns 0, or -EINVAL
 * with err (may be NULL) holding "bad option '<word>': <why>"; *out is
 * written only on success. */
int options_parse_str(const char *cmdline, struct hv_options *out,
		      char *err, size_t errlen);

/* "ept_leaf=auto vpid=on guest_mem=128M guest=auto demand=off ..." into
 * buf (always NUL-terminated when buflen > 0). Returns the length
 * written (cut to buflen - 1). */
int options_format(const struct hv_options *o, char *buf, size_t buflen);

/* Hypervisor wrappers: parse into hv_opts, or print the error and the
 * known keys and end the run (FAIL); print "options: <format>". */
void options_parse(const char *cmdline);
void options_print(void);

#endif
