// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the ELF core header region parser (mdelf.c: header,
 * notes, section headers and STR_TBL) and the protocol v2 consistency
 * rule.
 *
 * Input: the header region. If it parses, its invariants must hold, the
 * table that matches it exactly must pass mdelf_check(), and the same
 * table with one field changed (chosen by the last input byte) must fail
 * it. Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mdelf.h"
#include "util.h"
#include "fuzz/grow.h"
#include "tests/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct mdelf_tentry *v;
	struct mdelf_notes nn;
	struct mdelf_core c;
	char err[512];
	uint32_t k, n, pick;
	uint8_t sel;

	/* The notes parser on its own, on the whole input. */
	if (!mdelf_parse_notes(data, size, &cpuregs_x86_64, &nn, err,
			       sizeof(err)))
		mdelf_vmcoreinfo_get(&nn, "OSRELEASE", NULL);
	if (!mdelf_parse_notes(data, size, &cpuregs_aarch64, &nn, err,
			       sizeof(err)))
		mdelf_vmcoreinfo_get(&nn, "OSRELEASE", NULL);

	if (mdelf_parse_header(data, size, &c, err, sizeof(err))) {
		if (!err[0])
			abort();
		return 0;
	}
	/* Section headers and STR_TBL between the phdrs and the notes. */
	if (c.notes_off + c.notes_len > size ||
	    c.shoff < 64 + 56 * (uint64_t)(1 + c.nloads) ||
	    c.shoff + 64 * (uint64_t)(4 + c.nloads) > c.notes_off ||
	    c.stroff < 64 + 56 * (uint64_t)(1 + c.nloads) ||
	    c.stroff + c.strsize > c.notes_off || !c.notes.n_generation)
		abort();
	for (k = 0; k < c.nloads; k++) {
		const struct mdelf_load *l = &c.loads[k];

		if (!secname_rule(l->name) || !l->filesz ||
		    l->filesz != l->memsz)
			abort();
		for (n = 0; n < k && c.nloads < 64; n++)
			if (c.loads[n].seq == l->seq &&
			    !strcmp(c.loads[n].name, l->name))
				abort();	/* repeated (name, seq) */
	}

	/*
	 * The table that describes this header exactly, with the header
	 * entry as large as the region: the rule holds unless a p_offset is
	 * off the concatenation rule, which the parser flagged.
	 */
	n = c.nloads + 1;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		abort();
	strcpy(v[0].name, MDELF_HDR_NAME);
	v[0].size = size;
	for (k = 0; k < c.nloads; k++) {
		v[k + 1].index = k + 1;
		strcpy(v[k + 1].name, c.loads[k].name);
		v[k + 1].seq = c.loads[k].seq;
		v[k + 1].addr = c.loads[k].paddr;
		v[k + 1].size = c.loads[k].filesz;
	}
	/* Set-named loads (KTASK1 at panic) are regions too. */
	mdelf_mark_regions(&c, v, n);
	if (!mdelf_check(&c, v, n, err, sizeof(err)) !=
	    (c.bad_offset_index < 0))
		abort();
	if (c.bad_offset_index < 0) {
		/* Any one change must be caught. */
		sel = data[size - 1];
		pick = sel % n;
		switch ((sel >> 4) % 6) {
		case 0:		/* the header entry's address is not checked */
			if (n > 1)
				v[1 + sel % (n - 1)].addr ^= 1;
			else
				v[0].seq = 1;
			break;
		case 1:		/* the header entry's size is PT_LOAD 1's offset */
			if (n > 1)
				v[pick].size ^= 1;
			else
				v[0].seq = 2;
			break;
		case 2:
			v[pick].seq ^= 1;
			break;
		case 3:
			v[pick].name[0] ^= 0x20;
			break;
		case 4:
			n--;		/* one entry fewer */
			break;
		default:
			n++;		/* one more */
			strcpy(v[n - 1].name, "extra");
			break;
		}
		mdelf_mark_regions(&c, v, n);
		if (!mdelf_check(&c, v, n, err, sizeof(err)))
			abort();
	}
	free(v);
	mdelf_core_free(&c);
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
