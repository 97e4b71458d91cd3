# SPDX-License-Identifier: GPL-2.0
"""Runs inside gdb (gdb -x gdb_stacks.py), started by stacks.Gdb: one gdb
for many cores, since loading vmlinux's symbols takes seconds and a core
file a fraction of one.

Requests come one a line on the file descriptor KMD_GDB_FDS names first,
JSON replies go one a line to the second (gdb's own output stays apart):

  core PATH       load the core file PATH; reply {"threads": [...]}, per
                  thread (gdb thread N is the core's N-th NT_PRSTATUS, CPU
                  N - 1): num, lwp (pr_pid), rip, rsp, cs, mem (64 bytes,
                  else 8, at rsp as gdb reads them from the core, hex, or
                  null),
                  frames [[function or null, pc, rsp], ...] innermost
                  first (at most 200), stop (why the unwind ended)
  eval [EXPR...]  reply {"values": [int or null, ...]}: each expression
                  evaluated against the loaded core, as an integer (slow
                  the first time gdb has to look a type up in an
                  expression: seconds on a debug vmlinux)

gdb has no CFI for the kernel's assembly: the unwinders of
tools/gdb/kmemdump-unwind.py (entry stubs, __switch_to_asm) take over
there, where that script finds them in vmlinux's symbols.

The first reply, before any request, is {"ready": true, "entry_text":
[start, end], "task_struct": {"size": N, "pid": OFFSET, "stack":
OFFSET}}: where the low-level entry code is (__entry_text_start,
__entry_text_end), and where a task_struct keeps its pid and stack
(gdb.lookup_type(): milliseconds)."""
import importlib.util
import json
import os

import gdb  # pylint: disable=import-error

M64 = (1 << 64) - 1
HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    'kmemdump_unwind', os.path.join(HERE, '../../tools/gdb/kmemdump-unwind.py'))
unwind = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(unwind)
MAX_FRAMES = 200


value = unwind.value


def load(path):
    gdb.execute('core-file ' + path, to_string=True)
    inf = gdb.selected_inferior()
    threads = []
    for t in sorted(inf.threads(), key=lambda t: t.num):
        t.switch()
        f = gdb.newest_frame()
        regs = {r: int(f.read_register(r)) & M64 for r in ('rip', 'rsp', 'cs')}
        mem = None
        for n in (64, 8):   # 8: a stack pointer 8 bytes below its stack's top
            try:
                mem = bytes(inf.read_memory(regs['rsp'], n)).hex()
                break
            except gdb.MemoryError:
                pass
        frames, stop = [], 'frame limit'
        while f is not None and len(frames) < MAX_FRAMES:
            try:
                sp = int(f.read_register('rsp')) & M64
            except gdb.error:
                sp = None
            frames.append([f.name(), int(f.pc()) & M64, sp])
            try:
                older = f.older()
            except gdb.error as e:
                stop, older = str(e), None
                break
            if older is None:
                stop = gdb.frame_stop_reason_string(f.unwind_stop_reason())
            f = older
        threads.append(dict(num=t.num, lwp=t.ptid[1], mem=mem, frames=frames, stop=stop,
                            **regs))
    return {'threads': threads}


def main():
    rfd, wfd = (int(x) for x in os.environ['KMD_GDB_FDS'].split(','))
    out = os.fdopen(wfd, 'w')

    def reply(obj):
        out.write(json.dumps(obj) + '\n')
        out.flush()
    gdb.execute('set pagination off')
    gdb.execute('set confirm off')
    unwind.register()
    entry_text = [value('&__entry_text_start'), value('&__entry_text_end')]
    ts = gdb.lookup_type('struct task_struct')
    fields = {f.name: f.bitpos // 8 for f in ts.fields()}
    reply({'ready': True, 'entry_text': entry_text,
           'task_struct': {'size': ts.sizeof, 'pid': fields['pid'], 'stack': fields['stack']}})
    for line in os.fdopen(rfd, 'r'):
        cmd, _, arg = line.rstrip('\n').partition(' ')
        try:
            if cmd == 'core':
                reply(load(arg))
            elif cmd == 'eval':
                reply({'values': [value(e) for e in json.loads(arg)]})
            else:
                reply({'error': 'unknown request ' + cmd})
        except Exception as e:  # noqa: BLE001  (any gdb failure is the reply)
            reply({'error': '%s: %s' % (type(e).__name__, e)})


main()
