// SPDX-License-Identifier: GPL-2.0
/*
 * mdfw info [--check] FILE: what an ELF core (dump.elf, a concatenation of
 * md files, or a full QEMU dump) holds, and whether it is consistent.
 *
 * Only the ELF header, the program and section headers, the notes and the
 * string table STR_TBL are read; the file is untrusted and may be large.
 */
#include "info.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cpuregs.h"
#include "mdelf.h"
#include "scan.h"
#include "util.h"

struct seg {
	Elf64_Phdr ph;
	uint32_t index;		/* program header index */
};

/*
 * Kinds of problems. A hostile core can have 65535 bad program headers:
 * each kind is reported once, as its first message and a count.
 */
enum pk {
	PK_NOTE_RANGE, PK_NOTE_READ, PK_NOTE_PARSE, PK_NOTES_TOTAL, PK_NAMES,
	PK_TYPE, PK_MACHINE, PK_PHDR0, PK_NNOTES, PK_NOLOADS, PK_MEMSZ,
	PK_WRAP, PK_OUTSIDE, PK_IN_HEADERS, PK_OVERLAP, PK_BEFORE_NOTES,
	PK_VMCI_COUNT, PK_VMCI_KEYS, PK_NO_PRSTATUS, PK_PRSTATUS_SIZE, PK_OOM,
	PK_CPU_SRC, PK_GEN, PK_N
};

struct problem {
	unsigned long count;
	char first[384];
};

struct info {
	FILE *out;
	bool check;
	unsigned int failures;
	uint64_t fsize;
	uint64_t phend;		/* end of the program headers */
	uint16_t phnum, machine, type;
	const struct cpuregs_arch *arch;	/* x86-64 if e_machine unknown */
	struct seg *segs;
	struct mdelf_load *loads;	/* the PT_LOADs, in order */
	uint32_t nloads, nnotes_seg, nother_seg;
	bool have_names;	/* section headers name the PT_LOADs */
	uint32_t nalias;	/* dump.elf's KSTACK<c>_<i> page aliases */
	uint64_t stroff;	/* STR_TBL */
	uint8_t **note_bufs;
	struct mdelf_notes notes;	/* summed over PT_NOTEs */
	bool notes_ok;
	/* The CPUs: NT_PRSTATUS notes in order (the first CPUREGS_MAX_CPUS). */
	struct cpu_info {
		uint32_t pid;
		uint64_t rip, rsp;
		bool regs;
	} *cpus;
	uint32_t ncpus;
	uint8_t cpu_src[CPUREGS_MAX_CPUS];	/* the MDFW note's bytes */
	size_t cpu_src_len;
	bool have_cpu_src;
	struct problem problems[PK_N];
};

static void fail(struct info *in, enum pk kind, const char *fmt, ...)
	MDFW_PRINTF(3, 4);

/* Record a problem; print_problems() shows each kind once, counted. */
static void fail(struct info *in, enum pk kind, const char *fmt, ...)
{
	struct problem *p = &in->problems[kind];
	va_list ap;

	in->failures++;
	if (p->count++)
		return;
	va_start(ap, fmt);
	vsnprintf(p->first, sizeof(p->first), fmt, ap);
	va_end(ap);
}

static void print_problems(struct info *in)
{
	unsigned int k;

	for (k = 0; k < PK_N; k++) {
		const struct problem *p = &in->problems[k];

		if (p->count == 1)
			fprintf(in->out, "problem: %s\n", p->first);
		else if (p->count > 1)
			fprintf(in->out, "problem: %s (and %lu more like it)\n",
				p->first, p->count - 1);
	}
}

static bool get_le16(const struct mdfw_buf *b, size_t off, uint16_t *v)
{
	if (!buf_has(b, off, 2))
		return false;
	*v = (uint16_t)(b->p[off] | b->p[off + 1] << 8);
	return true;
}

/* The file-level parse; returns 0, or an exit code on a fatal problem. */
static int read_headers(struct info *in, int fd)
{
	uint8_t eh[sizeof(Elf64_Ehdr)];
	struct mdfw_buf b = { eh, sizeof(eh) };
	uint64_t phoff, phend;
	uint16_t phentsize;
	uint8_t *ph;
	uint32_t i;

	if (in->fsize < sizeof(eh) || pread_full(fd, eh, sizeof(eh), 0)) {
		msg("info: too short for an ELF header");
		return MDFW_EXIT_TABLE;
	}
	if (memcmp(eh, ELFMAG, SELFMAG) || eh[EI_CLASS] != ELFCLASS64 ||
	    eh[EI_DATA] != ELFDATA2LSB) {
		msg("info: not a little-endian ELF64 file");
		return MDFW_EXIT_TABLE;
	}
	get_le16(&b, offsetof(Elf64_Ehdr, e_type), &in->type);
	get_le16(&b, offsetof(Elf64_Ehdr, e_machine), &in->machine);
	in->arch = cpuregs_arch_of(in->machine);
	if (!in->arch)
		in->arch = &cpuregs_x86_64;
	buf_get_le64(&b, offsetof(Elf64_Ehdr, e_phoff), &phoff);
	get_le16(&b, offsetof(Elf64_Ehdr, e_phentsize), &phentsize);
	get_le16(&b, offsetof(Elf64_Ehdr, e_phnum), &in->phnum);
	if (in->phnum == PN_XNUM || phentsize != sizeof(Elf64_Phdr)) {
		msg("info: e_phentsize %u, e_phnum %u: unsupported", phentsize,
		    in->phnum);
		return MDFW_EXIT_TABLE;
	}
	phend = phoff + (uint64_t)in->phnum * sizeof(Elf64_Phdr);
	in->phend = phend;
	if (phoff < sizeof(Elf64_Ehdr) || phoff > in->fsize ||
	    phend > in->fsize) {
		msg("info: program headers [0x%" PRIx64 ", 0x%" PRIx64
		    ") outside the %" PRIu64 "-byte file", phoff, phend,
		    in->fsize);
		return MDFW_EXIT_TABLE;
	}
	ph = malloc(in->phnum * sizeof(Elf64_Phdr) + 1);
	in->segs = calloc(in->phnum + 1u, sizeof(*in->segs));
	in->loads = calloc(in->phnum + 1u, sizeof(*in->loads));
	if (!ph || !in->segs || !in->loads) {
		free(ph);
		msg("info: out of memory");
		return MDFW_EXIT_IO;
	}
	if (pread_full(fd, ph, in->phnum * sizeof(Elf64_Phdr), phoff)) {
		free(ph);
		msg("info: cannot read the program headers");
		return MDFW_EXIT_IO;
	}
	b.p = ph;
	b.len = in->phnum * sizeof(Elf64_Phdr);
	for (i = 0; i < in->phnum; i++) {
		size_t o = (size_t)i * sizeof(Elf64_Phdr);
		Elf64_Phdr *p = &in->segs[i].ph;

		buf_get_le32(&b, o + offsetof(Elf64_Phdr, p_type), &p->p_type);
		buf_get_le32(&b, o + offsetof(Elf64_Phdr, p_flags), &p->p_flags);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_offset),
			     &p->p_offset);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_vaddr), &p->p_vaddr);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_paddr), &p->p_paddr);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_filesz),
			     &p->p_filesz);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_memsz), &p->p_memsz);
		buf_get_le64(&b, o + offsetof(Elf64_Phdr, p_align), &p->p_align);
		in->segs[i].index = i;
		scan_count(sizeof(Elf64_Phdr));
		if (p->p_type == PT_LOAD) {
			struct mdelf_load *l = &in->loads[in->nloads++];

			l->offset = p->p_offset;
			l->vaddr = p->p_vaddr;
			l->paddr = p->p_paddr;
			l->filesz = p->p_filesz;
			l->memsz = p->p_memsz;
			l->flags = p->p_flags;
		} else if (p->p_type == PT_NOTE) {
			in->nnotes_seg++;
		} else {
			in->nother_seg++;
		}
	}
	free(ph);
	return 0;
}

static bool in_file(const struct info *in, uint64_t off, uint64_t len)
{
	return off <= in->fsize && len <= in->fsize - off;
}

/* The CPUs' NT_PRSTATUS notes and the MDFW source note of one PT_NOTE. */
static void read_cpus(struct info *in, const uint8_t *p, size_t len)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	const uint8_t *src;
	size_t sl = 0;

	if (!in->cpus)
		in->cpus = calloc(CPUREGS_MAX_CPUS, sizeof(*in->cpus));
	cpuregs_walk_init(&w, p, len);
	while (in->cpus && cpuregs_note_next(&w, &n, NULL, 0) > 0) {
		struct cpu_info *c = &in->cpus[in->ncpus];

		if (!cpuregs_is_prstatus(&n, in->arch) ||
		    in->ncpus >= CPUREGS_MAX_CPUS)
			continue;
		c->pid = cpuregs_pid(n.desc);
		c->regs = cpuregs_has_regs(n.desc, in->arch);
		c->rip = cpuregs_reg(n.desc, in->arch, in->arch->pc_index);
		c->rsp = cpuregs_reg(n.desc, in->arch, in->arch->sp_index);
		in->ncpus++;
	}
	src = cpuregs_find_source(p, len, &sl);
	if (src && !in->have_cpu_src) {
		in->have_cpu_src = true;
		in->cpu_src_len = sl > sizeof(in->cpu_src) ?
				  sizeof(in->cpu_src) : sl;
		memcpy(in->cpu_src, src, in->cpu_src_len);
	}
}

static void read_notes(struct info *in, int fd)
{
	uint64_t total = 0;
	uint32_t i, k = 0;
	char err[256];

	in->notes_ok = true;
	in->note_bufs = calloc(in->nnotes_seg + 1u, sizeof(*in->note_bufs));
	if (!in->note_bufs) {
		in->notes_ok = false;
		return;
	}
	for (i = 0; i < in->phnum; i++) {
		const Elf64_Phdr *p = &in->segs[i].ph;
		struct mdelf_notes n;
		uint8_t *buf;

		if (p->p_type != PT_NOTE)
			continue;
		if (!in_file(in, p->p_offset, p->p_filesz) ||
		    p->p_filesz > MDELF_MAX_HDR) {
			fail(in, PK_NOTE_RANGE, "PT_NOTE (phdr %" PRIu32
			     ") [0x%" PRIx64 ", +0x%" PRIx64 ") is outside "
			     "the file or too large", i, p->p_offset,
			     p->p_filesz);
			in->notes_ok = false;
			continue;
		}
		/*
		 * All notes together are capped too, not just each one: at
		 * 64 MiB, and at the file's size, so that the work stays
		 * linear in the file (PT_NOTEs over the same bytes overlap:
		 * they are not read again).
		 */
		if (p->p_filesz > MDELF_MAX_NOTES_TOTAL - total) {
			fail(in, PK_NOTES_TOTAL, "PT_NOTE (phdr %" PRIu32
			     "): the notes exceed %u MiB in total; not read",
			     i, MDELF_MAX_NOTES_TOTAL >> 20);
			in->notes_ok = false;
			continue;
		}
		if (p->p_filesz > in->fsize - total) {
			fail(in, PK_NOTES_TOTAL, "PT_NOTE (phdr %" PRIu32
			     "): the notes exceed the file's %" PRIu64
			     " bytes in total (PT_NOTEs overlap); not read", i,
			     in->fsize);
			in->notes_ok = false;
			continue;
		}
		total += p->p_filesz;
		buf = malloc(p->p_filesz + 1);
		if (!buf || pread_full(fd, buf, p->p_filesz, p->p_offset)) {
			free(buf);
			fail(in, PK_NOTE_READ, "PT_NOTE (phdr %" PRIu32
			     "): cannot read", i);
			in->notes_ok = false;
			continue;
		}
		in->note_bufs[k++] = buf;
		if (mdelf_parse_notes(buf, p->p_filesz, in->arch, &n, err,
				      sizeof(err))) {
			fail(in, PK_NOTE_PARSE, "PT_NOTE (phdr %" PRIu32 "): %s",
			     i, err);
			in->notes_ok = false;
			continue;
		}
		read_cpus(in, buf, (size_t)p->p_filesz);
		in->notes.n_notes += n.n_notes;
		in->notes.n_prstatus += n.n_prstatus;
		in->notes.n_prstatus_regs += n.n_prstatus_regs;
		in->notes.n_prstatus_badsize += n.n_prstatus_badsize;
		in->notes.n_prpsinfo += n.n_prpsinfo;
		in->notes.n_other += n.n_other;
		if (n.n_generation && !in->notes.n_generation)
			in->notes.generation = n.generation;
		in->notes.n_generation += n.n_generation;
		if (n.n_vmcoreinfo && !in->notes.n_vmcoreinfo) {
			in->notes.vmcoreinfo = n.vmcoreinfo;
			in->notes.vmcoreinfo_len = n.vmcoreinfo_len;
		}
		in->notes.n_vmcoreinfo += n.n_vmcoreinfo;
	}
}

/*
 * The PT_LOADs' names: section headers and STR_TBL (mdelf.h). Only they
 * are read (at most 64 KiB section headers, STR_TBL at most
 * MDELF_MAX_HDR), never the segments.
 */
static void read_names(struct info *in, int fd)
{
	uint8_t eh[sizeof(Elf64_Ehdr)], *sh = NULL, *str = NULL;
	uint64_t shoff = 0, stroff = 0, strsize = 0, banner = 0;
	uint32_t nalias = 0;
	size_t shlen, named;
	char err[256];
	int ret;

	if (pread_full(fd, eh, sizeof(eh), 0))
		return;
	ret = mdelf_ehdr_sections(eh, in->nloads, &shoff, &nalias, err,
				  sizeof(err));
	if (ret <= 0) {
		if (ret < 0)
			fail(in, PK_NAMES, "%s", err);
		return;
	}
	/* e_shnum is 16 bits: shlen < 4 MiB. */
	named = (size_t)(MDELF_SEC_FIXED + in->nloads) * sizeof(Elf64_Shdr);
	shlen = named + (size_t)nalias * sizeof(Elf64_Shdr);
	if (!in_file(in, shoff, shlen)) {
		fail(in, PK_NAMES, "section headers [0x%" PRIx64 ", +0x%zx) "
		     "are outside the file", shoff, shlen);
		return;
	}
	sh = malloc(shlen);
	if (!sh || pread_full(fd, sh, shlen, shoff)) {
		fail(in, PK_NAMES, "cannot read the section headers");
		goto out;
	}
	if (mdelf_strtab(sh, shlen, &stroff, &strsize, err, sizeof(err))) {
		fail(in, PK_NAMES, "%s", err);
		goto out;
	}
	if (!in_file(in, stroff, strsize) || strsize > MDELF_MAX_HDR) {
		fail(in, PK_NAMES, "%s [0x%" PRIx64 ", +0x%" PRIx64 ") is "
		     "outside the file or too large", MDELF_SEC_STRTAB, stroff,
		     strsize);
		goto out;
	}
	str = malloc((size_t)strsize + 1);
	if (!str || pread_full(fd, str, (size_t)strsize, stroff)) {
		fail(in, PK_NAMES, "cannot read %s", MDELF_SEC_STRTAB);
		goto out;
	}
	if (mdelf_name_loads(sh, named, str, (size_t)strsize, in->loads,
			     in->nloads, &banner, err, sizeof(err)) ||
	    mdelf_check_aliases(sh + named, nalias, str, (size_t)strsize,
				in->loads, in->nloads, err, sizeof(err))) {
		fail(in, PK_NAMES, "%s", err);
		goto out;
	}
	in->have_names = true;
	in->nalias = nalias;
	in->stroff = stroff;
out:
	free(sh);
	free(str);
}

/* ---- the report ------------------------------------------------------- */

static bool has_name(const struct info *in, const char *name, bool prefix)
{
	uint32_t i;

	for (i = 0; i < in->nloads; i++)
		if (prefix ? !strncmp(in->loads[i].name, name, strlen(name)) :
			     !strcmp(in->loads[i].name, name))
			return true;
	return false;
}

static void feature(struct info *in, const char *what, const char *const *need)
{
	char missing[256] = "";
	char have[256] = "";
	size_t ml = 0, hl = 0;

	for (; *need; need++) {
		size_t l = strlen(*need);
		bool prefix = l && (*need)[l - 1] == '*';
		char name[MDELF_NAME_LEN + 2];

		snprintf(name, sizeof(name), "%.*s", (int)(prefix ? l - 1 : l),
			 *need);
		if (has_name(in, name, prefix))
			hl += (size_t)snprintf(have + hl, sizeof(have) - hl,
					       "%s%s", hl ? " " : "", *need);
		else
			ml += (size_t)snprintf(missing + ml,
					       sizeof(missing) - ml, "%s%s",
					       ml ? " " : "", *need);
		if (hl >= sizeof(have))
			hl = sizeof(have) - 1;
		if (ml >= sizeof(missing))
			ml = sizeof(missing) - 1;
	}
	if (!ml)
		fprintf(in->out, "  %-16s yes  %s\n", what, have);
	else
		fprintf(in->out, "  %-16s no   missing %s\n", what, missing);
}

struct region_sum {
	const char *name;
	uint32_t first;		/* index of its first PT_LOAD */
	uint32_t chunks;
	uint64_t bytes;
};

static int cmp_by_name(const void *a, const void *b)
{
	const struct region_sum *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

static int cmp_by_first(const void *a, const void *b)
{
	const struct region_sum *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

/*
 * Bytes per region name, in order of first appearance. Sorting makes it
 * O(n log n): a core may have 65535 PT_LOADs.
 */
static void print_regions(struct info *in)
{
	struct region_sum *r;
	uint32_t i, n = 0;

	fprintf(in->out, "regions:\n  %-15s %6s %10s\n", "name", "chunks",
		"bytes");
	if (!in->have_names || !in->nloads)
		return;
	r = calloc(in->nloads, sizeof(*r));
	if (!r) {
		fail(in, PK_OOM, "out of memory");
		return;
	}
	for (i = 0; i < in->nloads; i++) {
		r[i].name = in->loads[i].name;
		r[i].first = i;
		r[i].chunks = 1;
		r[i].bytes = in->loads[i].filesz;
	}
	qsort(r, in->nloads, sizeof(*r), cmp_by_name);
	for (i = 0; i < in->nloads; i++) {
		if (n && !strcmp(r[n - 1].name, r[i].name)) {
			r[n - 1].chunks++;
			r[n - 1].bytes += r[i].bytes;
		} else {
			r[n++] = r[i];
		}
	}
	qsort(r, n, sizeof(*r), cmp_by_first);
	for (i = 0; i < n; i++)
		fprintf(in->out, "  %-15s %6" PRIu32 " %10" PRIu64 "\n",
			r[i].name, r[i].chunks, r[i].bytes);
	free(r);
}

/*
 * One line per CPU (NT_PRSTATUS in order) with where its registers came
 * from: mdfw's MDFW note says (kernel, firmware (QEMU), none); without it
 * (a core mdfw did not merge) only whether there are registers. Then the
 * task, from pr_pid: "pid N", or "idle (swapper/N)" for the synthetic
 * pid of an idle CPU (cpuregs_pid_name()), never that number.
 */
static void print_cpus(struct info *in)
{
	uint32_t i;

	fprintf(in->out, "cpus: %" PRIu32 " NT_PRSTATUS, register source %s\n",
		in->ncpus, in->have_cpu_src ? "recorded by mdfw" :
		"not recorded (no MDFW note: the kernel's notes as they are)");
	for (i = 0; i < in->ncpus; i++) {
		const struct cpu_info *c = &in->cpus[i];
		char who[48];
		const char *w;

		if (in->have_cpu_src)
			w = i < in->cpu_src_len ?
			    cpuregs_source_word(in->cpu_src[i]) : "?";
		else
			w = c->regs ? "registers" : "none";
		fprintf(in->out, "  cpu %-4" PRIu32 " %-16s %-18s", i, w,
			cpuregs_pid_name(c->pid, i, who, sizeof(who)));
		if (c->regs)
			fprintf(in->out, " %s 0x%016" PRIx64 " %s 0x%016"
				PRIx64, in->arch->pc_name, c->rip,
				in->arch->sp_name, c->rsp);
		fprintf(in->out, "\n");
	}
}

static void print_report(struct info *in, const char *path)
{
	static const char *const banner[] = { "banner", NULL };
	static const char *const uts[] = { "init_uts_ns", NULL };
	static const char *const klog[] = {
		"prb", "printk_rb*", "printk_descs", "printk_infos",
		"printk_text", NULL
	};
	/*
	 * Each CPU's current task and its stack: mdfw's CPU sets, or the
	 * kernel's regions of the same names at panic.
	 */
	static const char *const tasks[] = { "KTASK*", "KSTACK*", NULL };
	static const char *const keys[] = {
		"OSRELEASE", "PAGESIZE", "KERNELOFFSET",
		"SYMBOL(swapper_pg_dir)", "NUMBER(phys_base)", "SYMBOL(_stext)",
		"SYMBOL(init_uts_ns)", "SYMBOL(prb)", "NUMBER(VA_BITS)",
		"NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)", NULL
	};
	enum { ARM64_KEYS = 8 };	/* keys[8..10]: arm64's */
	uint64_t load_bytes = 0;
	uint32_t i;

	fprintf(in->out, "file: %s (%" PRIu64 " bytes)\n", path, in->fsize);
	fprintf(in->out, "elf: %s %s, %u program headers: %" PRIu32
		" PT_NOTE, %" PRIu32 " PT_LOAD, %" PRIu32 " other\n",
		in->type == ET_CORE ? "ET_CORE" : "not ET_CORE",
		cpuregs_arch_of(in->machine) ? in->arch->name :
		"not x86-64 or aarch64",
		in->phnum, in->nnotes_seg, in->nloads, in->nother_seg);
	if (in->have_names) {
		fprintf(in->out, "names: sections, %s at 0x%" PRIx64,
			MDELF_SEC_STRTAB, in->stroff);
		if (in->nalias)
			fprintf(in->out, "; aliases: %" PRIu32 " (KSTACK<c>_<i>, "
				"pages of running stacks kept in one chunk)",
				in->nalias);
		fputc('\n', in->out);
	} else
		fprintf(in->out, "names: none (no section headers naming the "
			"PT_LOADs: not a kmemdump minidump)\n");
	if (in->notes.n_generation)
		fprintf(in->out, "generation: %" PRIu64 "\n",
			in->notes.generation);
	else
		fprintf(in->out, "generation: none (no %s note)\n",
			MDELF_GEN_NOTE);
	fprintf(in->out, "loads:\n  %4s %-15s %4s %-18s %-18s %10s %s\n", "#",
		"name", "seq", "vaddr", "paddr", "size", "offset");
	for (i = 0; i < in->nloads; i++) {
		const struct mdelf_load *l = &in->loads[i];

		fprintf(in->out, "  %4" PRIu32 " %-15s %4" PRIu32
			" 0x%016" PRIx64 " 0x%016" PRIx64 " %10" PRIu64
			" 0x%" PRIx64 "\n", i + 1,
			in->have_names ? l->name : "-", l->seq, l->vaddr,
			l->paddr, l->filesz, l->offset);
		load_bytes += l->filesz;
	}
	fprintf(in->out, "notes: %u PRSTATUS (%u with registers), %u PRPSINFO,"
		" %u VMCOREINFO, %u other\n", in->notes.n_prstatus,
		in->notes.n_prstatus_regs, in->notes.n_prpsinfo,
		in->notes.n_vmcoreinfo, in->notes.n_other);
	for (i = 0; keys[i]; i++) {
		size_t vl;
		const char *v = mdelf_vmcoreinfo_get(&in->notes, keys[i], &vl);

		char esc[80 * 4 + 1];

		bool arm64 = in->machine == EM_AARCH64;

		/* The other architecture's keys: only if present. */
		if (!v && (arm64 ? !strcmp(keys[i], "NUMBER(phys_base)") :
			   keys[i] == keys[ARM64_KEYS] ||
			   keys[i] == keys[ARM64_KEYS + 1] ||
			   keys[i] == keys[ARM64_KEYS + 2]))
			continue;
		/* Guest text: no raw control characters to the terminal. */
		if (v)
			fprintf(in->out, "vmcoreinfo: %s=%s\n", keys[i],
				escape_bytes(v, vl > 80 ? 80 : vl, esc,
					     sizeof(esc)));
		else
			fprintf(in->out, "vmcoreinfo: %s missing\n", keys[i]);
	}

	print_cpus(in);
	fprintf(in->out, "features:\n");
	if (in->have_names) {
		feature(in, "banner", banner);
		feature(in, "uts", uts);
		feature(in, "kernel log", klog);
		feature(in, "running tasks", tasks);
	} else {
		fprintf(in->out, "  %-16s ?    no section names (a full dump "
			"has them all)\n", "regions");
	}
	if (in->notes.n_prstatus_regs)
		fprintf(in->out, "  %-16s yes  %u PRSTATUS notes with "
			"registers\n", "registers", in->notes.n_prstatus_regs);
	else
		fprintf(in->out, "  %-16s no   %s\n", "registers",
			in->notes.n_prstatus ? "PRSTATUS registers all zero" :
			"no PRSTATUS notes");
	fprintf(in->out, "  %-16s %s\n", "vmcoreinfo",
		in->notes.n_vmcoreinfo ? "yes" : "no");

	print_regions(in);
	fprintf(in->out, "total: %" PRIu64 " bytes: %" PRIu64 " in %" PRIu32
		" PT_LOADs, %" PRIu64 " headers, names and notes\n",
		in->fsize, load_bytes, in->nloads,
		in->fsize >= load_bytes ? in->fsize - load_bytes : 0);
}

/* ---- --check ------------------------------------------------------- */

static int cmp_off(const void *a, const void *b)
{
	const struct seg *x = a, *y = b;

	if (x->ph.p_offset != y->ph.p_offset)
		return x->ph.p_offset < y->ph.p_offset ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* The MDFW note, if any, must describe the NT_PRSTATUS notes. */
static void check_cpu_src(struct info *in)
{
	uint32_t i;

	if (!in->have_cpu_src)
		return;
	if (in->cpu_src_len != in->ncpus)
		fail(in, PK_CPU_SRC, "the MDFW register-source note names %zu "
		     "CPUs, but there are %" PRIu32 " NT_PRSTATUS notes",
		     in->cpu_src_len, in->ncpus);
	for (i = 0; i < in->ncpus && i < in->cpu_src_len; i++) {
		uint8_t c = in->cpu_src[i];
		bool regs = in->cpus[i].regs;

		if ((c == CPUREGS_SRC_KERNEL || c == CPUREGS_SRC_FIRMWARE) ?
		    !regs : c == CPUREGS_SRC_NONE ? regs : true)
			fail(in, PK_CPU_SRC, "cpu %" PRIu32 ": register source "
			     "0x%02x (%s) but its pr_reg is %s", i, c,
			     cpuregs_source_word(c), regs ? "set" : "all zero");
	}
}

static void run_checks(struct info *in)
{
	uint64_t phend = in->phend;
	struct seg *s;
	uint32_t i, n = 0;

	if (in->type != ET_CORE)
		fail(in, PK_TYPE, "e_type %u is not ET_CORE", in->type);
	if (!cpuregs_arch_of(in->machine))
		fail(in, PK_MACHINE, "e_machine %u is neither EM_X86_64 nor "
		     "EM_AARCH64", in->machine);
	if (!in->phnum || in->segs[0].ph.p_type != PT_NOTE)
		fail(in, PK_PHDR0, "program header 0 is not PT_NOTE (crash expects it)");
	if (in->nnotes_seg != 1)
		fail(in, PK_NNOTES, "%" PRIu32 " PT_NOTE segments, expected 1",
		     in->nnotes_seg);
	if (!in->nloads)
		fail(in, PK_NOLOADS, "no PT_LOAD segments");

	s = calloc(in->phnum + 1u, sizeof(*s));
	if (!s) {
		fail(in, PK_OOM, "out of memory");
		return;
	}
	for (i = 0; i < in->phnum; i++) {
		const Elf64_Phdr *p = &in->segs[i].ph;

		if (p->p_type == PT_LOAD && p->p_filesz != p->p_memsz)
			fail(in, PK_MEMSZ, "PT_LOAD (phdr %" PRIu32 "): p_filesz 0x%"
			     PRIx64 " != p_memsz 0x%" PRIx64, i, p->p_filesz,
			     p->p_memsz);
		if (p->p_type == PT_LOAD &&
		    (p->p_vaddr + p->p_memsz < p->p_vaddr ||
		     p->p_paddr + p->p_memsz < p->p_paddr))
			fail(in, PK_WRAP, "PT_LOAD (phdr %" PRIu32 "): address range "
			     "wraps around", i);
		if (!in_file(in, p->p_offset, p->p_filesz)) {
			fail(in, PK_OUTSIDE, "phdr %" PRIu32 ": [0x%" PRIx64 ", +0x%" PRIx64
			     ") is outside the %" PRIu64 "-byte file", i,
			     p->p_offset, p->p_filesz, in->fsize);
			continue;
		}
		if (p->p_filesz && p->p_offset < phend)
			fail(in, PK_IN_HEADERS, "phdr %" PRIu32 ": data at 0x%" PRIx64
			     " overlaps the ELF/program headers", i,
			     p->p_offset);
		if (p->p_filesz)
			s[n++] = in->segs[i];
	}
	qsort(s, n, sizeof(*s), cmp_off);
	for (i = 1; i < n; i++)
		if (s[i].ph.p_offset < s[i - 1].ph.p_offset +
		    s[i - 1].ph.p_filesz)
			fail(in, PK_OVERLAP, "phdr %" PRIu32 " and phdr %" PRIu32
			     " overlap in the file (0x%" PRIx64 ")",
			     s[i - 1].index, s[i].index, s[i].ph.p_offset);
	/* crash and makedumpfile want the notes before the memory. */
	for (i = 0; i < in->phnum; i++) {
		const Elf64_Phdr *p = &in->segs[i].ph;

		if (p->p_type == PT_LOAD && in->phnum &&
		    in->segs[0].ph.p_type == PT_NOTE &&
		    p->p_offset < in->segs[0].ph.p_offset && p->p_filesz)
			fail(in, PK_BEFORE_NOTES, "PT_LOAD (phdr %" PRIu32 ") data before the "
			     "notes", i);
	}
	free(s);

	if (in->notes_ok) {
		const char *const *req = mdelf_required_keys(in->machine);
		char lacks[256] = "";
		size_t ll = 0;

		if (in->notes.n_vmcoreinfo != 1)
			fail(in, PK_VMCI_COUNT, "%u VMCOREINFO notes, expected "
			     "1", in->notes.n_vmcoreinfo);
		for (i = 0; in->notes.n_vmcoreinfo && req[i]; i++)
			if (!mdelf_vmcoreinfo_get(&in->notes, req[i], NULL))
				ll += (size_t)snprintf(lacks + ll,
						       sizeof(lacks) - ll,
						       "%s%s", ll ? " " : "",
						       req[i]);
		if (ll)
			fail(in, PK_VMCI_KEYS, "VMCOREINFO lacks %s", lacks);
		if (!in->notes.n_prstatus)
			fail(in, PK_NO_PRSTATUS, "no NT_PRSTATUS notes");
		if (in->notes.n_prstatus_badsize)
			fail(in, PK_PRSTATUS_SIZE, "%u NT_PRSTATUS notes of "
			     "the wrong size (%s: %" PRIu32 " bytes)",
			     in->notes.n_prstatus_badsize, in->arch->name,
			     in->arch->prstatus_size);
		check_cpu_src(in);
		/* Named by kmemdump: its generation must be there too. */
		if (in->have_names && !in->notes.n_generation)
			fail(in, PK_GEN, "no generation note (\"%s\" type %d, "
			     "%d bytes)", MDELF_GEN_NOTE, MDELF_GEN_TYPE,
			     MDELF_GEN_SIZE);
	}
}

int mdfw_info(const char *path, bool check, FILE *out)
{
	struct info in = { 0 };
	struct stat st;
	uint32_t i;
	int fd, rc;

	in.out = out;
	in.check = check;
	/*
	 * The type first: opening a FIFO for reading blocks until a writer
	 * comes (forever), opening a device may do things. O_NONBLOCK in
	 * case it changes between stat() and open(); fstat() decides.
	 */
	if (stat(path, &st)) {
		msg_errno(errno, "info: %s", path);
		return MDFW_EXIT_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		msg("info: %s: not a regular file", path);
		return MDFW_EXIT_IO;
	}
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		msg_errno(errno, "info: %s", path);
		return MDFW_EXIT_IO;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		msg("info: %s: not a regular file", path);
		close(fd);
		return MDFW_EXIT_IO;
	}
	in.fsize = (uint64_t)st.st_size;
	rc = read_headers(&in, fd);
	if (rc)
		goto out;
	read_notes(&in, fd);
	read_names(&in, fd);
	print_report(&in, path);
	if (check)
		run_checks(&in);
	print_problems(&in);
	if (check) {
		if (in.failures) {
			fprintf(out, "check: FAILED (%u problems)\n",
				in.failures);
			rc = MDFW_EXIT_TABLE;
		} else {
			fprintf(out, "check: ok\n");
		}
	} else if (in.failures) {
		rc = MDFW_EXIT_TABLE;
	}
out:
	close(fd);
	for (i = 0; in.note_bufs && i < in.nnotes_seg; i++)
		free(in.note_bufs[i]);
	free(in.note_bufs);
	free(in.segs);
	free(in.loads);
	free(in.cpus);
	return rc;
}
