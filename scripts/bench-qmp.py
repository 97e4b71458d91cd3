#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP side of `make bench`: the comparison dump of the frozen guest.

  bench-qmp.py SOCKET --after FILE --dump OUT.elf --result OUT.json [--quit]
               [--continue CONSOLE.log --lockup-wait S --run-timeout S]

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

--continue: the same freeze, then the peers that need the guest to run on
(pstore/ramoops, kdump). After the full dump, the watchdog and panic
actions are set to "none" (set-action) and the guest continues: a panic
goes on past the pvpanic notifier (the command line has
crash_kexec_post_notifiers) to pstore's kmsg_dump and kexec's capture
kernel, which writes the vmcore over 9p and reboots; a hard lockup gets
LOCKUP_WAIT seconds for the kernel's own detectors to start kdump, then
a system_reset stands for the hardware watchdog's reset. The boot after
the reset finds the pstore records, copies them out and powers off.
Times come from the console (CONSOLE.log, polled every 5 ms, stamped on
arrival) and QMP events, on the monotonic clock:
  kdump_start_ms  continue -> the capture kernel's init runs
  kdump_lzo_ms    continue -> vmcore.lzo written and fsynced
  kdump_elf_ms    the same for vmcore.elf, written after the LZO one:
                  (start) + (its own makedumpfile + fsync)
  pstore_ms       reset -> the pstore files written and fsynced
"""
import argparse
import json
import os
import sys
import time

from fsync import fsync_path
from qmp import Qmp


MARKS = ("KDUMP-START", "KDUMP-lzo-DONE", "KDUMP-elf-DONE", "KDUMP-END",
         "KMD-PSTORE-FOUND", "KMD-PSTORE-DONE", "Kernel panic - not syncing")


def run_on(q, a):
    """Let the frozen guest continue; time kdump and the pstore reboot."""
    r = {"marks": {}, "lines": {}}
    off = os.path.getsize(a.cont)
    buf = b""
    q.cmd("set-action", watchdog="none", panic="none")
    t0 = time.monotonic()
    q.cmd("cont")
    deadline = t0 + a.run_timeout
    reset_at = None
    last_pump = 0
    try:
        while time.monotonic() < deadline:
            with open(a.cont, "rb") as f:
                f.seek(off)
                new = f.read()
            now = time.monotonic()
            if new:
                off += len(new)
                buf += new
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    t = line.decode(errors="replace")
                    for m in MARKS:
                        if m in t and m not in r["marks"]:
                            r["marks"][m] = (now - t0) * 1e3
                            r["lines"][m] = t.strip()
            if "KMD-PSTORE-DONE" in r["marks"]:
                break
            if now - last_pump > 0.1:
                last_pump = now
                q.cmd("query-status")  # collects the events meanwhile
                for e in q.events:
                    if e["event"] == "RESET" and reset_at is None:
                        ts = e["timestamp"]
                        wall = ts["seconds"] + ts["microseconds"] / 1e6
                        reset_at = time.monotonic() - (time.time() - wall)
                        r["reset_ms"] = (reset_at - t0) * 1e3
                        r["reset_by"] = "guest"
            if (reset_at is None and "KDUMP-START" not in r["marks"]
                    and now - t0 > a.lockup_wait):
                # Nothing took the machine over: the hardware watchdog resets it.
                q.cmd("system_reset")
                reset_at = time.monotonic()
                r["reset_ms"] = (reset_at - t0) * 1e3
                r["reset_by"] = "host (watchdog reset)"
            time.sleep(0.005)
    except (EOFError, OSError) as e:
        r["qemu_gone"] = f"{type(e).__name__}: {e}"
    m = r["marks"]
    if "KDUMP-START" in m:
        r["kdump_start_ms"] = m["KDUMP-START"]
    if "KDUMP-lzo-DONE" in m and "rc=0" in r["lines"]["KDUMP-lzo-DONE"]:
        r["kdump_lzo_ms"] = m["KDUMP-lzo-DONE"]
    if "KDUMP-elf-DONE" in m and "rc=0" in r["lines"]["KDUMP-elf-DONE"]:
        r["kdump_elf_ms"] = m["KDUMP-START"] + m["KDUMP-elf-DONE"] - m.get("KDUMP-lzo-DONE", m["KDUMP-START"])
    if "KMD-PSTORE-DONE" in m and reset_at is not None:
        r["pstore_ms"] = m["KMD-PSTORE-DONE"] - r["reset_ms"]
    r["continued_ms"] = (time.monotonic() - t0) * 1e3
    return r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("--after", required=True)
    ap.add_argument("--dump")
    ap.add_argument("--result", required=True)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--quit", action="store_true")
    ap.add_argument("--continue", dest="cont")
    ap.add_argument("--lockup-wait", type=float, default=20)
    ap.add_argument("--run-timeout", type=float, default=900)
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
        if a.dump:
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
        if a.cont:
            res.update(run_on(q, a))
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
