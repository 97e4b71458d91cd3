// SPDX-License-Identifier: GPL-2.0
#include "dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <pthread.h>
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

int dump_prepare(struct dump_dir *d, const char *path)
{
	char *pcopy, *bcopy;
	const char *parent, *base;
	struct stat st;
	int ret = 0;

	memset(d, 0, sizeof(*d));
	d->dfd = d->pfd = -1;
	d->path = path;
	pcopy = strdup(path);
	bcopy = strdup(path);
	if (!pcopy || !bcopy) {
		ret = -ENOMEM;
		goto out;
	}
	/* dirname()/basename() ignore trailing slashes: "a/b/" is "a", "b". */
	parent = dirname(pcopy);
	base = basename(bcopy);
	if (!*path || !*base || !strcmp(base, "/") || !strcmp(base, ".") ||
	    !strcmp(base, "..")) {
		ret = -EINVAL;
		goto out;
	}
	d->base = strdup(base);
	if (!d->base) {
		ret = -ENOMEM;
		goto out;
	}
	d->pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->pfd < 0) {
		ret = -errno;
		goto out;
	}
	if (!fstatat(d->pfd, d->base, &st, AT_SYMLINK_NOFOLLOW)) {
		ret = -EEXIST;
		goto out;
	}
	if (errno != ENOENT) {
		ret = -errno;
		goto out;
	}
	out_check_dir(d->pfd, parent);
out:
	free(pcopy);
	free(bcopy);
	return ret;
}

int dump_open_dir(struct dump_dir *d)
{
	unsigned int attempt;
	struct stat st;

	for (attempt = 0; attempt < 16; attempt++) {
		if (out_tmp_name(d->tmp))
			return -EIO;
		test_kill_point();
		if (!mkdirat(d->pfd, d->tmp, 0700))
			break;
		if (errno != EEXIST)
			return -errno;
	}
	if (attempt == 16)
		return -EEXIST;
	/*
	 * Ours by construction; should someone swap it meanwhile, a symlink
	 * is not followed and another user's directory is refused.
	 */
	d->dfd = openat(d->pfd, d->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			O_CLOEXEC);
	if (d->dfd < 0)
		return -errno;
	if (fstat(d->dfd, &st))
		return -errno;
	if (st.st_uid != geteuid())
		return -EPERM;
	/* umask may have removed bits; make the mode exact. */
	if ((st.st_mode & 07777) != 0700 && fchmod(d->dfd, 0700))
		return -errno;
	out_defer_sync(true);
	return 0;
}

/* fsync()s at once: see sync_private_dir(). */
#define SYNC_THREADS	16
#define SYNC_BATCH	256

struct sync_job {
	const int *fds;
	unsigned int n, next;
	int err;
	pthread_mutex_t lock;
};

static void *sync_worker(void *arg)
{
	struct sync_job *j = arg;

	for (;;) {
		unsigned int i;
		int err = 0;

		pthread_mutex_lock(&j->lock);
		i = j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= j->n)
			return NULL;
		if (fsync(j->fds[i]))
			err = -errno;
		pthread_mutex_lock(&j->lock);
		if (err && !j->err)
			j->err = err;
		pthread_mutex_unlock(&j->lock);
	}
}

/* fsync fds[0, n) from up to SYNC_THREADS threads at once. */
static int fsync_parallel(const int *fds, unsigned int n)
{
	struct sync_job j = { fds, n, 0, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[SYNC_THREADS];
	unsigned int t, k;

	test_kill_point();
	for (t = 0; t < SYNC_THREADS && t < n; t++)
		if (pthread_create(&th[t], NULL, sync_worker, &j))
			break;
	sync_worker(&j);	/* no thread at all: everything here */
	for (k = 0; k < t; k++)
		pthread_join(th[k], NULL);
	return j.err;
}

static void close_all(int *fds, unsigned int n)
{
	while (n)
		close(fds[--n]);
}

/*
 * Every file of the private directory, and the directory, durable: each
 * file's writeback was started when it was written (out_commit() in
 * deferred mode); wait for it, file by file (sync_file_range: no journal
 * commit, no cache flush), then fsync them all at once from
 * SYNC_THREADS threads: the file system batches concurrent fsyncs into
 * one journal commit and the block layer merges their cache flushes, so
 * ~70 files cost about one fsync, not ~70 (one after the other, each
 * fsync issues a flush of its own). syncfs() would do it in one call, but
 * it also writes back everything else dirty on the file system, which on
 * a host building kernels costs several times more. Only our entries are
 * there: the directory is ours and 0700; nothing is followed.
 */
static int sync_private_dir(struct dump_dir *d)
{
	int fds[SYNC_BATCH];
	unsigned int n = 0;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd, ret = 0;

	fd = dup(d->dfd);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while (!ret && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		test_kill_point();
		fd = openat(d->dfd, de->d_name, O_RDONLY | O_NOFOLLOW |
			    O_NONBLOCK | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
			ret = fd < 0 ? -errno : -EIO;
			if (fd >= 0)
				close(fd);
			break;
		}
		if (sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE |
				    SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) && errno != ESPIPE) {
			ret = -errno;
			close(fd);
			break;
		}
		fds[n++] = fd;
		if (n == SYNC_BATCH) {
			ret = fsync_parallel(fds, n);
			close_all(fds, n);
			n = 0;
		}
	}
	closedir(dir);
	if (!ret) {
		fd = dup(d->dfd);
		if (fd < 0) {
			ret = -errno;
		} else {
			fds[n++] = fd;
			ret = fsync_parallel(fds, n);
		}
	}
	close_all(fds, n);
	return ret;
}

int dump_publish(struct dump_dir *d)
{
	struct stat st;
	int ret;

	ret = sync_private_dir(d);
	if (ret)
		return ret;
	test_kill_point();
	if (renameat2(d->pfd, d->tmp, d->pfd, d->base, RENAME_NOREPLACE)) {
		if (errno != EINVAL && errno != ENOSYS)
			return -errno;
		/* No RENAME_NOREPLACE here: check, then rename. */
		if (!fstatat(d->pfd, d->base, &st, AT_SYMLINK_NOFOLLOW))
			return -EEXIST;
		if (renameat(d->pfd, d->tmp, d->pfd, d->base))
			return -errno;
	}
	d->published = true;
	test_kill_point();
	return fsync(d->pfd) ? -errno : 0;
}

void dump_discard(struct dump_dir *d)
{
	struct dirent *de;
	DIR *dir;
	int fd;

	if (d->dfd < 0 || d->published)
		return;
	fd = dup(d->dfd);
	dir = fd >= 0 ? fdopendir(fd) : NULL;
	if (!dir && fd >= 0)
		close(fd);
	while (dir && (de = readdir(dir))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		test_kill_point();
		unlinkat(d->dfd, de->d_name, 0);
	}
	if (dir)
		closedir(dir);
	test_kill_point();
	unlinkat(d->pfd, d->tmp, AT_REMOVEDIR);
}

void dump_close_dir(struct dump_dir *d)
{
	if (d->dfd >= 0)
		close(d->dfd);
	if (d->pfd >= 0)
		close(d->pfd);
	d->dfd = d->pfd = -1;
	free(d->base);
	d->base = NULL;
	out_defer_sync(false);
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
