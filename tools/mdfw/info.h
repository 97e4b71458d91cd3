/* SPDX-License-Identifier: GPL-2.0 */
/* mdfw info: list and check an ELF core (dump.elf or any kernel core). */
#ifndef MDFW_INFO_H
#define MDFW_INFO_H

#include <stdbool.h>
#include <stdio.h>

/*
 * Print what the ELF core at path holds to out; with check, also verify
 * its consistency. Returns an mdfw exit code: 0, 2 (cannot read it, or
 * not a regular file: a FIFO or device is refused before it is opened), 3
 * (not a usable ELF64 core, or a check failed: "problem:" lines say why).
 */
int mdfw_info(const char *path, bool check, FILE *out);

#endif /* MDFW_INFO_H */
