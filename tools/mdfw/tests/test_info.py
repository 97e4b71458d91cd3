#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""'mdfw info' on hostile ELF cores (issue 9): memory, time and output are
bounded whatever the program headers say."""
import os
import struct
import subprocess
import tempfile
import time

import mdelfgen as G
from mdlib import MDFW, Tap, check

MiB = 1 << 20


def ehdr(phoff, phnum, shoff=0, shnum=0):
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    return G.EHDR.pack(ident, G.ET_CORE, G.EM_X86_64, 1, 0, phoff, shoff, 0,
                       64, 56, phnum, 64 if shnum else 0, shnum,
                       1 if shnum else 0)


def run_measured(args):
    """(returncode, stdout, stderr, max RSS in KiB, seconds) of mdfw."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen([MDFW] + args, stdout=out, stderr=err)
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = os.waitstatus_to_exitcode(status)
        dt = time.monotonic() - t0
        out.seek(0)
        err.seek(0)
        return (p.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), ru.ru_maxrss, dt)


def notes_capped_in_total():
    """41 PT_NOTEs of 50 MiB each (the same bytes of a sparse file) used to
    be read one by one, 2 GiB in all."""
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "notes.elf")
        n = 41
        with open(p, "wb") as f:
            f.write(ehdr(64, n))
            for _ in range(n):
                f.write(G.PHDR.pack(G.PT_NOTE, 0, 4096, 0, 0, 50 * MiB,
                                    50 * MiB, 0))
            f.truncate(4096 + 50 * MiB)
        rc, out, err, rss, _ = run_measured(["info", "--check", p])
        check(rc == 3, "rc %d %s" % (rc, err))
        check("exceed 64 MiB in total" in out, out)
        check(rss < 400 * 1024, "max RSS %d KiB" % rss)


def names_read_without_the_segments():
    """Program headers at 512 MiB into a sparse file, section headers and
    STR_TBL after them: the names are found without reading the file from
    offset 0."""
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "far.elf")
        phoff = 512 * MiB
        shoff = phoff + 2 * 56
        note = G.generation_note(9) + G.vmcoreinfo("OSRELEASE=6.12.0\n")
        note_off = shoff + len(G.section_area(0, [(b"", 0, 0, 0)]))
        load_off = note_off + len(note)
        area = G.section_area(shoff, [(b"far_away@3", 0xffff888000001000,
                                       load_off, 16)])
        with open(p, "wb") as f:
            f.write(ehdr(phoff, 2, shoff, 5))
            f.seek(phoff)
            f.write(G.PHDR.pack(G.PT_NOTE, 0, note_off, 0, 0, len(note),
                                len(note), 0))
            f.write(G.PHDR.pack(G.PT_LOAD, 7, load_off, 0xffff888000001000,
                                0x1000, 16, 16, 0))
            f.write(area + note + b"x" * 16)
        rc, out, err, rss, _ = run_measured(["info", p])
        check(rc == 0, "rc %d %s" % (rc, err))
        check("names: sections, STR_TBL at %#x\n" % (shoff + 64 * 5) in out,
              out)
        check("generation: 9\n" in out, out)
        check(" far_away           3 " in out, out)
        check(rss < 300 * 1024, "max RSS %d KiB" % rss)


def many_loads(tmp, memsz_delta=0):
    """65531 PT_LOADs (4 + 65531 sections: e_shnum's most) with distinct
    names, one byte each."""
    n = 65531
    p = os.path.join(tmp, "many.elf")
    phend = 64 + 56 * (n + 1)
    shoff = (phend + 7) // 8 * 8
    note = G.generation_note(1) + G.vmcoreinfo(G.DEFAULT_VMCOREINFO)
    note_off = shoff + len(G.section_area(0, [(b"", 0, 0, 0)] * n))
    data = note_off + len(note)
    area = G.section_area(shoff, [(b"r%05d" % i, 0x1000 * i, data + i, 1)
                                  for i in range(n)])
    with open(p, "wb") as f:
        f.write(ehdr(64, n + 1, shoff, 4 + n))
        f.write(G.PHDR.pack(G.PT_NOTE, 0, note_off, 0, 0, len(note),
                            len(note), 0))
        f.write(b"".join(G.PHDR.pack(G.PT_LOAD, 7, data + i, 0x1000 * i,
                                     0x1000 * i, 1, 1 + memsz_delta, 0)
                         for i in range(n)))
        f.write(b"\0" * (shoff - phend) + area + note + b"z" * n)
    return p, n


def region_summary_not_quadratic():
    """65531 differently named PT_LOADs (65533 before) took 15 s of CPU in the
    per-region summary."""
    with tempfile.TemporaryDirectory() as tmp:
        p, n = many_loads(tmp)
        rc, out, err, _, dt = run_measured(["info", p])
        check(rc == 0, "rc %d %s" % (rc, err[-2000:]))
        check(dt < 3, "took %.1f s" % dt)
        regions = out.split("\nregions:\n", 1)[1].splitlines()[1:n + 1]
        check(len(regions) == n, len(regions))
        check([r.split()[0] for r in regions[:3]] ==
              ["r00000", "r00001", "r00002"], regions[:3])
        check(regions[-1].split() == ["r%05d" % (n - 1), "1", "1"],
              regions[-1])


def problems_collapse_into_counted_lines():
    """65531 bad PT_LOADs: one line per kind of problem, with a count."""
    with tempfile.TemporaryDirectory() as tmp:
        p, n = many_loads(tmp, memsz_delta=1)
        rc, out, err, _, dt = run_measured(["info", "--check", p])
        check(rc == 3, "rc %d %s" % (rc, err[-2000:]))
        probs = [l for l in out.splitlines() if l.startswith("problem:")]
        check(0 < len(probs) < 10, "%d problem lines" % len(probs))
        check(any("p_memsz" in l and "(and %d more like it)" % (n - 1) in l
                  for l in probs), probs)
        # ... and one more: no NT_PRSTATUS notes.
        check("check: FAILED (%d problems)" % (n + 1) in out,
              out.splitlines()[-1])
        check(len(err.splitlines()) < 10, "stderr: %d lines" %
              len(err.splitlines()))


def vmcoreinfo_values_escaped():
    """Guest-written VMCOREINFO reaches the terminal: no raw control
    characters or escape sequences."""
    with tempfile.TemporaryDirectory() as tmp:
        evil = ("OSRELEASE=6.12\x1b]0;pwned\x07\x1b[2J\r\\x\x7f\xff\n"
                "PAGESIZE=4096\n")
        loads = [G.Load("banner", 0, 0xffffffff81000000, 0x1000000,
                        b"Linux")]
        hdr = G.header_region(loads, notes=[G.vmcoreinfo(evil.encode(
            "latin-1"))])
        p = os.path.join(tmp, "evil.elf")
        with open(p, "wb") as f:
            f.write(hdr + loads[0].data)
        rc, out, err, _, _ = run_measured(["info", p])
        check(rc == 0, "rc %d %s" % (rc, err))
        line = [l for l in out.splitlines() if "OSRELEASE" in l][0]
        check(line == "vmcoreinfo: OSRELEASE=6.12\\x1b]0;pwned\\x07\\x1b[2J"
              "\\x0d\\x5cx\\x7f\\xff", repr(line))
        check(not any(c in out for c in "\x1b\x07\r\x7f"), "raw bytes")


def non_regular_files_refused_at_once():
    """A FIFO used to block 'mdfw info' forever (it was opened before its
    type was checked); a FIFO, a symlink to one, a directory and a
    character device are refused at once: exit 2, 'not a regular file'."""
    with tempfile.TemporaryDirectory() as tmp:
        fifo = os.path.join(tmp, "fifo")
        os.mkfifo(fifo)
        link = os.path.join(tmp, "link")
        os.symlink(fifo, link)
        for path in (fifo, link, tmp, "/dev/null"):
            for args in (["info", path], ["info", "--check", path]):
                try:
                    r = subprocess.run([MDFW] + args, capture_output=True,
                                       text=True, timeout=20)
                except subprocess.TimeoutExpired:
                    check(False, "mdfw %s blocked" % " ".join(args))
                check(r.returncode == 2 and "not a regular file" in
                      r.stderr and not r.stdout, "%s: rc %d %r %r" %
                      (args, r.returncode, r.stdout, r.stderr))


if __name__ == "__main__":
    tap = Tap()
    for t in (notes_capped_in_total, names_read_without_the_segments,
              region_summary_not_quadratic,
              problems_collapse_into_counted_lines,
              vmcoreinfo_values_escaped, non_regular_files_refused_at_once):
        tap.run(t)
    tap.exit()
