// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness: the manifest.tsv reader that 'mdfw elf --dir' trusts
 * for which entries belong to the capture (mdelf_read_manifest()). The
 * input is written as manifest.tsv in a private directory. Whatever it
 * accepts must be well-formed: at most MD_MAX_REGIONS entries, names that
 * fit, dumped entries with valid names.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdelf.h"
#include "table.h"
#include "util.h"
#include "fuzz/grow.h"

static char dir[64];

static void cleanup(void)
{
	char path[sizeof(dir) + 16];

	if (!dir[0])
		return;

	snprintf(path, sizeof(path), "%s/manifest.tsv", dir);
	unlink(path);
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_one(const uint8_t *data, size_t size)
{
	static int dfd = -1;
	struct mdelf_tentry *v;
	char err[512];
	uint32_t n, i;
	int fd, rc;

	if (dfd < 0) {
		/* tmpfs if there is one: a file is rewritten per input. */
		snprintf(dir, sizeof(dir), "%s/mdfw-fuzz-manifest-XXXXXX",
			 access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		if (!mkdtemp(dir))
			abort();
		atexit(cleanup);
		dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd < 0)
			abort();
	}
	fd = openat(dfd, "manifest.tsv", O_WRONLY | O_CREAT | O_TRUNC |
		    O_CLOEXEC, 0600);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
	rc = mdelf_read_manifest(dfd, &v, &n, err, sizeof(err));
	if (rc) {
		if (rc != MDFW_EXIT_TABLE || !err[0])
			abort();
		return 0;
	}
	if (n > MD_MAX_REGIONS)
		abort();
	for (i = 0; i < n; i++) {
		size_t l = strnlen(v[i].name, sizeof(v[i].name));

		if (l == sizeof(v[i].name) || (v[i].ok && (l < 1 || l > 15)) ||
		    (i && v[i].index <= v[i - 1].index))
			abort();
	}
	free(v);
	return 0;
}

/*
 * The input, or its growth ("GROW" inputs, grow.h) to at most the size a
 * manifest may have (run.sh's -max_len).
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t len;
	const uint8_t *p = fuzz_grow(data, size, MDELF_MAX_MANIFEST, &buf,
				     &len);

	fuzz_one(p, len);
	free(buf);
	return 0;
}
