// SPDX-License-Identifier: GPL-2.0
/*
 * Mutation fuzzing of the table parser without libFuzzer: start from a
 * valid random table, corrupt it in ways a crashing or hostile guest could,
 * and check that the parser neither misbehaves (ASan/UBSan in the sanitizer
 * build; out-of-range reads are reported by the fixture as errors) nor
 * accepts anything that violates the documented rules.
 *
 * MDFW_FUZZ_ITERS and MDFW_FUZZ_SEED override the defaults.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fixture.h"
#include "rules.h"
#include "tap.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)

static struct fixture fx;
static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic for a given seed, good enough here. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}

static uint64_t rnd_below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static uint64_t interesting(void)
{
	static const uint64_t v[] = {
		0, 1, 7, 8, 39, 40, 0x1000, 4 * MiB - 1, 4 * MiB, GPA_4G - 1,
		GPA_4G, GPA_4G + 4 * MiB - 1, GPA_4G + 4 * MiB, FX_BAR2,
		FX_BAR2 + FX_ARRAY_OFF, FX_BAR2 + FX_SHM_SIZE - 8,
		UINT32_MAX, (uint64_t)INT64_MAX, UINT64_MAX, UINT64_MAX - 0xfff,
		MD_REGION_VALID_MAGIC, MD_REGION_INVALID_MAGIC,
	};

	return v[rnd_below(ARRAY_SIZE(v))];
}

static void random_name(char *out)
{
	static const char cs[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
				 "qrstuvwxyz0123456789_-";
	size_t len = 1 + rnd_below(15), i;

	/* CPU-set entries (made to overlap, like all, by mutate()). */
	if (!rnd_below(4)) {
		if (rnd() & 1)
			snprintf(out, 16, "KTASK%u", (unsigned int)rnd_below(3));
		else
			snprintf(out, 16, "KSTACK%u_%u",
				 (unsigned int)rnd_below(3),
				 (unsigned int)rnd_below(3));
		return;
	}

	for (i = 0; i < len; i++)
		out[i] = cs[rnd_below(sizeof(cs) - 1)];
	out[len] = '\0';
}

static void build_valid(void)
{
	uint32_t n = 1 + (uint32_t)rnd_below(40), i;
	char name[16];

	/* 8 MiB guest, split at 4 MiB: RAM on both sides of the hole. */
	fx_init(&fx, 8 * MiB, 4 * MiB);
	for (i = 0; i < n; i++) {
		uint64_t base = (i & 1) ? GPA_4G : 0;
		/* Disjoint slots of 64 KiB keep the base table all-valid. */
		uint64_t addr = base + (uint64_t)(i / 2) * 0x10000 +
				rnd_below(0x8000);

		random_name(name);
		fx_region(&fx, i, name, (uint32_t)rnd_below(3) ? 0 : i,
			  MD_REGION_VALID_MAGIC, addr, 1 + rnd_below(0x8000));
	}
}

static void mutate(void)
{
	uint32_t count = 1 + (uint32_t)rnd_below(8);
	uint8_t *p;

	while (count--) {
		size_t arr = 40 * MD_REGION_SIZE;

		switch (rnd_below(9)) {
		case 0:	/* flip a byte of the TOC */
			fx.shm[rnd_below(MD_TOC_SIZE)] ^=
				(uint8_t)(1 + rnd_below(255));
			break;
		case 1:
		case 2:	/* flip a byte of the array */
			fx.shm[FX_ARRAY_OFF + rnd_below(arr)] ^=
				(uint8_t)(1 + rnd_below(255));
			break;
		case 3:	/* an interesting value in an array field */
			p = fx.shm + FX_ARRAY_OFF + rnd_below(arr - 8);
			if (rnd() & 1)
				put_le32(p, (uint32_t)interesting());
			else
				put_le64(p, interesting());
			break;
		case 4:
			fx_set_count(&fx, rnd() & 1 ? (uint32_t)interesting() :
				     (uint32_t)rnd_below(2000));
			break;
		case 5:
			fx_set_baseptr(&fx, rnd() & 1 ? interesting() :
				       FX_BAR2 + rnd_below(FX_SHM_SIZE + 64));
			break;
		case 6:	/* shm shorter than it claims */
			fx.src.shm_size = rnd_below(FX_SHM_SIZE + 1);
			break;
		case 7:	/* copy one entry over another: dups, overlaps */
			memcpy(fx.shm + FX_ARRAY_OFF +
			       rnd_below(40) * MD_REGION_SIZE,
			       fx.shm + FX_ARRAY_OFF +
			       rnd_below(40) * MD_REGION_SIZE, MD_REGION_SIZE);
			break;
		case 8:	/* another's address and size: overlaps only */
			memcpy(fx.shm + FX_ARRAY_OFF +
			       rnd_below(40) * MD_REGION_SIZE + MD_REGION_ADDR,
			       fx.shm + FX_ARRAY_OFF +
			       rnd_below(40) * MD_REGION_SIZE + MD_REGION_ADDR,
			       16);
			break;
		}
	}
	if (rnd_below(4) == 0)
		fx.src.max_total = 1 + rnd_below(0x40000);
}

static unsigned long long iters(void)
{
	const char *s = getenv("MDFW_FUZZ_ITERS");

	return s ? strtoull(s, NULL, 0) : 50000;
}

TEST(fuzz_table)
{
	const char *seed = getenv("MDFW_FUZZ_SEED");
	unsigned long long it, n_iters = iters(), usable = 0, bad_seen = 0;
	unsigned long long overlaps = 0;
	struct md_table t;
	char err[512];

	rng_state = seed ? strtoull(seed, NULL, 0) : UINT64_C(0x6d64667721);
	if (!rng_state)
		rng_state = 1;
	for (it = 0; it < n_iters && !tap_case_failed; it++) {
		uint64_t cap, sum = 0;
		uint32_t i, j, ok = 0, holes = 0, bad = 0;
		int rc;

		build_valid();
		mutate();
		cap = fx.src.max_total ? fx.src.max_total : fx.lay.ram_size;
		rc = md_table_read(&fx.src, &t, err, sizeof(err));
		/* The fixture fails reads outside shm/RAM: rc would be IO. */
		CHECKF(rc == 0 || rc == MDFW_EXIT_TABLE, "iter %llu rc %d %s",
		       it, rc, err);
		if (rc)
			continue;
		usable++;
		CHECK(t.n <= MD_MAX_REGIONS && t.n <= t.region_count);
		CHECK(t.truncated == (t.n < t.region_count));
		for (i = 0; i < t.n; i++) {
			const struct md_entry *e = &t.entries[i];
			uint64_t off;

			CHECK(e->index == i);
			if (e->status == MD_ST_HOLE) {
				CHECK(e->valid == MD_REGION_INVALID_MAGIC);
				holes++;
				continue;
			}
			if (e->status != MD_ST_OK) {
				bad++;
				continue;
			}
			ok++;
			CHECK(e->valid == MD_REGION_VALID_MAGIC);
			CHECKF(name_rule(e->name), "iter %llu entry %u", it, i);
			CHECK(!memcmp(e->raw_name, e->name,
				      strlen(e->name) + 1));
			CHECK(e->size > 0 && e->addr + e->size > e->addr);
			CHECK(gpa_range_to_file(&fx.lay, e->addr, e->size,
						&off) && off == e->file_off);
			CHECK(e->file_off + e->size <= fx.lay.ram_size);
			sum += e->size;
			for (j = 0; j < i; j++) {
				const struct md_entry *o = &t.entries[j];

				if (o->status != MD_ST_OK)
					continue;
				/* Overlaps are legal (and counted). */
				overlaps += !(o->addr + o->size <= e->addr ||
					      e->addr + e->size <= o->addr);
				/* unique even ignoring case (file names) */
				CHECK(o->seq != e->seq ||
				      strcasecmp(o->name, e->name));
			}
		}
		CHECK(ok == t.n_ok && holes == t.n_holes && bad == t.n_bad);
		CHECK(sum == t.total_bytes && sum <= cap);
		bad_seen += bad;
		md_table_free(&t);
	}
	/* The mutations must actually reach both outcomes. */
	CHECKF(n_iters < 100 || (usable > n_iters / 10 && bad_seen > 0),
	       "usable %llu bad %llu", usable, bad_seen);
	/* ... and accept overlapping entries. */
	CHECKF(n_iters < 100 || overlaps > 0, "%llu overlaps", overlaps);
	printf("# %llu iterations, %llu usable tables, %llu bad entries, "
	       "%llu accepted overlaps\n", it, usable, bad_seen, overlaps);
}

int main(void)
{
	RUN(fuzz_table);
	TAP_EXIT();
}
