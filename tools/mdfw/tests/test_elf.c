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
#define H	16384
#define GENERATION	UINT64_C(0x100000007)
#define BANNER_VA	UINT64_C(0xffffffff82000100)

static const char *const names[NLOADS] = {
	"banner", "prb", "dyn6", "dyn6", "panic_stack"
};
static const uint32_t seqs[NLOADS] = { 0, 0, 0, 1, 0 };
/* Their section names, written out (not made by the code under test). */
static const char *const secnames[NLOADS] = {
	"banner", "prb", "dyn6", "dyn6@1", "panic_stack"
};
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

/* Where build() put things, for tests that corrupt them. */
struct layout {
	size_t shoff, stroff, strsize, notes_off;
	size_t name_at[NLOADS];		/* each name's offset in STR_TBL */
};

static void put_shdr_t(uint8_t *d, uint32_t name, uint32_t type,
		       uint64_t flags, uint64_t addr, uint64_t off,
		       uint64_t size)
{
	put_le32(d, name);
	put_le32(d + 4, type);
	put_le64(d + 8, flags);
	put_le64(d + 16, addr);
	put_le64(d + 24, off);
	put_le64(d + 32, size);
}

/*
 * A valid v3 header region in buf[H] with phdr room for reserve - 1 loads
 * (the spec's cap), laid out by the numbers of notes/h21/header-spec.md;
 * returns the notes length. gen_note 0: no generation note.
 */
static size_t build_ex(uint8_t *buf, uint32_t reserve, bool gen_note,
		       struct layout *ly)
{
	uint8_t notes[2048] = { 0 }, pr[336] = { 0 }, ps[136] = { 0 }, g[8];
	uint32_t cap = reserve - 1, i;
	size_t nl = 0, shoff, stroff, strsize, so;
	uint64_t off = H;

	memset(buf, 0, H);
	put_le64(g, GENERATION);
	if (gen_note)
		nl += put_note(notes + nl, "KMEMDUMP", 1, g, 8);
	for (i = 0; i < 2; i++) {
		put_le32(pr + 32, i + 1);
		put_le64(pr + 112 + 8 * i, 0xffffffff81000000ull + i);
		nl += put_note(notes + nl, "CORE", NT_PRSTATUS, pr, sizeof(pr));
	}
	nl += put_note(notes + nl, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	nl += put_note(notes + nl, "VMCOREINFO", 0, vmci, sizeof(vmci) - 1);

	shoff = (64 + 56 * (size_t)(1 + cap) + 7) & ~(size_t)7;
	stroff = shoff + 64 * (size_t)(4 + cap);
	strsize = (37 + 28 * (size_t)cap + 8 + 7) & ~(size_t)7;
	if (stroff + strsize + nl > H)
		abort();	/* the test's own mistake */

	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	buf[16] = ET_CORE;
	buf[18] = EM_X86_64;
	put_le32(buf + 20, EV_CURRENT);
	put_le64(buf + 32, 64);
	put_le64(buf + 40, shoff);
	buf[52] = 64;
	buf[54] = 56;
	buf[56] = 1 + NLOADS;
	buf[58] = 64;
	buf[60] = 4 + NLOADS;
	buf[62] = 1;
	put_le32(buf + 64, PT_NOTE);
	put_le64(buf + 64 + 8, H - nl);
	put_le64(buf + 64 + 32, nl);
	put_le64(buf + 64 + 40, nl);

	memcpy(buf + stroff, "\0STR_TBL\0minidump_table\0linux_banner\0", 37);
	put_shdr_t(buf + shoff + 64, 1, 3 /* SHT_STRTAB */, 0, 0, stroff,
		   strsize);
	put_shdr_t(buf + shoff + 128, 9, 1 /* SHT_PROGBITS */, 0, 0, 0, 0);
	put_shdr_t(buf + shoff + 192, 24, 1, 1 /* SHF_WRITE */, BANNER_VA, 0,
		   0);
	so = 37;
	for (i = 0; i < NLOADS; i++) {
		uint8_t *p = buf + 64 + 56 * (i + 1);
		uint64_t va = 0xffffffff82000000ull + 0x10000 * i;

		put_le32(p, PT_LOAD);
		put_le32(p + 4, PF_R | PF_W | PF_X);
		put_le64(p + 8, off);
		put_le64(p + 16, va);
		put_le64(p + 24, 0x2000000ull + 0x10000 * i);
		put_le64(p + 32, sizes[i]);
		put_le64(p + 40, sizes[i]);
		put_shdr_t(buf + shoff + 64 * (4 + i), (uint32_t)so, 1, 1, va,
			   off, sizes[i]);
		memcpy(buf + stroff + so, secnames[i], strlen(secnames[i]));
		if (ly)
			ly->name_at[i] = so;
		so += strlen(secnames[i]) + 1;
		off += sizes[i];
	}
	memcpy(buf + H - nl, notes, nl);
	if (ly) {
		ly->shoff = shoff;
		ly->stroff = stroff;
		ly->strsize = strsize;
		ly->notes_off = H - nl;
	}
	return nl;
}

static size_t build(uint8_t *buf, uint32_t reserve)
{
	return build_ex(buf, reserve, true, NULL);
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
		CHECK(c.notes.n_generation == 1 && c.notes.n_other == 0);
		CHECK(c.generation == GENERATION);
		CHECK(c.banner_vaddr == BANNER_VA);
		CHECK(c.loads && !strcmp(c.loads[3].name, "dyn6") &&
		      c.loads[3].seq == 1 && c.loads[3].filesz == 4096);
		CHECK(c.loads && !strcmp(c.loads[2].name, "dyn6") &&
		      c.loads[2].seq == 0);
		CHECK(c.loads && c.loads[4].offset == H + 0x9f + 8 + 8192);
		mdelf_core_free(&c);
	}
	/*
	 * A wrong p_offset is tolerated but flagged (its section must
	 * agree: they are checked against each other).
	 */
	build(buf, 1 + NLOADS);
	put_le64(buf + 64 + 56 * 3 + 8, 0);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == -1 &&
	      strstr(err, "section 6 (") &&
	      strstr(err, "does not describe PT_LOAD 3"));
	{
		struct layout ly;

		build_ex(buf, 1 + NLOADS, true, &ly);
		put_le64(buf + 64 + 56 * 3 + 8, 0);
		put_le64(buf + ly.shoff + 64 * 6 + 24, 0);
		CHECKF(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0 &&
		       c.bad_offset_index == 3, "%s", err);
		mdelf_core_free(&c);
	}
}

/* Section names <-> (name, seq), and the md file names. */
TEST(section_names)
{
	static const struct {
		const char *s;
		const char *name;	/* NULL: refused */
		uint32_t seq;
	} v[] = {
		{ "vmalloc", "vmalloc", 0 },
		{ "vmalloc@1", "vmalloc", 1 },
		{ "a@4294967295", "a", UINT32_MAX },
		{ "0123456789abcde@10", "0123456789abcde", 10 },
		{ "KSTACK12_3@1", "KSTACK12_3", 1 },
		{ "", NULL, 0 },
		{ "@1", NULL, 0 },
		{ "a@", NULL, 0 },
		{ "a@0", NULL, 0 },
		{ "a@01", NULL, 0 },
		{ "a@4294967296", NULL, 0 },
		{ "a@12345678901", NULL, 0 },
		{ "a@1@2", NULL, 0 },
		{ "a@-1", NULL, 0 },
		{ "a@1x", NULL, 0 },
		{ "a.1", NULL, 0 },
		{ "a.b", NULL, 0 },
		{ "a-b", NULL, 0 },
		{ "../etc", NULL, 0 },
		{ "a/b", NULL, 0 },
		{ "a b", NULL, 0 },
		{ "0123456789abcdef", NULL, 0 },
		{ "0123456789abcdef@1", NULL, 0 },
		{ "STR_TBL", NULL, 0 },
		{ "minidump_table", NULL, 0 },
		{ "linux_banner", NULL, 0 },
		{ "linux_banner@1", NULL, 0 },
		{ "linux_banner_", "linux_banner_", 0 },
	};
	struct mdelf_load l;
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		bool ok;

		memset(&l, 0x5a, sizeof(l));
		ok = mdelf_parse_section_name(v[i].s, strlen(v[i].s), &l);
		if (!v[i].name) {
			CHECKF(!ok, "\"%s\" accepted", v[i].s);
			continue;
		}
		CHECKF(ok && !strcmp(l.name, v[i].name) && l.seq == v[i].seq,
		       "\"%s\": %d %.16s %u", v[i].s, ok, l.name, l.seq);
		/* ... and back. */
		mdelf_section_name(&l, out, sizeof(out));
		CHECKF(!strcmp(out, v[i].s), "\"%s\" -> \"%s\"", v[i].s, out);
	}
	/* A NUL inside is no name (STR_TBL ends names at the first NUL). */
	CHECK(!mdelf_parse_section_name("ab\0c", 4, &l));
	memset(&l, 0, sizeof(l));
	strcpy(l.name, "vmalloc");
	mdelf_file_name(&l, out, sizeof(out));
	CHECK(!strcmp(out, "md_vmalloc.BIN"));
	l.seq = 1;
	mdelf_file_name(&l, out, sizeof(out));
	CHECK(!strcmp(out, "md_vmalloc@1.BIN"));
	strcpy(l.name, "0123456789abcde");
	l.seq = UINT32_MAX;
	mdelf_section_name(&l, out, sizeof(out));
	CHECK(strlen(out) + 1 == MDELF_SECNAME_LEN);
}

/* Every bad STR_TBL or section header: refused, with a clear message. */
TEST(bad_sections)
{
	static uint8_t good[H], buf[H];
	struct layout ly;
	struct mdelf_core c;
	char err[512];
	size_t sh4, i;

	build_ex(good, 1 + NLOADS, true, &ly);
	CHECK(mdelf_parse_header(good, H, &c, err, sizeof(err)) == 0);
	mdelf_core_free(&c);
	sh4 = ly.shoff + 64 * 4;

#define BAD(what, expect)						\
	do {								\
		memcpy(buf, good, H);					\
		what;							\
		err[0] = 0;						\
		CHECKF(mdelf_parse_header(buf, H, &c, err,		\
					  sizeof(err)) == -1 &&		\
		       strstr(err, expect), "%s: \"%s\"", #what, err);	\
	} while (0)
	/* names */
	BAD(put_le32(buf + sh4 + 64, (uint32_t)ly.strsize),
	    "section 5: sh_name 192 is outside the 192-byte STR_TBL");
	BAD(put_le32(buf + sh4 + 64, UINT32_MAX),
	    "sh_name 4294967295 is outside");
	BAD(memset(buf + ly.stroff + ly.name_at[4], 'x', 40),
	    "section 8: the name at +");
	BAD(memset(buf + ly.stroff + ly.name_at[4], 'x', 40),
	    "has no NUL within 27 bytes");
	BAD(memset(buf + ly.stroff + ly.strsize - 8, 'x', 1),
	    "STR_TBL does not end in 8 NULs");
	BAD(memcpy(buf + ly.stroff + ly.name_at[3], "dyn6\0", 6),
	    "sections 6 and 7 are both named dyn6");
	BAD(put_le32(buf + sh4 + 64 * 4, (uint32_t)ly.name_at[0]),
	    "sections 4 and 8 are both named banner");
	BAD(memcpy(buf + ly.stroff + ly.name_at[1], "p.b", 3),
	    "section 5: name \"p.b\" is not [A-Za-z0-9_]{1,15}");
	BAD(memcpy(buf + ly.stroff + ly.name_at[1], "p/b", 3),
	    "section 5: name \"p/b\"");
	BAD(memcpy(buf + ly.stroff + ly.name_at[3], "dyn6@01", 8),
	    "section 7: name \"dyn6@01\"");
	BAD(buf[ly.stroff + ly.name_at[1]] = 0, "section 5: name \"\"");
	BAD(buf[ly.stroff + ly.name_at[1]] = 0x80, "name \"\\x80rb\"");
	BAD(put_le32(buf + sh4, 1), "section 4: name \"STR_TBL\"");
	BAD(put_le32(buf + sh4, 24), "section 4: name \"linux_banner\"");
	/* sections vs PT_LOADs */
	BAD(put_le64(buf + sh4 + 64 * 2 + 16, 0xffffffff82020001ull),
	    "section 6 (sh_addr 0xffffffff82020001, sh_offset");
	BAD(put_le64(buf + sh4 + 64 * 2 + 16, 0xffffffff82020001ull),
	    "does not describe PT_LOAD 3 (p_vaddr 0xffffffff82020000");
	BAD(put_le64(buf + sh4 + 24, H + 1), "does not describe PT_LOAD 1");
	BAD(put_le64(buf + sh4 + 64 + 32, 9), "does not describe PT_LOAD 2");
	BAD(put_le32(buf + sh4 + 4, 8 /* SHT_NOBITS */),
	    "section 4 has type 8, expected SHT_PROGBITS");
	/* the fixed sections */
	BAD(buf[ly.shoff + 3] = 1, "section 0: byte 3 is not zero");
	BAD(put_le32(buf + ly.shoff + 64 + 4, 1),
	    "section 1 (STR_TBL) has type 1, expected SHT_STRTAB");
	BAD(put_le32(buf + ly.shoff + 128, 10), "section 2 is not named "
	    "minidump_table");
	BAD(put_le32(buf + ly.shoff + 192, 1), "section 3 is not named "
	    "linux_banner");
	BAD(buf[ly.stroff + 1] = 's', "section 1 is not named STR_TBL");
	/* where they are */
	BAD(put_le64(buf + 40, 0), "section headers at 0x0 are not inside "
	    "[0x190, 0x3be8) (program headers to notes)");
	BAD(buf[60] = 2, "e_shentsize 64, e_shnum 2, e_shstrndx 1: "
	    "expected 64, 9 (4 + 5 PT_LOADs), 1");
	BAD(put_le64(buf + 40, 0); buf[60] = 0; buf[58] = 0; buf[62] = 0,
	    "no section headers");
	BAD(buf[60] = 4 + NLOADS + 1, "e_shnum 10");
	BAD(buf[60] = 4 + NLOADS - 1, "e_shnum 8");
	BAD(buf[58] = 40, "e_shentsize 40");
	BAD(buf[62] = 0, "e_shstrndx 0");
	BAD(put_le64(buf + 40, 64), "section headers at 0x40 are not inside");
	BAD(put_le64(buf + 40, H - 64), "section headers at 0x3fc0 are not "
	    "inside");
	BAD(put_le64(buf + 40, UINT64_MAX - 63), "are not inside");
	BAD(put_le64(buf + ly.shoff + 64 + 24, ly.notes_off - 8),
	    "STR_TBL [0x");
	BAD(put_le64(buf + ly.shoff + 64 + 24, UINT64_MAX),
	    "is not inside");
	BAD(put_le64(buf + ly.shoff + 64 + 32, UINT64_MAX - 7),
	    "is not inside");
	BAD(put_le64(buf + ly.shoff + 64 + 32, 44),
	    "STR_TBL: 44 bytes, too short");
	BAD(put_le64(buf + ly.shoff + 64 + 24, 32), "is not inside");
#undef BAD
	/* The bytes after STR_TBL's names are not looked at: any sh_name
	 * inside a longer name still names something. */
	memcpy(buf, good, H);
	put_le32(buf + sh4 + 64 * 4, (uint32_t)ly.name_at[4] + 6);
	CHECKF(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0 &&
	       !strcmp(c.loads[4].name, "stack"), "%s", err);
	mdelf_core_free(&c);
	for (i = 0; i < NLOADS; i++)
		CHECK(!good[ly.stroff + ly.name_at[i] + strlen(secnames[i])]);
}

/* The generation: the first note "KMEMDUMP" type 1 of 8 bytes. */
TEST(generation_note)
{
	static uint8_t buf[H];
	uint8_t n[256] = { 0 }, g[8];
	struct mdelf_notes out;
	struct mdelf_core c;
	char err[256];
	size_t len = 0;

	build_ex(buf, 1 + NLOADS, false, NULL);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_NOTE: no generation note (\"KMEMDUMP\" type 1, "
		     "8 bytes)"));
	/* Not it: another type, size or name. */
	put_le64(g, 7);
	len += put_note(n + len, "KMEMDUMP", 2, g, 8);
	len += put_note(n + len, "KMEMDUMP", 1, g, 4);
	len += put_note(n + len, "KMEMDUMPX", 1, g, 8);
	len += put_note(n + len, "KMEMDUM", 1, g, 8);
	CHECK(mdelf_parse_notes(n, len, &cpuregs_x86_64, &out, err,
				sizeof(err)) == 0 &&
	      out.n_generation == 0 && out.n_other == 4);
	/* The first one counts. */
	put_le64(g, UINT64_C(0x0102030405060708));
	len += put_note(n + len, "KMEMDUMP", 1, g, 8);
	put_le64(g, 9);
	len += put_note(n + len, "KMEMDUMP", 1, g, 8);
	CHECK(mdelf_parse_notes(n, len, &cpuregs_x86_64, &out, err,
				sizeof(err)) == 0 &&
	      out.n_generation == 2 &&
	      out.generation == UINT64_C(0x0102030405060708));
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

		switch (rnd() % 5) {
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
		case 3:		/* the notes */
			o = len - 1 - rnd() % 900;
			if (o + 4 <= len)
				put_le32(b + o, (uint32_t)v);
			break;
		default:	/* section headers and STR_TBL (build(, 40)) */
			o = 2360 + rnd() % (64 * 43 + 1168 - 4);
			if (rnd() & 1)
				put_le32(b + o, (uint32_t)v);
			else
				b[o] = (uint8_t)rnd();
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
			CHECK(c.shoff >= 64 + 56 * (uint64_t)(1 + c.nloads));
			CHECK(c.shoff + 64 * (uint64_t)(4 + c.nloads) <=
			      c.notes_off);
			CHECK(c.stroff + c.strsize <= c.notes_off);
			CHECK(c.notes.n_generation > 0);
			for (k = 0; k < c.nloads; k++) {
				const struct mdelf_load *l = &c.loads[k];
				size_t nl = strlen(l->name);

				CHECK(nl >= 1 && nl <= 15);
				CHECK(strspn(l->name, "abcdefghijklmnopqrstuvwxyz"
					     "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					     "0123456789_") == nl);
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
	struct layout ly;
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
		 "PT_LOAD 1 is banner seq 0 but");
	MISMATCH(v[2].addr++, "p_paddr 0x2010000 but");
	MISMATCH(v[4].size--, "p_filesz 0x1000 but");
	MISMATCH(v[4].seq = 2, "is dyn6 seq 2");
	MISMATCH(strcpy(v[5].name, "panic_stacK"), "is panic_stacK");
	MISMATCH(v[0].size = H + 1, "PT_LOAD 1 (banner seq 0): p_offset");
	MISMATCH(t = v[0]; v[0] = v[1]; v[1] = t,
		 "first valid table entry (index 1) is banner");
	MISMATCH(v[0].seq = 1, "is KELF_HEADER seq 1, not KELF_HEADER seq 0");
	MISMATCH(n = 0, "no valid table entry");
	mdelf_core_free(&c);

	/* A p_offset off the concatenation rule (its section agreeing). */
	build_ex(buf, 1 + NLOADS, true, &ly);
	put_le64(buf + 64 + 56 * 3 + 8, H + 0x9f + 8 + 1);
	put_le64(buf + ly.shoff + 64 * 6 + 24, H + 0x9f + 8 + 1);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 3 (dyn6 seq 0): p_offset"));
	mdelf_core_free(&c);

	/* Section "dyn6@1" is entry (dyn6, 1): "dyn6@2" is not. */
	build_ex(buf, 1 + NLOADS, true, &ly);
	buf[ly.stroff + ly.name_at[3] + 5] = '2';
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 4 is dyn6 seq 2 but valid table entry 4 "
		     "(index 4) is dyn6 seq 1"));
	v[4].seq = 2;
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	mdelf_core_free(&c);
}

/* The rule skips the CPU sets' entries, wherever they are. */
TEST(consistency_rule_skips_cpu_sets)
{
	static uint8_t buf[H];
	struct mdelf_tentry v[NLOADS + 8], w[NLOADS + 8];
	struct layout ly;
	struct mdelf_core c;
	char err[512] = "";
	uint32_t n, i, nord;

	build(buf, 1 + NLOADS);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	/* At the tail, as the kernel places them. */
	memset(v, 0, sizeof(v));
	n = table_for(v);
	strcpy(v[n].name, "KTASK0");
	strcpy(v[n + 1].name, "KSTACK0_0");
	strcpy(v[n + 2].name, "KTASK12");
	v[n + 2].seq = 1;
	n += 3;
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	/* Not in the header: still CPU-set entries once marked. */
	mdelf_mark_regions(&c, v, n);
	for (i = 0; i < n; i++)
		CHECK(!v[i].hdr_region && mdelf_is_cpuset(&v[i]) ==
		      (i > NLOADS));
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	/* Anywhere: first, between, last. */
	memset(w, 0, sizeof(w));
	strcpy(w[0].name, "KSTACK3_1");
	memcpy(w + 1, v, 3 * sizeof(*v));
	strcpy(w[4].name, "KTASK0042");	/* a leading zero: still one */
	memcpy(w + 5, v + 3, (NLOADS - 2) * sizeof(*v));
	strcpy(w[NLOADS + 3].name, "KSTACK0_1");
	n = NLOADS + 4;
	mdelf_mark_regions(&c, w, n);
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

	/*
	 * A header naming a set-named entry: unmarked, the entry is a CPU
	 * set's and the PT_LOAD has none; marked, it is the header's.
	 */
	build_ex(buf, 1 + NLOADS, true, &ly);
	memcpy(buf + ly.stroff + ly.name_at[4], "KTASK0", 7);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	n = table_for(v);
	strcpy(v[5].name, "KTASK0");
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 5 (KTASK0 seq 0) has no valid table"));
	mdelf_mark_regions(&c, v, n);
	CHECK(v[5].hdr_region && !mdelf_is_cpuset(&v[5]));
	CHECKF(mdelf_check(&c, v, n, err, sizeof(err)) == 0, "%s", err);
	/* ... but not one of another seq: a set 1's entry. */
	v[5].seq = 1;
	mdelf_mark_regions(&c, v, n);
	CHECK(!v[5].hdr_region && mdelf_is_cpuset(&v[5]));
	CHECK(mdelf_check(&c, v, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 5 (KTASK0 seq 0) has no valid table"));
	mdelf_core_free(&c);
}

/*
 * At panic the kernel registers CPU 1's task and stack as regions
 * KTASK1, KSTACK1_<i> seq 0, which its header describes; its live set 1
 * (seq 1) and anything before the header stay CPU-set entries.
 */
TEST(consistency_rule_set_named_regions)
{
	static uint8_t buf[H];
	struct mdelf_tentry v[NLOADS + 2], w[NLOADS + 5];
	struct layout ly;
	struct mdelf_core c;
	char err[512] = "";
	uint32_t n = NLOADS + 5, i, nord;
	/* w[i] is v[from[i]], or the CPU-set entry named in set[i]. */
	static const int from[NLOADS + 5] = {
		-1, 0, -1, 1, 2, 3, 4, -1, 5, -1
	};
	static const char *const set[NLOADS + 5] = {
		"KSTACK1_0", NULL, "KTASK1", NULL, NULL, NULL, NULL,
		"KSTACK1_0", NULL, "KSTACK1_1"
	};
	static const bool region[NLOADS + 5] = {
		[3] = true, [8] = true
	};

	build_ex(buf, 1 + NLOADS, true, &ly);
	memcpy(buf + ly.stroff + ly.name_at[0], "KTASK1", 6);
	memcpy(buf + ly.stroff + ly.name_at[4], "KSTACK1_0", 10);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	table_for(v);
	strcpy(v[1].name, "KTASK1");
	strcpy(v[5].name, "KSTACK1_0");
	memset(w, 0, sizeof(w));
	for (i = 0; i < n; i++) {
		if (from[i] >= 0) {
			w[i] = v[from[i]];
		} else {
			strcpy(w[i].name, set[i]);
			w[i].seq = i ? 1 : 0;	/* w[0]: seq 0, before */
		}
		w[i].index = i;
	}
	/* Unmarked, KTASK1 seq 0 is a set's: PT_LOAD 1 matches prb. */
	CHECK(mdelf_check(&c, w, n, err, sizeof(err)) == -1 &&
	      strstr(err, "PT_LOAD 1 is KTASK1 seq 0 but valid table entry 1 "
		     "(index 4) is prb seq 0"));
	mdelf_mark_regions(&c, w, n);
	for (i = 0; i < n; i++)
		CHECKF(w[i].hdr_region == region[i] &&
		       mdelf_is_cpuset(&w[i]) == (from[i] < 0),
		       "entry %u", i);
	CHECKF(mdelf_check(&c, w, n, err, sizeof(err)) == 0, "%s", err);
	/* The regions stay with the header's entries, in table order. */
	CHECK(mdelf_cpusets_last(w, n, &nord) == 0 && nord == NLOADS + 1);
	CHECK(!strcmp(w[0].name, "KELF_HEADER"));
	for (i = 0; i < NLOADS; i++)
		CHECKF(!strcmp(w[i + 1].name, c.loads[i].name) &&
		       w[i + 1].seq == c.loads[i].seq, "load %u", i);
	for (i = nord; i < n; i++)
		CHECK(mdelf_is_cpuset(&w[i]) && !w[i].hdr_region);
	CHECK(w[nord].index == 0 && w[nord + 1].index == 2 &&
	      w[nord + 2].index == 7 && w[nord + 3].index == 9);
	CHECKF(mdelf_check(&c, w, n, err, sizeof(err)) == 0, "%s", err);
	mdelf_core_free(&c);

	/* Marking for a header without them clears the marks. */
	build(buf, 1 + NLOADS);
	CHECK(mdelf_parse_header(buf, H, &c, err, sizeof(err)) == 0);
	mdelf_mark_regions(&c, w, n);
	for (i = 0; i < n; i++)
		CHECK(!w[i].hdr_region);
	mdelf_core_free(&c);
}

int main(void)
{
	RUN(valid_header);
	RUN(section_names);
	RUN(bad_sections);
	RUN(generation_note);
	RUN(notes_and_vmcoreinfo);
	RUN(fuzz_header);
	RUN(info_on_header_region);
	RUN(consistency_rule);
	RUN(consistency_rule_skips_cpu_sets);
	RUN(consistency_rule_set_named_regions);
	TAP_EXIT();
}
