# SPDX-License-Identifier: GPL-2.0
# Guest side of the scenario (run by /init with kmd.mode=scenario): feed the
# watchdog, register the scenario's regions, then freeze as the kernel
# command line asks (kmd.freeze=panic|lockup, kmd.extra=N, kmd.storm=N,
# kmd.marker=STR). kmd.freeze=none (random-instant): start the per-CPU
# storm (kmd.pcpu_storm=1), or with kmd.pingpong=1 a ping-pong pair
# (/bin/pingpong) pinned to every online CPU, and never freeze; the host
# pauses the machine. kmd.freeze=warn: panic_on_warn, then a module leaks a
# region (kmemdump_modtest leak=1) and goes. kmd.freeze=rqlock: CPU 1 spins in a sched_switch
# probe, its runqueue lock held, and CPU 0 panics (the writer is pinned
# there).
# kmd.liveview=1: before freezing, copy kmemdump's live view of the dump
# (debugfs kmemdump/core) to the second serial port, gzipped, in base64.
freeze=panic extra=0 storm=0 pcpu=0 pingpong=0 liveview=0 marker=KMEMDUMP-MARKER
for arg in $(cat /proc/cmdline); do
	case $arg in
	kmd.freeze=*) freeze=${arg#kmd.freeze=};;
	kmd.extra=*) extra=${arg#kmd.extra=};;
	kmd.marker=*) marker=${arg#kmd.marker=};;
	kmd.storm=*) storm=${arg#kmd.storm=};;
	kmd.pcpu_storm=*) pcpu=${arg#kmd.pcpu_storm=};;
	kmd.pingpong=*) pingpong=${arg#kmd.pingpong=};;
	kmd.liveview=*) liveview=${arg#kmd.liveview=};;
	esac
done
echo "KMD-VERSION: $(cat /proc/version)"
# Feed the i6300esb every second; it fires 4 s after the last feed.
watchdog -T 4 -t 1 /dev/watchdog || echo "KMD-ERROR: cannot start the watchdog daemon"
# Like a board's watchdog feeder, ahead of the storm's threads: on a loaded
# host a starved feeder lets the watchdog bite before the freeze.
renice -n -20 -p "$(pidof watchdog)" > /dev/null || echo "KMD-ERROR: cannot renice the watchdog daemon"
# What was registered before the scenario's own regions (id name size addr).
sed -n '3,$p' /sys/kernel/debug/kmemdump/regions | sed 's/^/KMD-REGION-BEFORE: /'
# rqlock: its sched_switch probe goes in now, not at the freeze (the
# module's rq_preload).
rqp=0
[ "$freeze" = rqlock ] && rqp=1
insmod /lib/modules/kmemdump_scenario.ko marker="$marker" extra="$extra" storm="$storm" \
	pcpu_storm="$pcpu" rq_preload="$rqp" ||
	echo "KMD-ERROR: insmod failed"
# Where the module's sections are, for gdb's add-symbol-file on the dump.
for f in /sys/module/kmemdump_scenario/sections/.* /sys/module/kmemdump_scenario/sections/*; do
	[ -f "$f" ] && echo "KMD-MODULE-SECTION: kmemdump_scenario ${f##*/} $(cat "$f")"
done
head -2 /sys/kernel/debug/kmemdump/regions
if [ "$freeze" = none ] && [ "$pingpong" = 1 ]; then
	cpus=$(nproc)
	c=0
	while [ $c -lt "$cpus" ]; do
		/bin/pingpong -c $c 1000000000000000 > /dev/null ||
			echo "KMD-ERROR: the ping-pong on CPU $c stopped" &
		c=$((c + 1))
	done
	sleep 1
	echo "KMD-PINGPONG-RUNNING: $(($(pidof pingpong | wc -w) / 2)) pairs on $cpus online CPUs"
	while :; do sleep 1000; done
fi
if [ "$freeze" = none ]; then
	echo "KMD-STORM-RUNNING"
	while :; do sleep 1000; done
fi
echo "KMD-LAST-WORDS: freezing by $freeze"
# The same words in the kernel log, where the debuggers look for them.
echo "kmemdump-marker: last words before freeze ($freeze)" > /dev/kmsg
if [ "$liveview" = 1 ]; then
	# The watchdog rests meanwhile (the daemon's magic close stops it):
	# on a loaded host, a MiB through an emulated UART can starve its
	# feeder past the 4 s timeout.
	kill "$(pidof watchdog)" && sleep 1
	# One open, one image: copied whole, then sent compressed.
	if cat /sys/kernel/debug/kmemdump/core > /tmp/live.elf &&
		stty -F /dev/ttyS1 raw -echo &&
		gzip -c /tmp/live.elf | base64 > /dev/ttyS1; then
		echo "KMD-LIVEVIEW: $(wc -c < /tmp/live.elf) bytes"
	else
		echo "KMD-ERROR: cannot copy the live view out"
	fi
	rm -f /tmp/live.elf
	watchdog -T 4 -t 1 /dev/watchdog || echo "KMD-ERROR: cannot restart the watchdog daemon"
	renice -n -20 -p "$(pidof watchdog)" > /dev/null
fi
sleep 2
if [ "$freeze" = rqlock ]; then
	taskset -c 0 sh -c 'echo rqlock > /sys/kernel/debug/kmemdump_scenario/freeze'
elif [ "$freeze" = warn ]; then
	# panic_on_warn: the WARN kmemdump gives for a module that goes away
	# with a region it registered by hand panics, after kmemdump's lock.
	echo 1 > /proc/sys/kernel/panic_on_warn
	insmod /lib/modules/kmemdump_modtest.ko leak=1 && rmmod kmemdump_modtest
else
	echo "$freeze" > /sys/kernel/debug/kmemdump_scenario/freeze
fi
echo "KMD-ERROR: still alive after freeze"
sleep 1000
