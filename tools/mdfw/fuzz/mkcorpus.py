#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Write the seed corpora fuzz/corpus/<harness>/ (small valid inputs, from
the independent encoders in tests/, and "GROW" inputs that the harnesses
grow into large hostile ones, see grow.h). Run from anywhere; rewrites
the seed-* files only."""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "tests"))
import mdelfgen as G  # noqa: E402
from mdlib import INVA, ENBL, DONE, NOTREQ, region, toc_bytes  # noqa: E402

BAR2 = 0xfe000000
GIB4 = 1 << 32


def put(h, name, data):
    d = os.path.join(here, "corpus", h)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def table_input(flags, cap, ents, count=None, baseptr=BAR2 + 336):
    arr = b"".join(region(*e[:4], **(e[4] if len(e) > 4 else {}))
                   for e in ents)
    n = len(ents) if count is None else count
    shm = toc_bytes((1, ENBL, DONE, NOTREQ, n, baseptr)) + arr
    return bytes([flags]) + struct.pack("<I", cap) + shm


def grow(n, head, body, tail=b"", fix=0xffffffff, step=0):
    """A "GROW" input (fuzz/grow.h): head + body * n + tail, with
    (n - 1) * step added to the le64 at head[fix]."""
    return (b"GROW" + struct.pack("<IIIII", n, len(head), len(head) +
                                  len(body), fix, step) + head + body + tail)


def ehdr(phoff, phnum, shoff=0, shnum=0):
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    return G.EHDR.pack(ident, G.ET_CORE, G.EM_X86_64, 1, 0, phoff, shoff, 0,
                       64, 56, phnum, 64 if shnum else 0, shnum,
                       1 if shnum else 0)


def note_phdr(off, size):
    return G.PHDR.pack(G.PT_NOTE, 0, off, 0, 0, size, size, 0)


def hostile_seeds():
    """Large repetitive inputs, grown by the harnesses from a few hundred
    bytes, on which superlinear parsing shows (libFuzzer -timeout)."""
    pr = G.prstatus(1, [0x1000] * 27)
    empty = struct.pack("<III", 0, 0, 1)        # a 12-byte note, type 1
    # 2 MiB of all-zero note headers, then one real note: the kernel's
    # header region (KELF_HEADER) and a file for 'mdfw info'.
    # No PT_LOAD: the four fixed sections and STR_TBL, the generation
    # note first.
    n = (2 << 20) // 12
    area = G.section_area(120, [])
    gen = G.generation_note(1)
    head = (ehdr(64, 1, 120, 4) + note_phdr(120 + len(area), len(gen) +
                                            12 + len(pr)) + area + gen)
    zero = grow(n, head, b"\0" * 12, pr, fix=64 + 32, step=12)
    put("elfhdr", "grow-zero-notes", zero)
    put("info", "grow-zero-notes", zero)
    # QEMU's dump-guest-memory ELF with the same notes.
    head = ehdr(64, 1) + note_phdr(120, 12 + len(pr))
    put("cpuregs", "grow-zero-notes",
        grow(n, head, b"\0" * 12, pr, fix=64 + 32, step=12))
    # 60000 PT_NOTEs over the same 480 KB of empty notes (and one over a
    # NT_PRSTATUS): notes, then program headers, both grown.
    m, k = 40000, 60000
    phoff = 64 + len(pr) + 12                   # for one empty note
    phdrs = grow(k, note_phdr(64, len(pr)), note_phdr(64 + len(pr), 12 * m))
    many = grow(m, ehdr(phoff, 1 + k) + pr, empty, phdrs, fix=32, step=12)
    put("cpuregs", "grow-pt-notes", many)
    put("info", "grow-pt-notes", many)
    # The kernel's notes: 4096 CPUs of one pid, pr_reg all zero.
    put("cpuregs", "grow-kernel-cpus", grow(4096, b"", G.prstatus(5)))


def cpusets_input(ents, desc):
    """fuzz_cpusets: (flags, cpu, chunk, seq, addr, size) entries, then
    the descriptor."""
    return bytes([len(ents)]) + b"".join(
        struct.pack("<BBBBII", *e) for e in ents) + desc


def cpusets_seeds():
    """Two CPUs, four stack chunks: CPU 0 both sets usable, CPU 1's set 0
    the same task (migrated), its set 1 with an odd seq."""
    ents, recs = [], []
    for c in range(2):
        for s in range(2):
            k = 2 * c + s if (c, s) != (1, 0) else 0
            ents.append((2, c, 0, s, 0x100000 + 0x10000 * k, 0x2800))
            ents += [(3, c, i, s, 0x200000 + 0x10000 * k + 0x1000 * i,
                      0x1000) for i in range(4)]
        recs.append(G.cpu_record(c, 1 - c, 4, [
            (0xffff888000100000 + 0x10000 * (2 * c + s if (c, s) != (1, 0)
                                             else 0),
             0xffffc90000100000 + 0x10000 * (2 * c + s if (c, s) != (1, 0)
                                             else 0),
             100 + 2 * c + s, 2 if (c, s) != (1, 1) else 3)
            for s in range(2)]))
    put("cpusets", "two-cpus", cpusets_input(ents, b"".join(recs)))
    # 4096 records (the most), grown from one: the entries, record 0,
    # then record 1 repeated.
    head = cpusets_input(ents, recs[0])
    put("cpusets", "grow-4096-cpus", grow(4095, head, recs[1]))


def main():
    # layout 0: 8 MiB split at 4 MiB (RAM at 0 and at 4 GiB)
    put("table", "valid", table_input(0, 0, [
        ("KELF_HEADER", 0, 0x100000, 0x2000), ("prb", 0, 0x3000, 0x8),
        ("dyn4", 0, 0x5000, 0x1000), ("dyn4", 1, GIB4 + 0x7000, 0x800),
        ("gone", 0, 0, 0, {"valid": INVA})]))
    put("table", "bad", table_input(1, 0x1800, [
        ("a", 0, 0x1000, 0x1000), ("A", 0, 0x3000, 0x10),
        ("b", 0, 0x1800, 0x10), ("c.d", 0, 0x4000, 0x10),
        ("e", 0, 0xfffffffffffffff0, 0x20), ("f", 0, 0x5000, 0),
        ("g", 0, 0x6000, 0x1000), ("h", 0, 0x9000, 0x10, {"valid": 7})]))
    put("table", "in-ram", table_input(4, 0, [("x", 0, 0x1000, 0x10)],
                                       count=3, baseptr=0x40))

    loads = [G.Load("banner", 0, 0xffffffff81200000, 0x1200000,
                    b"Linux version 6.12\n"),
             G.Load("dyn4", 0, 0xffffc90000010000, 0x5000, b"\1" * 64),
             G.Load("dyn4", 1, 0xffffc90000011000, 0x7000, b"\2" * 32)]
    notes = [G.prstatus(1, [0x1000] * 27), G.prpsinfo(),
             G.vmcoreinfo(G.DEFAULT_VMCOREINFO)]
    hdr = G.header_region(loads, notes, page=8, generation=3)
    put("elfhdr", "three-loads", hdr)
    put("elfhdr", "reserved-phdrs", G.header_region(
        loads[:1], [G.vmcoreinfo("OSRELEASE=6.12\n")], max_phdrs=6,
        page=8))
    put("elfhdr", "no-loads", G.header_region([], notes[:1], page=8))

    put("info", "core", hdr + b"".join(l.data for l in loads))
    put("info", "no-names", G.header_region(loads[:1], notes, page=8,
                                            sections=False) + loads[0].data)

    # SMEM as SBL leaves it (16 KiB: partition at 0x1000, table at 0x3000)
    import test_smem as S
    toc = toc_bytes((1, ENBL, 0, NOTREQ, 3, 0x40100000))
    put("smem", "valid", S.smem_image(toc, size=0x4000,
                                      part=(0x1000, 0x2000)))
    put("smem", "array-in-item", S.smem_image(
        toc[:24] + struct.pack("<Q", 0x5fc01030 + 336) + toc[32:] +
        region("x", 0, 0x40001000, 0x10), size=0x4000,
        part=(0x1000, 0x2000), base=0x5fc00000))
    put("manifest", "capture", G.manifest_text(
        [("KELF_HEADER", 0, 0x100000, len(hdr), "ok")] +
        [(l.name, l.seq, l.paddr, l.size, "ok") for l in loads] +
        [("\\x2e\\x2e", 0, 0, 0, "invalid-marker"),
         ("", 0, 0, 0, "invalid-marker"),
         ("big", 0, 0x9000, 0x100000, "too-large"),
         ("odd", 3, 0xd0000000, 0x10, "out-of-ram")]).encode())


    cpusets_seeds()
    hostile_seeds()


if __name__ == "__main__":
    main()
