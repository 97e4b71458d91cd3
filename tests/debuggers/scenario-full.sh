#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The scenario of scripts/scenario.sh, plus a full QEMU dump of the same
# frozen guest for comparison:
#   scenario-full.sh RUNDIR [panic|lockup] [RAM] [EXTRA]
# QEMU gets '-device vmcoreinfo' (the guest's CONFIG_FW_CFG_SYSFS hands
# it the vmcoreinfo address, so the full dump carries a VMCOREINFO note)
# and a second QMP socket qmp2.sock, since mdfw holds the first. mdfw
# captures (without --quit) into RUNDIR/dump (and writes dump/dump.elf
# if the guest registered elf_header); then qmp_dump.py writes
# RUNDIR/full.elf with dump-guest-memory and quits QEMU. The vmlinux of
# the booted kernel is copied to RUNDIR/vmlinux so later checks match.
# Output: tests/scenario/verify.py's lines, then "full.elf: ..." lines.
# Exit status: verify.py's, or 2 if the run itself broke.
set -uo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
. "$TOP/scripts/lib.sh"
run=$(realpath -m "$1") freeze=${2:-panic} ram=${3:-512M} extra=${4:-0}
MDFW=$TOP/tools/mdfw/build/mdfw
rm -rf "$run"; mkdir -p "$run/initrd/scenario"
cp "$TOP/tests/scenario/run.sh" "$run/initrd/scenario/"
"$TOP/scripts/mkinitramfs.sh" "$run/initramfs.cpio.gz" "$run/initrd" || exit 2
"$MDFW" init --shm "$run/shm.img" --shm-size 1M > "$run/mdfw-init.log" 2>&1 || exit 2
cp "$KOBJ/vmlinux" "$run/vmlinux" || exit 2

marker=KMEMDUMP-MARKER-$RANDOM$RANDOM
KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$run/console.log" 600 \
	"$run/initramfs.cpio.gz" \
	"kmd.mode=scenario kmd.freeze=$freeze kmd.extra=$extra kmd.marker=$marker kunit.enable=0 panic=0" \
	-machine memory-backend=mem \
	-object "memory-backend-file,id=mem,size=$ram,mem-path=$run/ram.img,share=on" \
	-object "memory-backend-file,id=shm,size=1M,mem-path=$run/shm.img,share=on" \
	-device ivshmem-plain,memdev=shm \
	-device i6300esb -action watchdog=pause \
	-device pvpanic-pci -action panic=pause \
	-device vmcoreinfo \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" \
	-qmp "unix:$run/qmp2.sock,server=on,wait=off" &
qemu=$!
for _ in $(seq 100); do
	[ -S "$run/qmp.sock" ] && [ -S "$run/qmp2.sock" ] && [ -f "$run/ram.img" ] && break
	sleep 0.2
done
"$MDFW" capture --qmp "$run/qmp.sock" --ram "$run/ram.img" --ram-size "$ram" \
	--shm "$run/shm.img" --out "$run/dump" --timeout 500 > "$run/mdfw.log" 2>&1
echo "mdfw exit $?" >> "$run/mdfw.log"
python3 "$TOP/tests/debuggers/qmp_dump.py" "$run/qmp2.sock" "$run/full.elf" \
	--quit > "$run/qmp_dump.log" 2>&1
dump_rc=$?
wait $qemu
rm -f "$run/ram.img"
python3 "$TOP/tests/scenario/verify.py" "$run" "$freeze"
rc=$?
if [ $dump_rc -eq 0 ] && [ -s "$run/full.elf" ]; then
	echo "ok debuggers.$(basename "$run").full-dump"
	sed 's/^/# /' "$run/qmp_dump.log"
else
	echo "not ok debuggers.$(basename "$run").full-dump"
	sed 's/^/# /' "$run/qmp_dump.log"
	[ $rc -eq 0 ] && rc=2
fi
exit $rc
