/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounds-checked little-endian access to untrusted bytes.
 *
 * Everything mdfw reads from the guest (table of contents, region array) is
 * potentially corrupt or hostile. It is copied into a host buffer once and
 * then only read through these helpers: they never compute off + n (which
 * could wrap), and they assemble values byte by byte so neither the host's
 * endianness nor the alignment of the source matters.
 */
#ifndef MDFW_BUF_H
#define MDFW_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct mdfw_buf {
	const uint8_t *p;
	size_t len;
};

static inline bool buf_has(const struct mdfw_buf *b, size_t off, size_t n)
{
	return off <= b->len && n <= b->len - off;
}

static inline bool buf_get_bytes(const struct mdfw_buf *b, size_t off,
				 void *dst, size_t n)
{
	if (!buf_has(b, off, n))
		return false;
	memcpy(dst, b->p + off, n);
	return true;
}

static inline bool buf_get_le32(const struct mdfw_buf *b, size_t off,
				uint32_t *v)
{
	const uint8_t *s;

	if (!buf_has(b, off, 4))
		return false;
	s = b->p + off;
	*v = (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 |
	     (uint32_t)s[3] << 24;
	return true;
}

static inline bool buf_get_le64(const struct mdfw_buf *b, size_t off,
				uint64_t *v)
{
	uint32_t lo, hi;

	if (!buf_get_le32(b, off, &lo) || !buf_get_le32(b, off + 4, &hi))
		return false;
	*v = (uint64_t)hi << 32 | lo;
	return true;
}

static inline void put_le32(uint8_t *d, uint32_t v)
{
	d[0] = (uint8_t)v;
	d[1] = (uint8_t)(v >> 8);
	d[2] = (uint8_t)(v >> 16);
	d[3] = (uint8_t)(v >> 24);
}

static inline void put_le64(uint8_t *d, uint64_t v)
{
	put_le32(d, (uint32_t)v);
	put_le32(d + 4, (uint32_t)(v >> 32));
}

#endif /* MDFW_BUF_H */
