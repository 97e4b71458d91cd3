// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the guest-physical -> RAM file mapping (gpa.c). */
#include <stdint.h>
#include <stdlib.h>

#include "gpa.h"
#include "tap.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)

static void expect_split(uint64_t ram, uint64_t max, uint64_t low,
			 uint64_t high)
{
	struct gpa_layout l;

	CHECKF(gpa_layout_init(&l, ram, max), "ram %#llx max %#llx",
	       (unsigned long long)ram, (unsigned long long)max);
	CHECKF(l.below_4g == low && l.above_4g == high,
	       "ram %#llx max %#llx: got %#llx/%#llx want %#llx/%#llx",
	       (unsigned long long)ram, (unsigned long long)max,
	       (unsigned long long)l.below_4g, (unsigned long long)l.above_4g,
	       (unsigned long long)low, (unsigned long long)high);
	CHECK(l.below_4g + l.above_4g == ram);
}

/* The worked examples in the comment of QEMU's pc_init1() (pc_piix.c). */
TEST(split_qemu_documented_examples)
{
	expect_split(4 * GiB, 0, 3072 * MiB, 1024 * MiB);	/* -m 4G */
	expect_split(4 * GiB, 2 * GiB, 2048 * MiB, 2048 * MiB);
	expect_split(3968 * MiB, 4 * GiB, 3968 * MiB, 0);
}

/*
 * The rules of pc_init1() at their edges: the default limit is 3.5 GiB;
 * reaching it moves the split down to 3 GiB (gigabyte_align); a smaller
 * max-ram-below-4g applies as is once RAM reaches it.
 */
TEST(split_edges)
{
	uint64_t def = UINT64_C(0xe0000000), ga = UINT64_C(0xc0000000);

	expect_split(512 * MiB, 0, 512 * MiB, 0);
	expect_split(def - 1, 0, def - 1, 0);
	expect_split(def, 0, ga, def - ga);
	/* A limit above 3 GiB that RAM reaches is clamped to 3 GiB... */
	expect_split(UINT64_C(0xd8000000), UINT64_C(0xd0000000), ga,
		     UINT64_C(0xd8000000) - ga);
	/* ...but not if RAM stays below it. */
	expect_split(UINT64_C(0xc8000000), UINT64_C(0xd0000000),
		     UINT64_C(0xc8000000), 0);
	/* Limits below 3 GiB apply unchanged (the tests use small ones). */
	expect_split(8 * MiB, 4 * MiB, 4 * MiB, 4 * MiB);
	expect_split(4 * MiB, 4 * MiB, 4 * MiB, 0);
	expect_split(3 * MiB, 4 * MiB, 3 * MiB, 0);
}

TEST(split_rejects_unsupported)
{
	struct gpa_layout l;

	CHECK(!gpa_layout_init(&l, 0, 0));
	CHECK(!gpa_layout_init(&l, GiB, 4 * GiB + 1));	/* QEMU refuses */
	CHECK(gpa_layout_init(&l, GiB, 4 * GiB));
	/* Above-4G RAM reaching the AMD HyperTransport hole (1012 GiB). */
	CHECK(!gpa_layout_init(&l, 1024 * GiB, 0));
	CHECK(gpa_layout_init(&l, 1000 * GiB, 0));
}

TEST(lookup_boundaries)
{
	struct gpa_layout l;
	uint64_t off, avail;

	CHECK(gpa_layout_init(&l, 8 * MiB, 4 * MiB));
	CHECK(gpa_lookup(&l, 0, &off, &avail) && off == 0 &&
	      avail == 4 * MiB);
	CHECK(gpa_lookup(&l, 4 * MiB - 1, &off, &avail) &&
	      off == 4 * MiB - 1 && avail == 1);
	CHECK(!gpa_lookup(&l, 4 * MiB, &off, &avail));		/* hole */
	CHECK(!gpa_lookup(&l, GPA_4G - 1, &off, &avail));
	CHECK(gpa_lookup(&l, GPA_4G, &off, &avail) && off == 4 * MiB &&
	      avail == 4 * MiB);
	CHECK(gpa_lookup(&l, GPA_4G + 4 * MiB - 1, &off, &avail) &&
	      off == 8 * MiB - 1 && avail == 1);
	CHECK(!gpa_lookup(&l, GPA_4G + 4 * MiB, &off, &avail));
	CHECK(!gpa_lookup(&l, UINT64_MAX, &off, &avail));
}

TEST(range_rules)
{
	struct gpa_layout l;
	uint64_t off = 12345;

	CHECK(gpa_layout_init(&l, 8 * MiB, 4 * MiB));
	CHECK(gpa_range_to_file(&l, 0, 4 * MiB, &off) && off == 0);
	CHECK(!gpa_range_to_file(&l, 0, 4 * MiB + 1, &off));
	CHECK(!gpa_range_to_file(&l, 4096, 0, &off));		/* empty */
	/* Straddles the hole: covers non-RAM addresses, so rejected. */
	CHECK(!gpa_range_to_file(&l, 4 * MiB - 4096, 8192, &off));
	CHECK(!gpa_range_to_file(&l, GPA_4G - 4096, 8192, &off));
	CHECK(gpa_range_to_file(&l, GPA_4G + 4096, 4 * MiB - 4096, &off) &&
	      off == 4 * MiB + 4096);
	CHECK(!gpa_range_to_file(&l, GPA_4G + 4096, 4 * MiB, &off));
	CHECK(!gpa_range_to_file(&l, UINT64_MAX, 1, &off));
	CHECK(!gpa_range_to_file(&l, 4096, UINT64_MAX, &off));
}

/*
 * Round trip against the inverse mapping, written independently: file
 * offset f is guest physical f below the split, 4 GiB + (f - below) above.
 */
TEST(roundtrip_random)
{
	static const uint64_t rams[] = { 1 * MiB, 4 * GiB, 6 * GiB + 4096,
					 UINT64_C(0xe0000000) };
	static const uint64_t maxs[] = { 0, 2 * GiB, 512 * MiB, 4 * GiB };
	size_t i, j;
	int k;

	srand(1);
	for (i = 0; i < sizeof(rams) / sizeof(rams[0]); i++) {
		for (j = 0; j < sizeof(maxs) / sizeof(maxs[0]); j++) {
			struct gpa_layout l;

			if (!gpa_layout_init(&l, rams[i], maxs[j]))
				continue;
			for (k = 0; k < 2000; k++) {
				uint64_t f = (((uint64_t)rand() << 31) ^
					      (uint64_t)rand()) % l.ram_size;
				uint64_t g = f < l.below_4g ? f :
					     GPA_4G + (f - l.below_4g);
				uint64_t off, avail;

				CHECKF(gpa_lookup(&l, g, &off, &avail) &&
				       off == f, "f %#llx",
				       (unsigned long long)f);
				CHECK(gpa_range_to_file(&l, g, avail, &off));
				CHECK(!gpa_range_to_file(&l, g, avail + 1,
							 &off));
			}
		}
	}
}

/* arm64 virt: one RAM range at 0x40000000, nothing below or above. */
TEST(linear_layout)
{
	struct gpa_layout l;
	uint64_t off = 0, avail = 0, b = 0x40000000, sz = 512u << 20;

	CHECK(!gpa_layout_init_base(&l, 0, b));
	CHECK(!gpa_layout_init_base(&l, 4096, UINT64_MAX - 4095));
	CHECK(gpa_layout_init_base(&l, 4096, UINT64_MAX - 4096));
	CHECK(gpa_layout_init_base(&l, sz, b));
	CHECK(l.linear && l.base == b && l.ram_size == sz);
	CHECK(!gpa_lookup(&l, 0, &off, &avail));	/* x86 RAM, not here */
	CHECK(!gpa_lookup(&l, b - 1, &off, &avail));
	CHECK(gpa_lookup(&l, b, &off, &avail) && off == 0 && avail == sz);
	CHECK(gpa_lookup(&l, b + sz - 1, &off, &avail) &&
	      off == sz - 1 && avail == 1);
	CHECK(!gpa_lookup(&l, b + sz, &off, &avail));
	CHECK(!gpa_lookup(&l, GPA_4G, &off, &avail));
	CHECK(gpa_range_to_file(&l, b + 0x1000, 0x2000, &off) && off == 0x1000);
	CHECK(!gpa_range_to_file(&l, b + sz - 8, 16, &off));
	CHECK(!gpa_range_to_file(&l, b - 8, 16, &off));
	CHECK(!gpa_range_to_file(&l, b, 0, &off));
	/* The pc layout is not linear, even after a linear one. */
	CHECK(gpa_layout_init(&l, sz, 0) && !l.linear &&
	      gpa_lookup(&l, 0, &off, &avail) && off == 0);
}

int main(void)
{
	RUN(split_qemu_documented_examples);
	RUN(split_edges);
	RUN(split_rejects_unsupported);
	RUN(lookup_boundaries);
	RUN(range_rules);
	RUN(roundtrip_random);
	RUN(linear_layout);
	TAP_EXIT();
}
