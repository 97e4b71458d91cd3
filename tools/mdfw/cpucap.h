/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capture every vCPU's registers from QEMU (see cpuregs.h): QMP
 * dump-guest-memory of one page (paging false, begin = the first byte of
 * guest RAM: 0 on x86 pc, 0x40000000 on arm64 virt; length 4096) into
 * a file mdfw creates itself in the output directory (fresh random name,
 * O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600) and hands to QEMU as a file
 * descriptor (QMP getfd, protocol "fd:"): QEMU never opens a path there.
 * The file is read back (at most CPUREGS_MAX_QEMU_ELF bytes), removed,
 * parsed as untrusted input, and its NT_PRSTATUS notes written as
 * cpu_regs.notes like every output file.
 */
#ifndef MDFW_CPUCAP_H
#define MDFW_CPUCAP_H

#include <stddef.h>
#include <stdint.h>

#include "cpuregs.h"
#include "qmp.h"

/* The QMP arguments of the dump (fdname: the name given to getfd). */
#define CPUCAP_FDNAME	"mdfw-cpu-regs"
#define CPUCAP_LENGTH	4096

/*
 * Returns 0 (r filled, cpu_regs.notes written in dfd, *bytes its size),
 * or a negative errno with err set: -EPROTO if QEMU refused or its file
 * is unusable, another errno for I/O (QMP or file) errors.
 */
int cpucap_capture(struct qmp *q, int dfd, uint64_t deadline,
		   uint64_t ram_base, struct cpuregs *r, uint64_t *bytes, char *err,
		   size_t errlen);

#endif /* MDFW_CPUCAP_H */
