# SPDX-License-Identifier: GPL-2.0
# Paths and helpers for the arm64 (qemu-system-aarch64 -M virt, SMEM)
# board. Sourced after lib.sh.
KOBJ64=${KOBJ64:-$BUILD/obj-arm64}  # object tree of the arm64 guest kernel
BOARD64=$BUILD/board-arm64   # generated device tree, aarch64 busybox
# Guest RAM starts here on the virt machine: RAM file offset = PA - this.
ARM64_RAM_BASE=0x40000000
# The board's reserved memory (tests/board/arm64/smem.dtsi): SMEM, 2 MiB,
# the TCSR mutex registers, 128 KiB, and the shared IMEM, 4 KiB (the
# kernel's KASLR record at +0x6d0; mdfw capture --shared-imem copies it to
# MD_SHRDIMEM.BIN and lists it in dump_info.txt, for ramparse.py -a).
ARM64_SMEM_BASE=0x5fc00000
ARM64_SMEM_SIZE=0x200000
ARM64_TCSR_BASE=0x5fe00000
ARM64_TCSR_SIZE=0x20000
ARM64_SHRDIMEM_BASE=0x5fe20000

kmake64() { # kmake64 OBJDIR args...
	local o=$1; shift
	make -C "$KSRC" O="$o" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- \
		CC="ccache aarch64-linux-gnu-gcc" HOSTCC="ccache gcc" \
		-j"$JOBS" "$@"
}

# arm64_base_config OUTFILE: the shared test fragment without its x86-only
# lines, and without KASAN (see kmemdump-arm64.config).
arm64_base_config() {
	grep -v -E '^CONFIG_(SERIAL_8250|ACPI|UNWINDER_|KASAN)' \
		"$TOP/tests/config/kmemdump.config" > "$1"
}
