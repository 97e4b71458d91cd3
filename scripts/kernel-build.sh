#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Configure and build the guest kernel (x86_64 tinyconfig + our fragment)
# in build/obj. Incremental: the object tree and ccache are kept.
#   kernel-build.sh          build bzImage, vmlinux and modules
#   kernel-build.sh --nocfg  check: CONFIG_KMEMDUMP=n still compiles every call site
#   kernel-build.sh --w1     check: our C files compile without W=1 warnings
#   kernel-build.sh --rt     the test kernel with PREEMPT_RT, in build/obj-rt
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-lib.sh"

frag=$TOP/tests/config/kmemdump.config

"$TOP/scripts/tree.sh"

# This tree is x86_64: other architectures' files are built in theirs.
x86_only() { awk '!/^arch\// || /^arch\/x86\//'; }

if [ "${1:-}" = --nocfg ]; then
	# Build every object that includes <linux/kmemdump.h> with kmemdump off.
	# Same kernel minus kmemdump and what depends on it.
	mkdir -p "$KOBJ_N"
	grep -v -E 'KMEMDUMP|MINIDUMP' "$frag" > "$KOBJ_N/base.config"
	kconfigure kmake "$KOBJ_N" "$KOBJ_N/base.config" "$TOP/tests/config/kmemdump-off.config"
	# The call sites are the existing kernel files the change edits; the
	# new files all depend on CONFIG_KMEMDUMP.
	objs=$(kgit diff --name-only --diff-filter=M "$PRISTINE_REF" HEAD -- '*.c' |
		x86_only | sed 's/\.c$/.o/')
	log "CONFIG_KMEMDUMP=n: building $(echo $objs | wc -w) call-site objects"
	kmake "$KOBJ_N" W=1 $objs
	exit 0
fi

if [ "${1:-}" = --rt ]; then
	kconfigure kmake "$KOBJ_RT" "$frag" "$TOP/tests/config/kmemdump-rt.config"
	log "building the PREEMPT_RT kernel in $KOBJ_RT"
	kmake "$KOBJ_RT" bzImage
	exit
fi

kconfigure kmake "$KOBJ" "$frag"

if [ "${1:-}" = --w1 ]; then
	# Compile every C file the change adds or edits with W=1, to assembly
	# so that the object files of the real build stay untouched. Any
	# warning fails. The old .s files go first: an up-to-date target would
	# print nothing (ccache replays a warning).
	# Only the files this configuration builds (an arm64-only driver has
	# no object here; arm64-kernel-build.sh --w1 compiles it).
	srcs=
	for s in $(kgit diff --name-only --diff-filter=AM "$PRISTINE_REF" HEAD -- '*.c' | x86_only); do
		[ -f "$KOBJ/${s%.c}.o" ] && srcs="$srcs $s"
	done
	log "W=1: $(echo $srcs | wc -w) files"
	objs=$(for s in $srcs; do echo "${s%.c}.s"; done)
	(cd "$KOBJ" && rm -f $objs)
	kmake "$KOBJ" W=1 $objs 2>&1 | tee "$KOBJ/w1.log"
	! grep -q 'warning:' "$KOBJ/w1.log"
	exit
fi
log "building kernel in $KOBJ"
kmake "$KOBJ" bzImage modules
log "kernel ready: $KOBJ/arch/x86/boot/bzImage"
