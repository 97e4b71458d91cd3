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
                   task is the dump's KTASK<panic_cpu> region (kmemdump
                   registers every CPU's current task at panic, seq 0);
                   drgn takes its registers from the
                   NT_PRSTATUS of the CPU it ran on. Without that region,
                   prog.crashed_thread() is tried.
  drgn-modules     the modules list and each module's section attributes
                   read from the dump: the scenario module's sections at
                   the addresses the guest read from sysfs
                   (KMD_MODULE_SECTIONS: KMD-MODULE-SECTION lines); its
                   .ko's functions (KMD_MODULE_KO) placed there name the
                   module's frames in drgn-cpus (drgn 0.0.22 cannot place
                   a module itself on Linux >= 6.4: see module_symbols())
  drgn-cpus        for every NT_PRSTATUS (one per CPU), the task the dump
                   holds as running on that CPU (task->on_cpu, task_cpu():
                   the KTASK<c> PT_LOADs: the CPU sets', the regions
                   registered at panic; a
                   task in two sets, or in two CPUs' sets after a
                   migration, counts once), and its stack
                   trace, which must reach the bottom of the stack; in a
                   lockup each contains lockup_cpu (the scenario's spin), in
                   a panic the panicking task's contains panic
  drgn-read-regions  every PT_LOAD read through drgn's memory reader by
                   virtual address (prog.read(p_vaddr, p_filesz)) gives the
                   bytes the core holds for it
  drgn-translate   every PT_LOAD but the page tables' own (pgt<N>) and the
                   CPU sets (KTASK<c>, KSTACK<c>_<i>) read
                   through the dumped page tables (drgn's
                   _linux_helper_read_vm() from swapper_pg_dir, what drgn does
                   outside the PT_LOADs) gives the same bytes
  drgn-fault-address reading memory no PT_LOAD covers (the first of
                   init_task, loops_per_jiffy, max_pfn not dumped: kernel
                   image data) raises FaultError at the address asked for,
                   or at its physical address (drgn 0.0.22 reports the
                   physical address once it translated through dumped page
                   tables), not at a page-table entry (what it reports when
                   the page tables are missing)
  drgn-jiffies     jiffies is at least the value the guest printed just
                   before the freeze (its KMD-ANALYST line, KMD_CONSOLE) and
                   at most 60 s of ticks more
  drgn-panic-cpu   panic_cpu is the CPU that printed that line and panicked
                   (-1 after a lockup, read from a PT_LOAD)
  drgn-crashed-thread  prog.crashed_thread() is the task that printed it
                   (its pid and comm); skip after a lockup, and where drgn
                   before 0.0.23 cannot know the CPU (no crashing_cpu, as
                   on arm64) and it was not CPU 0
  drgn-runqueues   each online CPU's runqueue (per_cpu(runqueues, cpu)):
                   rq->curr is readable and on that CPU; on the CPU that
                   panicked, the panicking task
  drgn-kstack      what Qualcomm's parser's run-queue report reads in
                   minidump mode, for every present CPU c: the sections
                   KTASK<c> at rq->curr and KSTACK<c>_0..3 (PT_LOADs or
                   mdfw's aliases), the 4 KiB pages of rq->curr->stack.
                   After a lockup mdfw named them by the CPU's stack
                   pointer; a CPU frozen inside a switch (rq->curr already
                   the next task, KTASK<c>@1, while the CPU still runs on
                   the previous one's stack) is checked against KTASK<c>'s
                   own ->stack and said so
Also prints "# drgn prb->desc_ring.head_id.counter = N" (the printk ring's
head descriptor ID, a runtime-only value) for check-dump.sh's gdb check.
Exit status 0 unless something ran and failed ('skip' is not a failure).
"""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "../../scripts"))
from kmdcore import file_notes as notes  # noqa: E402
from kmdcore import file_vmcoreinfo as vmcoreinfo  # noqa: E402
from kmdcore import module_sections, pt_loads, section_map  # noqa: E402

MARKER = "kmemdump-marker: last words before freeze"
# The freeze's line in the log (check-dump.sh sets it per freeze mode).
PANIC = os.environ.get("KMD_FREEZE_LINE", "Kernel panic - not syncing")


START_KERNEL_MAP = 0xffffffff80000000
# Kernel-image page tables, to name a page-table entry a fault points at.
PGT_SYMBOLS = ("init_top_pgt", "level4_kernel_pgt", "level3_kernel_pgt",
               "level2_kernel_pgt", "level2_fixmap_pgt", "level1_fixmap_pgt",
               "level3_ident_pgt", "level2_ident_pgt")
UNDUMPED_CANDIDATES = ("init_task", "loops_per_jiffy", "max_pfn")


# Where a CPU's kernel stack begins: a backtrace ending in one of these
# reached the bottom (kernel entry from user space, a new thread, boot).
STACK_BOTTOMS = ("entry_SYSCALL_64", "entry_SYSCALL_64_after_hwframe",
                 "ret_from_fork", "ret_from_fork_asm", "start_kernel",
                 "x86_64_start_reservations", "x86_64_start_kernel",
                 "common_startup_64", "secondary_startup_64",
                 "secondary_startup_64_no_verify", "cpu_startup_entry",
                 "kernel_init")


def dump_modules(prog):
    """{module: {section: address}}: the loaded modules as the dump holds
    them, walked with drgn: the modules list and each module's section
    attributes, which kmemdump registers (mm/kmemdump/modules.c)."""
    from drgn.helpers.linux.list import list_for_each_entry
    out = {}
    for mod in list_for_each_entry("struct module", prog["modules"].address_of_(),
                                   "list"):
        secs = {}
        attrs = mod.sect_attrs
        if attrs:
            for i in range(min(attrs.nsections.value_(), 1024)):
                a = attrs.attrs[i]
                secs[a.battr.attr.name.string_().decode()] = a.address.value_()
        out[mod.name.string_().decode()] = secs
        if len(out) >= 4096:
            break
    return out


def module_symbols(ko, secs):
    """[(start, end, name)]: the functions of the module file KO placed at
    the section addresses SECS ({section: address}). drgn 0.0.22 cannot
    place a module's debug info itself on Linux >= 6.4: it reads struct
    module's core_layout/core_size, which 6.4 replaced by mem[]."""
    import subprocess
    out = subprocess.run(["objdump", "-t", ko], capture_output=True, text=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        # value flags F section size name
        if len(f) >= 6 and f[-4] == "F" and f[-3] in secs:
            start = secs[f[-3]] + int(f[0], 16)
            syms.append((start, start + int(f[-2], 16), f[-1]))
    return syms


def frame_name(prog, frame, modsyms=()):
    """The function of a stack frame: from DWARF, else from the symbol
    table (assembly entry code has no DWARF), else from the module's
    symbols placed where the dump says it is (module_symbols()), else its
    PC."""
    try:
        if frame.name:
            return frame.name
    except Exception:  # noqa: BLE001
        pass
    try:
        pc = frame.pc
    except LookupError:
        return "?"
    try:
        return prog.symbol(pc).name
    except LookupError:
        pass
    # A caller's pc is its return address, which may be past the end of a
    # function that ends with a call that does not return.
    look = pc if getattr(frame, "interrupted", True) else pc - 1
    for start, end, name in modsyms:
        if start <= look < end:
            return name + " [module]"
    return hex(pc)


def cpu_tasks(prog, core):
    """{cpu: [(region, task), ...]}: every task_struct region of the core
    (KTASK<c>, region "KTASK<c>.<seq>": the CPU sets', and at panic the
    regions of every CPU's current task, seq 0; in
    another core, any PT_LOAD sized like a
    task_struct: x86 allocates less than sizeof(), the FPU state cut) whose
    task is on a CPU (task->on_cpu), by the CPU it says it runs on."""
    import drgn
    from drgn.helpers.linux.sched import task_cpu
    with open(core, "rb") as f:
        loads = pt_loads(f.read(1 << 20))
    size = prog.type("struct task_struct").size
    least = drgn.offsetof(prog.type("struct task_struct"), "thread")
    named = [ld for ld in loads if re.match(r"^KTASK\d+$", ld["name"] or "")]
    seen, out = set(), {}
    for ld in named or loads:
        if not least <= ld["size"] <= size or ld["vaddr"] in seen:
            continue
        seen.add(ld["vaddr"])
        t = drgn.Object(prog, "struct task_struct *", value=ld["vaddr"])
        if t.on_cpu.value_():
            name = ("%s.%d" % (ld["name"], ld["seq"]) if ld["name"].startswith("KTASK")
                    else ld["name"])
            out.setdefault(task_cpu(t), []).append((name, t))
    return out


def panic_task(prog, core):
    """p_vaddr of KTASK<panic_cpu> seq 0, the panicking task kmemdump
    registered at panic, or None (nothing panicked)."""
    cpu = prog["panic_cpu"].counter.value_()
    if cpu < 0:
        return None
    with open(core, "rb") as f:
        loads = pt_loads(f.read(1 << 20))
    return next((ld["vaddr"] for ld in loads
                 if ld["name"] == "KTASK%d" % cpu and ld["seq"] == 0), None)


def section_map_of(core):
    """kmdcore.section_map() of the file CORE, as {'vaddr', 'size'}."""
    with open(core, "rb") as f:
        return {k: {"vaddr": a, "size": n} for k, (a, n) in section_map(f.read(1 << 20)).items()}


# NT_PRSTATUS size -> index of the stack pointer in pr_reg (offset 112).
SP_INDEX = {336: 19, 392: 31}   # x86-64 rsp, aarch64 sp


def stack_pointers(note_list):
    """Each CPU's stack pointer from its NT_PRSTATUS (CPU order), or None
    where it has no registers."""
    out = []
    for name, typ, desc in note_list:
        if name == b"CORE" and typ == 1 and len(desc) in SP_INDEX:
            regs = desc[112:112 + 8 * (SP_INDEX[len(desc)] + 1)]
            sp = int.from_bytes(regs[-8:], "little")
            out.append(sp if any(regs) else None)
    return out


def analyst(prog, mode, loads, secs, sps, report):
    """drgn-jiffies, drgn-panic-cpu, drgn-crashed-thread, drgn-runqueues:
    what an analyst reads first, against the KMD-ANALYST line the guest
    printed just before the freeze (KMD_CONSOLE: its console.log)."""
    import drgn
    from drgn.helpers.linux.cpumask import for_each_online_cpu, for_each_present_cpu
    from drgn.helpers.linux.percpu import per_cpu
    from drgn.helpers.linux.sched import task_cpu
    con = os.environ.get("KMD_CONSOLE")
    text = open(con, errors="replace").read() if con and os.path.exists(con) else ""
    m = re.search(r"KMD-ANALYST: jiffies (\d+) HZ (\d+) cpu (\d+) pid (\d+) comm (\S+)",
                  text)
    names = ("jiffies", "panic-cpu", "crashed-thread", "runqueues", "kstack")
    if not m:
        for n in names:
            report("skip", n, "no KMD-ANALYST line in the console (KMD_CONSOLE)")
        return
    j1, hz, cpu, pid = (int(x) for x in m.groups()[:4])
    comm = m.group(5)
    panicked = mode.split(".")[0] != "lockup"

    def in_dump(obj):
        a = obj.address_
        n = drgn.sizeof(obj)
        return any(ld["vaddr"] <= a and a + n <= ld["vaddr"] + ld["size"]
                   for ld in loads)

    # jiffies (an alias of jiffies_64 drgn 0.0.22 does not name on x86):
    # at least what the guest printed (the vmlinux's initial value is
    # less), at most the watchdog's 60 s later.
    try:
        jname = "jiffies"
        try:
            jv = prog[jname]
        except KeyError:
            jname = "jiffies_64"
            jv = prog[jname]
        j = jv.value_()
        report("ok" if j1 <= j <= j1 + 60 * hz else "not ok", "jiffies",
               "%s = %d; the guest printed %d before the freeze (HZ %d): %+d ticks"
               % (jname, j, j1, hz, j - j1))
    except Exception as e:  # noqa: BLE001
        report("not ok", "jiffies", "%s: %s" % (type(e).__name__, e))
    # panic_cpu: the CPU that printed the line and panicked; -1 after a
    # lockup, which is also its initial value: then it must come from the
    # dump, not from anything drgn could make up.
    try:
        pc = prog["panic_cpu"]
        v = pc.counter.value_()
        want = cpu if panicked else -1
        report("ok" if v == want and in_dump(pc) else "not ok", "panic-cpu",
               "panic_cpu = %d, want %d (%s); %s" % (
                   v, want, "the CPU that panicked" if panicked else "nothing panicked",
                   "in the dump" if in_dump(pc) else "NOT in any PT_LOAD"))
    except Exception as e:  # noqa: BLE001
        report("not ok", "panic-cpu", "%s: %s" % (type(e).__name__, e))
    # crashed_thread(): the panicking task, found by its pid.
    try:
        prog.symbol("crashing_cpu")
        has_crashing_cpu = True
    except LookupError:
        has_crashing_cpu = False
    old_drgn = tuple(int(x) for x in re.findall(r"\d+", drgn.__version__)[:3]) < (0, 0, 23)
    if not panicked:
        report("skip", "crashed-thread", "nothing panicked (a lockup): no crashed thread")
    elif old_drgn and not has_crashing_cpu and cpu != 0:
        # drgn before 0.0.23 reads x86's crashing_cpu, and takes CPU 0
        # where there is none (arm64); newer versions read panic_cpu.
        report("skip", "crashed-thread", "drgn %s takes CPU 0's thread without "
               "crashing_cpu (not x86), and CPU %d panicked" % (drgn.__version__, cpu))
    else:
        try:
            t = prog.crashed_thread()
            task = t.object
            got = (t.tid, task.pid.value_(), task.comm.string_().decode())
            report("ok" if got == (pid, pid, comm) else "not ok", "crashed-thread",
                   "crashed_thread(): tid %d, task pid %d comm %s; the guest: pid %d comm %s"
                   % (got + (pid, comm)))
        except Exception as e:  # noqa: BLE001
            report("not ok", "crashed-thread", "%s: %s" % (type(e).__name__, e))
    # Each CPU's runqueue and current task (what the vendor parser's
    # run-queue report lists): readable for every online CPU, the task on
    # that CPU, and on the CPU that panicked the panicking task.
    try:
        lines, bad = [], []
        for c in for_each_online_cpu(prog):
            curr = per_cpu(prog["runqueues"], c).curr
            tc = task_cpu(curr)
            who = "%s pid %d" % (curr.comm.string_().decode(), curr.pid.value_())
            lines.append("cpu %d: rq->curr %s (task_cpu %d)" % (c, who, tc))
            if tc != c:
                bad.append("cpu %d: rq->curr's task_cpu is %d" % (c, tc))
            if panicked and c == cpu and curr.pid.value_() != pid:
                bad.append("cpu %d panicked in pid %d, rq->curr is %s" % (c, pid, who))
        report("ok" if lines and not bad else "not ok", "runqueues",
               "\n".join(lines + bad) or "no online CPU")
    except Exception as e:  # noqa: BLE001
        report("not ok", "runqueues", "%s: %s" % (type(e).__name__, e))
    # What the vendor parser's run-queue report reads in minidump mode: for
    # every present CPU (it counts __cpu_present_mask; arm64's stop IPI
    # takes the others offline), header sections KSTACK<c>_0..3, 4 KiB
    # pages of its current task's stack, and KTASK<c>, that task. rq->curr
    # says which task that is, read by drgn through the per-CPU areas, not
    # from these sections.
    try:
        lines, bad = [], []
        for c in for_each_present_cpu(prog):
            curr = per_cpu(prog["runqueues"], c).curr
            task, how = curr, "rq->curr"
            t = secs.get(("KTASK%d" % c, 0))
            prev = secs.get(("KTASK%d" % c, 1))
            sp = sps[c] if c < len(sps) else None
            if (not panicked and t is not None and t["vaddr"] != curr.value_() and
                    prev is not None and prev["vaddr"] == curr.value_() and sp is not None):
                # Frozen inside a switch: rq->curr is already the next
                # task, the CPU still on the previous one's stack.
                cand = drgn.Object(prog, "struct task_struct *", value=t["vaddr"])
                base = cand.stack.value_()
                if base <= sp < base + 4 * 4096:
                    task = cand
                    how = ("the task on whose stack its sp %#x is (inside a switch: "
                           "rq->curr is KTASK%d@1)" % (sp, c))
            stack = task.stack.value_()
            if t is None or t["vaddr"] != task.value_():
                bad.append("cpu %d: rq->curr %#x, KTASK%d %s" % (
                    c, curr.value_(), c, "at %#x" % t["vaddr"] if t else "missing"))
            pages = [secs.get(("KSTACK%d_%d" % (c, i), 0)) for i in range(4)]
            wrong = [i for i, ld in enumerate(pages)
                     if ld is None or ld["vaddr"] != stack + 4096 * i or ld["size"] < 4096]
            if wrong:
                bad.append("cpu %d: ->stack %#x: KSTACK%d_<i> missing or not page i of it, "
                           "for i in %s" % (c, stack, c, wrong))
            lines.append("cpu %d: KTASK%d = %s %s pid %d, KSTACK%d_0..3 = its stack %#x"
                         % (c, c, how, task.comm.string_().decode(), task.pid.value_(), c,
                            stack))
        report("ok" if lines and not bad else "not ok", "kstack",
               "\n".join(lines + bad) or "no present CPU")
    except Exception as e:  # noqa: BLE001
        report("not ok", "kstack", "%s: %s" % (type(e).__name__, e))


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
        task_addr = panic_task(prog, core)
        if task_addr is not None:
            task = drgn.Object(prog, "struct task_struct *", value=task_addr)
            trace = prog.stack_trace(task)
            who = "KTASK%d pid %d (%s)" % (prog["panic_cpu"].counter.value_(),
                                           task.pid.value_(), task.comm.string_().decode())
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
    # the loaded modules, from the dump; the scenario module's functions
    # placed where the dump says it was loaded
    modsyms = []
    ko, ref = os.environ.get("KMD_MODULE_KO"), os.environ.get("KMD_MODULE_SECTIONS")
    try:
        mods = dump_modules(prog)
        name = os.path.basename(ko or "kmemdump_scenario.ko")[:-3]
        secs = mods.get(name, {})
        detail = "%d modules in the dump: %s; %s: %d sections" % (
            len(mods), " ".join(sorted(mods)), name, len(secs))
        if ko and os.path.exists(ko) and secs:
            modsyms = module_symbols(ko, secs)
        want = (module_sections(open(ref, errors="replace").read(), name)
                if ref and os.path.exists(ref) else {})
        if not want:
            report("skip", "modules", detail + "\nno sysfs reference (KMD_MODULE_SECTIONS)")
        elif secs != want:
            diff = sorted(set(secs.items()) ^ set(want.items()))[:6]
            report("not ok", "modules", detail + "\nsections differ from sysfs': " +
                   ", ".join("%s %#x" % d for d in diff))
        else:
            spin = [m for m in modsyms if m[2].startswith("lockup_cpu")]
            report("ok", "modules", detail + " at the addresses sysfs gave; %d "
                   "functions placed%s" % (len(modsyms), ", %s at %#x" % (
                       spin[0][2], spin[0][0]) if spin else ""))
    except Exception as e:  # noqa: BLE001
        report("not ok", "modules", "%s: %s" % (type(e).__name__, e))
    # every CPU's current task, from the regions and the NT_PRSTATUS notes
    try:
        ncpu = sum(1 for name, typ, _ in notes(core) if typ == 1 and name == b"CORE")
        tasks = cpu_tasks(prog, core)
        lines, bad, idle = [], [], []
        pcpu = prog["panic_cpu"].counter.value_()
        for cpu in range(ncpu):
            found = tasks.get(cpu, [])
            if len(found) != 1:
                bad.append("cpu %d: %d on-CPU tasks in the dump" % (cpu, len(found)))
                continue
            region, task = found[0]
            frames = [frame_name(prog, f, modsyms) for f in prog.stack_trace(task)]
            # The unwinder's last frame may be an empty return address.
            while len(frames) > 1 and frames[-1] in ("?", "0x0"):
                frames.pop()
            lines.append("cpu %d: %s pid %d (%s), %d frames: %s" % (
                cpu, region, task.pid.value_(), task.comm.string_().decode(),
                len(frames), " <- ".join(frames[:24])))
            if not task.pid.value_():
                # drgn 0.0.22 finds a running task's NT_PRSTATUS by PID, and
                # every idle task has PID 0: it unwinds the idle task from
                # its switched-out frame instead. Not the dump's fault.
                idle.append(cpu)
                continue
            if len(frames) < 2 or frames[-1] not in STACK_BOTTOMS:
                bad.append("cpu %d: the trace does not reach the bottom of "
                           "the stack (last frame %s)" % (cpu, frames[-1] if frames else "-"))
            want = {"panic": "panic", "lockup": "lockup_cpu"}.get(mode.split(".")[0])
            # The function, without " [module]" or a clone's ".constprop.0".
            funcs = [f.split(" ")[0].split(".")[0] for f in frames]
            if want and want not in funcs and (want != "panic" or cpu == pcpu):
                bad.append("cpu %d: no %s frame" % (cpu, want))
        if not ncpu:
            bad.append("no NT_PRSTATUS note")
        if idle:
            lines.append("idle CPUs %s: drgn 0.0.22 looks a running task's "
                         "registers up by PID, and idle tasks all have PID 0: "
                         "not checked" % idle)
        word = "not ok" if bad else "skip" if len(idle) == ncpu else "ok"
        report(word, "cpus", "\n".join(["%d CPUs" % ncpu] + lines + bad))
    except Exception as e:  # noqa: BLE001
        report("not ok", "cpus", "%s: %s" % (type(e).__name__, e))

    # every PT_LOAD through drgn's memory reader, by virtual address
    with open(core, "rb") as f:
        loads = pt_loads(f.read(1 << 20))
    full = loads and all(ld["vaddr"] == ld["paddr"] for ld in loads)
    if full:
        report("skip", "read-regions", "no PT_LOAD has a kernel virtual address "
               "(p_vaddr == p_paddr: a QEMU paging=false dump)")
        loads = []
    elif not loads:
        report("not ok", "read-regions", "no PT_LOAD in the core")

    def file_bytes(ld):
        with open(core, "rb") as f:
            f.seek(ld["offset"])
            return f.read(ld["size"])
    bad = []
    for ld in loads:
        what = "%s.%s" % (ld["name"], ld["seq"]) if ld["name"] else hex(ld["vaddr"])
        try:
            got = prog.read(ld["vaddr"], ld["size"])
            if got != file_bytes(ld):
                bad.append("%s at %#x: drgn reads other bytes than the core "
                           "holds" % (what, ld["vaddr"]))
        except Exception as e:  # noqa: BLE001
            bad.append("%s at %#x: %s: %s" % (what, ld["vaddr"],
                                              type(e).__name__, e))
    if loads:
        report("ok" if not bad else "not ok", "read-regions",
               "%d PT_LOADs, %d read back byte-exact by virtual address%s" %
               (len(loads), len(loads) - len(bad),
                "".join("\n" + b for b in bad[:8])))

    # every PT_LOAD again, translated through the dumped page tables (what
    # drgn does for addresses outside the PT_LOADs, and what makedumpfile
    # does for every address): the page-table pages kmemdump registers
    # (pgt<N>) must cover every region. Not the pgt regions themselves:
    # page tables are read by physical address; nor the CPU sets (KTASK<c>,
    # KSTACK<c>_<i>): re-pointed at every context switch, they are read
    # through their own PT_LOADs, and kmemdump does not follow their page
    # tables (see kmemdump.rst).
    try:
        vmci = vmcoreinfo(core)
        pgd = int(vmci["SYMBOL(swapper_pg_dir)"], 16)
        try:
            from _drgn import _linux_helper_read_vm as read_vm
        except ImportError:
            read_vm = None
        if read_vm is None:
            report("skip", "translate", "this drgn has no _linux_helper_read_vm")
        elif full:
            report("skip", "translate", "no kernel virtual addresses to translate")
        else:
            slots = re.compile(r"^(pgt\d+|KTASK\d+|KSTACK\d+_\d+)$")
            todo = [ld for ld in loads if not slots.match(ld["name"] or "")]
            bad = []
            for ld in todo:
                what = "%s.%s" % (ld["name"], ld["seq"])
                try:
                    got = read_vm(prog, pgd, ld["vaddr"], ld["size"])
                    if got != file_bytes(ld):
                        bad.append("%s at %#x: other bytes through the page tables"
                                   % (what, ld["vaddr"]))
                except drgn.FaultError as e:
                    bad.append("%s at %#x: %s at %#x" % (what, ld["vaddr"], e.message,
                                                         e.address))
            report("ok" if todo and not bad else "not ok", "translate",
                   "%d of %d PT_LOADs (pgt<N>, KTASK<c>/KSTACK<c>_<i> aside) read back through the page "
                   "tables from swapper_pg_dir%s" % (len(todo) - len(bad), len(todo),
                                                     "".join("\n" + b for b in bad[:12])))
    except Exception as e:  # noqa: BLE001
        report("not ok", "translate", "%s: %s" % (type(e).__name__, e))

    # memory outside every PT_LOAD: where does drgn say the fault is?
    def covered(a, n):
        return any(ld["vaddr"] < a + n and a < ld["vaddr"] + ld["size"]
                   for ld in loads)
    try:
        vmci = vmcoreinfo(core)
        phys_base = int(vmci.get("NUMBER(phys_base)", "0"), 0) & (2**64 - 1)
        sym = None
        for name in UNDUMPED_CANDIDATES:
            try:
                s = prog.symbol(name)
            except LookupError:
                continue
            if not covered(s.address, 8):
                sym = s
                break
        if sym is None:
            raise LookupError("all of %s are dumped" % ", ".join(UNDUMPED_CANDIDATES))
        addr = sym.address
        phys = (addr - START_KERNEL_MAP + phys_base) & (2**64 - 1)
        try:
            prog.read(addr, 8)
            report("not ok", "fault-address", "%s at %#x is in no PT_LOAD, yet "
                   "drgn read it" % (sym.name, addr))
        except drgn.FaultError as e:
            said = "FaultError(%r, %#x) reading %s at %#x" % (e.message, e.address,
                                                              sym.name, addr)
            if e.address == addr:
                report("ok", "fault-address", said + ": the address asked for")
            elif e.address == phys:
                report("ok", "fault-address", said + ": its physical address "
                       "(drgn 0.0.22 translated it through the dumped page "
                       "tables and reports the physical read that failed)")
            else:
                where = "neither the address asked for nor its physical address %#x" % phys
                for name in PGT_SYMBOLS:
                    try:
                        pa = (prog.symbol(name).address - START_KERNEL_MAP +
                              phys_base) & (2**64 - 1)
                    except LookupError:
                        continue
                    if pa <= e.address < pa + 4096:
                        where = ("page-table entry %s[%d] (physical %#x): the page "
                                 "tables are not in the dump" %
                                 (name, (e.address - pa) // 8, pa))
                        break
                report("not ok", "fault-address", said + ": " + where)
    except Exception as e:  # noqa: BLE001
        report("not ok", "fault-address", "%s: %s" % (type(e).__name__, e))

    analyst(prog, mode, loads, section_map_of(core), stack_pointers(notes(core)), report)

    # the printk ring's head ID, for check-dump.sh's gdb comparison
    try:
        head = prog["prb"].desc_ring.head_id.counter.value_()
        print("# drgn prb->desc_ring.head_id.counter = %d" % head)
    except Exception as e:  # noqa: BLE001
        print("# drgn prb->desc_ring.head_id.counter: %s: %s" % (type(e).__name__, e))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
