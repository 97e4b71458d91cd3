#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every CPU's backtrace from a scenario's dump, as gdb shows it:
#   backtraces.sh RUNDIR [VMLINUX]
# RUNDIR is a scenario run (RUNDIR/dump/dump.elf; the scenario module's
# load addresses come from the dump); VMLINUX defaults to the test kernel's.
# Prints the modules the dump lists (tools/gdb/kmemdump-modules.gdb), then
# one block per CPU: the task the dump holds as running there
# (mdfw info: register source, PID) and its frames, "#N function (file)".
# Exit: 0, 1 if gdb printed no thread, 2 on bad arguments.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$here/../.." && pwd)
. "$here/gdbbt.sh"
[ $# -ge 1 ] || { sed -n '3,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
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
# gdb's thread N is the core's N-th NT_PRSTATUS, CPU N - 1.
awk -v info="$tmp/info" '
BEGIN { while ((getline l < info) > 0) if (l ~ /^  cpu [0-9]+ /) { split(l, f, "  +"); src[f[2]] = l } }
function flush() { if (cur != "" && unnamed) out[cur] = out[cur] sprintf("  (%d more frames gdb cannot name)\n", unnamed); unnamed = 0 }
/^Thread [0-9]+ \(LWP [0-9]+\)/ {
	flush(); cur = $2 - 1; s = src["cpu " cur]; sub(/^ +/, "", s)
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
