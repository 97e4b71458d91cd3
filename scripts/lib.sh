# SPDX-License-Identifier: GPL-2.0
# Shared paths and helpers for the harness scripts (sourced, not run).
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${KMD_BUILD:-$TOP/build}
KSRC=$BUILD/linux            # git tree: pristine 6.12 + patches/ (make tree)
KSERIES=$BUILD/series-linux  # worktree of KSRC: make series-check builds each patch there
KOBJ=$BUILD/obj              # object tree of the test/scenario kernel
KOBJ_N=$BUILD/obj-n          # object tree of the CONFIG_KMEMDUMP=n check
KOBJ_RT=$BUILD/obj-rt        # the test kernel with PREEMPT_RT
KOBJ_PROD=$BUILD/obj-prod    # production bench kernel: kmemdump-prod + bench-peers (make bench)
KOBJ_PROD_RT=$BUILD/obj-prod-rt  # the same + bench-rt (PREEMPT_RT): bench-switch.sh's cyclictest
KOBJ_SERIES=$BUILD/series-obj          # make series-check: x86 object tree
KOBJ_SERIES64=$BUILD/series-obj-arm64  # make series-check: arm64 object tree
KTARBALL=${KMD_KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
# Hash paths relative to the checkout, so that a fresh clone elsewhere
# (CI) hits the cache filled by another one.
export CCACHE_BASEDIR=$TOP CCACHE_NOHASHDIR=1
export KBUILD_BUILD_TIMESTAMP='Thu Jan  1 00:00:00 UTC 2026'
export KBUILD_BUILD_USER=kmemdump KBUILD_BUILD_HOST=kmemdump
# build/linux is a git tree: without this, the kernel's setlocalversion
# appends "+" to the release (6.12.x+) because HEAD is no tagged release.
export LOCALVERSION=${LOCALVERSION-}
JOBS=${JOBS:-$(nproc)}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

copy_bin() { # copy_bin BINARY ROOT: the binary and the shared libraries it needs
	local b=$1 root=$2 l
	mkdir -p "$root/bin"; cp "$b" "$root/bin/"
	for l in $(ldd "$b" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$l")"; cp -L "$l" "$root$l"
	done
}

kmake() { # kmake OBJDIR args...
	local o=$1; shift
	make -C "$KSRC" O="$o" ARCH=x86_64 CC="ccache gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

# Configure OBJDIR: tinyconfig + FRAGMENTs, through MAKEFN (kmake or an
# architecture's). Only when the fragments changed; every fragment line
# must survive Kconfig's dependency resolution.
kconfigure() { # kconfigure MAKEFN OBJDIR FRAGMENT...
	local mk=$1 o=$2; shift 2
	mkdir -p "$o"
	cat "$@" > "$o/kmemdump.fragment.new"
	if [ -f "$o/.config" ] && cmp -s "$o/kmemdump.fragment.new" "$o/kmemdump.fragment"; then
		rm "$o/kmemdump.fragment.new"
		return
	fi
	"$mk" "$o" tinyconfig >/dev/null
	(cd "$o" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O . .config kmemdump.fragment.new) >/dev/null
	"$mk" "$o" olddefconfig >/dev/null
	local bad=0 l
	while read -r l; do
		case $l in CONFIG_*=*) ;; *) continue;; esac
		case $l in *=n)
			# Off: not set, whether Kconfig lists it or not.
			grep -q "^${l%=n}=" "$o/.config" || continue
			echo "config: $l not honoured" >&2; bad=1; continue;;
		esac
		grep -qx "$l" "$o/.config" || { echo "config: $l not set" >&2; bad=1; }
	done < "$o/kmemdump.fragment.new"
	[ $bad -eq 0 ] || die "kernel config fragment not satisfied ($o)"
	mv "$o/kmemdump.fragment.new" "$o/kmemdump.fragment"
}
