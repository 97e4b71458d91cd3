#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The arm64 guest's initramfs: like mkinitramfs.sh, with Debian's aarch64
# busybox-static (fetched once with apt-get download into build/board-arm64;
# needs "dpkg --add-architecture arm64 && apt-get update", see deps.sh) and
# the test modules built for the arm64 kernel.
#   arm64-mkinitramfs.sh OUT.cpio.gz [EXTRA_DIR]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
out=$1
bb=$BOARD64/busybox
if [ ! -x "$bb" ]; then
	mkdir -p "$BOARD64/deb"
	(cd "$BOARD64/deb" && apt-get download busybox-static:arm64 >/dev/null 2>&1) ||
		die "cannot fetch busybox-static:arm64 (dpkg --add-architecture arm64 && apt-get update)"
	dpkg-deb -x "$BOARD64"/deb/busybox-static_*_arm64.deb "$BOARD64/deb/x"
	cp "$BOARD64/deb/x/bin/busybox" "$bb"
fi
file "$bb" | grep -q 'ARM aarch64.*statically linked' || die "$bb is not a static aarch64 busybox"
root=$(mktemp -d); trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests,lib/modules}
cp "$bb" "$root/bin/busybox"
cp "$TOP/tests/guest/init" "$root/init"
cp "$TOP"/tests/guest/t-*.sh "$root/tests/"
cp "$BUILD"/modules-arm64/*/*.ko "$root/lib/modules/" 2>/dev/null || true
[ $# -ge 2 ] && cp -r "$2"/. "$root/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out"
