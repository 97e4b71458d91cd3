// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void msg(const char *fmt, ...)
{
	va_list ap;

	fputs("mdfw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void msg_errno(int err, const char *fmt, ...)
{
	va_list ap;

	fputs("mdfw: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
}

bool parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0, base = 10, shift = 0;
	const char *p = s;
	bool any = false;

	if (!s)
		return false;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	}
	for (; *p; p++) {
		unsigned int d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned int)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned int)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned int)(*p - 'A' + 10);
		else
			break;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
		any = true;
	}
	if (!any)
		return false;
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	case 't': case 'T':
		shift = 40;
		break;
	default:
		return false;
	}
	if (shift) {
		if (p[1] != '\0' || v > (UINT64_MAX >> shift))
			return false;
		v <<= shift;
	}
	*out = v;
	return true;
}

uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct {
	const char *name;
	uint64_t ns;
} phases[PHASE_MAX];
static unsigned int n_phases;

void phase_mark(const char *name)
{
	if (n_phases < PHASE_MAX) {
		phases[n_phases].name = name;
		phases[n_phases].ns = mono_ns();
		n_phases++;
	}
}

void phase_print(FILE *f, uint64_t t0)
{
	uint64_t prev = t0;
	unsigned int i;

	if (!n_phases)
		return;
	fputs("phases_ms:", f);
	for (i = 0; i < n_phases; i++) {
		uint64_t ns = phases[i].ns >= prev ? phases[i].ns - prev : 0;

		fprintf(f, " %s=%.3f", phases[i].name, (double)ns / 1e6);
		prev = phases[i].ns;
	}
	fputc('\n', f);
}

int pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n;

		if (off > (uint64_t)INT64_MAX)
			return -EOVERFLOW;
		n = pread(fd, p, len, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;	/* file shorter than expected */
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* ---- the kill-point test hook ------------------------------------------ */

static unsigned long kill_steps;	/* steps so far */
static unsigned long kill_at;		/* 0: never */
static int kill_mode = -1;		/* -1 unknown, 0 off, 1 kill, 2 count */

static void kill_count_report(void)
{
	fprintf(stderr, "mdfw: test: %lu kill points\n", kill_steps);
}

void test_kill_point(void)
{
	if (kill_mode < 0) {
		const char *v = getenv("MDFW_TEST_KILL_AT");
		char *end;

		kill_mode = 0;
		if (v && !strcmp(v, "count")) {
			kill_mode = 2;
			atexit(kill_count_report);
		} else if (v && *v) {
			kill_at = strtoul(v, &end, 10);
			kill_mode = *end ? 0 : 1;
		}
	}
	if (!kill_mode)
		return;
	kill_steps++;
	if (kill_mode == 1 && kill_steps == kill_at) {
		fflush(stdout);
		kill(getpid(), SIGKILL);
	}
}

int write_full(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n;

		test_kill_point();
		n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int copy_range(int out, int in, uint64_t in_off, uint64_t size, uint8_t *buf,
	       size_t buflen)
{
	uint64_t done = 0;
	int ret;

	while (done < size) {
		size_t n = size - done < buflen ? (size_t)(size - done) : buflen;

		ret = pread_full(in, buf, n, in_off + done);
		if (ret)
			return ret;
		ret = write_full(out, buf, n);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

bool md_name_char_ok(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- output files ------------------------------------------------------ */

int out_tmp_name(char tmp[OUT_TMP_NAME_MAX])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t r[8];
	char *p;
	size_t i;

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return -EIO;
	p = tmp + snprintf(tmp, OUT_TMP_NAME_MAX, ".mdfw-");
	for (i = 0; i < sizeof(r); i++) {
		*p++ = hex[r[i] >> 4];
		*p++ = hex[r[i] & 15];
	}
	strcpy(p, ".tmp");
	return 0;
}

int out_create(int dfd, char tmp[OUT_TMP_NAME_MAX])
{
	unsigned int attempt;

	for (attempt = 0; attempt < 16; attempt++) {
		int fd;

		if (out_tmp_name(tmp))
			return -EIO;
		/*
		 * O_EXCL: never an existing file (nor a symlink, FIFO or
		 * device: O_EXCL|O_CREAT fails on any existing name, and
		 * O_NOFOLLOW says so explicitly).
		 */
		test_kill_point();
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, 0600);
		if (fd >= 0) {
			/* umask may have removed bits, never added: fine;
			 * but make the mode exact. */
			if (fchmod(fd, 0600)) {
				int ret = -errno;

				out_abort(dfd, fd, tmp);
				return ret;
			}
			return fd;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

void out_abort(int dfd, int fd, const char *tmp)
{
	if (fd >= 0)
		close(fd);
	test_kill_point();
	unlinkat(dfd, tmp, 0);
}

static bool sync_deferred;
static mode_t saved_umask;
static struct out_kept *kept;
static unsigned int n_kept, cap_kept, kept_open;

void out_defer_sync(bool on)
{
	if (on == sync_deferred)
		return;
	sync_deferred = on;
	if (on) {
		saved_umask = umask(077);
		return;
	}
	umask(saved_umask);
	while (n_kept--)
		if (kept[n_kept].fd >= 0)
			close(kept[n_kept].fd);
	free(kept);
	kept = NULL;
	n_kept = cap_kept = kept_open = 0;
}

unsigned int out_deferred(const struct out_kept **k)
{
	*k = kept;
	return n_kept;
}

/* Keep f for the sync: its descriptor, or (past OUT_KEEP_FDS) its name. */
static int keep_file(struct out_file *f)
{
	struct out_kept *k;

	if (n_kept == cap_kept) {
		unsigned int ncap = cap_kept ? 2 * cap_kept : 128;

		k = realloc(kept, ncap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		kept = k;
		cap_kept = ncap;
	}
	if (kept_open == OUT_KEEP_FDS) {
		int fd = f->fd;

		f->fd = -1;
		if (close(fd))
			return -errno;
	} else {
		kept_open++;
	}
	k = &kept[n_kept++];
	snprintf(k->name, sizeof(k->name), "%s", f->name);
	k->fd = f->fd;
	return 0;
}

int out_open(int dfd, const char *name, struct out_file *f)
{
	f->fd = -1;
	if (strlen(name) >= sizeof(f->name))
		return -ENAMETOOLONG;
	strcpy(f->name, name);
	if (!sync_deferred) {
		f->fd = out_create(dfd, f->tmp);
		return f->fd < 0 ? f->fd : 0;
	}
	test_kill_point();
	f->fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		       O_CLOEXEC, 0600);
	return f->fd < 0 ? -errno : 0;
}

int out_close(int dfd, struct out_file *f)
{
	int ret;

	if (!sync_deferred)
		return out_commit(dfd, f->fd, f->tmp, f->name);
	ret = keep_file(f);
	if (ret)
		out_fail(dfd, f);
	return ret;
}

void out_fail(int dfd, struct out_file *f)
{
	if (!sync_deferred) {
		out_abort(dfd, f->fd, f->tmp);
		return;
	}
	if (f->fd >= 0)
		close(f->fd);
	test_kill_point();
	unlinkat(dfd, f->name, 0);
}

int out_sync_dir(int dfd)
{
	if (sync_deferred)
		return 0;
	test_kill_point();
	return fsync(dfd) ? -errno : 0;
}

int out_commit(int dfd, int fd, const char *tmp, const char *name)
{
	struct stat st;
	int ret = 0;

	test_kill_point();
	if (fsync(fd))
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	/*
	 * Only a regular file may be replaced. rename() itself would never
	 * follow a symlink or open a FIFO, but whatever sits there was not
	 * put there by us: refuse and say so rather than silently replace.
	 */
	if (!ret && !fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) &&
	    !S_ISREG(st.st_mode))
		ret = -MDFW_ENOTREG;
	if (!ret)
		test_kill_point();
	if (!ret && renameat(dfd, tmp, dfd, name))
		ret = -errno;
	if (ret)
		unlinkat(dfd, tmp, 0);
	return ret;
}

const char *out_strerror(int err)
{
	if (err == MDFW_ENOTREG)
		return "not a regular file there; refused (not opened, not "
		       "replaced)";
	return strerror(err);
}

void out_check_dir(int dfd, const char *path)
{
	struct stat st;

	if (fstat(dfd, &st))
		return;
	if (st.st_uid != geteuid())
		msg("warning: output directory %s is owned by uid %u, not by "
		    "us (uid %u): its owner can replace what we write", path,
		    (unsigned int)st.st_uid, (unsigned int)geteuid());
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		msg("warning: output directory %s is %s-writable (mode %04o): "
		    "others can replace what we write", path,
		    st.st_mode & S_IWOTH ? "world" : "group",
		    (unsigned int)(st.st_mode & 07777));
}

char *escape_bytes(const char *s, size_t n, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (!len)
		return out;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= len)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= len)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return out;
}
