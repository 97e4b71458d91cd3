#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The arm64 board: 'mdfw extract/capture --smem' find the minidump TOC in
Qualcomm SMEM item 602 inside guest RAM (at 0x40000000, QEMU virt) the way
boot firmware does, then the APSS region table, and write an EM_AARCH64
dump.elf with aarch64 NT_PRSTATUS (392 bytes). The SMEM encoder here is
written from ../../shared/design.md section 8 and Linux's smem.c layout,
not from smem.c, and uses another geometry than 'mdfw init --smem'
(64 KiB SMEM, partition at 0x2000): mdfw must follow the tables, not
assume its own layout. Malformed SMEM is refused with exit 3."""
import os
import struct
import tempfile

import mdelfgen as G
from mdlib import (ENBL, MDFW, NOTREQ, Tap, check, read_kv, read_manifest,
                   region, run, toc_bytes)
from test_cpuregs import RegsQemu, notes_of
from test_qmp import finish

import subprocess

RAM_BASE = 0x40000000
RAM_SIZE = 8 << 20
SMEM_AT = RAM_BASE + (6 << 20)          # SMEM: 64 KiB inside RAM
SMEM_SIZE = 0x10000
PART_OFF, PART_SIZE = 0x2000, 0x8000
ARRAY_AT = RAM_BASE + 0x100000          # the kernel's region array
HDR_AT = RAM_BASE + 0x200000
EM_AARCH64 = 183
A64_PR_SIZE = 392                       # aarch64 struct elf_prstatus
KVA = 0xffff800080000000

A64_VMCOREINFO = ("OSRELEASE=6.12.0-test\nPAGESIZE=4096\n"
                  "SYMBOL(swapper_pg_dir)=ffff800081a37000\n"
                  "SYMBOL(_stext)=ffff800080010000\n"
                  "NUMBER(VA_BITS)=48\n"
                  "NUMBER(kimage_voffset)=0xffff7fffc0000000\n"
                  "NUMBER(PHYS_OFFSET)=0x40000000\nKERNELOFFSET=0\n")


def a64_prstatus(pid, regs=None):
    """aarch64 NT_PRSTATUS: pr_reg = x0..x30, sp, pc, pstate at 112."""
    d = bytearray(A64_PR_SIZE)
    struct.pack_into("<i", d, 32, pid)
    for i, r in enumerate(regs or []):
        struct.pack_into("<Q", d, 112 + 8 * i, r)
    return G.note(b"CORE", 1, bytes(d))


def a64_regs(cpu):
    r = [0x1000 * cpu + i for i in range(34)]
    r[31] = KVA + 0x3ff0 + cpu      # sp
    r[32] = KVA + 0x123400 + cpu    # pc
    return r


def smem_image(item_data=b"", item=602, mutate=None, size=SMEM_SIZE,
               part=(PART_OFF, PART_SIZE), base=SMEM_AT):
    """SMEM as SBL leaves it (global partition scheme, SBL version 12)."""
    PART_OFF, PART_SIZE = part  # noqa: N806
    SMEM_SIZE = size  # noqa: N806
    s = bytearray(SMEM_SIZE)
    struct.pack_into("<I", s, 64 + 7 * 4, 12 << 16)    # version[7]
    struct.pack_into("<I", s, 192, 1)                   # initialized
    struct.pack_into("<I", s, 204, 0)                   # reserved
    pt = SMEM_SIZE - 4096
    s[pt:pt + 32] = b"$TOC" + struct.pack("<II", 1, 1) + bytes(20)
    e = pt + 32
    s[e:e + 48] = struct.pack("<IIIHHI", PART_OFF, PART_SIZE, 0, 0xfffe,
                              0xfffe, 64) + bytes(28)
    info = e + 48
    s[info:info + 20] = b"SIII" + struct.pack("<IIIHH", SMEM_SIZE, base,
                                              0, 1024, 0)
    # Global partition: header, a decoy item 3, then item.
    items = b""
    for num, data in ((3, b"decoy!!\0"), (item, item_data)):
        pad = -len(data) % 8
        items += struct.pack("<HHIHHI", 0xa5a5, num, len(data) + pad, pad,
                             0, 0) + data + bytes(pad)
    hdr = b"$PRT" + struct.pack("<HHIII", 0xfffe, 0xfffe, PART_SIZE,
                                32 + len(items), PART_SIZE) + bytes(12)
    s[PART_OFF:PART_OFF + 32] = hdr
    s[PART_OFF + 32:PART_OFF + 32 + len(items)] = items
    if mutate:
        mutate(s)
    return bytes(s)


TOC_OFF = PART_OFF + 32 + 16 + 8 + 16   # item 602's data within SMEM


class ArmGuest:
    """Guest RAM file of the arm64 board: SMEM, region array, regions."""

    def __init__(self, tmp, entries, smem=None, toc=None, baseptr=ARRAY_AT,
                 count=None):
        self.tmp = tmp
        self.ram = bytearray(RAM_SIZE)
        self.ram_path = os.path.join(tmp, "ram.img")
        self.out = os.path.join(tmp, "out")
        ss0 = (1, ENBL, 0, NOTREQ, len(entries) if count is None else count,
               baseptr)
        toc = toc_bytes(ss0) if toc is None else toc
        self.put(SMEM_AT, smem if smem is not None else smem_image(toc))
        arr = b"".join(region(n, s, a, z) for n, s, a, z in entries)
        self.put(ARRAY_AT, arr)
        for i, (n, s, a, z) in enumerate(entries):
            if RAM_BASE <= a and a + z <= RAM_BASE + RAM_SIZE and \
                    a != HDR_AT:
                self.put(a, bytes((i * 7 + k) & 0xff for k in range(z)))

    def put(self, gpa, data):
        o = gpa - RAM_BASE
        self.ram[o:o + len(data)] = data

    def write(self):
        with open(self.ram_path, "wb") as f:
            f.write(self.ram)

    def extract(self, *extra):
        self.write()
        return run(["extract", "--ram", self.ram_path, "--ram-size",
                    str(RAM_SIZE), "--smem", hex(SMEM_AT), "--smem-size",
                    hex(SMEM_SIZE), "--out", self.out] + list(extra))

    def slice(self, gpa, size):
        return bytes(self.ram[gpa - RAM_BASE:gpa - RAM_BASE + size])


REGIONS = [("banner", 0, RAM_BASE + 0x300000, 0x9f),
           ("dyn4", 0, RAM_BASE + 0x301000, 0x1000),
           ("dyn4", 1, RAM_BASE + 0x303000, 0x800)]


def core_guest(tmp, kernel_saved=(), vmcoreinfo=A64_VMCOREINFO, **kw):
    """An arm64 guest with an EM_AARCH64 ELF header region at HDR_AT."""
    loads = [G.Load(n, s, KVA + a, a, bytes(z)) for n, s, a, z in REGIONS]
    knotes = [a64_prstatus(0 if c else 57, a64_regs(c) if c in
                           kernel_saved else None) for c in range(2)]
    knotes += [G.prpsinfo(), G.vmcoreinfo(vmcoreinfo)]
    hdr = G.header_region(loads, notes=knotes, generation=9,
                          ehdr_patch={"machine": EM_AARCH64})
    g = ArmGuest(tmp, [("KELF_HEADER", 0, HDR_AT, len(hdr))] + REGIONS, **kw)
    g.put(HDR_AT, hdr)
    return g, knotes


def files(d):
    return sorted(f for f in os.listdir(d)) if os.path.isdir(d) else []


def extract_through_smem():
    """Item 602 found through header, partition table and item list (past
    a decoy item); regions byte-exact; dump.elf is EM_AARCH64."""
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp)
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        check("TOC in SMEM item 602" in r.stdout, r.stdout)
        check("header: generation 9, 3 loads, consistent" in r.stdout,
              r.stdout)
        for n, s, a, z in REGIONS:
            fn = "md_%s.BIN" % n if s == 0 else "md_%s@%d.BIN" % (n, s)
            with open(os.path.join(g.out, fn), "rb") as f:
                check(f.read() == g.slice(a, z), fn)
        with open(os.path.join(g.out, "manifest.tsv")) as f:
            man = f.read()
        check("# ram: size 0x800000 base 0x40000000\n" in man, man)
        check("# smem: 0x40600000 size 0x10000, item 602 (the TOC) at "
              "0x%x, 336 bytes\n" % (SMEM_AT + TOC_OFF) in man, man)
        with open(os.path.join(g.out, "dump.elf"), "rb") as f:
            d = f.read()
        check(struct.unpack_from("<H", d, 18)[0] == EM_AARCH64, "e_machine")
        # The loads: the regions' bytes after the header.
        check(d.endswith(b"".join(g.slice(a, z) for _, _, a, z in REGIONS)),
              "dump.elf loads")
        i = run(["info", "--check", os.path.join(g.out, "dump.elf")])
        check(i.returncode == 0, i.stdout + i.stderr)
        check("ET_CORE aarch64" in i.stdout, i.stdout)
        check("NUMBER(kimage_voffset)=0xffff7fffc0000000" in i.stdout and
              "NUMBER(phys_base)" not in i.stdout, i.stdout)


def arm64_info_needs_arm64_keys():
    """info --check on an aarch64 core: no phys_base needed, but VA_BITS,
    kimage_voffset and PHYS_OFFSET are; NT_PRSTATUS must be 392 bytes."""
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp, vmcoreinfo=A64_VMCOREINFO.replace(
            "NUMBER(kimage_voffset)=0xffff7fffc0000000\n", ""))
        r = g.extract()
        check(r.returncode == 0, r.stderr)
        i = run(["info", "--check", os.path.join(g.out, "dump.elf")])
        check(i.returncode == 3 and "VMCOREINFO lacks "
              "NUMBER(kimage_voffset)" in i.stdout, i.stdout)
    with tempfile.TemporaryDirectory() as tmp:
        loads = [G.Load(n, s, KVA + a, a, bytes(z)) for n, s, a, z in
                 REGIONS]
        hdr = G.header_region(loads, notes=[
            G.prstatus(1, [1] * 27), G.vmcoreinfo(A64_VMCOREINFO)],
            ehdr_patch={"machine": EM_AARCH64})
        p = os.path.join(tmp, "x.elf")
        with open(p, "wb") as f:
            f.write(hdr + b"".join(bytes(z) for _, _, _, z in REGIONS))
        i = run(["info", "--check", p])
        check(i.returncode == 3 and "NT_PRSTATUS notes of the wrong size "
              "(aarch64: 392 bytes)" in i.stdout, i.stdout)


def bad_smem_refused():
    """SMEM that SBL did not set up, or that lies: exit 3, a reason naming
    what is wrong, nothing but capture.txt written."""
    toc = toc_bytes((1, ENBL, 0, NOTREQ, 1, ARRAY_AT))
    pt = SMEM_SIZE - 4096

    def le32(off, v):
        return lambda s: struct.pack_into("<I", s, off, v)

    def le16(off, v):
        return lambda s: struct.pack_into("<H", s, off, v)
    cases = [
        ("not initialised", le32(192, 0), "not initialised"),
        ("heap scheme", le32(64 + 28, 11 << 16), "SBL version 11"),
        ("no $TOC", lambda s: s.__setitem__(slice(pt, pt + 4), b"$XXX"),
         "no partition table"),
        ("ptable version", le32(pt + 4, 2), "no partition table"),
        ("ptable entries", le32(pt + 8, 0xffffffff), "claims"),
        ("no SIII", lambda s: s.__setitem__(slice(pt + 80, pt + 84),
                                            b"XXXX"), "512 items"),
        ("no global partition", le16(pt + 32 + 12, 1),
         "no global partition"),
        ("partition past SMEM", le32(pt + 32, SMEM_SIZE - 0x100),
         "outside SMEM"),
        ("partition over ptable", le32(pt + 32 + 4, SMEM_SIZE - PART_OFF),
         "outside SMEM"),
        ("partition size wraps", le32(pt + 32 + 4, 0xffffffff),
         "outside SMEM"),
        ("bad $PRT", lambda s: s.__setitem__(PART_OFF, 0),
         "bad global partition header"),
        ("free offset past end", le32(PART_OFF + 12, PART_SIZE + 8),
         "bad global partition header"),
        ("bad canary", le16(PART_OFF + 32, 0x5a5a), "bad canary"),
        ("item size huge", le32(PART_OFF + 32 + 4, 0xfffffff0), "overruns"),
        ("padding_hdr huge", le16(PART_OFF + 32 + 10, 0xffff), "overruns"),
        ("padding_data > size", le16(PART_OFF + 32 + 8, 0x100), "overruns"),
    ]
    for desc, mut, why in cases:
        with tempfile.TemporaryDirectory() as tmp:
            g = ArmGuest(tmp, REGIONS, smem=smem_image(toc, mutate=mut))
            r = g.extract()
            check(r.returncode == 3, "%s: rc %d %s" % (desc, r.returncode,
                                                      r.stderr))
            check(why in r.stderr, "%s: %r lacks %r" % (desc, r.stderr, why))
            check(files(g.out) == ["capture.txt"], "%s: %s" % (desc,
                                                              files(g.out)))
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            check(kv["result"] == "table-unusable" and why in kv["error"],
                  "%s: %s" % (desc, kv))
    # Item 602 missing, too small, or not an initialised TOC.
    for desc, smem, why in (
            ("no item 602", smem_image(toc, item=603), "item 602 not "
             "allocated"),
            ("item 602 too small", smem_image(toc[:64]), "smaller than the "
             "minidump table of contents"),
            ("toc status 0", smem_image(b"\0" + toc[1:]),
             "no minidump table of contents"),
            ("blank SMEM", bytes(SMEM_SIZE), "not initialised")):
        with tempfile.TemporaryDirectory() as tmp:
            g = ArmGuest(tmp, REGIONS, smem=smem)
            r = g.extract()
            check(r.returncode == 3 and why in r.stderr,
                  "%s: rc %d %s" % (desc, r.returncode, r.stderr))


def table_rules_on_arm64():
    """The ivshmem rules hold: regions outside [0x40000000, +RAM) are
    out-of-ram (also gpa 0, where x86 has RAM), a region array inside the
    TOC is refused; one after the TOC in item 602 is used."""
    with tempfile.TemporaryDirectory() as tmp:
        bad = [("low", 0, 0x1000, 0x100),
               ("straddle", 0, RAM_BASE + RAM_SIZE - 0x10, 0x20),
               ("below", 0, RAM_BASE - 0x10, 0x20)]
        g = ArmGuest(tmp, REGIONS + bad)
        r = g.extract()
        check(r.returncode == 4, "rc %d %s" % (r.returncode, r.stderr))
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check([x[5] for x in rows] == ["ok"] * 3 + ["out-of-ram"] * 3, rows)
    with tempfile.TemporaryDirectory() as tmp:
        g = ArmGuest(tmp, REGIONS, baseptr=SMEM_AT + TOC_OFF + 8)
        r = g.extract()
        check(r.returncode == 3 and "points into the table of contents" in
              r.stderr, r.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        # The array in SMEM, right after the TOC in item 602.
        arr = b"".join(region(n, s, a, z) for n, s, a, z in REGIONS)
        toc = toc_bytes((1, ENBL, 0, NOTREQ, 3, SMEM_AT + TOC_OFF + 336))
        g = ArmGuest(tmp, REGIONS, smem=smem_image(toc + arr))
        r = g.extract()
        check(r.returncode == 0 and "(SMEM)" in r.stdout, r.stdout +
              r.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        # region_count larger than what fits: capped to the RAM's end.
        g = ArmGuest(tmp, REGIONS, baseptr=RAM_BASE + RAM_SIZE - 80,
                     count=5)
        r = g.extract()
        check(r.returncode == 4 and "exceeds the 2 entries" in r.stderr,
              r.stderr)


def baseptr_error_names_smem():
    """A regions_baseptr neither in item 602 nor in guest RAM: the error
    names SMEM item 602, not the ivshmem BAR this board does not have."""
    with tempfile.TemporaryDirectory() as tmp:
        g = ArmGuest(tmp, REGIONS, baseptr=0x1000)
        r = g.extract()
        check(r.returncode == 3 and "regions_baseptr 0x1000 is neither in "
              "SMEM item 602 [0x%x, +0x150) nor in guest RAM" %
              (SMEM_AT + TOC_OFF) in r.stderr and "ivshmem" not in
              r.stderr, r.stderr)
        check(os.listdir(g.out) == ["capture.txt"], os.listdir(g.out))


def smem_options():
    with tempfile.TemporaryDirectory() as tmp:
        g = ArmGuest(tmp, REGIONS)
        g.write()
        base = ["extract", "--ram", g.ram_path, "--ram-size", str(RAM_SIZE),
                "--out", g.out]
        for extra, why in (
                (["--smem", hex(SMEM_AT), "--shm", g.ram_path], "exclude"),
                (["--smem", hex(RAM_BASE + RAM_SIZE - 0x8000)],
                 "not inside guest RAM"),
                (["--smem", "0x1000"], "not inside guest RAM"),
                (["--smem", hex(SMEM_AT), "--smem-size", "128M"], "8K..64M"),
                (["--smem", hex(SMEM_AT), "--smem-size", "4K"], "8K..64M"),
                (["--smem", hex(SMEM_AT), "--bar2", "0"], "needs"),
                (["--smem", hex(SMEM_AT), "--ram-base", "0",
                  "--below-4g", "1M"], "exclude"),
                (["--smem", hex(SMEM_AT), "--ram-base",
                  "0xffffffffffffff00"], "2^64"),
                (["--shm", g.ram_path, "--bar2", "0", "--smem-size", "1M"],
                 "needs")):
            r = run(base + extra)
            check(r.returncode == 1 and why in r.stderr,
                  "%s: rc %d %s" % (extra, r.returncode, r.stderr))
            check(not os.path.exists(g.out), "%s wrote %s" % (extra, g.out))
        r = run(["capture", "--help"])
        check(r.returncode == 0 and "--smem ADDR" in r.stdout and
              "--ram-base ADDR" in r.stdout, r.stdout)


def a64_qemu_elf(ncpus=2, machine=EM_AARCH64, pr=a64_prstatus):
    notes = b"".join(pr(c + 1, a64_regs(c) if pr is a64_prstatus else
                        [c] * 27) for c in range(ncpus))
    off = 64 + 2 * 56
    eh = G.EHDR.pack(b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9, G.ET_CORE,
                     machine, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
    ph = (G.PHDR.pack(G.PT_NOTE, 0, off, 0, 0, len(notes), len(notes), 0) +
          G.PHDR.pack(G.PT_LOAD, 0, off + len(notes), RAM_BASE, RAM_BASE,
                      4096, 4096, 0))
    return eh + ph + notes + bytes(4096)


def capture(g, sock):
    g.write()
    return subprocess.Popen(
        [MDFW, "capture", "--qmp", sock, "--ram", g.ram_path, "--ram-size",
         str(RAM_SIZE), "--smem", hex(SMEM_AT), "--smem-size",
         hex(SMEM_SIZE), "--out", g.out, "--timeout", "20", "--quit"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def capture_arm64_registers():
    """capture --smem: no query-pci; dump-guest-memory from the first RAM
    byte (0x40000000: QEMU refuses begin 0 on virt, 'no guest memory');
    aarch64 NT_PRSTATUS kept in cpu_regs.notes and merged into dump.elf,
    the kernel's CPU 0 kept at a panic; info prints pc and sp."""
    with tempfile.TemporaryDirectory() as tmp:
        g, knotes = core_guest(tmp, kernel_saved=(0,))
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=a64_qemu_elf())
        q.start()
        rc, out, err = finish(capture(g, q.path), q)
        check(rc == 0, "rc %d %s" % (rc, err))
        cmds = [c for c, _ in q.commands]
        check("query-pci" not in cmds, cmds)
        check(q.dump_args == {"paging": False, "protocol":
                              "fd:mdfw-cpu-regs", "begin": RAM_BASE,
                              "length": 4096}, q.dump_args)
        with open(os.path.join(g.out, "cpu_regs.notes"), "rb") as f:
            check(f.read() == b"".join(a64_prstatus(c + 1, a64_regs(c))
                                       for c in range(2)), "notes file")
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["cpu_regs"] == "ok" and kv["cpu_sources"] == "kf" and
              kv["cpu_regs_bytes"] == str(2 * (20 + 392)), kv)
        n = notes_of(os.path.join(g.out, "dump.elf"))
        check([(x[0], x[1], len(x[2])) for x in n[:2]] ==
              [(b"CORE", 1, 392)] * 2, n[:2])
        check(n[0][2] == knotes[0][20:20 + 392], "kernel's CPU 0 kept")
        pc1 = struct.unpack_from("<Q", n[1][2], 112 + 32 * 8)[0]
        check(pc1 == a64_regs(1)[32], "cpu 1 pc %#x" % pc1)
        i = run(["info", "--check", os.path.join(g.out, "dump.elf")])
        check(i.returncode == 0, i.stdout)
        # pid: the kernel's (its idle pid 0, made unique in the note),
        # not QEMU's; shown as the idle task, not as that number.
        check("firmware (QEMU)  idle (swapper/1)   pc 0x%016x sp 0x%016x" % (
            a64_regs(1)[32], a64_regs(1)[31]) in i.stdout and
            "4194305" not in i.stdout, i.stdout)
        # mdfw elf --dir rebuilds the same core from the directory.
        with open(os.path.join(g.out, "dump.elf"), "rb") as f:
            first = f.read()
        os.unlink(os.path.join(g.out, "dump.elf"))
        r = run(["elf", "--dir", g.out])
        with open(os.path.join(g.out, "dump.elf"), "rb") as f:
            check(r.returncode == 0 and f.read() == first, r.stderr)


def capture_arch_mismatch():
    """QEMU's registers of another architecture than the kernel's header
    are left out with a warning, never mixed into dump.elf."""
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp)
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=a64_qemu_elf(
            machine=G.EM_X86_64, pr=G.prstatus))
        q.start()
        rc, out, err = finish(capture(g, q.path), q)
        check(rc == 0, "rc %d %s" % (rc, err))
        check("firmware's registers are x86-64, the kernel's notes aarch64"
              in err, err)
        n = notes_of(os.path.join(g.out, "dump.elf"))
        check(all(len(x[2]) == 392 for x in n if x[1] == 1 and
                  x[0] == b"CORE"), "x86-64 notes mixed in")


def main():
    t = Tap()
    t.run(extract_through_smem)
    t.run(arm64_info_needs_arm64_keys)
    t.run(bad_smem_refused)
    t.run(table_rules_on_arm64)
    t.run(baseptr_error_names_smem)
    t.run(smem_options)
    t.run(capture_arm64_registers)
    t.run(capture_arch_mismatch)
    t.exit()


if __name__ == "__main__":
    main()
