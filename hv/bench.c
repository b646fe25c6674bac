/*
 * Benchmark support in the hypervisor (docs/benchmarks.md).
 *
 * Nothing here runs on the exit path unless the guest asks: the boot hooks
 * only store timestamps and counts, and HC_BENCH_REPORT prints every
 * hypervisor-side figure as one `BENCH: key=value` line. Under Bochs with
 * `clock: sync=none` a tick (RDTSC) is one executed instruction.
 */
#include "hv/bench.h"
#include "hv/vm.h"
#include "hv/vm_pml.h"
#include "ept/ept_format.h"
#include "hv/host.h"
#include "hv/cpu.h"
#include "hv/stats.h"
#include "hv/options.h"
#include "include/hypercall.h"
#include "hv/memlayout.h"
#include "lib/console.h"
#include "lib/fmt.h"
#include "include/err.h"
#include "include/x86.h"
#include "hv/run.h"

struct bench_boot bench_boot;

static const char *leaf_name(unsigned sizes)
{
	if (sizes & PG_SIZE_1G)
		return "1g";
	if (sizes & PG_SIZE_2M)
		return "2m";
	return "4k";
}

/* The mappings vm_mem_init made: every RAM run, minus the lazy page while
 * it is still unmapped. */
static size_t ept_ranges(const struct vm *vm, struct pg_range *r, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < vm->nchunks; i++) {
		const struct vm_chunk *c = &vm->chunk[i];
		uint64_t lo = c->gpa, hi = c->gpa + c->size;

		if (n + 2 > max)
			panic("bench: more than %zu EPT ranges", max);
		if (vm_is_lazy(vm, VM_LAZY_GPA) && VM_LAZY_GPA >= lo &&
		    VM_LAZY_GPA < hi) {
			if (VM_LAZY_GPA > lo)
				r[n++] = (struct pg_range){ lo, c->hpa,
							    VM_LAZY_GPA - lo };
			lo = VM_LAZY_GPA + SZ_4K;
		}
		if (lo < hi)
			r[n++] = (struct pg_range){ lo, c->hpa + (lo - c->gpa),
						    hi - lo };
	}
	return n;
}

void bench_note_ept(const struct vm *vm)
{
	static struct pg_range r[VM_MAX_CHUNKS + 2];
	size_t n = ept_ranges(vm, r, ARRAY_SIZE(r));
	const struct pg_space *s = &vm->view[0].ept.space;

	bench_boot.ept_leaf_sizes = s->leaf_sizes;
	bench_boot.ept_tables = pg_table_pages(s);
	for (unsigned i = 0; i < PG_LEVELS; i++)
		bench_boot.ept_level[i] = s->tables[i];
	bench_boot.ept_tables_min = pg_min_tables(&pg_fmt_ept,
						  s->leaf_sizes, r, n,
						  bench_boot.ept_level_min);
	bench_boot.ept_noted = true;
}

static void put(const char *key, uint64_t val)
{
	printf("BENCH: %s=%llu\n", key, (unsigned long long)val);
}

/* Memory the hypervisor holds, guest RAM excluded: its image (code, data,
 * bss with the exit stack, the boot stacks), the frame bitmaps, and every
 * frame allocated from the pool that is not guest RAM (host and EPT
 * tables, vm->page[] (8 bytes per guest page), VMXON region, VMCS, I/O
 * and MSR bitmaps). */
static void report_memory(const struct vm *vm)
{
	uint64_t image = (uint64_t)(__image_end_phys - __image_start_phys);
	uint64_t bitmap = ALIGN_UP(frame_bitmap_bytes(hv_frames.nframes *
						      FRAME_SIZE), SZ_4K);
	uint64_t pool = (hv_frames.total - hv_frames.free -
			 hv_frames.reserved_cnt) * FRAME_SIZE;
	uint64_t guest = 0, host_tables, ept_tables = 0, other;

	for (size_t i = 0; i < vm->nchunks; i++)
		guest += vm->chunk[i].size;
	host_tables = pg_table_pages(&hv_space) * PG_TABLE_SIZE;
	for (unsigned i = 0; i < VM_VIEWS; i++)
		if (vm->view[i].live)
			ept_tables += pg_table_pages(&vm->view[i].ept.space) *
				      PG_TABLE_SIZE;
	/* Frames the guest obtained after boot (demand, remap) are in the pool
	 * but not in the chunks: never let the remainder wrap. */
	other = pool - MIN(pool, guest + host_tables + ept_tables +
			   vm->page_bytes);
	put("hv_mem_image_bytes", image);
	put("hv_mem_frame_bitmap_bytes", bitmap);
	put("hv_mem_host_tables_bytes", host_tables);
	put("hv_mem_ept_tables_bytes", ept_tables);
	put("hv_mem_guest_page_array_bytes", vm->page_bytes);
	put("hv_mem_vcpu_and_bitmaps_bytes", other);
	put("hv_mem_total_bytes", image + bitmap + pool - MIN(pool, guest));
	put("hv_guest_ram_bytes", guest);
}

static void report_boot(struct vcpu *v)
{
	uint64_t launch = exit_stats.first_entry_tsc;
	uint64_t lm_tsc = v->regs.gpr[GPR_RBX], bench_tsc = v->regs.gpr[GPR_RCX];
	const char *e = leaf_name(bench_boot.ept_leaf_sizes);
	char key[64];

	printf("BENCH: hv_ept_leaf=%s\n", e);
	put("hv_entry_to_vmlaunch_ticks", launch - bench_boot.hv_entry_tsc);
	put("hv_guest_ram_zero_ticks", bench_boot.ram_zero_ticks);
	put("hv_entry_to_vmlaunch_minus_zero_ticks",
	    launch - bench_boot.hv_entry_tsc - bench_boot.ram_zero_ticks);
	if (lm_tsc > launch)
		put("hv_vmlaunch_to_guest_long_mode_ticks", lm_tsc - launch);
	else
		printf("BENCH: hv_vmlaunch_to_guest_long_mode_ticks="
		       "not-recorded\n");
	if (bench_tsc > launch)
		put("hv_vmlaunch_to_guest_bench_ticks", bench_tsc - launch);

	/* Host tables never change after boot; EPT as noted by vm_mem_init. */
	put("hv_host_table_pages", pg_table_pages(&hv_space));
	snprintf(key, sizeof(key), "hv_ept_table_pages_e%s", e);
	put(key, bench_boot.ept_tables);
	snprintf(key, sizeof(key), "hv_ept_table_pages_min_e%s", e);
	put(key, bench_boot.ept_tables_min);
	printf("BENCH: hv_ept_tables_per_level_e%s=%llu/%llu/%llu/%llu "
	       "(min %llu/%llu/%llu/%llu)\n", e,
	       (unsigned long long)bench_boot.ept_level[0],
	       (unsigned long long)bench_boot.ept_level[1],
	       (unsigned long long)bench_boot.ept_level[2],
	       (unsigned long long)bench_boot.ept_level[3],
	       (unsigned long long)bench_boot.ept_level_min[0],
	       (unsigned long long)bench_boot.ept_level_min[1],
	       (unsigned long long)bench_boot.ept_level_min[2],
	       (unsigned long long)bench_boot.ept_level_min[3]);
	report_memory(v->vm);
}

/* The last injected interrupt, in host TSC (hv/exit_event.c). */
static struct hc_bench_irq last_irq;

void bench_note_irq(struct vcpu *v, uint8_t vector, uint64_t now,
		    bool from_hlt)
{
	last_irq = (struct hc_bench_irq){
		.deadline_tsc = v->vm->plat.last_deadline,
		.inject_tsc = now,
		.hlt_entry_tsc = from_hlt ? v->ev.hlt_entry_tsc : 0,
		.vector = vector,
		.from_hlt = from_hlt,
	};
}

/* HC_BENCH_IRQ: last_irq in guest TSC (host TSC + the TSC offset). */
static int64_t bench_irq(struct vcpu *v, uint64_t gpa)
{
	struct hc_bench_irq b = last_irq;
	uint64_t off = v->msr.tsc_offset;

	if (!b.inject_tsc)
		return -ENOENT;
	if (!vm_range_ok(v->vm, gpa, sizeof(b)))
		return -EFAULT;
	b.deadline_tsc += off;
	b.inject_tsc += off;
	if (b.hlt_entry_tsc)
		b.hlt_entry_tsc += off;
	return vm_write(v->vm, gpa, &b, sizeof(b));
}

int64_t bench_hypercall(struct vcpu *v, uint64_t nr)
{
	switch (nr) {
	case HC_BENCH_IRQ:
		return bench_irq(v, v->regs.gpr[GPR_RBX]);
	case HC_BENCH_REPORT: {
		/* Guest-supplied TSCs: 0 (not recorded) or inside
		 * (VMLAUNCH, now]. One report per run, so a hostile guest
		 * cannot flood the console with it. */
		static bool reported;
		uint64_t launch = exit_stats.first_entry_tsc, now = rdtsc();
		uint64_t lm = v->regs.gpr[GPR_RBX], start = v->regs.gpr[GPR_RCX];

		if (!bench_boot.ept_noted)
			return -EINVAL;
		if ((lm && (lm <= launch || lm > now)) ||
		    start <= launch || start > now)
			return -EINVAL;
		if (reported)
			return -EBUSY;
		reported = true;
		report_boot(v);
		return 0;
	}
	case HC_BENCH_VIEWS:
		put("hv_pml_full_drain_ticks", pml_full_drain_ticks);
		return 0;
	default:
		return -ENOSYS;
	}
}
