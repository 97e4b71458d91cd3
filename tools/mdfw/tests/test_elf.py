#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""End-to-end tests of 'mdfw elf', 'mdfw info' and dump.elf from 'mdfw extract',
on md_* directories built by an independent Python encoder (mdelfgen.py)."""
import os
import stat
import struct
import tempfile

import mdelfgen as G
from mdlib import Tap, check, read_kv, run

KBASE = 0xffffffff81000000
DMAP = 0xffff888000000000


def sample_loads():
    L = G.Load
    return [L("banner", 0, KBASE + 0x1200000, 0x1200000,
              b"Linux version 6.12.0-test (kmemdump)\n\0"),
            L("init_uts_ns", 0, KBASE + 0x1300000, 0x1300000, os.urandom(400)),
            L("prb", 0, KBASE + 0x1400000, 0x1400000, os.urandom(8)),
            L("printk_rb_stat", 0, KBASE + 0x1400100, 0x1400100,
              os.urandom(104)),
            L("printk_descs", 0, KBASE + 0x1500000, 0x1500000,
              os.urandom(4096)),
            L("printk_infos", 0, KBASE + 0x1600000, 0x1600000,
              os.urandom(8192)),
            L("printk_text", 0, KBASE + 0x1700000, 0x1700000,
              os.urandom(16384)),
            L("dyn6", 0, 0xffffc90000010000, 0x5000, os.urandom(4096)),
            L("dyn6", 1, 0xffffc90000011000, 0x3000, os.urandom(4096)),
            L("dyn6", 2, 0xffffc90000012000, 0x9000, os.urandom(4096))]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def verify_sections(data, phs, names):
    """dump.elf's section headers: the header's layout, describing this
    file (STR_TBL before the notes, each load's section its PT_LOAD's)."""
    eh = G.EHDR.unpack_from(data, 0)
    shoff, shentsize, shnum, shstrndx = eh[6], eh[11], eh[12], eh[13]
    check((shentsize, shnum, shstrndx) == (64, 4 + len(names), 1), eh)
    check(shoff == (64 + 56 * len(phs) + 7) // 8 * 8, "e_shoff %d" % shoff)
    sh = [G.SHDR.unpack_from(data, shoff + 64 * i) for i in range(shnum)]
    check(data[shoff:shoff + 64] == bytes(64), "section 0")
    stroff, strsize = sh[1][4], sh[1][5]
    check(sh[1][:4] == (1, G.SHT_STRTAB, 0, 0) and
          stroff == shoff + 64 * shnum and strsize % 8 == 0 and
          stroff + strsize <= phs[0][2], sh[1])
    st = data[stroff:stroff + strsize]
    check(st.startswith(G.STR_FIXED) and st.endswith(bytes(8)), st[:48])
    check(sh[2] == (9, G.SHT_PROGBITS) + (0,) * 8, sh[2])
    check(sh[3] == (24, G.SHT_PROGBITS, G.SHF_WRITE, G.KBANNER) + (0,) * 6,
          sh[3])
    want = b"".join(G.section_name(n, q).encode() + b"\0" for n, q in names)
    check(st[37:37 + len(want)] == want and
          not st[37 + len(want):].strip(b"\0"), st)
    for i, (ph, s) in enumerate(zip(phs[1:], sh[4:])):
        n = G.section_name(*names[i]).encode()
        check(st[s[0]:s[0] + len(n) + 1] == n + b"\0", (s, n))
        check(s[1:6] == (G.SHT_PROGBITS, G.SHF_WRITE, ph[3], ph[2], ph[5]) and
              s[6:] == (0, 0, 0, 0), (s, ph))


def verify_core(path, loads, hdr_notes, gen=1):
    """dump.elf of loads; its notes are the header's: the generation note
    then hdr_notes."""
    data = read(path)
    eh, phs, names, g = G.parse_core(data, True)
    check(eh[1] == G.ET_CORE and eh[2] == G.EM_X86_64 and eh[5] == 64, eh)
    check(len(phs) == 1 + len(loads), "%d phdrs" % len(phs))
    check(phs[0][0] == G.PT_NOTE, phs[0])
    check(data[phs[0][2]:phs[0][2] + phs[0][5]] ==
          G.generation_note(gen) + hdr_notes, "notes")
    check(g == gen, "generation %r" % g)
    verify_sections(data, phs, names)
    off = phs[0][2] + phs[0][5]
    for ph, l in zip(phs[1:], loads):
        typ, flags, poff, va, pa, fsz, msz, _ = ph
        check(typ == G.PT_LOAD and flags == G.PF_RWX, ph)
        check(va == l.vaddr and pa == l.paddr and fsz == msz == l.size, ph)
        check(poff == off, "p_offset %#x != %#x" % (poff, off))
        check(data[poff:poff + fsz] == l.data, "bytes of " + l.fname)
        off += fsz
    check(off == len(data), "file size %d != %d" % (len(data), off))
    check(names == [(l.name, l.seq) for l in loads], names)
    check(stat.S_IMODE(os.stat(path).st_mode) == 0o600, "mode")


def elf_valid():
    with tempfile.TemporaryDirectory() as tmp:
        loads = sample_loads()
        notes = G.default_notes(4)
        hdr = G.header_region(loads, notes, max_phdrs=200)
        check(len(hdr) % 4096 == 0)
        G.write_md_dir(tmp, hdr, loads)
        r = run(["elf", "--dir", tmp])
        check(r.returncode == 0, "rc %d: %s" % (r.returncode, r.stderr))
        check("10 of 10 PT_LOADs" in r.stdout and "0 dropped" in r.stdout,
              r.stdout)
        out = os.path.join(tmp, "dump.elf")
        verify_core(out, loads, b"".join(notes))
        r = run(["info", "--check", out])
        check(r.returncode == 0, r.stdout + r.stderr)
        o = r.stdout
        for want in ("check: ok", "names: sections, STR_TBL at 0x",
                     "generation: 1\n", " banner ", "dyn6               1 0xffffc9",
                     "notes: 4 PRSTATUS (4 with registers), 1 PRPSINFO, "
                     "1 VMCOREINFO", "vmcoreinfo: OSRELEASE=6.12.0-test",
                     "KERNELOFFSET=0"):
            check(want in o, "missing %r in\n%s" % (want, o))
        feats = {l.split()[0]: l for l in o.splitlines()
                 if l.startswith("  ") and (" yes " in l or " no " in l)}
        check("yes" in feats["banner"] and "yes" in feats["uts"], feats)
        kl = [l for l in o.splitlines() if l.startswith("  kernel log")]
        check(kl and " yes " in kl[0], kl)
        rt = [l for l in o.splitlines() if l.startswith("  running tasks")]
        check(rt and "missing KTASK* KSTACK*" in rt[0], rt)
        rg = [l for l in o.splitlines() if l.startswith("  dyn6 ")]
        check(rg and rg[0].split()[1:] == ["3", "12288"], rg)
        # --out elsewhere; re-running replaces the file.
        out2 = os.path.join(tmp, "sub.elf")
        check(run(["elf", "--dir", tmp, "--out", out2]).returncode == 0)
        check(read(out2) == read(out), "--out differs")
        check(run(["elf", "--dir", tmp]).returncode == 0)
        check(read(out2) == read(out), "rerun differs")
        # A user's concatenation in table order is an ELF core too.
        cat = os.path.join(tmp, "cat.elf")
        with open(cat, "wb") as f:
            f.write(hdr + b"".join(l.data for l in loads))
        r = run(["info", "--check", cat])
        check(r.returncode == 0 and "dyn6" in r.stdout,
              r.stdout + r.stderr)


def elf_drops_bad_files():
    with tempfile.TemporaryDirectory() as tmp:
        loads = sample_loads()
        hdr = G.header_region(loads)
        G.write_md_dir(tmp, hdr, loads, skip={"md_dyn6@1.BIN"})
        with open(os.path.join(tmp, "md_prb.BIN"), "wb") as f:
            f.write(b"short")
        os.mkdir(os.path.join(tmp, "md_printk_text.BIN.x"))
        r = run(["elf", "--dir", tmp])
        check(r.returncode == 4, "rc %d %s" % (r.returncode, r.stderr))
        check("md_dyn6@1.BIN" in r.stderr and "md_prb.BIN" in r.stderr and
              "dropped" in r.stderr, r.stderr)
        kept = [l for l in loads if l.fname not in
                ("md_dyn6@1.BIN", "md_prb.BIN")]
        verify_core(os.path.join(tmp, "dump.elf"), kept,
                    b"".join(G.default_notes()))
        r = run(["info", "--check", os.path.join(tmp, "dump.elf")])
        check(r.returncode == 0, r.stdout)


def elf_missing_and_io():
    with tempfile.TemporaryDirectory() as tmp:
        r = run(["elf", "--dir", tmp])
        check(r.returncode == 2 and "manifest.tsv" in r.stderr, r.stderr)
        with open(os.path.join(tmp, "manifest.tsv"), "w") as f:
            f.write(G.manifest_text([("KELF_HEADER", 0, 0x1000, 4096,
                                      "ok")]))
        r = run(["elf", "--dir", tmp])
        check(r.returncode == 2 and "md_KELF_HEADER.BIN" in r.stderr,
              r.stderr)
        check(run(["elf", "--dir", os.path.join(tmp, "nope")]).returncode
              == 2)
        check(run(["elf"]).returncode == 1)
        check(run(["elf", "--dir", tmp, "--ram", "x"]).returncode == 1)
        r = run(["elf", "--help"])
        check(r.returncode == 0 and "STR_TBL" in r.stdout)
        loads = sample_loads()[:2]
        G.write_md_dir(tmp, G.header_region(loads), loads)
        r = run(["elf", "--dir", tmp, "--out",
                 os.path.join(tmp, "no/such/x.elf")])
        check(r.returncode == 2, r.stderr)
        # A planted symlink at the output name is refused: neither
        # followed nor replaced; no temporary file is left behind.
        victim = os.path.join(tmp, "victim")
        with open(victim, "wb") as f:
            f.write(b"precious")
        os.symlink(victim, os.path.join(tmp, "dump.elf"))
        r = run(["elf", "--dir", tmp])
        check(r.returncode == 2 and "not a regular file" in r.stderr,
              "rc %d %s" % (r.returncode, r.stderr))
        check(read(victim) == b"precious", "followed the symlink")
        check(os.path.islink(os.path.join(tmp, "dump.elf")), "replaced")
        check(not [f for f in os.listdir(tmp) if f.endswith(".tmp")],
              os.listdir(tmp))
        os.unlink(os.path.join(tmp, "dump.elf"))
        check(run(["elf", "--dir", tmp]).returncode == 0)
        # ... and one at the header's name is not read through.
        os.unlink(os.path.join(tmp, "md_KELF_HEADER.BIN"))
        os.symlink(os.path.join(tmp, "dump.elf"),
                   os.path.join(tmp, "md_KELF_HEADER.BIN"))
        check(run(["elf", "--dir", tmp]).returncode == 2)


def corrupt_variants(loads):
    """(description, header bytes) pairs that must be rejected."""
    good = G.header_region(loads)
    eh, phs, _ = G.parse_core(good)
    lay = G.header_layout(good)
    notes_off = phs[0][2]
    out = []

    def patch(desc, off, fmt, *vals):
        b = bytearray(good)
        struct.pack_into(fmt, b, off, *vals)
        out.append((desc, bytes(b)))

    out.append(("empty", b""))
    out.append(("short", good[:63]))
    out.append(("only phdrs", good[:64 + 56]))
    patch("magic", 0, "<4s", b"\x7fELV")
    patch("class32", 4, "<B", 1)
    patch("big-endian", 5, "<B", 2)
    patch("ET_EXEC", 16, "<H", 2)
    patch("riscv", 18, "<H", 243)
    patch("phoff 0", 32, "<Q", 0)
    patch("phoff huge", 32, "<Q", 2**64 - 8)
    patch("phentsize", 54, "<H", 32)
    patch("phnum 0", 56, "<H", 0)
    patch("phnum xnum", 56, "<H", 0xffff)
    patch("phnum past end", 56, "<H", 4000)
    patch("phdr0 not note", 64, "<I", G.PT_LOAD)
    patch("note off past end", 64 + 8, "<Q", len(good))
    patch("note size wraps", 64 + 32, "<Q", 2**64 - 1)
    patch("note inside phdrs", 64 + 8, "<Q", 64)
    patch("note namesz huge", notes_off, "<I", 0xfffffff0)
    patch("note descsz huge", notes_off + 4, "<I", 0xfffffffd)
    patch("note descsz past", notes_off + 4, "<I", len(good) - notes_off)
    patch("load type", 120, "<I", 6)
    patch("load filesz 0", 120 + 32, "<QQ", 0, 0)
    patch("load memsz", 120 + 40, "<Q", loads[0].size + 1)
    patch("load vaddr wraps", 120 + 16, "<Q", 2**64 - 4)
    patch("load paddr wraps", 120 + 24, "<Q", 2**64 - 4)
    patch("load size sum wraps", 120 + 56 + 32, "<QQ", 2**64 - 1,
          2**64 - 1)
    # section headers and STR_TBL
    sh4 = lay["shoff"] + 64 * 4
    stroff = lay["stroff"]
    name0 = stroff + 37             # loads[0]'s name in STR_TBL
    patch("no section headers", 40, "<Q", 0)
    patch("no section headers at all", 40, "<QIHHHHHH", 0, 0, 64, 56,
          1 + len(loads), 0, 0, 0)
    patch("shnum", 60, "<H", 4 + len(loads) + 1)
    patch("shentsize", 58, "<H", 40)
    patch("shstrndx", 62, "<H", 2)
    patch("shoff in phdrs", 40, "<Q", 64)
    patch("shoff in notes", 40, "<Q", notes_off - 64)
    patch("shoff huge", 40, "<Q", 2**64 - 64)
    patch("section 0", lay["shoff"] + 8, "<Q", 1)
    patch("STR_TBL type", lay["shoff"] + 64 + 4, "<I", G.SHT_PROGBITS)
    patch("STR_TBL in notes", lay["shoff"] + 64 + 24, "<Q", notes_off - 8)
    patch("STR_TBL size wraps", lay["shoff"] + 64 + 32, "<Q", 2**64 - 8)
    patch("STR_TBL short", lay["shoff"] + 64 + 32, "<Q", 40)
    patch("STR_TBL no trailing NULs", stroff + lay["strsize"] - 1, "<B", 65)
    patch("section 2 name", lay["shoff"] + 128, "<I", 1)
    patch("section 3 name", lay["shoff"] + 192, "<I", 9)
    patch("name out of bounds", sh4, "<I", lay["strsize"])
    patch("name way out", sh4, "<I", 0xffffffff)
    patch("name no NUL", name0, "<30s", b"A" * 30)
    patch("name traversal", name0, "<10s", b"../../etc\0")
    patch("name slash", name0, "<4s", b"a/b\0")
    patch("name dot", name0, "<4s", b"a.b\0")
    patch("name old seq form", name0, "<4s", b"a.1\0")
    patch("name dash", name0, "<4s", b"a-b\0")
    patch("name empty", name0, "<1s", b"\0")
    patch("name seq 0", name0, "<4s", b"a@0\0")
    patch("name 16 chars", name0, "<16s", b"A" * 16)
    patch("name reserved", sh4, "<I", 24)
    patch("name is STR_TBL", sh4, "<I", 1)
    # section 5 names what section 4 names
    patch("repeated name", sh4 + 64, "<I", 37)
    patch("sh_addr", sh4 + 16, "<Q", loads[0].vaddr + 1)
    patch("sh_offset", sh4 + 24, "<Q", 0)
    patch("sh_size", sh4 + 32, "<Q", loads[0].size - 1)
    patch("sh_type", sh4 + 4, "<I", 8)
    # generation
    b = bytearray(good)
    struct.pack_into("<I", b, notes_off + 8, 2)     # KMEMDUMP type 2
    out.append(("no generation note", bytes(b)))
    out.append(("generation note absent", G.header_region(
        loads, generation=None)))
    return out


def elf_rejects_corrupt_headers():
    loads = sample_loads()[:3]
    for desc, hdr in corrupt_variants(loads):
        with tempfile.TemporaryDirectory() as tmp:
            G.write_md_dir(tmp, hdr, loads)
            r = run(["elf", "--dir", tmp])
            check(r.returncode == 3, "%s: rc %d %s" % (desc, r.returncode,
                                                       r.stderr))
            check("unusable ELF header" in r.stderr, desc + r.stderr)
            check(not os.path.exists(os.path.join(tmp, "dump.elf")), desc)
            # info on the raw header must not crash either.
            r = run(["info", "--check",
                     os.path.join(tmp, "md_KELF_HEADER.BIN")])
            check(r.returncode in (0, 3), "%s: info rc %d %s" %
                  (desc, r.returncode, r.stderr))


def info_rejects_inconsistent_cores():
    with tempfile.TemporaryDirectory() as tmp:
        loads = sample_loads()[:3]
        G.write_md_dir(tmp, G.header_region(loads), loads)
        check(run(["elf", "--dir", tmp]).returncode == 0)
        good = read(os.path.join(tmp, "dump.elf"))
        _, phs, _ = G.parse_core(good)

        def variant(desc, mutate, want):
            b = bytearray(good)
            mutate(b)
            p = os.path.join(tmp, "v.elf")
            with open(p, "wb") as f:
                f.write(b)
            r = run(["info", "--check", p])
            check(r.returncode == 3 and want in r.stdout + r.stderr,
                  "%s: rc %d\n%s%s" % (desc, r.returncode, r.stdout,
                                       r.stderr))

        ph2 = 64 + 56 * 2
        variant("overlap", lambda b: struct.pack_into(
            "<Q", b, ph2 + 8, phs[1][2] + 1), "overlap in the file")
        variant("past end", lambda b: struct.pack_into(
            "<Q", b, ph2 + 32, 1 << 40), "outside the")
        variant("memsz", lambda b: struct.pack_into(
            "<Q", b, ph2 + 40, phs[2][5] + 1), "p_memsz")
        variant("before notes", lambda b: struct.pack_into(
            "<Q", b, ph2 + 8, 64 + 56 * 4), "data before the notes")
        variant("in headers", lambda b: struct.pack_into(
            "<Q", b, ph2 + 8, 64 + 56 * 2), "overlaps the ELF")
        no_key = good.replace(b"KERNELOFFSET=", b"KERNELOFFSEX=")
        variant("vmcoreinfo key", lambda b: b.__setitem__(
            slice(0, len(b)), no_key), "VMCOREINFO lacks KERNELOFFSET")
        variant("truncated", lambda b: b.__delitem__(slice(len(b) - 10,
                                                           len(b))),
                "outside the")
        variant("note garbage", lambda b: struct.pack_into(
            "<I", b, phs[0][2] + 4, 0x7fffffff), "exceeds the segment")
        variant("not elf", lambda b: b.__setitem__(slice(0, 4), b"\0ELF"),
                "not a little-endian ELF64")
        shoff, = struct.unpack_from("<Q", good, 40)
        variant("section offset", lambda b: struct.pack_into(
            "<Q", b, shoff + 64 * 5 + 24, phs[2][2] + 1),
            "section 5 (sh_addr")
        variant("section name", lambda b: struct.pack_into(
            "<I", b, shoff + 64 * 5, 9), "section 5: name \"minidump_table\"")
        variant("no generation", lambda b: struct.pack_into(
            "<I", b, phs[0][2] + 8, 2), "no generation note")
        r = run(["info", os.path.join(tmp, "nope.elf")])
        check(r.returncode == 2, r.stderr)
        check(run(["info"]).returncode == 1)
        check(run(["info", "a", "b"]).returncode == 1)
        check(run(["info", "--help"]).returncode == 0)


def extract_writes_dump_elf():
    """mdfw extract on a fake guest whose table has KELF_HEADER first."""
    import test_extract as T
    with tempfile.TemporaryDirectory() as tmp:
        regions = [("banner", 0, 0x3000, 0x9f), ("dyn4", 0, 0x5000,
                                                       0x1000),
                   ("dyn4", 1, 0x7000, 0x800)]
        for corrupt in (False, True):
            sub = os.path.join(tmp, str(corrupt))
            os.mkdir(sub)
            g0 = T.Guest(sub, [])     # just for its RAM contents
            loads = [G.Load(n, s, DMAP + a, a, g0.slice(a, sz))
                     for n, s, a, sz in regions]
            hdr = bytearray(G.header_region(loads))
            if corrupt:
                hdr[0] = 0
            ents = [("KELF_HEADER", 0, 0x100000, len(hdr))] + regions
            g = T.Guest(sub, ents)
            g.ram[0x100000:0x100000 + len(hdr)] = hdr
            for n, s, a, sz in regions:
                g.ram[a:a + sz] = g0.slice(a, sz)
            with open(g.ram_path, "wb") as f:
                f.write(g.ram)
            r = g.extract()
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            out = os.path.join(g.out, "dump.elf")
            if not corrupt:
                check(r.returncode == 0, r.stderr)
                check(kv["elf"] == "ok" and kv["elf_loads"] == "3", kv)
                verify_core(out, loads, b"".join(G.default_notes()))
                check("elf: " in r.stdout and "3 of 3" in r.stdout, r.stdout)
            else:
                check(r.returncode == 4, "rc %d" % r.returncode)
                check(kv["elf"] == "failed" and kv["exit_code"] == "4", kv)
                check(not os.path.exists(out))
                check("header: unusable: no ELF magic" in r.stderr, r.stderr)
                check(kv["header"] == "unusable: no ELF magic", kv)


# ---- protocol v2: the header and the table must agree -------------------

HDR_AT = 0x100000
REGIONS = [("banner", 0, 0x3000, 0x9f), ("dyn4", 0, 0x5000, 0x1000),
           ("dyn4", 1, 0x7000, 0x800)]


def core_guest(tmp, regions=REGIONS, table=None, hdr_patch=None, gen=5,
               vaddr=None):
    """A fake guest whose ELF header region (at HDR_AT) describes regions;
    table(hent) gives the table entries (default: hent + regions);
    vaddr[(name, seq)] a PT_LOAD's p_vaddr (default: DMAP + address)."""
    import test_extract as T
    va = vaddr or {}
    loads = [G.Load(n, s, va.get((n, s), DMAP + a), a, bytes(sz))
             for n, s, a, sz in regions]
    hdr = bytearray(G.header_region(loads, generation=gen))
    if hdr_patch:
        hdr_patch(hdr)
    hent = ("KELF_HEADER", 0, HDR_AT, len(hdr))
    ents = [hent] + list(regions) if table is None else table(hent)
    g = T.Guest(tmp, ents)
    g.ram[HDR_AT:HDR_AT + len(hdr)] = hdr
    with open(g.ram_path, "wb") as f:
        f.write(g.ram)
    for l in loads:
        try:
            l.data = g.slice(l.paddr, l.size)
        except ValueError:
            pass            # not RAM: never dumped
    return g, loads


def consistent_capture_accepted():
    with tempfile.TemporaryDirectory() as tmp:
        # INVA holes between the entries are not entries at all; v2's
        # free entries are INVA with an empty name (an empty manifest
        # column).
        g, loads = core_guest(tmp, table=lambda h: [
            h, REGIONS[0], ("gone", 0, 0, 0, {"valid": 0x494E5641}),
            ("", 0, 0, 0, {"valid": 0x494E5641})] + REGIONS[1:] + [
            ("", 0, 0, 0, {"valid": 0x494E5641})])
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        line = "header: generation 5, 3 loads, consistent"
        check(line in r.stdout, r.stdout)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["header"] == "generation 5, 3 loads, consistent" and
              kv["generation"] == "5" and kv["elf"] == "ok", kv)
        with open(os.path.join(g.out, "manifest.tsv")) as f:
            check("# " + line + "\n" in f.read(), "manifest comment")
        out = os.path.join(g.out, "dump.elf")
        verify_core(out, loads, b"".join(G.default_notes()), gen=5)
        first = read(out)
        # mdfw elf from the files and the manifest: the same core.
        os.unlink(out)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 0 and line in r.stdout, r.stdout + r.stderr)
        check(read(out) == first, "elf --dir differs from extract")
        r = run(["info", out])
        check("generation: 5\n" in r.stdout, r.stdout)


def mismatch_variants():
    """(description, core_guest kwargs, expected text) of inconsistent
    captures: each must be refused with exit 5 and no dump.elf."""
    R = REGIONS

    def ph(i, field, value):       # patch PT_LOAD i (1-based) of the header
        o = {"offset": 8, "paddr": 24, "filesz": 32}[field]

        def patch(h):
            struct.pack_into("<Q", h, 64 + 56 * i + o, value)
            if field == "offset":   # and its section, to agree
                shoff, = struct.unpack_from("<Q", h, 40)
                struct.pack_into("<Q", h, shoff + 64 * (3 + i) + 24, value)
        return patch

    return [
        ("extra valid entry", dict(table=lambda h: [h] + R + [
            ("extra", 0, 0x9000, 0x100)]),
         "valid table entry 4 (index 4, extra seq 0) has no PT_LOAD"),
        ("missing entry", dict(table=lambda h: [h] + R[:2]),
         "PT_LOAD 3 (dyn4 seq 1) has no valid table entry"),
        ("reordered entries", dict(table=lambda h: [h, R[1], R[0], R[2]]),
         "PT_LOAD 1 is banner seq 0 but valid table entry 1"),
        ("wrong address", dict(table=lambda h: [h, R[0], (
            "dyn4", 0, 0x6000, 0x1000), R[2]]), "p_paddr 0x5000 but"),
        ("wrong size", dict(table=lambda h: [h, R[0], (
            "dyn4", 0, 0x5000, 0xfff), R[2]]), "p_filesz 0x1000 but"),
        ("wrong seq", dict(table=lambda h: [h, R[0], R[1], (
            "dyn4", 2, 0x7000, 0x800)]), "is dyn4 seq 2"),
        ("wrong name", dict(table=lambda h: [h, ("banneR", 0, 0x3000,
                                                 0x9f)] + R[1:]),
         "is banneR seq 0"),
        ("wrong first offset", dict(hdr_patch=ph(1, "offset", 0)),
         "PT_LOAD 1 (banner seq 0): p_offset 0x0"),
        ("wrong next offset", dict(hdr_patch=ph(3, "offset", 0x10000)),
         "PT_LOAD 3 (dyn4 seq 1): p_offset 0x10000"),
        ("header not first", dict(table=lambda h: [R[0], h] + R[1:]),
         "first valid table entry (index 0) is banner seq 0, not "
         "KELF_HEADER"),
        ("paddr in the header wrong", dict(hdr_patch=ph(2, "paddr", 0x5800)),
         "p_paddr 0x5800"),
    ]


def inconsistent_captures_refused():
    for desc, kw, want in mismatch_variants():
        with tempfile.TemporaryDirectory() as tmp:
            g, _ = core_guest(tmp, **kw)
            r = g.extract()
            out = os.path.join(g.out, "dump.elf")
            check(r.returncode == 5, "%s: rc %d %s" % (desc, r.returncode,
                                                       r.stderr))
            check("header: generation 5: INCONSISTENT: " in r.stderr and
                  want in r.stderr, "%s: %s" % (desc, r.stderr))
            check(not os.path.exists(out), desc + ": dump.elf written")
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            check(kv["header"].startswith("generation 5: INCONSISTENT: ")
                  and want in kv["header"] and kv["exit_code"] == "5" and
                  kv["result"] == "inconsistent" and
                  kv["elf"] == "inconsistent", "%s: %s" % (desc, kv))
            with open(os.path.join(g.out, "manifest.tsv")) as f:
                check("# header: generation 5: INCONSISTENT" in f.read(),
                      desc + ": manifest")
            # mdfw elf from the same files + manifest refuses it too.
            r = run(["elf", "--dir", g.out])
            check(r.returncode == 5 and want in r.stderr and
                  not os.path.exists(out), "%s: elf --dir rc %d %s" %
                  (desc, r.returncode, r.stderr))


def rejected_entry_is_not_inconsistent():
    """An entry mdfw rejects (here: not RAM) keeps today's rule: exit 4,
    its PT_LOAD dropped, the rest written; the header is consistent."""
    with tempfile.TemporaryDirectory() as tmp:
        regs = REGIONS + [("dyn9", 0, 0xd0000000, 0x1000)]
        g, loads = core_guest(tmp, regions=regs)
        r = g.extract()
        check(r.returncode == 4, "rc %d %s" % (r.returncode, r.stderr))
        check("header: generation 5, 4 loads, consistent" in r.stdout,
              r.stdout)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["elf"] == "partial" and kv["elf_loads"] == "3" and
              kv["elf_dropped"] == "1", kv)
        verify_core(os.path.join(g.out, "dump.elf"), loads[:3],
                    b"".join(G.default_notes()), gen=5)


def stale_md_files_not_used():
    """A second capture never goes into the first one's directory (exit
    1, the first untouched); an md file of an earlier capture planted in a
    capture directory is never used by elf --dir: it goes by the
    manifest, not by what files exist."""
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = core_guest(os.path.join(tmp), regions=REGIONS)
        check(g.extract().returncode == 0)
        stale = read(os.path.join(g.out, "md_dyn4@1.BIN"))
        first = read(os.path.join(g.out, "dump.elf"))
        # Now dyn4.1 is not in RAM (table and header agree): rejected.
        sub = os.path.join(tmp, "2")
        os.mkdir(sub)
        regs = REGIONS[:2] + [("dyn4", 1, 0xd0000000, 0x800)]
        g2, loads2 = core_guest(sub, regions=regs)
        out2 = g2.out
        g2.out = g.out
        r = g2.extract(keep=True)
        check(r.returncode == 1 and "exists: refused" in r.stderr,
              "rc %d %s" % (r.returncode, r.stderr))
        check(read(os.path.join(g.out, "dump.elf")) == first)
        g2.out = out2
        r = g2.extract()
        check(r.returncode == 4, "rc %d %s" % (r.returncode, r.stderr))
        out = os.path.join(g2.out, "dump.elf")
        verify_core(out, loads2[:2], b"".join(G.default_notes()), gen=5)
        check(stale not in read(out), "stale bytes in dump.elf")
        with open(os.path.join(g2.out, "md_dyn4@1.BIN"), "wb") as f:
            f.write(stale)
        os.unlink(out)
        r = run(["elf", "--dir", g2.out])
        check(r.returncode == 4 and "not dumped" in r.stderr, r.stderr)
        verify_core(out, loads2[:2], b"".join(G.default_notes()), gen=5)


def disk_fill_self_references_refused():
    """A 64 KiB header whose 300 PT_LOADs all name the header itself used
    to make a 19.7 MB dump.elf under --max-bytes 0x20000."""
    with tempfile.TemporaryDirectory() as tmp:
        n = 300
        fake = [G.Load("KELF_HEADER", 0, DMAP + HDR_AT, HDR_AT,
                       bytes(0x10000))] * n
        hdr = bytearray(G.header_region(fake, page=0x10000))
        check(len(hdr) == 0x10000, len(hdr))
        import test_extract as T
        g = T.Guest(tmp, [("KELF_HEADER", 0, HDR_AT, len(hdr))])
        g.ram[HDR_AT:HDR_AT + len(hdr)] = hdr
        with open(g.ram_path, "wb") as f:
            f.write(g.ram)
        r = g.extract("--max-bytes", "0x20000")
        check(r.returncode == 4 and "repeated" in r.stderr,
              "rc %d %s" % (r.returncode, r.stderr))
        check(not os.path.exists(os.path.join(g.out, "dump.elf")))
        total = sum(os.path.getsize(os.path.join(g.out, f))
                    for f in os.listdir(g.out))
        check(total < 0x20000 + 8192, "wrote %d bytes" % total)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 3 and "repeated" in r.stderr, r.stderr)
        check(not os.path.exists(os.path.join(g.out, "dump.elf")))


def dump_elf_counts_against_max_bytes():
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = core_guest(tmp)
        check(g.extract().returncode == 0)
        md = sum(os.path.getsize(os.path.join(g.out, f))
                 for f in os.listdir(g.out) if f.startswith("md_"))
        elf = os.path.getsize(os.path.join(g.out, "dump.elf"))
        # Exactly enough for both: written.
        for cap, ok in ((md + elf, True), (md + elf - 1, False)):
            os.unlink(os.path.join(g.out, "dump.elf"))
            r = g.extract("--max-bytes", str(cap))
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            if ok:
                check(r.returncode == 0 and kv["elf"] == "ok", r.stderr)
            else:
                check(r.returncode == 4 and kv["elf"] == "too-large" and
                      "--max-bytes" in r.stderr, "rc %d %s %s" % (
                          r.returncode, r.stderr, kv))
                check(not os.path.exists(os.path.join(g.out, "dump.elf")))
        r = run(["elf", "--dir", g.out, "--max-bytes", str(elf - 1)])
        check(r.returncode == 4 and not os.path.exists(
            os.path.join(g.out, "dump.elf")), r.stderr)
        r = run(["elf", "--dir", g.out, "--max-bytes", str(elf)])
        check(r.returncode == 0, r.stderr)


def nested_regions_in_dump_elf():
    """Nested memory: a per-CPU area and the IRQ and exception stacks
    inside it, each registered on its own and read through another
    virtual address (the cpu_entry_area's): every entry dumped, each its
    own PT_LOAD (memory ranges overlapping, file ranges not), and
    info --check accepts the core."""
    CEA = 0xfffffe0000001000
    regs = REGIONS + [("percpu", 0, 0x200000, 0x20000),
                      ("irq_stack", 0, 0x204000, 0x4000),
                      ("exc_stack", 0, 0x210000, 0x1000),
                      ("percpu_alias", 0, 0x200000, 0x20000)]
    va = {("irq_stack", 0): CEA + 0x10000, ("exc_stack", 0): CEA,
          ("percpu_alias", 0): KBASE + 0x2000000}
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = core_guest(tmp, regions=regs, vaddr=va)
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        check(r.stderr == "", r.stderr)
        check("header: generation 5, 7 loads, consistent" in r.stdout,
              r.stdout)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["elf"] == "ok" and kv["elf_loads"] == "7" and
              kv["bad"] == "0", kv)
        with open(os.path.join(g.out, "manifest.tsv")) as f:
            rows = [l.split("\t") for l in f.read().splitlines()
                    if not l.startswith("#")][1:]
        check([x[5] for x in rows] == ["ok"] * 8, rows)
        for l in loads:
            check(read(os.path.join(g.out, l.fname)) == l.data, l.fname)
        out = os.path.join(g.out, "dump.elf")
        verify_core(out, loads, b"".join(G.default_notes()), gen=5)
        r = run(["info", "--check", out])
        check(r.returncode == 0 and "check: ok" in r.stdout,
              r.stdout + r.stderr)
        for n in ("percpu", "irq_stack", "exc_stack", "percpu_alias"):
            check(n in r.stdout, "%s not in\n%s" % (n, r.stdout))
        first = read(out)
        os.unlink(out)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 0, r.stdout + r.stderr)
        check(read(out) == first, "elf --dir differs from extract")
        # A capture by an mdfw that refused overlaps ("overlap", no file)
        # is still read: that entry's PT_LOAD is dropped (exit 4).
        mp = os.path.join(g.out, "manifest.tsv")
        with open(mp) as f:
            text = f.read()
        old = "\tok\tmd_irq_stack.BIN\n"
        check(old in text, text)
        with open(mp, "w") as f:
            f.write(text.replace(old, "\toverlap\t-\n"))
        os.unlink(os.path.join(g.out, "md_irq_stack.BIN"))
        os.unlink(out)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 4, "rc %d %s" % (r.returncode, r.stderr))
        verify_core(out, [l for l in loads if l.name != "irq_stack"],
                    b"".join(G.default_notes()), gen=5)


def dump_elf_names_not_written_through():
    """mdfw elf --dir in an existing capture directory: a hard link at
    dump.elf's old fixed temporary name or at its final name is never
    written through, a FIFO never opened."""
    import test_extract as T
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = core_guest(tmp)
        check(g.extract().returncode == 0)
        out = os.path.join(g.out, "dump.elf")
        os.unlink(out)
        v = T.victim_file(tmp)
        for n in (".dump.elf.tmp", "dump.elf"):
            os.link(v, os.path.join(g.out, n))
        r = run(["elf", "--dir", g.out], timeout=20)
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        T.check_victim(v)
        check(os.stat(out).st_nlink == 1, "dump.elf still linked")
        verify_core(out, loads, b"".join(G.default_notes()), gen=5)
        os.unlink(out)
        os.mkfifo(out)
        r = run(["elf", "--dir", g.out], timeout=20)
        check(r.returncode == 2 and "not a regular file" in r.stderr,
              r.stderr)
        check(os.path.exists(out) and not os.path.isfile(out), "replaced")


if __name__ == "__main__":
    tap = Tap()
    for t in (elf_valid, elf_drops_bad_files, elf_missing_and_io,
              elf_rejects_corrupt_headers, info_rejects_inconsistent_cores,
              extract_writes_dump_elf, consistent_capture_accepted,
              inconsistent_captures_refused,
              rejected_entry_is_not_inconsistent, stale_md_files_not_used,
              disk_fill_self_references_refused,
              dump_elf_counts_against_max_bytes,
              nested_regions_in_dump_elf,
              dump_elf_names_not_written_through):
        tap.run(t)
    tap.exit()
