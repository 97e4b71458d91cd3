#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The random-instant scenario on the QEMU board:
#   random-instant.sh RUNDIR [PAUSES] [SEED]
# Boots the scenario guest with kmd.freeze=none kmd.pcpu_storm=1 (one
# kthread per CPU registering and unregistering kmalloc and multi-page
# vmalloc buffers without end), then tests/scenario/random_instant.py
# pauses it PAUSES times (default 100) at instants drawn from SEED
# (default KMD_SEED, else 20261126), runs "mdfw extract" on each pause and
# checks the capture (its "ok|not ok scenario.random-instant.*" lines are
# this script's output), then quits QEMU. Exit status: the driver's (1:
# a check failed, 2: the run broke).
# Environment: MDFW (mdfw binary), KMD_BUILD (kernel build, see lib.sh),
# KMD_KEEP_RAM=1 keeps the RAM file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
run=$(realpath -m "$1") pauses=${2:-100} seed=${3:-${KMD_SEED:-20261126}}
ram=512M
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
rm -rf "$run"; mkdir -p "$run/initrd/scenario"
cp "$TOP/tests/scenario/run.sh" "$run/initrd/scenario/"
"$TOP/scripts/mkinitramfs.sh" "$run/initramfs.cpio.gz" "$run/initrd" || exit 2
"$MDFW" init --shm "$run/shm.img" --shm-size 1M > "$run/mdfw-init.log" 2>&1 || exit 2

KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$run/console.log" 900 \
	"$run/initramfs.cpio.gz" \
	"kmd.mode=scenario kmd.freeze=none kmd.pcpu_storm=1 kunit.enable=0 panic=0" \
	-machine memory-backend=mem \
	-object "memory-backend-file,id=mem,size=$ram,mem-path=$run/ram.img,share=on" \
	-object "memory-backend-file,id=shm,size=1M,mem-path=$run/shm.img,share=on" \
	-device ivshmem-plain,memdev=shm \
	-device i6300esb -action watchdog=pause \
	-device pvpanic-pci -action panic=pause \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" &
qemu=$!
SECONDS=0
python3 "$TOP/tests/scenario/random_instant.py" "$run" --ram-size "$ram" \
	--pauses "$pauses" --seed "$seed" --mdfw "$MDFW"
rc=$?
wait "$qemu"   # the driver sends QMP quit, also when it breaks
echo "# random-instant: ${SECONDS} s from QEMU start to exit"
[ -n "${KMD_KEEP_RAM:-}" ] || rm -f "$run/ram.img"
exit $rc
