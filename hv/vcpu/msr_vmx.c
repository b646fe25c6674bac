/*
 * The VMX side of the MSR table (hv/vcpu/msr.h): the MSR bitmap, the
 * guest values for the VM-entry MSR-load area, and the once-only report
 * of unknown MSRs. SDM revision 084, Vol. 3C "VM-Execution Control
 * Fields" ("MSR-Bitmap Address"), "VM-Entry Controls for MSRs".
 */
#include "hv/vcpu/msr.h"

/* Offsets of the four 1 KiB bitmaps; a bit per MSR of each range. */
#define BM_READ   0
#define BM_WRITE  2048

/* Bit number of msr in the read-low/read-high half, or -1. */
static int bitmap_bit(uint32_t msr)
{
	if (msr <= 0x1FFF)
		return (int)msr;
	if (msr >= 0xC0000000 && msr <= 0xC0001FFF)
		return 0x2000 + (int)(msr - 0xC0000000);
	return -1;
}

void vcpu_msr_bitmap(uint8_t bm[VCPU_MSR_BITMAP_SIZE],
		     const struct vcpu_features *f)
{
	size_t i, n;
	const struct vcpu_msr_desc *t = vcpu_msr_table(&n);

	for (i = 0; i < VCPU_MSR_BITMAP_SIZE; i++)
		bm[i] = 0xFF;
	for (i = 0; i < n; i++) {
		if (t[i].policy != VCPU_MSR_PASS || !vcpu_msr_present(&t[i], f))
			continue;
		for (uint32_t msr = t[i].first; msr <= t[i].last; msr++) {
			int b = bitmap_bit(msr);

			if (b < 0)
				continue;
			bm[BM_READ + b / 8] &= (uint8_t)~(1u << (b % 8));
			bm[BM_WRITE + b / 8] &= (uint8_t)~(1u << (b % 8));
		}
	}
}

bool vcpu_msr_bitmap_exits(const uint8_t bm[VCPU_MSR_BITMAP_SIZE],
			   uint32_t msr, bool write)
{
	int b = bitmap_bit(msr);

	if (b < 0)
		return true;
	return bm[(write ? BM_WRITE : BM_READ) + b / 8] & (1u << (b % 8));
}

unsigned vcpu_msr_switch_list(const struct vcpu_msr *m,
			      const struct vcpu_features *f,
			      struct vcpu_msr_slot out[VCPU_MSR_SWITCH_MAX])
{
	const struct vcpu_msr_ctx none = { 0 };   /* switched MSRs need none */
	size_t rows;
	const struct vcpu_msr_desc *t = vcpu_msr_table(&rows);
	unsigned n = 0;

	for (size_t i = 0; i < rows; i++) {
		if (t[i].policy != VCPU_MSR_SWITCH || !vcpu_msr_present(&t[i], f))
			continue;
		for (uint32_t msr = t[i].first; msr <= t[i].last; msr++)
			out[n++] = (struct vcpu_msr_slot){
				.index = msr,
				.value = vcpu_msr_read(m, f, &none, msr).value };
	}
	return n;
}

bool vcpu_msr_first_unknown(struct vcpu_msr_seen *s, uint32_t msr)
{
	int b = bitmap_bit(msr);

	if (b >= 0) {
		uint8_t *bits = b >= 0x2000 ? s->hi : s->lo;

		b &= 0x1FFF;
		if (bits[b / 8] & (1u << (b % 8)))
			return false;
		bits[b / 8] |= (uint8_t)(1u << (b % 8));
		return true;
	}
	for (unsigned i = 0; i < s->n_other; i++)
		if (s->other[i] == msr)
			return false;
	if (s->n_other == VCPU_MSR_SEEN_OTHER) {
		s->suppressed++;
		return false;
	}
	s->other[s->n_other++] = msr;
	return true;
}
