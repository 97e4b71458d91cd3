#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Export the kernel change as a git format-patch series (make series).
#
# series/NN-*.msg is a commit message; series/NN-*.files lists what the
# commit holds, one entry a line:
#   new PATH        a new file, taken from linux/PATH
#   patch FILE      an edit to existing kernel files, patches/FILE
#   split FILE      a later addition to one of our new files, series/split/FILE
# linux/ holds every new file in its final form; the version a commit
# introduces is the final one with the later "split" patches reverted.
#
#   series.sh OUTDIR           write the series
#   series.sh --check OUTDIR   write it, then check it: git am on pristine
#                              files, same result as build/linux,
#                              checkpatch --strict, kernel-doc. Prints one
#                              "ok|not ok NAME" line per check.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

check=0
[ "${1:-}" = --check ] && { check=1; shift; }
out=$(realpath -m "${1:?usage: series.sh [--check] OUTDIR}")
author=$(cat "$TOP/series/AUTHOR")
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
commits=$(cd "$TOP/series" && ls [0-9]*.msg | sed 's/\.msg$//')

entries() { grep -v '^#' "$TOP/series/$1.files" | grep "^$2 " | cut -d' ' -f2 || true; }
patched_files() { sed -n 's|^+++ b/\([^[:space:]]*\).*|\1|p' "$@"; }

"$TOP/scripts/kernel-tree.sh" >&2   # build/orig: pristine copies of patched files

# 1. Introduced versions of our new files, by reverting later splits.
mkdir -p "$work/intro" "$work/state"
cp -r "$TOP/linux/." "$work/state/"
for c in $(echo "$commits" | tac); do
	for f in $(entries "$c" new); do
		mkdir -p "$(dirname "$work/intro/$f")"
		cp "$work/state/$f" "$work/intro/$f"
	done
	for s in $(entries "$c" split | tac); do
		patch -s -R -p1 -d "$work/state" < "$TOP/series/split/$s" ||
			die "series/split/$s does not revert from linux/"
	done
done

# 2. A pristine tree holding the kernel files the series edits.
pristine() { # pristine DIR
	local f
	git init -q "$1"
	for f in $(for c in $commits; do for p in $(entries "$c" patch); do
			patched_files "$TOP/patches/$p"; done; done | sort -u); do
		mkdir -p "$(dirname "$1/$f")"
		cp "$KORIG/$f" "$1/$f"
	done
	git -C "$1" add -A
	git -C "$1" -c user.name=pristine -c user.email=pristine@localhost \
		commit -q -m "linux-source-6.12 (pristine files)"
}
pristine "$work/tree"
for c in $commits; do
	for f in $(entries "$c" new); do
		mkdir -p "$(dirname "$work/tree/$f")"
		cp "$work/intro/$f" "$work/tree/$f"
	done
	for p in $(entries "$c" patch); do
		git -C "$work/tree" apply "$TOP/patches/$p"
	done
	for s in $(entries "$c" split); do
		git -C "$work/tree" apply "$TOP/series/split/$s"
	done
	git -C "$work/tree" add -A
	GIT_AUTHOR_DATE="2026-11-25T12:00:00Z" GIT_COMMITTER_DATE="2026-11-25T12:00:00Z" \
	git -C "$work/tree" -c user.name="${author% <*}" -c user.email="$(echo "$author" | sed 's/.*<\(.*\)>/\1/')" \
		commit -q -F "$TOP/series/$c.msg"
done
rm -rf "$out"; mkdir -p "$out"
git -C "$work/tree" format-patch -q --cover-letter -o "$out" HEAD~"$(echo "$commits" | wc -l)"
# Fill the cover letter's placeholders from series/cover.txt.
cover=$(ls "$out"/0000-*.patch)
python3 - "$cover" "$TOP/series/cover.txt" <<'PY'
import sys
p, src = sys.argv[1], open(sys.argv[2]).read().split('\n', 2)
s = open(p).read()
s = s.replace('*** SUBJECT HERE ***', src[0]).replace('*** BLURB HERE ***', src[2].rstrip())
open(p, 'w').write(s)
PY
echo "series: $(ls "$out" | wc -l) files in $out" >&2
[ $check -eq 1 ] || exit 0

res() { if [ "$1" -eq 0 ]; then echo "ok $2"; else echo "not ok $2${3:+  # $3}"; fi; }
set +e
# git am on a fresh pristine tree, as a maintainer would.
pristine "$work/am"
git -C "$work/am" -c user.name=m -c user.email=m@localhost am -q $(ls "$out"/*.patch | grep -v '/0000-') > "$work/am.log" 2>&1
res $? series-git-am "$(head -1 "$work/am.log")"
# The series ends where build/linux is (the tree that was built and tested).
diffs=0
for f in $(cd "$work/am" && git ls-files); do
	cmp -s "$work/am/$f" "$KSRC/$f" || { echo "  differs from build/linux: $f" >&2; diffs=1; }
done
res $diffs series-matches-built-tree
# checkpatch asks "does MAINTAINERS need updating?" of every patch that
# adds a file, unless the patch itself edits MAINTAINERS. We answer it
# here instead: every new file must match an F: pattern of MAINTAINERS.
unmaintained=
for f in $(cd "$TOP/linux" && find . -type f | sed 's|^\./||'); do
	(cd "$KSRC" && ./scripts/get_maintainer.pl --no-git --no-rolestats -f "$f" 2>/dev/null) |
		grep -q 'kmemdump-dev@' || unmaintained="$unmaintained $f"
done
[ -z "$unmaintained" ]; res $? series-maintainers-cover-new-files "not covered:$unmaintained"
for p in $(ls "$out"/*.patch | grep -v '/0000-'); do
	(cd "$KSRC" && ./scripts/checkpatch.pl --strict --no-summary --quiet \
		--ignore FILE_PATH_CHANGES "$p") > "$work/cp.log" 2>&1
	res $? "checkpatch.$(basename "$p" .patch)" "$(head -1 "$work/cp.log")"
	[ -s "$work/cp.log" ] && sed 's/^/    | /' "$work/cp.log" >&2
done
kd=$( (cd "$TOP/linux" && find . -name '*.[ch]' | sed 's|^\./||') | while read -r f; do
	(cd "$KSRC" && ./scripts/kernel-doc -none -Wall "$f" 2>&1); done)
[ -z "$kd" ]; res $? kernel-doc "$(echo "$kd" | head -1)"
[ -n "$kd" ] && echo "$kd" | sed 's/^/    | /' >&2
exit 0
