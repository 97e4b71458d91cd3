#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""CPU sets (README "CPU sets"): each CPU's current task, published by the
kernel in table entries KTASK<c>/KSTACK<c>_<i> that its ELF header does
not describe, with the descriptor region cpu_sets; mdfw adds the usable
sets to dump.elf (extract, capture, elf --dir), takes pr_pid from the set
whose stack holds the CPU's stack pointer, and refuses hostile
descriptors. Guests built from the README's layout (mdelfgen.cpu_record),
not from the C code."""
import os
import re
import struct
import tempfile

import mdelfgen as G
from mdlib import INVA, Tap, check, read_kv, read_manifest, run
import test_extract as T

DMAP = 0xffff888000000000
VMAP = 0xffffc90000000000
HDR_AT = 0x100000
DESC_AT = 0x200000
BANNER = ("banner", 0, 0x3000, 0x9f)
TASK_SIZE = 0x2800            # a task_struct
CHUNK = 0x1000                # a page of a vmapped stack
P = 4
RSP = 19                      # x86-64 pr_reg index
PID_SYNTH = 0x400000          # cpuregs.h CPUREGS_PID_SYNTH (idle CPUs)
PID_CLASH = 0x401000          # cpuregs.h CPUREGS_PID_CLASH


class Task:
    """A task: its task_struct at task_pa (in the direct map), its stack
    P pages at stack_pas, virtually contiguous from stack_va."""

    def __init__(self, pid, task_pa, stack_pas, stack_va):
        self.pid, self.task_pa, self.stack_pas = pid, task_pa, stack_pas
        self.task_va, self.stack_va = DMAP + task_pa, stack_va

    def sp(self, off=0x3f00):
        return self.stack_va + off


A = Task(100, 0x20000, [0x30000, 0x32000, 0x34000, 0x36000], VMAP + 0x100000)
B = Task(200, 0x24000, [0x40000, 0x42000, 0x44000, 0x46000], VMAP + 0x200000)
# C's first stack page is where banner is: overlap allowed.
C = Task(300, 0x28000, [0x3000, 0x50000, 0x52000, 0x54000], VMAP + 0x300000)


class Set:
    def __init__(self, task, seq, live=True):
        self.task, self.seq, self.live = task, seq, live


def scenario():
    """CPU 0 frozen inside the switch from A to B: set 0 (A) live, set 1
    (B, published last: cur 1) live, its seq still odd (frozen after the
    publication, before the kernel made seq even: the set is whole and
    used). A migrated to CPU 1 and runs there: CPU 1's set 0 (cur)
    duplicates CPU 0's set 0; its set 1 (C) is INVA, its stack entries
    still VALI."""
    return [dict(cur=1, sets=[Set(A, 2), Set(B, 5)]),
            dict(cur=0, sets=[Set(A, 8), Set(C, 4, live=False)])]


def descriptor(cpus):
    return b"".join(G.cpu_record(
        c, x["cur"], x.get("chunks", P),
        [(s.task.task_va, s.task.stack_va, s.task.pid, s.seq)
         for s in x["sets"]]) for c, x in enumerate(cpus))


def set_entries(cpus):
    """The table's tail: per CPU and set, KTASK then the KSTACK chunks."""
    out = []
    for c, x in enumerate(cpus):
        for s, spec in enumerate(x["sets"]):
            t = spec.task
            out.append(("KTASK%d" % c, s, t.task_pa, TASK_SIZE,
                        {} if spec.live else {"valid": INVA}))
            for i, pa in enumerate(t.stack_pas):
                out.append(("KSTACK%d_%d" % (c, i), s, pa, CHUNK))
    return out


def kernel_notes(pids=(0, 0), sps=None):
    """The kernel's NT_PRSTATUS per CPU (registers only if sps: its
    crash notes), NT_PRPSINFO, VMCOREINFO."""
    out = []
    for c, pid in enumerate(pids):
        regs = None
        if sps:
            regs = [0xffffffff81000000 + c] * 27
            regs[RSP] = sps[c]
        out.append(G.prstatus(pid, regs))
    return out + [G.prpsinfo(), G.vmcoreinfo(G.DEFAULT_VMCOREINFO)]


def build(tmp, cpus, desc=None, notes=None, entries=None, desc_at=DESC_AT,
          with_desc=True, regions=()):
    """A guest whose header describes banner and cpu_sets, then regions
    [(name, seq, vaddr, paddr, size)]; the CPU sets' entries (entries,
    default from cpus; with regions, their entries too) after them."""
    desc = descriptor(cpus) if desc is None else desc
    loads = [G.Load(BANNER[0], 0, DMAP + BANNER[2], BANNER[2],
                    bytes(BANNER[3]))]
    ents = [BANNER]
    if with_desc:
        loads.append(G.Load("cpu_sets", 0, DMAP + desc_at, desc_at, desc))
        ents.append(("cpu_sets", 0, desc_at, len(desc)))
    loads += [G.Load(n, s, va, pa, bytes(size))
              for n, s, va, pa, size in regions]
    hdr = G.header_region(loads, notes=notes or kernel_notes(),
                          generation=5)
    ents = [("KELF_HEADER", 0, HDR_AT, len(hdr))] + ents + (
        set_entries(cpus) if entries is None else entries)
    g = T.Guest(tmp, ents)
    g.ram[HDR_AT:HDR_AT + len(hdr)] = hdr
    if with_desc and desc_at < T.BELOW:
        g.ram[desc_at:desc_at + len(desc)] = desc
    with open(g.ram_path, "wb") as f:
        f.write(g.ram)
    for l in loads:
        if l.paddr < T.BELOW:
            l.data = g.slice(l.paddr, l.size)
    return g, loads


def read(path):
    with open(path, "rb") as f:
        return f.read()


def set_loads(c, s, t, role=None):
    """The PT_LOADs of CPU c's set s describing task t, as the README
    says: (name, seq, vaddr, paddr, size). Their sections are named by
    role (0: the set CPU c runs on, 1: its other one), or with the
    entries' seq s for a CPU whose task the header names (a panic)."""
    s = s if role is None else role
    out = [("KTASK%d" % c, s, t.task_va, t.task_pa, TASK_SIZE)]
    for i, pa in enumerate(t.stack_pas):
        out.append(("KSTACK%d_%d" % (c, i), s, t.stack_va + i * CHUNK, pa,
                    CHUNK))
    return out


def check_core(g, path, hdr_loads, added):
    """dump.elf: the header's PT_LOADs, then added, each with the bytes
    the guest's RAM holds at its address; names in its sections."""
    data = read(path)
    _, phs, names = G.parse_core(data)
    want = [(l.name, l.seq, l.vaddr, l.paddr, l.size) for l in hdr_loads]
    want += added
    got = [(n, s, ph[3], ph[4], ph[5]) for (n, s), ph in zip(names,
                                                           phs[1:])]
    check(len(phs) == 1 + len(want) and got == want,
          "PT_LOADs\n got %s\nwant %s" % (
              [(n, s, hex(v), hex(p), hex(z)) for n, s, v, p, z in got],
              [(n, s, hex(v), hex(p), hex(z)) for n, s, v, p, z in want]))
    for ph, (name, seq, _, pa, size) in zip(phs[1:], want):
        check(ph[0] == G.PT_LOAD and ph[5] == ph[6], ph)
        check(data[ph[2]:ph[2] + size] == g.slice(pa, size),
              "bytes of %s seq %d" % (name, seq))
    return data


def check_info_pids(elf, pids, why):
    """mdfw info's CPU lines name each pr_pid for a person: "idle
    (swapper/N)" for an idle CPU's synthetic pid, "pid unknown (another
    CPU's)" for a clash, "pid N" for a task; the synthetic numbers never
    show."""
    r = run(["info", elf])
    for c, p in enumerate(pids):
        who = ("idle (swapper/%d)" % c if p == PID_SYNTH + c else
               "pid unknown (another CPU's)" if p == PID_CLASH + c else
               "pid %d" % p)
        check(re.search(r"^  cpu %-4d .* %s +rip 0x" % (c, re.escape(who)),
                        r.stdout, re.M), "%s: cpu %d not '%s' in mdfw "
              "info:\n%s" % (why, c, who, r.stdout))
    check(not re.search(r"\b(4194|4198)\d{3}\b", r.stdout),
          "%s: a synthetic pid in mdfw info:\n%s" % (why, r.stdout))


def pids_of(path):
    import test_cpuregs as C
    return [struct.unpack_from("<I", d, 32)[0]
            for n, t, d in C.notes_of(path) if n == b"CORE" and t == 1]


def dump_elf_adds_usable_sets():
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = build(tmp, scenario())
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        first_err = r.stderr
        # Duplicates and overlaps of CPU-set entries are legal.
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        st = {(x[1], int(x[2])): x[5] for x in rows}
        check(all(v == "ok" for k, v in st.items()
                  if k != ("KTASK1", 1)) and st[("KTASK1", 1)] ==
              "invalid-marker", st)
        check(": overlap:" not in r.stderr, r.stderr)
        # ... the INVA set's stack was copied like any VALI entry.
        check(read(os.path.join(g.out, "md_KSTACK1_2@1.BIN")) ==
              g.slice(C.stack_pas[2], CHUNK), "md file of an INVA set")
        # CPU 0's set 1 (B), VALI with an odd seq, is used. Without
        # registers each CPU runs on the set it published last: CPU 0 on
        # B, CPU 1 on A. Running sets come first: CPU 0's older copy of
        # A adds nothing.
        added = set_loads(0, 1, B, 0) + set_loads(1, 0, A, 0)
        out = os.path.join(g.out, "dump.elf")
        first = check_core(g, out, loads, added)
        for want in ("cpu 0 set 0: task 0x%x (pid 100) overlaps cpu 1 set "
                     "0's KTASK1" % A.task_va,
                     "cpu 1 set 1: not live (no valid KTASK1 seq 1"):
            check(want in r.stderr, "no %r in\n%s" % (want, r.stderr))
        check("cpu 0 set 1" not in r.stderr and "odd" not in r.stderr,
              r.stderr)
        check("running set found by stack pointer on 0 of 2 CPUs" in
              r.stdout, r.stdout)
        check("cpu_sets: 2 CPUs, 3 of 4 sets usable, 10 PT_LOADs added"
              in r.stdout and "2 of 2 PT_LOADs + 10 from CPU sets" in
              r.stdout, r.stdout)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["cpu_sets"] == "ok" and kv["cpu_sets_cpus"] == "2" and
              kv["cpu_sets_usable"] == "3" and kv["cpu_sets_loads"] ==
              "10" and kv["elf"] == "ok" and kv["elf_loads"] == "2", kv)
        # Regions not staged in memory (MDFW_TEST_STAGE_MAX: none, or
        # only the first few): copied straight to their md files and
        # dump.elf built from those, byte for byte the same capture.
        files = {f: read(os.path.join(g.out, f)) for f in os.listdir(g.out)
                 if f != "capture.txt"}
        for most in ("0", "0x3000"):
            env = dict(os.environ, MDFW_TEST_STAGE_MAX=most)
            r = g.extract(env=env)
            check(r.returncode == 0 and r.stderr == first_err,
                  "stage %s: rc %d %s" % (most, r.returncode, r.stderr))
            check({f: read(os.path.join(g.out, f))
                   for f in os.listdir(g.out) if f != "capture.txt"} ==
                  files, "stage %s: another capture" % most)
        r = g.extract()
        check(r.returncode == 0 and read(out) == first, r.stderr)
        # mdfw elf --dir: the same core from the md files.
        os.unlink(out)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 0 and read(out) == first,
              "elf --dir: rc %d %s" % (r.returncode, r.stderr))
        check("2 of 2 PT_LOADs + 10 from CPU sets" in r.stdout and
              "cpu_sets: 2 CPUs" in r.stdout, r.stdout)
        # An md file of a set missing: that set is skipped, with a
        # warning; CPU 0's set 0 (the same task) is added instead, CPU
        # 1 then has no set, CPU 0's older one is named @1.
        os.rename(os.path.join(g.out, "md_KSTACK1_2.BIN"),
                  os.path.join(tmp, "moved"))
        os.unlink(out)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 0 and "md_KSTACK1_2.BIN: No such file or "
              "directory; its CPU set is not added" in r.stderr and
              "cpu 1 set 0: KSTACK1_2 seq 0 was not dumped" in r.stderr,
              "rc %d %s" % (r.returncode, r.stderr))
        check_core(g, out, loads, set_loads(0, 1, B, 0) +
                   set_loads(0, 0, A, 1))
        os.rename(os.path.join(tmp, "moved"),
                  os.path.join(g.out, "md_KSTACK1_2.BIN"))
        check(run(["elf", "--dir", g.out]).returncode == 0 and
              read(out) == first, "elf --dir differs")
        # mdfw info lists them with their names.
        r = run(["info", "--check", out])
        check(r.returncode == 0, r.stdout + r.stderr)
        for name in ("KTASK0", "KSTACK0_3"):
            check(any(l.split()[1:3] == [name, "0"]
                      for l in r.stdout.splitlines()
                      if l.strip()[:1].isdigit()), name + r.stdout)
        rt = [l for l in r.stdout.splitlines()
              if l.startswith("  running tasks")]
        check(rt and " yes " in rt[0], rt)
        # A concatenation of the md files in table order: the header's
        # regions as it says, the CPU sets' bytes after, undescribed.
        cat = os.path.join(tmp, "cat.elf")
        _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
        with open(cat, "wb") as f:
            for x in rows:
                if x[5] == "ok":
                    f.write(read(os.path.join(g.out, x[6])))
        r = run(["info", "--check", cat])
        check(r.returncode == 0 and "2 PT_LOAD" in r.stdout, r.stdout +
              r.stderr)
        check(not [l for l in r.stdout.splitlines() if "KTASK" in l and
                   "running tasks" not in l], r.stdout)


def max_bytes_counts_the_sets():
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = build(tmp, scenario())
        check(g.extract().returncode == 0)
        out = os.path.join(g.out, "dump.elf")
        elf = os.path.getsize(out)
        os.unlink(out)
        r = run(["elf", "--dir", g.out, "--max-bytes", str(elf - 1)])
        check(r.returncode == 4 and not os.path.exists(out), r.stderr)
        r = run(["elf", "--dir", g.out, "--max-bytes", str(elf)])
        check(r.returncode == 0 and os.path.getsize(out) == elf, r.stderr)


def pr_pid_from_the_stack():
    """The kernel's crash notes (registers) and the sets: pr_pid is the
    pid of the set whose stack holds the CPU's rsp."""
    even = scenario()
    even[0]["sets"][1] = Set(B, 6)
    gone = scenario()
    gone[0]["sets"][1] = Set(B, 6, live=False)
    # (cpus, kernel pids, rsps, expected pids, why)
    cases = [
        (scenario(), (250, 77), (A.sp(), 0xffffffff8f000000), [100, 77],
         "rsp in the older live set's stack; the other outside any"),
        (scenario(), (250, 77), (B.sp(), A.sp(0x10)), [200, 100],
         "B's set, VALI with an odd seq, is used; CPU 1's own set holds A"),
        (gone, (250, 77), (B.sp(), A.sp(0x10)), [250, 100],
         "B's set is INVA: the kernel's pid"),
        (even, (250, 77), (B.sp(), A.sp(0)), [200, 100],
         "the newest set; the set that added no PT_LOAD counts too"),
        (scenario(), (250, 100), (A.sp(P * CHUNK - 8), 0x1000),
         [PID_CLASH, PID_CLASH + 1],
         "a pid two CPUs hold: both made unique"),
        (scenario(), (250, 77), (A.stack_va + P * CHUNK, 0x1000),
         [250, 77], "just past the stack"),
    ]
    for cpus, kpids, sps, want, why in cases:
        with tempfile.TemporaryDirectory() as tmp:
            g, _ = build(tmp, cpus, notes=kernel_notes(kpids, sps))
            r = g.extract()
            check(r.returncode == 0, "%s: rc %d %s" % (why, r.returncode,
                                                       r.stderr))
            out = os.path.join(g.out, "dump.elf")
            check(pids_of(out) == want, "%s: pids %s, want %s" % (
                why, [hex(p) for p in pids_of(out)], want))
            check_info_pids(out, want, why)
            first = read(out)
            os.unlink(out)
            check(run(["elf", "--dir", g.out]).returncode == 0 and
                  read(out) == first, why + ": elf --dir differs")
    # No registers: the kernel's notes as they are (no MDFW note).
    with tempfile.TemporaryDirectory() as tmp:
        notes = kernel_notes((0, 0))
        g, _ = build(tmp, scenario(), notes=notes)
        check(g.extract().returncode == 0)
        data = read(os.path.join(g.out, "dump.elf"))
        _, phs, _ = G.parse_core(data)
        check(data[phs[0][2]:phs[0][2] + phs[0][5]] ==
              G.generation_note(5) + b"".join(notes),
              "notes changed without registers")


def pr_pid_from_firmware_registers():
    """capture: QEMU's registers (the kernel saved none); CPU 0's rsp in
    its older set's stack."""
    import test_cpuregs as C
    from test_qmp import capture, finish
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = build(tmp, scenario())
        regs = [C.qemu_regs(c) for c in range(2)]
        regs[0][RSP] = A.sp(0x123)
        q = C.RegsQemu(os.path.join(tmp, "qmp"), regs_elf=C.qemu_elf(
            notes=[G.prstatus(c + 1, regs[c]) for c in range(2)]))
        q.start()
        rc, out, err = finish(capture(g, q.path, "--quit"), q)
        check(rc == 0, "rc %d %s" % (rc, err))
        elf = os.path.join(g.out, "dump.elf")
        check(pids_of(elf) == [100, PID_SYNTH + 1], pids_of(elf))
        check_info_pids(elf, [100, PID_SYNTH + 1], "firmware registers")
        check("cpu_sets: 2 CPUs, 3 of 4 sets usable, 10 PT_LOADs" in out,
              out)
        first = read(elf)
        os.unlink(elf)
        r = run(["elf", "--dir", g.out])
        check(r.returncode == 0 and read(elf) == first, r.stderr)


def good_cpus():
    """Both CPUs with one usable set: CPU 0 set 0 (A), CPU 1 set 1 (B)."""
    return [dict(cur=0, sets=[Set(A, 2), Set(B, 2, live=False)]),
            dict(cur=1, sets=[Set(C, 2, live=False), Set(B, 4)])]


def patched_desc(rec, off, fmt, *vals):
    d = bytearray(descriptor(good_cpus()))
    struct.pack_into(fmt, d, 64 * rec + off, *vals)
    return bytes(d)


def skipped_and_hostile_sets():
    """Each variant spoils CPU 0's usable set (or the descriptor): the set
    is skipped with its reason on stderr, the rest of dump.elf is
    written, the exit code does not change."""
    # Each CPU's only usable set is the one it runs on: sections seq 0.
    both = set_loads(0, 0, A) + set_loads(1, 1, B, 0)
    cpu1 = set_loads(1, 1, B, 0)
    ents = set_entries(good_cpus())

    def ent(name, seq, **kw):
        out = []
        for e in ents:
            if e[:2] == (name, seq):
                d = dict(e[4]) if len(e) > 4 else {}
                d.update(kw.pop("fields", {}))
                e = (name, seq, kw.get("addr", e[2]), kw.get("size", e[3]),
                     d)
            out.append(e)
        return out

    rec = G.cpu_record(0, 0, P, [(A.task_va, A.stack_va, 1, 2)] * 2)
    variants = [
        ("good", {}, both, None),
        ("wrong magic", dict(desc=patched_desc(0, 0, "<I", 0x4b435055)),
         cpu1, "cpu 0 set 0: record 0 has magic 0x4b435055, not KCPU"),
        ("cpu field", dict(desc=patched_desc(0, 4, "<I", 7)), cpu1,
         "cpu 0 set 0: record 0 says cpu 7"),
        ("huge P", dict(desc=patched_desc(0, 12, "<I", 0xffffffff)), cpu1,
         "cpu 0 set 0: stack_chunks 4294967295 is not 1..64"),
        ("P 65", dict(desc=patched_desc(0, 12, "<I", 65)), cpu1,
         "cpu 0 set 0: stack_chunks 65 is not 1..64"),
        ("P 0", dict(desc=patched_desc(0, 12, "<I", 0)), cpu1,
         "cpu 0 set 0: stack_chunks 0 is not 1..64"),
        ("P 3 but 4 chunks", dict(desc=patched_desc(0, 12, "<I", 3)), cpu1,
         "cpu 0 set 0: KSTACK0_3 seq 0 exists, but stack_chunks is 3"),
        ("task 0", dict(desc=patched_desc(0, 16, "<Q", 0)), cpu1,
         "cpu 0 set 0: task address is 0"),
        ("odd seq: used (a halted machine)",
         dict(desc=patched_desc(0, 16 + 20, "<I", 3)), both, None),
        ("stack wraps", dict(desc=patched_desc(0, 24, "<Q", 2**64 - 0x2000)),
         cpu1, "cpu 0 set 0: stack at 0xffffffffffffe000: 4 chunks"),
        ("task wraps", dict(desc=patched_desc(0, 16, "<Q", 2**64 - 0x100)),
         cpu1, "cpu 0 set 0: task [0xffffffffffffff00, +0x2800) wraps"),
        ("task in the stack", dict(desc=patched_desc(
            0, 16, "<Q", A.stack_va + 0x100)), cpu1,
         "cpu 0 set 0: task [0x%x, +0x2800) and stack" %
         (A.stack_va + 0x100)),
        ("chunk sizes differ", dict(entries=ent("KSTACK0_2", 0,
                                                size=0x800)), cpu1,
         "cpu 0 set 0: KSTACK0_2 seq 0 is 0x800 bytes, chunk 0 0x1000"),
        ("chunk INVA", dict(entries=ent("KSTACK0_1", 0, fields={
            "valid": INVA})), cpu1,
         "cpu 0 set 0: KSTACK0_1 seq 0 is not a valid entry"),
        ("chunk not dumped", dict(entries=ent("KSTACK0_1", 0,
                                              addr=0xd0000000)), cpu1,
         "cpu 0 set 0: KSTACK0_1 seq 0 was not dumped"),
        ("task not dumped", dict(entries=ent("KTASK0", 0,
                                             addr=0xd0000000)), cpu1,
         "cpu 0 set 0: KTASK0 seq 0 (index 3) was not dumped"),
        ("leading zero", dict(entries=ent("KTASK0", 0) + [
            ("KTASK00", 0, B.task_pa, TASK_SIZE)]), both, None),
        ("size not a multiple of 64", dict(
            desc=descriptor(good_cpus()) + bytes(36)), [],
         "cpu_sets: 0xa4 bytes: not a whole number of 64-byte records; "
         "no CPU set is added to dump.elf"),
        ("4097 records", dict(desc=rec * 4097), [],
         "cpu_sets: 0x40040 bytes: more than 4096 records"),
        ("not dumped", dict(desc_at=T.GIB4 + 0x800000 - 64), [],
         "cpu_sets: its entry (index 2) was not dumped"),
        ("no descriptor", dict(with_desc=False), [],
         "cpu_sets: 18 valid CPU-set entries (KTASK, KSTACK) but no valid "
         "cpu_sets seq 0 entry"),
    ]
    for why, kw, added, msg in variants:
        with tempfile.TemporaryDirectory() as tmp:
            g, loads = build(tmp, good_cpus(), **kw)
            r = g.extract()
            bad = [x for x in read_manifest(os.path.join(
                g.out, "manifest.tsv"))[1] if x[5] not in (
                    "ok", "invalid-marker")]
            rc = 4 if bad else 0
            check(r.returncode == rc, "%s: rc %d, want %d: %s" % (
                why, r.returncode, rc, r.stderr))
            lines = [l for l in r.stderr.splitlines() if l.startswith((
                "mdfw: cpu ", "mdfw: cpu_sets:"))]
            # The INVA sets, always; then the variant's reason.
            want = ["mdfw: cpu 0 set 1: not live (no valid KTASK0 seq 1 "
                    "entry); skipped", "mdfw: cpu 1 set 0: not live (no "
                    "valid KTASK1 seq 0 entry); skipped"]
            if msg and msg.startswith("cpu_sets:"):
                want = ["mdfw: " + msg]
            elif msg and "record 0" in msg:     # both sets of CPU 0
                want[0] = "mdfw: " + msg.replace("set 0", "set 1")
                want.insert(0, "mdfw: " + msg)
            elif msg:
                want.insert(0, "mdfw: " + msg)
            check(len(lines) == len(want) and all(
                w in l for w, l in zip(want, lines)), "%s: stderr\n%s\n"
                "want\n%s" % (why, "\n".join(lines), "\n".join(want)))
            hdr = [l for l in loads if l.paddr < T.BELOW]
            check_core(g, os.path.join(g.out, "dump.elf"), hdr, added)
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            check(kv["cpu_sets_loads"] == str(len(added)) and
                  kv["cpu_sets"] == ("unusable" if want[0].startswith(
                      "mdfw: cpu_sets:") else "ok"), (why, kv))


def many_records_few_lines():
    """4096 CPUs whose sets are all unusable: the work is bounded and
    stderr gets 16 lines about sets, then one that counts the rest."""
    with tempfile.TemporaryDirectory() as tmp:
        desc = descriptor(good_cpus()) + b"".join(G.cpu_record(
            c, 0, P, [(A.task_va, A.stack_va, 1, 2)] * 2)
            for c in range(2, 4096))
        g, _ = build(tmp, good_cpus(), desc=desc)
        r = g.extract()
        check(r.returncode == 0, r.stderr)
        lines = [l for l in r.stderr.splitlines() if "skipped" in l]
        check(len(lines) == 16, "%d lines" % len(lines))
        check("cpu_sets: 8174 more lines about sets not shown" in r.stderr,
              r.stderr[-300:])
        check("cpu_sets: 4096 CPUs, 2 of 8192 sets usable, 10 PT_LOADs"
              in r.stdout, r.stdout)


def panic_regions_and_a_live_set():
    """At panic the kernel registers each CPU's current task and stack as
    regions KTASK<c>, KSTACK<c>_<i> seq 0, which its header describes;
    CPU 1 keeps a live set 1. The regions are the header's (in dump.elf
    once, not a set's); the live set is added; the same entries that the
    header does not describe are CPU-set entries, as before a panic."""
    # CPU 0: no entries (both sets withdrawn). CPU 1: set 0 names A
    # (stale: A's task and stack are regions now), set 1 B, live.
    cpus = [dict(cur=0, sets=[Set(C, 2), Set(C, 2)]),
            dict(cur=1, sets=[Set(A, 2), Set(B, 4)])]
    regions = set_loads(1, 0, A)
    live = set_loads(1, 1, B)
    ent = [(n, s, pa, size) for n, s, _, pa, size in regions + live]
    # Table order: regions, the live set between them, regions again.
    tail = ent[:3] + ent[5:] + ent[3:5]
    swapped = [regions[1], regions[0]] + regions[2:]
    not_live = ["mdfw: cpu 0 set 0: not live (no valid KTASK0 seq 0 "
                "entry); skipped", "mdfw: cpu 0 set 1: not live (no valid "
                "KTASK0 seq 1 entry); skipped"]
    cpu1_set0 = ("mdfw: cpu 1 set 0: not live (no valid KTASK1 seq 0 "
                 "entry); skipped")
    # (why, header's set-named regions, PT_LOADs added, skipped sets)
    cases = [
        ("regions in the header", regions, live,
         not_live + [cpu1_set0]),
        ("not in the header: CPU 1's set 0, named by role", (),
         set_loads(1, 1, B, 0) + set_loads(1, 0, A, 1), not_live),
        ("only KTASK1 in the header: its stack a set's, set 0 not live",
         regions[:1], live, not_live + [cpu1_set0]),
    ]
    for why, regs, added, skipped in cases:
        with tempfile.TemporaryDirectory() as tmp:
            g, loads = build(tmp, cpus, entries=tail, regions=regs)
            r = g.extract()
            check(r.returncode == 0, "%s: rc %d %s" % (why, r.returncode,
                                                       r.stderr))
            n = 2 + len(regs)
            check("header: generation 5, %d loads, consistent" % n in
                  r.stdout and "%d of %d PT_LOADs + %d from CPU sets" %
                  (n, n, len(added)) in r.stdout and "cpu_sets: 2 CPUs, "
                  "%d of 4 sets usable, %d PT_LOADs added" %
                  (4 - len(skipped), len(added)) in r.stdout,
                  "%s: %s" % (why, r.stdout))
            lines = [l for l in r.stderr.splitlines()
                     if l.startswith("mdfw: cpu")]
            check(lines == skipped, "%s: stderr\n%s" % (why, r.stderr))
            for word in ("unusable", "duplicate", "overlaps",
                         "INCONSISTENT", "warning"):
                check(word not in r.stderr, "%s: %s" % (why, r.stderr))
            _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
            check(all(x[5] == "ok" for x in rows), rows)
            # A region's md file is md_<name>.BIN like any seq 0 one.
            check(read(os.path.join(g.out, "md_KTASK1.BIN")) ==
                  g.slice(A.task_pa, TASK_SIZE) and
                  read(os.path.join(g.out, "md_KSTACK1_3@1.BIN")) ==
                  g.slice(B.stack_pas[3], CHUNK), why)
            out = os.path.join(g.out, "dump.elf")
            first = check_core(g, out, loads, added)
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            check(kv["elf"] == "ok" and kv["elf_loads"] == str(n) and
                  kv["cpu_sets_loads"] == str(len(added)), (why, kv))
            r = g.extract(env=dict(os.environ, MDFW_TEST_STAGE_MAX="0"))
            check(r.returncode == 0 and read(out) == first,
                  "%s: not staged: rc %d %s" % (why, r.returncode,
                                                r.stderr))
            os.unlink(out)
            r = run(["elf", "--dir", g.out])
            check(r.returncode == 0 and read(out) == first and
                  "header: generation 5, %d loads, consistent" % n in
                  r.stdout and not [l for l in r.stderr.splitlines()
                                    if l.startswith("mdfw: cpu") and
                                    l not in skipped],
                  "%s: elf --dir: rc %d %s" % (why, r.returncode,
                                               r.stderr))
            r = run(["info", "--check", out])
            check(r.returncode == 0, "%s: %s" % (why, r.stdout + r.stderr))
    # Described out of table order: the header's KSTACK1_0 is not the
    # KTASK1 entry's; inconsistent as for any region.
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = build(tmp, cpus, entries=tail, regions=swapped)
        r = g.extract()
        check(r.returncode == 5 and "INCONSISTENT: PT_LOAD 4 (KTASK1 "
              "seq 0) has no valid table entry" in r.stderr and
              not os.path.exists(
                  os.path.join(g.out, "dump.elf")),
              "rc %d %s" % (r.returncode, r.stderr))


def one_chunk_stack_aliases():
    """A stack kept in one 16 KiB chunk (x86-64 and the arm64 board): the
    running set's KSTACK0_0 PT_LOAD gets three more sections, KSTACK0_1..3
    at its pages 1-3, what the vendor parser reads; mdfw info --check
    accepts them and refuses any that is not inside its stack."""
    D = Task(400, 0x60000, [0x70000], VMAP + 0x400000)
    size = 4 * CHUNK
    cpus = [dict(cur=0, chunks=1, sets=[Set(D, 2), Set(D, 2, live=False)])]
    ents = [("KTASK0", 0, D.task_pa, TASK_SIZE),
            ("KSTACK0_0", 0, D.stack_pas[0], size)]
    with tempfile.TemporaryDirectory() as tmp:
        g, loads = build(tmp, cpus, entries=ents)
        r = g.extract()
        check(r.returncode == 0, "rc %d %s" % (r.returncode, r.stderr))
        out = os.path.join(g.out, "dump.elf")
        data = bytearray(read(out))
        eh, phs, names = G.parse_core(data)
        shoff, shnum = eh[6], eh[12]
        nl = len(phs) - 1
        check(nl == len(loads) + 2 and shnum == 4 + nl + 3 and
              names[nl:] == [("KSTACK0_%d" % i, 0) for i in (1, 2, 3)],
              (nl, shnum, names))
        stack = phs[1 + names.index(("KSTACK0_0", 0))]
        check(stack[3] == D.stack_va and stack[5] == size, stack)
        for i in (1, 2, 3):
            sh = G.SHDR.unpack_from(data, shoff + 64 * (4 + nl + i - 1))
            # (name, type, flags, addr, offset, size)
            check(sh[1] == 1 and sh[3] == D.stack_va + i * CHUNK and
                  sh[4] == stack[2] + i * CHUNK and sh[5] == CHUNK, sh)
            check(data[sh[4]:sh[4] + CHUNK] ==
                  g.slice(D.stack_pas[0] + i * CHUNK, CHUNK), "page %d" % i)
        r = run(["info", "--check", out])
        check(r.returncode == 0 and "aliases: 3 (KSTACK<c>_<i>" in r.stdout,
              r.stdout + r.stderr)
        # Spoiled, one field at a time: mdfw info --check refuses.
        last = shoff + 64 * (4 + nl + 2)
        bad = [("sh_addr", 16, "<Q", D.stack_va + 3 * CHUNK + 8,
                "is not inside PT_LOAD KSTACK0_0"),
               ("sh_size", 32, "<Q", CHUNK + 1,
                "is not inside PT_LOAD KSTACK0_0"),
               ("sh_type", 4, "<I", 8, "is not an alias"),
               ("sh_name: KSTACK0_1's", 0, "<I", G.SHDR.unpack_from(
                   data, last - 128)[0], "KSTACK0_1 is named twice"),
               ("sh_name: KSTACK0_0's", 0, "<I", G.SHDR.unpack_from(
                   data, shoff + 64 * (4 + names.index(("KSTACK0_0", 0))))[0],
                "is not an alias")]
        for why, off, fmt, val, msg in bad:
            spoiled = bytearray(data)
            struct.pack_into(fmt, spoiled, last + off, val)
            path = os.path.join(tmp, "spoiled.elf")
            with open(path, "wb") as f:
                f.write(spoiled)
            r = run(["info", "--check", path])
            check(r.returncode != 0 and msg in r.stdout + r.stderr,
                  "%s: rc %d %s" % (why, r.returncode, r.stdout + r.stderr))


def help_names_cpu_sets():
    r = run(["elf", "--help"])
    check(r.returncode == 0 and "KTASK<c>" in r.stdout and
          "KSTACK<c>_<i>" in r.stdout and "cpu_sets" in r.stdout and
          "pr_pid" in r.stdout and "that the header describes" in
          r.stdout, r.stdout)
    r = run(["--help"])
    check("cpu_sets" in r.stdout and "CPU sets" in r.stdout, r.stdout)


if __name__ == "__main__":
    tap = Tap()
    for t in (dump_elf_adds_usable_sets, max_bytes_counts_the_sets,
              pr_pid_from_the_stack, pr_pid_from_firmware_registers,
              skipped_and_hostile_sets, many_records_few_lines,
              panic_regions_and_a_live_set, one_chunk_stack_aliases,
              help_names_cpu_sets):
        tap.run(t)
    tap.exit()
