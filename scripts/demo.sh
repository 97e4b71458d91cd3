#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo: the seed's scenario once, narrated. Builds what is missing,
# boots the guest with kmemdump and the minidump-table backend, lets it
# register the banner and a marker, freezes it (kmd.freeze: panic by
# default, DEMO_FREEZE=lockup for a watchdog-only hard lockup), captures
# the dump with the emulated firmware and shows what was captured.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case ${DEMO_ARCH:-x86_64} in	# DEMO_ARCH=arm64: the arm64 SMEM board
arm64 | aarch64) exec "$(dirname "$0")/demo-arm64.sh";;
x86_64 | x86 | amd64) ;;
*) die "DEMO_ARCH=$DEMO_ARCH: x86_64 (default) or arm64";;
esac
freeze=${DEMO_FREEZE:-panic}
run=$TOP/out/demo-$freeze

log "preparing (packages, kernel, modules, firmware tool)"
"$TOP/scripts/deps.sh"
mkdir -p "$BUILD"
"$TOP/scripts/kernel-build.sh" > "$BUILD/demo-build.log" 2>&1 ||
	die "kernel build failed, see $BUILD/demo-build.log"
"$TOP/scripts/modules-build.sh"
make -s -C "$TOP/tools/mdfw" >/dev/null
mkdir -p "$TOP/out"
log "booting the guest; it will freeze by $freeze and the firmware will capture"
set +e
"$TOP/scripts/scenario.sh" "$run" "$freeze" > "$run.verify" 2>&1
rc=$?
set -e
cat "$run.verify" 2>/dev/null | grep -v '^ok' || true

echo
echo "== what the guest printed last"
grep -a -E 'KMD-LAST-WORDS|Kernel panic|hard lockup' "$run/console.log" | head -3
echo
echo "== the firmware's capture ($(grep -E '^trigger=' "$run/dump/capture.txt"))"
# Free entries (INVA, "invalid-marker") are the table's holes: not shown.
awk -F'\t' '!/^#/ && $1 != "index" && $6 != "invalid-marker" {
	printf "  %-15s seq %-2s %-18s %7s bytes  %s\n", $2, $3, $4, $5, $6 }' \
	"$run/dump/manifest.tsv"
echo "  header: $(sed -n 's/^header=//p' "$run/dump/capture.txt")"
echo
echo "== md_banner.BIN"
tr -d '\0' < "$run/dump/md_banner.BIN"
m=$(grep -a -o 'kmemdump_scenario: region [a-z0-9_]* [0-9]* marker' "$run/console.log" | awk '{print $3}')
echo
echo "== the marker region md_$m.BIN (what the guest wrote there)"
tr -d '\0' < "$run/dump/md_$m.BIN"; echo
echo
echo "== dump.elf: $(stat -c %s "$run/dump/dump.elf") bytes, a core file; open it with"
echo "   crash --minimal --kaslr=auto build/obj/vmlinux $run/dump/dump.elf"
# makedumpfile translates through the dumped page tables: the log from it.
rm -f "$run/dmesg.txt"
if makedumpfile --dump-dmesg -x "$KOBJ/vmlinux" "$run/dump/dump.elf" "$run/dmesg.txt" \
	> "$run/makedumpfile.log" 2>&1; then
	echo "== makedumpfile --dump-dmesg -x vmlinux dump.elf: $(wc -l < "$run/dmesg.txt") log lines, the last:"
	tail -n 2 "$run/dmesg.txt" | sed 's/^/   /'
else
	echo "== makedumpfile --dump-dmesg failed: $(tail -n 1 "$run/makedumpfile.log")"
fi
echo
echo "== every CPU's backtrace, from dump.elf (gdb; tests/debuggers/backtraces.sh $run)"
"$TOP/tests/debuggers/backtraces.sh" "$run" "$KOBJ/vmlinux" | sed 's/^/   /' ||
	echo "   (gdb found no thread in the dump)"
echo
echo "== files: $run/dump/ ($(du -sh --apparent-size "$run/dump" | cut -f1), $(ls "$run/dump" | grep -c '^md_') region files)"
echo "== capture time: $(sed -n 's/^copied_ms: //p' "$run/mdfw.log") ms from the $(sed -n 's/^trigger=//p' "$run/dump/capture.txt") event to the regions out of guest RAM, $(sed -n 's/^capture_ms: //p' "$run/mdfw.log") ms to the capture durable and in place"
[ $rc -eq 0 ] && echo "== all scenario checks passed" || { echo "== scenario checks FAILED (see $run)"; exit 1; }
