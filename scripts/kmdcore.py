# SPDX-License-Identifier: GPL-2.0
"""Read the PT_LOADs of a kmemdump core and the names kmemdump gave them.

The kernel's ELF header region carries, after its program headers, a table
"KMDNAMES" (le32 count, le32 entsize, le64 generation, then
{char name[16]; le32 seq; le32})
with the region name and chunk number of each PT_LOAD, in phdr order; the
region's bytes are in md_<name>.BIN (seq 0) or md_<name>.<seq>.BIN.
Shared by tests/scenario/verify.py, random_instant.py and
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
