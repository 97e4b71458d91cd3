#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages the build, the guest and the tools need.
# Does nothing when everything is already there.
set -euo pipefail
pkgs=(linux-source-6.12 build-essential ccache flex bison bc cpio kmod xz-utils
      libelf-dev libssl-dev dwarves rsync python3 busybox-static qemu-system-x86
      libjson-c-dev pkg-config crash python3-drgn makedumpfile gdb gnuplot-nox
      clang libclang-rt-14-dev
      gcc-aarch64-linux-gnu qemu-system-arm gdb-multiarch device-tree-compiler
      kexec-tools git rt-tests)
# The arm64 board's busybox comes from the arm64 package (downloaded, not
# installed): dpkg must know the architecture.
arch_missing=0
dpkg --print-foreign-architectures | grep -qx arm64 || arch_missing=1
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && [ $arch_missing -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
[ $arch_missing -eq 0 ] || $SUDO dpkg --add-architecture arm64
$SUDO apt-get update -q >&2
[ ${#missing[@]} -eq 0 ] ||
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
