// SPDX-License-Identifier: GPL-2.0
/*
 * Parse the kernel's ELF core header region (md_elf_header.BIN) and
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
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"

_Static_assert(sizeof(Elf64_Ehdr) == 64, "Elf64_Ehdr");
_Static_assert(sizeof(Elf64_Phdr) == 56, "Elf64_Phdr");
_Static_assert(sizeof(Elf64_Nhdr) == 12, "Elf64_Nhdr");

#define COPY_CHUNK	(1u << 20)

const char *const mdelf_required_keys[] = {
	"OSRELEASE", "PAGESIZE", "SYMBOL(swapper_pg_dir)", "KERNELOFFSET",
	"NUMBER(phys_base)", NULL
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	MDFW_PRINTF(3, 4);

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
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

static bool name_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
}

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

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

int mdelf_parse_notes(const uint8_t *p, size_t len, struct mdelf_notes *n,
		      char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	size_t off = 0;

	memset(n, 0, sizeof(*n));
	while (off < len) {
		uint32_t namesz = 0, descsz = 0, type = 0;
		size_t name_off, desc_off, left;
		const char *name;

		if (len - off < sizeof(Elf64_Nhdr)) {
			if (all_zero(p + off, len - off))
				break;
			set_err(err, errlen, "note at +%zu: truncated header "
				"(%zu bytes left)", off, len - off);
			return -1;
		}
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_namesz), &namesz);
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_descsz), &descsz);
		buf_get_le32(&b, off + offsetof(Elf64_Nhdr, n_type), &type);
		if (!namesz && !descsz && !type && all_zero(p + off, len - off))
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
			if (descsz == sizeof(struct elf_prstatus)) {
				if (!all_zero(p + desc_off +
					      offsetof(struct elf_prstatus,
						       pr_reg),
					      sizeof(elf_gregset_t)))
					n->n_prstatus_regs++;
			} else {
				n->n_prstatus_badsize++;
			}
		} else if (namesz == 5 && !memcmp(name, "CORE", 5) &&
			   type == NT_PRPSINFO) {
			n->n_prpsinfo++;
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

/* ---- name table ------------------------------------------------------- */

int mdelf_find_names(const uint8_t *p, size_t len, size_t from, size_t to,
		     struct mdelf_load *loads, uint32_t nloads, uint64_t *off,
		     char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	uint32_t count = 0, entsize = 0, i;
	size_t o, need;

	if (to > len)
		to = len;
	if (from > SIZE_MAX - 7)
		return 0;
	for (o = (from + 7) & ~(size_t)7; o < to && to - o >= MDELF_NAMES_HDR;
	     o += 8)
		if (!memcmp(p + o, MDELF_NAMES_MAGIC, 8))
			break;
	if (o >= to || to - o < MDELF_NAMES_HDR)
		return 0;
	buf_get_le32(&b, o + 8, &count);
	buf_get_le32(&b, o + 12, &entsize);
	if (count != nloads) {
		set_err(err, errlen, "name table at 0x%zx: count %" PRIu32
			" but %" PRIu32 " PT_LOADs", o, count, nloads);
		return -1;
	}
	if (entsize != MDELF_NAMES_ENTSIZE) {
		set_err(err, errlen, "name table at 0x%zx: entry size %" PRIu32
			", expected %d", o, entsize, MDELF_NAMES_ENTSIZE);
		return -1;
	}
	/* count <= 65535 (e_phnum is 16 bits): no overflow. */
	need = MDELF_NAMES_HDR + (size_t)count * MDELF_NAMES_ENTSIZE;
	if (to - o < need) {
		set_err(err, errlen, "name table at 0x%zx: %" PRIu32
			" entries run past 0x%zx", o, count, to);
		return -1;
	}
	for (i = 0; i < count; i++) {
		size_t e = o + MDELF_NAMES_HDR + (size_t)i * MDELF_NAMES_ENTSIZE;
		char name[MDELF_NAME_LEN];
		size_t l;

		buf_get_bytes(&b, e, name, sizeof(name));
		l = strnlen(name, sizeof(name));
		if (l == 0 || l == sizeof(name)) {
			set_err(err, errlen, "name table entry %" PRIu32
				": name %s", i, l ? "not NUL-terminated" :
				"empty");
			return -1;
		}
		for (size_t k = 0; k < l; k++) {
			if (!name_char_ok(name[k])) {
				set_err(err, errlen, "name table entry %" PRIu32
					": byte 0x%02x at %zu is not "
					"[A-Za-z0-9_-]", i,
					(unsigned char)name[k], k);
				return -1;
			}
		}
		memcpy(loads[i].name, name, l + 1);
		buf_get_le32(&b, e + MDELF_NAME_LEN, &loads[i].seq);
	}
	*off = o;
	return 1;
}

void mdelf_file_name(const struct mdelf_load *l, char *out, size_t outlen)
{
	if (l->seq == 0)
		snprintf(out, outlen, "md_%s.BIN", l->name);
	else
		snprintf(out, outlen, "md_%s.%" PRIu32 ".BIN", l->name, l->seq);
}

/* ---- the header region ------------------------------------------------ */

int mdelf_parse_header(const uint8_t *p, size_t len, struct mdelf_core *c,
		       char *err, size_t errlen)
{
	struct mdfw_buf b = { p, len };
	uint16_t type = 0, machine = 0, ehsize = 0, phentsize = 0, phnum = 0;
	uint32_t version = 0, i;
	uint64_t phoff = 0, expect, phend;
	Elf64_Phdr ph;
	char nerr[256];
	int ret;

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
	if (type != ET_CORE || machine != EM_X86_64 || version != EV_CURRENT) {
		set_err(err, errlen, "e_type %u, e_machine %u, e_version %" PRIu32
			": expected ET_CORE, EM_X86_64, EV_CURRENT", type,
			machine, version);
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
	if (mdelf_parse_notes(p + c->notes_off, (size_t)c->notes_len,
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

	ret = mdelf_find_names(p, len, (size_t)phend, (size_t)c->notes_off,
			       c->loads, c->nloads, &c->names_off, nerr,
			       sizeof(nerr));
	if (ret < 0) {
		set_err(err, errlen, "%s", nerr);
		goto fail;
	}
	if (ret == 0) {
		set_err(err, errlen, "no name table (\"%s\") between the "
			"program headers (0x%" PRIx64 ") and the notes (0x%"
			PRIx64 ")", MDELF_NAMES_MAGIC, phend, c->notes_off);
		goto fail;
	}
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

/* ---- assembling dump.elf ---------------------------------------------- */

/* Read a whole regular file (at most max bytes) from dfd. 0 or -errno. */
static int read_small_file(int dfd, const char *name, size_t max,
			   uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf;
	int fd, ret;

	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		ret = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto out;
	}
	buf = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!buf) {
		ret = -ENOMEM;
		goto out;
	}
	ret = pread_full(fd, buf, (size_t)st.st_size, 0);
	if (ret) {
		free(buf);
		goto out;
	}
	*out = buf;
	*outlen = (size_t)st.st_size;
out:
	close(fd);
	return ret;
}

/* Open an md file for a PT_LOAD; -1 (with a warning) if unusable. */
static int open_load(int dfd, const char *src_path, uint32_t idx,
		     const struct mdelf_load *l)
{
	char fn[64];
	struct stat st;
	int fd;

	mdelf_file_name(l, fn, sizeof(fn));
	fd = openat(dfd, fn, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		msg("warning: %s: PT_LOAD %" PRIu32 " (vaddr 0x%" PRIx64
		    ", 0x%" PRIx64 " bytes): %s/%s: %s; dropped",
		    MDELF_OUT_FILE, idx, l->vaddr, l->filesz, src_path, fn,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != l->filesz) {
		msg("warning: %s: PT_LOAD %" PRIu32 " (vaddr 0x%" PRIx64
		    "): %s/%s is %s%jd bytes, expected 0x%" PRIx64 "; dropped",
		    MDELF_OUT_FILE, idx, l->vaddr, src_path, fn,
		    S_ISREG(st.st_mode) ? "" : "not a regular file, ",
		    (intmax_t)st.st_size, l->filesz);
		close(fd);
		return -1;
	}
	return fd;
}

static int copy_fd(int out, int in, uint64_t size, uint8_t *buf)
{
	uint64_t done = 0;
	int ret;

	while (done < size) {
		size_t n = size - done < COPY_CHUNK ? (size_t)(size - done) :
			   COPY_CHUNK;

		ret = pread_full(in, buf, n, done);
		if (ret)
			return ret;
		ret = write_full(out, buf, n);
		if (ret)
			return ret;
		done += n;
	}
	return 0;
}

/* Copy a kept PT_LOAD's md file; it must still have the checked size. */
static int copy_load(int dfd, const struct mdelf_load *l, int ofd,
		     uint8_t *buf)
{
	struct stat st;
	char fn[64];
	int fd, ret;

	mdelf_file_name(l, fn, sizeof(fn));
	fd = openat(dfd, fn, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st))
		ret = -errno;
	else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != l->filesz)
		ret = -ESTALE;	/* changed since we looked */
	else
		ret = copy_fd(ofd, fd, l->filesz, buf);
	close(fd);
	return ret;
}

int mdelf_write_dump(int src_dfd, const char *src_path, const char *out_path,
		     struct mdelf_result *r)
{
	struct mdelf_core c;
	uint8_t *hdr = NULL, *out = NULL, *buf = NULL;
	size_t hlen = 0, olen, names_off, notes_off, phend;
	char err[512], tmp[4096], *dcopy = NULL, *bcopy = NULL;
	const char *dname, *bname;
	uint64_t data_off;
	uint32_t i, k;
	bool *keep = NULL;
	int ofd = -1, odfd = -1, ret, rc;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	memset(r, 0, sizeof(*r));
	ret = read_small_file(src_dfd, MDELF_HDR_FILE, MDELF_MAX_HDR, &hdr,
			      &hlen);
	if (ret) {
		msg("%s/%s: %s", src_path, MDELF_HDR_FILE,
		    ret == -EFBIG ? "larger than 64 MiB" :
		    ret == -EINVAL ? "not a regular file" : strerror(-ret));
		return MDFW_EXIT_IO;
	}
	if (mdelf_parse_header(hdr, hlen, &c, err, sizeof(err))) {
		msg("%s/%s: unusable ELF header: %s", src_path, MDELF_HDR_FILE,
		    err);
		free(hdr);
		return MDFW_EXIT_TABLE;
	}
	if (c.bad_offset_index >= 0)
		msg("warning: %s/%s: PT_LOAD %ld: p_offset is not the header "
		    "size plus the sizes of the PT_LOADs before it; offsets "
		    "are recomputed anyway", src_path, MDELF_HDR_FILE,
		    c.bad_offset_index);
	r->nloads = c.nloads;

	rc = MDFW_EXIT_IO;
	keep = calloc(c.nloads ? c.nloads : 1, sizeof(*keep));
	buf = malloc(COPY_CHUNK);
	if (!keep || !buf) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	/* Which md files are there with the right size (closed again: there
	 * may be more PT_LOADs than we may open files). */
	for (i = 0; i < c.nloads; i++) {
		int fd = open_load(src_dfd, src_path, i + 1, &c.loads[i]);

		if (fd >= 0) {
			close(fd);
			keep[i] = true;
			r->kept++;
			r->load_bytes += c.loads[i].filesz;
		} else {
			r->dropped++;
		}
	}

	/* Layout: Ehdr, phdrs, name table, notes, then the loads. */
	phend = sizeof(Elf64_Ehdr) + (size_t)(1 + r->kept) * sizeof(Elf64_Phdr);
	names_off = (phend + 7) & ~(size_t)7;
	notes_off = names_off + MDELF_NAMES_HDR +
		    (size_t)r->kept * MDELF_NAMES_ENTSIZE;
	olen = notes_off + (size_t)c.notes_len;
	out = calloc(1, olen);
	if (!out) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	memset(&eh, 0, sizeof(eh));
	memcpy(eh.e_ident, hdr, EI_NIDENT);
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(Elf64_Ehdr);
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = (uint16_t)(1 + r->kept);
	put_ehdr(out, &eh);

	memset(&ph, 0, sizeof(ph));
	ph.p_type = PT_NOTE;
	ph.p_offset = notes_off;
	ph.p_filesz = c.notes_len;
	ph.p_align = 4;
	put_phdr(out + sizeof(Elf64_Ehdr), &ph);

	memcpy(out + names_off, MDELF_NAMES_MAGIC, 8);
	put_le32(out + names_off + 8, r->kept);
	put_le32(out + names_off + 12, MDELF_NAMES_ENTSIZE);
	memcpy(out + notes_off, hdr + c.notes_off, (size_t)c.notes_len);

	data_off = olen;
	for (i = 0, k = 0; i < c.nloads; i++) {
		const struct mdelf_load *l = &c.loads[i];
		uint8_t *e;

		if (!keep[i])
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
		e = out + names_off + MDELF_NAMES_HDR +
		    (size_t)k * MDELF_NAMES_ENTSIZE;
		memcpy(e, l->name, strlen(l->name));
		put_le32(e + MDELF_NAME_LEN, l->seq);
		data_off += l->filesz;	/* sum of md files: no overflow */
		k++;
	}

	/* Temporary file next to the output, then rename. */
	dcopy = strdup(out_path);
	bcopy = strdup(out_path);
	if (!dcopy || !bcopy) {
		msg("%s: out of memory", MDELF_OUT_FILE);
		goto out;
	}
	dname = dirname(dcopy);
	bname = basename(bcopy);
	if (!*bname || !strcmp(bname, "/") || !strcmp(bname, ".") ||
	    !strcmp(bname, "..")) {
		msg("%s: not a file name", out_path);
		rc = MDFW_EXIT_USAGE;
		goto out;
	}
	odfd = open(dname, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (odfd < 0) {
		msg_errno(errno, "%s", dname);
		goto out;
	}
	if ((size_t)snprintf(tmp, sizeof(tmp), ".%s.tmp", bname) >=
	    sizeof(tmp)) {
		msg("%s: name too long", out_path);
		goto out;
	}
	ofd = openat(odfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (ofd < 0) {
		msg_errno(errno, "%s/%s", dname, tmp);
		goto out;
	}
	ret = fchmod(ofd, 0600) ? -errno : 0;
	if (!ret)
		ret = write_full(ofd, out, olen);
	for (i = 0; !ret && i < c.nloads; i++)
		if (keep[i])
			ret = copy_load(src_dfd, &c.loads[i], ofd, buf);
	if (!ret && fsync(ofd))
		ret = -errno;
	if (close(ofd) && !ret)
		ret = -errno;
	ofd = -1;
	if (!ret && renameat(odfd, tmp, odfd, bname))
		ret = -errno;
	if (!ret && fsync(odfd))
		ret = -errno;
	if (ret) {
		msg("writing %s: %s", out_path, strerror(-ret));
		unlinkat(odfd, tmp, 0);
		goto out;
	}
	r->file_bytes = data_off;
	rc = r->dropped ? MDFW_EXIT_PARTIAL : MDFW_EXIT_OK;
out:
	if (ofd >= 0)
		close(ofd);
	if (odfd >= 0)
		close(odfd);
	free(keep);
	free(buf);
	free(out);
	free(dcopy);
	free(bcopy);
	mdelf_core_free(&c);
	free(hdr);
	return rc;
}
