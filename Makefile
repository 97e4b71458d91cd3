# SPDX-License-Identifier: GPL-2.0
# kmemdump: the two commands are `make demo` (the firmware scenario) and
# `make check` (every test). See README.md.

.PHONY: all check demo kernel tree export series-check tools bench clean-check fuzz

all: kernel tools

# Every test; ends with "N passed, N failed, N skipped".
check:
	@scripts/check.sh

# The seed's scenario end to end: boot, freeze, capture, show the dump.
demo:
	@scripts/demo.sh

kernel:
	scripts/deps.sh
	scripts/kernel-build.sh
	scripts/modules-build.sh

# build/linux: pristine linux-source-6.12 + the series in patches/, a git
# tree (branch kmemdump). FORCE=1 discards work there that patches/ lacks.
tree:
	@scripts/tree.sh

# build/linux's commits back to patches/ (git format-patch, stable form).
export:
	@scripts/export.sh

# Every patch: applies, checkpatch/kernel-doc clean, builds (x86, and
# arm64 where it matters). SERIES_CHECK_FLAGS: --quick, --from N, --to N...
series-check:
	@scripts/series-check.sh $(SERIES_CHECK_FLAGS)

tools:
	$(MAKE) -C tools/mdfw

# The firmware's libFuzzer harnesses, FUZZ_TIME seconds each (default 600;
# make check runs them briefly as mdfw.fuzz.*). Needs clang.
fuzz:
	$(MAKE) -C tools/mdfw fuzz

bench:
	@scripts/bench.sh
