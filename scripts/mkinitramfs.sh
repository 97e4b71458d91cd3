#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's initramfs: static busybox, tests/guest/init, the
# in-guest tests and our test modules.
#   mkinitramfs.sh OUT.cpio.gz [EXTRA_DIR]   (EXTRA_DIR's content is added at /)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
out=$1
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,lib/modules}
cp /bin/busybox "$root/bin/busybox"
file "$root/bin/busybox" 2>/dev/null | grep -q 'statically linked' ||
	ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' ||
	die "/bin/busybox is not static (apt-get install busybox-static)"
cp "$TOP/tests/guest/init" "$root/init"
cp "$TOP"/tests/guest/t-*.sh "$root/tests/"
cp "$BUILD"/modules/*/*.ko "$root/lib/modules/" 2>/dev/null || true
[ $# -ge 2 ] && cp -r "$2"/. "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
