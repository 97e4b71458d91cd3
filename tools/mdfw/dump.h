/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a capture: one file per accepted region, manifest.tsv and
 * capture.txt, all mode 0600 in a 0700 directory, all fsync()ed, each
 * created under a fresh name and renamed into place.
 */
#ifndef MDFW_DUMP_H
#define MDFW_DUMP_H

#include <stddef.h>
#include <stdint.h>

#include "gpa.h"
#include "table.h"

struct dump_dir {
	int dfd;
	const char *path;
};

/* Longest output file name: "md_" + 15 + "." + 10 digits + ".BIN" + NUL. */
#define DUMP_NAME_MAX 40

/* md_<name>.BIN for seq 0, md_<name>.<seq>.BIN otherwise. */
void dump_file_name(const struct md_entry *e, char out[DUMP_NAME_MAX]);

/* Create (0700) or open the output directory. 0 or negative errno. */
int dump_open_dir(struct dump_dir *d, const char *path);
void dump_close_dir(struct dump_dir *d);

/*
 * Copy every MD_ST_OK entry of t out of the RAM file, each to a fresh
 * temporary file renamed into place (see out_create()). Entry mem_index,
 * if mem is not NULL, is written from mem (its bytes, already read) rather
 * than read again. An entry whose copy fails is marked MD_ST_IO_ERROR (and
 * reported); the others go on. Returns the number of such failures;
 * *bytes gets the bytes written.
 */
unsigned int dump_regions(struct dump_dir *d, struct md_table *t, int ram_fd,
			  uint64_t *bytes, uint32_t mem_index,
			  const uint8_t *mem);

/*
 * Write manifest.tsv: "# " comment lines from header (may be NULL; each
 * line of it is prefixed), the column header, then one line per examined
 * entry in table order. 0 or negative errno.
 */
int dump_manifest(struct dump_dir *d, const struct md_table *t,
		  const char *header);

/* Write a text file atomically (temp file, fsync, rename). */
int dump_text_file(struct dump_dir *d, const char *name, const char *text);

/* fsync the directory so the new names are durable. */
int dump_sync_dir(struct dump_dir *d);

#endif /* MDFW_DUMP_H */
