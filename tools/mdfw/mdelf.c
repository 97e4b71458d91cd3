// SPDX-License-Identifier: GPL-2.0
/*
 * Parse the kernel's ELF core header region (md_KELF_HEADER.BIN) and
 * assemble dump.elf from a dump directory. See elf.h for the format.
 *
 * The header region comes from a crashed (possibly corrupt or hostile)
 * guest: it is read into memory once and decoded field by field with the
 * bounds-checked readers of buf.h, using the glibc <elf.h> structures only
 * for field offsets and sizes, never by casting pointers into the buffer.
 */
#include "mdelf.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "cpuregs.h"
#include "cpusets.h"
#include "scan.h"
#include "table.h"
#include "util.h"

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr");
_Static_assert(sizeof(Elf64_Nhdr) == 12, "Elf64_Nhdr");

#define COPY_CHUNK	(1u << 20)

static const char *const keys_x86_64[] = {
	"OSRELEASE", "PAGESIZE", "SYMBOL(swapper_pg_dir)", "KERNELOFFSET",
	"NUMBER(phys_base)", NULL
};

static const char *const keys_aarch64[] = {
	"OSRELEASE", "PAGESIZE", "SYMBOL(swapper_pg_dir)", "KERNELOFFSET",
	"NUMBER(VA_BITS)", "NUMBER(kimage_voffset)", "NUMBER(PHYS_OFFSET)",
	NULL
};

const char *const *mdelf_required_keys(uint16_t machine)
{
	return machine == EM_AARCH64 ? keys_aarch64 : keys_x86_64;
}

static bool get_le16(const struct mdfw_buf *b, size_t off, uint16_t *v)
{
	if (!buf_has(b, off, 2))
		return false;
	*v = (uint16_t)(b->p[off] | b->p[off + 1] << 8);
	return true;
}

static void put_le16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)v;
	d[1] = (uint8_t)(v >> 8);
}

#define EH(f)	offsetof(Elf64_Ehdr, f)
#define PH(f)	offsetof(Elf64_Phdr, f)

static void put_ehdr(uint8_t *d, const Elf64_Ehdr *e)
{
	memcpy(d, e->e_ident, EI_NIDENT);
	put_le16(d + EH(e_type), e->e_type);
	put_le16(d + EH(e_machine), e->e_machine);
	put_le32(d + EH(e_version), e->e_version);
	put_le64(d + EH(e_entry), e->e_entry);
	put_le64(d + EH(e_phoff), e->e_phoff);
	put_le64(d + EH(e_shoff), e->e_shoff);
	put_le32(d + EH(e_flags), e->e_flags);
	put_le16(d + EH(e_ehsize), e->e_ehsize);
	put_le16(d + EH(e_phentsize), e->e_phentsize);
	put_le16(d + EH(e_phnum), e->e_phnum);
	put_le16(d + EH(e_shentsize), e->e_shentsize);
	put_le16(d + EH(e_shnum), e->e_shnum);
	put_le16(d + EH(e_shstrndx), e->e_shstrndx);
}

static void put_phdr(uint8_t *d, const Elf64_Phdr *p)
{
	put_le32(d + PH(p_type), p->p_type);
	put_le32(d + PH(p_flags), p->p_flags);
	put_le64(d + PH(p_offset), p->p_offset);
	put_le64(d + PH(p_vaddr), p->p_vaddr);
	put_le64(d + PH(p_paddr), p->p_paddr);
	put_le64(d + PH(p_filesz), p->p_filesz);
	put_le64(d + PH(p_memsz), p->p_memsz);
	put_le64(d + PH(p_align), p->p_align);
}

#define SH(f)	offsetof(Elf64_Shdr, f)
_Static_assert(sizeof(Elf64_Shdr) == 64, "Elf64_Shdr");

/* A section header; sh_link, sh_info, sh_addralign, sh_entsize 0. */
static void put_shdr(uint8_t *d, uint32_t name, uint32_t type, uint64_t flags,
		     uint64_t addr, uint64_t off, uint64_t size)
{
	put_le32(d + SH(sh_name), name);
	put_le32(d + SH(sh_type), type);
	put_le64(d + SH(sh_flags), flags);
	put_le64(d + SH(sh_addr), addr);
	put_le64(d + SH(sh_offset), off);
	put_le64(d + SH(sh_size), size);
}

static bool get_phdr(const struct mdfw_buf *b, size_t off, Elf64_Phdr *p)
{
	return buf_get_le32(b, off + PH(p_type), &p->p_type) &&
	       buf_get_le32(b, off + PH(p_flags), &p->p_flags) &&
	       buf_get_le64(b, off + PH(p_offset), &p->p_offset) &&
	       buf_get_le64(b, off + PH(p_vaddr), &p->p_vaddr) &&
	       buf_get_le64(b, off + PH(p_paddr), &p->p_paddr) &&
	       buf_get_le64(b, off + PH(p_filesz), &p->p_filesz) &&
	       buf_get_le64(b, off + PH(p_memsz), &p->p_memsz) &&
	       buf_get_le64(b, off + PH(p_align), &p->p_align);
}

/* ---- notes ------------------------------------------------------------ */

int mdelf_parse_notes(const uint8_t *p, size_t len,
		      const struct cpuregs_arch *a, struct mdelf_notes *n,
		      char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	struct scan_zero z = { 0 };
	size_t off = 0;

	memset(n, 0, sizeof(*n));
	while (off < len) {
		uint32_t namesz = 0, descsz = 0, type = 0;
		size_t name_off, desc_off, left;
		const char *name;

		if (len - off < sizeof(Elf64_Nhdr)) {
			if (scan_rest_zero(&z, p, len, off))
				break;
			set_err(err, errlen, "note at +%zu: truncated header "
				"(%zu bytes left)", off, len - off);
			return -1;
		}
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_namesz), &namesz);
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_descsz), &descsz);
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_type), &type);
		if (!namesz && !descsz && !type &&
		    scan_rest_zero(&z, p, len, off))
			break;	/* zero padding at the end */
		name_off = off + sizeof(Elf64_Nhdr);
		left = len - name_off;
		if (namesz > left || pad4(namesz) > left) {
			set_err(err, errlen, "note %u at +%zu: name size %"
				PRIu32 " exceeds the segment", n->n_notes, off,
				namesz);
			return -1;
		}
		desc_off = name_off + pad4(namesz);
		left = len - desc_off;
		if (descsz > left || pad4(descsz) > left) {
			set_err(err, errlen, "note %u at +%zu: descriptor size %"
				PRIu32 " exceeds the segment", n->n_notes, off,
				descsz);
			return -1;
		}
		name = (const char *)p + name_off;
		n->n_notes++;
		if (namesz == 5 && !memcmp(name, "CORE", 5) &&
		    type == NT_PRSTATUS) {
			n->n_prstatus++;
			if (descsz == a->prstatus_size) {
				if (cpuregs_has_regs(p + desc_off, a))
					n->n_prstatus_regs++;
			} else {
				n->n_prstatus_badsize++;
			}
		} else if (namesz == 5 && !memcmp(name, "CORE", 5) &&
			   type == NT_PRPSINFO) {
			n->n_prpsinfo++;
		} else if (namesz == sizeof(MDELF_GEN_NOTE) &&
			   !memcmp(name, MDELF_GEN_NOTE, namesz) &&
			   type == MDELF_GEN_TYPE && descsz == MDELF_GEN_SIZE) {
			if (!n->n_generation++)
				buf_get_le64(&b, desc_off, &n->generation);
		} else if (namesz == 11 && !memcmp(name, "VMCOREINFO", 11) &&
			   type == 0) {
			if (!n->n_vmcoreinfo++) {
				size_t l = descsz;

				n->vmcoreinfo = (const char *)p + desc_off;
				while (l && !n->vmcoreinfo[l - 1])
					l--;
				n->vmcoreinfo_len = l;
			}
		} else {
			n->n_other++;
		}
		scan_count(desc_off + pad4(descsz) - off);
		off = desc_off + pad4(descsz);
	}
	return 0;
}

const char *mdelf_vmcoreinfo_get(const struct mdelf_notes *n, const char *key,
				 size_t *vlen)
{
	const char *s = n->vmcoreinfo, *end = s ? s + n->vmcoreinfo_len : s;
	size_t klen = strlen(key);

	while (s && s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *le = nl ? nl : end;

		if ((size_t)(le - s) > klen && !memcmp(s, key, klen) &&
		    s[klen] == '=') {
			if (vlen)
				*vlen = (size_t)(le - s - (ptrdiff_t)klen - 1);
			return s + klen + 1;
		}
		s = nl ? nl + 1 : end;
	}
	return NULL;
}

/* ---- section headers and STR_TBL ----------------------------------- */

static const char *const reserved_names[] = {
	MDELF_SEC_STRTAB, MDELF_SEC_TABLE, MDELF_SEC_BANNER
};

/* What a section name's region part may hold: no '.', '/' or '@'. */
static bool sec_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

void mdelf_seq_name(const char *name, uint32_t seq, char *out, size_t outlen)
{
	if (seq == 0)
		snprintf(out, outlen, "%s", name);
	else
		snprintf(out, outlen, "%s@%" PRIu32, name, seq);
}

void mdelf_section_name(const struct mdelf_load *l, char *out, size_t outlen)
{
	mdelf_seq_name(l->name, l->seq, out, outlen);
}

bool mdelf_parse_section_name(const char *s, size_t len,
			      struct mdelf_load *l)
{
	size_t n = 0, i;
	uint64_t seq = 0;

	while (n < len && s[n] != '@') {
		if (!sec_char_ok(s[n]))
			return false;
		n++;
	}
	if (n == 0 || n >= MDELF_NAME_LEN)
		return false;
	if (n < len) {
		/* "@<seq>": 1..10 digits, no leading zero, 0 < seq < 2^32 */
		if (len - n < 2 || len - n > 11 || s[n + 1] == '0')
			return false;
		for (i = n + 1; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return false;
			seq = seq * 10 + (uint64_t)(s[i] - '0');
		}
		if (seq > UINT32_MAX)
			return false;
	}
	/* A reserved name is no region's, whatever its seq. */
	for (i = 0; i < ARRAY_SIZE(reserved_names); i++)
		if (strlen(reserved_names[i]) == n &&
		    !memcmp(s, reserved_names[i], n))
			return false;
	memcpy(l->name, s, n);
	l->name[n] = '\0';
	l->seq = (uint32_t)seq;
	return true;
}

int mdelf_ehdr_sections(const uint8_t *eh, uint32_t nloads, uint64_t *shoff,
			uint32_t *nalias, char *err, size_t errlen)
{
	struct mdfw_buf b = { eh, sizeof(Elf64_Ehdr) };
	uint16_t shentsize = 0, shnum = 0, shstrndx = 0;
	uint64_t want = (uint64_t)MDELF_SEC_FIXED + nloads;

	buf_get_le64(&b, EH(e_shoff), shoff);
	get_le16(&b, EH(e_shentsize), &shentsize);
	get_le16(&b, EH(e_shnum), &shnum);
	get_le16(&b, EH(e_shstrndx), &shstrndx);
	if (!*shoff && !shnum)
		return 0;
	if (nalias && shnum > want && shnum - want <= CPUSETS_MAX_ALIASES) {
		*nalias = (uint32_t)(shnum - want);
		want = shnum;
	} else if (nalias) {
		*nalias = 0;
	}
	/* nloads < 65535 (e_phnum): 4 + nloads may not fit e_shnum. */
	if (shentsize != sizeof(Elf64_Shdr) || shnum != want ||
	    shstrndx != 1) {
		set_err(err, errlen, "e_shentsize %u, e_shnum %u, e_shstrndx "
			"%u: expected 64, %" PRIu64 " (4 + %" PRIu32
			" PT_LOADs%s), 1", shentsize, shnum, shstrndx,
			(uint64_t)MDELF_SEC_FIXED + nloads, nloads, nalias ?
			", + at most 8192 aliases" : "");
		return -1;
	}
	return 1;
}

int mdelf_strtab(const uint8_t *sh, size_t shlen, uint64_t *off,
		 uint64_t *size, char *err, size_t errlen)
{
	struct mdfw_buf b = { sh, shlen };
	uint32_t type = 0;
	size_t i;

	if (shlen < 2 * sizeof(Elf64_Shdr)) {
		set_err(err, errlen, "fewer than 2 section headers");
		return -1;
	}
	for (i = 0; i < sizeof(Elf64_Shdr); i++) {
		if (sh[i]) {
			set_err(err, errlen, "section 0: byte %zu is not zero",
				i);
			return -1;
		}
	}
	buf_get_le32(&b, sizeof(Elf64_Shdr) + SH(sh_type), &type);
	buf_get_le64(&b, sizeof(Elf64_Shdr) + SH(sh_offset), off);
	buf_get_le64(&b, sizeof(Elf64_Shdr) + SH(sh_size), size);
	if (type != SHT_STRTAB) {
		set_err(err, errlen, "section 1 (%s) has type %" PRIu32
			", expected SHT_STRTAB", MDELF_SEC_STRTAB, type);
		return -1;
	}
	return 0;
}

/*
 * Section k's name: a pointer into str and its length (no NUL), or NULL
 * with err. Looks at most MDELF_SECNAME_LEN bytes: longer is no name of
 * ours, and hostile sh_names then cost O(1) each.
 */
static const char *sec_name(const uint8_t *str, size_t strsize, uint32_t k,
			    uint32_t sh_name, size_t *len, char *err,
			    size_t errlen)
{
	size_t max;
	const uint8_t *nul;

	if (sh_name >= strsize) {
		set_err(err, errlen, "section %" PRIu32 ": sh_name %" PRIu32
			" is outside the %zu-byte %s", k, sh_name, strsize,
			MDELF_SEC_STRTAB);
		return NULL;
	}
	max = strsize - sh_name;
	if (max > MDELF_SECNAME_LEN)
		max = MDELF_SECNAME_LEN;
	nul = memchr(str + sh_name, 0, max);
	if (!nul) {
		set_err(err, errlen, "section %" PRIu32 ": the name at +%"
			PRIu32 " of %s has no NUL %s", k, sh_name,
			MDELF_SEC_STRTAB,
			max < MDELF_SECNAME_LEN ? "before its end" :
			"within 27 bytes");
		return NULL;
	}
	*len = (size_t)(nul - (str + sh_name));
	return (const char *)str + sh_name;
}

static int cmp_load_name(const void *a, const void *b)
{
	const struct mdelf_load *x = *(const struct mdelf_load *const *)a;
	const struct mdelf_load *y = *(const struct mdelf_load *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return x < y ? -1 : x > y;
}

/*
 * No section name twice: each PT_LOAD's bytes are one md file, and a
 * header naming one file many times would make dump.elf copy it many
 * times. (name, seq) pairs and section names map one to one. Sorting
 * keeps this O(n log n) for 65534 PT_LOADs.
 */
static int names_unique(const struct mdelf_load *loads, uint32_t n,
			char *err, size_t errlen)
{
	const struct mdelf_load **v;
	char sn[MDELF_SECNAME_LEN];
	uint32_t i;
	int ret = 0;

	if (n < 2)
		return 0;
	v = malloc((size_t)n * sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		v[i] = &loads[i];
	qsort(v, n, sizeof(*v), cmp_load_name);
	for (i = 1; i < n; i++) {
		if (v[i]->seq == v[i - 1]->seq &&
		    !strcmp(v[i]->name, v[i - 1]->name)) {
			mdelf_section_name(v[i], sn, sizeof(sn));
			set_err(err, errlen, "sections %td and %td are both "
				"named %s (a repeated name is refused)",
				v[i - 1] - loads + MDELF_SEC_FIXED,
				v[i] - loads + MDELF_SEC_FIXED, sn);
			ret = -1;
			break;
		}
	}
	free(v);
	return ret;
}

int mdelf_name_loads(const uint8_t *sh, size_t shlen, const uint8_t *str,
		     size_t strsize, struct mdelf_load *loads, uint32_t nloads,
		     uint64_t *banner, char *err, size_t errlen)
{
	static const char *const fixed[MDELF_SEC_FIXED] = {
		NULL, MDELF_SEC_STRTAB, MDELF_SEC_TABLE, MDELF_SEC_BANNER
	};
	struct mdfw_buf b = { sh, shlen };
	uint32_t k, sh_name = 0, type = 0;
	const char *name;
	size_t i, len = 0;

	if (shlen / sizeof(Elf64_Shdr) != (uint64_t)MDELF_SEC_FIXED + nloads) {
		set_err(err, errlen, "%zu section headers for %" PRIu32
			" PT_LOADs", shlen / sizeof(Elf64_Shdr), nloads);
		return -1;
	}
	if (strsize < MDELF_STR_FIXED + MDELF_STR_TAIL) {
		set_err(err, errlen, "%s: %zu bytes, too short",
			MDELF_SEC_STRTAB, strsize);
		return -1;
	}
	for (i = strsize - MDELF_STR_TAIL; i < strsize; i++) {
		if (str[i]) {
			set_err(err, errlen, "%s does not end in %d NULs",
				MDELF_SEC_STRTAB, MDELF_STR_TAIL);
			return -1;
		}
	}
	for (k = 1; k < MDELF_SEC_FIXED; k++) {
		size_t o = (size_t)k * sizeof(Elf64_Shdr);

		buf_get_le32(&b, o + SH(sh_name), &sh_name);
		name = sec_name(str, strsize, k, sh_name, &len, err, errlen);
		if (!name)
			return -1;
		if (len != strlen(fixed[k]) || memcmp(name, fixed[k], len)) {
			set_err(err, errlen, "section %" PRIu32 " is not "
				"named %s", k, fixed[k]);
			return -1;
		}
	}
	buf_get_le64(&b, 3 * sizeof(Elf64_Shdr) + SH(sh_addr), banner);
	for (k = 0; k < nloads; k++) {
		size_t o = (size_t)(MDELF_SEC_FIXED + k) * sizeof(Elf64_Shdr);
		struct mdelf_load *l = &loads[k];
		uint64_t addr = 0, off = 0, size = 0;
		uint32_t sk = MDELF_SEC_FIXED + k;

		buf_get_le32(&b, o + SH(sh_name), &sh_name);
		buf_get_le32(&b, o + SH(sh_type), &type);
		buf_get_le64(&b, o + SH(sh_addr), &addr);
		buf_get_le64(&b, o + SH(sh_offset), &off);
		buf_get_le64(&b, o + SH(sh_size), &size);
		scan_count(sizeof(Elf64_Shdr));
		if (type != SHT_PROGBITS) {
			set_err(err, errlen, "section %" PRIu32 " has type %"
				PRIu32 ", expected SHT_PROGBITS", sk, type);
			return -1;
		}
		if (addr != l->vaddr || off != l->offset || size != l->filesz) {
			set_err(err, errlen, "section %" PRIu32 " (sh_addr 0x%"
				PRIx64 ", sh_offset 0x%" PRIx64 ", sh_size 0x%"
				PRIx64 ") does not describe PT_LOAD %" PRIu32
				" (p_vaddr 0x%" PRIx64 ", p_offset 0x%" PRIx64
				", p_filesz 0x%" PRIx64 ")", sk, addr, off,
				size, k + 1, l->vaddr, l->offset, l->filesz);
			return -1;
		}
		name = sec_name(str, strsize, sk, sh_name, &len, err, errlen);
		if (!name)
			return -1;
		if (!mdelf_parse_section_name(name, len, l)) {
			char esc[MDELF_SECNAME_LEN * 4 + 1];

			set_err(err, errlen, "section %" PRIu32 ": name \"%s\" "
				"is not [A-Za-z0-9_]{1,15} or that and "
				"@<seq>, or is reserved", sk,
				escape_bytes(name, len, esc, sizeof(esc)));
			return -1;
		}
	}
	return names_unique(loads, nloads, err, errlen);
}

/* A KSTACK<c>_<i> section of dump.elf: a load's (seq 0) or an alias. */
struct stack_key {
	uint32_t cpu, chunk, k;	/* k: load index, or alias index */
	bool alias;
	uint64_t addr, off, size;
};

static int cmp_stack_key(const void *a, const void *b)
{
	const struct stack_key *x = a, *y = b;

	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	if (x->chunk != y->chunk)
		return x->chunk < y->chunk ? -1 : 1;
	return x->alias != y->alias ? (x->alias ? 1 : -1) :
	       x->k < y->k ? -1 : x->k > y->k;
}

/* The load named KSTACK<cpu>_0 (seq 0) among sorted keys, or NULL. */
static const struct stack_key *stack_load(const struct stack_key *v,
					  uint32_t n, uint32_t cpu)
{
	uint32_t lo = 0, hi = n;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid].cpu < cpu)
			lo = mid + 1;
		else if (v[mid].cpu > cpu || v[mid].chunk)
			hi = mid;
		else
			return v[mid].alias ? NULL : &v[mid];
	}
	return NULL;
}

int mdelf_check_aliases(const uint8_t *sh, uint32_t nalias,
			const uint8_t *str, size_t strsize,
			const struct mdelf_load *loads, uint32_t nloads,
			char *err, size_t errlen)
{
	struct mdfw_buf b = { sh, (size_t)nalias * sizeof(Elf64_Shdr) };
	struct stack_key *v;
	uint32_t i, n = 0, sk, sh_name = 0, type = 0, cpu, chunk;
	char nm[MDELF_SECNAME_LEN + 1];
	const char *name;
	size_t len = 0;
	bool canon;
	int ret = -1;

	if (!nalias)
		return 0;
	v = calloc((size_t)nloads + nalias, sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < nloads; i++) {
		if (loads[i].seq || md_cpuset_name(loads[i].name, &cpu, &chunk,
						   &canon) != MD_CPUSET_STACK ||
		    !canon)
			continue;
		v[n].cpu = cpu;
		v[n].chunk = chunk;
		v[n++].k = i;
	}
	for (i = 0; i < nalias; i++) {
		size_t o = (size_t)i * sizeof(Elf64_Shdr);
		struct stack_key *x = &v[n];

		sk = MDELF_SEC_FIXED + nloads + i;
		buf_get_le32(&b, o + SH(sh_name), &sh_name);
		buf_get_le32(&b, o + SH(sh_type), &type);
		buf_get_le64(&b, o + SH(sh_addr), &x->addr);
		buf_get_le64(&b, o + SH(sh_offset), &x->off);
		buf_get_le64(&b, o + SH(sh_size), &x->size);
		scan_count(sizeof(Elf64_Shdr));
		name = sec_name(str, strsize, sk, sh_name, &len, err, errlen);
		if (!name)
			goto out;
		memcpy(nm, name, len);
		nm[len] = 0;
		if (type != SHT_PROGBITS ||
		    md_cpuset_name(nm, &cpu, &chunk, &canon) !=
		    MD_CPUSET_STACK || !canon || !chunk) {
			char esc[MDELF_SECNAME_LEN * 4 + 1];

			set_err(err, errlen, "section %" PRIu32 " (\"%s\", type "
				"%" PRIu32 ") after the PT_LOADs' is not an "
				"alias: SHT_PROGBITS KSTACK<c>_<i>, i >= 1", sk,
				escape_bytes(name, len, esc, sizeof(esc)),
				type);
			goto out;
		}
		x->cpu = cpu;
		x->chunk = chunk;
		x->k = i;
		x->alias = true;
		n++;
	}
	qsort(v, n, sizeof(*v), cmp_stack_key);
	for (i = 0; i < n; i++) {
		const struct stack_key *x = &v[i];
		const struct mdelf_load *l;
		const struct stack_key *z;

		if (i && x->cpu == v[i - 1].cpu && x->chunk == v[i - 1].chunk) {
			set_err(err, errlen, "KSTACK%" PRIu32 "_%" PRIu32 " is "
				"named twice (%s)", x->cpu, x->chunk,
				v[i - 1].alias ? "two aliases" : "a PT_LOAD "
				"and an alias");
			goto out;
		}
		if (!x->alias)
			continue;
		sk = MDELF_SEC_FIXED + nloads + x->k;
		z = stack_load(v, n, x->cpu);
		l = z ? &loads[z->k] : NULL;
		if (!l || x->addr < l->vaddr || x->off < l->offset ||
		    x->addr - l->vaddr != x->off - l->offset ||
		    x->addr - l->vaddr > l->filesz ||
		    x->size > l->filesz - (x->addr - l->vaddr)) {
			set_err(err, errlen, "section %" PRIu32 " KSTACK%"
				PRIu32 "_%" PRIu32 " (sh_addr 0x%" PRIx64
				", sh_offset 0x%" PRIx64 ", sh_size 0x%" PRIx64
				") is not inside PT_LOAD KSTACK%" PRIu32 "_0%s",
				sk, x->cpu, x->chunk, x->addr, x->off, x->size,
				x->cpu, l ? "" : " (none)");
			goto out;
		}
	}
	ret = 0;
out:
	free(v);
	return ret;
}

void mdelf_file_name(const struct mdelf_load *l, char *out, size_t outlen)
{
	char sn[MDELF_SECNAME_LEN];

	mdelf_section_name(l, sn, sizeof(sn));
	snprintf(out, outlen, "md_%s.BIN", sn);
}

/* ---- the header region ------------------------------------------------ */

/*
 * The section headers and STR_TBL of header region p[0, len): both between
 * the program headers (phend) and the notes, naming c's PT_LOADs.
 */
static int parse_sections(const uint8_t *p, size_t len, uint64_t phend,
			  struct mdelf_core *c, char *err, size_t errlen)
{
	uint64_t shend, strend;
	char nerr[256];
	int ret;

	ret = mdelf_ehdr_sections(p, c->nloads, &c->shoff, NULL, nerr,
				  sizeof(nerr));
	if (ret <= 0) {
		set_err(err, errlen, "%s", ret ? nerr : "no section headers "
			"(e_shoff and e_shnum 0): no names for the PT_LOADs");
		return -1;
	}
	/* e_shnum is 16 bits: no overflow. */
	shend = c->shoff + (uint64_t)(MDELF_SEC_FIXED + c->nloads) *
		sizeof(Elf64_Shdr);
	if (c->shoff < phend || c->shoff > len || shend > c->notes_off) {
		set_err(err, errlen, "section headers at 0x%" PRIx64 " are not "
			"inside [0x%" PRIx64 ", 0x%" PRIx64 ") (program "
			"headers to notes)", c->shoff, phend, c->notes_off);
		return -1;
	}
	if (mdelf_strtab(p + c->shoff, (size_t)(shend - c->shoff), &c->stroff,
			 &c->strsize, nerr, sizeof(nerr))) {
		set_err(err, errlen, "%s", nerr);
		return -1;
	}
	strend = c->stroff + c->strsize;
	if (c->stroff < phend || c->stroff > len || strend < c->stroff ||
	    strend > c->notes_off) {
		set_err(err, errlen, "%s [0x%" PRIx64 ", +0x%" PRIx64 ") is "
			"not inside [0x%" PRIx64 ", 0x%" PRIx64 ") (program "
			"headers to notes)", MDELF_SEC_STRTAB, c->stroff,
			c->strsize, phend, c->notes_off);
		return -1;
	}
	if (mdelf_name_loads(p + c->shoff, (size_t)(shend - c->shoff),
			     p + c->stroff, (size_t)c->strsize, c->loads,
			     c->nloads, &c->banner_vaddr, nerr, sizeof(nerr))) {
		set_err(err, errlen, "%s", nerr);
		return -1;
	}
	return 0;
}

int mdelf_parse_header(const uint8_t *p, size_t len, struct mdelf_core *c,
		       char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	uint16_t type = 0, machine = 0, ehsize = 0, phentsize = 0, phnum = 0;
	uint32_t version = 0, i;
	uint64_t phoff = 0, expect, phend;
	Elf64_Phdr ph;
	char nerr[256];

	memset(c, 0, sizeof(*c));
	c->hsize = len;
	c->bad_offset_index = -1;
	if (len < sizeof(Elf64_Ehdr)) {
		set_err(err, errlen, "%zu bytes: too short for an ELF header",
			len);
		return -1;
	}
	if (memcmp(p, ELFMAG, SELFMAG)) {
		set_err(err, errlen, "no ELF magic");
		return -1;
	}
	if (p[EI_CLASS] != ELFCLASS64 || p[EI_DATA] != ELFDATA2LSB ||
	    p[EI_VERSION] != EV_CURRENT) {
		set_err(err, errlen, "not a little-endian ELF64 version 1 file "
			"(class %u, data %u, version %u)", p[EI_CLASS],
			p[EI_DATA], p[EI_VERSION]);
		return -1;
	}
	get_le16(&b, EH(e_type), &type);
	get_le16(&b, EH(e_machine), &machine);
	buf_get_le32(&b, EH(e_version), &version);
	buf_get_le64(&b, EH(e_phoff), &phoff);
	get_le16(&b, EH(e_ehsize), &ehsize);
	get_le16(&b, EH(e_phentsize), &phentsize);
	get_le16(&b, EH(e_phnum), &phnum);
	c->arch = cpuregs_arch_of(machine);
	if (type != ET_CORE || !c->arch || version != EV_CURRENT) {
		set_err(err, errlen, "e_type %u, e_machine %u, e_version %" PRIu32
			": expected ET_CORE, EM_X86_64 or EM_AARCH64, "
			"EV_CURRENT", type, machine, version);
		return -1;
	}
	if (ehsize != sizeof(Elf64_Ehdr) || phoff != sizeof(Elf64_Ehdr) ||
	    phentsize != sizeof(Elf64_Phdr)) {
		set_err(err, errlen, "e_ehsize %u, e_phoff %" PRIu64
			", e_phentsize %u: expected 64, 64, 56", ehsize, phoff,
			phentsize);
		return -1;
	}
	if (phnum == 0 || phnum == PN_XNUM) {
		set_err(err, errlen, "e_phnum %u: %s", phnum, phnum ?
			"extended numbering is not supported" :
			"no program headers");
		return -1;
	}
	phend = phoff + (uint64_t)phnum * sizeof(Elf64_Phdr);
	if (phend > len) {
		set_err(err, errlen, "%u program headers end at %" PRIu64
			", past the %zu-byte region", phnum, phend, len);
		return -1;
	}
	c->phnum = phnum;

	get_phdr(&b, phoff, &ph);
	if (ph.p_type != PT_NOTE) {
		set_err(err, errlen, "program header 0 has type %" PRIu32
			", expected PT_NOTE", ph.p_type);
		return -1;
	}
	if (ph.p_offset < phend || ph.p_offset > len ||
	    ph.p_filesz > len - ph.p_offset) {
		set_err(err, errlen, "PT_NOTE [0x%" PRIx64 ", +0x%" PRIx64
			") is not inside [0x%" PRIx64 ", 0x%zx)", ph.p_offset,
			ph.p_filesz, phend, len);
		return -1;
	}
	c->notes_off = ph.p_offset;
	c->notes_len = ph.p_filesz;
	if (mdelf_parse_notes(p + c->notes_off, (size_t)c->notes_len, c->arch,
			      &c->notes, nerr, sizeof(nerr))) {
		set_err(err, errlen, "PT_NOTE: %s", nerr);
		return -1;
	}

	c->nloads = phnum - 1u;
	c->loads = calloc(c->nloads ? c->nloads : 1, sizeof(*c->loads));
	if (!c->loads) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	expect = len;
	for (i = 0; i < c->nloads; i++) {
		struct mdelf_load *l = &c->loads[i];

		get_phdr(&b, phoff + (uint64_t)(i + 1) * sizeof(Elf64_Phdr),
			 &ph);
		scan_count(sizeof(Elf64_Phdr));
		if (ph.p_type != PT_LOAD) {
			set_err(err, errlen, "program header %" PRIu32
				" has type %" PRIu32 ", expected PT_LOAD",
				i + 1, ph.p_type);
			goto fail;
		}
		if (ph.p_filesz == 0 || ph.p_filesz != ph.p_memsz) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 ": p_filesz 0x%"
				PRIx64 ", p_memsz 0x%" PRIx64 ": must be "
				"equal and non-zero", i + 1, ph.p_filesz,
				ph.p_memsz);
			goto fail;
		}
		if (ph.p_vaddr + ph.p_filesz - 1 < ph.p_vaddr ||
		    ph.p_paddr + ph.p_filesz - 1 < ph.p_paddr) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 ": address "
				"range wraps around", i + 1);
			goto fail;
		}
		if (ph.p_offset != expect && c->bad_offset_index < 0)
			c->bad_offset_index = i + 1;
		if (expect > UINT64_MAX - ph.p_filesz) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 ": sizes add "
				"up past 2^64", i + 1);
			goto fail;
		}
		expect += ph.p_filesz;
		l->offset = ph.p_offset;
		l->vaddr = ph.p_vaddr;
		l->paddr = ph.p_paddr;
		l->filesz = ph.p_filesz;
		l->memsz = ph.p_memsz;
		l->flags = ph.p_flags;
	}

	if (!c->notes.n_generation) {
		set_err(err, errlen, "PT_NOTE: no generation note (\"%s\" type "
			"%d, %d bytes)", MDELF_GEN_NOTE, MDELF_GEN_TYPE,
			MDELF_GEN_SIZE);
		goto fail;
	}
	c->generation = c->notes.generation;
	if (parse_sections(p, len, phend, c, err, errlen))
		goto fail;
	return 0;
fail:
	mdelf_core_free(c);
	return -1;
}

void mdelf_core_free(struct mdelf_core *c)
{
	free(c->loads);
	c->loads = NULL;
	c->nloads = 0;
}

/* ---- the consistency rule --------------------------------------------- */

static bool cpuset_named(const struct mdelf_tentry *e)
{
	return md_cpuset_name(e->name, NULL, NULL, NULL) != MD_CPUSET_NONE;
}

void mdelf_mark_regions(const struct mdelf_core *c, struct mdelf_tentry *v,
			uint32_t nv)
{
	bool hdr = false;
	uint32_t i, k = 0;

	/*
	 * One pointer into the loads: greedy in table order, as the rule
	 * matches them; PT_LOADs describe only entries after the header.
	 */
	for (i = 0; i < nv; i++) {
		struct mdelf_tentry *e = &v[i];

		e->hdr_region = false;
		if (!hdr) {
			hdr = !strcmp(e->name, MDELF_HDR_NAME) && !e->seq;
			continue;
		}
		if (k < c->nloads && e->seq == c->loads[k].seq &&
		    !strcmp(e->name, c->loads[k].name)) {
			k++;
			e->hdr_region = cpuset_named(e);
		}
	}
}

bool mdelf_is_cpuset(const struct mdelf_tentry *e)
{
	return !e->hdr_region && cpuset_named(e);
}

/* The first entry of v[from, nv) that is not a CPU-set entry, or nv. */
static uint32_t next_ordinary(const struct mdelf_tentry *v, uint32_t nv,
			      uint32_t from)
{
	while (from < nv && mdelf_is_cpuset(&v[from]))
		from++;
	return from;
}

int mdelf_check(const struct mdelf_core *c, const struct mdelf_tentry *v,
		uint32_t nv, char *err, size_t errlen)
{
	uint64_t expect;
	uint32_t k, j;

	/* CPU-set entries (not the header's regions) are skipped. */
	j = next_ordinary(v, nv, 0);
	if (j == nv) {
		set_err(err, errlen, "no valid table entry");
		return -1;
	}
	if (strcmp(v[j].name, MDELF_HDR_NAME) || v[j].seq != 0) {
		set_err(err, errlen, "the first valid table entry (index %"
			PRIu32 ") is %s seq %" PRIu32 ", not %s seq 0",
			v[j].index, v[j].name, v[j].seq, MDELF_HDR_NAME);
		return -1;
	}
	expect = v[j].size;
	for (k = 0; k < c->nloads; k++) {
		const struct mdelf_load *l = &c->loads[k];
		const struct mdelf_tentry *e;

		j = next_ordinary(v, nv, j + 1);
		if (j >= nv) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 " (%s seq %"
				PRIu32 ") has no valid table entry (%" PRIu32
				" after %s)", k + 1, l->name, l->seq, k,
				MDELF_HDR_NAME);
			return -1;
		}
		e = &v[j];
		if (strcmp(e->name, l->name) || e->seq != l->seq) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 " is %s seq %"
				PRIu32 " but valid table entry %" PRIu32
				" (index %" PRIu32 ") is %s seq %" PRIu32,
				k + 1, l->name, l->seq, k + 1, e->index,
				e->name, e->seq);
			return -1;
		}
		if (e->addr != l->paddr) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 " (%s seq %"
				PRIu32 "): p_paddr 0x%" PRIx64 " but the table "
				"entry (index %" PRIu32 ") has address 0x%"
				PRIx64, k + 1, l->name, l->seq, l->paddr,
				e->index, e->addr);
			return -1;
		}
		if (e->size != l->filesz) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 " (%s seq %"
				PRIu32 "): p_filesz 0x%" PRIx64 " but the table "
				"entry (index %" PRIu32 ") has size 0x%" PRIx64,
				k + 1, l->name, l->seq, l->filesz, e->index,
				e->size);
			return -1;
		}
		if (l->offset != expect) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 " (%s seq %"
				PRIu32 "): p_offset 0x%" PRIx64 ", expected 0x%"
				PRIx64 " (%s)", k + 1, l->name, l->seq,
				l->offset, expect, k ? "previous p_offset + "
				"p_filesz" : "the KELF_HEADER entry's size");
			return -1;
		}
		if (l->filesz > UINT64_MAX - expect) {
			set_err(err, errlen, "PT_LOAD %" PRIu32 ": offsets "
				"wrap around", k + 1);
			return -1;
		}
		expect += l->filesz;
	}
	j = next_ordinary(v, nv, j + 1);
	if (j < nv) {
		const struct mdelf_tentry *e = &v[j];

		set_err(err, errlen, "valid table entry %" PRIu32 " (index %"
			PRIu32 ", %s seq %" PRIu32 ") has no PT_LOAD (the "
			"header has %" PRIu32 ")", c->nloads + 1, e->index,
			e->name, e->seq, c->nloads);
		return -1;
	}
	return 0;
}

int mdelf_cpusets_last(struct mdelf_tentry *v, uint32_t nv, uint32_t *nord)
{
	struct mdelf_tentry *t;
	uint32_t i, n = 0, pass;

	*nord = 0;
	if (!nv)
		return 0;
	t = malloc((size_t)nv * sizeof(*t));
	if (!t)
		return -1;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nv; i++)
			if (mdelf_is_cpuset(&v[i]) == (pass == 1))
				t[n++] = v[i];
	for (i = 0; i < nv; i++)
		*nord += !mdelf_is_cpuset(&t[i]);
	memcpy(v, t, (size_t)nv * sizeof(*t));
	free(t);
	return 0;
}

void mdelf_header_line(char *out, size_t len, const struct mdelf_core *c,
		       const char *inconsistency)
{
	if (inconsistency)
		snprintf(out, len, "header: generation %" PRIu64
			 ": INCONSISTENT: %s", c->generation, inconsistency);
	else
		snprintf(out, len, "header: generation %" PRIu64 ", %" PRIu32
			 " loads, consistent", c->generation, c->nloads);
}

/* ---- manifest.tsv ----------------------------------------------------- */

/* Read a whole regular file (at most max bytes) from dfd. 0 or -errno. */
static int read_small_file(int dfd, const char *name, size_t max,
			   uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -MDFW_ENOTREG;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = pread_full(fd, buf, (size_t)st.st_size, 0);
	if (ret) {
		free(buf);
		goto out;
	}
	buf[st.st_size] = 0;
	*out = buf;
	*outlen = (size_t)st.st_size;
out:
	close(fd);
	return ret;
}

static bool parse_dec(const char *s, uint64_t max, uint64_t *v)
{
	uint64_t x = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (max - (uint64_t)(*s - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return true;
}

static bool parse_hex(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	if (s[0] != '0' || s[1] != 'x' || !s[2] || strlen(s) > 18)
		return false;
	for (s += 2; *s; s++) {
		unsigned int d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (*s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else
			return false;
		x = x << 4 | d;
	}
	*v = x;
	return true;
}

static bool valid_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 1 || n >= MDELF_NAME_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!md_name_char_ok(s[i]))
			return false;
	return true;
}

#define MANIFEST_MAGIC	"# mdfw manifest v1"
#define MANIFEST_COLS	"index\tname\tseq\taddress\tsize\tstatus\tfile"

/* One row: 0, or -1 with err. */
static int parse_row(char *line, uint32_t want_index, struct mdelf_tentry *e,
		     bool *valid, char *err, size_t errlen)
{
	char *f[7], *p = line, fn[64];
	struct mdelf_load l = { .seq = 0 };
	uint64_t index, seq;
	int i;

	/* Fields may be empty (a free entry's name): no strtok. */
	for (i = 0; i < 7 && p; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if (p)
			*p++ = '\0';
	}
	if (i < 7 || p) {
		set_err(err, errlen, "not 7 tab-separated fields");
		return -1;
	}
	if (!parse_dec(f[0], UINT32_MAX, &index) || index != want_index) {
		set_err(err, errlen, "index is not %" PRIu32, want_index);
		return -1;
	}
	if (strlen(f[1]) >= MDELF_TNAME_LEN) {
		set_err(err, errlen, "name too long");
		return -1;
	}
	if (!parse_dec(f[2], UINT32_MAX, &seq) || !parse_hex(f[3], &e->addr) ||
	    !parse_hex(f[4], &e->size)) {
		set_err(err, errlen, "bad seq, address or size");
		return -1;
	}
	memset(e->name, 0, sizeof(e->name));
	strcpy(e->name, f[1]);
	e->index = (uint32_t)index;
	e->seq = (uint32_t)seq;
	e->file_off = 0;
	e->ok = !strcmp(f[5], md_status_str(MD_ST_OK));
	*valid = strcmp(f[5], md_status_str(MD_ST_HOLE)) &&
		 strcmp(f[5], md_status_str(MD_ST_BAD_MARKER));
	for (i = 0; i <= MD_ST_IO_ERROR; i++)
		if (!strcmp(f[5], md_status_str((enum md_status)i)))
			break;
	/*
	 * "overlap": an entry that mdfw before overlaps were legal did not
	 * dump; such a capture is still read (as an entry not dumped).
	 */
	if (i > MD_ST_IO_ERROR && strcmp(f[5], "overlap")) {
		set_err(err, errlen, "unknown status");
		return -1;
	}
	if (!e->ok) {
		if (strcmp(f[6], "-")) {
			set_err(err, errlen, "a file for an entry not dumped");
			return -1;
		}
		return 0;
	}
	if (!valid_name(e->name)) {
		set_err(err, errlen, "dumped entry with a bad name");
		return -1;
	}
	snprintf(l.name, sizeof(l.name), "%s", e->name);
	l.seq = e->seq;
	mdelf_file_name(&l, fn, sizeof(fn));
	if (strcmp(f[6], fn)) {
		set_err(err, errlen, "file is not %s", fn);
		return -1;
	}
	return 0;
}

int mdelf_read_manifest(int dfd, struct mdelf_tentry **vout, uint32_t *nv,
			char *err, size_t errlen)
{
	struct mdelf_tentry *v = NULL;
	uint8_t *buf = NULL;
	char *p, *end, rerr[128];
	uint32_t rows = 0, n = 0, lineno = 0;
	bool cols = false;
	size_t len;
	int ret;

	*vout = NULL;
	*nv = 0;
	ret = read_small_file(dfd, "manifest.tsv", MDELF_MAX_MANIFEST, &buf,
			      &len);
	if (ret) {
		set_err(err, errlen, "%s", ret == -EFBIG ?
			"larger than 1 MiB" : out_strerror(-ret));
		return MDFW_EXIT_IO;
	}
	if (memchr(buf, 0, len) || !len || buf[len - 1] != '\n') {
		set_err(err, errlen, "not a text file ending in a newline");
		goto bad;
	}
	v = calloc(MD_MAX_REGIONS, sizeof(*v));
	if (!v) {
		set_err(err, errlen, "out of memory");
		free(buf);
		return MDFW_EXIT_IO;
	}
	for (p = (char *)buf; p < (char *)buf + len; p = end + 1) {
		bool valid;

		end = strchr(p, '\n');
		*end = 0;
		lineno++;
		if (lineno == 1) {
			if (strcmp(p, MANIFEST_MAGIC)) {
				set_err(err, errlen, "line 1 is not \"%s\"",
					MANIFEST_MAGIC);
				goto bad;
			}
			continue;
		}
		if (!cols) {
			if (p[0] == '#')
				continue;
			if (strcmp(p, MANIFEST_COLS)) {
				set_err(err, errlen, "line %" PRIu32 ": not "
					"the column header", lineno);
				goto bad;
			}
			cols = true;
			continue;
		}
		if (rows >= MD_MAX_REGIONS) {
			set_err(err, errlen, "more than %u entries",
				MD_MAX_REGIONS);
			goto bad;
		}
		if (parse_row(p, rows, &v[n], &valid, rerr, sizeof(rerr))) {
			set_err(err, errlen, "line %" PRIu32 ": %s", lineno,
				rerr);
			goto bad;
		}
		rows++;
		if (valid)
			n++;
	}
	if (!cols) {
		set_err(err, errlen, "no column header");
		goto bad;
	}
	free(buf);
	*vout = v;
	*nv = n;
	return 0;
bad:
	free(v);
	free(buf);
	return MDFW_EXIT_TABLE;
}

/* ---- writing dump.elf ------------------------------------------------- */

int mdelf_write_core_notes(const uint8_t *hdr, const struct mdelf_core *c,
			   const uint8_t *notes, size_t notes_len,
			   const bool *keep, const struct mdelf_extra *x,
			   const struct mdelf_source *src,
			   int odfd, const char *oname, uint64_t max_bytes,
			   struct mdelf_result *r)
{
	const struct mdelf_load *extra = x ? x->loads : NULL;
	uint32_t nextra = x ? x->n : 0, nalias = x ? x->nalias : 0;
	uint64_t *xoff = NULL;	/* each added load's file offset */
	struct out_file of;
	size_t olen, shoff, stroff, strsize, notes_off, phend, so;
	uint8_t *out = NULL, *buf = NULL;
	uint64_t data_off, total;
	uint32_t i, k, kept = 0, nout;
	int ret;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	r->nloads = c->nloads;
	r->generation = c->generation;
	r->kept = 0;
	r->added = 0;
	r->load_bytes = 0;
	r->file_bytes = 0;
	r->too_large = false;
	for (i = 0; i < c->nloads; i++) {
		if (keep[i]) {
			kept++;
			r->load_bytes += c->loads[i].filesz;
		}
	}
	/* Added loads are entries in RAM (or md files of them). */
	for (i = 0; i < nextra; i++)
		r->load_bytes += extra[i].filesz;
	/*
	 * e_phnum is 16 bits and PN_XNUM means more, e_shnum (4 more) too:
	 * never reached (one PT_LOAD per table entry, at most 1024), but
	 * checked.
	 */
	if ((uint64_t)MDELF_SEC_FIXED + kept + nextra + nalias >=
	    SHN_LORESERVE) {
		ret = -E2BIG;
		goto fail;
	}
	for (i = 0; i < nalias; i++) {
		const struct mdelf_alias *a = &x->alias[i];

		if (a->load >= nextra || a->off > extra[a->load].filesz ||
		    a->size > extra[a->load].filesz - a->off) {
			ret = -EINVAL;
			goto fail;
		}
	}
	nout = kept + nextra;

	/*
	 * Layout: Ehdr, phdrs, section headers, STR_TBL, notes, then the
	 * loads. The section headers are kept (not zeroed) and describe this
	 * file, as the header's describe the md files: they name the
	 * PT_LOADs, and readers without SHF_ALLOC sections (gdb, crash,
	 * drgn) ignore them. STR_TBL is sized as the kernel sizes it (27
	 * bytes + NUL per name at most, then >= 8 NULs).
	 */
	phend = sizeof(Elf64_Ehdr) + (size_t)(1 + nout) * sizeof(Elf64_Phdr);
	shoff = (phend + 7) & ~(size_t)7;
	stroff = shoff + (size_t)(MDELF_SEC_FIXED + nout + nalias) *
		 sizeof(Elf64_Shdr);
	strsize = (MDELF_STR_FIXED + (size_t)(MDELF_SECNAME_LEN + 1) *
		   (nout + nalias) + MDELF_STR_TAIL + 7) & ~(size_t)7;
	notes_off = stroff + strsize;
	olen = notes_off + notes_len;
	total = olen + r->load_bytes;
	if (r->load_bytes > UINT64_MAX - olen || total > max_bytes) {
		r->too_large = true;
		r->file_bytes = total < olen ? UINT64_MAX : total;
		return 0;
	}
	out = calloc(1, olen);
	buf = malloc(COPY_CHUNK);
	xoff = calloc(nextra + 1u, sizeof(*xoff));
	if (!out || !buf || !xoff) {
		ret = -ENOMEM;
		goto fail;
	}
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, hdr, EI_NIDENT);
	eh.e_type = ET_CORE;
	eh.e_machine = c->arch->machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_shoff = shoff;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)(1 + nout);
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = (uint16_t)(MDELF_SEC_FIXED + nout + nalias);
	eh.e_shstrndx = 1;
	put_ehdr(out, &eh);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = notes_len;
	ph.p_align = 4;
	put_phdr(out + sizeof(Elf64_Ehdr), &ph);

	/* Sections 1-3 and the start of STR_TBL, as the kernel has them. */
	memcpy(out + stroff, "\0" MDELF_SEC_STRTAB "\0" MDELF_SEC_TABLE "\0"
	       MDELF_SEC_BANNER, MDELF_STR_FIXED);
	put_shdr(out + shoff + sizeof(Elf64_Shdr), 1, SHT_STRTAB, 0, 0,
		 stroff, strsize);
	put_shdr(out + shoff + 2 * sizeof(Elf64_Shdr),
		 1 + sizeof(MDELF_SEC_STRTAB), SHT_PROGBITS, 0, 0, 0, 0);
	put_shdr(out + shoff + 3 * sizeof(Elf64_Shdr),
		 1 + sizeof(MDELF_SEC_STRTAB) + sizeof(MDELF_SEC_TABLE),
		 SHT_PROGBITS, SHF_WRITE, c->banner_vaddr, 0, 0);
	so = MDELF_STR_FIXED;
	memcpy(out + notes_off, notes, notes_len);

	/* The header's kept PT_LOADs in order, then the added ones. */
	data_off = olen;
	for (i = 0, k = 0; i < c->nloads + nextra; i++) {
		const struct mdelf_load *l = i < c->nloads ? &c->loads[i] :
					     &extra[i - c->nloads];
		char sn[MDELF_SECNAME_LEN];

		if (i < c->nloads && !keep[i])
			continue;
		memset(&ph, 0, sizeof(ph));
		ph.p_type = PT_LOAD;
		ph.p_flags = l->flags;
		ph.p_offset = data_off;
		ph.p_vaddr = l->vaddr;
		ph.p_paddr = l->paddr;
		ph.p_filesz = l->filesz;
		ph.p_memsz = l->memsz;
		put_phdr(out + sizeof(Elf64_Ehdr) + (size_t)(k + 1) *
			 sizeof(Elf64_Phdr), &ph);
		if (i < c->nloads || !x->sec_seq) {
			mdelf_section_name(l, sn, sizeof(sn));
		} else {
			mdelf_seq_name(l->name, x->sec_seq[i - c->nloads], sn,
				       sizeof(sn));
			xoff[i - c->nloads] = data_off;
		}
		put_shdr(out + shoff + (size_t)(MDELF_SEC_FIXED + k) *
			 sizeof(Elf64_Shdr), (uint32_t)so, SHT_PROGBITS,
			 SHF_WRITE, l->vaddr, data_off, l->filesz);
		memcpy(out + stroff + so, sn, strlen(sn));
		so += strlen(sn) + 1;
		data_off += l->filesz;
		k++;
	}
	/* Aliases: inside their load (cpusets_place() made them so). */
	for (i = 0; i < nalias; i++, k++) {
		const struct mdelf_alias *a = &x->alias[i];
		const struct mdelf_load *l = &extra[a->load];

		put_shdr(out + shoff + (size_t)(MDELF_SEC_FIXED + k) *
			 sizeof(Elf64_Shdr), (uint32_t)so, SHT_PROGBITS,
			 SHF_WRITE, l->vaddr + a->off, xoff[a->load] + a->off,
			 a->size);
		memcpy(out + stroff + so, a->name, strnlen(a->name,
							   MDELF_NAME_LEN - 1));
		so += strnlen(a->name, MDELF_NAME_LEN - 1) + 1;
	}

	ret = out_open(odfd, oname, &of);
	if (ret)
		goto fail;
	ret = write_full(of.fd, out, olen);
	for (i = 0; !ret && i < c->nloads + nextra; i++) {
		if (i < c->nloads && !keep[i])
			continue;
		ret = src->copy(src->ctx, i < c->nloads ? &c->loads[i] :
				&extra[i - c->nloads], i, of.fd, buf,
				COPY_CHUNK);
	}
	if (ret) {
		out_fail(odfd, &of);
		goto fail;
	}
	ret = out_close(odfd, &of);
	if (!ret)
		ret = out_sync_dir(odfd);
	if (ret)
		goto fail;
	r->kept = kept;
	r->added = nextra;
	r->file_bytes = data_off;
	free(out);
	free(buf);
	free(xoff);
	return 0;
fail:
	msg("writing %s: %s", oname, out_strerror(-ret));
	free(out);
	free(buf);
	free(xoff);
	return ret;
}

int mdelf_merge_notes(const uint8_t *k, size_t klen,
		      const struct cpuregs_arch *a, const struct cpuregs *fw,
		      const struct cpuregs_stacks *stk, uint8_t **out,
		      size_t *outlen, char *src, size_t srclen)
{
	uint32_t matched = 0;
	char err[256];
	int ret = 0;

	*out = NULL;
	*outlen = 0;
	if (fw && fw->n) {
		if (!cpuregs_merge_stacks(k, klen, a, fw, stk, out, outlen,
					  src, srclen, NULL, err,
					  sizeof(err)))
			return 0;
		msg("warning: %s: %s; the firmware's CPU registers are left "
		    "out", MDELF_OUT_FILE, err);
		ret = -1;
	}
	if (!stk || !stk->ncpus)
		return ret;
	/* The kernel's registers alone: merged only if a set names a pid. */
	if (cpuregs_merge_stacks(k, klen, a, NULL, stk, out, outlen, src,
				 srclen, &matched, err, sizeof(err))) {
		msg("warning: %s: %s; pr_pid is not taken from the CPU sets",
		    MDELF_OUT_FILE, err);
		return ret;
	}
	if (!matched) {
		free(*out);
		*out = NULL;
		*outlen = 0;
		if (src && srclen)
			src[0] = 0;
	}
	return ret;
}

int mdelf_notes_and_sets(const uint8_t *hdr, const struct mdelf_core *c,
			 const struct cpuregs *fw, struct cpusets_result *cs,
			 const struct mdelf_tentry *v, uint32_t nv,
			 uint8_t **merged, const uint8_t **notes, size_t *len,
			 char *src, size_t srclen)
{
	struct cpuregs_stacks stk = cpusets_stacks(cs);
	int ret;

	ret = mdelf_merge_notes(hdr + c->notes_off, (size_t)c->notes_len,
				c->arch, fw, &stk, merged, len, src, srclen);
	*notes = *merged ? *merged : hdr + c->notes_off;
	if (!*merged)
		*len = (size_t)c->notes_len;
	/* Each CPU's running set by the stack pointer dump.elf will hold. */
	if (cpusets_place(cs, v, nv, *notes, *len, c->arch, stderr)) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		return -2;
	}
	return ret;
}

/* ---- mdfw elf: from a dump directory ----------------------------------- */

int mdelf_dir_cpuregs(int dfd, const char *src_path,
		      const struct cpuregs_arch *a, struct cpuregs *r)
{
	uint8_t *man = NULL, *buf = NULL;
	size_t mlen, blen;
	uint64_t bytes = 0;
	uint32_t ncpus = 0;
	char err[256];
	int ret;

	memset(r, 0, sizeof(*r));
	if (read_small_file(dfd, "manifest.tsv", MDELF_MAX_MANIFEST, &man,
			    &mlen))
		return 0;	/* mdelf_read_manifest() has said why */
	ret = cpuregs_manifest_find((const char *)man, &ncpus, &bytes);
	free(man);
	if (ret == 0)
		return 0;
	if (ret < 0) {
		msg("warning: %s/manifest.tsv: malformed cpu_regs line; the "
		    "firmware's CPU registers are left out", src_path);
		return -1;
	}
	ret = read_small_file(dfd, CPUREGS_FILE, (size_t)CPUREGS_MAX_CPUS *
			      CPUREGS_NOTE_SIZE(a), &buf, &blen);
	if (ret) {
		msg("warning: %s/%s: %s; the firmware's CPU registers are left "
		    "out", src_path, CPUREGS_FILE, ret == -EFBIG ? "too large" :
		    out_strerror(-ret));
		return -1;
	}
	if (blen != bytes) {
		msg("warning: %s/%s: %zu bytes, but manifest.tsv says %" PRIu64
		    " (not from this capture?); the firmware's CPU registers "
		    "are left out", src_path, CPUREGS_FILE, blen, bytes);
		free(buf);
		return -1;
	}
	if (cpuregs_parse_file(buf, blen, a, r, err, sizeof(err)) ||
	    r->n != ncpus) {
		msg("warning: %s/%s: %s; the firmware's CPU registers are left "
		    "out", src_path, CPUREGS_FILE, r->n != ncpus && r->n ?
		    "CPU count differs from manifest.tsv" : err);
		cpuregs_free(r);
		free(buf);
		return -1;
	}
	free(buf);
	return 1;
}

#define MAX_DROP_WARNINGS	5

/*
 * Is md file fn in dfd a regular file of size bytes (never followed)?
 * If not, why says so.
 */
static bool md_file_ok(int dfd, const char *fn, uint64_t size, char *why,
		       size_t wl)
{
	struct stat st;
	int fd;

	fd = openat(dfd, fn, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, wl, "%s", strerror(errno));
	} else if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(why, wl, "not a regular file");
	} else if ((uint64_t)st.st_size != size) {
		snprintf(why, wl, "%jd bytes, expected 0x%" PRIx64,
			 (intmax_t)st.st_size, size);
	} else {
		close(fd);
		return true;
	}
	if (fd >= 0)
		close(fd);
	return false;
}

/* Can PT_LOAD idx (1-based) be taken from its md file? Warn if not. */
static bool load_usable(int dfd, const char *src_path, uint32_t idx,
			const struct mdelf_load *l, unsigned int *warned)
{
	char fn[64], why[160];

	mdelf_file_name(l, fn, sizeof(fn));
	if (md_file_ok(dfd, fn, l->filesz, why, sizeof(why)))
		return true;
	if ((*warned)++ < MAX_DROP_WARNINGS)
		msg("warning: %s: PT_LOAD %" PRIu32 " (vaddr 0x%" PRIx64
		    ", 0x%" PRIx64 " bytes): %s/%s: %s; dropped",
		    MDELF_OUT_FILE, idx, l->vaddr, l->filesz, src_path, fn,
		    why);
	return false;
}

/*
 * The dumped CPU-set entries v[from, nv) whose md file is missing or of
 * the wrong size count as not dumped (their sets are skipped), with a
 * warning.
 */
static void cpuset_files(int dfd, const char *src_path,
			 struct mdelf_tentry *v, uint32_t from, uint32_t nv)
{
	unsigned int warned = 0;
	char fn[64], why[160];
	uint32_t i;

	for (i = from; i < nv; i++) {
		struct mdelf_load l = { .seq = v[i].seq };

		if (!v[i].ok)
			continue;
		snprintf(l.name, sizeof(l.name), "%.15s", v[i].name);
		mdelf_file_name(&l, fn, sizeof(fn));
		if (md_file_ok(dfd, fn, v[i].size, why, sizeof(why)))
			continue;
		v[i].ok = false;
		if (warned++ < MAX_DROP_WARNINGS)
			msg("warning: %s/%s: %s; its CPU set is not added to "
			    "%s", src_path, fn, why, MDELF_OUT_FILE);
	}
	if (warned > MAX_DROP_WARNINGS)
		msg("warning: %u more md files of CPU-set entries unusable",
		    warned - MAX_DROP_WARNINGS);
}

/* Copy a kept PT_LOAD's md file; it must still have the checked size. */
int mdelf_dir_copy(void *ctx, const struct mdelf_load *l, uint32_t k,
		   int out, uint8_t *buf, size_t buflen)
{
	const struct mdelf_dir_src *s = ctx;
	struct stat st;
	char fn[64];
	int fd, ret;

	(void)k;
	mdelf_file_name(l, fn, sizeof(fn));
	fd = openat(s->dfd, fn, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
		    O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != l->filesz)
		ret = -ESTALE;	/* changed since we looked */
	else
		ret = copy_range(out, fd, 0, l->filesz, buf, buflen);
	close(fd);
	return ret;
}

/* The CPU sets' descriptor from its md file, as large as the manifest says. */
int mdelf_dir_read(void *ctx, const struct mdelf_tentry *e, uint8_t *buf,
		   size_t len)
{
	const struct mdelf_dir_src *s = ctx;
	struct mdelf_load l = { .seq = e->seq };
	uint8_t *p = NULL;
	size_t plen = 0;
	char fn[64];
	int ret;

	snprintf(l.name, sizeof(l.name), "%.15s", e->name);
	mdelf_file_name(&l, fn, sizeof(fn));
	ret = read_small_file(s->dfd, fn, len, &p, &plen);
	if (ret)
		return ret;
	if (plen != len) {
		free(p);
		return -ESTALE;
	}
	memcpy(buf, p, len);
	free(p);
	return 0;
}

int mdelf_from_dir(int src_dfd, const char *src_path, int odfd,
		   const char *oname, uint64_t max_bytes,
		   struct mdelf_result *r)
{
	struct mdelf_core c = { 0 };
	struct mdelf_tentry *v = NULL;
	struct mdelf_dir_src ds = { src_dfd };
	struct mdelf_source src = { mdelf_dir_copy, &ds };
	struct cpusets_result cs = { 0 };
	struct mdelf_extra xl;
	struct cpuregs fw = { 0 };
	char err[512], line[700];
	const uint8_t *wnotes;
	uint8_t *hdr = NULL, *notes = NULL;
	size_t notes_len = 0;
	int fwret = 0;
	unsigned int warned = 0;
	bool *keep = NULL;
	uint32_t nv, nord, i;
	size_t hlen = 0;
	int ret, rc;

	memset(r, 0, sizeof(*r));
	rc = mdelf_read_manifest(src_dfd, &v, &nv, err, sizeof(err));
	if (rc) {
		msg("%s/manifest.tsv: %s%s", src_path, rc == MDFW_EXIT_TABLE ?
		    "unusable: " : "", err);
		return rc;
	}
	rc = MDFW_EXIT_IO;
	/*
	 * The header first: it tells which set-named entries are regions
	 * (KELF_HEADER never has a CPU-set name).
	 */
	for (i = 0; i < nv; i++)
		if (!strcmp(v[i].name, MDELF_HDR_NAME) && v[i].seq == 0)
			break;
	if (i == nv) {
		msg("%s/manifest.tsv: no valid %s entry: the guest kept no "
		    "ELF core header", src_path, MDELF_HDR_NAME);
		goto out;
	}
	if (!v[i].ok) {
		msg("%s/manifest.tsv: the %s entry was not dumped", src_path,
		    MDELF_HDR_NAME);
		goto out;
	}
	ret = read_small_file(src_dfd, MDELF_HDR_FILE, MDELF_MAX_HDR, &hdr,
			      &hlen);
	if (ret) {
		msg("%s/%s: %s", src_path, MDELF_HDR_FILE,
		    ret == -EFBIG ? "larger than 64 MiB" : out_strerror(-ret));
		goto out;
	}
	if (hlen != v[i].size) {
		msg("%s/%s: %zu bytes, but manifest.tsv says 0x%" PRIx64
		    " (not from this capture?)", src_path, MDELF_HDR_FILE,
		    hlen, v[i].size);
		goto out;
	}
	if (mdelf_parse_header(hdr, hlen, &c, err, sizeof(err))) {
		msg("%s/%s: unusable ELF header: %s", src_path, MDELF_HDR_FILE,
		    err);
		rc = MDFW_EXIT_TABLE;
		goto out;
	}
	r->nloads = c.nloads;
	r->generation = c.generation;
	/* The header's entries first, the CPU sets' after them. */
	mdelf_mark_regions(&c, v, nv);
	if (mdelf_cpusets_last(v, nv, &nord)) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	if (mdelf_check(&c, v, nv, err, sizeof(err))) {
		mdelf_header_line(line, sizeof(line), &c, err);
		msg("%s; %s not written", line, MDELF_OUT_FILE);
		rc = MDFW_EXIT_INCONSISTENT;
		goto out;
	}
	mdelf_header_line(line, sizeof(line), &c, NULL);
	printf("%s\n", line);

	keep = calloc(c.nloads ? c.nloads : 1, sizeof(*keep));
	if (!keep) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	for (i = 0; i < c.nloads; i++) {
		if (!v[i + 1].ok) {
			if (warned++ < MAX_DROP_WARNINGS)
				msg("warning: %s: PT_LOAD %" PRIu32 " (%s seq %"
				    PRIu32 "): not dumped (see manifest.tsv); "
				    "dropped", MDELF_OUT_FILE, i + 1,
				    c.loads[i].name, c.loads[i].seq);
			continue;
		}
		keep[i] = load_usable(src_dfd, src_path, i + 1, &c.loads[i],
				      &warned);
	}
	if (warned > MAX_DROP_WARNINGS)
		msg("warning: %s: %u more PT_LOADs dropped", MDELF_OUT_FILE,
		    warned - MAX_DROP_WARNINGS);
	/* The CPU sets: their md files must be there to count as dumped. */
	cpuset_files(src_dfd, src_path, v, nord, nv);
	if (cpusets_select(v, nv, mdelf_dir_read, &ds, stderr, &cs)) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	fwret = mdelf_dir_cpuregs(src_dfd, src_path, c.arch, &fw);
	ret = mdelf_notes_and_sets(hdr, &c, fwret > 0 ? &fw : NULL, &cs, v,
				   nv, &notes, &wnotes, &notes_len, NULL, 0);
	if (ret < -1)
		goto out;
	if (ret)
		fwret = -1;
	cpusets_line(&cs, line, sizeof(line));
	if (line[0])
		printf("%s\n", line);
	xl = cpusets_extra(&cs);
	if (mdelf_write_core_notes(hdr, &c, wnotes, notes_len, keep, &xl, &src,
				   odfd, oname, max_bytes, r))
		goto out;
	r->dropped = c.nloads - r->kept;
	if (r->too_large) {
		msg("warning: %s would be %" PRIu64 " bytes, more than "
		    "--max-bytes %" PRIu64 ": not written", oname,
		    r->file_bytes, max_bytes);
		r->dropped = c.nloads;
		rc = MDFW_EXIT_PARTIAL;
		goto out;
	}
	rc = r->dropped || fwret < 0 ? MDFW_EXIT_PARTIAL : MDFW_EXIT_OK;
out:
	free(notes);
	cpusets_free(&cs);
	cpuregs_free(&fw);
	free(keep);
	free(v);
	free(hdr);
	mdelf_core_free(&c);
	return rc;
}
