#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the guest kernel in QEMU (TCG) and save its console.
#   run-guest.sh LOG TIMEOUT_S INITRD APPEND [extra qemu args...]
# Exit: 0 guest powered off; 124 timeout (QEMU killed); other: QEMU failed.
# KMD_GUEST_SMP: QEMU's -smp (default 2; "2,maxcpus=4": 4 possible CPUs).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
log=$1 t=$2 initrd=$3 append=$4; shift 4
timeout --foreground -k 5 "$t" qemu-system-x86_64 \
	-machine pc -m "${KMD_GUEST_MEM:-1G}" -smp "${KMD_GUEST_SMP:-2}" -cpu max \
	-nographic -no-reboot -monitor none -serial "file:$log" \
	-kernel "${KMD_KERNEL:-$KOBJ/arch/x86/boot/bzImage}" -initrd "$initrd" \
	-append "console=ttyS0 panic=-1 oops=panic $append" "$@" </dev/null >"$log.qemu" 2>&1
