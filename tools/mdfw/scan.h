/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scanning guest bytes in time linear in their number, and counting it.
 *
 * Everything mdfw parses from a capture (the KELF_HEADER region's notes,
 * QEMU's dump-guest-memory ELF, a core given to 'mdfw info') may be
 * hostile. The rule: the work spent on an input is linear in the bytes
 * read, each input has a documented size cap. scan_work counts the bytes
 * the parsers examine (bytes tested for zero, notes and program headers
 * walked), so the tests can check that the work grows linearly with a
 * hostile input instead of timing it.
 */
#ifndef MDFW_SCAN_H
#define MDFW_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes examined by the parsers since the program started (or a test reset it). */
extern uint64_t scan_work;

static inline void scan_count(uint64_t n)
{
	scan_work += n;
}

/* Are all n bytes at p zero? (Stops at the first non-zero byte.) */
bool all_zero(const uint8_t *p, size_t n);

/*
 * "Is p[off, len) all zero?" (zero padding after ELF notes), asked at
 * every note of a walk over p[0, len): all_zero() there would read to the
 * end of the padding each time, quadratic on a run of all-zero note
 * headers. This remembers the first non-zero byte found, so over a walk
 * whose off only grows every byte is examined at most once. One struct
 * per walk (same p and len), zeroed to start.
 */
struct scan_zero {
	bool known;
	size_t from, nz;	/* p[from, nz) zero; nz == len or p[nz] != 0 */
};

bool scan_rest_zero(struct scan_zero *z, const uint8_t *p, size_t len,
		    size_t off);

#endif /* MDFW_SCAN_H */
