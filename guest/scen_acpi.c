/*
 * acpi.tables (docs/acpi.md, docs/guest.md): find the ACPI tables as any
 * kernel does, with nothing but physical memory, and check them.
 *
 *   1. The RSDP: the first 16-byte boundary with "RSD PTR " and a valid
 *      20-byte checksum, in the EBDA's first KiB (segment at BDA 0x40E),
 *      then in 0xE0000-0xFFFFF (ACPI "Finding the RSDP on IA-PC
 *      Systems"); revision 2 also needs the 36-byte extended checksum.
 *   2. The XSDT (revision 2 with an XSDT address) or else the RSDT; its
 *      checksum, then each table it lists: the header inside the table,
 *      the checksum valid. It must list a MADT ("APIC").
 *   3. The MADT: every entry inside the table, at least one enabled
 *      processor (a local APIC or x2APIC entry) and one I/O APIC.
 *   4. Tables with eptlab's OEM ID "EPTLAB" must say exactly what
 *      hv/loader/pc_acpi.c writes: one CPU with APIC ID 0, the local APIC
 *      at 0xFEE00000, PCAT_COMPAT, the I/O APIC with ID 1 at 0xFEC00000
 *      and GSI base 0, no override of IRQ 0 (identity routing), LINT1 as
 *      NMI, a FADT with SCI IRQ 9, a valid DSDT and a FACS. Under eptlab
 *      tables with another OEM ID fail.
 * Without an RSDP it SKIPs: eptlab writes tables only with acpi=on (its
 * default is off); a PC firmware (QEMU's SeaBIOS, Bochs's BIOS) has them.
 *
 * The pages are read through a read-only window of the guest's own page
 * tables, VA = ACPI_WIN + PA, mapped page by page and unmapped after.
 */
#include "guest/guest.h"
#include "guest/mm.h"
#include "guest/report.h"
#include "lib/console.h"
#include "lib/string.h"

#define ACPI_WIN      (GUEST_TEST_VA + 0x100000000ULL)   /* + PA < 4 GiB */
#define MAX_PAGES     64
#define MAX_TABLES    32

static uint64_t mapped[MAX_PAGES];
static unsigned nmapped;

/* Map [pa, pa + len) into the window; its VA, or 0 (beyond 4 GiB, or out
 * of slots, or the engine refused). */
static const uint8_t *phys(uint64_t pa, uint64_t len)
{
	if (!len || pa >= BIT(32) || len > BIT(32) - pa)
		return NULL;
	for (uint64_t p = ALIGN_DOWN(pa, SZ_4K); p < pa + len; p += SZ_4K) {
		bool have = false;

		for (unsigned i = 0; i < nmapped; i++)
			have |= mapped[i] == p;
		if (have)
			continue;
		if (nmapped == MAX_PAGES ||
		    pg_map(&guest_space, ACPI_WIN + p, p, SZ_4K, PG_PROT_R))
			return NULL;
		mapped[nmapped++] = p;
	}
	return (const uint8_t *)(uintptr_t)(ACPI_WIN + pa);
}

static void unmap_all(void)
{
	for (unsigned i = 0; i < nmapped; i++)
		scen_unmap(ACPI_WIN + mapped[i], SZ_4K);
	nmapped = 0;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint64_t scan(uint64_t from, uint64_t len)
{
	const uint8_t *v = phys(from, len);

	for (uint64_t off = 0; v && off + 20 <= len; off += 16)
		if (!memcmp(v + off, "RSD PTR ", 8) && !sum(v + off, 20))
			return from + off;
	return 0;
}

/* A table at pa: mapped, length >= 36 and < 64 KiB, checksum 0. */
static const uint8_t *table(uint64_t pa, const char **why)
{
	const uint8_t *t = phys(pa, 36);
	uint32_t len;

	if (!t) {
		*why = "not addressable";
		return NULL;
	}
	len = le32(t + 4);
	if (len < 36 || len > 0x10000) {
		*why = "bad length";
		return NULL;
	}
	t = phys(pa, len);
	if (!t || sum(t, len)) {
		*why = t ? "bad checksum" : "not addressable";
		return NULL;
	}
	return t;
}

#define FAIL_RET(...) do { report(false, name, __VA_ARGS__); \
			   unmap_all(); return; } while (0)

struct madt_info {
	uint32_t lapic, flags;
	unsigned cpus, cpu0_id, ioapics, ioapic_id, isos, irq0_iso, nmis;
	uint32_t ioapic_addr, ioapic_gsi;
	int nmi_lint;
};

static const char *madt_parse(const uint8_t *m, struct madt_info *mi)
{
	uint32_t len = le32(m + 4);

	memset(mi, 0, sizeof(*mi));
	mi->nmi_lint = -1;
	mi->lapic = le32(m + 36);
	mi->flags = le32(m + 40);
	for (uint32_t off = 44; off < len; off += m[off + 1]) {
		const uint8_t *e = m + off;

		if (off + 2 > len || e[1] < 2 || off + e[1] > len)
			return "an entry runs past the table";
		if (e[0] == 0 && e[1] >= 8 && (le32(e + 4) & 1)) {
			if (!mi->cpus++)
				mi->cpu0_id = e[3];
		} else if (e[0] == 9 && e[1] >= 16 && (le32(e + 8) & 1)) {
			if (!mi->cpus++)
				mi->cpu0_id = le32(e + 4);
		} else if (e[0] == 1 && e[1] >= 12) {
			if (!mi->ioapics++) {
				mi->ioapic_id = e[2];
				mi->ioapic_addr = le32(e + 4);
				mi->ioapic_gsi = le32(e + 8);
			}
		} else if (e[0] == 2 && e[1] >= 10) {
			mi->isos++;
			mi->irq0_iso += e[2] == 0 && e[3] == 0;
		} else if (e[0] == 4 && e[1] >= 6) {
			mi->nmis++;
			mi->nmi_lint = e[5];
		}
	}
	return NULL;
}

/* The exact values of hv/loader/pc_acpi.c (docs/acpi.md). */
static const char *eptlab_check(uint64_t rsdp, unsigned rev, bool xsdt,
				const struct madt_info *mi,
				const uint8_t *fadt)
{
	const char *why;
	const uint8_t *f;
	uint64_t facs, dsdt;

	if (rsdp != 0xF0000 || rev != 2 || !xsdt)
		return "RSDP not at 0xF0000 with revision 2 and an XSDT";
	if (mi->lapic != 0xFEE00000 || mi->flags != 1)
		return "MADT local APIC address or flags (PCAT_COMPAT)";
	if (mi->cpus != 1 || mi->cpu0_id != 0)
		return "MADT: not one CPU with APIC ID 0";
	if (mi->ioapics != 1 || mi->ioapic_id != 1 ||
	    mi->ioapic_addr != 0xFEC00000 || mi->ioapic_gsi != 0)
		return "MADT: not one I/O APIC, ID 1 at 0xFEC00000, GSI base 0";
	if (mi->irq0_iso || mi->isos != 1)
		return "MADT: overrides other than the SCI's (IRQ 0 is identity)";
	if (mi->nmis != 1 || mi->nmi_lint != 1)
		return "MADT: not one local APIC NMI on LINT1";
	if (!fadt)
		return "no FADT";
	if (fadt[46] != 9 || fadt[47] != 0)
		return "FADT: SCI_INT is not 9";
	if (le32(fadt + 112) & BIT(20))
		return "FADT: HW_REDUCED_ACPI set";
	dsdt = le64(fadt + 140);
	if (!table(dsdt, &why) || memcmp(phys(dsdt, 4), "DSDT", 4))
		return "FADT: no valid DSDT at X_DSDT";
	facs = le64(fadt + 132);
	f = phys(facs, 64);
	if (!f || memcmp(f, "FACS", 4) || le32(f + 4) != 64)
		return "FADT: no FACS at X_FIRMWARE_CTRL";
	return NULL;
}

static void acpi_tables(void)
{
	const char *name = "acpi.tables", *why = NULL;
	const uint8_t *r, *root, *madt = NULL, *fadt = NULL, *bda;
	uint64_t rsdp = 0, ebda, root_pa;
	unsigned rev, n, esz;
	bool xsdt, eptlab;
	struct madt_info mi;

	report_begin(name);
	bda = phys(0x400, 0x100);
	ebda = bda ? (uint64_t)(bda[0x0E] | bda[0x0F] << 8) << 4 : 0;
	if (ebda >= 0x80000 && ebda < 0xA0000)
		rsdp = scan(ebda, 1024);
	if (!rsdp)
		rsdp = scan(0xE0000, 0x20000);
	if (!rsdp) {
		unmap_all();
		report_skip(name, "no ACPI RSDP in the EBDA or 0xE0000-0xFFFFF%s",
			    hv_present() ? " (eptlab's acpi=off)" : "");
		return;
	}
	r = phys(rsdp, 36);
	rev = r[15];
	if (rev >= 2 && (le32(r + 20) < 36 || sum(r, 36)))
		FAIL_RET("RSDP at 0x%llx: revision %u, extended checksum or "
			 "length %u bad", (unsigned long long)rsdp, rev,
			 le32(r + 20));
	xsdt = rev >= 2 && le64(r + 24);
	root_pa = xsdt ? le64(r + 24) : le32(r + 16);
	esz = xsdt ? 8 : 4;
	eptlab = !memcmp(r + 9, "EPTLAB", 6);
	root = table(root_pa, &why);
	if (!root || memcmp(root, xsdt ? "XSDT" : "RSDT", 4))
		FAIL_RET("%s at 0x%llx: %s", xsdt ? "XSDT" : "RSDT",
			 (unsigned long long)root_pa, why ? why : "signature");
	n = (le32(root + 4) - 36) / esz;
	if (n > MAX_TABLES)
		FAIL_RET("%s lists %u tables", xsdt ? "XSDT" : "RSDT", n);
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = root + 36 + i * esz;
		uint64_t pa = xsdt ? le64(e) : le32(e);
		const uint8_t *t = table(pa, &why);

		if (!t)
			FAIL_RET("table %u at 0x%llx: %s", i,
				 (unsigned long long)pa, why);
		if (!memcmp(t, "APIC", 4))
			madt = t;
		if (!memcmp(t, "FACP", 4))
			fadt = t;
	}
	if (!madt)
		FAIL_RET("no MADT among the %u tables", n);
	if ((why = madt_parse(madt, &mi)))
		FAIL_RET("MADT: %s", why);
	/* Two lines: the hypervisor cuts a guest line at 160 bytes. */
	printf("acpi: RSDP 0x%llx revision %u OEM '%.6s', %s with %u tables\n",
	       (unsigned long long)rsdp, rev, (const char *)(r + 9),
	       xsdt ? "XSDT" : "RSDT", n);
	printf("acpi: MADT local APIC 0x%x flags 0x%x, %u CPU(s) (APIC ID %u), "
	       "%u I/O APIC(s) (ID %u at 0x%x, GSI %u), %u override(s) (%u of "
	       "IRQ 0), %u NMI(s)\n", mi.lapic, mi.flags, mi.cpus, mi.cpu0_id,
	       mi.ioapics, mi.ioapic_id, mi.ioapic_addr, mi.ioapic_gsi,
	       mi.isos, mi.irq0_iso, mi.nmis);
	if (!mi.cpus || !mi.ioapics)
		FAIL_RET("MADT: %u enabled CPU(s), %u I/O APIC(s)", mi.cpus,
			 mi.ioapics);
	if (hv_present() && !eptlab)
		FAIL_RET("under eptlab, tables with OEM ID '%.6s'",
			 (const char *)(r + 9));
	if (eptlab && (why = eptlab_check(rsdp, rev, xsdt, &mi, fadt)))
		FAIL_RET("eptlab's tables: %s", why);
	unmap_all();
	report(true, name, "valid");
}

void scen_acpi_run(void)
{
	acpi_tables();
}
