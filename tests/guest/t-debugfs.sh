# SPDX-License-Identifier: GPL-2.0
# debugfs kmemdump/regions: root-only, names the backend, lists the region banner
# with the size of the banner the kernel printed.
set -e
R=/sys/kernel/debug/kmemdump/regions
[ "$(stat -c %a $R)" = 400 ] || { echo "mode $(stat -c %a $R), want 400"; exit 1; }
head -2 $R
grep -q '^backend: none$' $R || { echo "no default backend line"; exit 1; }
want=$(( $(cat /proc/version | wc -c) ))
# /proc/version is the banner; the region also holds the NUL.
line=$(awk '$2 == "banner"' $R)
echo "$line"
set -- $line
[ "$1" = 1 ] && [ "$3" -eq $((want + 1)) ] || { echo "banner region wrong (want size $((want + 1)))"; exit 1; }
