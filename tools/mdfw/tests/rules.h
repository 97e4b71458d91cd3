/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The table's name rules written out again, independently of table.c,
 * for the random tests and the fuzz harnesses to check accepted entries
 * against.
 */
#ifndef MDFW_TESTS_RULES_H
#define MDFW_TESTS_RULES_H

#include <stdbool.h>
#include <string.h>

/* [A-Za-z0-9_-]{1,15} */
static inline bool name_rule(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 15 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "abcdefghijklmnopqrstuvwxyz"
					    "0123456789_-") == n;
}

/* ^KTASK[0-9]{1,4}$ or ^KSTACK[0-9]{1,4}_[0-9]{1,4}$: may overlap. */
static inline bool cpuset_rule(const char *s)
{
	size_t d;

	if (!strncmp(s, "KTASK", 5)) {
		d = strspn(s + 5, "0123456789");
		return d >= 1 && d <= 4 && !s[5 + d];
	}
	if (strncmp(s, "KSTACK", 6))
		return false;
	s += 6;
	d = strspn(s, "0123456789");
	if (d < 1 || d > 4 || s[d] != '_')
		return false;
	s += d + 1;
	d = strspn(s, "0123456789");
	return d >= 1 && d <= 4 && !s[d];
}

#endif /* MDFW_TESTS_RULES_H */
