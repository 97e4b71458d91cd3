// SPDX-License-Identifier: GPL-2.0
/*
 * The work rule: what mdfw does with a hostile capture is linear in the
 * bytes it reads. Each case feeds one parser a growing hostile input
 * (64 KiB, 128 KiB, ... 1 MiB) and measures the work as scan_work, the
 * bytes the parsers examine (scan.h), never as time: each doubling of the
 * input may at most double the work (with a 10 % margin), and the work
 * per input byte is bounded. A quadratic parse fails both at the first
 * doubling, and stops there (the suite stays fast on broken code).
 *
 * The inputs:
 *  - all-zero note headers (12 zero bytes each: an empty note) up to a
 *    last non-zero note, so that "is the rest zero padding?" is asked at
 *    every note and the answer is "no" only at the very end: through
 *    mdelf_parse_notes(), mdelf_parse_header() (extract/capture: the
 *    KELF_HEADER region), mdfw_info(), the cpuregs note walk
 *    (cpuregs_merge(), cpuregs_find_source()) and QEMU's
 *    dump-guest-memory ELF (cpuregs_from_qemu_elf());
 *  - QEMU's ELF with many PT_NOTEs over the same notes, also through
 *    mdfw_info();
 *  - the kernel's notes with many CPUs whose pr_reg is zero but for its
 *    last byte, merged with the firmware's (cpuregs_merge()).
 */
#include <elf.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "cpuregs.h"
#include "info.h"
#include "mdelf.h"
#include "scan.h"
#include "tap.h"
#include "util.h"

#define KiB		1024u
#define MIN_SIZE	(64 * KiB)
#define MAX_SIZE	(1024 * KiB)
#define GROWTH_NUM	22	/* a doubling may cost 2.2x the work */
#define GROWTH_DEN	10

/* One run of a parser on a hostile input of about @size bytes. */
typedef void (*run_fn)(size_t size, size_t *len);

/*
 * Run @fn at 64 KiB, 128 KiB, ... 1 MiB; check each doubling's work and
 * the work per byte (at most @per_byte bytes examined per input byte).
 */
static void check_linear(const char *what, run_fn fn, unsigned int per_byte)
{
	uint64_t prev = 0;
	size_t size, len, prev_len = 0;

	for (size = MIN_SIZE; size <= MAX_SIZE; size *= 2) {
		uint64_t w;

		scan_work = 0;
		len = 0;
		fn(size, &len);
		w = scan_work;
		printf("# %s: %zu bytes of input, %" PRIu64 " bytes examined "
		       "(%.1f per byte)\n", what, len, w,
		       len ? (double)w / (double)len : 0.0);
		CHECKF(w <= (uint64_t)per_byte * len, "%s: %" PRIu64 " bytes "
		       "examined for %zu bytes of input: more than %u per byte",
		       what, w, len, per_byte);
		if (prev && len > prev_len) {
			/* w / prev <= 2.2 * len / prev_len (len ~ 2 prev_len) */
			CHECKF((double)w * GROWTH_DEN * (double)prev_len <=
			       (double)prev * GROWTH_NUM * (double)len / 2,
			       "%s: input %zu -> %zu bytes, work %" PRIu64
			       " -> %" PRIu64 " (x%.1f): not linear", what,
			       prev_len, len, prev, w, (double)w / (double)prev);
		}
		CHECKF(w > 0, "%s: no work counted", what);
		/* Superlinear: the next sizes would take long. */
		if (tap_case_failed && size > MIN_SIZE)
			break;
		prev = w;
		prev_len = len;
	}
}

static uint8_t *buf;	/* MAX_SIZE + 64 KiB, zeroed before each run */

static size_t put_note(uint8_t *d, const char *name, uint32_t type,
		       const uint8_t *desc, uint32_t descsz)
{
	uint32_t namesz = name ? (uint32_t)strlen(name) + 1 : 0;
	size_t o = 12;

	put_le32(d, namesz);
	put_le32(d + 4, descsz);
	put_le32(d + 8, type);
	if (namesz)
		memcpy(d + o, name, namesz);
	o += pad4(namesz);
	if (descsz)
		memcpy(d + o, desc, descsz);
	return o + pad4(descsz);
}

/* A CORE NT_PRSTATUS (x86-64) of @pid, registers set. */
static size_t put_prstatus(uint8_t *d, uint32_t pid)
{
	uint8_t desc[336] = { 0 };

	put_le32(desc + CPUREGS_PR_PID_OFF, pid);
	put_le64(desc + CPUREGS_PR_REG_OFF + 16 * 8, 0xffffffff81000000u + pid);
	return put_note(d, "CORE", NT_PRSTATUS, desc, sizeof(desc));
}

/*
 * Notes of about @size bytes at d: empty all-zero notes (12 zero bytes
 * each), then a CORE NT_PRSTATUS of pid 1. Returns their length.
 */
static size_t zero_notes(uint8_t *d, size_t size)
{
	size_t k = (size - (12 + 8 + 336)) / 12;

	memset(d, 0, k * 12);
	return k * 12 + put_prstatus(d + k * 12, 1);
}

/* ---- all-zero note headers ------------------------------------------- */

static void run_parse_notes(size_t size, size_t *len)
{
	struct mdelf_notes n;
	char err[256];

	*len = zero_notes(buf, size);
	CHECKF(mdelf_parse_notes(buf, *len, &cpuregs_x86_64, &n, err,
				 sizeof(err)) == 0, "%s", err);
	CHECK(n.n_prstatus == 1 && n.n_other == (*len - 356) / 12);
}

TEST(elf_notes_zero_headers)
{
	check_linear("mdelf_parse_notes", run_parse_notes, 4);
}

/*
 * A header region as the kernel keeps it, but for its notes: ELF header,
 * PT_NOTE, the four fixed section headers and STR_TBL (no PT_LOADs), the
 * generation note and the notes of about @size bytes.
 */
static size_t zero_header_region(uint8_t *d, size_t size)
{
	const size_t shoff = 64 + 56, stroff = shoff + 4 * 64;
	const size_t strsize = 48, notes = stroff + strsize;
	uint8_t gen[8] = { 1 };
	size_t nl;

	memset(d, 0, notes);
	memcpy(d, ELFMAG, SELFMAG);
	d[EI_CLASS] = ELFCLASS64;
	d[EI_DATA] = ELFDATA2LSB;
	d[EI_VERSION] = EV_CURRENT;
	d[16] = ET_CORE;
	d[18] = EM_X86_64;
	put_le32(d + 20, EV_CURRENT);
	put_le64(d + 32, 64);		/* e_phoff */
	put_le64(d + 40, shoff);	/* e_shoff */
	d[52] = 64;			/* e_ehsize */
	d[54] = 56;			/* e_phentsize */
	d[56] = 1;			/* e_phnum */
	d[58] = 64;			/* e_shentsize */
	d[60] = 4;			/* e_shnum */
	d[62] = 1;			/* e_shstrndx */
	put_le32(d + shoff + 64, 1);		/* STR_TBL */
	put_le32(d + shoff + 64 + 4, SHT_STRTAB);
	put_le64(d + shoff + 64 + 24, stroff);
	put_le64(d + shoff + 64 + 32, strsize);
	put_le32(d + shoff + 128, 9);		/* minidump_table */
	put_le32(d + shoff + 128 + 4, SHT_PROGBITS);
	put_le32(d + shoff + 192, 24);		/* linux_banner */
	put_le32(d + shoff + 192 + 4, SHT_PROGBITS);
	memcpy(d + stroff, "\0STR_TBL\0minidump_table\0linux_banner\0", 37);
	nl = put_note(d + notes, "KMEMDUMP", 1, gen, sizeof(gen));
	nl += zero_notes(d + notes + nl, size);
	put_le32(d + 64, PT_NOTE);
	put_le64(d + 64 + 8, notes);
	put_le64(d + 64 + 32, nl);
	return notes + nl;
}

static void run_parse_header(size_t size, size_t *len)
{
	struct mdelf_core c;
	char err[256];

	*len = zero_header_region(buf, size);
	CHECKF(mdelf_parse_header(buf, *len, &c, err, sizeof(err)) == 0, "%s",
	       err);
	CHECK(c.notes.n_prstatus == 1);
	mdelf_core_free(&c);
}

TEST(elf_header_zero_notes)
{
	check_linear("mdelf_parse_header (extract)", run_parse_header, 4);
}

static void run_info(size_t size, size_t *len)
{
	char path[] = "/tmp/mdfw-test-linear-XXXXXX";
	FILE *devnull = fopen("/dev/null", "w");
	int fd = mkstemp(path);

	*len = zero_header_region(buf, size);
	CHECK(fd >= 0 && devnull);
	if (fd < 0 || !devnull)
		goto out;
	CHECK(pwrite(fd, buf, *len, 0) == (ssize_t)*len);
	/* No VMCOREINFO: exit 3, but every note is read. */
	CHECK(mdfw_info(path, true, devnull) == 3);
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (devnull)
		fclose(devnull);
}

TEST(info_zero_notes)
{
	check_linear("mdfw_info --check", run_info, 8);
}

static void run_merge(size_t size, size_t *len)
{
	static char src[CPUREGS_MAX_CPUS + 1];
	uint8_t *m = NULL;
	size_t mlen = 0, sl = 0;
	char err[256];

	*len = zero_notes(buf, size);
	CHECKF(cpuregs_merge(buf, *len, &cpuregs_x86_64, NULL, &m, &mlen, src,
			     sizeof(src), err, sizeof(err)) == 0, "%s", err);
	CHECK(!strcmp(src, "k"));
	CHECK(!cpuregs_find_source(buf, *len, &sl));
	free(m);
}

TEST(merge_zero_notes)
{
	check_linear("cpuregs_merge + cpuregs_find_source", run_merge, 8);
}

/* QEMU's dump-guest-memory ELF: ELF header and @phnum program headers. */
static size_t qemu_ehdr(uint8_t *d, uint16_t phnum)
{
	memset(d, 0, 64);
	memcpy(d, ELFMAG, SELFMAG);
	d[EI_CLASS] = ELFCLASS64;
	d[EI_DATA] = ELFDATA2LSB;
	d[EI_VERSION] = EV_CURRENT;
	d[16] = ET_CORE;
	d[18] = EM_X86_64;
	put_le32(d + 20, EV_CURRENT);
	put_le64(d + 32, 64);
	d[52] = 64;
	d[54] = 56;
	put_le32(d + 56, phnum);	/* e_phnum (le16) and e_shentsize 0 */
	return 64 + (size_t)phnum * 56;
}

static void put_phdr(uint8_t *d, uint32_t type, uint64_t off, uint64_t sz)
{
	memset(d, 0, 56);
	put_le32(d, type);
	put_le64(d + 8, off);
	put_le64(d + 32, sz);
	put_le64(d + 40, sz);
}

static void run_qemu_zero_notes(size_t size, size_t *len)
{
	struct cpuregs r;
	char err[256];
	size_t o = qemu_ehdr(buf, 1), nl = zero_notes(buf + o, size - o);

	put_phdr(buf + 64, PT_NOTE, o, nl);
	*len = o + nl;
	CHECKF(cpuregs_from_qemu_elf(buf, *len, &r, err, sizeof(err)) == 0,
	       "%s", err);
	CHECK(r.n == 1);
	cpuregs_free(&r);
}

TEST(qemu_elf_zero_notes)
{
	check_linear("cpuregs_from_qemu_elf (capture)", run_qemu_zero_notes, 4);
}

/* ---- QEMU's ELF: many PT_NOTEs over the same notes ------------------- */

/*
 * Half the file program headers, all PT_NOTE: the first over one
 * NT_PRSTATUS, the others all over the other half of the file, empty
 * notes (12 bytes, type 1). Walking every PT_NOTE costs (size / 112) *
 * (size / 2). A file whose PT_NOTEs add up to more than its size has
 * overlapping notes: refused after the program headers.
 */
static void run_qemu_many_pt_notes(size_t size, size_t *len)
{
	struct cpuregs r;
	char err[256] = "";
	uint16_t k = (uint16_t)(size / 2 / 56), i;
	size_t o = qemu_ehdr(buf, k), pr, nl = 0;

	pr = put_prstatus(buf + o, 1);
	put_phdr(buf + 64, PT_NOTE, o, pr);
	o += pr;
	while (o + nl + 12 <= size) {
		put_le32(buf + o + nl, 0);
		put_le32(buf + o + nl + 4, 0);
		put_le32(buf + o + nl + 8, 1);
		nl += 12;
	}
	for (i = 1; i < k; i++)
		put_phdr(buf + 64 + (size_t)i * 56, PT_NOTE, o, nl);
	*len = o + nl;
	r.n = 0;
	CHECKF(cpuregs_from_qemu_elf(buf, *len, &r, err, sizeof(err)) < 0,
	       "accepted, %u CPUs", r.n);
	CHECKF(strstr(err, "PT_NOTE"), "%s", err);
	cpuregs_free(&r);
}

TEST(qemu_elf_many_pt_notes)
{
	check_linear("cpuregs_from_qemu_elf, PT_NOTEs over the same notes",
		     run_qemu_many_pt_notes, 4);
}

/*
 * The same file for 'mdfw info', whose notes are capped at 64 MiB in all
 * and at the file's size: PT_NOTEs over the same bytes are not read again.
 */
static void run_info_many_pt_notes(size_t size, size_t *len)
{
	char path[] = "/tmp/mdfw-test-linear-XXXXXX";
	FILE *devnull = fopen("/dev/null", "w");
	int fd = mkstemp(path);
	uint16_t k = (uint16_t)(size / 2 / 56), i;
	size_t o = qemu_ehdr(buf, k), pr, nl = 0;

	pr = put_prstatus(buf + o, 1);
	put_phdr(buf + 64, PT_NOTE, o, pr);
	o += pr;
	while (o + nl + 12 <= size) {
		put_le32(buf + o + nl, 0);
		put_le32(buf + o + nl + 4, 0);
		put_le32(buf + o + nl + 8, 1);
		nl += 12;
	}
	for (i = 1; i < k; i++)
		put_phdr(buf + 64 + (size_t)i * 56, PT_NOTE, o, nl);
	*len = o + nl;
	CHECK(fd >= 0 && devnull);
	if (fd < 0 || !devnull)
		goto out;
	CHECK(pwrite(fd, buf, *len, 0) == (ssize_t)*len);
	CHECK(mdfw_info(path, false, devnull) == 3);
out:
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	if (devnull)
		fclose(devnull);
}

TEST(info_many_pt_notes)
{
	check_linear("mdfw_info, PT_NOTEs over the same notes",
		     run_info_many_pt_notes, 8);
}

/* ---- the merge with many CPUs ---------------------------------------- */

/*
 * Kernel notes of about @size bytes: NT_PRSTATUS of distinct pids whose
 * pr_reg is all zero but its last byte (every "does it hold registers?"
 * reads all of pr_reg), merged with firmware registers for as many CPUs.
 */
static void run_merge_cpus(size_t size, size_t *len)
{
	static char src[CPUREGS_MAX_CPUS + 1];
	struct cpuregs fw = { 0 };
	uint8_t desc[336] = { 0 }, *m = NULL;
	uint32_t n = (uint32_t)(size / CPUREGS_NOTE_SIZE(&cpuregs_x86_64)), c;
	size_t o = 0, mlen = 0;
	char err[256];

	/* 1 MiB is 2945 CPUs: within CPUREGS_MAX_CPUS. */
	for (c = 0; c < n; c++) {
		memset(desc, 0, sizeof(desc));
		put_le32(desc + CPUREGS_PR_PID_OFF, 100 + c);
		desc[CPUREGS_PR_REG_OFF + 27 * 8 - 1] = 1;
		o += put_note(buf + o, "CORE", NT_PRSTATUS, desc, sizeof(desc));
	}
	*len = o;
	fw.arch = &cpuregs_x86_64;
	fw.n = n;
	fw.desc = calloc(n, 336);
	CHECK(fw.desc);
	if (!fw.desc)
		return;
	CHECKF(cpuregs_merge(buf, o, &cpuregs_x86_64, &fw, &m, &mlen, src,
			     sizeof(src), err, sizeof(err)) == 0, "%s", err);
	CHECK(strlen(src) == n && !strchr(src, 'f'));
	free(m);
	cpuregs_free(&fw);
}

TEST(merge_many_cpus)
{
	check_linear("cpuregs_merge, many CPUs", run_merge_cpus, 8);
}

/* scan_rest_zero() answers like all_zero(), also for offsets going back. */
TEST(zero_tail_matches_all_zero)
{
	static uint8_t b[512];
	uint64_t x = 0x7a65726f;

	for (int it = 0; it < 20000; it++) {
		struct scan_zero z = { 0 };
		size_t len, off = 0;

		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		len = (size_t)(x >> 33) % sizeof(b);
		memset(b, 0, len);
		/* A few non-zero bytes, often none near the end. */
		for (int k = (int)(x >> 60) % 4; k > 0 && len; k--) {
			x = x * 6364136223846793005ULL + 1;
			b[(x >> 33) % len] = (uint8_t)(1 + (x >> 40) % 255);
		}
		for (int q = 0; q < 40; q++) {
			bool want;

			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			if ((x >> 62) == 0)	/* sometimes back */
				off = len ? (size_t)(x >> 33) % (len + 1) : 0;
			else
				off += (size_t)(x >> 33) % 13;
			want = off >= len || all_zero(b + off, len - off);
			CHECKF(scan_rest_zero(&z, b, len, off) == want,
			       "iteration %d: len %zu off %zu", it, len, off);
			if (tap_case_failed)
				return;
		}
	}
}

int main(void)
{
	buf = calloc(1, MAX_SIZE + 64 * KiB);
	if (!buf)
		return 1;
	RUN(elf_notes_zero_headers);
	RUN(elf_header_zero_notes);
	RUN(info_zero_notes);
	RUN(merge_zero_notes);
	RUN(qemu_elf_zero_notes);
	RUN(qemu_elf_many_pt_notes);
	RUN(info_many_pt_notes);
	RUN(merge_many_cpus);
	RUN(zero_tail_matches_all_zero);
	free(buf);
	TAP_EXIT();
}
