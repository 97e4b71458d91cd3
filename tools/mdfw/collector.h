/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The files a Qualcomm collector writes next to the md_*.BIN regions
 * (docs/design/qcom-parser-contract.md, sections 3 and 4), for
 * `ramparse.py --minidump -a DIR`:
 *
 *   MD_SHRDIMEM.BIN  the shared IMEM (4 KiB at a guest physical address,
 *                    --shared-imem PA), where the kernel leaves its KASLR
 *                    record at +0x6d0: le32 0xdead4ead, le32 low32(offset),
 *                    le32 high32(offset);
 *   dump_info.txt    one line per raw file, 4 whitespace-separated words,
 *                    the file name last, base PA in hex with 0x, size in
 *                    DECIMAL: "1 0x000000005fe20000 4096 MD_SHRDIMEM.BIN";
 *   ap_minidump.elf  dump.elf under the name the parser reads before it
 *                    builds its own core from md_KELF_HEADER.BIN (a hard
 *                    link: no byte twice). dump.elf names each CPU's
 *                    running set KTASK<c>/KSTACK<c>_<i> by its stack
 *                    pointer (cpusets.h): at a watchdog bite the kernel's
 *                    header names no stack (contract section 8).
 *
 * At capture the IMEM is read from the RAM file with the regions (before
 * the guest may be reset), written with them into the capture's private
 * directory (dump.h: part of the atomic capture). `mdfw info [--check]
 * DIR` checks a capture directory's dump_info.txt against its files.
 */
#ifndef MDFW_COLLECTOR_H
#define MDFW_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dump.h"
#include "gpa.h"

#define COLLECTOR_IMEM_FILE	"MD_SHRDIMEM.BIN"
#define COLLECTOR_SMEM_FILE	"MD_SMEMINFO.BIN"
#define COLLECTOR_INFO_FILE	"dump_info.txt"
#define COLLECTOR_ELF_FILE	"ap_minidump.elf"
#define COLLECTOR_IMEM_SIZE	4096u
/* The KASLR record in the shared IMEM (Qualcomm's store_kaslr_offset()). */
#define COLLECTOR_KASLR_OFF	0x6d0u
#define COLLECTOR_KASLR_MAGIC	0xdead4eadu
/* A dump_info.txt larger than this is refused unread (ours: ~45 bytes). */
#define COLLECTOR_INFO_MAX	4096u
/* The two names the parser keeps; each listed at most once. */
#define COLLECTOR_MAX_FILES	2u

struct collector_file {
	char name[16];		/* COLLECTOR_IMEM_FILE or COLLECTOR_SMEM_FILE */
	uint64_t base;		/* guest physical address of the first byte */
	uint64_t size;
};

/*
 * dump_info.txt for files f[0..n): "1 0x%016x %u NAME\n" each, into
 * out[len] (NUL-terminated). The length, or 0 if it does not fit.
 */
size_t collector_info_text(char *out, size_t len,
			   const struct collector_file *f, unsigned int n);

/*
 * Parse a dump_info.txt of len bytes (hostile: any bytes). Every problem
 * is reported through problem(ctx, line, text) (line 0: the whole file);
 * the well-formed lines go to f[0..*n) (at most COLLECTOR_MAX_FILES).
 * Returns the number of problems. Linear in len.
 */
typedef void (*collector_problem_fn)(void *ctx, unsigned int line,
				     const char *text);
unsigned int collector_parse_info(const char *text, size_t len,
				  struct collector_file *f, unsigned int *n,
				  collector_problem_fn problem, void *ctx);

/*
 * The KASLR record at p[off..off+12) of len bytes, for people: "magic
 * 0xdead4ead, offset 0x..." or "no record (...)", into out[outlen].
 */
void collector_kaslr_line(const uint8_t *p, size_t len, size_t off,
			  char *out, size_t outlen);

/* The capture's side (--shared-imem PA). */
enum collector_state {
	COLLECTOR_NONE,		/* no --shared-imem */
	COLLECTOR_READ,		/* read from guest RAM, not written yet */
	COLLECTOR_OK,		/* both files written */
	COLLECTOR_FAILED,	/* not read: neither file written */
};

struct collector {
	enum collector_state state;
	uint64_t base;		/* --shared-imem PA */
	uint64_t file_off;	/* its offset in the RAM file */
	uint8_t imem[COLLECTOR_IMEM_SIZE];
	char err[256];
};

/*
 * --shared-imem pa: the 4 KiB must lie in one guest RAM range of lay.
 * 0, or -1 with err (a usage error).
 */
int collector_setup(struct collector *c, const struct gpa_layout *lay,
		    uint64_t pa, char *err, size_t errlen);

/*
 * Copy the shared IMEM out of the RAM file into c (with the regions:
 * guest RAM is not read after). 0 or negative errno (state FAILED,
 * c->err says why). Nothing to do (0) without --shared-imem.
 */
int collector_read(struct collector *c, int ram_fd);

/*
 * Write MD_SHRDIMEM.BIN, then dump_info.txt, into the capture's private
 * directory. 0 (also with nothing read) or negative errno: the capture
 * cannot be completed without them.
 */
int collector_write(struct collector *c, struct dump_dir *d);

/*
 * After dump.elf was written into the capture's private directory: link
 * it as ap_minidump.elf if the collector's files were written. 0 (also
 * with nothing to do) or negative errno (c->err says why; the files
 * already written stay, the state does not change).
 */
int collector_link_elf(struct collector *c, struct dump_dir *d,
		       const char *elf);

/*
 * mdfw elf --dir DIR wrote a new DIR/dump.elf (elf: its name in dfd):
 * if DIR has an ap_minidump.elf (a capture's), make it the new file too,
 * so that the parser never reads a stale core: a link under a temporary
 * name renamed over it (the entry is replaced, never followed), then the
 * directory fsync()ed. 0 (also with no ap_minidump.elf) or negative
 * errno.
 */
int collector_relink_elf(int dfd, const char *elf);

/*
 * The lines about it: for manifest.tsv's comments ("shared_imem: ...",
 * empty without --shared-imem) and capture.txt's keys (shared_imem=
 * ok|failed|none, or skipped if the table was unusable and nothing was
 * dumped; shared_imem_base=, shared_imem_error=).
 */
void collector_manifest_line(const struct collector *c, char *out,
			     size_t len);
void collector_capture_keys(const struct collector *c, FILE *f);

/*
 * mdfw info [--check] DIR, DIR a capture directory (one holding
 * manifest.tsv): dump_info.txt against the files it lists (regular, not
 * links, sizes equal, only the two names, each once, MD_SHRDIMEM.BIN
 * covering the KASLR record), no collector file left unlisted; then
 * DIR/dump.elf, if any, as 'mdfw info' does. The exit code (0, 2, 3), or
 * -1 if path is not a capture directory (the caller treats it as a file).
 */
int collector_info_dir(const char *path, bool check, FILE *out);

#endif /* MDFW_COLLECTOR_H */
