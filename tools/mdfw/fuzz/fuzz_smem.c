// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: finding the minidump TOC in SMEM (smem.c) on an
 * arbitrary SMEM image, then the table parser on that item (the SMEM
 * item stands for the TOC's shared memory, the input for guest RAM at
 * 0x40000000, as "mdfw capture --smem" does). Fails on a sanitizer
 * error, an item outside SMEM or over its partition table, a read
 * outside the item or RAM, or an accepted entry outside RAM.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gpa.h"
#include "smem.h"
#include "table.h"
#include "fuzz/grow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FZ_RAM_BASE	UINT64_C(0x40000000)
#define FZ_SMEM_AT	UINT64_C(0x5fc00000)

struct fz {
	const uint8_t *item, *ram;
	size_t item_len, ram_len;
};

static int rd_item(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fz *f = ctx;

	if (off > f->item_len || len > f->item_len - off)
		abort();
	memcpy(buf, f->item + off, len);
	return 0;
}

static int rd_ram(void *ctx, uint64_t off, void *buf, size_t len)
{
	const struct fz *f = ctx;

	/* RAM is the input repeated: 16 MiB of it, like fuzz_table. */
	if (off > (16u << 20) || len > (16u << 20) - off)
		abort();
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = f->ram_len ?
			f->ram[(off + i) % f->ram_len] : 0;
	return 0;
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct gpa_layout lay;
	struct md_source src = { 0 };
	struct md_table t;
	struct fz f = { NULL, data, 0, size };
	size_t off = 0, len = 0;
	char err[256];
	uint32_t i;

	if (smem_find_item(data, size, SMEM_MINIDUMP_ITEM, &off, &len, err,
			   sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	/* The item lies in SMEM, before the partition table. */
	if (size < SMEM_PTABLE_SIZE || off > size - SMEM_PTABLE_SIZE ||
	    len > size - SMEM_PTABLE_SIZE - off || off < SMEM_PART_HDR)
		abort();
	if (len < MD_TOC_SIZE || !gpa_layout_init_base(&lay, 16u << 20,
						       FZ_RAM_BASE))
		return 0;
	f.item = data + off;
	f.item_len = len;
	src.ram = &lay;
	src.shm_size = len;
	src.bar2_known = true;
	src.bar2 = FZ_SMEM_AT + off;
	src.read_shm = rd_item;
	src.read_ram = rd_ram;
	src.ctx = &f;
	if (md_table_read(&src, &t, err, sizeof(err)))
		return 0;
	for (i = 0; i < t.n; i++) {
		const struct md_entry *e = &t.entries[i];

		if (e->status == MD_ST_OK &&
		    (e->addr < FZ_RAM_BASE || e->file_off != e->addr - FZ_RAM_BASE ||
		     e->file_off + e->size > lay.ram_size))
			abort();
	}
	md_table_free(&t);
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
