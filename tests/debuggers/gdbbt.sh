# SPDX-License-Identifier: GPL-2.0
# Shell functions to open a dump in gdb with the scenario module's symbols
# (sourced by check-dump.sh, check-dump-arm64.sh and backtraces.sh).

# scenario_ko RUNDIR: the scenario module as the run booted it (copied by
# scripts/scenario.sh), else the current build's.
scenario_ko() {
	if [ -f "$1/kmemdump_scenario.ko" ]; then
		echo "$1/kmemdump_scenario.ko"
	else
		echo "$TOP/build/modules/kmemdump_scenario/kmemdump_scenario.ko"
	fi
}

# module_sections VMLINUX KOFF DUMP OUT: every module the dump lists, read
# from the dump by tools/gdb/kmemdump-modules.gdb (the modules list and the
# section attributes kmemdump registers while a module is live), as
# "KMD-MODULE-SECTION: module section address" lines, then "KMD-MODULES: N",
# in OUT (gdb's output in OUT.log). ${GDB:-gdb}. Returns 1 if no module
# section was listed.
module_sections() {
	timeout -k 5 120 "${GDB:-gdb}" -batch -nx -ex "symbol-file $1 -o 0x$2" \
		-ex "core-file $3" -x "$TOP/tools/gdb/kmemdump-modules.gdb" > "$4.log" 2>&1
	tr -d '\r' < "$4.log" | grep -E '^KMD-MODULE(-SECTION|S): ' > "$4"
	grep -q '^KMD-MODULE-SECTION: ' "$4"
}

# check_module_sections VMLINUX KOFF DUMP CONSOLE TMP: the gdb-module-sections
# check, through the caller's report(): module_sections lists the scenario
# module's sections from DUMP (in TMP/modsects) at the addresses the guest
# read from sysfs (KMD-MODULE-SECTION lines of CONSOLE, in
# TMP/modsects.console).
check_module_sections() {
	local vmlinux=$1 koff=$2 dump=$3 console=$4 tmp=$5 n
	tr -d '\r' < "$console" 2> /dev/null | grep '^KMD-MODULE-SECTION: ' |
		sort > "$tmp/modsects.console"
	if ! command -v "${GDB:-gdb}" > /dev/null; then
		report skip gdb-module-sections "no ${GDB:-gdb}"
	elif ! module_sections "$vmlinux" "$koff" "$dump" "$tmp/modsects"; then
		report "not ok" gdb-module-sections "gdb lists no module section from the dump:" \
			"$(grep -m3 -E 'Cannot access|rror|KMD-MODULES' "$tmp/modsects.log")"
	else
		grep '^KMD-MODULE-SECTION: kmemdump_scenario ' "$tmp/modsects" | sort > "$tmp/modsects.dump"
		n=$(grep -c . "$tmp/modsects.dump")
		if [ "$n" -gt 0 ] && cmp -s "$tmp/modsects.dump" "$tmp/modsects.console"; then
			report ok gdb-module-sections "$(tail -1 "$tmp/modsects"); kmemdump_scenario's $n sections" \
				"at the addresses the guest read from sysfs, e.g. $(grep ' \.text ' "$tmp/modsects.dump")"
		else
			report "not ok" gdb-module-sections "$n sections of kmemdump_scenario in the dump, $(grep -c . "$tmp/modsects.console") on the console:" \
				"$(diff "$tmp/modsects.dump" "$tmp/modsects.console" | head -6)"
		fi
	fi
}

# module_elf KO SECTIONS TMP: the module KO linked at the addresses its
# KMD-MODULE-SECTION lines in SECTIONS give (module_sections, or the
# guest's console), as TMP/mod.elf, for gdb's add-symbol-file:
# add-symbol-file on the relocatable .ko misplaces DWARF5 line info.
# ${LD:-ld}; calls into the kernel stay unresolved (--noinhibit-exec: on
# arm64 their 26-bit branches to address 0 overflow; the symbols and DWARF
# are right). Prints one "# module symbols: ..." line.
module_elf() {
	local ko=$1 secs=$2 tmp=$3 name
	name=$(basename "$ko" .ko)
	rm -f "$tmp/mod.elf"
	if [ -f "$ko" ] && grep -q "^KMD-MODULE-SECTION: $name " "$secs" 2> /dev/null; then
		{
			echo 'SECTIONS {'
			tr -d '\r' < "$secs" | awk -v m="$name" '$1 == "KMD-MODULE-SECTION:" &&
				$2 == m && $3 !~ /^\.(symtab|strtab)$/ { printf "  %s %s : { *(%s) }\n", $3, $4, $3 }'
			echo '  /DISCARD/ : { *(.modinfo) *(.comment) *(.note.GNU-stack) }'
			echo '}'
		} > "$tmp/mod.lds"
		"${LD:-ld}" -o "$tmp/mod.elf" -T "$tmp/mod.lds" --unresolved-symbols=ignore-all \
			-e 0 --no-warn-rwx-segments --noinhibit-exec "$ko" > "$tmp/ld.log" 2>&1
		if [ -s "$tmp/mod.elf" ]; then
			echo "# module symbols: $ko linked at the addresses of $secs ($(grep -c . "$tmp/mod.lds") sections)"
		else
			rm -f "$tmp/mod.elf"
			echo "# module symbols: ld failed: $(head -2 "$tmp/ld.log")"
		fi
	else
		echo "# module symbols: no $ko, or no KMD-MODULE-SECTION line for $name in $secs"
	fi
}

# check_prb_head VMLINUX KOFF DUMP DRGN_OUT TMP: the gdb-prb-head check,
# through the caller's report(). A runtime-only value: the printk ring's
# head descriptor ID. gdb reads read-only sections it cannot find in the
# core from vmlinux (so 'p linux_banner' proves nothing), but not .data:
# prb and printk_rb_static must come from the dump. The static initial
# value (vmlinux alone) and drgn's reading of the same dump (the
# "# drgn prb->desc_ring.head_id.counter = N" line of DRGN_OUT) are the
# references. ${GDB:-gdb}.
check_prb_head() {
	local vmlinux=$1 koff=$2 dump=$3 drgn=$4 tmp=$5 g st d what
	local expr='prb->desc_ring.head_id.counter'
	timeout -k 5 120 "${GDB:-gdb}" -batch -nx -ex "symbol-file $vmlinux -o 0x$koff" \
		-ex "core-file $dump" -ex "p $expr" > "$tmp/gdb" 2>&1
	timeout -k 5 120 "${GDB:-gdb}" -batch -nx -ex "file $vmlinux" \
		-ex 'p printk_rb_static.desc_ring.head_id.counter' > "$tmp/gdb.static" 2>&1
	g=$(sed -n 's/^\$1 = \(-\{0,1\}[0-9][0-9]*\)$/\1/p' "$tmp/gdb")
	st=$(sed -n 's/^\$1 = \(-\{0,1\}[0-9][0-9]*\)$/\1/p' "$tmp/gdb.static")
	d=$(sed -n 's/^# drgn prb->desc_ring.head_id.counter = \(-\{0,1\}[0-9][0-9]*\)$/\1/p' \
		"$drgn" 2> /dev/null)
	what="gdb $expr = ${g:-?}, drgn ${d:-?}, static initial value ${st:-?}"
	if [ -z "$g" ]; then
		report "not ok" gdb-prb-head "gdb could not read $expr from the dump:" \
			"$(grep -m2 -E 'Cannot access|No symbol|rror' "$tmp/gdb" || tail -n 3 "$tmp/gdb")"
	elif [ -z "$st" ] || [ "$g" = "$st" ]; then
		report "not ok" gdb-prb-head "$what: not a runtime value"
	elif [ ! -s "$drgn" ]; then
		report skip gdb-prb-head "$what: no drgn to compare with"
	elif [ -z "$d" ]; then
		report "not ok" gdb-prb-head "$what: drgn could not read it"
	elif [ "$g" != "$d" ]; then
		report "not ok" gdb-prb-head "$what: gdb and drgn disagree"
	else
		report ok gdb-prb-head "$what"
	fi
}

# gdb_frames VMLINUX KOFF DUMP TMP: 'info threads' and 'thread apply all
# bt' of DUMP on stdout, every thread named after its CPU by
# tools/gdb/kmemdump-threads.py ('Thread 1 (LWP 4194304 "CPU0 idle
# (swapper/0)"):', 'Thread 2 (LWP 1 "CPU1"):'). gdb reads the kernel's code from a .text-only
# copy of VMLINUX moved by KOFF (hex KERNELOFFSET; exec-file: the core has
# no code, and a whole vmlinux would let gdb read stale .data for memory
# the dump lacks), and the module's from TMP/mod.elf (module_elf);
# tools/gdb/kmemdump-unwind.py unwinds through the entry assembly.
# ${GDB:-gdb}, ${OBJCOPY:-objcopy}.
gdb_frames() {
	local vmlinux=$1 koff=$2 dump=$3 tmp=$4 mod=()
	"${OBJCOPY:-objcopy}" --only-section=.text --change-addresses "0x$koff" "$vmlinux" \
		"$tmp/text.elf" 2> /dev/null
	[ -f "$tmp/mod.elf" ] && mod=(-ex "add-symbol-file $tmp/mod.elf -o 0")
	timeout -k 5 120 "${GDB:-gdb}" -batch -nx \
		-ex "symbol-file $vmlinux -o 0x$koff" -ex "exec-file $tmp/text.elf" \
		"${mod[@]}" -ex "core-file $dump" -x "$TOP/tools/gdb/kmemdump-threads.py" \
		-x "$TOP/tools/gdb/kmemdump-unwind.py" \
		-ex 'info threads' -ex 'thread apply all bt'
}

# check_cpu_names BT INFO [BACKTRACES]: the gdb-cpu-names check, through
# the caller's report(): what a person reads names each CPU, and an idle
# CPU as its idle task, never by mdfw's synthetic pid (0x400000 + cpu,
# 0x401000 + cpu: gdb's LWP, tools/mdfw/cpuregs.h). BT is gdb_frames'
# output: every thread N (CPU N - 1) is named "CPU<N-1>...", one whose
# LWP is 0x400000 + cpu "CPU<cpu> idle (swapper/<cpu>)"; INFO (mdfw info)
# says "idle (swapper/<cpu>)" on that CPU's line; BACKTRACES
# (backtraces.sh, what make demo shows), if given, has a "-- CPU <cpu>: "
# block per thread, the idle ones "-- CPU <cpu>: idle (swapper/<cpu>)".
# Neither INFO's CPU lines nor BACKTRACES show a synthetic pid.
check_cpu_names() {
	local bt=$1 info=$2 bts=${3:-} bad= seen= n=0 t cpu lwp name want hdr
	while IFS=$'\t' read -r t lwp name; do
		cpu=$((t - 1)) n=$((n + 1))
		if [ "$lwp" -eq $((0x400000 + cpu)) ] || [ "$lwp" -eq 0 ]; then
			want="CPU$cpu idle (swapper/$cpu)"
			grep -qE "^  cpu $cpu +[a-z(QEMU) ]+ idle \(swapper/$cpu\) " "$info" ||
				bad="$bad; mdfw info: cpu $cpu not idle (swapper/$cpu)"
			[ -z "$bts" ] || grep -qF -- "-- CPU $cpu: idle (swapper/$cpu)" "$bts" ||
				bad="$bad; backtraces: CPU $cpu not idle (swapper/$cpu)"
		else
			want="CPU$cpu"
		fi
		[ "$name" = "$want" ] || [ "${name#"$want" }" != "$name" ] ||
			bad="$bad; gdb thread $t (CPU $cpu) named '${name}', not '$want'"
		if [ -n "$bts" ]; then
			hdr=$(grep -m1 -- "^-- CPU $cpu: " "$bts")
			[ -n "$hdr" ] || bad="$bad; backtraces: no '-- CPU $cpu: ' block"
			seen="$seen${seen:+ | }${hdr:-?}"
		else
			seen="$seen${seen:+ | }Thread $t \"$name\""
		fi
	done < <(sed -nE 's/^Thread ([0-9]+) \(LWP ([0-9]+)( "([^"]*)")?\):$/\1\t\2\t\4/p' "$bt" | sort -n)
	[ "$n" -gt 0 ] || bad="$bad; no thread in gdb's output"
	if grep -E '^  cpu [0-9]+ ' "$info" | grep -qE '\b(419[4-9]|4[2-9][0-9]{2})[0-9]{3}\b' ||
	   { [ -n "$bts" ] && grep -qE '\b(419[4-9]|4[2-9][0-9]{2})[0-9]{3}\b' "$bts"; }; then
		bad="$bad; a synthetic pid (0x400000 + cpu) shown: $(grep -hoE -m2 '.{0,40}\b(419[4-9]|4[2-9][0-9]{2})[0-9]{3}\b' "$info" $bts | head -2 | tr '\n' ' ')"
	fi
	if [ -z "$bad" ]; then
		report ok gdb-cpu-names "$n CPUs named, idle ones as their idle task: $seen"
	else
		report "not ok" gdb-cpu-names "${bad#; }" "$seen"
	fi
}
