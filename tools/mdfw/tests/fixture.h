/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-memory guest for table tests: an ivshmem image and a window of guest
 * RAM, served through the md_source callbacks. RAM outside the window
 * reads as zeros (the parser only reads the region array from RAM, never
 * region contents), so multi-GiB layouts cost nothing.
 */
#ifndef MDFW_FIXTURE_H
#define MDFW_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "table.h"

#define FX_SHM_SIZE	(64u << 10)
#define FX_BAR2		UINT64_C(0xfe000000)
#define FX_ARRAY_OFF	4096u
#define FX_WIN_SIZE	(64u << 10)

struct fixture {
	uint8_t shm[FX_SHM_SIZE];
	uint8_t win[FX_WIN_SIZE];	/* RAM file bytes [win_off, +size) */
	uint64_t win_off;
	struct gpa_layout lay;
	struct md_source src;
	int fail_reads;			/* make the callbacks fail */
};

static inline int fx_read_shm(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fixture *fx = ctx;

	if (fx->fail_reads)
		return -EIO;
	/* The parser must stay within src.shm_size. */
	if (off > fx->src.shm_size || len > fx->src.shm_size - off)
		return -ERANGE;
	memcpy(buf, fx->shm + off, len);
	return 0;
}

static inline int fx_read_ram(void *ctx, uint64_t off, void *buf, size_t len)
{
	struct fixture *fx = ctx;
	uint8_t *d = buf;
	size_t i;

	if (fx->fail_reads)
		return -EIO;
	if (off > fx->lay.ram_size || len > fx->lay.ram_size - off)
		return -ERANGE;
	for (i = 0; i < len; i++) {
		uint64_t o = off + i;

		d[i] = o >= fx->win_off && o - fx->win_off < FX_WIN_SIZE ?
		       fx->win[o - fx->win_off] : 0;
	}
	return 0;
}

static inline uint8_t *fx_subsys(struct fixture *fx)
{
	return fx->shm + MD_TOC_SUBSYS + MD_SUBSYS_APSS * MD_SUBSYS_SIZE;
}

static inline void fx_set_count(struct fixture *fx, uint32_t n)
{
	put_le32(fx_subsys(fx) + MD_SS_REGION_COUNT, n);
}

static inline void fx_set_baseptr(struct fixture *fx, uint64_t p)
{
	put_le64(fx_subsys(fx) + MD_SS_BASEPTR, p);
}

/* A table as the guest driver leaves it: TOC by "firmware", APSS filled. */
static inline void fx_init(struct fixture *fx, uint64_t ram_size,
			   uint64_t below_4g)
{
	uint8_t *ss;

	memset(fx, 0, sizeof(*fx));
	if (!gpa_layout_init(&fx->lay, ram_size, below_4g))
		abort();
	md_toc_init_bytes(fx->shm);
	ss = fx_subsys(fx);
	put_le32(ss + MD_SS_STATUS, MD_SS_STATUS_INIT);
	put_le32(ss + MD_SS_ENABLED, MD_ENABLED_MAGIC);
	put_le32(ss + MD_SS_ENC_REQUIRED, MD_ENC_NOTREQ);
	put_le32(ss + MD_SS_ENC_STATUS, MD_ENC_DONE);
	fx_set_baseptr(fx, FX_BAR2 + FX_ARRAY_OFF);

	fx->src.ram = &fx->lay;
	fx->src.shm_size = FX_SHM_SIZE;
	fx->src.bar2_known = true;
	fx->src.bar2 = FX_BAR2;
	fx->src.read_shm = fx_read_shm;
	fx->src.read_ram = fx_read_ram;
	fx->src.ctx = fx;
}

/* Encode one region entry at dst (40 bytes). */
static inline void fx_encode(uint8_t *dst, const char *name, uint32_t seq,
			     uint32_t valid, uint64_t addr, uint64_t size)
{
	memset(dst, 0, MD_REGION_SIZE);
	memcpy(dst + MD_REGION_NAME, name,
	       strlen(name) < MD_NAME_LEN ? strlen(name) : MD_NAME_LEN);
	put_le32(dst + MD_REGION_SEQ, seq);
	put_le32(dst + MD_REGION_VALID, valid);
	put_le64(dst + MD_REGION_ADDR, addr);
	put_le64(dst + MD_REGION_SIZEF, size);
}

/* Entry idx of the array at FX_ARRAY_OFF; region_count grows to cover it. */
static inline uint8_t *fx_region(struct fixture *fx, uint32_t idx,
				 const char *name, uint32_t seq,
				 uint32_t valid, uint64_t addr, uint64_t size)
{
	uint8_t *dst = fx->shm + FX_ARRAY_OFF + (size_t)idx * MD_REGION_SIZE;
	uint32_t n;
	struct mdfw_buf b = { fx_subsys(fx), MD_SUBSYS_SIZE };

	fx_encode(dst, name, seq, valid, addr, size);
	buf_get_le32(&b, MD_SS_REGION_COUNT, &n);
	if (idx + 1 > n)
		fx_set_count(fx, idx + 1);
	return dst;
}

#endif /* MDFW_FIXTURE_H */
