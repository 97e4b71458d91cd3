#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Helpers of `make bench` (scripts/bench.sh).

  bench-report.py timed RESULT.json OUTFILE [--fixup ELF] -- CMD...
  bench-report.py fixup ELF
  bench-report.py check RUNDIR VMLINUX
  bench-report.py report OUTDIR VMLINUX --sizes "256M 1G 4G" --runs 5 --elapsed S
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


def cmd_fixup(argv):
    print("changed" if elf_fixup(argv[0]) else "unchanged")
    return 0

PANIC = "Kernel panic - not syncing: kmemdump scenario"
DUMPS = [  # key, path in the run directory, label
    ("kmemdump", "dump/dump.elf", "kmemdump (mdfw)"),
    ("full", "full.elf", "dump-guest-memory ELF"),
    ("d31elf", "d31.elf", "makedumpfile -d 31 -E"),
    ("d31lzo", "d31.lzo", "makedumpfile -d 31 -l"),
]


def crash_query(vmlinux, dump):
    """crash --minimal: the kernel log and linux_banner, as a user would."""
    p = subprocess.run(["crash", "--minimal", "-s", "--kaslr=auto", vmlinux, dump],
                       input="log\nrd -a linux_banner\nquit\n", capture_output=True,
                       text=True, errors="replace", timeout=300)
    return p.stdout + p.stderr


def readable(out):
    log = [l for l in out.splitlines() if l.startswith("[")]
    return {
        "log": any(PANIC in l for l in log) and any("Linux version" in l for l in log),
        "log_lines": len(log),
        "banner": any(":  Linux version" in l for l in out.splitlines()),
        "backtrace": any("Call Trace" in l for l in log) and any("freeze_write+" in l for l in log),
    }


def cmd_check(argv):
    """What a user reads from each dump of RUNDIR: crash 8.0.2 --minimal
    (`log`, `rd -a linux_banner`); for kmemdump also a byte search of the
    md_*.BIN region files themselves."""
    run, vmlinux = argv[0], argv[1]
    res = {}
    for key, rel, _ in DUMPS:
        path = os.path.join(run, rel)
        if not os.path.exists(path):
            res[key] = {"error": "missing"}
            continue
        out = crash_query(vmlinux, path)
        with open(os.path.join(run, f"crash-{key}.log"), "w") as f:
            f.write(out)
        res[key] = readable(out)
    blobs = b""
    d = os.path.join(run, "dump")
    for n in sorted(os.listdir(d)) if os.path.isdir(d) else []:
        if n.startswith("md_") and n.endswith(".BIN"):
            with open(os.path.join(d, n), "rb") as f:
                blobs += f.read()
    res["kmemdump_bytes"] = {
        "banner": b"Linux version " in blobs,
        "log": PANIC.encode() in blobs,
        "backtrace": b"freeze_write+0x" in blobs,
    }
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
    """(registered bytes of every valid entry, bytes of kmemdump's own elf_header)."""
    total = header = 0
    try:
        with open(path) as f:
            rows = [l.rstrip("\n").split("\t") for l in f if not l.startswith("#")]
    except OSError:
        return None, None
    for r in rows[1:]:
        if len(r) < 6 or r[5] in ("invalid-marker",):
            continue
        size = int(r[4], 16)
        total += size
        if r[1] == "elf_header":
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
    rows, boot = [], None
    try:
        text = open(path, errors="replace").read()
    except OSError:
        return rows, boot, None
    info = None
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
        m = re.search(r"kmemdump: (\d+) static regions registered in (\d+) ns", l)
        if m:
            boot = (int(m[1]), int(m[2]))
    return rows, boot, info


def memory(out, vmlinux, capacity):
    code = data = 0
    big = []
    try:
        for l in open(os.path.join(out, "runs", "nm.txt")):
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


def cmd_report(argv):
    out, vmlinux = argv[0], argv[1]
    opt = dict(zip(argv[2::2], argv[3::2]))
    sizes = opt.get("--sizes", "256M 1G 4G").split()
    runs = int(opt.get("--runs", 5))
    elapsed = None if opt.get("--resumed") else opt.get("--elapsed")
    series = [("kmemdump", "kmemdump (mdfw)"), ("full", "dump-guest-memory ELF"),
              ("d31elf", "makedumpfile -d 31 -E"), ("d31lzo", "makedumpfile -d 31 -l (LZO)")]
    per_size = []
    floors = []
    capacity = None
    for size in sizes:
        acc = {k: {"bytes": [], "ms": []} for k, _ in series}
        mdf_only = {"d31elf": [], "d31lzo": []}
        disk = []
        reg = hdr = None
        for n in range(1, runs + 1):
            d = os.path.join(out, "runs", f"{size}-{n}")
            cap = load_kv(os.path.join(d, "dump", "capture.txt"))
            if cap and cap.get("result") in ("ok", "partial"):
                acc["kmemdump"]["bytes"].append(int(cap["bytes"]))
                acc["kmemdump"]["ms"].append(float(cap["capture_ms"]))
                disk.append(sum(os.path.getsize(os.path.join(d, "dump", f))
                                for f in os.listdir(os.path.join(d, "dump"))))
                reg, hdr = manifest(os.path.join(d, "dump", "manifest.tsv"))
                floors.append((size, reg, hdr, int(cap["bytes"])))
            dgm = load_json(os.path.join(d, "dgm.json"))
            if dgm and dgm.get("ok"):
                acc["full"]["bytes"].append(dgm["bytes"])
                acc["full"]["ms"].append(dgm["dgm_ms"])
                for k, fn in (("d31elf", "mdf-elf.json"), ("d31lzo", "mdf-lzo.json")):
                    m = load_json(os.path.join(d, fn))
                    if m and m.get("ok"):
                        acc[k]["bytes"].append(m["bytes"])
                        acc[k]["ms"].append(dgm["dgm_ms"] + m["ms"])
                        mdf_only[k].append(m["ms"])
            if capacity is None:
                try:
                    m = re.search(r"minidump table at \S+, (\d+) region entries",
                                  open(os.path.join(d, "console.log"), errors="replace").read())
                    capacity = int(m[1]) if m else None
                except OSError:
                    pass
        cols = {}
        for k, _ in series:
            b = acc[k]["bytes"]
            cols[k] = {"bytes": int(statistics.median(b)) if b else None,
                       "time": stats(acc[k]["ms"]), "runs": len(b)}
        cols["d31elf"]["mdf_only"] = stats(mdf_only["d31elf"])
        cols["d31lzo"]["mdf_only"] = stats(mdf_only["d31lzo"])
        cols["kmemdump"]["disk"] = int(statistics.median(disk)) if disk else None
        cols["check"] = load_json(os.path.join(out, "runs", f"{size}-1", "check.json")) or {}
        per_size.append((size, cols))

    L = []
    L.append("## Capture: kmemdump against full-RAM dumps\n")
    L.append(f"Same guest state (tests/bench/run.sh: the scenario's regions, then a panic; "
             f"pvpanic pauses the VM), every tool on the same frozen VM, {runs} runs (boots) "
             f"per RAM size. Time: from the pause event to the dump fsynced (file and directory); "
             f"median [min–max]. Full-dump pipelines: dump-guest-memory, then makedumpfile on "
             f"its output (the makedumpfile rows' time includes the full dump's; makedumpfile alone "
             f"is in results.json). dump-guest-memory's ELF also holds the device memory QEMU maps "
             f"as RAM (16 MiB VGA, the 1 MiB ivshmem BAR, the BIOS).\n")
    L.append("| RAM | capture | dump bytes | × kmemdump | capture time | × kmemdump | kernel log | banner/uts | panic backtrace |")
    L.append("|---|---|---:|---:|---:|---:|:-:|:-:|:-:|")
    for size, cols in per_size:
        kb = cols["kmemdump"]["bytes"]
        kt = cols["kmemdump"]["time"]
        chk = cols["check"]
        for k, label in series:
            c = cols[k]
            ratio_b = f"{c['bytes'] / kb:,.0f}×" if c["bytes"] and kb and k != "kmemdump" else ("1" if k == "kmemdump" and kb else "-")
            ratio_t = f"{c['time']['med'] / kt['med']:,.0f}×" if c["time"] and kt and k != "kmemdump" else ("1" if k == "kmemdump" and kt else "-")
            r = chk.get(k, {})
            L.append(f"| {size} | {label} | {fmt_bytes(c['bytes'])} | {ratio_b} | {fmt_ms(c['time'])} | {ratio_t} | "
                     f"{yn(r.get('log'))} | {yn(r.get('banner'))} | {yn(r.get('backtrace'))} |")
        L.append(f"| {size} | pstore/ramoops | - | - | - | - | not set up | - | - |")
    L.append("")
    L.append("Readability: crash 8.0.2 `--minimal --kaslr=auto` on each dump (kmemdump: the "
             "`dump.elf` mdfw assembles from the region files): *kernel log* = `log` shows the boot "
             "banner line and the panic message; *banner/uts* = `rd -a linux_banner` shows it; "
             "*panic backtrace* = the panic's `Call Trace` (with `freeze_write`) is in that log, "
             "as text (crash's `bt` needs its normal mode, which crash 8.0.2 cannot start on "
             "Linux 6.12, full dumps included). Checked on run 1 of each size.")
    kbytes = [c["check"].get("kmemdump_bytes") for _, c in per_size if c["check"].get("kmemdump_bytes")]
    if kbytes:
        kb0 = kbytes[0]
        L.append(f"A plain byte search of the kmemdump region files (md_*.BIN) agrees: banner "
                 f"{yn(kb0['banner'])}, panic message {yn(kb0['log'])}, backtrace text {yn(kb0['backtrace'])}.")
    L.append("")
    L.append("pstore/ramoops: **not set up**: the guest kernel is built without CONFIG_PSTORE and "
             "the benchmark does not change the kernel configuration. What it would take: "
             "`CONFIG_PSTORE=y`, `CONFIG_PSTORE_RAM=y`, `CONFIG_PSTORE_CONSOLE=y` in "
             "tests/config/kmemdump.config and, on the command line, "
             "`memmap=1M$0xff00000 ramoops.mem_address=0xff00000 ramoops.mem_size=0x100000 "
             "ramoops.console_size=0x80000 ramoops.record_size=0x20000` (1 MiB just below 256 MiB, "
             "inside RAM for every size; the host would read it from the RAM file). It holds the "
             "kernel log only (no banner structure beyond the log's first line, no memory). With "
             "pvpanic pausing the VM from its panic notifier, the panic kmsg_dump record (written "
             "after the notifiers) would likely never be written; the console record "
             "(PSTORE_CONSOLE, written as messages are printed) would hold the panic.\n")

    # physical floor
    L.append("## Physical floor\n")
    L.append("| RAM | registered bytes (all entries) | of which kmemdump's ELF header region | payload (registered − header) | captured region bytes | capture dir on disk | overhead above payload |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    seen = set()
    for size, reg, hdr, cap in floors:
        if size in seen:
            continue
        seen.add(size)
        disk = dict(per_size)[size]["kmemdump"]["disk"]
        pay = reg - hdr
        L.append(f"| {size} | {reg:,} | {hdr:,} | {pay:,} | {cap:,} | {disk:,} | "
                 f"{cap - pay:,} B ({(cap - pay) / pay * 100:.1f} %) |")
    L.append("")
    L.append("*registered* = the sizes in the minidump table the firmware read (manifest.tsv), "
             "i.e. what the kernel asked to keep, kmemdump's own `elf_header` region included. "
             "The region files hold exactly the registered bytes (no padding); the directory "
             "also holds manifest.tsv, capture.txt and dump.elf (the same data as one ELF core).\n")

    # kernel side
    rows, boot, info = kernel_bench(os.path.join(out, "runs", "kernel-console.log"))
    ovh = next((r["med"] for r in rows if r["op"] == "ktime_overhead"), 0) or 0
    L.append("## Kernel-side costs (guest, TCG, KASAN + lockdep kernel)\n")
    if info:
        L.append(f"Table: {info['slots']} slots (CONFIG_KMEMDUMP_MAX_REGIONS), {info['kernel']} used by "
                 f"the kernel before the benchmark ran, so {info['free']} free. Guest without the ivshmem "
                 f"device: the default no-op backend is active. `present` = regions in the table while "
                 f"the timed region is registered. One ktime_get_ns() pair costs {ovh / 1000:.1f} µs "
                 f"(median) under TCG; the last column subtracts it.\n")
    L.append("| operation | regions present | samples | median | min | max | median − clock |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    names = {
        "register": "kmemdump_register() (NO_ID)",
        "unregister": "kmemdump_unregister()",
        "noid_nearly_full_last": "NO_ID register, 1 slot free (newest ID/slot free)",
        "noid_nearly_full_first": "NO_ID register, 1 slot free (lowest dynamic ID free)",
        "predefined_id_nearly_full": "register predefined ID, 1 slot free",
        "register_backend": "kmemdump_register_backend() replay into dummy",
        "unregister_backend": "kmemdump_unregister_backend() of dummy",
    }
    for r in rows:
        if r["op"] == "ktime_overhead":
            continue
        if not r["n"]:
            note = "n/a (every predefined ID is taken by the kernel)" if "predefined" in r["op"] else "n/a"
            L.append(f"| {names.get(r['op'], r['op'])} | {r['present']} | 0 | {note} | | | |")
            continue
        us = lambda v: f"{v / 1000:.1f} µs"
        L.append(f"| {names.get(r['op'], r['op'])} | {r['present']} | {r['n']} | {us(r['med'])} | "
                 f"{us(r['min'])} | {us(r['max'])} | {us(max(r['med'] - ovh, 0))} |")
    L.append("")
    if boot:
        L.append(f"Boot: `kmemdump: {boot[0]} static regions registered in {boot[1]} ns`"
                 + (" (at core_initcall the clocksource is still jiffies-based, so a walk shorter "
                    "than a tick reads as 0 ns: below the clock's resolution, not a measurement of 0)"
                    if boot[1] == 0 else "") + ".\n")
    else:
        L.append("Boot: the `kmemdump: N static regions registered in X ns` message is missing "
                 "from this kernel's log.\n")

    mem = memory(out, vmlinux, capacity)
    hdr_bytes = floors[0][2] if floors else None
    L.append("Memory: static, from `nm --size-sort -S vmlinux | grep -iE 'kmemdump|qcom_md|kmd_'` "
             "(KUnit test symbols left out): "
             f"{mem['code']:,} B of code, {mem['data']:,} B of data/bss"
             + (" (largest: " + ", ".join(f"`{n}` {s:,} B" for s, n in mem["big"]) + ")" if mem["big"] else "")
             + ". Dynamic: the backend's slot-owner array, kcalloc(capacity, sizeof(int))"
             + (f" = {mem['capacity']} × 4 = {mem['owner']:,} B" if mem["owner"] else " (capacity not found in the console)")
             + (f", plus the devm_kzalloc'd struct qcom_md_table ({mem['sizes'][0]} B)" if mem["sizes"] else "")
             + (f"; the core image's ELF header buffer (kzalloc'd by the core, registered as "
                f"`elf_header`): {hdr_bytes:,} B" if hdr_bytes else "")
             + (f"; the table itself lives in the shared memory (ivshmem BAR), not in RAM: "
                f"4096 + {mem['capacity']} × 40 = {4096 + mem['capacity'] * 40:,} B" if mem["capacity"] else "")
             + ".\n")

    # targets
    L.append("## Targets\n")
    def at(size):
        return dict(per_size).get(size)
    one = at("1G") or per_size[min(1, len(per_size) - 1)][1]
    kb, kt = one["kmemdump"]["bytes"], one["kmemdump"]["time"]
    tgt = []
    if kb and one["d31elf"]["bytes"]:
        r = one["d31elf"]["bytes"] / kb
        tgt.append(("dump ≤ 1/100 of makedumpfile -d 31 ELF at 1 GiB", r >= 100,
                    f"{fmt_bytes(kb)} vs {fmt_bytes(one['d31elf']['bytes'])}: 1/{r:,.0f}"))
    if floors:
        size, reg, hdr, cap = floors[0]
        pay = reg - hdr
        lim = pay * 1.01 + 4096
        tgt.append(("dump ≤ registered × 1.01 + one page of headers", cap <= lim,
                    f"{cap:,} B captured vs limit {lim:,.0f} B (payload {pay:,} B); "
                    f"kmemdump's ELF header region alone is {hdr:,} B"))
    ts = [(s, c["kmemdump"]["time"]) for s, c in per_size if c["kmemdump"]["time"]]
    if len(ts) >= 2:
        lo, hi = min(t["med"] for _, t in ts), max(t["med"] for _, t in ts)
        tgt.append(("capture time flat from 256 MiB to 4 GiB (max/min median ≤ 1.5)", hi / lo <= 1.5,
                    ", ".join(f"{s}: {t['med']:.1f} ms" for s, t in ts) + f" (max/min {hi / lo:.2f})"))
    if kt and one["full"]["time"]:
        r = one["full"]["time"]["med"] / kt["med"]
        tgt.append(("capture time ≤ 1/100 of dump-guest-memory's at 1 GiB", r >= 100,
                    f"{kt['med']:.1f} ms vs {one['full']['time']['med']:.0f} ms: 1/{r:,.0f}"))
    r200 = [r for r in rows if r["op"] in ("register", "unregister") and r["n"] and r["present"] >= 195]
    for r in r200:
        tgt.append((f"{r['op']} ≤ 1 µs median with {r['present']} regions present", r["med"] <= 1000,
                    f"{r['med'] / 1000:.1f} µs under TCG ({max(r['med'] - ovh, 0) / 1000:.1f} µs without the clock's own cost)"))
    lo_reg = [r for r in rows if r["op"] == "register" and r["n"]]
    if len(lo_reg) >= 2:
        tgt.append(("(ratio) register cost, most vs fewest regions present", None,
                    f"{lo_reg[-1]['med'] / lo_reg[0]['med']:.1f}× ({lo_reg[0]['present']} → {lo_reg[-1]['present']} present)"))
    L.append("| target | met | figure |")
    L.append("|---|:-:|---|")
    for name, ok, fig in tgt:
        L.append(f"| {name} | {'-' if ok is None else ('yes' if ok else '**no**')} | {fig} |")
    L.append("")
    L.append("![dump size](dump-size.png)\n")
    L.append("![capture time](capture-time.png)\n")
    L.append("Reproduce: `make bench` (scripts/bench.sh; "
             + (f"this run took {int(elapsed) // 60} min {int(elapsed) % 60} s" if elapsed else "")
             + "). Raw data: out/bench/ (runs/*/ per boot: console.log, mdfw.log, dgm.json, "
               "mdf-*.json, check.json, crash-*.log).\n")
    md = "\n".join(L)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(md)
    # The short fragment for the top-level README's performance section.
    cap = L[L.index("| RAM | capture | dump bytes | × kmemdump | capture time | × kmemdump | kernel log | banner/uts | panic backtrace |"):]
    cap = cap[:cap.index("")]
    tg = L[L.index("| target | met | figure |"):]
    tg = tg[:tg.index("")]
    S = ["### Performance", "",
         "One frozen guest (panic, paused by pvpanic), captured by kmemdump's firmware "
         "(mdfw) and, on the same VM, by QEMU's `dump-guest-memory` (all RAM, ELF) and "
         f"makedumpfile `-d 31` of that dump; {runs} boots per RAM size, QEMU TCG. Time runs "
         "from the pause event to the dump fsynced; median [min–max]. Readable: what "
         "crash 8.0.2 `--minimal` shows (`log`, `rd -a linux_banner`).", ""]
    S += cap + [""]
    S += ["![dump size against guest RAM](docs/bench/dump-size.png)", "",
          "![capture time against guest RAM](docs/bench/capture-time.png)", ""]
    S += tg + [""]
    S += ["Kernel-side costs (register/unregister, backend replay, memory), the physical "
          "floor and how each figure is measured: [docs/bench/results.md](docs/bench/results.md). "
          "Reproduce with `make bench` (about "
          + (f"{round(int(elapsed) / 60)} min" if elapsed else "10 min")
          + " on 2 cores; results in out/bench/).", ""]
    with open(os.path.join(out, "summary.md"), "w") as f:
        f.write("\n".join(S))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"sizes": per_size, "kernel": rows, "boot": boot, "memory": mem,
                   "floors": floors, "targets": tgt}, f, indent=1, default=str)
    with open(os.path.join(out, "kernel.tsv"), "w") as f:
        f.write("op\tpresent\tn\tmedian_ns\tmin_ns\tmax_ns\n")
        for r in rows:
            f.write(f"{r['op']}\t{r['present']}\t{r['n']}\t{r['med']}\t{r['min']}\t{r['max']}\n")
    gnuplot(out, per_size, series)
    return 0


def main():
    cmds = {"timed": cmd_timed, "fixup": cmd_fixup, "check": cmd_check,
            "report": cmd_report}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 1
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
