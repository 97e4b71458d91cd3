/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Writing a capture, atomically: one file per accepted region,
 * manifest.tsv, capture.txt (and dump.elf, cpu_regs.notes), all mode 0600,
 * written into a fresh private directory (0700, a random name next to the
 * target, created by us) under their final names, made durable at once
 * (every file fsync()ed together, in parallel: dump.c
 * sync_private_dir()), then renamed to the target name (never replacing
 * anything there) and the parent fsync()ed: the target appears whole or
 * not at all.
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
	bool opened;		/* dump_open_dir() was called: */
	int open_err;		/* ... and what it returned */
	bool published;		/* renamed to base */
};

/* Longest output file name: "md_" + 15 + "@" + 10 digits + ".BIN" + NUL. */
#define DUMP_NAME_MAX 40

/* md_<name>.BIN for seq 0, md_<name>@<seq>.BIN otherwise. */
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
 * out_defer_sync() on, and has a helper thread fsync() the new
 * directory at once, in the background: that commits the file system's
 * journal with whatever else it holds now (other programs' writes), so
 * that the capture's own commit later holds little more than the
 * capture. 0 or negative errno; called again, what it returned the first
 * time.
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
 * Fault in, before a capture (mdfw capture: before it waits for the
 * trigger), the memory it will allocate (the staging buffer of
 * dump_copy(), the table, the manifest's text, QMP's replies, ...): the
 * first touch of fresh memory costs a page fault a page, ~3 ms a MiB on
 * a loaded virtual machine. With glibc: the heap grown by 8 MiB,
 * touched, and kept (no trimming, no mmap() for blocks up to
 * DUMP_STAGE_MAX), so that the capture's malloc()s reuse it. A capture
 * needing more allocates the rest as it goes. Elsewhere: nothing.
 */
void dump_heap_reserve(void);

/*
 * The regions in host memory: one buffer for the MD_ST_OK entries that
 * fit in DUMP_STAGE_MAX together (in table order), so that guest RAM is
 * read at once, with no file system work in between.
 */
#define DUMP_STAGE_MAX	(64u << 20)
struct dump_stage {
	uint8_t *buf;
	uint8_t **at;		/* per table entry: its bytes, or NULL */
	uint32_t n;		/* entries of at (0: nothing staged) */
};

/*
 * Copy every MD_ST_OK entry of t out of the RAM file: into s's buffer
 * what fits there, the rest (or everything, if the buffer cannot be
 * allocated) straight into its md file in the private directory. After
 * this, guest RAM is not read again. Entry mem_index, if mem is not
 * NULL, is taken from mem (its bytes, already read). An entry whose copy
 * fails is marked MD_ST_IO_ERROR (and reported); the others go on.
 * Returns the number of such failures; *bytes gets the bytes copied.
 */
unsigned int dump_copy(struct dump_dir *d, struct md_table *t, int ram_fd,
		       struct dump_stage *s, uint64_t *bytes,
		       uint32_t mem_index, const uint8_t *mem);

/* Entry index's bytes in s (entry->size of them), or NULL. */
const uint8_t *dump_staged(const struct dump_stage *s, uint32_t index);

/*
 * Write the md file of every entry staged in s. Failures as
 * dump_copy()'s (the entry is no longer staged, *bytes reduced).
 */
unsigned int dump_write_staged(struct dump_dir *d, struct md_table *t,
			       struct dump_stage *s, uint64_t *bytes);

void dump_stage_free(struct dump_stage *s);

/*
 * Write manifest.tsv: "# " comment lines from header (may be NULL; each
 * line of it is prefixed), the column header, then one line per examined
 * entry in table order. 0 or negative errno.
 */
int dump_manifest(struct dump_dir *d, const struct md_table *t,
		  const char *header);

/* Write a text file (out_open(): in the private directory, deferred). */
int dump_text_file(struct dump_dir *d, const char *name, const char *text);
/* The same for len bytes at p (collector.c's files). */
int dump_bytes_file(struct dump_dir *d, const char *name, const void *p,
		    size_t len);


#endif /* MDFW_DUMP_H */
