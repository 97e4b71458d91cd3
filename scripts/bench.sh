#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: kmemdump against full-RAM dumps, plus the kernel-side costs.
#
#   bench.sh            3 RAM sizes x 5 runs (BENCH_SIZES, BENCH_RUNS override)
#
# Capture runs: each run is one boot of the scenario guest
# (tests/bench/run.sh, job "capture": kmemdump_scenario's regions, then a
# panic; pvpanic pauses the VM). On the one frozen VM, in this order:
#   1. mdfw capture (QMP socket 1): the registered regions -> dump/;
#   2. dump-guest-memory to ELF (QMP socket 2, scripts/bench-qmp.py): all RAM;
#   3. makedumpfile -d 31 of that ELF: as ELF (-E) and LZO-compressed (-l).
# Every output is fsynced (file and directory) before its clock stops.
# Guest RAM is a file in /dev/shm (mdfw reads it), so the guest's own RAM
# is never written back to the disk the dumps are timed on.
# Kernel run: one boot without the ivshmem device (default backend active),
# job "kernel": kmemdump_bench.ko prints KMD-BENCH lines.
#
# Results: out/bench/ (results.md, *.tsv, *.png, per-run logs in runs/);
# the table is printed on stdout and copied with the plots to docs/bench/.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
OUT=$TOP/out/bench
SIZES=${BENCH_SIZES:-256M 1G 4G}
RUNS=${BENCH_RUNS:-5}
MDFW=$TOP/tools/mdfw/build/mdfw
SHMDIR=${BENCH_SHMDIR:-/dev/shm}
tag=kmd-bench-$$

# Build whatever is missing (incremental: seconds when all is there).
"$TOP/scripts/deps.sh"
mkdir -p "$BUILD"
"$TOP/scripts/kernel-build.sh" > "$BUILD/bench-build.log" 2>&1 ||
	die "kernel build failed, see $BUILD/bench-build.log"
"$TOP/scripts/modules-build.sh" || die "test modules do not build"
make -s -C "$TOP/tools/mdfw" >/dev/null || die "cannot build mdfw"
for t in qemu-system-x86_64 makedumpfile gnuplot python3 nm; do
	command -v $t >/dev/null || die "$t not found (Debian: qemu-system-x86, makedumpfile, gnuplot-nox, binutils)"
done

# BENCH_RESUME=1 keeps the capture runs already complete (e.g. after QEMU
# was killed from outside) and only does the missing ones.
[ -n "${BENCH_RESUME:-}" ] || rm -rf "$OUT/runs"
rm -rf "$OUT/initrd"
mkdir -p "$OUT/runs" "$OUT/initrd/scenario" "$OUT/initrd/lib/modules"
cleanup() { rm -f "$SHMDIR/$tag".*; }
trap cleanup EXIT
start=$(date +%s)

# The benchmark module, built against the kernel like scripts/modules-build.sh
# does, but in out/ (scripts/modules-build.sh builds it into build/modules/
# as well: every directory of tests/modules/ is built there).
log "building kmemdump_bench.ko"
mkdir -p "$OUT/modules/kmemdump_bench"
rsync -rc "$TOP/tests/modules/kmemdump_bench/" "$OUT/modules/kmemdump_bench/"
kmake "$KOBJ" M="$OUT/modules/kmemdump_bench" W=1 modules >"$OUT/modules/build.log" 2>&1 ||
	{ cat "$OUT/modules/build.log" >&2; die "kmemdump_bench.ko does not build"; }
# Snapshot the kernel and modules: build/ may be rebuilt while we run, and
# the dumps must be opened with the vmlinux that made them.
# BENCH_RESUME keeps the snapshot the kept runs were made with.
snap=$OUT/snap
if [ -z "${BENCH_RESUME:-}" ] || [ ! -f "$snap/obj/vmlinux" ]; then
	rm -rf "$snap"; mkdir -p "$snap/obj/arch/x86/boot" "$snap/modules"
	cp "$KOBJ/arch/x86/boot/bzImage" "$snap/obj/arch/x86/boot/"
	cp "$KOBJ/vmlinux" "$snap/obj/"
	for ko in "$BUILD"/modules/*/*.ko; do
		n=$(basename "$(dirname "$ko")")
		[ "$n" = kmemdump_bench ] && continue
		mkdir -p "$snap/modules/$n"; cp "$ko" "$snap/modules/$n/"
	done
	cp "$OUT/modules/kmemdump_bench/kmemdump_bench.ko" "$snap/"
fi
export KMD_BUILD=$snap
BUILD=$snap KOBJ=$snap/obj
cp "$TOP/tests/bench/run.sh" "$OUT/initrd/scenario/run.sh"
cp "$snap/kmemdump_bench.ko" "$OUT/initrd/lib/modules/"
"$TOP/scripts/mkinitramfs.sh" "$OUT/initramfs.cpio.gz" "$OUT/initrd" || die "initramfs"

# --- kernel-side costs ------------------------------------------------------
log "kernel bench (guest without ivshmem: default backend)"
for attempt in 1 2 3; do
	KMD_GUEST_MEM=512M "$TOP/scripts/run-guest.sh" "$OUT/runs/kernel-console.log" 600 \
		"$OUT/initramfs.cpio.gz" "kmd.mode=scenario kmd.bench=kernel kunit.enable=0" ||
		log "kernel bench guest: exit $?"
	grep -aq KMD-BENCH-END "$OUT/runs/kernel-console.log" && break
done
nm --size-sort -S "$KOBJ/vmlinux" | grep -iE 'kmemdump|qcom_md|kmd_' > "$OUT/runs/nm.txt"

# --- capture runs -----------------------------------------------------------
capture_run() { # capture_run RAM N
	local ram=$1 n=$2 d=$OUT/runs/$1-$2 shm=$SHMDIR/$tag.shm ramf=$SHMDIR/$tag.ram qemu helper
	local marker=KMEMDUMP-MARKER-$RANDOM$RANDOM
	mkdir -p "$d"
	rm -f "$shm" "$ramf"
	"$MDFW" init --shm "$shm" --shm-size 1M > "$d/mdfw-init.log" 2>&1 || return 1
	KMD_GUEST_MEM=$ram "$TOP/scripts/run-guest.sh" "$d/console.log" 900 \
		"$OUT/initramfs.cpio.gz" \
		"kmd.mode=scenario kmd.bench=capture kmd.marker=$marker kunit.enable=0 panic=0" \
		-machine memory-backend=mem \
		-object "memory-backend-file,id=mem,size=$ram,mem-path=$ramf,share=on" \
		-object "memory-backend-file,id=shm,size=1M,mem-path=$shm,share=on" \
		-device ivshmem-plain,memdev=shm \
		-device pvpanic-pci -action panic=pause \
		-device vmcoreinfo \
		-qmp "unix:$d/qmp.sock,server=on,wait=off" \
		-qmp "unix:$d/qmp2.sock,server=on,wait=off" &
	qemu=$!
	for _ in $(seq 100); do
		[ -S "$d/qmp2.sock" ] && [ -f "$ramf" ] && break
		sleep 0.2
	done
	python3 "$TOP/scripts/bench-qmp.py" "$d/qmp2.sock" --after "$d/mdfw.done" \
		--dump "$d/full.elf" --result "$d/dgm.json" --quit > "$d/qmp.log" 2>&1 &
	helper=$!
	"$MDFW" capture --qmp "$d/qmp.sock" --ram "$ramf" --ram-size "$ram" \
		--shm "$shm" --out "$d/dump" --timeout 600 > "$d/mdfw.log" 2>&1
	echo "mdfw exit $?" >> "$d/mdfw.log"
	touch "$d/mdfw.done"
	wait $helper
	wait $qemu
	rm -f "$shm" "$ramf"
	[ -f "$d/full.elf" ] || { log "$ram run $n: no full dump (see $d/qmp.log)"; return 1; }
	# makedumpfile 1.7.2 needs QEMU 7.2's program headers moved (see
	# bench-report.py elf_fixup; 500 bytes rewritten, timed with the first).
	python3 "$TOP/scripts/bench-report.py" timed "$d/mdf-elf.json" "$d/d31.elf" \
		--fixup "$d/full.elf" -- makedumpfile --message-level 22 -E -d 31 \
		"$d/full.elf" "$d/d31.elf" > "$d/mdf-elf.log" 2>&1
	python3 "$TOP/scripts/bench-report.py" timed "$d/mdf-lzo.json" "$d/d31.lzo" -- \
		makedumpfile --message-level 22 -l -d 31 "$d/full.elf" "$d/d31.lzo" \
		> "$d/mdf-lzo.log" 2>&1
	# What a user can read from each dump: checked on the first run.
	[ "$n" = 1 ] && python3 "$TOP/scripts/bench-report.py" check "$d" "$KOBJ/vmlinux" \
		> "$d/check.log" 2>&1
	[ -n "${BENCH_KEEP:-}" ] || rm -f "$d/full.elf" "$d/d31.elf" "$d/d31.lzo"
	return 0
}

complete() { # a run with every capture
	[ -f "$1/dump/capture.txt" ] && [ -f "$1/dgm.json" ] && [ -f "$1/mdf-lzo.json" ] &&
		grep -q '"ok": true' "$1/mdf-lzo.json"
}
for ram in $SIZES; do
	for n in $(seq "$RUNS"); do
		complete "$OUT/runs/$ram-$n" && { log "capture $ram run $n: kept"; continue; }
		# A run that breaks (QEMU killed from outside, ...) is redone, twice at most.
		for attempt in 1 2 3; do
			log "capture $ram run $n/$RUNS$([ $attempt -gt 1 ] && echo " (retry $((attempt - 1)))")"
			rm -rf "$OUT/runs/$ram-$n"
			capture_run "$ram" "$n" && complete "$OUT/runs/$ram-$n" && break
			log "capture $ram run $n failed (attempt $attempt)"
		done
	done
done

# --- report -----------------------------------------------------------------
end=$(date +%s)
# A resumed run's duration says nothing about a full one: left out.
python3 "$TOP/scripts/bench-report.py" report "$OUT" "$KOBJ/vmlinux" \
	--sizes "$SIZES" --runs "$RUNS" ${BENCH_RESUME:+--resumed 1} --elapsed $((end - start)) ||
	die "report failed"
mkdir -p "$TOP/docs/bench"
cp "$OUT/results.md" "$OUT"/*.png "$OUT"/*.tsv "$TOP/docs/bench/"
cp "$OUT/summary.md" "$TOP/docs/bench/README.md"
cat "$OUT/results.md"
log "done in $((end - start)) s; results in $OUT, copied to docs/bench/"
