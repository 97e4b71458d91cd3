#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# One run of the seed's scenario on the arm64 SMEM board (the arm64 twin of
# scenario.sh):
#   arm64-scenario.sh RUNDIR panic|lockup [RAM] [EXTRA] [STORM]
# mdfw plays the boot firmware: it writes an initialised SMEM (item 602 =
# the minidump TOC) into the guest RAM file before QEMU starts; the guest's
# qcom_smem, qcom_hwspinlock and qcom_minidump_smem drivers find it; the
# guest registers its regions and freezes (pvpanic-pci or, for a lockup,
# only the i6300esb watchdog notices); mdfw follows SMEM item 602 to the
# APSS region table and copies the regions into RUNDIR/dump; verify.py
# checks them. Output: verify.py's ok/not ok lines. Exit: verify.py's, or
# 2 if the run itself broke. KMD_KEEP_RAM=1 keeps the RAM file; KMD_APPEND:
# more kernel command line (rodata=full).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
run=$(realpath -m "$1") freeze=$2 ram=${3:-512M} extra=${4:-0} storm=${5:-0}
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
rm -rf "$run"; mkdir -p "$run/initrd/scenario"
cp "$TOP/tests/scenario/run.sh" "$run/initrd/scenario/"
# The module as booted (the build may change later): gdb symbolizes its frames.
cp "$BUILD/modules-arm64/kmemdump_scenario/kmemdump_scenario.ko" "$run/" 2>/dev/null
"$TOP/scripts/arm64-mkinitramfs.sh" "$run/initramfs.cpio.gz" "$run/initrd" || exit 2
"$MDFW" init --smem "$ARM64_SMEM_BASE" --smem-size "$ARM64_SMEM_SIZE" \
	--tcsr "$ARM64_TCSR_BASE" --tcsr-size "$ARM64_TCSR_SIZE" \
	--ram "$run/ram.img" --ram-size "$ram" --ram-base "$ARM64_RAM_BASE" \
	> "$run/mdfw-init.log" 2>&1 || exit 2

marker=KMEMDUMP-MARKER-$RANDOM$RANDOM
KMD_GUEST_MEM=$ram "$TOP/scripts/arm64-run-guest.sh" "$run/console.log" 300 \
	"$run/initramfs.cpio.gz" "$run/ram.img" \
	"kmd.mode=scenario kmd.freeze=$freeze kmd.extra=$extra kmd.storm=$storm kmd.marker=$marker kunit.enable=0 panic=0 crash_kexec_post_notifiers ${KMD_APPEND:-}" \
	-device i6300esb -action watchdog=pause \
	-device pvpanic-pci -action panic=pause \
	-qmp "unix:$run/qmp.sock,server=on,wait=off" &
qemu=$!
for _ in $(seq 100); do
	[ -S "$run/qmp.sock" ] && break
	sleep 0.2
done
"$MDFW" capture --qmp "$run/qmp.sock" --ram "$run/ram.img" --ram-size "$ram" \
	--ram-base "$ARM64_RAM_BASE" --smem "$ARM64_SMEM_BASE" \
	--smem-size "$ARM64_SMEM_SIZE" --shared-imem "$ARM64_SHRDIMEM_BASE" \
	--out "$run/dump" --timeout 240 --quit > "$run/mdfw.log" 2>&1
echo "mdfw exit $?" >> "$run/mdfw.log"
wait $qemu
cp "$KOBJ64/vmlinux" "$run/vmlinux"
[ -n "${KMD_KEEP_RAM:-}" ] || rm -f "$run/ram.img"
python3 "$TOP/tests/scenario/verify.py" "$run" "$freeze"
