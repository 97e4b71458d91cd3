#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One run of the seed's scenario on the QEMU "board":
#   scenario.sh RUNDIR panic|lockup|rqlock|warn [RAM] [BELOW_4G] [EXTRA] [STORM]
# The firmware (tools/mdfw) initialises the minidump table in the ivshmem
# file, QEMU boots the guest with the watchdog and pvpanic set to pause,
# the guest registers its regions and freezes, mdfw captures the dump into
# RUNDIR/dump, and tests/scenario/verify.py checks it (its ok/not ok lines
# are this script's output). Exit status: verify.py's, or 2 if the run
# itself broke.
# warn: with panic_on_warn, a module goes away with a region it registered
# by hand: kmemdump's WARN panics, and the dump must still be whole.
# rqlock: CPU 1 spins in a sched_switch probe with its runqueue lock held
# and CPU 0 panics (tests/scenario/run.sh); tests/scenario/rqlock_check.py
# then reads both CPUs' stacks from the dump with gdb (the booted vmlinux
# is copied to RUNDIR/vmlinux for it, and removed if all passed).
# KMD_APPEND: more kernel command line (kmemdump_ivshmem.follow_cpus=0).
# KMD_FULL_DUMP=1: also take QEMU's full dump-guest-memory of the same
# frozen guest into RUNDIR/full.elf (with -device vmcoreinfo, through a
# second QMP socket since mdfw holds the first), for comparison, and copy
# the booted vmlinux to RUNDIR/vmlinux. KMD_KEEP_RAM=1 keeps the RAM file.
# KMD_KERNEL, KMD_VMLINUX: the bzImage to boot and its vmlinux.
# KMD_APPEND=kmd.liveview=1: the guest also sends kmemdump's live view of
# the dump (debugfs kmemdump/core) over its second serial port, into
# RUNDIR/live.b64, and tests/debuggers/liveview_check.py reads it with drgn.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
run=$(realpath -m "$1") freeze=$2 ram=${3:-512M} below=${4:-} extra=${5:-0} storm=${6:-0}
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
rm -rf "$run"; mkdir -p "$run/initrd/scenario"
cp "$TOP/tests/scenario/run.sh" "$run/initrd/scenario/"
"$TOP/scripts/mkinitramfs.sh" "$run/initramfs.cpio.gz" "$run/initrd" || exit 2
# The module as booted (the build may change later): gdb symbolizes its frames.
cp "$BUILD/modules/kmemdump_scenario/kmemdump_scenario.ko" "$run/" 2>/dev/null
"$MDFW" init --shm "$run/shm.img" --shm-size 1M > "$run/mdfw-init.log" 2>&1 || exit 2

quit=--quit   # with a full dump to take, QEMU must stay up after mdfw
[ -n "${KMD_FULL_DUMP:-}" ] && quit=
machine=memory-backend=mem${below:+,max-ram-below-4g=$below}
marker=KMEMDUMP-MARKER-$RANDOM$RANDOM
KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$run/console.log" 600 \
	"$run/initramfs.cpio.gz" \
	"kmd.mode=scenario kmd.freeze=$freeze kmd.extra=$extra kmd.storm=$storm kmd.marker=$marker kunit.enable=0 panic=0 crash_kexec_post_notifiers ${KMD_APPEND:-}" \
	-machine "$machine" \
	-object "memory-backend-file,id=mem,size=$ram,mem-path=$run/ram.img,share=on" \
	-object "memory-backend-file,id=shm,size=1M,mem-path=$run/shm.img,share=on" \
	-device ivshmem-plain,memdev=shm \
	-device i6300esb -action watchdog=pause \
	-device pvpanic-pci -action panic=pause \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" \
	-serial "file:$run/live.b64" \
	${KMD_FULL_DUMP:+-device vmcoreinfo -qmp "unix:$run/qmp2.sock,server=on,wait=off"} &
qemu=$!
# QEMU creates the RAM file and the QMP socket as it starts.
for _ in $(seq 100); do
	[ -S "$run/qmp.sock" ] && [ -f "$run/ram.img" ] && break
	sleep 0.2
done
"$MDFW" capture --qmp "$run/qmp.sock" --ram "$run/ram.img" --ram-size "$ram" \
	${below:+--below-4g "$below"} --shm "$run/shm.img" --out "$run/dump" \
	--timeout 500 $quit > "$run/mdfw.log" 2>&1
echo "mdfw exit $?" >> "$run/mdfw.log"
[ -n "${KMD_FULL_DUMP:-}" ] || [ "$freeze" = rqlock ] &&
	cp "${KMD_VMLINUX:-$KOBJ/vmlinux}" "$run/vmlinux"
if [ -n "${KMD_FULL_DUMP:-}" ]; then
	python3 "$TOP/tests/debuggers/qmp_dump.py" "$run/qmp2.sock" "$run/full.elf" \
		--quit > "$run/qmp_dump.log" 2>&1 ||
		echo "not ok scenario.$freeze.full-dump  # see $run/qmp_dump.log"
fi
wait $qemu
[ -n "${KMD_KEEP_RAM:-}" ] || rm -f "$run/ram.img"   # the guest's whole RAM: not worth keeping
python3 "$TOP/tests/scenario/verify.py" "$run" "$freeze"
rc=$?
if [ -s "$run/live.b64" ]; then
	/usr/bin/python3 "$TOP/tests/debuggers/liveview_check.py" "$run" "$freeze" \
		"${KMD_VMLINUX:-$KOBJ/vmlinux}" || rc=1
fi
if [ "$freeze" = rqlock ]; then
	python3 "$TOP/tests/scenario/rqlock_check.py" "$run" "$freeze" "$run/vmlinux" || rc=1
	[ $rc -ne 0 ] || rm -f "$run/vmlinux"
fi
exit $rc
