#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""'mdfw capture' against a fake QEMU speaking QMP on a unix socket."""
import json
import os
import select
import socket
import stat
import subprocess
import tempfile
import threading
import time

from mdlib import GIB4, MDFW, Tap, check, read_kv, read_manifest
from test_extract import BAR2, RAM_SIZE, SHM_SIZE, Guest


class FakeQemu(threading.Thread):
    """Just enough of QEMU's QMP server for mdfw.

    listen_delay: create the socket only after this long.
    event/event_data/event_delay: trigger event to emit after capabilities
      negotiation; stop_delay: STOP (VM paused) that long after it.
    status: initial run state ("running", "guest-panicked", ...).
    pci_devices: query-pci "devices" of bus 0; pci_running: the same
      while the VM runs (default: pci_devices).
    hangup: close right after capabilities negotiation.
    """

    def __init__(self, path, event=None, event_data=None, event_delay=0.2,
                 stop_delay=0.0, status="running", listen_delay=0.0,
                 pci_devices=None, hangup=False, pci_running=None):
        super().__init__(daemon=True)
        self.path, self.event, self.event_data = path, event, event_data
        self.event_delay, self.stop_delay = event_delay, stop_delay
        self.status, self.listen_delay = status, listen_delay
        self.pci = pci_devices if pci_devices is not None else [
            ivshmem(BAR2, SHM_SIZE)]
        self.pci_running = pci_running
        self.hangup = hangup
        self.commands = []          # (name, time)
        self.fds = []               # received with commands, not yet used
        self.stop_time = None
        self.error = None

    def send(self, conn, obj):
        conn.sendall(json.dumps(obj).encode() + b"\r\n")

    def run(self):
        try:
            self.serve()
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.error = repr(e)

    def serve(self):
        time.sleep(self.listen_delay)
        srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        srv.bind(self.path)
        srv.listen(1)
        srv.settimeout(20)
        conn, _ = srv.accept()
        srv.close()
        self.send(conn, {"QMP": {"version": {"qemu": {
            "major": 7, "minor": 2, "micro": 0}, "package": ""},
            "capabilities": ["oob"]}})
        buf = b""
        running = self.status == "running"
        t_event = t_stop = None
        while True:
            now = time.monotonic()
            if t_event is not None and now >= t_event:
                self.send(conn, {"event": self.event, "data":
                                 self.event_data, "timestamp":
                                 {"seconds": 1, "microseconds": 2}})
                t_event = None
                t_stop = now + self.stop_delay
            if t_stop is not None and time.monotonic() >= t_stop:
                running, self.status = False, {
                    "WATCHDOG": "watchdog",
                    "GUEST_PANICKED": "guest-panicked"}[self.event]
                self.stop_time = time.monotonic()
                self.send(conn, {"event": "STOP", "timestamp":
                                 {"seconds": 1, "microseconds": 3}})
                t_stop = None
            waits = [t - time.monotonic() for t in (t_event, t_stop)
                     if t is not None]
            r, _, _ = select.select([conn], [], [],
                                    max(0, min(waits)) if waits else 30)
            if not r:
                if not waits:
                    return
                continue
            # File descriptors too (SCM_RIGHTS: mdfw's "getfd").
            data, fds, _, _ = socket.recv_fds(conn, 65536, 4)
            self.fds.extend(fds)
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                msg = json.loads(line)
                cmd = msg["execute"]
                self.commands.append((cmd, time.monotonic()))
                rid = msg.get("id")
                if cmd == "qmp_capabilities":
                    self.send(conn, {"return": {}, "id": rid})
                    if self.hangup:
                        conn.close()
                        return
                    if self.event:
                        t_event = time.monotonic() + self.event_delay
                elif cmd == "query-status":
                    self.send(conn, {"return": {"status": self.status if
                                                not running else "running",
                                                "singlestep": False,
                                                "running": running},
                                     "id": rid})
                elif cmd == "query-pci":
                    # Unrelated event in between: must be skipped.
                    self.send(conn, {"event": "RTC_CHANGE", "data":
                                     {"offset": 0}, "timestamp":
                                     {"seconds": 1, "microseconds": 4}})
                    pci = self.pci if not running or \
                        self.pci_running is None else self.pci_running
                    self.send(conn, {"return": [{"bus": 0, "devices":
                                                 pci}], "id": rid})
                elif cmd == "quit":
                    self.send(conn, {"return": {}, "id": rid})
                    try:    # the client may already be gone: fine
                        self.send(conn, {"event": "SHUTDOWN", "data":
                                         {"guest": False, "reason":
                                          "host-qmp-quit"}})
                    except OSError:
                        pass
                    conn.close()
                    return
                elif self.command(conn, cmd, msg.get("arguments"), rid):
                    pass
                else:
                    self.send(conn, {"error": {"class": "CommandNotFound",
                                               "desc": cmd}, "id": rid})


    def command(self, conn, cmd, args, rid):
        """More commands for subclasses: True if cmd was handled."""
        return False


def ivshmem(addr, size):
    return {"bus": 0, "slot": 4, "function": 0,
            "class_info": {"class": 1280},
            "id": {"device": 0x1110, "vendor": 0x1af4},
            "regions": [{"bar": 0, "type": "memory", "address": 0xfebf1000,
                         "size": 256, "prefetch": False,
                         "mem_type_64": False},
                        {"bar": 2, "type": "memory", "address": addr,
                         "size": size, "prefetch": True,
                         "mem_type_64": True}]}


ENTRIES = [("Kelfhdr", 0, 0x1000, 0x200), ("Kprb", 0, 0x200000, 0x1000),
           ("Kprb", 1, GIB4 + 0x3000, 0x800)]


def capture(g, sock, *extra, **kw):
    return subprocess.Popen(
        [MDFW, "capture", "--qmp", sock, "--ram", g.ram_path, "--ram-size",
         str(RAM_SIZE), "--below-4g", "4M", "--shm", g.shm_path, "--out",
         g.out, "--timeout", "20"] + list(extra),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def finish(p, qemu=None):
    out, err = p.communicate(timeout=60)
    if qemu is not None:
        qemu.join(10)
        check(qemu.error is None, qemu.error)
    return p.returncode, out, err


def check_dump(g):
    _, rows = read_manifest(os.path.join(g.out, "manifest.tsv"))
    check([r[5] for r in rows] == ["ok"] * len(ENTRIES), rows)
    for name, seq, addr, size in ENTRIES:
        fn = "md_%s.BIN" % name if seq == 0 else "md_%s@%d.BIN" % (name,
                                                                   seq)
        with open(os.path.join(g.out, fn), "rb") as f:
            check(f.read() == g.slice(addr, size), fn)
    return read_kv(os.path.join(g.out, "capture.txt"))


def watchdog_late_socket_and_quit():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, event="WATCHDOG", event_data={
            "action": "pause"}, listen_delay=0.5)
        p = capture(g, sock, "--quit")   # before the socket exists
        qemu.start()
        rc, out, err = finish(p, qemu)
        check(rc == 0, "rc %d\n%s" % (rc, err))
        kv = check_dump(g)
        check(kv["trigger"] == "WATCHDOG" and kv["trigger_source"] ==
              "event" and json.loads(kv["trigger_data"]) ==
              {"action": "pause"}, kv)
        # copied_ms (regions out of guest RAM) <= written_ms (every file
        # written) <= capture_ms (durable and in place: stdout only).
        ms = {l.split(":")[0]: float(l.split()[1]) for l in
              out.splitlines() if l.startswith(("copied_ms:",
                                                "capture_ms:"))}
        check(0 < float(kv["copied_ms"]) == ms["copied_ms"] <=
              float(kv["written_ms"]) <= ms["capture_ms"] and
              "capture_ms" not in kv, (out, kv))
        names = [c for c, _ in qemu.commands]
        check(names[0] == "qmp_capabilities" and names[-1] == "quit" and
              "query-pci" in names, names)


def panic_then_late_stop():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        # While the VM runs, query-pci would show no ivshmem device.
        qemu = FakeQemu(sock, event="GUEST_PANICKED", event_data={
            "action": "pause"}, stop_delay=0.4, pci_running=[])
        qemu.start()
        rc, _, err = finish(capture(g, sock), qemu)
        check(rc == 0 and "only a region array" not in err,
              "rc %d\n%s" % (rc, err))
        kv = check_dump(g)
        check(kv["trigger"] == "GUEST_PANICKED", kv)
        names = [c for c, _ in qemu.commands]
        check("quit" not in names, names)
        # Nothing read before the VM is stopped is used: query-pci, asked
        # at once, answered before STOP, is asked again after it.
        t_pci = [t for c, t in qemu.commands if c == "query-pci"]
        check(qemu.stop_time is not None and len(t_pci) == 2 and
              t_pci[0] < qemu.stop_time <= t_pci[1], "query-pci %s, STOP "
              "%s" % (t_pci, qemu.stop_time))


def already_stopped():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, status="guest-panicked")
        qemu.start()
        rc, _, err = finish(capture(g, sock, "--quit"), qemu)
        check(rc == 0, "rc %d\n%s" % (rc, err))
        kv = check_dump(g)
        check(kv["trigger"] == "GUEST_PANICKED" and kv["trigger_source"]
              == "query-status", kv)


def bar2_option_skips_query_pci():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, event="WATCHDOG", event_data={
            "action": "pause"}, pci_devices=[])
        qemu.start()
        rc, _, err = finish(capture(g, sock, "--bar2", hex(BAR2), "--quit"),
                            qemu)
        check(rc == 0, "rc %d\n%s" % (rc, err))
        check_dump(g)
        check("query-pci" not in [c for c, _ in qemu.commands])


def no_ivshmem_in_query_pci():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, event="WATCHDOG", event_data={
            "action": "pause"}, pci_devices=[])
        qemu.start()
        rc, _, err = finish(capture(g, sock, "--quit"), qemu)
        check(rc == 3 and "no ivshmem device" in err, "rc %d\n%s" % (rc,
                                                                     err))


def event_timeout():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock)
        qemu.start()
        t0 = time.monotonic()
        p = subprocess.run([MDFW, "capture", "--qmp", sock, "--ram",
                            g.ram_path, "--ram-size", "8M", "--shm",
                            g.shm_path, "--out", g.out, "--timeout", "1"],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 2 and "within 1 s" in p.stderr, p.stderr)
        check(time.monotonic() - t0 < 10, "took too long")
        check(not os.path.exists(g.out), "output written without trigger")


def qemu_goes_away():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, hangup=True)
        qemu.start()
        rc, _, err = finish(capture(g, sock), qemu)
        check(rc == 2 and "closed the QMP connection" in err, err)


def no_socket():
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        t0 = time.monotonic()
        rc, _, err = finish(capture(g, sock, "--connect-timeout", "1"))
        dt = time.monotonic() - t0
        check(rc == 2 and "cannot connect" in err and sock in err, err)
        check(0.9 <= dt < 10, "retried for %.2f s" % dt)
        # Missing RAM file: refused before even connecting.
        os.unlink(g.ram_path)
        rc, _, err = finish(capture(g, sock))
        check(rc == 2 and g.ram_path in err, err)


def long_trigger_data_keeps_result_lines():
    """capture.txt was built in 2048 bytes: long event data cut off the
    result lines silently."""
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        data = {"action": "pause", "info": {"type": "hyper-v",
                                            "msg": "A" * 5000 + "\u00e9"}}
        qemu = FakeQemu(sock, event="GUEST_PANICKED", event_data=data)
        qemu.start()
        rc, _, err = finish(capture(g, sock, "--quit"), qemu)
        check(rc == 0, "rc %d\n%s" % (rc, err))
        kv = check_dump(g)
        check(json.loads(kv["trigger_data"]) == data, "trigger_data cut")
        check(kv.get("result") == "ok" and kv.get("exit_code") == "0" and
              kv.get("elf") == "none", sorted(kv))


def existing_out_refused_before_connecting():
    """A FIFO (or anything) at --out: refused at once, exit 1, before
    connecting to QEMU (which is left alone) and without opening it."""
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        os.mkfifo(g.out)
        qemu = FakeQemu(sock, event="WATCHDOG", event_data={
            "action": "pause"})
        qemu.start()
        p = capture(g, sock, "--quit")
        out, err = p.communicate(timeout=20)
        check(p.returncode == 1 and "exists: refused" in err, "rc %d\n%s"
              % (p.returncode, err))
        check(not qemu.commands, qemu.commands)
        check(stat.S_ISFIFO(os.lstat(g.out).st_mode))


def write_failure_still_quits():
    """A capture that cannot be completed (a file size limit: manifest.tsv
    cannot be written) leaves nothing, exits 2 and still sends 'quit',
    so that QEMU is not left paused forever."""
    import test_extract as T
    with tempfile.TemporaryDirectory() as tmp:
        g, sock = Guest(tmp, ENTRIES), os.path.join(tmp, "qmp")
        qemu = FakeQemu(sock, event="WATCHDOG", event_data={
            "action": "pause"})
        qemu.start()
        rc, _, err = finish(capture(g, sock, "--quit", preexec_fn=(
            T._limit_file_size(300))), qemu)
        check(rc == 2 and "incomplete; nothing written" in err,
              "rc %d\n%s" % (rc, err))
        check(not os.path.lexists(g.out), os.listdir(tmp))
        T.check_no_leftovers(tmp)
        check([c for c, _ in qemu.commands][-1] == "quit", qemu.commands)


def capture_checks_the_header():
    """The protocol v2 rule on the capture path: consistent -> dump.elf;
    inconsistent -> exit 5, no dump.elf, still 'quit'."""
    import test_elf as E
    for bad in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            table = (lambda h: [h] + E.REGIONS[:2]) if bad else None
            g, _ = E.core_guest(tmp, table=table)
            sock = os.path.join(tmp, "qmp")
            qemu = FakeQemu(sock, event="GUEST_PANICKED", event_data={
                "action": "pause"})
            qemu.start()
            rc, out, err = finish(capture(g, sock, "--quit"), qemu)
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            elf = os.path.join(g.out, "dump.elf")
            if bad:
                check(rc == 5 and "INCONSISTENT" in err and
                      not os.path.exists(elf), "rc %d\n%s" % (rc, err))
                check(kv["result"] == "inconsistent", kv)
            else:
                check(rc == 0 and "header: generation 5, 3 loads, "
                      "consistent" in out and os.path.exists(elf),
                      "rc %d\n%s%s" % (rc, out, err))
                check(kv["generation"] == "5", kv)
            check([c for c, _ in qemu.commands][-1] == "quit")


if __name__ == "__main__":
    tap = Tap()
    for t in (watchdog_late_socket_and_quit, panic_then_late_stop,
              already_stopped, bar2_option_skips_query_pci,
              no_ivshmem_in_query_pci, event_timeout, qemu_goes_away,
              no_socket, long_trigger_data_keeps_result_lines,
              existing_out_refused_before_connecting, write_failure_still_quits, capture_checks_the_header):
        tap.run(t)
    tap.exit()
