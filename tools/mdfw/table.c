// SPDX-License-Identifier: GPL-2.0
#include "table.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

/*
 * Mirror of the guest-side C structures. Never used to access guest data
 * (that goes through buf.h); it exists so the compiler confirms that the
 * offsets above are what natural alignment gives the kernel's structs.
 */
struct md_region_layout {
	char name[MD_NAME_LEN];
	uint32_t seq_num;
	uint32_t valid;
	uint64_t address;
	uint64_t size;
};

struct md_subsys_layout {
	uint32_t status;
	uint32_t enabled;
	uint32_t encryption_status;
	uint32_t encryption_required;
	uint32_t region_count;
	uint64_t regions_baseptr;
};

struct md_toc_layout {
	uint32_t status;
	uint32_t md_revision;
	uint32_t enabled;
	struct md_subsys_layout subsystems[MD_NUM_SUBSYS];
};

#define CHECK_OFF(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), #type "." #field)
_Static_assert(sizeof(struct md_region_layout) == MD_REGION_SIZE, "region");
CHECK_OFF(struct md_region_layout, name, MD_REGION_NAME);
CHECK_OFF(struct md_region_layout, seq_num, MD_REGION_SEQ);
CHECK_OFF(struct md_region_layout, valid, MD_REGION_VALID);
CHECK_OFF(struct md_region_layout, address, MD_REGION_ADDR);
CHECK_OFF(struct md_region_layout, size, MD_REGION_SIZEF);
_Static_assert(sizeof(struct md_subsys_layout) == MD_SUBSYS_SIZE, "subsys");
CHECK_OFF(struct md_subsys_layout, status, MD_SS_STATUS);
CHECK_OFF(struct md_subsys_layout, enabled, MD_SS_ENABLED);
CHECK_OFF(struct md_subsys_layout, encryption_status, MD_SS_ENC_STATUS);
CHECK_OFF(struct md_subsys_layout, encryption_required, MD_SS_ENC_REQUIRED);
CHECK_OFF(struct md_subsys_layout, region_count, MD_SS_REGION_COUNT);
CHECK_OFF(struct md_subsys_layout, regions_baseptr, MD_SS_BASEPTR);
_Static_assert(sizeof(struct md_toc_layout) == MD_TOC_SIZE, "toc");
CHECK_OFF(struct md_toc_layout, status, MD_TOC_STATUS);
CHECK_OFF(struct md_toc_layout, md_revision, MD_TOC_REVISION);
CHECK_OFF(struct md_toc_layout, enabled, MD_TOC_ENABLED);
CHECK_OFF(struct md_toc_layout, subsystems, MD_TOC_SUBSYS);

static const char *const status_names[] = {
	[MD_ST_OK] = "ok",
	[MD_ST_HOLE] = "invalid-marker",
	[MD_ST_BAD_MARKER] = "bad-marker",
	[MD_ST_BAD_NAME] = "bad-name",
	[MD_ST_EMPTY] = "empty",
	[MD_ST_OVERFLOW] = "overflow",
	[MD_ST_OUT_OF_RAM] = "out-of-ram",
	[MD_ST_DUPLICATE] = "duplicate",
	[MD_ST_TOO_LARGE] = "too-large",
	[MD_ST_IO_ERROR] = "io-error",
};

const char *md_status_str(enum md_status st)
{
	if ((size_t)st < ARRAY_SIZE(status_names) && status_names[st])
		return status_names[st];
	return "?";
}

bool md_status_is_bad(enum md_status st)
{
	/* Holes are the protocol's way to remove an entry: not an error. */
	return st != MD_ST_OK && st != MD_ST_HOLE;
}

void md_entry_describe(const struct md_entry *e, char *out, size_t len)
{
	char name[MD_NAME_ESC_LEN];

	md_name_escape(e->raw_name, name);
	switch (e->status) {
	case MD_ST_BAD_MARKER:
		snprintf(out, len, "valid marker 0x%08" PRIx32
			 " is neither VALI nor INVA", e->valid);
		break;
	case MD_ST_BAD_NAME:
		snprintf(out, len, "bad name \"%s\" (must be 1-15 characters "
			 "[A-Za-z0-9_-], NUL-terminated)", name);
		break;
	case MD_ST_EMPTY:
		snprintf(out, len, "%s.%" PRIu32 ": size 0", name, e->seq);
		break;
	case MD_ST_OVERFLOW:
		snprintf(out, len, "%s.%" PRIu32 ": address 0x%" PRIx64
			 " + size 0x%" PRIx64 " wraps", name, e->seq, e->addr,
			 e->size);
		break;
	case MD_ST_OUT_OF_RAM:
		snprintf(out, len, "%s.%" PRIu32 ": [0x%" PRIx64 ", +0x%" PRIx64
			 ") is not entirely inside one guest RAM range", name,
			 e->seq, e->addr, e->size);
		break;
	case MD_ST_DUPLICATE:
		snprintf(out, len, "%s.%" PRIu32 ": same name%s and seq as "
			 "entry %" PRIu32 "%s", name, e->seq,
			 e->case_only ? " (ignoring case)" : "", e->other,
			 e->case_only ? ": the file names would collide on "
			 "a case-insensitive file system" : "");
		break;
	case MD_ST_TOO_LARGE:
		snprintf(out, len, "%s.%" PRIu32 ": size 0x%" PRIx64
			 " exceeds the total dump size cap", name, e->seq,
			 e->size);
		break;
	case MD_ST_IO_ERROR:
		snprintf(out, len, "%s.%" PRIu32 ": copying failed", name,
			 e->seq);
		break;
	default:
		snprintf(out, len, "%s", md_status_str(e->status));
		break;
	}
}

void md_name_escape(const uint8_t raw[MD_NAME_LEN], char out[MD_NAME_ESC_LEN])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < MD_NAME_LEN && raw[i]; i++) {
		if (md_name_char_ok(raw[i])) {
			out[o++] = (char)raw[i];
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[raw[i] >> 4];
			out[o++] = hex[raw[i] & 15];
		}
	}
	out[o] = '\0';
}

/* A good name: 1..15 allowed characters, then NUL (bytes after it ignored). */
static bool name_ok(const uint8_t raw[MD_NAME_LEN], char out[MD_NAME_LEN + 1])
{
	size_t i;

	for (i = 0; i < MD_NAME_LEN && raw[i]; i++)
		if (!md_name_char_ok(raw[i]))
			return false;
	if (i == 0 || i == MD_NAME_LEN)
		return false;
	memcpy(out, raw, i);
	out[i] = '\0';
	return true;
}

void md_toc_init_bytes(uint8_t toc[MD_TOC_SIZE])
{
	memset(toc, 0, MD_TOC_SIZE);
	put_le32(toc + MD_TOC_STATUS, MD_TOC_STATUS_INIT);
	put_le32(toc + MD_TOC_REVISION, MD_REVISION);
	put_le32(toc + MD_TOC_ENABLED, MD_ENABLED_MAGIC);
}

/* 1-4 decimal digits at *s; advances *s. */
static bool digits(const char **s, uint32_t *v, bool *canonical)
{
	const char *p = *s;
	uint32_t x = 0;
	size_t n = 0;

	while (p[n] >= '0' && p[n] <= '9') {
		if (n == 4)
			return false;
		x = x * 10 + (uint32_t)(p[n] - '0');
		n++;
	}
	if (!n)
		return false;
	if (n > 1 && p[0] == '0')
		*canonical = false;
	*v = x;
	*s = p + n;
	return true;
}

enum md_cpuset_kind md_cpuset_name(const char *name, uint32_t *cpu,
				   uint32_t *chunk, bool *canonical)
{
	enum md_cpuset_kind k;
	uint32_t c = 0, i = 0;
	bool canon = true;
	const char *s;

	if (!strncmp(name, "KTASK", 5)) {
		k = MD_CPUSET_TASK;
		s = name + 5;
		if (!digits(&s, &c, &canon) || *s)
			return MD_CPUSET_NONE;
	} else if (!strncmp(name, "KSTACK", 6)) {
		k = MD_CPUSET_STACK;
		s = name + 6;
		if (!digits(&s, &c, &canon) || *s++ != '_' ||
		    !digits(&s, &i, &canon) || *s)
			return MD_CPUSET_NONE;
	} else {
		return MD_CPUSET_NONE;
	}
	if (cpu)
		*cpu = c;
	if (chunk)
		*chunk = i;
	if (canonical)
		*canonical = canon;
	return k;
}

/* Classify entry i, given that entries [0, i) are final. */
static void check_entry(struct md_table *t, uint32_t i,
			const struct gpa_layout *ram, uint64_t max_total)
{
	struct md_entry *e = &t->entries[i];
	uint32_t j;

	if (e->valid == MD_REGION_INVALID_MAGIC) {
		e->status = MD_ST_HOLE;
		return;
	}
	if (e->valid != MD_REGION_VALID_MAGIC) {
		e->status = MD_ST_BAD_MARKER;
		return;
	}
	if (!name_ok(e->raw_name, e->name)) {
		e->status = MD_ST_BAD_NAME;
		return;
	}
	e->cpuset = md_cpuset_name(e->name, NULL, NULL, NULL) !=
		    MD_CPUSET_NONE;
	if (e->size == 0) {
		e->status = MD_ST_EMPTY;
		return;
	}
	if (e->size > UINT64_MAX - e->addr) {
		e->status = MD_ST_OVERFLOW;
		return;
	}
	if (!gpa_range_to_file(ram, e->addr, e->size, &e->file_off)) {
		e->status = MD_ST_OUT_OF_RAM;
		return;
	}
	/*
	 * Quadratic, but i < MD_MAX_REGIONS keeps it well under a million
	 * comparisons. The first accepted entry wins; later ones are the
	 * suspects.
	 */
	for (j = 0; j < i; j++) {
		const struct md_entry *o = &t->entries[j];

		if (o->status != MD_ST_OK)
			continue;
		/*
		 * Ignoring case: md_Foo.BIN and md_foo.BIN are one file on
		 * a case-insensitive file system, so the second would
		 * overwrite the first.
		 */
		if (o->seq == e->seq && !strcasecmp(o->name, e->name)) {
			e->status = MD_ST_DUPLICATE;
			e->other = j;
			e->case_only = strcmp(o->name, e->name) != 0;
			return;
		}
	}
	/*
	 * Ranges may overlap, whatever the names: the kernel publishes
	 * nested memory (a CPU's per-CPU area, and an IRQ or exception
	 * stack inside it that the CPU reads through another virtual
	 * address, e.g. the cpu_entry_area, and a debugger needs as a
	 * PT_LOAD of its own), a migrated task is in two CPUs' sets, and a
	 * real firmware copies every entry as it is. Each accepted entry is
	 * copied, so the cap below is what bounds the copying: without it,
	 * a hostile table could name the same memory MD_MAX_REGIONS times.
	 */
	if (e->size > max_total - t->total_bytes) {
		e->status = MD_ST_TOO_LARGE;
		return;
	}
	e->status = MD_ST_OK;
	t->total_bytes += e->size;
}

/*
 * Locate the region array: inside the ivshmem BAR (the normal case) or in
 * guest RAM. Sets where/array_off/capacity or returns false with err set.
 */
static bool locate_array(const struct md_source *src, struct md_table *t,
			 uint32_t max_regions, char *err, size_t errlen)
{
	uint64_t cap_bytes, avail;

	if (src->bar2_known && t->baseptr >= src->bar2 &&
	    t->baseptr - src->bar2 < src->shm_size) {
		t->where = MD_IN_SHM;
		t->array_off = t->baseptr - src->bar2;
		if (t->array_off < MD_TOC_SIZE) {
			set_err(err, errlen, "regions_baseptr 0x%" PRIx64
				" points into the table of contents",
				t->baseptr);
			return false;
		}
		cap_bytes = src->shm_size - t->array_off;
	} else if (gpa_lookup(src->ram, t->baseptr, &t->array_off, &avail)) {
		t->where = MD_IN_RAM;
		cap_bytes = avail;
	} else {
		if (src->bar2_known)
			set_err(err, errlen, "regions_baseptr 0x%" PRIx64
				" is neither in %s [0x%" PRIx64 ", +0x%" PRIx64
				") nor in guest RAM", t->baseptr,
				src->shm_what ? src->shm_what :
				"the ivshmem BAR", src->bar2, src->shm_size);
		else
			set_err(err, errlen, "regions_baseptr 0x%" PRIx64
				" is not in guest RAM (ivshmem BAR address "
				"unknown)", t->baseptr);
		return false;
	}
	/* The kernel's array is naturally aligned; anything else is junk. */
	if (t->baseptr % 8) {
		set_err(err, errlen, "regions_baseptr 0x%" PRIx64
			" is not 8-byte aligned", t->baseptr);
		return false;
	}
	cap_bytes /= MD_REGION_SIZE;
	t->capacity = cap_bytes < max_regions ? (uint32_t)cap_bytes :
						max_regions;
	return true;
}

int md_table_read(const struct md_source *src, struct md_table *t,
		  char *err, size_t errlen)
{
	uint8_t tocb[MD_TOC_SIZE];
	struct mdfw_buf toc = { tocb, sizeof(tocb) };
	struct mdfw_buf arr;
	uint32_t status, rev, enabled, max_regions, i;
	uint64_t max_total;
	size_t ss = MD_TOC_SUBSYS + MD_SUBSYS_APSS * MD_SUBSYS_SIZE;
	uint8_t *raw;
	int ret;

	memset(t, 0, sizeof(*t));
	max_regions = src->max_regions ? src->max_regions : MD_MAX_REGIONS;
	max_total = src->max_total ? src->max_total : src->ram->ram_size;

	if (src->shm_size < MD_TOC_SIZE) {
		set_err(err, errlen, "shared memory (%" PRIu64 " bytes) is "
			"smaller than the table of contents", src->shm_size);
		return MDFW_EXIT_TABLE;
	}
	ret = src->read_shm(src->ctx, 0, tocb, sizeof(tocb));
	if (ret) {
		set_err(err, errlen, "reading the table of contents: %s",
			strerror(-ret));
		return MDFW_EXIT_IO;
	}

	/* The buffer is exactly MD_TOC_SIZE, so these reads cannot fail. */
	buf_get_le32(&toc, MD_TOC_STATUS, &status);
	buf_get_le32(&toc, MD_TOC_REVISION, &rev);
	buf_get_le32(&toc, MD_TOC_ENABLED, &enabled);
	if (status != MD_TOC_STATUS_INIT || rev != MD_REVISION ||
	    enabled != MD_ENABLED_MAGIC) {
		set_err(err, errlen, "no minidump table of contents (status %"
			PRIu32 ", revision %" PRIu32 ", enabled 0x%08" PRIx32
			"); was the shared memory initialised with "
			"'mdfw init'?", status, rev, enabled);
		return MDFW_EXIT_TABLE;
	}

	buf_get_le32(&toc, ss + MD_SS_STATUS, &t->ss_status);
	buf_get_le32(&toc, ss + MD_SS_ENABLED, &t->ss_enabled);
	buf_get_le32(&toc, ss + MD_SS_ENC_STATUS, &t->enc_status);
	buf_get_le32(&toc, ss + MD_SS_ENC_REQUIRED, &t->enc_required);
	buf_get_le32(&toc, ss + MD_SS_REGION_COUNT, &t->region_count);
	buf_get_le64(&toc, ss + MD_SS_BASEPTR, &t->baseptr);

	if (t->ss_enabled != MD_ENABLED_MAGIC ||
	    t->ss_status != MD_SS_STATUS_INIT) {
		set_err(err, errlen, "APSS subsystem not registered (status %"
			PRIu32 ", enabled 0x%08" PRIx32 "): the guest's "
			"minidump backend never initialised it",
			t->ss_status, t->ss_enabled);
		return MDFW_EXIT_TABLE;
	}
	/* Writing plaintext when the guest asked for encryption is wrong. */
	if (t->enc_required != MD_ENC_NOTREQ) {
		set_err(err, errlen, "guest requires encryption "
			"(encryption_required 0x%08" PRIx32 "), not supported",
			t->enc_required);
		return MDFW_EXIT_TABLE;
	}
	t->odd_enc_status = t->enc_status != 0 && t->enc_status != MD_ENC_DONE;

	if (t->region_count == 0)
		return 0;
	if (!locate_array(src, t, max_regions, err, errlen))
		return MDFW_EXIT_TABLE;

	t->n = t->region_count < t->capacity ? t->region_count : t->capacity;
	t->truncated = t->n < t->region_count;
	if (t->n == 0)
		return 0;

	/* Snapshot the array once; validation only looks at the copy. */
	raw = malloc((size_t)t->n * MD_REGION_SIZE);
	t->entries = calloc(t->n, sizeof(*t->entries));
	if (!raw || !t->entries) {
		free(raw);
		md_table_free(t);
		set_err(err, errlen, "out of memory");
		return MDFW_EXIT_IO;
	}
	ret = (t->where == MD_IN_SHM ? src->read_shm : src->read_ram)
		(src->ctx, t->array_off, raw, (size_t)t->n * MD_REGION_SIZE);
	if (ret) {
		free(raw);
		md_table_free(t);
		set_err(err, errlen, "reading the region array: %s",
			strerror(-ret));
		return MDFW_EXIT_IO;
	}

	arr.p = raw;
	arr.len = (size_t)t->n * MD_REGION_SIZE;
	for (i = 0; i < t->n; i++) {
		struct md_entry *e = &t->entries[i];
		size_t off = (size_t)i * MD_REGION_SIZE;

		e->index = i;
		if (!buf_get_bytes(&arr, off + MD_REGION_NAME, e->raw_name,
				   MD_NAME_LEN) ||
		    !buf_get_le32(&arr, off + MD_REGION_SEQ, &e->seq) ||
		    !buf_get_le32(&arr, off + MD_REGION_VALID, &e->valid) ||
		    !buf_get_le64(&arr, off + MD_REGION_ADDR, &e->addr) ||
		    !buf_get_le64(&arr, off + MD_REGION_SIZEF, &e->size)) {
			/* Unreachable: arr holds exactly n entries. */
			free(raw);
			md_table_free(t);
			set_err(err, errlen, "internal error: short array");
			return MDFW_EXIT_IO;
		}
		check_entry(t, i, src->ram, max_total);
		if (e->status == MD_ST_OK)
			t->n_ok++;
		else if (e->status == MD_ST_HOLE)
			t->n_holes++;
		else
			t->n_bad++;
	}
	free(raw);
	return 0;
}

void md_table_free(struct md_table *t)
{
	free(t->entries);
	t->entries = NULL;
	t->n = 0;
}
