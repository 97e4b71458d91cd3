#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the arm64 guest on the SMEM board: qemu-system-aarch64 -M virt (TCG,
# cortex-a57, 2 CPUs), guest RAM a shared file, the device tree of
# tests/board/arm64 (SMEM and TCSR mutex in reserved memory), console on
# the PL011 saved to LOG.
#   arm64-run-guest.sh LOG TIMEOUT_S INITRD RAMFILE APPEND [extra qemu args...]
# RAMFILE must hold the SMEM that "mdfw init --smem" wrote. KMD_GUEST_MEM
# (default 512M) is the RAM size; SMEM sits in its top 4 MiB, so at least
# 512M. Exit: QEMU's, 124 on timeout.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
log=$1 t=$2 initrd=$3 ramfile=$4 append=$5; shift 5
ram=${KMD_GUEST_MEM:-512M}
dtb=$BOARD64/board-$ram.dtb
if [ ! -f "$dtb" ] || [ "$TOP/tests/board/arm64/smem.dtsi" -nt "$dtb" ] ||
   [ "$TOP/tests/board/arm64/board.sh" -nt "$dtb" ]; then
	"$TOP/tests/board/arm64/board.sh" "$dtb" "$ram" 2 || exit 2
fi
# QEMU passes a tree given with -dtb as it is, seeds included: every boot
# would get the same KASLR offset. A bootloader gives each boot new seeds.
boot_dtb=$log.dtb
cp "$dtb" "$boot_dtb" &&
	fdtput -t x "$boot_dtb" /chosen kaslr-seed $(od -An -N8 -tx4 /dev/urandom) &&
	fdtput -t x "$boot_dtb" /chosen rng-seed $(od -An -N32 -tx4 /dev/urandom) || exit 2
dtb=$boot_dtb
timeout --foreground -k 5 "$t" qemu-system-aarch64 \
	-machine virt,memory-backend=mem -cpu cortex-a57 -smp 2 -m "$ram" \
	-object "memory-backend-file,id=mem,size=$ram,mem-path=$ramfile,share=on" \
	-nographic -no-reboot -monitor none -serial "file:$log" \
	-kernel "$KOBJ64/arch/arm64/boot/Image" -initrd "$initrd" -dtb "$dtb" \
	-append "console=ttyAMA0 panic=-1 oops=panic $append" "$@" </dev/null >"$log.qemu" 2>&1
