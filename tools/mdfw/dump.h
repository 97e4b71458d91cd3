/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a capture, atomically: one file per accepted region,
 * manifest.tsv, capture.txt (and dump.elf, cpu_regs.notes), all mode 0600,
 * written into a fresh private directory (0700, a random name next to the
 * target, created by us), made durable at once (every file fsync()ed
 * together, in parallel: dump.c sync_private_dir()), then renamed
 * to the target name (never replacing anything there) and the parent
 * fsync()ed: the target appears whole or not at all.
 */
#ifndef MDFW_DUMP_H
#define MDFW_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpa.h"
#include "table.h"
#include "util.h"

struct dump_dir {
	int dfd;		/* the private directory, or -1 */
	int pfd;		/* the parent directory, or -1 */
	const char *path;	/* the target, as given */
	char *base;		/* its last component (malloc()ed) */
	char tmp[OUT_TMP_NAME_MAX];	/* the private directory's name */
	bool published;		/* renamed to base */
};

/* Longest output file name: "md_" + 15 + "." + 10 digits + ".BIN" + NUL. */
#define DUMP_NAME_MAX 40

/* md_<name>.BIN for seq 0, md_<name>.<seq>.BIN otherwise. */
void dump_file_name(const struct md_entry *e, char out[DUMP_NAME_MAX]);

/*
 * Before anything else: open the target's parent directory and make sure
 * nothing is at the target (not a directory, empty or not, not a file,
 * not a symlink). 0; -EEXIST if something is there; -EINVAL if path has
 * no last component to create ("", "/", ".", ".."); another negative
 * errno if the parent cannot be opened. The parent is checked with
 * out_check_dir() (warnings only).
 */
int dump_prepare(struct dump_dir *d, const char *path);

/*
 * Create the private directory in the parent: a fresh random name
 * ".mdfw-<16 hex>.tmp", mkdirat() (fails on any existing name), opened
 * O_DIRECTORY|O_NOFOLLOW, checked to be ours, mode 0700. Turns
 * out_defer_sync() on. 0 or negative errno.
 */
int dump_open_dir(struct dump_dir *d);

/*
 * Make the capture durable and put it in place: every file and the
 * private directory fsync()ed at once (sync_private_dir()), renameat2()
 * of the private directory to the target with RENAME_NOREPLACE (where the
 * file system lacks it: renameat() after checking that the target is
 * still absent), fsync() of the parent. 0 or negative errno; -EEXIST if
 * the target appeared meanwhile (the private directory is kept, whole).
 */
int dump_publish(struct dump_dir *d);

/*
 * Remove the private directory and what we wrote in it (a capture that
 * cannot be completed). Only its entries, by name, never followed.
 */
void dump_discard(struct dump_dir *d);

void dump_close_dir(struct dump_dir *d);

/*
 * Copy every MD_ST_OK entry of t out of the RAM file, each to a fresh
 * temporary file renamed into place (see out_create()), in the private
 * directory. Entry mem_index,
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

/* Write a text file (temp file, rename; fsync unless deferred). */
int dump_text_file(struct dump_dir *d, const char *name, const char *text);


#endif /* MDFW_DUMP_H */
