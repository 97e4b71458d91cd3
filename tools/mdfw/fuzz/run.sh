#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD SECONDS smoke|long HARNESS...: run each libFuzzer harness
# BUILD/fuzz_<harness> for SECONDS on its seed corpus (fuzz/corpus/<h>/,
# never modified: new inputs go to a scratch directory for "smoke", to
# BUILD/corpus/<h>/ for "long"), and print one line per harness:
#   ok N - fuzz.<harness> (<execs> execs, 0 crashes, 0 timeouts, slowest
#       <2 s, max_len M)
#   not ok N - fuzz.<harness> (<execs> execs, 1 crash: <artifact>, ...)
# then "N passed, N failed".
#
# The harnesses look for slow inputs as well as crashes: inputs up to
# max_len bytes (4 MiB, or the parser's own cap: manifest.tsv is at most
# 1 MiB) and any one input taking longer than FUZZ_UNIT_TIMEOUT seconds
# (10) is a failure (libFuzzer's -timeout), so a parse whose work is
# superlinear in its input fails here, not only one that crashes. Slow
# inputs (the grown ones, fuzz/grow.h) get less of the fuzzing time
# (-entropic_scale_per_exec_time), so small inputs are still mutated at
# speed.
# A failing input is kept as BUILD/artifacts/<harness>-{crash,timeout,
# oom,leak}-<sha1>; reproduce with BUILD/fuzz_<harness> <that file>. An
# input taking 2 s or more is reported (the line's "slowest") and kept as
# BUILD/artifacts/<harness>-slow-unit-<sha1>, without failing.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 secs=$2 mode=$3
shift 3
MiB=$((1 << 20))
declare -A maxlen=([table]=$((4 * MiB)) [elfhdr]=$((4 * MiB))
		   [info]=$((4 * MiB)) [cpuregs]=$((4 * MiB))
		   [smem]=$((4 * MiB)) [cpusets]=$((4 * MiB))
		   [manifest]=$MiB)
unit_timeout=${FUZZ_UNIT_TIMEOUT:-10}

n=0 passed=0 failed=0
mkdir -p "$build/artifacts"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for h in "$@"; do
	n=$((n + 1))
	if [ "$mode" = long ]; then
		work=$build/corpus/$h
	else
		work=$scratch/$h
	fi
	mkdir -p "$work"
	log=$build/fuzz-$h.log
	ASAN_OPTIONS=abort_on_error=0:detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	"$build/fuzz_$h" -max_total_time="$secs" -timeout="$unit_timeout" \
		-report_slow_units=2 -entropic_scale_per_exec_time=1 \
		-rss_limit_mb=2048 \
		-max_len="${maxlen[$h]:-$((4 * MiB))}" \
		-close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$h-" \
		"$work" "$here/corpus/$h" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -1)
	execs=${execs:-$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")}
	slow=$(sed -n 's/^stat::slowest_unit_time_sec: *//p' "$log" | tail -1)
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	# libFuzzer counts only units of -report_slow_units seconds or more.
	[ "${slow:-0}" -ge 2 ] 2>/dev/null && slow="$slow s" || slow="<2 s"
	stats="slowest $slow, max_len ${maxlen[$h]:-$((4 * MiB))}"
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		passed=$((passed + 1))
		echo "ok $n - fuzz.$h ($execs execs, 0 crashes, 0 timeouts," \
			"$stats)"
	else
		failed=$((failed + 1))
		case "${art##*/}" in
		"$h-timeout-"*)	what="0 crashes, 1 timeout (over ${unit_timeout} s)"
				stats="max_len ${maxlen[$h]:-$((4 * MiB))}" ;;
		"$h-oom-"*)	what="1 crash (out of memory)" ;;
		"$h-leak-"*)	what="1 crash (leak)" ;;
		*)		what="1 crash" ;;
		esac
		echo "not ok $n - fuzz.$h (${execs:-0} execs, $what:" \
			"${art:-exit $rc}, $stats, see $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM)' \
			"$log" | head -5 | sed 's/^/# /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
