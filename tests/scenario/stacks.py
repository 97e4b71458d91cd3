# SPDX-License-Identifier: GPL-2.0
"""Where each CPU's stack pointer lies in a kmemdump core, and whether gdb
unwinds it to the bottom of its stack. Shared by pingpong.py (hundreds of
random pauses) and rqlock_check.py (one panic).

Gdb runs one gdb (tests/scenario/gdb_stacks.py inside it) for any number
of cores: vmlinux's symbols load once. cpu_stack() judges one thread
(one CPU) of one core against the core's PT_LOADs and the cpu_sets
descriptor, from the bytes the core holds, never from vmlinux: gdb reads
the kernel's code from a .text-only copy of vmlinux (exec-file), so data
it cannot find in the core is an error, not vmlinux's initial value, and
what it reads at the stack pointer is compared with the core's bytes."""
import json
import os
import re
import select
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '../../scripts'))
from kmdcore import cpu_sets, pt_loads  # noqa: E402
USER_TOP = 1 << 47          # x86-64: user addresses are below
KERNEL_BASE = 0xffff800000000000
# The CPU entry area (4-level paging): each CPU's entry trampoline stack,
# where an interrupt or exception from user space starts until sync_regs()
# has copied its pt_regs to the task's stack, and the IST stacks
CEA = (0xfffffe0000000000, 0xfffffe8000000000)
IDLE_PID = 0x400000         # mdfw's pr_pid for an idle CPU: IDLE_PID + cpu
CLASH_PID = 0x401000        # for a CPU whose pid another CPU holds: + cpu


def pid_name(pid, cpu):
    """CPU cpu's pr_pid for a person, as mdfw info says it (cpuregs.c
    cpuregs_pid_name()): 'idle (swapper/N)', not mdfw's synthetic pid."""
    if pid in (0, IDLE_PID + cpu):
        return f'idle (swapper/{cpu})'
    if pid == CLASH_PID + cpu:
        return "pid unknown (another CPU's)"
    return f'pid {pid}'


# Where a kernel stack begins: the entry from user space, a new thread's
# first frame, a CPU's start. An exception or interrupt entry (asm_*)
# counts when what it interrupted is user space (older frames user).
BOTTOMS = frozenset(('entry_SYSCALL_64', 'entry_SYSCALL_64_after_hwframe', 'ret_from_fork',
                     'ret_from_fork_asm', 'common_startup_64', 'secondary_startup_64',
                     'secondary_startup_64_no_verify', 'x86_64_start_kernel',
                     'x86_64_start_reservations', 'start_kernel', 'start_secondary'))


class GdbError(RuntimeError):
    pass


class Gdb:
    """One gdb with VMLINUX's symbols at KASLR offset KOFF (int). TMP: a
    directory for the .text copy and gdb's log; MODELF: a module linked at
    its load addresses (tests/debuggers/gdbbt.sh module_elf), or None."""

    def __init__(self, vmlinux, koff, tmp, modelf=None, gdb=None, timeout=300):
        text = os.path.join(tmp, 'text.elf')
        subprocess.run([os.environ.get('OBJCOPY', 'objcopy'), '--only-section=.text',
                        '--change-addresses', hex(koff), vmlinux, text], check=True)
        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        args = [gdb or os.environ.get('GDB', 'gdb'), '-nx', '-q', '-batch',
                '-ex', f'symbol-file {vmlinux} -o {koff:#x}', '-ex', f'exec-file {text}']
        if modelf:
            args += ['-ex', f'add-symbol-file {modelf} -o 0']
        args += ['-x', os.path.join(HERE, 'gdb_stacks.py')]
        # gdb's unwinders for the entry assembly find their own addresses
        # (tools/gdb/kmemdump-unwind.py); cpu_stack() needs error_entry's.
        nm = subprocess.run([os.environ.get('NM', 'nm'), '-S', '--defined-only', vmlinux],
                            capture_output=True, text=True, check=True).stdout
        self.error_entry = None
        for ln in nm.splitlines():
            f = ln.split()
            if len(f) == 4 and f[3] == 'error_entry':
                self.error_entry = (int(f[0], 16) + koff, int(f[0], 16) + int(f[1], 16) + koff)
        self.log = open(os.path.join(tmp, 'gdb.log'), 'w')
        self.p = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                  stderr=subprocess.STDOUT, pass_fds=(req_r, rep_w),
                                  env={**os.environ, 'KMD_GDB_FDS': f'{req_r},{rep_w}'})
        os.close(req_r)
        os.close(rep_w)
        self.req = os.fdopen(req_w, 'w')
        self.rep = os.fdopen(rep_r, 'r')
        hello = self.read(timeout)
        self.entry_text = tuple(hello['entry_text'])
        self.task_struct = hello['task_struct']

    def read(self, timeout=60):
        if not select.select([self.rep], [], [], timeout)[0]:
            raise GdbError(f'gdb said nothing for {timeout} s (see {self.log.name})')
        line = self.rep.readline()
        if not line:
            raise GdbError(f'gdb exited (see {self.log.name})')
        msg = json.loads(line)
        if 'error' in msg:
            raise GdbError(msg['error'])
        return msg

    def ask(self, line, timeout=60):
        self.req.write(line + '\n')
        self.req.flush()
        return self.read(timeout)

    def core(self, path):
        """The threads of core PATH (see gdb_stacks.py)."""
        return self.ask('core ' + path)['threads']

    def eval(self, exprs):
        return self.ask('eval ' + json.dumps(list(exprs)))['values']

    def close(self):
        try:
            self.req.close()
            self.p.wait(timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            self.p.kill()
            self.p.wait()
        self.log.close()


def load_at(loads, addr):
    """The first PT_LOAD (kmdcore.pt_loads()) holding virtual address ADDR."""
    return next((ld for ld in loads if ld['vaddr'] <= addr < ld['vaddr'] + ld['size']), None)


def panic_pages(loads, recs, ld):
    """(c, pages) if PT_LOAD LD is a page of CPU c's stack registered at
    panic: KSTACK<c>_<i> seq 0 while c's set 0 is withdrawn (or c is not
    followed); pages: c's KSTACK<c>_<i> seq 0 PT_LOADs by i. Else None."""
    m = re.fullmatch(r'KSTACK(\d+)_\d+', ld['name'] or '')
    if not m or ld['seq'] != 0:
        return None
    c = int(m.group(1))
    if c < len(recs) and recs[c]['sets'][0]['task']:
        return None
    return c, sorted((x for x in loads if x['seq'] == 0 and
                      re.fullmatch(rf'KSTACK{c}_\d+', x['name'] or '')),
                     key=lambda x: int(x['name'].split('_')[1]))


def task_stack_pid(core, loads, g, task):
    """(->stack, ->pid) of the task_struct at TASK as the core holds
    them, each None if it does not (G: cpu_stack()'s)."""
    ts = g.task_struct
    stack = core_read(core, loads, task + ts['stack'], 8)
    pid = core_read(core, loads, task + ts['pid'], 4)
    return stack and struct.unpack('<Q', stack)[0], pid and struct.unpack('<i', pid)[0]


def panic_stack(out, cpu, c, pages, th, loads, core, g):
    """OUT for CPU CPU whose stack pointer is in CPU C's stack registered
    at panic (G: cpu_stack()'s): KSTACK<c>_<i> seq 0, one page each, from i = 0,
    and KTASK<c> seq 0 the task_struct whose ->stack is their base and
    whose ->pid is CPU's pr_pid (IDLE_PID + cpu for an idle task)."""
    bad = out['problems']
    base = pages[0]['vaddr']
    if [int(ld['name'].split('_')[1]) for ld in pages] != list(range(len(pages))) or \
            any(ld['vaddr'] != base + i * 4096 or ld['size'] != 4096
                for i, ld in enumerate(pages)):
        bad.append(('stack', f'cpu {c}: KSTACK{c}_<i> are not consecutive 4 KiB pages: ' +
                             ' '.join(f"{ld['name']}@{ld['vaddr']:#x}+{ld['size']:#x}"
                                      for ld in pages)))
    out['kind'], out['where'] = 'panic', f'KSTACK{c} (registered at panic)'
    out['stack'] = (base, 4096 * len(pages))
    if c != cpu:
        bad.append(('stack', f"cpu {cpu}: sp in cpu {c}'s stack registered at panic"))
    task = next((ld for ld in loads if ld['name'] == f'KTASK{c}' and ld['seq'] == 0), None)
    if task is None:
        bad.append(('stack', f'cpu {c}: no KTASK{c} PT_LOAD beside its KSTACK{c}_<i>'))
        return
    tstack, tpid = task_stack_pid(core, loads, g, task['vaddr'])
    if tstack != base:
        bad.append(('stack', f"cpu {c}: KTASK{c}'s ->stack is {tstack and hex(tstack)}, "
                             f'KSTACK{c}_0 is at {base:#x}'))
    want = tpid or IDLE_PID + cpu
    if th['lwp'] != want:
        bad.append(('pid', f"cpu {cpu}: pr_pid says {pid_name(th['lwp'], cpu)} "
                           f"({th['lwp']:#x}), KTASK{c} {pid_name(want, cpu)}"))


def set_stack(loads, name, seq, recs):
    """The whole stack of the set whose chunk PT_LOAD is NAME (KSTACK<c>_<i>)
    with section seq SEQ: (cpu, set, base, size, problems). mdfw names a
    CPU's sets by role (seq 0 the set it runs on, 1 the other), not by
    set number: the set is the descriptor's whose stack is at the chunks'
    base."""
    c = int(name[6:].split('_')[0])
    rec = recs[c] if c < len(recs) else None
    if rec is None:
        return c, seq, None, 0, [f'{name}.{seq}: no cpu_sets record {c}']
    chunks = [next((ld for ld in loads if ld['name'] == f'KSTACK{c}_{i}' and ld['seq'] == seq),
                   None) for i in range(rec['chunks'])]
    if None in chunks or not chunks:
        return c, seq, None, 0, [f'cpu {c} set {seq}: {chunks.count(None)} of '
                                 f"{rec['chunks']} stack chunks missing from the core"]
    base, size = chunks[0]['vaddr'], chunks[0]['size']
    if any(ld['vaddr'] != base + i * size or ld['size'] != size for i, ld in enumerate(chunks)):
        return c, seq, None, 0, [f'cpu {c} set {seq}: stack chunks not contiguous']
    s = next((x for x in (0, 1) if rec['sets'][x]['stack'] == base), seq)
    return c, s, base, size * len(chunks), []


def core_read(core, loads, addr, n):
    """N bytes at virtual address ADDR of CORE (bytes, PT_LOADs LOADS), or
    None where no PT_LOAD holds them all."""
    ld = load_at(loads, addr)
    if ld is None or addr + n > ld['vaddr'] + ld['size']:
        return None
    o = ld['offset'] + addr - ld['vaddr']
    return core[o:o + n]


def cpu_stack(th, core, loads, recs, g):
    """Judge thread TH (gdb_stacks.py's) of CORE (its bytes), whose PT_LOADs
    are LOADS and cpu_sets records RECS (kmdcore.cpu_sets()); G: the Gdb
    (where the entry text is, where a task_struct keeps pid and stack). Returns
    {'cpu', 'kind', 'where', 'frames', 'bottom', 'stack': (start, size) of
    the stack holding the stack pointer, 'problems'}, problems as
    (check, text), check 'stack', 'bt' or 'pid'; kind:
      user     the CPU runs user code (CS RPL 3): no kernel stack in use
      entry    kernel code with the stack pointer outside every PT_LOAD,
               on the user's stack with the pc in the entry text
               (__entry_text_start..end), or in the CPU entry area: the few
               instructions of a system call or an interrupt from user
               space that run before the kernel switches to the task's
               stack (the entry trampoline stack is not dumped)
      current  the stack of the CPU's current set (the one published last)
      switch   the stack of the CPU's other live set: prev's, the CPU is
               between the sched_switch probe and switch_to()
      set      a set's stack, but not one of this CPU's (a problem)
      panic    the stack of the CPU's current task, registered at panic
               (KSTACK<c>_<i> seq 0 while the CPU's set 0 is withdrawn)
      region   another PT_LOAD: an IRQ or exception stack, a task
               registered at panic
      miss     the stack pointer is in no PT_LOAD (a problem)
    Problems: the stack pointer in no PT_LOAD; a set's stack incomplete;
    the set's task_struct missing, or its ->stack or ->pid not the
    descriptor's; gdb's bytes at the stack pointer not the core's; a frame
    whose stack pointer is in no PT_LOAD; the unwind not reaching the
    bottom of the stack: a frame in BOTTOMS, or an asm_* entry whose
    older frame is user code, with its stack pointer within 512 bytes of
    the top of its stack (its set's whole stack, or its PT_LOAD);
    pr_pid (gdb's LWP) not the pid of the set holding the stack pointer."""
    cpu = th['num'] - 1
    out = {'cpu': cpu, 'kind': None, 'where': '-', 'frames': [], 'bottom': None, 'stack': None,
           'problems': []}
    bad = out['problems']
    sp, pc = th['rsp'], th['rip']
    kframes = [f for f in th['frames'] if f[1] >= KERNEL_BASE]
    out['frames'] = [f[0] or hex(f[1]) for f in kframes]
    if th['cs'] & 3 == 3:
        out['kind'] = 'user'
        return out
    ld = load_at(loads, sp)
    if ld is None:
        if (sp < USER_TOP and g.entry_text[0] is not None and
                g.entry_text[0] <= pc < g.entry_text[1]) or CEA[0] <= sp < CEA[1]:
            out['kind'], out['where'] = 'entry', f'pc {pc:#x} sp {sp:#x}'
            return out
        out['kind'], out['where'] = 'miss', f'sp {sp:#x}'
        bad.append(('stack', f'cpu {cpu}: sp {sp:#x} (pc {pc:#x} {out["frames"][:1]}) in no '
                             'PT_LOAD'))
        return out
    name = ld['name'] or hex(ld['vaddr'])
    out['where'] = f"{name}.{ld['seq']}"
    out['stack'] = (ld['vaddr'], ld['size'])
    pp = panic_pages(loads, recs, ld)
    if pp:
        panic_stack(out, cpu, pp[0], pp[1], th, loads, core, g)
    elif name.startswith('KSTACK'):
        c, s, base, size, probs = set_stack(loads, name, ld['seq'], recs)
        bad += [('stack', p) for p in probs]
        rec = recs[cpu] if cpu < len(recs) else None
        if base is not None:
            out['stack'] = (base, size)
            d = recs[c]['sets'][s]
            out['where'] = f'set {c}.{s} pid {d["pid"]}'
            if rec and rec['sets'][rec['cur']]['stack'] == base:
                out['kind'] = 'current'
            elif rec and rec['sets'][rec['cur'] ^ 1]['stack'] == base:
                out['kind'] = 'switch'
            else:
                out['kind'] = 'set'
                bad.append(('stack', f"cpu {cpu}: sp {sp:#x} in set {c}.{s}'s stack, which "
                                     f"none of cpu {cpu}'s sets names"))
            if d['stack'] != base:
                bad.append(('stack', f'cpu {c} set {s}: stack PT_LOADs at {base:#x}, the '
                                     f"descriptor says {d['stack']:#x}"))
            task = load_at(loads, d['task'])
            # (as another CPU's KTASK if it migrated: mdfw adds a task once)
            if task is None or not (task['name'] or '').startswith('KTASK') or \
                    task['vaddr'] != d['task']:
                bad.append(('stack', f"cpu {c} set {s}: task_struct {d['task']:#x} not in the "
                                     'core as a KTASK PT_LOAD'))
            else:
                tstack, tpid = task_stack_pid(core, loads, g, d['task'])
                if tstack != base or tpid != d['pid']:
                    bad.append(('stack', f"cpu {c} set {s}: task_struct {d['task']:#x} says "
                                         f"stack {tstack and hex(tstack)} pid {tpid}, the set "
                                         f"{base:#x} pid {d['pid']}"))
            want = d['pid'] or IDLE_PID + cpu
            if th['lwp'] != want:
                bad.append(('pid', f"cpu {cpu}: pr_pid says {pid_name(th['lwp'], cpu)} "
                                   f"({th['lwp']:#x}), the set holding its stack pointer "
                                   f"{pid_name(want, cpu)}"))
    else:
        out['kind'] = 'region'
    # gdb read the stack from the core: its bytes at sp are the core's.
    o = ld['offset'] + sp - ld['vaddr']
    want = core[o:min(o + 64, ld['offset'] + ld['size'])]
    got = bytes.fromhex(th['mem'] or '')
    n = min(len(got), len(want))
    if n < 8 or got[:n] != want[:n]:
        bad.append(('stack', f'cpu {cpu}: gdb reads other bytes at sp {sp:#x} than the core '
                             f'holds ({th["mem"] and th["mem"][:16]} vs {want[:8].hex()})'))
    # Paused inside error_entry past its first instruction: it is saving
    # the interrupted registers, and gdb (no CFI for the entry assembly)
    # cannot tell where the stub's pt_regs start. The CPU is entering the
    # kernel, like one in a syscall's first instructions: its stack is
    # checked above, its backtrace is not.
    ee = g.error_entry
    if ee and ee[0] < pc < ee[1]:
        out['where'] += f' in error_entry+{pc - ee[0]:#x}'
        return out
    # Unwound to the bottom: the first frame that starts a stack, reached
    # through kernel frames whose stack pointers all lie in PT_LOADs, with
    # its own stack pointer at the top of its stack (an entry's pt_regs, a
    # new thread's, a CPU's start): what gdb shows older is user space, or
    # pt_regs read as frames.
    frames, k, i = th['frames'], None, 0
    for i, (fname, fpc, fsp) in enumerate(frames):
        if fpc < KERNEL_BASE:
            break
        if fsp is not None and load_at(loads, fsp) is None:
            bad.append(('bt', f'cpu {cpu}: frame #{i} {fname or hex(fpc)} has sp {fsp:#x} in '
                              'no PT_LOAD'))
            break
        if fname in BOTTOMS or (fname or '').startswith('asm_') and \
                i + 1 < len(frames) and frames[i + 1][1] < USER_TOP:
            k = i
            break
    if k is None:
        last = next((f for f in reversed(frames[:i + 1]) if f[1] >= KERNEL_BASE), None)
        bad.append(('bt', f'cpu {cpu}: bt ends at {last and (last[0] or hex(last[1]))} '
                          f"({len(kframes)} kernel frames, then {th['stop']}), not at the "
                          'bottom of a stack'))
        return out
    top = stack_top(loads, recs, frames[k][2])
    if top is None or not 0 < top - frames[k][2] <= 512:
        bad.append(('bt', f'cpu {cpu}: bt ends at {frames[k][0]} with sp {frames[k][2]:#x}, '
                          f'not at the top of its stack ({top and hex(top)})'))
    out['bottom'] = frames[k][0]
    out['frames'] = [f[0] or hex(f[1]) for f in frames[:k + 1]]
    return out


def dump_cpus(core_path, g):
    """(core bytes, PT_LOADs, [cpu_stack()] per CPU) of the dump.elf at
    CORE_PATH as G unwinds it, with the cpu_sets region beside it
    (md_cpu_sets.BIN) if there is one."""
    core = open(core_path, 'rb').read()
    loads = pt_loads(core)
    desc = os.path.join(os.path.dirname(core_path), 'md_cpu_sets.BIN')
    recs = cpu_sets(open(desc, 'rb').read() if os.path.exists(desc) else b'')
    return core, loads, [cpu_stack(th, core, loads, recs, g) for th in g.core(core_path)]


def stack_top(loads, recs, sp):
    """The end of the stack holding SP: its set's whole stack, or the
    stack registered at panic, else its PT_LOAD; None outside every
    PT_LOAD."""
    ld = load_at(loads, sp)
    if ld is None:
        return None
    pp = panic_pages(loads, recs, ld)
    if pp:
        return pp[1][0]['vaddr'] + 4096 * len(pp[1])
    if (ld['name'] or '').startswith('KSTACK'):
        _, _, base, size, _ = set_stack(loads, ld['name'], ld['seq'], recs)
        if base is not None:
            return base + size
    return ld['vaddr'] + ld['size']
