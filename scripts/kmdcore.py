# SPDX-License-Identifier: GPL-2.0
"""Read the PT_LOADs of a kmemdump core and the names kmemdump gave them.

The kernel's ELF header region (and mdfw's dump.elf) carries section
headers in Qualcomm's minidump layout: [1] "STR_TBL" (the string table of
the names), [2] "minidump_table", [3] "linux_banner", then section [4 + i]
naming PT_LOAD i (same address, offset and size): "<name>" for seq 0 of a
region, "<name>@<seq>" for its further chunks. The region's bytes are in
md_<section name>.BIN. The header's generation is the le64 of the first
note "KMEMDUMP" type 1 in its PT_NOTE.

The CPU sets (mm/kmemdump/cpustate.c): at the tail of the table, each
followed CPU c has two sets s = 0, 1 of entries, KTASK<c> seq s (its
current task_struct) and KSTACK<c>_<i> seq s (its stack, chunk by chunk),
which the kernel's ELF header does not describe; the region "cpu_sets"
says, per CPU, the sets' virtual addresses and pids. A set is live iff
its KTASK entry is valid.
Shared by tests/scenario/verify.py, random_instant.py, pingpong.py and
tests/debuggers/drgn_check.py."""
import re
import struct

SECTION_NAME = re.compile(rb'([A-Za-z0-9_]{1,15})(?:@([1-9][0-9]{0,9}))?')
RESERVED_NAMES = (b'STR_TBL', b'minidump_table', b'linux_banner')
GEN_NOTE, GEN_TYPE = b'KMEMDUMP', 1


def split_section_name(raw):
    """(name, seq) of section name bytes RAW, or None if it is not
    [A-Za-z0-9_]{1,15} optionally followed by @<seq> (seq > 0, no
    leading zero, 32 bits) or names a reserved section."""
    m = SECTION_NAME.fullmatch(raw)
    if not m or m.group(1) in RESERVED_NAMES:
        return None
    seq = int(m.group(2) or 0)
    return None if seq >= 1 << 32 else (m.group(1).decode(), seq)


def sections(core):
    """The section headers of bytes CORE as (name bytes, type, addr,
    offset, size) tuples, names read from STR_TBL (section 1), plus a
    list of problems; ([], []) without section headers."""
    shoff, = struct.unpack_from('<Q', core, 40)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', core, 58)
    if not shoff and not shnum:
        return [], []
    if shentsize != 64 or shnum < 4 or shstrndx != 1 or shoff + 64 * shnum > len(core):
        return [], [f'section headers: e_shoff {shoff:#x} e_shentsize {shentsize} '
                    f'e_shnum {shnum} e_shstrndx {shstrndx} in {len(core)} bytes']
    shs = [struct.unpack_from('<IIQQQQ', core, shoff + 64 * i) for i in range(shnum)]
    stroff, strsize = shs[1][4], shs[1][5]
    if shs[1][1] != 3 or stroff + strsize > len(core):
        return [], [f'STR_TBL: type {shs[1][1]}, [{stroff:#x}, +{strsize:#x}) '
                    f'in {len(core)} bytes']
    st = core[stroff:stroff + strsize]
    out, problems = [], []
    for i, (name, typ, _, addr, off, size) in enumerate(shs):
        end = st.find(b'\0', name) if name < len(st) else -1
        if i and end < 0:
            problems.append(f'section {i}: sh_name {name} has no NUL-ended name in STR_TBL')
        out.append((st[name:end] if i and end >= 0 else b'', typ, addr, off, size))
    return out, problems


def section_map(core):
    """{(name, seq): (sh_addr, sh_size)} of every named section of bytes
    CORE after the 4 fixed ones: the PT_LOADs' and, in mdfw's dump.elf,
    the aliases KSTACK<c>_<i> of a running stack's pages."""
    shs, _ = sections(core)
    out = {}
    for raw, _, addr, _, size in shs[4:]:
        ns = split_section_name(raw)
        if ns:
            out[ns] = (addr, size)
    return out


def pt_loads(core):
    """[{'name', 'seq', 'offset', 'vaddr', 'paddr', 'size'}] of bytes CORE
    (the file, or at least its headers and STR_TBL); name/seq are None
    when the core has no section naming the PT_LOAD."""
    phoff, = struct.unpack_from('<Q', core, 32)
    phnum, = struct.unpack_from('<H', core, 56)
    phs = [struct.unpack_from('<IIQQQQQQ', core, phoff + 56 * i) for i in range(phnum)]
    loads = [{'offset': ph[2], 'vaddr': ph[3], 'paddr': ph[4], 'size': ph[5],
              'name': None, 'seq': None} for ph in phs if ph[0] == 1]   # PT_LOAD
    shs, _ = sections(core)
    for load, sh in zip(loads, shs[4:]):
        ns = split_section_name(sh[0])
        if ns:
            load['name'], load['seq'] = ns
    return loads


def note_records(b):
    """[(name bytes, type, desc bytes)] of the notes in bytes B, the
    contents of one PT_NOTE, up to the first empty or cut record."""
    out, o = [], 0
    while o + 12 <= len(b):
        nsz, dsz, t = struct.unpack_from('<III', b, o)
        do = o + 12 + (nsz + 3) // 4 * 4
        if not (nsz or dsz or t) or do + dsz > len(b):
            break
        out.append((b[o + 12:o + 12 + nsz].rstrip(b'\0'), t, b[do:do + dsz]))
        o = do + (dsz + 3) // 4 * 4
    return out


def notes(core):
    """[(name bytes, type, desc bytes)] of the PT_NOTEs of bytes CORE
    (those inside it), in order."""
    phoff, = struct.unpack_from('<Q', core, 32)
    phnum, = struct.unpack_from('<H', core, 56)
    out = []
    for i in range(phnum):
        typ, _, off, _, _, size = struct.unpack_from('<IIQQQQ', core, phoff + 56 * i)
        if typ == 4 and off + size <= len(core):
            out += note_records(core[off:off + size])
    return out


def file_notes(path, max_note=1 << 20):
    """notes() of the core file at PATH, reading only its ELF header, its
    program headers and its PT_NOTEs (each at most MAX_NOTE bytes): the
    file may be a whole-RAM dump."""
    out = []
    with open(path, 'rb') as f:
        ehdr = f.read(64)
        if len(ehdr) < 64:
            return out
        phoff, = struct.unpack_from('<Q', ehdr, 32)
        phnum, = struct.unpack_from('<H', ehdr, 56)
        f.seek(phoff)
        phdrs = f.read(56 * phnum)
        for i in range(len(phdrs) // 56):
            typ, _, off, _, _, size = struct.unpack_from('<IIQQQQ', phdrs, 56 * i)
            if typ == 4:
                f.seek(off)
                out += note_records(f.read(min(size, max_note)))
    return out


def vmcoreinfo_of(notes_list):
    """VMCOREINFO's KEY=VALUE pairs from the first VMCOREINFO note of
    NOTES_LIST (as notes() returns it), or {}."""
    for name, _, desc in notes_list:
        if name == b'VMCOREINFO':
            text = desc.rstrip(b'\0').decode(errors='replace')
            return dict(l.split('=', 1) for l in text.splitlines() if '=' in l)
    return {}


def vmcoreinfo(core):
    """VMCOREINFO's KEY=VALUE pairs from the first VMCOREINFO note of bytes
    CORE, or {}."""
    return vmcoreinfo_of(notes(core))


def file_vmcoreinfo(path):
    """vmcoreinfo() of the core file at PATH (file_notes())."""
    return vmcoreinfo_of(file_notes(path))


def generation(core):
    """The generation of the header in bytes CORE (the first note
    "KMEMDUMP" type 1 of 8 bytes), or None."""
    for name, t, desc in notes(core):
        if name == GEN_NOTE and t == GEN_TYPE and len(desc) == 8:
            return struct.unpack('<Q', desc)[0]
    return None


CPU_SET_ENTRY = re.compile(r'^KTASK\d+$|^KSTACK\d+_\d+$')
CPUSETS_MAGIC = 0x5550434b     # "KCPU"


def is_cpu_set_entry(name):
    """Whether NAME is a CPU-set entry: KTASK<c> or KSTACK<c>_<i>."""
    return bool(CPU_SET_ENTRY.match(name or ''))


def cpu_sets(b):
    """The records of the cpu_sets region's bytes B: [{'magic', 'cpu',
    'cur', 'chunks', 'sets': [{'task', 'stack', 'pid', 'seq'}] * 2}], one
    per 64 bytes, in CPU order."""
    recs = []
    for o in range(0, len(b) - 63, 64):
        magic, cpu, cur, chunks = struct.unpack_from('<IIII', b, o)
        sets = [dict(zip(('task', 'stack', 'pid', 'seq'),
                         struct.unpack_from('<QQII', b, o + 16 + 24 * s))) for s in (0, 1)]
        recs.append({'magic': magic, 'cpu': cpu, 'cur': cur, 'chunks': chunks, 'sets': sets})
    return recs


def cpu_set_problems(entries, desc, ncpus, followed=None, withdrawn=(), at_panic=False):
    """What is wrong with the CPU sets of one capture, as [str]: ENTRIES
    the captured (valid) table entries that are set entries, as (name,
    seq, size), DESC the cpu_sets region's bytes (or None), NCPUS the CPUs
    the guest brought up, FOLLOWED how many of them (from CPU 0) the
    backend follows (default all), WITHDRAWN the CPUs whose sets must all
    be withdrawn (the panicking one). A CPU that is not followed has no
    set entry at all; every other has one or two live sets (KTASK<c>
    valid), or AT_PANIC (the panic path registered every CPU's current
    task as regions of these names, which ENTRIES must leave out) at most
    set 1; each live set whole: all stack_chunks KSTACK<c>_<i> of its seq
    captured, of equal size; a live set's descriptor names a task and a
    stack, unless its seq is odd (the kernel is rewriting it)."""
    if desc is None:
        return ['no cpu_sets region']
    recs = cpu_sets(desc)
    out = []
    if len(desc) % 64 or len(recs) != ncpus:
        out.append(f'cpu_sets: {len(desc)} bytes, {len(recs)} records for {ncpus} CPUs')
    have = {(n, s): size for n, s, size in entries if is_cpu_set_entry(n)}
    followed = ncpus if followed is None else followed
    stray = sorted({n for n, _ in have if int(re.match(r'K(?:TASK|STACK)(\d+)', n).group(1))
                    >= followed})
    if stray:
        out.append(f'set entries of CPUs not followed (only {followed} are): {stray[:4]}')
    for c, r in enumerate(recs[:followed]):
        if r['magic'] != CPUSETS_MAGIC or r['cpu'] != c:
            out.append(f'cpu_sets record {c}: magic {r["magic"]:#x} cpu {r["cpu"]}')
            continue
        live = [s for s in (0, 1) if (f'KTASK{c}', s) in have]
        if c in withdrawn:
            if live:
                out.append(f'cpu {c}: sets {live} live, want them withdrawn')
            continue
        if at_panic and 0 in live:
            out.append(f'cpu {c}: set 0 live at panic, want only set 1')
        if not live and not at_panic:
            out.append(f'cpu {c}: no live set')
        for s in live:
            chunks = [have.get((f'KSTACK{c}_{i}', s)) for i in range(r['chunks'])]
            if not chunks or None in chunks or len(set(chunks)) != 1:
                out.append(f'cpu {c} set {s}: live, stack chunks {chunks} of '
                           f'{r["chunks"]} captured')
            d = r['sets'][s]
            if not d['seq'] & 1 and not (d['task'] and d['stack']):
                out.append(f'cpu {c} set {s}: live, descriptor task {d["task"]:#x} '
                           f'stack {d["stack"]:#x} (seq {d["seq"]})')
    return out


def blob_name(name, seq):
    """The firmware's file for chunk SEQ of region NAME."""
    return f'md_{name}.BIN' if seq == 0 else f'md_{name}@{seq}.BIN'


def module_sections(text, module='kmemdump_scenario'):
    """{section: address} of MODULE from the KMD-MODULE-SECTION lines of
    TEXT (what the guest read from /sys/module/MODULE/sections, or
    tools/gdb/kmemdump-modules.gdb's listing of a dump)."""
    return {s: int(a, 16) for s, a in re.findall(
        r'^KMD-MODULE-SECTION: %s (\S+) (0x[0-9a-f]+)' % re.escape(module),
        text.replace('\r', ''), re.M)}


def module_regions(loads, region, console, module='kmemdump_scenario'):
    """Names of the regions kmemdump registers to locate MODULE in a dump
    (mm/kmemdump/modules.c), told apart from the guest's console alone:
    its struct module is the PT_LOAD at the address of the module's
    .gnu.linkonce.this_module section, its section attributes the region
    holding every section name NUL-terminated, ending with one. LOADS:
    the candidates' pt_loads() entries; REGION(name): a region's bytes or
    None; CONSOLE: the guest's console (KMD-MODULE-SECTION lines)."""
    secs = module_sections(console, module)
    out = set()
    this = secs.get('.gnu.linkonce.this_module')
    if this is not None:
        out |= {ld['name'] for ld in loads if ld['vaddr'] == this}
    names = [b'\0' + s.encode() + b'\0' for s in secs]
    for name in sorted({ld['name'] for ld in loads if ld['name']} - out):
        b = region(name) if names else None
        if b and b.endswith(b'\0') and all(n in b for n in names):
            out.add(name)
    return out
