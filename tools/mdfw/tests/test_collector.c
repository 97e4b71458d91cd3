// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: the Qualcomm collector's files (collector.h). dump_info.txt
 * as ramparse reads it (docs/design/qcom-parser-contract.md section 3;
 * the expected text is written out here, not produced by the code under
 * test), its parser on hostile text, the shared IMEM read from a RAM file
 * (and a read that fails), and 'mdfw info DIR' on capture directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector.h"
#include "gpa.h"
#include "tap.h"
#include "util.h"

static char problems_seen[4096];

static void note_problem(void *ctx, unsigned int line, const char *text)
{
	size_t at = strlen(problems_seen);

	(void)ctx;
	snprintf(problems_seen + at, sizeof(problems_seen) - at, "%u: %s\n",
		 line, text);
}

static unsigned int parse(const char *text, struct collector_file *f,
			  unsigned int *n)
{
	problems_seen[0] = 0;
	return collector_parse_info(text, strlen(text), f, n, note_problem,
				    NULL);
}

TEST(dump_info_format)
{
	struct collector_file f[2] = {
		{ "MD_SHRDIMEM.BIN", 0x5fe20000, 4096 },
		{ "MD_SMEMINFO.BIN", UINT64_C(0x1146aa000), 123456789 },
	};
	char out[256];

	CHECK(collector_info_text(out, sizeof(out), f, 1) == 42);
	CHECK(!strcmp(out, "1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN\n"));
	CHECK(collector_info_text(out, sizeof(out), f, 2) == 42 + 47);
	CHECK(!strcmp(out, "1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN\n"
		      "1 0x00000001146aa000 123456789 MD_SMEMINFO.BIN\n"));
	/* Cut short: nothing, never half a line. */
	CHECK(collector_info_text(out, 42, f, 1) == 0 && !out[0]);
	CHECK(collector_info_text(out, 43, f, 1) == 42);
}

/* What ramparse's line.split() accepts: any spacing, \r\n, blank lines. */
TEST(dump_info_parse_valid)
{
	struct collector_file f[COLLECTOR_MAX_FILES];
	unsigned int n;

	CHECK(parse("1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN\n", f, &n) ==
	      0 && n == 1);
	CHECK(!strcmp(f[0].name, "MD_SHRDIMEM.BIN") &&
	      f[0].base == 0x5fe20000 && f[0].size == 4096);
	CHECK(parse("\n  7\t0X146AA000   4096 MD_SHRDIMEM.BIN\r\n\n"
		    "1 0x1 18446744073709551614 MD_SMEMINFO.BIN", f, &n) == 0);
	CHECK(n == 2 && f[0].base == 0x146aa000 && f[1].base == 1 &&
	      f[1].size == UINT64_MAX - 1 &&
	      !strcmp(f[1].name, "MD_SMEMINFO.BIN"));
	CHECK(parse("", f, &n) == 0 && n == 0);
}

/* Each bad line: one problem naming its line; good lines still kept. */
TEST(dump_info_parse_problems)
{
	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "1 0x5fe20000 4096", "3 words, not 4" },
		{ "1 0x5fe20000 4096 MD_SHRDIMEM.BIN x", "5 words, not 4" },
		{ "1 5fe20000 4096 MD_SHRDIMEM.BIN", "the base is not 0x" },
		{ "1 0x 4096 MD_SHRDIMEM.BIN", "the base is not 0x" },
		{ "1 0x10000000000000000 1 MD_SHRDIMEM.BIN", "the base" },
		{ "1 0x5fe2000g 4096 MD_SHRDIMEM.BIN", "the base" },
		{ "1 0x5fe20000 0x1000 MD_SHRDIMEM.BIN", "the size is not" },
		{ "1 0x5fe20000 4K MD_SHRDIMEM.BIN", "the size is not" },
		{ "1 0x5fe20000 -1 MD_SHRDIMEM.BIN", "the size is not" },
		{ "1 0x5fe20000 18446744073709551616 MD_SHRDIMEM.BIN",
		  "the size is not" },
		{ "1 0x5fe20000 0 MD_SHRDIMEM.BIN", "the size is 0" },
		{ "1 0xffffffffffffffff 2 MD_SHRDIMEM.BIN", "passes 2^64" },
		{ "x 0x5fe20000 4096 MD_SHRDIMEM.BIN", "the index" },
		{ "1 0x5fe20000 4096 ../MD_SHRDIMEM.BIN", "names a path" },
		{ "1 0x5fe20000 4096 /etc/passwd", "names a path" },
		{ "1 0x5fe20000 4096 sub/MD_SHRDIMEM.BIN", "names a path" },
		{ "1 0x5fe20000 4096 ..\\MD_SHRDIMEM.BIN", "names a path" },
		{ "1 0x5fe20000 4096 md_shrdimem.bin", "not MD_SHRDIMEM" },
		{ "1 0x5fe20000 4096 md_KELF_HEADER.BIN", "not MD_SHRDIMEM" },
		{ "1 0x5fe20000 4096 MD_SHRDIMEM.BIN\x1b[2J", "control" },
		{ "1 0x5fe20000 4096 MD_SHRDIMEM.BIN\xc3\xa9", "non-ASCII" },
	};
	struct collector_file f[COLLECTOR_MAX_FILES];
	char text[256], want[128];
	unsigned int i, n;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		snprintf(text, sizeof(text), "1 0x5fe20000 4096 "
			 "MD_SHRDIMEM.BIN\n%s\n", bad[i].line);
		snprintf(want, sizeof(want), "2: ");
		CHECKF(parse(text, f, &n) == 1 && n == 1 &&
		       !strncmp(problems_seen, want, strlen(want)) &&
		       strstr(problems_seen, bad[i].why), "%u %s -> %s", i,
		       bad[i].line, problems_seen);
		/* Shown escaped: no terminal escape gets through. */
		CHECKF(!strchr(problems_seen, 0x1b), "%u", i);
	}
	/* A NUL byte: the line is refused, the rest read. */
	memcpy(text, "1 0x1 1\0MD_SMEMINFO.BIN\n1 0x5fe20000 4096 "
	       "MD_SHRDIMEM.BIN\n", 58);
	problems_seen[0] = 0;
	CHECK(collector_parse_info(text, 58, f, &n, note_problem, NULL) == 1
	      && n == 1 && !strcmp(f[0].name, "MD_SHRDIMEM.BIN"));
	/* A name listed twice: the second is a problem, the first kept. */
	CHECK(parse("1 0x1000 4096 MD_SHRDIMEM.BIN\n"
		    "1 0x2000 4096 MD_SHRDIMEM.BIN\n", f, &n) == 1 && n == 1 &&
	      f[0].base == 0x1000 && strstr(problems_seen, "listed twice"));
}

/* Random mutations: never more than the two names, each valid and once. */
TEST(dump_info_parse_mutations)
{
	static const char seed[] = "1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN"
				   "\n1 0x0000000000001000 8 MD_SMEMINFO.BIN\n";
	static const char alphabet[] = " \t\r\n/\\.0x1f9MD_SHRIEBNmd\0\xff";
	struct collector_file f[COLLECTOR_MAX_FILES];
	unsigned int it, n, k, bad = 0;
	char text[128];
	size_t len;

	srand(21);
	for (it = 0; it < 20000; it++) {
		memcpy(text, seed, sizeof(seed) - 1);
		len = sizeof(seed) - 1;
		for (k = rand() % 6 + 1; k; k--) {
			size_t at = (size_t)rand() % len;

			if (rand() % 4 == 0 && len > 1)
				len = at + 1;
			text[at] = alphabet[rand() % (sizeof(alphabet) - 1)];
		}
		problems_seen[0] = 0;
		collector_parse_info(text, len, f, &n, note_problem, NULL);
		if (n > COLLECTOR_MAX_FILES)
			bad++;
		for (k = 0; k < n && k < COLLECTOR_MAX_FILES; k++) {
			if ((strcmp(f[k].name, COLLECTOR_IMEM_FILE) &&
			     strcmp(f[k].name, COLLECTOR_SMEM_FILE)) ||
			    !f[k].size || f[k].base + (f[k].size - 1) <
			    f[k].base || (k && !strcmp(f[k].name, f[0].name)))
				bad++;
		}
	}
	CHECKF(bad == 0, "%u bad", bad);
}

/* A RAM file of 64 KiB at 0x40000000; the IMEM at 0x4000f000. */
static int ram_file(char *path, size_t size)
{
	uint8_t buf[65536];
	size_t i;
	int fd;

	strcpy(path, "/tmp/mdfw-test-collector-XXXXXX");
	fd = mkstemp(path);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + (i >> 8));
	if (fd < 0 || write_full(fd, buf, size < sizeof(buf) ? size :
				 sizeof(buf)))
		return -1;
	return fd;
}

TEST(shared_imem_read)
{
	struct gpa_layout lay;
	struct collector c;
	char path[64], err[256];
	size_t i;
	int fd = ram_file(path, 65536), ok = 1;

	CHECK(fd >= 0);
	CHECK(gpa_layout_init_base(&lay, 65536, 0x40000000));
	/* Outside RAM, straddling its end or its start: refused. */
	CHECK(collector_setup(&c, &lay, 0x40010000, err, sizeof(err)) == -1 &&
	      strstr(err, "not inside guest RAM"));
	CHECK(collector_setup(&c, &lay, 0x4000f001, err, sizeof(err)) == -1);
	CHECK(collector_setup(&c, &lay, 0x3ffff800, err, sizeof(err)) == -1);
	CHECK(collector_setup(&c, &lay, UINT64_MAX - 100, err,
			      sizeof(err)) == -1);
	CHECK(collector_setup(&c, &lay, 0x4000f000, err, sizeof(err)) == 0);
	CHECK(collector_read(&c, fd) == 0 && c.state == COLLECTOR_READ);
	for (i = 0; i < COLLECTOR_IMEM_SIZE; i++) {
		size_t o = 0xf000 + i;

		ok &= c.imem[i] == (uint8_t)(o * 7 + (o >> 8));
	}
	CHECK(ok);
	close(fd);
	unlink(path);
}

/* A RAM file that ends before the IMEM: the read fails, nothing written. */
TEST(shared_imem_read_fails)
{
	struct dump_dir d = { .dfd = -1, .pfd = -1 };
	struct gpa_layout lay;
	struct collector c;
	char path[64], err[256], line[400], *keys = NULL;
	size_t keylen = 0;
	FILE *f;
	int fd = ram_file(path, 0x8000);

	CHECK(fd >= 0);
	CHECK(gpa_layout_init_base(&lay, 65536, 0x40000000));
	CHECK(collector_setup(&c, &lay, 0x4000f000, err, sizeof(err)) == 0);
	CHECK(collector_read(&c, fd) == -EIO && c.state == COLLECTOR_FAILED);
	CHECK(strstr(c.err, "0x4000f000") && strstr(c.err, "0xf000"));
	/* Nothing to write: not even a directory is touched. */
	CHECK(collector_write(&c, &d) == 0 && c.state == COLLECTOR_FAILED);
	collector_manifest_line(&c, line, sizeof(line));
	CHECK(!strncmp(line, "shared_imem: 0x4000f000 not captured: reading",
		       45));
	f = open_memstream(&keys, &keylen);
	collector_capture_keys(&c, f);
	fclose(f);
#define WANT_KEYS "shared_imem=failed\nshared_imem_base=0x4000f000\n" \
		  "shared_imem_error=reading "
	CHECK(keys && !strncmp(keys, WANT_KEYS, strlen(WANT_KEYS)));
	free(keys);
	/* A descriptor that cannot be read at all. */
	c.state = COLLECTOR_READ;
	CHECK(collector_read(&c, -1) == -EBADF && c.state == COLLECTOR_FAILED);
	close(fd);
	unlink(path);
	/* Without --shared-imem: none. */
	memset(&c, 0, sizeof(c));
	CHECK(collector_read(&c, -1) == 0 && c.state == COLLECTOR_NONE);
	collector_manifest_line(&c, line, sizeof(line));
	CHECK(!line[0]);
}

TEST(kaslr_line)
{
	uint8_t imem[COLLECTOR_IMEM_SIZE] = { 0 };
	char out[128];

	collector_kaslr_line(imem, sizeof(imem), COLLECTOR_KASLR_OFF, out,
			     sizeof(out));
	CHECK(!strcmp(out, "no record (magic 0x00000000)"));
	memcpy(imem + 0x6d0, "\xad\x4e\xad\xde\x00\x00\x20\x07\x01\x00\x00"
	       "\x00", 12);
	collector_kaslr_line(imem, sizeof(imem), COLLECTOR_KASLR_OFF, out,
			     sizeof(out));
	CHECK(!strcmp(out, "magic 0xdead4ead, offset 0x107200000"));
	collector_kaslr_line(imem, 0x6d8, COLLECTOR_KASLR_OFF, out,
			     sizeof(out));
	CHECK(!strcmp(out, "no record (past the end)"));
}

/* ---- mdfw info DIR --------------------------------------------------- */

static void put(const char *dir, const char *name, const void *p,
		size_t len)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	unlink(path);
	f = fopen(path, "wb");
	if (f) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}

static int info_dir(const char *dir, char *out, size_t outlen)
{
	FILE *f = fmemopen(out, outlen, "w");
	int rc = collector_info_dir(dir, true, f);

	fclose(f);
	return rc;
}

TEST(info_dir_checks)
{
	static uint8_t imem[COLLECTOR_IMEM_SIZE];
	char dir[] = "/tmp/mdfw-test-collector-dir-XXXXXX", path[256];
	char out[4096];
	const char *good = "1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN\n";

	CHECK(mkdtemp(dir));
	/* No manifest.tsv: not a capture directory (a plain directory). */
	CHECK(info_dir(dir, out, sizeof(out)) == -1);
	put(dir, "manifest.tsv", "# mdfw manifest v1\n", 19);
	/* No collector file at all: fine. */
	CHECK(info_dir(dir, out, sizeof(out)) == 0 &&
	      strstr(out, "dump_info: none") &&
	      strstr(out, "dump_info check: ok"));
	memcpy(imem + 0x6d0, "\xad\x4e\xad\xde\x00\x00\x20\x07\0\0\0\0", 12);
	put(dir, "MD_SHRDIMEM.BIN", imem, sizeof(imem));
	/* The file without dump_info.txt: the parser would not see it. */
	CHECK(info_dir(dir, out, sizeof(out)) == 3 &&
	      strstr(out, "MD_SHRDIMEM.BIN is not listed in dump_info.txt"));
	put(dir, "dump_info.txt", good, strlen(good));
	CHECKF(info_dir(dir, out, sizeof(out)) == 0 &&
	       strstr(out, "kaslr: MD_SHRDIMEM.BIN+0x6d0: magic 0xdead4ead, "
		      "offset 0x7200000"), "%s", out);
	/* The size does not match the file's. */
	put(dir, "dump_info.txt", "1 0x5fe20000 4095 MD_SHRDIMEM.BIN\n", 34);
	CHECKF(info_dir(dir, out, sizeof(out)) == 3 &&
	       strstr(out, "MD_SHRDIMEM.BIN is 4096 bytes, dump_info.txt "
		      "says 4095") && strstr(out, "FAILED (1 problems)"),
	       "%s", out);
	/* A path, not a file of the directory (and the file unlisted). */
	put(dir, "dump_info.txt", "1 0x5fe20000 4096 ./MD_SHRDIMEM.BIN\n", 36);
	CHECKF(info_dir(dir, out, sizeof(out)) == 3 &&
	       strstr(out, "line 1: names a path") &&
	       strstr(out, "FAILED (2 problems)"), "%s", out);
	/* Listed, but a symlink (never followed). */
	put(dir, "dump_info.txt", good, strlen(good));
	snprintf(path, sizeof(path), "%s/MD_SHRDIMEM.BIN", dir);
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0);
	CHECKF(info_dir(dir, out, sizeof(out)) == 3 &&
	       strstr(out, "a link or not a regular file"), "%s", out);
	unlink(path);
	/* dump_info.txt itself a symlink, or too large. */
	put(dir, "MD_SHRDIMEM.BIN", imem, sizeof(imem));
	snprintf(path, sizeof(path), "%s/dump_info.txt", dir);
	unlink(path);
	CHECK(symlink("/etc/passwd", path) == 0);
	CHECK(info_dir(dir, out, sizeof(out)) == 3 &&
	      strstr(out, "dump_info.txt is a link"));
	unlink(path);
	{
		static char big[COLLECTOR_INFO_MAX + 1];

		memset(big, ' ', sizeof(big));
		put(dir, "dump_info.txt", big, sizeof(big));
		CHECK(info_dir(dir, out, sizeof(out)) == 3 &&
		      strstr(out, "more than 4096"));
	}
	/* Too short for the KASLR record. */
	put(dir, "MD_SHRDIMEM.BIN", imem, 0x6d8);
	put(dir, "dump_info.txt", "1 0x5fe20000 1752 MD_SHRDIMEM.BIN\n", 34);
	CHECK(info_dir(dir, out, sizeof(out)) == 3 &&
	      strstr(out, "does not cover the KASLR record"));
	/* Many bad lines: 16 shown, the rest counted. */
	{
		char many[40 * 30] = "";
		int i;

		for (i = 0; i < 30; i++)
			strcat(many, "1 0x1 1 /x\n");
		put(dir, "dump_info.txt", many, strlen(many));
		put(dir, "MD_SHRDIMEM.BIN", imem, sizeof(imem));
		CHECK(info_dir(dir, out, sizeof(out)) == 3 &&
		      strstr(out, "problem: 15 more problems not shown"));
	}
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	CHECK(system(path) == 0);
}

int main(void)
{
	RUN(dump_info_format);
	RUN(dump_info_parse_valid);
	RUN(dump_info_parse_problems);
	RUN(dump_info_parse_mutations);
	RUN(shared_imem_read);
	RUN(shared_imem_read_fails);
	RUN(kaslr_line);
	RUN(info_dir_checks);
	TAP_EXIT();
}
