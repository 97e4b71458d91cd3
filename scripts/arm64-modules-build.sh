#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the out-of-tree test modules of tests/modules/ against the arm64
# kernel (build/obj-arm64), into build/modules-arm64/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
for d in "$TOP"/tests/modules/*/; do
	n=$(basename "$d")
	mkdir -p "$BUILD/modules-arm64/$n"
	rsync -rc "$d" "$BUILD/modules-arm64/$n/"
	kmake64 "$KOBJ64" M="$BUILD/modules-arm64/$n" W=1 modules >/dev/null
done
