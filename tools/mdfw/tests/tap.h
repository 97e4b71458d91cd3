/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny test harness: each TEST case prints "ok - name" or "not ok - name"
 * (run-tests.sh numbers them); failed checks print "# file:line: expr".
 */
#ifndef MDFW_TAP_H
#define MDFW_TAP_H

#include <stdio.h>

static int tap_case_failed;
static int tap_failures;

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: CHECK(%s) failed\n", __FILE__,	\
			       __LINE__, #cond);			\
			tap_case_failed = 1;				\
		}							\
	} while (0)

/* CHECK with a formatted note, for checks inside loops. */
#define CHECKF(cond, fmt, ...)						\
	do {								\
		if (!(cond)) {						\
			printf("# %s:%d: CHECK(%s) failed: " fmt "\n",	\
			       __FILE__, __LINE__, #cond, __VA_ARGS__);	\
			tap_case_failed = 1;				\
		}							\
	} while (0)

#define TEST(name) static void name(void)

static inline void tap_run(const char *name, void (*fn)(void))
{
	tap_case_failed = 0;
	fn();
	printf("%sok - %s\n", tap_case_failed ? "not " : "", name);
	fflush(stdout);
	tap_failures += tap_case_failed;
}

#define RUN(name) tap_run(#name, name)
#define TAP_EXIT() return tap_failures ? 1 : 0

#endif /* MDFW_TAP_H */
