/* SPDX-License-Identifier: GPL-2.0 */
/* Small helpers shared by the mdfw modules: exit codes, logging, I/O. */
#ifndef MDFW_UTIL_H
#define MDFW_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Process exit codes; the README and `mdfw --help` document them. */
enum mdfw_exit {
	MDFW_EXIT_OK = 0,	/* everything dumped */
	MDFW_EXIT_USAGE = 1,	/* bad command line */
	MDFW_EXIT_IO = 2,	/* I/O or QMP failure, timeout, QEMU gone */
	MDFW_EXIT_TABLE = 3,	/* no usable TOC/subsystem: nothing dumped */
	MDFW_EXIT_PARTIAL = 4,	/* dump written, some entries bad/skipped */
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

/* Full-length pread/write; return 0 or a negative errno. Short pread = -EIO. */
int pread_full(int fd, void *buf, size_t len, uint64_t off);
int write_full(int fd, const void *buf, size_t len);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif /* MDFW_UTIL_H */
