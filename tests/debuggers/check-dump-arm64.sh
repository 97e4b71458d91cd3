#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Open an arm64 kmemdump minidump (scripts/arm64-scenario.sh, through SMEM)
# in the debuggers and check what they show:
#   check-dump-arm64.sh RUNDIR [MODE]
# The dump is RUNDIR/dump/dump.elf, the kernel RUNDIR/vmlinux (copied at
# the run), the module RUNDIR/kmemdump_scenario.ko. MODE (default: the
# freeze, panic or lockup, from RUNDIR's name) names the lines
# "ok|not ok|skip arm64.debuggers.MODE.NAME" plus "# " details:
#   info-check     mdfw info --check: an EM_AARCH64 core, 392-byte
#                  NT_PRSTATUS, arm64's VMCOREINFO keys
#   gdb-module-sections  as check-dump.sh's: the scenario module's sections
#                  listed from the dump (tools/gdb/kmemdump-modules.gdb) at
#                  the addresses the guest read from sysfs
#   drgn-*         tests/debuggers/drgn_check.py (python3-drgn 0.0.22):
#                  drgn-open (platform AARCH64), drgn-uts, drgn-printk,
#                  drgn-backtrace (panic: the panicking task unwinds
#                  through panic()), drgn-cpus, drgn-read-regions,
#                  drgn-translate, drgn-fault-address; the verdicts of
#                  drgn-fault-address and drgn-cpus taken with arm64's
#                  view (drgn_arm64_view.py)
#   drgn-printk-console  every kernel line of the serial console (what the
#                  guest printed before it froze) is one of the dump's
#                  printk records, same timestamp and text, and the dump
#                  has at least as many records
#   gdb-prb-head   gdb-multiarch reads prb->desc_ring.head_id.counter, a
#                  runtime-only value (gdb reads .data it cannot find in
#                  the core from vmlinux): equal to drgn's reading, not the
#                  static initial value
#   gdb-threads    'thread apply all bt': one thread per NT_PRSTATUS, as
#                  many as the guest brought up CPUs, each with registers
#                  (the kernel's or the firmware's, mdfw info)
#   gdb-cpu-names  as check-dump.sh's (without backtraces.sh): each gdb
#                  thread named after its CPU, an idle one "CPU<N> idle
#                  (swapper/<N>)" as in mdfw info, no synthetic pid shown
#   gdb-bt         panic: a thread in panic() called from the scenario
#                  module's freeze_write(); lockup: every CPU in the
#                  module's lockup_cpu()
#   crash          skip, with crash's own words: Debian's crash is built
#                  for x86_64 dumps only
# Environment: MDFW, GDB (gdb-multiarch), CRASH, DRGN_PYTHON.
# Exit status: 1 if any check said "not ok", else 0.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
. "$here/gdbbt.sh"
[ $# -ge 1 ] || { sed -n '3,37p' "$0" >&2; exit 2; }
run=$(realpath -m "$1")
mode=${2:-$(basename "$run" | sed -E 's/.*(panic|lockup).*/\1/')}
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
GDB=${GDB:-gdb-multiarch}
CRASH=${CRASH:-crash}
DRGN_PYTHON=${DRGN_PYTHON:-/usr/bin/python3}
dump=$run/dump/dump.elf vmlinux=$run/vmlinux
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failed=0
report() { # report ok|"not ok"|skip NAME [DETAIL...]
	local word=$1 name=$2; shift 2
	echo "$word arm64.debuggers.$mode.$name"
	[ "$word" = "not ok" ] && failed=1
	local l
	for l in "$@"; do [ -n "$l" ] && printf '%s\n' "$l" | sed 's/^/# /'; done
	return 0
}
case $mode in
lockup) export KMD_FREEZE_LINE="hard lockup: all CPUs spin with interrupts off";;
*) export KMD_FREEZE_LINE="Kernel panic - not syncing";;
esac
if [ ! -s "$dump" ] || [ ! -s "$vmlinux" ]; then
	report "not ok" dump "no $dump or $vmlinux"
	exit 1
fi
tr -d '\r' < "$run/console.log" > "$tmp/console" 2>/dev/null

# ---- mdfw info ------------------------------------------------------
"$MDFW" info --check "$dump" > "$tmp/info" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q '^elf: ET_CORE aarch64' "$tmp/info"; then
	report ok info-check "$(grep -E '^(elf|notes|cpus):|^  cpu ' "$tmp/info")"
else
	report "not ok" info-check "rc $rc" "$(grep -E '^(elf|problem)' "$tmp/info")"
fi
koff=$(sed -n 's/^vmcoreinfo: KERNELOFFSET=\([0-9a-f]*\)$/\1/p' "$tmp/info")

# ---- the loaded modules, from the dump -------------------------------
# As check-dump.sh does on x86 (gdbbt.sh): gdb lists the modules and their
# section addresses from the dump; they must be what the guest read from
# sysfs (KMD-MODULE-SECTION lines of console.log). The .ko linked there is
# for gdb's add-symbol-file.
ko=$run/kmemdump_scenario.ko
check_module_sections "$vmlinux" "$koff" "$dump" "$tmp/console" "$tmp"
LD=aarch64-linux-gnu-ld module_elf "$ko" "$tmp/modsects" "$tmp"

# ---- drgn -----------------------------------------------------------
KMD_CONSOLE=$tmp/console KMD_MODULE_KO=$ko KMD_MODULE_SECTIONS=$tmp/modsects.console \
	"$DRGN_PYTHON" "$here/drgn_check.py" "$mode" "$dump" "$vmlinux" > "$tmp/drgn.x86" 2>&1
# Two of drgn_check.py's verdicts taken with arm64's view (see there).
kvo=$(sed -n 's/^vmcoreinfo: NUMBER(kimage_voffset)=\(0x[0-9a-f]*\)$/\1/p' "$tmp/info")
python3 "$here/drgn_arm64_view.py" "$tmp/drgn.x86" "${kvo:-0}" "$tmp/mod.elf" > "$tmp/drgn"
sed -E "s/^(ok|not ok|skip) debuggers\.$mode\./\1 arm64.debuggers.$mode./" "$tmp/drgn" |
	grep -E '^(ok|not ok|skip) |^# '
grep -q "^not ok " "$tmp/drgn" && failed=1
grep -qE '^(ok|not ok|skip) ' "$tmp/drgn" || report "not ok" drgn "no result" "$(tail -3 "$tmp/drgn")"

# The dump's printk records against what the console showed.
cat > "$tmp/pk.py" <<'EOF'
import re
import sys
import drgn
from drgn.helpers.linux.printk import get_printk_records
prog = drgn.program_from_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
recs = ["[%5d.%06d] %s" % (r.timestamp // 10**9, r.timestamp % 10**9 // 1000,
                           r.text.decode(errors="replace").split("\n")[0])
        for r in get_printk_records(prog)]
con = [l for l in open(sys.argv[3], errors="replace").read().split("\n")
       if re.match(r"^\[ *\d+\.\d{6}\] ", l)]
have = set(recs)
missing = [l for l in con if l not in have]
print("records %d console %d missing %d" % (len(recs), len(con), len(missing)))
for l in missing[:3]:
    print("missing: " + l)
print("last record: " + (recs[-1] if recs else "-"))
sys.exit(0 if con and recs and not missing and len(recs) >= len(con) else 1)
EOF
if "$DRGN_PYTHON" "$tmp/pk.py" "$dump" "$vmlinux" "$tmp/console" > "$tmp/pk" 2>&1; then
	report ok drgn-printk-console "$(cat "$tmp/pk")"
else
	report "not ok" drgn-printk-console "$(tail -5 "$tmp/pk")"
fi

# ---- gdb-multiarch --------------------------------------------------
if ! command -v "$GDB" > /dev/null; then
	report "not ok" gdb "no $GDB (apt-get install gdb-multiarch)"
elif [ -z "$koff" ]; then
	report "not ok" gdb "no KERNELOFFSET in VMCOREINFO"
else
	check_prb_head "$vmlinux" "$koff" "$dump" "$tmp/drgn" "$tmp"

	# Backtraces: kernel .text from a copy of vmlinux moved by
	# KERNELOFFSET (the core has no code), the module's symbols linked at
	# its load addresses (above), as check-dump.sh does on x86.
	OBJCOPY=aarch64-linux-gnu-objcopy gdb_frames "$vmlinux" "$koff" "$dump" "$tmp" \
		> "$tmp/bt" 2>&1
	ncpu=$(sed -n 's/^cpus: \([0-9]*\) NT_PRSTATUS.*/\1/p' "$tmp/info")
	brought=$(sed -n 's/.*smp: Brought up [0-9]* nodes\{0,1\}, \([0-9]*\) CPUs\{0,1\}.*/\1/p' "$tmp/console" | head -1)
	nthr=$(grep -c '^Thread [0-9]* (' "$tmp/bt")
	frames=$(awk '/^Thread [0-9]+ \(/ { t = $1 " " $2; if (match($0, /"[^"]*"\):$/)) t = substr($0, RSTART + 1, RLENGTH - 4) }
		/^#[0-9]+ / && t != "" {
		f = $0; sub(/ \(.*/, "", f); sub(/^#[0-9]+ +(0x[0-9a-f]+ in )?/, "", f);
		print t ": " $1 " " f }' "$tmp/bt")
	# Every CPU with registers: the kernel's or the firmware's (QEMU's).
	srcs=$(sed -n 's/^  cpu \([0-9]*\) *\(kernel\|firmware (QEMU)\|none\|registers\) .*/cpu \1: \2/p' "$tmp/info")
	if [ "${nthr:-0}" -gt 0 ] && [ "$nthr" = "$ncpu" ] && [ "$nthr" = "${brought:-x}" ] &&
	   ! echo "$srcs" | grep -q ': none'; then
		report ok gdb-threads "$nthr threads, $ncpu NT_PRSTATUS, guest brought up $brought CPUs" "$srcs"
	else
		report "not ok" gdb-threads "$nthr threads, ${ncpu:-?} NT_PRSTATUS, guest brought up ${brought:-?} CPUs" \
			"$srcs" "$(grep -m3 -iE 'warning|error' "$tmp/bt")"
	fi
	# Each CPU named, an idle one "idle (swapper/N)" (gdbbt.sh).
	check_cpu_names "$tmp/bt" "$tmp/info"
	case $mode in
	lockup)
		nspin=$(awk '/^Thread [0-9]+ \(/ { t = $2 } /^#[0-9]+ / && / lockup_cpu \(/ { s[t] = 1 }
			END { n = 0; for (k in s) n++; print n }' "$tmp/bt")
		if [ "$nthr" -gt 0 ] && [ "$nspin" = "$nthr" ]; then
			report ok gdb-bt "all $nthr CPUs in lockup_cpu (kmemdump_scenario)" "$frames"
		else
			report "not ok" gdb-bt "$nspin of $nthr CPUs in lockup_cpu" "$frames"
		fi;;
	*)
		if grep -A1 -E '^#[0-9]+ .* in panic \(' "$tmp/bt" | grep -qE '^#[0-9]+ .* in freeze_write \('; then
			report ok gdb-bt "panic() called from freeze_write() (kmemdump_scenario)" "$frames"
		else
			report "not ok" gdb-bt "no thread with panic() called from freeze_write()" "$frames"
		fi;;
	esac
fi

# ---- crash ----------------------------------------------------------
if command -v "$CRASH" > /dev/null; then
	timeout -k 5 60 "$CRASH" --minimal -s "$vmlinux" "$dump" < /dev/null > "$tmp/crash" 2>&1
	rc=$?
	why=$(grep -E 'crash utility:|not a supported file format' "$tmp/crash" | sed 's/^ *//' | sort -u | tr '\n' ' ')
	if [ $rc -ne 0 ] && grep -q 'crash utility: X86_64' "$tmp/crash"; then
		echo "skip arm64.debuggers.$mode.crash  # $($CRASH --version 2>/dev/null | grep -m1 crash) on $(uname -m): exit $rc, ${why}(Debian's crash is built for x86_64 dumps only)"
	elif [ $rc -eq 0 ]; then
		report ok crash "crash opened the arm64 dump"
	else
		report "not ok" crash "exit $rc" "$(tail -3 "$tmp/crash")"
	fi
else
	echo "skip arm64.debuggers.$mode.crash  # no crash"
fi
exit $failed
