#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of scripts/bench-switch.sh, from the consoles of its boots.

  bench-switch-report.py --dir DIR [--smoke NAME] [--out OUT.md] ...

DIR holds NAME.txt (a guest's console, \\r removed), NAME.load (the host's
load average before and after, the boot's seconds) and NAME.shm (the
ivshmem memory the guest left, with the minidump table) for the boots
main, breakdown, nodev and rt (each optional). Prints the report in
Markdown, and writes it to OUT.md. Every figure is a median of the runs
of one boot, with min-max; every ratio is between runs of the same boot,
"on" and "off" alternating. Exit: 0; 1 if a guest reported an error or an
expected figure is missing (with --smoke: any figure of each part).
"""
import argparse
import os
import re
import statistics
import struct
import sys
import time

SWITCH_TARGET = 1.02   # at most 2 % more per switch
RT_TARGET = 1.05       # at most 5 % more latency


def med(v):
    return statistics.median(v)


def fmt(v, unit=""):
    """median (min-max) of v."""
    return f"{med(v):.0f}{unit} ({min(v)}-{max(v)})"


# Runs whose middle half spreads wider than this, relative to the median,
# say more about the host (QEMU's vCPU threads waiting for a host CPU)
# than about the guest: no verdict from them.
NOISE = 0.5


def spread(v):
    s = sorted(v)
    return (s[(3 * len(s) + 3) // 4 - 1] - s[len(s) // 4]) / med(s)


def verdict(ratio, target, *runs):
    noisy = [spread(v) for v in runs if spread(v) > NOISE]
    if noisy:
        return (f"undetermined: the runs' middle half spreads {max(noisy):.0%} of their "
                "median (host scheduling)")
    return "met" if ratio <= target else "**not met**"


def read(dirname, name):
    p = os.path.join(dirname, name + ".txt")
    return open(p, errors="replace").read() if os.path.exists(p) else None


def load_of(dirname, name):
    p = os.path.join(dirname, name + ".load")
    if not os.path.exists(p):
        return "?"
    kv = dict(l.split(" ", 1) for l in open(p).read().splitlines() if " " in l)
    return (f"load {kv.get('before', '?').split()[0]} -> {kv.get('after', '?').split()[0]} "
            f"(1-min average, host), {kv.get('seconds', '?')} s")


def switch_runs(text):
    """{(state, how): [ns...]}, {(state, how): [(rep, ns)...]}"""
    runs, per = {}, {}
    for rep, state, how, ns in re.findall(r'^KMD-SWITCH (\d+) (\S+) (\S+) (\d+)$', text, re.M):
        runs.setdefault((state, how), []).append(int(ns))
        per.setdefault((state, how), []).append((int(rep), int(ns)))
    return runs, per


def tp_lines(text):
    return re.findall(r'^KMD-SWITCH-TP (\S+) (probes=\d+ key=\S+ \S+)$', text, re.M)


def table_sets(shm):
    """The CPU sets' entries in the table the guest left: {cpu: [(name,
    seq, valid, size)...]}, and the table's capacity."""
    data = open(shm, "rb").read()
    count = struct.unpack_from("<I", data, 16 + 16)[0]      # subsys[0].region_count
    sets = {}
    for arr in (0, 1):
        base = 4096 + arr * count * 40
        for i in range(count):
            name, seq, valid, addr, size = struct.unpack_from("<16sIIQQ", data, base + i * 40)
            name = name.split(b"\0")[0].decode(errors="replace")
            m = re.fullmatch(r'K(?:TASK|STACK)(\d+)(?:_\d+)?', name)
            if m and arr == 0:
                sets.setdefault(int(m.group(1)), []).append((name, seq, valid == 0x56414C49, size, i))
            elif m:   # the same entry, written in both arrays
                e = [x for x in sets.get(int(m.group(1)), []) if x[4] == i]
                if not e or e[0][:4] != (name, seq, valid == 0x56414C49, size):
                    raise ValueError(f"entry {i} ({name}) differs between the arrays")
    return sets, count


def part_main(a, out, errs):
    text = read(a.dir, "main")
    if text is None:
        return
    runs, per = switch_runs(text)
    out += ["## Following on against off (production kernel)", "",
            f"Pipe ping-pong, {a.rounds} rounds a run, {a.reps} runs per state alternating in "
            f"one boot; {load_of(a.dir, 'main')}. ns per switch, median (min-max):", "",
            "| processes | off | on | on / off | target <= 1.02 |", "|---|---|---|---|---|"]
    for how, what in (("pinned", "both on CPU 0"), ("free", "unpinned")):
        off, on = runs.get(("off", how)), runs.get(("on", how))
        if not off or not on:
            errs.append(f"main: no {how} figures")
            continue
        r = med(on) / med(off)
        out.append(f"| {what} | {fmt(off)} | {fmt(on)} | {r:.3f} | {verdict(r, SWITCH_TARGET, off, on)} |")
    out += ["", "Every run (ns per switch, in the order they ran):", ""]
    for key in sorted(k for k in per if k[1] in ("pinned", "free") and k[0] != "nodev"):
        out.append(f"- {key[0]} {key[1]}: " + ", ".join(f"{ns}" for _, ns in sorted(per[key])))
    for st, what in tp_lines(text):
        out.append(f"- sched_switch, {st}: {what}")
    # What following adds to the dump, from the table itself.
    shm = os.path.join(a.dir, "main.shm")
    desc = re.search(r'^KMD-SWITCH-CPUSETS \d+ cpu_sets (\d+) ', text, re.M)
    if os.path.exists(shm):
        try:
            sets, cap = table_sets(shm)
        except (ValueError, struct.error) as e:
            errs.append(f"main: table: {e}")
            sets, cap = {}, 0
        if not sets:
            errs.append("main: no CPU set in the table")
        out += ["", "What following adds to the dump, per CPU, read from the minidump table "
                f"the guest left in the ivshmem memory ({cap} entries an array):", "",
                "| CPU | entries (2 sets) | one set | bytes, both sets live | valid at the end |",
                "|---|---|---|---|---|"]
        for cpu in sorted(sets):
            e = sets[cpu]
            one = [x for x in e if x[1] == 0]
            sizes = " + ".join(f"{x[0]} {x[3]}" for x in one)
            out.append(f"| {cpu} | {len(e)} | {sizes} B | {sum(x[3] for x in e)} | "
                       f"{sum(1 for x in e if x[2])} of {len(e)} |")
        if desc and sets:
            out += ["", f"Plus the CPUs' descriptors, region cpu_sets: {desc.group(1)} bytes "
                    f"({int(desc.group(1)) // max(1, len(sets))} per CPU; registered with or "
                    "without following). At a freeze both sets of a CPU are normally live "
                    "(the task it switched to and the one it left), so the dump holds both."]


def part_breakdown(a, out, errs):
    text = read(a.dir, "breakdown")
    if text is None:
        return
    runs, per = switch_runs(text)
    cyc = {}
    for rep, st, cpu, m, p10, p90, n, ns in re.findall(
            r'^KMD-SWITCH-CYC (\d+) (on|off) (\d) (\d+) (\d+) (\d+) (\d+) (\d+)$', text, re.M):
        cyc.setdefault((st, int(cpu)), []).append((int(m), int(ns)))
    out += ["", "## Where the per-switch cost goes", "",
            "One boot with `kmemdump_ivshmem.follow_cpus=1`: CPU 0 is followed, on CPU 1 the "
            "probe is registered (tracepoint on) but returns at its first test. "
            f"{a.reps} runs per state alternating; {load_of(a.dir, 'breakdown')}.", "",
            "| what | off | on | on - off | on / off |", "|---|---|---|---|---|"]
    for cpu, what in ((1, "ping-pong on CPU 1: tracepoint + probe call, returns at once (ns/switch)"),
                      (0, "ping-pong on CPU 0: probe publishes next's set (ns/switch)")):
        off, on = runs.get(("off", f"cpu{cpu}")), runs.get(("on", f"cpu{cpu}"))
        if not off or not on:
            errs.append(f"breakdown: no cpu{cpu} figures")
            continue
        out.append(f"| {what} | {fmt(off)} | {fmt(on)} | {med(on) - med(off):+.0f} | "
                   f"{med(on) / med(off):.3f} |")
    for cpu, what in ((1, "kmemdump's probe alone, CPU 1 (returns at once)"),
                      (0, "kmemdump's probe alone, CPU 0 (publishes)")):
        off, on = cyc.get(("off", cpu)), cyc.get(("on", cpu))
        if not off or not on:
            errs.append(f"breakdown: no cycle figures on CPU {cpu}")
            continue
        mo, mn = [x[0] for x in off], [x[0] for x in on]
        no, nn = med([x[1] for x in off]), med([x[1] for x in on])
        out.append(f"| {what}: TSC bracket, cycles (ns) | {fmt(mo)} ({no:.0f} ns) | "
                   f"{fmt(mn)} ({nn:.0f} ns) | {med(mn) - med(mo):+.0f} ({nn - no:+.0f} ns) | - |")
    out += ["", "The bracket: tests/bench/switch/kmd_switch_cost (time=1) registers two probes "
            "on sched_switch, one before kmemdump's (priority 11) that reads the TSC and one "
            "after it (priority 9) that reads it again; per CPU, the median over every switch "
            "of a run; \"off\" is the bracket with nothing between. Every run:", ""]
    for key in sorted(k for k in per if k[1] in ("cpu0", "cpu1")):
        out.append(f"- ping-pong {key[0]} {key[1]}: " + ", ".join(f"{ns}" for _, ns in sorted(per[key])))
    for key in sorted(cyc):
        out.append(f"- bracket {key[0]} CPU {key[1]}, median cycles: " + ", ".join(str(x[0]) for x in cyc[key]))
    for st, what in tp_lines(text):
        out.append(f"- sched_switch, {st}: {what}")


def part_nodev(a, out, errs):
    text = read(a.dir, "nodev")
    if text is None:
        return
    runs, _ = switch_runs(text)
    main = read(a.dir, "main")
    mruns = switch_runs(main)[0] if main else {}
    out += ["", "## No backend", "",
            f"A boot of the same kernel without the ivshmem device ({load_of(a.dir, 'nodev')}):", ""]
    for st, what in tp_lines(text):
        out.append(f"- sched_switch, {st}: {what}")
    for how in ("pinned", "free"):
        v = runs.get(("nodev", how))
        if not v:
            errs.append(f"nodev: no {how} figures")
            continue
        o = mruns.get(("off", how))
        line = f"- {how}: {fmt(v)} ns per switch"
        if o:
            line += f" (the main boot's \"off\": {fmt(o)}; another boot, not a ratio to take)"
        out.append(line)


def part_rt(a, out, errs):
    text = read(a.dir, "rt")
    if text is None:
        return
    runs = {}
    for rep, st, kv in re.findall(r'^KMD-RT (\d+) (on|off) (.*)$', text, re.M):
        d = dict(x.split("=", 1) for x in kv.split())
        runs.setdefault(st, []).append((int(rep), d))
    kern = re.search(r'^KMD-RT-KERNEL (.*)$', text, re.M)
    out += ["", "## PREEMPT_RT: cyclictest under the ping-pong load", "",
            f"Kernel {a.rt_kernel or '?'} ({kern.group(1) if kern else '?'}); "
            f"`cyclictest -m -S -p 95 -i 1000 -D {a.rtsec} -h 50000` (one SCHED_FIFO thread per "
            "CPU, 1 ms period) while a ping-pong pair runs on each CPU; "
            f"{a.reps} runs per state alternating in one boot; {load_of(a.dir, 'rt')}. "
            "Latency in µs, median of the runs (min-max); p99 of both threads' "
            "samples together, from the histogram:", "",
            "| latency | off | on | on / off | target <= 1.05 |", "|---|---|---|---|---|"]
    for key in ("p99", "max"):
        vals = {}
        for st in ("off", "on"):
            v = [d.get(key, "") for _, d in runs.get(st, [])]
            if not v or not all(x.isdigit() for x in v):
                errs.append(f"rt: {key} {st}: {v or 'no runs'}")
                vals = None
                break
            vals[st] = [int(x) for x in v]
        if vals:
            r = med(vals["on"]) / med(vals["off"])
            out.append(f"| {key} | {fmt(vals['off'])} | {fmt(vals['on'])} | {r:.3f} | "
                       f"{verdict(r, RT_TARGET, vals['off'], vals['on'])} |")
    out += ["", "Every run:", ""]
    for st in ("off", "on"):
        for rep, d in runs.get(st, []):
            out.append(f"- {st} {rep}: " + " ".join(f"{k}={v}" for k, v in d.items()))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dir", required=True)
    p.add_argument("--out")
    p.add_argument("--smoke", metavar="NAME", help="one boot NAME with every part, no figures checked")
    p.add_argument("--reps", type=int, default=7)
    p.add_argument("--rounds", type=int, default=20000)
    p.add_argument("--rtsec", type=int, default=20)
    p.add_argument("--kernel", default="?")
    p.add_argument("--rt-kernel")
    p.add_argument("--commit", default="?")
    p.add_argument("--series", default="?", help="build/linux's last commit")
    p.add_argument("--elapsed", type=int)
    p.add_argument("--parts", default="main breakdown nodev rt",
                   help="the boots that must be there (default: all four)")
    a = p.parse_args()
    errs = []
    if a.smoke:
        text = read(a.dir, a.smoke) or ""
        errs += re.findall(r'KMD-ERROR: .*', text)
        for what, pat in (("main", r'^KMD-SWITCH 1 (on|off) (pinned|free) \d+$'),
                          ("breakdown", r'^KMD-SWITCH 1 (on|off) cpu[01] \d+$'),
                          ("bracket", r'^KMD-SWITCH-CYC 1 (on|off) [01] \d+'),
                          ("tracepoint", r'^KMD-SWITCH-TP (on|off) probes='),
                          ("rt", r'^KMD-RT 1 (on|off) n=\d+ p50=\d+ p99=\d+')):
            if len(re.findall(pat, text, re.M)) < 2:
                errs.append(f"smoke: no {what} figures for both states")
        if not re.search(r'^KMD-SWITCH-END', text, re.M):
            errs.append("smoke: the guest did not finish")
        print("\n".join(errs) if errs else f"bench-switch smoke ok ({a.elapsed} s)")
        return 1 if errs else 0
    out = [f"Context-switch bench (scripts/bench-switch.sh), {time.strftime('%Y-%m-%d')}, "
           f"commit {a.commit} (build/linux: {a.series}); kernel {a.kernel}; QEMU TCG, 2 vCPUs"
           + (f"; {a.elapsed} s in all" if a.elapsed else "") + ".", ""]
    for part in (part_main, part_breakdown, part_nodev, part_rt):
        part(a, out, errs)
    for name in ("main", "breakdown", "nodev", "rt"):
        text = read(a.dir, name)
        if text is None:
            if name in a.parts.split():
                errs.append(f"{name}: no console ({name}.txt) in {a.dir}")
            continue
        errs += [f"{name}: {e}" for e in re.findall(r'KMD-ERROR: .*', text)]
        if not re.search(r'^KMD-SWITCH-END', text, re.M):
            errs.append(f"{name}: the guest did not finish")
    text = "\n".join(out + [""] + errs)
    print(text)
    if a.out:
        open(a.out, "w").write(text + "\n")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
