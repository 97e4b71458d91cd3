#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make export: write build/linux's commits since refs/kmemdump/pristine to
# patches/ as the series (git format-patch --cover-letter), in a stable
# form: no commit names, no signature, every Date: the same, 12-digit
# blob names; the cover letter keeps its sender, subject and blurb
# (scripts/series-normalise.py). Files whose content does not change are
# not rewritten; patches no longer in the series are removed. Before
# patches/ is touched, the new series is applied with git am to the
# pristine tree and must give HEAD's tree. Then refs/kmemdump/applied is
# HEAD: `make tree` has nothing to do.
#
#   export.sh
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-lib.sh"

[ -d "$KSRC/.git" ] && kgit rev-parse --verify -q "$PRISTINE_REF" > /dev/null ||
	die "build/linux is no git tree made by make tree (run make tree)"
exec 9> "$BUILD/.tree.lock"
flock 9
debian_gitignore
head=$(kgit rev-parse --verify HEAD)
if [ -n "$(kgit status --porcelain)" ]; then
	kgit status --short | sed -n '1,20s/^/  /p' >&2
	die "build/linux has uncommitted changes: commit them first, e.g.
  git commit --fixup=<commit of the patch they belong to>
  git rebase -i --autosquash $PRISTINE_REF"
fi
kgit merge-base --is-ancestor "$PRISTINE_REF" "$head" ||
	die "build/linux's HEAD does not descend from $PRISTINE_REF"
[ -z "$(kgit rev-list --merges "$PRISTINE_REF..$head")" ] ||
	die "build/linux's history since $PRISTINE_REF has merges: a patch series is linear (git rebase $PRISTINE_REF)"
[ "$(kgit rev-list --count "$PRISTINE_REF..$head")" -gt 0 ] ||
	die "build/linux has no commits on top of $PRISTINE_REF"

tmp=$(mktemp -d "$BUILD/.export.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
series_format "$PRISTINE_REF" "$head" "$tmp/out" "$TOP/patches/0000-cover-letter.patch"

# What patches/ will hold must give back HEAD's tree.
r=$(series_apply "$tmp/out" "$tmp/am.log") || {
	sed 's/^/  /' "$tmp/am.log" >&2
	die "the exported series does not apply with git am (above); patches/ left as it was"
}
if [ "$(tree_of "$r")" != "$(tree_of "$head")" ]; then
	kgit diff --stat "$r" "$head" | sed 's/^/  /' >&2
	die "the exported series does not give build/linux's HEAD tree back (above; empty or binary commits?); patches/ left as it was"
fi

changed=0 removed=0 total=0
for f in "$tmp"/out/*.patch; do
	total=$((total + 1))
	cmp -s "$f" "$TOP/patches/${f##*/}" && continue
	cp "$f" "$TOP/patches/${f##*/}"
	changed=$((changed + 1))
done
for f in "$TOP"/patches/[0-9][0-9][0-9][0-9]-*.patch; do
	[ -e "$f" ] && [ ! -e "$tmp/out/${f##*/}" ] || continue
	rm "$f"
	removed=$((removed + 1))
done
kgit update-ref "$APPLIED_REF" "$head"
if [ $changed -eq 0 ] && [ $removed -eq 0 ]; then
	echo "export: patches/ unchanged ($((total - 1)) patches)" >&2
else
	echo "export: $((total - 1)) patches + cover letter; $changed file(s) written, $removed removed in patches/" >&2
fi
