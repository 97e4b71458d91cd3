#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of `make bench` (scripts/bench.sh).

  bench-report.py timed RESULT.json OUTFILE [--fixup ELF] -- CMD...
  bench-report.py fixup ELF
  bench-report.py check RUNDIR VMLINUX
  bench-report.py report OUTDIR VMLINUX --sizes "256M 1G 4G" --runs 5 --elapsed S
                 [--freezes "panic lockup" --crashkernel 96M --ramoops 0x100000 --smoke 1]
  bench-report.py smoke OUTDIR       (after report: every method produced a dump)
  bench-report.py kernel-section RESULTS.md
                 (bench.sh --kernel: print the kernel-side section, its targets)
  bench-report.py watch DIR OUT.json TIMEOUT_S [STOPFILE]
                 (inotify: the wall-clock time each file of DIR is renamed
                 into place, until "dump" (mdfw's capture directory) or
                 capture.txt, STOPFILE or the timeout)
  bench-report.py capture-report OUTDIR --sizes S --runs N --freezes F --kernel K
                 (bench.sh --capture: OUTDIR/capture.md)
  bench-report.py floor CAPDIR PARENT OUT.json
                 (the disk's floor on the capture's bytes: one file written
                 and fsynced once, plus its directory's fsync)
"""
import json
import re
import statistics
import struct
import os
import subprocess
import sys
import time

from fsync import fsync_path


def cmd_timed(argv):
    """Run CMD, fsync OUTFILE and its directory; time it all (monotonic)."""
    result, outfile = argv[0], argv[1]
    cmd = argv[argv.index("--") + 1:]
    fix = argv[argv.index("--fixup") + 1] if "--fixup" in argv[:argv.index("--")] else None
    if os.path.exists(outfile):
        os.unlink(outfile)  # makedumpfile refuses to overwrite
    t0 = time.monotonic()
    if fix:
        elf_fixup(fix)
    p = subprocess.run(cmd)
    t1 = time.monotonic()
    ok = p.returncode == 0 and os.path.exists(outfile)
    if ok:
        fsync_path(outfile)
        fsync_path(os.path.dirname(os.path.abspath(outfile)), directory=True)
    t2 = time.monotonic()
    res = {"ok": ok, "rc": p.returncode, "ms": (t2 - t0) * 1e3,
           "run_ms": (t1 - t0) * 1e3, "fsync_ms": (t2 - t1) * 1e3,
           "bytes": os.path.getsize(outfile) if ok else 0, "cmd": cmd}
    with open(result, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return 0 if ok else 1


def elf_fixup(path):
    """Make QEMU 7.2's ELF dump readable by makedumpfile 1.7.2, in place.

    QEMU 7.2 writes [ELF header][section headers][program headers][notes]
    ...; makedumpfile 1.7.2 reads the program headers right after the ELF
    header (as in /proc/vmcore) and finds no PT_LOAD. Move the program
    headers up to offset 64 and drop the (empty) section headers; nothing
    else moves. Returns True if the file was changed.
    """
    with open(path, "r+b") as f:
        eh = bytearray(f.read(64))
        if eh[:4] != b"\x7fELF" or eh[4] != 2:
            raise ValueError(f"{path}: not ELF64")
        phoff, shoff = struct.unpack_from("<QQ", eh, 32)
        _, phentsize, phnum = struct.unpack_from("<HHH", eh, 52)
        if phoff == 64:
            return False
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
        struct.pack_into("<QQ", eh, 32, 64, 0)
        struct.pack_into("<HHHHHH", eh, 52, 64, phentsize, phnum, 0, 0, 0)
        f.seek(0)
        f.write(bytes(eh) + ph)
    return True


def host_state():
    """Host load and dirty page cache now: fsync latency depends on them."""
    h = {}
    try:
        h["load1"] = float(open("/proc/loadavg").read().split()[0])
        for l in open("/proc/meminfo"):
            k, v = l.split(":", 1)
            if k in ("Dirty", "Writeback"):
                h[k.lower() + "_kb"] = int(v.split()[0])
    except (OSError, ValueError):
        pass
    return h


def cmd_watch(argv):
    """Stamp every file renamed into DIR (IN_MOVED_TO) or closed after
    writing there (IN_CLOSE_WRITE) with time.time(): the wall clock, which
    QEMU's QMP event timestamps use too. mdfw's capture is atomic: it
    writes everything into a private directory, syncs it and renames it
    to its name in DIR (the run directory): the rename of "dump" is the
    moment the capture appears, synced (the parent's fsync follows)."""
    import ctypes
    import select
    d, out, timeout = argv[0], argv[1], float(argv[2])
    stop = argv[3] if len(argv) > 3 else None
    libc = ctypes.CDLL(None, use_errno=True)
    IN_CLOSE_WRITE, IN_MOVED_TO = 0x8, 0x80
    fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
    if fd < 0 or libc.inotify_add_watch(fd, d.encode(), IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
        print("inotify:", os.strerror(ctypes.get_errno()), file=sys.stderr)
        return 1
    res = {"moved": {}, "closed": {}, "watch_start": time.time()}
    end = time.monotonic() + timeout
    done = False
    while not done and time.monotonic() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if not r:
            if stop and os.path.exists(stop):
                break
            continue
        now = time.time()
        if "host" not in res:   # what else the host's disk is doing
            res["host"] = host_state()
        try:
            buf = os.read(fd, 65536)
        except BlockingIOError:
            continue
        i = 0
        while i + 16 <= len(buf):
            _, mask, _, ln = struct.unpack_from("iIII", buf, i)
            name = buf[i + 16:i + 16 + ln].split(b"\0", 1)[0].decode(errors="replace")
            i += 16 + ln
            key = "moved" if mask & IN_MOVED_TO else "closed"
            res[key].setdefault(name, now)
            if key == "moved" and name in ("dump", "capture.txt"):
                done = True
    os.close(fd)
    with open(out, "w") as f:
        json.dump(res, f, indent=1)
    return 0


def cmd_floor(argv):
    """floor CAPDIR PARENT OUT.json: the disk's floor for one capture, on
    the same bytes: every region file CAPDIR/manifest.tsv lists as dumped,
    read into memory and concatenated, then timed: one new file in PARENT
    (the directory the capture was renamed into: the same file system)
    written and fsynced once, then PARENT fsynced. The file is removed
    afterwards."""
    cap, parent, out = argv[0], argv[1], argv[2]
    blob = []
    for row in manifest_rows(os.path.join(cap, "manifest.tsv")):
        if row[5] == "ok":
            with open(os.path.join(cap, row[6]), "rb") as f:
                blob.append(f.read())
    blob = b"".join(blob)
    name = os.path.join(parent, ".floor-%d.bin" % os.getpid())
    dfd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
    t = time.monotonic()
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    view = memoryview(blob)
    while view:
        view = view[os.write(fd, view):]
    os.fsync(fd)
    os.close(fd)
    os.fsync(dfd)
    ms = (time.monotonic() - t) * 1e3
    os.close(dfd)
    os.unlink(name)
    with open(out, "w") as f:
        json.dump({"floor_ms": ms, "bytes": len(blob), "host": host_state()}, f)
    print(f"floor: {len(blob)} bytes, {ms:.3f} ms")
    return 0


def manifest_rows(path):
    """The entry lines of an mdfw manifest.tsv, split on tabs."""
    rows = []
    for l in open(path):
        if not l.startswith("#") and not l.startswith("index\t"):
            rows.append(l.rstrip("\n").split("\t"))
    return rows


def cmd_fixup(argv):
    print("changed" if elf_fixup(argv[0]) else "unchanged")
    return 0

PANIC = "Kernel panic - not syncing: kmemdump scenario"
LOCKUP = "hard lockup: all CPUs spin"
# key, path in the run directory, label, reader ("crash": crash --minimal
# and, for ELF, drgn; "pstore": the record files)
DUMPS = [
    ("kmemdump", "dump/dump.elf", "kmemdump (mdfw)", "elf"),
    ("pstore", "share/pstore", "pstore/ramoops", "pstore"),
    ("kdump_lzo", "share/vmcore.lzo", "kdump + makedumpfile -d 31 -l", "crash"),
    ("kdump_elf", "share/vmcore.elf", "kdump + makedumpfile -d 31 -E", "elf"),
    ("full", "full.elf", "dump-guest-memory ELF", "elf"),
    ("d31elf", "d31.elf", "dump-guest-memory + makedumpfile -d 31 -E", "elf"),
    ("d31lzo", "d31.lzo", "dump-guest-memory + makedumpfile -d 31 -l", "crash"),
]

DRGN_CPUS = r'''
import sys, drgn
from drgn import Object
from drgn.helpers.linux.cpumask import for_each_online_cpu
from drgn.helpers.linux.percpu import per_cpu
prog = drgn.Program()
prog.set_core_dump(sys.argv[1])
prog.load_debug_info([sys.argv[2]])
n = ok = 0
slots = {}
try:  # kmemdump: the task each CPU ran, from its cpu<N>_task region
    sys.path.insert(0, sys.argv[4])
    import drgn_check
    slots = {c: ts[0][1] for c, ts in drgn_check.cpu_tasks(prog, sys.argv[1]).items()}
except Exception as e:
    print("no cpu<N>_task regions:", type(e).__name__, str(e)[:120])
try:
    cpus = list(for_each_online_cpu(prog))
except Exception as e:
    print("online CPUs unreadable:", type(e).__name__, str(e)[:120])
    cpus = sorted(slots)
for cpu in cpus:
    n += 1
    try:
        try:
            task = per_cpu(prog['runqueues'], cpu).curr
            task.pid.value_()
        except drgn.FaultError:
            task = slots[cpu]
        t = prog.stack_trace(task)
        print("cpu", cpu, " <- ".join(str(f.name) for f in t)[:300])
        ok += len(t) > 1
    except Exception as e:
        print("cpu", cpu, "no:", type(e).__name__, str(e)[:120])
print("CPUS", ok, n)
try:  # a runtime-only value, the one gdb is asked for too
    print("PRB", prog["prb"].desc_ring.head_id.counter.value_())
except Exception as e:
    print("PRB none", type(e).__name__, str(e)[:120])
if sys.argv[3] != "-":  # kmemdump: the panicking CPU's KTASK region, as the README shows
    try:
        t = prog.stack_trace(Object(prog, "struct task_struct *",
                                    value=drgn_check.panic_task(prog, sys.argv[1])))
        print("PANIC_TASK", len(t), " <- ".join(str(f.name) for f in t)[:300])
    except Exception as e:
        print("PANIC_TASK 0", type(e).__name__, str(e)[:120])
'''


def scenario_facts(run):
    """The marker string and the physical addresses of the marker and the
    first vmalloc page, from the guest's console."""
    text = open(os.path.join(run, "console.log"), errors="replace").read()
    f = {}
    m = re.search(r"kmd\.marker=(\S+)", text)
    f["marker"] = m[1] if m else None
    for what in ("marker", "vmalloc"):
        m = re.search(r"kmemdump_scenario: region \S+ (\d+) %s phys (0x[0-9a-f]+)" % what, text)
        if m:
            f[what + "_phys"] = int(m[2], 16)
            f[what + "_size"] = int(m[1])
    return f


def vpattern(n):
    return bytes((i * 131 + (i >> 12) * 17 + 7) & 0xff for i in range(n))


def crash_query(vmlinux, dump, facts):
    cmds = "log\nrd -a linux_banner\n"
    if facts.get("marker_phys"):
        cmds += "rd -p -a %#x\n" % facts["marker_phys"]
    if facts.get("vmalloc_phys"):
        cmds += "rd -p -8 %#x 16\n" % facts["vmalloc_phys"]
    p = subprocess.run(["crash", "--minimal", "-s", "--kaslr=auto", vmlinux, dump],
                       input=cmds + "quit\n", capture_output=True,
                       text=True, errors="replace", timeout=900)
    return p.stdout + p.stderr


def readable(out, facts, freeze):
    lines = out.splitlines()
    log = [l for l in lines if l.startswith("[")]
    want = PANIC if freeze == "panic" else LOCKUP
    r = {
        "log": any(want in l for l in log) and any("Linux version" in l for l in log),
        "log_lines": len(log),
        "log_last": log[-1][:160] if log else None,
        "banner": any(":  Linux version" in l for l in lines),
        "bt_text": any("Call Trace" in l for l in log) and any("freeze_write+" in l for l in log),
    }
    mk = facts.get("marker")
    r["marker"] = bool(mk) and mk in re.findall(r"[0-9a-f]+:  (KMEMDUMP-MARKER-\d+)", out)
    pat = vpattern(16)
    want_hex = " ".join("%02x" % b for b in pat[:8])
    r["vmalloc"] = any(want_hex in l for l in lines)
    return r


def drgn_cpus(core, vmlinux, kmemdump=False):
    # drgn's own interpreter (python3-drgn), which may not be the one running us
    py = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    args = [py, "-c", DRGN_CPUS, core, vmlinux, "kmemdump" if kmemdump else "-",
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "../tests/debuggers")]
    try:
        p = subprocess.run(args, capture_output=True, text=True, errors="replace", timeout=900)
        out = p.stdout + p.stderr
    except subprocess.TimeoutExpired:
        return 0, 0, "timeout"
    m = re.search(r"CPUS (\d+) (\d+)", out)
    ok, n = (int(m[1]), int(m[2])) if m else (0, 0)
    m = re.search(r"PANIC_TASK (\d+)", out)
    if m and int(m[1]) > 1:
        ok = max(ok, 1)
    return ok, n, out


def kernel_offset(core, run):
    """KASLR offset: VMCOREINFO's KERNELOFFSET= (a note near the start of
    the kdump and QEMU ELF files, a region of kmemdump's), else the
    panic's 'Kernel Offset:' console line."""
    with open(core, "rb") as f:
        m = re.search(rb"KERNELOFFSET=([0-9a-f]+)\n", f.read(16 << 20))
    if m:
        return int(m[1], 16)
    text = open(os.path.join(run, "console.log"), errors="replace").read()
    m = re.findall(r"Kernel Offset: (0x[0-9a-f]+) from", text)
    return int(m[0], 16) if m else None


_static = {}


def gdb_static(vmlinux):
    """The head ID's initial value in vmlinux: what gdb would print if it
    fell back to the file instead of the dump."""
    if vmlinux not in _static:
        p = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"file {vmlinux}",
                            "-ex", "p printk_rb_static.desc_ring.head_id.counter"],
                           capture_output=True, text=True, errors="replace", timeout=300)
        m = re.search(r"^\$1 = (-?\d+)$", p.stdout, re.M)
        _static[vmlinux] = int(m[1]) if m else None
    return _static[vmlinux]


def gdb_module(run, tmp):
    """gdb commands loading kmemdump_scenario's symbols at the addresses
    the guest printed (KMD-MODULE-SECTION lines): the .ko linked there, as
    tests/debuggers/check-dump.sh does."""
    text = open(os.path.join(run, "console.log"), errors="replace").read().replace("\r", "")
    secs = re.findall(r"^KMD-MODULE-SECTION: kmemdump_scenario (\S+) (0x[0-9a-f]+)", text, re.M)
    ko = os.path.join(os.path.dirname(os.path.dirname(run.rstrip("/"))), "snap-prod", "modules",
                      "kmemdump_scenario", "kmemdump_scenario.ko")
    if not secs or not os.path.exists(ko):
        return []
    lds = os.path.join(tmp, "mod.lds")
    with open(lds, "w") as f:
        f.write("SECTIONS {\n")
        for name, addr in secs:
            if name not in (".symtab", ".strtab"):
                f.write(f"  {name} {addr} : {{ *({name}) }}\n")
        f.write("  /DISCARD/ : { *(.modinfo) *(.comment) *(.note.GNU-stack) }\n}\n")
    elf = os.path.join(tmp, "mod.elf")
    p = subprocess.run(["ld", "-o", elf, "-T", lds, "--unresolved-symbols=ignore-all", "-e", "0",
                        "--no-warn-rwx-segments", ko], capture_output=True, text=True)
    return ["-ex", f"add-symbol-file {elf} -o 0"] if p.returncode == 0 else []


def gdb_read(core, vmlinux, run, facts, freeze, key):
    """What gdb 13 reads from an ELF dump: the printk ring's head ID (a
    runtime-only value: gdb silently takes .rodata it cannot find in the
    core from vmlinux, so a static symbol would prove nothing), the
    scenario's marker at page_offset_base + its physical address, and
    'thread apply all bt' with the kernel's code from a .text-only copy of
    vmlinux moved by KERNELOFFSET and the module linked where it was
    loaded. A thread counts as unwound when frame #0 is named and gdb found
    at least one named caller on the stack (inlined frames at the PC do not
    count); threads with identical frames count once (gdb can show one
    CPU's registers twice when a note's pr_pid is 0)."""
    import tempfile
    r = {}
    koff = kernel_offset(core, run)
    r["kaslr"] = hex(koff) if koff is not None else None
    koff = koff or 0
    with tempfile.TemporaryDirectory() as tmp:
        text = os.path.join(tmp, "text.elf")
        subprocess.run(["objcopy", "--only-section=.text", "--change-addresses", hex(koff),
                        vmlinux, text], capture_output=True)
        cmds = ["-ex", f"symbol-file {vmlinux} -o {koff:#x}", "-ex", f"core-file {core}",
                "-ex", "p prb->desc_ring.head_id.counter"]
        if facts.get("marker_phys"):
            cmds += ["-ex", f"x/s page_offset_base + {facts['marker_phys']:#x}"]
        p1 = subprocess.run(["gdb", "-batch", "-nx"] + cmds, capture_output=True, text=True,
                            errors="replace", timeout=900)
        p2 = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"symbol-file {vmlinux} -o {koff:#x}",
                             "-ex", f"exec-file {text}"] + gdb_module(run, tmp) +
                            ["-ex", f"core-file {core}", "-ex", "info threads",
                             "-ex", "thread apply all bt"],
                            capture_output=True, text=True, errors="replace", timeout=900)
    out1, out2 = p1.stdout + p1.stderr, p2.stdout + p2.stderr
    with open(os.path.join(run, f"gdb-{key}.log"), "w") as f:
        f.write(out1 + "\n---- thread apply all bt\n" + out2)
    m = re.search(r"^\$1 = (-?\d+)$", out1, re.M)
    r["prb_head"] = int(m[1]) if m else None
    r["prb_static"] = gdb_static(vmlinux)
    mk = facts.get("marker")
    r["marker"] = bool(mk) and bool(re.search(r':\s+"%s"' % re.escape(mk), out1))
    threads, cur = [], None
    for l in out2.splitlines():
        if re.match(r"^Thread \d+ ", l):
            cur = []
            threads.append(cur)
        elif cur is not None and re.match(r"^#\d+ ", l):
            # "0x... in f": a caller found on the stack; no address: frame
            # #0 or a function inlined into the frame below it.
            m = re.match(r"^#\d+\s+(0x[0-9a-f]+ in )?(\S+)", l)
            cur.append((m[2], bool(m[1])))
    # Unwound: frame #0 named and at least one named caller read from the stack.
    good = {tuple(n for n, _ in t) for t in threads
            if t and t[0][0] != "??" and any(a and n != "??" for n, a in t[1:])}
    r["threads"] = len(threads)
    r["bt"] = len(good)
    best = max(good, key=len) if good else ()
    r["bt_frames"] = " <- ".join(best)[:300]
    r["bt_panic"] = "panic" in best and "freeze_write" in best
    return r


def pstore_read(d, freeze):
    files = sorted(os.listdir(d)) if os.path.isdir(d) else []
    text = {f: open(os.path.join(d, f), errors="replace").read() for f in files}
    allt = "\n".join(text.values())
    con = next((t for f, t in text.items() if f.startswith("console")), "")
    want = PANIC if freeze == "panic" else LOCKUP
    cl = [l for l in con.splitlines() if l.startswith("[")]
    return {
        "files": {f: len(t) for f, t in text.items()},
        "bytes": sum(os.path.getsize(os.path.join(d, f)) for f in files),
        "log": want in allt and "Linux version" in allt,
        "log_first": cl[0][:160] if cl else None,
        "log_last": cl[-1][:160] if cl else None,
        "log_lines": len(cl),
        "panic_record": any(f.startswith("dmesg") for f in files),
        "panic_msg": PANIC in allt,
        "bt_text": "Call Trace" in allt and "freeze_write+" in allt,
        "banner": "Linux version" in allt,
        "marker": False, "vmalloc": False,
        "cpus": 1 if ("Call Trace" in allt and "freeze_write+" in allt) else 0,
    }


def cmd_check(argv):
    """What a user reads from each dump of RUNDIR (RUNDIR name: RAM-FREEZE-N):
    crash 8.0.2 --minimal (`log`, `rd -a linux_banner`, `rd -p` of the
    marker and of the first vmalloc page) on every dump crash opens, drgn
    (every online CPU's task unwound) on the ELF ones, the record files
    for pstore."""
    run, vmlinux = argv[0], argv[1]
    freeze = "lockup" if "-lockup-" in os.path.basename(run.rstrip("/")) else "panic"
    facts = scenario_facts(run)
    res = {"facts": facts}
    for key, rel, _, how in DUMPS:
        path = os.path.join(run, rel)
        if how == "pstore":
            res[key] = pstore_read(path, freeze)
            continue
        if not os.path.exists(path):
            res[key] = {"error": "missing"}
            continue
        out = crash_query(vmlinux, path, facts)
        with open(os.path.join(run, f"crash-{key}.log"), "w") as f:
            f.write(out)
        r = readable(out, facts, freeze)
        r["cpus"] = 1 if r["bt_text"] else 0
        r["cpus_how"] = "log text" if r["bt_text"] else ""
        if how == "elf":
            ok, n, dout = drgn_cpus(path, vmlinux, key == "kmemdump")
            with open(os.path.join(run, f"drgn-{key}.log"), "w") as f:
                f.write(dout)
            r["ncpus"] = n
            if ok > r["cpus"]:
                r["cpus"], r["cpus_how"] = ok, "drgn"
            m = re.search(r"^PRB (-?\d+)$", dout, re.M)
            g = r["gdb"] = gdb_read(path, vmlinux, run, facts, freeze, key)
            g["prb_drgn"] = int(m[1]) if m else None
            # runtime: gdb read the head ID from the dump, not vmlinux's
            # initial value, and drgn (if it could) read the same.
            g["runtime"] = (g["prb_head"] is not None and g["prb_head"] != g["prb_static"]
                            and g["prb_drgn"] in (None, g["prb_head"]))
        res[key] = r
    with open(os.path.join(run, "check.json"), "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return 0


def mib(size):
    units = {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 * 1024}
    return int(float(size[:-1]) * units[size[-1].upper()]) if size[-1].isalpha() else int(size) >> 20


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def load_kv(path):
    try:
        with open(path) as f:
            return dict(l.rstrip("\n").split("=", 1) for l in f if "=" in l)
    except OSError:
        return None


def manifest(path):
    """(registered bytes of every valid entry, bytes of kmemdump's own KELF_HEADER)."""
    total = header = 0
    try:
        rows = manifest_rows(path)
    except OSError:
        return None, None
    for r in rows:
        if len(r) < 6 or r[5] in ("invalid-marker",):
            continue
        size = int(r[4], 16)
        total += size
        if r[1] == "KELF_HEADER":
            header += size
    return total, header


def stats(xs):
    if not xs:
        return None
    return {"med": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def fmt_bytes(b):
    if b is None:
        return "-"
    for unit, div in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if b >= div:
            return f"{b / div:.3g} {unit}" if b / div < 1000 else f"{b / div:.0f} {unit}"
    return f"{b} B"


def fmt_ms(st):
    if not st:
        return "-"
    def one(v):
        return f"{v:.0f}" if v >= 100 else f"{v:.3g}"
    return f"{one(st['med'])} ms [{one(st['min'])}–{one(st['max'])}]"


def yn(v):
    return "-" if v is None else ("yes" if v else "no")


def kernel_bench(path):
    """rows, boot, info and the backend active before the module loaded
    (run.sh's KMD-REGIONS-BEFORE line) of one kernel-side boot."""
    rows, boot, backend = [], None, None
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return rows, boot, None, backend
    info = before = None
    for l in text.splitlines():
        m = re.search(r"KMD-BENCH op=(\S+) present=(\d+) n=(\d+)(?: median_ns=(\d+) min_ns=(\d+) max_ns=(\d+))?", l)
        if m:
            rows.append({"op": m[1], "present": int(m[2]), "n": int(m[3]),
                         "med": int(m[4]) if m[4] else None,
                         "min": int(m[5]) if m[5] else None,
                         "max": int(m[6]) if m[6] else None})
        m = re.search(r"KMD-BENCH table slots=(\d+) kernel_regions=(\d+) free=(\d+)", l)
        if m:
            info = {"slots": int(m[1]), "kernel": int(m[2]), "free": int(m[3])}
        # Slots a region with page-table pages of its own took (the vmalloc one).
        m = re.search(r"KMD-BENCH slots op=(\S+) present=(\d+) fillers=(\d+)", l)
        if m and info is not None:
            info.setdefault("slots_op", []).append({"op": m[1], "present": int(m[2]), "fillers": int(m[3])})
        m = re.search(r"kmemdump: (\d+) static regions registered in (\d+) ns", l)
        if m:
            boot = (int(m[1]), int(m[2]))
        m = re.search(r"KMD-REGIONS-BEFORE: (\d+)/\S*(?: backend (\S+))?", l)
        if m:
            before, backend = int(m[1]), m[2]
    if info is not None and before is not None:
        info["debugfs_before"] = before
    return rows, boot, info, backend


def memory(out, vmlinux, capacity, kernel="prod"):
    code = data = 0
    big = []
    try:
        for l in open(os.path.join(out, "runs", f"nm-{kernel}.txt")):
            f = l.split()
            if len(f) != 4:
                continue
            size, typ, name = int(f[1], 16), f[2], f[3]
            if "test" in name:  # the KUnit suites built into the test kernel
                continue
            if typ in "tTwW":
                code += size
            else:
                data += size
                big.append((size, name))
    except OSError:
        pass
    big.sort(reverse=True)
    table_size = None
    try:
        p = subprocess.run(["gdb", "-batch", "-nx", "-ex", "p sizeof(struct qcom_md_table)",
                            "-ex", "p sizeof(struct kmemdump_region)", vmlinux],
                           capture_output=True, text=True, timeout=120)
        vals = re.findall(r"\$\d+ = (\d+)", p.stdout)
        table_size = [int(v) for v in vals]
    except (OSError, subprocess.SubprocessError):
        pass
    return {"code": code, "data": data, "big": big[:4], "capacity": capacity,
            "owner": capacity * 4 if capacity else None, "sizes": table_size}


def gnuplot(out, sizes, series):
    with open(os.path.join(out, "plot-data.tsv"), "w") as f:
        f.write("# ram_mib " + " ".join(f"{k}_bytes {k}_med_ms {k}_min_ms {k}_max_ms" for k, _ in series) + "\n")
        for size, cols in sizes:
            vals = []
            for k, _ in series:
                c = cols.get(k, {})
                b, t = c.get("bytes"), c.get("time")
                vals += [str(b) if b else "NaN"] + ([f"{t['med']:.3f}", f"{t['min']:.3f}", f"{t['max']:.3f}"] if t else ["NaN"] * 3)
            f.write(f"{mib(size)} " + " ".join(vals) + "\n")
    term = "pngcairo size 900,560 font 'sans,11'"
    probe = subprocess.run(["gnuplot", "-e", "set terminal pngcairo"], capture_output=True, text=True)
    if probe.returncode or "unknown" in probe.stderr.lower():
        term = "png size 900,560"
    xt = ", ".join(f'"{s}" {mib(s)}' for s, _ in sizes)
    plots = []
    for i, (k, label) in enumerate(series):
        plots.append((i, k, label))
    size_plot = ", ".join(f"'plot-data.tsv' using 1:{2 + 4 * i} with linespoints lw 2 pt 7 title '{label}'"
                          for i, k, label in plots)
    time_plot = ", ".join(f"'plot-data.tsv' using 1:{3 + 4 * i}:{4 + 4 * i}:{5 + 4 * i} with yerrorlines lw 2 pt 7 title '{label}'"
                          for i, k, label in plots)
    script = f"""set terminal {term}
set datafile missing 'NaN'
set logscale x 2
set logscale y 10
set xtics ({xt})
set xlabel 'guest RAM'
set grid
set key outside bottom center horizontal maxrows 2
set xrange [180:5800]
set format y '10^{{%L}}'
set output 'dump-size.png'
set title 'Dump size (bytes, log scale)'
set ylabel 'bytes'
plot {size_plot}
set output 'capture-time.png'
set title 'Capture time, pause event to file synced (median, min-max bars; log scale)'
set ylabel 'ms'
plot {time_plot}
"""
    with open(os.path.join(out, "plots.gp"), "w") as f:
        f.write(script)
    p = subprocess.run(["gnuplot", "plots.gp"], cwd=out, capture_output=True, text=True)
    if p.returncode:
        print(p.stderr, file=sys.stderr)
    return p.returncode == 0


METHODS = [(k, label) for k, _, label, _ in DUMPS]
# kmemdump has two figures (mdfw's own clock, from the trigger event): the
# capture durable on disk and in place, region files and dump.elf with
# every CPU's registers together (mdfw's capture is atomic: capture_ms;
# readability is checked on its dump.elf), and every region copied out of
# guest RAM into host memory (copied_ms: the guest may be reset then).
METHODS[0] = ("kmemdump", "kmemdump (mdfw): durable on disk, region files + dump.elf")
METHODS.insert(1, ("kmemdump_mem", "kmemdump (mdfw): RAM → host memory"))


def mdfw_times(d):
    """copied_ms and capture_ms from mdfw's stdout (run dir's mdfw.log)."""
    t = {}
    try:
        for l in open(os.path.join(d, "mdfw.log"), errors="replace"):
            m = re.match(r"(copied_ms|capture_ms): ([0-9.]+)$", l.strip())
            if m:
                t[m[1]] = float(m[2])
    except OSError:
        pass
    return t


def run_figures(d):
    """{method: (bytes, ms)} of one capture run directory (None if missing)."""
    f = {}
    cap = load_kv(os.path.join(d, "dump", "capture.txt"))
    r = load_json(os.path.join(d, "run.json")) or {}
    mt = mdfw_times(d)
    if cap and cap.get("result") in ("ok", "partial") and "capture_ms" in mt:
        f["kmemdump"] = (int(cap["bytes"]), mt["capture_ms"])
        f["kmemdump_mem"] = (int(cap["bytes"]), mt["copied_ms"])
        # The disk's floor on the same bytes, right after the capture
        # (bench-report.py floor), and the wall clock from QEMU's event
        # timestamp to the capture directory appearing (the watcher's
        # stamp of its rename: this includes mdfw's delay in seeing the
        # event, not the parent's fsync after the rename).
        w = load_json(os.path.join(d, "files.json")) or {}
        fl = load_json(os.path.join(d, "floor.json")) or {}
        ev, mv = r.get("event_wall"), w.get("moved", {})
        f["_kmd"] = {"floor_ms": fl.get("floor_ms"),
                     "copied_ms": mt["copied_ms"], "capture_ms": mt["capture_ms"],
                     "written_ms": float(cap["written_ms"]) if cap.get("written_ms") else None,
                     "ratio": mt["capture_ms"] / fl["floor_ms"] if fl.get("floor_ms") else None,
                     "appeared_ms": (mv["dump"] - ev) * 1e3 if ev and "dump" in mv else None,
                     "load1": w.get("host", {}).get("load1"),
                     "dirty_mib": (w["host"]["dirty_kb"] + w["host"].get("writeback_kb", 0)) / 1024
                     if "dirty_kb" in w.get("host", {}) else None}
    sizes = {}
    try:
        for l in open(os.path.join(d, "share-sizes.txt")):
            n, b = l.split()
            sizes[os.path.basename(n)] = int(b)
    except OSError:
        pass
    if r.get("dgm_ms"):
        f["full"] = (r["bytes"], r["dgm_ms"])
        for k, fn in (("d31elf", "mdf-elf.json"), ("d31lzo", "mdf-lzo.json")):
            m = load_json(os.path.join(d, fn))
            if m and m.get("ok"):
                f[k] = (m["bytes"], r["dgm_ms"] + m["ms"])
    for k, fn, ms in (("kdump_lzo", "vmcore.lzo", "kdump_lzo_ms"), ("kdump_elf", "vmcore.elf", "kdump_elf_ms")):
        if r.get(ms) and sizes.get(fn):
            f[k] = (sizes[fn], r[ms])
    pd = os.path.join(d, "share", "pstore")
    if r.get("pstore_ms") and os.path.isdir(pd):
        f["pstore"] = (sum(os.path.getsize(os.path.join(pd, x)) for x in os.listdir(pd)), r["pstore_ms"])
    f["_run"] = r
    return f


def fmt_ratio(x):
    if x < 1:
        return f"1/{1 / x:,.0f}" if x < 0.5 else f"{x:.2f}×"
    return f"{x:,.1f}×" if x < 10 else f"{x:,.0f}×"


def cell(r, key):
    v = r.get(key)
    return "-" if v is None else ("yes" if v else "no")


def capture_floor_section(per, sizes, freezes):
    """kmemdump's capture next to the disk's floor, per RAM size and freeze."""
    L = ["### kmemdump capture at the floor\n",
         "Per run, side by side: mdfw's capture, then (bench-report.py floor, before anything else "
         "touches the disk) the *floor* on the same bytes: every region file the capture holds, "
         "concatenated in memory, written to one new file in the run directory, that file fsynced "
         "once, then the directory fsynced. mdfw's clock starts at the trigger event: *RAM → host "
         "memory* (`copied_ms`), *all written* (`written_ms`: every file of the capture written, not "
         "yet synced), *durable on disk* (`capture_ms`: every file fsynced at once, the directory renamed "
         "into place, the parent fsynced). "
         "*durable / floor* is the median of the per-run ratios. *appeared* is the wall clock from "
         "QEMU's event timestamp to the capture directory's rename (the watcher's stamp: mdfw's delay "
         "in seeing the event included, the parent's fsync not). Medians [min–max].\n",
         "| RAM | freeze | floor | RAM → host memory | all written | durable on disk | durable / floor "
         "| appeared (wall clock) | host load (1 min) | host dirty + writeback |",
         "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for fr in freezes:
        for size in sizes:
            n = per[(size, fr)]["notes"]
            ratio = n.get("ratio")
            L.append(f"| {size} | {fr} | {fmt_ms(n.get('floor_ms'))} | {fmt_ms(n.get('copied_ms'))} | "
                     f"{fmt_ms(n.get('written_ms'))} | {fmt_ms(n.get('capture_ms'))} | "
                     + (f"{ratio['med']:.2f}× [{ratio['min']:.2f}–{ratio['max']:.2f}]" if ratio else "-")
                     + f" | {fmt_ms(n.get('appeared_ms'))} | "
                     + (f"{n['load1']['med']:.1f} [{n['load1']['min']:.1f}–{n['load1']['max']:.1f}]"
                        if n.get("load1") else "-") + " | "
                     + (f"{n['dirty_mib']['med']:.0f} MiB [{n['dirty_mib']['min']:.0f}–{n['dirty_mib']['max']:.0f}]"
                        if n.get("dirty_mib") else "-") + " |")
    L.append("")
    return "\n".join(L)


def capture_targets(per, sizes, freezes):
    """Issue 20's capture goals, per freeze: durable ≤ 2× the floor at every
    RAM size (median of the per-run ratios), and flat (max/min of the
    durable medians ≤ 1.2); RAM → host memory flat too."""
    tgt = []
    for fr in freezes:
        rs = [(s, per[(s, fr)]["notes"].get("ratio")) for s in sizes if (s, fr) in per]
        rs = [(s, r) for s, r in rs if r]
        if rs:
            tgt.append((f"durable on disk ≤ 2× the floor (same bytes, same run) at every RAM size, {fr}",
                        all(r["med"] <= 2 for _, r in rs) and len(rs) == len(sizes),
                        ", ".join(f"{s}: {r['med']:.2f}×" for s, r in rs)))
        for k, what in (("capture_ms", "durable on disk"), ("copied_ms", "RAM → host memory")):
            ts = [(s, per[(s, fr)]["notes"].get(k)) for s in sizes if (s, fr) in per]
            ts = [(s, t) for s, t in ts if t]
            if len(ts) >= 2:
                lo, hi = min(t["med"] for _, t in ts), max(t["med"] for _, t in ts)
                tgt.append((f"{what} flat from {sizes[0]} to {sizes[-1]} (max/min median ≤ 1.2), {fr}",
                            hi / lo <= 1.2,
                            ", ".join(f"{s}: {t['med']:.1f} ms" for s, t in ts) + f" (max/min {hi / lo:.2f})"))
    return tgt


def cmd_capture_report(argv):
    """capture-report OUTDIR --sizes S --runs N --freezes F --kernel K
    [--elapsed S]: `bench.sh --capture`'s report, OUTDIR/capture.md: the
    capture next to the disk's floor, and issue 20's capture targets."""
    out = argv[0]
    opt = dict(zip(argv[1::2], argv[2::2]))
    sizes, freezes = opt["--sizes"].split(), opt["--freezes"].split()
    runs = int(opt["--runs"])
    keys = ("floor_ms", "copied_ms", "written_ms", "capture_ms", "ratio", "appeared_ms",
            "load1", "dirty_mib")
    per = {}
    for size in sizes:
        for fr in freezes:
            acc = {k: [] for k in keys}
            for n in range(1, runs + 1):
                f = run_figures(os.path.join(out, "runs", f"{size}-{fr}-{n}"))
                for k, v in f.get("_kmd", {}).items():
                    if k in acc and v is not None:
                        acc[k].append(v)
            per[(size, fr)] = {"notes": {k: stats(v) for k, v in acc.items()}}
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    commit = subprocess.run(["git", "-C", top, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "?"
    el = opt.get("--elapsed")
    L = [f"## kmemdump capture at the floor ({time.strftime('%Y-%m-%d')}, commit {commit})\n",
         f"`scripts/bench.sh --capture`: {runs} boots per RAM size and freeze ({', '.join(freezes)}), "
         f"round robin, the {opt.get('--kernel', 'prod')} kernel, QEMU TCG, 2 vCPUs, on 2 host cores"
         + (f"; the run took {int(el) // 60} min {int(el) % 60} s" if el else "") + ".\n",
         capture_floor_section(per, sizes, freezes),
         "| target | met | figure |", "|---|:-:|---|"]
    for name, ok, fig in capture_targets(per, sizes, freezes):
        L.append(f"| {name} | {'-' if ok is None else ('yes' if ok else '**no**')} | {fig} |")
    L.append("")
    with open(os.path.join(out, "capture.md"), "w") as f:
        f.write("\n".join(L))
    with open(os.path.join(out, "capture.json"), "w") as f:
        json.dump({f"{s}-{fr}": c for (s, fr), c in per.items()}, f, indent=1)
    return 0


# The kernel-side runs (bench.sh kernel_run): key, column name, in a
# sentence. prod and debug boot without ivshmem (kmemdump's default, no-op
# backend); prod-table with the minidump table over ivshmem, the backend a
# real device has (kmemdump_ivshmem), as the capture runs set it up.
KERNELS = {"prod": "prod", "prod-table": "prod + minidump table", "debug": "debug"}
KERNEL_NAMES = {"prod": "prod kernel", "prod-table": "prod kernel with the minidump table",
                "debug": "debug kernel"}
TABLE_BACKEND = "kmemdump_ivshmem"

# Kernel-side ratio targets (issue 20): (what, numerator op, denominator
# op, limit). The register/unregister ones compare 200 regions present
# with the kernel's own (the lowest point); the kvmalloc one compares the
# wrapped pair with the bare one at every point.
KERNEL_RATIOS = (
    ("register, 200 vs the kernel's own regions present", "register", "register", 1.2),
    ("unregister, 200 vs the kernel's own regions present", "unregister", "unregister", 1.2),
    ("wrapped / bare kvmalloc()+kvfree(), the kernel's own regions present", "kvmalloc_wrapped", "kvmalloc_bare", 2.0),
    ("wrapped / bare kvmalloc()+kvfree(), 200 regions present", "kvmalloc_wrapped", "kvmalloc_bare", 2.0),
)


def kernel_targets(kern):
    """[(ratio, numerator row, denominator row, met, kernel, what)] for
    every KERNEL_RATIOS entry a kernel has both figures of."""
    out = []
    for k in KERNELS:
        rows = [r for r in kern.get(k, {}).get("rows", []) if r["n"] and r["med"]]
        for what, num, den, lim in KERNEL_RATIOS:
            nr = [r for r in rows if r["op"] == num]
            dr = [r for r in rows if r["op"] == den]
            if not nr or not dr:
                continue
            if num == den:   # the same op at 200 against the lowest point
                a = max(nr, key=lambda r: r["present"])
                b = min(dr, key=lambda r: r["present"])
                if a["present"] < 195 or a["present"] == b["present"]:
                    continue
            else:            # two ops at the same point
                hi = what.endswith("200 regions present")
                pick = max if hi else min
                p = pick(r["present"] for r in nr)
                if hi and p < 195:
                    continue
                a = next(r for r in nr if r["present"] == p)
                b = next((r for r in dr if r["present"] == p), None)
                if not b:
                    continue
            ratio = a["med"] / b["med"]
            out.append((ratio, a, b, ratio <= lim, k, what))
    return out


def kernel_target_name(what, a, b):
    lim = next(x[3] for x in KERNEL_RATIOS if x[0] == what)
    if a["op"] == b["op"]:
        return f"{a['op']} with {a['present']} regions present ≤ {lim:g}× with {b['present']} (the kernel's own + 1)"
    return f"wrapped kvmalloc()+kvfree() of 256 B ≤ {lim:g}× the bare pair, {a['present']} regions present"


def kernel_target_figure(what, r, a, b):
    us = lambda v: f"{v / 1000:.2f} µs"
    return f"{r:.2f}× ({us(a['med'])} vs {us(b['med'])})"


def vmalloc_figures(kern):
    """[(name, kernel, figure)]: the NO_ID 4-page vmalloc region's register
    and unregister medians at each point (no target: shown beside them)."""
    out = []
    for k in KERNELS:
        rows = kern.get(k, {}).get("rows", [])
        for r in rows:
            if r["op"] != "register_vmalloc" or not r["n"]:
                continue
            u = next((x for x in rows if x["op"] == "unregister_vmalloc"
                      and x["present"] == r["present"] and x["n"]), None)
            out.append((f"KMEMDUMP_ID_NO_ID register / unregister of a 4-page vmalloc buffer, "
                        f"{r['present']} table slots in use (its page-table pages counted)", k,
                        f"{r['med'] / 1000:.2f} / " + (f"{u['med'] / 1000:.2f} µs" if u else "n/a")))
    return out


def cmd_kernel_section(argv):
    """Print the kernel-side section of a results.md (bench.sh --kernel)."""
    text = open(argv[0]).read()
    i = text.find("## Kernel-side costs")
    j = text.find("### Memory kmemdump uses", i)
    if i < 0:
        print("no kernel-side section in " + argv[0], file=sys.stderr)
        return 1
    print(text[i:j if j > 0 else None].rstrip() + "\n")
    return 0


def cmd_report(argv):
    out, vmlinux = argv[0], argv[1]
    opt = dict(zip(argv[2::2], argv[3::2]))
    sizes = opt.get("--sizes", "256M 1G 4G").split()
    freezes = opt.get("--freezes", "panic lockup").split()
    runs = int(opt.get("--runs", 5))
    ck = opt.get("--crashkernel", "?")
    ramoops = int(opt.get("--ramoops", "0x100000"), 0)
    elapsed = None if opt.get("--resumed") else opt.get("--elapsed")
    # kernel side, every run (KERNELS)
    kern = {}
    for k in KERNELS:
        rows, boot, info, backend = kernel_bench(os.path.join(out, "runs", f"kernel-{k}-console.log"))
        if rows:
            kern[k] = {"rows": rows, "boot": boot, "info": info, "backend": backend}
    capacity = None
    per = {}   # (size, freeze) -> {method: {"bytes", "time"}, "check": ...}
    floors = []
    extra = {}
    for size in sizes:
        for fr in freezes:
            acc = {k: {"b": [], "ms": []} for k, _ in METHODS}
            notes = {"kdump_start": [], "reset_by": set(), "kdump_panic": 0, "runs": 0,
                     "floor_ms": [], "copied_ms": [], "written_ms": [], "capture_ms": [], "ratio": [],
                     "appeared_ms": [], "load1": [], "dirty_mib": []}
            for n in range(1, runs + 1):
                d = os.path.join(out, "runs", f"{size}-{fr}-{n}")
                if not os.path.isdir(d):
                    continue
                notes["runs"] += 1
                f = run_figures(d)
                for k, _ in METHODS:
                    if k in f:
                        acc[k]["b"].append(f[k][0])
                        acc[k]["ms"].append(f[k][1])
                r = f["_run"]
                for k, v in f.get("_kmd", {}).items():
                    if k in notes and v is not None:
                        notes[k].append(v)
                if r.get("kdump_start_ms"):
                    notes["kdump_start"].append(r["kdump_start_ms"])
                if r.get("reset_by"):
                    notes["reset_by"].add(r["reset_by"])
                if n == 1 or not floors or floors[-1][0] != size:
                    reg, hdr = manifest(os.path.join(d, "dump", "manifest.tsv"))
                    if reg and "kmemdump" in f and fr == "panic":
                        floors.append((size, reg, hdr, f["kmemdump"][0]))
                if capacity is None:
                    try:
                        m = re.search(r"minidump table at \S+, (\d+) region entries",
                                      open(os.path.join(d, "console.log"), errors="replace").read())
                        capacity = int(m[1]) if m else None
                    except OSError:
                        pass
            cols = {k: {"bytes": int(statistics.median(a["b"])) if a["b"] else None,
                        "bstats": stats(a["b"]), "time": stats(a["ms"]), "n": len(a["b"])}
                    for k, a in acc.items()}
            cols["check"] = load_json(os.path.join(out, "runs", f"{size}-{fr}-1", "check.json")) or {}
            cols["notes"] = {"kdump_start": stats(notes["kdump_start"]),
                             "reset_by": sorted(notes["reset_by"]), "runs": notes["runs"]}
            for k in ("floor_ms", "copied_ms", "written_ms", "capture_ms", "ratio", "appeared_ms",
                      "load1", "dirty_mib"):
                cols["notes"][k] = stats(notes[k])
            per[(size, fr)] = cols
    mem = memory(out, vmlinux, capacity, "prod")
    hdr_bytes = floors[0][2] if floors else None
    kmd_total = (mem["data"] + (mem["owner"] or 0) + (mem["sizes"][0] if mem["sizes"] else 0)
                 + (hdr_bytes or 0))
    reserved = {"kmemdump": kmd_total, "kmemdump_mem": kmd_total, "pstore": ramoops, "kdump_lzo": mib(ck) << 20 if ck[-1:].isalpha() else None,
                "kdump_elf": mib(ck) << 20 if ck[-1:].isalpha() else None, "full": 0, "d31elf": 0, "d31lzo": 0}

    run_id = (f"`make bench` started {opt['--started']}, main {opt.get('--commit', '?')}, "
              f"kernel tree {opt.get('--ktree', '?')}.\n" if "--started" in opt else "")
    L = ([run_id] if run_id else []) + \
        ["## Capture: kmemdump against pstore/ramoops, kdump and full-RAM dumps\n"]
    L.append(
        f"Bench kernel: the production config (build/obj-prod: tests/config/kmemdump.config without "
        f"KASAN, lockdep, KUnit, ORC unwinder; + tests/config/bench-peers.config). One boot per run, "
        f"{runs} boots per RAM size and freeze, QEMU TCG, 2 vCPUs, on 2 host cores. Every method captures the "
        f"*same* freeze of the same boot (scripts/bench.sh explains the order: mdfw, then "
        f"dump-guest-memory on the paused VM, then the guest continues into pstore's kmsg_dump and kdump, "
        f"and reboots into the pstore reader). The boots run round robin (boot n of every RAM size and "
        f"freeze, then boot n + 1), so that the host's other work falls on every size alike. "
        f"Figures are medians [min–max]; every ratio is between "
        f"figures of the same runs. *reserved RAM*: memory the method takes from the running system "
        f"(kmemdump: its data, slot owners, table struct and ELF header buffer, see below; "
        f"ramoops: `memmap=1M$128M`; kdump: `crashkernel={ck}`, the smallest that worked at every RAM size, see below). "
        f"*time*: freeze to the dump fsynced on the host's disk: kmemdump, two figures of mdfw's own "
        f"clock, from the trigger event's arrival: *durable on disk* = `capture_ms`, the whole capture "
        f"(region files, manifest, dump.elf with CPU registers, capture.txt) fsynced at once, "
        f"its directory renamed into place and the parent fsynced (mdfw's capture is atomic); "
        f"*RAM → host memory* = `copied_ms`, the CPU registers taken and every region copied out of "
        f"guest RAM (from then on the guest may be reset); the disk's floor on the same bytes is in "
        f"the breakdown below; "
        f"dump-guest-memory: command → ELF fsynced, the makedumpfile rows add makedumpfile on it; "
        f"kdump: the guest continuing past the pvpanic pause → vmcore written over 9p and fsynced "
        f"(the LZO vmcore is written first; the ELF row is start-of-capture-kernel + its own makedumpfile); "
        f"pstore: the reset → the reader boot has copied /sys/fs/pstore to the host and fsynced (the "
        f"time from the freeze to the reset is the panic timeout or the hardware watchdog's, a deployment "
        f"choice, not counted).\n")
    hdr = ("| RAM | method | reserved RAM | dump bytes | × kmemdump | freeze → on disk | × kmemdump | "
           "kernel log | CPU backtraces | marker / vmalloc | banner/uts | gdb: runtime value / marker / bt |")
    for fr in freezes:
        L.append(f"### {fr}\n")
        L.append(hdr)
        L.append("|---|---|---:|---:|---:|---:|---:|:-:|:-:|:-:|:-:|:-:|")
        for size in sizes:
            cols = per[(size, fr)]
            kb, kt = cols["kmemdump"]["bytes"], cols["kmemdump"]["time"]
            chk = cols["check"]
            for k, label in METHODS:
                c = cols[k]
                rb = ("1" if k == "kmemdump" else fmt_ratio(c["bytes"] / kb)) if c["bytes"] and kb else "-"
                rt = ("1" if k == "kmemdump" else fmt_ratio(c["time"]["med"] / kt["med"])) if c["time"] and kt else "-"
                r = chk.get(k, {})
                g = r.get("gdb")
                gd = (f"{yn(g.get('runtime'))} / {yn(g.get('marker'))} / {g.get('bt', 0)}/{r.get('ncpus') or 2}"
                      if g else "-")
                if k == "kmemdump_mem":   # not a dump on disk yet: read through dump.elf, row above
                    lg = cpu = drv = ban = gd = "-"
                elif "error" in r or not r:
                    lg = cpu = drv = ban = "-" if not c["n"] else "?"
                    if not c["n"]:
                        lg = "nothing"
                else:
                    lg = cell(r, "log")
                    if r.get("log") is False and r.get("log_lines"):
                        lg = "partial"
                    cpu = f"{r.get('cpus', 0)}/{r.get('ncpus') or 2}"
                    drv = f"{cell(r, 'marker')} / {cell(r, 'vmalloc')}"
                    ban = cell(r, "banner")
                    if k == "pstore" and r.get("banner"):
                        ban = "log text"
                res = reserved.get(k)
                L.append(f"| {size} | {label} | {fmt_bytes(res) if res else ('0' if res == 0 else '-')} | "
                         f"{fmt_bytes(c['bytes'])} | {rb} | {fmt_ms(c['time'])} | {rt} | {lg} | {cpu} | {drv} | {ban} | {gd} |")
        L.append("")
    L.append(
        "Readability, checked on run 1 of each RAM size and freeze: crash 8.0.2 `--minimal --kaslr=auto` "
        "on every dump it opens (kmemdump: the `dump.elf` mdfw assembles): *kernel log* = `log` holds the "
        "boot banner line and the freeze's last message (the panic message, or the lockup's `hard lockup: "
        "all CPUs spin`); *CPU backtraces* = CPUs whose stack can be read: as text in the log (the "
        "panicking CPU's `Call Trace` with `freeze_write`), or unwound by drgn 0.0.22 (`cpu_curr()` of every "
        "online CPU; for kmemdump also the panicking CPU's `KTASK<cpu>` region) on the ELF dumps; *marker / vmalloc* = "
        "`rd -p` at the scenario's marker (the exact string) and at its vmalloc buffer's first page (the "
        "pattern); *banner/uts* = `rd -a linux_banner`. pstore: the record files (console, dmesg, pmsg) "
        "read as text. \"nothing\" = the method wrote no dump at all in that freeze. *gdb* (gdb 13, on every "
        "ELF dump; it cannot open makedumpfile's compressed format): *runtime value* = `p "
        "prb->desc_ring.head_id.counter` (symbol-file moved by KERNELOFFSET, core-file) reads the printk "
        "ring's head ID, a value that only exists at run time, different from its initial value in "
        "vmlinux (gdb silently reads what the core lacks from vmlinux's read-only sections, so a static "
        "symbol would prove nothing) and equal to drgn's reading of the same dump; *marker* = `x/s "
        "page_offset_base + <marker's physical address>` prints the scenario's marker; *bt* = threads "
        "of `thread apply all bt` (kernel .text moved by KERNELOFFSET, kmemdump_scenario.ko linked at "
        "the guest's section addresses) whose frame #0 is named and that reach at least one named "
        "caller read from the stack (the functions inlined at the PC alone do not count), identical "
        "threads counted once.\n")
    L.append("### gdb on the ELF dumps (run 1)\n")
    for fr in freezes:
        for size in sizes:
            chk = per[(size, fr)]["check"]
            for k, _, label, how in DUMPS:
                g = chk.get(k, {}).get("gdb")
                if not g:
                    continue
                L.append(f"- {size} {fr}, {label}: prb head ID {g.get('prb_head')} (drgn "
                         f"{g.get('prb_drgn')}, initial value in vmlinux {g.get('prb_static')}); marker "
                         f"{'read' if g.get('marker') else 'not read'}; {g.get('threads')} threads, "
                         f"{g.get('bt')} distinct unwound: `{g.get('bt_frames') or '-'}`.")
    L.append("")
    # pstore / kdump details
    L.append("### pstore/ramoops and kdump: what each run kept\n")
    for fr in freezes:
        for size in sizes:
            chk = per[(size, fr)]["check"]
            p = chk.get("pstore", {})
            if p.get("files"):
                L.append(f"- {size} {fr}, pstore: records {', '.join(f'`{f}` {b:,} B' for f, b in p['files'].items())}; "
                         f"console record from `{p.get('log_first')}` to `{p.get('log_last')}` "
                         f"({p.get('log_lines')} lines); panic message {yn(p.get('panic_msg'))}, "
                         f"panic dmesg record {yn(p.get('panic_record'))}, backtrace {yn(p.get('bt_text'))}.")
            n = per[(size, fr)]["notes"]
            kd = per[(size, fr)]["kdump_lzo"]
            if fr == "lockup" or not kd["n"]:
                L.append(f"- {size} {fr}, kdump: {'vmcore written in ' + str(kd['n']) + ' runs' if kd['n'] else 'no vmcore'}; "
                         f"capture kernel started in {len(n['kdump_start'] or []) if isinstance(n['kdump_start'], list) else (n['kdump_start'] or {}).get('n', 0)} of {n['runs']} runs; "
                         f"reset by: {', '.join(n['reset_by']) or '-'}.")
            elif n["kdump_start"]:
                L.append(f"- {size} {fr}, kdump: capture kernel's init runs {fmt_ms(n['kdump_start'])} after the guest continues.")
    L.append("")
    L.append(capture_floor_section(per, sizes, freezes))
    det = ""
    try:
        c = open(os.path.join(out, "runs", f"{sizes[0]}-{freezes[-1]}-1", "console.log"), errors="replace").read()
        det = "; ".join(sorted(set(re.findall(r"KMD-(?:LOCKUP-DETECTORS|DETECTOR-LOG): (.*)", c))))[:600]
    except OSError:
        pass
    L.append(f"Lockup detectors of the bench kernel (CONFIG_SOFTLOCKUP_DETECTOR, CONFIG_HARDLOCKUP_DETECTOR "
             f"with BOOTPARAM_*_PANIC), as the guest reports them: {det or '-'}.\n")
    try:
        cklines = [l.strip() for l in open(os.path.join(out, "crashkernel.txt")) if l.strip()]
    except OSError:
        cklines = []
    if cklines:
        L.append("### crashkernel= search\n")
        L.append("scripts/bench.sh, at every RAM size: 24M must fail and 32M work (either moved until they "
                 "do), then bisection down to 2 MiB; *works* = the capture kernel wrote both vmcores "
                 "(makedumpfile -d 31, LZO and ELF). Every attempt, in order:\n")
        L.append("| RAM | crashkernel= | result | what the capture kernel said |")
        L.append("|---|---:|:-:|---|")
        for l in cklines:
            m = re.match(r"(\S+) (\S+) (works|fails): ?(.*)", l)
            if m:
                L.append(f"| {m[1]} | {m[2]} | {m[3]} | {re.sub(r' +', ' ', m[4]).replace('|', '/')} |")
        L.append("")
        L.append("; ".join(l for l in cklines if not re.match(r"\S+ \S+ (works|fails)", l))
                 + f". The runs above used crashkernel={ck}.\n")
    else:
        L.append(f"crashkernel={ck} given (BENCH_CRASHKERNEL), not searched.\n")

    # physical floor
    L.append("## Physical floor: registered payload against captured bytes\n")
    L.append("| RAM | registered bytes (all entries) | of which kmemdump's ELF header region | payload (registered − header) | captured region bytes | overhead above payload |")
    L.append("|---|---:|---:|---:|---:|---:|")
    seen = set()
    for size, reg, hd, cap in floors:
        if size in seen:
            continue
        seen.add(size)
        pay = reg - hd
        L.append(f"| {size} | {reg:,} | {hd:,} | {pay:,} | {cap:,} | {cap - pay:,} B ({(cap - pay) / pay * 100:.1f} %) |")
    L.append("")
    L.append("*registered* = the sizes in the minidump table the firmware read (manifest.tsv, the panic "
             "runs), kmemdump's own `KELF_HEADER` region included; the goal is captured ≤ payload × 1.01 + "
             "one page.\n")

    # kernel side
    L.append("## Kernel-side costs: production kernel (default backend, minidump table) next to the debug (test) kernel\n")
    def ovh(k):
        return next((r["med"] for r in kern.get(k, {}).get("rows", []) if r["op"] == "ktime_overhead"), 0) or 0
    for k in kern:
        i = kern[k]["info"]
        if i:
            L.append(f"- {KERNELS[k]} (backend {kern[k]['backend'] or '?'} when the module loaded): "
                     f"table of {i['slots']} slots, {i['kernel']} used by the kernel"
                     + (f" (slots the module cannot have; debugfs listed {i['debugfs_before']} regions "
                        "before it loaded; the rest: the slots kept for the panic, and the page-table pages "
                        "the module's own buffers bring in)"
                        if i.get("debugfs_before") is not None and i["debugfs_before"] != i["kernel"] else "")
                     + ", "
                     f"one ktime_get_ns() pair {ovh(k) / 1000:.2f} µs (median, subtracted in the − clock columns).")
    if "prod-table" in kern:
        be = kern["prod-table"]["backend"]
        L.append(f"- {KERNELS['prod-table']}: the production kernel again, with the minidump table over "
                 "ivshmem as the capture runs have it (`mdfw init`, ivshmem-plain), so that every "
                 "registration is published in the table too"
                 + (f"; but the backend was {be}, not {TABLE_BACKEND}: **these are not the table's figures**"
                    if be != TABLE_BACKEND else "")
                 + ". Its backend replay rows are not the table's: the first replay into the dummy "
                 "replaces the table backend (every region unregistered from the table), the others "
                 "replace the default backend, as on prod; they run last.")
    L.append("")
    if kern and "debug" not in kern:
        L.append("- debug: not measured in this run (BENCH_DEBUG_KERNEL=skip); `scripts/bench.sh --kernel` "
                 "measures both kernels and regenerates this page.")
        L.append("")
    own = ", ".join(f"{kern[k]['info']['kernel']} on the {KERNEL_NAMES[k]}" for k in kern if kern[k]["info"])
    own = own and f"regions of its own ({own})"
    if own:
        L.append("The issue asked for register/unregister with 21 and with 200 regions present. 21 can no "
                 f"longer be set up: before the benchmark module registers anything the kernel holds {own}: "
                 "printk ring, page-table pages, CPU stacks, core image header, ...; "
                 "and the module cannot remove them. The first measurement point is therefore the kernel's "
                 "own baseline plus the timed region, then 50 (the same point again when the baseline is "
                 "above 50) and 200: the module fills the table with filler regions up to that count. "
                 "Regions present at the register/unregister points: "
                 + "; ".join(f"{KERNEL_NAMES[k]} " + ", ".join(dict.fromkeys(
                     str(r["present"]) for r in kern[k]["rows"] if r["op"] == "register"))
                     for k in kern)
                 + ". Backend replay is measured with the baseline, 50 and 200 regions registered.\n")
    else:
        L.append("Kernel-side costs not measured in this run (`scripts/bench.sh --kernel` measures them "
                 "and regenerates this page from the capture runs already in out/bench/).\n")
    names = {
        "register": "kmemdump_register() (NO_ID)",
        "unregister": "kmemdump_unregister()",
        "noid_nearly_full_last": "NO_ID register, 1 slot free (newest ID/slot free)",
        "noid_nearly_full_first": "NO_ID register, 1 slot free (lowest dynamic ID free)",
        "predefined_id_nearly_full": "register predefined ID, 1 slot free",
        "register_backend": "kmemdump_register_backend() replay into dummy",
        "unregister_backend": "kmemdump_unregister_backend() of dummy",
        "kvmalloc_wrapped": "wrapped pair: kmemdump_alloc(kvmalloc) + kmemdump_free(kvfree), 256 B",
        "kvmalloc_bare": "bare pair: kvmalloc() + kvfree(), 256 B (same boot, alternating)",
        "register_vmalloc": "kmemdump_register() (NO_ID) of a 4-page vmalloc buffer",
        "unregister_vmalloc": "kmemdump_unregister() of the 4-page vmalloc buffer",
    }
    # prod, the table run if there is one, debug; each after prod with its
    # ratio to prod.
    cols = [k for k in KERNELS if k != "prod-table" or k in kern]
    heads = {"prod": "production", "prod-table": "prod + minidump table", "debug": "debug (KASAN+lockdep)"}
    rheads = {"prod-table": "table / production", "debug": "debug / production"}
    L.append(f"| operation | regions present ({'/'.join(KERNELS[k].split()[-1] for k in cols)}) | "
             + " | ".join(f"{heads[k]}: median [min–max] | − clock" + (f" | {rheads[k]}" if k in rheads else "")
                          for k in cols) + " |")
    L.append("|---|---:|" + "---:|" * (3 * len(cols) - 1))
    us = lambda v: f"{v / 1000:.2f} µs" if v < 10000 else f"{v / 1000:.1f} µs"
    # Regions present: one figure if every kernel had the same, else each.
    one_or_each = lambda xs: xs[0] if len(set(xs)) == 1 else "/".join(xs)
    # Rows line up by measurement point (the n-th row of an op), since the
    # kernels hold slightly different numbers of regions of their own.
    def keyed(rows):
        seen, out_ = {}, {}
        for r in rows:
            i = seen[r["op"]] = seen.get(r["op"], -1) + 1
            out_[(r["op"], i)] = r
        return out_
    ks = {k: keyed(kern.get(k, {}).get("rows", [])) for k in cols}
    shown = {k: set() for k in cols}
    for key in dict.fromkeys(x for k in cols for x in ks[k]):
        if key[0] == "ktime_overhead":
            continue
        rs = {k: ks[k].get(key) for k in cols}
        # The 50-region point is the baseline again when the kernel holds
        # more than 50 of its own: one row for one measurement point.
        dup = [(w, r) for w, r in rs.items() if r]
        if dup and all((key[0], r["present"]) in shown[w] for w, r in dup):
            continue
        for w, r in dup:
            shown[w].add((key[0], r["present"]))
        def fig(r, k):
            if not r or not r["n"]:
                return "n/a", ""
            return f"{us(r['med'])} [{us(r['min'])}–{us(r['max'])}]", us(max(r["med"] - ovh(k), 0))
        p, cells = rs["prod"], []
        for k in cols:
            cells += fig(rs[k], k)
            if k in rheads:
                r = rs[k]
                cells.append(f"{r['med'] / p['med']:.{2 if k == 'prod-table' else 1}f}×"
                             if p and r and p["n"] and r["n"] and p["med"] else "-")
        pres = one_or_each([str(r["present"]) if r else "-" for r in rs.values()])
        L.append(f"| {names.get(key[0], key[0])} | {pres} | " + " | ".join(cells) + " |")
    kt = kernel_targets(kern)
    for what, num, den, _lim in KERNEL_RATIOS:
        cells = {k: next(((r, a, b) for r, a, b, ok, kk, w in kt if kk == k and w == what), None)
                 for k in cols}
        if not any(cells.values()):
            continue
        pres = one_or_each([(f"{c[1]['present']} vs {c[2]['present']}" if num == den
                             else str(c[1]["present"])) if c else "-" for c in cells.values()])
        row = []
        for k, c in cells.items():
            row += [f"{c[0]:.2f}×" if c else "n/a", ""] + (["-"] if k in rheads else [])
        L.append(f"| ratio: {what} | {pres} | " + " | ".join(row) + " |")
    L.append("")
    if kt:
        L.append("Kernel-side targets (issue 20; the goals are set on the production kernel, with "
                 "the default backend and with the minidump table, the debug kernel's figures are "
                 "judged beside them). Every ratio is between the "
                 "medians of one boot, the clock's own cost left in both; the wrapped and the bare "
                 "kvmalloc() pairs alternate in batches of 16 (bare first, then wrapped first, ...), "
                 "so that the host's other work falls on both.\n")
        L.append("| target | kernel | figure | met |")
        L.append("|---|---|---|:-:|")
        for r, a, b, ok, k, what in kt:
            L.append(f"| {kernel_target_name(what, a, b)} | {KERNELS[k]} | {kernel_target_figure(what, r, a, b)} | "
                     f"{'yes' if ok else '**no**'} |")
        for name, k, fig in vmalloc_figures(kern):
            L.append(f"| {name} | {KERNELS[k]} | {fig} | - |")
        L.append("")
    for k in kern:
        sl = (kern[k]["info"] or {}).get("slots_op", [])
        own = (kern[k]["info"] or {}).get("kernel", 0)
        for op, what in (("register_vmalloc", "the vmalloc region"),
                         ("kvmalloc_wrapped", "the wrapped 256 B allocation")):
            xs = [x for x in sl if x["op"] == op]
            if xs:
                L.append(f"- {KERNEL_NAMES[k]}, {what}: "
                         + "; ".join(f"{x['present']} slots in use while it was registered "
                                     f"({own} of the kernel's, {x['fillers']} fillers, "
                                     f"{x['present'] - own - x['fillers']} for the buffer and its page-table pages)"
                                     for x in xs) + ".")
    for k in kern:
        b = kern[k]["boot"]
        if b:
            L.append(f"- Boot, {KERNEL_NAMES[k]}: `kmemdump: {b[0]} static regions registered in {b[1]} ns`"
                     + (" (below the early clock's resolution: reads as 0)" if b[1] == 0 else "") + ".")
    L.append("")
    L.append("### Memory kmemdump uses (production kernel), next to the peers' reservations\n")
    L.append("| what | bytes |")
    L.append("|---|---:|")
    L.append(f"| static code (`nm`, kmemdump/qcom_md/kmd_ symbols) | {mem['code']:,} |")
    L.append(f"| static data/bss (largest: " + ", ".join(f"`{n}` {s:,}" for s, n in mem["big"]) + f") | {mem['data']:,} |")
    if mem["owner"]:
        L.append(f"| dynamic: backend slot owners, kcalloc({mem['capacity']}, 4) | {mem['owner']:,} |")
    if mem["sizes"]:
        L.append(f"| dynamic: struct qcom_md_table (devm_kzalloc) | {mem['sizes'][0]:,} |")
    if hdr_bytes:
        L.append(f"| dynamic: core image ELF header buffer (`KELF_HEADER` region) | {hdr_bytes:,} |")
    L.append(f"| **total in RAM (data + dynamic; code excluded)** | **{kmd_total:,}** |")
    if mem["capacity"]:
        L.append(f"| shared table, in the ivshmem BAR (firmware memory, not RAM): 4096 + {mem['capacity']} × 40 | {4096 + mem['capacity'] * 40:,} |")
    L.append(f"| pstore/ramoops reservation (`memmap=`) | {ramoops:,} |")
    if reserved["kdump_lzo"]:
        L.append(f"| kdump reservation (`crashkernel={ck}`, the smallest that worked at every RAM size) | {reserved['kdump_lzo']:,} |")
    L.append("")

    # targets
    L.append("## Targets\n")
    tgt = []
    one = per.get(("1G", "panic")) or per[(sizes[min(1, len(sizes) - 1)], freezes[0])]
    kb, kt = one["kmemdump"]["bytes"], one["kmemdump"]["time"]
    if kb and one["d31elf"]["bytes"]:
        r = one["d31elf"]["bytes"] / kb
        tgt.append(("dump ≤ 1/100 of makedumpfile -d 31 ELF at 1 GiB (panic)", r >= 100,
                    f"{fmt_bytes(kb)} vs {fmt_bytes(one['d31elf']['bytes'])}: 1/{r:,.0f}"))
    if kb and one["kdump_elf"]["bytes"]:
        r = one["kdump_elf"]["bytes"] / kb
        tgt.append(("(ratio) kdump -d 31 ELF vmcore / kmemdump dump at 1 GiB", None, f"{r:,.0f}×"))
    if floors:
        size, reg, hd, cap = floors[0]
        pay = reg - hd
        lim = pay * 1.01 + 4096
        tgt.append(("dump ≤ registered payload × 1.01 + one page", cap <= lim,
                    f"{cap:,} B captured vs limit {lim:,.0f} B (payload {pay:,} B; ELF header region {hd:,} B)"))
    tgt += capture_targets(per, sizes, freezes)
    for km, what in (("kmemdump", "durable on disk"), ("kmemdump_mem", "RAM → host memory")):
        t = one[km]["time"]
        if t and one["full"]["time"]:
            r = one["full"]["time"]["med"] / t["med"]
            tgt.append((f"capture time ≤ 1/100 of dump-guest-memory's at 1 GiB (panic), {what}", r >= 100,
                        f"{t['med']:.1f} ms vs {one['full']['time']['med']:.0f} ms: 1/{r:,.0f}"))
    for k in KERNELS:
        rr = [r for r in kern.get(k, {}).get("rows", []) if r["op"] in ("register", "unregister") and r["n"]]
        lowest = min((r["present"] for r in rr), default=None)
        seen_t = set()
        for r in rr:
            if (r["op"], r["present"]) in seen_t:
                continue
            seen_t.add((r["op"], r["present"]))
            if r["present"] == lowest or r["present"] >= 195:
                tgt.append((f"{r['op']} ≤ 1 µs median with {r['present']} regions present"
                            + (f" (the kernel's own {r['present'] - 1} + the timed one)" if r["present"] == lowest else "")
                            + f", {KERNEL_NAMES[k]}",
                            r["med"] <= 1000 if k != "debug" else None,
                            f"{r['med'] / 1000:.2f} µs under TCG ({max(r['med'] - ovh(k), 0) / 1000:.2f} µs without the clock's own cost)"
                            + ("" if k != "debug" else "; the target is judged on the production kernel")))
    for r, a, b, ok, k, what in kernel_targets(kern):
        tgt.append((f"{kernel_target_name(what, a, b)}, {KERNEL_NAMES[k]}", ok, kernel_target_figure(what, r, a, b)))
    for name, k, fig in vmalloc_figures(kern):
        tgt.append((f"{name}, {KERNEL_NAMES[k]}", None, fig))
    L.append("| target | met | figure |")
    L.append("|---|:-:|---|")
    for name, ok, fig in tgt:
        L.append(f"| {name} | {'-' if ok is None else ('yes' if ok else '**no**')} | {fig} |")
    L.append("")
    L.append("![dump size](dump-size.png)\n")
    L.append("![capture time](capture-time.png)\n")
    L.append("Reproduce: `make bench` (scripts/bench.sh"
             + (f"; this run took {int(elapsed) // 60} min {int(elapsed) % 60} s" if elapsed else "")
             + "). Raw data: out/bench/runs/ (per boot: console.log, mdfw.log, run.json, mdf-*.json, "
               "share/pstore/, check.json, crash-*.log, drgn-*.log).\n")
    md = "\n".join(L)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    # README fragment: the panic table, the targets
    # It becomes docs/bench/README.md: links are relative to docs/bench/.
    S = ["# kmemdump benchmarks", ""] + ([run_id.strip(), ""] if run_id else []) + [
         f"Four capture methods on the same freezes, QEMU TCG, production kernel; medians [min–max] "
         f"of {runs} boots. Full table (panic and hard lockup, readability, kernel-side costs, memory): "
         "[results.md](results.md). The other pages: [capture.md](capture.md) (kmemdump's capture "
         "phase by phase), [context-switch.md](context-switch.md) (following each CPU's task), "
         "[arm64.md](arm64.md) (the arm64 board's capture), "
         "[comparison.md](comparison.md) (the comparison's method), "
         "[pgtable-slots.md](pgtable-slots.md) (page-table pages per region).", ""]
    for fr in freezes:
        i = L.index(f"### {fr}\n")
        S += [f"## {fr}", ""] + L[i + 1:L.index("", i + 1)] + [""]
    S += ["![dump size against guest RAM](dump-size.png)", "",
          "![capture time against guest RAM](capture-time.png)", ""]
    i = L.index("| target | met | figure |")
    S += L[i:L.index("", i)] + [""]
    S += ["## Regenerating these tables", "",
          "- `make bench` (= `scripts/bench.sh`): the crashkernel= search at every RAM size, the "
          "kernel-side costs on the production kernel (default backend, then the minidump table over "
          "ivshmem) and the debug kernel, the capture matrix, the report; "
          "it copies results.md, this page, the plots and the arm64 board's report (arm64.md) to "
          "docs/bench/ (the README's Performance "
          "section is edited by hand from them).",
          "- `scripts/bench.sh --ck-search`: only the crashkernel= search (out/bench/crashkernel.txt, "
          "every attempt); `BENCH_CK_LO`, `BENCH_CK_HI`, `BENCH_CK_STEP` move it; "
          "`BENCH_CRASHKERNEL=32M` skips it.",
          "- `scripts/bench.sh --kernel`: only the kernel-side costs (register/unregister at the "
          "kernel's own baseline, 50 and 200 regions, the wrapped kvmalloc()/kvfree() pair against "
          "the bare one, a 4-page vmalloc region, backend replay, boot-time registration) on "
          "build/obj-prod (default backend, and the minidump table over ivshmem) and build/obj "
          "(`BENCH_DEBUG_KERNEL=build|use|skip`), then the report again "
          "from the capture runs already in out/bench/runs/, in out/bench/ only; it prints the "
          "kernel-side section and its targets.",
          "- `BENCH_RESUME=1 scripts/bench.sh`: keep every run already complete (and the search's "
          "result), run the rest, report.",
          "- `BENCH_PROD_KERNEL=use` boots build/obj-prod as it is instead of rebuilding it; "
          "`BENCH_MDFW=PATH` uses that mdfw binary; `BENCH_KEEP=1` keeps the full dumps and vmcores.",
          "- `scripts/bench.sh --smoke` (in `make check`): one boot per freeze at 256 MiB and a short "
          "kernel-side job; checks that every method still produces its dump, no figures.", ""]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(S))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"per": {f"{s}-{fr}": c for (s, fr), c in per.items()}, "kernel": kern,
                   "memory": mem, "floors": floors, "targets": tgt, "crashkernel": ck}, f, indent=1, default=str)
    with open(os.path.join(out, "kernel.tsv"), "w") as f:
        f.write("kernel\top\tpresent\tn\tmedian_ns\tmin_ns\tmax_ns\n")
        for k in kern:
            for r in kern[k]["rows"]:
                f.write(f"{k}\t{r['op']}\t{r['present']}\t{r['n']}\t{r['med']}\t{r['min']}\t{r['max']}\n")
    # No capture run (bench.sh --kernel on an empty OUT): nothing to plot.
    if "panic" in freezes and any(per[(s, "panic")]["notes"]["runs"] for s in sizes):
        gnuplot(out, [(s, per[(s, "panic")]) for s in sizes], METHODS)
    return 0


def cmd_smoke(argv):
    """The smoke run's own check: every method produced its output once.
    Prints one line per method; exit 1 if one is missing."""
    out = argv[0]
    res = load_json(os.path.join(out, "results.json")) or {}
    bad = 0
    for key, c in res.get("per", {}).items():
        for k, label in METHODS:
            if key.endswith("lockup") and k.startswith("kdump"):
                continue   # a lockup gives kdump nothing on this machine: not a failure
            ok = bool(c.get(k, {}).get("n"))
            bad += not ok
            print(f"{'ok' if ok else 'not ok'} bench.smoke.{key}.{k}")
    if res.get("kernel", {}).get("prod"):
        print("ok bench.smoke.kernel-side")
    else:
        print("not ok bench.smoke.kernel-side")
        bad += 1
    # The table run: its measurements ran with the minidump table's backend.
    be = res.get("kernel", {}).get("prod-table", {}).get("backend")
    ok = be == TABLE_BACKEND
    bad += not ok
    print(f"{'ok' if ok else 'not ok'} bench.smoke.kernel-side.prod-table.backend ({be})")
    # The kernel-side measurements the targets are judged on: each one ran.
    for k in ("prod", "prod-table"):
        rows = res.get("kernel", {}).get(k, {}).get("rows", [])
        for op in ("register", "unregister", "kvmalloc_wrapped", "kvmalloc_bare",
                   "register_vmalloc", "unregister_vmalloc"):
            ok = any(r["op"] == op and r["n"] for r in rows)
            bad += not ok
            print(f"{'ok' if ok else 'not ok'} bench.smoke.kernel-side{'.' + k if k != 'prod' else ''}.{op}")
    return 1 if bad or not res.get("per") else 0


def main():
    cmds = {"timed": cmd_timed, "fixup": cmd_fixup, "check": cmd_check,
            "report": cmd_report, "smoke": cmd_smoke, "watch": cmd_watch,
            "floor": cmd_floor, "capture-report": cmd_capture_report,
            "kernel-section": cmd_kernel_section}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 1
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
