# SPDX-License-Identifier: GPL-2.0
# A module that registers memory by hand and is unloaded without
# unregistering it: kmemdump removes the region when the module goes away
# and warns, naming the module and the region. The warning is expected:
# the lines between the KMD-EXPECTED-WARN markers are exempt from the
# splat check of scripts/check.sh.
set -e
R=/sys/kernel/debug/kmemdump/regions
has_size() { awk -v s="$1" 'NR > 2 && $3 == s { f = 1 } END { exit !f }' $R; }

! has_size 777 || { echo "777-byte region already present"; exit 1; }
insmod /lib/modules/kmemdump_modtest.ko leak=1
has_size 777 || { echo "the hand-registered region is missing"; cat $R; exit 1; }
echo "KMD-EXPECTED-WARN-BEGIN" > /dev/kmsg
rmmod kmemdump_modtest
echo "KMD-EXPECTED-WARN-END" > /dev/kmsg
! has_size 777 || { echo "the module's hand-registered region outlived it"; cat $R; exit 1; }
# Registered by hand with kmemdump_register() in modtest_init(): named
# "<function>_<id>", the function's name cut so that the whole fits 15.
id=$(dmesg | sed -n 's/.*kmemdump_modtest: registered 777 bytes by hand: \([0-9]*\)$/\1/p' | tail -1)
suffix="_$id"
want="$(echo modtest_init | cut -c1-$((15 - ${#suffix})))$suffix"
dmesg | grep -q "kmemdump: module kmemdump_modtest is going away with region $want (777 bytes" ||
	{ echo "no warning naming the module and the region"; dmesg | tail -20; exit 1; }
echo "region removed at rmmod, warning: $(dmesg | grep -o 'module kmemdump_modtest is going away.*' | head -1)"
