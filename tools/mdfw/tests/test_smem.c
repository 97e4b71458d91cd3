// SPDX-License-Identifier: GPL-2.0
/* Unit tests for SMEM as SBL writes it and finding item 602 (smem.c). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "smem.h"
#include "table.h"
#include "tap.h"

#define SZ (2u << 20)
#define BASE 0x5fc00000u

static uint8_t *fresh(void)
{
	uint8_t *s = malloc(SZ);

	if (!s || smem_build(s, SZ, BASE)) {
		printf("# smem_build failed\n");
		exit(1);
	}
	return s;
}

static int find(const uint8_t *s, size_t *off, size_t *len, char *err)
{
	return smem_find_item(s, SZ, SMEM_MINIDUMP_ITEM, off, len, err, 200);
}

/* What Linux's smem.c checks at probe, at the offsets it reads them. */
TEST(header_as_linux_reads_it)
{
	uint8_t *s = fresh();
	uint8_t *pt = s + SZ - 4096, *info = pt + 32 + 48;

	CHECK(s[SMEM_HDR_INITIALIZED] == 1);
	CHECK(!memcmp(s + SMEM_HDR_RESERVED, "\0\0\0\0", 4));
	CHECK(s[SMEM_HDR_SBL_VERSION + 2] == 12 && s[SMEM_HDR_SBL_VERSION + 3] == 0);
	CHECK(!memcmp(pt, "$TOC", 4) && pt[4] == 1 && pt[8] == 1);
	CHECK(!memcmp(info, "SIII", 4));
	CHECK((info[16] | info[17] << 8) == SMEM_NUM_ITEMS);
	CHECK(info[8] == 0x00 && info[11] == 0x5f);	/* base_addr */
	CHECK(!memcmp(s + SMEM_GLOBAL_PART_OFF, "$PRT", 4));
	free(s);
}

TEST(finds_the_initialised_toc)
{
	uint8_t *s = fresh(), toc[MD_TOC_SIZE];
	size_t off = 0, len = 0;
	char err[200] = "";

	CHECKF(find(s, &off, &len, err) == 0, "%s", err);
	CHECK(off == SMEM_GLOBAL_PART_OFF + 32 + 16);
	CHECK(len == MD_TOC_SIZE);
	md_toc_init_bytes(toc);
	CHECK(off + len <= SZ && !memcmp(s + off, toc, MD_TOC_SIZE));
	CHECK(off % 8 == 0);	/* the kernel maps the TOC as naturally aligned */
	free(s);
}

static void expect_refused(void (*mutate)(uint8_t *), const char *what,
			   const char *why)
{
	uint8_t *s = fresh();
	size_t off, len;
	char err[200] = "";

	mutate(s);
	CHECKF(find(s, &off, &len, err) == -1, "%s accepted", what);
	CHECKF(strstr(err, why) != NULL, "%s: '%s' lacks '%s'", what, err, why);
	free(s);
}

static void not_initialised(uint8_t *s) { s[SMEM_HDR_INITIALIZED] = 0; }
static void heap_scheme(uint8_t *s) { s[SMEM_HDR_SBL_VERSION + 2] = 11; }
static void no_ptable(uint8_t *s) { s[SZ - 4096] = 'X'; }
static void no_info(uint8_t *s) { s[SZ - 4096 + 80] = 'X'; }
static void bad_canary(uint8_t *s) { s[SMEM_GLOBAL_PART_OFF + 32] = 0; }
static void no_global(uint8_t *s) { s[SZ - 4096 + 32 + 12] = 0; }
static void part_too_big(uint8_t *s) { put_le32(s + SZ - 4096 + 32 + 4, SZ); }
static void bad_part_magic(uint8_t *s) { s[SMEM_GLOBAL_PART_OFF] = 0; }
static void item_overruns(uint8_t *s)
{
	put_le32(s + SMEM_GLOBAL_PART_OFF + 32 + 4, 0x7fffffff);
}

static void other_item(uint8_t *s)
{
	s[SMEM_GLOBAL_PART_OFF + 32 + 2] = 0x5b;	/* item 603 */
}

static void free_past_end(uint8_t *s)
{
	put_le32(s + SMEM_GLOBAL_PART_OFF + 12, SMEM_GLOBAL_PART_SIZE + 1);
}

TEST(refuses_what_sbl_did_not_set_up)
{
	expect_refused(not_initialised, "initialized 0", "not initialised");
	expect_refused(heap_scheme, "version 11", "SBL version 11");
	expect_refused(no_ptable, "no $TOC", "no partition table");
	expect_refused(no_info, "no SIII (512 items)", "beyond the 512 items");
	expect_refused(no_global, "no global partition", "no global partition");
	expect_refused(part_too_big, "partition past SMEM", "outside SMEM");
	expect_refused(bad_part_magic, "bad $PRT", "bad global partition header");
	expect_refused(free_past_end, "free offset past the end", "bad global partition header");
	expect_refused(bad_canary, "bad canary", "bad canary");
	expect_refused(item_overruns, "item size overrun", "overruns");
	expect_refused(other_item, "item 602 missing", "not allocated");
}

TEST(build_rejects_bad_geometry)
{
	uint8_t *s = malloc(SZ);

	CHECK(smem_build(s, SMEM_MIN_SIZE - 4096, BASE) == -1);
	CHECK(smem_build(s, SZ - 1, BASE) == -1);
	CHECK(smem_build(s, SZ, UINT64_C(1) << 32) == -1);
	CHECK(smem_build(s, SMEM_MIN_SIZE, BASE) == 0);
	free(s);
}

/*
 * Items are walked from the partition's start: 602 after others, the
 * padding the kernel skips (padding_hdr before the data, padding_data at
 * its end) honoured; a partition table entry that is not the global one
 * skipped.
 */
TEST(walks_items_and_entries)
{
	uint8_t *s = calloc(1, SZ), *p, *pt = s + SZ - 4096, *it;
	size_t off = 0, len = 0;
	char err[200] = "";

	put_le32(s + SMEM_HDR_SBL_VERSION, 12u << 16);
	put_le32(s + SMEM_HDR_INITIALIZED, 1);
	memcpy(pt, "$TOC", 4);
	put_le32(pt + 4, 1);
	put_le32(pt + 8, 2);
	/* Entry 0: a host-to-host partition; entry 1: the global one. */
	put_le32(pt + 32, 0x1000);
	put_le32(pt + 36, 0x1000);
	pt[32 + 12] = 1;
	put_le32(pt + 80, 0x4000);
	put_le32(pt + 84, 0x2000);
	put_le32(pt + 80 + 12, 0xfffefffe);
	memcpy(pt + 32 + 2 * 48, "SIII", 4);
	pt[32 + 2 * 48 + 17] = 4;			/* 1024 items */
	p = s + 0x4000;
	memcpy(p, "$PRT", 4);
	put_le32(p + 4, 0xfffefffe);
	put_le32(p + 8, 0x2000);
	put_le32(p + 12, 32 + 16 + 24 + 16 + 8 + 400);	/* free uncached */
	it = p + 32;					/* item 7, 24 bytes */
	put_le32(it, 0xa5a5 | 7u << 16);
	put_le32(it + 4, 24);
	it += 16 + 24;					/* item 602 */
	put_le32(it, 0xa5a5 | 602u << 16);
	put_le32(it + 4, 400);
	it[8] = 64;					/* padding_data */
	it[10] = 8;					/* padding_hdr */
	CHECKF(smem_find_item(s, SZ, 602, &off, &len, err, sizeof(err)) == 0,
	       "%s", err);
	CHECKF(off == 0x4000 + 32 + 40 + 16 + 8 && len == 336, "%zx %zu", off,
	       len);
	CHECK(smem_find_item(s, SZ, 7, &off, &len, err, sizeof(err)) == 0 &&
	      off == 0x4000 + 48 && len == 24);
	CHECK(smem_find_item(s, SZ, 1024, &off, &len, err, sizeof(err)) == -1 &&
	      strstr(err, "beyond the 1024 items"));
	/* Two entries claimed, but 85 would not fit in the last 4 KiB. */
	put_le32(pt + 8, 85);
	CHECK(smem_find_item(s, SZ, 602, &off, &len, err, sizeof(err)) == -1 &&
	      strstr(err, "claims 85 entries"));
	/* Too small to hold the header and the table at all. */
	CHECK(smem_find_item(s, 4096, 602, &off, &len, err, sizeof(err)) == -1 &&
	      strstr(err, "too small"));
	free(s);
}

/* Random corruption of the structures: refused or found, never a crash. */
TEST(random_corruption_stays_in_bounds)
{
	static const size_t hot[] = { SMEM_HDR_INITIALIZED, SMEM_HDR_SBL_VERSION,
		SZ - 4096, SZ - 4096 + 32, SZ - 4096 + 80, SMEM_GLOBAL_PART_OFF,
		SMEM_GLOBAL_PART_OFF + 32 };
	uint8_t *s = malloc(SZ), *ref = fresh();
	unsigned int i, k;
	size_t off, len;
	char err[200];

	srand(12);
	for (i = 0; i < 3000; i++) {
		memcpy(s, ref, SZ);
		for (k = 0; k < 4; k++)
			s[hot[rand() % 7] + rand() % 24] = (uint8_t)rand();
		if (smem_find_item(s, SZ, SMEM_MINIDUMP_ITEM, &off, &len, err,
				   sizeof(err)) == 0)
			CHECKF(off <= SZ && len <= SZ - off, "%zu+%zu", off, len);
	}
	free(s);
	free(ref);
}

int main(void)
{
	RUN(header_as_linux_reads_it);
	RUN(finds_the_initialised_toc);
	RUN(refuses_what_sbl_did_not_set_up);
	RUN(build_rejects_bad_geometry);
	RUN(walks_items_and_entries);
	RUN(random_corruption_stays_in_bounds);
	TAP_EXIT();
}
