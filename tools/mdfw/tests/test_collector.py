#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The Qualcomm collector's files (collector.h), end to end on the arm64
board's guest (test_smem.py's): 'extract/capture --shared-imem PA' copy
the 4 KiB at PA into MD_SHRDIMEM.BIN and write dump_info.txt as
ramparse.py -a reads it (docs/design/qcom-parser-contract.md section 3;
the expected text is written here from that section), both part of the
atomic capture (killed at any step: no capture or a whole one with both);
'mdfw info --check DIR' accepts the capture and refuses a dump_info.txt
whose size is wrong or that names a path; a PA outside RAM is a usage
error."""
import os
import shutil
import stat
import struct
import subprocess
import tempfile

import test_atomic as A
from mdlib import MDFW, Tap, check, read_kv, read_manifest, run
from test_cpuregs import RegsQemu
from test_qmp import finish
from test_smem import (RAM_BASE, RAM_SIZE, SMEM_AT, SMEM_SIZE, ArmGuest,
                       a64_qemu_elf, capture, core_guest)

IMEM_AT = RAM_BASE + (7 << 20)          # 4 KiB of guest RAM
KASLR = 0x7a5c00000
EXTRA = ["MD_SHRDIMEM.BIN", "dump_info.txt", "ap_minidump.elf"]


def imem_guest(tmp):
    g, _ = core_guest(tmp)
    imem = bytearray((i * 13 + 5) & 0xff for i in range(4096))
    imem[0x6d0:0x6dc] = struct.pack("<III", 0xdead4ead, KASLR & 0xffffffff,
                                    KASLR >> 32)
    g.put(IMEM_AT, bytes(imem))
    return g


def want_info(base):
    # 4 words, name last, base hex with 0x, size in decimal.
    return "1 0x%016x %d MD_SHRDIMEM.BIN\n" % (base, 4096)


def check_files(g, out):
    with open(os.path.join(out, "MD_SHRDIMEM.BIN"), "rb") as f:
        check(f.read() == g.slice(IMEM_AT, 4096), "MD_SHRDIMEM.BIN bytes")
    with open(os.path.join(out, "dump_info.txt")) as f:
        text = f.read()
    check(text == want_info(IMEM_AT), repr(text))
    # As ramparse's auto_parse() reads it.
    words = text.split()
    check(words[-1] == "MD_SHRDIMEM.BIN" and int(words[1], 16) == IMEM_AT
          and int(words[2]) == os.path.getsize(
              os.path.join(out, "MD_SHRDIMEM.BIN")), words)
    for x in EXTRA:
        check(os.stat(os.path.join(out, x)).st_mode & 0o777 == 0o600, x)
    # The parser reads ap_minidump.elf if there is one: dump.elf itself,
    # a second name of the same file (no byte written twice).
    elf, ap = (os.lstat(os.path.join(out, x))
               for x in ("dump.elf", "ap_minidump.elf"))
    check(stat.S_ISREG(ap.st_mode) and (ap.st_dev, ap.st_ino) ==
          (elf.st_dev, elf.st_ino) and ap.st_nlink == 2, (elf, ap))


def extract_writes_both():
    """extract --shared-imem: the two files, listed in the manifest's
    comments and capture.txt; info --check DIR: ok."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        r = g.extract("--shared-imem", hex(IMEM_AT))
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        A.check_complete(g, g.out, EXTRA)
        check_files(g, g.out)
        check("shared_imem: 4096 bytes at 0x%x -> %s/MD_SHRDIMEM.BIN, "
              "dump_info.txt; KASLR record: magic 0xdead4ead, offset 0x%x"
              % (IMEM_AT, g.out, KASLR) in r.stdout, r.stdout)
        comments, _ = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check("# shared_imem: file MD_SHRDIMEM.BIN, base 0x%x, 4096 bytes, "
              "listed in dump_info.txt" % IMEM_AT in comments, comments)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["shared_imem"] == "ok" and kv["shared_imem_base"] ==
              hex(IMEM_AT) and kv["shared_imem_error"] == "", kv)
        i = run(["info", "--check", g.out])
        check(i.returncode == 0 and "dump_info check: ok" in i.stdout and
              "kaslr: MD_SHRDIMEM.BIN+0x6d0: magic 0xdead4ead, offset "
              "0x%x" % KASLR in i.stdout and "check: ok" in
              i.stdout.split("dump_info check")[1], i.stdout + i.stderr)
        # dump.elf made again from the md files: ap_minidump.elf follows
        # it (never a stale core for the parser), no temporary name left;
        # with --out elsewhere it stays as it is.
        before = os.lstat(os.path.join(g.out, "ap_minidump.elf"))
        os.unlink(os.path.join(g.out, "dump.elf"))
        e = run(["elf", "--dir", g.out])
        check(e.returncode == 0, e.stderr)
        check_files(g, g.out)
        check(os.lstat(os.path.join(g.out, "dump.elf")).st_ino !=
              before.st_ino and not [n for n in os.listdir(g.out)
                                     if n.startswith(".")],
              os.listdir(g.out))
        other = os.path.join(tmp, "other.elf")
        now = os.lstat(os.path.join(g.out, "ap_minidump.elf"))
        e = run(["elf", "--dir", g.out, "--out", other])
        check(e.returncode == 0 and os.lstat(os.path.join(
            g.out, "ap_minidump.elf")).st_ino == now.st_ino and
              os.lstat(other).st_ino != now.st_ino, e.stderr)


def without_the_option():
    """No --shared-imem: neither file; info DIR still checks dump.elf."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        r = g.extract()
        check(r.returncode == 0, r.stderr)
        A.check_complete(g, g.out)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["shared_imem"] == "none" and kv["shared_imem_base"] == "",
              kv)
        # Not a collector's capture: elf --dir makes no ap_minidump.elf.
        os.unlink(os.path.join(g.out, "dump.elf"))
        check(run(["elf", "--dir", g.out]).returncode == 0 and
              not os.path.exists(os.path.join(g.out, "ap_minidump.elf")),
              os.listdir(g.out))
        i = run(["info", "--check", g.out])
        check(i.returncode == 0 and "dump_info: none" in i.stdout, i.stdout)


def info_check_refuses():
    """dump_info.txt whose size is not the file's, that names a path, or
    a file name other than the two; MD_SHRDIMEM.BIN unlisted."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        check(g.extract("--shared-imem", hex(IMEM_AT)).returncode == 0)
        cases = [
            ("1 0x%x 4097 MD_SHRDIMEM.BIN\n" % IMEM_AT,
             "MD_SHRDIMEM.BIN is 4096 bytes, dump_info.txt says 4097"),
            ("1 0x%x 4096 ../out/MD_SHRDIMEM.BIN\n" % IMEM_AT,
             "line 1: names a path"),
            ("1 0x%x 4096 %s/MD_SHRDIMEM.BIN\n" % (IMEM_AT, g.out),
             "line 1: names a path"),
            ("1 0x%x 4096 md_KELF_HEADER.BIN\n" % IMEM_AT,
             "not MD_SHRDIMEM.BIN or MD_SMEMINFO.BIN"),
            ("1 0x%x 0x1000 MD_SHRDIMEM.BIN\n" % IMEM_AT,
             "the size is not a decimal number"),
            ("", "MD_SHRDIMEM.BIN is not listed in dump_info.txt"),
        ]
        for k, (text, why) in enumerate(cases):
            d = os.path.join(tmp, "bad%d" % k)
            shutil.copytree(g.out, d)
            with open(os.path.join(d, "dump_info.txt"), "w") as f:
                f.write(text)
            i = run(["info", "--check", d])
            check(i.returncode == 3 and why in i.stdout and
                  "dump_info check: FAILED" in i.stdout,
                  "%r: rc %d %s" % (text, i.returncode, i.stdout))
        # A directory that is not a capture: refused as before.
        i = run(["info", "--check", tmp])
        check(i.returncode == 2 and "not a regular file" in i.stderr,
              i.stderr)


def option_rules():
    """PA outside guest RAM (or straddling its end): usage error, before
    anything is written; other commands do not take the option."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        for pa in (RAM_BASE - 4096, RAM_BASE + RAM_SIZE - 4095,
                   RAM_BASE + RAM_SIZE, (1 << 64) - 1):
            r = g.extract("--shared-imem", hex(pa))
            check(r.returncode == 1 and "not inside guest RAM" in r.stderr
                  and not os.path.lexists(g.out), "%#x: %d %s" %
                  (pa, r.returncode, r.stderr))
        r = g.extract("--shared-imem", "0x5fe2000z")
        check(r.returncode == 1 and "invalid number" in r.stderr, r.stderr)
        r = run(["elf", "--dir", tmp, "--shared-imem", "0x1000"])
        check(r.returncode == 1 and "does not apply" in r.stderr, r.stderr)
        for cmd in ("capture", "extract"):
            h = run([cmd, "--help"]).stdout
            check("--shared-imem PA" in h and "dump_info.txt" in h, h)


def table_unusable_skips():
    """SMEM not initialised (exit 3): only capture.txt, shared_imem
    skipped (nothing is dumped then, the IMEM neither)."""
    with tempfile.TemporaryDirectory() as tmp:
        g = ArmGuest(tmp, [], smem=bytes(SMEM_SIZE))
        r = g.extract("--shared-imem", hex(IMEM_AT))
        check(r.returncode == 3 and os.listdir(g.out) == ["capture.txt"],
              "rc %d %s %s" % (r.returncode, r.stderr, os.listdir(g.out)))
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["shared_imem"] == "skipped" and kv["shared_imem_base"] ==
              hex(IMEM_AT), kv)


def extract_killed_anywhere():
    """Killed at any step: no capture, or a whole one with both files."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        g.write()
        g.keep = set(os.listdir(tmp))

        def fn(env):
            r = subprocess.run(
                [MDFW, "extract", "--ram", g.ram_path, "--ram-size",
                 str(RAM_SIZE), "--smem", hex(SMEM_AT), "--smem-size",
                 hex(SMEM_SIZE), "--shared-imem", hex(IMEM_AT), "--out", g.out],
                capture_output=True, text=True, timeout=60,
                env=dict(os.environ, **env))
            return r.returncode, r.stdout, r.stderr
        n = A.kill_points(fn)
        A.check_complete(g, g.out, EXTRA)
        shutil.rmtree(g.out)
        nothing, whole = A.try_points("extract", tmp, range(1, n + 1), fn, g,
                                      EXTRA)
        print("# extract --shared-imem: %d kill points: %d left nothing, "
              "%d a complete capture" % (n, nothing, whole))
        check(nothing and whole, (nothing, whole))


def capture_writes_both():
    """capture --smem --shared-imem against the fake QEMU."""
    with tempfile.TemporaryDirectory() as tmp:
        g = imem_guest(tmp)
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=a64_qemu_elf())
        q.start()
        p = capture(g, q.path)
        rc, out, err = finish(p, q)
        # capture() has no --shared-imem: a second run with it.
        check(rc == 0 and not os.path.exists(os.path.join(
            g.out, "dump_info.txt")), err)
        shutil.rmtree(g.out)
        q = RegsQemu(os.path.join(tmp, "qmp2"), regs_elf=a64_qemu_elf())
        q.start()
        p = subprocess.Popen(
            [MDFW, "capture", "--qmp", q.path, "--ram", g.ram_path,
             "--ram-size", str(RAM_SIZE), "--smem", hex(SMEM_AT),
             "--smem-size", hex(SMEM_SIZE), "--shared-imem", hex(IMEM_AT),
             "--out", g.out, "--timeout", "20", "--quit"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        rc, out, err = finish(p, q)
        check(rc == 0, "rc %d %s" % (rc, err))
        A.check_complete(g, g.out, EXTRA + ["cpu_regs.notes"])
        check_files(g, g.out)


if __name__ == "__main__":
    check(os.path.exists(MDFW), MDFW)
    tap = Tap()
    for t in (extract_writes_both, without_the_option, info_check_refuses,
              option_rules, table_unusable_skips, extract_killed_anywhere,
              capture_writes_both):
        tap.run(t)
    tap.exit()
