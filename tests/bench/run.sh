# SPDX-License-Identifier: GPL-2.0
# Guest side of `make bench` (scripts/bench.sh puts it at /scenario/run.sh;
# /init runs it with kmd.mode=scenario). kmd.bench= picks the job:
#   kernel   time the kmemdump core with kmemdump_bench.ko (no ivshmem
#            device: the default backend is active; with one, the
#            minidump table's: KMD-REGIONS-BEFORE names it), print the
#            KMD-BENCH lines from the kernel log, power off;
#   capture  the scenario's guest state (kmemdump_scenario.ko: a kmalloc
#            marker and a 4-page vmalloc region), then freeze
#            (kmd.freeze=panic|lockup): the host captures the frozen guest
#            with every tool. With kmd.kdump=1 a capture kernel is loaded
#            first (kexec -p, /kdump/ in the initramfs; the command line
#            has crashkernel=). A boot that finds pstore records is the
#            reboot after the crash: it copies them to the host (9p tag
#            kmdout) and powers off.
job=capture marker=KMEMDUMP-MARKER reps=1001 freeze=panic kdump=0
for arg in $(cat /proc/cmdline); do
	case $arg in
	kmd.bench=*) job=${arg#kmd.bench=};;
	kmd.marker=*) marker=${arg#kmd.marker=};;
	kmd.reps=*) reps=${arg#kmd.reps=};;
	kmd.freeze=*) freeze=${arg#kmd.freeze=};;
	kmd.kdump=*) kdump=${arg#kmd.kdump=};;
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
	# The boot after the crash (pstore/ramoops reader): what a user gets.
	mkdir -p /sys/fs/pstore /out
	mount -t pstore pstore /sys/fs/pstore 2>/dev/null
	if [ -n "$(ls /sys/fs/pstore 2>/dev/null)" ]; then
		echo "KMD-PSTORE-FOUND: $(ls /sys/fs/pstore | tr '\n' ' ')"
		mount -t 9p -o trans=virtio,version=9p2000.L kmdout /out ||
			echo "KMD-ERROR: cannot mount 9p"
		mkdir -p /out/pstore
		cp /sys/fs/pstore/* /out/pstore/
		/bin/fsync /out/pstore/* /out/pstore /out
		echo "KMD-PSTORE-DONE"
		poweroff -f
	fi
	echo "KMD-RAMOOPS: $(dmesg | grep -m1 -o 'ramoops: using .*')"
	if [ "$kdump" = 1 ]; then
		echo "KMD-CRASHKERNEL: $(cat /sys/kernel/kexec_crash_size) bytes"
		if kexec -c -p /kdump/bzImage --initrd=/kdump/initrd.cpio.gz \
			--append="console=ttyS0 nr_cpus=1 irqpoll reset_devices panic=-1 rdinit=/init"; then
			echo "KMD-KDUMP-LOADED: $(cat /sys/kernel/kexec_crash_loaded)"
			# pvpanic says CRASH_LOADED now, on which QEMU does not pause:
			insmod /lib/modules/kmd_bench_pause.ko ||
				echo "KMD-ERROR: insmod kmd_bench_pause failed"
		else
			echo "KMD-ERROR: kexec -p failed"
		fi
	fi
	# The kernel's own lockup detectors, as this kernel has them.
	echo "KMD-LOCKUP-DETECTORS: watchdog=$(cat /proc/sys/kernel/watchdog 2>/dev/null)" \
		"nmi_watchdog=$(cat /proc/sys/kernel/nmi_watchdog 2>/dev/null)" \
		"soft_watchdog=$(cat /proc/sys/kernel/soft_watchdog 2>/dev/null)" \
		"thresh=$(cat /proc/sys/kernel/watchdog_thresh 2>/dev/null)" \
		"hardlockup_panic=$(cat /proc/sys/kernel/hardlockup_panic 2>/dev/null)" \
		"softlockup_panic=$(cat /proc/sys/kernel/softlockup_panic 2>/dev/null)"
	dmesg | grep -iE 'NMI watchdog|watchdog:|Performance Events|PMU' | sed 's/^/KMD-DETECTOR-LOG: /'
	# Feed the i6300esb every second; it fires 4 s after the last feed.
	[ -e /dev/watchdog ] && { watchdog -T 4 -t 1 /dev/watchdog ||
		echo "KMD-ERROR: cannot start the watchdog daemon"; }
	insmod /lib/modules/kmemdump_scenario.ko marker="$marker" ||
		echo "KMD-ERROR: insmod failed"
	# Where the module's sections are: gdb links the .ko there to name
	# and unwind its frames (bench-report.py check).
	for f in /sys/module/kmemdump_scenario/sections/.* /sys/module/kmemdump_scenario/sections/*; do
		[ -f "$f" ] && echo "KMD-MODULE-SECTION: kmemdump_scenario ${f##*/} $(cat "$f")"
	done
	echo "KMD-REGIONS: $(sed -n 's/^regions: //p' $R)"
	cat $R
	[ -e /sys/firmware/qemu_fw_cfg/rev ] && echo "KMD-FW-CFG: present"
	[ -e /dev/pmsg0 ] && echo "kmemdump bench: pmsg record before the $freeze" > /dev/pmsg0
	echo "KMD-LAST-WORDS: freezing by $freeze"
	echo "kmemdump-marker: last words before freeze ($freeze)" > /dev/kmsg
	sleep 1
	echo "$freeze" > /sys/kernel/debug/kmemdump_scenario/freeze
	echo "KMD-ERROR: still alive after freeze"
	sleep 1000
	;;
esac
