/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the mdfw modules: exit codes, logging, I/O. */
#ifndef MDFW_UTIL_H
#define MDFW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* Process exit codes; the README and `mdfw --help` document them. */
enum mdfw_exit {
	MDFW_EXIT_OK = 0,	/* everything dumped */
	MDFW_EXIT_USAGE = 1,	/* bad command line */
	MDFW_EXIT_IO = 2,	/* I/O or QMP failure, timeout, QEMU gone */
	MDFW_EXIT_TABLE = 3,	/* no usable TOC/subsystem: nothing dumped */
	MDFW_EXIT_PARTIAL = 4,	/* dump written, some entries bad/skipped */
	MDFW_EXIT_INCONSISTENT = 5,	/* ELF header and table disagree */
};

#if defined(__GNUC__)
#define MDFW_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MDFW_PRINTF(a, b)
#endif

/* "mdfw: <message>\n" on stderr. */
void msg(const char *fmt, ...) MDFW_PRINTF(1, 2);
/* Like msg(), with ": strerror(err)" appended. */
void msg_errno(int err, const char *fmt, ...) MDFW_PRINTF(2, 3);

/*
 * Parse an unsigned integer: decimal or 0x-hex, optionally followed by a
 * binary size suffix K, M, G or T (KiB...). Rejects empty strings, signs,
 * trailing garbage and overflow. Returns false on error.
 */
bool parse_u64(const char *s, uint64_t *out);

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t mono_ns(void);

/*
 * Capture phases: phase_mark(name) stamps the end of a phase with
 * mono_ns() (at most PHASE_MAX stamps, names static strings);
 * phase_print() writes "phases_ms: name=ms ..." (each phase's own time,
 * from the previous stamp or from t0) to f, if anything was stamped.
 */
#define PHASE_MAX	32
void phase_mark(const char *name);
void phase_print(FILE *f, uint64_t t0);

/* Full-length pread/write; return 0 or a negative errno. Short pread = -EIO. */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int write_full(int fd, const void *buf, size_t len);
/* Copy @size bytes from @in at @in_off to @out through @buf. 0 or -errno. */
int copy_range(int out, int in, uint64_t in_off, uint64_t size, uint8_t *buf,
	       size_t buflen);

/* n rounded up to a multiple of 4 (ELF note fields). */
size_t pad4(size_t n);

/*
 * A character a region's name may have: [A-Za-z0-9_-]. A name becomes part
 * of a file name, so no '/', '.' or '@': md_<name>.BIN and
 * md_<name>@<seq>.BIN can never collide or escape the output directory.
 */
bool md_name_char_ok(int c);

/* Format an error message into err[errlen], if err is not NULL. */
void set_err(char *err, size_t errlen, const char *fmt, ...) MDFW_PRINTF(3, 4);

/*
 * Output files. Every file mdfw writes is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600, so nothing planted in the
 * directory (symlink, hard link, FIFO, another user's file) is ever opened
 * for writing. In a directory that is not the capture's own (mdfw elf
 * --dir), under a fresh, unpredictable name (".mdfw-<16 hex>.tmp"),
 * fsync()ed and renamed into place by out_commit().
 */
#define OUT_TMP_NAME_MAX	32
/* Longest name given to out_open(). */
#define OUT_NAME_MAX		48
/* errno-style code for "a non-regular file is at the final name". */
#define MDFW_ENOTREG		4096

/*
 * Deferred durability. A capture writes into a directory of its own,
 * fresh and private (dump.h), made durable at once and renamed into place
 * whole: while on, out_open() creates each file under its final name
 * (O_EXCL: nothing there is replaced; the umask is 077 meanwhile, so the
 * mode is exactly 0600 with no fchmod()), and out_close() neither fsyncs
 * nor closes it: the descriptor is kept (the first OUT_KEEP_FDS; later
 * files by name) for dump.c, which fsyncs them all together
 * (out_deferred()). out_sync_dir() does nothing. Off: closes what is
 * kept, restores the umask.
 */
#define OUT_KEEP_FDS		256
void out_defer_sync(bool on);
/* fsync the directory dfd, unless deferred. 0 or negative errno. */
int out_sync_dir(int dfd);

/* A file written while deferred: its descriptor, or -1 (then by name). */
struct out_kept {
	int fd;
	char name[OUT_NAME_MAX];
};
/* The files written while deferred, in order; their number. */
unsigned int out_deferred(const struct out_kept **k);

/* A file being written (out_open() .. out_close() or out_fail()). */
struct out_file {
	int fd;
	char name[OUT_NAME_MAX];
	char tmp[OUT_TMP_NAME_MAX];	/* not deferred: temporary name */
};
/* Create name in dfd for writing (see above). 0 or negative errno. */
int out_open(int dfd, const char *name, struct out_file *f);
/*
 * The file is written: deferred, kept for the sync; otherwise
 * out_commit(). 0 or negative errno (the file is then removed).
 */
int out_close(int dfd, struct out_file *f);
/* It could not be written: close and remove it. */
void out_fail(int dfd, struct out_file *f);

/*
 * Test hook, for the kill-point test (tests/test_atomic.py): every step
 * that changes the output (creating a directory or file, each write,
 * fsync, rename, unlink) first calls test_kill_point(). With
 * MDFW_TEST_KILL_AT=N in the environment the process SIGKILLs itself at
 * step N (1-based); with MDFW_TEST_KILL_AT=count it prints
 * "mdfw: test: N kill points" on stderr at exit. Unset: nothing.
 */
void test_kill_point(void);

/* A fresh ".mdfw-<16 random hex digits>.tmp" in tmp. 0 or -EIO. */
int out_tmp_name(char tmp[OUT_TMP_NAME_MAX]);
/* Create the temporary file; its name goes to tmp. fd or negative errno. */
int out_create(int dfd, char tmp[OUT_TMP_NAME_MAX]);
/*
 * Not deferred: fsync and close fd (always closed), then rename tmp to
 * name in dfd,
 * refusing (-MDFW_ENOTREG) if something other than a regular file is at
 * name; the temporary file is removed on any failure. 0 or negative errno.
 */
int out_commit(int dfd, int fd, const char *tmp, const char *name);
/* Remove a temporary file after a failure (closes fd if >= 0). */
void out_abort(int dfd, int fd, const char *tmp);
/* strerror() that also knows MDFW_ENOTREG. */
const char *out_strerror(int err);
/* Warn on stderr if the directory is not ours or is group/world-writable. */
void out_check_dir(int dfd, const char *path);

/*
 * Printable copy of the n bytes at s in out[len]: bytes outside 0x20-0x7e
 * and the backslash become \xNN (so no control character or terminal
 * escape sequence gets through); cut short if out is full; always
 * NUL-terminated. Returns out.
 */
char *escape_bytes(const char *s, size_t n, char *out, size_t len);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* MDFW_UTIL_H */
