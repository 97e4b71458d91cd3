// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the CPU-register parsers (cpuregs.c) on arbitrary
 * bytes: as QEMU's dump-guest-memory ELF, as cpu_regs.notes, and the
 * merge of the input as kernel notes, alone and with the registers
 * parsed from it.
 * Fails on a sanitizer error or a result breaking the rules (pr_pid
 * 1, 2, ... in order, at most CPUREGS_MAX_CPUS, a source note naming
 * every merged CPU). Both architectures: cpu_regs.notes is parsed as
 * x86-64 and as aarch64 notes; QEMU's ELF picks its own by e_machine.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cpuregs.h"
#include "fuzz/grow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_regs(const struct cpuregs *r)
{
	uint32_t c;

	if (!r->n || r->n > CPUREGS_MAX_CPUS)
		abort();
	for (c = 0; c < r->n; c++)
		if (cpuregs_pid(r->desc + (size_t)c *
				r->arch->prstatus_size) != c + 1)
			abort();
}

static void notes_file(const uint8_t *data, size_t size,
		       const struct cpuregs_arch *a)
{
	struct cpuregs f, g;
	char err[256];
	uint8_t *enc;
	size_t elen;

	if (cpuregs_parse_file(data, size, a, &f, err, sizeof(err)))
		return;
	check_regs(&f);
	/* Its encoding (padding made canonical) means the same. */
	if (f.arch != a || cpuregs_encode(&f, &enc, &elen) ||
	    cpuregs_parse_file(enc, elen, a, &g, err, sizeof(err)) ||
	    g.n != f.n || memcmp(g.desc, f.desc, (size_t)f.n *
				 a->prstatus_size))
		abort();
	free(enc);
	cpuregs_free(&g);
	cpuregs_free(&f);
}

/*
 * The input as the kernel's notes, merged with fw (NULL: no firmware
 * registers): the source note must name every merged CPU.
 */
static void merge(const uint8_t *data, size_t size,
		  const struct cpuregs_arch *a, const struct cpuregs *fw)
{
	static char src[CPUREGS_MAX_CPUS + 1];
	const uint8_t *s;
	char err[256];
	uint8_t *m;
	size_t mlen, sl;

	if (cpuregs_merge(data, size, a, fw, &m, &mlen, src, sizeof(src), err,
			  sizeof(err)))
		return;
	s = cpuregs_find_source(m, mlen, &sl);
	if (!s || sl != strlen(src) || (fw && sl < fw->n))
		abort();
	free(m);
}

static int fuzz_one(const uint8_t *data, size_t size)
{
	struct cpuregs r;
	char err[256];

	notes_file(data, size, &cpuregs_x86_64);
	notes_file(data, size, &cpuregs_aarch64);
	merge(data, size, &cpuregs_x86_64, NULL);
	merge(data, size, &cpuregs_aarch64, NULL);
	if (cpuregs_from_qemu_elf(data, size, &r, err, sizeof(err)))
		return 0;
	check_regs(&r);
	if (r.arch != &cpuregs_x86_64 && r.arch != &cpuregs_aarch64)
		abort();
	merge(data, size, r.arch, &r);
	cpuregs_free(&r);
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
