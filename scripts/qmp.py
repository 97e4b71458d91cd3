# SPDX-License-Identifier: GPL-2.0
"""A small QMP client (stdlib only), shared by scripts/bench-qmp.py and
tests/debuggers/qmp_dump.py: connect (retrying while QEMU starts), send
qmp_capabilities, run commands, and keep the events seen meanwhile."""
import json
import socket
import time


class Qmp:
    def __init__(self, path, timeout):
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
                time.sleep(0.1)
        self.f = self.s.makefile("rb")
        self.events = []
        self.read()  # greeting
        self.cmd("qmp_capabilities")

    def read(self):
        line = self.f.readline()
        if not line:
            raise EOFError("QEMU closed the QMP connection")
        msg = json.loads(line)
        if "event" in msg:
            msg["_mono"] = time.monotonic()
            self.events.append(msg)
        return msg

    def cmd(self, name, **args):
        req = {"execute": name}
        if args:
            req["arguments"] = args
        self.s.sendall(json.dumps(req).encode() + b"\n")
        while True:
            msg = self.read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(f"{name}: {msg['error']}")

    def wait_event(self, names, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events:
                if e["event"] in names:
                    return e
            self.s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                self.read()
            except socket.timeout:
                if time.monotonic() > deadline:
                    raise TimeoutError("no freeze event")
            finally:
                self.s.settimeout(None)
