# SPDX-License-Identifier: GPL-2.0
# The kernel change as one git format-patch series (sourced after lib.sh).
#
# patches/0000-cover-letter.patch and patches/0001-*.patch ... are a
# `git format-patch --cover-letter` series against pristine
# linux-source-6.12; the order is the file names'. build/linux ($KSRC) is
# a git repository: refs/kmemdump/pristine is the unpacked tarball, branch
# kmemdump is the series on top (make tree), refs/kmemdump/applied the
# commit the last `make tree` or `make export` left build/linux at, and
# refs/kmemdump/series what patches/ produce (a cache, keyed on their
# content).

PRISTINE_REF=refs/kmemdump/pristine
APPLIED_REF=refs/kmemdump/applied
SERIES_REF=refs/kmemdump/series
SERIES_BRANCH=kmemdump
# Every patch's Date: header (make export).
SERIES_DATE='Wed, 25 Nov 2026 12:00:00 +0000'
# Who commits the pristine tree, and who commits what `git am` applies:
# fixed, so that every machine makes the same commits.
PRISTINE_IDENT=(linux-source-6.12 linux-source@kmemdump.invalid '2026-01-01T00:00:00Z')
AM_IDENT=('kmemdump make tree' tree@kmemdump.invalid '2026-11-25T12:00:00Z')

# Git without the user's or the system's configuration: what the scripts
# write must not depend on who runs them.
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1

kgit() { git -C "$KSRC" "$@"; }

# with_ident NAME EMAIL DATE cmd...: run cmd as that author and committer.
with_ident() {
	local n=$1 e=$2 d=$3; shift 3
	GIT_AUTHOR_NAME=$n GIT_AUTHOR_EMAIL=$e GIT_AUTHOR_DATE=$d \
	GIT_COMMITTER_NAME=$n GIT_COMMITTER_EMAIL=$e GIT_COMMITTER_DATE=$d "$@"
}

# series_patches DIR: the series' patch files in order, cover letter left out.
series_patches() {
	local d=$1 f n=0
	for f in "$d"/[0-9][0-9][0-9][0-9]-*.patch; do
		[ -e "$f" ] || continue
		case ${f##*/} in 0000-*) continue;; esac
		echo "$f"; n=$((n + 1))
	done
	if [ $n -eq 0 ]; then
		if [ -f "$d/series" ]; then
			echo "error: $d holds the old quilt layout (patches/series), not a git format-patch series (0001-*.patch ...)" >&2
		else
			echo "error: no patches in $d (0001-*.patch ...)" >&2
		fi
		return 1
	fi
}

# tarball_sha: sha256 of $KTARBALL, remembered by size and mtime.
tarball_sha() {
	local stat memo=$KSRC/.git/kmemdump-tarball
	stat=$(stat -L -c '%s %Y' "$KTARBALL")
	if [ -f "$memo" ] && [ "$(cut -d' ' -f1,2 "$memo")" = "$stat" ]; then
		cut -d' ' -f3 "$memo"
		return
	fi
	set -- $(sha256sum < "$KTARBALL")
	echo "$stat $1" > "$memo"
	echo "$1"
}

# pristine_commit DIR INDEX: commit DIR (the tarball unpacked) as the
# pristine tree, through index file INDEX; sets $PRISTINE_REF.
pristine_commit() {
	local dir=$1 idx=$2 sha tree c
	sha=$(tarball_sha)
	log "committing the pristine tree ($(basename "$KTARBALL"))"
	# -f: the kernel's .gitignore files must not hide tarball files.
	(cd "$dir" && GIT_DIR=$KSRC/.git GIT_WORK_TREE=$dir GIT_INDEX_FILE=$idx git add -A -f)
	tree=$(GIT_DIR=$KSRC/.git GIT_INDEX_FILE=$idx git write-tree)
	c=$(printf '%s\n\nUnpacked from %s, sha256 %s.\n' "$(basename "$KTARBALL" .tar.xz)" \
		"$(basename "$KTARBALL")" "$sha" |
		with_ident "${PRISTINE_IDENT[@]}" kgit commit-tree "$tree")
	kgit update-ref "$PRISTINE_REF" "$c"
}

# pristine_current: true if $PRISTINE_REF was made from $KTARBALL.
pristine_current() {
	local msg
	msg=$(kgit log -1 --format=%B "$PRISTINE_REF" 2>/dev/null) || return 1
	case $msg in *"sha256 $(tarball_sha)."*) return 0;; esac
	return 1
}

# Debian's linux-source adds "/*" to the top-level .gitignore ("ignore
# everything at the top level"): git would not see new files in
# build/linux. The work tree's copy loses those lines (the kernel build
# does not read it); skip-worktree keeps git from reporting the change.
debian_gitignore() {
	kgit show :.gitignore 2>/dev/null | grep -qx '/\*' || return 0
	case $(kgit ls-files -v .gitignore) in
	S*) ;;
	*) kgit update-index --skip-worktree .gitignore;;
	esac
	sed -i -e '\|^/\*$|d' -e '\|^!/debian/$|d' "$KSRC/.gitignore"
}

# tree_of REV: its tree's object name.
tree_of() { kgit rev-parse --verify -q "$1^{tree}"; }

# series_apply DIR LOG: the commit that `git am` of DIR's series on the
# pristine commit makes, in a scratch sparse clone (only the files the
# series touches are checked out). The commits are fetched into $KSRC as
# $SERIES_REF. git am's output goes to LOG; status 1 if a patch does not
# apply. Cached on the patches' names and content unless SERIES_NOCACHE=1.
series_apply() {
	local dir=$1 amlog=$2 p key wt r pristine patches
	pristine=$(kgit rev-parse --verify -q "$PRISTINE_REF^{commit}") ||
		die "build/linux has no $PRISTINE_REF (make tree)"
	patches=$(series_patches "$dir") || return 1
	key=$( { echo "series_apply v1 $pristine"
		for p in $patches; do echo "${p##*/} $(sha256sum < "$p")"; done; } | sha256sum)
	key=${key%% *}
	if [ -z "${SERIES_NOCACHE:-}" ] &&
	   [ "$(cat "$KSRC/.git/kmemdump-series.key" 2>/dev/null)" = "$key" ] &&
	   r=$(kgit rev-parse --verify -q "$SERIES_REF^{commit}"); then
		: > "$amlog"
		echo "$r"
		return 0
	fi
	wt=$(mktemp -d "$BUILD/.am.XXXXXX")
	git clone -q --shared --no-checkout "$KSRC" "$wt"
	git -C "$wt" config core.sparseCheckout true
	# Every path a patch names, as an anchored non-cone pattern.
	sed -n 's|^diff --git a/\([^ ]*\) b/\([^ ]*\)$|\1\n\2|p' $patches | sort -u |
		sed 's|[][*?!#\\]|\\&|g; s|^|/|' > "$wt/.git/info/sparse-checkout"
	git -C "$wt" checkout -q --detach "$pristine"
	if ! with_ident "${AM_IDENT[@]}" git -C "$wt" am -q $patches > "$wt.log" 2>&1; then
		# Not git am's advice on resuming: the clone is gone.
		grep -vE '^(hint:|When you have resolved|If you prefer to skip|To restore the original)' \
			"$wt.log" > "$amlog" || true
		rm -rf "$wt" "$wt.log"
		return 1
	fi
	mv "$wt.log" "$amlog"
	r=$(git -C "$wt" rev-parse HEAD)
	kgit fetch -q --no-tags --no-write-fetch-head "$wt" "+HEAD:$SERIES_REF"
	rm -rf "$wt"
	echo "$key" > "$KSRC/.git/kmemdump-series.key"
	echo "$r"
}

# series_format BASE TIP OUTDIR [OLDCOVER]: BASE..TIP as patches/ holds
# them: git format-patch with a cover letter, no commit names, no
# signature, every Date: fixed; the cover letter's sender, subject and
# blurb from OLDCOVER (the previous cover letter), its shortlog and
# diffstat regenerated.
series_format() {
	local base=$1 tip=$2 out=$3 old=${4:-} first
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	first=$(kgit rev-list --reverse "$base..$tip" | sed -n 1p)
	[ -n "$first" ] || die "no commits between $base and $tip"
	# The cover letter's From: is the committer; without an old cover
	# letter, the first patch's author.
	GIT_COMMITTER_NAME=$(kgit log -1 --format=%an "$first") \
	GIT_COMMITTER_EMAIL=$(kgit log -1 --format=%ae "$first") \
		kgit format-patch -q --cover-letter --zero-commit --no-signature \
		--numbered --no-base --abbrev=12 -o "$out" "$base..$tip"
	python3 "$TOP/scripts/series-normalise.py" "$out" "$SERIES_DATE" ${old:+"$old"}
}
