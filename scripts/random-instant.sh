#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The random-instant scenarios on the QEMU board:
#   random-instant.sh RUNDIR [PAUSES] [SEED] [storm|pingpong]
# storm (default): boots the scenario guest with kmd.freeze=none
# kmd.pcpu_storm=1 (one kthread per CPU registering and unregistering
# kmalloc and multi-page vmalloc buffers without end), then
# tests/scenario/random_instant.py pauses it PAUSES times (default 100) at
# instants drawn from SEED (default KMD_SEED, else 20261126), runs "mdfw
# extract" on each pause and checks the capture (its "ok|not ok
# scenario.random-instant.*" lines are this script's output), then quits
# QEMU.
# pingpong: kmd.freeze=none kmd.pingpong=1 (a pipe ping-pong pair,
# tests/bench/switch/pingpong.c built static, pinned to every CPU), and
# tests/scenario/pingpong.py pauses it PAUSES times (default 300, SEED
# default KMD_SEED, else 20261205) and checks every CPU's stack in each
# capture's dump.elf with one gdb ("ok|not ok scenario.pingpong.*").
# Exit status: the driver's (1: a check failed, 2: the run broke).
# Environment: MDFW (mdfw binary), KMD_BUILD (kernel build, see lib.sh),
# KMD_KERNEL and KMD_VMLINUX (the bzImage booted and its vmlinux),
# KMD_APPEND (more kernel command line),
# KMD_KEEP_RAM=1 keeps the RAM file.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
run=$(realpath -m "$1") kind=${4:-storm}
case $kind in
storm) pauses=${2:-100} seed=${3:-${KMD_SEED:-20261126}}
	append="kmd.pcpu_storm=1";;
pingpong) pauses=${2:-300} seed=${3:-${KMD_SEED:-20261205}}
	append="kmd.pingpong=1";;
*) echo "random-instant.sh: kind $kind is not storm or pingpong" >&2; exit 2;;
esac
ram=512M
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
rm -rf "$run"; mkdir -p "$run/initrd/scenario"
cp "$TOP/tests/scenario/run.sh" "$run/initrd/scenario/"
if [ "$kind" = pingpong ]; then
	mkdir -p "$run/initrd/bin"
	gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$run/initrd/bin/pingpong" \
		"$TOP/tests/bench/switch/pingpong.c" || exit 2
	cp "${KMD_VMLINUX:-$KOBJ/vmlinux}" "$run/vmlinux"   # as booted: the build may change
fi
"$TOP/scripts/mkinitramfs.sh" "$run/initramfs.cpio.gz" "$run/initrd" || exit 2
"$MDFW" init --shm "$run/shm.img" --shm-size 1M > "$run/mdfw-init.log" 2>&1 || exit 2

KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$run/console.log" 900 \
	"$run/initramfs.cpio.gz" \
	"kmd.mode=scenario kmd.freeze=none $append kunit.enable=0 panic=0 ${KMD_APPEND:-}" \
	-machine memory-backend=mem \
	-object "memory-backend-file,id=mem,size=$ram,mem-path=$run/ram.img,share=on" \
	-object "memory-backend-file,id=shm,size=1M,mem-path=$run/shm.img,share=on" \
	-device ivshmem-plain,memdev=shm \
	-device i6300esb -action watchdog=pause \
	-device pvpanic-pci -action panic=pause \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" &
qemu=$!
SECONDS=0
if [ "$kind" = pingpong ]; then
	python3 "$TOP/tests/scenario/pingpong.py" "$run" --ram-size "$ram" \
		--vmlinux "$run/vmlinux" --pauses "$pauses" --seed "$seed" --mdfw "$MDFW"
else
	python3 "$TOP/tests/scenario/random_instant.py" "$run" --ram-size "$ram" \
		--pauses "$pauses" --seed "$seed" --mdfw "$MDFW"
fi
rc=$?
wait "$qemu"   # the driver sends QMP quit, also when it breaks
echo "# random-instant ($kind): ${SECONDS} s from QEMU start to exit"
[ -n "${KMD_KEEP_RAM:-}" ] || rm -f "$run/ram.img"
[ "$rc" -ne 0 ] || rm -f "$run/vmlinux"   # kept to read the failing pauses
exit $rc
