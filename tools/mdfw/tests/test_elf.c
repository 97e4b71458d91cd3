// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of mdelf.c (the kernel's ELF core header region) and info.c:
 * a valid header, notes and vmcoreinfo edge cases, and random mutations of
 * a valid header (MDFW_FUZZ_ITERS, MDFW_FUZZ_SEED) that must be rejected
 * or yield a header obeying the rules, never crash (run under ASan too).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "info.h"
#include "mdelf.h"
#include "tap.h"
#include "util.h"

#define NLOADS	5
#define H	8192
#define GENERATION	UINT64_C(0x100000007)

static const char *const names[NLOADS] = {
	"linux_banner", "prb", "dyn6", "dyn6", "panic_stack"
};
static const uint32_t seqs[NLOADS] = { 0, 0, 0, 1, 0 };
static const uint64_t sizes[NLOADS] = { 0x9f, 8, 4096, 4096, 16384 };

static size_t put_note(uint8_t *d, const char *name, uint32_t type,
		       const void *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t o = 12;

	put_le32(d, namesz);
	put_le32(d + 4, descsz);
	put_le32(d + 8, type);
	memcpy(d + o, name, namesz);
	o += (namesz + 3) & ~3u;
	if (descsz)
		memcpy(d + o, desc, descsz);
	o += (descsz + 3) & ~3u;
	return o;
}

static const char vmci[] =
	"OSRELEASE=6.12.0\nPAGESIZE=4096\nSYMBOL(swapper_pg_dir)=ffffffff82e0c000\n"
	"KERNELOFFSET=1c000000\nNUMBER(phys_base)=-335544320";

/* A valid header region in buf[H]; returns the notes length. */
static size_t build(uint8_t *buf, uint32_t reserve)
{
	uint8_t notes[2048] = { 0 }, pr[336] = { 0 }, ps[136] = { 0 };
	size_t nl = 0, names_off;
	uint64_t off = H;
	uint32_t i;

	memset(buf, 0, H);
	for (i = 0; i < 2; i++) {
		put_le32(pr + 32, i + 1);
		put_le64(pr + 112 + 8 * i, 0xffffffff81000000ull + i);
		nl += put_note(notes + nl, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	}
	nl += put_note(notes + nl, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	nl += put_note(notes + nl, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);

	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	buf[16] = ET_CORE;
	buf[18] = EM_X86_64;
	put_le32(buf + 20, EV_CURRENT);
	put_le64(buf + 32, 64);
	buf[52] = 64;
	buf[54] = 56;
	buf[56] = 1 + NLOADS;
	put_le32(buf + 64, PT_NOTE);
	put_le64(buf + 64 + 8, H - nl);
	put_le64(buf + 64 + 32, nl);
	put_le64(buf + 64 + 40, nl);
	for (i = 0; i < NLOADS; i++) {
		uint8_t *p = buf + 64 + 56 * (i + 1);

		put_le32(p, PT_LOAD);
		put_le32(p + 4, PF_R | PF_W | PF_X);
		put_le64(p + 8, off);
		put_le64(p + 16, 0xffffffff82000000ull + 0x10000 * i);
		put_le64(p + 24, 0x2000000ull + 0x10000 * i);
		put_le64(p + 32, sizes[i]);
		put_le64(p + 40, sizes[i]);
		off += sizes[i];
	}
	names_off = (64 + 56 * (size_t)reserve + 7) & ~(size_t)7;
	memcpy(buf + names_off, MDELF_NAMES_MAGIC, 8);
	put_le32(buf + names_off + 8, NLOADS);
	put_le32(buf + names_off + 12, MDELF_NAMES_ENTSIZE);
	put_le64(buf + names_off + 16, GENERATION);
	for (i = 0; i < NLOADS; i++) {
		uint8_t *e = buf + names_off + 24 + 24 * i;

		memcpy(e, names[i], strlen(names[i]));
		put_le32(e + 16, seqs[i]);
	}
	memcpy(buf + H - nl, notes, nl);
	return nl;
}

TEST(valid_header)
{
	static uint8_t buf[H];
	struct mdelf_core c;
	char err[256] = "";
	uint32_t reserve;

	for (reserve = 1 + NLOADS; reserve < 100; reserve += 17) {
		size_t nl = build(buf, reserve);

		CHECKF(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0,
		       "reserve %u: %s", reserve, err);
		CHECK(c.nloads == NLOADS && c.notes_len == nl);
		CHECK(c.notes_off == H - nl && c.bad_offset_index == -1);
		CHECK(c.notes.n_prstatus == 2 && c.notes.n_prstatus_regs == 2);
		CHECK(c.notes.n_prpsinfo == 1 && c.notes.n_vmcoreinfo == 1);
		CHECK(c.generation == GENERATION);
		CHECK(c.loads && !strcmp(c.loads[3].name, "dyn6") &&
		      c.loads[3].seq == 1 && c.loads[3].filesz == 4096);
		CHECK(c.loads && c.loads[4].offset == H + 0x9f + 8 + 8192);
		mdelf_core_free(&c);
	}
	/* A wrong p_offset is tolerated but flagged. */
	build(buf, 1 + NLOADS);
	put_le64(buf + 64 + 56 * 3 + 8, 0);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0 &&
	      c.bad_offset_index == 3);
	mdelf_core_free(&c);
}

TEST(notes_and_vmcoreinfo)
{
	uint8_t n[512] = { 0 };
	struct mdelf_notes out;
	char err[256];
	size_t len, vl;
	const char *v;

	len = put_note(n, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);
	CHECK(mdelf_parse_notes(n, len + 64, &cpuregs_x86_64, &out, err, sizeof(err)) == 0);
	CHECK(out.n_vmcoreinfo == 1 && out.n_notes == 1);
	v = mdelf_vmcoreinfo_get(&out, "PAGESIZE", &vl);
	CHECK(v && vl == 4 && !memcmp(v, "4096", 4));
	v = mdelf_vmcoreinfo_get(&out, "NUMBER(phys_base)", &vl);
	CHECK(v && vl == 10 && !memcmp(v, "-335544320", 10));
	CHECK(!mdelf_vmcoreinfo_get(&out, "PAGESIZ", NULL));
	CHECK(!mdelf_vmcoreinfo_get(&out, "OSRELEASE=6", NULL));
	CHECK(!mdelf_vmcoreinfo_get(&out, "CRASHTIME", NULL));
	/* trailing non-zero bytes are not padding */
	n[len + 5] = 1;
	CHECK(mdelf_parse_notes(n, len + 8, &cpuregs_x86_64, &out, err, sizeof(err)) < 0);
	CHECK(mdelf_parse_notes(n, len + 13, &cpuregs_x86_64, &out, err, sizeof(err)) < 0);
	/* truncated descriptor */
	CHECK(mdelf_parse_notes(n, len - 4, &cpuregs_x86_64, &out, err, sizeof(err)) < 0);
	CHECK(mdelf_parse_notes(n, 0, &cpuregs_x86_64, &out, err, sizeof(err)) == 0 &&
	      out.n_notes == 0);
	/* PRSTATUS of another size: counted, flagged */
	len = put_note(n, "CORE", NT_PRSTATUS, vmci, 40);
	CHECK(mdelf_parse_notes(n, len, &cpuregs_x86_64, &out, err, sizeof(err)) == 0 &&
	      out.n_prstatus == 1 && out.n_prstatus_badsize == 1 &&
	      out.n_prstatus_regs == 0);
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static const uint64_t edge[] = {
	0, 1, 7, 8, 55, 56, 63, 64, 120, H - 1, H, H + 1, 0xffff, 0x10000,
	0x7fffffff, 0xffffffff, 0x100000000ull, UINT64_MAX, UINT64_MAX - 7,
};

static void mutate(uint8_t *b, size_t len)
{
	unsigned int k, n = 1 + rnd() % 4;

	for (k = 0; k < n; k++) {
		size_t o = rnd() % len;
		uint64_t v = edge[rnd() % ARRAY_SIZE(edge)];

		switch (rnd() % 4) {
		case 0:
			b[o] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			b[o] = (uint8_t)rnd();
			break;
		case 2:	/* a header field */
			o = rnd() % (64 + 56 * (1 + NLOADS) - 8);
			o &= ~(size_t)3;
			if (rnd() & 1)
				put_le32(b + o, (uint32_t)v);
			else
				put_le64(b + o, v);
			break;
		default:	/* the notes or the name table */
			o = len - 1 - rnd() % 900;
			if (o + 4 <= len)
				put_le32(b + o, (uint32_t)v);
			break;
		}
	}
}

TEST(fuzz_header)
{
	static uint8_t good[H], buf[H];
	const char *e = getenv("MDFW_FUZZ_ITERS");
	const char *s = getenv("MDFW_FUZZ_SEED");
	unsigned long iters = e ? strtoul(e, NULL, 0) : 50000, i;
	unsigned long accepted = 0, rejected = 0;
	char path[] = "/tmp/mdfw-test-elf-XXXXXX";
	FILE *devnull = fopen("/dev/null", "w");
	int fd = mkstemp(path), saved_err = dup(2);

	/* info's messages about the mutants would flood the output. */
	if (devnull && saved_err >= 0)
		dup2(fileno(devnull), 2);
	rng_state = s ? strtoull(s, NULL, 0) : 0x5eed1234abcdull;
	printf("# seed 0x%llx, %lu iterations\n",
	       (unsigned long long)rng_state, iters);
	build(good, 40);
	for (i = 0; i < iters; i++) {
		struct mdelf_core c;
		char err[256];
		size_t len = H;
		uint32_t k;

		memcpy(buf, good, H);
		mutate(buf, H);
		if (rnd() % 16 == 0)
			len = rnd() % H;
		if (mdelf_parse_header(buf, len, &c, err, sizeof(err))) {
			rejected++;
			CHECKF(err[0] != 0, "iter %lu: no message", i);
		} else {
			accepted++;
			CHECK(c.notes_off + c.notes_len <= len);
			CHECK(c.names_off >= 64 + 56 * (uint64_t)(1 + c.nloads));
			CHECK(c.names_off + MDELF_NAMES_HDR +
			      (uint64_t)c.nloads * 24 <= c.notes_off);
			for (k = 0; k < c.nloads; k++) {
				const struct mdelf_load *l = &c.loads[k];
				size_t nl = strlen(l->name);

				CHECK(nl >= 1 && nl <= 15);
				CHECK(strspn(l->name, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_-") == nl);
				CHECK(l->filesz && l->filesz == l->memsz);
				CHECK(l->vaddr + l->filesz - 1 >= l->vaddr);
			}
			mdelf_core_free(&c);
		}
		/* info reads the same bytes as a file. */
		if (fd >= 0 && devnull && i % 64 == 0) {
			if (ftruncate(fd, 0) == 0 &&
			    pwrite(fd, buf, len, 0) == (ssize_t)len) {
				int rc = mdfw_info(path, true, devnull);

				CHECKF(rc == 0 || rc == 3, "iter %lu: info %d",
				       i, rc);
			}
		}
		if (tap_case_failed) {
			printf("# failed at iteration %lu\n", i);
			break;
		}
	}
	if (saved_err >= 0) {
		dup2(saved_err, 2);
		close(saved_err);
	}
	printf("# %lu accepted, %lu rejected\n", accepted, rejected);
	CHECK(accepted > 0 && rejected > 0);
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (devnull)
		fclose(devnull);
}

TEST(info_on_header_region)
{
	static uint8_t buf[H];
	char path[] = "/tmp/mdfw-test-info-XXXXXX";
	FILE *devnull = fopen("/dev/null", "w");
	int fd = mkstemp(path);

	CHECK(fd >= 0 && devnull);
	if (fd < 0 || !devnull)
		return;
	build(buf, 10);
	/* The bare header: PT_LOADs point past the end of the file. */
	CHECK(pwrite(fd, buf, H, 0) == H);
	CHECK(mdfw_info(path, false, devnull) == 0);
	CHECK(mdfw_info(path, true, devnull) == 3);
	CHECK(mdfw_info("/nonexistent/x.elf", false, devnull) == 2);
	close(fd);
	unlink(path);
	fclose(devnull);
}

/* The valid table entries that match build()'s header exactly. */
static uint32_t table_for(struct mdelf_tentry *v)
{
	uint32_t i;

	memset(v, 0, sizeof(*v) * (NLOADS + 2));
	strcpy(v[0].name, "KELF_HEADER");
	v[0].size = H;
	v[0].addr = 0x100000;
	for (i = 0; i < NLOADS; i++) {
		strcpy(v[i + 1].name, names[i]);
		v[i + 1].seq = seqs[i];
		v[i + 1].addr = 0x2000000ull + 0x10000 * i;
		v[i + 1].size = sizes[i];
		v[i + 1].index = i + 1;
		v[i + 1].ok = true;
	}
	return NLOADS + 1;
}

TEST(consistency_rule)
{
	static uint8_t buf[H];
	struct mdelf_tentry v[NLOADS + 2], t;
	struct mdelf_core c;
	char err[512] = "";
	uint32_t n;

	build(buf, 1 + NLOADS);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	/* An entry rejected by mdfw (not ok) still matches: not a mismatch. */
	v[3].ok = false;
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == 0);

#define MISMATCH(what, expect)						\
	do {								\
		n = table_for(v);					\
		what;							\
		err[0] = 0;						\
		CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&	\
		       strstr(err, expect), "%s: %s", #what, err);	\
	} while (0)
	MISMATCH(n++; strcpy(v[n - 1].name, "extra"), "has no PT_LOAD");
	MISMATCH(n--, "PT_LOAD 5 (panic_stack seq 0) has no valid table");
	MISMATCH(t = v[1]; v[1] = v[2]; v[2] = t,
		 "PT_LOAD 1 is linux_banner seq 0 but");
	MISMATCH(v[2].addr++, "p_paddr 0x2010000 but");
	MISMATCH(v[4].size--, "p_filesz 0x1000 but");
	MISMATCH(v[4].seq = 2, "is dyn6 seq 2");
	MISMATCH(strcpy(v[5].name, "panic_stacK"), "is panic_stacK");
	MISMATCH(v[0].size = H + 1, "PT_LOAD 1 (linux_banner seq 0): p_offset");
	MISMATCH(t = v[0]; v[0] = v[1]; v[1] = t,
		 "first valid table entry (index 1) is linux_banner");
	MISMATCH(v[0].seq = 1, "is KELF_HEADER seq 1, not KELF_HEADER seq 0");
	MISMATCH(n = 0, "no valid table entry");
	mdelf_core_free(&c);

	/* A p_offset off the concatenation rule. */
	build(buf, 1 + NLOADS);
	put_le64(buf + 64 + 56 * 3 + 8, H + 0x9f + 8 + 1);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 3 (dyn6 seq 0): p_offset"));
	mdelf_core_free(&c);

	/* Repeated (name, seq) in the name table: header refused. */
	build(buf, 1 + NLOADS);
	memcpy(buf + ((64 + 56 * (1 + NLOADS) + 7) & ~7) + 24 + 24 * 3,
	       "dyn6\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 20);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == -1 &&
	      strstr(err, "both name dyn6 seq 0"));
}

/* The rule skips the CPU sets' entries, wherever they are. */
TEST(consistency_rule_skips_cpu_sets)
{
	static uint8_t buf[H];
	struct mdelf_tentry v[NLOADS + 8], w[NLOADS + 8];
	struct mdelf_core c;
	char err[512] = "";
	uint32_t n, i, nord;

	build(buf, 1 + NLOADS);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	/* At the tail, as the kernel places them. */
	n = table_for(v);
	strcpy(v[n].name, "KTASK0");
	strcpy(v[n + 1].name, "KSTACK0_0");
	strcpy(v[n + 2].name, "KTASK12");
	v[n + 2].seq = 1;
	n += 3;
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	/* Anywhere: first, between, last. */
	memset(w, 0, sizeof(w));
	strcpy(w[0].name, "KSTACK3_1");
	memcpy(w + 1, v, 3 * sizeof(*v));
	strcpy(w[4].name, "KTASK0042");	/* a leading zero: still one */
	memcpy(w + 5, v + 3, (NLOADS - 2) * sizeof(*v));
	strcpy(w[NLOADS + 3].name, "KSTACK0_1");
	n = NLOADS + 4;
	CHECKF(mdelf_check(&c, w, n, err, sizeof(err)) == 0, "%s", err);
	/* Reordered: the header's entries first, in order, then the rest. */
	CHECK(mdelf_cpusets_last(w, n, &nord) == 0 && nord == NLOADS + 1);
	CHECK(!strcmp(w[0].name, "KELF_HEADER"));
	for (i = 0; i < NLOADS; i++)
		CHECK(!strcmp(w[i + 1].name, names[i]) &&
		      w[i + 1].seq == seqs[i]);
	CHECK(!strcmp(w[nord].name, "KSTACK3_1") &&
	      !strcmp(w[nord + 1].name, "KTASK0042") &&
	      !strcmp(w[nord + 2].name, "KSTACK0_1"));
	/* Names that are not a CPU set's still count as entries. */
	n = table_for(v);
	strcpy(v[n++].name, "KTASK");
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "(index 0, KTASK seq 0) has no PT_LOAD"));
	n = table_for(v);
	strcpy(v[n++].name, "ktask1");
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1);
	/* Only CPU-set entries: no KELF_HEADER. */
	memset(v, 0, sizeof(v));
	strcpy(v[0].name, "KTASK0");
	CHECK(mdelf_check(&c, v, 1, err, sizeof(err)) == -1 &&
	      strstr(err, "no valid table entry"));
	mdelf_core_free(&c);

	/* A header naming a CPU-set entry has no entry to match it. */
	build(buf, 1 + NLOADS);
	memcpy(buf + ((64 + 56 * (1 + NLOADS) + 7) & ~7) + 24 + 24 * 4,
	       "KTASK0\0\0\0\0\0\0\0\0\0\0", 16);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	strcpy(v[5].name, "KTASK0");
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 5 (KTASK0 seq 0) has no valid table"));
	mdelf_core_free(&c);
}

int main(void)
{
	RUN(valid_header);
	RUN(notes_and_vmcoreinfo);
	RUN(fuzz_header);
	RUN(info_on_header_region);
	RUN(consistency_rule);
	RUN(consistency_rule_skips_cpu_sets);
	TAP_EXIT();
}
