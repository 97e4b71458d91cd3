// SPDX-License-Identifier: GPL-2.0
/* Unit tests for the minidump table parser/validator (table.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fixture.h"
#include "tap.h"
#include "util.h"

#define MiB (UINT64_C(1) << 20)
#define GiB (UINT64_C(1) << 30)
#define VALI MD_REGION_VALID_MAGIC
#define INVA MD_REGION_INVALID_MAGIC

static struct fixture fx;	/* large: keep it off the stack */
static struct md_table t;
static char err[512];

static int parse(void)
{
	md_table_free(&t);
	err[0] = '\0';
	return md_table_read(&fx.src, &t, err, sizeof(err));
}

/* Parse a one-entry table and return that entry's status. */
static enum md_status one(const char *name, uint32_t seq, uint32_t valid,
			  uint64_t addr, uint64_t size)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, name, seq, valid, addr, size);
	if (parse() || t.n != 1)
		return (enum md_status)-1;
	return t.entries[0].status;
}

TEST(toc_init_bytes)
{
	uint8_t toc[MD_TOC_SIZE];
	/* Byte image written out by hand from the protocol description. */
	static const uint8_t head[16] = {
		1, 0, 0, 0,		/* status */
		1, 0, 0, 0,		/* md_revision */
		'L', 'B', 'N', 'E',	/* 'ENBL' little-endian */
		0, 0, 0, 0,		/* padding before subsystems */
	};
	size_t i;

	memset(toc, 0xa5, sizeof(toc));
	md_toc_init_bytes(toc);
	CHECK(!memcmp(toc, head, sizeof(head)));
	for (i = sizeof(head); i < sizeof(toc); i++)
		CHECKF(toc[i] == 0, "byte %zu", i);
}

TEST(valid_table)
{
	uint64_t low = 0x100000, high = GPA_4G + 0x2000;

	/* 6 GiB: 3 GiB below the hole, 3 GiB from 4 GiB up. */
	fx_init(&fx, 6 * GiB, 0);
	fx_region(&fx, 0, "Kelfhdr", 0, VALI, low, 0x1000);
	fx_region(&fx, 1, "Kprb", 0, VALI, low + 0x1000, 0x3000);
	fx_region(&fx, 2, "Kprb", 1, VALI, high, 0x1000);
	fx_region(&fx, 3, "a-Z_9", 7, VALI, 3 * GiB - 0x1000, 0x1000);
	CHECK(parse() == 0);
	CHECK(t.n == 4 && t.region_count == 4 && !t.truncated);
	CHECK(t.where == MD_IN_SHM && t.array_off == FX_ARRAY_OFF);
	CHECK(t.n_ok == 4 && t.n_holes == 0 && t.n_bad == 0);
	CHECK(t.total_bytes == 0x1000 + 0x3000 + 0x1000 + 0x1000);
	CHECK(!t.odd_enc_status);
	CHECK(!strcmp(t.entries[0].name, "Kelfhdr"));
	CHECK(t.entries[0].file_off == low);
	CHECK(t.entries[1].file_off == low + 0x1000);
	CHECK(t.entries[2].seq == 1 && !strcmp(t.entries[2].name, "Kprb"));
	CHECK(t.entries[2].file_off == 3 * GiB + (high - GPA_4G));
	CHECK(t.entries[3].file_off == 3 * GiB - 0x1000);
}

TEST(toc_not_initialised)
{
	fx_init(&fx, 64 * MiB, 0);
	memset(fx.shm, 0, sizeof(fx.shm));
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "mdfw init"));
}

TEST(toc_bad_fields)
{
	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx.shm + MD_TOC_REVISION, 2);
	CHECK(parse() == MDFW_EXIT_TABLE);

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx.shm + MD_TOC_ENABLED, 0x4c424e45); /* byte-swapped */
	CHECK(parse() == MDFW_EXIT_TABLE);

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx.shm + MD_TOC_STATUS, 0);
	CHECK(parse() == MDFW_EXIT_TABLE);
}

TEST(shm_smaller_than_toc)
{
	fx_init(&fx, 64 * MiB, 0);
	fx.src.shm_size = MD_TOC_SIZE - 1;
	CHECK(parse() == MDFW_EXIT_TABLE);
	fx.src.shm_size = MD_TOC_SIZE;	/* TOC fits, array cannot */
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	CHECK(parse() == MDFW_EXIT_TABLE);	/* baseptr beyond shm */
}

TEST(subsystem_not_registered)
{
	fx_init(&fx, 64 * MiB, 0);
	memset(fx_subsys(&fx), 0, MD_SUBSYS_SIZE);
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "APSS"));

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx_subsys(&fx) + MD_SS_STATUS, 0);
	CHECK(parse() == MDFW_EXIT_TABLE);

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx_subsys(&fx) + MD_SS_ENABLED, 0);
	CHECK(parse() == MDFW_EXIT_TABLE);

	/* Another subsystem's slot is not ours. */
	fx_init(&fx, 64 * MiB, 0);
	memcpy(fx_subsys(&fx) + MD_SUBSYS_SIZE, fx_subsys(&fx),
	       MD_SUBSYS_SIZE);
	memset(fx_subsys(&fx), 0, MD_SUBSYS_SIZE);
	CHECK(parse() == MDFW_EXIT_TABLE);
}

TEST(encryption_fields)
{
	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx_subsys(&fx) + MD_SS_ENC_REQUIRED, 0x00004552); /* 'RE' */
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "encryption"));

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx_subsys(&fx) + MD_SS_ENC_STATUS, 0);
	CHECK(parse() == 0 && !t.odd_enc_status);

	fx_init(&fx, 64 * MiB, 0);
	put_le32(fx_subsys(&fx) + MD_SS_ENC_STATUS, 0x12345678);
	CHECK(parse() == 0 && t.odd_enc_status);
}

TEST(region_count_zero)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_set_baseptr(&fx, 0);	/* not even looked at */
	CHECK(parse() == 0 && t.n == 0 && t.n_ok == 0 && !t.truncated);
}

TEST(baseptr_nowhere)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	fx_set_baseptr(&fx, UINT64_C(0xd0000000));	/* PCI hole */
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "neither"));
	fx_set_baseptr(&fx, FX_BAR2 + FX_SHM_SIZE);	/* just past BAR */
	CHECK(parse() == MDFW_EXIT_TABLE);
	fx_set_baseptr(&fx, FX_BAR2 - 8);		/* just before */
	CHECK(parse() == MDFW_EXIT_TABLE);
	fx_set_baseptr(&fx, UINT64_MAX);
	CHECK(parse() == MDFW_EXIT_TABLE);
}

TEST(baseptr_into_toc)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	fx_set_baseptr(&fx, FX_BAR2 + MD_TOC_SIZE - 8);
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "table of contents"));
	fx_set_baseptr(&fx, FX_BAR2 + MD_TOC_SIZE);	/* first legal */
	CHECK(parse() == 0);
}

TEST(baseptr_misaligned)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	fx_set_baseptr(&fx, FX_BAR2 + FX_ARRAY_OFF + 4);
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "aligned"));
}

TEST(bar2_unknown)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	fx.src.bar2_known = false;
	CHECK(parse() == MDFW_EXIT_TABLE && strstr(err, "unknown"));
}

static void array_in_ram(uint64_t ram, uint64_t below, uint64_t gpa,
			 uint64_t file_off)
{
	fx_init(&fx, ram, below);
	fx.win_off = file_off;
	fx_encode(fx.win, "Kram", 0, VALI, 0x2000, 0x1000);
	fx_encode(fx.win + MD_REGION_SIZE, "Kram", 1, VALI, 0x8000, 0x10);
	fx_set_count(&fx, 2);
	fx_set_baseptr(&fx, gpa);
	CHECK(parse() == 0);
	CHECK(t.where == MD_IN_RAM && t.array_off == file_off);
	CHECK(t.n == 2 && t.n_ok == 2);
	CHECK(t.entries[1].addr == 0x8000 && t.entries[1].size == 0x10);
}

TEST(baseptr_in_ram)
{
	array_in_ram(64 * MiB, 0, 0x10000, 0x10000);
	/* Above 4 GiB: file offset = below_4g + (gpa - 4 GiB). */
	array_in_ram(8 * MiB, 4 * MiB, GPA_4G + 0x3000, 4 * MiB + 0x3000);
	/* ivshmem wins if a wrong --bar2 makes the ranges overlap. */
	fx_init(&fx, 64 * MiB, 0);
	fx.src.bar2 = 0;
	fx_region(&fx, 0, "K", 0, VALI, 0x10000, 0x1000);
	fx_set_baseptr(&fx, FX_ARRAY_OFF);
	CHECK(parse() == 0 && t.where == MD_IN_SHM && t.n_ok == 1);
}

TEST(region_count_capacity)
{
	uint32_t fit = (FX_SHM_SIZE - FX_ARRAY_OFF) / MD_REGION_SIZE;

	/* The shm bounds the count... */
	fx_init(&fx, 64 * MiB, 0);
	fx_set_count(&fx, 0xffffffffu);
	CHECK(parse() == 0);
	CHECK(t.capacity == (fit < MD_MAX_REGIONS ? fit : MD_MAX_REGIONS));
	CHECK(t.n == t.capacity && t.truncated);
	CHECK(t.n_bad == t.n);	/* all-zero entries: bad marker */

	/* ...so does a short shm... */
	fx.src.shm_size = FX_ARRAY_OFF + 3 * MD_REGION_SIZE + 39;
	CHECK(parse() == 0 && t.n == 3 && t.truncated);

	/* ...and the absolute cap. */
	fx.src.shm_size = FX_SHM_SIZE;
	fx.src.max_regions = 5;
	CHECK(parse() == 0 && t.n == 5 && t.truncated);

	/* Exactly at capacity is fine. */
	fx_set_count(&fx, 5);
	CHECK(parse() == 0 && t.n == 5 && !t.truncated);

	/* Array starting at the last 8 bytes: room for nothing. */
	fx.src.max_regions = 0;
	fx_set_baseptr(&fx, FX_BAR2 + FX_SHM_SIZE - 8);
	CHECK(parse() == 0 && t.n == 0 && t.truncated);

	/* In RAM: bounded by the end of the RAM range. */
	fx_init(&fx, 64 * MiB, 0);
	fx_set_count(&fx, 100);
	fx_set_baseptr(&fx, 64 * MiB - 2 * MD_REGION_SIZE);
	CHECK(parse() == 0 && t.where == MD_IN_RAM && t.n == 2 &&
	      t.truncated);
}

TEST(hole_is_skipped_not_bad)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "Ka", 0, VALI, 0x1000, 0x1000);
	/* A removed entry keeps garbage: must not matter. */
	fx_region(&fx, 1, "../../x", 0, INVA, UINT64_MAX, 0);
	fx_region(&fx, 2, "Kb", 0, VALI, 0x2000, 0x1000);
	CHECK(parse() == 0);
	CHECK(t.entries[1].status == MD_ST_HOLE);
	CHECK(t.n_ok == 2 && t.n_holes == 1 && t.n_bad == 0);
	CHECK(!md_status_is_bad(MD_ST_HOLE));
}

TEST(bad_marker)
{
	CHECK(one("K", 0, 0, 0x1000, 0x1000) == MD_ST_BAD_MARKER);
	CHECK(one("K", 0, 0x494C4156, 0x1000, 0x1000) == MD_ST_BAD_MARKER);
	CHECK(one("K", 0, VALI ^ 1, 0x1000, 0x1000) == MD_ST_BAD_MARKER);
	CHECK(one("K", 0, VALI, 0x1000, 0x1000) == MD_ST_OK);
}

TEST(bad_names)
{
	uint8_t *e;

	CHECK(one("", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("a.b", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	/* "a@1" seq 0 would be md_a@1.BIN, the file of ("a", 1). */
	CHECK(one("a@1", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("a/b", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("..", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("a b", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("a\tb", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	CHECK(one("\xc3\xa9", 0, VALI, 0x1000, 0x1000) == MD_ST_BAD_NAME);
	/* 16 characters: no room for the NUL. */
	CHECK(one("0123456789abcdef", 0, VALI, 0x1000, 0x1000) ==
	      MD_ST_BAD_NAME);
	/* 15 characters: longest legal name. */
	CHECK(one("0123456789abcde", 0, VALI, 0x1000, 0x1000) == MD_ST_OK);
	CHECK(one("-", 0, VALI, 0x1000, 0x1000) == MD_ST_OK);

	/* Bytes after the terminating NUL are ignored. */
	fx_init(&fx, 64 * MiB, 0);
	e = fx_region(&fx, 0, "Kok", 0, VALI, 0x1000, 0x1000);
	memcpy(e + 4, "/\xff.", 3);
	CHECK(parse() == 0 && t.entries[0].status == MD_ST_OK &&
	      !strcmp(t.entries[0].name, "Kok"));
}

TEST(size_zero)
{
	CHECK(one("K", 0, VALI, 0x1000, 0) == MD_ST_EMPTY);
}

TEST(address_overflow)
{
	CHECK(one("K", 0, VALI, UINT64_MAX - 0xfff, 0x2000) ==
	      MD_ST_OVERFLOW);
	CHECK(one("K", 0, VALI, UINT64_MAX, 1) == MD_ST_OVERFLOW);
	CHECK(one("K", 0, VALI, 1, UINT64_MAX) == MD_ST_OVERFLOW);
	/* End 2^64 is not representable: addr + size wraps to 0. */
	CHECK(one("K", 0, VALI, UINT64_MAX - 0xfff, 0x1000) ==
	      MD_ST_OVERFLOW);
	/* Largest end that does not wrap: merely not RAM. */
	CHECK(one("K", 0, VALI, UINT64_MAX - 0x1000, 0x1000) ==
	      MD_ST_OUT_OF_RAM);
}

TEST(outside_ram)
{
	/* 64 MiB guest: RAM is [0, 64 MiB). */
	CHECK(one("K", 0, VALI, 64 * MiB - 0x1000, 0x1000) == MD_ST_OK);
	CHECK(one("K", 0, VALI, 64 * MiB - 0x1000, 0x1001) ==
	      MD_ST_OUT_OF_RAM);
	CHECK(one("K", 0, VALI, 64 * MiB, 1) == MD_ST_OUT_OF_RAM);
	CHECK(one("K", 0, VALI, FX_BAR2, 0x1000) == MD_ST_OUT_OF_RAM);
	CHECK(one("K", 0, VALI, GPA_4G, 0x1000) == MD_ST_OUT_OF_RAM);
	CHECK(one("K", 0, VALI, 0, 65 * MiB) == MD_ST_OUT_OF_RAM);

	/* Split RAM: straddling either edge of the hole is rejected. */
	fx_init(&fx, 8 * MiB, 4 * MiB);
	fx_region(&fx, 0, "Klo", 0, VALI, 4 * MiB - 0x1000, 0x2000);
	fx_region(&fx, 1, "Khi", 0, VALI, GPA_4G - 0x1000, 0x2000);
	fx_region(&fx, 2, "Kend", 0, VALI, GPA_4G + 4 * MiB - 0x1000,
		  0x2000);
	fx_region(&fx, 3, "Kall", 0, VALI, 0, GPA_4G + 8 * MiB);
	fx_region(&fx, 4, "Kok", 0, VALI, GPA_4G + 4 * MiB - 0x1000, 0x1000);
	CHECK(parse() == 0);
	CHECK(t.entries[0].status == MD_ST_OUT_OF_RAM);
	CHECK(t.entries[1].status == MD_ST_OUT_OF_RAM);
	CHECK(t.entries[2].status == MD_ST_OUT_OF_RAM);
	CHECK(t.entries[3].status == MD_ST_OUT_OF_RAM);
	CHECK(t.entries[4].status == MD_ST_OK &&
	      t.entries[4].file_off == 8 * MiB - 0x1000);
	CHECK(t.n_ok == 1 && t.n_bad == 4);
}

/*
 * Overlaps are legal for every entry: the kernel publishes nested memory
 * (a CPU's per-CPU area, and the IRQ and exception stacks inside it, each
 * also registered on its own to be read through another virtual address),
 * and a real firmware copies every entry as it is. Each one is dumped.
 */
TEST(overlap_allowed)
{
	uint32_t i;

	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "Ka", 0, VALI, 0x10000, 0x1000);
	fx_region(&fx, 1, "Kb", 0, VALI, 0x10fff, 0x10);	/* tail */
	fx_region(&fx, 2, "Kc", 0, VALI, 0xfff0, 0x11);		/* head */
	fx_region(&fx, 3, "Kd", 0, VALI, 0x10100, 0x10);	/* inside */
	fx_region(&fx, 4, "Ke", 0, VALI, 0xf000, 0x3000);	/* around */
	fx_region(&fx, 5, "Kf", 0, VALI, 0x11000, 0x1000);	/* adjacent */
	fx_region(&fx, 6, "Kg", 0, VALI, 0xf000, 0x1000);	/* adjacent */
	fx_region(&fx, 7, "Kh", 0, VALI, 0x10000, 0x1000);	/* identical */
	/* A per-CPU area, then its IRQ stack and an exception stack. */
	fx_region(&fx, 8, "percpu", 0, VALI, 0x200000, 0x20000);
	fx_region(&fx, 9, "irq_stack", 0, VALI, 0x204000, 0x4000);
	fx_region(&fx, 10, "exc_stack", 0, VALI, 0x210000, 0x1000);
	/* The stack first, the area around it later: the same. */
	fx_region(&fx, 11, "irq_stack", 1, VALI, 0x304000, 0x4000);
	fx_region(&fx, 12, "percpu", 1, VALI, 0x300000, 0x20000);
	CHECK(parse() == 0);
	for (i = 0; i < 13; i++)
		CHECKF(t.entries[i].status == MD_ST_OK, "entry %u: %s", i,
		       md_status_str(t.entries[i].status));
	CHECK(t.entries[9].file_off == 0x204000);
	CHECK(t.entries[12].file_off == 0x300000);
	CHECK(t.n_ok == 13 && t.n_bad == 0);
	/* Overlapping bytes count (and are copied) once per entry. */
	CHECK(t.total_bytes == 0x1000 + 0x10 + 0x11 + 0x10 + 0x3000 +
	      0x1000 + 0x1000 + 0x1000 + 2 * (0x20000 + 0x4000) + 0x1000);
}

/*
 * Overlaps are legal, so only --max-bytes (default: the RAM size) bounds
 * what a table naming the same memory again and again makes mdfw copy.
 */
TEST(overlap_cap)
{
	char name[16];
	uint32_t i;

	/* 1024 entries, each all of RAM: the first one fills the cap. */
	fx_init(&fx, 64 * MiB, 0);
	for (i = 0; i < MD_MAX_REGIONS; i++) {
		snprintf(name, sizeof(name), "Kall%u", i);
		fx_region(&fx, i, name, 0, VALI, 0, 64 * MiB);
	}
	CHECK(parse() == 0 && t.n == MD_MAX_REGIONS);
	CHECK(t.entries[0].status == MD_ST_OK);
	for (i = 1; i < t.n; i++)
		CHECKF(t.entries[i].status == MD_ST_TOO_LARGE, "entry %u: %s",
		       i, md_status_str(t.entries[i].status));
	CHECK(t.n_ok == 1 && t.n_bad == MD_MAX_REGIONS - 1);
	CHECK(t.total_bytes == 64 * MiB);
	md_entry_describe(&t.entries[1], err, sizeof(err));
	CHECK(strstr(err, "Kall1.0") && strstr(err, "cap"));

	/* One name, 1024 seqs, the same 16 MiB; a cap of 3.5 of them. */
	fx_init(&fx, 64 * MiB, 0);
	fx.src.max_total = 56 * MiB;
	for (i = 0; i < MD_MAX_REGIONS - 1; i++)
		fx_region(&fx, i, "Kbig", i, VALI, 16 * MiB, 16 * MiB);
	/* Half of it still fits after them. */
	fx_region(&fx, i, "Khalf", 0, VALI, 16 * MiB, 8 * MiB);
	CHECK(parse() == 0 && t.n == MD_MAX_REGIONS);
	for (i = 0; i < t.n; i++)
		CHECKF(t.entries[i].status == (i < 3 || i == t.n - 1 ?
					       MD_ST_OK : MD_ST_TOO_LARGE),
		       "entry %u: %s", i, md_status_str(t.entries[i].status));
	CHECK(t.n_ok == 4 && t.total_bytes == 56 * MiB);
}

TEST(cpuset_names)
{
	static const struct {
		const char *name;
		enum md_cpuset_kind kind;
		uint32_t cpu, chunk;
		bool canonical;
	} v[] = {
		{ "KTASK0", MD_CPUSET_TASK, 0, 0, true },
		{ "KTASK9999", MD_CPUSET_TASK, 9999, 0, true },
		{ "KTASK0042", MD_CPUSET_TASK, 42, 0, false },
		{ "KSTACK0_0", MD_CPUSET_STACK, 0, 0, true },
		{ "KSTACK12_63", MD_CPUSET_STACK, 12, 63, true },
		{ "KSTACK9999_9999", MD_CPUSET_STACK, 9999, 9999, true },
		{ "KSTACK1_01", MD_CPUSET_STACK, 1, 1, false },
		{ "KTASK", MD_CPUSET_NONE, 0, 0, false },
		{ "KTASK12345", MD_CPUSET_NONE, 0, 0, false },
		{ "KTASK1_0", MD_CPUSET_NONE, 0, 0, false },
		{ "KTASK1a", MD_CPUSET_NONE, 0, 0, false },
		{ "KTASK-1", MD_CPUSET_NONE, 0, 0, false },
		{ "ktask1", MD_CPUSET_NONE, 0, 0, false },
		{ "XKTASK1", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK1", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK1_", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK_1", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK1_2_3", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK12345_1", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACK1_12345", MD_CPUSET_NONE, 0, 0, false },
		{ "KSTACKS1_1", MD_CPUSET_NONE, 0, 0, false },
		{ "cpu0_task", MD_CPUSET_NONE, 0, 0, false },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		uint32_t cpu = 77, chunk = 77;
		bool canon = !v[i].canonical;
		enum md_cpuset_kind k = md_cpuset_name(v[i].name, &cpu, &chunk,
						       &canon);

		CHECKF(k == v[i].kind, "%s", v[i].name);
		if (k != MD_CPUSET_NONE)
			CHECKF(cpu == v[i].cpu && chunk == v[i].chunk &&
			       canon == v[i].canonical, "%s: %u %u %d",
			       v[i].name, cpu, chunk, canon);
	}
}

/* CPU-set entries overlap anything, like ordinary ones; duplicates do not. */
TEST(cpuset_overlap_allowed)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "Kbanner", 0, VALI, 0x10000, 0x1000);
	/* An ordinary region first, a CPU set over part of it. */
	fx_region(&fx, 1, "KSTACK1_0", 1, VALI, 0x10800, 0x1000);
	/* A migrated task: the same memory in two CPUs' sets. */
	fx_region(&fx, 2, "KTASK0", 0, VALI, 0x20000, 0x2800);
	fx_region(&fx, 3, "KTASK1", 0, VALI, 0x20000, 0x2800);
	fx_region(&fx, 4, "KTASK1", 1, VALI, 0x21000, 0x100);
	/* An ordinary region after a CPU-set entry, over it. */
	fx_region(&fx, 5, "Kafter", 0, VALI, 0x20100, 0x10);
	/* ... and ordinary ones over ordinary ones. */
	fx_region(&fx, 6, "Klater", 0, VALI, 0x20108, 0x10);
	fx_region(&fx, 7, "Kover", 0, VALI, 0x10f00, 0x10);
	/* Not a CPU-set name (case): an ordinary overlapping entry. */
	fx_region(&fx, 8, "ktask2", 0, VALI, 0x10010, 0x10);
	/* The same (name, seq) twice is still a duplicate. */
	fx_region(&fx, 9, "KTASK1", 0, VALI, 0x30000, 0x2800);
	CHECK(parse() == 0);
	CHECK(t.entries[0].status == MD_ST_OK && !t.entries[0].cpuset);
	CHECK(t.entries[1].status == MD_ST_OK && t.entries[1].cpuset);
	CHECK(t.entries[2].status == MD_ST_OK);
	CHECK(t.entries[3].status == MD_ST_OK);
	CHECK(t.entries[4].status == MD_ST_OK);
	CHECK(t.entries[5].status == MD_ST_OK);
	CHECK(t.entries[6].status == MD_ST_OK);
	CHECK(t.entries[7].status == MD_ST_OK);
	CHECK(t.entries[8].status == MD_ST_OK && !t.entries[8].cpuset);
	CHECK(t.entries[9].status == MD_ST_DUPLICATE &&
	      t.entries[9].other == 3);
	CHECK(t.n_ok == 9 && t.n_bad == 1);
	CHECK(t.total_bytes == 0x1000 + 0x1000 + 2 * 0x2800 + 0x100 +
	      3 * 0x10 + 0x10);
}

TEST(duplicate_name_seq)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "Kx", 0, VALI, 0x10000, 0x1000);
	fx_region(&fx, 1, "Kx", 1, VALI, 0x20000, 0x1000);
	fx_region(&fx, 2, "Kx", 0, VALI, 0x30000, 0x1000);	/* dup of 0 */
	fx_region(&fx, 3, "Ky", 0, VALI, 0x40000, 0x1000);
	fx_region(&fx, 4, "KX", 0, VALI, 0x50000, 0x1000);	/* case */
	fx_region(&fx, 6, "kY", 1, VALI, 0x60000, 0x1000);	/* other seq */
	/* Identical to 1: a duplicate, though overlaps are legal. */
	fx_region(&fx, 5, "Kx", 1, VALI, 0x20000, 0x1000);
	/* Over 3's memory, with 3's (name, seq) but for case: the same. */
	fx_region(&fx, 7, "KY", 0, VALI, 0x40800, 0x100);
	CHECK(parse() == 0);
	CHECK(t.entries[1].status == MD_ST_OK);
	CHECK(t.entries[2].status == MD_ST_DUPLICATE &&
	      t.entries[2].other == 0);
	CHECK(t.entries[3].status == MD_ST_OK);
	/* Differs in case only: would collide on a case-insensitive FS. */
	CHECK(t.entries[4].status == MD_ST_DUPLICATE &&
	      t.entries[4].other == 0 && t.entries[4].case_only);
	CHECK(!t.entries[2].case_only);
	CHECK(t.entries[5].status == MD_ST_DUPLICATE &&
	      t.entries[5].other == 1);
	CHECK(t.entries[6].status == MD_ST_OK);
	CHECK(t.entries[7].status == MD_ST_DUPLICATE &&
	      t.entries[7].other == 3 && t.entries[7].case_only);
	CHECK(t.n_ok == 4 && t.n_bad == 4);
	md_entry_describe(&t.entries[4], err, sizeof(err));
	CHECK(strstr(err, "ignoring case") && strstr(err, "entry 0"));
}

TEST(total_size_cap)
{
	fx_init(&fx, 64 * MiB, 0);
	fx.src.max_total = 0x3000;
	fx_region(&fx, 0, "Ka", 0, VALI, 0x10000, 0x2000);
	fx_region(&fx, 1, "Kb", 0, VALI, 0x20000, 0x1001);	/* 1 too many */
	fx_region(&fx, 2, "Kc", 0, VALI, 0x30000, 0x1000);	/* fits */
	fx_region(&fx, 3, "Kd", 0, VALI, 0x40000, 1);		/* full */
	CHECK(parse() == 0);
	CHECK(t.entries[0].status == MD_ST_OK);
	CHECK(t.entries[1].status == MD_ST_TOO_LARGE);
	CHECK(t.entries[2].status == MD_ST_OK);
	CHECK(t.entries[3].status == MD_ST_TOO_LARGE);
	CHECK(t.total_bytes == 0x3000);

	/* Default cap is the RAM size: the whole RAM once is fine. */
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "Kall", 0, VALI, 0, 64 * MiB);
	CHECK(parse() == 0 && t.entries[0].status == MD_ST_OK);
}

TEST(read_errors)
{
	fx_init(&fx, 64 * MiB, 0);
	fx_region(&fx, 0, "K", 0, VALI, 0x1000, 0x1000);
	fx.fail_reads = 1;
	CHECK(parse() == MDFW_EXIT_IO);
	CHECK(t.entries == NULL);
}

TEST(name_escape)
{
	uint8_t raw[MD_NAME_LEN];
	char out[MD_NAME_ESC_LEN];
	size_t i;

	memcpy(raw, "a\tb\n/\xff", 7);
	md_name_escape(raw, out);
	CHECK(!strcmp(out, "a\\x09b\\x0a\\x2f\\xff"));
	memset(raw, 0x01, sizeof(raw));	/* worst case: 16 escapes */
	md_name_escape(raw, out);
	CHECK(strlen(out) == MD_NAME_ESC_LEN - 1);
	for (i = 0; out[i]; i++)
		CHECK(out[i] >= 0x20 && out[i] < 0x7f);
}

TEST(status_strings)
{
	int a, b;

	for (a = MD_ST_OK; a <= MD_ST_IO_ERROR; a++) {
		CHECK(strcmp(md_status_str((enum md_status)a), "?"));
		CHECK(!strchr(md_status_str((enum md_status)a), '\t'));
		for (b = MD_ST_OK; b < a; b++)
			CHECK(strcmp(md_status_str((enum md_status)a),
				     md_status_str((enum md_status)b)));
	}
	CHECK(!strcmp(md_status_str(MD_ST_OK), "ok"));
	CHECK(!strcmp(md_status_str(MD_ST_HOLE), "invalid-marker"));
}

int main(void)
{
	RUN(toc_init_bytes);
	RUN(valid_table);
	RUN(toc_not_initialised);
	RUN(toc_bad_fields);
	RUN(shm_smaller_than_toc);
	RUN(subsystem_not_registered);
	RUN(encryption_fields);
	RUN(region_count_zero);
	RUN(baseptr_nowhere);
	RUN(baseptr_into_toc);
	RUN(baseptr_misaligned);
	RUN(bar2_unknown);
	RUN(baseptr_in_ram);
	RUN(region_count_capacity);
	RUN(hole_is_skipped_not_bad);
	RUN(bad_marker);
	RUN(bad_names);
	RUN(size_zero);
	RUN(address_overflow);
	RUN(outside_ram);
	RUN(overlap_allowed);
	RUN(overlap_cap);
	RUN(cpuset_names);
	RUN(cpuset_overlap_allowed);
	RUN(duplicate_name_seq);
	RUN(total_size_cap);
	RUN(read_errors);
	RUN(name_escape);
	RUN(status_strings);
	md_table_free(&t);
	TAP_EXIT();
}
