/* The code follows the doc: the MSR table in docs/virtual-cpu.md lists
 * exactly the rows of hv/vcpu/msr.c (number range, name, policy, the
 * features that make it present), and its CPUID bit table exactly the
 * rows of hv/vcpu/cpuid_bits.c (leaf, sub-leaf, register, bit, name,
 * condition), in order. Run from the tree root (make unit does). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hv/vcpu/msr.h"
#include "hv/vcpu/cpuid.h"

#define DOC "docs/virtual-cpu.md"

/* The table rows between "<!-- NAME" and "<!-- end NAME -->": lines that
 * start with "| 0x", split into their first 'ncol' cells (trimmed).
 * Returns the row count. */
static size_t doc_rows(const char *name, size_t ncol, char cell[][8][128],
		       size_t max)
{
	char line[1024], start[64], end[64];
	FILE *fp = fopen(DOC, "r");
	bool in = false;
	size_t n = 0;

	if (!fp)
		fail_msg("cannot open %s (run from the tree root)", DOC);
	snprintf(start, sizeof(start), "<!-- %s", name);
	snprintf(end, sizeof(end), "<!-- end %s -->", name);
	while (fgets(line, sizeof(line), fp)) {
		if (!strncmp(line, start, strlen(start)))
			in = true;
		else if (!strncmp(line, end, strlen(end)))
			in = false;
		else if (in && !strncmp(line, "| 0x", 4)) {
			char *p = line + 1;

			assert_true(n < max);
			for (size_t c = 0; c < ncol; c++) {
				char *bar = strchr(p, '|');
				assert_non_null(bar);
				*bar = 0;
				while (*p == ' ')
					p++;
				size_t len = strlen(p);
				while (len && p[len - 1] == ' ')
					p[--len] = 0;
				if (len >= sizeof(cell[n][c]))
					fail_msg("%s: cell too long: %s", DOC, p);
				memcpy(cell[n][c], p, len + 1);
				p = bar + 1;
			}
			n++;
		}
	}
	fclose(fp);
	return n;
}

/* "always", or the feature names joined by " or ". */
static void needs_text(uint64_t needs, char *buf, size_t size)
{
	buf[0] = 0;
	if (!needs) {
		snprintf(buf, size, "always");
		return;
	}
	for (unsigned i = 0; i < VCPU_F_COUNT; i++) {
		if (!(needs & BIT(i)))
			continue;
		if (buf[0])
			strncat(buf, " or ", size - strlen(buf) - 1);
		strncat(buf, vcpu_feature_name(i), size - strlen(buf) - 1);
	}
}

static void test_msr_table_matches_doc(void **state)
{
	static char cell[64][8][128];
	size_t n, rows = doc_rows("msr-table", 4, cell, 64);
	const struct vcpu_msr_desc *t = vcpu_msr_table(&n);

	if (rows != n)
		fail_msg("%s lists %zu MSR rows, hv/vcpu/msr.c has %zu", DOC,
			 rows, n);
	for (size_t i = 0; i < n; i++) {
		char range[64], needs[128];

		if (t[i].first == t[i].last)
			snprintf(range, sizeof(range), "0x%X", t[i].first);
		else
			snprintf(range, sizeof(range), "0x%X-0x%X", t[i].first,
				 t[i].last);
		needs_text(t[i].needs, needs, sizeof(needs));
		if (strcmp(cell[i][0], range) || strcmp(cell[i][1], t[i].name) ||
		    strcmp(cell[i][2], vcpu_msr_policy_name(t[i].policy)) ||
		    strcmp(cell[i][3], needs))
			fail_msg("row %zu: doc \"%s | %s | %s | %s\", code "
				 "\"%s | %s | %s | %s\"", i + 1, cell[i][0],
				 cell[i][1], cell[i][2], cell[i][3], range,
				 t[i].name, vcpu_msr_policy_name(t[i].policy),
				 needs);
	}
}

static void test_cpuid_bits_match_doc(void **state)
{
	static const char *const regname[] = { "EAX", "EBX", "ECX", "EDX" };
	static char cell[256][8][128];
	size_t n, rows = doc_rows("cpuid-bits", 6, cell, 256);
	const struct vcpu_cpuid_bit *b = vcpu_cpuid_bits(&n);

	if (rows != n)
		fail_msg("%s lists %zu CPUID bits, hv/vcpu/cpuid_bits.c has %zu",
			 DOC, rows, n);
	for (size_t i = 0; i < n; i++) {
		char leaf[16], sub[8], bit[8];

		snprintf(leaf, sizeof(leaf), "0x%X", b[i].leaf);
		snprintf(sub, sizeof(sub), "%u", b[i].subleaf);
		snprintf(bit, sizeof(bit), "%u", b[i].bit);
		if (strcmp(cell[i][0], leaf) || strcmp(cell[i][1], sub) ||
		    strcmp(cell[i][2], regname[b[i].reg]) ||
		    strcmp(cell[i][3], bit) || strcmp(cell[i][4], b[i].name) ||
		    strcmp(cell[i][5], vcpu_cpuid_cond_name(b[i].cond)))
			fail_msg("row %zu: doc \"%s | %s | %s | %s | %s | %s\", "
				 "code \"%s | %s | %s | %s | %s | %s\"", i + 1,
				 cell[i][0], cell[i][1], cell[i][2], cell[i][3],
				 cell[i][4], cell[i][5], leaf, sub,
				 regname[b[i].reg], bit, b[i].name,
				 vcpu_cpuid_cond_name(b[i].cond));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msr_table_matches_doc),
		cmocka_unit_test(test_cpuid_bits_match_doc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
