#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The project's test command (make check). From a machine that has
# nothing: installs packages, unpacks and patches linux-source-6.12, builds,
# checks the patch series, boots the test kernel in QEMU and runs every
# test. Prints one "ok|not ok|skip NAME" line per test and ends with
# "N passed, N failed, N skipped". Exit status 0 only if nothing failed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

OUT=$BUILD/check
rm -rf "$OUT"; mkdir -p "$OUT"
RES=$OUT/results
: > "$RES"

record() { # record ok|not ok|skip NAME [why]
	local st=$1 name=$2 why=${3:-}
	echo "$st $name${why:+  # $why}" | tee -a "$RES"
}
step() { # step NAME LOGFILE cmd...: run cmd, record by exit status
	local name=$1 logf=$2; shift 2
	if "$@" >"$logf" 2>&1; then
		record ok "$name"
	else
		record "not ok" "$name" "see $logf"
		tail -n 30 "$logf" | sed 's/^/    | /'
		return 1
	fi
}
failures() { # each failure again with its first detail lines, from its log
	echo "== what failed (details: $OUT)"
	awk 'FNR == 1 { n = 0 }
	     /^not ok / { n = 20; print FILENAME ":"; print; next }
	     n > 0 && /^(#|    )/ { print; n--; next }
	     { n = 0 }' "$OUT"/*.txt "$OUT"/*.log 2> /dev/null | cut -c1-300
}
finish() {
	local p f s
	p=$(grep -c '^ok ' "$RES"); f=$(grep -c '^not ok ' "$RES"); s=$(grep -c '^skip ' "$RES")
	# CI keeps the start and end of this output: the details go last.
	[ "$f" -eq 0 ] || failures
	echo "$p passed, $f failed, $s skipped"
	[ "$f" -eq 0 ]
	exit
}

step deps "$OUT/deps.log" "$TOP/scripts/deps.sh" || finish
step kernel-build "$OUT/kernel-build.log" "$TOP/scripts/kernel-build.sh" || finish
step modules-build "$OUT/modules-build.log" "$TOP/scripts/modules-build.sh"
step kmemdump-disabled-build "$OUT/nocfg.log" "$TOP/scripts/kernel-build.sh" --nocfg
step w1-no-new-warnings "$OUT/w1.log" "$TOP/scripts/kernel-build.sh" --w1
# The patch series (series-check.sh --quick): git am on the pristine tree
# gives build/linux, patches/ is what make export writes, MAINTAINERS,
# checkpatch and kernel-doc patch by patch. Building every patch stays in
# make series-check: about 50 s a patch with a warm ccache, too long here.
"$TOP/scripts/series-check.sh" --quick 2> "$OUT/series-check.log" |
	grep -E '^(not ok|ok) ' | tee -a "$RES"
grep -qE '^(not )?ok series\.' "$RES" || record "not ok" series "no result, see $OUT/series-check.log"

# Test guest: built-in KUnit suites run at boot, then tests/guest/t-*.sh.
# Four vCPUs: the panic reserve and the CPU sets beyond two CPUs (a
# phone has eight).
"$TOP/scripts/mkinitramfs.sh" "$OUT/initramfs.cpio.gz"
KMD_GUEST_SMP=4 "$TOP/scripts/run-guest.sh" "$OUT/console.log" "${KMD_TEST_TIMEOUT:-900}" \
	"$OUT/initramfs.cpio.gz" "kmd.mode=test kmemdump_test_memblock"
rc=$?
if [ $rc -ne 0 ]; then
	record "not ok" guest-boot "qemu exit $rc (124: timeout), see $OUT/console.log"
else
	record ok guest-boot
fi
kunit=$KSRC/tools/testing/kunit/kunit.py
sed '/KMD-GUEST-TESTS-BEGIN/,$d' "$OUT/console.log" > "$OUT/kunit.log"
python3 "$kunit" parse --json="$OUT/kunit.json" "$OUT/kunit.log" > "$OUT/kunit.txt" 2>&1
python3 "$TOP/scripts/ktap-count.py" kunit. < "$OUT/kunit.json" | tee -a "$RES"
grep -q '^ok kunit\.kmemdump\.' "$RES" || record "not ok" kunit.kmemdump "suite did not run"
sed -n '/KMD-GUEST-TESTS-BEGIN/,/KMD-GUEST-TESTS-END/p' "$OUT/console.log" > "$OUT/guest.log"
python3 "$kunit" parse --json="$OUT/guest.json" "$OUT/guest.log" > "$OUT/guest.txt" 2>&1
python3 "$TOP/scripts/ktap-count.py" "" < "$OUT/guest.json" | tee -a "$RES"
# Splats anywhere in the boot fail the run, whichever test caused them.
# Except the one warning a guest test provokes on purpose, between markers.
if sed '/KMD-EXPECTED-WARN-BEGIN/,/KMD-EXPECTED-WARN-END/d' "$OUT/console.log" |
	grep -E 'BUG:|WARNING:|KASAN|possible circular|inconsistent lock|Call Trace' > "$OUT/splats.txt"; then
	record "not ok" guest-no-splats "$(head -1 "$OUT/splats.txt")"
else
	record ok guest-no-splats
fi

# The same suites on PREEMPT_RT, where only a raw lock works in hard
# interrupt context: KUnit at boot, with lockdep, and no splat.
if step kernel-build-rt "$OUT/kernel-build-rt.log" "$TOP/scripts/kernel-build.sh" --rt; then
	KMD_KERNEL=$KOBJ_RT/arch/x86/boot/bzImage "$TOP/scripts/run-guest.sh" \
		"$OUT/console-rt.log" "${KMD_TEST_TIMEOUT:-900}" "$OUT/initramfs.cpio.gz" \
		"kmd.mode=kunit kmemdump_test_memblock" || record "not ok" rt.guest-boot "see $OUT/console-rt.log"
	grep -q 'PREEMPT_RT' "$OUT/console-rt.log" && record ok rt.preempt-rt ||
		record "not ok" rt.preempt-rt "the RT kernel does not say PREEMPT_RT"
	python3 "$kunit" parse --json="$OUT/kunit-rt.json" "$OUT/console-rt.log" > "$OUT/kunit-rt.txt" 2>&1
	python3 "$TOP/scripts/ktap-count.py" rt.kunit. < "$OUT/kunit-rt.json" | tee -a "$RES"
	grep -q '^ok rt\.kunit\.kmemdump\.' "$RES" || record "not ok" rt.kunit.kmemdump "suite did not run"
	if grep -E 'BUG:|WARNING:|KASAN|possible circular|inconsistent lock|Call Trace' \
		"$OUT/console-rt.log" > "$OUT/splats-rt.txt"; then
		record "not ok" rt.guest-no-splats "$(head -1 "$OUT/splats-rt.txt")"
	else
		record ok rt.guest-no-splats
	fi
fi

# The seed's scenario on the QEMU board (tools/mdfw is the firmware).
make -s -C "$TOP/tools/mdfw" > "$OUT/mdfw-build.log" 2>&1 ||
	record "not ok" mdfw-build "see $OUT/mdfw-build.log"
scenario() { # scenario NAME FREEZE RAM BELOW_4G EXTRA [STORM]
	local name=$1; shift
	"$TOP/scripts/scenario.sh" "$OUT/scenario-$name" "$@" > "$OUT/scenario-$name.txt" 2>&1
	grep -E '^(not )?ok |^# ' "$OUT/scenario-$name.txt" |
		sed -E "s/^(not ok|ok) scenario\.[a-z]+\./\1 scenario.$name./" | tee -a "$RES"
	grep -qE '^(not )?ok ' "$OUT/scenario-$name.txt" ||
		record "not ok" "scenario.$name" "no result, see $OUT/scenario-$name"
}
# The panic run also copies kmemdump's live view (debugfs kmemdump/core)
# out before it freezes, and drgn reads it (liveview-*).
KMD_FULL_DUMP=1 KMD_APPEND=kmd.liveview=1 scenario panic panic 512M "" 0
KMD_FULL_DUMP=1 scenario lockup lockup 512M "" 0
KMD_EXPECT_HIGH=1 scenario above-4g panic 1G 256M 0
scenario 200-regions panic 512M "" 200
scenario storm panic 512M "" 0 4
# A panic while CPU 1 spins with its runqueue lock held (issue 18): the
# panic must not wait for that lock, and the dump holds both CPUs' stacks;
# with each CPU's task followed (its CPU sets), and without.
scenario rqlock rqlock 512M "" 0
KMD_APPEND=kmemdump_ivshmem.follow_cpus=0 scenario rqlock-nofollow rqlock 512M "" 0
scenario panic-on-warn warn 512M "" 0
random_instant() { # random_instant NAME KIND: random-instant.sh's lines
	"$TOP/scripts/random-instant.sh" "$OUT/scenario-$1" "" "" "$2" > "$OUT/scenario-$1.txt" 2>&1
	grep -E '^(not )?ok |^# ' "$OUT/scenario-$1.txt" | tee -a "$RES"
	grep -qE '^(not )?ok ' "$OUT/scenario-$1.txt" ||
		record "not ok" "scenario.$1" "no result, see $OUT/scenario-$1.txt"
}
# Random instants (issue 8): the host pauses a guest whose every CPU
# registers and unregisters regions, 100 times, and checks each capture.
random_instant random-instant storm
# ... and one whose every CPU switches tasks without end (a ping-pong),
# 300 times: every CPU's stack pointer in a stack the dump holds, and gdb
# unwinds it to the bottom (issue 18).
random_instant pingpong pingpong

# The panic and lockup dumps in crash, drgn and gdb, against the full dump.
for m in panic lockup; do
	"$TOP/tests/debuggers/check-dump.sh" "$OUT/scenario-$m" "$OUT/scenario-$m/vmlinux" "$m" \
		> "$OUT/debuggers-$m.txt" 2>&1
	grep -E '^(not ok|ok|skip) ' "$OUT/debuggers-$m.txt" | tee -a "$RES"
	grep -qE '^(not )?ok ' "$OUT/debuggers-$m.txt" ||
		record "not ok" "debuggers.$m" "no result, see $OUT/debuggers-$m.txt"
	rm -f "$OUT/scenario-$m/full.elf"   # hundreds of MiB, compared already
done

# Host tools.
if [ -d "$TOP/tools/mdfw" ]; then
	make -s -C "$TOP/tools/mdfw" check > "$OUT/mdfw.log" 2>&1
	grep -E '^(not )?ok ' "$OUT/mdfw.log" | sed -E 's/^(not ok|ok) [0-9]+ - /\1 mdfw./' | tee -a "$RES"
	tail -1 "$OUT/mdfw.log" | grep -q ' 0 failed' || record "not ok" mdfw "see $OUT/mdfw.log"
fi
# The firmware's parsers under libFuzzer, briefly (tools/mdfw fuzz-smoke).
if [ -d "$TOP/tools/mdfw/fuzz" ]; then
	make -s -C "$TOP/tools/mdfw" fuzz-smoke > "$OUT/mdfw-fuzz.log" 2>&1
	grep -E '^(not )?ok ' "$OUT/mdfw-fuzz.log" | sed -E 's/^(not ok|ok) [0-9]+ - /\1 mdfw./' | tee -a "$RES"
	tail -1 "$OUT/mdfw-fuzz.log" | grep -q ' 0 failed' || record "not ok" mdfw-fuzz "see $OUT/mdfw-fuzz.log"
fi

# The benchmark's scripts, so they cannot rot: one boot per freeze at
# 256 MiB on the production kernel (build/obj-prod), every capture method.
BENCH_OUT=$OUT/bench-smoke "$TOP/scripts/bench.sh" --smoke > "$OUT/bench-smoke.txt" 2>&1
grep -E '^(not )?ok ' "$OUT/bench-smoke.txt" | tee -a "$RES"
grep -qE '^(not )?ok ' "$OUT/bench-smoke.txt" ||
	record "not ok" bench.smoke "no result, see $OUT/bench-smoke.txt"
# The context-switch benchmark (following each CPU's task on and off), one
# short run on the same kernel.
step bench.switch-smoke "$OUT/bench-switch.log" "$TOP/scripts/bench-switch.sh" --smoke

# The arm64 board: cross-built kernel, SMEM set up by mdfw as the boot
# firmware, the kernel's qcom_smem driver, KUnit and guest tests.
"$TOP/scripts/arm64-check.sh" > "$OUT/arm64.log" 2>&1
grep -E '^(not ok|ok|skip) ' "$OUT/arm64.log" | tee -a "$RES"
grep -qE '^(not )?ok ' "$OUT/arm64.log" || record "not ok" arm64 "no result, see $OUT/arm64.log"
# The seed's scenario on the arm64 board, through SMEM item 602 (issue 12):
# panic, lockup, 200 extra regions, a register/unregister storm; the same
# byte-exact checks as on x86 (tests/scenario/verify.py).
arm64_scenario() { # arm64_scenario NAME FREEZE RAM EXTRA STORM
	local name=$1; shift
	"$TOP/scripts/arm64-scenario.sh" "$OUT/arm64-scenario-$name" "$@" \
		> "$OUT/arm64-scenario-$name.txt" 2>&1
	grep -E '^(not )?ok |^# ' "$OUT/arm64-scenario-$name.txt" |
		sed -E "s/^(not ok|ok) scenario\.[a-z]+\./\1 arm64.scenario.$name./" | tee -a "$RES"
	grep -qE '^(not )?ok ' "$OUT/arm64-scenario-$name.txt" ||
		record "not ok" "arm64.scenario.$name" "no result, see $OUT/arm64-scenario-$name"
}
if grep -q '^ok arm64.kernel-build' "$OUT/arm64.log"; then
	arm64_scenario panic panic 512M 0 0
	arm64_scenario lockup lockup 512M 0 0
	arm64_scenario 200-regions panic 512M 200 0
	arm64_scenario storm panic 512M 0 4
	# The arm64 panic and lockup dumps in drgn and gdb-multiarch (crash:
	# Debian's is built for x86_64 dumps only, a measured skip).
	for m in panic lockup; do
		"$TOP/tests/debuggers/check-dump-arm64.sh" "$OUT/arm64-scenario-$m" "$m" \
			> "$OUT/arm64-debuggers-$m.txt" 2>&1
		grep -E '^(not ok|ok|skip) ' "$OUT/arm64-debuggers-$m.txt" | tee -a "$RES"
		grep -qE '^(not )?ok ' "$OUT/arm64-debuggers-$m.txt" ||
			record "not ok" "arm64.debuggers.$m" "no result, see $OUT/arm64-debuggers-$m.txt"
	done
fi
finish
