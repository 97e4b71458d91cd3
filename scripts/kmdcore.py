# SPDX-License-Identifier: GPL-2.0
"""Read the PT_LOADs of a kmemdump core and the names kmemdump gave them.

The kernel's ELF header region carries, after its program headers, a table
"KMDNAMES" (le32 count, le32 entsize, le64 generation, then
{char name[16]; le32 seq; le32})
with the region name and chunk number of each PT_LOAD, in phdr order; the
region's bytes are in md_<name>.BIN (seq 0) or md_<name>.<seq>.BIN.

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


def pt_loads(core):
    """[{'name', 'seq', 'offset', 'vaddr', 'paddr', 'size'}] of bytes CORE
    (the file, or at least its header region); name/seq are None when the
    core has no name table."""
    phoff, = struct.unpack_from('<Q', core, 32)
    phnum, = struct.unpack_from('<H', core, 56)
    phs = [struct.unpack_from('<IIQQQQQQ', core, phoff + 56 * i) for i in range(phnum)]
    loads = [{'offset': ph[2], 'vaddr': ph[3], 'paddr': ph[4], 'size': ph[5],
              'name': None, 'seq': None} for ph in phs if ph[0] == 1]   # PT_LOAD
    at = core.find(b'KMDNAMES', phoff + 56 * phnum)
    if at < 0:
        return loads
    count, entsize = struct.unpack_from('<II', core, at + 8)
    for i, load in enumerate(loads[:count]):
        ent = core[at + 24 + i * entsize:at + 24 + (i + 1) * entsize]
        load['name'] = ent[:16].split(b'\0')[0].decode(errors='replace')
        load['seq'], = struct.unpack_from('<I', ent, 16)
    return loads


def generation(core):
    """The generation of the header in bytes CORE, or None."""
    phoff, = struct.unpack_from('<Q', core, 32)
    phnum, = struct.unpack_from('<H', core, 56)
    at = core.find(b'KMDNAMES', phoff + 56 * phnum)
    return None if at < 0 else struct.unpack_from('<Q', core, at + 16)[0]


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


def cpu_set_problems(entries, desc, ncpus, followed=None, withdrawn=()):
    """What is wrong with the CPU sets of one capture, as [str]: ENTRIES
    the captured (valid) table entries as (name, seq, size), DESC the
    cpu_sets region's bytes (or None), NCPUS the CPUs the guest brought
    up, FOLLOWED how many of them (from CPU 0) the backend follows
    (default all), WITHDRAWN the CPUs whose sets must all be withdrawn
    (the panicking one). A CPU that is not followed has no set entry at
    all; every other has one or two live sets (KTASK<c> valid), each
    whole: all stack_chunks KSTACK<c>_<i> of its seq captured, of equal
    size; a live set's descriptor names a task and a stack, unless its seq
    is odd (the kernel is rewriting it)."""
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
        if not live:
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
    return f'md_{name}.BIN' if seq == 0 else f'md_{name}.{seq}.BIN'


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
