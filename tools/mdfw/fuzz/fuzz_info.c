// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: 'mdfw info --check' (info.c) on an arbitrary file.
 * The input is written to a memfd and info opens it through /proc; its
 * report goes to /dev/null. The return code must be 0 or 3.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "info.h"
#include "util.h"
#include "fuzz/grow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_one(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static FILE *devnull;
	static char path[64];
	int rc;

	if (fd < 0) {
		fd = memfd_create("mdfw-fuzz-info", MFD_CLOEXEC);
		devnull = fopen("/dev/null", "w");
		if (fd < 0 || !devnull)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || (size && pwrite(fd, data, size, 0) !=
				 (ssize_t)size))
		abort();
	rc = mdfw_info(path, (size & 1) == 0, devnull);
	if (rc != MDFW_EXIT_OK && rc != MDFW_EXIT_TABLE)
		abort();
	return 0;
}

/* The input, or its growth ("GROW" inputs, grow.h); run.sh's -max_len. */
FUZZ_GROW_ENTRY(fuzz_one, 4u << 20)
