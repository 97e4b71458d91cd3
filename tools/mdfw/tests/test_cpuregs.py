#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Every vCPU's registers at capture: 'mdfw capture' asks a fake QEMU for
a one-page dump-guest-memory ELF through a passed file descriptor, keeps
its NT_PRSTATUS notes as cpu_regs.notes and merges them into dump.elf
(the kernel's notes stay where the kernel saved registers); 'mdfw elf
--dir' rebuilds the same core; 'mdfw info' names each CPU's source."""
import json
import os
import struct
import subprocess
import tempfile

import mdelfgen as G
from mdlib import MDFW, Tap, check, read_kv
from test_extract import Guest
from test_qmp import FakeQemu, capture, finish

NT_PRSTATUS, PR_SIZE, PR_PID, PR_REG = 1, 336, 32, 112


def qemu_regs(cpu):
    return [0xffffffff81234000 + cpu * 0x10 + i for i in range(27)]


def qemu_elf(ncpus=2, notes=None):
    """dump-guest-memory's ELF as QEMU 7.2 writes it (paging false, one
    page): PT_NOTE with per vCPU a CORE NT_PRSTATUS (pid cpu + 1), then
    per vCPU a QEMU CPU-state note; one PT_LOAD of 4096 bytes."""
    if notes is None:
        notes = ([G.prstatus(c + 1, qemu_regs(c)) for c in range(ncpus)] +
                 [G.note(b"QEMU", 0, bytes([0x5a]) * 0x1b0)] * ncpus)
    nb = b"".join(notes)
    off = 64 + 2 * 56
    eh = G.EHDR.pack(b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9, G.ET_CORE,
                     G.EM_X86_64, 1, 0, 64, 0, 0, 64, 56, 2, 0, 0, 0)
    ph = (G.PHDR.pack(G.PT_NOTE, 0, off, 0, 0, len(nb), len(nb), 0) +
          G.PHDR.pack(G.PT_LOAD, 0, off + len(nb), 0, 0, 4096, 4096, 0))
    return eh + ph + nb + b"\xcc" * 4096


class RegsQemu(FakeQemu):
    """FakeQemu with getfd, closefd and dump-guest-memory."""

    def __init__(self, path, regs_elf=None, refuse=False, **kw):
        super().__init__(path, event="WATCHDOG",
                         event_data={"action": "pause"}, **kw)
        self.regs_elf, self.refuse = regs_elf, refuse
        self.named, self.dump_args = {}, None

    def command(self, conn, cmd, args, rid):
        if cmd == "getfd":
            check(self.fds, "getfd without a file descriptor")
            self.named[args["fdname"]] = self.fds.pop()
            # What mdfw passes: an anonymous memory file, in no directory.
            self.fd_target = os.readlink("/proc/self/fd/%d" %
                                         self.named[args["fdname"]])
        elif cmd == "closefd":
            os.close(self.named.pop(args["fdname"]))
        elif cmd == "dump-guest-memory":
            self.dump_args = args
            if self.refuse:
                self.send(conn, {"error": {"class": "GenericError",
                                           "desc": "dump refused"},
                                 "id": rid})
                return True
            fd = self.named.pop(args["protocol"][3:])
            os.write(fd, self.regs_elf)
            os.close(fd)
        else:
            return False
        self.send(conn, {"return": {}, "id": rid})
        return True


# tools/mdfw/cpuregs.h CPUREGS_PID_SYNTH: a pid no task can have.
PID_SYNTH = 0x400000


def core_guest(tmp, kernel_saved=()):
    """A guest with an ELF header whose two NT_PRSTATUS are zero except
    for the CPUs in kernel_saved (the panic path's crash notes)."""
    import test_elf as E
    regions = E.REGIONS
    loads = [G.Load(n, s, E.DMAP + a, a, bytes(sz)) for n, s, a, sz in
             regions]
    knotes = [G.prstatus(0 if c else 57, [0x5000 + c] * 27 if c in
                         kernel_saved else None) for c in range(2)]
    knotes += [G.prpsinfo(), G.vmcoreinfo(G.DEFAULT_VMCOREINFO)]
    hdr = G.header_region(loads, notes=knotes, generation=5)
    g = Guest(tmp, [("KELF_HEADER", 0, E.HDR_AT, len(hdr))] + list(regions))
    g.ram[E.HDR_AT:E.HDR_AT + len(hdr)] = hdr
    with open(g.ram_path, "wb") as f:
        f.write(g.ram)
    return g, knotes


def notes_of(path):
    """(name, type, desc) of dump.elf's PT_NOTE."""
    with open(path, "rb") as f:
        d = f.read()
    off, size = struct.unpack_from("<QQ", d, 64 + 8)[0], \
        struct.unpack_from("<Q", d, 64 + 32)[0]
    out, o = [], off
    while o < off + size:
        nn, dn, t = struct.unpack_from("<III", d, o)
        if not nn and not dn and not t:
            break
        name = d[o + 12:o + 12 + nn].rstrip(b"\0")
        do = o + 12 + (nn + 3) // 4 * 4
        out.append((name, t, d[do:do + dn]))
        o = do + (dn + 3) // 4 * 4
    return out


def regs(desc):
    return list(struct.unpack_from("<27Q", desc, PR_REG))


def run_capture(tmp, g, qemu):
    qemu.start()
    rc, out, err = finish(capture(g, qemu.path, "--quit"), qemu)
    return rc, out, err


def no_temp_files(d):
    left = [f for f in os.listdir(d) if f.startswith(".mdfw-")]
    check(not left, "temporary files left: %s" % left)


def lockup_all_from_qemu():
    with tempfile.TemporaryDirectory() as tmp:
        g, knotes = core_guest(tmp)
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=qemu_elf())
        rc, out, err = run_capture(tmp, g, q)
        check(rc == 0, "rc %d %s" % (rc, err))
        check(q.dump_args == {"paging": False, "protocol":
                              "fd:mdfw-cpu-regs", "begin": 0,
                              "length": 4096}, q.dump_args)
        names = [c for c, _ in q.commands]
        check(names.index("getfd") < names.index("dump-guest-memory") <
              names.index("quit"), names)
        check(q.fd_target.startswith("/memfd:mdfw-cpu-regs"), q.fd_target)
        # cpu_regs.notes: exactly QEMU's two NT_PRSTATUS notes.
        with open(os.path.join(g.out, "cpu_regs.notes"), "rb") as f:
            check(f.read() == b"".join(G.prstatus(c + 1, qemu_regs(c))
                                       for c in range(2)), "notes file")
        check(os.stat(os.path.join(g.out, "cpu_regs.notes")).st_mode &
              0o777 == 0o600, "mode")
        no_temp_files(g.out)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(kv["cpu_regs"] == "ok" and kv["cpu_regs_cpus"] == "2" and
              kv["cpu_sources"] == "ff" and kv["cpu_regs_bytes"] ==
              str(2 * 356), kv)
        with open(os.path.join(g.out, "manifest.tsv")) as f:
            check("# cpu_regs: file cpu_regs.notes, 2 CPUs, 712 bytes, "
                  "from QEMU dump-guest-memory\n" in f.read(), "manifest")
        check("cpu_regs: 2 CPUs from QEMU" in out and "sources ff" in out,
              out)
        elf = os.path.join(g.out, "dump.elf")
        n = notes_of(elf)
        check([(x[0], x[1]) for x in n] == [
            (b"CORE", 1), (b"CORE", 1), (b"MDFW", 1), (b"KMEMDUMP", 1),
            (b"CORE", 3), (b"VMCOREINFO", 0)], [(x[0], x[1]) for x in n])
        # pr_pid: the kernel's (the task it last switched to there),
        # its idle pid 0 made unique.
        for c in range(2):
            check(regs(n[c][2]) == qemu_regs(c) and
                  struct.unpack_from("<I", n[c][2], PR_PID)[0] ==
                  [57, PID_SYNTH + 1][c], "cpu %d" % c)
        check(n[2][2] == b"ff", n[2][2])
        # The kernel's other notes as they were, generation note first.
        check(n[3][2] == struct.pack("<Q", 5), n[3][2])
        check(n[4][2] == G.prpsinfo()[20:] and n[5][2] ==
              G.DEFAULT_VMCOREINFO.encode(), "the kernel's other notes")
        r = subprocess.run([MDFW, "info", "--check", elf], text=True,
                           capture_output=True)
        check(r.returncode == 0 and "register source recorded by mdfw" in
              r.stdout and r.stdout.count("firmware (QEMU)") == 2,
              r.stdout + r.stderr)
        # elf --dir: the same core from the files.
        with open(elf, "rb") as f:
            first = f.read()
        os.unlink(elf)
        r = subprocess.run([MDFW, "elf", "--dir", g.out], text=True,
                           capture_output=True)
        with open(elf, "rb") as f:
            check(r.returncode == 0 and f.read() == first,
                  "elf --dir differs: %s" % r.stderr)


def panic_kernel_stays_authoritative():
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp, kernel_saved=(0,))
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=qemu_elf())
        rc, out, err = run_capture(tmp, g, q)
        check(rc == 0, "rc %d %s" % (rc, err))
        n = notes_of(os.path.join(g.out, "dump.elf"))
        check(regs(n[0][2]) == [0x5000] * 27, "cpu 0: the kernel's")
        check(regs(n[1][2]) == qemu_regs(1), "cpu 1: QEMU's")
        # The kernel's pid, whoever saved the registers (drgn finds the
        # running task's registers by it); its idle pid 0 made unique.
        check([struct.unpack_from("<I", n[c][2], PR_PID)[0]
               for c in range(2)] == [57, PID_SYNTH + 1], "pids")
        check(n[2][2] == b"kf", n[2][2])
        r = subprocess.run([MDFW, "info", "--check", os.path.join(
            g.out, "dump.elf")], text=True, capture_output=True)
        check(r.returncode == 0 and "cpu 0    kernel" in r.stdout and
              "cpu 1    firmware (QEMU)" in r.stdout, r.stdout)
        # What a person reads: the task, the idle CPU as its idle task,
        # never the synthetic pid.
        check("cpu 0    kernel           pid 57 " in r.stdout and
              "cpu 1    firmware (QEMU)  idle (swapper/1) " in r.stdout and
              str(PID_SYNTH + 1) not in r.stdout, r.stdout)


def hostile_qemu_files():
    """What QEMU writes is parsed as untrusted: a bad file is a warning,
    cpu_regs=failed, no cpu_regs.notes, the kernel's notes unchanged."""
    bad = [
        ("not ELF", b"hello" * 100),
        ("huge descsz", qemu_elf(notes=[struct.pack("<III", 5, 0xfffffff0,
                                                     1) + b"CORE\0\0\0\0"])),
        ("wrong pid", qemu_elf(notes=[G.prstatus(5, qemu_regs(0))])),
        ("short prstatus", qemu_elf(notes=[G.note(b"CORE", 1, bytes(200))])),
        ("e_phnum 65535", bytearray(qemu_elf())),
        ("17 MiB", qemu_elf() + bytes(17 << 20)),
    ]
    struct.pack_into("<H", bad[4][1], 56, 0xfffe)
    for what, data in bad:
        with tempfile.TemporaryDirectory() as tmp:
            g, knotes = core_guest(tmp)
            q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=bytes(data))
            rc, out, err = run_capture(tmp, g, q)
            kv = read_kv(os.path.join(g.out, "capture.txt"))
            check(rc == 0 and kv["cpu_regs"] == "failed" and
                  "CPU registers from QEMU" in err, "%s: rc %d %s %s" %
                  (what, rc, kv.get("cpu_regs"), err))
            check(not os.path.exists(os.path.join(g.out, "cpu_regs.notes")),
                  what)
            no_temp_files(g.out)
            n = notes_of(os.path.join(g.out, "dump.elf"))
            check(len(n) == 5 and n[0][:2] == (b"KMEMDUMP", 1) and
                  n[1][1] == 1 and regs(n[1][2]) == [0] * 27,
                  "%s: kernel notes unchanged" % what)


def qemu_refuses_the_dump():
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp)
        q = RegsQemu(os.path.join(tmp, "qmp"), refuse=True)
        rc, out, err = run_capture(tmp, g, q)
        kv = read_kv(os.path.join(g.out, "capture.txt"))
        check(rc == 0 and kv["cpu_regs"] == "failed" and "dump refused" in
              kv["cpu_regs_error"], kv)
        check("closefd" in [c for c, _ in q.commands] and not q.named,
              "the descriptor is released: %s" % q.commands)
        no_temp_files(g.out)


def elf_dir_checks_the_notes_file():
    """elf --dir uses cpu_regs.notes only as the manifest lists it."""
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp)
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=qemu_elf())
        rc, _, err = run_capture(tmp, g, q)
        check(rc == 0, err)
        notes = os.path.join(g.out, "cpu_regs.notes")
        elf = os.path.join(g.out, "dump.elf")
        with open(notes, "rb") as f:
            good = f.read()

        def rebuild():
            os.unlink(elf)
            r = subprocess.run([MDFW, "elf", "--dir", g.out], text=True,
                               capture_output=True)
            return r, [x[0] for x in notes_of(elf)]
        # Another capture's file (other size): left out, exit 4.
        with open(notes, "wb") as f:
            f.write(good[:356])
        r, names = rebuild()
        check(r.returncode == 4 and "not from this capture" in r.stderr and
              b"MDFW" not in names, r.stderr)
        # Same size, not pr_pid 1, 2: left out.
        with open(notes, "wb") as f:
            f.write(good[356:] + good[:356])
        r, names = rebuild()
        check(r.returncode == 4 and "pr_pid" in r.stderr, r.stderr)
        # A symlink at the name is not followed.
        os.unlink(notes)
        with open(os.path.join(tmp, "elsewhere"), "wb") as f:
            f.write(good)
        os.symlink(os.path.join(tmp, "elsewhere"), notes)
        r, names = rebuild()
        check(r.returncode == 4 and b"MDFW" not in names, r.stderr)
        # Not listed in the manifest: not used, not an error.
        os.unlink(notes)
        with open(notes, "wb") as f:
            f.write(good)
        man = os.path.join(g.out, "manifest.tsv")
        with open(man) as f:
            text = f.read()
        with open(man, "w") as f:
            f.write("".join(l for l in text.splitlines(True)
                            if not l.startswith("# cpu_regs:")))
        r, names = rebuild()
        check(r.returncode == 0 and b"MDFW" not in names, r.stderr)


def info_checks_the_source_note():
    with tempfile.TemporaryDirectory() as tmp:
        g, _ = core_guest(tmp, kernel_saved=(0,))
        q = RegsQemu(os.path.join(tmp, "qmp"), regs_elf=qemu_elf(
            notes=[G.prstatus(1, qemu_regs(0)), G.prstatus(2)]))
        rc, _, err = run_capture(tmp, g, q)
        elf = os.path.join(g.out, "dump.elf")
        with open(elf, "rb") as f:
            d = bytearray(f.read())
        i = d.index(b"MDFW\0\0\0\0") + 8
        check(d[i:i + 2] == b"k-", d[i:i + 2])     # QEMU's cpu 1: zero
        r = subprocess.run([MDFW, "info", "--check", elf], text=True,
                           capture_output=True)
        check(r.returncode == 0 and "cpu 1    none" in r.stdout, r.stdout)
        d[i + 1] = ord("f")     # claims registers that are not there
        with open(elf, "wb") as f:
            f.write(d)
        r = subprocess.run([MDFW, "info", "--check", elf], text=True,
                           capture_output=True)
        check(r.returncode == 3 and "cpu 1: register source 0x66" in
              r.stdout, r.stdout)


if __name__ == "__main__":
    tap = Tap()
    for t in (lockup_all_from_qemu, panic_kernel_stays_authoritative,
              hostile_qemu_files, qemu_refuses_the_dump,
              elf_dir_checks_the_notes_file, info_checks_the_source_note):
        tap.run(t)
    tap.exit()
