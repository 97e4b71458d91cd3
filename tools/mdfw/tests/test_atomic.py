#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The capture is atomic (README "Output"): mdfw killed at any step of
an extract or a capture leaves either no capture directory or a complete
one, never a partial one.

mdfw's test hook MDFW_TEST_KILL_AT=N makes it SIGKILL itself at the Nth
step that changes the output (a directory or file created, each write,
fsync, rename, unlink); MDFW_TEST_KILL_AT=count prints how many
steps a run takes. Every step of an extract of a guest with dump.elf and
CPU sets is tried (at least 50; a seeded sample of MDFW_ATOMIC_POINTS if
there are more), then seeded steps of a capture against the fake QEMU.
The seed is printed (MDFW_ATOMIC_SEED to repeat a run).

Complete means: the directory is mode 0700 and holds exactly
manifest.tsv, capture.txt, the md files the manifest lists as dumped
(each with the guest's bytes), dump.elf, which `mdfw info --check`
accepts, and nothing else; capture.txt says result ok."""
import os
import random
import re
import stat
import tempfile

import test_cpusets as S
from mdlib import MDFW, Tap, check, read_kv, read_manifest, run

SEED = int(os.environ.get("MDFW_ATOMIC_SEED", random.randrange(1 << 32)))
MAX_POINTS = int(os.environ.get("MDFW_ATOMIC_POINTS", "150"))
TMP_RE = re.compile(r"^\.mdfw-[0-9a-f]{16}\.tmp$")


def kill_points(fn):
    """How many kill points a run of fn(env) has."""
    r = fn({"MDFW_TEST_KILL_AT": "count"})
    m = re.search(r"mdfw: test: (\d+) kill points", r[2])
    check(r[0] == 0 and m, "rc %d %s" % (r[0], r[2]))
    return int(m.group(1))


def check_complete(g, out, extra=()):
    """out is a whole capture of guest g."""
    check(stat.S_IMODE(os.lstat(out).st_mode) == 0o700 and
          stat.S_ISDIR(os.lstat(out).st_mode), "mode")
    _, rows = read_manifest(os.path.join(out, "manifest.tsv"))
    want = {"manifest.tsv", "capture.txt", "dump.elf"} | set(extra)
    for x in rows:
        if x[5] == "ok":
            want.add(x[6])
            with open(os.path.join(out, x[6]), "rb") as f:
                check(f.read() == g.slice(int(x[3], 16), int(x[4], 16)),
                      x[6])
    check(set(os.listdir(out)) == want, "files %s" %
          sorted(set(os.listdir(out)) ^ want))
    kv = read_kv(os.path.join(out, "capture.txt"))
    check(kv["result"] == "ok" and kv["elf"] == "ok", kv)
    r = run(["info", "--check", os.path.join(out, "dump.elf")])
    check(r.returncode == 0, r.stdout + r.stderr)


def try_points(name, tmp, points, fn, g, extra=()):
    """Run fn with a kill at each point; check what is left. Returns
    (how many left nothing, how many left a complete capture)."""
    nothing = whole = 0
    for k in points:
        rc, out, err = fn({"MDFW_TEST_KILL_AT": str(k)})
        check(rc == -9, "%s: kill point %d: rc %d %s" % (name, k, rc, err))
        left = os.listdir(tmp)
        stray = [x for x in left if x not in g.keep and x != "out" and
                 not TMP_RE.match(x)]
        check(not stray, "%s: kill point %d: %s" % (name, k, stray))
        if os.path.lexists(g.out):
            try:
                check_complete(g, g.out, extra)
            except AssertionError as e:
                raise AssertionError("%s: kill point %d: partial capture: "
                                     "%s" % (name, k, e))
            whole += 1
            os.system("rm -rf '%s'" % g.out)
        else:
            nothing += 1
        for x in left:          # the private directories of killed runs
            if TMP_RE.match(x):
                os.system("rm -rf '%s'" % os.path.join(tmp, x))
    return nothing, whole


def pick(n):
    """Every point if there are few, else a seeded sample with the
    first and last ones."""
    if n <= MAX_POINTS:
        return list(range(1, n + 1))
    rng = random.Random(SEED)
    pts = set(rng.sample(range(2, n), MAX_POINTS - 2)) | {1, n}
    return sorted(pts)


def extract_killed_anywhere():
    print("# seed %d (MDFW_ATOMIC_SEED), at most %d points a run" %
          (SEED, MAX_POINTS))
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = S.build(tmp, S.scenario())
        g.keep = set(os.listdir(tmp))

        def fn(env):
            r = run(["extract", "--ram", g.ram_path, "--ram-size",
                     str(S.T.RAM_SIZE), "--below-4g", "4M", "--shm",
                     g.shm_path, "--bar2", hex(S.T.BAR2), "--out", g.out],
                    env=dict(os.environ, **env), timeout=60)
            return r.returncode, r.stdout, r.stderr
        n = kill_points(fn)
        check_complete(g, g.out)
        os.system("rm -rf '%s'" % g.out)
        pts = pick(n)
        check(len(pts) >= 50, "only %d kill points" % len(pts))
        nothing, whole = try_points("extract", tmp, pts, fn, g)
        print("# extract: %d kill points of %d tried: %d left nothing, "
              "%d a complete capture" % (len(pts), n, nothing, whole))
        # The test tries both sides of the rename.
        check(nothing and whole, (nothing, whole))
        # The run without a kill is complete.
        rc, _, err = fn({})
        check(rc == 0, err)
        check_complete(g, g.out)


def capture_killed_anywhere():
    """capture against the fake QEMU: cpu_regs.notes (from what QEMU
    writes through a descriptor into mdfw's memory file) is part of the
    capture."""
    import test_cpuregs as C
    from test_qmp import capture, finish
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = S.build(tmp, S.scenario())
        g.keep = set(os.listdir(tmp)) | {"qmp"}
        sock = os.path.join(tmp, "qmp")

        elf = C.qemu_elf(notes=[S.G.prstatus(c + 1, C.qemu_regs(c))
                                for c in range(2)])

        def fn(env):
            q = C.RegsQemu(sock, regs_elf=elf)
            q.start()
            old = dict(os.environ)
            os.environ.update(env)
            try:
                p = capture(g, sock, "--quit")
            finally:
                os.environ.clear()
                os.environ.update(old)
            out, err = p.communicate(timeout=60)
            q.join(10)
            if os.path.exists(sock):
                os.unlink(sock)
            return p.returncode, out, err
        n = kill_points(fn)
        check_complete(g, g.out, ["cpu_regs.notes"])
        os.system("rm -rf '%s'" % g.out)
        rng = random.Random(SEED + 1)
        pts = sorted(set(rng.sample(range(1, n + 1), min(n, 12))) | {n})
        nothing, whole = try_points("capture", tmp, pts, fn, g,
                                    ["cpu_regs.notes"])
        print("# capture: %d kill points of %d tried: %d left nothing, "
              "%d a complete capture" % (len(pts), n, nothing, whole))
        check(whole, "no kill point after the rename")


def target_appearing_meanwhile():
    """Something created at --out during the capture (here: by the fake
    QEMU while it dumps the registers) is never replaced nor written
    into: exit 2, the capture kept whole under its private name."""
    import test_cpuregs as C
    from test_qmp import capture, finish

    class Racer(C.RegsQemu):
        def command(self, conn, cmd, args, rid):
            if cmd == "dump-guest-memory":
                os.mkdir(self.out)
            return super().command(conn, cmd, args, rid)
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = S.build(tmp, S.scenario())
        sock = os.path.join(tmp, "qmp")
        q = Racer(sock, regs_elf=C.qemu_elf(notes=[
            S.G.prstatus(c + 1, C.qemu_regs(c)) for c in range(2)]))
        q.out = g.out
        q.start()
        rc, _, err = finish(capture(g, sock, "--quit"), q)
        kept = [x for x in os.listdir(tmp) if TMP_RE.match(x)]
        check(rc == 2 and "appeared during the capture: not replaced" in
              err and len(kept) == 1 and kept[0] in err, "rc %d %s %s" %
              (rc, err, kept))
        check(os.listdir(g.out) == [], "written into")
        check_complete(g, os.path.join(tmp, kept[0]), ["cpu_regs.notes"])


if __name__ == "__main__":
    check(os.path.exists(MDFW), MDFW)
    tap = Tap()
    for t in (extract_killed_anywhere, capture_killed_anywhere,
              target_appearing_meanwhile):
        tap.run(t)
    tap.exit()
