// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of cpusets.c: the cpu_sets descriptor (record layout written
 * here byte by byte from the README), its size bounds, and which sets
 * cpusets_select() finds usable, the stacks it hands to the pid rule,
 * which set cpusets_place() takes for the one each CPU runs on (by the
 * stack pointer of notes built here), in which order it adds their
 * PT_LOADs, how it names their sections, its aliases, and what both say
 * on the log.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpuregs.h"
#include "cpusets.h"
#include "tap.h"

#define TASK_VA(c)	(UINT64_C(0xffff888000100000) + 0x10000 * (c))
#define STACK_VA(c)	(UINT64_C(0xffffc90000100000) + 0x10000 * (c))

static uint8_t desc[(CPUSETS_MAX_CPUS + 1) * CPUSETS_REC_SIZE];

/* Record c at desc + 64 c, by the README's offsets. */
static void put_rec(uint32_t c, uint32_t cur, uint32_t chunks,
		    uint32_t seq0, uint32_t seq1)
{
	uint8_t *r = desc + (size_t)c * CPUSETS_REC_SIZE;
	uint32_t s;

	memset(r, 0, CPUSETS_REC_SIZE);
	memcpy(r, "KCPU", 4);
	put_le32(r + 4, c);
	put_le32(r + 8, cur);
	put_le32(r + 12, chunks);
	for (s = 0; s < 2; s++) {
		put_le64(r + 16 + 24 * s, TASK_VA(2 * c + s));
		put_le64(r + 24 + 24 * s, STACK_VA(2 * c + s));
		put_le32(r + 32 + 24 * s, 1000 + 2 * c + s);
		put_le32(r + 36 + 24 * s, s ? seq1 : seq0);
	}
}

static struct mdelf_tentry v[64];
static uint32_t nv;

static void ent(const char *name, uint32_t seq, uint64_t addr, uint64_t size,
		bool ok)
{
	struct mdelf_tentry *e = &v[nv];

	memset(e, 0, sizeof(*e));
	e->index = nv++;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->seq = seq;
	e->addr = addr;
	e->size = size;
	e->ok = ok;
	e->file_off = addr;
}

/* The entries of set s of CPU c: task 0x800 bytes, chunks 0x100. */
static void set_ents(uint32_t c, uint32_t s, uint32_t chunks)
{
	char n[16];
	uint32_t i;

	snprintf(n, sizeof(n), "KTASK%u", c);
	ent(n, s, 0x100000 + 0x10000 * (2 * c + s), 0x800, true);
	for (i = 0; i < chunks; i++) {
		snprintf(n, sizeof(n), "KSTACK%u_%u", c, i);
		ent(n, s, 0x200000 + 0x10000 * (2 * c + s) + 0x1000 * i, 0x100,
		    true);
	}
}

static int fail_reads;

/* The descriptor "in RAM" at file_off 0x8000: desc. */
static int rd(void *ctx, const struct mdelf_tentry *e, uint8_t *buf,
	      size_t len)
{
	(void)ctx;
	if (fail_reads)
		return -5;
	if (e->file_off != 0x8000 || len != e->size || len > sizeof(desc))
		return -34;
	memcpy(buf, desc, len);
	return 0;
}

static char logbuf[1 << 16];

/*
 * x86-64 notes of n CPUs, CPU c's stack pointer sp[c] (0: no registers),
 * every other register 0; *len their size (malloc()ed).
 */
static uint8_t *sp_notes(const uint64_t *sp, uint32_t n, size_t *len)
{
	const struct cpuregs_arch *a = &cpuregs_x86_64;
	struct cpuregs regs = { n, a, calloc(n, a->prstatus_size) };
	uint8_t *out = NULL;
	uint32_t c;

	for (c = 0; c < n; c++)
		put_le64(regs.desc + (size_t)c * a->prstatus_size +
			 CPUREGS_PR_REG_OFF + 8 * a->sp_index, sp[c]);
	if (cpuregs_encode(&regs, &out, len))
		out = NULL;
	free(regs.desc);
	return out;
}

/*
 * Select and place over v with a descriptor of ncpus records, CPU c's
 * stack pointer sp[c] (sp NULL: no notes); the log in logbuf.
 */
static int sel_sp(uint32_t ncpus, const uint64_t *sp, uint32_t nsp,
		  struct cpusets_result *r)
{
	FILE *f = fmemopen(logbuf, sizeof(logbuf), "w");
	uint8_t *notes = NULL;
	size_t len = 0;
	int ret;

	ent(CPUSETS_REGION, 0, 0x8000, (uint64_t)ncpus * CPUSETS_REC_SIZE,
	    true);
	if (sp)
		notes = sp_notes(sp, nsp, &len);
	ret = cpusets_select(v, nv, rd, NULL, f, r);
	if (!ret)
		ret = cpusets_place(r, v, nv, notes, len, &cpuregs_x86_64, f);
	fclose(f);
	free(notes);
	return ret;
}

static int sel(uint32_t ncpus, struct cpusets_result *r)
{
	return sel_sp(ncpus, NULL, 0, r);
}

TEST(parse_sizes)
{
	struct cpusets_rec *recs;
	uint32_t n;
	char err[256];
	static const size_t bad[] = { 0, 1, 63, 65, 100,
				      4097 * CPUSETS_REC_SIZE };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECKF(cpusets_parse(desc, bad[i], &recs, &n, err,
				     sizeof(err)) == -1 && !recs && err[0],
		       "%zu bytes", bad[i]);
	}
	CHECK(strstr(err, "4097 records, more than 4096"));
	CHECK(cpusets_parse(desc, 100, &recs, &n, err, sizeof(err)) == -1 &&
	      strstr(err, "100 bytes: not a whole number of 64-byte records"));
	memset(desc, 0xa5, sizeof(desc));
	CHECK(cpusets_parse(desc, 4096 * CPUSETS_REC_SIZE, &recs, &n, err,
			    sizeof(err)) == 0 && n == 4096);
	free(recs);

	/* Every field, little-endian, at its README offset. */
	for (i = 0; i < 64; i++)
		desc[i] = (uint8_t)(i + 1);
	CHECK(cpusets_parse(desc, 64, &recs, &n, err, sizeof(err)) == 0);
	CHECK(n == 1 && recs[0].magic == 0x04030201 &&
	      recs[0].cpu == 0x08070605 && recs[0].cur == 0x0c0b0a09 &&
	      recs[0].chunks == 0x100f0e0d);
	CHECK(recs[0].set[0].task == UINT64_C(0x1817161514131211) &&
	      recs[0].set[0].stack == UINT64_C(0x201f1e1d1c1b1a19) &&
	      recs[0].set[0].pid == 0x24232221 &&
	      recs[0].set[0].seq == 0x28272625);
	CHECK(recs[0].set[1].task == UINT64_C(0x302f2e2d2c2b2a29) &&
	      recs[0].set[1].stack == UINT64_C(0x3837363534333231) &&
	      recs[0].set[1].pid == 0x3c3b3a39 &&
	      recs[0].set[1].seq == 0x403f3e3d);
	free(recs);
	CHECK(CPUSETS_MAGIC == 0x5550434b && !memcmp("KCPU", "\x4b\x43\x50\x55",
						       4));
}

TEST(select_order_and_stacks)
{
	struct cpusets_result r;
	uint32_t i;

	nv = 0;
	ent("KELF_HEADER", 0, 0x1000, 0x1000, true);
	/* CPU 1 before CPU 0 in the table, set 1 before set 0. */
	set_ents(1, 1, 2);
	set_ents(1, 0, 2);
	/* A rejected twin of KTASK0 seq 0 first: the dumped one is used. */
	ent("KTASK0", 0, 0x700000, 0x800, false);
	set_ents(0, 0, 2);
	/* CPU 0 set 1: not live (no KTASK0 seq 1), its stack left over. */
	ent("KSTACK0_0", 1, 0x600000, 0x100, true);
	ent("KSTACK0_1", 1, 0x601000, 0x100, true);
	put_rec(0, 0, 2, 2, 4);
	put_rec(1, 1, 2, 6, 8);
	CHECK(sel(2, &r) == 0);
	CHECK(r.state == CPUSETS_OK && r.ncpus == 2 && r.usable == 3 &&
	      r.skipped == 1 && r.merged == 0 && r.nloads == 9);
	CHECK(strstr(logbuf, "mdfw: cpu 0 set 1: not live (no valid KTASK0 "
			     "seq 1 entry); skipped\n"));
	/*
	 * Without registers each CPU runs on the set it published last:
	 * CPU 0 set 0, CPU 1 set 1 (cur 1), then CPU 1 set 0; task, then
	 * chunks. Sections by role: the running sets' seq 0, the other @1.
	 */
	static const char *const names[] = {
		"KTASK0", "KSTACK0_0", "KSTACK0_1", "KTASK1", "KSTACK1_0",
		"KSTACK1_1", "KTASK1", "KSTACK1_0", "KSTACK1_1",
	};
	static const uint32_t seqs[] = { 0, 0, 0, 1, 1, 1, 0, 0, 0 };
	static const uint32_t secs[] = { 0, 0, 0, 0, 0, 0, 1, 1, 1 };
	static const uint32_t sets[] = { 0, 0, 0, 3, 3, 3, 2, 2, 2 };
	for (i = 0; i < r.nloads && i < 9; i++) {
		const struct mdelf_load *l = &r.loads[i];
		const struct mdelf_tentry *e = &v[r.src[i]];
		uint64_t va = i % 3 ? STACK_VA(sets[i]) + 0x100 * (i % 3 - 1) :
			      TASK_VA(sets[i]);

		CHECKF(!strcmp(l->name, names[i]) && l->seq == seqs[i] &&
		       !strcmp(e->name, names[i]) && e->seq == seqs[i] &&
		       r.sec_seq[i] == secs[i] &&
		       e->ok && l->paddr == e->addr && l->filesz == e->size &&
		       l->memsz == e->size && l->vaddr == va && l->flags == 7,
		       "load %u: %s seq %u va 0x%llx", i, l->name, l->seq,
		       (unsigned long long)l->vaddr);
	}
	/* Stacks for the pid rule: the newest set (cur) first. */
	CHECK(r.stacks[0].lo == STACK_VA(0) && r.stacks[0].len == 0x200 &&
	      r.stacks[0].pid == 1000 && r.stacks[1].len == 0);
	CHECK(r.stacks[2].lo == STACK_VA(3) && r.stacks[2].pid == 1003 &&
	      r.stacks[3].lo == STACK_VA(2) && r.stacks[3].pid == 1002);
	struct cpuregs_stacks st = cpusets_stacks(&r);
	CHECK(st.ncpus == 2 && st.st == r.stacks);
	char line[256];
	cpusets_line(&r, line, sizeof(line));
	CHECK(!strcmp(line, "cpu_sets: 2 CPUs, 3 of 4 sets usable, 9 "
		      "PT_LOADs added; running set found by stack pointer on "
		      "0 of 2 CPUs"));
	CHECK(r.nalias == 0 && r.by_sp == 0);
	cpusets_free(&r);
}

TEST(select_migrated_task)
{
	struct cpusets_result r;

	nv = 0;
	set_ents(0, 0, 1);
	set_ents(1, 0, 1);
	put_rec(0, 0, 1, 2, 1);
	put_rec(1, 0, 1, 2, 1);
	/* CPU 1's task overlaps CPU 0's stack (part of it only). */
	put_le64(desc + 64 + 16, STACK_VA(0) + 0x80);
	CHECK(sel(2, &r) == 0);
	CHECK(r.usable == 2 && r.merged == 1 && r.nloads == 2);
	CHECK(strstr(logbuf, "mdfw: cpu 1 set 0: task 0xffffc90000100080 "
			     "(pid 1002) overlaps cpu 0 set 0's KSTACK0_0 (a "
			     "migrated task)"));
	/* ... but its stack still names its pid. */
	CHECK(r.stacks[2].lo == STACK_VA(2) && r.stacks[2].pid == 1002);
	cpusets_free(&r);
}

/*
 * The machine is halted: a set whose KTASK entry is VALI is whole, odd
 * seq or even (the kernel makes seq even only after it published the
 * set); an INVA one is not live, even seq or odd.
 */
TEST(select_odd_seq_used)
{
	struct cpusets_result r;
	uint32_t i;

	nv = 0;
	set_ents(0, 0, 2);
	set_ents(0, 1, 2);
	/* CPU 1 set 0 withdrawn (no KTASK1), seq even: its stack left. */
	ent("KSTACK1_0", 0, 0x240000, 0x100, true);
	ent("KSTACK1_1", 0, 0x241000, 0x100, true);
	put_rec(0, 1, 2, 3, 0xffffffff);
	put_rec(1, 0, 2, 2, 2);
	CHECK(sel(2, &r) == 0);
	CHECK(r.state == CPUSETS_OK && r.usable == 2 && r.skipped == 2 &&
	      r.nloads == 6);
	CHECK(!strstr(logbuf, "cpu 0 set") && !strstr(logbuf, "odd"));
	CHECK(strstr(logbuf, "mdfw: cpu 1 set 0: not live (no valid KTASK1 "
			     "seq 0 entry); skipped\n"));
	/* CPU 0 runs on set 1 (cur): its loads first, its sections seq 0. */
	for (i = 0; i < r.nloads; i++)
		CHECKF(r.loads[i].seq == 1 - i / 3 && r.sec_seq[i] == i / 3 &&
		       r.loads[i].vaddr == (i % 3 ? STACK_VA(1 - i / 3) +
					    0x100 * (i % 3 - 1) :
					    TASK_VA(1 - i / 3)), "load %u", i);
	/* Newest set (cur 1, seq 2^32 - 1) first for the pid rule. */
	CHECK(r.stacks[0].lo == STACK_VA(1) && r.stacks[0].pid == 1001 &&
	      r.stacks[1].lo == STACK_VA(0) && r.stacks[1].pid == 1000);
	cpusets_free(&r);
}

TEST(select_unusable_descriptor)
{
	struct cpusets_result r;

	/* No descriptor, no CPU-set entries: nothing, silently. */
	nv = 0;
	ent("KELF_HEADER", 0, 0x1000, 0x1000, true);
	ent("KTASK", 0, 0x1000, 0x1000, true);	/* not a CPU set's name */
	CHECK(cpusets_select(v, nv, rd, NULL, stderr, &r) == 0 &&
	      r.state == CPUSETS_NONE && !r.nloads);
	char line[256] = "x";
	cpusets_line(&r, line, sizeof(line));
	CHECK(!line[0]);
	/* CPU-set entries without it. */
	set_ents(0, 0, 2);
	CHECK(cpusets_select(v, nv, rd, NULL, NULL, &r) == 0 &&
	      r.state == CPUSETS_UNUSABLE && strstr(r.why, "3 valid CPU-set "
						    "entries"));
	/* Not dumped, in two parts, a failed read. */
	put_rec(0, 0, 2, 2, 2);
	ent(CPUSETS_REGION, 0, 0x8000, 64, false);
	CHECK(sel(1, &r) == 0 && r.state == CPUSETS_OK && r.usable == 1);
	cpusets_free(&r);
	nv--;
	v[nv - 1].ok = false;
	CHECK(cpusets_select(v, nv, rd, NULL, NULL, &r) == 0 &&
	      r.state == CPUSETS_UNUSABLE && strstr(r.why, "was not dumped"));
	v[nv - 1].seq = 1;
	v[nv - 1].ok = true;
	CHECK(sel(1, &r) == 0 && r.state == CPUSETS_UNUSABLE &&
	      strstr(r.why, "more than one part (seq 1)"));
	nv -= 2;
	fail_reads = 1;
	CHECK(sel(1, &r) == 0 && r.state == CPUSETS_UNUSABLE &&
	      strstr(r.why, "reading it"));
	fail_reads = 0;
	cpusets_line(&r, line, sizeof(line));
	CHECK(!strncmp(line, "cpu_sets: unusable: reading it", 30));
	/* Too large: refused before it is read (rd would fail). */
	nv--;
	CHECK(sel(4097, &r) == 0 && r.state == CPUSETS_UNUSABLE &&
	      strstr(r.why, "more than 4096 records"));
	nv--;
	ent(CPUSETS_REGION, 0, 0x8000, UINT64_MAX - 63, true);
	CHECK(cpusets_select(v, nv, rd, NULL, NULL, &r) == 0 &&
	      r.state == CPUSETS_UNUSABLE && strstr(r.why, "4096 records"));
}

/*
 * At panic the kernel registers CPU 1's task and stack as regions KTASK1,
 * KSTACK1_<i> seq 0 that the header describes (hdr_region): in dump.elf
 * from the header already, they are no set's; CPU 1's set 1 stays live.
 */
TEST(select_skips_header_regions)
{
	struct cpusets_result r;
	uint32_t i;

	nv = 0;
	set_ents(1, 0, 2);
	for (i = 0; i < nv; i++)
		v[i].hdr_region = true;
	/* Regions only, no descriptor: no CPU-set entries to complain of. */
	CHECK(cpusets_select(v, nv, rd, NULL, stderr, &r) == 0 &&
	      r.state == CPUSETS_NONE && !r.nloads);
	set_ents(1, 1, 2);
	put_rec(0, 0, 2, 2, 2);		/* CPU 0: no entries */
	put_rec(1, 1, 2, 2, 4);		/* set 0 still names the task */
	CHECK(sel(2, &r) == 0);
	CHECK(r.state == CPUSETS_OK && r.usable == 1 && r.skipped == 3 &&
	      r.merged == 0 && r.nloads == 3);
	CHECK(strstr(logbuf, "mdfw: cpu 1 set 0: not live (no valid KTASK1 "
			     "seq 0 entry); skipped\n"));
	/* The header names CPU 1's KTASK1: its live set keeps @1. */
	for (i = 0; i < r.nloads; i++)
		CHECKF(r.src[i] >= 3 && !v[r.src[i]].hdr_region &&
		       r.loads[i].seq == 1 && r.sec_seq[i] == 1 &&
		       r.loads[i].vaddr ==
		       (i ? STACK_VA(3) + 0x100 * (i - 1) : TASK_VA(3)),
		       "load %u", i);
	cpusets_free(&r);
	/* Unmarked, the same entries are set 0, usable. */
	for (i = 0; i < 3; i++)
		v[i].hdr_region = false;
	nv--;
	CHECK(sel(2, &r) == 0 && r.usable == 2 && r.nloads == 6 &&
	      r.src[0] == 3 && r.loads[0].vaddr == TASK_VA(3) &&
	      r.src[3] == 0 && r.loads[3].vaddr == TASK_VA(2));
	for (i = 0; i < r.nloads; i++)
		CHECKF(r.sec_seq[i] == i / 3, "load %u", i);
	cpusets_free(&r);
}

/*
 * The set a CPU runs on is the one holding its stack pointer, whatever it
 * published last (inside a switch the CPU is still on prev's stack);
 * without registers, or with a stack pointer in neither stack, cur.
 */
TEST(place_by_stack_pointer)
{
	struct cpusets_result r;
	uint64_t sp[3];
	uint32_t i;
	char line[256];

	nv = 0;
	for (i = 0; i < 3; i++) {
		set_ents(i, 0, 2);
		set_ents(i, 1, 2);
	}
	put_rec(0, 1, 2, 2, 4);		/* published set 1 last ... */
	put_rec(1, 0, 2, 2, 4);
	put_rec(2, 1, 2, 2, 4);
	sp[0] = STACK_VA(0) + 0x1f8;	/* ... but runs on set 0's stack */
	sp[1] = STACK_VA(3) + 0x200;	/* one past set 1's: in neither */
	sp[2] = 0;			/* no registers */
	CHECK(sel_sp(3, sp, 3, &r) == 0);
	CHECK(r.usable == 6 && r.nloads == 18 && r.by_sp == 1);
	/* Running sets: CPU 0 set 0, CPU 1 set 0, CPU 2 set 1; then the rest. */
	static const uint32_t sets[] = { 0, 2, 5, 1, 3, 4 };
	for (i = 0; i < r.nloads; i++)
		CHECKF(r.loads[i].vaddr == (i % 3 ?
		       STACK_VA(sets[i / 3]) + 0x100 * (i % 3 - 1) :
		       TASK_VA(sets[i / 3])) && r.loads[i].seq ==
		       sets[i / 3] % 2 && r.sec_seq[i] == (i < 9 ? 0u : 1u),
		       "load %u: va 0x%llx seq %u", i,
		       (unsigned long long)r.loads[i].vaddr, r.loads[i].seq);
	cpusets_line(&r, line, sizeof(line));
	CHECK(strstr(line, "; running set found by stack pointer on 1 of 3 "
		      "CPUs"));
	/* The stack's last byte is in it; a CPU beyond the notes keeps cur. */
	cpusets_free(&r);
	sp[0] = STACK_VA(1) + 0x1ff;
	nv--;
	CHECK(sel_sp(3, sp, 1, &r) == 0 && r.by_sp == 1 &&
	      r.loads[0].vaddr == TASK_VA(1) && r.sec_seq[0] == 0 &&
	      r.loads[3].vaddr == TASK_VA(2) && r.loads[6].vaddr == TASK_VA(5));
	cpusets_free(&r);
}

/*
 * A task that migrated is in the set of the CPU it runs on and, stale, in
 * the set of the one it left: the copy kept is the running set's, even
 * when the stale one is on a lower CPU.
 */
TEST(place_migrated_keeps_running)
{
	struct cpusets_result r;
	uint32_t i;

	nv = 0;
	set_ents(0, 0, 1);
	set_ents(0, 1, 1);
	set_ents(1, 0, 1);
	put_rec(0, 0, 1, 2, 1);
	put_rec(1, 0, 1, 2, 1);
	/* CPU 0's old set 1 names CPU 1's running task and stack. */
	put_le64(desc + 16 + 24, TASK_VA(2));
	put_le64(desc + 24 + 24, STACK_VA(2));
	CHECK(sel(2, &r) == 0);
	CHECK(r.usable == 3 && r.merged == 1 && r.nloads == 4);
	for (i = 0; i < r.nloads; i++)
		CHECKF(r.sec_seq[i] == 0 && r.loads[i].vaddr ==
		       (i % 2 ? STACK_VA(i / 2 * 2) : TASK_VA(i / 2 * 2)),
		       "load %u", i);
	CHECK(strstr(logbuf, "mdfw: cpu 0 set 1: task 0xffff888000120000 "
			     "(pid 1001) overlaps cpu 1 set 0's KTASK1 (a "
			     "migrated task)"));
	cpusets_free(&r);
}

/* Entries of set s of CPU c with one stack chunk of size bytes. */
static void one_chunk(uint32_t c, uint32_t s, uint64_t size)
{
	char n[16];

	snprintf(n, sizeof(n), "KTASK%u", c);
	ent(n, s, 0x100000 + 0x10000 * (2 * c + s), 0x800, true);
	snprintf(n, sizeof(n), "KSTACK%u_0", c);
	ent(n, s, 0x400000 + 0x200000 * (2 * c + s), size, true);
}

/*
 * A running stack kept in one chunk gets a section per further 4 KiB
 * page, KSTACK<c>_1.., inside its PT_LOAD: what the vendor parser reads.
 */
TEST(place_aliases)
{
	struct cpusets_result r;
	struct mdelf_extra x;
	uint32_t i;

	nv = 0;
	one_chunk(0, 0, 0x4000);
	one_chunk(0, 1, 0x4000);
	one_chunk(1, 0, 0x4100);	/* not whole pages: none */
	one_chunk(2, 0, 0x100000);	/* 256 pages: 63 at most */
	for (i = 0; i < 3; i++)
		put_rec(i, 1, 1, 2, 2);
	/* Stacks far apart: no set overlaps another. */
	for (i = 0; i < 6; i++)
		put_le64(desc + 64 * (i / 2) + 24 + 24 * (i % 2),
			 STACK_VA(0) + 0x200000 * i);
	CHECK(sel(3, &r) == 0 && r.usable == 4 && r.nloads == 8);
	/* CPU 0 runs on set 1 (cur): its chunk is load 1. */
	CHECK(r.nalias == 3 + 63);
	for (i = 0; i < 3; i++) {
		char n[16];

		snprintf(n, sizeof(n), "KSTACK0_%u", i + 1);
		CHECKF(!strcmp(r.alias[i].name, n) && r.alias[i].load == 1 &&
		       r.alias[i].off == 0x1000 * (i + 1) &&
		       r.alias[i].size == 0x1000 && r.loads[1].seq == 1 &&
		       r.sec_seq[1] == 0, "alias %u: %s", i, r.alias[i].name);
	}
	CHECK(!strcmp(r.alias[3].name, "KSTACK2_1") &&
	      !strcmp(r.alias[65].name, "KSTACK2_63") &&
	      r.alias[65].off == 63 * 0x1000 && r.alias[65].load == 5);
	x = cpusets_extra(&r);
	CHECK(x.loads == r.loads && x.n == 8 && x.sec_seq == r.sec_seq &&
	      x.alias == r.alias && x.nalias == 66);
	cpusets_free(&r);
	/* Two chunks: the kernel already names the pages. */
	nv = 0;
	set_ents(0, 0, 2);
	put_rec(0, 0, 2, 2, 2);
	CHECK(sel(1, &r) == 0 && r.nloads == 3 && r.nalias == 0);
	cpusets_free(&r);
}

TEST(select_bounds_log)
{
	struct cpusets_result r;
	uint32_t c;
	const char *p;
	unsigned int lines = 0;

	nv = 0;
	for (c = 0; c < CPUSETS_MAX_CPUS; c++)
		put_rec(c, 0, 1, 1, 1);	/* no entries: none live */
	CHECK(sel(CPUSETS_MAX_CPUS, &r) == 0 && r.ncpus == 4096 &&
	      r.skipped == 8192 && !r.usable && !r.nloads);
	for (p = logbuf; (p = strchr(p, '\n')); p++)
		lines++;
	CHECK(lines == CPUSETS_MAX_MSGS + 1);
	CHECK(strstr(logbuf, "mdfw: cpu_sets: 8176 more lines about sets "
			     "not shown\n"));
	cpusets_free(&r);
}

int main(void)
{
	RUN(parse_sizes);
	RUN(select_order_and_stacks);
	RUN(select_migrated_task);
	RUN(select_odd_seq_used);
	RUN(select_unusable_descriptor);
	RUN(select_skips_header_regions);
	RUN(place_by_stack_pointer);
	RUN(place_migrated_keeps_running);
	RUN(place_aliases);
	RUN(select_bounds_log);
	TAP_EXIT();
}
