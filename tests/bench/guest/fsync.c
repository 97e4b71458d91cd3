// SPDX-License-Identifier: GPL-2.0
/*
 * fsync FILE... : fsync(2) each file or directory (busybox 1.35 has no
 * fsync applet). Built static by scripts/bench.sh for the bench guests,
 * which write their dumps to the host over 9p: a 9p fsync is the host's
 * fsync of the file, so "written" means "on the host's disk".
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int i, fd, ret = 0;

	for (i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDONLY);
		if (fd < 0 || fsync(fd)) {
			perror(argv[i]);
			ret = 1;
		}
		if (fd >= 0)
			close(fd);
	}
	return ret;
}
