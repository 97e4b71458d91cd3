// SPDX-License-Identifier: GPL-2.0
#include "gpa.h"

/* QEMU's default max-ram-below-4g ("traditional" 3.5 GiB split). */
#define QEMU_DEFAULT_MAX_BELOW_4G UINT64_C(0xe0000000)
/* With gigabyte_align, a split RAM is cut at 3 GiB at most. */
#define QEMU_GIGABYTE_ALIGN_LOWMEM UINT64_C(0xc0000000)
/*
 * QEMU >= 7.1 moves the above-4G RAM to 1 TiB on AMD-vendor CPUs (which
 * includes TCG's default qemu64) once it would reach the HyperTransport
 * hole at 1012 GiB. mdfw does not model that relocation; refuse such
 * layouts rather than mis-map addresses.
 */
#define QEMU_AMD_HT_START UINT64_C(0xfd00000000)

bool gpa_layout_init(struct gpa_layout *l, uint64_t ram_size,
		     uint64_t max_below_4g)
{
	uint64_t lowmem;

	/* QEMU rejects max-ram-below-4g > 4G; 0 means "not given". */
	if (ram_size == 0 || max_below_4g > GPA_4G)
		return false;
	if (!max_below_4g)
		max_below_4g = QEMU_DEFAULT_MAX_BELOW_4G;

	/*
	 * Mirrors pc_init1(): the 3 GiB clamp applies only if RAM has to be
	 * split at the requested limit at all; max-ram-below-4g may also
	 * *raise* the split up to 4 GiB for guests that fit below it.
	 */
	lowmem = max_below_4g;
	if (ram_size >= max_below_4g && lowmem > QEMU_GIGABYTE_ALIGN_LOWMEM)
		lowmem = QEMU_GIGABYTE_ALIGN_LOWMEM;

	if (ram_size >= lowmem) {
		l->below_4g = lowmem;
		l->above_4g = ram_size - lowmem;
	} else {
		l->below_4g = ram_size;
		l->above_4g = 0;
	}
	if (l->above_4g > QEMU_AMD_HT_START - GPA_4G)
		return false;
	l->ram_size = ram_size;
	l->linear = false;
	l->base = 0;
	return true;
}

bool gpa_layout_init_base(struct gpa_layout *l, uint64_t ram_size,
			  uint64_t base)
{
	if (ram_size == 0 || base > UINT64_MAX - ram_size)
		return false;
	l->ram_size = ram_size;
	l->linear = true;
	l->base = base;
	l->below_4g = ram_size;	/* all of it in the one range */
	l->above_4g = 0;
	return true;
}

bool gpa_lookup(const struct gpa_layout *l, uint64_t gpa, uint64_t *file_off,
		uint64_t *avail)
{
	if (l->linear) {
		if (gpa < l->base || gpa - l->base >= l->ram_size)
			return false;
		*file_off = gpa - l->base;
		*avail = l->ram_size - *file_off;
		return true;
	}
	if (gpa < l->below_4g) {
		*file_off = gpa;
		*avail = l->below_4g - gpa;
		return true;
	}
	if (gpa >= GPA_4G && gpa - GPA_4G < l->above_4g) {
		*file_off = l->below_4g + (gpa - GPA_4G);
		*avail = l->above_4g - (gpa - GPA_4G);
		return true;
	}
	return false;
}

bool gpa_range_to_file(const struct gpa_layout *l, uint64_t gpa, uint64_t len,
		       uint64_t *file_off)
{
	uint64_t off, avail;

	if (len == 0 || !gpa_lookup(l, gpa, &off, &avail) || len > avail)
		return false;
	*file_off = off;
	return true;
}
