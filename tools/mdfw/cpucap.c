// SPDX-License-Identifier: GPL-2.0
/* Every vCPU's registers from QEMU at capture time. See cpucap.h. */
#include "cpucap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Read back what QEMU wrote through our descriptor wfd (tmp in dfd). */
static int read_back(int dfd, int wfd, const char *tmp, uint8_t **out,
		     size_t *len, char *err, size_t errlen)
{
	struct stat ws, rs;
	uint8_t *buf;
	int fd, ret;

	if (fstat(wfd, &ws))
		return -errno;
	if ((uint64_t)ws.st_size > CPUREGS_MAX_QEMU_ELF) {
		snprintf(err, errlen, "QEMU's dump is %jd bytes, more than "
			 "%u MiB", (intmax_t)ws.st_size,
			 CPUREGS_MAX_QEMU_ELF >> 20);
		return -EPROTO;
	}
	/* Our file, by name and inode: never anything planted there. */
	fd = openat(dfd, tmp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &rs) || !S_ISREG(rs.st_mode) || rs.st_dev != ws.st_dev ||
	    rs.st_ino != ws.st_ino || rs.st_size != ws.st_size) {
		close(fd);
		snprintf(err, errlen, "%s changed under us", tmp);
		return -ESTALE;
	}
	buf = malloc((size_t)rs.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	ret = pread_full(fd, buf, (size_t)rs.st_size, 0);
	close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = (size_t)rs.st_size;
	return 0;
}

static int write_notes(int dfd, const struct cpuregs *r, uint64_t *bytes)
{
	char tmp[OUT_TMP_NAME_MAX];
	uint8_t *notes;
	size_t len;
	int fd, ret;

	if (cpuregs_encode(r, &notes, &len))
		return -ENOMEM;
	fd = out_create(dfd, tmp);
	if (fd < 0) {
		free(notes);
		return fd;
	}
	ret = write_full(fd, notes, len);
	free(notes);
	if (ret) {
		out_abort(dfd, fd, tmp);
		return ret;
	}
	ret = out_commit(dfd, fd, tmp, CPUREGS_FILE);
	if (!ret)
		*bytes = len;
	return ret;
}

int cpucap_capture(struct qmp *q, int dfd, uint64_t deadline,
		   uint64_t ram_base, struct cpuregs *r, uint64_t *bytes,
		   char *err, size_t errlen)
{
	char tmp[OUT_TMP_NAME_MAX], perr[256];
	json_object *args;
	uint8_t *elf = NULL;
	size_t len = 0;
	int wfd, ret;

	memset(r, 0, sizeof(*r));
	*bytes = 0;
	wfd = out_create(dfd, tmp);
	if (wfd < 0) {
		snprintf(err, errlen, "creating a file for QEMU's dump: %s",
			 out_strerror(-wfd));
		return wfd;
	}
	args = json_object_new_object();
	if (!args) {
		out_abort(dfd, wfd, tmp);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_object_object_add(args, "fdname",
			       json_object_new_string(CPUCAP_FDNAME));
	ret = qmp_execute_fd(q, "getfd", args, wfd, deadline, NULL, err,
			     errlen);
	json_object_put(args);
	if (ret) {
		out_abort(dfd, wfd, tmp);
		return ret;
	}
	args = json_object_new_object();
	if (!args) {
		out_abort(dfd, wfd, tmp);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	json_object_object_add(args, "paging", json_object_new_boolean(0));
	json_object_object_add(args, "protocol",
			       json_object_new_string("fd:" CPUCAP_FDNAME));
	json_object_object_add(args, "begin",
			       json_object_new_int64((int64_t)ram_base));
	json_object_object_add(args, "length",
			       json_object_new_int64(CPUCAP_LENGTH));
	ret = qmp_execute(q, "dump-guest-memory", args, deadline, NULL, err,
			  errlen);
	json_object_put(args);
	if (ret) {
		char cerr[64];

		/* QEMU may still hold the descriptor: let it go. */
		args = json_object_new_object();
		if (args && ret == -EPROTO) {
			json_object_object_add(args, "fdname",
				json_object_new_string(CPUCAP_FDNAME));
			qmp_execute(q, "closefd", args, deadline, NULL, cerr,
				    sizeof(cerr));
		}
		json_object_put(args);
		out_abort(dfd, wfd, tmp);
		return ret;
	}
	ret = read_back(dfd, wfd, tmp, &elf, &len, err, errlen);
	out_abort(dfd, wfd, tmp);	/* the raw dump: not kept */
	if (ret) {
		if (ret != -EPROTO && ret != -ESTALE)
			snprintf(err, errlen, "reading QEMU's dump: %s",
				 strerror(-ret));
		return ret;
	}
	if (cpuregs_from_qemu_elf(elf, len, r, perr, sizeof(perr))) {
		snprintf(err, errlen, "QEMU's dump-guest-memory file (%zu "
			 "bytes): %s", len, perr);
		free(elf);
		return -EPROTO;
	}
	free(elf);
	ret = write_notes(dfd, r, bytes);
	if (ret) {
		snprintf(err, errlen, "writing %s: %s", CPUREGS_FILE,
			 out_strerror(-ret));
		cpuregs_free(r);
	}
	return ret;
}
