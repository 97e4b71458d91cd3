#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the dump of a panic taken while CPU 1 held its runqueue lock.

Usage: rqlock_check.py RUNDIR MODE VMLINUX

RUNDIR is a scripts/scenario.sh run with kmd.freeze=rqlock: the scenario
module's sched_switch probe spun on CPU 1 (runqueue lock held, interrupts
off) when its thread kmd_rqlock/1 switched out, and the writer panicked on
CPU 0; console.log has the module's line "rqlock: CPU 1 spins in
sched_switch, ... from PREV pid P task T stack S to NEXT pid N task T2
stack S2" and the module's section addresses; dump/dump.elf is what mdfw
captured. One gdb reads every CPU's registers (the kernel's, saved at
panic) and unwinds them, with the module's symbols
(tests/debuggers/gdbbt.sh module_elf), and tests/scenario/stacks.py judges
each CPU. Prints "ok|not ok scenario.MODE.CHECK":

  rqlock-spun     the probe spun on CPU 1 and the panic followed
  cpu1-stack      CPU 1's stack pointer lies in prev's stack (S: the
                  stack it runs on until switch_to()), which the dump holds
                  whole (stacks.py's checks), with prev's task_struct (T:
                  ->stack S, ->pid P), and its backtrace goes through the
                  module's probe and __schedule to the bottom of that stack
  cpu1-curr       the dump holds next's task_struct (T2: ->stack S2, ->pid
                  N) and its stack: CPU 1's rq->curr, since the probe runs
                  after __schedule() set it
  cpu0-panic      CPU 0's stack pointer lies in its stack registered at
                  panic (KSTACK0_<i>) and its
                  backtrace goes through panic() and the module's
                  freeze_write() to the bottom of the stack

Exit status 1 if any check failed."""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../../scripts'))
sys.path.insert(0, os.path.join(HERE, '../debuggers'))
from kmdcore import file_vmcoreinfo  # noqa: E402
from random_instant import Checks  # noqa: E402
from stacks import Gdb, core_read, dump_cpus, load_at  # noqa: E402

LINE = re.compile(r'rqlock: CPU (\d+) spins in sched_switch, runqueue lock held, from (.+?) '
                  r'pid (\d+) task ([0-9a-f]+) stack ([0-9a-f]+) to (.+?) pid (\d+) task '
                  r'([0-9a-f]+) stack ([0-9a-f]+)')


def main():
    run, mode, vmlinux = sys.argv[1:4]
    check = Checks(f'scenario.{mode}')
    console = open(os.path.join(run, 'console.log'), 'rb').read().decode('utf-8', 'replace')
    m = LINE.search(console)
    panicked = 'Kernel panic - not syncing: kmemdump scenario: panic while CPU' in console
    check('rqlock-spun', bool(m and panicked), m.group(0) if m else 'no "rqlock: CPU 1 spins" line')
    core_path = os.path.join(run, 'dump', 'dump.elf')
    if not m or not os.path.exists(core_path):
        for c in ('cpu1-stack', 'cpu1-curr', 'cpu0-panic'):
            check(c, False, 'no spin line' if not m else 'no dump.elf')
        return 1
    prev = {'comm': m.group(2), 'pid': int(m.group(3)), 'task': int(m.group(4), 16),
            'stack': int(m.group(5), 16)}
    nxt = {'comm': m.group(6), 'pid': int(m.group(7)), 'task': int(m.group(8), 16),
           'stack': int(m.group(9), 16)}
    koff = int(file_vmcoreinfo(core_path).get('KERNELOFFSET', '0'), 16)
    tmp = tempfile.mkdtemp(prefix='kmd-rqlock-')
    try:
        # The module's symbols, linked where the guest says it was loaded.
        ko = os.path.join(run, 'kmemdump_scenario.ko')
        subprocess.run(['bash', '-c', '. "$1/gdbbt.sh"; module_elf "$2" "$3" "$4"', '-',
                        os.path.join(HERE, '../debuggers'), ko,
                        os.path.join(run, 'console.log'), tmp], check=False,
                       capture_output=True)
        modelf = os.path.join(tmp, 'mod.elf')
        g = Gdb(vmlinux, koff, tmp, modelf if os.path.exists(modelf) else None)
        core, loads, cpus = dump_cpus(core_path, g)
        cpus = {c['cpu']: c for c in cpus}
        ts = g.task_struct
        g.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    def frames(c):
        return [f.split(' ')[0] for f in c['frames']]

    def show(c):
        return (f"{c['kind']} {c['where']}: " + ' <- '.join(c['frames'][:20]) +
                ''.join(f'; {p}' for _, p in c['problems']))

    def task_in_dump(t):
        """Where the dump holds task_struct T (and its stack), or why not."""
        ld = load_at(loads, t['task'])
        if ld is None or ld['vaddr'] != t['task'] or ld['size'] < ts['size'] // 2:
            return None, f"task {t['task']:#x} not a PT_LOAD of its own"
        st = core_read(core, loads, t['task'] + ts['stack'], 8)
        pid = core_read(core, loads, t['task'] + ts['pid'], 4)
        st, pid = st and struct.unpack('<Q', st)[0], pid and struct.unpack('<i', pid)[0]
        where = f"{ld['name']}.{ld['seq']}"
        if st != t['stack'] or pid != t['pid']:
            return None, f'{where} says stack {st and hex(st)} pid {pid}'
        if load_at(loads, t['stack']) is None:
            return None, f"{where}, its stack {t['stack']:#x} not in the dump"
        return where, where

    c1 = cpus.get(int(m.group(1)))
    pw, pwhy = task_in_dump(prev)
    if c1 is None:
        check('cpu1-stack', False, f'no thread for CPU {m.group(1)}')
    else:
        fr = frames(c1)
        ok = (not c1['problems'] and c1['bottom'] and 'rq_probe' in fr and '__schedule' in fr
              and c1['stack'] is not None and c1['stack'][0] == prev['stack'] and pw)
        check('cpu1-stack', ok, f"prev {prev['comm']} pid {prev['pid']} stack "
              f"{prev['stack']:#x}, task_struct: {pwhy}; CPU 1 on the stack at "
              f"{c1['stack'] and hex(c1['stack'][0])}: {show(c1)}")
    nw, nwhy = task_in_dump(nxt)
    check('cpu1-curr', nw is not None,
          f"next (rq->curr) {nxt['comm']} pid {nxt['pid']}: {nwhy}")
    c0 = next((c for c in cpus.values() if 'panic' in frames(c)), None)
    check('cpu0-panic', c0 is not None and c0 is not c1 and not c0['problems'] and
          c0['kind'] == 'panic' and 'freeze_write' in frames(c0) and
          c0['bottom'] is not None,
          f"cpu {c0['cpu']}: {show(c0)}" if c0 else 'no CPU unwinds through panic(): ' +
          ' | '.join(f"cpu {c['cpu']}: {show(c)}" for c in cpus.values()))
    return 1 if check.failed else 0


if __name__ == '__main__':
    sys.exit(main())
