# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` (scripts/bench.sh puts it at /scenario/run.sh;
# /init runs it with kmd.mode=scenario). kmd.bench= picks the job:
#   kernel   time the kmemdump core with kmemdump_bench.ko (no ivshmem
#            device: the default backend is active), print the KMD-BENCH
#            lines from the kernel log, power off;
#   capture  the scenario's guest state (kmemdump_scenario.ko: a kmalloc
#            marker and a 4-page vmalloc region), then panic: the host
#            captures the frozen guest with every tool.
job=capture marker=KMEMDUMP-MARKER reps=1001
for arg in $(cat /proc/cmdline); do
	case $arg in
	kmd.bench=*) job=${arg#kmd.bench=};;
	kmd.marker=*) marker=${arg#kmd.marker=};;
	kmd.reps=*) reps=${arg#kmd.reps=};;
	esac
done
R=/sys/kernel/debug/kmemdump/regions
echo "KMD-VERSION: $(cat /proc/version)"
echo "KMD-REGIONS-BEFORE: $(sed -n 's/^regions: //p' $R) backend $(sed -n 's/^backend: //p' $R)"
case $job in
kernel)
	# kmemdump logs each backend change with pr_info: keep it off the
	# serial console, or the console would be timed too.
	echo 4 > /proc/sys/kernel/printk
	insmod /lib/modules/kmemdump_bench.ko reps="$reps" ||
		echo "KMD-ERROR: insmod kmemdump_bench failed"
	rmmod kmemdump_bench
	dmesg | sed -n 's/.*\(KMD-BENCH .*\)/\1/p'
	echo "KMD-REGIONS-AFTER: $(sed -n 's/^regions: //p' $R)"
	echo "KMD-BENCH-END"
	poweroff -f
	;;
capture)
	insmod /lib/modules/kmemdump_scenario.ko marker="$marker" ||
		echo "KMD-ERROR: insmod failed"
	echo "KMD-REGIONS: $(sed -n 's/^regions: //p' $R)"
	cat $R
	[ -e /sys/firmware/qemu_fw_cfg/rev ] && echo "KMD-FW-CFG: present"
	echo "KMD-LAST-WORDS: freezing by panic"
	sleep 1
	echo panic > /sys/kernel/debug/kmemdump_scenario/freeze
	echo "KMD-ERROR: still alive after freeze"
	sleep 1000
	;;
esac
