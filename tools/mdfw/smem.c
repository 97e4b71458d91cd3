// SPDX-License-Identifier: GPL-2.0
/* Qualcomm SMEM: what SBL writes, and finding an item in it (smem.h). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "smem.h"
#include "table.h"
#include "util.h"

static void put_le16(uint8_t *d, uint16_t v)
{
	d[0] = (uint8_t)v;
	d[1] = (uint8_t)(v >> 8);
}

static bool get_le16(const struct mdfw_buf *b, size_t off, uint16_t *v)
{
	uint8_t s[2];

	if (!buf_get_bytes(b, off, s, 2))
		return false;
	*v = (uint16_t)(s[0] | s[1] << 8);
	return true;
}

static void smem_err(char *err, size_t len, const char *fmt, ...)
	MDFW_PRINTF(3, 4);

static void smem_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

int smem_build(uint8_t *smem, size_t size, uint64_t base)
{
	uint8_t *pt, *e, *info, *part, *item;
	size_t item_size = (MD_TOC_SIZE + 7) & ~(size_t)7;

	if (size < SMEM_MIN_SIZE || (uint64_t)size > UINT32_MAX ||
	    size % 4096 || base > UINT32_MAX)
		return -1;
	memset(smem, 0, size);

	/* Header: the global-partition scheme, initialised by SBL. */
	put_le32(smem + SMEM_HDR_SBL_VERSION, (uint32_t)SMEM_SBL_VERSION << 16);
	put_le32(smem + SMEM_HDR_INITIALIZED, 1);
	put_le32(smem + SMEM_HDR_RESERVED, 0);

	/* Partition table in the last 4 KiB: one entry, then smem_info. */
	pt = smem + size - SMEM_PTABLE_SIZE;
	memcpy(pt, "$TOC", 4);
	put_le32(pt + 4, 1);			/* version */
	put_le32(pt + 8, 1);			/* num_entries */
	e = pt + SMEM_PTABLE_HDR;
	put_le32(e + 0, SMEM_GLOBAL_PART_OFF);	/* offset */
	put_le32(e + 4, SMEM_GLOBAL_PART_SIZE);	/* size */
	put_le32(e + 8, 0);			/* flags */
	put_le16(e + 12, SMEM_GLOBAL_HOST);	/* host0 */
	put_le16(e + 14, SMEM_GLOBAL_HOST);	/* host1 */
	put_le32(e + 16, 64);			/* cacheline */
	info = e + SMEM_PTABLE_ENTRY;
	memcpy(info, "SIII", 4);
	put_le32(info + 4, (uint32_t)size);
	put_le32(info + 8, (uint32_t)base);
	put_le16(info + 16, SMEM_NUM_ITEMS);

	/* The global partition with one uncached item: the minidump TOC. */
	part = smem + SMEM_GLOBAL_PART_OFF;
	memcpy(part, "$PRT", 4);
	put_le16(part + 4, SMEM_GLOBAL_HOST);
	put_le16(part + 6, SMEM_GLOBAL_HOST);
	put_le32(part + 8, SMEM_GLOBAL_PART_SIZE);
	put_le32(part + 12, (uint32_t)(SMEM_PART_HDR + SMEM_PRIV_ENTRY +
				       item_size));	/* free uncached */
	put_le32(part + 16, SMEM_GLOBAL_PART_SIZE);	/* free cached */
	item = part + SMEM_PART_HDR;
	put_le16(item + 0, SMEM_CANARY);
	put_le16(item + 2, SMEM_MINIDUMP_ITEM);
	put_le32(item + 4, (uint32_t)item_size);
	put_le16(item + 8, (uint16_t)(item_size - MD_TOC_SIZE));
	put_le16(item + 10, 0);				/* padding_hdr */
	md_toc_init_bytes(item + SMEM_PRIV_ENTRY);
	return 0;
}

int smem_find_item(const uint8_t *smem, size_t size, unsigned int item,
		   size_t *off, size_t *len, char *err, size_t errlen)
{
	const struct mdfw_buf b = { smem, size };
	uint32_t v = 0, n = 0, i, poff = 0, psize = 0, free_unc = 0, esize = 0;
	uint16_t h0 = 0, h1 = 0, canary = 0, num = 0, pad_data = 0, pad_hdr = 0;
	size_t pt, p, e;
	bool found = false;

	if (size < SMEM_PTABLE_SIZE + SMEM_HDR_RESERVED + 4) {
		smem_err(err, errlen, "SMEM: %zu bytes is too small", size);
		return -1;
	}
	buf_get_le32(&b, SMEM_HDR_INITIALIZED, &v);
	if (v != 1) {
		smem_err(err, errlen, "SMEM: not initialised (initialized = %" PRIu32 ")", v);
		return -1;
	}
	buf_get_le32(&b, SMEM_HDR_SBL_VERSION, &v);
	if (v >> 16 != SMEM_SBL_VERSION) {
		smem_err(err, errlen, "SMEM: SBL version %" PRIu32
			 ", only the global partition scheme (12) is supported", v >> 16);
		return -1;
	}
	pt = size - SMEM_PTABLE_SIZE;
	buf_get_le32(&b, pt + 4, &v);
	buf_get_le32(&b, pt + 8, &n);
	if (memcmp(smem + pt, "$TOC", 4) || v != 1) {
		smem_err(err, errlen, "SMEM: no partition table (magic or version %" PRIu32 ")", v);
		return -1;
	}
	if (n > (SMEM_PTABLE_SIZE - SMEM_PTABLE_HDR) / SMEM_PTABLE_ENTRY) {
		smem_err(err, errlen, "SMEM: partition table claims %" PRIu32 " entries", n);
		return -1;
	}
	/* Item count: smem_info right after the entries, else 512. */
	num = 512;
	e = pt + SMEM_PTABLE_HDR + (size_t)n * SMEM_PTABLE_ENTRY;
	if (buf_has(&b, e, 18) && !memcmp(smem + e, "SIII", 4))
		get_le16(&b, e + 16, &num);
	if (item >= num) {
		smem_err(err, errlen, "SMEM: item %u is beyond the %u items SMEM has", item, num);
		return -1;
	}
	for (i = 0; i < n && !found; i++) {
		e = pt + SMEM_PTABLE_HDR + (size_t)i * SMEM_PTABLE_ENTRY;
		buf_get_le32(&b, e, &poff);
		buf_get_le32(&b, e + 4, &psize);
		get_le16(&b, e + 12, &h0);
		get_le16(&b, e + 14, &h1);
		found = poff && psize && h0 == SMEM_GLOBAL_HOST && h1 == SMEM_GLOBAL_HOST;
	}
	if (!found) {
		smem_err(err, errlen, "SMEM: no global partition");
		return -1;
	}
	if (!buf_has(&b, poff, psize) || psize < SMEM_PART_HDR ||
	    (size_t)poff + psize > pt) {
		smem_err(err, errlen, "SMEM: global partition [%#" PRIx32 ", +%#" PRIx32
			 ") is outside SMEM", poff, psize);
		return -1;
	}
	p = poff;
	get_le16(&b, p + 4, &h0);
	get_le16(&b, p + 6, &h1);
	buf_get_le32(&b, p + 8, &v);
	buf_get_le32(&b, p + 12, &free_unc);
	if (memcmp(smem + p, "$PRT", 4) || h0 != SMEM_GLOBAL_HOST ||
	    h1 != SMEM_GLOBAL_HOST || v != psize || free_unc > psize ||
	    free_unc < SMEM_PART_HDR) {
		smem_err(err, errlen, "SMEM: bad global partition header");
		return -1;
	}
	for (e = SMEM_PART_HDR; e + SMEM_PRIV_ENTRY <= free_unc;
	     e += SMEM_PRIV_ENTRY + pad_hdr + esize) {
		get_le16(&b, p + e, &canary);
		get_le16(&b, p + e + 2, &num);
		buf_get_le32(&b, p + e + 4, &esize);
		get_le16(&b, p + e + 8, &pad_data);
		get_le16(&b, p + e + 10, &pad_hdr);
		if (canary != SMEM_CANARY) {
			smem_err(err, errlen, "SMEM: bad canary %#x at partition offset %#zx",
				 canary, e);
			return -1;
		}
		if (esize > free_unc - e - SMEM_PRIV_ENTRY ||
		    pad_hdr > free_unc - e - SMEM_PRIV_ENTRY - esize ||
		    pad_data > esize) {
			smem_err(err, errlen, "SMEM: item %u at partition offset %#zx "
				 "overruns the partition", num, e);
			return -1;
		}
		if (num == item) {
			*off = p + e + SMEM_PRIV_ENTRY + pad_hdr;
			*len = esize - pad_data;
			return 0;
		}
	}
	smem_err(err, errlen, "SMEM: item %u not allocated", item);
	return -1;
}

static const char smem_init_help[] =
"Usage: mdfw init --smem ADDR --ram FILE --ram-size N [--ram-base ADDR]\n"
"                 [--smem-size N] [--tcsr ADDR] [--tcsr-size N]\n"
"\n"
"Play the Qualcomm boot firmware before an arm64 guest starts: write an\n"
"initialised SMEM (global partition scheme, item 602 = the minidump table\n"
"of contents) at guest physical ADDR into the guest RAM file, creating or\n"
"extending FILE to N bytes, and zero the TCSR mutex block (free locks).\n"
"  --ram-base ADDR   guest physical address of the first RAM byte\n"
"                    (default 0x40000000, QEMU virt)\n"
"  --smem-size N     default 2M\n"
"  --tcsr ADDR       TCSR mutex registers to zero (default: none)\n"
"  --tcsr-size N     default 128K\n";

static int smem_num(const char *opt, const char *arg, uint64_t *v)
{
	if (!parse_u64(arg, v)) {
		msg("init: --%s: bad number '%s'", opt, arg);
		return -1;
	}
	return 0;
}

/* Write len bytes of buf (NULL: zeroes) at gpa into the RAM file. */
static int smem_put(int fd, uint64_t ram_base, uint64_t ram_size, uint64_t gpa,
		    const uint8_t *buf, uint64_t len, const char *what)
{
	static const uint8_t zero[65536];
	uint64_t off, done;

	if (gpa < ram_base || gpa - ram_base > ram_size ||
	    len > ram_size - (gpa - ram_base)) {
		msg("init: %s [%#" PRIx64 ", +%#" PRIx64 ") is not inside guest RAM "
		    "[%#" PRIx64 ", +%#" PRIx64 ")", what, gpa, len, ram_base, ram_size);
		return MDFW_EXIT_USAGE;
	}
	off = gpa - ram_base;
	for (done = 0; done < len; ) {
		size_t n = len - done < sizeof(zero) ? (size_t)(len - done) : sizeof(zero);
		ssize_t w = pwrite(fd, buf ? buf + done : zero, n, (off_t)(off + done));

		if (w <= 0) {
			msg_errno(w < 0 ? errno : EIO, "init: writing %s", what);
			return MDFW_EXIT_IO;
		}
		done += (uint64_t)w;
	}
	return 0;
}

bool smem_init_wanted(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--smem") || !strncmp(argv[i], "--smem=", 7))
			return true;
	return false;
}

int smem_cmd_init(int argc, char **argv)
{
	enum { O_SMEM = 1, O_RAM, O_RAM_SIZE, O_RAM_BASE, O_SMEM_SIZE, O_TCSR,
	       O_TCSR_SIZE, O_HELP };
	static const struct option opts[] = {
		{ "smem", required_argument, NULL, O_SMEM },
		{ "ram", required_argument, NULL, O_RAM },
		{ "ram-size", required_argument, NULL, O_RAM_SIZE },
		{ "ram-base", required_argument, NULL, O_RAM_BASE },
		{ "smem-size", required_argument, NULL, O_SMEM_SIZE },
		{ "tcsr", required_argument, NULL, O_TCSR },
		{ "tcsr-size", required_argument, NULL, O_TCSR_SIZE },
		{ "help", no_argument, NULL, O_HELP },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t smem = 0, ram_size = 0, ram_base = 0x40000000;
	uint64_t smem_size = 2 << 20, tcsr = 0, tcsr_size = 128 << 10;
	const char *ram = NULL;
	bool have_smem = false, have_tcsr = false;
	struct stat st;
	uint8_t *buf;
	int c, fd, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case O_SMEM:
			if (smem_num("smem", optarg, &smem))
				return MDFW_EXIT_USAGE;
			have_smem = true;
			break;
		case O_RAM:
			ram = optarg;
			break;
		case O_RAM_SIZE:
			if (smem_num("ram-size", optarg, &ram_size))
				return MDFW_EXIT_USAGE;
			break;
		case O_RAM_BASE:
			if (smem_num("ram-base", optarg, &ram_base))
				return MDFW_EXIT_USAGE;
			break;
		case O_SMEM_SIZE:
			if (smem_num("smem-size", optarg, &smem_size))
				return MDFW_EXIT_USAGE;
			break;
		case O_TCSR:
			if (smem_num("tcsr", optarg, &tcsr))
				return MDFW_EXIT_USAGE;
			have_tcsr = true;
			break;
		case O_TCSR_SIZE:
			if (smem_num("tcsr-size", optarg, &tcsr_size))
				return MDFW_EXIT_USAGE;
			break;
		case O_HELP:
			fputs(smem_init_help, stdout);
			return MDFW_EXIT_OK;
		default:
			fputs(smem_init_help, stderr);
			return MDFW_EXIT_USAGE;
		}
	}
	if (optind < argc || !have_smem || !ram || !ram_size) {
		msg("init: --smem needs --ram and --ram-size");
		fputs(smem_init_help, stderr);
		return MDFW_EXIT_USAGE;
	}
	if (smem_size < SMEM_MIN_SIZE || smem_size > UINT32_MAX ||
	    smem_size % 4096 || smem > UINT32_MAX) {
		msg("init: SMEM must be 4 KiB-aligned, %d..4G bytes, below 4 GiB",
		    SMEM_MIN_SIZE);
		return MDFW_EXIT_USAGE;
	}
	buf = malloc(smem_size);
	if (!buf) {
		msg("init: out of memory");
		return MDFW_EXIT_IO;
	}
	smem_build(buf, smem_size, smem);

	fd = open(ram, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		msg_errno(errno, "init: %s", ram);
		free(buf);
		return MDFW_EXIT_IO;
	}
	/* Extend, never shrink: QEMU may already map a larger file. */
	if (fstat(fd, &st) || ((uint64_t)st.st_size < ram_size &&
			       ftruncate(fd, (off_t)ram_size))) {
		msg_errno(errno, "init: sizing %s", ram);
		rc = MDFW_EXIT_IO;
		goto out;
	}
	rc = smem_put(fd, ram_base, ram_size, smem, buf, smem_size, "SMEM");
	if (!rc && have_tcsr)
		rc = smem_put(fd, ram_base, ram_size, tcsr, NULL, tcsr_size,
			      "TCSR mutex block");
	if (!rc && fsync(fd)) {
		msg_errno(errno, "init: fsync %s", ram);
		rc = MDFW_EXIT_IO;
	}
	if (!rc)
		printf("smem: %#" PRIx64 " +%#" PRIx64 " in %s: SBL version %d, "
		       "global partition at +%#x, item %d = minidump TOC (%d bytes)\n",
		       smem, smem_size, ram, SMEM_SBL_VERSION, SMEM_GLOBAL_PART_OFF,
		       SMEM_MINIDUMP_ITEM, MD_TOC_SIZE);
out:
	close(fd);
	free(buf);
	return rc;
}
