#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Context-switch cost of following each CPU's current task (issue 10):
#   bench-switch.sh [--smoke] [--kernel BZIMAGE] [OUT.md]
# Boots the production bench kernel (build/obj-prod, scripts/bench-kernel.sh;
# built if missing) with the minidump table over ivshmem, and runs
# tests/bench/switch/pingpong (a pipe ping-pong, like perf bench sched
# pipe) with the backend bound (every switch re-points the CPU's slots)
# and unbound (the sched_switch probe off), alternating in one boot:
# pinned (both processes on CPU 0: every switch is task to task) and free
# (the scheduler's choice; switches to and from idle too). Prints, and
# writes to OUT.md if given, the median ns per switch of each state with
# min-max and the ratio on/off. --smoke: 1 repetition, 2000 rounds (make
# check: the script must keep working). Exit: 0, 1 if the guest reported
# an error or produced no figures, 2 if the run itself broke.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
reps=7 rounds=20000 out= kernel=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) reps=1 rounds=2000;;
	--kernel) kernel=$2; shift;;
	-h|--help) sed -n '3,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
	*) out=$1;;
	esac
	shift
done
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
d=$BUILD/bench-switch
rm -rf "$d"; mkdir -p "$d/initrd/scenario" "$d/initrd/bin"
if [ -z "$kernel" ]; then
	kernel=$KOBJ_PROD/arch/x86/boot/bzImage
	[ -f "$kernel" ] || "$TOP/scripts/bench-kernel.sh" > "$d/bench-kernel.log" 2>&1 ||
		{ echo "bench kernel build failed, see $d/bench-kernel.log" >&2; exit 2; }
fi
gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$d/initrd/bin/pingpong" \
	"$TOP/tests/bench/switch/pingpong.c" || exit 2
cp "$TOP/tests/bench/switch/run.sh" "$d/initrd/scenario/run.sh"
"$TOP/scripts/mkinitramfs.sh" "$d/initramfs.cpio.gz" "$d/initrd" || exit 2
"$MDFW" init --shm "$d/shm.img" --shm-size 1M > "$d/mdfw-init.log" 2>&1 || exit 2
KMD_KERNEL=$kernel KMD_GUEST_MEM=512M "$TOP/scripts/run-guest.sh" "$d/console.log" 1800 \
	"$d/initramfs.cpio.gz" "kmd.mode=scenario kmd.reps=$reps kmd.rounds=$rounds kunit.enable=0" \
	-object "memory-backend-file,id=shm,size=1M,mem-path=$d/shm.img,share=on" \
	-device ivshmem-plain,memdev=shm || { echo "guest failed, see $d/console.log" >&2; exit 2; }
tr -d '\r' < "$d/console.log" > "$d/console.txt"
python3 - "$d/console.txt" "$(realpath --relative-to="$TOP" "$kernel")" "$reps" "$rounds" "$out" <<'PY'
import re, statistics, sys
log, kernel, reps, rounds, out = sys.argv[1:6]
text = open(log).read()
errs = re.findall(r'KMD-ERROR: .*', text)
runs = {}
for rep, state, how, ns in re.findall(r'^KMD-SWITCH (\d+) (on|off) (pinned|free) (\d+)$', text, re.M):
    runs.setdefault((state, how), []).append(int(ns))
regions = re.search(r'KMD-SWITCH-REGIONS (\d+)', text)
lines = [f"Context switch, pipe ping-pong ({rounds} rounds per run, {reps} runs per "
         f"state, alternating in one boot; kernel {kernel}; "
         f"{regions.group(1) if regions else '?'} regions registered):", "",
         "| processes | following off (ns/switch) | following on (ns/switch) | on / off |",
         "|---|---|---|---|"]
ok = not errs
for how in ("pinned", "free"):
    off, on = runs.get(("off", how)), runs.get(("on", how))
    if not off or not on:
        ok = False
        continue
    mo, mn = statistics.median(off), statistics.median(on)
    what = "both on CPU 0" if how == "pinned" else "unpinned"
    lines.append(f"| {what} | {mo:.0f} ({min(off)}-{max(off)}) | {mn:.0f} ({min(on)}-{max(on)}) "
                 f"| {mn / mo:.3f} |")
slots = dict((n, int(sz)) for n, sz in re.findall(r'^KMD-SWITCH-SLOT \d+ cpu0_(task|stack) (\d+) ', text, re.M))
if len(slots) == 2:
    pages = -(-slots["stack"] // 4096)
    lines += ["", f"Per CPU, following adds 2 regions, {1 + pages} table entries (the task_struct, "
              f"and the stack page by page) and {slots['task'] + slots['stack']} bytes "
              f"({slots['task']} task_struct + {slots['stack']} stack) to the dump."]
else:
    ok = False
text_out = "\n".join(lines + [""] + errs)
print(text_out)
if out:
    open(out, "w").write(text_out + "\n")
sys.exit(0 if ok else 1)
PY
