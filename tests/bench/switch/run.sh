# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-switch.sh (at /scenario/run.sh; /init runs it
# with kmd.mode=scenario): the cost of kmemdump following each CPU's
# current task. "on" is the minidump table over ivshmem bound (its CPU
# sets filled at every switch by kmemdump's sched_switch probe); "off" is
# the device unbound: the default backend, the probe unregistered. States
# alternate within one boot, the order flipped every repetition so that
# drift does not favour either. kmd.switch= says what this boot runs (a
# comma-separated list):
#   main       pipe ping-pong, pinned (both processes on CPU 0) and free:
#                KMD-SWITCH REP on|off pinned|free NS      (ns per switch)
#   breakdown  (booted with kmemdump_ivshmem.follow_cpus=1: CPU 0 followed,
#              on CPU 1 the probe returns at once) ping-pong pinned to CPU 0
#              and to CPU 1 in both states, then the TSC bracket around
#              kmemdump's probe (kmd_switch_cost.ko time=1):
#                KMD-SWITCH REP on|off cpu0|cpu1 NS
#                KMD-SWITCH-CYC REP on|off CPU MEDIAN P10 P90 N NS (cycles;
#                NS: the median in ns)
#   nodev      (booted without the device) ping-pong pinned and free:
#                KMD-SWITCH REP nodev pinned|free NS
#   rt         cyclictest (one SCHED_FIFO thread per CPU) while a ping-pong
#              pair runs on each CPU, kmd.rtsec seconds a run:
#                KMD-RT REP on|off n=N p50=US p99=US p999=US max=US ovf=N maxes=US,US
# Every boot also prints what sched_switch runs in each state
# (KMD-SWITCH-TP STATE probes=N key=on|off FUNCS, from kmd_switch_cost.ko)
# and KMD-SWITCH-REGIONS / KMD-SWITCH-CPUSETS (debugfs); at the end it binds
# the device again (the host reads the CPU sets' entries from the table
# the guest leaves in the shared memory), prints KMD-SWITCH-END and powers
# off.
rounds=20000 reps=5 parts=main rtsec=20 rthist=50000
for arg in $(cat /proc/cmdline); do
	case $arg in
	kmd.rounds=*) rounds=${arg#kmd.rounds=};;
	kmd.reps=*) reps=${arg#kmd.reps=};;
	kmd.switch=*) parts=$(echo "${arg#kmd.switch=}" | tr , ' ');;
	kmd.rtsec=*) rtsec=${arg#kmd.rtsec=};;
	esac
done
R=/sys/kernel/debug/kmemdump/regions
D=/sys/bus/pci/drivers/kmemdump_ivshmem
C=/sys/kernel/debug/kmd_switch_cost
M=/lib/modules/kmd_switch_cost.ko
echo 4 > /proc/sys/kernel/printk
dev=$(ls "$D" 2>/dev/null | grep ':' | head -n 1)
case " $parts " in
*" nodev "*) [ -z "$dev" ] || echo "KMD-ERROR: an ivshmem device is bound in the nodev boot";;
*) [ -n "$dev" ] || echo "KMD-ERROR: the ivshmem transport did not bind";;
esac
backend() { sed -n 's/^backend: //p' $R; }
state() { # on | off: bind or unbind (the probe goes with the backend)
	if [ "$1" = on ] && [ "$(backend)" = none ]; then
		echo "$dev" > "$D/bind"
	elif [ "$1" = off ] && [ "$(backend)" != none ]; then
		echo "$dev" > "$D/unbind"
	fi
	want=none; [ "$1" = on ] && want=kmemdump_ivshmem
	[ "$(backend)" = "$want" ] || echo "KMD-ERROR: backend $(backend), want $want"
}
tp() { # STATE: what sched_switch runs now
	sed "s/^KMD-SWITCH-TP /KMD-SWITCH-TP $1 /" $C/probes
}
pp() { # pingpong ARGS...: ns per switch
	ns=$(/bin/pingpong "$@" | sed -n 's/.* \([0-9]*\) ns\/switch/\1/p')
	echo "${ns:-?}"
}
order() { # REP: "on off" on odd repetitions, "off on" on even ones
	if [ $(($1 % 2)) = 1 ]; then echo "on off"; else echo "off on"; fi
}

insmod $M || echo "KMD-ERROR: insmod kmd_switch_cost.ko"
echo "KMD-SWITCH-REGIONS $(sed -n 's/^regions: //p' $R)"
# The CPUs' descriptors: "ID cpu_sets SIZE VADDR".
echo "KMD-SWITCH-CPUSETS $(grep -E '^[0-9]+ cpu_sets ' $R)"
/bin/pingpong 2000 > /dev/null		# warm up

part_main() {
	i=1
	while [ $i -le "$reps" ]; do
		for s in $(order $i); do
			state "$s"
			[ $i -le 2 ] && tp "$s"
			echo "KMD-SWITCH $i $s pinned $(pp -c 0 "$rounds")"
			echo "KMD-SWITCH $i $s free $(pp "$rounds")"
		done
		i=$((i + 1))
	done
}

part_breakdown() {
	i=1
	while [ $i -le "$reps" ]; do
		for s in $(order $i); do
			state "$s"
			[ $i = 1 ] && tp "$s"
			echo "KMD-SWITCH $i $s cpu0 $(pp -c 0 "$rounds")"
			echo "KMD-SWITCH $i $s cpu1 $(pp -c 1 "$rounds")"
		done
		i=$((i + 1))
	done
	# The bracket: a second copy of the module, with its probes.
	rmmod kmd_switch_cost
	insmod $M time=1 || { echo "KMD-ERROR: insmod kmd_switch_cost.ko time=1"; return; }
	i=1
	while [ $i -le "$reps" ]; do
		for s in $(order $i); do
			state "$s"
			for cpu in 0 1; do
				echo > $C/stats
				/bin/pingpong -c $cpu "$rounds" > /dev/null
				sed -n "s/^KMD-SWITCH-COST cpu=$cpu n=\([0-9]*\) median=\([0-9]*\) p10=\([0-9]*\) p90=\([0-9]*\) median_ns=\([0-9]*\)$/KMD-SWITCH-CYC $i $s $cpu \2 \3 \4 \1 \5/p" $C/stats
			done
		done
		i=$((i + 1))
	done
	rmmod kmd_switch_cost
	insmod $M
}

part_nodev() {
	tp nodev
	i=1
	while [ $i -le "$reps" ]; do
		echo "KMD-SWITCH $i nodev pinned $(pp -c 0 "$rounds")"
		echo "KMD-SWITCH $i nodev free $(pp "$rounds")"
		i=$((i + 1))
	done
}

# cyclictest's histogram file (1 us buckets, one column per thread, then
# "# Total:" (in the buckets) and "# Histogram Overflows:" lines) into one
# line: percentiles of all threads together; past the histogram: ">H".
# Its numbers have leading zeros, which busybox awk reads as octal.
rt_summary() { # HISTFILE
	awk -v h=$rthist '
	function num(s) { sub(/^0+/, "", s); return s + 0 }
	/^# Max Latencies:/ { m = 0; l = ""; for (i = 4; i <= NF; i++) { v = num($i); if (v > m) m = v; l = l (l ? "," : "") v }; max = m; maxes = l }
	/^# Histogram Overflows:/ { for (i = 4; i <= NF; i++) ovf += num($i) }
	/^#/ { next }
	{ c = 0; for (i = 2; i <= NF; i++) c += num($i); b[num($1)] = c; n += c }
	END {
		n += ovf
		split("0.5 0.99 0.999", q, " ")
		for (k = 1; k <= 3; k++) {
			want = q[k] * n; cum = 0; p[k] = ">" h
			for (i = 0; i < h; i++) { cum += b[i]; if (cum >= want) { p[k] = i; break } }
		}
		printf "n=%d p50=%s p99=%s p999=%s max=%d ovf=%d maxes=%s\n", n, p[1], p[2], p[3], max, ovf, maxes
	}' "$1"
}

part_rt() {
	command -v cyclictest > /dev/null || { echo "KMD-ERROR: no cyclictest in the initramfs"; return; }
	echo "KMD-RT-KERNEL $(uname -v)"
	i=1
	while [ $i -le "$reps" ]; do
		for s in $(order $i); do
			state "$s"
			/bin/pingpong -c 0 1000000000 > /dev/null & p0=$!
			/bin/pingpong -c 1 1000000000 > /dev/null & p1=$!
			sleep 1
			rm -f /tmp/hist
			cyclictest -q -m -S -p 95 -i 1000 -D "$rtsec" -h $rthist \
				--histfile=/tmp/hist > /tmp/cyclictest.out 2>&1 ||
				{ echo "KMD-ERROR: cyclictest: $(tail -n 2 /tmp/cyclictest.out | tr '\n' ' ')"; }
			kill $p0 $p1
			wait $p0 $p1 2> /dev/null
			[ -s /tmp/hist ] && echo "KMD-RT $i $s $(rt_summary /tmp/hist)"
		done
		i=$((i + 1))
	done
}

for part in $parts; do
	case $part in
	main|breakdown|nodev|rt) echo "KMD-SWITCH-PART $part"; part_$part;;
	*) echo "KMD-ERROR: unknown kmd.switch part $part";;
	esac
done
# The host reads the CPU sets from the table the guest leaves: bound.
[ -n "$dev" ] && state on
echo "KMD-SWITCH-END"
poweroff -f
