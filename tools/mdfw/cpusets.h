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
 * stack + i * chunk size; p_paddr the entry's address.
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

struct cpusets_result {
	enum cpusets_state state;
	uint32_t ncpus;		/* records */
	uint32_t usable;	/* usable sets */
	uint32_t skipped;	/* sets of the records that are not */
	uint32_t merged;	/* usable sets already in dump.elf (migrated) */
	uint32_t nloads;	/* PT_LOADs to add */
	struct mdelf_load *loads;	/* named, offset 0 */
	uint32_t *src;		/* per load: its entry's index in v */
	struct cpuregs_stack *stacks;	/* 2 * ncpus (cpuregs.h) */
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
 * read, decide which sets are usable and list their PT_LOADs in order
 * (CPU, then set; task, then stack chunks). A usable set whose virtual
 * ranges overlap those of an earlier one (a migrated task) adds no
 * PT_LOAD but still counts for the pid rule. One line per skipped set
 * (at most CPUSETS_MAX_MSGS, then a count) and per problem goes to log
 * (may be NULL), "mdfw: " first. 0, or -1 (out of memory; r empty).
 */
int cpusets_select(const struct mdelf_tentry *v, uint32_t nv,
		   cpusets_read_fn read, void *ctx, FILE *log,
		   struct cpusets_result *r);

/*
 * "cpu_sets: N CPUs, U of S sets usable, L PT_LOADs added" (or why
 * there are none) for stdout; empty for CPUSETS_NONE.
 */
void cpusets_line(const struct cpusets_result *r, char *out, size_t len);

#endif /* MDFW_CPUSETS_H */
