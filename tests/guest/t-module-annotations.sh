# SPDX-License-Identifier: GPL-2.0
# A module's KMEMDUMP_VAR() records are registered on insmod and gone after
# rmmod: no region may outlive the module's memory.
set -e
R=/sys/kernel/debug/kmemdump/regions
# Regions other than the page-table pages kmemdump adds for them (pgt<n>).
count() { awk 'NR > 2 && $2 !~ /^pgt[0-9]+$/ { n++ } END { print n + 0 }' $R; }
pgts() { awk 'NR > 2 && $2 ~ /^pgt[0-9]+$/ { n++ } END { print n + 0 }' $R; }
has_size() { awk -v s="$1" 'NR > 2 && $3 == s { f = 1 } END { exit !f }' $R; }

before=$(count) pgt_before=$(pgts)
! has_size 4093 && ! has_size 1234 || { echo "test sizes already present"; exit 1; }
insmod /lib/modules/kmemdump_modtest.ko
# Its 2 annotations, and what locates it in a dump (mm/kmemdump/modules.c):
# its struct module and its section attributes.
echo "after insmod: $(count) regions (before: $before)"
[ "$(count)" -eq $((before + 4)) ] || { echo "expected $((before + 4))"; cat $R; exit 1; }
has_size 4093 || { echo "4093-byte region missing"; exit 1; }
has_size 1234 || { echo "1234-byte region missing"; exit 1; }
rmmod kmemdump_modtest
echo "after rmmod: $(count) regions"
[ "$(count)" -eq "$before" ] || { echo "regions left behind"; cat $R; exit 1; }
# The page-table pages of module space go with the module's regions.
[ "$(pgts)" -eq "$pgt_before" ] || { echo "page-table pages left behind"; cat $R; exit 1; }
! has_size 4093 && ! has_size 1234 || { echo "module regions survive rmmod"; exit 1; }
