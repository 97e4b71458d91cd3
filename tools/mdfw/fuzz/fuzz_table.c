// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the minidump table parser (table.c).
 *
 * Input: byte 0 selects the RAM layout and whether the BAR 2 address is
 * known, bytes 1-4 the --max-bytes cap (0: default), the rest is the
 * ivshmem image (TOC at 0; BAR 2 at FZ_BAR2). Reads from guest RAM return
 * the input bytes again (cyclically), so a region array placed in RAM is
 * fuzzed too. Every accepted entry must obey the documented rules; any
 * violation aborts (a crash for libFuzzer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gpa.h"
#include "table.h"
#include "util.h"
#include "fuzz/grow.h"
#include "tests/rules.h"

#define FZ_BAR2	UINT64_C(0xfe000000)

struct ctx {
	const uint8_t *shm, *all;
	size_t shm_len, all_len;
	uint64_t ram_size;
};

static int rd_shm(void *c, uint64_t off, void *buf, size_t len)
{
	struct ctx *x = c;

	if (off > x->shm_len || len > x->shm_len - off)
		abort();	/* the parser must stay inside shm_size */
	memcpy(buf, x->shm + off, len);
	return 0;
}

static int rd_ram(void *c, uint64_t off, void *buf, size_t len)
{
	struct ctx *x = c;
	uint8_t *d = buf;
	size_t i;

	if (off > x->ram_size || len > x->ram_size - off)
		abort();	/* ... and inside the RAM file */
	for (i = 0; i < len; i++)
		d[i] = x->all_len ? x->all[(off + i) % x->all_len] : 0;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_one(const uint8_t *data, size_t size)
{
	static const uint64_t ram_sizes[4][2] = {
		{ 8u << 20, 4u << 20 }, { 64u << 20, 0 },
		{ UINT64_C(6) << 30, 0 }, { UINT64_C(5) << 30, 256u << 20 },
	};
	struct gpa_layout lay;
	struct md_source src = { 0 };
	struct md_table t;
	struct ctx x;
	char err[512];
	uint64_t sum = 0, cap, off;
	uint32_t i, j, ok = 0, holes = 0, bad = 0, max = 0;

	if (size < 5)
		return 0;
	if (!gpa_layout_init(&lay, ram_sizes[data[0] & 3][0],
			     ram_sizes[data[0] & 3][1]))
		abort();
	memcpy(&max, data + 1, 4);
	x.all = data;
	x.all_len = size;
	x.shm = data + 5;
	x.shm_len = size - 5;
	x.ram_size = lay.ram_size;
	src.ram = &lay;
	src.shm_size = x.shm_len;
	src.bar2_known = !(data[0] & 4);
	src.bar2 = FZ_BAR2;
	src.max_total = max;
	src.read_shm = rd_shm;
	src.read_ram = rd_ram;
	src.ctx = &x;
	if (md_table_read(&src, &t, err, sizeof(err)))
		return 0;
	cap = max ? max : lay.ram_size;
	if (t.n > MD_MAX_REGIONS || t.n > t.region_count ||
	    t.truncated != (t.n < t.region_count))
		abort();
	for (i = 0; i < t.n; i++) {
		const struct md_entry *e = &t.entries[i];

		if (e->status == MD_ST_HOLE) {
			holes++;
			continue;
		}
		if (e->status != MD_ST_OK) {
			bad++;
			continue;
		}
		ok++;
		if (e->valid != MD_REGION_VALID_MAGIC || !name_rule(e->name) ||
		    !e->size || e->addr + e->size <= e->addr ||
		    !gpa_range_to_file(&lay, e->addr, e->size, &off) ||
		    off != e->file_off)
			abort();
		sum += e->size;
		for (j = 0; j < i; j++) {
			const struct md_entry *o = &t.entries[j];

			if (o->status != MD_ST_OK)
				continue;
			/* Overlaps are legal: the cap (sum) bounds them. */
			if (o->seq == e->seq && !strcasecmp(o->name, e->name))
				abort();	/* file names collide */
		}
	}
	if (ok != t.n_ok || holes != t.n_holes || bad != t.n_bad ||
	    sum != t.total_bytes || sum > cap)
		abort();
	md_table_free(&t);
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
