/* SPDX-License-Identifier: GPL-2.0 */
/*
 * (Named mdelf.h, not elf.h: with -I. an elf.h here would shadow glibc's.)
 *
 * The ELF core header that kmemdump keeps as the region "KELF_HEADER"
 * (md_KELF_HEADER.BIN), and assembling dump.elf from a dump directory.
 *
 * md_KELF_HEADER.BIN (size H) holds (layout v3, Qualcomm's minidump ELF):
 * Elf64_Ehdr (ET_CORE, EM_X86_64 or EM_AARCH64), e_phnum = 1 + nloads
 * program headers at offset 64: phdr[0] PT_NOTE whose data are the last
 * p_filesz bytes of the region, phdr[1..] one PT_LOAD per physically
 * contiguous chunk of every other registered region, p_offset as if the
 * md files were concatenated after the header in table order. Then, at
 * e_shoff, e_shnum = 4 + nloads section headers (e_shstrndx 1): [0] null,
 * [1] "STR_TBL" (SHT_STRTAB, the string table of all section names),
 * [2] "minidump_table", [3] "linux_banner" (sh_addr its VA, no bytes),
 * [4 + i] names PT_LOAD 1 + i (same sh_addr/p_vaddr, sh_offset/p_offset,
 * sh_size/p_filesz). A load's section name is its region name N for seq
 * 0, "N@S" for seq S > 0 (N is [A-Za-z0-9_]{1,15}: '@' cannot be in it);
 * its bytes are the md file md_<section name>.BIN. No name appears twice.
 * The generation (one more with every update the kernel publishes) is the
 * le64 of the first note "KMEMDUMP" type 1 in the PT_NOTE.
 *
 * Protocol v2 consistency rule (mdelf_check()): the valid table entries in
 * table order, CPU-set entries (KTASK<c>, KSTACK<c>_<i>: table.h) skipped
 * unless the header describes them (mdelf_mark_regions(): then they are
 * regions), are KELF_HEADER seq 0, then one entry per PT_LOAD in PT_LOAD
 * order with the same name and seq, address == p_paddr, size ==
 * p_filesz; PT_LOAD 1's p_offset is the KELF_HEADER entry's size and each
 * next one the previous p_offset + p_filesz. The CPU sets' PT_LOADs are mdfw's
 * (cpusets.h): dump.elf has them after the header's.
 *
 * Everything in it is untrusted: parsed with bounds-checked readers only.
 */
#ifndef MDFW_MDELF_H
#define MDFW_MDELF_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuregs.h"

#define MDELF_HDR_FILE		"md_KELF_HEADER.BIN"
#define MDELF_OUT_FILE		"dump.elf"
#define MDELF_NAME_LEN		16	/* region name, NUL included */
/* "<name>@<seq>" + NUL: 15 + 1 + 10 + 1 */
#define MDELF_SECNAME_LEN	27
/* Sections before the loads' ones, and their names (all reserved). */
#define MDELF_SEC_FIXED		4
#define MDELF_SEC_STRTAB	"STR_TBL"
#define MDELF_SEC_TABLE		"minidump_table"
#define MDELF_SEC_BANNER	"linux_banner"
/* STR_TBL's first bytes: "\0STR_TBL\0minidump_table\0linux_banner\0". */
#define MDELF_STR_FIXED		37
/* STR_TBL ends in at least this many NULs (Qualcomm's parser needs 4). */
#define MDELF_STR_TAIL		8
/* The generation note: name, type, descriptor (le64) size. */
#define MDELF_GEN_NOTE		"KMEMDUMP"
#define MDELF_GEN_TYPE		1
#define MDELF_GEN_SIZE		8
#define MDELF_HDR_NAME		"KELF_HEADER"
/* Refuse header regions (and notes/name areas of cores) above this. */
#define MDELF_MAX_HDR		(64u << 20)
/* mdfw info: cap on the notes of all PT_NOTE segments together. */
#define MDELF_MAX_NOTES_TOTAL	(64u << 20)
/* manifest.tsv larger than this is not ours. */
#define MDELF_MAX_MANIFEST	(1u << 20)

/* One PT_LOAD, with its section's name split into name and seq. */
struct mdelf_load {
	char name[MDELF_NAME_LEN];	/* "" if no section headers */
	uint32_t seq;
	uint64_t offset, vaddr, paddr, filesz, memsz;
	uint32_t flags;
};

/*
 * A section of dump.elf after the ones naming the PT_LOADs: a 4 KiB page
 * of a CPU's running stack kept in one chunk, KSTACK<c>_<i> (i >= 1) in
 * PT_LOAD KSTACK<c>_0, for readers that find a stack page by name.
 */
struct mdelf_alias {
	char name[MDELF_NAME_LEN];
	uint32_t load;		/* the added PT_LOAD it is part of */
	uint64_t off, size;	/* inside that load */
};

/* The PT_LOADs mdfw adds to the header's (the CPU sets'), and aliases. */
struct mdelf_extra {
	const struct mdelf_load *loads;
	const uint32_t *sec_seq;	/* per load its section's seq; NULL:
					 * the load's seq */
	uint32_t n;
	const struct mdelf_alias *alias;
	uint32_t nalias;
};

/* What the notes hold. Pointers point into the parsed buffer. */
struct mdelf_notes {
	unsigned int n_notes;
	unsigned int n_prstatus;	/* "CORE" NT_PRSTATUS */
	unsigned int n_prstatus_regs;	/* ... with non-zero pr_reg */
	unsigned int n_prstatus_badsize;
	unsigned int n_prpsinfo;	/* "CORE" NT_PRPSINFO */
	unsigned int n_vmcoreinfo;	/* "VMCOREINFO" type 0 */
	unsigned int n_generation;	/* "KMEMDUMP" type 1, 8 bytes */
	unsigned int n_other;
	uint64_t generation;		/* of the first generation note */
	const char *vmcoreinfo;		/* text of the first one, not NUL-ended */
	size_t vmcoreinfo_len;
};

/* A parsed md_KELF_HEADER.BIN. */
struct mdelf_core {
	uint64_t hsize;			/* size of the header region */
	const struct cpuregs_arch *arch;	/* from e_machine */
	uint16_t phnum;
	uint64_t notes_off, notes_len;
	uint64_t shoff;			/* section headers */
	uint64_t stroff, strsize;	/* STR_TBL */
	uint64_t banner_vaddr;		/* linux_banner's sh_addr */
	uint64_t generation;		/* of the generation note */
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

/*
 * Parse a PT_NOTE segment's bytes; NT_PRSTATUS notes are expected of a's
 * size (others count as n_prstatus_badsize). 0, or -1 with err.
 */
int mdelf_parse_notes(const uint8_t *p, size_t len,
		      const struct cpuregs_arch *a, struct mdelf_notes *n,
		      char *err, size_t errlen);

/*
 * The section name of chunk seq of region name: "<name>" for seq 0,
 * "<name>@<seq>" otherwise (outlen >= MDELF_SECNAME_LEN). Its file is
 * md_<section name>.BIN, for the loads here and the table entries of
 * dump.c alike.
 */
void mdelf_seq_name(const char *name, uint32_t seq, char *out, size_t outlen);

/* mdelf_seq_name() of PT_LOAD l. */
void mdelf_section_name(const struct mdelf_load *l, char *out, size_t outlen);

/*
 * Split the section name s[0, len) (no NUL in it) into l->name and l->seq:
 * [A-Za-z0-9_]{1,15}, then optionally '@' and a decimal seq > 0 without a
 * leading zero that fits 32 bits; the name not a reserved one
 * (MDELF_SEC_*).
 * False if it is not of that form.
 */
bool mdelf_parse_section_name(const char *s, size_t len,
			      struct mdelf_load *l);

/*
 * The section-header fields of the ELF header eh[0, 64) for a core with
 * nloads PT_LOADs: 1 (*shoff set) if e_shentsize is 64, e_shnum 4 +
 * nloads (+ up to CPUSETS_MAX_ALIASES aliases after them if nalias is
 * not NULL: dump.elf, *nalias set) and e_shstrndx 1; 0 if the core has
 * no section headers (e_shoff and e_shnum 0: not a kmemdump core); -1
 * with err otherwise.
 */
int mdelf_ehdr_sections(const uint8_t *eh, uint32_t nloads, uint64_t *shoff,
			uint32_t *nalias, char *err, size_t errlen);

/*
 * Check dump.elf's aliases sh[0, 64 * nalias) (the sections after those
 * naming loads[0, nloads), mdelf_name_loads()) against STR_TBL str[0,
 * strsize): each SHT_PROGBITS, named KSTACK<c>_<i> (i >= 1) NUL-ended
 * inside STR_TBL, lying in the PT_LOAD named KSTACK<c>_0 (seq 0) at the
 * same distance from its p_vaddr as from its p_offset; no KSTACK<c>_<i>
 * twice among the loads (seq 0) and the aliases. 0, or -1 with err.
 * O((nloads + nalias) log), whatever the bytes.
 */
int mdelf_check_aliases(const uint8_t *sh, uint32_t nalias,
			const uint8_t *str, size_t strsize,
			const struct mdelf_load *loads, uint32_t nloads,
			char *err, size_t errlen);

int mdelf_strtab(const uint8_t *sh, size_t shlen, uint64_t *off,
		 uint64_t *size, char *err, size_t errlen);

/*
 * Name loads[0, nloads) (offset, vaddr and filesz set) from the section
 * headers sh[0, shlen) (shlen = 64 * (4 + nloads)) and STR_TBL's bytes
 * str[0, strsize): sections 1-3 named STR_TBL, minidump_table and
 * linux_banner (*banner gets linux_banner's sh_addr), STR_TBL ending in
 * MDELF_STR_TAIL NULs; section 4 + i SHT_PROGBITS with sh_addr ==
 * p_vaddr, sh_offset == p_offset and sh_size == p_filesz of loads[i], its
 * name NUL-terminated inside STR_TBL and a section name
 * (mdelf_parse_section_name()); no name twice. 0, or -1 with err. Work
 * O(nloads log nloads), whatever the bytes.
 */
int mdelf_name_loads(const uint8_t *sh, size_t shlen, const uint8_t *str,
		     size_t strsize, struct mdelf_load *loads, uint32_t nloads,
		     uint64_t *banner, char *err, size_t errlen);

/*
 * The value of KEY in vmcoreinfo text ("KEY=VALUE\n" lines): a pointer to
 * it and its length, or NULL.
 */
const char *mdelf_vmcoreinfo_get(const struct mdelf_notes *n, const char *key,
				 size_t *vlen);

/*
 * VMCOREINFO keys a kernel dump of machine needs for drgn/crash
 * (NULL-terminated): x86-64 needs NUMBER(phys_base); arm64 has none and
 * needs NUMBER(VA_BITS), NUMBER(kimage_voffset), NUMBER(PHYS_OFFSET).
 */
const char *const *mdelf_required_keys(uint16_t machine);

/* md_<section name>.BIN: md_<name>.BIN or md_<name>@<seq>.BIN */
void mdelf_file_name(const struct mdelf_load *l, char *out, size_t outlen);

/* A valid (VALI) table entry, as the consistency rule sees it. */
#define MDELF_TNAME_LEN		72	/* escaped name (\xNN) + NUL */
struct mdelf_tentry {
	uint32_t index;			/* in the table */
	char name[MDELF_TNAME_LEN];	/* printable form (manifest's) */
	uint32_t seq;
	uint64_t addr, size;
	bool ok;			/* accepted and dumped */
	uint64_t file_off;		/* ok: offset in the RAM file */
	/* CPU-set name, but the header describes it: a region. */
	bool hdr_region;
};

/*
 * The protocol v2 consistency rule (see the top of this file) for header c
 * and the valid table entries v[0, nv) in table order, CPU-set entries
 * (mdelf_is_cpuset(): call mdelf_mark_regions() first) skipped. 0 if it
 * holds, -1 with the first mismatch in err.
 */
int mdelf_check(const struct mdelf_core *c, const struct mdelf_tentry *v,
		uint32_t nv, char *err, size_t errlen);

/*
 * Mark (hdr_region) the entries of v[0, nv) (table order) that have a
 * CPU-set name but are regions of header c: after the first KELF_HEADER
 * seq 0 entry, an entry is the header's next PT_LOAD's if it has the
 * same name and seq (the kernel registers each CPU's current task and
 * stack under these names at panic). Other set-named entries stay CPU-set
 * entries. One pass, O(nv + nloads); clears the flag of all others.
 */
void mdelf_mark_regions(const struct mdelf_core *c, struct mdelf_tentry *v,
			uint32_t nv);

/* Is e a CPU-set entry: a CPU-set name (md_cpuset_name()), not marked? */
bool mdelf_is_cpuset(const struct mdelf_tentry *e);

/*
 * Reorder v[0, nv) stably: the entries the header describes first, the
 * CPU-set entries after them; *nord gets the count of the former. When
 * the rule holds, PT_LOAD k is then v[k + 1]. 0, or -1 (memory).
 */
int mdelf_cpusets_last(struct mdelf_tentry *v, uint32_t nv, uint32_t *nord);

/*
 * "header: generation G, N loads, consistent", or with inconsistency set,
 * "header: generation G: INCONSISTENT: <inconsistency>".
 */
void mdelf_header_line(char *out, size_t len, const struct mdelf_core *c,
		       const char *inconsistency);

/*
 * Read manifest.tsv from the dump directory dfd: the valid entries (status
 * neither invalid-marker nor bad-marker) in table order, ok set for those
 * dumped ("ok", file md_<name>[@<seq>].BIN). *v is malloc()ed. Returns 0,
 * MDFW_EXIT_TABLE if the manifest is malformed or MDFW_EXIT_IO if it
 * cannot be read, with err set.
 */
int mdelf_read_manifest(int dfd, struct mdelf_tentry **v, uint32_t *nv,
			char *err, size_t errlen);

struct mdelf_result {
	uint32_t nloads;	/* PT_LOADs in the header */
	uint32_t kept;		/* written */
	uint32_t dropped;	/* not dumped, md file missing or wrong size */
	uint32_t added;		/* PT_LOADs mdfw added (the CPU sets) */
	uint64_t load_bytes;	/* bytes of the kept and added PT_LOADs */
	uint64_t file_bytes;	/* size of the output file */
	uint64_t generation;
	bool too_large;		/* would exceed max_bytes: not written */
};

/* Where the bytes of the PT_LOADs come from. */
struct mdelf_source {
	/*
	 * Copy PT_LOAD l (l->filesz bytes) to out: k < c->nloads is the
	 * header's PT_LOAD k, c->nloads + j the added PT_LOAD j. 0 or -errno.
	 */
	int (*copy)(void *ctx, const struct mdelf_load *l, uint32_t k,
		    int out, uint8_t *buf, size_t buflen);
	void *ctx;
};

/*
 * The bytes from the md files of a capture directory (never followed:
 * O_NOFOLLOW, regular files of the expected size only), by the PT_LOAD's
 * or the entry's name and seq: md_<name>.BIN, md_<name>@<seq>.BIN.
 * mdelf_dir_copy() is a struct mdelf_source copy, mdelf_dir_read() a
 * cpusets_read_fn; their ctx a struct mdelf_dir_src.
 */
struct mdelf_dir_src {
	int dfd;
};
int mdelf_dir_copy(void *ctx, const struct mdelf_load *l, uint32_t k,
		   int out, uint8_t *buf, size_t buflen);
int mdelf_dir_read(void *ctx, const struct mdelf_tentry *e, uint8_t *buf,
		   size_t len);

/*
 * Write the ELF core of header c (region bytes hdr) as dump file oname in
 * the directory odfd: ELF header, program headers with recomputed offsets
 * (PT_NOTE, the header's PT_LOADs keep[k] in order, then the added
 * PT_LOADs x->loads: the CPU sets'; x may be NULL), section headers and
 * STR_TBL naming them all as the header does (offsets of this file;
 * linux_banner keeps the header's sh_addr; an added load's section
 * named with x->sec_seq), x's aliases after them, the notes notes[0, notes_len) (the
 * header's, generation note included, or them merged with the firmware's
 * CPU registers, cpuregs.h), then the PT_LOADs' bytes from src. Created
 * by out_open(): a temporary file fsync()ed, renamed, directory
 * fsync()ed; while out_defer_sync() (a
 * capture's private directory, synced at once) under its final name,
 * not synced here. If it would be larger than max_bytes
 * (UINT64_MAX: no cap), nothing is written and r->too_large is set.
 * Returns 0, or a negative errno (message printed).
 */
int mdelf_write_core_notes(const uint8_t *hdr, const struct mdelf_core *c,
			   const uint8_t *notes, size_t notes_len,
			   const bool *keep, const struct mdelf_extra *x,
			   const struct mdelf_source *src,
			   int odfd, const char *oname, uint64_t max_bytes,
			   struct mdelf_result *r);

/*
 * dump.elf's notes: the kernel's k[0, klen) merged with the firmware's
 * registers fw (may be NULL) and the pid rule of the CPU sets' stacks stk
 * (may be NULL): cpuregs_merge_stacks(). *out (malloc()ed) stays NULL,
 * the kernel's notes to be used as they are, if there is nothing to
 * merge: no firmware registers and no CPU whose stack pointer lies in a
 * set. src, srclen: the per-CPU sources, as in cpuregs_merge(). 0, or
 * -1 if fw could not be merged (warning printed; it is left out).
 */
int mdelf_merge_notes(const uint8_t *k, size_t klen,
		      const struct cpuregs_arch *a, const struct cpuregs *fw,
		      const struct cpuregs_stacks *stk, uint8_t **out,
		      size_t *outlen, char *src, size_t srclen);

struct cpusets_result;

/*
 * dump.elf's notes, and the CPU sets' PT_LOADs their stack pointers name:
 * header c's notes (in hdr) merged with fw (may be NULL) and the pid rule
 * of cs's stacks (mdelf_merge_notes(): *merged malloc()ed, or NULL when
 * the header's are used as they are); *notes, *len the notes to write;
 * then cpusets_place() on them. src, srclen as in mdelf_merge_notes().
 * 0; -1 if fw could not be merged (left out, warning printed); -2 out of
 * memory (message printed).
 */
int mdelf_notes_and_sets(const uint8_t *hdr, const struct mdelf_core *c,
			 const struct cpuregs *fw, struct cpusets_result *cs,
			 const struct mdelf_tentry *v, uint32_t nv,
			 uint8_t **merged, const uint8_t **notes, size_t *len,
			 char *src, size_t srclen);

/*
 * The firmware's CPU registers of a dump directory: cpu_regs.notes if
 * manifest.tsv lists it (a "# cpu_regs: ..." line) with the same size.
 * 1 (r filled), 0 (not listed), -1 (listed but missing, of the wrong size
 * or malformed: a warning is printed).
 */
struct cpuregs;
int mdelf_dir_cpuregs(int dfd, const char *src_path,
		      const struct cpuregs_arch *a, struct cpuregs *r);

/*
 * mdfw elf: assemble an ELF core from the dump directory src_dfd (path
 * src_path, for messages) as its manifest.tsv lists it: md_KELF_HEADER.BIN
 * and the md files of this capture's dumped entries; the consistency rule
 * must hold. Writes oname in odfd (see mdelf_write_core_notes()). Prints
 * the "header: ..." line on stdout (or on stderr if inconsistent);
 * warnings go to stderr.
 *
 * The CPU sets (cpusets.h) of the manifest's dumped entries whose md
 * files are there are added after the header's PT_LOADs ("cpu_sets: ..."
 * on stdout, a line per skipped set on stderr; never an exit code).
 *
 * Returns an mdfw exit code: 0 (all PT_LOADs written), 4 (written, some
 * dropped; or larger than max_bytes, not written), 5 (header and table
 * inconsistent: nothing written), 3 (header or manifest unusable: nothing
 * written), 2 (I/O error, including a missing md_KELF_HEADER.BIN or
 * manifest.tsv: nothing written). The firmware's CPU registers
 * (mdelf_dir_cpuregs()) are merged into the notes; listed but unusable,
 * they are left out with a warning (exit 4).
 */
int mdelf_from_dir(int src_dfd, const char *src_path, int odfd,
		   const char *oname, uint64_t max_bytes,
		   struct mdelf_result *r);

#endif /* MDFW_MDELF_H */
