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

gdb has no CFI for the kernel's assembly (the kernel unwinds it with
ORC), and stops there, or wanders into garbage. Two unwinders take over
where a CPU is often found:
  PtRegs    the exception and interrupt entry stubs (asm_exc_*,
            asm_sysvec_*, ...): a stub calls its C handler with %rsp at
            the struct pt_regs it built, so the stub's frame's stack
            pointer is that pt_regs, and the frame older than the stub is
            the context pt_regs saved: the interrupted kernel code, or
            user space;
  SwitchTo  __switch_to_asm, the innermost frame of a CPU inside
            switch_to(): it pushes rbp, rbx, r12-r15 on prev's stack,
            loads next's stack pointer and pops the same from there; the
            words above the return address at each of its instructions
            come from its disassembly.
KMD_GDB_UNWIND (JSON) says where they are, run-time addresses:
{"pt_regs": [[START, END], ...], "error_entry": START, "switch_to_asm":
[START, END]}.

The first reply, before any request, is {"ready": true, "entry_text":
[start, end], "task_struct": {"size": N, "pid": OFFSET, "stack":
OFFSET}}: where the low-level entry code is (__entry_text_start,
__entry_text_end), and where a task_struct keeps its pid and stack
(gdb.lookup_type(): milliseconds)."""
import json
import os

import gdb  # pylint: disable=import-error
from gdb.unwinder import Unwinder, register_unwinder  # pylint: disable=import-error

M64 = (1 << 64) - 1
MAX_FRAMES = 200


def value(expr):
    try:
        return int(gdb.parse_and_eval('(unsigned long)(%s)' % expr)) & M64
    except (gdb.error, gdb.MemoryError, OverflowError):
        return None


def field_offsets(t, base=0):
    """{name: byte offset} of struct type T's fields, anonymous unions' and
    structs' members included."""
    out = {}
    for f in t.fields():
        if f.name:
            out.setdefault(f.name, base + f.bitpos // 8)
        elif f.type.strip_typedefs().code in (gdb.TYPE_CODE_UNION, gdb.TYPE_CODE_STRUCT):
            for k, v in field_offsets(f.type.strip_typedefs(), base + f.bitpos // 8).items():
                out.setdefault(k, v)
    return out


class FrameId:
    def __init__(self, sp, pc):
        self.sp, self.pc = sp, pc


class PtRegs(Unwinder):
    """The older frame of an entry stub's frame: from the pt_regs the stub
    built once error_entry returned (%rsp points at it from there on, and
    at each call of the C handler); before that, at level 0, from the
    hardware's interrupt frame (ip, cs, flags, sp, ss) above what the stub
    pushed so far (its disassembly says how much; a vector without an
    error code pushes -1 in its place). In error_entry itself, only at its
    first instruction (its return address at %rsp): gdb unwinds the rest,
    or not. On the way out (level 0 in the entry text, in a run of pops
    from %r15 on, POP_REGS, up to the iretq after it), from the pt_regs
    being popped: the memory still holds them."""
    REGS = (('rip', 'ip'), ('rsp', 'sp'), ('rbp', 'bp'), ('rbx', 'bx'), ('rax', 'ax'),
            ('rcx', 'cx'), ('rdx', 'dx'), ('rsi', 'si'), ('rdi', 'di'), ('r8', 'r8'),
            ('r9', 'r9'), ('r10', 'r10'), ('r11', 'r11'), ('r12', 'r12'), ('r13', 'r13'),
            ('r14', 'r14'), ('r15', 'r15'))

    def __init__(self, stubs, error_entry=None, entry_text=None):
        super().__init__('kmemdump-pt_regs')
        self.error_entry = error_entry
        self.popped = self.pop_runs(*entry_text) if entry_text and None not in entry_text \
            else {}
        t = gdb.lookup_type('struct pt_regs')
        self.size = t.sizeof
        self.off = field_offsets(t)
        self.stubs = []     # (start, end, return address of the first call, {pc: words}, err)
        arch = gdb.selected_inferior().architecture()
        for a, b in stubs:
            d, depth, err, ret = 0, {}, True, None
            for insn in arch.disassemble(a, b - 1):
                depth[insn['addr']] = d
                asm = insn['asm']
                if asm.startswith('push'):
                    d += 1
                    err = err and '$0xffffffffffffffff' not in asm
                elif asm.startswith('call'):
                    ret = insn['addr'] + insn['length']
                    break
            if ret is not None:
                self.stubs.append((a, b, ret, depth, err))

    @staticmethod
    def pop_runs(start, end):
        """{pc: bytes of pt_regs popped below %rsp} over the runs of pops
        from %r15 on in [START, END), each followed up to its iretq while
        nothing else moves %rsp (add $0x8: orig_ax)."""
        out, o = {}, None
        for insn in gdb.selected_inferior().architecture().disassemble(start, end - 1):
            asm = ' '.join(insn['asm'].split())
            if asm == 'pop %r15':
                o = 0
            if o is None:
                continue
            if asm.startswith('pop ') or asm == 'add $0x8,%rsp' or \
                    (asm.split(',')[-1] != '%rsp' and not asm.startswith(('jmp', 'call', 'ret',
                                                                           'push'))):
                out[insn['addr']] = o
                o = o + 8 if asm.startswith('pop ') or asm.startswith('add ') else o
                if asm.startswith('iret'):
                    o = None
            else:
                o = None
        return out

    def __call__(self, pf):
        pc = int(pf.read_register('rip')) & M64
        sp = int(pf.read_register('rsp')) & M64
        level = pf.level()
        if self.error_entry == pc and level == 0:
            return self.frame(pf, {'rip': self.word(sp)}, sp)
        if pc in self.popped and level == 0:
            return self.from_pt_regs(pf, sp - self.popped[pc], sp)
        st = next((x for x in self.stubs if x[0] <= pc < x[1]), None)
        if st is None:
            return None
        _, _, ret, depth, err = st
        if pc in depth or (pc == ret and level):
            # the hardware's frame, above the stub's pushes (or, inside
            # error_entry, above the error code or -1 at %rsp)
            iret = sp + 8 * (depth[pc] + err if pc in depth else 1)
            if pc in depth and level:
                return None
            rip, rsp = self.word(iret), self.word(iret + 24)
            return None if rip is None or rsp is None else \
                self.frame(pf, {'rip': rip, 'rsp': rsp}, sp)
        if pc < ret:
            return None
        return self.from_pt_regs(pf, sp, sp)

    def from_pt_regs(self, pf, regs, sp):
        """PF's older frame from the pt_regs at REGS (PF's id: SP)."""
        try:
            raw = bytes(gdb.selected_inferior().read_memory(regs, self.size))
        except gdb.MemoryError:
            return None
        return self.frame(pf, {reg: int.from_bytes(raw[self.off[f]:self.off[f] + 8], 'little')
                               for reg, f in self.REGS}, sp)

    @staticmethod
    def word(addr):
        try:
            return int.from_bytes(bytes(gdb.selected_inferior().read_memory(addr, 8)), 'little')
        except gdb.MemoryError:
            return None

    @staticmethod
    def frame(pf, regs, sp):
        """Unwind info of frame PF (id: SP and its pc): the older frame's
        registers are REGS {name: int}, its %rsp SP + 8 unless REGS says
        (SP: where the return address is), the rest as they are in PF."""
        if None in regs.values():
            return None
        info = pf.create_unwind_info(FrameId(gdb.Value(sp).cast(pf.read_register('rsp').type),
                                             pf.read_register('rip')))
        regs.setdefault('rsp', sp + 8)
        for reg, val in regs.items():
            info.add_saved_register(reg, gdb.Value(val).cast(pf.read_register(reg).type))
        # The others are what they are in this frame (gdb would take them
        # as lost, and its CFI for the older frame needs %rbp).
        for reg, _ in PtRegs.REGS:
            if reg not in regs:
                info.add_saved_register(reg, pf.read_register(reg))
        return info


class SwitchTo(Unwinder):
    """The caller of __switch_to_asm, for a CPU paused inside it."""

    def __init__(self, start, end):
        super().__init__('kmemdump-switch_to_asm')
        self.start, self.end = start, end
        self.depth = {}     # pc -> words pushed above the return address
        d = 0
        arch = gdb.selected_inferior().architecture()
        for insn in arch.disassemble(start, end - 1):
            self.depth[insn['addr']] = d
            asm = insn['asm'].split()
            if asm[0].startswith('push'):
                d += 1
            elif asm[0].startswith('pop'):
                d -= 1

    def __call__(self, pf):
        if pf.level() != 0:
            return None
        pc = int(pf.read_register('rip')) & M64
        d = self.depth.get(pc)
        if d is None:
            return None
        sp = int(pf.read_register('rsp')) & M64
        try:
            words = gdb.selected_inferior().read_memory(sp, 8 * (d + 1)).tobytes()
        except gdb.MemoryError:
            return None
        word = lambda k: int.from_bytes(words[8 * k:8 * k + 8], 'little')  # noqa: E731
        regs = {'rip': word(d)}
        if d:   # rbp, pushed first, is still on the stack
            regs['rbp'] = word(d - 1)
        return PtRegs.frame(pf, regs, sp + 8 * d)


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
    where = json.loads(os.environ.get('KMD_GDB_UNWIND', '{}'))
    entry_text = [value('&__entry_text_start'), value('&__entry_text_end')]
    if where.get('pt_regs'):
        register_unwinder(None, PtRegs(where['pt_regs'], where.get('error_entry'), entry_text),
                          replace=True)
    if where.get('switch_to_asm'):
        register_unwinder(None, SwitchTo(*where['switch_to_asm']), replace=True)
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
