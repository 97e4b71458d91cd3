// SPDX-License-Identifier: GPL-2.0
/* Every vCPU's registers from QEMU at capture time. See cpucap.h. */
#include "cpucap.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* A new arguments object, {"fdname": CPUCAP_FDNAME} if named; NULL: c->err. */
static json_object *new_args(struct cpucap *c, bool named)
{
	json_object *args = json_object_new_object();

	if (!args) {
		c->err = -ENOMEM;
		snprintf(c->msg, sizeof(c->msg), "out of memory");
	} else if (named) {
		json_object_object_add(args, "fdname",
				       json_object_new_string(CPUCAP_FDNAME));
	}
	return args;
}

void cpucap_prepare(struct cpucap *c, struct qmp *q, uint64_t deadline)
{
	json_object *args;

	memset(c, 0, sizeof(*c));
	c->fd = memfd_create("mdfw-cpu-regs", MFD_CLOEXEC);
	if (c->fd < 0) {
		c->err = -errno;
		snprintf(c->msg, sizeof(c->msg), "creating a memory file for "
			 "QEMU's dump: %s", strerror(-c->err));
		return;
	}
	args = new_args(c, true);
	if (!args)
		return;
	c->err = qmp_execute_fd(q, "getfd", args, c->fd, deadline, NULL,
				c->msg, sizeof(c->msg));
	json_object_put(args);
	c->handed = !c->err;
}

void cpucap_start(struct cpucap *c, struct qmp *q, uint64_t ram_base)
{
	json_object *args;

	if (c->err || !c->handed)
		return;
	args = new_args(c, false);
	if (!args)
		return;
	json_object_object_add(args, "paging", json_object_new_boolean(0));
	json_object_object_add(args, "protocol",
			       json_object_new_string("fd:" CPUCAP_FDNAME));
	json_object_object_add(args, "begin",
			       json_object_new_int64((int64_t)ram_base));
	json_object_object_add(args, "length",
			       json_object_new_int64(CPUCAP_LENGTH));
	c->err = qmp_send_cmd(q, "dump-guest-memory", args, -1, &c->id,
			      c->msg, sizeof(c->msg));
	json_object_put(args);
	c->started = c->sent = !c->err;
}

/* What QEMU wrote into our memory file, at most CPUREGS_MAX_QEMU_ELF. */
static int read_back(int fd, uint8_t **out, size_t *len, char *err,
		     size_t errlen)
{
	struct stat st;
	uint8_t *buf;
	int ret;

	if (fstat(fd, &st))
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EIO;
	if ((uint64_t)st.st_size > CPUREGS_MAX_QEMU_ELF) {
		snprintf(err, errlen, "QEMU's dump is %jd bytes, more than "
			 "%u MiB", (intmax_t)st.st_size,
			 CPUREGS_MAX_QEMU_ELF >> 20);
		return -EPROTO;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	ret = pread_full(fd, buf, (size_t)st.st_size, 0);
	if (ret) {
		free(buf);
		return ret;
	}
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

int cpucap_finish(struct cpucap *c, struct qmp *q, uint64_t deadline,
		  struct cpuregs *r, char *err, size_t errlen)
{
	char perr[256];
	uint8_t *elf = NULL;
	size_t len = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (c->err || !c->started) {
		snprintf(err, errlen, "%s", c->err ? c->msg :
			 "dump-guest-memory not sent");
		return c->err ? c->err : -EPROTO;
	}
	c->started = false;
	ret = qmp_reply(q, "dump-guest-memory", c->id, deadline, NULL, err,
			errlen);
	if (ret) {
		/* QEMU may still hold the descriptor: cpucap_release(). */
		c->err = ret;
		return ret;
	}
	c->handed = false;	/* the dump closed it */
	ret = read_back(c->fd, &elf, &len, err, errlen);
	if (ret) {
		if (ret != -EPROTO)
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
	return 0;
}

int cpucap_write_notes(int dfd, const struct cpuregs *r, uint64_t *bytes)
{
	struct out_file f;
	uint8_t *notes;
	size_t len;
	int ret;

	if (cpuregs_encode(r, &notes, &len))
		return -ENOMEM;
	ret = out_open(dfd, CPUREGS_FILE, &f);
	if (ret) {
		free(notes);
		return ret;
	}
	ret = write_full(f.fd, notes, len);
	free(notes);
	if (ret) {
		out_fail(dfd, &f);
		return ret;
	}
	ret = out_close(dfd, &f);
	if (!ret)
		*bytes = len;
	return ret;
}

void cpucap_release(struct cpucap *c, struct qmp *q, uint64_t deadline)
{
	json_object *args;
	char cerr[64];

	/*
	 * QEMU holds the descriptor until a dump takes it: never sent, or
	 * refused (a dump that failed may have taken it already: harmless).
	 * A reply still in flight is dropped by the next command.
	 */
	if (c->handed && q && q->fd >= 0 && (!c->sent || c->err == -EPROTO)) {
		args = json_object_new_object();
		if (args) {
			json_object_object_add(args, "fdname",
				json_object_new_string(CPUCAP_FDNAME));
			qmp_execute(q, "closefd", args, deadline, NULL, cerr,
				    sizeof(cerr));
			json_object_put(args);
		}
	}
	c->handed = false;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}
