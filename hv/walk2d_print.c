/*
 * Drawing a 2D walk (HC_TRANSLATE with HC_WALK_PRINT): a text diagram on
 * the console, references numbered in the order the CPU makes them, then
 * one "WALK-JSON: {...}" line for scripts/walk-diagram.py.
 */
#include "hv/walk2d.h"
#include "mm/pt_x86.h"
#include "ept/ept_format.h"
#include "lib/console.h"
#include "include/err.h"

static const char *const ept_name[PG_LEVELS] = {
	"EPT PML4", "EPT PDPT", "EPT PD  ", "EPT PT  " };

static bool ept_is_leaf(unsigned l, uint64_t e)
{
	return (e & EPT_PRESENT) && (l == PG_LEVELS - 1 || (e & EPT_PS));
}

static void print_ept_flags(unsigned l, uint64_t e)
{
	/* Suppress-#VE (bit 63) is named only where it is clear, in a hole
	 * or a leaf: there a violation may reach the guest as #VE. */
	if (!(e & EPT_PRESENT)) {
		printf("[not present%s]", (e & EPT_SUPPRESS_VE) ? "" : " #VE");
		return;
	}
	printf("[%c%c%c", (e & EPT_R) ? 'R' : '-', (e & EPT_W) ? 'W' : '-',
	       (e & EPT_X) ? 'X' : '-');
	if (ept_is_leaf(l, e)) {
		uint64_t mt = (e & EPT_MT_MASK) >> EPT_MT_SHIFT;

		printf(" %s leaf MT=%s", l == 1 ? "1G" : l == 2 ? "2M" : "4K",
		       mt == 6 ? "WB" : mt == 0 ? "UC" : "?");
		if (e & EPT_D)
			printf(" D");
		if (!(e & EPT_SUPPRESS_VE))
			printf(" #VE");
		if (l == PG_LEVELS - 1 && (e & EPT_SPP))
			printf(" SPP");
	}
	if (e & EPT_A)
		printf(" A");
	printf("]");
}

static void print_pte_flags(unsigned l, uint64_t e)
{
	if (!(e & PTE_P)) {
		printf("[not present]");
		return;
	}
	printf("[P%s%s%s%s%s%s%s%s]", (e & PTE_RW) ? " RW" : " RO",
	       (e & PTE_US) ? " US" : "", (e & PTE_PWT) ? " PWT" : "",
	       (e & PTE_PCD) ? " PCD" : "", (e & PTE_A) ? " A" : "",
	       (e & PTE_D) ? " D" : "",
	       (l == 1 || l == 2) && (e & PTE_PS) ? " PS" : "",
	       (e & PTE_NX) ? " NX" : "");
}

static void print_ept_walk(const struct hc_ept_step *st, uint32_t n,
			   unsigned *ref)
{
	for (uint32_t i = 0; i < n && i < PG_LEVELS; i++) {
		printf("walk:   %2u  | %s  entry HPA 0x%llx = 0x%016llx ",
		       ++*ref, ept_name[i], (unsigned long long)st[i].entry_hpa,
		       (unsigned long long)st[i].entry);
		print_ept_flags(i, st[i].entry);
		printf("\n");
	}
}

static const char *size_name(uint64_t s)
{
	return s == SZ_1G ? "1G" : s == SZ_2M ? "2M" : s == SZ_4K ? "4K" : "-";
}

static void json_steps(const struct hc_ept_step *st, uint32_t n)
{
	printf("[");
	for (uint32_t i = 0; i < n && i < PG_LEVELS; i++)
		printf("%s{\"level\":%u,\"hpa\":\"0x%llx\",\"entry\":\"0x%llx\"}",
		       i ? "," : "", i, (unsigned long long)st[i].entry_hpa,
		       (unsigned long long)st[i].entry);
	printf("]");
}

static void print_json(const struct hc_walk *w, unsigned nlevels)
{
	printf("WALK-JSON: {\"gva\":\"0x%llx\",\"cr3\":\"0x%llx\","
	       "\"result\":%d,\"gpa\":\"0x%llx\",\"hpa\":\"0x%llx\","
	       "\"guest_page_size\":%llu,\"ept_page_size\":%llu,"
	       "\"guest_nsteps\":%u,\"final_ept_nsteps\":%u,\"nrefs\":%u,"
	       "\"levels\":[", (unsigned long long)w->gva,
	       (unsigned long long)w->guest_cr3, w->result,
	       (unsigned long long)w->gpa, (unsigned long long)w->hpa,
	       (unsigned long long)w->guest_page_size,
	       (unsigned long long)w->ept_page_size, w->guest_nsteps,
	       w->final_ept_nsteps, w->nrefs);
	for (unsigned i = 0; i < nlevels; i++) {
		const struct hc_walk_level *l = &w->lvl[i];

		printf("%s{\"level\":%u,\"name\":\"%s\",\"entry_gpa\":\"0x%llx\","
		       "\"entry_hpa\":\"0x%llx\",\"entry\":\"0x%llx\","
		       "\"read\":%s,\"ept\":", i ? "," : "", l->level,
		       walk2d_level_name(l->level),
		       (unsigned long long)l->entry_gpa,
		       (unsigned long long)l->entry_hpa,
		       (unsigned long long)l->entry,
		       i < w->guest_nsteps ? "true" : "false");
		json_steps(l->ept, l->ept_nsteps);
		printf("}");
	}
	printf("],\"final_ept\":");
	json_steps(w->final_ept, w->final_ept_nsteps);
	printf("}\n");
}

void walk2d_print(const struct hc_walk *w, bool json)
{
	/* Levels with a recorded EPT walk: the entries read, plus a table
	 * whose EPT walk failed. */
	unsigned nlevels = w->guest_nsteps;
	unsigned ref = 0, guest_refs = 0, ept_refs = 0;

	if (w->result == -EFAULT && !w->final_ept_nsteps &&
	    w->lvl[w->guest_nsteps < PG_LEVELS ? w->guest_nsteps : 0].ept_nsteps)
		nlevels++;
	printf("walk: 2D walk of GVA 0x%llx, guest CR3 0x%llx (%s)\n",
	       (unsigned long long)w->gva, (unsigned long long)w->guest_cr3,
	       nlevels ? "4-level guest paging over 4-level EPT"
		       : w->result == -EINVAL ? "non-canonical GVA"
					      : "guest paging off: GVA = GPA");
	printf("walk:  ref  | what      where                    value\n");
	for (unsigned i = 0; i < nlevels && i < PG_LEVELS; i++) {
		const struct hc_walk_level *l = &w->lvl[i];

		printf("walk: guest %s entry: GPA 0x%llx -> HPA 0x%llx, located "
		       "by %u EPT reference(s):\n", walk2d_level_name(l->level),
		       (unsigned long long)l->entry_gpa,
		       (unsigned long long)l->entry_hpa, l->ept_nsteps);
		print_ept_walk(l->ept, l->ept_nsteps, &ref);
		ept_refs += l->ept_nsteps;
		if (i >= w->guest_nsteps) {
			printf("walk:       | EPT does not map this guest table: "
			       "the walk stops\n");
			break;
		}
		printf("walk:   %2u  | guest %-4s entry HPA 0x%llx = 0x%016llx ",
		       ++ref, walk2d_level_name(l->level),
		       (unsigned long long)l->entry_hpa,
		       (unsigned long long)l->entry);
		print_pte_flags(l->level, l->entry);
		printf("\n");
		guest_refs++;
	}
	if (w->guest_nsteps && w->result == -ENOENT)
		printf("walk: the guest entry is not present: a guest #PF\n");
	if (w->final_ept_nsteps) {
		printf("walk: final GPA 0x%llx (guest %s page) -> HPA 0x%llx "
		       "(EPT %s page), by %u EPT reference(s):\n",
		       (unsigned long long)w->gpa, size_name(w->guest_page_size),
		       (unsigned long long)w->hpa, size_name(w->ept_page_size),
		       w->final_ept_nsteps);
		print_ept_walk(w->final_ept, w->final_ept_nsteps, &ref);
		if (w->result)
			printf("walk:       | EPT does not map the final GPA: "
			       "an EPT violation\n");
	}
	printf("walk: total: %u memory references (%u guest entries, %u EPT "
	       "entries for guest tables, %u EPT entries for the final "
	       "GPA), result %d\n", w->nrefs, guest_refs, ept_refs,
	       w->final_ept_nsteps, w->result);
	if (json)
		print_json(w, nlevels);
}
