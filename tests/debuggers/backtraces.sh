#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every CPU's backtrace from a scenario's dump, as gdb shows it:
#   backtraces.sh RUNDIR [VMLINUX]
# RUNDIR is a scenario run (RUNDIR/dump/dump.elf; the scenario module's
# load addresses come from the dump); VMLINUX defaults to the test kernel's.
# Prints the modules the dump lists (tools/gdb/kmemdump-modules.gdb), then
# one block per CPU: the task the dump holds as running there, from mdfw
# info ("pid N", or "idle (swapper/N)": never mdfw's synthetic pid of an
# idle CPU), where its registers come from, and its frames,
# "#N function (file)":
#   -- CPU 0: idle (swapper/0); registers saved by the kernel: rip 0x... rsp 0x...
# Exit: 0, 1 if gdb printed no thread, 2 on bad arguments.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
. "$here/gdbbt.sh"
[ $# -ge 1 ] || { sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
run=$(realpath "$1") vmlinux=${2:-$TOP/build/obj/vmlinux}
dump=$run/dump/dump.elf
[ -f "$dump" ] && [ -f "$vmlinux" ] || { echo "no $dump or $vmlinux" >&2; exit 2; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
"$TOP/tools/mdfw/build/mdfw" info "$dump" > "$tmp/info" 2>&1
koff=$(sed -n 's/^vmcoreinfo: KERNELOFFSET=\([0-9a-fA-F]*\)$/\1/p' "$tmp/info" | head -1)
ko=$(scenario_ko "$run")
if module_sections "$vmlinux" "${koff:-0}" "$dump" "$tmp/modsects"; then
	module_elf "$ko" "$tmp/modsects" "$tmp" > /dev/null
	echo "modules, from the dump: $(awk '$3 == ".text" { printf "%s%s (.text %s)", n++ ? ", " : "", $2, $4 }' "$tmp/modsects")"
	echo
fi
gdb_frames "$vmlinux" "${koff:-0}" "$dump" "$tmp" > "$tmp/bt" 2>&1
# gdb's thread N is the core's N-th NT_PRSTATUS, CPU N - 1. mdfw info's
# line for it: "  cpu N  SOURCE  TASK  rip 0x... rsp 0x..." (pc/sp on
# arm64), where TASK is "pid N" or "idle (swapper/N)".
awk -v info="$tmp/info" '
function say(l,   c, w, who, regs) {
	sub(/^  cpu /, "", l); c = l + 0; sub(/^[0-9]+ +/, "", l)
	match(l, /  +/); w = substr(l, 1, RSTART - 1); who = substr(l, RSTART + RLENGTH)
	regs = ""; if (match(who, / +(rip|pc) 0x/)) { regs = substr(who, RSTART); who = substr(who, 1, RSTART - 1) }
	sub(/ +$/, "", who); sub(/^ +/, "", regs)
	w = w == "kernel" ? "registers saved by the kernel" : w == "firmware (QEMU)" ? \
	    "registers from the firmware (QEMU)" : w == "none" ? "no registers" : w
	task[c] = who "; " w (regs == "" ? "" : ": " regs) }
BEGIN { while ((getline l < info) > 0) if (l ~ /^  cpu [0-9]+ /) say(l) }
function flush() { if (cur != "" && unnamed) out[cur] = out[cur] sprintf("  (%d more frames gdb cannot name)\n", unnamed); unnamed = 0 }
/^Thread [0-9]+ \(LWP [0-9]+[ )]/ {
	flush(); cur = $2 - 1; s = cur in task ? task[cur] : "(not in mdfw info)"
	out[cur] = sprintf("-- CPU %d: %s\n", cur, s); ncpu++; next }
cur == "" { next }
/^#[0-9]+ / {
	fn = $0; sub(/^#[0-9]+ +(0x[0-9a-f]+ in )?/, "", fn); sub(/ \(.*/, "", fn)
	if (fn == "??") { unnamed++; next }
	at = ""; if (match($0, / at [^ ]+$/)) at = substr($0, RSTART + 4)
	sub(/^.*\//, "", at)
	out[cur] = out[cur] sprintf("  %-4s %s%s\n", $1, fn, at == "" ? "" : "  (" at ")") }
/Backtrace stopped/ { out[cur] = out[cur] "  " $0 "\n" }
END { flush(); for (c = 0; c < 1024 && ncpu; c++) if (c in out) { printf "%s%s", n++ ? "\n" : "", out[c]; ncpu-- }
      exit n ? 0 : 1 }' "$tmp/bt"
