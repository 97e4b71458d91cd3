/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest physical address -> offset in the guest RAM backing file, for the
 * QEMU x86 "pc" (i440FX) machine with -machine memory-backend=<file backend>.
 *
 * QEMU allocates guest RAM as one RAM block (the backing file, offset 0 =
 * first byte of RAM) and maps it with two aliases:
 *   [0, below_4g)               -> file [0, below_4g)
 *   [4 GiB, 4 GiB + above_4g)   -> file [below_4g, ram_size)
 * Everything else (the PCI hole below 4 GiB, beyond the end of RAM) is not
 * guest RAM.
 *
 * Or, for boards with one RAM range at a base address (arm64 "virt": RAM
 * at 0x40000000), the linear layout: [base, base + ram_size) -> file
 * [0, ram_size), nothing else.
 */
#ifndef MDFW_GPA_H
#define MDFW_GPA_H

#include <stdbool.h>
#include <stdint.h>

#define GPA_4G (UINT64_C(1) << 32)

struct gpa_layout {
	uint64_t ram_size;
	bool linear;		/* one range at base (gpa_layout_init_base) */
	uint64_t base;
	uint64_t below_4g;	/* RAM bytes mapped at guest physical 0 */
	uint64_t above_4g;	/* RAM bytes mapped at guest physical 4 GiB */
};

/*
 * Compute the split exactly as QEMU's pc_init1() does for the i440FX "pc"
 * machine types with gigabyte_align (all but pc-1.7 and older).
 * max_below_4g is the -machine max-ram-below-4g= value, 0 if not given.
 * Returns false (layout unset) for sizes QEMU would reject or that mdfw
 * does not model (see gpa.c).
 */
bool gpa_layout_init(struct gpa_layout *l, uint64_t ram_size,
		     uint64_t max_below_4g);

/*
 * The linear layout: ram_size bytes of RAM at guest physical base. False
 * (layout unset) if ram_size is 0 or the range would pass 2^64.
 */
bool gpa_layout_init_base(struct gpa_layout *l, uint64_t ram_size,
			  uint64_t base);

/*
 * If gpa is guest RAM, store its file offset in *file_off and the number of
 * bytes from gpa to the end of its (contiguous) RAM range in *avail, and
 * return true. Return false for anything that is not RAM.
 */
bool gpa_lookup(const struct gpa_layout *l, uint64_t gpa, uint64_t *file_off,
		uint64_t *avail);

/*
 * True iff [gpa, gpa + len) is non-empty and lies entirely inside one RAM
 * range, i.e. is backed by len contiguous bytes of the file starting at
 * *file_off. A range that straddles the PCI hole is *not* accepted: it
 * would cover non-RAM addresses (see README, "straddling the hole").
 */
bool gpa_range_to_file(const struct gpa_layout *l, uint64_t gpa, uint64_t len,
		       uint64_t *file_off);

#endif /* MDFW_GPA_H */
