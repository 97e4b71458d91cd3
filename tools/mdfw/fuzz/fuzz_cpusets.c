// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the CPU sets (cpusets.c): the cpu_sets descriptor
 * parser and the choice of usable sets and their PT_LOADs.
 *
 * Input: byte 0 the number n of table entries, then n entries of 12
 * bytes: flags (bit 0 a stack chunk, else a task; bit 1 dumped; bit 2 a
 * leading zero in the name; bit 3 a name in lower case, not a CPU set's),
 * cpu, chunk, seq (bytes), le32 address, le32 size (0 counts as 1); the
 * rest is the descriptor, the dumped entry cpu_sets seq 0 (read back
 * from the input, whatever its size). Any violation aborts:
 * a read outside the descriptor or of more than 4096 records, a PT_LOAD
 * not of a dumped CPU-set entry of set 0 or 1 or with another name, seq,
 * address or size, two PT_LOADs over the same virtual bytes or of the
 * same (name, seq), a wrapping range, counts that do not add up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpusets.h"
#include "table.h"
#include "fuzz/grow.h"

#define ENT_SIZE	12

struct ctx {
	const uint8_t *desc;
	size_t len;
};

static int rd(void *c, const struct mdelf_tentry *e, uint8_t *buf,
	      size_t len)
{
	const struct ctx *x = c;

	/* Only the descriptor, only whole, never more than 4096 records. */
	if (len != e->size || len != x->len || len > CPUSETS_MAX_BYTES ||
	    len % CPUSETS_REC_SIZE)
		abort();
	memcpy(buf, x->desc, len);
	return 0;
}

static bool overlap(const struct mdelf_load *a, const struct mdelf_load *b)
{
	return a->vaddr < b->vaddr + b->filesz &&
	       b->vaddr < a->vaddr + a->filesz;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_one(const uint8_t *data, size_t size)
{
	static struct mdelf_tentry v[257];
	static FILE *null;
	struct mdfw_buf b = { data, size };
	struct cpusets_result r;
	struct cpusets_rec *recs;
	struct ctx x;
	uint32_t n, i, j, nv = 0, ncs = 0;
	char err[256];

	if (!size)
		return 0;
	if (!null)
		null = fopen("/dev/null", "w");
	n = data[0];
	if (size < 1 + (size_t)n * ENT_SIZE)
		return 0;
	for (i = 0; i < n; i++) {
		size_t o = 1 + (size_t)i * ENT_SIZE;
		uint8_t f = data[o];
		struct mdelf_tentry *e = &v[nv++];
		uint32_t addr = 0, sz = 0;

		memset(e, 0, sizeof(*e));
		e->index = i;
		if (f & 1)
			snprintf(e->name, sizeof(e->name), f & 8 ?
				 "kstack%s%u_%u" : "KSTACK%s%u_%u",
				 f & 4 ? "0" : "", data[o + 1], data[o + 2]);
		else
			snprintf(e->name, sizeof(e->name), f & 8 ?
				 "ktask%s%u" : "KTASK%s%u", f & 4 ? "0" : "",
				 data[o + 1]);
		e->seq = data[o + 3];
		buf_get_le32(&b, o + 4, &addr);
		buf_get_le32(&b, o + 8, &sz);
		e->addr = addr;
		e->size = sz ? sz : 1;
		e->ok = f & 2;
		e->file_off = addr;
		ncs += md_cpuset_name(e->name, NULL, NULL, NULL) !=
		       MD_CPUSET_NONE;
	}
	x.desc = data + 1 + (size_t)n * ENT_SIZE;
	x.len = size - 1 - (size_t)n * ENT_SIZE;
	if (!cpusets_parse(x.desc, x.len, &recs, &j, err, sizeof(err))) {
		if (j != x.len / CPUSETS_REC_SIZE || j > CPUSETS_MAX_CPUS)
			abort();
		free(recs);
	}
	if (x.len) {
		struct mdelf_tentry *e = &v[nv++];

		memset(e, 0, sizeof(*e));
		e->index = n;
		strcpy(e->name, CPUSETS_REGION);
		e->size = x.len;
		e->ok = true;
	}
	/* The descriptor's bytes as notes too: hostile registers. */
	if (cpusets_select(v, nv, rd, &x, null, &r) ||
	    cpusets_place(&r, v, nv, x.desc, x.len, &cpuregs_x86_64, null))
		abort();	/* memory: not with these sizes */
	if (r.state != CPUSETS_OK) {
		if (r.nloads || r.usable ||
		    (r.state == CPUSETS_UNUSABLE) != (r.why[0] != 0))
			abort();
		cpusets_free(&r);
		return 0;
	}
	if (r.ncpus != x.len / CPUSETS_REC_SIZE ||
	    r.usable + r.skipped != 2 * r.ncpus || r.merged > r.usable ||
	    r.nloads > ncs)
		abort();
	for (i = 0; i < r.nloads; i++) {
		const struct mdelf_load *l = &r.loads[i];
		const struct mdelf_tentry *e;

		if (r.src[i] >= n)
			abort();
		e = &v[r.src[i]];
		if (!e->ok || e->seq > 1 || strcmp(e->name, l->name) ||
		    l->seq != e->seq || l->paddr != e->addr ||
		    l->filesz != e->size || l->memsz != e->size ||
		    l->vaddr + l->filesz - 1 < l->vaddr ||
		    md_cpuset_name(l->name, NULL, NULL, NULL) == MD_CPUSET_NONE)
			abort();
		for (j = 0; j < i; j++)
			if (overlap(l, &r.loads[j]) ||
			    (r.sec_seq[i] == r.sec_seq[j] &&
			     !strcmp(l->name, r.loads[j].name)))
				abort();
	}
	/* Aliases: inside their load, a stack's, named apart from all. */
	if (r.nalias > CPUSETS_MAX_ALIASES)
		abort();
	for (i = 0; i < r.nalias; i++) {
		const struct mdelf_alias *a = &r.alias[i];

		if (a->load >= r.nloads || r.sec_seq[a->load] ||
		    a->off + a->size > r.loads[a->load].filesz ||
		    md_cpuset_name(r.loads[a->load].name, NULL, NULL, NULL) !=
		    MD_CPUSET_STACK)
			abort();
		for (j = 0; j < r.nloads && i < 64; j++)
			if (!r.sec_seq[j] && !strcmp(a->name, r.loads[j].name))
				abort();
		for (j = 0; j < i && i < 64; j++)
			if (!strcmp(a->name, r.alias[j].name))
				abort();
	}
	for (i = 0; i < 2 * r.ncpus; i++) {
		const struct cpuregs_stack *s = &r.stacks[i];

		if (s->len && s->lo + s->len - 1 < s->lo)
			abort();
	}
	cpusets_free(&r);
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
