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

/*
 * The region part of a section name of the kernel's ELF header:
 * [A-Za-z0-9_]{1,15}, not one of the fixed sections' names.
 */
static inline bool secname_rule(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= 15 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					    "abcdefghijklmnopqrstuvwxyz"
					    "0123456789_") == n &&
	       strcmp(s, "STR_TBL") && strcmp(s, "minidump_table") &&
	       strcmp(s, "linux_banner");
}

#endif /* MDFW_TESTS_RULES_H */
