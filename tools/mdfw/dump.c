// SPDX-License-Identifier: GPL-2.0
#include "dump.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdelf.h"
#include "util.h"

#define COPY_CHUNK (1u << 20)

static void pool_start(void);
static void pool_stop(void);
static void pool_precommit(int dfd);

/* See dump.h. */
#define DUMP_HEAP_RESERVE	(8u << 20)

void dump_heap_reserve(void)
{
#ifdef __GLIBC__
	static bool done;
	uint8_t *p;

	if (done)
		return;
	done = true;
	if (!mallopt(M_MMAP_THRESHOLD, DUMP_STAGE_MAX) ||
	    !mallopt(M_TRIM_THRESHOLD, 2 * DUMP_STAGE_MAX))
		return;
	p = malloc(DUMP_HEAP_RESERVE);
	if (!p)
		return;
	/* Not 0: the compiler would make malloc() + memset() a calloc(). */
	memset(p, 0x5a, DUMP_HEAP_RESERVE);
	/* The optimiser may drop a store to memory freed right after. */
	__asm__ __volatile__("" : : "r"(p) : "memory");
	free(p);
#endif
}

void dump_file_name(const struct md_entry *e, char out[DUMP_NAME_MAX])
{
	/*
	 * Names are [A-Za-z0-9_-]{1,15} (checked by the parser): no '@',
	 * '.' or '/', so distinct (name, seq) give distinct names that
	 * cannot leave the directory. The name is the section name the
	 * kernel's ELF header gives the chunk (mdelf.h).
	 */
	char sn[MDELF_SECNAME_LEN];

	mdelf_seq_name(e->name, e->seq, sn, sizeof(sn));
	snprintf(out, DUMP_NAME_MAX, "md_%s.BIN", sn);
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
	pool_start();
out:
	free(pcopy);
	free(bcopy);
	return ret;
}

static int open_dir(struct dump_dir *d);

int dump_open_dir(struct dump_dir *d)
{
	if (d->opened)
		return d->open_err;
	d->opened = true;
	d->open_err = open_dir(d);
	if (!d->open_err) {
		out_defer_sync(true);
		pool_precommit(d->dfd);
	}
	phase_mark("mkdir");
	return d->open_err;
}

/* Create and open the private directory (dump_open_dir()). */
static int open_dir(struct dump_dir *d)
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
	return 0;
}

/*
 * The fsync threads of a capture, started before it (dump_prepare():
 * not on its clock) and idle until sync_private_dir() hands them the
 * files. Without threads, the caller fsyncs the files in turn.
 */
#define SYNC_THREADS	16

static struct pool {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* files to fsync, or quit */
	pthread_cond_t done;	/* the last fsync finished */
	pthread_t th[SYNC_THREADS];
	unsigned int nth;	/* started */
	bool quit;
	const int *fds;		/* to fsync: fds[next..n) not taken */
	unsigned int n, next, finished;
	int err;
	int pre;		/* pool_precommit()'s descriptor, or -1 */
} pool = { .lock = PTHREAD_MUTEX_INITIALIZER,
	   .work = PTHREAD_COND_INITIALIZER,
	   .done = PTHREAD_COND_INITIALIZER, .pre = -1 };

/* Take fds[next] if any, fsync it; false if there was nothing. Locked. */
static bool fsync_one(struct pool *p)
{
	unsigned int i;
	int err = 0;

	if (!p->fds || p->next >= p->n)
		return false;
	i = p->next++;
	pthread_mutex_unlock(&p->lock);
	if (fsync(p->fds[i]))
		err = -errno;
	pthread_mutex_lock(&p->lock);
	if (err && !p->err)
		p->err = err;
	if (++p->finished == p->n)
		pthread_cond_broadcast(&p->done);
	return true;
}

static void *pool_thread(void *arg)
{
	struct pool *p = arg;

	pthread_mutex_lock(&p->lock);
	while (!p->quit) {
		if (p->pre >= 0) {
			int fd = p->pre;

			p->pre = -1;
			pthread_mutex_unlock(&p->lock);
			fsync(fd);	/* an early commit: see dump.h */
			close(fd);
			pthread_mutex_lock(&p->lock);
		} else if (!fsync_one(p)) {
			pthread_cond_wait(&p->work, &p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

/* A pool thread fsyncs (a duplicate of) dfd, in the background. */
static void pool_precommit(int dfd)
{
	struct pool *p = &pool;
	int fd;

	if (!p->nth)
		return;
	fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->pre >= 0)
		close(p->pre);
	p->pre = fd;
	pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->lock);
}

static void pool_start(void)
{
	struct pool *p = &pool;

	while (p->nth < SYNC_THREADS &&
	       !pthread_create(&p->th[p->nth], NULL, pool_thread, p))
		p->nth++;
}

static void pool_stop(void)
{
	struct pool *p = &pool;

	pthread_mutex_lock(&p->lock);
	p->quit = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	while (p->nth)
		pthread_join(p->th[--p->nth], NULL);
	if (p->pre >= 0)
		close(p->pre);
	p->pre = -1;
	p->quit = false;
}

/* fsync fds[0, n) at once: the fsync threads and this one. */
static int fsync_parallel(const int *fds, unsigned int n)
{
	struct pool *p = &pool;
	int err;

	test_kill_point();
	pthread_mutex_lock(&p->lock);
	p->fds = fds;
	p->n = n;
	p->next = p->finished = 0;
	p->err = 0;
	pthread_cond_broadcast(&p->work);
	while (fsync_one(p))
		;
	while (p->finished < p->n)
		pthread_cond_wait(&p->done, &p->lock);
	err = p->err;
	p->fds = NULL;
	pthread_mutex_unlock(&p->lock);
	return err;
}

/* Reopen a file written while deferred (never followed, regular only). */
static int reopen(int dfd, const char *name)
{
	struct stat st;
	int fd;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/*
 * Every file of the private directory, and the directory, durable: the
 * files written while deferred (util.h: their descriptors kept open),
 * first each one's writeback started (sync_file_range(): the data on its
 * way, the blocks allocated, so that one journal commit covers every
 * file; done here in turn, not as each file is written nor from another
 * thread: on a loaded host both cost more than they overlap), then all
 * fsync()ed at once from SYNC_THREADS threads (struct pool): the file
 * system batches concurrent fsyncs into one journal commit and the block
 * layer merges their cache flushes, so ~70 files cost about one fsync,
 * not ~70 (one after the other, each fsync issues a flush of its own).
 * syncfs() would do it in one call, but it also writes back everything
 * else dirty on the file system: on a host building kernels, several
 * times to tens of times more (docs/bench/capture.md). Only our files
 * are touched: the directory is ours and 0700; nothing is followed.
 */
static int sync_private_dir(struct dump_dir *d)
{
	const struct out_kept *k;
	unsigned int n = out_deferred(&k), i, m, nb;
	int *fds;
	int ret = 0;

	for (i = 0; i < n; i++)
		if (k[i].fd >= 0)
			sync_file_range(k[i].fd, 0, 0, SYNC_FILE_RANGE_WRITE);
	phase_mark("writeback");
	fds = malloc((OUT_KEEP_FDS + 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	/* The kept descriptors and the directory; then the others by name. */
	nb = 0;
	for (i = 0; i < n; i++)
		if (k[i].fd >= 0 && nb < OUT_KEEP_FDS)
			fds[nb++] = k[i].fd;
	fds[nb] = d->dfd;
	ret = fsync_parallel(fds, nb + 1);
	for (i = 0; !ret && i < n; i += m) {
		for (m = nb = 0; !ret && i + m < n && nb < OUT_KEEP_FDS; m++) {
			int fd;

			if (k[i + m].fd >= 0)
				continue;
			fd = reopen(d->dfd, k[i + m].name);
			if (fd < 0)
				ret = fd;
			else
				fds[nb++] = fd;
		}
		if (!ret && nb)
			ret = fsync_parallel(fds, nb);
		while (nb)
			close(fds[--nb]);
	}
	free(fds);
	phase_mark("fsync");
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
	phase_mark("rename");
	test_kill_point();
	ret = fsync(d->pfd) ? -errno : 0;
	phase_mark("parent_fsync");
	return ret;
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
	pool_stop();
	if (d->dfd >= 0)
		close(d->dfd);
	if (d->pfd >= 0)
		close(d->pfd);
	d->dfd = d->pfd = -1;
	free(d->base);
	d->base = NULL;
	out_defer_sync(false);
}

/* Write len bytes at p as name in the capture directory. */
static int write_file(int dfd, const char *name, const void *p, size_t len)
{
	struct out_file f;
	int ret;

	ret = out_open(dfd, name, &f);
	if (ret)
		return ret;
	ret = write_full(f.fd, p, len);
	if (ret) {
		out_fail(dfd, &f);
		return ret;
	}
	return out_close(dfd, &f);
}

/* Entry e straight from the RAM file into its md file. */
static int copy_region(struct dump_dir *d, const struct md_entry *e,
		       int ram_fd, uint8_t *buf, const char *name)
{
	struct out_file f;
	int ret;

	ret = out_open(d->dfd, name, &f);
	if (ret)
		return ret;
	ret = copy_range(f.fd, ram_fd, e->file_off, e->size, buf, COPY_CHUNK);
	if (ret) {
		out_fail(d->dfd, &f);
		return ret;
	}
	return out_close(d->dfd, &f);
}

static void region_failed(struct dump_dir *d, struct md_table *t,
			  uint32_t i, const char *name, int ret)
{
	struct md_entry *e = &t->entries[i];

	msg("entry %" PRIu32 ": writing %s/%s: %s", i, d->path, name,
	    out_strerror(-ret));
	e->status = MD_ST_IO_ERROR;
	t->n_ok--;
	t->n_bad++;
}

/*
 * DUMP_STAGE_MAX, or for the tests (test_cpusets.py) MDFW_TEST_STAGE_MAX
 * if it is set and less: the other paths (regions copied straight to
 * their files, dump.elf from them) on small captures.
 */
static uint64_t stage_max(void)
{
	const char *v = getenv("MDFW_TEST_STAGE_MAX");
	uint64_t n;

	if (v && parse_u64(v, &n) && n < DUMP_STAGE_MAX)
		return n;
	return DUMP_STAGE_MAX;
}

unsigned int dump_copy(struct dump_dir *d, struct md_table *t, int ram_fd,
		       struct dump_stage *s, uint64_t *bytes,
		       uint32_t mem_index, const uint8_t *mem)
{
	uint64_t total = 0, off = 0, max = stage_max();
	unsigned int failed = 0;
	uint8_t *buf = NULL;
	uint32_t i;

	memset(s, 0, sizeof(*s));
	*bytes = 0;
	/* What fits in max, in table order. */
	for (i = 0; i < t->n; i++) {
		const struct md_entry *e = &t->entries[i];

		if (e->status == MD_ST_OK && e->size <= max - total)
			total += e->size;
	}
	if (total)
		s->buf = malloc((size_t)total);
	s->at = s->buf ? calloc(t->n, sizeof(*s->at)) : NULL;
	if (s->at)
		s->n = t->n;
	for (i = 0; i < t->n; i++) {
		struct md_entry *e = &t->entries[i];
		char name[DUMP_NAME_MAX];
		int ret;

		if (e->status != MD_ST_OK)
			continue;
		/* total <= max: what fits in the buffer fits in max too. */
		if (s->at && e->size <= total - off) {
			uint8_t *p = s->buf + off;

			ret = 0;
			if (mem && i == mem_index)
				memcpy(p, mem, (size_t)e->size);
			else
				ret = pread_full(ram_fd, p, (size_t)e->size,
						 e->file_off);
			if (!ret) {
				s->at[i] = p;
				off += e->size;
				*bytes += e->size;
				continue;
			}
		} else {
			if (!buf)
				buf = malloc(COPY_CHUNK);
			ret = buf ? 0 : -ENOMEM;
			dump_file_name(e, name);
			if (!ret)
				ret = copy_region(d, e, ram_fd, buf, name);
			if (!ret) {
				*bytes += e->size;
				continue;
			}
		}
		dump_file_name(e, name);
		region_failed(d, t, i, name, ret);
		failed++;
	}
	free(buf);
	return failed;
}

const uint8_t *dump_staged(const struct dump_stage *s, uint32_t index)
{
	return index < s->n ? s->at[index] : NULL;
}

unsigned int dump_write_staged(struct dump_dir *d, struct md_table *t,
			       struct dump_stage *s, uint64_t *bytes)
{
	unsigned int failed = 0;
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		struct md_entry *e = &t->entries[i];
		char name[DUMP_NAME_MAX];
		int ret;

		if (!s->at[i])
			continue;
		dump_file_name(e, name);
		ret = write_file(d->dfd, name, s->at[i], (size_t)e->size);
		if (!ret)
			continue;
		region_failed(d, t, i, name, ret);
		s->at[i] = NULL;
		*bytes -= e->size;
		failed++;
	}
	return failed;
}

void dump_stage_free(struct dump_stage *s)
{
	free(s->buf);
	free(s->at);
	memset(s, 0, sizeof(*s));
}

/* A text file, generated by fill into memory, then written at once. */
static int write_text(struct dump_dir *d, const char *name,
		      int (*fill)(FILE *f, const void *arg), const void *arg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	f = open_memstream(&text, &len);
	if (!f)
		return -errno;
	ret = fill(f, arg);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (!ret)
		ret = write_file(d->dfd, name, text, len);
	free(text);
	return ret;
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

	return write_text(d, "manifest.tsv", fill_manifest, &a);
}

int dump_text_file(struct dump_dir *d, const char *name, const char *text)
{
	return write_file(d->dfd, name, text, strlen(text));
}

int dump_bytes_file(struct dump_dir *d, const char *name, const void *p,
		    size_t len)
{
	return write_file(d->dfd, name, p, len);
}
