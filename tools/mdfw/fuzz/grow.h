/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Growing fuzz inputs, so that slow parsing shows as well as crashes.
 *
 * Superlinear work only shows on large inputs, and libFuzzer's mutations
 * hardly ever build one: they change an input a few bytes at a time and
 * keep only what reaches new code, so a raised -max_len alone leaves the
 * corpus at a few KiB. An input that starts with "GROW" therefore stands
 * for a large, repetitive one:
 *
 *   "GROW", le32 n, le32 a, le32 b, le32 fix, le32 step, then bytes D
 *
 * is grown to D[0, a) + D[a, b) repeated n times + D[b, end), at most
 * max bytes (the harness's -max_len; n is cut to fit); if the le64 at
 * D[fix] lies in D[0, a), (n - 1) * step is added to it: a size, offset
 * or count in the head that follows the growth (p_filesz of a PT_NOTE
 * over the repeated notes, e_phoff after them). A tail D[b, end) that
 * starts with "GROW" is grown the same way (3 levels in all), so that
 * two parts can grow: notes, and program headers after them. "2 MiB of
 * all-zero note headers" or "60000 PT_NOTEs over the same 480 KB of
 * notes" are then inputs of a few hundred bytes whose n, a, b and fields
 * libFuzzer mutates like any others (the seed-grow-* files of the
 * corpora, fuzz/mkcorpus.py); with -timeout, a parse that is superlinear
 * on them fails. Inputs without the magic are used as they are.
 */
#ifndef MDFW_FUZZ_GROW_H
#define MDFW_FUZZ_GROW_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_GROW_HDR	24
#define FUZZ_GROW_DEPTH	3	/* a tail that starts with "GROW" grows too */

static inline uint32_t fuzz_grow_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/*
 * Grow data[0, size) into out[0, room); returns the length written. With
 * out NULL, only the length: the buffer is then allocated to exactly that
 * size, so that ASan still catches a read past the grown input.
 */
static inline size_t fuzz_grow_into(const uint8_t *data, size_t size,
				    uint8_t *out, size_t room, int depth)
{
	const uint8_t *d = data + FUZZ_GROW_HDR;
	size_t dl, a, b, fix, n, blen, t, i;
	uint64_t step, v;

	if (depth >= FUZZ_GROW_DEPTH || size < FUZZ_GROW_HDR ||
	    memcmp(data, "GROW", 4)) {
		n = size < room ? size : room;
		if (out)
			memcpy(out, data, n);
		return n;
	}
	dl = size - FUZZ_GROW_HDR;
	n = fuzz_grow_le32(data + 4);
	a = fuzz_grow_le32(data + 8);
	b = fuzz_grow_le32(data + 12);
	fix = fuzz_grow_le32(data + 16);
	step = fuzz_grow_le32(data + 20);
	if (a > dl)
		a = dl;
	if (b < a || b > dl)
		b = a;
	if (a > room) {
		if (out)
			memcpy(out, d, room);
		return room;
	}
	if (out)
		memcpy(out, d, a);
	/* The tail first (it may grow too), then as many bodies as fit. */
	t = fuzz_grow_into(d + b, dl - b, out ? out + a : NULL, room - a,
			   depth + 1);
	blen = b - a;
	if (!blen)
		n = 0;
	else if (n > (room - a - t) / blen)
		n = (room - a - t) / blen;
	if (!out)
		return a + n * blen + t;
	memmove(out + a + n * blen, out + a, t);
	for (i = 0; i < n; i++)
		memcpy(out + a + i * blen, d + a, blen);
	if (n && fix <= a && a - fix >= 8) {
		v = (uint64_t)fuzz_grow_le32(out + fix + 4) << 32 |
		    fuzz_grow_le32(out + fix);
		v += (uint64_t)(n - 1) * step;
		for (i = 0; i < 8; i++)
			out[fix + i] = (uint8_t)(v >> (8 * i));
	}
	return a + n * blen + t;
}

/*
 * The input to parse: data itself (*buf NULL), or its growth to at most
 * max bytes in *buf (malloc()ed to its exact size; free it after use).
 * Returns the bytes to parse and their length in *len.
 */
static inline const uint8_t *fuzz_grow(const uint8_t *data, size_t size,
				       size_t max, uint8_t **buf, size_t *len)
{
	*buf = NULL;
	*len = size;
	if (size < FUZZ_GROW_HDR || memcmp(data, "GROW", 4))
		return data;
	*len = fuzz_grow_into(data, size, NULL, max, 0);
	*buf = malloc(*len ? *len : 1);
	if (!*buf)
		abort();
	if (fuzz_grow_into(data, size, *buf, *len, 0) != *len)
		abort();
	return *buf;
}

/*
 * The harness's libFuzzer entry: fuzz_one(p, len) on the input, or on its
 * growth to at most max_len bytes (run.sh's -max_len).
 */
#define FUZZ_GROW_ENTRY(fuzz_one, max_len)				\
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
{									\
	uint8_t *buf;							\
	size_t len;							\
	const uint8_t *p = fuzz_grow(data, size, (max_len), &buf, &len); \
									\
	fuzz_one(p, len);						\
	free(buf);							\
	return 0;							\
}

#endif /* MDFW_FUZZ_GROW_H */
