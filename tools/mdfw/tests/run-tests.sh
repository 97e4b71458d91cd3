#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the mdfw test suite against one or more build directories (each with
# mdfw and tests/ binaries, e.g. "build" and "build/asan"), printing one
# KTAP-style line per test case, numbered across everything:
#   ok N - <build>: <suite>: <case>      /   not ok N - ...
# and finally "N passed, N failed". Exit status 1 if anything failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
export PYTHONDONTWRITEBYTECODE=1
unit_tests="test_gpa test_table test_misc test_fuzz test_elf test_smem"
unit_tests="$unit_tests test_cpuregs test_linear test_cpusets test_collector"
script_tests="test_extract.py test_qmp.py test_elf.py test_info.py"
script_tests="$script_tests test_cpuregs.py test_smem.py test_cpusets.py"
script_tests="$script_tests test_atomic.py test_collector.py"

n=0
passed=0
failed=0

report() {	# report ok|notok "description"
	n=$((n + 1))
	if [ "$1" = ok ]; then
		passed=$((passed + 1))
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
	fi
}

# run_suite LABEL CMD...: renumber the suite's "ok - x" lines.
run_suite() {
	local label=$1 out rc line cases=0 bad=0
	shift
	out=$(mktemp)
	"$@" >"$out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case "$line" in
		"ok - "*)
			cases=$((cases + 1))
			report ok "$label: ${line#ok - }"
			;;
		"not ok - "*)
			cases=$((cases + 1))
			bad=$((bad + 1))
			report notok "$label: ${line#not ok - }"
			;;
		"#"*)
			echo "$line"
			;;
		*)
			echo "# $line"
			;;
		esac
	done <"$out"
	rm -f "$out"
	# A crash (sanitizer abort) or a silent failure is a failure too.
	if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then
		report notok "$label: exited with status $rc"
	elif [ "$cases" -eq 0 ]; then
		report notok "$label: reported no results"
	fi
}

echo "KTAP version 1"
for b in "$@"; do
	build=$(cd "$b" && pwd)
	case "$build" in
	*/asan) export ASAN_OPTIONS=abort_on_error=0:detect_leaks=1
		export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
		# The fuzzer is ~10x slower under ASan.
		export MDFW_FUZZ_ITERS=20000 ;;
	*)	unset ASAN_OPTIONS UBSAN_OPTIONS MDFW_FUZZ_ITERS ;;
	esac
	for t in $unit_tests; do
		run_suite "$b: $t" "$build/tests/$t"
	done
	for t in $script_tests; do
		run_suite "$b: $t" env MDFW="$build/mdfw" \
			python3 "$here/$t"
	done
done
echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
