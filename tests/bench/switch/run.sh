# SPDX-License-Identifier: GPL-2.0
# Guest side of scripts/bench-switch.sh (at /scenario/run.sh; /init runs it
# with kmd.mode=scenario): context-switch cost with kmemdump following each
# CPU's current task (the minidump table over ivshmem is the backend) and
# without (the ivshmem device unbound: the default backend, the
# sched_switch probe off). States alternate within one boot, the order
# flipped every repetition so that drift does not favour either.
# Prints "KMD-SWITCH REP STATE pinned|free NS" per run (NS: ns per switch),
# then KMD-SWITCH-END, and powers off.
rounds=20000 reps=5
for arg in $(cat /proc/cmdline); do
	case $arg in
	kmd.rounds=*) rounds=${arg#kmd.rounds=};;
	kmd.reps=*) reps=${arg#kmd.reps=};;
	esac
done
R=/sys/kernel/debug/kmemdump/regions
D=/sys/bus/pci/drivers/kmemdump_ivshmem
dev=$(ls "$D" | grep ':' | head -n 1)
[ -n "$dev" ] || echo "KMD-ERROR: the ivshmem transport did not bind"
echo 4 > /proc/sys/kernel/printk
backend() { sed -n 's/^backend: //p' $R; }
state() { # on | off
	if [ "$1" = on ] && [ "$(backend)" = none ]; then
		echo "$dev" > "$D/bind"
	elif [ "$1" = off ] && [ "$(backend)" != none ]; then
		echo "$dev" > "$D/unbind"
	fi
	sleep 1		# the probe is (un)registered from a work item
	want=none; [ "$1" = on ] && want=kmemdump_ivshmem
	[ "$(backend)" = "$want" ] || echo "KMD-ERROR: backend $(backend), want $want"
}
run() { # REP STATE
	for how in pinned free; do
		opt=; [ $how = pinned ] && opt="-c 0"
		ns=$(/bin/pingpong $opt "$rounds" | sed -n 's/.* \([0-9]*\) ns\/switch/\1/p')
		echo "KMD-SWITCH $1 $2 $how ${ns:-?}"
	done
}
echo "KMD-SWITCH-REGIONS $(sed -n 's/^regions: //p' $R)"
# What following costs in the table, per CPU: "ID NAME SIZE VADDR" lines.
grep -E '^[0-9]+ cpu0_(task|stack) ' $R | sed 's/^/KMD-SWITCH-SLOT /'
/bin/pingpong 2000 > /dev/null		# warm up
i=1
while [ $i -le "$reps" ]; do
	if [ $((i % 2)) = 1 ]; then order="on off"; else order="off on"; fi
	for s in $order; do
		state "$s"
		run $i "$s"
	done
	i=$((i + 1))
done
echo "KMD-SWITCH-END"
poweroff -f
