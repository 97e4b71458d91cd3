#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Read kmemdump's live view of the dump (debugfs kmemdump/core) with drgn.

    liveview_check.py RUNDIR FREEZE VMLINUX

A scenario run with kmd.liveview=1 (scripts/scenario.sh) has the guest send
the view, gzipped and in base64, over its second serial port into RUNDIR/live.b64
before it freezes. This decodes it into RUNDIR/live.elf and prints
'ok|not ok|skip scenario.FREEZE.liveview-<name>' lines:
  liveview-copied   the decoded size is the one the guest printed
                    (KMD-LIVEVIEW: N bytes)
  liveview-check    mdfw info --check accepts it as a kmemdump core file
  liveview-printk   drgn reads the kernel log from it, with the line the
                    guest wrote just before sending it
  liveview-marker   drgn reads, by virtual address, the region the scenario
                    module registered for the random marker (kmd.marker=...):
                    the marker and its NUL
Exit status 0 unless a check failed.
"""
import base64
import binascii
import os
import re
import subprocess
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../scripts"))
from kmdcore import pt_loads  # noqa: E402

LAST = "kmemdump-marker: last words before freeze"
MAX_OUT = 256 << 20     # the largest view the kernel builds
MAX_IN = 64 << 20


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    run, freeze, vmlinux = sys.argv[1:]
    failed = False

    def report(word, name, detail=""):
        nonlocal failed
        print("%s scenario.%s.liveview-%s%s" % (word, freeze, name,
                                                "  # " + detail if detail else ""))
        failed |= word == "not ok"

    console = open(os.path.join(run, "console.log"), errors="replace").read()
    said = re.search(r"KMD-LIVEVIEW: (\d+) bytes", console)
    try:
        # The serial port's output: gzip in base64 lines, maybe with \r.
        # Guest-written: at most MAX_IN read, MAX_OUT inflated (the
        # kernel refuses views over 256 MiB).
        with open(os.path.join(run, "live.b64"), "rb") as f:
            b64 = f.read(MAX_IN + 1)
        if len(b64) > MAX_IN:
            raise ValueError("live.b64 is over %d bytes" % MAX_IN)
        z = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        img = z.decompress(base64.b64decode(re.sub(rb"[^A-Za-z0-9+/=]", b"", b64),
                                            validate=True), MAX_OUT + 1)
        if len(img) > MAX_OUT or not z.eof:
            raise ValueError("not one gzip stream of at most %d bytes" % MAX_OUT)
    except (OSError, ValueError, binascii.Error, zlib.error) as e:
        img = b""
        report("not ok", "copied", "%s: %s" % (type(e).__name__, e))
    else:
        ok = said is not None and int(said.group(1)) == len(img) and len(img) > 0
        report("ok" if ok else "not ok", "copied",
               "%d bytes decoded, the guest said %s" %
               (len(img), said.group(1) if said else "nothing (no KMD-LIVEVIEW line)"))
    elf = os.path.join(run, "live.elf")
    with open(elf, "wb") as f:
        f.write(img)

    mdfw = os.environ.get("MDFW", os.path.join(os.path.dirname(__file__),
                                               "../../tools/mdfw/build/mdfw"))
    res = subprocess.run([mdfw, "info", "--check", elf], capture_output=True,
                         text=True)
    last = (res.stdout + res.stderr).strip().splitlines()
    report("ok" if res.returncode == 0 else "not ok", "check",
           "mdfw info --check: exit %d%s" % (res.returncode,
                                             ", " + last[-1] if last else ""))

    try:
        import drgn
        from drgn.helpers.linux.printk import get_printk_records
    except ImportError as e:
        for n in ("printk", "marker"):
            report("skip", n, "no drgn module (%s)" % e)
        return 1 if failed else 0
    prog = drgn.Program()
    try:
        prog.set_core_dump(elf)
        try:
            prog.load_debug_info([vmlinux])
        except drgn.MissingDebugInfoError:
            pass    # the modules' debug info: not needed here
    except Exception as e:  # noqa: BLE001
        for n in ("printk", "marker"):
            report("not ok", n, "drgn cannot open it: %s: %s" % (type(e).__name__, e))
        return 1
    try:
        texts = [r.text.decode(errors="replace") for r in get_printk_records(prog)]
        hit = [t for t in texts if LAST in t]
        report("ok" if hit else "not ok", "printk",
               "%d records; %s" % (len(texts), hit[0] if hit else "no '%s' line" % LAST))
    except Exception as e:  # noqa: BLE001
        report("not ok", "printk", "%s: %s" % (type(e).__name__, e))
    mk = re.search(r"kmd\.marker=(\S+)", console)
    if not mk:
        report("not ok", "marker", "no kmd.marker= on the console's command line")
        return 1
    marker = mk.group(1).encode()
    found = None
    for ld in pt_loads(img[:1 << 20]) if len(img) >= 64 else []:
        try:
            data = prog.read(ld["vaddr"], ld["size"])
        except drgn.FaultError:
            continue
        # The module's own region holds the marker and its NUL, nothing
        # else (the log and the command line hold it too, among more).
        if data == marker + b"\0":
            found = (ld["name"] or "?", ld["vaddr"])
            break
    report("ok" if found else "not ok", "marker",
           "drgn read %s at %#x (region %s)" % (marker.decode(), found[1], found[0])
           if found else "%s is in no PT_LOAD drgn read" % marker.decode())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
