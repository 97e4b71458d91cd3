#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Open a kmemdump minidump in the debuggers and check what they show:
#   check-dump.sh RUNDIR VMLINUX [MODE]
# The dump is RUNDIR/dump/dump.elf (assembled with 'mdfw elf' from
# RUNDIR/dump if missing). MODE (default: basename of RUNDIR) names the
# lines: "ok|not ok|skip debuggers.MODE.NAME" plus "# " details.
#   info-check     mdfw info --check (the listing follows as '#' lines)
#   size           dump.elf < 4 MiB, per-region breakdown
#   crash-*        crash --minimal: log (panic message, kmsg marker), sym,
#                  rd of linux_banner; crash-normal: normal mode (skip on
#                  crash 8.0.2's known failure with Linux >= 6.4)
#   makedumpfile-dmesg  makedumpfile --dump-dmesg -x VMLINUX writes the
#                  same log lines as crash's 'log' (timestamps stripped)
#   gdb-module-sections  tools/gdb/kmemdump-modules.gdb lists from the
#                  dump (modules list, section attributes) the scenario
#                  module's sections at the addresses the guest read from
#                  /sys/module/kmemdump_scenario/sections (console.log)
#   drgn-*         tests/debuggers/drgn_check.py
#   gdb-prb-head   gdb -batch (symbol-file -o KERNELOFFSET, core-file) reads
#                  prb->desc_ring.head_id.counter, a runtime-only value: it
#                  must equal drgn's reading of the same dump and differ from
#                  the static initial value in vmlinux (gdb falls back to
#                  vmlinux for read-only data only, so a missing region
#                  cannot pass)
#   gdb-threads, gdb-pc-symbolized, gdb-lockup-spin|gdb-panic-cpu,
#   gdb-bt-bottom  'thread apply all bt': one thread per CPU, frame #0
#                  named, the lockup's lockup_cpu / the panic's
#                  panic <- freeze_write; every CPU at the bottom of a
#                  stack the dump holds (bt_bottom.py, the ping-pong
#                  test's checker, with unwinders for the entry
#                  assembly); module symbols from
#                  RUNDIR/kmemdump_scenario.ko linked at the addresses
#                  the dump gives (gdb-module-sections)
#   gdb-cpu-names  each CPU named in gdb's threads (tools/gdb/
#                  kmemdump-threads.py), mdfw info and backtraces.sh (make
#                  demo's output), an idle CPU as "idle (swapper/N)", never
#                  by mdfw's synthetic pid 0x400000 + N (gdbbt.sh
#                  check_cpu_names)
# If RUNDIR/full.elf exists (KMD_FULL_DUMP=1 scripts/scenario.sh), the same
# crash queries run on it and full-log compares the two kernel logs.
# Environment: MDFW (mdfw binary), CRASH, GDB, MAKEDUMPFILE, DRGN_PYTHON (a
# python3 with drgn, default /usr/bin/python3), KMD_MARKER (kernel-log
# marker).
# Exit status: 1 if any check said "not ok", else 0.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/gdbbt.sh"
TOP=$(cd "$here/../.." && pwd)
[ $# -ge 2 ] || { sed -n '3,36p' "$0" >&2; exit 2; }
run=$(realpath -m "$1") vmlinux=$(realpath -m "$2") mode=${3:-$(basename "$run")}
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
CRASH=${CRASH:-crash}
GDB=${GDB:-gdb}
MAKEDUMPFILE=${MAKEDUMPFILE:-makedumpfile}
DRGN_PYTHON=${DRGN_PYTHON:-/usr/bin/python3}
MARKER=${KMD_MARKER:-kmemdump-marker: last words before freeze}
# The freeze's own line in the kernel log: panic() prints one; the
# scenario's lockup prints one before every CPU stops.
case $mode in
lockup*) PANIC="hard lockup: all CPUs spin with interrupts off";;
*) PANIC="Kernel panic - not syncing";;
esac
export KMD_FREEZE_LINE=$PANIC
dump=$run/dump/dump.elf
full=$run/full.elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

report() {	# report ok|"not ok"|skip NAME [detail...]
	local word=$1 name=$2
	shift 2
	echo "$word debuggers.$mode.$name"
	[ $# -gt 0 ] && printf '%s\n' "$@" | sed 's/^/# /'
	[ "$word" = "not ok" ] && failed=1
	return 0
}

details() {	# details FILE [N]: the last N lines of FILE as "# " lines
	tail -n "${2:-15}" "$1" | sed 's/^/# /'
}

if [ ! -s "$dump" ] && [ -f "$run/dump/md_KELF_HEADER.BIN" ]; then
	"$MDFW" elf --dir "$run/dump" > "$tmp/elf.log" 2>&1
	echo "# mdfw elf --dir: exit $?"
	details "$tmp/elf.log"
fi
if [ ! -s "$dump" ]; then
	report "not ok" dump-elf "no $dump (did the guest register KELF_HEADER?)"
	exit 1
fi
report ok dump-elf "$dump"
if [ ! -f "$vmlinux" ]; then
	report "not ok" vmlinux "no $vmlinux"
	exit 1
fi

# ---- mdfw info --check, size ----------------------------------------
"$MDFW" info --check "$dump" > "$tmp/info" 2>&1
rc=$?
if [ $rc -eq 0 ]; then report ok info-check; else report "not ok" info-check "exit $rc"; fi
sed 's/^/# /' "$tmp/info"
bytes=$(stat -c %s "$dump")
limit=$((4 << 20))
breakdown=$(sed -n '/^regions:/,/^total:/p' "$tmp/info")
if [ "$bytes" -lt "$limit" ]; then
	report ok size "dump.elf: $bytes bytes (< 4 MiB)" "$breakdown"
else
	report "not ok" size "dump.elf: $bytes bytes, not < 4 MiB" "$breakdown"
fi
koff=$(sed -n 's/^vmcoreinfo: KERNELOFFSET=\([0-9a-fA-F]*\)$/\1/p' "$tmp/info" | head -1)
if [ -n "$koff" ]; then
	kaslr="--kaslr=0x$koff"
	echo "# KERNELOFFSET 0x$koff (from the VMCOREINFO note)"
else
	kaslr="--kaslr=auto"
	echo "# no KERNELOFFSET in VMCOREINFO; crash --kaslr=auto, gdb offset 0"
	koff=0
fi

# ---- crash ----------------------------------------------------------
crash_run() {	# crash_run CORE OUT [normal] < commands
	local extra=--minimal
	[ "${3:-}" = normal ] && extra=
	timeout -k 5 180 "$CRASH" $extra -s "$kaslr" "$vmlinux" "$1" \
		> "$2" 2>&1
}

# crash_log CORE OUT: 'log' output, one message per line, prefix stripped
crash_log() {
	printf 'log\nquit\n' | crash_run "$1" "$2.raw"
	local rc=$?
	sed -n 's/^\[ *[0-9]*\.[0-9]*\] //p' "$2.raw" > "$2"
	return $rc
}

if ! command -v "$CRASH" > /dev/null; then
	report skip crash-log "no crash binary"
else
	crash_log "$dump" "$tmp/log.mini"
	n=$(wc -l < "$tmp/log.mini")
	if grep -qF "$PANIC" "$tmp/log.mini"; then
		report ok crash-log "$n log lines; $(grep -F "$PANIC" "$tmp/log.mini" | head -1)"
	else
		report "not ok" crash-log "$n log lines, no '$PANIC'"
		details "$tmp/log.mini.raw"
	fi
	if grep -qF "$MARKER" "$tmp/log.mini"; then
		report ok crash-log-marker "$(grep -F "$MARKER" "$tmp/log.mini" | head -1)"
	else
		report "not ok" crash-log-marker "no '$MARKER' in the log"
	fi

	printf 'sym linux_banner\nquit\n' | crash_run "$dump" "$tmp/sym"
	if grep -qE '^[0-9a-f]+ \([A-Za-z]\) linux_banner' "$tmp/sym"; then
		report ok crash-sym "$(grep -E 'linux_banner' "$tmp/sym" | head -1)"
	else
		report "not ok" crash-sym; details "$tmp/sym"
	fi
	printf 'rd -a linux_banner\nquit\n' | crash_run "$dump" "$tmp/rd"
	if grep -q 'Linux version' "$tmp/rd"; then
		report ok crash-rd "$(grep 'Linux version' "$tmp/rd" | head -1)"
	else
		report "not ok" crash-rd; details "$tmp/rd"
	fi
	printf 'sys\nquit\n' | crash_run "$dump" "$tmp/normal" normal
	if grep -q 'RELEASE:' "$tmp/normal"; then
		report ok crash-normal "$(grep 'RELEASE:' "$tmp/normal")"
	else
		why=$(grep -m1 -E '^crash: ' "$tmp/normal")
		# crash 8.0.2 < Linux 6.4's module layout: the tool's age, shown
		# with the same query on a full dump below when there is one.
		report skip crash-normal "crash normal mode: ${why:-no 'sys' output} (a minidump lacks what normal mode reads; crash 8.0.2 also predates 6.12)"
	fi

	if [ -s "$full" ]; then
		crash_log "$full" "$tmp/log.full"
		nf=$(wc -l < "$tmp/log.full")
		# The minidump's log ends where the frozen guest stopped; the full
		# dump is of the same paused guest, so the texts must match.
		if [ "$n" -gt 0 ] && cmp -s "$tmp/log.mini" "$tmp/log.full"; then
			report ok full-log "$n log lines identical in the minidump and the full dump"
		elif [ "$n" -gt 0 ] && [ "$nf" -ge "$n" ] &&
		     head -n "$n" "$tmp/log.full" | cmp -s - "$tmp/log.mini"; then
			report ok full-log "the minidump's $n log lines equal the first $n of the full dump's $nf"
		else
			report "not ok" full-log "minidump $n lines, full dump $nf lines; first difference:" \
				"$(diff "$tmp/log.mini" "$tmp/log.full" | head -6)"
		fi
		printf 'sys\nquit\n' | crash_run "$full" "$tmp/normal.full" normal
		if grep -q 'RELEASE:' "$tmp/normal.full"; then
			report ok crash-normal-full "$(grep 'RELEASE:' "$tmp/normal.full")"
		else
			why=$(grep -m1 -E '^crash: ' "$tmp/normal.full")
			report skip crash-normal-full "the same query on the full dump fails too: ${why:-no output}: crash 8.0.2 predates Linux 6.12 (the tool's age, not the dump)"
		fi
	fi
fi

# ---- makedumpfile ---------------------------------------------------
# The kernel log as makedumpfile extracts it must be crash's, line for line.
if ! command -v "$MAKEDUMPFILE" > /dev/null; then
	report skip makedumpfile-dmesg "no makedumpfile binary"
elif [ ! -s "$tmp/log.mini" ]; then
	report skip makedumpfile-dmesg "no crash log to compare with (crash missing or it read no log)"
else
	timeout -k 5 180 "$MAKEDUMPFILE" --dump-dmesg -x "$vmlinux" "$dump" "$tmp/dmesg" \
		> "$tmp/makedumpfile.log" 2>&1
	rc=$?
	sed -n 's/^\[ *[0-9]*\.[0-9]*\] //p' "$tmp/dmesg" 2> /dev/null > "$tmp/dmesg.lines"
	nm=$(wc -l < "$tmp/dmesg.lines") nc=$(wc -l < "$tmp/log.mini")
	if [ $rc -eq 0 ] && [ "$nm" -gt 0 ] && cmp -s "$tmp/dmesg.lines" "$tmp/log.mini"; then
		report ok makedumpfile-dmesg "$nm log lines, identical to crash's log"
	elif [ $rc -ne 0 ] || [ ! -s "$tmp/dmesg" ]; then
		report "not ok" makedumpfile-dmesg "makedumpfile exit $rc, no log written:" \
			"$(grep -E "Can't|non-existent|not supported|Failed" "$tmp/makedumpfile.log" | head -6)"
	else
		report "not ok" makedumpfile-dmesg "makedumpfile $nm lines, crash $nc lines; first difference:" \
			"$(diff "$tmp/dmesg.lines" "$tmp/log.mini" | head -6)"
	fi
fi

# ---- the loaded modules, from the dump -------------------------------
# kmemdump registers the modules list and, while a module is live, its
# struct module and section attributes (mm/kmemdump/modules.c). gdb lists
# them from the dump (tools/gdb/kmemdump-modules.gdb); the reference is
# what the guest read from /sys/module/*/sections after insmod
# (KMD-MODULE-SECTION lines of console.log).
ko=$(scenario_ko "$run")
check_module_sections "$vmlinux" "$koff" "$dump" "$run/console.log" "$tmp"
module_elf "$ko" "$tmp/modsects" "$tmp"

# ---- drgn -----------------------------------------------------------
if "$DRGN_PYTHON" -c 'import drgn' 2> /dev/null; then
	KMD_CONSOLE=$run/console.log KMD_MODULE_KO=$ko KMD_MODULE_SECTIONS=$tmp/modsects.console \
	"$DRGN_PYTHON" "$here/drgn_check.py" "$mode" "$dump" "$vmlinux" "$MARKER" \
		> "$tmp/drgn" 2>&1
	cat "$tmp/drgn"
	grep -q '^not ok' "$tmp/drgn" && failed=1
	if [ -s "$full" ]; then
		"$DRGN_PYTHON" "$here/drgn_check.py" "$mode.full" "$full" \
			"$vmlinux" "$MARKER" > "$tmp/drgn.full" 2>&1
		# For information: QEMU's paging=false dump has p_vaddr ==
		# p_paddr, which drgn 0.0.22 cannot bootstrap from.
		sed -e 's/^not ok /skip /' "$tmp/drgn.full"
	fi
else
	report skip drgn-open "no drgn module for $DRGN_PYTHON"
fi

# ---- gdb ------------------------------------------------------------
if command -v "$GDB" > /dev/null; then
	check_prb_head "$vmlinux" "$koff" "$dump" "$tmp/drgn" "$tmp"
else
	report skip gdb-prb-head "no gdb"
fi

# ---- gdb: one thread per CPU -----------------------------------------
# dump.elf has one NT_PRSTATUS per CPU (pr_pid: the task running there, gdb's LWP), the
# kernel's saved registers or the firmware's (QEMU's) at the freeze. gdb
# reads the kernel's code from a .text-only copy of vmlinux moved by
# KERNELOFFSET (exec-file: the core has no code; a whole vmlinux would let
# gdb read stale .data for memory the dump lacks), and the module's
# symbols from module_elf's $tmp/mod.elf. See README.md.

if ! command -v "$GDB" > /dev/null; then
	report skip gdb-threads "no gdb"
else
	gdb_frames "$vmlinux" "$koff" "$dump" "$tmp" > "$tmp/bt" 2>&1
	ncpu=$(sed -n 's/^cpus: \([0-9]*\) NT_PRSTATUS.*/\1/p' "$tmp/info")
	brought=$(tr -d '\r' < "$run/console.log" 2> /dev/null |
		sed -n 's/.*smp: Brought up [0-9]* nodes\{0,1\}, \([0-9]*\) CPUs\{0,1\}.*/\1/p' | head -1)
	nthr=$(grep -c '^Thread [0-9]* (' "$tmp/bt")
	srcs=$(sed -n '/^cpus:/,/^features:/s/^  cpu \([0-9]*\) *\(kernel\|firmware (QEMU)\|none\|registers\).*/cpu \1: \2/p' "$tmp/info")
	# Per thread: its frames, as "# " lines, prefixed "Thread N:" (CPU N - 1);
	# shown with the thread's name (gdb_frames: "CPU1 idle (swapper/1)").
	awk '/^Thread [0-9]+ \(/ { t = $1 " " $2 ":"; n[t] = $0; sub(/^[^"]*"?/, "", n[t]); sub(/"?\):$/, "", n[t]) }
	     (/^#[0-9]+ / || /^Backtrace stopped/) && t != "" { print t " " n[t] " | " $0 }' "$tmp/bt" > "$tmp/frames"
	if [ "${nthr:-0}" -gt 0 ] && [ "$nthr" = "$ncpu" ] &&
	   { [ -z "$brought" ] || [ "$brought" = "$nthr" ]; } &&
	   ! echo "$srcs" | grep -q ': none'; then
		report ok gdb-threads "$nthr threads, $ncpu NT_PRSTATUS, guest brought up ${brought:-?} CPUs" "$srcs"
	else
		report "not ok" gdb-threads "$nthr threads, $ncpu NT_PRSTATUS, guest brought up ${brought:-?} CPUs" "$srcs" \
			"$(grep -m3 -iE 'warning|error' "$tmp/bt")"
	fi
	# What a person reads (make demo's backtraces.sh, gdb's threads, mdfw
	# info): each CPU by number, an idle one as "idle (swapper/N)", not
	# by mdfw's synthetic pid.
	"$here/backtraces.sh" "$run" "$vmlinux" > "$tmp/backtraces" 2>&1
	check_cpu_names "$tmp/bt" "$tmp/info" "$tmp/backtraces"
	# Frame #0 of every thread named (kernel or module function), not ??.
	tops=$(sed -n 's/^Thread [0-9]*: \(.*\) | \(#0 .*\)/\1 | \2/p' "$tmp/frames")
	if [ -n "$tops" ] && ! echo "$tops" | grep -q ' in ?? '; then
		report ok gdb-pc-symbolized "$(echo "$tops" | sed -E 's/ \([^()]*\) at / at /' | cut -c1-160)"
	else
		report "not ok" gdb-pc-symbolized "${tops:-no frames}"
	fi
	case $mode in
	lockup*)
		# Every CPU spins in the scenario module's lockup_cpu().
		# The PC's frames: #0 and the inlined ones gdb lists under it
		# (no address of their own), e.g. rep_nop, cpu_relax, lockup_cpu.
		nspin=$(awk -F ' [|] ' '{ t = $1 } $2 ~ /^#0 / { pc[t] = 1 }
			$2 ~ /^#[1-9][0-9]* +0x/ { pc[t] = 0 }
			pc[t] && $2 ~ / lockup_cpu \(/ { spin[t] = 1 }
			END { n = 0; for (t in spin) n++; print n }' "$tmp/frames")
		if [ "$nthr" -gt 0 ] && [ "$nspin" = "$nthr" ]; then
			report ok gdb-lockup-spin "all $nthr CPUs in lockup_cpu (kmemdump_scenario)"
		else
			report "not ok" gdb-lockup-spin "$nspin of $nthr CPUs in lockup_cpu" "$tops"
		fi;;
	*)
		# The panicking CPU: panic() called from the module's freeze_write().
		if grep -qE '^#[0-9]+ .* in panic \(' "$tmp/bt" &&
		   grep -qE '^#[0-9]+ .* in freeze_write \(' "$tmp/bt"; then
			report ok gdb-panic-cpu "$(grep -E '^Thread|^#[0-9]+ .* in (panic|freeze_write) \(' "$tmp/bt" | grep -B1 -E 'panic|freeze' | sed -E 's/ \(.*//' | tr '\n' ' ')"
		else
			report "not ok" gdb-panic-cpu "no thread with panic() called from freeze_write()"
		fi;;
	esac
	# Every CPU's backtrace to the bottom of its stack (the syscall entry,
	# a kthread's ret_from_fork, the idle task's start, an interrupt from
	# user space), every frame on a stack the dump holds: judged by the
	# ping-pong test's checker (bt_bottom.py), whose gdb has unwinders for
	# the entry assembly, where plain gdb has no CFI: the panic's NMI can
	# stop a CPU there. A CPU still entering the kernel has no bottom frame.
	if python3 "$here/bt_bottom.py" "$dump" "$vmlinux" "$tmp/mod.elf" > "$tmp/bt-bottom" 2> "$tmp/bt-bottom.err"; then
		report ok gdb-bt-bottom "every CPU at the bottom of a stack the dump holds" \
			"$(cut -c1-240 "$tmp/bt-bottom")"
	else
		report "not ok" gdb-bt-bottom "$(grep -c ': not ok ' "$tmp/bt-bottom") CPU(s) not at the bottom of a dumped stack" \
			"$srcs" "$(cut -c1-400 "$tmp/bt-bottom")" \
			"$(grep -v 'empty loadable segment' "$tmp/bt-bottom.err" | tail -n 5)"
	fi
fi
exit $failed
