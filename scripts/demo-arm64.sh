#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# DEMO_ARCH=arm64 make demo: the seed's scenario once on the arm64 board,
# through Qualcomm SMEM. Builds what is missing (the cross-built kernel,
# the modules, mdfw), lets mdfw write SMEM into guest RAM as the boot
# firmware does (item 602 = the minidump table of contents), boots
# qemu-system-aarch64 -M virt with the board's device tree (qcom_smem, the
# TCSR hwspinlock, qcom_minidump_smem as kmemdump's backend), freezes the
# guest (DEMO_FREEZE=panic by default, or lockup: only the i6300esb
# watchdog notices), captures with mdfw following SMEM item 602 to the
# APSS region table, and shows the capture, the kernel log read from the
# dump (drgn) and a backtrace (gdb-multiarch).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
freeze=${DEMO_FREEZE:-panic}
run=$TOP/out/demo-arm64-$freeze

log "preparing (packages, arm64 kernel, modules, firmware tool)"
"$TOP/scripts/deps.sh"
mkdir -p "$BUILD"
"$TOP/scripts/arm64-kernel-build.sh" > "$BUILD/demo-arm64-build.log" 2>&1 ||
	die "arm64 kernel build failed, see $BUILD/demo-arm64-build.log"
"$TOP/scripts/arm64-modules-build.sh"
make -s -C "$TOP/tools/mdfw" >/dev/null
mkdir -p "$TOP/out"
log "booting the arm64 guest; it will freeze by $freeze and the firmware will capture"
set +e
"$TOP/scripts/arm64-scenario.sh" "$run" "$freeze" > "$run.verify" 2>&1
rc=$?
"$TOP/tests/debuggers/check-dump-arm64.sh" "$run" "$freeze" > "$run.debuggers" 2>&1
set -e
grep -v '^ok' "$run.verify" || true
c=$run/dump/capture.txt
[ -f "$c" ] || die "no capture, see $run"

echo
echo "== the boot firmware (mdfw init --smem) before QEMU started"
sed 's/^/   /' "$run/mdfw-init.log"
echo "== the guest found it"
tr -d '\r' < "$run/console.log" | grep -a -E 'qcom-smem|hwspinlock|qcom-minidump-smem|kmemdump: backend' |
	sed -E 's/^\[ *[0-9.]+\] /   /' | head -5
echo
echo "== what the guest printed last"
tr -d '\r' < "$run/console.log" | grep -a -E 'KMD-LAST-WORDS|Kernel panic|hard lockup' | head -3
echo
echo "== the firmware's capture ($(grep -E '^trigger=' "$c")), through SMEM:"
grep -E '^# (smem|regions_baseptr|ram):' "$run/dump/manifest.tsv" | sed 's/^# /   /'
awk -F'\t' '!/^#/ && $1 != "index" && $6 != "invalid-marker" {
	printf "  %-14s seq %-2s %-18s %7s bytes  %s\n", $2, $3, $4, $5, $6 }' \
	"$run/dump/manifest.tsv"
echo "  header: $(sed -n 's/^header=//p' "$c")"
echo "  CPU registers: $(sed -n 's/^cpu_regs=//p' "$c"), sources $(sed -n 's/^cpu_sources=//p' "$c") (k kernel, f firmware/QEMU)"
echo
echo "== Qualcomm's collector files (for ramparse.py --minidump -a, README)"
sed 's/^/   dump_info.txt: /' "$run/dump/dump_info.txt"
echo "   MD_SHRDIMEM.BIN +0x6d0, the kernel's KASLR record (magic, offset): $(od -An -tx4 -j $((0x6d0)) -N 4 "$run/dump/MD_SHRDIMEM.BIN" | tr -d ' ') $(od -An -tx8 -j $((0x6d4)) -N 8 "$run/dump/MD_SHRDIMEM.BIN" | tr -d ' ')"
echo
echo "== md_banner.BIN"
tr -d '\0' < "$run/dump/md_banner.BIN"
m=$(tr -d '\r' < "$run/console.log" | grep -a -o 'kmemdump_scenario: region [a-z0-9_]* [0-9]* marker' | awk '{print $3}')
echo
echo "== the marker region md_$m.BIN (what the guest wrote there)"
tr -d '\0' < "$run/dump/md_$m.BIN"; echo
echo
echo "== dump.elf: $(stat -c %s "$run/dump/dump.elf") bytes, an EM_AARCH64 core; open it with"
echo "   drgn -c $run/dump/dump.elf -s $run/vmlinux"
echo "   gdb-multiarch -ex 'symbol-file $run/vmlinux -o 0x<KERNELOFFSET>' -ex 'core-file $run/dump/dump.elf'"
echo
echo "== the kernel log, read by drgn from the dump"
sed -n 's/^# records \([0-9]*\) console \([0-9]*\) missing \([0-9]*\)$/   \1 printk records; all \2 kernel lines of the serial console among them (\3 missing)/p' "$run.debuggers"
sed -n 's/^# last record: /   last: /p' "$run.debuggers"
echo
echo "== backtrace, gdb-multiarch 'thread apply all bt' on dump.elf"
sed -n '/arm64\.debuggers\.[a-z]*\.gdb-bt$/,/^\(ok\|not ok\|skip\) /p' "$run.debuggers" |
	grep -E '^# (Thread|CPU)' | sed 's/^# /   /'
echo
echo "== debugger checks: $(grep -c '^ok ' "$run.debuggers") ok, $(grep -c '^not ok ' "$run.debuggers") not ok, $(grep -c '^skip ' "$run.debuggers") skip ($run.debuggers)"
echo "== files: $run/dump/ ($(du -sh --apparent-size "$run/dump" | cut -f1), $(ls "$run/dump" | grep -c '^md_') region files)"
echo "== capture time: $(sed -n 's/^copied_ms: //p' "$run/mdfw.log") ms from the $(sed -n 's/^trigger=//p' "$c") event to the regions out of guest RAM, $(sed -n 's/^capture_ms: //p' "$run/mdfw.log") ms to the capture durable and in place"
[ $rc -eq 0 ] && echo "== all scenario checks passed" || { echo "== scenario checks FAILED (see $run)"; exit 1; }
