/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every CPU's registers at the freeze, as the firmware saw them.
 *
 * At capture time mdfw asks QEMU for a one-page dump-guest-memory ELF
 * (cpucap.c); its notes hold one NT_PRSTATUS per vCPU (name "CORE",
 * struct elf_prstatus of x86-64, 336 bytes, pr_pid = cpu + 1) and QEMU's
 * own CPU-state notes. mdfw keeps the NT_PRSTATUS notes, in CPU order, as
 * the file cpu_regs.notes (raw ELF notes, nothing else) next to the
 * region files, and merges them into dump.elf's PT_NOTE: for each CPU,
 * the kernel's NT_PRSTATUS (from the KELF_HEADER region) when the kernel
 * saved registers there (non-zero pr_reg: the panic path's crash notes),
 * else the firmware's. A note named "MDFW" (type CPUREGS_NT_SOURCE) then
 * records each CPU's source, one byte per CPU: 'k' kernel, 'f' firmware
 * (QEMU), '-' none (all zero).
 *
 * Two architectures: x86-64 (struct elf_prstatus of 336 bytes, pr_reg =
 * user_regs_struct, 27 registers) and aarch64 (392 bytes, pr_reg = 34
 * registers: x0..x30, sp, pc, pstate). Both put pr_pid at 32 and pr_reg at
 * 112; a set of notes is one architecture, the ELF header's e_machine.
 *
 * Everything parsed here is untrusted (QEMU's file lies in a directory
 * others may write; the kernel's notes come from a crashed guest): every
 * size and count is bounded, nothing is read outside its buffer.
 */
#ifndef MDFW_CPUREGS_H
#define MDFW_CPUREGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scan.h"

#define CPUREGS_FILE		"cpu_regs.notes"
#define CPUREGS_MAX_CPUS	4096
/* QEMU's one-page ELF: headers, 2 notes per vCPU (< 1 KiB), one page. */
#define CPUREGS_MAX_QEMU_ELF	(16u << 20)
#define CPUREGS_PR_PID_OFF	32
/*
 * pr_pids no task has (PID_MAX_LIMIT is 4 Mi), so that every CPU is its
 * own gdb thread (LWP): CPUREGS_PID_SYNTH + cpu for an idle CPU (every
 * idle task has pid 0), CPUREGS_PID_CLASH + cpu for a CPU whose pid
 * another CPU holds. Never shown bare: cpuregs_pid_name() says what they
 * are ("idle (swapper/1)"), tools/gdb/kmemdump-threads.py names gdb's
 * threads so.
 */
#define CPUREGS_PID_SYNTH	0x400000u
#define CPUREGS_PID_CLASH	(CPUREGS_PID_SYNTH + CPUREGS_MAX_CPUS)
#define CPUREGS_PR_REG_OFF	112
/* The largest struct elf_prstatus of the architectures below. */
#define CPUREGS_MAX_PRSTATUS	392
/* One "CORE" NT_PRSTATUS note: 12-byte header, "CORE\0" padded, desc. */
#define CPUREGS_NOTE_SIZE(a)	(12 + 8 + (a)->prstatus_size)
#define CPUREGS_MAX_NOTE_SIZE	(12 + 8 + CPUREGS_MAX_PRSTATUS)

/* What differs between the architectures' NT_PRSTATUS. */
struct cpuregs_arch {
	uint16_t machine;	/* e_machine: EM_X86_64, EM_AARCH64 */
	const char *name;	/* "x86-64", "aarch64" */
	uint32_t prstatus_size;	/* sizeof(struct elf_prstatus) */
	uint32_t pr_reg_size;	/* sizeof(elf_gregset_t) */
	unsigned int pc_index;	/* in pr_reg: rip / pc */
	unsigned int sp_index;	/* rsp / sp */
	const char *pc_name, *sp_name;
};

extern const struct cpuregs_arch cpuregs_x86_64, cpuregs_aarch64;
/* The architecture of e_machine, or NULL if mdfw does not know it. */
const struct cpuregs_arch *cpuregs_arch_of(uint16_t machine);
#define CPUREGS_SRC_NAME	"MDFW"
#define CPUREGS_NT_SOURCE	1

/* Register sources, as in the MDFW note. */
#define CPUREGS_SRC_KERNEL	'k'
#define CPUREGS_SRC_FIRMWARE	'f'
#define CPUREGS_SRC_NONE	'-'

/* The firmware's registers: n descriptors of arch's size, CPU order. */
struct cpuregs {
	uint32_t n;
	const struct cpuregs_arch *arch;
	uint8_t *desc;		/* n * arch->prstatus_size, malloc()ed */
};

void cpuregs_free(struct cpuregs *r);

/* One ELF note of a PT_NOTE segment. Pointers point into the segment. */
struct cpuregs_note {
	size_t off, end;	/* [off, end): the note with its padding */
	uint32_t namesz, descsz, type;
	const uint8_t *name, *desc;
};

/*
 * A walk over the notes of p[0, len). Its zero-padding test remembers what
 * it has seen (scan.h), so a walk examines each byte at most once more
 * than the notes themselves: linear also on a run of all-zero headers.
 */
struct cpuregs_walk {
	const uint8_t *p;
	size_t len, off;
	struct scan_zero zero;
};

void cpuregs_walk_init(struct cpuregs_walk *w, const uint8_t *p, size_t len);

/*
 * The note at w->off: 1 (and w->off moves past it), 0 at the end (no
 * bytes left, or only zero padding), -1 if malformed (err says why).
 */
int cpuregs_note_next(struct cpuregs_walk *w, struct cpuregs_note *n,
		      char *err, size_t errlen);

/* A "CORE" NT_PRSTATUS note of arch's size? */
bool cpuregs_is_prstatus(const struct cpuregs_note *n,
			 const struct cpuregs_arch *a);
/* Its pr_reg is not all zero (someone saved registers there). */
bool cpuregs_has_regs(const uint8_t *desc, const struct cpuregs_arch *a);
uint64_t cpuregs_reg(const uint8_t *desc, const struct cpuregs_arch *a,
		     unsigned int index);
uint32_t cpuregs_pid(const uint8_t *desc);

/*
 * QEMU's dump-guest-memory ELF p[0, len): take its "CORE" NT_PRSTATUS
 * notes (ELF64 LE ET_CORE, EM_X86_64 or EM_AARCH64, which sets r->arch;
 * notes of every PT_NOTE inside the
 * file, the PT_NOTEs together at most the file's size (no bytes walked
 * twice); pr_pid must be 1, 2, ... in order, as QEMU writes cpu_index + 1;
 * at most CPUREGS_MAX_CPUS; an NT_PRSTATUS of another size is an error;
 * other notes are ignored). 0, or -1 with err.
 */
int cpuregs_from_qemu_elf(const uint8_t *p, size_t len, struct cpuregs *r,
			  char *err, size_t errlen);

/*
 * The bytes of cpu_regs.notes for r: r->n "CORE" NT_PRSTATUS notes
 * (r->n * CPUREGS_NOTE_SIZE(r->arch) bytes). *out is malloc()ed. 0 or -1
 * (memory).
 */
int cpuregs_encode(const struct cpuregs *r, uint8_t **out, size_t *len);

/*
 * Parse cpu_regs.notes strictly: only "CORE" NT_PRSTATUS notes of a's
 * size, pr_pid 1, 2, ..., at least 1 and at most CPUREGS_MAX_CPUS. 0, or
 * -1 with err.
 */
int cpuregs_parse_file(const uint8_t *p, size_t len,
		       const struct cpuregs_arch *a, struct cpuregs *r,
		       char *err, size_t errlen);

/*
 * dump.elf's notes: the kernel's PT_NOTE bytes k[0, klen) merged with the
 * firmware's registers fw (of fw->arch, the kernel's architecture). CPU i
 * (the i-th "CORE" NT_PRSTATUS of that size in the kernel's notes) keeps the kernel's note if its pr_reg is non-zero,
 * else gets fw's CPU i if there is one; fw's CPUs beyond the kernel's are
 * appended; every pr_pid is set to cpu + 1 (QEMU's numbering; gdb makes
 * one thread per pr_pid, and the kernel writes 0 for an idle CPU, the
 * task's pid otherwise). Output: the NT_PRSTATUS notes in CPU order, the MDFW source
 * note, then the kernel's other notes in their order (NT_PRPSINFO,
 * VMCOREINFO, ...). *out is malloc()ed; src (may be NULL) gets the
 * source string ("kf-..."), of at most CPUREGS_MAX_CPUS + 1 bytes.
 * 0, or -1 with err (malformed kernel notes, too many CPUs, fw of another
 * architecture than a, memory).
 */
int cpuregs_merge(const uint8_t *k, size_t klen, const struct cpuregs_arch *a,
		  const struct cpuregs *fw, uint8_t **out, size_t *outlen, char *src, size_t srclen,
		  char *err, size_t errlen);

/*
 * The stacks each CPU's tasks run on, from the CPU sets (cpusets.h), to
 * pick pr_pid by the CPU's stack pointer: st[2 * cpu + k], k = 0 the
 * CPU's newest usable set, k = 1 its other one; len 0: none.
 */
struct cpuregs_stack {
	uint64_t lo, len;	/* [lo, lo + len), not wrapping */
	uint32_t pid;
};

struct cpuregs_stacks {
	uint32_t ncpus;
	const struct cpuregs_stack *st;	/* 2 * ncpus */
};

/*
 * cpuregs_merge() with the pid rule of the CPU sets: for CPU i whose
 * chosen note has registers and whose stack pointer (rsp, sp) lies in
 * one of stk's stacks of CPU i (the newest set first), that set's pid is
 * written; then, as in cpuregs_merge(), a pid of 0 becomes
 * CPUREGS_PID_SYNTH + i, and a pid that another CPU holds with authority
 * (its kernel note's registers, or its stack pointer in a set; the
 * kernel's notes with registers alone, without CPU sets)
 * CPUREGS_PID_CLASH + i. fw and stk
 * may be NULL. *matched (may be NULL) gets the number of CPUs whose pid
 * came from a set.
 */
int cpuregs_merge_stacks(const uint8_t *k, size_t klen,
			 const struct cpuregs_arch *a, const struct cpuregs *fw,
			 const struct cpuregs_stacks *stk, uint8_t **out,
			 size_t *outlen, char *src, size_t srclen,
			 uint32_t *matched, char *err, size_t errlen);

/*
 * The MDFW source note of a PT_NOTE segment: its descriptor (one byte per
 * CPU, not NUL-terminated) and length, or NULL if there is none. Stops
 * quietly at a malformed note.
 */
const uint8_t *cpuregs_find_source(const uint8_t *p, size_t len,
				   size_t *srclen);

/* "kernel", "firmware (QEMU)", "none", or "?" for a source byte. */
const char *cpuregs_source_word(uint8_t c);

/*
 * What CPU cpu's pr_pid means, for a person, in buf (len bytes, at least
 * 1): "idle (swapper/<cpu>)" for pid 0 (the kernel's notes as they are)
 * and CPUREGS_PID_SYNTH + cpu, "pid unknown (another CPU's)" for
 * CPUREGS_PID_CLASH + cpu, else "pid <pid>". Returns buf.
 */
const char *cpuregs_pid_name(uint32_t pid, uint32_t cpu, char *buf,
			     size_t len);

/*
 * The manifest.tsv comment line (without "# ") that lists cpu_regs.notes:
 * "cpu_regs: file cpu_regs.notes, N CPUs, B bytes, from QEMU
 * dump-guest-memory". cpuregs_manifest_find() looks for it in the
 * manifest's text (NUL-terminated): 1 and N, B if found, 0 if absent, -1
 * if such a line is malformed.
 */
#define CPUREGS_MANIFEST_KEY	"cpu_regs: file " CPUREGS_FILE ", "
void cpuregs_manifest_line(char *out, size_t len, uint32_t ncpus,
			   uint64_t bytes);
int cpuregs_manifest_find(const char *text, uint32_t *ncpus, uint64_t *bytes);

#endif /* MDFW_CPUREGS_H */
