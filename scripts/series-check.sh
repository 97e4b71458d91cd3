#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series-check: the series in patches/ is clean and bisectable, patch
# by patch. Prints one "ok NAME" or "not ok NAME  # reason" line per check,
# then "N passed, N failed"; exit status 0 only if nothing failed.
#
#   series.git-am            the patches apply with git am to the pristine
#                            tree (a scratch sparse clone of build/linux)
#   series.matches-tree      the result is build/linux's HEAD tree
#   series.normalised        patches/ is what make export writes for it
#   series.maintainers       a MAINTAINERS entry with kmemdump-dev@ covers
#                            every file the series adds
#   series.NNNN.checkpatch   checkpatch.pl --strict is silent on the patch
#   series.NNNN.kernel-doc   kernel-doc -Wall finds no new warning in the
#                            .c/.h files the patch adds or changes
#   series.NNNN.build-x86    the tree at that patch builds (vmlinux and
#                            modules, tests/config/kmemdump.config), and the
#                            .c files the patch adds or changes compile
#                            without a W=1 warning
#   series.NNNN.build-arm64  the same for the arm64 board's kernel, for the
#                            patches that touch arch/arm64/, drivers/soc/
#                            or include/linux/soc/
#
# The builds check each patch's commit out in build/series-linux (a
# worktree of build/linux), in order, and build in build/series-obj and
# build/series-obj-arm64: incremental and ccache'd. Kconfig runs again when
# a Kconfig file changed; fragment lines for options the tree does not
# know yet are left out. A tree that passed with the same configuration
# and compiler is not built again (build/series-obj*/.series-ok/).
#
#   series-check.sh [--quick] [--from N] [--to N] [--arm64 auto|all|none]
#                   [--rebuild]
#     --quick        no builds (make check runs this)
#     --from, --to   per-patch checks of patches N..M only
#     --arm64        which patches get an arm64 build (auto: see above)
#     --rebuild      build even the trees that passed before
# Logs in build/series-check/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/arm64-lib.sh"
. "$(dirname "$0")/series-lib.sh"

quick=0 from=1 to=9999 arm64=auto rebuild=0
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1;;
	--from) from=$((10#${2:?--from N})); shift;;
	--to) to=$((10#${2:?--to N})); shift;;
	--arm64) arm64=${2:?--arm64 auto|all|none}; shift;;
	--rebuild) rebuild=1;;
	-h|--help) sed -n '3,/^set -e/{/^set -e/d;s/^# \{0,1\}//;p}' "$0"; exit 0;;
	*) die "unknown option $1 (series-check.sh --help)";;
	esac
	shift
done
case $arm64 in auto|all|none) ;; *) die "--arm64 auto|all|none";; esac

[ -d "$KSRC/.git" ] && kgit rev-parse --verify -q "$PRISTINE_REF" > /dev/null ||
	die "build/linux is no git tree made by make tree (run make tree)"
L=$BUILD/series-check
rm -rf "$L"; mkdir -p "$L"
pass=0 fail=0
res() { # res STATUS NAME [REASON]
	if [ "$1" -eq 0 ]; then
		echo "ok $2"; pass=$((pass + 1))
	else
		echo "not ok $2${3:+  # $3}"; fail=$((fail + 1))
	fi
}
# ok_note NAME NOTE: a pass with a comment.
ok_note() { echo "ok $1  # $2"; pass=$((pass + 1)); }
finish() { echo "$pass passed, $fail failed"; [ $fail -eq 0 ]; exit; }
indent() { sed 's/^/    | /' >&2; }

pristine=$(kgit rev-parse "$PRISTINE_REF^{commit}")
head=$(kgit rev-parse --verify HEAD)
patches=$(series_patches "$TOP/patches")

# The whole series.
if r=$(SERIES_NOCACHE=1 series_apply "$TOP/patches" "$L/git-am.log"); then
	res 0 series.git-am
else
	res 1 series.git-am "$(grep -m1 -E '^(error|fatal|Patch failed)' "$L/git-am.log" || echo "see $L/git-am.log")"
	indent < "$L/git-am.log"
	finish
fi

if kgit diff --quiet "$head" "$r"; then
	res 0 series.matches-tree
else
	kgit diff --stat "$head" "$r" > "$L/matches-tree.log"
	res 1 series.matches-tree "$(kgit diff --name-only "$head" "$r" | wc -l) file(s) differ from build/linux's HEAD (make tree, or make export); see $L/matches-tree.log"
fi

series_format "$pristine" "$r" "$L/export" "$TOP/patches/0000-cover-letter.patch" 2> "$L/export.log"
differ=
# Anything else in patches/ differs too.
for f in "$L"/export/*.patch "$TOP"/patches/*; do
	n=${f##*/}
	cmp -s "$L/export/$n" "$TOP/patches/$n" || case " $differ " in
		*" $n "*) ;;
		*) differ="$differ $n";;
	esac
done
st=0; [ -z "$differ" ] || st=1
res $st series.normalised "patches/ differs from what make export writes (or holds other files):$differ"

kgit show "$r:MAINTAINERS" > "$L/MAINTAINERS"
unmaintained=
for f in $(kgit diff --name-only --diff-filter=A "$pristine" "$r"); do
	# --no-git-fallback: build/linux's history must not stand in for
	# a MAINTAINERS entry.
	(cd "$KSRC" && ./scripts/get_maintainer.pl --mpath "$L/MAINTAINERS" --no-git \
		--no-git-fallback --no-rolestats -f "$f" 2>&1) | grep -q 'kmemdump-dev@' ||
		unmaintained="$unmaintained $f"
done
st=0; [ -z "$unmaintained" ] || st=1
res $st series.maintainers "no MAINTAINERS entry for:$unmaintained"

# Patch by patch.
mapfile -t files < <(echo "$patches")
mapfile -t commits < <(kgit rev-list --reverse "$pristine..$r")
[ ${#files[@]} -eq ${#commits[@]} ] ||
	die "${#files[@]} patches made ${#commits[@]} commits"
sel=()
for ((i = 0; i < ${#files[@]}; i++)); do
	n=${files[i]##*/}; n=${n%%-*}
	[ $((10#$n)) -ge $from ] && [ $((10#$n)) -le $to ] && sel+=("$i")
done

# kdoc REV PATH: kernel-doc -Wall's warnings on PATH at REV, one a line,
# without file names and line numbers (so that two versions compare).
kdoc() {
	local d=$L/kernel-doc/$1
	mkdir -p "$d/$(dirname "$2")"
	kgit show "$1:$2" > "$d/$2"
	(cd "$d" && "$KSRC/scripts/kernel-doc" -none -Wall "$2" 2>&1 > /dev/null) |
		sed -E 's/[^ ]*:[0-9]+:? ?//g' | grep -v '^$' | sort || true
}

for i in "${sel[@]}"; do
	p=${files[i]} c=${commits[i]}
	n=${p##*/}; n=${n%%-*}
	# Run from a scratch directory: checkpatch leaves a cache file in the
	# current one. No GIT_DIR: checkpatch would look commit IDs up in
	# build/linux's history, which is not upstream's.
	st=0
	(cd "$L" && GIT_DIR=/nonexistent "$KSRC/scripts/checkpatch.pl" --strict --no-summary \
		--quiet --ignore FILE_PATH_CHANGES "$p") > "$L/$n.checkpatch.log" 2>&1 || st=1
	[ ! -s "$L/$n.checkpatch.log" ] || st=1
	res $st "series.$n.checkpatch" "$(sed -n 1p "$L/$n.checkpatch.log")"
	[ $st -eq 0 ] || indent < "$L/$n.checkpatch.log"

	: > "$L/$n.kernel-doc.log"
	for f in $(kgit diff --name-only --diff-filter=AM "$c^" "$c" -- '*.c' '*.h'); do
		kdoc "$c" "$f" > "$L/kd.new"
		: > "$L/kd.old"
		kgit cat-file -e "$pristine:$f" 2> /dev/null && kdoc "$pristine" "$f" > "$L/kd.old"
		comm -23 "$L/kd.new" "$L/kd.old" | sed "s|^|$f: |" >> "$L/$n.kernel-doc.log"
	done
	st=0; [ ! -s "$L/$n.kernel-doc.log" ] || st=1
	res $st "series.$n.kernel-doc" "$(sed -n 1p "$L/$n.kernel-doc.log")"
	[ $st -eq 0 ] || indent < "$L/$n.kernel-doc.log"
done

[ $quick -eq 0 ] || finish

# The builds, in build/series-linux.
kgit worktree prune
if [ "$(git -C "$KSERIES" rev-parse --path-format=absolute --git-common-dir 2> /dev/null)" != \
     "$(cd "$KSRC/.git" && pwd -P)" ]; then
	rm -rf "$KSERIES"
	log "checking out build/series-linux, a worktree of build/linux"
	kgit worktree add -q --detach "$KSERIES" "$pristine"
fi
arm64_base_config "$L/arm64-base.config"
frag_x86=("$TOP/tests/config/kmemdump.config")
frag_arm64=("$L/arm64-base.config" "$TOP/tests/config/kmemdump-arm64.config")

# configure MAKEFN OBJDIR FRAGMENT...: tinyconfig + the fragments, when the
# fragments or a Kconfig file changed since the last time.
configure() {
	local mk=$1 o=$2 key l; shift 2
	mkdir -p "$o"
	key=$( { cat "$@"; git -C "$KSERIES" ls-tree -r HEAD |
		awk '$4 ~ /(^|\/)Kconfig[^\/]*$/ || $4 ~ /configs\/tiny.*\.config$/'; } | sha256sum)
	[ -f "$o/.config" ] && [ "$(cat "$o/series-config.key" 2> /dev/null)" = "$key" ] && return 0
	cat "$@" > "$o/kmemdump.fragment"
	"$mk" "$o" tinyconfig > /dev/null &&
	(cd "$o" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O . .config kmemdump.fragment) > /dev/null &&
	"$mk" "$o" olddefconfig > /dev/null || return 1
	while read -r l; do
		case $l in CONFIG_*=*) ;; *) continue;; esac
		grep -qx "$l" "$o/.config" && continue
		case $l in *=n) grep -q "^${l%=n}=" "$o/.config" || continue;; esac
		# Unknown to this tree's Kconfig: a later patch adds it.
		grep -qE "^(${l%%=*}=|# ${l%%=*} is not set)" "$o/.config" || continue
		echo "config: $l not honoured at this patch"
	done < "$o/kmemdump.fragment"
	echo "$key" > "$o/series-config.key"
}

# w1 MAKEFN OBJDIR ARCH COMMIT: the .c files COMMIT adds or changes that
# this configuration builds compile without a W=1 warning (to assembly, so
# that the objects stay; the old .s goes first, so that a warning cannot
# hide behind an up-to-date target: ccache replays it).
w1() {
	local mk=$1 o=$2 a=$3 c=$4 f t=
	for f in $(git -C "$KSERIES" diff --name-only --diff-filter=AM "$c^" "$c" -- '*.c'); do
		case $f in arch/*) case $f in "arch/$a/"*) ;; *) continue;; esac;; esac
		[ -f "$o/${f%.c}.o" ] || continue
		rm -f "$o/${f%.c}.s"
		t="$t ${f%.c}.s"
	done
	if [ -z "$t" ]; then
		echo "W=1: no C file of this patch is built here"
		return 0
	fi
	"$mk" "$o" W=1 $t > "$o/w1.log" 2>&1 || { cat "$o/w1.log"; return 1; }
	cat "$o/w1.log"
	! grep -q 'warning:' "$o/w1.log"
}

# build ARCH NNNN COMMIT: that patch's tree builds, W=1-clean.
build() {
	local a=$1 n=$2 c=$3 mk o cc key t0 log=$L/$2.build-$1.log
	local -a frag
	local KSRC=$KSERIES
	if [ "$a" = x86 ]; then
		mk=kmake o=$KOBJ_SERIES cc=gcc frag=("${frag_x86[@]}")
	else
		mk=kmake64 o=$KOBJ_SERIES64 cc=aarch64-linux-gnu-gcc frag=("${frag_arm64[@]}")
	fi
	key=$( { echo "series-check build v1 $a"; git -C "$KSERIES" rev-parse "$c^{tree}"
		cat "${frag[@]}"; "$cc" --version | sed -n 1p; } | sha256sum)
	key=${key%% *}
	if [ $rebuild -eq 0 ] && [ -e "$o/.series-ok/$key" ]; then
		ok_note "series.$n.build-$a" "passed before: same tree, configuration and compiler"
		return
	fi
	[ "$(git -C "$KSERIES" rev-parse HEAD)" = "$c" ] || git -C "$KSERIES" checkout -q -f --detach "$c"
	t0=$SECONDS
	if configure "$mk" "$o" "${frag[@]}" > "$log" 2>&1 &&
	   "$mk" "$o" vmlinux modules >> "$log" 2>&1 &&
	   w1 "$mk" "$o" "$a" "$c" >> "$log" 2>&1; then
		mkdir -p "$o/.series-ok"
		touch "$o/.series-ok/$key"
		res 0 "series.$n.build-$a"
	else
		res 1 "series.$n.build-$a" "$(grep -m1 -E '(error|warning): |\*\*\* ' "$log" || echo "see $log")"
		grep -E '(error|warning): |\*\*\* ' "$log" | sed -n 1,20p | indent
	fi
	log "series.$n.build-$a: $((SECONDS - t0)) s"
}

for i in "${sel[@]}"; do
	p=${files[i]} c=${commits[i]}
	n=${p##*/}; n=${n%%-*}
	build x86 "$n" "$c"
	case $arm64 in
	all) build arm64 "$n" "$c";;
	auto) kgit diff --name-only "$c^" "$c" | grep -qE '^(arch/arm64/|drivers/soc/|include/linux/soc/)' &&
		build arm64 "$n" "$c";;
	esac
done
finish
