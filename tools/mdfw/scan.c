// SPDX-License-Identifier: GPL-2.0
/* Linear, counted scans of guest bytes. See scan.h. */
#include "scan.h"

uint64_t scan_work;

bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			break;
	scan_count(i < n ? i + 1 : n);
	return i == n;
}

bool scan_rest_zero(struct scan_zero *z, const uint8_t *p, size_t len,
		    size_t off)
{
	size_t i;

	if (off >= len)
		return true;
	/* off inside the zeros found last time: the same first non-zero. */
	if (z->known && off >= z->from && off <= z->nz)
		return z->nz == len;
	for (i = off; i < len && !p[i]; i++)
		;
	scan_count(i - off + (i < len));
	z->known = true;
	z->from = off;
	z->nz = i;
	return i == len;
}
