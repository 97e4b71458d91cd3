# SPDX-License-Identifier: GPL-2.0
# Shell functions to open a dump in gdb with the scenario module's symbols
# (sourced by check-dump.sh and backtraces.sh).

# module_elf RUNDIR TMP: the scenario module's .ko linked at the addresses
# the guest printed (KMD-MODULE-SECTION lines of RUNDIR/console.log;
# add-symbol-file on the relocatable .ko misplaces DWARF5 line info), as
# TMP/mod.elf, for gdb's add-symbol-file and drgn_check.py's module frame
# names. Prints one "# module symbols: ..." line.
module_elf() {
	local run=$1 tmp=$2 ko=$1/kmemdump_scenario.ko
	[ -f "$ko" ] || ko=$TOP/build/modules/kmemdump_scenario/kmemdump_scenario.ko
	rm -f "$tmp/mod.elf"
	if [ -f "$run/console.log" ] && grep -q KMD-MODULE-SECTION "$run/console.log" && [ -f "$ko" ]; then
		{
			echo 'SECTIONS {'
			tr -d '\r' < "$run/console.log" | awk '$1 == "KMD-MODULE-SECTION:" &&
				$3 !~ /^\.(symtab|strtab)$/ { printf "  %s %s : { *(%s) }\n", $3, $4, $3 }'
			echo '  /DISCARD/ : { *(.modinfo) *(.comment) *(.note.GNU-stack) }'
			echo '}'
		} > "$tmp/mod.lds"
		if ld -o "$tmp/mod.elf" -T "$tmp/mod.lds" --unresolved-symbols=ignore-all \
			-e 0 --no-warn-rwx-segments "$ko" > "$tmp/ld.log" 2>&1; then
			echo "# module symbols: $ko linked at its load addresses ($(grep -c . "$tmp/mod.lds") sections)"
		else
			rm -f "$tmp/mod.elf"
			echo "# module symbols: ld failed: $(head -2 "$tmp/ld.log")"
		fi
	else
		echo "# module symbols: no KMD-MODULE-SECTION lines in $run/console.log or no .ko"
	fi
}

# gdb_frames VMLINUX KOFF DUMP TMP: 'info threads' and 'thread apply all
# bt' of DUMP on stdout. gdb reads the kernel's code from a .text-only
# copy of VMLINUX moved by KOFF (hex KERNELOFFSET; exec-file: the core has
# no code, and a whole vmlinux would let gdb read stale .data for memory
# the dump lacks), and the module's from TMP/mod.elf (module_elf).
gdb_frames() {
	local vmlinux=$1 koff=$2 dump=$3 tmp=$4 mod=()
	objcopy --only-section=.text --change-addresses "0x$koff" "$vmlinux" \
		"$tmp/text.elf" 2> /dev/null
	[ -f "$tmp/mod.elf" ] && mod=(-ex "add-symbol-file $tmp/mod.elf -o 0")
	timeout -k 5 120 "${GDB:-gdb}" -batch -nx \
		-ex "symbol-file $vmlinux -o 0x$koff" -ex "exec-file $tmp/text.elf" \
		"${mod[@]}" -ex "core-file $dump" \
		-ex 'info threads' -ex 'thread apply all bt'
}
