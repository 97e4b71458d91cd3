#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make tree: bring build/linux to pristine linux-source-6.12 + the series in
# patches/, as a git repository.
#
#   tree.sh            update build/linux (every build script runs this)
#   FORCE=1 tree.sh    the same, discarding what build/linux holds that
#                      patches/ does not (uncommitted changes, commits)
#
# build/linux's first commit, refs/kmemdump/pristine, is the unpacked
# tarball (fixed author and date: the same commit on every machine); branch
# kmemdump holds one commit per patch, made by `git am` in a scratch sparse
# clone (scripts/series-lib.sh). Moving build/linux to that commit rewrites
# only the files whose content differs, so object trees stay valid and
# builds incremental. An old-layout build/linux (the tarball unpacked with
# files copied over it, no .git) is converted in place the same way.
#
# When patches/ produce what build/linux was last brought to (or exported
# from), there is nothing to do: local work in build/linux is built as it
# is, with a note. When patches/ changed, build/linux moves, unless it
# holds work patches/ does not: then tree.sh refuses (make export first,
# or FORCE=1).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/series-lib.sh"

[ -f "$KTARBALL" ] || die "$KTARBALL missing (apt-get install linux-source-6.12)"
series_patches "$TOP/patches" > /dev/null || exit 1
mkdir -p "$BUILD"
# One tree update at a time (builds may start together).
exec 9> "$BUILD/.tree.lock"
flock 9

# unpack_tarball DIR: the tarball's linux-source-6.12/ as DIR.
unpack_tarball() {
	local tmp
	log "unpacking $(basename "$KTARBALL")"
	tmp=$(mktemp -d "$BUILD/.unpack.XXXXXX")
	tar -C "$tmp" -xf "$KTARBALL"
	mv "$tmp"/linux-source-* "$1"
	rmdir "$tmp"
}

# new_pristine: commit a fresh unpack of the tarball as the pristine tree,
# without touching build/linux's files.
new_pristine() {
	local tmp
	tmp=$(mktemp -d "$BUILD/.pristine.XXXXXX")
	unpack_tarball "$tmp/linux"
	pristine_commit "$tmp/linux" "$tmp/index"
	rm -rf "$tmp"
}

# The pristine tree is ~90,000 loose objects: no automatic gc repacking
# them in the background (git gc by hand does it).
init_repo() {
	git init -q "$KSRC"
	kgit config gc.auto 0
	kgit symbolic-ref HEAD "refs/heads/$SERIES_BRANCH"
}

mode=update
if [ ! -d "$KSRC/.git" ]; then
	if [ -e "$KSRC/Makefile" ]; then
		mode=convert
		log "build/linux: converting the unpacked tree into a git repository"
		init_repo
		new_pristine
		kgit update-ref "refs/heads/$SERIES_BRANCH" "$PRISTINE_REF"
	else
		mode=fresh
		rm -rf "$KSRC"
		unpack_tarball "$KSRC"
		init_repo
		pristine_commit "$KSRC" "$KSRC/.git/index"
		kgit update-ref "refs/heads/$SERIES_BRANCH" "$PRISTINE_REF"
		kgit update-ref "$APPLIED_REF" "$PRISTINE_REF"
	fi
elif ! pristine_current; then
	log "$(basename "$KTARBALL") is not the one build/linux was made from: new pristine commit"
	new_pristine
fi

amlog=$KSRC/.git/kmemdump-am.log
r=$(series_apply "$TOP/patches" "$amlog") || {
	sed 's/^/  /' "$amlog" >&2
	die "patches/ do not apply to linux-source-6.12 with git am (above)"
}
n=$(kgit rev-list --count "$PRISTINE_REF..$r")
done_msg() { echo "tree: build/linux at $SERIES_BRANCH, pristine + $n patches ($1)" >&2; }

if [ $mode = convert ]; then
	# The index becomes the series' tree; refreshing it compares every
	# file's content, and only the files that differ are written.
	kgit read-tree "$r"
	debian_gitignore
	kgit update-index -q --refresh > /dev/null || true
	bak=$BUILD/tree-convert-backup.diff
	kgit diff --binary > "$bak"
	changed=$(kgit diff --name-only | wc -l)
	removed=$(kgit ls-files -o --exclude-standard | wc -l)
	[ -s "$bak" ] || rm -f "$bak"
	rm -f "$bak.untracked.tar"
	[ "$removed" -eq 0 ] || kgit ls-files -o --exclude-standard -z |
		tar -C "$KSRC" --null -T - -cf "$bak.untracked.tar"
	kgit checkout-index -a -f -q
	kgit clean -f -d -q
	kgit update-ref "refs/heads/$SERIES_BRANCH" "$r"
	kgit update-ref "$APPLIED_REF" "$r"
	done_msg "converted; $changed files rewritten, $removed removed"
	[ ! -e "$bak" ] || echo "tree: the rewritten files' old content: $bak" >&2
	[ ! -e "$bak.untracked.tar" ] || echo "tree: the removed files: $bak.untracked.tar" >&2
	exit 0
fi

debian_gitignore
head=$(kgit rev-parse --verify -q HEAD) || die "build/linux: no HEAD"
applied=$(kgit rev-parse --verify -q "$APPLIED_REF" || true)
dirty=$(kgit status --porcelain)

local_note() {
	local what=
	if [ "$(tree_of "$head")" != "$(tree_of "$r")" ]; then
		if [ -n "$applied" ] && kgit merge-base --is-ancestor "$applied" "$head"; then
			what="$(kgit rev-list --count "$applied..$head") commit(s) not in patches/"
		else
			what="HEAD $(kgit rev-parse --short HEAD), not the series of patches/"
		fi
	fi
	[ -n "$dirty" ] && what="${what:+$what, }uncommitted changes"
	[ -z "$what" ] ||
		echo "tree: note: build/linux has $what (make export writes commits to patches/)" >&2
}

if [ -n "${FORCE:-}" ]; then
	# build/linux becomes exactly what patches/ produce.
	if [ -n "$dirty" ] || [ "$(tree_of "$head")" != "$(tree_of "$r")" ]; then
		log "FORCE: discarding what build/linux holds that patches/ does not (HEAD was $head)"
		files=$( { kgit diff --name-only "$r"; kgit ls-files -o --exclude-standard; } | wc -l)
		kgit checkout -q -f -B "$SERIES_BRANCH" "$r"
		kgit clean -f -d -q
		kgit update-ref "$APPLIED_REF" "$r"
		done_msg "$files files rewritten"
	fi
	exit 0
fi
# patches/ unchanged since build/linux was last brought to them or
# exported from: nothing to apply; local work is built as it is.
if [ -n "$applied" ] && [ "$(tree_of "$applied")" = "$(tree_of "$r")" ]; then
	local_note
	exit 0
fi
# build/linux already is what patches/ produce.
if [ "$(tree_of "$head")" = "$(tree_of "$r")" ]; then
	if [ -z "$dirty" ]; then
		kgit update-ref "$APPLIED_REF" "$head"
	else
		local_note
	fi
	exit 0
fi
# patches/ moved: build/linux follows, unless that loses work.
if [ -n "$dirty" ] || [ "$head" != "$applied" ]; then
	local_note
	[ -z "$dirty" ] || echo "$dirty" | sed -n '1,20s/^/  /p' >&2
	die "patches/ changed, and build/linux holds work that patches/ does not:
  make export          writes build/linux's commits to patches/ (commit
                       first; then reconcile patches/ with git), or
  FORCE=1 make tree    discards that work (HEAD is $head)"
fi
files=$(kgit diff --name-only HEAD "$r" | wc -l)
# A two-tree merge: only the files that differ between HEAD and the series
# are written.
kgit checkout -q -B "$SERIES_BRANCH" "$r"
kgit update-ref "$APPLIED_REF" "$r"
done_msg "$files files rewritten"
