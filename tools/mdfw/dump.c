// SPDX-License-Identifier: GPL-2.0
#include "dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define COPY_CHUNK (1u << 20)

void dump_file_name(const struct md_entry *e, char out[DUMP_NAME_MAX])
{
	/*
	 * Names are [A-Za-z0-9_-]{1,15} (checked by the parser), so the two
	 * forms cannot collide and cannot leave the directory.
	 */
	if (e->seq == 0)
		snprintf(out, DUMP_NAME_MAX, "md_%s.BIN", e->name);
	else
		snprintf(out, DUMP_NAME_MAX, "md_%s.%" PRIu32 ".BIN", e->name,
			 e->seq);
}

int dump_open_dir(struct dump_dir *d, const char *path)
{
	DIR *dir;
	struct dirent *de;
	int fd;

	d->path = path;
	d->dfd = -1;
	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	d->dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dfd < 0)
		return -errno;
	out_check_dir(d->dfd, path);

	/*
	 * Files of an earlier capture would sit next to ours; we do not
	 * delete anything, but say so: manifest.tsv is the authority.
	 */
	fd = dup(d->dfd);
	if (fd >= 0) {
		dir = fdopendir(fd);
		if (!dir) {
			close(fd);
			return 0;
		}
		while ((de = readdir(dir))) {
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
				msg("warning: output directory %s is not "
				    "empty; only files listed in manifest.tsv "
				    "belong to this capture", path);
				break;
			}
		}
		closedir(dir);
	}
	return 0;
}

void dump_close_dir(struct dump_dir *d)
{
	if (d->dfd >= 0)
		close(d->dfd);
	d->dfd = -1;
}

static int copy_region(struct dump_dir *d, const struct md_entry *e,
		       int ram_fd, uint8_t *buf, const char *name,
		       const uint8_t *mem)
{
	char tmp[OUT_TMP_NAME_MAX];
	uint64_t done = 0;
	int fd, ret = 0;

	fd = out_create(d->dfd, tmp);
	if (fd < 0)
		return fd;
	if (mem)	/* already read (the ELF header region): write that */
		ret = write_full(fd, mem, (size_t)e->size);
	while (!mem && done < e->size) {
		size_t n = e->size - done < COPY_CHUNK ?
			   (size_t)(e->size - done) : COPY_CHUNK;

		ret = pread_full(ram_fd, buf, n, e->file_off + done);
		if (ret)
			break;
		ret = write_full(fd, buf, n);
		if (ret)
			break;
		done += n;
	}
	if (ret) {
		out_abort(d->dfd, fd, tmp);
		return ret;
	}
	return out_commit(d->dfd, fd, tmp, name);
}

unsigned int dump_regions(struct dump_dir *d, struct md_table *t, int ram_fd,
			  uint64_t *bytes, uint32_t mem_index,
			  const uint8_t *mem)
{
	unsigned int failed = 0;
	uint8_t *buf;
	uint32_t i;

	*bytes = 0;
	buf = malloc(COPY_CHUNK);
	for (i = 0; i < t->n; i++) {
		struct md_entry *e = &t->entries[i];
		char name[DUMP_NAME_MAX];
		int ret;

		if (e->status != MD_ST_OK)
			continue;
		dump_file_name(e, name);
		ret = buf ? copy_region(d, e, ram_fd, buf, name,
					mem && i == mem_index ? mem : NULL) :
			    -ENOMEM;
		if (ret) {
			msg("entry %" PRIu32 ": writing %s/%s: %s", i, d->path,
			    name, out_strerror(-ret));
			e->status = MD_ST_IO_ERROR;
			t->n_ok--;
			t->n_bad++;
			failed++;
			continue;
		}
		*bytes += e->size;
	}
	free(buf);
	return failed;
}

static int write_via_temp(struct dump_dir *d, const char *name,
			  int (*fill)(FILE *f, const void *arg),
			  const void *arg)
{
	char tmp[OUT_TMP_NAME_MAX];
	FILE *f;
	int fd, ret;

	/*
	 * Temp file + rename: a reader never sees a half-written manifest
	 * under the final name, even if we are killed mid-way.
	 */
	fd = out_create(d->dfd, tmp);
	if (fd < 0)
		return fd;
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		out_abort(d->dfd, fd, tmp);
		return ret;
	}
	ret = fill(f, arg);
	if (fflush(f) && !ret)
		ret = -errno;
	if (ferror(f) && !ret)
		ret = -EIO;
	if (ret) {
		fclose(f);
		out_abort(d->dfd, -1, tmp);
		return ret;
	}
	/* out_commit fsyncs and closes the descriptor; then free the FILE. */
	fd = dup(fileno(f));
	fclose(f);
	if (fd < 0) {
		ret = -errno;
		out_abort(d->dfd, -1, tmp);
		return ret;
	}
	return out_commit(d->dfd, fd, tmp, name);
}

static void put_comment_lines(FILE *f, const char *text)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);

		fprintf(f, "# %.*s\n", len, p);
		p = nl ? nl + 1 : NULL;
	}
}

struct manifest_arg {
	const struct md_table *t;
	const char *header;
};

static int fill_manifest(FILE *f, const void *arg)
{
	const struct manifest_arg *a = arg;
	const struct md_table *t = a->t;
	uint32_t i;

	fputs("# mdfw manifest v1\n", f);
	put_comment_lines(f, a->header);
	fputs("index\tname\tseq\taddress\tsize\tstatus\tfile\n", f);
	for (i = 0; i < t->n; i++) {
		const struct md_entry *e = &t->entries[i];
		char name[MD_NAME_ESC_LEN];
		char file[DUMP_NAME_MAX] = "-";

		md_name_escape(e->raw_name, name);
		if (e->status == MD_ST_OK)
			dump_file_name(e, file);
		fprintf(f, "%" PRIu32 "\t%s\t%" PRIu32 "\t0x%" PRIx64
			"\t0x%" PRIx64 "\t%s\t%s\n", e->index,
			name, e->seq, e->addr, e->size,
			md_status_str(e->status), file);
	}
	return 0;
}

int dump_manifest(struct dump_dir *d, const struct md_table *t,
		  const char *header)
{
	struct manifest_arg a = { t, header };

	return write_via_temp(d, "manifest.tsv", fill_manifest, &a);
}

static int fill_text(FILE *f, const void *arg)
{
	fputs(arg, f);
	return 0;
}

int dump_text_file(struct dump_dir *d, const char *name, const char *text)
{
	return write_via_temp(d, name, fill_text, text);
}

int dump_sync_dir(struct dump_dir *d)
{
	return fsync(d->dfd) ? -errno : 0;
}
