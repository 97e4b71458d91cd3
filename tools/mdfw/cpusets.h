/* SPDX-License-Identifier: GPL-2.0 */
/*
 * CPU sets: each followed CPU's current task, published lock-free by the
 * kernel in table entries its ELF header does not describe, added to
 * dump.elf by mdfw (README "CPU sets"). An entry of a set's name that the
 * header describes (hdr_region, mdelf_mark_regions()) is a region, no
 * set's: at panic the kernel registers each CPU's current task and stack
 * under these names, seq 0; a CPU may keep one live set, set 1.
 *
 * Per CPU c two sets s = 0, 1: the entries KTASK<c> seq s (the
 * task_struct) and KSTACK<c>_<i> seq s, i = 0..P-1 (the stack, P chunks
 * of equal size). A set is live iff its KTASK entry is VALI. The region
 * "cpu_sets" (an ordinary region, md_cpu_sets.BIN) describes them: one
 * 64-byte little-endian record per CPU, in CPU order:
 *
 *   0 le32 magic "KCPU" (0x5550434b)   4 le32 cpu (= its index)
 *   8 le32 cur (the set published last) 12 le32 stack_chunks P
 *  16 set[0]: le64 task, le64 stack (lowest byte), le32 pid, le32 seq
 *  40 set[1]: the same
 *
 * A set (c, s) is usable iff record c has the magic and cpu == c,
 * set[s].task != 0, KTASK<c> seq s was VALI and dumped (its seq, for live
 * readers, is not looked at: the machine is halted), all P
 * KSTACK<c>_<i> seq s were dumped and have equal size, 1 <= P <= 64, and
 * neither range wraps. Its PT_LOADs: KTASK at p_vaddr task, chunk i at
 * stack + i * chunk size; p_paddr the entry's address. Their sections
 * are named by role, not by the entries' seq: KTASK<c>, KSTACK<c>_<i>
 * for the set CPU c runs on (its stack holds the CPU's stack pointer),
 * "@1" for the other (cpusets_place()).
 *
 * The descriptor comes from a crashed (possibly hostile) guest: its size
 * is checked before it is read (a multiple of 64, at most 4096 records)
 * and it is decoded with the buf.h readers. The work: the records once,
 * the CPU-set entries (at most 1024) sorted once and found by binary
 * search, at most 64 chunks a set, and the migrated-task check pairwise
 * over the added PT_LOADs (at most one per entry).
 */
#ifndef MDFW_CPUSETS_H
#define MDFW_CPUSETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cpuregs.h"
#include "mdelf.h"

#define CPUSETS_REGION		"cpu_sets"
#define CPUSETS_MAGIC		0x5550434bu	/* "KCPU" */
#define CPUSETS_REC_SIZE	64
#define CPUSETS_MAX_CPUS	4096
#define CPUSETS_MAX_BYTES	(CPUSETS_MAX_CPUS * CPUSETS_REC_SIZE)
#define CPUSETS_MAX_CHUNKS	64
/* Lines about skipped sets before the rest is summed up in one. */
#define CPUSETS_MAX_MSGS	16

struct cpusets_set {
	uint64_t task, stack;
	uint32_t pid, seq;
};

struct cpusets_rec {
	uint32_t magic, cpu, cur, chunks;
	struct cpusets_set set[2];
};

/*
 * Decode the descriptor p[0, len): *n records into *recs (malloc()ed).
 * 0, or -1 with err (len 0, not a multiple of 64, more than 4096
 * records, memory). Records are not checked here (cpusets_select()).
 */
int cpusets_parse(const uint8_t *p, size_t len, struct cpusets_rec **recs,
		  uint32_t *n, char *err, size_t errlen);

enum cpusets_state {
	CPUSETS_NONE,		/* no cpu_sets region, no CPU-set entries */
	CPUSETS_OK,		/* the descriptor was read */
	CPUSETS_UNUSABLE,	/* CPU-set entries, but no usable descriptor */
};

/* A usable set's entries, for cpusets_place(). */
struct cpusets_use {
	bool ok;
	uint32_t task;		/* its KTASK entry's index in v */
	uint32_t chunk;		/* its chunks' entry indices: cvi[chunk, +P) */
	uint64_t tsize, slen;	/* task_struct and whole stack bytes */
};

struct cpusets_result {
	enum cpusets_state state;
	uint32_t ncpus;		/* records */
	uint32_t usable;	/* usable sets */
	uint32_t skipped;	/* sets of the records that are not */
	uint32_t merged;	/* usable sets already in dump.elf (migrated) */
	uint32_t by_sp;		/* CPUs whose running set is their sp's */
	uint32_t nloads;	/* PT_LOADs to add */
	struct mdelf_load *loads;	/* named, offset 0 */
	uint32_t *src;		/* per load: its entry's index in v */
	uint32_t *sec_seq;	/* per load: its section's seq (the role) */
	uint32_t nalias;
	struct mdelf_alias *alias;	/* pages of one-chunk running stacks */
	struct cpuregs_stack *stacks;	/* 2 * ncpus (cpuregs.h) */
	struct cpusets_rec *recs;	/* ncpus */
	struct cpusets_use *use;	/* 2 * ncpus: cpu c set s at 2c + s */
	uint32_t *cvi;			/* the usable sets' chunk entries */
	char why[256];		/* UNUSABLE: the reason */
};

void cpusets_free(struct cpusets_result *r);

/* The stacks of r for cpuregs_merge_stacks(). */
struct cpuregs_stacks cpusets_stacks(const struct cpusets_result *r);

/* Reads entry e's bytes (len = e->size, at most CPUSETS_MAX_BYTES). */
typedef int (*cpusets_read_fn)(void *ctx, const struct mdelf_tentry *e,
			       uint8_t *buf, size_t len);

/*
 * The CPU sets of the valid table entries v[0, nv) (any order; ok set
 * for those dumped; the header's regions marked hdr_region, which are
 * not sets' entries): find the cpu_sets seq 0 entry, read it through
 * read, decide which sets are usable (r->use) and where their stacks
 * are (r->stacks). No PT_LOAD yet: cpusets_place(), once the registers
 * tell which set each CPU runs on. One line per skipped set (at most
 * CPUSETS_MAX_MSGS, then a count) and per problem goes to log (may be
 * NULL), "mdfw: " first. 0, or -1 (out of memory; r empty).
 */
int cpusets_select(const struct mdelf_tentry *v, uint32_t nv,
		   cpusets_read_fn read, void *ctx, FILE *log,
		   struct cpusets_result *r);

/* Aliases at most: with <= 2048 PT_LOADs, e_shnum stays below 0xff00. */
#define CPUSETS_MAX_ALIASES	8192
/* The pitch of the aliases: the vendor parser reads a stack by 4 KiB. */
#define CPUSETS_ALIAS_PAGE	4096

/*
 * The PT_LOADs of r's usable sets (cpusets_select()), and the names of
 * their sections. CPU c runs on the set whose stack holds the stack
 * pointer of its NT_PRSTATUS in notes[0, len) (dump.elf's, of
 * architecture a; the c-th such note, with registers), else on the set
 * it published last (rec->cur), else on its only usable set. Its
 * sections are named KTASK<c>, KSTACK<c>_<i> (sec_seq 0), the other
 * set's @1, as the kernel names them at panic; a CPU that the header
 * already names (a panic's set-named region) keeps the entries' seqs.
 * A running stack in one chunk of P pages gets aliases KSTACK<c>_1 ..
 * _<P-1>, one per further 4 KiB page (at most 63 a CPU and
 * CPUSETS_MAX_ALIASES in all): the vendor parser reads KSTACK<c>_0..3.
 * Order: each CPU's running set (task, then chunks), in CPU order, then
 * the other sets. A set whose virtual ranges overlap an earlier load's
 * (a migrated task: its stale copy in another CPU's set) adds none:
 * running sets come first, so the copy kept is the one a CPU runs on.
 * notes may be NULL. 0, or -1 (out of memory; no loads).
 */
int cpusets_place(struct cpusets_result *r, const struct mdelf_tentry *v,
		  uint32_t nv, const uint8_t *notes, size_t len,
		  const struct cpuregs_arch *a, FILE *log);

/* r's PT_LOADs and sections for mdelf_write_core_notes(). */
struct mdelf_extra cpusets_extra(const struct cpusets_result *r);

/*
 * "cpu_sets: N CPUs, U of S sets usable, L PT_LOADs added" (or why
 * there are none) for stdout; empty for CPUSETS_NONE.
 */
void cpusets_line(const struct cpusets_result *r, char *out, size_t len);

#endif /* MDFW_CPUSETS_H */
