#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""End-to-end tests of 'mdfw extract' and 'mdfw init' on fake guest files."""
import os
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

    def extract(self, *extra, **kw):
        return run(["extract", "--ram", self.ram_path, "--ram-size",
                    str(RAM_SIZE), "--below-4g", "4M", "--shm",
                    self.shm_path, "--bar2", hex(BAR2), "--out", self.out]
                   + list(extra), **kw)

    def slice(self, addr, size):
        off = self.lay.file_off(addr)
        return bytes(self.ram[off:off + size])


def fname(name, seq):
    return "md_%s.BIN" % name if seq == 0 else "md_%s.%d.BIN" % (name, seq)


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
    check(float(kv["capture_ms"]) >= 0, kv)
    check(any(c.startswith("# trigger: none") for c in comments), comments)
    return kv


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
            ("Kovl", 0, 0x200800, 0x100),               # overlaps 1
            ("Kprb", 1, 0x300000, 0x10),                # dup of 2
            ("a.b", 0, 0x310000, 0x10),                 # bad name
            ("Kmark", 0, 0x320000, 0x10, {"valid": 0}),
            ("Kzero", 0, 0x330000, 0),
            ("Kwrap", 0, (1 << 64) - 0x10, 0x20),
            ("K-last_1", 0, BELOW - 0x1000, 0x1000),    # ends at split
        ]
        expect = ["ok", "ok", "ok", "ok", "invalid-marker", "out-of-ram",
                  "out-of-ram", "overlap", "duplicate", "bad-name",
                  "bad-marker", "empty", "overflow", "ok"]
        g = Guest(tmp, ents)
        r = g.extract()
        kv = verify(g, expect, r, 4)
        check(kv["bad"] == "8" and kv["result"] == "partial", kv)


def all_good_and_rerun():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Kelfhdr", 0, 0x1000, 0x200),
                ("Kbig", 0, 0x80000, 3 * MiB + 123),   # > 1 copy chunk
                ("Kbig", 5, GIB4, 4 * MiB)]
        g = Guest(tmp, ents)
        r = g.extract()
        verify(g, ["ok"] * 3, r, 0)
        check(r.stderr == "", r.stderr)
        check("capture_ms:" in r.stdout and "result: ok" in r.stdout,
              r.stdout)
        # Re-run over a stale, larger, world-readable file: truncated,
        # rewritten and 0600 again; a warning about the non-empty dir.
        p = os.path.join(g.out, "md_Kelfhdr.BIN")
        with open(p, "wb") as f:
            f.write(b"x" * 100000)
        os.chmod(p, 0o644)
        r = g.extract()
        verify(g, ["ok"] * 3, r, 0)
        check("not empty" in r.stderr, r.stderr)


def max_bytes_cap():
    with tempfile.TemporaryDirectory() as tmp:
        ents = [("Ka", 0, 0x1000, 0x100), ("Kb", 0, 0x2000, 0x1000),
                ("Kc", 0, 0x4000, 0x80)]
        g = Guest(tmp, ents)
        # 0x100 + 0x80 fit in 0x200, Kb does not.
        r = g.extract("--max-bytes", "0x200")
        verify(g, ["ok", "too-large", "ok"], r, 4)
        check(g.extract("--max-bytes", "0").returncode == 1)


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
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100), ("Kb", 0, 0x2000, 0x10)])
        os.mkdir(g.out, 0o700)
        victim = os.path.join(tmp, "victim")
        with open(victim, "wb") as f:
            f.write(b"precious")
        os.symlink(victim, os.path.join(g.out, "md_Ka.BIN"))
        r = g.extract()
        check(r.returncode == 2, "rc %d %s" % (r.returncode, r.stderr))
        with open(victim, "rb") as f:
            check(f.read() == b"precious", "symlink target overwritten")
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        check(rows[0][5] == "io-error" and rows[1][5] == "ok", rows)
        with open(os.path.join(g.out, "md_Kb.BIN"), "rb") as f:
            check(f.read() == g.slice(0x2000, 0x10))


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


def hard_links_not_written_through():
    """Hard links planted at an md name, at the final names and at the
    old fixed temporary names: the linked file keeps its bytes and mode."""
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100), ("Kb", 0, 0x2000, 0x10)])
        os.mkdir(g.out, 0o700)
        v = victim_file(tmp)
        for n in ("md_Ka.BIN", "manifest.tsv", "capture.txt") + TEMP_NAMES:
            os.link(v, os.path.join(g.out, n))
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        check_victim(v)
        p = os.path.join(g.out, "md_Ka.BIN")
        with open(p, "rb") as f:
            check(f.read() == g.slice(0x1000, 0x100))
        st = os.stat(p)
        check(st.st_nlink == 1 and stat.S_IMODE(st.st_mode) == 0o600,
              "md_Ka.BIN: links %d mode %o" % (st.st_nlink, st.st_mode))
        check(os.stat(os.path.join(g.out, "manifest.tsv")).st_nlink == 1)
        # Nothing of ours left under a temporary name.
        left = [f for f in os.listdir(g.out) if f.startswith(".mdfw-")]
        check(not left, left)


def other_users_file_replaced_not_reused():
    """As root: a pre-existing md file owned by another user is not
    written into (it would keep its owner and get guest memory)."""
    if os.geteuid() != 0:
        print("# not root: ownership part skipped")
        return
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        os.mkdir(g.out, 0o700)
        p = os.path.join(g.out, "md_Ka.BIN")
        with open(p, "wb") as f:
            f.write(b"precious")
        os.chmod(p, 0o644)
        os.chown(p, 65534, 65534)
        keep = os.path.join(tmp, "keep")
        os.link(p, keep)
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        st = os.stat(p)
        check(st.st_uid == 0 and stat.S_IMODE(st.st_mode) == 0o600,
              "uid %d mode %o" % (st.st_uid, st.st_mode))
        check(os.stat(keep).st_uid == 65534)
        check_victim(keep)


def fifos_refused_not_opened():
    """A FIFO at an output name used to hang mdfw forever."""
    import subprocess
    for name, rc in (("md_Ka.BIN", 2), ("manifest.tsv", 2),
                     ("capture.txt", 2)) + tuple((n, 0) for n in TEMP_NAMES):
        with tempfile.TemporaryDirectory() as tmp:
            g = Guest(tmp, [("Ka", 0, 0x1000, 0x100),
                            ("Kb", 0, 0x2000, 0x10)])
            os.mkdir(g.out, 0o700)
            fifo = os.path.join(g.out, name)
            os.mkfifo(fifo, 0o600)
            try:
                r = g.extract(timeout=20)
            except subprocess.TimeoutExpired:
                raise AssertionError("%s: hung on the FIFO" % name)
            check(r.returncode == rc, "%s: rc %d %s" % (name, r.returncode,
                                                        r.stderr))
            check(stat.S_ISFIFO(os.lstat(fifo).st_mode), name + " replaced")
            if rc:
                check("not a regular file" in r.stderr, r.stderr)
            with open(os.path.join(g.out, "md_Kb.BIN"), "rb") as f:
                check(f.read() == g.slice(0x2000, 0x10), name)


def output_dir_warnings():
    with tempfile.TemporaryDirectory() as tmp:
        g = Guest(tmp, [("Ka", 0, 0x1000, 0x100)])
        os.mkdir(g.out)
        os.chmod(g.out, 0o777)
        r = g.extract()
        check(r.returncode == 0 and "world-writable" in r.stderr, r.stderr)
        os.chmod(g.out, 0o770)
        r = g.extract()
        check("group-writable" in r.stderr, r.stderr)
        os.chmod(g.out, 0o700)
        r = g.extract()
        check("writable" not in r.stderr and "owned" not in r.stderr,
              r.stderr)
        if os.geteuid() == 0:
            os.chown(g.out, 65534, 65534)
            r = g.extract()
            check("owned by uid 65534" in r.stderr, r.stderr)


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
              max_bytes_cap, array_in_guest_ram, region_count_too_big, unusable_tables,
              init_command, symlink_not_followed, usage_and_io_errors,
              hard_links_not_written_through,
              other_users_file_replaced_not_reused,
              fifos_refused_not_opened, output_dir_warnings,
              case_collision_refused):
        tap.run(t)
    tap.exit()
