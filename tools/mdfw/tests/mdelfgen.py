# SPDX-License-Identifier: GPL-2.0
"""Independent encoder of kmemdump's ELF core header region (md_KELF_HEADER.BIN)
and of md_* dump directories, for tests (see tools/mdfw/mdelf.h): protocol
v2, name table "KMDNAMES", le32 count, le32 entsize 24, le64 generation.

    loads = [Load("linux_banner", 0, vaddr, paddr, data), ...]
    hdr = header_region(loads, notes=[prstatus(1, regs), prpsinfo(),
                                      vmcoreinfo(text)], generation=7)
    write_md_dir(path, hdr, loads)     # md files + manifest.tsv
"""
import os
import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")     # Elf64_Ehdr, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")             # Elf64_Phdr, 56 bytes
ET_CORE, EM_X86_64, PT_LOAD, PT_NOTE = 4, 62, 1, 4
NT_PRSTATUS, NT_PRPSINFO = 1, 3
PF_RWX = 7
PRSTATUS_SIZE, PR_PID_OFF, PR_REG_OFF, PR_REG_SIZE = 336, 32, 112, 27 * 8
PRPSINFO_SIZE = 136
MAGIC = b"KMDNAMES"


class Load:
    def __init__(self, name, seq, vaddr, paddr, data):
        self.name, self.seq, self.vaddr, self.paddr = name, seq, vaddr, paddr
        self.data = bytes(data)

    @property
    def size(self):
        return len(self.data)

    @property
    def fname(self):
        return ("md_%s.BIN" % self.name if self.seq == 0 else
                "md_%s.%d.BIN" % (self.name, self.seq))


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def note(name, ntype, desc):
    name = name + b"\0"
    return (struct.pack("<III", len(name), len(desc), ntype) + pad4(name) +
            pad4(desc))


def prstatus(pid, regs=None):
    """NT_PRSTATUS; regs: up to 27 u64 (x86-64 user_regs_struct order)."""
    d = bytearray(PRSTATUS_SIZE)
    struct.pack_into("<i", d, PR_PID_OFF, pid)
    for i, r in enumerate(regs or []):
        struct.pack_into("<Q", d, PR_REG_OFF + 8 * i, r & (2**64 - 1))
    return note(b"CORE", NT_PRSTATUS, bytes(d))


def prpsinfo(fname=b"swapper"):
    d = bytearray(PRPSINFO_SIZE)
    d[40:40 + len(fname)] = fname
    return note(b"CORE", NT_PRPSINFO, bytes(d))


def vmcoreinfo(text):
    if isinstance(text, str):
        text = text.encode()
    return note(b"VMCOREINFO", 0, text)


DEFAULT_VMCOREINFO = ("OSRELEASE=6.12.0-test\nPAGESIZE=4096\n"
                      "SYMBOL(swapper_pg_dir)=ffffffff82e0c000\n"
                      "SYMBOL(_stext)=ffffffff81000000\n"
                      "NUMBER(phys_base)=0\nKERNELOFFSET=0\n")


def default_notes(ncpus=2):
    return ([prstatus(c + 1, [0x1000 + c] * 27) for c in range(ncpus)] +
            [prpsinfo(), vmcoreinfo(DEFAULT_VMCOREINFO)])


def header_region(loads, notes=None, max_phdrs=None, page=4096,
                  names=True, names_gap=0, ehdr_patch=None, generation=1):
    """The bytes of md_KELF_HEADER.BIN as the kernel lays it out.

    max_phdrs: phdr slots reserved (>= 1 + len(loads)); names_gap: extra
    8-byte words between the reserved phdr space and the name table;
    generation: the name table's update counter."""
    notes = default_notes() if notes is None else notes
    notes_b = b"".join(notes)
    nph = 1 + len(loads)
    slots = max(nph, max_phdrs or 0)
    names_off = (64 + 56 * slots + 7) // 8 * 8 + 8 * names_gap
    table = b""
    if names:
        table = MAGIC + struct.pack("<IIQ", len(loads), 24,
                                    generation) + b"".join(
            struct.pack("<16sII", l.name.encode(), l.seq, 0) for l in loads)
    used = names_off + len(table) + len(notes_b)
    H = (used + page - 1) // page * page
    notes_off = H - len(notes_b)
    buf = bytearray(H)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    fields = dict(ident=ident, type=ET_CORE, machine=EM_X86_64, version=1,
                  entry=0, phoff=64, shoff=0, flags=0, ehsize=64,
                  phentsize=56, phnum=nph, shentsize=0, shnum=0, shstrndx=0)
    fields.update(ehdr_patch or {})
    buf[0:64] = EHDR.pack(*fields.values())
    buf[64:120] = PHDR.pack(PT_NOTE, 0, notes_off, 0, 0, len(notes_b),
                            len(notes_b), 0)
    off = H
    for i, l in enumerate(loads):
        buf[120 + 56 * i:176 + 56 * i] = PHDR.pack(
            PT_LOAD, PF_RWX, off, l.vaddr, l.paddr, l.size, l.size, 0)
        off += l.size
    buf[names_off:names_off + len(table)] = table
    buf[notes_off:H] = notes_b
    return bytes(buf)


HDR_PADDR = 0x100000

# The CPU sets' descriptor (region "cpu_sets", README "CPU sets"): one
# 64-byte record per CPU, written here from the README's table.
KCPU = 0x5550434b                 # the bytes "KCPU"
CPU_REC = struct.Struct("<IIII" + "QQII" * 2)
assert CPU_REC.size == 64


def cpu_record(cpu, cur, chunks, sets, magic=KCPU, cpu_field=None):
    """One record; sets: two (task, stack, pid, seq) tuples."""
    vals = [magic, cpu if cpu_field is None else cpu_field, cur, chunks]
    for s in sets:
        vals += list(s)
    return CPU_REC.pack(*vals)


def manifest_text(rows):
    """manifest.tsv as mdfw writes it; rows: (name, seq, addr, size, status)
    in table order (file column derived: md file if status is ok)."""
    out = ["# mdfw manifest v1", "# written by mdelfgen.py",
           "index\tname\tseq\taddress\tsize\tstatus\tfile"]
    for i, (name, seq, addr, size, st) in enumerate(rows):
        fn = "-"
        if st == "ok":
            fn = "md_%s.BIN" % name if seq == 0 else "md_%s.%d.BIN" % (
                name, seq)
        out.append("%d\t%s\t%d\t%#x\t%#x\t%s\t%s" % (i, name, seq, addr,
                                                     size, st, fn))
    return "\n".join(out) + "\n"


def write_md_dir(path, hdr, loads, skip=(), manifest=True, rows=None):
    """md_KELF_HEADER.BIN plus one md file per load (except names in skip),
    and manifest.tsv listing KELF_HEADER then the loads, all "ok" (or rows,
    see manifest_text), unless manifest is False."""
    os.makedirs(path, exist_ok=True)
    with open(os.path.join(path, "md_KELF_HEADER.BIN"), "wb") as f:
        f.write(hdr)
    for l in loads:
        if l.fname in skip:
            continue
        with open(os.path.join(path, l.fname), "wb") as f:
            f.write(l.data)
    if rows is None:
        rows = [("KELF_HEADER", 0, HDR_PADDR, len(hdr), "ok")] + [
            (l.name, l.seq, l.paddr, l.size, "ok") for l in loads]
    if manifest:
        with open(os.path.join(path, "manifest.tsv"), "w") as f:
            f.write(manifest_text(rows))


def parse_core(data, want_generation=False):
    """(ehdr tuple, [phdr tuples], name table list or None) of an ELF core,
    plus the name table's generation (or None) if want_generation."""
    eh = EHDR.unpack_from(data, 0)
    phoff, phnum = eh[5], eh[10]
    phs = [PHDR.unpack_from(data, phoff + 56 * i) for i in range(phnum)]
    first = min([p[2] for p in phs if p[5]] + [len(data)])
    names = gen = None
    o = (phoff + 56 * phnum + 7) // 8 * 8
    while o + 24 <= first:
        if data[o:o + 8] == MAGIC:
            n, _, gen = struct.unpack_from("<IIQ", data, o + 8)
            names = []
            for i in range(n):
                nm, seq, _ = struct.unpack_from("<16sII", data, o + 24 + 24 * i)
                names.append((nm.rstrip(b"\0").decode(), seq))
            break
        o += 8
    if want_generation:
        return eh, phs, names, gen
    return eh, phs, names
