// SPDX-License-Identifier: GPL-2.0
/* The Qualcomm collector's files: MD_SHRDIMEM.BIN, dump_info.txt. */
#include "collector.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "info.h"
#include "mdelf.h"
#include "util.h"

/* Problems printed by collector_info_dir(); the rest are counted. */
#define SHOWN_PROBLEMS	16

size_t collector_info_text(char *out, size_t len,
			   const struct collector_file *f, unsigned int n)
{
	size_t at = 0;
	unsigned int i;
	int w;

	if (!len)
		return 0;
	out[0] = 0;
	for (i = 0; i < n; i++) {
		w = snprintf(out + at, len - at, "1 0x%016" PRIx64 " %" PRIu64
			     " %s\n", f[i].base, f[i].size, f[i].name);
		if (w < 0 || (size_t)w >= len - at) {
			out[0] = 0;
			return 0;
		}
		at += (size_t)w;
	}
	return at;
}

/* ---- dump_info.txt, as ramparse's auto_parse() reads it ------------- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Digits only (base 10 or 16), at most max of them, no overflow. */
static bool word_number(const char *s, size_t n, unsigned int base,
			size_t max, uint64_t *v)
{
	size_t i;

	*v = 0;
	if (!n || n > max)
		return false;
	for (i = 0; i < n; i++) {
		char c = s[i];
		unsigned int d;

		if (c >= '0' && c <= '9')
			d = (unsigned int)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned int)(c - 'a') + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned int)(c - 'A') + 10;
		else
			return false;
		if (*v > (UINT64_MAX - d) / base)
			return false;
		*v = *v * base + d;
	}
	return true;
}

struct word {
	const char *s;
	size_t n;
};

/* One line's problem, its words shown escaped. */
static void line_problem(collector_problem_fn problem, void *ctx,
			 unsigned int line, const char *what,
			 const struct word *w)
{
	char esc[80], text[160];

	if (w)
		escape_bytes(w->s, w->n < 24 ? w->n : 24, esc, sizeof(esc));
	snprintf(text, sizeof(text), "%s%s%s%s%s", what, w ? " '" : "",
		 w ? esc : "", w && w->n > 24 ? "..." : "", w ? "'" : "");
	problem(ctx, line, text);
}

/* The file name word: one of the two names, each once. */
static const char *name_problem(const struct word *w,
				const struct collector_file *f, unsigned int n)
{
	unsigned int i;

	if (memchr(w->s, '/', w->n) || memchr(w->s, '\\', w->n))
		return "names a path, not a file of the directory:";
	if (!(w->n == strlen(COLLECTOR_IMEM_FILE) &&
	      !memcmp(w->s, COLLECTOR_IMEM_FILE, w->n)) &&
	    !(w->n == strlen(COLLECTOR_SMEM_FILE) &&
	      !memcmp(w->s, COLLECTOR_SMEM_FILE, w->n)))
		return "not " COLLECTOR_IMEM_FILE " or " COLLECTOR_SMEM_FILE
		       ":";
	for (i = 0; i < n; i++)
		if (strlen(f[i].name) == w->n &&
		    !memcmp(f[i].name, w->s, w->n))
			return "listed twice:";
	return NULL;
}

unsigned int collector_parse_info(const char *text, size_t len,
				  struct collector_file *f, unsigned int *n,
				  collector_problem_fn problem, void *ctx)
{
	unsigned int problems = 0, line = 0;
	size_t at = 0;

	*n = 0;
	while (at < len) {
		const char *p = text + at, *nl = memchr(p, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - p) : len - at, i;
		struct word w[5];
		unsigned int nw = 0;
		uint64_t idx, base, size;
		const char *why = NULL;
		const struct word *bad = NULL;

		at += ll + (nl ? 1 : 0);
		line++;
		for (i = 0; i < ll; i++) {
			unsigned char c = (unsigned char)p[i];

			if ((c < 0x20 && !is_space((char)c)) || c >= 0x7f)
				break;
		}
		if (i < ll) {
			line_problem(problem, ctx, line, "a control or "
				     "non-ASCII byte", NULL);
			problems++;
			continue;
		}
		for (i = 0; i < ll; ) {
			size_t s;

			while (i < ll && is_space(p[i]))
				i++;
			if (i == ll)
				break;
			s = i;
			while (i < ll && !is_space(p[i]))
				i++;
			if (nw < ARRAY_SIZE(w))
				w[nw] = (struct word){ p + s, i - s };
			nw++;
		}
		if (!nw)
			continue;
		if (nw != 4) {
			char what[64];

			snprintf(what, sizeof(what), "%u words, not 4 (index, "
				 "base, size, file)", nw);
			line_problem(problem, ctx, line, what, NULL);
			problems++;
			continue;
		}
		if (!word_number(w[0].s, w[0].n, 10, 10, &idx)) {
			why = "the index is not a decimal number:";
			bad = &w[0];
		} else if (w[1].n < 3 || w[1].s[0] != '0' ||
			   (w[1].s[1] != 'x' && w[1].s[1] != 'X') ||
			   !word_number(w[1].s + 2, w[1].n - 2, 16, 16,
					&base)) {
			why = "the base is not 0x and 1-16 hex digits:";
			bad = &w[1];
		} else if (!word_number(w[2].s, w[2].n, 10, 20, &size)) {
			why = "the size is not a decimal number:";
			bad = &w[2];
		} else if (!size || base + (size - 1) < base) {
			why = size ? "base + size passes 2^64:" :
			      "the size is 0:";
			bad = &w[2];
		} else if ((why = name_problem(&w[3], f, *n))) {
			bad = &w[3];
		}
		if (why) {
			line_problem(problem, ctx, line, why, bad);
			problems++;
			continue;
		}
		/* Two names, each once: at most COLLECTOR_MAX_FILES here. */
		memcpy(f[*n].name, w[3].s, w[3].n);
		f[*n].name[w[3].n] = 0;
		f[*n].base = base;
		f[*n].size = size;
		(*n)++;
	}
	return problems;
}

void collector_kaslr_line(const uint8_t *p, size_t len, size_t off,
			  char *out, size_t outlen)
{
	struct mdfw_buf b = { p, len };
	uint32_t magic;
	uint64_t kaslr;

	if (!buf_get_le32(&b, off, &magic) ||
	    !buf_get_le64(&b, off + 4, &kaslr))
		snprintf(out, outlen, "no record (past the end)");
	else if (magic != COLLECTOR_KASLR_MAGIC)
		snprintf(out, outlen, "no record (magic 0x%08" PRIx32 ")",
			 magic);
	else
		snprintf(out, outlen, "magic 0x%08" PRIx32 ", offset 0x%"
			 PRIx64, magic, kaslr);
}

/* ---- at capture ------------------------------------------------------ */

int collector_setup(struct collector *c, const struct gpa_layout *lay,
		    uint64_t pa, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	if (!gpa_range_to_file(lay, pa, COLLECTOR_IMEM_SIZE, &c->file_off)) {
		set_err(err, errlen, "--shared-imem 0x%" PRIx64 ": [0x%" PRIx64
			", +%u) is not inside guest RAM", pa, pa,
			COLLECTOR_IMEM_SIZE);
		return -1;
	}
	c->base = pa;
	c->state = COLLECTOR_READ;	/* to be read: collector_read() */
	return 0;
}

int collector_read(struct collector *c, int ram_fd)
{
	int ret;

	if (c->state != COLLECTOR_READ)
		return 0;
	ret = pread_full(ram_fd, c->imem, sizeof(c->imem), c->file_off);
	if (ret) {
		snprintf(c->err, sizeof(c->err), "reading %u bytes at 0x%"
			 PRIx64 " (RAM file offset 0x%" PRIx64 "): %s",
			 COLLECTOR_IMEM_SIZE, c->base, c->file_off,
			 strerror(-ret));
		c->state = COLLECTOR_FAILED;
	}
	return ret;
}

int collector_write(struct collector *c, struct dump_dir *d)
{
	struct collector_file f = { COLLECTOR_IMEM_FILE, c->base,
				    COLLECTOR_IMEM_SIZE };
	char text[128];
	int ret;

	if (c->state != COLLECTOR_READ)
		return 0;
	ret = dump_bytes_file(d, COLLECTOR_IMEM_FILE, c->imem,
			      sizeof(c->imem));
	if (!ret)
		ret = collector_info_text(text, sizeof(text), &f, 1) ?
		      dump_text_file(d, COLLECTOR_INFO_FILE, text) : -EINVAL;
	if (ret) {
		snprintf(c->err, sizeof(c->err), "writing %s: %s", ret ==
			 -EINVAL ? COLLECTOR_INFO_FILE : COLLECTOR_IMEM_FILE,
			 out_strerror(-ret));
		c->state = COLLECTOR_FAILED;
		return ret;
	}
	c->state = COLLECTOR_OK;
	return 0;
}

int collector_link_elf(struct collector *c, struct dump_dir *d,
		       const char *elf)
{
	/* Our own private directory: neither name can be anyone's link. */
	if (c->state != COLLECTOR_OK)
		return 0;
	if (linkat(d->dfd, elf, d->dfd, COLLECTOR_ELF_FILE, 0)) {
		int ret = -errno;

		snprintf(c->err, sizeof(c->err), "linking %s as %s: %s", elf,
			 COLLECTOR_ELF_FILE, out_strerror(-ret));
		return ret;
	}
	return 0;
}

int collector_relink_elf(int dfd, const char *elf)
{
	char tmp[64];
	struct stat st;
	int ret = 0;

	if (fstatat(dfd, COLLECTOR_ELF_FILE, &st, AT_SYMLINK_NOFOLLOW))
		return errno == ENOENT ? 0 : -errno;
	snprintf(tmp, sizeof(tmp), ".%s.%ld", COLLECTOR_ELF_FILE,
		 (long)getpid());
	if (linkat(dfd, elf, dfd, tmp, 0))
		return -errno;
	if (renameat(dfd, tmp, dfd, COLLECTOR_ELF_FILE)) {
		ret = -errno;
		unlinkat(dfd, tmp, 0);
		return ret;
	}
	return out_sync_dir(dfd);
}

void collector_manifest_line(const struct collector *c, char *out,
			     size_t len)
{
	if (c->state == COLLECTOR_OK)
		snprintf(out, len, "shared_imem: file %s, base 0x%" PRIx64
			 ", %u bytes, listed in %s", COLLECTOR_IMEM_FILE,
			 c->base, COLLECTOR_IMEM_SIZE, COLLECTOR_INFO_FILE);
	else if (c->state == COLLECTOR_FAILED)
		snprintf(out, len, "shared_imem: 0x%" PRIx64 " not captured: "
			 "%s", c->base, c->err);
	else if (len)
		out[0] = 0;
}

void collector_capture_keys(const struct collector *c, FILE *f)
{
	/* Still to be read: the table was unusable, nothing was dumped. */
	fprintf(f, "shared_imem=%s\n", c->state == COLLECTOR_OK ? "ok" :
		c->state == COLLECTOR_NONE ? "none" :
		c->state == COLLECTOR_READ ? "skipped" : "failed");
	if (c->state == COLLECTOR_NONE)
		fprintf(f, "shared_imem_base=\n");
	else
		fprintf(f, "shared_imem_base=0x%" PRIx64 "\n", c->base);
	fprintf(f, "shared_imem_error=%s\n", c->err);
}

/* ---- mdfw info DIR -------------------------------------------------- */

struct dir_check {
	FILE *out;
	unsigned int problems;
};

static void dir_problem(void *ctx, unsigned int line, const char *text)
{
	struct dir_check *k = ctx;

	if (k->problems++ >= SHOWN_PROBLEMS)
		return;
	if (line)
		fprintf(k->out, "problem: %s line %u: %s\n",
			COLLECTOR_INFO_FILE, line, text);
	else
		fprintf(k->out, "problem: %s\n", text);
}

/* name in dfd: a regular file, not followed; fd (O_NONBLOCK) or -1. */
static int open_regular(int dfd, const char *name, struct stat *st)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
			O_NOCTTY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A listed file against the directory's. */
static void check_file(struct dir_check *k, int dfd,
		       const struct collector_file *f)
{
	uint8_t rec[12];
	struct stat st;
	char text[200];
	int fd = open_regular(dfd, f->name, &st);

	if (fd < 0) {
		snprintf(text, sizeof(text), "%s (listed in %s) is missing, "
			 "a link or not a regular file", f->name,
			 COLLECTOR_INFO_FILE);
		dir_problem(k, 0, text);
		return;
	}
	fprintf(k->out, "  %-16s base 0x%016" PRIx64 "  %" PRIu64 " bytes\n",
		f->name, f->base, f->size);
	if ((uint64_t)st.st_size != f->size) {
		snprintf(text, sizeof(text), "%s is %lld bytes, %s says %"
			 PRIu64, f->name, (long long)st.st_size,
			 COLLECTOR_INFO_FILE, f->size);
		dir_problem(k, 0, text);
	} else if (!strcmp(f->name, COLLECTOR_IMEM_FILE) &&
		   f->size < COLLECTOR_KASLR_OFF + sizeof(rec)) {
		snprintf(text, sizeof(text), "%s (%" PRIu64 " bytes) does not "
			 "cover the KASLR record at 0x%x", f->name, f->size,
			 COLLECTOR_KASLR_OFF);
		dir_problem(k, 0, text);
	} else if (!strcmp(f->name, COLLECTOR_IMEM_FILE) &&
		   !pread_full(fd, rec, sizeof(rec), COLLECTOR_KASLR_OFF)) {
		/* What the parser will find; the kernel may not write it. */
		collector_kaslr_line(rec, sizeof(rec), 0, text, sizeof(text));
		fprintf(k->out, "kaslr: %s+0x%x: %s\n", f->name,
			COLLECTOR_KASLR_OFF, text);
	}
	close(fd);
}

/* dump_info.txt of the capture directory dfd against its files. */
static void check_info(struct dir_check *k, int dfd)
{
	static const char *const names[] = {
		COLLECTOR_IMEM_FILE, COLLECTOR_SMEM_FILE
	};
	struct collector_file f[COLLECTOR_MAX_FILES];
	char text[COLLECTOR_INFO_MAX], msgbuf[160];
	unsigned int n = 0, i, j;
	struct stat st;
	int fd;

	if (fstatat(dfd, COLLECTOR_INFO_FILE, &st, AT_SYMLINK_NOFOLLOW)) {
		fprintf(k->out, "dump_info: none\n");
	} else if ((fd = open_regular(dfd, COLLECTOR_INFO_FILE, &st)) < 0) {
		dir_problem(k, 0, COLLECTOR_INFO_FILE " is a link or not a "
			    "regular file");
	} else {
		if (st.st_size > (off_t)COLLECTOR_INFO_MAX) {
			snprintf(msgbuf, sizeof(msgbuf), "%s is %lld bytes, "
				 "more than %u", COLLECTOR_INFO_FILE,
				 (long long)st.st_size, COLLECTOR_INFO_MAX);
			dir_problem(k, 0, msgbuf);
		} else if (pread_full(fd, text, (size_t)st.st_size, 0)) {
			dir_problem(k, 0, COLLECTOR_INFO_FILE " cannot be "
				    "read");
		} else {
			collector_parse_info(text, (size_t)st.st_size, f, &n,
					     dir_problem, k);
			fprintf(k->out, "dump_info: %u file%s listed\n", n,
				n == 1 ? "" : "s");
			for (i = 0; i < n; i++)
				check_file(k, dfd, &f[i]);
		}
		close(fd);
	}
	/* A collector file there but not listed: the parser ignores it. */
	for (j = 0; j < ARRAY_SIZE(names); j++) {
		for (i = 0; i < n && strcmp(f[i].name, names[j]); i++)
			;
		if (i == n && !fstatat(dfd, names[j], &st,
				       AT_SYMLINK_NOFOLLOW)) {
			snprintf(msgbuf, sizeof(msgbuf), "%s is not listed in "
				 "%s", names[j], COLLECTOR_INFO_FILE);
			dir_problem(k, 0, msgbuf);
		}
	}
}

int collector_info_dir(const char *path, bool check, FILE *out)
{
	struct dir_check k = { out, 0 };
	struct stat st;
	char *elf;
	int dfd, rc;

	if (stat(path, &st) || !S_ISDIR(st.st_mode))
		return -1;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (fstatat(dfd, "manifest.tsv", &st, AT_SYMLINK_NOFOLLOW)) {
		close(dfd);
		return -1;	/* not a capture directory */
	}
	fprintf(out, "capture: %s\n", path);
	check_info(&k, dfd);
	if (k.problems > SHOWN_PROBLEMS)
		fprintf(out, "problem: %u more problems not shown\n",
			k.problems - SHOWN_PROBLEMS);
	fprintf(out, "dump_info check: %s", k.problems ? "FAILED" : "ok");
	if (k.problems)
		fprintf(out, " (%u problems)", k.problems);
	fputc('\n', out);
	rc = k.problems ? MDFW_EXIT_TABLE : MDFW_EXIT_OK;
	if (!fstatat(dfd, MDELF_OUT_FILE, &st, AT_SYMLINK_NOFOLLOW) &&
	    asprintf(&elf, "%s/%s", path, MDELF_OUT_FILE) >= 0) {
		int erc = mdfw_info(elf, check, out);

		free(elf);
		if (erc == MDFW_EXIT_IO || rc == MDFW_EXIT_OK)
			rc = erc;
	}
	close(dfd);
	return rc;
}
