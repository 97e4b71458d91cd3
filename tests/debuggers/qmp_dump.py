#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal QMP client (stdlib only): take a full ELF dump of a stopped guest.

    qmp_dump.py SOCKET OUT.elf [--quit]

Sends qmp_capabilities, then dump-guest-memory (paging=false, ELF, the
synchronous form), then optionally quit. QEMU writes the file itself, so
OUT.elf must be a path QEMU can write. Exit 0 on success.
"""
import json
import os
import socket
import sys
import time


class Qmp:
    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.s.settimeout(600)
        self.f = self.s.makefile("rb")
        greeting = self.read()
        if "QMP" not in greeting:
            raise RuntimeError("no QMP greeting: %r" % greeting)

    def read(self):
        line = self.f.readline()
        if not line:
            raise RuntimeError("QMP connection closed")
        return json.loads(line)

    def execute(self, cmd, args=None):
        req = {"execute": cmd}
        if args:
            req["arguments"] = args
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError("%s: %s" % (cmd, msg["error"]))
            # events (STOP, DUMP_COMPLETED, ...) are skipped


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sock, out = sys.argv[1], os.path.abspath(sys.argv[2])
    q = Qmp(sock)
    q.execute("qmp_capabilities")
    st = q.execute("query-status")
    print("qmp: status %s" % st.get("status"))
    t0 = time.monotonic()
    q.execute("dump-guest-memory", {"paging": False,
                                    "protocol": "file:" + out})
    print("qmp: dump-guest-memory -> %s (%d bytes, %.1f s)" %
          (out, os.path.getsize(out), time.monotonic() - t0))
    if "--quit" in sys.argv[3:]:
        try:
            q.execute("quit")
        except (RuntimeError, OSError):
            pass    # QEMU may close before replying


if __name__ == "__main__":
    main()
