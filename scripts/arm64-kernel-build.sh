#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Cross-build the arm64 guest kernel (arm64 tinyconfig + the test fragment
# without its x86-only lines + tests/config/kmemdump-arm64.config) in
# build/obj-arm64 with gcc-aarch64-linux-gnu. Incremental, ccache'd.
#   arm64-kernel-build.sh        Image and vmlinux
#   arm64-kernel-build.sh --w1   our C files compile without W=1 warnings
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
. "$(dirname "$0")/series-lib.sh"
command -v aarch64-linux-gnu-gcc >/dev/null ||
	die "aarch64-linux-gnu-gcc missing (apt-get install gcc-aarch64-linux-gnu)"

o=$KOBJ64
mkdir -p "$o"
arm64_base_config "$o/base.config"

# KMD_SKIP_TREE=1: build build/linux as it is (local experiments).
[ -n "${KMD_SKIP_TREE:-}" ] || "$TOP/scripts/tree.sh"
kconfigure kmake64 "$o" "$o/base.config" "$TOP/tests/config/kmemdump-arm64.config"

if [ "${1:-}" = --w1 ]; then
	srcs=$(kgit diff --name-only --diff-filter=AM "$PRISTINE_REF" HEAD -- '*.c')
	# Only the files this configuration builds; the old .s first (see
	# kernel-build.sh --w1).
	objs=
	for s in $srcs; do
		[ -f "$o/${s%.c}.o" ] || continue
		objs="$objs ${s%.c}.s"
		rm -f "$o/${s%.c}.s"
	done
	log "arm64 W=1: $(echo $objs | wc -w) files"
	kmake64 "$o" W=1 $objs 2>&1 | tee "$o/w1.log"
	! grep -q 'warning:' "$o/w1.log"
	exit
fi
log "building arm64 kernel in $o"
kmake64 "$o" Image modules
log "arm64 kernel ready: $o/arch/arm64/boot/Image"
