#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""arm64's view of two drgn_check.py verdicts (check-dump-arm64.sh):

    drgn_arm64_view.py DRGN_CHECK_OUTPUT KIMAGE_VOFFSET [MODULE_ELF]

drgn_check.py was written for x86; on arm64:
  - drgn-fault-address: a kernel-image address's physical address is
    vaddr - kimage_voffset (x86: vaddr - __START_KERNEL_map + phys_base).
    A "not ok" whose FaultError is at exactly that physical address is
    drgn translating through the dumped page tables as it should: ok.
  - drgn-cpus: drgn 0.0.22 unwinds arm64 with DWARF CFI only and cannot
    load a module's debug info on Linux >= 6.4 (it reads struct module's
    core_layout/core_size, replaced by mem[] in 6.4), although the dump
    holds the modules list and section attributes: drgn_check.py only
    names the module's frames (its .ko's symbols placed there), so a trace is lost at most one frame after the
    scenario module's frame (named by MODULE_ELF, or a bare address)
    instead of reaching the stack's bottom. A "not ok" whose every problem
    is such a trace becomes a skip with this reason; any other problem
    (a missing panic/lockup_cpu frame, a task not found, ...) stays.
Everything else is printed unchanged."""
import re
import sys


def module_functions(path):
    import subprocess
    if not path:
        return set()
    try:
        out = subprocess.run(["nm", "--defined-only", path],
                             capture_output=True, text=True).stdout
    except OSError:
        return set()
    return {f[2] for f in (x.split() for x in out.splitlines())
            if len(f) == 3 and f[1] in "tT"}


def lost_after_module(trace, modfuncs):
    """The frames of '# cpu N: ... frames: a <- b <- ...': is one of the
    last two a module frame (named "f [module]" or a module function, or a
    bare address)?"""
    frames = trace.split("frames: ", 1)[-1].split(" <- ")
    while frames and frames[-1] == "?":     # drgn's unwinding gave up
        frames.pop()
    return any(f.endswith(" [module]") or f in modfuncs or
               re.fullmatch(r"0x[0-9a-f]+", f) for f in frames[-2:])


def main():
    kvo = int(sys.argv[2], 16)
    modfuncs = module_functions(sys.argv[3] if len(sys.argv) > 3 else None)
    blocks = []
    for line in open(sys.argv[1], errors="replace").read().splitlines():
        if re.match(r"^(ok|not ok|skip) ", line) or not blocks:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    out = []
    for b in blocks:
        head, rest = b[0], b[1:]
        text = "\n".join(rest)
        if head.startswith("not ok ") and head.endswith(".drgn-fault-address"):
            m = re.search(r"FaultError\('[^']*', (0x[0-9a-f]+)\) reading \S+ "
                          r"at (0x[0-9a-f]+)", text)
            if m and kvo and int(m.group(1), 16) == \
                    (int(m.group(2), 16) - kvo) % 2**64:
                head = "ok" + head[len("not ok"):]
                rest = [re.sub(r": neither .*", ": its physical address "
                               "(arm64: vaddr - kimage_voffset %#x)" % kvo, x)
                        for x in rest]
        if head.startswith("not ok ") and head.endswith(".drgn-cpus"):
            bad = [x for x in rest if re.match(r"^# cpu \d+: (?!\S+ pid )", x)]
            traces = {x.split(":")[0]: x for x in rest
                      if re.match(r"^# cpu \d+: \S+ pid", x)}
            stuck = [x for x in bad if "the trace does not reach the bottom"
                     in x and lost_after_module(traces.get(x.split(":")[0], ""),
                                                modfuncs)]
            if bad and stuck == bad:
                head = "skip" + head[len("not ok"):] + \
                    "  # drgn 0.0.22 unwinds arm64 by DWARF CFI and has " \
                    "none for the module (it cannot load a module's debug " \
                    "info on Linux >= 6.4: struct module has no core_size): " \
                    "each trace ends one frame after the scenario module's"
        out += [head] + rest
    print("\n".join(out))


if __name__ == "__main__":
    main()
