#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""End-to-end tests of 'mdfw extract' and 'mdfw init' on fake guest files."""
import os
import resource
import shutil
import signal
import stat
import tempfile

from mdlib import (DONE, ENBL, INVA, NOTREQ, GIB4, Layout, Tap, check,
                   read_kv, read_manifest, region, run, toc_bytes)

MiB = 1 << 20
BAR2 = 0xfe000000
SHM_SIZE = 64 << 10
ARRAY_OFF = 4096
RAM_SIZE = 8 * MiB
BELOW = 4 * MiB          # with --below-4g 4M: 4 MiB low, 4 MiB from 4 GiB


class Guest:
    """A fake guest: RAM file, ivshmem file, and the table in it."""

    def __init__(self, tmp, entries, count=None, baseptr=None,
                 array_in_ram_at=None):
        self.lay = Layout(RAM_SIZE, BELOW)
        self.ram = bytearray(os.urandom(RAM_SIZE))
        self.entries = entries
        array = b"".join(region(*e[:4], **e[4]) if len(e) > 4 else
                         region(*e[:4]) for e in entries)
        n = len(entries) if count is None else count
        shm = bytearray(SHM_SIZE)
        if array_in_ram_at is not None:
            off = self.lay.file_off(array_in_ram_at)
            self.ram[off:off + len(array)] = array
            ptr = array_in_ram_at
        else:
            shm[ARRAY_OFF:ARRAY_OFF + len(array)] = array
            ptr = BAR2 + ARRAY_OFF
        if baseptr is not None:
            ptr = baseptr
        shm[0:336] = toc_bytes((1, ENBL, DONE, NOTREQ, n, ptr))
        self.ram_path = os.path.join(tmp, "ram")
        self.shm_path = os.path.join(tmp, "shm")
        self.out = os.path.join(tmp, "out")
        with open(self.ram_path, "wb") as f:
            f.write(self.ram)
        with open(self.shm_path, "wb") as f:
            f.write(shm)

    def extract(self, *extra, keep=False, **kw):
        """mdfw extract into self.out; an earlier capture there is removed
        first (mdfw refuses an existing --out), unless keep."""
        if not keep and os.path.isdir(self.out) and \
                not os.path.islink(self.out):
            shutil.rmtree(self.out)
        return run(["extract", "--ram", self.ram_path, "--ram-size",
                    str(RAM_SIZE), "--below-4g", "4M", "--shm",
                    self.shm_path, "--bar2", hex(BAR2), "--out", self.out]
                   + list(extra), **kw)

    def slice(self, addr, size):
        off = self.lay.file_off(addr)
        return bytes(self.ram[off:off + size])


def fname(name, seq):
    return "md_%s.BIN" % name if seq == 0 else "md_%s@%d.BIN" % (name, seq)


def verify(g, expect, r, rc):
    """expect: list of status per entry, in table order."""
    check(r.returncode == rc, "rc %d != %d\n%s" % (r.returncode, rc,
                                                   r.stderr))
    check(stat.S_IMODE(os.stat(g.out).st_mode) == 0o700, "dir mode")
    want_files = {"manifest.tsv", "capture.txt"}
    comments, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
    check(len(rows) == len(expect), "%d rows" % len(rows))
    total = 0
    for i, (e, st) in enumerate(zip(g.entries, expect)):
        name, seq, addr, size = e[:4]
        row = rows[i]
        check(row[0] == str(i) and row[2] == str(seq), row)
        check(row[3] == hex(addr) and row[4] == hex(size), row)
        check(row[5] == st, "entry %d: %s != %s" % (i, row[5], st))
        if st == "ok":
            fn = fname(name, seq)
            check(row[1] == name and row[6] == fn, row)
            want_files.add(fn)
            p = os.path.join(g.out, fn)
            with open(p, "rb") as f:
                data = f.read()
            check(data == g.slice(addr, size), "content of " + fn)
            total += size
        else:
            check(row[6] == "-", row)
            if st != "invalid-marker":
                check("entry %d: %s" % (i, st) in r.stderr,
                      "stderr lacks entry %d:\n%s" % (i, r.stderr))
    files = set(os.listdir(g.out))
    check(files == want_files, "files %s" % sorted(files ^ want_files))
    for fn in files:
        check(stat.S_IMODE(os.stat(os.path.join(g.out, fn)).st_mode)
              == 0o600, "mode of " + fn)
    kv = read_kv(os.path.join(g.out, "capture.txt"))
    check(kv["trigger"] == "none" and kv["exit_code"] == str(rc), kv)
    check(kv["ok"] == str(expect.count("ok")), kv)
    check(kv["holes"] == str(expect.count("invalid-marker")), kv)
    check(kv["bytes"] == str(total), kv)
    check(0 <= float(kv["copied_ms"]) <= float(kv["written_ms"]), kv)
    check(any(c.startswith("# trigger: none") for c in comments), comments)
    check_no_leftovers(os.path.dirname(g.out))
    return kv


def check_no_leftovers(parent):
    """No private directory (.mdfw-*.tmp) of ours left next to the
    capture."""
    left = [f for f in os.listdir(parent) if f.startswith(".mdfw-")]
    check(not left, "left in %s: %s" % (parent, left))


def mixed_table_partial_dump():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [
            ("Kelfhdr", 0, 0x1000, 0x200),
            ("Kprb", 0, 0x200000, 0x1800),
            ("Kprb", 1, GIB4 + 0x1000, 0x3000),          # above 4 GiB
            ("Kprb", 2, GIB4 + 4 * MiB - 0x100, 0x100),  # ends at RAM end
            ("../../x", 0, 0, 0, {"valid": INVA}),        # removed
            ("Khole", 0, 0xd0000000, 0x1000),           # PCI hole
            ("Kstraddle", 0, BELOW - 0x800, 0x1000),    # into the hole
            ("Kovl", 0, 0x200800, 0x100),               # inside 1: ok
            ("Kprb", 1, 0x300000, 0x10),                # dup of 2
            ("a.b", 0, 0x310000, 0x10),                 # bad name
            ("Kmark", 0, 0x320000, 0x10, {"valid": 0}),
            ("Kzero", 0, 0x330000, 0),
            ("Kwrap", 0, (1 << 64) - 0x10, 0x20),
            ("K-last_1", 0, BELOW - 0x1000, 0x1000),    # ends at split
        ]
        expect = ["ok", "ok", "ok", "ok", "invalid-marker", "out-of-ram",
                  "out-of-ram", "ok", "duplicate", "bad-name",
                  "bad-marker", "empty", "overflow", "ok"]
        g = Guest(tmp, ents)
        r = g.extract()
        kv = verify(g, expect, r, 4)
        check(kv["bad"] == "7" and kv["result"] == "partial", kv)


def all_good_and_rerun():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Kelfhdr", 0, 0x1000, 0x200),
                ("Kbig", 0, 0x80000, 3 * MiB + 123),   # > 1 copy chunk
                ("Kbig", 5, GIB4, 4 * MiB)]
        g = Guest(tmp, ents)
        r = g.extract()
        verify(g, ["ok"] * 3, r, 0)
        check(r.stderr == "", r.stderr)
        check("copied_ms:" in r.stdout and "capture_ms:" in r.stdout and
              "result: ok" in r.stdout, r.stdout)
        ms = [float(l.split()[1]) for l in r.stdout.splitlines()
              if l.startswith(("copied_ms:", "capture_ms:"))]
        check(len(ms) == 2 and 0 <= ms[0] <= ms[1], r.stdout)
        # Again into the same directory: refused before anything is
        # read or written (exit 1); the first capture is untouched.
        before = {f: open(os.path.join(g.out, f), "rb").read()
                  for f in os.listdir(g.out)}
        r = g.extract(keep=True)
        check(r.returncode == 1 and "exists: refused" in r.stderr and
              r.stdout == "", "rc %d %s" % (r.returncode, r.stderr))
        check({f: open(os.path.join(g.out, f), "rb").read()
               for f in os.listdir(g.out)} == before, "capture changed")
        check_no_leftovers(tmp)


def max_bytes_cap():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Ka", 0, 0x1000, 0x100), ("Kb", 0, 0x2000, 0x1000),
                ("Kc", 0, 0x4000, 0x80)]
        g = Guest(tmp, ents)
        # 0x100 + 0x80 fit in 0x200, Kb does not.
        r = g.extract("--max-bytes", "0x200")
        verify(g, ["ok", "too-large", "ok"], r, 4)
        check(g.extract("--max-bytes", "0").returncode == 1)


def nested_entries_copied():
    """Overlapping entries are each copied, whatever their names: a
    per-CPU area, the IRQ and exception stacks inside it (each registered
    on its own), the same range under another name, a stack registered
    before its area."""
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("percpu", 0, 0x200000, 0x20000),
                ("irq_stack", 0, 0x204000, 0x4000),
                ("exc_stack", 0, 0x210000, 0x1000),
                ("percpu_alias", 0, 0x200000, 0x20000),
                ("irq_stack", 1, GIB4 + 0x14000, 0x4000),
                ("percpu", 1, GIB4 + 0x10000, 0x20000),
                ("KTASK0", 0, 0x205000, 0x100)]
        g = Guest(tmp, ents)
        r = g.extract()
        kv = verify(g, ["ok"] * len(ents), r, 0)
        check(r.stderr == "", r.stderr)
        check(kv["bad"] == "0" and kv["result"] == "ok", kv)


def many_files():
    """More md files than descriptors kept open for the sync (dump.c):
    the rest reopened by name, every one durable and whole."""
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Kf%d" % i, i % 3, 0x1000 + 0x40 * i, 0x40 + i % 7)
                for i in range(600)]
        g = Guest(tmp, ents)
        r = g.extract()
        verify(g, ["ok"] * len(ents), r, 0)
        check(r.stderr == "", r.stderr)
        check_no_leftovers(tmp)


def repeated_range_bounded():
    """A table naming the same memory again and again: --max-bytes
    (default: the RAM size) bounds what is copied; the rest too-large."""
    with tempfile.TemporaryDirectory() as tmp:
        n = min((SHM_SIZE - ARRAY_OFF) // 40, 1024)
        ents = [("Krep", i, 0x100000, 2 * MiB) for i in range(n)]
        g = Guest(tmp, ents)
        r = g.extract()
        per = RAM_SIZE // (2 * MiB)        # 4 fit in the 8 MiB default
        kv = verify(g, ["ok"] * per + ["too-large"] * (n - per), r, 4)
        check(kv["bytes"] == str(RAM_SIZE), kv)
        md = sum(os.path.getsize(os.path.join(g.out, f))
                 for f in os.listdir(g.out) if f.startswith("md_"))
        check(md == RAM_SIZE, "%d bytes of md files" % md)
        r = g.extract("--max-bytes", str(5 * MiB))
        kv = verify(g, ["ok"] * 2 + ["too-large"] * (n - 2), r, 4)
        check(kv["bytes"] == str(4 * MiB), kv)


def array_in_guest_ram():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Ka", 0, 0x1000, 0x100), ("Kb", 0, GIB4 + 0x2000, 0x80)]
        g = Guest(tmp, ents, array_in_ram_at=GIB4 + 0x10000)
        r = g.extract()
        verify(g, ["ok", "ok"], r, 0)
        comments, _ = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check(any("(ram offset %#x)" % (BELOW + 0x10000) in c
                  for c in comments), comments)


def region_count_too_big():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Ka", 0, 0x1000, 0x100)]
        g = Guest(tmp, ents, count=0xffffffff)
        r = g.extract()
        check(r.returncode == 4, r.stderr)
        cap = min((SHM_SIZE - ARRAY_OFF) // 40, 1024)
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check(len(rows) == cap and rows[0][5] == "ok", len(rows))
        check(all(row[5] == "bad-marker" for row in rows[1:]))
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["truncated"] == "1" and kv["entries"] == str(cap), kv)
        check("exceeds" in r.stderr, r.stderr)


def unusable_tables():
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        os.unlink(g.ram_path)   # the RAM file missing: nothing created
        r = g.extract()
        check(r.returncode == 2 and not os.path.lexists(g.out), r.stderr)
        check_no_leftovers(tmp)
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        # Firmware-initialised, but the guest driver never registered.
        r = run(["init", "--shm", g.shm_path, "--shm-size", str(SHM_SIZE)])
        check(r.returncode == 0, r.stderr)
        r = g.extract()
        check(r.returncode == 3 and "APSS" in r.stderr, r.stderr)
        check(sorted(os.listdir(g.out)) == ["capture.txt"],
              os.listdir(g.out))
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["result"] == "table-unusable" and kv["exit_code"] == "3"
              and "APSS" in kv["error"], kv)
        # Not initialised at all.
        with open(g.shm_path, "wb") as f:
            f.write(bytes(SHM_SIZE))
        r = g.extract()
        check(r.returncode == 3 and "mdfw init" in r.stderr, r.stderr)
        # baseptr nowhere.
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)], baseptr=0xd0000000)
        r = g.extract()
        check(r.returncode == 3 and "neither" in r.stderr, r.stderr)


def init_command():
    with tempfile.TemporaryDirectory() as tmp:
        p = os.path.join(tmp, "shm")
        r = run(["init", "--shm", p])
        check(r.returncode == 0, r.stderr)
        check(os.path.getsize(p) == 1 << 20, "default size")
        check(stat.S_IMODE(os.stat(p).st_mode) == 0o600, "mode")
        with open(p, "rb") as f:
            data = f.read()
        check(data[:336] == toc_bytes() and data[336:] == bytes(len(data)
                                                                 - 336))
        # Re-init over garbage (and a bigger file) zeroes it.
        with open(p, "wb") as f:
            f.write(os.urandom(128 << 10))
        r = run(["init", "--shm", p, "--shm-size", "64K"])
        check(r.returncode == 0, r.stderr)
        with open(p, "rb") as f:
            data = f.read()
        check(len(data) == 64 << 10 and data[:336] == toc_bytes() and
              data[336:] == bytes(len(data) - 336))
        r = run(["init", "--shm", p, "--shm-size", "100"])
        check(r.returncode == 1, r.stderr)
        r = run(["init", "--shm", os.path.join(tmp, "no/such/dir")])
        check(r.returncode == 2 and "no/such/dir" in r.stderr, r.stderr)


def symlink_not_followed():
    """A symlink at --out (to a directory, to a file, dangling) is refused,
    never followed: nothing is written through it."""
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100), ("Kb", 0, 0x2000, 0x10)])
        vdir = os.path.join(tmp, "victim-dir")
        os.mkdir(vdir, 0o700)
        v = victim_file(tmp)
        for target in (vdir, v, os.path.join(tmp, "nowhere")):
            os.symlink(target, g.out)
            r = g.extract(keep=True)
            check(r.returncode == 1 and "exists: refused" in r.stderr,
                  "rc %d %s" % (r.returncode, r.stderr))
            check(os.readlink(g.out) == target, "link replaced")
            os.unlink(g.out)
        check(os.listdir(vdir) == [] and not os.path.lexists(
            os.path.join(tmp, "nowhere")), "written through")
        check_victim(v)
        check_no_leftovers(tmp)


def usage_and_io_errors():
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        base = ["extract", "--ram", g.ram_path, "--ram-size", str(RAM_SIZE),
                "--shm", g.shm_path, "--out", g.out]
        r = run([])
        check(r.returncode == 1)
        r = run(["--help"])
        check(r.returncode == 0 and "Exit codes" in r.stdout and
              "manifest.tsv" in r.stdout and
              "  5  capture inconsistent" in r.stdout, r.stdout)
        for cmd in ("init", "capture", "extract"):
            r = run([cmd, "--help"])
            check(r.returncode == 0 and "Exit codes" in r.stdout and
                  "--" in r.stdout, cmd)
        check(run(["frobnicate"]).returncode == 1)
        check(run(base).returncode == 1)                  # no --bar2
        r = run(base + ["--bar2", "zz"])
        check(r.returncode == 1 and "--bar2" in r.stderr, r.stderr)
        check(run(base + ["--bar2", "0", "--bogus"]).returncode == 1)
        check(run(base + ["--bar2", "0", "--quit"]).returncode == 1)
        check(run(base + ["--bar2", "0", "extra"]).returncode == 1)
        check(run(base + ["--bar2", "0", "--below-4g", "5G"]).returncode
              == 1)
        r = run(["extract", "--ram", os.path.join(tmp, "nope"),
                 "--ram-size", "8M", "--shm", g.shm_path, "--bar2", "0",
                 "--out", g.out])
        check(r.returncode == 2 and "nope" in r.stderr, r.stderr)
        r = run(["extract", "--ram", g.ram_path, "--ram-size", "16M",
                 "--shm", g.shm_path, "--bar2", "0", "--out", g.out])
        check(r.returncode == 2 and "less than --ram-size" in r.stderr,
              r.stderr)
        r = run(["extract", "--ram", g.ram_path, "--ram-size", "8M",
                 "--shm", g.shm_path, "--bar2", hex(BAR2), "--out",
                 os.path.join(g.ram_path, "sub")])
        check(r.returncode == 2, r.stderr)
        for bad in ("", "/", ".", "..", tmp + "/.."):
            r = run(["extract", "--ram", g.ram_path, "--ram-size", "8M",
                     "--shm", g.shm_path, "--bar2", hex(BAR2), "--out",
                     bad])
            check(r.returncode == 1, "%r: rc %d %s" % (bad, r.returncode,
                                                       r.stderr))


# ---- hostile output directories ------------------------------------------

TEMP_NAMES = (".manifest.tsv.tmp", ".capture.txt.tmp", ".dump.elf.tmp")


def victim_file(tmp, mode=0o644):
    v = os.path.join(tmp, "victim")
    with open(v, "wb") as f:
        f.write(b"precious")
    os.chmod(v, mode)
    return v


def check_victim(v, mode=0o644):
    with open(v, "rb") as f:
        check(f.read() == b"precious", "written through a link")
    st = os.stat(v)
    check(stat.S_IMODE(st.st_mode) == mode, "victim chmod'ed to %o" %
          stat.S_IMODE(st.st_mode))


def existing_targets_refused():
    """Anything at --out (an empty or full directory, a file, a hard link
    to someone's file, a FIFO, a directory of another user) is refused at
    once with exit 1: not opened, not replaced, not written into; a FIFO
    never blocks."""
    import subprocess
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        v = victim_file(tmp)

        def full_dir(p):
            os.mkdir(p, 0o700)
            os.link(v, os.path.join(p, "md_Ka.BIN"))
            os.mkfifo(os.path.join(p, "manifest.tsv"))

        def other_users_dir(p):
            os.mkdir(p, 0o755)
            os.chown(p, 65534, 65534)
        for what, make in (("empty directory", lambda p: os.mkdir(p)),
                           ("directory with a hard link and a FIFO",
                            full_dir),
                           ("hard link", lambda p: os.link(v, p)),
                           ("FIFO", os.mkfifo),
                           ("another user's directory", other_users_dir)):
            if what.startswith("another") and os.geteuid() != 0:
                continue
            make(g.out)
            before = os.lstat(g.out)
            try:
                r = g.extract(keep=True, timeout=20)
            except subprocess.TimeoutExpired:
                raise AssertionError("%s: hung" % what)
            check(r.returncode == 1 and "exists: refused" in r.stderr,
                  "%s: rc %d %s" % (what, r.returncode, r.stderr))
            after = os.lstat(g.out)
            check((after.st_ino, after.st_mode, after.st_uid) ==
                  (before.st_ino, before.st_mode, before.st_uid), what)
            check_victim(v)
            if os.path.isdir(g.out) and what.startswith("directory"):
                check(sorted(os.listdir(g.out)) == ["manifest.tsv",
                                                    "md_Ka.BIN"], what)
            check_no_leftovers(tmp)
            if os.path.isdir(g.out):
                shutil.rmtree(g.out)
            else:
                os.unlink(g.out)


def _limit_file_size(n):
    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (n, n))
    return f


def incomplete_capture_leaves_nothing():
    """A file of the capture that cannot be written (here: a file size
    limit, EFBIG) makes the capture incomplete: nothing appears, no
    private directory is left, exit 2. A region that cannot be copied
    only marks that entry (io-error): the capture appears without it."""
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Ka", 0, 0x1000, 0x10), ("Kb", 0, 0x2000, 0x10)]
        g = Guest(tmp, ents)
        # The md files (16 bytes) fit, manifest.tsv does not.
        r = g.extract(preexec_fn=_limit_file_size(200))
        check(r.returncode == 2 and "incomplete; nothing written" in
              r.stderr, "rc %d %s" % (r.returncode, r.stderr))
        check(not os.path.lexists(g.out), os.listdir(tmp))
        check_no_leftovers(tmp)
        # A region larger than the limit: io-error, the rest appears.
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x10), ("Kc", 0, 0x4000, 0x8000)])
        r = g.extract(preexec_fn=_limit_file_size(0x4000))
        check(r.returncode == 2, "rc %d %s" % (r.returncode, r.stderr))
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check([x[5] for x in rows] == ["ok", "io-error"], rows)
        check(sorted(os.listdir(g.out)) == ["capture.txt", "manifest.tsv",
                                            "md_Ka.BIN"], os.listdir(g.out))
        check_no_leftovers(tmp)


def parent_dir_warnings():
    """The capture directory is ours, 0700; its parent draws a warning if
    others could move it away or replace it."""
    with tempfile.TemporaryDirectory() as tmp:
        parent = os.path.join(tmp, "p")
        os.mkdir(parent)
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        g.out = os.path.join(parent, "out")
        for mode, want in ((0o777, "world-writable"), (0o770,
                                                       "group-writable")):
            os.chmod(parent, mode)
            r = g.extract()
            check(r.returncode == 0 and want in r.stderr, r.stderr)
            check(stat.S_IMODE(os.stat(g.out).st_mode) == 0o700)
        os.chmod(parent, 0o700)
        r = g.extract()
        check("writable" not in r.stderr and "owned" not in r.stderr,
              r.stderr)
        if os.geteuid() == 0:
            os.chown(parent, 65534, 65534)
            r = g.extract()
            check("owned by uid 65534" in r.stderr, r.stderr)
            check(os.stat(g.out).st_uid == 0)


def case_collision_refused():
    """md_Kfoo.BIN and md_KFOO.BIN are one file on a case-insensitive file
    system: the second entry is refused and reported."""
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Kfoo", 0, 0x1000, 0x100), ("KFOO", 0, 0x2000, 0x100),
                ("KFOO", 1, 0x3000, 0x100), ("kfoo", 1, 0x4000, 0x100)]
        g = Guest(tmp, ents)
        r = g.extract()
        verify(g, ["ok", "duplicate", "ok", "duplicate"], r, 4)
        check("entry 1: duplicate: Kfoo" not in r.stderr, r.stderr)
        check("KFOO.0: same name (ignoring case) and seq as entry 0"
              in r.stderr and "case-insensitive" in r.stderr, r.stderr)
        check("kfoo.1: same name (ignoring case) and seq as entry 2"
              in r.stderr, r.stderr)


if __name__ == "__main__":
    tap = Tap()
    for t in (mixed_table_partial_dump, all_good_and_rerun,
              max_bytes_cap, nested_entries_copied,
              many_files, repeated_range_bounded, array_in_guest_ram, region_count_too_big, unusable_tables,
              init_command, symlink_not_followed, usage_and_io_errors,
              existing_targets_refused, incomplete_capture_leaves_nothing,
              parent_dir_warnings, case_collision_refused):
        tap.run(t)
    tap.exit()
