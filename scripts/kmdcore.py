# SPDX-License-Identifier: GPL-2.0
"""Read the PT_LOADs of a kmemdump core and the names kmemdump gave them.

The kernel's ELF header region carries, after its program headers, a table
"KMDNAMES" (le32 count, le32 entsize, le64 generation, then
{char name[16]; le32 seq; le32})
with the region name and chunk number of each PT_LOAD, in phdr order; the
region's bytes are in md_<name>.BIN (seq 0) or md_<name>.<seq>.BIN.
Shared by tests/scenario/verify.py and tests/debuggers/drgn_check.py."""
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
