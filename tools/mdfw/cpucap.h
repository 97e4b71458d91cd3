/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture every vCPU's registers from QEMU (see cpuregs.h): QMP
 * dump-guest-memory of one page (paging false, begin = the first byte of
 * guest RAM: 0 on x86 pc, 0x40000000 on arm64 virt; length 4096) into
 * an anonymous memory file mdfw creates itself (memfd_create(): no name
 * in any directory) and hands to QEMU as a file descriptor (QMP getfd,
 * protocol "fd:"): QEMU never opens a path. The file is read back (at
 * most CPUREGS_MAX_QEMU_ELF bytes), parsed as untrusted input, and its
 * NT_PRSTATUS notes written as cpu_regs.notes like every output file.
 *
 * In three steps, so that the capture's clock does not wait for them:
 * cpucap_prepare() when mdfw connects (the descriptor handed over,
 * before any trigger), cpucap_start() once the VM is stopped (the
 * command sent, not waited for), cpucap_finish() after the regions are
 * copied (QEMU's reply and its file read). A command sent after
 * cpucap_start() must not be waited for before cpucap_finish() (QMP
 * replies come in order).
 */
#ifndef MDFW_CPUCAP_H
#define MDFW_CPUCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpuregs.h"
#include "qmp.h"

/* The QMP arguments of the dump (fdname: the name given to getfd). */
#define CPUCAP_FDNAME	"mdfw-cpu-regs"
#define CPUCAP_LENGTH	4096

struct cpucap {
	int fd;			/* the memory file, or -1 */
	bool handed;		/* QEMU holds it under CPUCAP_FDNAME */
	bool started;		/* dump-guest-memory sent, not answered */
	bool sent;		/* dump-guest-memory sent */
	int64_t id;		/* its QMP id */
	int err;		/* prepare's or start's failure, or 0 */
	char msg[512];		/* ... and its message */
};

/*
 * Create the memory file and hand it to QEMU (getfd). A failure is kept
 * in c (reported by cpucap_finish(): the registers are then missing, the
 * capture goes on). Always initialises c.
 */
void cpucap_prepare(struct cpucap *c, struct qmp *q, uint64_t deadline);

/* Send dump-guest-memory (the VM must be stopped); failure kept in c. */
void cpucap_start(struct cpucap *c, struct qmp *q, uint64_t ram_base);

/*
 * Wait for the dump and parse QEMU's file: 0 (r filled), or a negative
 * errno with err set: -EPROTO if QEMU refused or its file is unusable,
 * another errno for I/O (QMP or file) errors.
 */
int cpucap_finish(struct cpucap *c, struct qmp *q, uint64_t deadline,
		  struct cpuregs *r, char *err, size_t errlen);

/* Write r as cpu_regs.notes in dfd; *bytes its size. 0 or -errno. */
int cpucap_write_notes(int dfd, const struct cpuregs *r, uint64_t *bytes);

/* Give the descriptor back (closefd) if QEMU still holds it; close ours. */
void cpucap_release(struct cpucap *c, struct qmp *q, uint64_t deadline);

#endif /* MDFW_CPUCAP_H */
