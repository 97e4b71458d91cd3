#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the production bench kernel of `make bench` in build/obj-prod:
# x86_64 tinyconfig + tests/config/kmemdump.config with the lines of
# kmemdump-prod.config replacing the ones they name (no KASAN, lockdep,
# KUnit; ORC unwinder), + bench-peers.config (pstore/ramoops, kdump, 9p,
# lockup detectors). Same source tree (build/linux) and ccache as
# scripts/kernel-build.sh; incremental. Also builds the scenario and
# benchmark modules against it into build/obj-prod/bench-modules/.
#   bench-kernel.sh        build/obj-prod
#   bench-kernel.sh --rt   build/obj-prod-rt: the same + bench-rt.config
#                          (PREEMPT_RT, high-resolution timers), for
#                          scripts/bench-switch.sh's cyclictest
set -euo pipefail
. "$(dirname "$0")/lib.sh"
o=$KOBJ_PROD
cfg=$TOP/tests/config
extra=()
case ${1:-} in
--rt) o=$KOBJ_PROD_RT extra=("$cfg/bench-rt.config");;
-h|--help) sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0;;
"") ;;
*) die "usage: bench-kernel.sh [--rt]";;
esac
"$TOP/scripts/tree.sh"
mkdir -p "$o"
# The fragment: base lines whose option the production fragment names are
# dropped, then the two fragments are appended.
names=$(sed -n 's/^\(CONFIG_[A-Za-z0-9_]*\)=.*/\1/p' "$cfg/kmemdump-prod.config" "$cfg/bench-peers.config")
grep -v -w -F "$names" "$cfg/kmemdump.config" > "$o/bench.base.config" || true
kconfigure kmake "$o" "$o/bench.base.config" "$cfg/kmemdump-prod.config" \
	"$cfg/bench-peers.config" ${extra[@]+"${extra[@]}"}
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
