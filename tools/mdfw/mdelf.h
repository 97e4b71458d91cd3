/* SPDX-License-Identifier: GPL-2.0 */
/*
 * (Named mdelf.h, not elf.h: with -I. an elf.h here would shadow glibc's.)
 *
 * The ELF core header that kmemdump keeps as the region "elf_header"
 * (md_elf_header.BIN), and assembling dump.elf from a dump directory.
 *
 * md_elf_header.BIN (size H) holds: Elf64_Ehdr (ET_CORE, EM_X86_64),
 * e_phnum = 1 + nloads program headers at offset 64: phdr[0] PT_NOTE whose
 * data are the last p_filesz bytes of the region, phdr[1..] one PT_LOAD per
 * physically contiguous chunk of every other registered region, p_offset
 * as if the md files were concatenated after the header in table order.
 * After the (reserved) phdr space, at an 8-byte aligned offset, a name
 * table: "KMDNAMES", le32 count (= nloads), le32 entsize (= 24), then per
 * PT_LOAD { char name[16]; le32 seq; le32 reserved } naming the md file
 * (md_<name>.BIN or md_<name>.<seq>.BIN) that holds the chunk's bytes.
 *
 * Everything in it is untrusted: parsed with bounds-checked readers only.
 */
#ifndef MDFW_MDELF_H
#define MDFW_MDELF_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MDELF_HDR_FILE		"md_elf_header.BIN"
#define MDELF_OUT_FILE		"dump.elf"
#define MDELF_NAMES_MAGIC	"KMDNAMES"
#define MDELF_NAMES_HDR		16	/* magic, le32 count, le32 entsize */
#define MDELF_NAMES_ENTSIZE	24
#define MDELF_NAME_LEN		16
/* Refuse header regions (and notes/name areas of cores) above this. */
#define MDELF_MAX_HDR		(64u << 20)

/* One PT_LOAD, with its name-table entry if there is one. */
struct mdelf_load {
	char name[MDELF_NAME_LEN];	/* "" if no name table */
	uint32_t seq;
	uint64_t offset, vaddr, paddr, filesz, memsz;
	uint32_t flags;
};

/* What the notes hold. Pointers point into the parsed buffer. */
struct mdelf_notes {
	unsigned int n_notes;
	unsigned int n_prstatus;	/* "CORE" NT_PRSTATUS */
	unsigned int n_prstatus_regs;	/* ... with non-zero pr_reg */
	unsigned int n_prstatus_badsize;
	unsigned int n_prpsinfo;	/* "CORE" NT_PRPSINFO */
	unsigned int n_vmcoreinfo;	/* "VMCOREINFO" type 0 */
	unsigned int n_other;
	const char *vmcoreinfo;		/* text of the first one, not NUL-ended */
	size_t vmcoreinfo_len;
};

/* A parsed md_elf_header.BIN. */
struct mdelf_core {
	uint64_t hsize;			/* size of the header region */
	uint16_t phnum;
	uint64_t notes_off, notes_len;
	uint64_t names_off;
	uint32_t nloads;
	struct mdelf_load *loads;	/* nloads entries, named */
	struct mdelf_notes notes;
	/* Non-fatal: first PT_LOAD whose p_offset is not H + sum, or -1. */
	long bad_offset_index;
};

/*
 * Parse and validate the header region p[0, len). On error returns -1 and
 * describes the problem in err. c->notes points into p.
 */
int mdelf_parse_header(const uint8_t *p, size_t len, struct mdelf_core *c,
		       char *err, size_t errlen);
void mdelf_core_free(struct mdelf_core *c);

/* Parse a PT_NOTE segment's bytes. 0, or -1 with err. */
int mdelf_parse_notes(const uint8_t *p, size_t len, struct mdelf_notes *n,
		      char *err, size_t errlen);

/*
 * Look for the name table in p[from, to) at 8-byte aligned offsets (from is
 * rounded up). Returns 1 and fills names/seqs of loads[0, nloads) and
 * *off if found and valid, 0 if there is no magic, -1 with err if a table
 * is there but invalid (wrong count or entry size, out of bounds, a name
 * that is not [A-Za-z0-9_-]{1,15}).
 */
int mdelf_find_names(const uint8_t *p, size_t len, size_t from, size_t to,
		     struct mdelf_load *loads, uint32_t nloads, uint64_t *off,
		     char *err, size_t errlen);

/*
 * The value of KEY in vmcoreinfo text ("KEY=VALUE\n" lines): a pointer to
 * it and its length, or NULL.
 */
const char *mdelf_vmcoreinfo_get(const struct mdelf_notes *n, const char *key,
				 size_t *vlen);

/* Keys a kernel dump needs for drgn/crash on x86-64. NULL-terminated. */
extern const char *const mdelf_required_keys[];

/* md_<name>.BIN or md_<name>.<seq>.BIN */
void mdelf_file_name(const struct mdelf_load *l, char *out, size_t outlen);

struct mdelf_result {
	uint32_t nloads;	/* PT_LOADs in the header */
	uint32_t kept;		/* written */
	uint32_t dropped;	/* md file missing or wrong size */
	uint64_t load_bytes;	/* bytes of the kept PT_LOADs */
	uint64_t file_bytes;	/* size of the output file */
};

/*
 * Assemble an ELF core from the dump directory open at src_dfd (path
 * src_path, for messages): md_elf_header.BIN and the md files it names.
 * Writes out_path (relative to the current directory unless absolute)
 * through a temporary file in the same directory, mode 0600, fsync()ed,
 * then renamed, and the directory fsync()ed. Warnings go to stderr.
 *
 * Returns an mdfw exit code: 0 (all PT_LOADs written), 4 (written, some
 * dropped), 3 (header unusable: nothing written), 2 (I/O error, including
 * a missing md_elf_header.BIN: nothing written).
 */
int mdelf_write_dump(int src_dfd, const char *src_path, const char *out_path,
		     struct mdelf_result *r);

#endif /* MDFW_MDELF_H */
