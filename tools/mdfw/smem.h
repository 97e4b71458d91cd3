/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Qualcomm SMEM as the boot firmware (SBL/XBL) leaves it, and finding the
 * minidump table of contents in it, for the arm64 board (QEMU virt with
 * SMEM in reserved memory, see tests/board/arm64/).
 *
 * Layout written by smem_build() (offsets within SMEM, little-endian),
 * the "global partition" scheme of SBL version 12 that Linux's
 * drivers/soc/qcom/smem.c reads:
 *
 *   0        header: proc_comm[4] (64 B), version[32] (version[7] = 12 << 16),
 *            initialized = 1 (byte 192), free_offset, available,
 *            reserved = 0 (byte 204), then the legacy item table (unused)
 *   0x1000   global partition (host0 = host1 = 0xfffe): 32-byte header
 *            "$PRT", then uncached items, each a 16-byte entry (canary
 *            0xa5a5, item, size incl. padding, padding_data, padding_hdr)
 *            followed by its data. Item 602 holds the minidump TOC.
 *   size-4K  partition table "$TOC" version 1 with one 48-byte entry (the
 *            global partition), directly followed by smem_info "SIII"
 *            announcing SMEM_NUM_ITEMS items; without it Linux assumes
 *            512 and item 602 is out of range. (The older heap scheme,
 *            version 11, stops at item 511 for the same reason.)
 */
#ifndef MDFW_SMEM_H
#define MDFW_SMEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SMEM_MINIDUMP_ITEM	602
#define SMEM_NUM_ITEMS		1024
#define SMEM_GLOBAL_HOST	0xfffe
#define SMEM_SBL_VERSION	12	/* global partition scheme */
#define SMEM_HDR_VERSION	64	/* version[32] */
#define SMEM_HDR_SBL_VERSION	(SMEM_HDR_VERSION + 7 * 4)
#define SMEM_HDR_INITIALIZED	192
#define SMEM_HDR_RESERVED	204
#define SMEM_PTABLE_SIZE	4096	/* the last 4 KiB */
#define SMEM_PTABLE_HDR		32
#define SMEM_PTABLE_ENTRY	48
#define SMEM_PART_HDR		32
#define SMEM_PRIV_ENTRY		16
#define SMEM_CANARY		0xa5a5
#define SMEM_GLOBAL_PART_OFF	0x1000
#define SMEM_GLOBAL_PART_SIZE	0x100000
/* Smallest SMEM smem_build() accepts: header page, partition, table. */
#define SMEM_MIN_SIZE		(SMEM_GLOBAL_PART_OFF + SMEM_GLOBAL_PART_SIZE + \
				 SMEM_PTABLE_SIZE)

/*
 * Fill smem[0, size) (zeroed first) as SBL does: header, partition table
 * with smem_info, the global partition holding item 602 = an initialised
 * minidump TOC (md_toc_init_bytes()). base is SMEM's physical address
 * (smem_info.base_addr). Returns 0, or -1 if size is below SMEM_MIN_SIZE,
 * above 4 GiB or not a multiple of 4 KiB.
 */
int smem_build(uint8_t *smem, size_t size, uint64_t base);

/*
 * Find item `item` the way the boot firmware does, in a snapshot of SMEM:
 * header initialised, SBL version 12, partition table, the global
 * partition, its uncached items (every canary checked). Every offset and
 * size is bounds-checked against size. On success *off and *len give the
 * item's data within smem and 0 is returned; otherwise -1 with the reason
 * in err.
 */
int smem_find_item(const uint8_t *smem, size_t size, unsigned int item,
		   size_t *off, size_t *len, char *err, size_t errlen);

/*
 * mdfw init --smem: write an initialised SMEM into the guest RAM file
 * before QEMU starts, and zero the TCSR mutex block. argv as for
 * "mdfw init". Returns the process exit code.
 */
int smem_cmd_init(int argc, char **argv);
/* Does this "mdfw init" command line ask for SMEM (--smem)? */
bool smem_init_wanted(int argc, char **argv);

#endif /* MDFW_SMEM_H */
