#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""drgn checks of a kernel core dump (python3-drgn 0.0.22 from Debian):

    drgn_check.py MODE CORE VMLINUX [MARKER]

Prints 'ok|not ok|skip debuggers.MODE.drgn-<name>' lines (and '# ' details):
  drgn-open        the core opens as a Linux kernel dump with the vmlinux
  drgn-uts         init_uts_ns.name.release equals VMCOREINFO's OSRELEASE
  drgn-printk      the printk records read (count), the panic message and
                   MARKER (default "kmemdump-marker: last words before
                   freeze") among them
  drgn-backtrace   the panicking task's stack trace has panic frames: the
                   task is the dump's panic_task region (kmemdump registers
                   it at panic); drgn takes its registers from the
                   NT_PRSTATUS of the CPU it ran on. Without that region,
                   prog.crashed_thread() is tried.
Exit status 0 unless something ran and failed ('skip' is not a failure).
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../scripts"))
from kmdcore import pt_loads  # noqa: E402

MARKER = "kmemdump-marker: last words before freeze"
# The freeze's line in the log (check-dump.sh sets it per freeze mode).
PANIC = os.environ.get("KMD_FREEZE_LINE", "Kernel panic - not syncing")


def region_vaddr(core, name):
    """p_vaddr of the PT_LOAD kmemdump's name table calls NAME, or None."""
    with open(core, "rb") as f:
        loads = pt_loads(f.read(1 << 20))
    return next((ld["vaddr"] for ld in loads if ld["name"] == name), None)


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    mode, core, vmlinux = sys.argv[1:4]
    marker = sys.argv[4] if len(sys.argv) > 4 else MARKER
    failed = False

    def report(word, name, detail=""):
        nonlocal failed
        print("%s debuggers.%s.drgn-%s" % (word, mode, name))
        for line in str(detail).splitlines():
            print("# " + line)
        if word == "not ok":
            failed = True

    try:
        import drgn
    except ImportError as e:
        report("skip", "open", "no drgn module (%s); run with /usr/bin/python3"
               % e)
        return 0
    prog = drgn.Program()
    try:
        prog.set_core_dump(core)
        try:
            prog.load_debug_info([vmlinux])
        except drgn.MissingDebugInfoError as e:
            # Modules without debug info are expected; vmlinux is what counts.
            print("# drgn: %s" % str(e).splitlines()[0])
        if not prog.flags & drgn.ProgramFlags.IS_LINUX_KERNEL:
            raise RuntimeError("not recognised as a Linux kernel core")
        report("ok", "open", "drgn %s, platform %s" %
               (drgn.__version__, prog.platform.arch.name))
    except Exception as e:  # noqa: BLE001
        report("not ok", "open", "%s: %s" % (type(e).__name__, e))
        return 1

    # uts
    try:
        rel = prog["init_uts_ns"].name.release.string_().decode()
        want = None
        try:
            want = prog["UTS_RELEASE"].string_().decode()
        except (KeyError, LookupError, drgn.FaultError):
            pass
        report("ok", "uts", "init_uts_ns.name.release = %s%s" %
               (rel, "" if want is None else " (UTS_RELEASE %s)" % want))
    except Exception as e:  # noqa: BLE001
        report("not ok", "uts", "%s: %s" % (type(e).__name__, e))

    # printk
    try:
        from drgn.helpers.linux.printk import get_printk_records
        recs = get_printk_records(prog)
        texts = [r.text.decode(errors="replace") for r in recs]
        has_panic = [t for t in texts if PANIC in t]
        has_marker = [t for t in texts if marker in t]
        detail = "%d records; last: %s" % (len(texts),
                                           texts[-1] if texts else "-")
        detail += "\npanic line: %s" % (has_panic[0] if has_panic else
                                        "MISSING")
        detail += "\nmarker line: %s" % (has_marker[0] if has_marker else
                                         "MISSING")
        report("ok" if texts and has_panic and has_marker else "not ok",
               "printk", detail)
    except Exception as e:  # noqa: BLE001
        report("not ok", "printk", "%s: %s" % (type(e).__name__, e))

    # backtrace of the crashed thread
    try:
        task_addr = region_vaddr(core, "panic_task")
        if task_addr is not None:
            task = drgn.Object(prog, "struct task_struct *", value=task_addr)
            trace = prog.stack_trace(task)
            who = "panic_task pid %d (%s)" % (task.pid.value_(),
                                              task.comm.string_().decode())
        else:
            thread = prog.crashed_thread()
            trace = thread.stack_trace()
            who = "crashed thread tid %s" % thread.tid
        frames = []
        for f in trace:
            try:
                frames.append(f.name or hex(f.pc))
            except Exception:  # noqa: BLE001
                frames.append("?")
        panicky = [f for f in frames if f and ("panic" in f)]
        detail = "%s: %d frames: %s" % (
            who, len(frames), " <- ".join(map(str, frames[:16])))
        if panicky:
            report("ok", "backtrace", detail)
        else:
            report("not ok", "backtrace", detail + "\nno panic frame")
    except Exception as e:  # noqa: BLE001
        msg = "%s: %s" % (type(e).__name__, e)
        # A dump without the task's stack cannot unwind: a limit of the
        # dump's contents, reported as skip with the reason.
        word = "skip" if isinstance(e, (drgn.FaultError, ValueError,
                                        LookupError)) else "not ok"
        report(word, "backtrace", msg)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
