#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh BUILD SECONDS smoke|long HARNESS...: run each libFuzzer harness
# BUILD/fuzz_<harness> for SECONDS on its seed corpus (fuzz/corpus/<h>/,
# never modified: new inputs go to a scratch directory for "smoke", to
# BUILD/corpus/<h>/ for "long"), and print one line per harness:
#   ok N - fuzz.<harness> (<execs> execs, 0 crashes)
#   not ok N - fuzz.<harness> (<execs> execs, 1 crash: <artifact>)
# then "N passed, N failed". A crash input is kept as
# BUILD/artifacts/<harness>-crash-<sha1>; reproduce with
# BUILD/fuzz_<harness> <that file>.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=$1 secs=$2 mode=$3
shift 3
declare -A maxlen=([table]=12000 [elfhdr]=16384 [info]=16384
		   [manifest]=8192)

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
	"$build/fuzz_$h" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=2048 -max_len="${maxlen[$h]:-16384}" \
		-close_fd_mask=3 -print_final_stats=1 \
		-artifact_prefix="$build/artifacts/$h-" \
		"$work" "$here/corpus/$h" > "$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -1)
	execs=${execs:-$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")}
	art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
	if [ "$rc" -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		passed=$((passed + 1))
		echo "ok $n - fuzz.$h ($execs execs, 0 crashes)"
	else
		failed=$((failed + 1))
		echo "not ok $n - fuzz.$h (${execs:-0} execs, 1 crash:" \
			"${art:-exit $rc}, see $log)"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" |
			head -5 | sed 's/^/# /'
	fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
