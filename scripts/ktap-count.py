#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the JSON of `kunit.py parse --json` into one result line per leaf
test ("ok|not ok|skip <suite>.<test>") for scripts/check.sh to count.

Usage: ktap-count.py PREFIX < results.json
Exit status 1 when the parser reported no test at all (a crashed or hung
guest must not look like success)."""
import json
import sys

prefix = sys.argv[1] if len(sys.argv) > 1 else ''
doc = json.load(sys.stdin)
n = 0


def walk(group, path):
    global n
    for case in group.get('test_cases', []):
        name = '.'.join(path + [case['name']])
        st = case['status']
        word = {'PASS': 'ok', 'SKIP': 'skip'}.get(st, 'not ok')
        print(f"{word} {prefix}{name}" + ('' if word == 'ok' else f"  # {st}"))
        n += 1
    for sub in group.get('sub_groups', []):
        walk(sub, path + [sub['name']])


walk({'test_cases': doc.get('test_cases', [])}, [])
for g in doc.get('sub_groups', []):
    walk(g, [g['name']])
if n == 0:
    print(f"not ok {prefix}results  # no test results parsed")
    sys.exit(1)
