#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Minimal QMP client (stdlib only): take a full ELF dump of a stopped guest.

    qmp_dump.py SOCKET OUT.elf [--quit]

Sends qmp_capabilities, then dump-guest-memory (paging=false, ELF, the
synchronous form), then optionally quit. QEMU writes the file itself, so
OUT.elf must be a path QEMU can write. Exit 0 on success.
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../scripts"))
from qmp import Qmp  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sock, out = sys.argv[1], os.path.abspath(sys.argv[2])
    q = Qmp(sock, 30)
    q.s.settimeout(600)
    st = q.cmd("query-status")
    print("qmp: status %s" % st.get("status"))
    t0 = time.monotonic()
    q.cmd("dump-guest-memory", paging=False, protocol="file:" + out)
    print("qmp: dump-guest-memory -> %s (%d bytes, %.1f s)" %
          (out, os.path.getsize(out), time.monotonic() - t0))
    if "--quit" in sys.argv[3:]:
        try:
            q.cmd("quit")
        except (RuntimeError, OSError):
            pass    # QEMU may close before replying


if __name__ == "__main__":
    main()
