#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: kmemdump against the tools people use today -- pstore/
# ramoops, kdump + makedumpfile, QEMU's dump-guest-memory + makedumpfile --
# on the same freezes, plus the kernel-side costs on a production and on the
# debug (test) kernel.
#
#   bench.sh               3 RAM sizes x 2 freezes x 5 boots
#   bench.sh --smoke       one boot per freeze at 256M, a short kernel job
#                          (prod, and prod with the table: ~7 s a boot)
#                          (the scripts' own check, for make check; no figures)
#   bench.sh --ck-search   only the crashkernel= search (every RAM size),
#                          into OUT/crashkernel.txt; a later BENCH_RESUME=1
#                          run uses its result
#   bench.sh --kernel      only the kernel-side costs (prod + debug kernel
#                          with the default backend, prod with the minidump
#                          table over ivshmem as the capture runs have it),
#                          again; the capture runs already in OUT are kept
#                          and the report is regenerated from them, into
#                          OUT only (docs/bench/ is not touched, the
#                          context-switch bench not run); prints the
#                          kernel-side section and its targets
#   bench.sh --capture     only kmemdump's capture and the disk's floor on the
#                          same bytes (issue 20): one boot per RAM size, freeze
#                          and run, mdfw then the floor, no other method, no
#                          crashkernel search, no kernel-side costs; into
#                          out/bench-capture/, report capture.md (~20 s a
#                          boot under TCG: 3 sizes x 1 freeze x 5 runs ~ 6
#                          min). BENCH_CAPTURE_KERNEL=prod (default,
#                          build/obj-prod) or debug (build/obj as it is)
#   BENCH_SIZES="256M 1G 4G" BENCH_RUNS=5 BENCH_FREEZES="panic lockup"
#   BENCH_CRASHKERNEL=96M  skip the search for the smallest crashkernel=
#   BENCH_CK_LO=24M BENCH_CK_HI=32M BENCH_CK_STEP=2  the search: at each RAM
#                          size, check that LO fails and HI works (moving
#                          them if not), then bisect down to STEP MiB
#   BENCH_DEBUG_KERNEL=build|use|skip  the debug kernel (build/obj) for the
#                          kernel-side comparison: build it incrementally
#                          (default), boot it as it is, or leave it out
#   BENCH_PROD_KERNEL=build|use  build/obj-prod: build it incrementally
#                          (default) or boot it as it is
#   BENCH_MDFW=PATH        an mdfw binary to use instead of building
#                          tools/mdfw
#   BENCH_RESUME=1         keep the runs already complete
#
# The bench kernel is build/obj-prod (scripts/bench-kernel.sh: the test
# config without KASAN, lockdep, KUnit; + pstore, kdump, 9p, lockup
# detectors). Each capture run is ONE boot of it (tests/bench/run.sh) with
#   memmap=1M$128M ramoops.*   pstore/ramoops region (reserved RAM)
#   crashkernel=SIZE           + kexec -p of the same bzImage with the
#                              capture initramfs (tests/bench/kdump-init)
#   crash_kexec_post_notifiers so pvpanic, kmemdump and pstore see the
#                              panic before kexec does
# The guest registers the scenario's regions and freezes (panic, or hard
# lockup: every CPU spins with interrupts off). On the frozen VM, in order:
#   1. mdfw capture (kmemdump's firmware, QMP socket 1), then the disk's
#      floor on the same bytes (bench-report.py floor: the region files'
#      bytes as one file, written and fsynced once, plus its directory's
#      fsync), before anything else touches the disk;
#   2. dump-guest-memory of all RAM (scripts/bench-qmp.py, QMP socket 2);
#   3. the guest continues (bench-qmp.py --continue): panic -> pstore's
#      kmsg_dump -> kexec -> capture kernel: makedumpfile -d 31 of
#      /proc/vmcore, LZO then ELF, over 9p to RUN/share/, fsynced; reboot.
#      Lockup: 20 s for the kernel's lockup detectors, then a reset (the
#      watchdog's). The boot after the reset mounts pstore and copies the
#      records to RUN/share/pstore/, then powers off;
#   4. on the host, QEMU gone: makedumpfile -d 31 of step 2's dump (-E, -l).
# Results: out/bench/ (results.md, *.tsv, *.png, runs/); the table is
# printed and copied with the plots to docs/bench/.
# The arm64 board's capture: scripts/bench-arm64.sh, run at the end (BENCH_ARM64=0 skips it).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
SMOKE= MODE=all
case "${1:-}" in
--smoke) SMOKE=1;;
--ck-search) MODE=ck;;
--kernel) MODE=kernel;;
--capture) MODE=capture;;
"") ;;
*) die "usage: bench.sh [--smoke|--ck-search|--kernel|--capture]";;
esac
OUT=${BENCH_OUT:-$TOP/out/bench${SMOKE:+-smoke}$([ "$MODE" = capture ] && echo -capture)}
SIZES=${BENCH_SIZES:-256M 1G 4G}
RUNS=${BENCH_RUNS:-5}
FREEZES=${BENCH_FREEZES:-panic lockup}
DEBUGK=${BENCH_DEBUG_KERNEL:-build}
PRODK=${BENCH_PROD_KERNEL:-build}
REPS=1001
if [ -n "$SMOKE" ]; then
	SIZES=256M RUNS=1 REPS=11 DEBUGK=${BENCH_DEBUG_KERNEL:-skip}
	CRASHKERNEL=${BENCH_CRASHKERNEL:-64M}
fi
# The kernel the capture runs boot: prod, or (--capture only) debug.
CAPK=prod
if [ "$MODE" = capture ]; then
	CAPK=${BENCH_CAPTURE_KERNEL:-prod} FREEZES=${BENCH_FREEZES:-panic}
	[ "$CAPK" = debug ] && { PRODK=use DEBUGK=${BENCH_DEBUG_KERNEL:-use}; } || DEBUGK=skip
	[ "$DEBUGK" = skip ] && [ "$CAPK" = debug ] && die "BENCH_CAPTURE_KERNEL=debug needs the debug kernel"
fi
MDFW=${BENCH_MDFW:-$TOP/tools/mdfw/build/mdfw}
SHMDIR=${BENCH_SHMDIR:-/dev/shm}
RAMOOPS_ADDR=0x8000000 RAMOOPS_SIZE=0x100000   # 1 MiB at 128 MiB
RAMOOPS="memmap=1M\$$RAMOOPS_ADDR ramoops.mem_address=$RAMOOPS_ADDR ramoops.mem_size=$RAMOOPS_SIZE ramoops.record_size=0x10000 ramoops.console_size=0x40000 ramoops.pmsg_size=0x10000"
tag=kmd-bench-$$

# --- build what is missing (incremental) --------------------------------------
"$TOP/scripts/deps.sh"
for t in qemu-system-x86_64 makedumpfile kexec gnuplot python3 nm crash gcc; do
	command -v $t >/dev/null || die "$t not found (Debian: qemu-system-x86, makedumpfile, kexec-tools, gnuplot-nox, binutils, crash, gcc)"
done
mkdir -p "$OUT"
if [ "$CAPK" = prod ] && [ "$PRODK" = build ]; then
	"$TOP/scripts/bench-kernel.sh" > "$OUT/bench-kernel-build.log" 2>&1 ||
		die "bench kernel build failed, see $OUT/bench-kernel-build.log"
fi
[ "$CAPK" = debug ] || [ -f "$KOBJ_PROD/arch/x86/boot/bzImage" ] ||
	die "no bench kernel in $KOBJ_PROD (BENCH_PROD_KERNEL=build)"
[ "$MODE" = ck ] && DEBUGK=skip
if [ "$DEBUGK" = build ]; then
	"$TOP/scripts/kernel-build.sh" > "$OUT/debug-kernel-build.log" 2>&1 ||
		die "kernel build failed, see $OUT/debug-kernel-build.log"
fi
[ "$DEBUGK" != skip ] && [ ! -f "$KOBJ/arch/x86/boot/bzImage" ] &&
	die "no debug kernel in $KOBJ (BENCH_DEBUG_KERNEL=build or skip)"
[ -n "${BENCH_MDFW:-}" ] || make -s -C "$TOP/tools/mdfw" >/dev/null || die "cannot build mdfw"
[ -x "$MDFW" ] || die "no mdfw at $MDFW"

[ "$MODE" = kernel ] && BENCH_RESUME=1 && rm -f "$OUT"/runs/kernel-*-console.log
[ -n "${BENCH_RESUME:-}" ] || rm -rf "$OUT/runs"
mkdir -p "$OUT/runs"
cleanup() { rm -f "$SHMDIR/$tag".*; }
trap cleanup EXIT
start=$(date +%s)
# What was measured, noted at the start (commits made while it runs do not count).
run_id=(--started "$(date -d "@$start" '+%Y-%m-%d %H:%M')"
	--commit "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')"
	--ktree "$(git -C "$KSRC" log -1 --format='%h %s' 2>/dev/null || echo '?')")

# --- snapshots: build/ may be rebuilt while we run, and the dumps must be
# opened with the vmlinux that made them (BENCH_RESUME keeps them).
snapshot() { # snapshot OBJ MODDIR DEST
	local obj=$1 mods=$2 d=$3 ko
	# --kernel measures the kernels as they are now: always a new copy.
	[ -n "${BENCH_RESUME:-}" ] && [ "$MODE" != kernel ] && [ -f "$d/obj/vmlinux" ] && return
	rm -rf "$d"; mkdir -p "$d/obj/arch/x86/boot" "$d/modules"
	cp "$obj/arch/x86/boot/bzImage" "$d/obj/arch/x86/boot/"
	cp "$obj/vmlinux" "$obj/.config" "$d/obj/"
	for ko in "$mods"/kmemdump_scenario/*.ko "$mods"/kmemdump_bench/*.ko "$mods"/kmd_bench_pause/*.ko; do
		[ -f "$ko" ] || continue
		mkdir -p "$d/modules/$(basename "$(dirname "$ko")")"; cp "$ko" "$d/modules/$(basename "$(dirname "$ko")")/"
	done
}
# The guest's modules, built from today's tests/ against each kernel into
# OUT/modules-KERNEL (build/obj-prod/bench-modules may be older than the
# sources when BENCH_PROD_KERNEL=use; the object trees are only read).
guest_modules() { # guest_modules OBJ DEST SRCDIR...
	local obj=$1 dest=$2 src n; shift 2
	mkdir -p "$dest"
	for src in "$@"; do
		n=$(basename "$src")
		rsync -rc "$src" "$dest/"
		kmake "$obj" M="$dest/$n" W=1 modules >"$dest/$n.log" 2>&1 ||
			{ cat "$dest/$n.log" >&2; die "$n.ko does not build against $obj"; }
	done
}
if [ "$CAPK" = prod ]; then
	log "building the guest's modules for the production kernel"
	guest_modules "$KOBJ_PROD" "$OUT/modules-prod" "$TOP/tests/modules/kmemdump_scenario" \
		"$TOP/tests/modules/kmemdump_bench" "$TOP/tests/bench/guest/kmd_bench_pause"
	snapshot "$KOBJ_PROD" "$OUT/modules-prod" "$OUT/snap-prod"
fi
if [ "$DEBUGK" != skip ]; then
	log "building the guest's modules for the debug kernel"
	guest_modules "$KOBJ" "$OUT/modules-debug" "$TOP/tests/modules/kmemdump_scenario" \
		"$TOP/tests/modules/kmemdump_bench"
	snapshot "$KOBJ" "$OUT/modules-debug" "$OUT/snap-debug"
fi

# --- initramfs -------------------------------------------------------------
gcc -O2 -static -o "$OUT/fsync" "$TOP/tests/bench/guest/fsync.c" || die "cannot build tests/bench/guest/fsync.c"
rm -rf "$OUT/initrd" "$OUT/capinitrd"
# The capture kernel's initramfs: busybox, makedumpfile, fsync.
mkdir -p "$OUT/capinitrd"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$OUT/capinitrd/bin/"
copy_bin "$(command -v makedumpfile)" "$OUT/capinitrd"
cp "$OUT/fsync" "$OUT/capinitrd/bin/fsync"
cp "$TOP/tests/bench/kdump-init" "$OUT/capinitrd/init"; chmod +x "$OUT/capinitrd/init"
mkdir -p "$OUT/initrd/scenario" "$OUT/initrd/lib/modules" "$OUT/initrd/kdump"
(cd "$OUT/capinitrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$OUT/initrd/kdump/initrd.cpio.gz"
cp "$OUT/snap-$CAPK/obj/arch/x86/boot/bzImage" "$OUT/initrd/kdump/"
copy_bin "$(command -v kexec)" "$OUT/initrd"
cp "$OUT/fsync" "$OUT/initrd/bin/fsync"
cp "$TOP/tests/bench/run.sh" "$OUT/initrd/scenario/run.sh"
initramfs() { # initramfs SNAPDIR OUT.cpio.gz
	rm -f "$OUT/initrd/lib/modules/"*.ko
	cp "$1"/modules/*/*.ko "$OUT/initrd/lib/modules/"
	KMD_BUILD=/nonexistent "$TOP/scripts/mkinitramfs.sh" "$2" "$OUT/initrd" >/dev/null || die "initramfs"
}
[ "$CAPK" = prod ] && initramfs "$OUT/snap-prod" "$OUT/initramfs-prod.cpio.gz"
[ "$DEBUGK" != skip ] && initramfs "$OUT/snap-debug" "$OUT/initramfs-debug.cpio.gz"

# --- kernel-side costs -----------------------------------------------------
# prod and debug: a guest without ivshmem, kmemdump's default (no-op)
# backend is active. prod-table: the production kernel with the minidump
# table over ivshmem, set up as the capture runs do (kmemdump_ivshmem
# active; the module's last measurement, the backend replay into a dummy,
# replaces it, after everything else).
kernel_run() { # kernel_run prod|debug|prod-table
	local k=$1 kk=${1%-table} f=$OUT/runs/kernel-$1-console.log shm= attempt
	local dev=()
	grep -aq KMD-BENCH-END "$f" 2>/dev/null && { log "kernel bench ($k): kept"; return; }
	if [ "$k" != "$kk" ]; then
		shm=$SHMDIR/$tag.kshm
		dev=(-object "memory-backend-file,id=shm,size=1M,mem-path=$shm,share=on" -device ivshmem-plain,memdev=shm)
		log "kernel bench on the $kk kernel with the minidump table over ivshmem"
	else
		log "kernel bench on the $k kernel (guest without ivshmem: default backend)"
	fi
	for attempt in 1 2 3; do
		if [ -n "$shm" ]; then   # a fresh table each boot
			rm -f "$shm"
			"$MDFW" init --shm "$shm" --shm-size 1M > "$OUT/runs/kernel-$k-mdfw-init.log" 2>&1 ||
				{ log "kernel bench ($k): mdfw init failed, see $OUT/runs/kernel-$k-mdfw-init.log"; return; }
		fi
		KMD_BUILD=$OUT/snap-$kk KMD_GUEST_MEM=512M "$TOP/scripts/run-guest.sh" "$f" 600 \
			"$OUT/initramfs-$kk.cpio.gz" "kmd.mode=scenario kmd.bench=kernel kmd.reps=$REPS kunit.enable=0" \
			"${dev[@]}" || log "kernel bench guest: exit $?"
		grep -aq KMD-BENCH-END "$f" && break
	done
	[ -n "$shm" ] && rm -f "$shm"
	# The backend the measurements ran with (run.sh, before the module).
	log "kernel bench ($k): $(grep -a -m1 -o 'KMD-REGIONS-BEFORE: .*' "$f" | tr -d '\r')"
	nm --size-sort -S "$OUT/snap-$kk/obj/vmlinux" | grep -iE 'kmemdump|qcom_md|kmd_' > "$OUT/runs/nm-$kk.txt"
}
if [ "$MODE" != ck ] && [ "$MODE" != capture ]; then
	kernel_run prod
	kernel_run prod-table
	[ "$DEBUGK" != skip ] && kernel_run debug
fi

# --- capture runs ----------------------------------------------------------
capture_run() { # capture_run RAM FREEZE N CRASHKERNEL [search]
	local ram=$1 fr=$2 n=$3 ck=$4 search=${5:-} d shm=$SHMDIR/$tag.shm ramf=$SHMDIR/$tag.ram qemu helper watcher
	local marker=KMEMDUMP-MARKER-$RANDOM$RANDOM
	d=$OUT/runs/$ram-$fr-$n; [ -n "$search" ] && d=$OUT/runs/ck-$ram-$ck
	rm -rf "$d"; mkdir -p "$d/share"
	# mdfw creates $d/dump atomically (a private directory, synced, renamed
	# into place); a watcher stamps that rename on the wall clock, the
	# clock of QEMU's event timestamp.
	rm -f "$shm" "$ramf"
	"$MDFW" init --shm "$shm" --shm-size 1M > "$d/mdfw-init.log" 2>&1 || return 1
	local kd="kmd.kdump=1 crashkernel=$ck"
	[ "$MODE" = capture ] && kd="kmd.kdump=0"
	KMD_BUILD=$OUT/snap-$CAPK KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$d/console.log" 1800 \
		"$OUT/initramfs-$CAPK.cpio.gz" \
		"kmd.mode=scenario kmd.bench=capture kmd.freeze=$fr $kd kmd.marker=$marker kunit.enable=0 crash_kexec_post_notifiers $RAMOOPS" \
		-action reboot=reset \
		-machine memory-backend=mem \
		-object "memory-backend-file,id=mem,size=$ram,mem-path=$ramf,share=on" \
		-object "memory-backend-file,id=shm,size=1M,mem-path=$shm,share=on" \
		-device ivshmem-plain,memdev=shm \
		-device i6300esb -action watchdog=pause \
		-device pvpanic-pci -action panic=pause \
		-device vmcoreinfo \
		-virtfs "local,path=$d/share,mount_tag=kmdout,security_model=none,id=kmdout" \
		-qmp "unix:$d/qmp.sock,server=on,wait=off" \
		-qmp "unix:$d/qmp2.sock,server=on,wait=off" &
	qemu=$!
	for _ in $(seq 100); do
		[ -S "$d/qmp2.sock" ] && [ -f "$ramf" ] && break
		sleep 0.2
	done
	if [ -n "$search" ]; then   # kdump only: no kmemdump, no full dump
		touch "$d/mdfw.done"
		python3 "$TOP/scripts/bench-qmp.py" "$d/qmp2.sock" --after "$d/mdfw.done" \
			--result "$d/run.json" --continue "$d/console.log" --run-timeout "${BENCH_CK_TIMEOUT:-150}" --quit \
			> "$d/qmp.log" 2>&1
	else
		# --capture: kmemdump and the floor only; bench-qmp.py takes the
		# event's timestamp, then quits QEMU once mdfw is done.
		local peers="--dump $d/full.elf --continue $d/console.log"
		[ "$MODE" = capture ] && peers=
		python3 "$TOP/scripts/bench-qmp.py" "$d/qmp2.sock" --after "$d/mdfw.done" \
			$peers --result "$d/run.json" --quit > "$d/qmp.log" 2>&1 &
		helper=$!
		python3 "$TOP/scripts/bench-report.py" watch "$d" "$d/files.json" 960 "$d/mdfw.done" \
			> "$d/watch.log" 2>&1 &
		watcher=$!
		"$MDFW" capture --qmp "$d/qmp.sock" --ram "$ramf" --ram-size "$ram" \
			--shm "$shm" --out "$d/dump" --timeout 900 > "$d/mdfw.log" 2>&1
		echo "mdfw exit $?" >> "$d/mdfw.log"
		# The floor on the same bytes, before dump-guest-memory writes.
		python3 "$TOP/scripts/bench-report.py" floor "$d/dump" "$d" "$d/floor.json" > "$d/floor.log" 2>&1
		touch "$d/mdfw.done"
		wait $watcher
		wait $helper
	fi
	wait $qemu
	rm -f "$shm" "$ramf"
	stat -c '%n %s' "$d"/share/vmcore.* > "$d/share-sizes.txt" 2>/dev/null
	[ "$MODE" = capture ] && return 0
	[ -n "$search" ] && { [ -n "${BENCH_KEEP:-}" ] || rm -f "$d"/share/vmcore.*; return 0; }
	[ -f "$d/full.elf" ] || { log "$ram $fr run $n: no full dump (see $d/qmp.log)"; return 1; }
	# makedumpfile 1.7.2 needs QEMU 7.2's program headers moved (see
	# bench-report.py elf_fixup; 500 bytes rewritten, timed with the first).
	python3 "$TOP/scripts/bench-report.py" timed "$d/mdf-elf.json" "$d/d31.elf" \
		--fixup "$d/full.elf" -- makedumpfile --message-level 22 -E -d 31 \
		"$d/full.elf" "$d/d31.elf" > "$d/mdf-elf.log" 2>&1
	python3 "$TOP/scripts/bench-report.py" timed "$d/mdf-lzo.json" "$d/d31.lzo" -- \
		makedumpfile --message-level 22 -l -d 31 "$d/full.elf" "$d/d31.lzo" \
		> "$d/mdf-lzo.log" 2>&1
	# What a user can read from each dump: checked on the first run.
	[ "$n" = 1 ] && python3 "$TOP/scripts/bench-report.py" check "$d" "$OUT/snap-prod/obj/vmlinux" \
		> "$d/check.log" 2>&1
	[ -n "${BENCH_KEEP:-}" ] || rm -f "$d/full.elf" "$d/d31.elf" "$d/d31.lzo" "$d/share/vmcore.elf" "$d/share/vmcore.lzo"
	return 0
}

# The smallest crashkernel= with which kdump writes both vmcores, at every
# RAM size: LO must fail and HI work (each moved until they do), then
# bisection down to STEP MiB. Every attempt is a line of crashkernel.txt;
# the matrix runs at the largest of the per-size results.
ck_try() { # ck_try RAM SIZE_MIB: 0 if kdump wrote both vmcores
	local ram=$1 ck=${2}M r=$OUT/runs/ck-$1-${2}M why
	if ! { [ -n "${BENCH_RESUME:-}" ] && [ -f "$r/run.json" ]; }; then
		log "crashkernel search at $ram: crashkernel=$ck"
		capture_run "$ram" panic 0 "$ck" search >&2
	fi
	if grep -q '"kdump_elf_ms"' "$r/run.json" 2>/dev/null && grep -q '"kdump_lzo_ms"' "$r/run.json"; then
		echo "$ram $ck works: $(grep -a -m1 -o 'KDUMP-MEM: .*' "$r/console.log" | tr -d '\r')" >> "$OUT/crashkernel.txt"
		return 0
	fi
	# What the capture kernel (its command line has elfcorehdr=) said.
	tr -d '\r' < "$r/console.log" | awk '/elfcorehdr=/ { on = 1 } /KMD-PSTORE-FOUND/ { on = 0 } on' > "$r/capture-kernel.log"
	if ! grep -aq elfcorehdr= "$r/capture-kernel.log"; then
		why="the capture kernel prints nothing: the machine resets into the BIOS right after kexec"
	elif ! grep -aq KDUMP-START "$r/capture-kernel.log"; then
		why="the capture kernel never reaches its init: $(grep -a -m2 -E 'Out of memory|Kernel panic' "$r/capture-kernel.log" | sed 's/^\[ *[0-9.]*\] //' | tr '\n' ';' | cut -c1-200)"
	else
		why="$(grep -a -E 'KDUMP-(MEM|lzo-DONE|elf-DONE)|Out of memory: Killed' "$r/capture-kernel.log" | sed 's/^\[ *[0-9.]*\] //; s/ total-vm.*//' | tr -s ' ' | tr '\n' ';' | cut -c1-300)"
		grep -aq KDUMP-END "$r/capture-kernel.log" || why="$why no KDUMP-END within ${BENCH_CK_TIMEOUT:-150} s"
	fi
	echo "$ram $ck fails: $why" >> "$OUT/crashkernel.txt"
	return 1
}
ck_search() { # ck_search RAM: prints the smallest working size in MiB
	local ram=$1 lo hi mid step=${BENCH_CK_STEP:-2}
	lo=$(( $(echo "${BENCH_CK_LO:-24M}" | tr -d M) )) hi=$(( $(echo "${BENCH_CK_HI:-32M}" | tr -d M) ))
	until ! ck_try "$ram" "$lo"; do
		hi=$lo lo=$((lo / 2))
		[ "$lo" -lt 8 ] && { echo "$hi"; return; }
	done
	until ck_try "$ram" "$hi"; do
		lo=$hi hi=$((hi * 2))
		[ "$hi" -gt 512 ] && return 1
	done
	while [ $((hi - lo)) -gt "$step" ]; do
		mid=$(( (lo + hi) / 2 / step * step ))
		[ "$mid" -le "$lo" ] && mid=$((lo + step))
		if ck_try "$ram" "$mid"; then hi=$mid; else lo=$mid; fi
	done
	echo "$hi"
}
[ "$MODE" = capture ] && CRASHKERNEL=-   # no kdump in these boots
if [ "$MODE" = kernel ]; then   # no boots but the kernel-side ones
	CRASHKERNEL=${BENCH_CRASHKERNEL:-$(sed -n 's/^smallest=\([^ ]*\).*/\1/p' "$OUT/crashkernel.txt" 2>/dev/null)}
	CRASHKERNEL=${CRASHKERNEL:-?}
fi
if [ -z "${CRASHKERNEL:-}" ]; then
	CRASHKERNEL=${BENCH_CRASHKERNEL:-}
	if [ -z "$CRASHKERNEL" ] && [ -f "$OUT/crashkernel.txt" ] && [ -n "${BENCH_RESUME:-}" ]; then
		CRASHKERNEL=$(sed -n 's/^smallest=\([^ ]*\).*/\1/p' "$OUT/crashkernel.txt")
	fi
	if [ -z "$CRASHKERNEL" ]; then
		: > "$OUT/crashkernel.txt"
		worst=0
		for ram in $SIZES; do
			m=$(ck_search "$ram") || die "no crashkernel= up to 512M worked at $ram, see $OUT/crashkernel.txt"
			echo "smallest at $ram: ${m}M" >> "$OUT/crashkernel.txt"
			[ "$m" -gt "$worst" ] && worst=$m
		done
		CRASHKERNEL=${worst}M
		echo "smallest=$CRASHKERNEL for all of $SIZES" >> "$OUT/crashkernel.txt"
	fi
fi
if [ "$MODE" = ck ]; then
	cat "$OUT/crashkernel.txt"
	exit 0
fi
log "crashkernel=$CRASHKERNEL"

complete() { # a run with every capture
	[ -f "$1/dump/capture.txt" ] && [ -f "$1/floor.json" ] && [ -f "$1/run.json" ] || return 1
	[ "$MODE" = capture ] && return 0
	[ -f "$1/mdf-lzo.json" ] && grep -q '"ok": true' "$1/mdf-lzo.json" && grep -q KMD-PSTORE-DONE "$1/console.log"
}
# Round robin: boot n of every size and freeze before boot n + 1, so that
# what else the host does (its disk's fsync latency above all) falls on
# every size alike, not on one block of runs.
[ "$MODE" = kernel ] && SIZES_RUN= || SIZES_RUN=$SIZES
for n in $(seq "$RUNS"); do
	for ram in $SIZES_RUN; do
		for fr in $FREEZES; do
			complete "$OUT/runs/$ram-$fr-$n" && { log "capture $ram $fr run $n: kept"; continue; }
			for attempt in 1 2 3; do
				log "capture $ram $fr run $n/$RUNS$([ $attempt -gt 1 ] && echo " (retry $((attempt - 1)))")"
				capture_run "$ram" "$fr" "$n" "$CRASHKERNEL" && complete "$OUT/runs/$ram-$fr-$n" && break
				log "capture $ram $fr run $n failed (attempt $attempt)"
			done
		done
	done
done

# --- report ------------------------------------------------------------------
end=$(date +%s)
if [ "$MODE" = capture ]; then
	python3 "$TOP/scripts/bench-report.py" capture-report "$OUT" --sizes "$SIZES" --runs "$RUNS" \
		--freezes "$FREEZES" --kernel "$CAPK" --elapsed $((end - start)) || die "report failed"
	cat "$OUT/capture.md"
	log "done in $((end - start)) s; $OUT/capture.md (docs/bench/capture.md is written by hand from it)"
	exit 0
fi
python3 "$TOP/scripts/bench-report.py" report "$OUT" "$OUT/snap-prod/obj/vmlinux" "${run_id[@]}" \
	--sizes "$SIZES" --runs "$RUNS" --freezes "$FREEZES" --crashkernel "$CRASHKERNEL" \
	--ramoops "$RAMOOPS_SIZE" ${BENCH_RESUME:+--resumed 1} ${SMOKE:+--smoke 1} \
	--elapsed $((end - start)) || die "report failed"
if [ -n "$SMOKE" ]; then
	python3 "$TOP/scripts/bench-report.py" smoke "$OUT" || die "bench smoke failed, see $OUT"
	log "bench smoke ok in $((end - start)) s ($OUT)"
	exit 0
fi
# --kernel: the kernel-side section and its targets; docs/bench/ is left
# as it is (the capture tables there come from a whole run), and so is the
# context-switch bench.
if [ "$MODE" = kernel ]; then
	python3 "$TOP/scripts/bench-report.py" kernel-section "$OUT/results.md"
	log "done in $((end - start)) s; $OUT/results.md (docs/bench/ not touched: a whole make bench copies it)"
	exit 0
fi
mkdir -p "$TOP/docs/bench"
cp "$OUT/results.md" "$OUT"/*.png "$OUT"/*.tsv "$TOP/docs/bench/"
cp "$OUT/summary.md" "$TOP/docs/bench/README.md"
cat "$OUT/results.md"
# Context switches with and without following each CPU's task (the
# explanation and the figures of the last run: docs/bench/context-switch.md).
# BENCH_PROD_KERNEL=use: the same obj-prod as it is, not rebuilt.
swk=()
[ "$PRODK" = use ] && swk=(--kernel "$KOBJ_PROD/arch/x86/boot/bzImage")
"$TOP/scripts/bench-switch.sh" "${swk[@]}" "$OUT/context-switch.md" ||
	log "context-switch bench failed, see $BUILD/bench-switch/"
# The arm64 board's capture; its report becomes docs/bench/arm64.md.
if [ "${BENCH_ARM64:-1}" != 0 ]; then
	if MDFW=$MDFW "$TOP/scripts/bench-arm64.sh"; then
		sed -e "s#$TOP/##g" -e '1s/^## /# /' "$TOP/out/bench-arm64/results.md" > "$TOP/docs/bench/arm64.md"
	else
		log "arm64 capture bench failed, see $TOP/out/bench-arm64/"
	fi
fi
log "done in $((end - start)) s; results in $OUT, copied to docs/bench/"
