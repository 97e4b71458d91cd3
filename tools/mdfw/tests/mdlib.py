# SPDX-License-Identifier: GPL-2.0
"""Helpers for the mdfw end-to-end tests.

The table encoder and the address mapping here are written independently
of the C code (from the protocol description in README.md), so the tests
cross-check the implementation rather than repeat it.
"""
import os
import struct
import subprocess
import sys
import traceback

MDFW = os.environ.get("MDFW", os.path.join(os.path.dirname(__file__),
                                           "..", "build", "mdfw"))

VALI, INVA = 0x56414C49, 0x494E5641
ENBL, NOTREQ, DONE = 0x454E424C, 0x00004E52, 0x444F4E45
GIB4 = 1 << 32

# Offsets from the C struct layout with natural alignment.
TOC_HEAD = struct.Struct("<IIIxxxx")            # 16 bytes
SUBSYS = struct.Struct("<IIIIIxxxxQ")           # 32 bytes
REGION = struct.Struct("<16sIIQQ")              # 40 bytes
assert (TOC_HEAD.size, SUBSYS.size, REGION.size) == (16, 32, 40)


def toc_bytes(ss0=None):
    """Global TOC (336 bytes) with subsystem 0 = ss0 (a tuple) if given."""
    out = TOC_HEAD.pack(1, 1, ENBL)
    subs = [SUBSYS.pack(0, 0, 0, 0, 0, 0)] * 10
    if ss0 is not None:
        subs[0] = SUBSYS.pack(*ss0)
    return out + b"".join(subs)


def region(name, seq, addr, size, valid=VALI):
    if isinstance(name, str):
        name = name.encode()
    return REGION.pack(name, seq, valid, addr, size)


class Layout:
    """QEMU pc: RAM below the hole at 0, the rest from 4 GiB."""

    def __init__(self, ram_size, below):
        self.ram_size, self.below = ram_size, below

    def file_off(self, gpa):
        if gpa < self.below:
            return gpa
        if GIB4 <= gpa < GIB4 + self.ram_size - self.below:
            return self.below + gpa - GIB4
        raise ValueError("not RAM: %#x" % gpa)


def run(args, **kw):
    return subprocess.run([MDFW] + args, capture_output=True, text=True,
                          **kw)


def read_manifest(path):
    comments, rows = [], []
    with open(path) as f:
        lines = f.read().split("\n")
    assert lines[-1] == "", "manifest must end with a newline"
    lines = lines[:-1]
    while lines and lines[0].startswith("#"):
        comments.append(lines.pop(0))
    assert lines[0].split("\t") == ["index", "name", "seq", "address",
                                    "size", "status", "file"], lines[0]
    for line in lines[1:]:
        rows.append(line.split("\t"))
    return comments, rows


def read_kv(path):
    out = {}
    with open(path) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            out[k] = v
    return out


class Tap:
    """Runs test functions, printing 'ok - name' / 'not ok - name'."""

    def __init__(self):
        self.failed = 0

    def run(self, fn, *args):
        name = fn.__name__
        try:
            fn(*args)
            print("ok - %s" % name)
        except Exception:  # noqa: BLE001 - report any failure
            self.failed += 1
            for line in traceback.format_exc().splitlines():
                print("# " + line)
            print("not ok - %s" % name)
        sys.stdout.flush()

    def exit(self):
        sys.exit(1 if self.failed else 0)


def check(cond, msg=""):
    if not cond:
        raise AssertionError(msg)
