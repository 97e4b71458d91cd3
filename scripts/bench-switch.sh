#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Context-switch cost of kmemdump following each CPU's current task (issue
# 18: lock-free CPU sets in the minidump table):
#   bench-switch.sh [--smoke] [--no-rt] [--kernel BZIMAGE] [--rt-kernel BZIMAGE] [OUT.md]
# Boots, each with the guest side tests/bench/switch/run.sh, "on" (the
# minidump table over ivshmem bound: the sched_switch probe fills the
# CPU's set at every switch) and "off" (the device unbound: no backend,
# probe unregistered) alternating within the boot, the order flipped
# every repetition:
#   main       production bench kernel (build/obj-prod), pipe ping-pong
#              (tests/bench/switch/pingpong.c), both processes on CPU 0 and
#              unpinned; the sets' entries and sizes read from the table
#              the guest leaves in the shared memory
#   breakdown  the same kernel with kmemdump_ivshmem.follow_cpus=1: on CPU 1
#              the probe is registered but returns at once, on CPU 0 it
#              publishes; and a TSC bracket around kmemdump's probe alone
#              (tests/bench/switch/kmd_switch_cost, a module: no kernel
#              change)
#   nodev      the same kernel without the device (no backend ever)
#   rt         PREEMPT_RT bench kernel (build/obj-prod-rt, bench-kernel.sh
#              --rt): cyclictest under a ping-pong pair on each CPU, max and
#              p99 latency
# Prints, and writes to OUT.md if given, medians (min-max) per state, the
# ratios on/off and the targets (<= 2 % per switch; RT latency <= 5 %)
# met or not, with every run's figure. The kernels not given are brought
# up to date (scripts/bench-kernel.sh, incremental with ccache); the modules are built
# against them, and the boots' consoles kept, in build/bench-switch/
# (--smoke: build/bench-switch-smoke/; BENCH_SWITCH_DIR=DIR elsewhere).
#   --smoke    one boot of the production kernel running every part once,
#              short (make check: the scripts must keep working; no figures)
#   --no-rt    leave the PREEMPT_RT part out
#   BENCH_SWITCH_REPS=7 BENCH_SWITCH_ROUNDS=20000 BENCH_SWITCH_RTSEC=20
#              repetitions per state, ping-pong rounds per run, seconds per
#              cyclictest run
# Exit: 0; 1 if a guest reported an error or a part produced no figures;
# 2 if a build or a boot broke.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
reps=${BENCH_SWITCH_REPS:-7} rounds=${BENCH_SWITCH_ROUNDS:-20000} rtsec=${BENCH_SWITCH_RTSEC:-20}
smoke= rt=1 out= kernel= rtkernel=
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1 reps=1 rounds=2000 rtsec=2;;
	--no-rt) rt=;;
	--kernel) kernel=$2; shift;;
	--rt-kernel) rtkernel=$2; shift;;
	-h|--help) sed -n '3,37p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
	-*) echo "bench-switch.sh: unknown option $1 (see --help)" >&2; exit 2;;
	*) out=$1;;
	esac
	shift
done
[ -n "$smoke" ] && rt=
MDFW=${MDFW:-$TOP/tools/mdfw/build/mdfw}
# Its own directory per mode: make check's --smoke may run while make bench
# does.
d=${BENCH_SWITCH_DIR:-$BUILD/bench-switch${smoke:+-smoke}}
rm -rf "$d"; mkdir -p "$d"
start=$(date +%s)
[ -x "$MDFW" ] || make -s -C "$TOP/tools/mdfw" >/dev/null || { echo "cannot build mdfw" >&2; exit 2; }

# kernel OBJ BUILDFLAG: OBJ's bzImage, brought up to date with today's
# kernel tree (incremental: a kernel built before the last change to the
# series would measure old code).
kernel_of() {
	local obj=$1 flag=$2
	log "building the bench kernel in $obj (incremental)"
	"$TOP/scripts/bench-kernel.sh" $flag > "$d/bench-kernel$flag.log" 2>&1 ||
		{ echo "bench kernel build failed, see $d/bench-kernel$flag.log" >&2; exit 2; }
}
if [ -z "$kernel" ]; then
	kernel_of "$KOBJ_PROD" ""
	kernel=$KOBJ_PROD/arch/x86/boot/bzImage
fi
if [ -n "$rt" ] && [ -z "$rtkernel" ]; then
	kernel_of "$KOBJ_PROD_RT" --rt
	rtkernel=$KOBJ_PROD_RT/arch/x86/boot/bzImage
fi

gcc -std=c11 -O2 -Wall -Wextra -Werror -static -o "$d/pingpong" \
	"$TOP/tests/bench/switch/pingpong.c" || exit 2
# initramfs NAME BZIMAGE [cyclictest]: the guest side, and kmd_switch_cost.ko
# built against BZIMAGE's object tree.
initramfs() {
	local name=$1 obj m=$d/mod-$1 root=$d/initrd-$1
	obj=$(cd "$(dirname "$2")/../../.." && pwd)
	mkdir -p "$m" "$root/scenario" "$root/bin" "$root/lib/modules"
	rsync -rc "$TOP/tests/bench/switch/kmd_switch_cost/" "$m/"
	kmake "$obj" M="$m" W=1 modules > "$m.log" 2>&1 ||
		{ cat "$m.log" >&2; echo "kmd_switch_cost.ko does not build against $obj" >&2; exit 2; }
	cp "$m/kmd_switch_cost.ko" "$root/lib/modules/"
	cp "$d/pingpong" "$root/bin/"
	cp "$TOP/tests/bench/switch/run.sh" "$root/scenario/run.sh"
	if [ -n "${3:-}" ]; then
		command -v cyclictest > /dev/null ||
			{ echo "no cyclictest (Debian: rt-tests; scripts/deps.sh)" >&2; exit 2; }
		copy_bin "$(command -v cyclictest)" "$root"
	fi
	KMD_BUILD=/nonexistent "$TOP/scripts/mkinitramfs.sh" "$d/initramfs-$name.cpio.gz" "$root" || exit 2
}
initramfs prod "$kernel" cyclictest
[ -n "$rt" ] && initramfs rt "$rtkernel" cyclictest

# boot NAME BZIMAGE INITRAMFS DEVICE(0|1) APPEND: one guest, its console in
# $d/NAME.txt, the host's load average before and after in $d/NAME.load.
boot() {
	local name=$1 k=$2 initrd=$3 dev=$4 append=$5 t0
	local args=()
	if [ "$dev" = 1 ]; then
		"$MDFW" init --shm "$d/$name.shm" --shm-size 1M > "$d/$name-mdfw-init.log" 2>&1 || exit 2
		args=(-object "memory-backend-file,id=shm,size=1M,mem-path=$d/$name.shm,share=on"
		      -device ivshmem-plain,memdev=shm)
	fi
	log "bench-switch: $name boot ($(cut -d' ' -f1-3 /proc/loadavg))"
	t0=$(date +%s)
	echo "before $(cut -d' ' -f1-3 /proc/loadavg)" > "$d/$name.load"
	KMD_KERNEL=$k KMD_GUEST_MEM=512M "$TOP/scripts/run-guest.sh" "$d/$name.log" 1800 \
		"$d/$initrd" "kmd.mode=scenario kmd.reps=$reps kmd.rounds=$rounds kmd.rtsec=$rtsec kunit.enable=0 $append" \
		"${args[@]}" || { echo "guest $name failed, see $d/$name.log" >&2; exit 2; }
	echo "after $(cut -d' ' -f1-3 /proc/loadavg)" >> "$d/$name.load"
	echo "seconds $(( $(date +%s) - t0 ))" >> "$d/$name.load"
	tr -d '\r' < "$d/$name.log" > "$d/$name.txt"
}
report=(python3 "$TOP/scripts/bench-switch-report.py" --dir "$d" --reps "$reps" --rounds "$rounds"
	--rtsec "$rtsec" --kernel "$(realpath --relative-to="$TOP" "$kernel")"
	--commit "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
	--series "$(git -C "$KSRC" log -1 --format='%h %s' 2>/dev/null || echo '?')")
if [ -n "$smoke" ]; then
	boot smoke "$kernel" initramfs-prod.cpio.gz 1 "kmd.switch=main,breakdown,rt"
	"${report[@]}" --smoke smoke --elapsed $(( $(date +%s) - start )) ${out:+--out "$out"}
	exit $?
fi
boot main "$kernel" initramfs-prod.cpio.gz 1 "kmd.switch=main"
boot breakdown "$kernel" initramfs-prod.cpio.gz 1 "kmd.switch=breakdown kmemdump_ivshmem.follow_cpus=1"
boot nodev "$kernel" initramfs-prod.cpio.gz 0 "kmd.switch=nodev"
parts="main breakdown nodev"
if [ -n "$rt" ]; then
	boot rt "$rtkernel" initramfs-rt.cpio.gz 1 "kmd.switch=rt"
	report+=(--rt-kernel "$(realpath --relative-to="$TOP" "$rtkernel")")
	parts="$parts rt"
fi
report+=(--parts "$parts")
"${report[@]}" --elapsed $(( $(date +%s) - start )) ${out:+--out "$out"}
