#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP side of `make bench`: the comparison dump of the frozen guest.

  bench-qmp.py SOCKET --after FILE --dump OUT.elf --result OUT.json [--quit]

Connects to QEMU's second QMP socket before the guest freezes (mdfw holds
the first one), waits for GUEST_PANICKED or WATCHDOG, then for FILE to
exist (scripts/bench.sh creates it once mdfw has finished its capture, so
the two captures do not compete for CPU and disk), then runs
dump-guest-memory (ELF, paging off: all guest RAM) into OUT.elf and
fsyncs it and its directory.

Timing (monotonic clock): dgm_ms runs from sending dump-guest-memory to
the end of the fsync. A dedicated client would send the command as soon
as the event arrives; the gap it would add is one QMP round trip, so
dgm_ms stands for "pause event to file on disk". The raw gap between the
event's own timestamp (QEMU's wall clock) and our end is also recorded
(event_to_end_ms; it includes the wait for mdfw).
"""
import argparse
import json
import os
import sys
import time

from fsync import fsync_path
from qmp import Qmp


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--after", required=True)
    ap.add_argument("--dump", required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--quit", action="store_true")
    a = ap.parse_args()

    q = Qmp(a.socket, 30)
    res = {}
    try:
        ev = q.wait_event(("GUEST_PANICKED", "WATCHDOG"), a.timeout)
        ts = ev["timestamp"]
        res["event"] = ev["event"]
        res["event_wall"] = ts["seconds"] + ts["microseconds"] / 1e6
        deadline = time.monotonic() + a.timeout
        while not os.path.exists(a.after):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{a.after} never appeared")
            time.sleep(0.01)
        res["status_before"] = q.cmd("query-status")["status"]
        t0 = time.monotonic()
        q.cmd("dump-guest-memory", paging=False,
              protocol="file:" + os.path.abspath(a.dump))
        t1 = time.monotonic()
        fsync_path(a.dump)
        fsync_path(os.path.dirname(os.path.abspath(a.dump)), directory=True)
        t2 = time.monotonic()
        res["dgm_ms"] = (t2 - t0) * 1e3
        res["dgm_write_ms"] = (t1 - t0) * 1e3
        res["dgm_fsync_ms"] = (t2 - t1) * 1e3
        res["event_to_end_ms"] = (time.time() - res["event_wall"]) * 1e3
        res["bytes"] = os.path.getsize(a.dump)
        res["status_after"] = q.cmd("query-status")["status"]
        res["ok"] = True
    except Exception as e:  # reported in the result, bench.sh decides
        res["ok"] = False
        res["error"] = f"{type(e).__name__}: {e}"
    finally:
        if a.quit:
            try:
                q.cmd("quit")
            except Exception:
                pass
    with open(a.result, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
