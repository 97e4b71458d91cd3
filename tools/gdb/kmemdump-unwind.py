# SPDX-License-Identifier: GPL-2.0
"""gdb unwinders for the x86-64 kernel's entry assembly, in a kmemdump core:
  gdb ... -ex 'core-file dump.elf' -x tools/gdb/kmemdump-unwind.py

gdb has no CFI for the kernel's assembly (the kernel unwinds it with
ORC), and a backtrace stops there, or wanders into garbage: at an
interrupt or exception entry (what the interrupted code was doing is
lost), or for a CPU stopped inside one, or inside a context switch, as
the panic's NMI or the firmware can stop it. Two unwinders take over:
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
Where they are comes from the symbol file's ELF symbols (nm -S, or $NM),
moved by the offset gdb loaded it at: load vmlinux with its KASLR offset,
and the .text copy as exec-file, first (tests/debuggers/README.md).
Prints "KMD-UNWIND: N entry stubs, __switch_to_asm". x86-64 only;
elsewhere it says so and does nothing."""
import os
import re
import subprocess

import gdb  # pylint: disable=import-error
from gdb.unwinder import Unwinder, register_unwinder  # pylint: disable=import-error

M64 = (1 << 64) - 1
STUBS = r'^asm_(exc_|sysvec_|common_interrupt$|spurious_interrupt$)'


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


def symbol_ranges():
    """{name: [start, end]} of the symbol file's text symbols, from nm -S
    (the ELF sizes: a stub's own labels, as in asm_exc_nmi, lie inside
    it), moved by the offset gdb loaded it at; raises OSError or
    subprocess.SubprocessError without nm."""
    path = gdb.current_progspace().filename
    res = subprocess.run([os.environ.get('NM', 'nm'), '-S', '--defined-only', path],
                         capture_output=True, text=True, timeout=120, check=True)
    syms = {}
    for ln in res.stdout.splitlines():
        f = ln.split()     # address [size] type name: _text has no size
        if len(f) == 3:
            f.insert(1, '0')
        if len(f) == 4 and f[2] in 'Tt':
            syms[f[3]] = (int(f[0], 16), int(f[1], 16))
    here = value('&_text')
    if '_text' not in syms or here is None:
        return {}
    off = here - syms['_text'][0]
    return {n: [a + off, a + off + size] for n, (a, size) in syms.items()}


def discover():
    """Where the unwinders work: {"pt_regs": [[start, end], ...],
    "error_entry": start, "switch_to_asm": [start, end]}, run-time
    addresses."""
    r = symbol_ranges()
    out = {'pt_regs': [v for n, v in sorted(r.items()) if re.match(STUBS, n)]}
    if '__switch_to_asm' in r:
        out['switch_to_asm'] = r['__switch_to_asm']
    out['error_entry'] = value('&error_entry')
    return out


def register():
    """Register both unwinders where discover() finds them; returns that."""
    where = discover()
    entry_text = [value('&__entry_text_start'), value('&__entry_text_end')]
    if where.get('pt_regs'):
        register_unwinder(None, PtRegs(where['pt_regs'], where.get('error_entry'), entry_text),
                          replace=True)
    if where.get('switch_to_asm'):
        register_unwinder(None, SwitchTo(*where['switch_to_asm']), replace=True)
    return where


if __name__ == '__main__':
    if 'x86-64' not in gdb.selected_inferior().architecture().name():
        print('KMD-UNWIND: not an x86-64 kernel, nothing to do')
    else:
        try:
            w = register()
            print(f"KMD-UNWIND: {len(w.get('pt_regs', []))} entry stubs" +
                  (', __switch_to_asm' if w.get('switch_to_asm') else ''))
            gdb.invalidate_cached_frames()
        except (OSError, subprocess.SubprocessError) as e:
            print(f'KMD-UNWIND: no symbol sizes (nm: {e}), nothing registered')
