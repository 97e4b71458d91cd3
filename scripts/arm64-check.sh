#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 SMEM board's checks, one "ok|not ok|skip NAME" line each:
# cross build, SMEM probing, the minidump table registering through SMEM,
# the in-guest tests, and the KUnit suites. Two short boots (TCG):
#  1. the board as firmware leaves it: qcom_smem and the TCSR hwspinlock
#     probe, qcom_minidump_smem binds and becomes kmemdump's backend;
#  2. KUnit, with the SMEM transport kept from binding
#     (initcall_blacklist), since the kmemdump and table suites skip their
#     backend tests while a real backend is active.
# Logs in build/check-arm64/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
d=$BUILD/check-arm64
rm -rf "$d"; mkdir -p "$d"
res() { if [ "$1" -eq 0 ]; then echo "ok $2"; else echo "not ok $2${3:+  # $3}"; fi; }

"$TOP/scripts/arm64-kernel-build.sh" > "$d/build.log" 2>&1
res $? arm64.kernel-build "see $d/build.log" || exit 1
"$TOP/scripts/arm64-kernel-build.sh" --w1 > "$d/w1.log" 2>&1
res $? arm64.w1-no-new-warnings "see $d/w1.log"
"$TOP/scripts/arm64-modules-build.sh" > "$d/modules.log" 2>&1
res $? arm64.modules-build "see $d/modules.log"
"$TOP/scripts/arm64-mkinitramfs.sh" "$d/initramfs.cpio.gz" > "$d/initramfs.log" 2>&1 ||
	{ res 1 arm64.initramfs "see $d/initramfs.log"; exit 1; }

boot() { # boot NAME APPEND: fresh SMEM, then one boot
	"$MDFW" init --smem "$ARM64_SMEM_BASE" --smem-size "$ARM64_SMEM_SIZE" \
		--tcsr "$ARM64_TCSR_BASE" --tcsr-size "$ARM64_TCSR_SIZE" \
		--ram "$d/$1.ram" --ram-size 512M --ram-base "$ARM64_RAM_BASE" \
		> "$d/$1.init.log" 2>&1 || return 2
	KMD_GUEST_MEM=512M "$TOP/scripts/arm64-run-guest.sh" "$d/$1.log" 300 \
		"$d/initramfs.cpio.gz" "$d/$1.ram" "kmd.mode=test $2"
	local rc=$?
	rm -f "$d/$1.ram"
	return $rc
}

boot board "kunit.enable=0"
res $? arm64.board-boot "see $d/board.log"
c=$d/board.log
! grep -qiE 'SMEM is not initialized by SBL|qcom-smem.*(fail|error|unsupported)|hwspinlock.*(fail|error)' "$c"
res $? arm64.smem-probe "qcom_smem or the hwspinlock complained, see $c"
grep -q 'kmemdump: backend qcom_minidump_smem registered' "$c" &&
	grep -q 'qcom-minidump-smem: minidump table in SMEM item 602' "$c"
res $? arm64.minidump-smem-backend "no backend registration through SMEM in $c"

boot kunit "initcall_blacklist=qcom_md_smem_init"
res $? arm64.kunit-boot "see $d/kunit.log"
# The serial console ends lines with CR LF.
for f in board kunit; do tr -d '\r' < "$d/$f.log" > "$d/$f.txt"; done
# The in-guest tests expect no backend (like the x86 test guest): here.
sed -n '/^KMD-GUEST-TESTS-BEGIN/,/^KMD-GUEST-TESTS-END/p' "$d/kunit.txt" | grep -q '^ok 1 guest'
res $? arm64.guest "see $d/kunit.log"
for s in kmemdump qcom_minidump_table qcom_minidump_smem; do
	line=$(grep -E "^\[ *[0-9.]+\] (not )?ok [0-9]+ $s\$" "$d/kunit.txt" | tail -1)
	totals=$(grep -A2 "# Subtest: $s\$" "$d/kunit.log" >/dev/null &&
		 grep -E "# $s: pass:" "$d/kunit.txt" | tail -1 | sed 's/.*# //')
	case $line in
	*"] ok "*) res 0 "arm64.kunit.$s";;
	*) res 1 "arm64.kunit.$s" "${line:-suite did not run} ${totals}";;
	esac
done
# Warnings a test provokes on purpose sit between markers.
! sed '/KMD-EXPECTED-WARN-BEGIN/,/KMD-EXPECTED-WARN-END/d' "$d/board.txt" "$d/kunit.txt" |
	grep -qE 'BUG:|WARNING:|possible recursive locking|circular locking|Kernel panic|Oops'

res $? arm64.guest-no-splats "see $d/*.log"
