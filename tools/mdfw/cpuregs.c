// SPDX-License-Identifier: GPL-2.0
/*
 * The firmware's CPU registers: parse QEMU's dump-guest-memory ELF, keep
 * its NT_PRSTATUS notes, merge them with the kernel's. See cpuregs.h.
 * Pure: no I/O, bounded parsers over buffers (buf.h readers).
 */
#include "cpuregs.h"

#include <elf.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "scan.h"
#include "util.h"

/* Linux's struct elf_prstatus: common part (112 bytes), pr_reg, fpvalid. */
const struct cpuregs_arch cpuregs_x86_64 = {
	EM_X86_64, "x86-64", 336, 27 * 8, 16, 19, "rip", "rsp"
};

const struct cpuregs_arch cpuregs_aarch64 = {
	EM_AARCH64, "aarch64", 392, 34 * 8, 32, 31, "pc", "sp"
};

_Static_assert(CPUREGS_PR_REG_OFF + 27 * 8 + 4 <= 336, "x86-64 pr_reg");
_Static_assert(CPUREGS_PR_REG_OFF + 34 * 8 + 4 <= 392, "aarch64 pr_reg");
_Static_assert(CPUREGS_MAX_PRSTATUS >= 392 && CPUREGS_MAX_PRSTATUS >= 336,
	       "CPUREGS_MAX_PRSTATUS");

const struct cpuregs_arch *cpuregs_arch_of(uint16_t machine)
{
	if (machine == EM_X86_64)
		return &cpuregs_x86_64;
	if (machine == EM_AARCH64)
		return &cpuregs_aarch64;
	return NULL;
}

void cpuregs_free(struct cpuregs *r)
{
	free(r->desc);
	r->desc = NULL;
	r->n = 0;
}

void cpuregs_walk_init(struct cpuregs_walk *w, const uint8_t *p, size_t len)
{
	memset(w, 0, sizeof(*w));
	w->p = p;
	w->len = len;
}

int cpuregs_note_next(struct cpuregs_walk *w, struct cpuregs_note *n,
		      char *err, size_t errlen)
{
	const uint8_t *p = w->p;
	size_t len = w->len;
	struct mdfw_buf b = { p, len };
	size_t o = w->off, name_off, desc_off, left;

	if (scan_rest_zero(&w->zero, p, len, o))
		return 0;	/* the end, or zero padding after the notes */
	if (len - o < 12) {
		set_err(err, errlen, "note at +%zu: truncated header", o);
		return -1;
	}
	buf_get_le32(&b, o, &n->namesz);
	buf_get_le32(&b, o + 4, &n->descsz);
	buf_get_le32(&b, o + 8, &n->type);
	name_off = o + 12;
	left = len - name_off;
	if (n->namesz > left || pad4(n->namesz) > left) {
		set_err(err, errlen, "note at +%zu: name size %" PRIu32
			" exceeds the segment", o, n->namesz);
		return -1;
	}
	desc_off = name_off + pad4(n->namesz);
	left = len - desc_off;
	if (n->descsz > left || pad4(n->descsz) > left) {
		set_err(err, errlen, "note at +%zu: descriptor size %" PRIu32
			" exceeds the segment", o, n->descsz);
		return -1;
	}
	n->off = o;
	n->name = p + name_off;
	n->desc = p + desc_off;
	n->end = desc_off + pad4(n->descsz);
	scan_count(n->end - o);
	w->off = n->end;
	return 1;
}

static bool note_named(const struct cpuregs_note *n, const char *name)
{
	size_t l = strlen(name) + 1;

	return n->namesz == l && !memcmp(n->name, name, l);
}

bool cpuregs_is_prstatus(const struct cpuregs_note *n,
			 const struct cpuregs_arch *a)
{
	return note_named(n, "CORE") && n->type == NT_PRSTATUS &&
	       n->descsz == a->prstatus_size;
}

bool cpuregs_has_regs(const uint8_t *desc, const struct cpuregs_arch *a)
{
	return !all_zero(desc + CPUREGS_PR_REG_OFF, a->pr_reg_size);
}

uint64_t cpuregs_reg(const uint8_t *desc, const struct cpuregs_arch *a,
		     unsigned int index)
{
	struct mdfw_buf b = { desc, CPUREGS_PR_REG_OFF + a->pr_reg_size };
	uint64_t v = 0;

	buf_get_le64(&b, CPUREGS_PR_REG_OFF + (size_t)index * 8, &v);
	return v;
}

uint32_t cpuregs_pid(const uint8_t *desc)
{
	struct mdfw_buf b = { desc, CPUREGS_PR_PID_OFF + 4 };
	uint32_t v = 0;

	buf_get_le32(&b, CPUREGS_PR_PID_OFF, &v);
	return v;
}

/* Append a PRSTATUS descriptor to r (capacity grows by doubling). */
static int push_desc(struct cpuregs *r, uint32_t *cap, const uint8_t *desc)
{
	size_t sz = r->arch->prstatus_size;

	if (r->n == *cap) {
		uint32_t ncap = *cap ? *cap * 2 : 8;
		uint8_t *nd;

		if (ncap > CPUREGS_MAX_CPUS)
			ncap = CPUREGS_MAX_CPUS;
		nd = realloc(r->desc, (size_t)ncap * sz);
		if (!nd)
			return -1;
		r->desc = nd;
		*cap = ncap;
	}
	memcpy(r->desc + (size_t)r->n * sz, desc, sz);
	r->n++;
	return 0;
}

/*
 * Take the NT_PRSTATUS notes of one notes area into r (r->arch set).
 * strict: nothing but CORE NT_PRSTATUS notes of r->arch's size allowed
 * (cpu_regs.notes).
 */
static int take_notes(const uint8_t *p, size_t len, struct cpuregs *r,
		      uint32_t *cap, bool strict, char *err, size_t errlen)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	char nerr[160];
	int ret;

	cpuregs_walk_init(&w, p, len);
	while ((ret = cpuregs_note_next(&w, &n, nerr, sizeof(nerr))) > 0) {
		if (note_named(&n, "CORE") && n.type == NT_PRSTATUS &&
		    n.descsz != r->arch->prstatus_size) {
			set_err(err, errlen, "NT_PRSTATUS at +%zu: %" PRIu32
				" bytes, expected %" PRIu32 " (%s)", n.off,
				n.descsz, r->arch->prstatus_size,
				r->arch->name);
			return -1;
		}
		if (!cpuregs_is_prstatus(&n, r->arch)) {
			if (!strict)
				continue;
			set_err(err, errlen, "note at +%zu is not a CORE "
				"NT_PRSTATUS (type %" PRIu32 ", name size %"
				PRIu32 ")", n.off, n.type, n.namesz);
			return -1;
		}
		if (r->n >= CPUREGS_MAX_CPUS) {
			set_err(err, errlen, "more than %d NT_PRSTATUS notes",
				CPUREGS_MAX_CPUS);
			return -1;
		}
		if (cpuregs_pid(n.desc) != r->n + 1) {
			set_err(err, errlen, "NT_PRSTATUS %" PRIu32 " has "
				"pr_pid %" PRIu32 ", expected %" PRIu32
				" (QEMU writes cpu + 1, in CPU order)", r->n,
				cpuregs_pid(n.desc), r->n + 1);
			return -1;
		}
		if (push_desc(r, cap, n.desc)) {
			set_err(err, errlen, "out of memory");
			return -1;
		}
	}
	if (ret < 0) {
		set_err(err, errlen, "%s", nerr);
		return -1;
	}
	return 0;
}

#define EH(f)	offsetof(Elf64_Ehdr, f)
#define PH(f)	offsetof(Elf64_Phdr, f)

static bool get_le16(const struct mdfw_buf *b, size_t off, uint16_t *v)
{
	if (!buf_has(b, off, 2))
		return false;
	*v = (uint16_t)(b->p[off] | b->p[off + 1] << 8);
	return true;
}

int cpuregs_from_qemu_elf(const uint8_t *p, size_t len, struct cpuregs *r,
			  char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	uint16_t type = 0, machine = 0, phentsize = 0, phnum = 0, i;
	uint64_t phoff = 0, total = 0;
	uint32_t cap = 0, nnotes = 0;

	memset(r, 0, sizeof(*r));
	if (len < sizeof(Elf64_Ehdr) || memcmp(p, ELFMAG, SELFMAG) ||
	    p[EI_CLASS] != ELFCLASS64 || p[EI_DATA] != ELFDATA2LSB) {
		set_err(err, errlen, "not a little-endian ELF64 file (%zu "
			"bytes)", len);
		return -1;
	}
	get_le16(&b, EH(e_type), &type);
	get_le16(&b, EH(e_machine), &machine);
	buf_get_le64(&b, EH(e_phoff), &phoff);
	get_le16(&b, EH(e_phentsize), &phentsize);
	get_le16(&b, EH(e_phnum), &phnum);
	r->arch = cpuregs_arch_of(machine);
	if (type != ET_CORE || !r->arch) {
		set_err(err, errlen, "e_type %u, e_machine %u: expected an "
			"x86-64 or aarch64 core", type, machine);
		r->arch = NULL;
		return -1;
	}
	if (phentsize != sizeof(Elf64_Phdr) || phnum == 0 ||
	    phnum == PN_XNUM || phoff > len ||
	    (uint64_t)phnum * sizeof(Elf64_Phdr) > len - phoff) {
		set_err(err, errlen, "program headers (e_phoff %" PRIu64
			", e_phnum %u, e_phentsize %u) are not inside the "
			"%zu-byte file", phoff, phnum, phentsize, len);
		return -1;
	}
	for (i = 0; i < phnum; i++) {
		size_t o = (size_t)phoff + (size_t)i * sizeof(Elf64_Phdr);
		uint32_t ptype = 0;
		uint64_t off = 0, sz = 0;

		scan_count(sizeof(Elf64_Phdr));
		buf_get_le32(&b, o + PH(p_type), &ptype);
		buf_get_le64(&b, o + PH(p_offset), &off);
		buf_get_le64(&b, o + PH(p_filesz), &sz);
		if (ptype != PT_NOTE)
			continue;
		nnotes++;
		if (off > len || sz > len - off) {
			set_err(err, errlen, "PT_NOTE %u [0x%" PRIx64 ", +0x%"
				PRIx64 ") is not inside the %zu-byte file", i,
				off, sz, len);
			goto fail;
		}
		/*
		 * Each PT_NOTE is walked: together they may not exceed the
		 * file, or PT_NOTEs over the same bytes would make the work
		 * quadratic (QEMU writes one).
		 */
		if (sz > len - total) {
			set_err(err, errlen, "PT_NOTE %u: the PT_NOTEs add up "
				"to more than the %zu-byte file (they overlap)",
				i, len);
			goto fail;
		}
		total += sz;
		if (take_notes(p + off, (size_t)sz, r, &cap, false, err,
			       errlen))
			goto fail;
	}
	if (!r->n) {
		set_err(err, errlen, "%s", nnotes ? "no NT_PRSTATUS note" :
			"no PT_NOTE");
		goto fail;
	}
	return 0;
fail:
	cpuregs_free(r);
	return -1;
}

static void put_prstatus(uint8_t *d, const uint8_t *desc,
			 const struct cpuregs_arch *a)
{
	put_le32(d, 5);
	put_le32(d + 4, a->prstatus_size);
	put_le32(d + 8, NT_PRSTATUS);
	memcpy(d + 12, "CORE\0\0\0", 8);
	memcpy(d + 20, desc, a->prstatus_size);
}

int cpuregs_encode(const struct cpuregs *r, uint8_t **out, size_t *len)
{
	uint32_t i;

	*len = r->n ? (size_t)r->n * CPUREGS_NOTE_SIZE(r->arch) : 0;
	*out = malloc(*len ? *len : 1);
	if (!*out)
		return -1;
	for (i = 0; i < r->n; i++)
		put_prstatus(*out + (size_t)i * CPUREGS_NOTE_SIZE(r->arch),
			     r->desc + (size_t)i * r->arch->prstatus_size,
			     r->arch);
	return 0;
}

int cpuregs_parse_file(const uint8_t *p, size_t len,
		       const struct cpuregs_arch *a, struct cpuregs *r,
		       char *err, size_t errlen)
{
	uint32_t cap = 0;

	memset(r, 0, sizeof(*r));
	r->arch = a;
	if (len > (size_t)CPUREGS_MAX_CPUS * CPUREGS_NOTE_SIZE(a)) {
		set_err(err, errlen, "%zu bytes: more than %d CPUs", len,
			CPUREGS_MAX_CPUS);
		return -1;
	}
	if (take_notes(p, len, r, &cap, true, err, errlen)) {
		cpuregs_free(r);
		return -1;
	}
	if (!r->n) {
		set_err(err, errlen, "no NT_PRSTATUS note");
		return -1;
	}
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* How many of sorted[0, n) are pid (two binary searches). */
static uint32_t pid_count(const uint32_t *sorted, uint32_t n, uint32_t pid)
{
	uint32_t lo = 0, hi = n, first;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	first = lo;
	hi = n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] <= pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo - first;
}

/* The pid CPU i's stack pointer sp selects among stk's sets, or 0. */
static bool stack_pid(const struct cpuregs_stacks *stk, uint32_t i,
		      uint64_t sp, uint32_t *pid)
{
	unsigned int k;

	if (!stk || i >= stk->ncpus)
		return false;
	for (k = 0; k < 2; k++) {
		const struct cpuregs_stack *s = &stk->st[2 * (size_t)i + k];

		if (s->len && sp >= s->lo && sp - s->lo < s->len) {
			*pid = s->pid;
			return true;
		}
	}
	return false;
}

int cpuregs_merge(const uint8_t *k, size_t klen, const struct cpuregs_arch *a,
		  const struct cpuregs *fw, uint8_t **out, size_t *outlen,
		  char *src, size_t srclen, char *err, size_t errlen)
{
	return cpuregs_merge_stacks(k, klen, a, fw, NULL, out, outlen, src,
				    srclen, NULL, err, errlen);
}

int cpuregs_merge_stacks(const uint8_t *k, size_t klen,
			 const struct cpuregs_arch *a, const struct cpuregs *fw,
			 const struct cpuregs_stacks *stk, uint8_t **out,
			 size_t *outlen, char *src, size_t srclen,
			 uint32_t *matched, char *err, size_t errlen)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	const uint8_t **kdesc = NULL, **cdesc = NULL;
	bool *kregs = NULL, *auth = NULL;
	uint32_t *held = NULL;	/* pids held with authority, sorted */
	uint32_t *pids = NULL;	/* each CPU's pid before the synthetic rule */
	uint32_t nk = 0, nheld = 0, nmatched = 0, ncpu, i;
	size_t olen, o, other = 0;
	uint8_t *d = NULL, *srcs = NULL;
	char nerr[160];
	int ret;

	*out = NULL;
	*outlen = 0;
	if (matched)
		*matched = 0;
	if (fw && fw->n && fw->arch != a) {
		set_err(err, errlen, "the firmware's registers are %s, the "
			"kernel's notes %s", fw->arch ? fw->arch->name : "?",
			a->name);
		return -1;
	}
	/* Pass 1: the kernel's CPUs and the size of its other notes. */
	kdesc = calloc(CPUREGS_MAX_CPUS, sizeof(*kdesc));
	kregs = calloc(CPUREGS_MAX_CPUS, sizeof(*kregs));
	if (!kdesc || !kregs) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	cpuregs_walk_init(&w, k, klen);
	while ((ret = cpuregs_note_next(&w, &n, nerr, sizeof(nerr))) > 0) {
		if (cpuregs_is_prstatus(&n, a)) {
			if (nk >= CPUREGS_MAX_CPUS) {
				set_err(err, errlen, "kernel notes: more than "
					"%d NT_PRSTATUS", CPUREGS_MAX_CPUS);
				goto fail;
			}
			/* Each pr_reg is read once, not once per CPU. */
			kregs[nk] = cpuregs_has_regs(n.desc, a);
			kdesc[nk++] = n.desc;
		} else if (!(note_named(&n, CPUREGS_SRC_NAME) &&
			     n.type == CPUREGS_NT_SOURCE)) {
			other += n.end - n.off;	/* <= klen in all */
		}
	}
	if (ret < 0) {
		set_err(err, errlen, "kernel notes: %s", nerr);
		goto fail;
	}
	ncpu = fw && fw->n > nk ? fw->n : nk;
	olen = (size_t)ncpu * CPUREGS_NOTE_SIZE(a) + 12 + 8 + pad4(ncpu) + other;
	d = calloc(1, olen);
	cdesc = calloc(ncpu + 1u, sizeof(*cdesc));
	auth = calloc(ncpu + 1u, sizeof(*auth));
	pids = calloc(ncpu + 1u, sizeof(*pids));
	held = calloc(ncpu + 1u, sizeof(*held));
	srcs = calloc(ncpu + 1u, 1);
	if (!d || !cdesc || !auth || !pids || !held || !srcs) {
		set_err(err, errlen, "out of memory");
		goto fail;
	}
	/*
	 * Pass 2: each CPU's note and pid. gdb makes one thread per pr_pid,
	 * and drgn finds a running task's registers by its pid. The pid of
	 * the task whose stack the CPU runs on (a set's, by the stack
	 * pointer) is the best; else the kernel's pid stays (the task that
	 * ran there, also when the registers come from the firmware);
	 * without a kernel note, QEMU's cpu + 1.
	 */
	for (i = 0; i < ncpu; i++) {
		bool regs;

		if (i < nk && kregs[i]) {
			cdesc[i] = kdesc[i];
			srcs[i] = CPUREGS_SRC_KERNEL;
			regs = true;
		} else if (fw && i < fw->n) {
			cdesc[i] = fw->desc + (size_t)i * a->prstatus_size;
			regs = cpuregs_has_regs(cdesc[i], a);
			srcs[i] = regs ? CPUREGS_SRC_FIRMWARE :
				  CPUREGS_SRC_NONE;
		} else {
			cdesc[i] = kdesc[i];
			srcs[i] = CPUREGS_SRC_NONE;
			regs = false;
		}
		pids[i] = i < nk ? cpuregs_pid(kdesc[i]) : i + 1;
		auth[i] = i < nk && kregs[i];
		if (regs && stack_pid(stk, i, cpuregs_reg(cdesc[i], a,
							  a->sp_index),
				      &pids[i])) {
			auth[i] = true;
			nmatched++;
		}
		if (auth[i])
			held[nheld++] = pids[i];
	}
	qsort(held, nheld, sizeof(*held), cmp_u32);
	/* The CPUs, in order; then the source note. */
	for (i = 0, o = 0; i < ncpu; i++, o += CPUREGS_NOTE_SIZE(a)) {
		uint32_t pid = pids[i];

		put_prstatus(d + o, cdesc[i], a);
		/*
		 * A pid that is 0 (an idle CPU: several would merge into
		 * one thread) becomes CPUREGS_PID_SYNTH + cpu, one that
		 * another CPU holds with authority CPUREGS_PID_CLASH + cpu:
		 * no task can have either (cpuregs_pid_name() names them).
		 */
		if (!pid)
			pid = CPUREGS_PID_SYNTH + i;
		else if (pid_count(held, nheld, pid) - auth[i])
			pid = CPUREGS_PID_CLASH + i;
		put_le32(d + o + 20 + CPUREGS_PR_PID_OFF, pid);
		d[(size_t)ncpu * CPUREGS_NOTE_SIZE(a) + 20 + i] = srcs[i];
		if (src && i + 1 < srclen) {
			src[i] = (char)srcs[i];
			src[i + 1] = 0;
		}
	}
	if (src && srclen && !ncpu)
		src[0] = 0;
	put_le32(d + o, sizeof(CPUREGS_SRC_NAME));
	put_le32(d + o + 4, ncpu);
	put_le32(d + o + 8, CPUREGS_NT_SOURCE);
	memcpy(d + o + 12, CPUREGS_SRC_NAME, sizeof(CPUREGS_SRC_NAME));
	o += 20 + pad4(ncpu);
	/* Pass 3: the kernel's other notes, as they were. */
	cpuregs_walk_init(&w, k, klen);
	while (cpuregs_note_next(&w, &n, NULL, 0) > 0) {
		if (cpuregs_is_prstatus(&n, a) ||
		    (note_named(&n, CPUREGS_SRC_NAME) &&
		     n.type == CPUREGS_NT_SOURCE))
			continue;
		memcpy(d + o, k + n.off, n.end - n.off);
		o += n.end - n.off;
	}
	free(kdesc);
	free(kregs);
	free(cdesc);
	free(auth);
	free(pids);
	free(held);
	free(srcs);
	if (matched)
		*matched = nmatched;
	*out = d;
	*outlen = o;
	return 0;
fail:
	free(kdesc);
	free(kregs);
	free(cdesc);
	free(auth);
	free(pids);
	free(held);
	free(srcs);
	free(d);
	return -1;
}

const uint8_t *cpuregs_find_source(const uint8_t *p, size_t len,
				   size_t *srclen)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;

	cpuregs_walk_init(&w, p, len);
	while (cpuregs_note_next(&w, &n, NULL, 0) > 0) {
		if (note_named(&n, CPUREGS_SRC_NAME) &&
		    n.type == CPUREGS_NT_SOURCE) {
			*srclen = n.descsz;
			return n.desc;
		}
	}
	return NULL;
}

const char *cpuregs_source_word(uint8_t c)
{
	switch (c) {
	case CPUREGS_SRC_KERNEL:
		return "kernel";
	case CPUREGS_SRC_FIRMWARE:
		return "firmware (QEMU)";
	case CPUREGS_SRC_NONE:
		return "none";
	default:
		return "?";
	}
}

const char *cpuregs_pid_name(uint32_t pid, uint32_t cpu, char *buf,
			     size_t len)
{
	if (!pid || (cpu < CPUREGS_MAX_CPUS && pid == CPUREGS_PID_SYNTH + cpu))
		snprintf(buf, len, "idle (swapper/%" PRIu32 ")", cpu);
	else if (cpu < CPUREGS_MAX_CPUS && pid == CPUREGS_PID_CLASH + cpu)
		snprintf(buf, len, "pid unknown (another CPU's)");
	else
		snprintf(buf, len, "pid %" PRIu32, pid);
	return buf;
}

void cpuregs_manifest_line(char *out, size_t len, uint32_t ncpus,
			   uint64_t bytes)
{
	snprintf(out, len, CPUREGS_MANIFEST_KEY "%" PRIu32 " CPUs, %" PRIu64
		 " bytes, from QEMU dump-guest-memory", ncpus, bytes);
}

int cpuregs_manifest_find(const char *text, uint32_t *ncpus, uint64_t *bytes)
{
	static const char key[] = "\n# " CPUREGS_MANIFEST_KEY;
	const char *s = strstr(text, key), *nl;
	char want[160];
	unsigned long n = 0;
	unsigned long long by = 0;
	char *e;

	if (!s)
		return 0;
	s += sizeof(key) - 1;
	nl = strchr(s, '\n');
	if (!nl || s[0] < '1' || s[0] > '9')
		return -1;
	n = strtoul(s, &e, 10);
	if (n > CPUREGS_MAX_CPUS || strncmp(e, " CPUs, ", 7))
		return -1;
	e += 7;
	if (*e < '1' || *e > '9')
		return -1;
	by = strtoull(e, NULL, 10);
	/* The whole line must be exactly what we write. */
	cpuregs_manifest_line(want, sizeof(want), (uint32_t)n, by);
	if ((size_t)(nl - s) + sizeof(CPUREGS_MANIFEST_KEY) - 1 !=
	    strlen(want) || strncmp(s - (sizeof(CPUREGS_MANIFEST_KEY) - 1),
				    want, strlen(want)))
		return -1;
	*ncpus = (uint32_t)n;
	*bytes = by;
	return 1;
}
