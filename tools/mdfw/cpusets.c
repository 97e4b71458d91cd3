// SPDX-License-Identifier: GPL-2.0
/*
 * CPU sets: which of the kernel's lock-free per-CPU task sets are usable,
 * and the PT_LOADs mdfw adds to dump.elf for them. See cpusets.h.
 */
#include "cpusets.h"

#include <elf.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "scan.h"
#include "table.h"
#include "util.h"

#define SET_OFF(s)	(16 + 24 * (s))

int cpusets_parse(const uint8_t *p, size_t len, struct cpusets_rec **recs,
		  uint32_t *n, char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	struct cpusets_rec *r;
	uint32_t i, s;

	*recs = NULL;
	*n = 0;
	if (!len || len % CPUSETS_REC_SIZE) {
		set_err(err, errlen, "%zu bytes: not a whole number of %d-byte "
			"records", len, CPUSETS_REC_SIZE);
		return -1;
	}
	if (len / CPUSETS_REC_SIZE > CPUSETS_MAX_CPUS) {
		set_err(err, errlen, "%zu records, more than %d", len /
			CPUSETS_REC_SIZE, CPUSETS_MAX_CPUS);
		return -1;
	}
	r = calloc(len / CPUSETS_REC_SIZE, sizeof(*r));
	if (!r) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < len / CPUSETS_REC_SIZE; i++) {
		size_t o = (size_t)i * CPUSETS_REC_SIZE;

		/* The buffer holds every record: these reads cannot fail. */
		buf_get_le32(&b, o, &r[i].magic);
		buf_get_le32(&b, o + 4, &r[i].cpu);
		buf_get_le32(&b, o + 8, &r[i].cur);
		buf_get_le32(&b, o + 12, &r[i].chunks);
		for (s = 0; s < 2; s++) {
			struct cpusets_set *x = &r[i].set[s];

			buf_get_le64(&b, o + SET_OFF(s), &x->task);
			buf_get_le64(&b, o + SET_OFF(s) + 8, &x->stack);
			buf_get_le32(&b, o + SET_OFF(s) + 16, &x->pid);
			buf_get_le32(&b, o + SET_OFF(s) + 20, &x->seq);
		}
		scan_count(CPUSETS_REC_SIZE);
	}
	*recs = r;
	*n = (uint32_t)(len / CPUSETS_REC_SIZE);
	return 0;
}

/* Drop the PT_LOADs of a cpusets_place(). */
static void free_loads(struct cpusets_result *r)
{
	free(r->loads);
	free(r->src);
	free(r->sec_seq);
	free(r->alias);
	r->loads = NULL;
	r->src = NULL;
	r->sec_seq = NULL;
	r->alias = NULL;
	r->nloads = 0;
	r->nalias = 0;
	r->merged = 0;
	r->by_sp = 0;
}

void cpusets_free(struct cpusets_result *r)
{
	free_loads(r);
	free(r->stacks);
	free(r->recs);
	free(r->use);
	free(r->cvi);
	r->stacks = NULL;
	r->recs = NULL;
	r->use = NULL;
	r->cvi = NULL;
	r->ncpus = 0;
}

struct cpuregs_stacks cpusets_stacks(const struct cpusets_result *r)
{
	struct cpuregs_stacks s = { r->stacks ? r->ncpus : 0, r->stacks };

	return s;
}

/* A CPU-set entry by (cpu, set, part): part 0 the task, i + 1 chunk i. */
struct key {
	uint32_t cpu, seq, part;
	bool ok;
	uint32_t vi;		/* index in v */
};

static int cmp_key(const void *a, const void *b)
{
	const struct key *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->part != y->part)
		return x->part < y->part ? -1 : 1;
	if (x->ok != y->ok)	/* a dumped entry before a rejected twin */
		return x->ok ? -1 : 1;
	return x->vi < y->vi ? -1 : x->vi > y->vi;
}

/* (cpu, seq, part) of m against the wanted ones. */
static int cmp_part(const struct key *m, uint32_t cpu, uint32_t seq,
		    uint32_t part)
{
	if (m->cpu != cpu)
		return m->cpu < cpu ? -1 : 1;
	if (m->seq != seq)
		return m->seq < seq ? -1 : 1;
	return m->part < part ? -1 : m->part > part;
}

/* The first key not below (cpu, seq, part), or NULL. */
static const struct key *lower(const struct key *k, uint32_t n, uint32_t cpu,
			       uint32_t seq, uint32_t part)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (cmp_part(&k[mid], cpu, seq, part) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n ? &k[lo] : NULL;
}

/* The first key of (cpu, seq, part) (a dumped one if any), or NULL. */
static const struct key *find(const struct key *k, uint32_t n, uint32_t cpu,
			      uint32_t seq, uint32_t part)
{
	const struct key *x = lower(k, n, cpu, seq, part);

	return x && !cmp_part(x, cpu, seq, part) ? x : NULL;
}

struct sel {
	struct cpusets_result *r;
	FILE *log;
	unsigned int msgs;	/* lines about single sets so far */
};

static void say(struct sel *x, const char *fmt, ...) MDFW_PRINTF(2, 3);

/* One line about one set; after CPUSETS_MAX_MSGS only counted. */
static void say(struct sel *x, const char *fmt, ...)
{
	va_list ap;

	if (!x->log || x->msgs++ >= CPUSETS_MAX_MSGS)
		return;
	fputs("mdfw: ", x->log);
	va_start(ap, fmt);
	vfprintf(x->log, fmt, ap);
	va_end(ap);
	fputc('\n', x->log);
}

static void unusable(struct sel *x, const char *fmt, ...) MDFW_PRINTF(2, 3);

static void unusable(struct sel *x, const char *fmt, ...)
{
	va_list ap;

	x->r->state = CPUSETS_UNUSABLE;
	va_start(ap, fmt);
	vsnprintf(x->r->why, sizeof(x->r->why), fmt, ap);
	va_end(ap);
	if (x->log)
		fprintf(x->log, "mdfw: cpu_sets: %s; no CPU set is added to "
			"%s\n", x->r->why, MDELF_OUT_FILE);
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	/* Both non-empty and not wrapping. */
	return a < b + blen && b < a + alen;
}

/*
 * Why set s of record c cannot be used ("" if it can); on success the
 * task and chunk entries' keys in *task, chunk[0, P).
 */
static void check_set(const struct cpusets_rec *rec, uint32_t c, uint32_t s,
		      const struct key *keys, uint32_t nk,
		      const struct mdelf_tentry *v, const struct key **task,
		      const struct key **chunk, char *why, size_t wl)
{
	const struct cpusets_set *set = &rec->set[s];
	const struct key *x;
	uint64_t csize = 0;
	uint32_t i;

	why[0] = 0;
	if (rec->magic != CPUSETS_MAGIC) {
		snprintf(why, wl, "record %" PRIu32 " has magic 0x%08" PRIx32
			 ", not KCPU (0x%08x)", c, rec->magic, CPUSETS_MAGIC);
		return;
	}
	if (rec->cpu != c) {
		snprintf(why, wl, "record %" PRIu32 " says cpu %" PRIu32, c,
			 rec->cpu);
		return;
	}
	*task = find(keys, nk, c, s, 0);
	if (!*task) {
		snprintf(why, wl, "not live (no valid KTASK%" PRIu32 " seq %"
			 PRIu32 " entry)", c, s);
		return;
	}
	if (!(*task)->ok) {
		snprintf(why, wl, "KTASK%" PRIu32 " seq %" PRIu32 " (index %"
			 PRIu32 ") was not dumped", c, s, v[(*task)->vi].index);
		return;
	}
	/*
	 * set->seq is not looked at: it is for a reader of a running
	 * machine. The kernel makes it odd, then withdraws the set (KTASK
	 * INVA), rewrites the descriptor, publishes the set (VALI) and only
	 * then makes seq even: on a halted machine a set whose KTASK entry
	 * is VALI is whole, whatever its seq.
	 */
	if (!set->task) {
		snprintf(why, wl, "task address is 0");
		return;
	}
	if (rec->chunks < 1 || rec->chunks > CPUSETS_MAX_CHUNKS) {
		snprintf(why, wl, "stack_chunks %" PRIu32 " is not 1..%d",
			 rec->chunks, CPUSETS_MAX_CHUNKS);
		return;
	}
	for (i = 0; i < rec->chunks; i++) {
		const struct key *k = find(keys, nk, c, s, i + 1);

		if (!k || !k->ok) {
			snprintf(why, wl, "KSTACK%" PRIu32 "_%" PRIu32 " seq %"
				 PRIu32 " %s", c, i, s, k ? "was not dumped" :
				 "is not a valid entry");
			return;
		}
		if (i && v[k->vi].size != csize) {
			snprintf(why, wl, "KSTACK%" PRIu32 "_%" PRIu32 " seq %"
				 PRIu32 " is 0x%" PRIx64 " bytes, chunk 0 0x%"
				 PRIx64 ": chunks differ in size", c, i, s,
				 v[k->vi].size, csize);
			return;
		}
		csize = v[k->vi].size;
		chunk[i] = k;
	}
	/* P is the table's chunk count too: no KSTACK<c>_<P..> of the set. */
	x = lower(keys, nk, c, s, rec->chunks + 1);
	if (x && x->cpu == c && x->seq == s) {
		snprintf(why, wl, "KSTACK%" PRIu32 "_%" PRIu32 " seq %" PRIu32
			 " exists, but stack_chunks is %" PRIu32, c,
			 x->part - 1, s, rec->chunks);
		return;
	}
	if (v[(*task)->vi].size - 1 > UINT64_MAX - set->task) {
		snprintf(why, wl, "task [0x%" PRIx64 ", +0x%" PRIx64 ") wraps",
			 set->task, v[(*task)->vi].size);
		return;
	}
	if (csize > UINT64_MAX / rec->chunks ||
	    csize * rec->chunks - 1 > UINT64_MAX - set->stack) {
		snprintf(why, wl, "stack at 0x%" PRIx64 ": %" PRIu32 " chunks "
			 "of 0x%" PRIx64 " bytes wrap", set->stack, rec->chunks,
			 csize);
		return;
	}
	if (overlaps(set->task, v[(*task)->vi].size, set->stack,
		     csize * rec->chunks))
		snprintf(why, wl, "task [0x%" PRIx64 ", +0x%" PRIx64 ") and "
			 "stack [0x%" PRIx64 ", +0x%" PRIx64 ") overlap",
			 set->task, v[(*task)->vi].size, set->stack,
			 csize * rec->chunks);
}

/* Index keys of the CPU-set entries of v; *nk of them (malloc()ed). */
static struct key *index_entries(const struct mdelf_tentry *v, uint32_t nv,
				 uint32_t *nk, uint32_t *nentries)
{
	struct key *k = calloc(nv + 1u, sizeof(*k));
	uint32_t i, n = 0;

	*nk = 0;
	*nentries = 0;
	if (!k)
		return NULL;
	for (i = 0; i < nv; i++) {
		enum md_cpuset_kind kind;
		uint32_t cpu, chunk;
		bool canon;

		kind = md_cpuset_name(v[i].name, &cpu, &chunk, &canon);
		/* A set-named region of the header is in dump.elf already. */
		if (kind == MD_CPUSET_NONE || v[i].hdr_region)
			continue;
		++*nentries;
		/* Only KTASK<c>/KSTACK<c>_<i> of sets 0 and 1 can be used. */
		if (!canon || v[i].seq > 1)
			continue;
		k[n].cpu = cpu;
		k[n].seq = v[i].seq;
		k[n].part = kind == MD_CPUSET_TASK ? 0 : chunk + 1;
		k[n].ok = v[i].ok;
		k[n].vi = i;
		n++;
	}
	qsort(k, n, sizeof(*k), cmp_key);
	*nk = n;
	return k;
}

/* The cpu_sets seq 0 entry: its index in v, or -1 (*parts: entries). */
static long find_desc(const struct mdelf_tentry *v, uint32_t nv,
		      uint32_t *parts, uint32_t *other_seq)
{
	long best = -1;
	uint32_t i;

	*parts = 0;
	for (i = 0; i < nv; i++) {
		if (strcmp(v[i].name, CPUSETS_REGION))
			continue;
		if (v[i].seq) {
			++*parts;
			*other_seq = v[i].seq;
			continue;
		}
		if (best < 0 || (v[i].ok && !v[best].ok))
			best = i;
	}
	return best;
}

int cpusets_select(const struct mdelf_tentry *v, uint32_t nv,
		   cpusets_read_fn read, void *ctx, FILE *log,
		   struct cpusets_result *r)
{
	const struct key *chunk[CPUSETS_MAX_CHUNKS], *task = NULL;
	struct sel x = { r, log, 0 };
	struct cpusets_rec *recs = NULL;
	struct key *keys = NULL;
	uint32_t nk = 0, nent = 0, nrec = 0, parts = 0, oseq = 0, c, s, i;
	uint32_t ncvi = 0;
	uint8_t *buf = NULL;
	char why[256];
	long d;
	int ret;

	memset(r, 0, sizeof(*r));
	keys = index_entries(v, nv, &nk, &nent);
	if (!keys)
		goto oom;
	d = find_desc(v, nv, &parts, &oseq);
	if (d < 0) {
		if (nent)
			unusable(&x, "%" PRIu32 " valid CPU-set entries (KTASK, "
				 "KSTACK) but no valid %s seq 0 entry", nent,
				 CPUSETS_REGION);
		goto out;
	}
	if (parts) {
		unusable(&x, "the region is in more than one part (seq %"
			 PRIu32 "): only one md_%s.BIN is supported", oseq,
			 CPUSETS_REGION);
		goto out;
	}
	if (!v[d].ok) {
		unusable(&x, "its entry (index %" PRIu32 ") was not dumped",
			 v[d].index);
		goto out;
	}
	/* The size first: nothing larger is read. */
	if (v[d].size % CPUSETS_REC_SIZE ||
	    v[d].size > CPUSETS_MAX_BYTES) {
		unusable(&x, "0x%" PRIx64 " bytes: %s", v[d].size,
			 v[d].size % CPUSETS_REC_SIZE ?
			 "not a whole number of 64-byte records" :
			 "more than 4096 records");
		goto out;
	}
	buf = malloc((size_t)v[d].size);
	if (!buf)
		goto oom;
	ret = read(ctx, &v[d], buf, (size_t)v[d].size);
	if (ret) {
		unusable(&x, "reading it: %s", out_strerror(-ret));
		goto out;
	}
	if (cpusets_parse(buf, (size_t)v[d].size, &recs, &nrec, why,
			  sizeof(why))) {
		unusable(&x, "%s", why);
		goto out;
	}
	r->state = CPUSETS_OK;
	r->ncpus = nrec;
	r->recs = recs;
	recs = NULL;
	/* Every chunk is a distinct entry: at most nk of them. */
	r->cvi = calloc(nk + 1u, sizeof(*r->cvi));
	r->use = calloc(2 * (size_t)nrec, sizeof(*r->use));
	r->stacks = calloc(2 * (size_t)nrec, sizeof(*r->stacks));
	if (!r->cvi || !r->use || !r->stacks)
		goto oom;
	for (c = 0; c < nrec; c++) {
		const struct cpusets_rec *rec = &r->recs[c];

		for (s = 0; s < 2; s++) {
			const struct cpusets_set *set = &rec->set[s];
			struct cpusets_use *u = &r->use[2 * (size_t)c + s];
			struct cpuregs_stack *st;

			check_set(rec, c, s, keys, nk, v, &task, chunk, why,
				  sizeof(why));
			if (why[0]) {
				r->skipped++;
				say(&x, "cpu %" PRIu32 " set %" PRIu32 ": %s; "
				    "skipped", c, s, why);
				continue;
			}
			r->usable++;
			u->ok = true;
			u->task = task->vi;
			u->tsize = v[task->vi].size;
			u->slen = v[chunk[0]->vi].size * rec->chunks;
			u->chunk = ncvi;
			for (i = 0; i < rec->chunks; i++)
				r->cvi[ncvi++] = chunk[i]->vi;
			/* The newest set first (rec->cur: published last). */
			st = &r->stacks[2 * (size_t)c +
					(s == (rec->cur == 1 ? 1u : 0u) ? 0 : 1)];
			st->lo = set->stack;
			st->len = u->slen;
			st->pid = set->pid;
		}
	}
	if (log && x.msgs > CPUSETS_MAX_MSGS)
		fprintf(log, "mdfw: cpu_sets: %u more lines about sets not "
			"shown\n", x.msgs - CPUSETS_MAX_MSGS);
out:
	free(keys);
	free(recs);
	free(buf);
	return 0;
oom:
	free(keys);
	free(recs);
	free(buf);
	cpusets_free(r);
	memset(r, 0, sizeof(*r));
	return -1;
}

/* The set CPU c runs on by default: the one published last, if usable. */
static uint8_t default_set(const struct cpusets_result *r, uint32_t c)
{
	uint32_t cur = r->recs[c].cur == 1 ? 1 : 0;

	if (r->use[2 * (size_t)c + cur].ok)
		return (uint8_t)cur;
	return r->use[2 * (size_t)c + (cur ^ 1)].ok ? (uint8_t)(cur ^ 1) : 2;
}

/*
 * run[c]: the set CPU c runs on (2: none usable). The c-th NT_PRSTATUS
 * of notes whose stack pointer lies in one of c's usable sets' stacks
 * decides; a malformed note ends the walk (the rest keep the default).
 */
static void running_sets(struct cpusets_result *r, const uint8_t *notes,
			 size_t len, const struct cpuregs_arch *a,
			 uint8_t *run)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	uint32_t c = 0, s;
	char err[160];

	for (c = 0; c < r->ncpus; c++)
		run[c] = default_set(r, c);
	if (!notes || !a)
		return;
	cpuregs_walk_init(&w, notes, len);
	c = 0;
	while (c < r->ncpus && cpuregs_note_next(&w, &n, err, sizeof(err)) > 0) {
		uint64_t sp;

		if (!cpuregs_is_prstatus(&n, a))
			continue;
		if (!cpuregs_has_regs(n.desc, a)) {
			c++;
			continue;
		}
		sp = cpuregs_reg(n.desc, a, a->sp_index);
		for (s = 0; s < 2; s++) {
			const struct cpusets_use *u = &r->use[2 * (size_t)c + s];
			uint64_t lo = r->recs[c].set[s].stack;

			if (u->ok && sp >= lo && sp - lo < u->slen) {
				run[c] = (uint8_t)s;
				r->by_sp++;
				break;
			}
		}
		c++;
	}
}

/* named[c]: the header has a region of CPU c's set names (a panic). */
static void header_named(const struct mdelf_tentry *v, uint32_t nv,
			 uint32_t ncpus, bool *named)
{
	uint32_t i, cpu, chunk;
	bool canon;

	for (i = 0; i < nv; i++)
		if (v[i].hdr_region &&
		    md_cpuset_name(v[i].name, &cpu, &chunk, &canon) !=
		    MD_CPUSET_NONE && cpu < ncpus)
			named[cpu] = true;
}

/* Append the PT_LOAD of entry vi at vaddr, its section of seq sec. */
static void add_load(struct cpusets_result *r, const struct mdelf_tentry *v,
		     uint32_t vi, uint64_t vaddr, uint32_t sec)
{
	struct mdelf_load *l = &r->loads[r->nloads];

	memset(l, 0, sizeof(*l));
	/* Canonical KTASK<c>, KSTACK<c>_<i>: at most 15 characters. */
	snprintf(l->name, sizeof(l->name), "%.15s", v[vi].name);
	l->seq = v[vi].seq;
	l->vaddr = vaddr;
	l->paddr = v[vi].addr;
	l->filesz = l->memsz = v[vi].size;
	l->flags = PF_R | PF_W | PF_X;
	r->sec_seq[r->nloads] = sec;
	r->src[r->nloads++] = vi;
}

/* KSTACK<c>_1.. for the pages of load k (chunk 0 of CPU c's stack). */
static void add_aliases(struct cpusets_result *r, uint32_t c, uint32_t k)
{
	uint64_t size = r->loads[k].filesz, off;
	uint32_t i;

	if (size % CPUSETS_ALIAS_PAGE)
		return;
	for (i = 1, off = CPUSETS_ALIAS_PAGE; off < size &&
	     i < CPUSETS_MAX_CHUNKS && r->nalias < CPUSETS_MAX_ALIASES;
	     i++, off += CPUSETS_ALIAS_PAGE) {
		struct mdelf_alias *x = &r->alias[r->nalias++];
		char n[32];

		/* c < 4096, i < 64: "KSTACK4095_63" fits in 15. */
		snprintf(n, sizeof(n), "KSTACK%" PRIu32 "_%" PRIu32, c, i);
		snprintf(x->name, sizeof(x->name), "%.15s", n);
		x->load = k;
		x->off = off;
		x->size = CPUSETS_ALIAS_PAGE;
	}
}

int cpusets_place(struct cpusets_result *r, const struct mdelf_tentry *v,
		  uint32_t nv, const uint8_t *notes, size_t len,
		  const struct cpuregs_arch *a, FILE *log)
{
	struct sel x = { r, log, 0 };
	uint32_t *owner = NULL;	/* per load: 2 * cpu + set */
	uint8_t *run = NULL;
	bool *named = NULL;
	uint32_t pass, c, i, j, n;
	int ret = 0;

	free_loads(r);
	if (r->state != CPUSETS_OK || !r->ncpus)
		return 0;
	/* Every load is a distinct usable set's entry. */
	for (c = 0, n = 0; c < 2 * r->ncpus; c++)
		if (r->use[c].ok)
			n += 1 + r->recs[c / 2].chunks;
	r->loads = calloc(n + 1u, sizeof(*r->loads));
	r->src = calloc(n + 1u, sizeof(*r->src));
	r->sec_seq = calloc(n + 1u, sizeof(*r->sec_seq));
	/* At most CPUSETS_MAX_CHUNKS - 1 a CPU (add_aliases()). */
	r->alias = calloc(r->ncpus > CPUSETS_MAX_ALIASES /
			  (CPUSETS_MAX_CHUNKS - 1) ? CPUSETS_MAX_ALIASES :
			  (size_t)r->ncpus * (CPUSETS_MAX_CHUNKS - 1),
			  sizeof(*r->alias));
	owner = calloc(n + 1u, sizeof(*owner));
	run = calloc(r->ncpus, sizeof(*run));
	named = calloc(r->ncpus, sizeof(*named));
	if (!r->loads || !r->src || !r->sec_seq || !r->alias || !owner ||
	    !run || !named) {
		free_loads(r);
		ret = -1;
		goto out;
	}
	running_sets(r, notes, len, a, run);
	header_named(v, nv, r->ncpus, named);
	/* Pass 0: the set each CPU runs on; pass 1: the others. */
	for (pass = 0; pass < 2; pass++) {
		for (c = 0; c < r->ncpus; c++) {
			const struct cpusets_rec *rec = &r->recs[c];
			uint32_t s = pass ? run[c] ^ 1u : run[c];
			const struct cpusets_use *u;
			const struct cpusets_set *set;
			uint32_t first = r->nloads, sec;
			uint64_t csize;

			if (run[c] > 1 || !r->use[2 * (size_t)c + s].ok)
				continue;
			u = &r->use[2 * (size_t)c + s];
			set = &rec->set[s];
			/*
			 * A migrated task is in two CPUs' sets: its memory
			 * goes in once (pairwise over at most one load per
			 * entry).
			 */
			for (j = 0; j < first; j++) {
				const struct mdelf_load *l = &r->loads[j];

				if (overlaps(l->vaddr, l->filesz, set->task,
					     u->tsize) ||
				    overlaps(l->vaddr, l->filesz, set->stack,
					     u->slen))
					break;
			}
			if (j < first) {
				r->merged++;
				say(&x, "cpu %" PRIu32 " set %" PRIu32 ": task "
				    "0x%" PRIx64 " (pid %" PRIu32 ") overlaps "
				    "cpu %" PRIu32 " set %" PRIu32 "'s %s (a "
				    "migrated task): its PT_LOADs are not added "
				    "again", c, s, set->task, set->pid,
				    owner[j] / 2, owner[j] % 2,
				    r->loads[j].name);
				continue;
			}
			sec = named[c] ? v[u->task].seq : pass;
			csize = v[r->cvi[u->chunk]].size;
			add_load(r, v, u->task, set->task, sec);
			for (i = 0; i < rec->chunks; i++)
				add_load(r, v, r->cvi[u->chunk + i],
					 set->stack + i * csize,
					 named[c] ? v[r->cvi[u->chunk + i]].seq :
					 pass);
			for (j = first; j < r->nloads; j++)
				owner[j] = 2 * c + s;
			if (!pass && !named[c] && rec->chunks == 1)
				add_aliases(r, c, first + 1);
		}
	}
	if (log && x.msgs > CPUSETS_MAX_MSGS)
		fprintf(log, "mdfw: cpu_sets: %u more lines about sets not "
			"shown\n", x.msgs - CPUSETS_MAX_MSGS);
out:
	free(owner);
	free(run);
	free(named);
	return ret;
}

struct mdelf_extra cpusets_extra(const struct cpusets_result *r)
{
	struct mdelf_extra x = { r->loads, r->sec_seq, r->nloads, r->alias,
				 r->nalias };

	return x;
}

void cpusets_line(const struct cpusets_result *r, char *out, size_t len)
{
	if (r->state == CPUSETS_NONE)
		snprintf(out, len, "%s", "");
	else if (r->state == CPUSETS_UNUSABLE)
		snprintf(out, len, "cpu_sets: unusable: %s", r->why);
	else
		snprintf(out, len, "cpu_sets: %" PRIu32 " CPUs, %" PRIu32
			 " of %" PRIu32 " sets usable, %" PRIu32 " PT_LOADs "
			 "added%s; running set found by stack pointer on %"
			 PRIu32 " of %" PRIu32 " CPUs", r->ncpus, r->usable,
			 2 * r->ncpus, r->nloads, r->merged ? " (a migrated "
			 "task in two sets: added once)" : "", r->by_sp,
			 r->ncpus);
}
