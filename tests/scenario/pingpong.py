#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""pingpong: pause a guest that switches tasks without end on every CPU, at
random instants, and check with gdb that every CPU's stack is in the dump.

Usage: pingpong.py RUNDIR --ram-size N --vmlinux PATH [--pauses N]
                   [--seed S] [--mdfw PATH] [--keep-failed N]

RUNDIR holds what scripts/random-instant.sh set up for the ping-pong
(kmd.freeze=none kmd.pingpong=1): console.log, qmp.sock, ram.img and
shm.img. On every online CPU two processes pinned there pass a byte back
and forth through two pipes (tests/bench/switch/pingpong.c), so each CPU
switches between them all the time and is often inside a switch.

The pause schedule comes from random.Random(SEED) (printed as "# seed S").
At each instant: QMP "stop"; every vCPU's registers from QEMU, as "mdfw
capture" takes them (QMP dump-guest-memory of one page: its NT_PRSTATUS
notes); "mdfw extract" (the firmware's copy, as in random_instant.py)
into pause-NNN (on /dev/shm: mdfw syncs what it writes); the registers added as the capture adds them
(cpu_regs.notes, its manifest line) and dump.elf rebuilt with them by
"mdfw elf --dir" (which sets each CPU's pr_pid from the CPU set holding
its stack pointer); QMP "cont". Then one gdb for
all pauses (tests/scenario/gdb_stacks.py: vmlinux's symbols load once,
each dump.elf with core-file) reads every CPU's registers (the dump's
NT_PRSTATUS: QEMU's at the pause) and unwinds it, and
tests/scenario/stacks.py judges it against the core's PT_LOADs and the
cpu_sets descriptor. One line per pause goes to RUNDIR/pauses.tsv, a
failing pause's directory is kept in RUNDIR if it shows a kind of problem
no kept one showed (up to --keep-failed, 8). Prints
"ok|not ok scenario.pingpong.CHECK":

  running         one ping-pong pair started per online CPU
  pauses          every stop/extract/gdb/cont worked, no WATCHDOG or
                  GUEST_PANICKED event
  dump-elf        every capture wrote dump.elf (capture.txt elf=ok, mdfw
                  exit 0)
  cpu-sets        every capture: one or two whole live sets per CPU
                  (kmdcore.cpu_set_problems())
  sp-in-stack     every CPU of every pause that runs kernel code: its
                  stack pointer lies in a PT_LOAD of dump.elf; if that is a
                  set's stack, the set is whole (every chunk, contiguous),
                  is one of that CPU's two sets, its task_struct is in the
                  core and says that stack and the set's pid; gdb's bytes
                  at the stack pointer are the core's. Exempt, counted
                  (stacks.py's kinds user, entry): a CPU in user mode, and
                  one entering the kernel from user space with its stack
                  pointer still on the user's stack (the syscall entry) or
                  in the CPU entry area (the trampoline stack an
                  interrupt from user space starts on)
  bt-bottom       every such CPU's backtrace reaches the bottom of its
                  stack (the syscall entry, ret_from_fork, the CPU's start,
                  an interrupt entry from user mode), every frame's stack
                  pointer in a PT_LOAD, through interrupt frames and
                  __switch_to_asm (gdb_stacks.py's unwinders); not a CPU
                  paused inside error_entry past its first instruction,
                  still saving the interrupted registers (no unwind
                  information says where they are: 1 CPU in 300 pauses)
  pr-pid          the pr_pid of a CPU whose stack pointer is in a set's
                  stack is that set's pid (idle: 0x400000 + cpu)
  inside-switch   at least one CPU of one pause was inside a switch: its
                  stack pointer in its other live set, prev's
  no-guest-errors no KMD-ERROR, BUG, WARNING, ... on the guest console

Exit status 1 if any check failed, 2 if the run itself broke.
"""
import collections
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../../scripts'))
sys.path.insert(0, os.path.join(HERE, '../debuggers'))
import random_instant as ri  # noqa: E402
from kmdcore import cpu_set_problems, cpu_sets, file_vmcoreinfo, pt_loads  # noqa: E402
from qmp import Qmp  # noqa: E402
from stacks import Gdb, cpu_stack  # noqa: E402



def qemu_regs(q, d, tmp):
    """Add QEMU's vCPU registers to the capture in D as mdfw capture does:
    QMP dump-guest-memory of the first page into TMP, its CORE
    NT_PRSTATUS notes (raw, in CPU order) as D/cpu_regs.notes, listed in
    D/manifest.tsv. Returns the number of CPUs."""
    path = os.path.join(tmp, 'regs.elf')
    q.cmd('dump-guest-memory', paging=False, protocol='file:' + path, begin=0, length=4096)
    elf = open(path, 'rb').read()
    os.unlink(path)
    raw = b''
    phoff, = struct.unpack_from('<Q', elf, 32)
    phnum, = struct.unpack_from('<H', elf, 56)
    for i in range(phnum):
        typ, _, off, _, _, size = struct.unpack_from('<IIQQQQ', elf, phoff + 56 * i)
        o = off
        while typ == 4 and o + 12 <= off + size:
            nsz, dsz, nt = struct.unpack_from('<III', elf, o)
            end = o + 12 + (nsz + 3) // 4 * 4 + (dsz + 3) // 4 * 4
            if nt == 1 and elf[o + 12:o + 12 + nsz].rstrip(b'\0') == b'CORE':
                raw += elf[o:end]
            o = end
    ncpus = len(raw) // 356
    with open(os.path.join(d, 'cpu_regs.notes'), 'wb') as f:
        f.write(raw)
    man = open(os.path.join(d, 'manifest.tsv')).read().split('\n')
    at = next(i for i, ln in enumerate(man) if not ln.startswith('#'))
    man.insert(at, f'# cpu_regs: file cpu_regs.notes, {ncpus} CPUs, {len(raw)} bytes, '
                   'from QEMU dump-guest-memory')
    with open(os.path.join(d, 'manifest.tsv'), 'w') as f:
        f.write('\n'.join(man))
    return ncpus


def analyse(d, g, ncpus):
    """One pause's capture in D: {'sets', 'cpus': [cpu_stack()], 'problems'
    {check: [str]}}."""
    probs = collections.defaultdict(list)
    rows = [r for r in ri.read_manifest(d) if r['status'] == 'ok']
    desc = os.path.join(d, 'md_cpu_sets.BIN')
    desc = open(desc, 'rb').read() if os.path.exists(desc) else None
    probs['sets'] = cpu_set_problems([(r['name'], int(r['seq']), int(r['size'], 16))
                                      for r in rows], desc, ncpus)
    core_path = os.path.join(d, 'dump.elf')
    if not os.path.exists(core_path):
        probs['elf'].append('no dump.elf')
        return {'cpus': [], 'problems': probs}
    core = open(core_path, 'rb').read()
    loads, recs = pt_loads(core), cpu_sets(desc or b'')
    cpus = [cpu_stack(th, core, loads, recs, g) for th in g.core(core_path)]
    if len(cpus) != ncpus:
        probs['stack'].append(f'{len(cpus)} threads in gdb for {ncpus} CPUs')
    for c in cpus:
        for check, text in c['problems']:
            probs[check].append(text)
    return {'cpus': cpus, 'problems': probs}


def main():
    ap = ri.driver_args(__doc__.split('\n')[0], 300, 20261205, 0.01, 0.2)
    ap.add_argument('--vmlinux', required=True)
    a = ap.parse_args()
    run = a.rundir
    console_path = os.path.join(run, 'console.log')
    check = ri.Checks('scenario.pingpong')

    print(f'# seed {a.seed}', flush=True)
    rng = random.Random(a.seed)
    t0 = time.monotonic()
    con = ri.wait_console(console_path, 'KMD-PINGPONG-RUNNING', a.boot_timeout)
    if con is None:
        check('running', False, f'no KMD-PINGPONG-RUNNING on {console_path} after '
              f'{time.monotonic() - t0:.0f} s')
        return 2
    m = re.search(r'KMD-PINGPONG-RUNNING: (\d+) pairs on (\d+) online CPUs', con)
    check('running', bool(m and m.group(1) == m.group(2)), m.group(0) if m else 'no count')
    if not m:
        return 2
    ncpus = int(m.group(2))
    print(f'# booted and switching after {time.monotonic() - t0:.1f} s: {m.group(0)}', flush=True)

    q = ri.QMP = Qmp(os.path.join(run, 'qmp.sock'), 30)
    bar2 = ri.pci_bar2(q)
    if bar2 is None:
        check('pauses', False, 'no ivshmem BAR 2 in query-pci')
        return 2
    # Captures are written to tmpfs where there is one: mdfw syncs every
    # file it writes, which costs more than the rest of a pause on a disk.
    tmp = tempfile.mkdtemp(prefix='kmd-pingpong-',
                           dir='/dev/shm' if os.path.isdir('/dev/shm') else run)
    tsv = open(os.path.join(run, 'pauses.tsv'), 'w')
    tsv.write('pause\tgap_s\tmdfw_exit\t' + '\t'.join(f'cpu{c}' for c in range(ncpus)) +
              '\tproblems\n')
    g, results, broken, kept, kept_kinds = None, [], [], 0, set()
    rcs, spent = collections.Counter(), collections.Counter()
    t_run = time.monotonic()

    def lap(what, t):
        spent[what] += time.monotonic() - t
        return time.monotonic()
    for i in range(a.pauses):
        gap = rng.uniform(a.min_gap, a.max_gap)
        time.sleep(gap)
        d = os.path.join(tmp, f'pause-{i:03d}')
        try:
            t = time.monotonic()
            q.cmd('stop')
            res = subprocess.run([a.mdfw, 'extract', '--ram', os.path.join(run, 'ram.img'),
                                  '--ram-size', a.ram_size, '--shm', os.path.join(run, 'shm.img'),
                                  '--bar2', hex(bar2), '--out', d],
                                 capture_output=True, text=True, timeout=120)
            t = lap('extract', t)
            if res.returncode in (0, 4):
                nregs = qemu_regs(q, d, tmp)
                t = lap('registers', t)
                res2 = subprocess.run([a.mdfw, 'elf', '--dir', d], capture_output=True,
                                      text=True, timeout=120)
                res = subprocess.CompletedProcess(res.args, res.returncode or res2.returncode,
                                                  res.stdout + res2.stdout,
                                                  res.stderr + res2.stderr)
                if nregs != ncpus:
                    res.returncode, res.stderr = 9, f'{nregs} CPUs in QEMU\'s registers'
            t = lap('elf', t)
            q.cmd('cont')
            rcs[res.returncode] += 1
            if g is None and os.path.exists(os.path.join(d, 'dump.elf')):
                koff = int(file_vmcoreinfo(os.path.join(d, 'dump.elf'))['KERNELOFFSET'], 16)
                print(f'# KERNELOFFSET {koff:#x}; gdb loads {a.vmlinux}', flush=True)
                g = Gdb(a.vmlinux, koff, tmp)
                t = lap('gdb start', t)
            if g is None:
                raise RuntimeError(f'mdfw extract exit {res.returncode}, no dump.elf: '
                                   + (res.stdout + res.stderr).strip()[-200:])
            r = analyse(d, g, ncpus)
            lap('checks', t)
        except Exception as e:  # noqa: BLE001
            broken.append(f'pause {i}: {type(e).__name__}: {e}')
            break
        cap = dict(ln.rstrip('\n').split('=', 1) for ln in open(os.path.join(d, 'capture.txt'))
                   if '=' in ln) if os.path.exists(os.path.join(d, 'capture.txt')) else {}
        if res.returncode != 0 or cap.get('elf') != 'ok':
            r['problems']['elf'].append(f"mdfw extract exit {res.returncode}, elf={cap.get('elf')}"
                                        + ': ' + (res.stdout + res.stderr).strip()[-160:])
        results.append(r)
        probs = [p for k in r['problems'] for p in r['problems'][k]]
        tsv.write(f'{i}\t{gap:.3f}\t{res.returncode}\t' +
                  '\t'.join(f"{c['kind']} {c['where']} {c['bottom'] or '-'}" for c in r['cpus']) +
                  f"\t{' | '.join(probs) or 'ok'}\n")
        kinds = {k for k in r['problems'] if r['problems'][k]}
        if kinds - kept_kinds and kept < a.keep_failed:
            kept += 1
            kept_kinds |= kinds
            with open(os.path.join(d, 'mdfw.log'), 'w') as f:
                f.write(res.stdout + res.stderr + f'exit {res.returncode}\n')
            shutil.move(d, os.path.join(run, os.path.basename(d)))
        else:
            shutil.rmtree(d, ignore_errors=True)
    t_pauses = time.monotonic() - t_run
    tsv.close()
    evs = [e['event'] for e in q.events if e['event'] in ('WATCHDOG', 'GUEST_PANICKED')]
    ri.quit_qemu(run)
    if g is not None:
        g.close()
    shutil.rmtree(tmp, ignore_errors=True)

    n = len(results)

    def summary(key, what):
        bad = [(i, r['problems'][key]) for i, r in enumerate(results) if r['problems'][key]]
        detail = f'{n - len(bad)} of {n} pauses {what}'
        if bad:
            detail += '; first: ' + '; '.join(f'pause {i}: {p[0]}' for i, p in bad[:3])
        return not bad and n > 0, detail

    check('pauses', n == a.pauses and not broken and not evs,
          f'{n} of {a.pauses} pauses in {t_pauses:.1f} s (' +
          ', '.join(f'{k} {v:.1f} s' for k, v in spent.items()) + '), '
          f'mdfw exit codes {dict(sorted(rcs.items()))}' + (f'; {broken[0]}' if broken else '') +
          (f'; guest froze by itself: {evs}' if evs else ''))
    check('dump-elf', *summary('elf', 'with dump.elf'))
    check('cpu-sets', *summary('sets', 'with one or two whole live sets per CPU'))
    kinds = collections.Counter(c['kind'] for r in results for c in r['cpus'])
    kernel = sum(v for k, v in kinds.items() if k not in ('user', 'entry'))
    ok, detail = summary('stack', 'with every CPU in kernel code on a dumped stack')
    check('sp-in-stack', ok and kernel > 0, detail + f'; per CPU and pause: {dict(kinds)}')
    bottoms = collections.Counter(c['bottom'] for r in results for c in r['cpus'] if c['bottom'])
    ok, detail = summary('bt', 'with every backtrace at the bottom of its stack')
    check('bt-bottom', ok and kernel > 0, detail + f'; bottoms: {dict(bottoms)}')
    check('pr-pid', *summary('pid', "with the pr_pid of the set holding each CPU's stack"))
    inside = [(i, c['cpu']) for i, r in enumerate(results) for c in r['cpus']
              if c['kind'] == 'switch']
    check('inside-switch', bool(inside),
          f'{len(inside)} CPU-pauses inside a switch (stack pointer in prev\'s set), e.g. '
          + ', '.join(f'pause {i} cpu {c}' for i, c in inside[:4]))
    splats = [ln.strip() for ln in ri.read_text(console_path).splitlines() if ri.SPLATS.search(ln)]
    check('no-guest-errors', not splats, splats[0][:160] if splats else '')
    frames = collections.Counter(f for r in results for c in r['cpus'] if c['kind'] == 'switch'
                                 for f in c['frames'][:1])
    print(f'# inside a switch, frame #0: {dict(frames.most_common(8))}')
    print(f'# pingpong: {n} pauses, {ncpus} CPUs each; per pause: '
          f'{os.path.join(run, "pauses.tsv")}; kept {kept} failing capture(s)')
    return 1 if check.failed else 0


if __name__ == '__main__':
    try:
        rc = main()
    finally:
        if len(sys.argv) > 1:
            ri.quit_qemu(sys.argv[1])
    sys.exit(rc)
