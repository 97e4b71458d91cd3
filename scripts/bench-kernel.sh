#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the production bench kernel of `make bench` in build/obj-prod:
# x86_64 tinyconfig + tests/config/kmemdump.config with the lines of
# kmemdump-prod.config replacing the ones they name (no KASAN, lockdep,
# KUnit; ORC unwinder), + bench-peers.config (pstore/ramoops, kdump, 9p,
# lockup detectors). Same source tree (build/linux) and ccache as
# scripts/kernel-build.sh; incremental. Also builds the scenario and
# benchmark modules against it into build/obj-prod/bench-modules/.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
o=$KOBJ_PROD
cfg=$TOP/tests/config
"$TOP/scripts/kernel-tree.sh"
mkdir -p "$o"
# The fragment: base lines whose option the production fragment names are
# dropped, then the two fragments are appended.
names=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' "$cfg/kmemdump-prod.config" "$cfg/bench-peers.config")
grep -v -w -F "$names" "$cfg/kmemdump.config" > "$o/bench.fragment.new" || true
cat "$cfg/kmemdump-prod.config" "$cfg/bench-peers.config" >> "$o/bench.fragment.new"
if [ -f "$o/.config" ] && cmp -s "$o/bench.fragment.new" "$o/bench.fragment"; then
	rm "$o/bench.fragment.new"
else
	log "configuring $o"
	kmake "$o" tinyconfig >/dev/null
	(cd "$o" && "$KSRC/scripts/kconfig/merge_config.sh" -m -O . .config bench.fragment.new) >/dev/null
	kmake "$o" olddefconfig >/dev/null
	bad=0
	while read -r l; do
		case $l in CONFIG_*=*) ;; *) continue;; esac
		if [ "${l#*=}" = n ]; then
			grep -q "^${l%=n}=" "$o/.config" && { echo "config: $l not honoured" >&2; bad=1; }
		else
			grep -qx "$l" "$o/.config" || { echo "config: $l not set" >&2; bad=1; }
		fi
	done < "$o/bench.fragment.new"
	[ $bad -eq 0 ] || die "bench kernel config fragment not satisfied"
	mv "$o/bench.fragment.new" "$o/bench.fragment"
fi
log "building the bench kernel in $o"
kmake "$o" bzImage modules
for src in "$TOP"/tests/modules/kmemdump_scenario "$TOP"/tests/modules/kmemdump_bench \
	"$TOP"/tests/bench/guest/kmd_bench_pause; do
	n=$(basename "$src")
	mkdir -p "$o/bench-modules/$n"
	rsync -rc "$src/" "$o/bench-modules/$n/"
	kmake "$o" M="$o/bench-modules/$n" W=1 modules >/dev/null
done
log "bench kernel ready: $o/arch/x86/boot/bzImage"
