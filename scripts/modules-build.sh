#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the out-of-tree test modules of tests/modules/ against build/obj.
# Sources are copied to build/modules/ so the repo stays free of objects.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
for d in "$TOP"/tests/modules/*/; do
	n=$(basename "$d")
	mkdir -p "$BUILD/modules/$n"
	rsync -rc "$d" "$BUILD/modules/$n/"
	kmake "$KOBJ" M="$BUILD/modules/$n" W=1 modules >/dev/null
done
