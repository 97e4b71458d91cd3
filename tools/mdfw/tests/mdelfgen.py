# SPDX-License-Identifier: GPL-2.0
"""Independent encoder of kmemdump's ELF core header region (md_KELF_HEADER.BIN)
and of md_* dump directories, for tests: the byte-for-byte reference of the
KELF_HEADER v3 layout (notes/h21/header-spec.md, tools/mdfw/mdelf.h): section
headers STR_TBL, minidump_table, linux_banner, then one per PT_LOAD named
"<name>" (seq 0) or "<name>@<seq>"; the generation in note 0, "KMEMDUMP"
type 1, le64.

    loads = [Load("banner", 0, vaddr, paddr, data), ...]
    hdr = header_region(loads, notes=[prstatus(1, regs), prpsinfo(),
                                      vmcoreinfo(text)], generation=7)
    write_md_dir(path, hdr, loads)     # md files + manifest.tsv
"""
import os
import struct

EHDR = struct.Struct("<16sHHIQQQIHHHHHH")     # Elf64_Ehdr, 64 bytes
PHDR = struct.Struct("<IIQQQQQQ")             # Elf64_Phdr, 56 bytes
SHDR = struct.Struct("<IIQQQQIIQQ")           # Elf64_Shdr, 64 bytes
ET_CORE, EM_X86_64, PT_LOAD, PT_NOTE = 4, 62, 1, 4
SHT_PROGBITS, SHT_STRTAB, SHF_WRITE = 1, 3, 1
NT_PRSTATUS, NT_PRPSINFO = 1, 3
PF_RWX = 7
PRSTATUS_SIZE, PR_PID_OFF, PR_REG_OFF, PR_REG_SIZE = 336, 32, 112, 27 * 8
PRPSINFO_SIZE = 136
# STR_TBL's fixed start: sections 1..3 named at offsets 1, 9, 24.
STR_FIXED = b"\0STR_TBL\0minidump_table\0linux_banner\0"
assert len(STR_FIXED) == 37
KBANNER = 0xffffffff82000100      # linux_banner's VA (section 3's sh_addr)


def section_name(name, seq):
    """A load's section name: NAME for seq 0, NAME@SEQ otherwise."""
    return name if seq == 0 else "%s@%d" % (name, seq)


def file_name(name, seq):
    """The md file of chunk SEQ of region NAME."""
    return "md_%s.BIN" % section_name(name, seq)


class Load:
    def __init__(self, name, seq, vaddr, paddr, data):
        self.name, self.seq, self.vaddr, self.paddr = name, seq, vaddr, paddr
        self.data = bytes(data)

    @property
    def size(self):
        return len(self.data)

    @property
    def fname(self):
        return file_name(self.name, self.seq)


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


def generation_note(gen):
    """Note 0 of the header: "KMEMDUMP" type 1, le64 generation."""
    return note(b"KMEMDUMP", 1, struct.pack("<Q", gen))


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
                  sections=True, ehdr_patch=None, generation=1,
                  banner=KBANNER):
    """The bytes of md_KELF_HEADER.BIN as the kernel lays it out (v3).

    max_phdrs: phdr slots reserved (>= 1 + len(loads): cap = max_phdrs -
    1 loads of room in the phdrs, section headers and STR_TBL); page: H
    is a multiple of it (the notes area's spare room before the notes);
    generation: the KMEMDUMP note's value, put first (None: no such
    note); sections False: no section headers (e_shoff, e_shnum 0)."""
    notes = default_notes() if notes is None else notes
    notes_b = b"".join(([] if generation is None else
                        [generation_note(generation)]) + list(notes))
    n = len(loads)
    cap = max(n, (max_phdrs or 0) - 1)
    shoff = (64 + 56 * (1 + cap) + 7) // 8 * 8
    stroff = shoff + 64 * (4 + cap)
    strsize = (37 + 28 * cap + 8 + 7) // 8 * 8
    used = stroff + strsize + len(notes_b)
    H = (used + page - 1) // page * page
    notes_off = H - len(notes_b)
    buf = bytearray(H)
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    fields = dict(ident=ident, type=ET_CORE, machine=EM_X86_64, version=1,
                  entry=0, phoff=64, shoff=shoff if sections else 0,
                  flags=0, ehsize=64, phentsize=56, phnum=1 + n,
                  shentsize=64 if sections else 0,
                  shnum=4 + n if sections else 0,
                  shstrndx=1 if sections else 0)
    fields.update(ehdr_patch or {})
    buf[0:64] = EHDR.pack(*fields.values())
    buf[64:120] = PHDR.pack(PT_NOTE, 0, notes_off, 0, 0, len(notes_b),
                            len(notes_b), 0)
    off = H
    secs = []
    for i, l in enumerate(loads):
        buf[120 + 56 * i:176 + 56 * i] = PHDR.pack(
            PT_LOAD, PF_RWX, off, l.vaddr, l.paddr, l.size, l.size, 0)
        secs.append((section_name(l.name, l.seq).encode(), l.vaddr, off,
                     l.size))
        off += l.size
    if sections:
        area = section_area(shoff, secs, cap, banner)
        assert len(area) == stroff + strsize - shoff
        buf[shoff:shoff + len(area)] = area
    buf[notes_off:H] = notes_b
    return bytes(buf)


def section_area(shoff, secs, cap=None, banner=KBANNER):
    """Section headers [4 + cap] at file offset SHOFF and STR_TBL right
    after them, as the kernel writes them: secs [(section name bytes,
    sh_addr, sh_offset, sh_size)] of the loads in order (cap defaults to
    their count)."""
    cap = len(secs) if cap is None else cap
    stroff = shoff + 64 * (4 + cap)
    strsize = (37 + 28 * cap + 8 + 7) // 8 * 8
    strtab = bytearray(STR_FIXED)
    shdrs = [bytes(64),
             SHDR.pack(1, SHT_STRTAB, 0, 0, stroff, strsize, 0, 0, 0, 0),
             SHDR.pack(9, SHT_PROGBITS, 0, 0, 0, 0, 0, 0, 0, 0),
             SHDR.pack(24, SHT_PROGBITS, SHF_WRITE, banner, 0, 0, 0, 0, 0,
                       0)]
    for nm, addr, off, size in secs:
        shdrs.append(SHDR.pack(len(strtab), SHT_PROGBITS, SHF_WRITE, addr,
                               off, size, 0, 0, 0, 0))
        strtab += nm + b"\0"
    assert len(strtab) + 8 <= strsize, "names too long for STR_TBL"
    shdrs.append(bytes(64 * (cap - len(secs))))
    return b"".join(shdrs) + bytes(strtab) + bytes(strsize - len(strtab))


def header_layout(hdr):
    """Offsets of header region HDR as header_region() made it: dict of
    shoff, stroff, strsize, notes_off (from the ELF and section headers)."""
    shoff, = struct.unpack_from("<Q", hdr, 40)
    sh1 = SHDR.unpack_from(hdr, shoff + 64)
    notes_off, = struct.unpack_from("<Q", hdr, 64 + 8)
    return dict(shoff=shoff, stroff=sh1[4], strsize=sh1[5],
                notes_off=notes_off)


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
            fn = file_name(name, seq)
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


def parse_notes(b):
    """[(name bytes, type, desc bytes)] of a PT_NOTE's bytes B (stops at
    zero padding or a truncated note)."""
    out, o = [], 0
    while o + 12 <= len(b):
        nsz, dsz, typ = struct.unpack_from("<III", b, o)
        if not (nsz or dsz or typ):
            break
        no = o + 12
        do = no + (nsz + 3) // 4 * 4
        if do + dsz > len(b):
            break
        out.append((b[no:no + nsz].rstrip(b"\0"), typ, b[do:do + dsz]))
        o = do + (dsz + 3) // 4 * 4
    return out


def parse_core(data, want_generation=False):
    """(ehdr tuple, [phdr tuples], names) of an ELF core: names the
    [(name, seq)] of the PT_LOADs from their sections [4 + i] and STR_TBL,
    or None without section headers; plus the generation (first note
    "KMEMDUMP" type 1, 8 bytes; or None) if want_generation."""
    eh = EHDR.unpack_from(data, 0)
    phoff, shoff, phnum, shnum = eh[5], eh[6], eh[10], eh[12]
    phs = [PHDR.unpack_from(data, phoff + 56 * i) for i in range(phnum)]
    names = gen = None
    if shoff and shnum >= 4:
        shs = [SHDR.unpack_from(data, shoff + 64 * i) for i in range(shnum)]
        st = data[shs[1][4]:shs[1][4] + shs[1][5]]
        names = []
        for sh in shs[4:]:
            nm = st[sh[0]:st.index(b"\0", sh[0])].decode()
            name, _, seq = nm.partition("@")
            names.append((name, int(seq) if seq else 0))
    for ph in phs:
        if ph[0] == PT_NOTE and gen is None:
            for name, typ, desc in parse_notes(data[ph[2]:ph[2] + ph[5]]):
                if name == b"KMEMDUMP" and typ == 1 and len(desc) == 8:
                    gen, = struct.unpack("<Q", desc)
                    break
    if want_generation:
        return eh, phs, names, gen
    return eh, phs, names
