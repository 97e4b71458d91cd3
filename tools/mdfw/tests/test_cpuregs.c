// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of cpuregs.c: QEMU's dump-guest-memory ELF (crafted here as
 * QEMU 7.2 writes it: ELF64 core, PT_NOTE first, per vCPU a "CORE"
 * NT_PRSTATUS with pr_pid = cpu + 1, then per vCPU a "QEMU" CPU-state
 * note), hostile sizes and counts, cpu_regs.notes, the merge with the
 * kernel's notes, the manifest line, and random mutations (run under
 * ASan/UBSan too; MDFW_FUZZ_ITERS, MDFW_FUZZ_SEED).
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cpuregs.h"
#include "tap.h"

#define X86	(&cpuregs_x86_64)
#define PR	336	/* x86-64 struct elf_prstatus */

static size_t note(uint8_t *d, const char *name, uint32_t type,
		   const uint8_t *desc, uint32_t descsz)
{
	uint32_t namesz = (uint32_t)strlen(name) + 1;
	size_t o = 12;

	put_le32(d, namesz);
	put_le32(d + 4, descsz);
	put_le32(d + 8, type);
	memcpy(d + o, name, namesz);
	o += (namesz + 3) & ~3u;
	memset(d + o, 0, (descsz + 3) & ~3u);
	if (descsz)
		memcpy(d + o, desc, descsz);
	return o + ((descsz + 3) & ~3u);
}

/* A prstatus descriptor: pid, and every register = base + index. */
static void pr_desc(uint8_t *d, uint32_t pid, uint64_t base)
{
	unsigned int i;

	memset(d, 0, PR);
	put_le32(d + CPUREGS_PR_PID_OFF, pid);
	for (i = 0; base && i < (27 * 8) / 8; i++)
		put_le64(d + CPUREGS_PR_REG_OFF + 8 * i, base + i);
}

static void put_phdr(uint8_t *d, uint32_t type, uint64_t off, uint64_t sz)
{
	memset(d, 0, sizeof(Elf64_Phdr));
	put_le32(d, type);
	put_le64(d + 8, off);
	put_le64(d + 32, sz);
	put_le64(d + 40, sz);
}

/* QEMU-style ELF of ncpu vCPUs in buf (big enough); returns its size. */
static size_t qemu_elf(uint8_t *buf, uint32_t ncpu)
{
	uint8_t desc[PR], qemu[0x1b0];
	size_t o = 64 + 2 * sizeof(Elf64_Phdr), notes = o;
	uint32_t c;

	memset(buf, 0, o);
	memcpy(buf, ELFMAG, SELFMAG);
	buf[EI_CLASS] = ELFCLASS64;
	buf[EI_DATA] = ELFDATA2LSB;
	buf[EI_VERSION] = EV_CURRENT;
	buf[16] = ET_CORE;
	buf[18] = EM_X86_64;
	put_le32(buf + 20, EV_CURRENT);
	put_le64(buf + 32, 64);		/* e_phoff */
	buf[52] = 64;			/* e_ehsize */
	buf[54] = sizeof(Elf64_Phdr);
	buf[56] = 2;			/* e_phnum */
	for (c = 0; c < ncpu; c++) {
		pr_desc(desc, c + 1, UINT64_C(0xffffffff81000000) + c * 0x100);
		o += note(buf + o, "CORE", NT_PRSTATUS, desc, PR);
	}
	memset(qemu, 0x5a, sizeof(qemu));
	for (c = 0; c < ncpu; c++)
		o += note(buf + o, "QEMU", 0, qemu, sizeof(qemu));
	put_phdr(buf + 64, PT_NOTE, notes, o - notes);
	memset(buf + o, 0xcc, 4096);	/* the one page of RAM */
	put_phdr(buf + 64 + sizeof(Elf64_Phdr), PT_LOAD, o, 4096);
	return o + 4096;
}

static uint8_t big[(CPUREGS_MAX_CPUS + 2) * 1024];

TEST(qemu_elf_valid)
{
	struct cpuregs r;
	char err[256];
	size_t len = qemu_elf(big, 4);

	CHECK(cpuregs_from_qemu_elf(big, len, &r, err, sizeof(err)) == 0);
	CHECK(r.n == 4);
	for (uint32_t c = 0; c < r.n; c++) {
		CHECK(cpuregs_pid(r.desc + c * PR) == c + 1);
		CHECK(cpuregs_reg(r.desc + c * PR, X86, 16) ==
		      UINT64_C(0xffffffff81000000) + c * 0x100 + 16);
	}
	cpuregs_free(&r);
	/* The most CPUs allowed, and one more. */
	len = qemu_elf(big, CPUREGS_MAX_CPUS);
	CHECK(cpuregs_from_qemu_elf(big, len, &r, err, sizeof(err)) == 0 &&
	      r.n == CPUREGS_MAX_CPUS);
	cpuregs_free(&r);
	len = qemu_elf(big, CPUREGS_MAX_CPUS + 1);
	CHECK(cpuregs_from_qemu_elf(big, len, &r, err, sizeof(err)) < 0 &&
	      strstr(err, "more than 4096"));
	CHECK(!r.desc && !r.n);
}

TEST(qemu_elf_hostile)
{
	static uint8_t b[8192];
	struct cpuregs r;
	char err[256];
	size_t len = qemu_elf(b, 2), notes = 64 + 2 * sizeof(Elf64_Phdr);
	uint8_t save[sizeof(b)];

	memcpy(save, b, sizeof(b));
#define BAD(mutate, what)						\
	do {								\
		memcpy(b, save, sizeof(b));				\
		mutate;							\
		CHECKF(cpuregs_from_qemu_elf(b, len, &r, err,		\
			sizeof(err)) < 0 && strstr(err, what), "%s", err); \
	} while (0)
	BAD(b[0] = 0, "ELF64");
	BAD(b[EI_CLASS] = ELFCLASS32, "ELF64");
	BAD(b[18] = EM_ARM, "x86-64 or aarch64");
	/* An aarch64 core whose NT_PRSTATUS have the x86-64 size. */
	BAD(b[18] = EM_AARCH64, "expected 392 (aarch64)");
	BAD(b[56] = 0xff, "not inside");		/* e_phnum 255 */
	BAD(put_le64(b + 32, UINT64_MAX - 8), "not inside");
	BAD(b[56] = 0, "not inside");
	BAD(put_le64(b + 64 + 32, len), "PT_NOTE 0");	/* p_filesz */
	BAD(put_le64(b + 64 + 8, UINT64_MAX), "PT_NOTE 0");
	BAD(put_le32(b + notes, 0xfffffff0), "name size");
	BAD(put_le32(b + notes + 4, 0xfffffffc), "descriptor size");
	BAD(put_le32(b + notes + 4, 200), "200 bytes");	/* NT_PRSTATUS size */
	BAD(put_le32(b + notes + 20 + CPUREGS_PR_PID_OFF, 7), "pr_pid 7");
	BAD(put_le32(b + 64, PT_LOAD), "no PT_NOTE");
	/* The page of RAM as a second PT_NOTE over the notes: overlap. */
	BAD(put_le32(b + 64 + 56, PT_NOTE); put_le64(b + 64 + 56 + 8, notes);
	    put_le64(b + 64 + 56 + 32, len - notes - 100), "add up to more");
	BAD(put_le32(b + notes + 8, NT_PRPSINFO);
	    put_le32(b + notes + CPUREGS_NOTE_SIZE(X86) + 8, NT_PRPSINFO),
	    "no NT_PRSTATUS");
	/* Too short for anything. */
	CHECK(cpuregs_from_qemu_elf(save, 10, &r, err, sizeof(err)) < 0);
	/* Truncated inside the notes: PT_NOTE past the end. */
	CHECK(cpuregs_from_qemu_elf(save, notes + 100, &r, err,
				    sizeof(err)) < 0);
#undef BAD
}

TEST(notes_file)
{
	struct cpuregs r, r2;
	uint8_t *enc;
	size_t len, elen;
	char err[256];

	len = qemu_elf(big, 3);
	CHECK(cpuregs_from_qemu_elf(big, len, &r, err, sizeof(err)) == 0);
	CHECK(cpuregs_encode(&r, &enc, &elen) == 0);
	CHECK(elen == 3 * CPUREGS_NOTE_SIZE(X86));
	/* The file is exactly QEMU's three NT_PRSTATUS notes. */
	CHECK(!memcmp(enc, big + 64 + 2 * sizeof(Elf64_Phdr), elen));
	CHECK(cpuregs_parse_file(enc, elen, X86, &r2, err, sizeof(err)) == 0);
	CHECK(r2.n == 3 && !memcmp(r2.desc, r.desc, 3 * PR));
	cpuregs_free(&r2);
	/* Strict: a CORE note of another type, a short file, nothing. */
	put_le32(enc + CPUREGS_NOTE_SIZE(X86) + 8, NT_PRPSINFO);
	CHECK(cpuregs_parse_file(enc, elen, X86, &r2, err, sizeof(err)) < 0);
	CHECK(cpuregs_parse_file(enc, elen - 1, X86, &r2, err, sizeof(err)) < 0);
	CHECK(cpuregs_parse_file(enc, 0, X86, &r2, err, sizeof(err)) < 0);
	CHECK(cpuregs_parse_file(big, (size_t)(CPUREGS_MAX_CPUS + 1) *
				 CPUREGS_NOTE_SIZE(X86), X86, &r2, err,
				 sizeof(err)) < 0);
	free(enc);
	cpuregs_free(&r);
}

/* Kernel notes: ncpu NT_PRSTATUS (regs[c] != 0: saved), PRPSINFO, VMCI. */
static size_t kernel_notes(uint8_t *d, uint32_t ncpu, const bool *saved)
{
	uint8_t desc[PR], ps[136] = { 0 };
	static const char vmci[] = "OSRELEASE=6.12.0\nPAGESIZE=4096\n";
	size_t o = 0;
	uint32_t c;

	for (c = 0; c < ncpu; c++) {
		pr_desc(desc, c ? 0 : 77, saved[c] ?
			UINT64_C(0xffffffff90000000) + c : 0);
		o += note(d + o, "CORE", NT_PRSTATUS, desc, PR);
	}
	o += note(d + o, "CORE", NT_PRPSINFO, ps, sizeof(ps));
	o += note(d + o, "VMCOREINFO", 0, (const uint8_t *)vmci,
		  sizeof(vmci) - 1);
	memset(d + o, 0, 64);	/* the kernel's zero padding */
	return o + 64;
}

/*
 * The merged notes: ncpu PRSTATUS, then MDFW, then others. pr_pid: the
 * kernel's, whoever saved the registers (kernel_notes() gives CPU 0 pid
 * 77, the others the idle pid 0, which becomes SYNTH + cpu); QEMU's
 * cpu + 1 for a CPU past the kernel's @nk notes.
 */
static void check_merged(const uint8_t *m, size_t mlen, uint32_t ncpu,
			 uint32_t nk, const char *want_src)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	size_t sl = 0;
	const uint8_t *src;
	uint32_t c = 0, other = 0;

	cpuregs_walk_init(&w, m, mlen);
	while (cpuregs_note_next(&w, &n, NULL, 0) > 0) {
		if (cpuregs_is_prstatus(&n, X86)) {
			CHECKF(c < ncpu && !other, "prstatus %u", c);
			uint32_t want = c >= nk ? c + 1 :
					c ? CPUREGS_PID_SYNTH + c : 77;

			CHECKF(cpuregs_pid(n.desc) == want, "cpu %u pid %u, want %u",
			       c, cpuregs_pid(n.desc), want);
			c++;
		} else {
			other++;
		}
	}
	CHECK(c == ncpu && other == 3);
	src = cpuregs_find_source(m, mlen, &sl);
	CHECK(src && sl == ncpu && !memcmp(src, want_src, ncpu));
}

TEST(merge)
{
	static uint8_t k[8 * (20 + PR) + 1024];
	bool saved[4] = { true, false, false, false };
	struct cpuregs fw;
	struct cpuregs_walk w;
	struct cpuregs_note n;
	uint8_t *m;
	size_t klen, mlen;
	char err[256], src[16];
	size_t len = qemu_elf(big, 2);

	CHECK(cpuregs_from_qemu_elf(big, len, &fw, err, sizeof(err)) == 0);
	/* CPU 0 saved by the kernel (panic), CPU 1 not: QEMU's. */
	klen = kernel_notes(k, 2, saved);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) == 0);
	CHECK(!strcmp(src, "kf"));
	check_merged(m, mlen, 2, 2, "kf");
	cpuregs_walk_init(&w, m, mlen);
	cpuregs_note_next(&w, &n, NULL, 0);
	CHECK(cpuregs_reg(n.desc, X86, 0) == UINT64_C(0xffffffff90000000));
	cpuregs_note_next(&w, &n, NULL, 0);
	CHECK(!memcmp(n.desc + CPUREGS_PR_REG_OFF, fw.desc + PR +
		      CPUREGS_PR_REG_OFF, (27 * 8)));
	free(m);
	/* Nothing saved (lockup): all QEMU's; all saved: all the kernel's. */
	saved[0] = false;
	klen = kernel_notes(k, 2, saved);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) == 0 && !strcmp(src, "ff"));
	free(m);
	saved[0] = saved[1] = true;
	klen = kernel_notes(k, 2, saved);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) == 0 && !strcmp(src, "kk"));
	check_merged(m, mlen, 2, 2, "kk");
	/* Merging the merged notes again changes nothing. */
	{
		uint8_t *m2;
		size_t m2len;

		CHECK(cpuregs_merge(m, mlen, X86, &fw, &m2, &m2len, src,
				    sizeof(src), err, sizeof(err)) == 0);
		CHECK(m2len == mlen && !memcmp(m, m2, mlen));
		free(m2);
	}
	free(m);
	/* Kernel knows 4 CPUs, QEMU 2: the others stay empty ('-'). */
	saved[0] = saved[1] = false;
	klen = kernel_notes(k, 4, saved);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) == 0 && !strcmp(src, "ff--"));
	check_merged(m, mlen, 4, 4, "ff--");
	free(m);
	/* Kernel 1 CPU, QEMU 2: QEMU's second is appended. */
	klen = kernel_notes(k, 1, saved);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) == 0 && !strcmp(src, "ff"));
	check_merged(m, mlen, 2, 1, "ff");
	free(m);
	/* Malformed kernel notes: refused, nothing allocated. */
	put_le32(k + 4, 0xffffff00);
	CHECK(cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src, sizeof(src), err,
			    sizeof(err)) < 0 && !m);
	cpuregs_free(&fw);
}

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(rng_state >> 33);
}

/*
 * The merged notes m[0, mlen) against the pid rule written out pairwise:
 * CPU i's pid is pre[i], unless it is 0 (then SYNTH + i) or another CPU
 * j holds it with authority (auth[j]: then CLASH + i). There must be ncpu
 * CPUs.
 */
static void check_pids(const uint8_t *m, size_t mlen, const uint32_t *pre,
		       const bool *auth, uint32_t ncpu, int it)
{
	struct cpuregs_walk w;
	struct cpuregs_note n;
	uint32_t i = 0;

	cpuregs_walk_init(&w, m, mlen);
	while (cpuregs_note_next(&w, &n, NULL, 0) > 0) {
		uint32_t want, j;
		bool taken = false;

		if (!cpuregs_is_prstatus(&n, X86))
			continue;
		want = i < ncpu ? pre[i] : 0;
		for (j = 0; j < ncpu; j++)
			if (j != i && auth[j] && pre[j] == want)
				taken = true;
		if (!want)
			want = CPUREGS_PID_SYNTH + i;
		else if (taken)
			want = CPUREGS_PID_CLASH + i;
		CHECKF(cpuregs_pid(n.desc) == want, "iteration %d cpu %u: pid "
		       "%u, want %u", it, i, cpuregs_pid(n.desc), want);
		i++;
	}
	CHECKF(i == ncpu, "iteration %d: %u CPUs, want %u", it, i, ncpu);
}

/*
 * pr_pid after random merges, against the rule written out pairwise
 * (check_pids()): the kernel's pid (QEMU's cpu + 1 past the kernel's
 * CPUs), held with authority if the kernel's note has registers. With
 * stacks, random CPU-set stacks around the stack pointers too: the pid
 * of the set whose stack holds the chosen note's rsp (newest set first),
 * held with authority. Returns how many CPUs' pids came from a set.
 */
static uint32_t random_pids(bool stacks, uint64_t seed, int iters)
{
	static uint8_t k[64 * (20 + PR)];
	static struct cpuregs_stack st[2 * 64];
	static char src[64 + 1];
	uint8_t desc[PR];
	struct cpuregs fw = { 0 };
	uint32_t kpid[64], pre[64], matched, nmatch = 0;
	bool kregs[64], auth[64];
	char err[256];

	rng_state = seed;
	fw.arch = X86;
	fw.desc = calloc(64, PR);
	CHECK(fw.desc);
	for (int it = 0; fw.desc && it < iters; it++) {
		struct cpuregs_stacks stk = { rnd() % 48, st };
		uint32_t nk = rnd() % 40, c, want_matched = 0, ncpu;
		size_t klen = 0, mlen;
		uint8_t *m;
		int ret;

		fw.n = rnd() % 48;
		ncpu = nk > fw.n ? nk : fw.n;
		for (c = 0; c < nk; c++) {
			/* Few pids, so that they clash. */
			kpid[c] = rnd() % 6;
			kregs[c] = rnd() % 3 != 0;
			pr_desc(desc, kpid[c], kregs[c] ? 0x1000 + c : 0);
			klen += note(k + klen, "CORE", NT_PRSTATUS, desc, PR);
		}
		for (c = 0; c < fw.n; c++)
			pr_desc(fw.desc + (size_t)c * PR, c + 1, 0x2000 + c);
		/* rsp = base + 19: stacks around it, a few pids. */
		for (c = 0; stacks && c < 2 * stk.ncpus; c++) {
			st[c].lo = (rnd() & 1 ? 0x1000 : 0x2000) + c / 2 +
				   rnd() % 40;
			st[c].len = rnd() % 4 ? rnd() % 8 : 0;
			st[c].pid = rnd() % 8;
		}
		for (c = 0; c < ncpu; c++) {
			bool regs = (c < nk && kregs[c]) || c < fw.n;
			uint64_t sp = (c < nk && kregs[c] ? 0x1000 + c :
				       0x2000 + c) + 19;
			unsigned int j;

			pre[c] = c < nk ? kpid[c] : c + 1;
			auth[c] = c < nk && kregs[c];
			for (j = 0; stacks && regs && c < stk.ncpus && j < 2;
			     j++) {
				const struct cpuregs_stack *x = &st[2 * c + j];

				if (x->len && sp >= x->lo && sp < x->lo + x->len) {
					pre[c] = x->pid;
					auth[c] = true;
					want_matched++;
					break;
				}
			}
		}
		if (stacks)
			ret = cpuregs_merge_stacks(k, klen, X86, &fw, &stk, &m,
						   &mlen, src, sizeof(src),
						   &matched, err, sizeof(err));
		else
			ret = cpuregs_merge(k, klen, X86, &fw, &m, &mlen, src,
					    sizeof(src), err, sizeof(err));
		if (ret) {
			CHECKF(0, "%s", err);
			continue;
		}
		CHECKF(!stacks || matched == want_matched, "iteration %d: %u "
		       "matched, want %u", it, matched, want_matched);
		nmatch += want_matched;
		check_pids(m, mlen, pre, auth, ncpu, it);
		free(m);
		if (tap_case_failed)
			break;
	}
	cpuregs_free(&fw);
	return nmatch;
}

TEST(merge_pids)
{
	random_pids(false, 0x70696473, 2000);
}

TEST(merge_stack_pids)
{
	uint32_t n = random_pids(true, 0x737461636b, 3000);

	CHECKF(n > 1000, "%u stack pointers in a set", n);
}

/* aarch64: the stack pointer is pr_reg[31] of a 392-byte NT_PRSTATUS. */
TEST(merge_stack_pids_aarch64)
{
	const struct cpuregs_arch *a = &cpuregs_aarch64;
	struct cpuregs_stack st[4] = {
		{ 0xffff800080000000, 0x4000, 4242 }, { 0, 0, 0 },
		{ 0xffff800080010000, 0x4000, 17 },
		{ 0xffff800080020000, 0x4000, 18 },
	};
	struct cpuregs_stacks stk = { 2, st };
	uint8_t k[2 * (20 + 392)], desc[392];
	struct cpuregs_walk w;
	struct cpuregs_note n;
	uint32_t c, matched = 0, pids[2] = { 0, 0 };
	size_t klen = 0, mlen;
	char err[256], src[8];
	uint8_t *m;

	for (c = 0; c < 2; c++) {
		memset(desc, 0, sizeof(desc));
		put_le32(desc + CPUREGS_PR_PID_OFF, 900 + c);
		put_le64(desc + CPUREGS_PR_REG_OFF + 8 * 32, 0xffff800081000000);
		/* CPU 0: sp in its newest set; CPU 1: in its older one. */
		put_le64(desc + CPUREGS_PR_REG_OFF + 8 * 31, c ?
			 0xffff800080023ff0 : 0xffff800080000010);
		/* x19 (pr_reg[19], x86's rsp slot) in CPU 1's newest set. */
		put_le64(desc + CPUREGS_PR_REG_OFF + 8 * 19, 0xffff800080010010);
		klen += note(k + klen, "CORE", NT_PRSTATUS, desc, 392);
	}
	CHECK(cpuregs_merge_stacks(k, klen, a, NULL, &stk, &m, &mlen, src,
				   sizeof(src), &matched, err,
				   sizeof(err)) == 0);
	CHECK(matched == 2 && !strcmp(src, "kk"));
	cpuregs_walk_init(&w, m, mlen);
	for (c = 0; c < 2 && cpuregs_note_next(&w, &n, NULL, 0) > 0; c++)
		pids[c] = cpuregs_is_prstatus(&n, a) ? cpuregs_pid(n.desc) : 0;
	CHECKF(pids[0] == 4242 && pids[1] == 18, "%u %u", pids[0], pids[1]);
	free(m);
	/* No stacks, no firmware: nothing matched. */
	CHECK(cpuregs_merge_stacks(k, klen, a, NULL, NULL, &m, &mlen, NULL, 0,
				   &matched, err, sizeof(err)) == 0 &&
	      matched == 0);
	free(m);
}

TEST(manifest_line)
{
	char line[200], text[400];
	uint32_t n = 0;
	uint64_t b = 0;

	cpuregs_manifest_line(line, sizeof(line), 2, 712);
	CHECK(!strcmp(line, "cpu_regs: file cpu_regs.notes, 2 CPUs, 712 bytes, "
		      "from QEMU dump-guest-memory"));
	snprintf(text, sizeof(text), "# mdfw manifest v1\n# %s\nindex\n", line);
	CHECK(cpuregs_manifest_find(text, &n, &b) == 1 && n == 2 && b == 712);
	CHECK(cpuregs_manifest_find("# mdfw manifest v1\nindex\n", &n, &b) == 0);
	CHECK(cpuregs_manifest_find("x\n# cpu_regs: file cpu_regs.notes, "
				    "2 CPUs, 712 bytes, from QEMU\n", &n,
				    &b) < 0);
	CHECK(cpuregs_manifest_find("x\n# cpu_regs: file cpu_regs.notes, "
				    "99999 CPUs, 712 bytes, from QEMU "
				    "dump-guest-memory\n", &n, &b) < 0);
	CHECK(cpuregs_manifest_find("x\n# cpu_regs: file cpu_regs.notes, "
				    "2 CPUs, 99999999999999999999999 bytes, "
				    "from QEMU dump-guest-memory\n", &n,
				    &b) < 0);
	CHECK(cpuregs_manifest_find("x\n# cpu_regs: file cpu_regs.notes, "
				    "-2 CPUs, 7 bytes, from QEMU "
				    "dump-guest-memory\n", &n, &b) < 0);
}

/* Random mutations: parse and merge must stay in bounds and consistent. */
TEST(mutations)
{
	static uint8_t base[8192], b[8192], k[4096];
	bool saved[3] = { true, false, false };
	const char *s = getenv("MDFW_FUZZ_ITERS");
	long iters = s ? atol(s) : 50000;
	size_t blen = qemu_elf(base, 3), klen = kernel_notes(k, 3, saved);
	char err[256], src[CPUREGS_MAX_CPUS + 1];

	s = getenv("MDFW_FUZZ_SEED");
	rng_state = s ? strtoull(s, NULL, 0) : 0x6d646677;
	for (long it = 0; it < iters; it++) {
		struct cpuregs r;
		uint8_t *m = NULL;
		size_t mlen, len = blen;
		int nm = 1 + (int)(rnd() % 8);

		memcpy(b, base, blen);
		while (nm--) {
			size_t at = rnd() % blen;

			switch (rnd() % 4) {
			case 0:
				b[at] ^= (uint8_t)(1u << (rnd() % 8));
				break;
			case 1:
				b[at] = (uint8_t)rnd();
				break;
			case 2:
				if (at + 4 <= blen)
					put_le32(b + at, rnd() % 2 ?
						 0xffffffffu - rnd() % 16 :
						 rnd() % 512);
				break;
			default:
				len = rnd() % (blen + 1);
			}
		}
		if (cpuregs_from_qemu_elf(b, len, &r, err, sizeof(err)))
			continue;
		CHECKF(r.n >= 1 && r.n <= CPUREGS_MAX_CPUS, "n %u", r.n);
		for (uint32_t c = 0; c < r.n; c++)
			CHECKF(cpuregs_pid(r.desc + (size_t)c * PR) == c + 1,
			       "iteration %ld", it);
		/* Merge with mutated kernel notes too. */
		{
			uint8_t kk[sizeof(k)];

			memcpy(kk, k, klen);
			kk[rnd() % klen] ^= (uint8_t)rnd();
			if (!cpuregs_merge(kk, klen, X86, &r, &m, &mlen, src,
					   sizeof(src), err, sizeof(err))) {
				size_t sl = 0;
				const uint8_t *sp =
					cpuregs_find_source(m, mlen, &sl);

				CHECKF(sp && sl == strlen(src), "iteration %ld",
				       it);
				free(m);
			}
		}
		cpuregs_free(&r);
	}
}

/*
 * What a person sees for a pr_pid: the idle CPUs' synthetic pids (and the
 * kernel's 0) as "idle (swapper/N)", never the number; a clash said; a
 * synthetic pid of another CPU, or past the CPUs, as the number it is.
 */
TEST(pid_names)
{
	char b[48];

	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH + 1, 1, b,
				       sizeof(b)), "idle (swapper/1)"));
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH, 0, b, sizeof(b)),
		      "idle (swapper/0)"));
	CHECK(!strcmp(cpuregs_pid_name(0, 7, b, sizeof(b)),
		      "idle (swapper/7)"));
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH + 4095, 4095, b,
				       sizeof(b)), "idle (swapper/4095)"));
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_CLASH + 1, 1, b,
				       sizeof(b)),
		      "pid unknown (another CPU's)"));
	CHECK(!strcmp(cpuregs_pid_name(57, 1, b, sizeof(b)), "pid 57"));
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH + 1, 0, b,
				       sizeof(b)), "pid 4194305"));
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH + 4096, 4096, b,
				       sizeof(b)), "pid 4198400"));
	CHECK(!strcmp(cpuregs_pid_name(0xffffffffu, 0xffffffffu, b,
				       sizeof(b)), "pid 4294967295"));
	/* Truncated, NUL-terminated. */
	CHECK(!strcmp(cpuregs_pid_name(CPUREGS_PID_SYNTH + 1, 1, b, 5),
		      "idle"));
}

int main(void)
{
	RUN(qemu_elf_valid);
	RUN(qemu_elf_hostile);
	RUN(notes_file);
	RUN(merge);
	RUN(merge_pids);
	RUN(merge_stack_pids);
	RUN(merge_stack_pids_aarch64);
	RUN(manifest_line);
	RUN(pid_names);
	RUN(mutations);
	TAP_EXIT();
}
