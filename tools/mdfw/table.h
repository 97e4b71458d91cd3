/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Qualcomm minidump table: layout, constants and a validating parser.
 *
 * The parser is pure: it reads guest memory only through the two callbacks
 * in struct md_source (so unit tests can feed crafted byte arrays), copies
 * the table once into host memory and validates that snapshot, so a guest
 * that is still running (or hostile) cannot change what was checked.
 */
#ifndef MDFW_TABLE_H
#define MDFW_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gpa.h"

/* Little-endian, naturally aligned; offsets checked in table.c. */
#define MD_NAME_LEN		16
#define MD_REGION_SIZE		40
#define MD_REGION_NAME		0
#define MD_REGION_SEQ		16
#define MD_REGION_VALID		20
#define MD_REGION_ADDR		24
#define MD_REGION_SIZEF		32

#define MD_SUBSYS_SIZE		32
#define MD_SS_STATUS		0
#define MD_SS_ENABLED		4
#define MD_SS_ENC_STATUS	8
#define MD_SS_ENC_REQUIRED	12
#define MD_SS_REGION_COUNT	16
#define MD_SS_BASEPTR		24

#define MD_NUM_SUBSYS		10
#define MD_TOC_SIZE		336
#define MD_TOC_STATUS		0
#define MD_TOC_REVISION		4
#define MD_TOC_ENABLED		8
#define MD_TOC_SUBSYS		16

#define MD_SUBSYS_APSS		0

#define MD_REGION_VALID_MAGIC	0x56414C49u	/* 'VALI' */
#define MD_REGION_INVALID_MAGIC	0x494E5641u	/* 'INVA' */
#define MD_ENABLED_MAGIC	0x454E424Cu	/* 'ENBL' */
#define MD_ENC_NOTREQ		0x00004E52u	/* 'NR' */
#define MD_ENC_DONE		0x444F4E45u	/* 'DONE' */
#define MD_REVISION		1u
#define MD_TOC_STATUS_INIT	1u
#define MD_SS_STATUS_INIT	1u

/* Absolute cap on examined entries, whatever region_count claims. */
#define MD_MAX_REGIONS		1024u

enum md_status {
	MD_ST_OK,
	MD_ST_HOLE,		/* INVA marker: removed entry, skipped */
	MD_ST_BAD_MARKER,	/* neither VALI nor INVA */
	MD_ST_BAD_NAME,		/* empty, unterminated or bad characters */
	MD_ST_EMPTY,		/* size 0 */
	MD_ST_OVERFLOW,		/* address + size wraps */
	MD_ST_OUT_OF_RAM,	/* not entirely inside one guest RAM range */
	MD_ST_DUPLICATE,	/* (name, seq) already accepted, ignoring case */
	MD_ST_TOO_LARGE,	/* would exceed the total dump size cap */
	MD_ST_IO_ERROR,		/* set by the dumper: copying failed */
};

struct md_entry {
	uint32_t index;
	uint8_t raw_name[MD_NAME_LEN];
	char name[MD_NAME_LEN + 1];	/* NUL-terminated copy if name is good */
	uint32_t seq;
	uint32_t valid;
	uint64_t addr;
	uint64_t size;
	enum md_status status;
	uint32_t other;		/* DUPLICATE: index of the earlier entry */
	bool case_only;		/* DUPLICATE: the names differ in case only */
	/* A CPU-set name (md_cpuset_name()): a region if the header has it. */
	bool cpuset;
	uint64_t file_off;	/* OK: offset in the RAM file */
};

/* Where the region array was found. */
enum md_where {
	MD_IN_NONE,
	MD_IN_SHM,
	MD_IN_RAM,
};

struct md_source {
	const struct gpa_layout *ram;
	uint64_t shm_size;		/* bytes readable through read_shm */
	bool bar2_known;		/* guest physical address of BAR 2 known? */
	uint64_t bar2;
	/* What read_shm reads, for messages; NULL: "the ivshmem BAR". */
	const char *shm_what;
	uint64_t max_total;		/* cap on accepted bytes; 0: RAM size */
	uint32_t max_regions;		/* 0: MD_MAX_REGIONS */
	/* Read len bytes at offset; return 0 or a negative errno. */
	int (*read_shm)(void *ctx, uint64_t off, void *buf, size_t len);
	int (*read_ram)(void *ctx, uint64_t off, void *buf, size_t len);
	void *ctx;
};

struct md_table {
	/* Subsystem 0 (APSS) header as read. */
	uint32_t ss_status;
	uint32_t ss_enabled;
	uint32_t enc_status;
	uint32_t enc_required;
	uint32_t region_count;
	uint64_t baseptr;

	enum md_where where;
	uint64_t array_off;	/* offset of the array in the shm or RAM file */
	uint32_t capacity;	/* entries that fit there (after the cap) */
	bool truncated;		/* region_count > capacity: tail ignored */
	bool odd_enc_status;	/* encryption_status neither 0 nor DONE */

	uint32_t n;		/* entries examined: min(region_count, capacity) */
	struct md_entry *entries;

	uint32_t n_ok;
	uint32_t n_holes;
	uint32_t n_bad;
	uint64_t total_bytes;	/* sum of sizes of OK entries */
};

/*
 * Read and validate the table. Returns 0 (t filled; entries may still be
 * bad, see n_bad/truncated), MDFW_EXIT_TABLE (no usable table; reason in
 * err) or MDFW_EXIT_IO (a read callback failed or out of memory). On
 * non-zero return *t holds nothing that needs freeing.
 */
int md_table_read(const struct md_source *src, struct md_table *t,
		  char *err, size_t errlen);
void md_table_free(struct md_table *t);

/* Stable status keyword, as used in manifest.tsv. */
const char *md_status_str(enum md_status st);
/* Is this status a problem (counts as "bad", exit code 4)? */
bool md_status_is_bad(enum md_status st);
/* Human-readable reason for a bad entry, for stderr. */
void md_entry_describe(const struct md_entry *e, char *out, size_t len);

#define MD_NAME_ESC_LEN (MD_NAME_LEN * 4 + 1)
/*
 * Printable form of a raw name field: up to the first NUL (or all 16
 * bytes), bytes outside [A-Za-z0-9_-] as \xNN. Never contains tab/newline.
 */
void md_name_escape(const uint8_t raw[MD_NAME_LEN], char out[MD_NAME_ESC_LEN]);

/*
 * CPU-set entries (README "CPU sets"): each followed CPU's current task
 * is published lock-free as entries named KTASK<c> (the task_struct) and
 * KSTACK<c>_<i> (stack chunk i), seq_num = the set (0 or 1), which the
 * kernel's ELF header does not describe. They are recognised by their
 * name: ^KTASK[0-9]{1,4}$ and ^KSTACK[0-9]{1,4}_[0-9]{1,4}$, unless the
 * header describes the entry (mdelf_mark_regions()): at panic the kernel
 * registers each CPU's current task and stack as regions under these
 * names, seq 0. Like any entries, they may overlap each other and
 * ordinary entries (a migrated task is in two CPUs' sets).
 */
enum md_cpuset_kind {
	MD_CPUSET_NONE,		/* an ordinary entry */
	MD_CPUSET_TASK,		/* KTASK<c> */
	MD_CPUSET_STACK,	/* KSTACK<c>_<i> */
};

/*
 * The kind of the entry named name (NUL-terminated); for a CPU-set entry
 * *cpu and *chunk (0 for a task; either may be NULL) get c and i, and
 * *canonical (may be NULL) whether both are written without a leading
 * zero (only then is the entry the KTASK<c>/KSTACK<c>_<i> of CPU c).
 */
enum md_cpuset_kind md_cpuset_name(const char *name, uint32_t *cpu,
				   uint32_t *chunk, bool *canonical);

/* The TOC the firmware writes before the guest boots. */
void md_toc_init_bytes(uint8_t toc[MD_TOC_SIZE]);

#endif /* MDFW_TABLE_H */
