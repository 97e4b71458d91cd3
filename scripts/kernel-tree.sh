#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bring build/linux to "pristine linux-source-6.12 + our kernel change":
# new files from linux/, edits to existing files from patches/ (quilt-style
# order in patches/series). Only files whose content changed are rewritten,
# so the object tree stays valid and rebuilds are incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ ! -f "$KSRC/Makefile" ]; then
	[ -f "$KTARBALL" ] || die "$KTARBALL missing (apt-get install linux-source-6.12)"
	log "unpacking $(basename "$KTARBALL")"
	rm -rf "$BUILD/unpack" && mkdir -p "$BUILD/unpack"
	tar -C "$BUILD/unpack" -xf "$KTARBALL"
	mv "$BUILD/unpack"/linux-source-* "$KSRC"
	rmdir "$BUILD/unpack"
	rm -rf "$KORIG"
fi

# New files: rsync -c rewrites only files whose content differs.
rsync -rc "$TOP/linux/" "$KSRC/"

# Edits to existing files: apply the whole patch stack to pristine copies in
# a scratch tree, then copy back the files that differ.
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
while read -r p; do
	case $p in ''|'#'*) continue;; esac
	for f in $(sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$TOP/patches/$p"); do
		if [ ! -f "$KORIG/$f" ]; then
			mkdir -p "$(dirname "$KORIG/$f")"
			cp -p "$KSRC/$f" "$KORIG/$f"
		fi
		if [ ! -f "$tmp/$f" ]; then
			mkdir -p "$(dirname "$tmp/$f")"
			cp "$KORIG/$f" "$tmp/$f"
		fi
	done
	patch -d "$tmp" -p1 -s --no-backup-if-mismatch < "$TOP/patches/$p" ||
		die "patches/$p does not apply to linux-source-6.12"
done < "$TOP/patches/series"
# Files we patched before but no longer do go back to pristine.
if [ -d "$KORIG" ]; then
	(cd "$KORIG" && find . -type f) | while read -r f; do
		[ -f "$tmp/$f" ] || { mkdir -p "$(dirname "$tmp/$f")"; cp "$KORIG/$f" "$tmp/$f.orig-restore"; }
	done
fi
(cd "$tmp" && find . -type f) | while read -r f; do
	dst=${f%.orig-restore}
	cmp -s "$tmp/$f" "$KSRC/$dst" || cp "$tmp/$f" "$KSRC/$dst"
done
