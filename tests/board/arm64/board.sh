#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Device tree of the arm64 board: QEMU's own tree of "-M virt" for the
# given RAM size and CPU count, plus the SMEM nodes of smem.dtsi.
#   board.sh OUT.dtb [RAM] [CPUS]
# The tree depends on the machine's options (RAM size, CPUs, GIC), so it
# is dumped with the same ones arm64-run-guest.sh uses. That script gives
# each boot new /chosen kaslr-seed and rng-seed values: QEMU keeps those of
# a tree given with -dtb.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "$1") ram=${2:-512M} cpus=${3:-2}
command -v dtc >/dev/null || { echo "dtc missing (apt-get install device-tree-compiler)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
qemu-system-aarch64 -M "virt,dumpdtb=$tmp/virt.dtb" -cpu cortex-a57 \
	-smp "$cpus" -m "$ram" -nographic -monitor none -serial none >/dev/null 2>&1
dtc -q -I dtb -O dts -o "$tmp/virt.dts" "$tmp/virt.dtb"
# A second root node: dtc merges it into QEMU's.
cat "$tmp/virt.dts" "$here/smem.dtsi" | grep -v '^// SPDX' > "$tmp/board.dts"
mkdir -p "$(dirname "$out")"
dtc -q -I dts -O dtb -o "$out" "$tmp/board.dts"
cp "$tmp/board.dts" "${out%.dtb}.dts"
