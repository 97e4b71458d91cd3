// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the CPU-register parsers (cpuregs.c) on arbitrary
 * bytes: as QEMU's dump-guest-memory ELF, as cpu_regs.notes, and the
 * merge of the input as kernel notes with the registers parsed from it.
 * Fails on a sanitizer error or a result breaking the rules (pr_pid
 * 1, 2, ... in order, at most CPUREGS_MAX_CPUS, a source note naming
 * every merged CPU).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuregs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_regs(const struct cpuregs *r)
{
	uint32_t c;

	if (!r->n || r->n > CPUREGS_MAX_CPUS)
		abort();
	for (c = 0; c < r->n; c++)
		if (cpuregs_pid(r->desc + (size_t)c * CPUREGS_PRSTATUS_SIZE) !=
		    c + 1)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char src[CPUREGS_MAX_CPUS + 1];
	struct cpuregs r, f;
	char err[256];
	uint8_t *m, *enc;
	size_t mlen, elen, sl;

	if (!cpuregs_parse_file(data, size, &f, err, sizeof(err))) {
		check_regs(&f);
		struct cpuregs g;

		/* Its encoding (padding made canonical) means the same. */
		if (cpuregs_encode(&f, &enc, &elen) ||
		    cpuregs_parse_file(enc, elen, &g, err, sizeof(err)) ||
		    g.n != f.n || memcmp(g.desc, f.desc, (size_t)f.n *
					 CPUREGS_PRSTATUS_SIZE))
			abort();
		free(enc);
		cpuregs_free(&g);
		cpuregs_free(&f);
	}
	if (cpuregs_from_qemu_elf(data, size, &r, err, sizeof(err)))
		return 0;
	check_regs(&r);
	if (!cpuregs_merge(data, size, &r, &m, &mlen, src, sizeof(src), err,
			   sizeof(err))) {
		const uint8_t *s = cpuregs_find_source(m, mlen, &sl);

		if (!s || sl != strlen(src) || sl < r.n)
			abort();
		free(m);
	}
	cpuregs_free(&r);
	return 0;
}
